#!/usr/bin/python3
"""A keas.kmi client, as keas.kmi's LocalKeyManagementFacility speaks to its master:
POST /new for a key encrypting key (a PEM it keeps), POST /key with that PEM as a
text/plain body for the data key, GET / for the status line — and its EncryptionService's
use of the data key (AES-256-CBC, key from MD5 "bytes to key" with salt "12345678", fixed IV
"0123456789ABCDEF", PKCS#7), reproduced here from keas.kmi's public facility.py to show
that existing data keeps decrypting. That construction is weak (fixed IV, MD5 KDF): it is
the legacy client's, never keep's.

Usage: keas_client.py URL [CA] COMMAND [ARGS]   (URL http://… or https://…)
  tour                  new key, data key twice, encrypt/decrypt, unknown key, status
  new                   prints a new key encrypting key (PEM)
  key PEMFILE           prints the data key (hex)
  status                prints the status line
  encrypt PEMFILE TEXT  prints the ciphertext (hex);  decrypt PEMFILE HEX prints the text
"""
import hashlib
import http.client
import ssl
import sys
import urllib.parse

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

URL = sys.argv[1]
u = urllib.parse.urlparse(URL)
CA = sys.argv[2] if u.scheme == "https" else None
ARGS = sys.argv[3:] if u.scheme == "https" else sys.argv[2:]


def conn():
    if u.scheme == "https":
        return http.client.HTTPSConnection(u.hostname, u.port,
                                           context=ssl.create_default_context(cafile=CA))
    return http.client.HTTPConnection(u.hostname, u.port)


def call(method, path, body=b"", headers=None):
    c = conn()
    c.request(method, path, body, headers or {})
    r = c.getresponse()
    data = r.read()
    r.close()
    return r.status, r.getheader("Content-Type"), data


def generate():
    status, ctype, pem = call("POST", "/new")
    assert status == 200, (status, pem)
    assert ctype.startswith("text/plain"), ctype
    return pem


def get_key(pem):
    status, _, key = call("POST", "/key", pem, {"content-type": "text/plain"})
    return status, key


def bytes_to_key(data):  # keas.kmi's EncryptionService._bytesToKey
    data += b"12345678"
    key = hashlib.md5(data).digest()
    return key + hashlib.md5(key + data).digest()


def cipher(data_key):
    return Cipher(algorithms.AES(bytes_to_key(data_key)), modes.CBC(b"0123456789ABCDEF"))


def encrypt(data_key, text):
    p = padding.PKCS7(128).padder()
    e = cipher(data_key).encryptor()
    return e.update(p.update(text) + p.finalize()) + e.finalize()


def decrypt(data_key, ct):
    d = cipher(data_key).decryptor()
    u_ = padding.PKCS7(128).unpadder()
    return u_.update(d.update(ct) + d.finalize()) + u_.finalize()


def tour():
    before = call("GET", "/")[2].decode()
    assert before.startswith("KMS server holding "), before
    n = int(before.split()[3])
    pem = generate()
    assert b"PRIVATE KEY-----" in pem, pem[:60]
    status, key = get_key(pem)
    assert status == 200 and len(key) == 128, (status, len(key))
    status, again = get_key(pem)
    assert again == key, "the same data key every time"
    ct = encrypt(key, b"4111 1111 1111 1111")
    assert decrypt(get_key(pem)[1], ct) == b"4111 1111 1111 1111"
    other = generate()
    assert get_key(other)[1] != key
    status, body = get_key(pem[:-40] + b"tampered" + pem[-32:])
    assert status == 404 and body == b"Key not found", (status, body)
    after = call("GET", "/")[2].decode()
    assert after == f"KMS server holding {n + 2} keys", (before, after)
    status, _, _ = call("GET", "/key")
    assert status == 405, status
    print("keas tour ok")


def main():
    cmd = ARGS[0]
    if cmd == "tour":
        tour()
    elif cmd == "new":
        sys.stdout.buffer.write(generate())
    elif cmd == "key":
        status, key = get_key(open(ARGS[1], "rb").read())
        if status != 200:
            sys.exit(f"{status} {key.decode(errors='replace')}")
        print(key.hex())
    elif cmd == "status":
        print(call("GET", "/")[2].decode())
    elif cmd == "encrypt":
        status, key = get_key(open(ARGS[1], "rb").read())
        assert status == 200, status
        print(encrypt(key, ARGS[2].encode()).hex())
    elif cmd == "decrypt":
        status, key = get_key(open(ARGS[1], "rb").read())
        if status != 200:
            sys.exit(f"{status} {key.decode(errors='replace')}")
        sys.stdout.write(decrypt(key, bytes.fromhex(ARGS[2])).decode())
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
