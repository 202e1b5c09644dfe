"""Encryption to a keep key's public half with no server (docs/formats.md §11): the v2
ciphertext keepd's ordinary decrypt opens with the same context.

    pub = open("intake.pub").read()          # from `keep key public intake`
    ct = keep.seal_to_public_key(pub, b"4111 1111 1111 1111", {"form": "signup"})

x25519 keys: HPKE (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
AES-256-GCM — built here from python3-cryptography's primitives (Debian 12's 38.0 has no
HPKE). RSA keys with purpose encrypt: RSA-OAEP-SHA256. Pure functions; thread-safe.
Errors are keep.KeepError with code "bad_request".
"""
import base64
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import KeepError
from .record import canonical_context

LABEL = b"keep public-key ciphertext v2"
_RAW = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def read_public_key_file(text):
    """The keep-key-* lines and the public key of a `keep key public` file."""
    if "-----BEGIN" not in text:
        raise KeepError("bad_request", "not a keep public key file: no PEM block")
    head, pem = text.split("-----BEGIN", 1)
    fields = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
    for need in ("keep-key", "keep-key-id", "keep-key-version", "keep-key-type",
                 "keep-key-purpose"):
        if need not in fields:
            raise KeepError("bad_request", "not a keep public key file: no %s line" % need)
    try:
        key_id = bytes.fromhex(fields["keep-key-id"])
        version = int(fields["keep-key-version"])
        key = serialization.load_pem_public_key(("-----BEGIN" + pem).encode())
    except ValueError as e:
        raise KeepError("bad_request", "malformed keep public key file: %s" % e)
    if len(key_id) != 16 or not 1 <= version < 2 ** 32:
        raise KeepError("bad_request", "malformed keep-key-id or keep-key-version")
    return fields, key_id, version, key


def _extract(salt, ikm):
    return hmac.new(salt or b"\0" * 32, ikm, hashlib.sha256).digest()


def _expand(prk, info, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out, i = out + t, i + 1
    return out[:n]


def _lx(suite, salt, label, ikm):
    return _extract(salt, b"HPKE-v1" + suite + label + ikm)


def _le(suite, prk, label, info, n):
    return _expand(prk, struct.pack(">H", n) + b"HPKE-v1" + suite + label + info, n)


def hpke_seal(recipient, info, aad, plaintext, ephemeral=None):
    """RFC 9180 base mode, single shot: (enc, ciphertext). `ephemeral` for test vectors
    only (an X25519PrivateKey); never reuse one."""
    kem = b"KEM" + struct.pack(">H", 0x0020)
    eph = ephemeral or x25519.X25519PrivateKey.generate()
    enc = eph.public_key().public_bytes(*_RAW)
    dh = eph.exchange(recipient)
    shared = _le(kem, _lx(kem, b"", b"eae_prk", dh), b"shared_secret",
                 enc + recipient.public_bytes(*_RAW), 32)
    suite = b"HPKE" + struct.pack(">HHH", 0x0020, 0x0001, 0x0002)
    ctx = b"\x00" + _lx(suite, b"", b"psk_id_hash", b"") + _lx(suite, b"", b"info_hash", info)
    secret = _lx(suite, shared, b"secret", b"")
    key, nonce = _le(suite, secret, b"key", ctx, 32), _le(suite, secret, b"base_nonce", ctx, 12)
    return enc, AESGCM(key).encrypt(nonce, plaintext, aad)


def seal_to_public_key(public_key_file, plaintext, context=None, _ephemeral=None):
    """A "keep:" v2 ciphertext of `plaintext` (bytes) for the key version in
    `public_key_file` (its text), bound to `context` (dict of str → str)."""
    fields, key_id, version, key = read_public_key_file(public_key_file)
    if fields["keep-key-purpose"] != "encrypt":
        raise KeepError("bad_request", "key '%s' is a %s key: it cannot encrypt"
                        % (fields["keep-key"], fields["keep-key-purpose"]))
    canon = canonical_context(context or {})
    if isinstance(key, x25519.X25519PublicKey):
        header = bytes([0x02, 0x10]) + key_id + struct.pack(">I", version)
        enc, ct = hpke_seal(key, LABEL + header, canon, plaintext, _ephemeral)
        body = enc + ct
    elif isinstance(key, rsa.RSAPublicKey):
        header = bytes([0x02, 0x11]) + key_id + struct.pack(">I", version)
        limit = key.key_size // 8 - 66
        if len(plaintext) > limit:
            raise KeepError("bad_request", "RSA-OAEP-SHA256 with a %d-bit key encrypts at most "
                            "%d bytes" % (key.key_size, limit))
        body = key.encrypt(plaintext, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                                   algorithm=hashes.SHA256(),
                                                   label=LABEL + header + canon))
    else:
        raise KeepError("bad_request", "key '%s' cannot encrypt" % fields["keep-key"])
    return "keep:" + base64.urlsafe_b64encode(header + body).decode().rstrip("=")
