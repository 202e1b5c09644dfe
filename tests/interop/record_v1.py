#!/usr/bin/env python3
"""An independent writer of keep records (docs/formats.md §9), written from the document
alone with Debian's python3-cryptography.

check-docs FORMATS_MD: rebuilds the published vector from its inputs and checks that the
document prints exactly it (between the record-vector markers).
print: prints the vector block (to paste into the document).
"""
import hashlib
import hmac
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ciphertext_v1 import canonical_context  # noqa: E402  (§1's encoding, written once)

MAGIC = b"KEEPREC"


def record_keys(data_key):
    both = HKDF(algorithm=hashes.SHA256(), length=64, salt=None,
                info=b"keep record v1 keys").derive(data_key)
    return both[:32], both[32:]


def payload_key(k_enc, nonce):
    enc = Cipher(algorithms.AES(k_enc), modes.ECB()).encryptor()
    blocks = b"".join(struct.pack("<I", i) + nonce for i in range(4))
    out = enc.update(blocks) + enc.finalize()
    return b"".join(out[16 * i:16 * i + 8] for i in range(4))


def seal(data_key, nonce, log2, name, partition, ctx, wrapped, plaintext):
    k_enc, k_mac = record_keys(data_key)
    head = MAGIC + bytes([1, log2]) + nonce + bytes([len(name)]) + name.encode()
    head += bytes([len(partition)]) + b"".join(bytes([len(k)]) + k.encode() for k in partition)
    mac = hmac.new(k_mac, head + canonical_context(ctx), hashlib.sha256).digest()
    out = head + mac + struct.pack(">H", len(wrapped)) + wrapped.encode()
    aead = AESGCM(payload_key(k_enc, nonce))
    seg = 1 << log2
    parts = [plaintext[i:i + seg] for i in range(0, len(plaintext), seg)] or [b""]
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        out += aead.encrypt(i.to_bytes(11, "big") + bytes([1 if last else 0]), p, None)
    return out, k_enc, k_mac


def vector_block():
    data_key = bytes(range(0x00, 0x20))
    nonce = bytes(range(0x30, 0x3c))
    ctx = {"row": "42", "table": "cards"}
    rec, k_enc, k_mac = seal(data_key, nonce, 12, "orders", ["table"], ctx,
                             "keep:vector-wrapped-key", b"keep record v1 test vector")
    lines = ["Derived values:", "",
             "    k_enc = " + k_enc.hex(),
             "    k_mac = " + k_mac.hex(),
             "    payload_key = " + payload_key(k_enc, nonce).hex(), "",
             "Record (%d bytes):" % len(rec), ""]
    h = rec.hex()
    lines += ["    " + h[i:i + 64] for i in range(0, len(h), 64)]
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "check-docs":
        text = open(sys.argv[2]).read()
        begin, end = "<!-- record-vector-begin -->\n", "<!-- record-vector-end -->"
        got = text[text.index(begin) + len(begin):text.index(end)]
        want = vector_block()
        if got != want:
            sys.stderr.write("docs/formats.md §9's vector differs from the one its inputs "
                             "give:\n" + want)
            sys.exit(1)
        return
    if len(sys.argv) == 2 and sys.argv[1] == "print":
        sys.stdout.write(vector_block())
        return
    sys.stderr.write(__doc__)
    sys.exit(2)


if __name__ == "__main__":
    main()
