#!/usr/bin/python3
"""Makes a keas.kmi master's storage directory the way keas.kmi's KeyManagementFacility
does (its public facility.py, read, not copied): an RSA-2048 key encrypting key exported as
a PEM protected with the passphrase "key management facility" (PyCrypto writes the
traditional "RSA PRIVATE KEY" form with DES-EDE3-CBC; `openssl genrsa -traditional -des3`
writes the same), 128 random data-key bytes encrypted to it with RSA PKCS#1 v1.5, stored as
<md5 of the PEM>.dek. Also writes what the application holds: kek-N.pem, and for the test
datakey-N.hex.

Usage: keas_master.py STORAGE_DIR APP_DIR COUNT
"""
import hashlib
import os
import subprocess
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding

storage, app, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(storage, exist_ok=True)
os.makedirs(app, exist_ok=True)
for i in range(count):
    pem = subprocess.run(
        ["openssl", "genrsa", "-traditional", "-des3", "-passout",
         "pass:key management facility", "2048"],
        check=True, capture_output=True).stdout
    assert b"Proc-Type: 4,ENCRYPTED" in pem and b"DES-EDE3-CBC" in pem
    key = serialization.load_pem_private_key(pem, b"key management facility")
    data_key = os.urandom(128)
    dek = key.public_key().encrypt(data_key, padding.PKCS1v15())
    with open(os.path.join(storage, hashlib.md5(pem).hexdigest() + ".dek"), "wb") as f:
        f.write(dek)
    with open(os.path.join(app, f"kek-{i}.pem"), "wb") as f:
        f.write(pem)
    with open(os.path.join(app, f"datakey-{i}.hex"), "w") as f:
        f.write(data_key.hex())
