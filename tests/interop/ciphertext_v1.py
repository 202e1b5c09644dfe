#!/usr/bin/python3
"""Independent implementation of keep ciphertext format v1, written from docs/formats.md.

Usage:
  ciphertext_v1.py vectors          print the published test vectors (hex)
  ciphertext_v1.py decrypt KEYHEX CTXHEX TEXT   decrypt a keep:... string, print plaintext hex
  ciphertext_v1.py check-docs FORMATS_MD        check the vectors printed in docs/formats.md
Uses Debian's python3-cryptography only.
"""
import base64, hashlib, hmac, struct, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

ALGS = {1: AESGCM, 2: ChaCha20Poly1305}


def canonical_context(ctx):
    out = struct.pack(">I", len(ctx))
    for k in sorted(ctx, key=lambda s: s.encode()):
        kb, vb = k.encode(), ctx[k].encode()
        out += struct.pack(">I", len(kb)) + kb + struct.pack(">I", len(vb)) + vb
    return out


def version_keys(version_key):
    okm = HKDF(hashes.SHA256(), 64, None, b"keep ciphertext v1 version keys").derive(version_key)
    return okm[:32], okm[32:]


def message_key(k_enc, header_prefix38):
    return HKDFExpand(hashes.SHA256(), 32, b"keep ciphertext v1" + header_prefix38).derive(k_enc)


def fingerprint(k_fp, header_prefix50, ctx_bytes):
    return hmac.new(k_fp, header_prefix50 + ctx_bytes, hashlib.sha256).digest()[:16]


def encrypt(alg, key_id, version, version_key, ctx_bytes, plaintext, salt, nonce):
    k_enc, k_fp = version_keys(version_key)
    prefix = bytes([1, alg]) + key_id + struct.pack(">I", version) + salt + nonce
    header = prefix + fingerprint(k_fp, prefix, ctx_bytes)
    return header + ALGS[alg](message_key(k_enc, prefix[:38])).encrypt(nonce, plaintext, header)


def decrypt(version_key, ctx_bytes, blob):
    if len(blob) < 82 or blob[0] != 1 or blob[1] not in ALGS:
        raise ValueError("invalid_ciphertext")
    k_enc, k_fp = version_keys(version_key)
    header, nonce = blob[:66], blob[38:50]
    plaintext = ALGS[blob[1]](message_key(k_enc, blob[:38])).decrypt(nonce, blob[66:], header)
    if not hmac.compare_digest(fingerprint(k_fp, blob[:50], ctx_bytes), blob[50:66]):
        raise ValueError("context_mismatch")
    return plaintext


def from_text(text):
    assert text.startswith("keep:")
    b = text[5:]
    return base64.urlsafe_b64decode(b + "=" * (-len(b) % 4))


def published_vectors():
    key = bytes(range(32))
    key_id = bytes(range(0xA0, 0xB0))
    salt = bytes(range(0x40, 0x50))
    nonce = bytes(range(0x60, 0x6C))
    out = []
    for alg, ctx in ((1, {}), (2, {"tenant": "42"})):
        c = canonical_context(ctx)
        out.append((alg, c, encrypt(alg, key_id, 3, key, c, b"hello, keep", salt, nonce)))
    return out


def check_docs(path):
    import re
    doc = open(path).read()
    hex_in_doc = "".join(re.findall(r"^    ([0-9a-f]+)$", doc, re.M))
    passed = failed = 0
    for alg, ctx, blob in published_vectors():
        text = "keep:" + base64.urlsafe_b64encode(blob).decode().rstrip("=")
        for what, ok in (("hex", blob.hex() in hex_in_doc), ("text", text in doc),
                         ("round trip", decrypt(bytes(range(32)), ctx, from_text(text)) == b"hello, keep")):
            print(("ok  " if ok else "FAIL"), "algorithm", alg, what)
            passed, failed = passed + ok, failed + (not ok)
    try:
        decrypt(bytes(range(32)), canonical_context({"tenant": "43"}), published_vectors()[1][2])
        print("FAIL wrong context accepted"); failed += 1
    except ValueError as e:
        ok = str(e) == "context_mismatch"
        print(("ok  " if ok else "FAIL"), "wrong context is context_mismatch"); passed, failed = passed + ok, failed + (not ok)
    print("%d passed, %d failed" % (passed, failed))
    return failed == 0


if __name__ == "__main__":
    if sys.argv[1] == "check-docs":
        sys.exit(0 if check_docs(sys.argv[2]) else 1)
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
