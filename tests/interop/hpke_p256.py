#!/usr/bin/python3
"""HPKE base mode with DHKEM(P-256, HKDF-SHA256), HKDF-SHA256 and AES-GCM, written from
RFC 9180 with python3-cryptography's primitives (Debian 12's 38.0 has no HPKE), sharing no
code with keep: what an offline sender of split-p256 ciphertexts would run (issue 21).

  hpke_p256.py vector                                  checks RFC 9180 A.3.1; prints "ok"
  hpke_p256.py seal PKR INFO AAD PT                    prints "ENC CT" (hex; AES-256-GCM)
  hpke_p256.py open SKR ENC INFO AAD CT                prints the plaintext (hex)
  hpke_p256.py keep-seal KEY.pub PLAINTEXT [k=v ...]   prints a keep: v2 ciphertext (0x12) for
                                                       a split-p256 key's public key file,
                                                       from docs/formats.md §11 alone
"""
import base64
import struct
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import (Encoding, PublicFormat,
                                                          load_pem_public_key)

KEM_ID, KDF_ID = 0x0010, 0x0001
ENC = (Encoding.X962, PublicFormat.UncompressedPoint)  # 0x04 || x || y


def extract(salt, ikm):
    h = hmac.HMAC(salt or b"\0" * 32, hashes.SHA256())
    h.update(ikm)
    return h.finalize()


def expand(prk, info, n):
    out, block, i = b"", b"", 1
    while len(out) < n:
        h = hmac.HMAC(prk, hashes.SHA256())
        h.update(block + info + bytes([i]))
        block = h.finalize()
        out += block
        i += 1
    return out[:n]


def lx(suite, salt, label, ikm):
    return extract(salt, b"HPKE-v1" + suite + label + ikm)


def le(suite, prk, label, info, n):
    return expand(prk, struct.pack(">H", n) + b"HPKE-v1" + suite + label + info, n)


def point(private_key):
    return private_key.public_key().public_bytes(*ENC)


def private(hexs):
    return ec.derive_private_key(int(hexs, 16), ec.SECP256R1())


def public(b):
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b)


def schedule(aead_id, dh, enc, pkr, info):
    kem = b"KEM" + struct.pack(">H", KEM_ID)
    shared = le(kem, lx(kem, b"", b"eae_prk", dh), b"shared_secret", enc + pkr, 32)
    suite = b"HPKE" + struct.pack(">HHH", KEM_ID, KDF_ID, aead_id)
    ctx = b"\x00" + lx(suite, b"", b"psk_id_hash", b"") + lx(suite, b"", b"info_hash", info)
    secret = lx(suite, shared, b"secret", b"")
    nk = 16 if aead_id == 1 else 32
    return le(suite, secret, b"key", ctx, nk), le(suite, secret, b"base_nonce", ctx, 12)


def seal(aead_id, pkr, info, aad, pt, eph=None):
    eph = eph or ec.generate_private_key(ec.SECP256R1())
    enc = eph.public_key().public_bytes(*ENC)
    dh = eph.exchange(ec.ECDH(), public(pkr))  # the x-coordinate (RFC 9180 §7.1.1)
    key, nonce = schedule(aead_id, dh, enc, pkr, info)
    return enc, AESGCM(key).encrypt(nonce, pt, aad)


def open_(aead_id, skr, enc, info, aad, ct):
    pkr = skr.public_key().public_bytes(*ENC)
    dh = skr.exchange(ec.ECDH(), public(enc))
    key, nonce = schedule(aead_id, dh, enc, pkr, info)
    return AESGCM(key).decrypt(nonce, ct, aad)


def keep_seal(key_file_text, plaintext, context):
    """docs/formats.md §11, algorithm 0x12: header 02 12 ‖ key id ‖ u32 version; info =
    label ‖ header; aad = the canonical context (§1); body = enc (65) ‖ AES-256-GCM."""
    fields = {}
    for line in key_file_text.split("-----BEGIN")[0].splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            fields[k] = v
    if fields.get("keep-key-type") != "split-p256":
        sys.exit("not a split-p256 public key file")
    pem = key_file_text[key_file_text.index("-----BEGIN"):].encode()
    pkr = load_pem_public_key(pem).public_bytes(*ENC)
    header = (bytes([0x02, 0x12]) + bytes.fromhex(fields["keep-key-id"]) +
              struct.pack(">I", int(fields["keep-key-version"])))
    aad = struct.pack(">I", len(context))
    for k in sorted(context, key=lambda s: s.encode()):
        kb, vb = k.encode(), context[k].encode()
        aad += struct.pack(">I", len(kb)) + kb + struct.pack(">I", len(vb)) + vb
    enc, ct = seal(2, pkr, b"keep public-key ciphertext v2" + header, aad, plaintext)
    return "keep:" + base64.urlsafe_b64encode(header + enc + ct).decode().rstrip("=")


def main(argv):
    h = bytes.fromhex
    if argv[0] == "vector":  # RFC 9180 A.3.1
        skr = private("f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2")
        ske = private("4995788ef4b9d6132b249ce59a77281493eb39af373d236a1fe415cb0c2d7beb")
        info, aad = h("4f6465206f6e2061204772656369616e2055726e"), h("436f756e742d30")
        pt = h("4265617574792069732074727574682c20747275746820626561757479")
        enc, ct = seal(1, point(skr), info, aad, pt, ske)
        assert ct.hex() == ("5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f"
                            "9076ac232e3ab2523f39513434"), ct.hex()
        assert open_(1, skr, enc, info, aad, ct) == pt
        print("ok")
    elif argv[0] == "seal":
        enc, ct = seal(2, h(argv[1]), h(argv[2]), h(argv[3]), h(argv[4]))
        print(enc.hex(), ct.hex())
    elif argv[0] == "keep-seal":
        context = dict(a.split("=", 1) for a in argv[3:])
        print(keep_seal(open(argv[1]).read(), open(argv[2], "rb").read(), context))
    elif argv[0] == "open":
        print(open_(2, private(argv[1]), h(argv[2]), h(argv[3]), h(argv[4]), h(argv[5])).hex())
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
