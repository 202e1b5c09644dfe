#!/usr/bin/python3
"""An independent sender and verifier for keep's keys beyond AES, written from
docs/formats.md §11 and docs/api.md alone, with python3-cryptography (Debian 12: 38.0,
which has no HPKE, so RFC 9180 base mode is built here from X25519, HKDF and AES-GCM).

  pubkey_v2.py seal NAME.pub PLAINTEXT_FILE [k=v ...]   prints a keep: v2 ciphertext
  pubkey_v2.py verify NAME.pub MESSAGE_FILE SIG_TEXT [ALGORITHM]
                                                         exit 0 when valid, 1 when not
"""
import base64
import hashlib
import hmac
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.exceptions import InvalidSignature

LABEL = b"keep public-key ciphertext v2"


def read_key_file(path):
    text = open(path).read()
    head, pem = text.split("-----BEGIN", 1)
    fields = {}
    for line in head.splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            fields[k] = v
    key = serialization.load_pem_public_key(("-----BEGIN" + pem).encode())
    return fields, key


def canonical(context):
    out = struct.pack(">I", len(context))
    for k in sorted(context, key=lambda s: s.encode()):
        kb, vb = k.encode(), context[k].encode()
        out += struct.pack(">I", len(kb)) + kb + struct.pack(">I", len(vb)) + vb
    return out


# RFC 9180: DHKEM(X25519, HKDF-SHA256) = 0x0020, HKDF-SHA256 = 0x0001, AES-256-GCM = 0x0002.
def extract(salt, ikm):
    return hmac.new(salt or b"\0" * 32, ikm, hashlib.sha256).digest()


def expand(prk, info, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:n]


def labeled_extract(suite, salt, label, ikm):
    return extract(salt, b"HPKE-v1" + suite + label + ikm)


def labeled_expand(suite, prk, label, info, n):
    return expand(prk, struct.pack(">H", n) + b"HPKE-v1" + suite + label + info, n)


def hpke_seal(pk_r, info, aad, pt):
    kem = b"KEM" + struct.pack(">H", 0x0020)
    eph = x25519.X25519PrivateKey.generate()
    enc = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    dh = eph.exchange(pk_r)
    pkrm = pk_r.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    eae = labeled_extract(kem, b"", b"eae_prk", dh)
    shared = labeled_expand(kem, eae, b"shared_secret", enc + pkrm, 32)
    suite = b"HPKE" + struct.pack(">HHH", 0x0020, 0x0001, 0x0002)
    psk_id_hash = labeled_extract(suite, b"", b"psk_id_hash", b"")
    info_hash = labeled_extract(suite, b"", b"info_hash", info)
    ctx = b"\x00" + psk_id_hash + info_hash  # mode_base
    secret = labeled_extract(suite, shared, b"secret", b"")
    key = labeled_expand(suite, secret, b"key", ctx, 32)
    nonce = labeled_expand(suite, secret, b"base_nonce", ctx, 12)
    return enc, AESGCM(key).encrypt(nonce, pt, aad)


def seal(key_file, plaintext, context):
    fields, key = read_key_file(key_file)
    if fields["keep-key-purpose"] != "encrypt":
        sys.exit("not an encryption key")
    x = isinstance(key, x25519.X25519PublicKey)
    header = bytes([0x02, 0x10 if x else 0x11]) + bytes.fromhex(fields["keep-key-id"])
    header += struct.pack(">I", int(fields["keep-key-version"]))
    if x:
        enc, ct = hpke_seal(key, LABEL + header, canonical(context), plaintext)
        body = enc + ct
    else:
        body = key.encrypt(plaintext, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                                   algorithm=hashes.SHA256(),
                                                   label=LABEL + header + canonical(context)))
    return "keep:" + base64.urlsafe_b64encode(header + body).decode().rstrip("=")


HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


def verify(key_file, message, sig_text, algorithm):
    _, key = read_key_file(key_file)
    sig = base64.b64decode(sig_text.split(":")[2])
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, message)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            h = algorithm.rsplit("-", 1)[1] if algorithm else (
                "sha256" if key.curve.name == "secp256r1" else "sha384")
            key.verify(sig, message, ec.ECDSA(HASHES[h]()))
        elif isinstance(key, rsa.RSAPublicKey):
            algorithm = algorithm or "rsa-pss-sha256"
            h = HASHES[algorithm.rsplit("-", 1)[1]]
            pad = (padding.PSS(mgf=padding.MGF1(h()), salt_length=h.digest_size)
                   if algorithm.startswith("rsa-pss") else padding.PKCS1v15())
            key.verify(sig, message, pad, h())
        else:
            sys.exit("not a signing key")
    except InvalidSignature:
        return False
    return True


def main():
    cmd = sys.argv[1]
    if cmd == "seal":
        context = dict(a.split("=", 1) for a in sys.argv[4:])
        print(seal(sys.argv[2], open(sys.argv[3], "rb").read(), context))
    elif cmd == "verify":
        algorithm = sys.argv[5] if len(sys.argv) > 5 else ""
        ok = verify(sys.argv[2], open(sys.argv[3], "rb").read(), sys.argv[4], algorithm)
        print("valid" if ok else "invalid")
        sys.exit(0 if ok else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
