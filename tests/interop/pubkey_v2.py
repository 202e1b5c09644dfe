#!/usr/bin/python3
"""An independent sender and verifier for keep's keys beyond AES, written from
docs/formats.md §11 and docs/api.md alone: the Python client's keep.public (HPKE built from
python3-cryptography's primitives; Debian 12's 38.0 has no HPKE) and python3-cryptography's
signature checks, sharing no code with keepd or libkeep.

  pubkey_v2.py seal NAME.pub PLAINTEXT_FILE [k=v ...]   prints a keep: v2 ciphertext
  pubkey_v2.py vector [FORMATS_MD]                      prints §11's vector (checks the docs')
  pubkey_v2.py verify NAME.pub MESSAGE_FILE SIG_TEXT [ALGORITHM]
                                                         exit 0 when valid, 1 when not
"""
import base64
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519
from cryptography.exceptions import InvalidSignature

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))
from keep.public import LABEL, canonical_context as canonical, hpke_seal  # noqa: E402
from keep.public import read_public_key_file, seal_to_public_key  # noqa: E402


def read_key_file(path):
    fields, _, _, key = read_public_key_file(open(path).read())
    return fields, key


def seal(key_file, plaintext, context):
    return seal_to_public_key(open(key_file).read(), plaintext, context)


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
    elif cmd == "vector":  # RFC 9180 A.1.1's recipient and ephemeral keys
        sk_r = x25519.X25519PrivateKey.from_private_bytes(bytes.fromhex(
            "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8"))
        sk_e = x25519.X25519PrivateKey.from_private_bytes(bytes.fromhex(
            "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736"))
        header = bytes([0x02, 0x10]) + bytes(range(16)) + struct.pack(">I", 1)
        enc, ct = hpke_seal(sk_r.public_key(), LABEL + header, canonical({"form": "signup"}),
                            b"hello keep", ephemeral=sk_e)
        got = (header + enc + ct).hex()
        print(got)
        if len(sys.argv) > 2:  # the docs' vector must be this one
            sys.exit(0 if got in open(sys.argv[2]).read() else "docs/formats.md differs")
    elif cmd == "verify":
        algorithm = sys.argv[5] if len(sys.argv) > 5 else ""
        ok = verify(sys.argv[2], open(sys.argv[3], "rb").read(), sys.argv[4], algorithm)
        print("valid" if ok else "invalid")
        sys.exit(0 if ok else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
