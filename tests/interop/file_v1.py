#!/usr/bin/env python3
"""An independent reader and writer of keep's encrypted files (docs/formats.md §8, with
the X25519 and RSA seals of §5), written from the document alone with Debian's
python3-cryptography.

check-docs FORMATS_MD: rebuilds the published vectors from their inputs and checks that
the document prints exactly them.
decrypt PRIVATE_KEY_PEM IN OUT: decrypts a keep file with an X25519 or RSA identity
(passphrase from KEEP_PASSPHRASE when the key is encrypted); exits 1 with a
message and writes nothing when the file does not authenticate.
encrypt IN OUT PUBLIC_KEY_PEM...: writes a keep file for the recipients (X25519 or RSA).
"""
import hashlib
import hmac
import os
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"KEEPFILE"
LABEL = b"keep file v1"
TAG = 16


class Refused(Exception):
    pass


def hkdf(ikm, salt, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def spki(pub):
    return pub.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def raw(pub):
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def oaep():
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                        label=LABEL)


# ---- stanzas (§5's seals with the label "keep file v1")

def seal_x25519(pub, file_key, eph=None, nonce=None):
    eph = eph or x25519.X25519PrivateKey.generate()
    nonce = nonce or os.urandom(12)
    eph_pub = raw(eph.public_key())
    shared = eph.exchange(pub)
    key = hkdf(shared, eph_pub + raw(pub), b"keep x25519 seal v1\x00" + LABEL)
    return bytes([1]) + eph_pub + nonce + AESGCM(key).encrypt(nonce, file_key, LABEL)


def open_x25519(priv, body):
    if len(body) != 1 + 32 + 12 + 32 + TAG or body[0] != 1:
        raise Refused("malformed X25519 stanza")
    eph_pub, nonce, ct = body[1:33], body[33:45], body[45:]
    shared = priv.exchange(x25519.X25519PublicKey.from_public_bytes(eph_pub))
    if shared == bytes(32):
        raise Refused("all-zero shared secret")
    key = hkdf(shared, eph_pub + raw(priv.public_key()), b"keep x25519 seal v1\x00" + LABEL)
    return AESGCM(key).decrypt(nonce, ct, LABEL)


def stanza_for(pub, file_key):
    if isinstance(pub, x25519.X25519PublicKey):
        return 1, hashlib.sha256(spki(pub)).digest(), seal_x25519(pub, file_key)
    if isinstance(pub, rsa.RSAPublicKey):
        return 2, hashlib.sha256(spki(pub)).digest(), bytes([2]) + pub.encrypt(file_key, oaep())
    raise SystemExit("unsupported recipient key type")


# ---- header

def header_bytes(segment_log2, salt, stanzas, file_key):
    out = MAGIC + bytes([1, segment_log2]) + salt + len(stanzas).to_bytes(2, "big")
    for kind, recipient, body in stanzas:
        out += bytes([kind, len(recipient)]) + recipient + len(body).to_bytes(2, "big") + body
    return out + hmac.new(hkdf(file_key, salt, b"keep file v1 header mac"), out,
                          hashlib.sha256).digest()


def parse_header(data):
    def take(n):
        nonlocal pos
        if pos + n > len(data):
            raise Refused("the file ends inside its header")
        pos += n
        return data[pos - n:pos]

    pos = 0
    if take(8) != MAGIC:
        raise Refused("not a keep file")
    version, segment_log2 = take(2)
    if version != 1 or not 12 <= segment_log2 <= 24:
        raise Refused("unsupported version or segment size")
    salt = take(16)
    count = int.from_bytes(take(2), "big")
    if not 1 <= count <= 1024:
        raise Refused("bad stanza count")
    stanzas = []
    for _ in range(count):
        kind, rlen = take(2)
        recipient = take(rlen)
        body = take(int.from_bytes(take(2), "big"))
        stanzas.append((kind, recipient, body))
    mac_end = pos
    mac = take(32)
    return segment_log2, salt, stanzas, data[:mac_end], mac, pos


# ---- body

def nonce(counter, last):
    return counter.to_bytes(11, "big") + bytes([1 if last else 0])


def seal_body(file_key, salt, segment_log2, plaintext):
    aead = AESGCM(hkdf(file_key, salt, b"keep file v1 payload"))
    size = 1 << segment_log2
    pieces = [plaintext[i:i + size] for i in range(0, len(plaintext), size)] or [b""]
    return b"".join(aead.encrypt(nonce(i, i == len(pieces) - 1), p, None)
                    for i, p in enumerate(pieces))


def open_body(file_key, salt, segment_log2, body):
    aead = AESGCM(hkdf(file_key, salt, b"keep file v1 payload"))
    full = (1 << segment_log2) + TAG
    out, counter, pos = [], 0, 0
    while True:
        rest = len(body) - pos
        last = rest <= full  # a full segment followed by nothing is the last one
        if rest < TAG or (last and rest == TAG and counter > 0):
            raise Refused("truncated body")
        n = rest if last else full
        try:
            out.append(aead.decrypt(nonce(counter, last), body[pos:pos + n], None))
        except Exception:
            raise Refused(f"segment {counter} does not authenticate")
        pos += n
        counter += 1
        if last:
            return b"".join(out)


def decrypt(priv, data):
    segment_log2, salt, stanzas, signed, mac, pos = parse_header(data)
    my_id = hashlib.sha256(spki(priv.public_key())).digest()
    want = 1 if isinstance(priv, x25519.X25519PrivateKey) else 2
    for kind, recipient, body in stanzas:
        if kind != want or recipient != my_id:
            continue
        try:
            file_key = (open_x25519(priv, body) if want == 1
                        else priv.decrypt(body[1:], oaep()) if body[:1] == b"\x02" else None)
        except Exception:
            continue
        if file_key is None or len(file_key) != 32:
            continue
        mac_key = hkdf(file_key, salt, b"keep file v1 header mac")
        if not hmac.compare_digest(hmac.new(mac_key, signed, hashlib.sha256).digest(), mac):
            raise Refused("the header MAC does not verify")
        return open_body(file_key, salt, segment_log2, data[pos:])
    raise Refused("no stanza for this identity")


# ---- the published vectors (§8)

def vectors():
    """Vector A: a whole file, one X25519 stanza, one segment. Vector B: the body alone
    (it depends only on the file key, salt and segment size), 2 segments of 4 KiB."""
    recipient = x25519.X25519PrivateKey.from_private_bytes(bytes(range(0x40, 0x60)))
    eph = x25519.X25519PrivateKey.from_private_bytes(bytes(range(0x60, 0x80)))
    file_key = bytes(range(0x00, 0x20))
    salt = bytes(range(0x20, 0x30))
    seal_nonce = bytes(range(0x30, 0x3C))
    plaintext = b"keep file v1 test vector\n"
    pub = recipient.public_key()
    stanza = (1, hashlib.sha256(spki(pub)).digest(), seal_x25519(pub, file_key, eph, seal_nonce))
    a = header_bytes(16, salt, [stanza], file_key) + seal_body(file_key, salt, 16, plaintext)
    b_plain = bytes(i % 251 for i in range(4096 + 904))
    b = seal_body(file_key, salt, 12, b_plain)
    return {
        "recipient_public": raw(pub).hex(),
        "mac_key": hkdf(file_key, salt, b"keep file v1 header mac").hex(),
        "payload_key": hkdf(file_key, salt, b"keep file v1 payload").hex(),
        "file_a": a.hex(),
        "body_b_sha256": hashlib.sha256(b).hexdigest(),
        "body_b_size": str(len(b)),
    }


def check_docs(path):
    doc = open(path, encoding="utf-8").read()
    begin, end = "<!-- file-vector-begin -->", "<!-- file-vector-end -->"
    if begin not in doc or end not in doc:
        return "the file vector markers are missing"
    section = doc[doc.index(begin):doc.index(end)]
    v = vectors()
    a = v.pop("file_a")
    printed = "".join(line.strip() for line in section.split("    file:")[1].splitlines()
                      if line.startswith("    "))
    if printed != a:
        return "vector A differs from the document:\n" + a
    for name, value in v.items():
        if f"{name} = {value}" not in section:
            return f"the document does not print {name} = {value}"
    return None


def load_private(path):
    pem = open(path, "rb").read()
    password = os.environ.get("KEEP_PASSPHRASE")
    return serialization.load_pem_private_key(
        pem, password.encode() if password and b"ENCRYPTED" in pem else None)


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "check-docs":
        err = check_docs(args[1])
        if err:
            print(err)
            return 1
        print("docs/formats.md §8 vectors match")
        return 0
    if len(args) == 4 and args[0] == "decrypt":
        try:
            plain = decrypt(load_private(args[1]), open(args[2], "rb").read())
        except Refused as e:
            print("refused:", e, file=sys.stderr)
            return 1
        with open(args[3], "wb") as f:
            f.write(plain)
        return 0
    if len(args) >= 4 and args[0] == "encrypt":
        file_key, salt = os.urandom(32), os.urandom(16)
        stanzas = [stanza_for(serialization.load_pem_public_key(open(p, "rb").read()), file_key)
                   for p in args[3:]]
        plaintext = open(args[1], "rb").read()
        with open(args[2], "wb") as f:
            f.write(header_bytes(16, salt, stanzas, file_key) +
                    seal_body(file_key, salt, 16, plaintext))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
