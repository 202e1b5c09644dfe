"""The Python client: the record layer on its own (round trips, the published vector,
mutations), and, when KEEP_ADDR names a live keepd (tests/python_client_e2e_test.cc starts
one), the issue's example as written, the cache's counts, encrypted fields on sqlite3 and
on a plain class, batches, error codes, and records exchanged with libkeep through
KEEP_XLANG_DIR."""
import os
import random
import re
import sqlite3
import unittest

import keep
from keep import record as rec

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CTX = {"table": "cards", "row": "42"}


class RecordLayer(unittest.TestCase):
    def setUp(self):
        self.keys = rec.RecordKeys(bytes(range(32)))

    def seal(self, plain, log2=12):
        return rec.seal(self.keys, "orders", ["table"], "keep:stand-in", CTX, plain, log2)

    def test_round_trips_across_segments(self):
        for n in (0, 1, 64, 4095, 4096, 4097, 10000):
            plain = bytes(i % 251 for i in range(n))
            self.assertEqual(rec.open_record(self.keys, self.seal(plain), CTX), plain, n)

    def test_published_vector_opens(self):
        with open(os.path.join(ROOT, "docs", "formats.md")) as f:
            doc = f.read()
        block = doc[doc.index("<!-- record-vector-begin -->"):doc.index("<!-- record-vector-end -->")]
        hexes = "".join(re.findall(r"^    ([0-9a-f]+)$", block[block.index("Record ("):], re.M))
        blob = bytes.fromhex(hexes)
        self.assertEqual(rec.open_record(self.keys, blob, {"row": "42", "table": "cards"}),
                         b"keep record v1 test vector")
        with self.assertRaises(keep.KeepError) as e:
            rec.open_record(self.keys, blob, {"row": "41", "table": "cards"})
        self.assertEqual(e.exception.code, "wrong_key")

    def test_every_truncation_and_flip_is_refused(self):
        blob = self.seal(b"x" * 5000)
        h = rec.parse_header(blob)
        wrapped_at = h.body_offset - len(h.wrapped)
        for n in range(len(blob)):
            with self.assertRaises(keep.KeepError):
                rec.open_record(self.keys, blob[:n], CTX)
        with self.assertRaises(keep.KeepError) as e:
            rec.open_record(self.keys, blob + b"\0", CTX)
        self.assertEqual(e.exception.code, "invalid_record")
        small = self.seal(b"0123456789")
        h = rec.parse_header(small)
        wrapped_at = h.body_offset - len(h.wrapped)
        for i in range(len(small)):
            m = bytearray(small)
            m[i] ^= 0x04
            if wrapped_at <= i < h.body_offset:
                continue  # outside the MAC on purpose: keepd authenticates it
            with self.assertRaises(keep.KeepError, msg="byte %d" % i):
                rec.open_record(self.keys, bytes(m), CTX)

    def test_random_mutations_never_open(self):
        rnd = random.Random(7)
        for _ in range(200):
            blob = self.seal(bytes(rnd.randrange(256) for _ in range(rnd.randrange(6000))))
            m = bytearray(blob)
            op = rnd.randrange(3)
            if op == 0:
                del m[rnd.randrange(len(m)):]
            elif op == 1:
                m.insert(rnd.randrange(len(m)), rnd.randrange(256))
            else:
                h = rec.parse_header(blob)
                m[h.body_offset + rnd.randrange(len(m) - h.body_offset)] ^= 1 + rnd.randrange(255)
            with self.assertRaises(keep.KeepError):
                rec.open_record(self.keys, bytes(m), CTX)

    def test_other_versions_and_contexts(self):
        blob = bytearray(self.seal(b"v"))
        blob[7] = 2
        with self.assertRaises(keep.KeepError) as e:
            rec.open_record(self.keys, bytes(blob), CTX)
        self.assertIn("version 2", e.exception.message)
        with self.assertRaises(keep.KeepError):
            rec.wrap_context({"keep-record": "x"}, [])


@unittest.skipUnless(os.environ.get("KEEP_ADDR"), "needs a live keepd (KEEP_ADDR)")
class Live(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = keep.Client()

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def test_the_example_works_as_written(self):
        client = keep.Client()
        env = keep.Envelope(client, "orders", max_age=300, max_messages=100_000)
        blob = env.encrypt(b"4111 1111 1111 1111", context={"table": "cards", "row": "42"})
        assert env.decrypt(blob, context={"table": "cards", "row": "42"}) == b"4111 1111 1111 1111"
        with self.assertRaises(keep.KeepError) as e:
            keep.Envelope(client, "orders").decrypt(blob, context={"table": "cards", "row": "43"})
        self.assertEqual(e.exception.code, "context_mismatch")

    def test_one_keepd_call_per_data_key(self):
        env = keep.Envelope(self.client, "orders", partition_by=["table"])
        blobs = [env.encrypt(b"r%d" % i, {"table": "cards", "row": str(i)}) for i in range(200)]
        self.assertEqual(env.encrypt_cache.misses, 1)
        self.assertEqual(env.encrypt_cache.hits, 199)
        reader = keep.Envelope(self.client, "orders")
        for i, b in enumerate(blobs):
            self.assertEqual(reader.decrypt(b, {"table": "cards", "row": str(i)}), b"r%d" % i)
        self.assertEqual(reader.decrypt_cache.misses, 1)
        none = keep.Envelope(self.client, "orders", max_age=0)
        for _ in range(3):
            none.encrypt(b"x")
        self.assertEqual(none.encrypt_cache.misses, 3)

    def test_fields_in_sqlite(self):
        env = keep.Envelope(self.client, "orders", partition_by=["table"])
        fields = keep.FieldEncryptor(env, "cards", ["number"])
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE cards (id INTEGER PRIMARY KEY, holder TEXT, number BLOB)")
        for i, (holder, number) in enumerate([("A", "4111 1111 1111 1111"), ("B", "5500 0000")]):
            row = fields.encrypt_row(i, {"holder": holder, "number": number})
            db.execute("INSERT INTO cards VALUES (?, ?, ?)", (i, row["holder"], row["number"]))
        stored = db.execute("SELECT number FROM cards WHERE id = 0").fetchone()[0]
        self.assertNotIn(b"4111", stored)
        rows = {i: fields.decrypt_row(i, {"holder": h, "number": n})
                for i, h, n in db.execute("SELECT id, holder, number FROM cards")}
        self.assertEqual(rows[0]["number"], "4111 1111 1111 1111")
        # Copied into another row: does not decrypt.
        with self.assertRaises(keep.KeepError) as e:
            fields.decrypt_row(1, {"number": stored})
        self.assertEqual(e.exception.code, "wrong_key")

    def test_fields_on_a_class(self):
        env = keep.Envelope(self.client, "orders")

        class Card:
            number = keep.EncryptedField(env)

            def __init__(self, id, number):
                self.id = id
                self.number = number

        c = Card(7, "4111 1111 1111 1111")
        self.assertNotIn(b"4111", Card.number.stored(c))
        self.assertEqual(c.number, "4111 1111 1111 1111")
        other = Card(8, "x")
        Card.number.load(other, Card.number.stored(c))
        with self.assertRaises(keep.KeepError):
            other.number

    def test_typed_calls_and_error_codes(self):
        c = self.client
        try:
            c.create_key("py-typed")
        except keep.KeepError as e:
            self.assertEqual(e.code, "already_exists")
        e1 = c.encrypt("py-typed", b"\x00bin", {"a": "1"})
        plain, answer = c.decrypt(e1["ciphertext"], {"a": "1"})
        self.assertEqual((plain, answer["key"]), (b"\x00bin", "py-typed"))
        with self.assertRaises(keep.KeepError) as e:
            c.decrypt(e1["ciphertext"], {"a": "2"})
        self.assertEqual(e.exception.code, "context_mismatch")
        out = c.decrypt_batch([(e1["ciphertext"], {"a": "1"}), ("keep:garbage", {})])
        self.assertEqual(out[0], b"\x00bin")
        self.assertIsInstance(out[1], keep.KeepError)
        with self.assertRaises(keep.KeepError) as e:
            c.get_key("../sys/seal")
        self.assertEqual(e.exception.code, "bad_request")
        self.assertEqual(len(c.random(16)), 16)
        self.assertEqual(c.health()["http_status"], 200)

    def test_public_keys_signatures_and_macs(self):
        c = self.client
        for name, kw in (("py-intake", {"type": "x25519"}),
                         ("py-intake-rsa", {"type": "rsa-2048", "purpose": "encrypt"})):
            try:
                c.create_key(name, **kw)
            except keep.KeepError as e:
                self.assertEqual(e.code, "already_exists")
            pub = c.get_public_key(name)["public_key_file"]
            # Offline: no call to keepd makes the ciphertext; keepd opens it.
            ct = keep.seal_to_public_key(pub, b"from the web tier", {"form": "signup"})
            plain, answer = c.decrypt(ct, {"form": "signup"})
            self.assertEqual((plain, answer["key"]), (b"from the web tier", name))
            with self.assertRaises(keep.KeepError) as e:
                c.decrypt(ct, {"form": "other"})
            self.assertEqual(e.exception.code, "invalid_ciphertext")
        with self.assertRaises(keep.KeepError) as e:
            keep.seal_to_public_key("-----BEGIN PUBLIC KEY-----\n", b"x")
        self.assertEqual(e.exception.code, "bad_request")
        try:
            c.create_key("py-signer", type="ecdsa-p256")
            c.create_key("py-mac", type="hmac-sha256")
        except keep.KeepError as e:
            self.assertEqual(e.code, "already_exists")
        sig = c.sign("py-signer", b"doc")["signature"]
        self.assertTrue(sig.startswith("keep:v"))
        self.assertTrue(c.verify("py-signer", b"doc", sig))
        self.assertFalse(c.verify("py-signer", b"other", sig))
        mac = c.hmac("py-mac", b"doc")["mac"]
        self.assertTrue(c.verify_hmac("py-mac", b"doc", mac))
        self.assertFalse(c.verify_hmac("py-mac", b"dog", mac))
        with self.assertRaises(keep.KeepError) as e:
            c.sign("py-mac", b"doc")
        self.assertEqual(e.exception.code, "invalid_key_usage")

    @unittest.skipUnless(os.environ.get("KEEP_XLANG_DIR"), "needs KEEP_XLANG_DIR")
    def test_records_cross_languages(self):
        d = os.environ["KEEP_XLANG_DIR"]
        env = keep.Envelope(self.client, "orders")
        with open(os.path.join(d, "cpp.rec"), "rb") as f:
            self.assertEqual(env.decrypt(f.read(), CTX), b"written by libkeep")
        with open(os.path.join(d, "py.rec"), "wb") as f:
            f.write(env.encrypt(b"written by python", CTX))


if __name__ == "__main__":
    unittest.main()
