#!/usr/bin/python3
"""Independent implementation of keep ciphertext format v1, written from docs/formats.md.

Usage:
  ciphertext_v1.py vectors          print the published test vectors (hex)
  ciphertext_v1.py decrypt KEYHEX CTXHEX TEXT   decrypt a keep:... string, print plaintext hex
Uses Debian's python3-cryptography only.
"""
import base64, hashlib, hmac, struct, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

ALGS = {1: AESGCM, 2: ChaCha20Poly1305}


def canonical_context(ctx):
    out = struct.pack(">I", len(ctx))
    for k in sorted(ctx, key=lambda s: s.encode()):
        kb, vb = k.encode(), ctx[k].encode()
        out += struct.pack(">I", len(kb)) + kb + struct.pack(">I", len(vb)) + vb
    return out


def derive(version_key, prefix, salt):
    okm = HKDF(hashes.SHA256(), 64, salt, b"keep ciphertext v1" + prefix).derive(version_key)
    return okm[:32], okm[32:]


def encrypt(alg, key_id, version, version_key, ctx_bytes, plaintext, salt, nonce):
    prefix = bytes([1, alg]) + key_id + struct.pack(">I", version)
    enc, fpk = derive(version_key, prefix, salt)
    fp = hmac.new(fpk, ctx_bytes, hashlib.sha256).digest()[:16]
    header = prefix + salt + nonce + fp
    return header + ALGS[alg](enc).encrypt(nonce, plaintext, header)


def decrypt(version_key, ctx_bytes, blob):
    if len(blob) < 82 or blob[0] != 1 or blob[1] not in ALGS:
        raise ValueError("invalid_ciphertext")
    header, salt, nonce, fp = blob[:66], blob[22:38], blob[38:50], blob[50:66]
    enc, fpk = derive(version_key, blob[:22], salt)
    plaintext = ALGS[blob[1]](enc).decrypt(nonce, blob[66:], header)
    if not hmac.compare_digest(hmac.new(fpk, ctx_bytes, hashlib.sha256).digest()[:16], fp):
        raise ValueError("context_mismatch")
    return plaintext


def from_text(text):
    assert text.startswith("keep:")
    b = text[5:]
    return base64.urlsafe_b64decode(b + "=" * (-len(b) % 4))


if __name__ == "__main__":
    if sys.argv[1] == "vectors":
        key = bytes(range(32))
        key_id = bytes(range(0xA0, 0xB0))
        salt = bytes(range(0x40, 0x50))
        nonce = bytes(range(0x60, 0x6C))
        for alg, ctx in ((1, {}), (2, {"tenant": "42"})):
            c = canonical_context(ctx)
            print(alg, c.hex(), encrypt(alg, key_id, 3, key, c, b"hello, keep", salt, nonce).hex())
    elif sys.argv[1] == "decrypt":
        print(decrypt(bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3]), from_text(sys.argv[4])).hex())
