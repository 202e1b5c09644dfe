#!/usr/bin/python3
"""Drives keepd's KMIP door with Debian's python3-pykmip (ProxyKmipClient and the lower-level
KMIPProxy) over mutual TLS, and with hand-built TTLV messages for what pykmip cannot send
(AddAttribute, ID placeholders, malformed messages). Checks every answer against an
independent computation (python3-cryptography, hashlib, hmac).

usage: kmip_client.py HOST PORT CA CERT KEY SCENARIO
scenarios: tour, v2, denied, unmapped, otherca, raw
Prints "kmip <scenario> ok" and exits 0 when every check holds."""
import datetime
import hashlib
import hmac
import socket
import ssl
import struct
import sys
import time
import types

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.kbkdf import CounterLocation, KBKDFHMAC, Mode
from cryptography.x509.oid import NameOID
from kmip.core import enums
from kmip.pie import client as pie_client
from kmip.pie import exceptions as pie_exceptions
from kmip.pie import objects

HOST, PORT, CA, CERT, KEY, SCENARIO = sys.argv[1:7]
PORT = int(PORT)
E = enums


def proxy(version=None, port=None, ca=None):
    c = pie_client.ProxyKmipClient(hostname=HOST, port=port or PORT, cert=CERT, key=KEY,
                                   ca=ca or CA,
                                   config_file="/dev/null", kmip_version=version)
    c.open()
    return c


def fails(reason, f, *args, **kwargs):
    """f(*args) must fail with the KMIP Result Reason `reason`."""
    try:
        f(*args, **kwargs)
    except pie_exceptions.KmipOperationFailure as e:
        assert e.reason == reason, f"{f.__name__}: {e.reason} ({e.message}), wanted {reason}"
        return e.message
    except Exception as e:  # KMIPProxy's OperationFailure
        got = getattr(e, "reason", None)
        assert got == reason, f"{f.__name__}: {e!r}, wanted {reason}"
        return str(e)
    raise AssertionError(f"{f.__name__} succeeded; wanted {reason}")


def fmt(key_format_type):
    """What KMIPProxy.get takes for a Key Format Type (it reads `.value`)."""
    return types.SimpleNamespace(value=key_format_type)


def attrs(c, uid, names):
    _, got = c.get_attributes(uid, names)
    return {a.attribute_name.value: a.attribute_value.value for a in got}


def tour():
    c = proxy()
    # A symmetric key's lifecycle: Pre-Active, Active, Compromised, Destroyed.
    uid = c.create(E.CryptographicAlgorithm.AES, 256, name="disk-1",
                   cryptographic_usage_mask=[E.CryptographicUsageMask.ENCRYPT,
                                             E.CryptographicUsageMask.DECRYPT])
    key = c.get(uid)
    assert isinstance(key, objects.SymmetricKey) and len(key.value) == 32, key
    a = attrs(c, uid, ["State", "Cryptographic Length", "Cryptographic Algorithm"])
    assert a["State"] == E.State.PRE_ACTIVE and a["Cryptographic Length"] == 256, a
    names = c.get_attribute_list(uid)
    for n in ("Unique Identifier", "State", "Initial Date", "Name", "Object Type"):
        assert n in names, names
    fails(E.ResultReason.ILLEGAL_OPERATION, c.encrypt, b"x", uid,
          {"block_cipher_mode": E.BlockCipherMode.GCM})
    c.activate(uid)
    assert attrs(c, uid, ["State"])["State"] == E.State.ACTIVE
    fails(E.ResultReason.ILLEGAL_OPERATION, c.activate, uid)

    # Encrypt: AES-GCM, the nonce keep's; before KMIP 1.4 the tag ends the data.
    ct, iv = c.encrypt(b"attack at dawn", uid, {"block_cipher_mode": E.BlockCipherMode.GCM})
    assert len(iv) == 12 and len(ct) == 14 + 16
    aes = Cipher(algorithms.AES(key.value), modes.GCM(iv, ct[-16:])).decryptor()
    assert aes.update(ct[:-16]) + aes.finalize() == b"attack at dawn"
    assert c.decrypt(ct, uid, {"block_cipher_mode": E.BlockCipherMode.GCM}, iv) == b"attack at dawn"
    bad = bytes([ct[0] ^ 1]) + ct[1:]
    fails(E.ResultReason.CRYPTOGRAPHIC_FAILURE, c.decrypt, bad, uid,
          {"block_cipher_mode": E.BlockCipherMode.GCM}, iv)
    fails(E.ResultReason.FEATURE_NOT_SUPPORTED, c.encrypt, b"x", uid,
          {"block_cipher_mode": E.BlockCipherMode.CBC, "padding_method": E.PaddingMethod.PKCS5})
    fails(E.ResultReason.FEATURE_NOT_SUPPORTED, c.encrypt, b"x", uid,
          {"block_cipher_mode": E.BlockCipherMode.GCM}, b"\x00" * 12)

    # Locate by name, by type and state, by algorithm and length.
    assert c.locate(attributes=[c.attribute_factory.create_attribute(
        E.AttributeType.NAME, "disk-1")]) == [uid]
    found = c.locate(attributes=[
        c.attribute_factory.create_attribute(E.AttributeType.OBJECT_TYPE,
                                             E.ObjectType.SYMMETRIC_KEY),
        c.attribute_factory.create_attribute(E.AttributeType.STATE, E.State.ACTIVE),
        c.attribute_factory.create_attribute(E.AttributeType.CRYPTOGRAPHIC_LENGTH, 256)])
    assert uid in found, found
    assert c.locate(attributes=[c.attribute_factory.create_attribute(
        E.AttributeType.NAME, "no-such-name")]) == []

    # Register every object type; Get gives back the same material.
    raw = bytes(range(16))
    sk = c.register(objects.SymmetricKey(E.CryptographicAlgorithm.AES, 128, raw, name="imported"))
    assert c.get(sk).value == raw
    pw = c.register(objects.SecretData(b"correct horse", E.SecretDataType.PASSWORD))
    got = c.get(pw)
    assert isinstance(got, objects.SecretData) and got.value == b"correct horse"
    op = c.register(objects.OpaqueObject(b"\x00opaque\xff", E.OpaqueDataType.NONE))
    assert c.get(op).value == b"\x00opaque\xff"
    rsa_key = rsa.generate_private_key(65537, 2048)
    der_priv = rsa_key.private_bytes(serialization.Encoding.DER,
                                     serialization.PrivateFormat.TraditionalOpenSSL,
                                     serialization.NoEncryption())
    der_pub = rsa_key.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.PKCS1)
    priv = c.register(objects.PrivateKey(E.CryptographicAlgorithm.RSA, 2048, der_priv,
                                         E.KeyFormatType.PKCS_1))
    pub = c.register(objects.PublicKey(E.CryptographicAlgorithm.RSA, 2048, der_pub,
                                       E.KeyFormatType.PKCS_1))
    assert c.get(priv).value == der_priv and c.get(pub).value == der_pub
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kmip test")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(rsa_key.public_key()).serial_number(7)
            .not_valid_before(datetime.datetime(2026, 1, 1))
            .not_valid_after(datetime.datetime(2036, 1, 1))
            .sign(rsa_key, hashes.SHA256()))
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    cu = c.register(objects.X509Certificate(cert_der))
    assert c.get(cu).value == cert_der
    split = c.register(objects.SplitKey(E.CryptographicAlgorithm.AES, 128, bytes(16),
                                        split_key_parts=3, key_part_identifier=1,
                                        split_key_threshold=2,
                                        split_key_method=E.SplitKeyMethod.XOR))
    s = c.get(split)
    assert s.split_key_parts == 3 and s.split_key_threshold == 2 and s.value == bytes(16)
    fails(E.ResultReason.INVALID_FIELD, c.register,  # not an AES key size
          objects.SymmetricKey(E.CryptographicAlgorithm.AES, 160, bytes(20)))
    fails(E.ResultReason.INVALID_FIELD, c.register,
          objects.PrivateKey(E.CryptographicAlgorithm.RSA, 2048, b"not der", E.KeyFormatType.PKCS_1))

    # Key formats on request (the lower-level KMIPProxy asks for them).
    r = c.proxy.get(priv, key_format_type=fmt(E.KeyFormatType.PKCS_8))
    pkcs8 = r.secret.key_block.key_value.key_material.value
    assert serialization.load_der_private_key(pkcs8, None).private_numbers() == \
        rsa_key.private_numbers()
    r = c.proxy.get(pub, key_format_type=fmt(E.KeyFormatType.X_509))
    spki = r.secret.key_block.key_value.key_material.value
    assert spki == rsa_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    r = c.proxy.get(sk, key_format_type=fmt(E.KeyFormatType.PKCS_8))
    assert r.result_reason.value == E.ResultReason.KEY_FORMAT_TYPE_NOT_SUPPORTED

    # Key pairs: sign and verify (RSA-PSS), checked by python3-cryptography; RSA-OAEP.
    kp_pub, kp_priv = c.create_key_pair(E.CryptographicAlgorithm.RSA, 2048)
    for u in (kp_pub, kp_priv):
        c.activate(u)
    params = {"padding_method": E.PaddingMethod.PSS,
              "hashing_algorithm": E.HashingAlgorithm.SHA_256,
              "cryptographic_algorithm": E.CryptographicAlgorithm.RSA}
    sig = c.sign(b"a firmware image", kp_priv, params)
    assert c.signature_verify(b"a firmware image", sig, kp_pub, params) == \
        E.ValidityIndicator.VALID
    assert c.signature_verify(b"another image", sig, kp_pub, params) == \
        E.ValidityIndicator.INVALID
    pem_pub = serialization.load_der_public_key(
        c.proxy.get(kp_pub, key_format_type=fmt(E.KeyFormatType.X_509))
        .secret.key_block.key_value.key_material.value)
    pem_pub.verify(sig, b"a firmware image",
                   padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                   hashes.SHA256())
    oaep = {"padding_method": E.PaddingMethod.OAEP, "hashing_algorithm": E.HashingAlgorithm.SHA_256,
            "cryptographic_algorithm": E.CryptographicAlgorithm.RSA}
    ct, _ = c.encrypt(b"wrapped secret", kp_pub, oaep)
    assert c.decrypt(ct, kp_priv, oaep) == b"wrapped secret"
    ct = pem_pub.encrypt(b"made offline", padding.OAEP(padding.MGF1(hashes.SHA256()),
                                                       hashes.SHA256(), None))
    assert c.decrypt(ct, kp_priv, oaep) == b"made offline"
    fails(E.ResultReason.FEATURE_NOT_SUPPORTED, c.encrypt, b"x", kp_pub,
          {"padding_method": E.PaddingMethod.PKCS1v15,
           "cryptographic_algorithm": E.CryptographicAlgorithm.RSA})

    # MAC with an HMAC key.
    mk = c.create(E.CryptographicAlgorithm.HMAC_SHA256, 256, cryptographic_usage_mask=[
        E.CryptographicUsageMask.MAC_GENERATE, E.CryptographicUsageMask.MAC_VERIFY])
    fails(E.ResultReason.PERMISSION_DENIED, c.mac, b"m", uid, E.CryptographicAlgorithm.HMAC_SHA256)
    c.activate(mk)
    _, mac = c.mac(b"message", mk, E.CryptographicAlgorithm.HMAC_SHA256)
    assert mac == hmac.new(c.get(mk).value, b"message", hashlib.sha256).digest()

    # DeriveKey: PBKDF2, HMAC, Encrypt, SP 800-108 counter mode, each recomputed here.
    base = c.create(E.CryptographicAlgorithm.AES, 256, cryptographic_usage_mask=[
        E.CryptographicUsageMask.DERIVE_KEY, E.CryptographicUsageMask.ENCRYPT])
    c.activate(base)
    bk = c.get(base).value
    dk = c.derive_key(E.ObjectType.SYMMETRIC_KEY, [base], E.DerivationMethod.PBKDF2,
                      {"cryptographic_parameters": {"hashing_algorithm": E.HashingAlgorithm.SHA_256},
                       "salt": b"salt1234", "iteration_count": 1000},
                      cryptographic_algorithm=E.CryptographicAlgorithm.AES, cryptographic_length=256)
    assert c.get(dk).value == hashlib.pbkdf2_hmac("sha256", bk, b"salt1234", 1000, 32)
    dk = c.derive_key(E.ObjectType.SYMMETRIC_KEY, [base], E.DerivationMethod.HMAC,
                      {"cryptographic_parameters": {"hashing_algorithm": E.HashingAlgorithm.SHA_256},
                       "derivation_data": b"context"},
                      cryptographic_algorithm=E.CryptographicAlgorithm.AES, cryptographic_length=128)
    assert c.get(dk).value == hmac.new(bk, b"context", hashlib.sha256).digest()[:16]
    dk = c.derive_key(E.ObjectType.SYMMETRIC_KEY, [base], E.DerivationMethod.ENCRYPT,
                      {"cryptographic_parameters": {"block_cipher_mode": E.BlockCipherMode.ECB},
                       "derivation_data": bytes(range(32))},
                      cryptographic_algorithm=E.CryptographicAlgorithm.AES, cryptographic_length=256)
    enc = Cipher(algorithms.AES(bk), modes.ECB()).encryptor()
    assert c.get(dk).value == enc.update(bytes(range(32))) + enc.finalize()
    dk = c.derive_key(E.ObjectType.SYMMETRIC_KEY, [base], E.DerivationMethod.NIST800_108_C,
                      {"cryptographic_parameters": {"hashing_algorithm": E.HashingAlgorithm.SHA_256},
                       "derivation_data": b"label\x00context"},
                      cryptographic_algorithm=E.CryptographicAlgorithm.AES, cryptographic_length=256)
    want = KBKDFHMAC(hashes.SHA256(), Mode.CounterMode, 32, 4, 4, CounterLocation.BeforeFixed,
                     None, None, b"label\x00context").derive(bk)
    assert c.get(dk).value == want

    # Revoke (compromise) and Destroy: the material is gone, the attributes stay.
    fails(E.ResultReason.ILLEGAL_OPERATION, c.destroy, uid)
    c.revoke(E.RevocationReasonCode.KEY_COMPROMISE, uid)
    a = attrs(c, uid, ["State", "Compromise Date"])
    assert a["State"] == E.State.COMPROMISED, a
    assert c.decrypt(ct and c.encrypt(b"z", kp_pub, oaep)[0], kp_priv, oaep) == b"z"
    c.destroy(uid)
    assert attrs(c, uid, ["State"])["State"] == E.State.DESTROYED_COMPROMISED
    fails(E.ResultReason.ILLEGAL_OPERATION, c.get, uid)
    fails(E.ResultReason.ITEM_NOT_FOUND, c.get, "no-such-object")
    # Destroyed objects are found only when asked for.
    assert uid not in c.locate(attributes=[c.attribute_factory.create_attribute(
        E.AttributeType.NAME, "disk-1")])

    # Query and DiscoverVersions.
    q = c.proxy.query(query_functions=[E.QueryFunction.QUERY_OPERATIONS,
                                       E.QueryFunction.QUERY_OBJECTS,
                                       E.QueryFunction.QUERY_SERVER_INFORMATION])
    ops = {E.Operation(o.value) if isinstance(o.value, int) else o.value for o in q.operations}
    for o in (E.Operation.CREATE, E.Operation.GET, E.Operation.LOCATE, E.Operation.DERIVE_KEY):
        assert o in ops, ops
    assert str(q.vendor_identification).startswith("keep"), q.vendor_identification
    d = c.proxy.discover_versions()
    got = [(v.major, v.minor) for v in d.protocol_versions]
    assert got == [(2, 0), (1, 4), (1, 3), (1, 2), (1, 1), (1, 0)], got
    c.close()
    return {"uid": uid}


def v2():
    c = proxy(E.KMIPVersion.KMIP_2_0)
    uid = c.create(E.CryptographicAlgorithm.AES, 128, name="v2-key")
    a = attrs(c, uid, ["Cryptographic Length", "State"])
    assert a["Cryptographic Length"] == 128 and a["State"] == E.State.PRE_ACTIVE, a
    # ModifyAttribute / DeleteAttribute in 2.0's form (Current / New Attribute).
    from kmip.core import attributes as kattrs
    from kmip.core.objects import CurrentAttribute, NewAttribute
    old_name = kattrs.Name.create("v2-key", E.NameType.UNINTERPRETED_TEXT_STRING)
    new_name = kattrs.Name.create("v2-renamed", E.NameType.UNINTERPRETED_TEXT_STRING)
    c.modify_attribute(unique_identifier=uid, current_attribute=CurrentAttribute(attribute=old_name),
                       new_attribute=NewAttribute(attribute=new_name))
    assert c.locate(attributes=[c.attribute_factory.create_attribute(
        E.AttributeType.NAME, "v2-renamed")]) == [uid]
    c.delete_attribute(unique_identifier=uid, current_attribute=CurrentAttribute(
        attribute=new_name))
    assert "Name" not in c.get_attribute_list(uid)
    c.activate(uid)
    ct, iv = c.encrypt(b"over 2.0", uid, {"block_cipher_mode": E.BlockCipherMode.GCM})
    assert len(ct) == len(b"over 2.0"), "from 1.4 on the tag has its own field"
    c.close()


def cluster():
    """Two nodes on one PostgreSQL: an object made through one is served by the other, and a
    change made through one reaches the other's cache."""
    a, b = proxy(), proxy(port=int(sys.argv[7]), ca=sys.argv[8])
    uid = a.create(E.CryptographicAlgorithm.AES, 256, name="shared")
    a.activate(uid)
    assert b.get(uid).value == a.get(uid).value
    assert attrs(b, uid, ["State"])["State"] == E.State.ACTIVE  # now in b's memory
    a.revoke(E.RevocationReasonCode.CESSATION_OF_OPERATION, uid)
    deadline = time.time() + 3
    while attrs(b, uid, ["State"])["State"] != E.State.DEACTIVATED:
        assert time.time() < deadline, "node b still serves the object as it was"
        time.sleep(0.02)
    assert b.locate(attributes=[b.attribute_factory.create_attribute(
        E.AttributeType.NAME, "shared")]) == [uid]
    a.close()
    b.close()


def versions():
    """The same lifecycle in every protocol version keep speaks."""
    for v in (E.KMIPVersion.KMIP_1_0, E.KMIPVersion.KMIP_1_1, E.KMIPVersion.KMIP_1_2,
              E.KMIPVersion.KMIP_1_3, E.KMIPVersion.KMIP_1_4, E.KMIPVersion.KMIP_2_0):
        c = proxy(v)
        uid = c.create(E.CryptographicAlgorithm.AES, 192, name=f"v-{v.name}")
        assert len(c.get(uid).value) == 24, v
        assert attrs(c, uid, ["Cryptographic Length"])["Cryptographic Length"] == 192, v
        c.activate(uid)
        assert uid in c.locate(attributes=[c.attribute_factory.create_attribute(
            E.AttributeType.NAME, f"v-{v.name}")]), v
        c.revoke(E.RevocationReasonCode.CESSATION_OF_OPERATION, uid)
        c.destroy(uid)
        c.close()


def denied():
    c = proxy()
    fails(E.ResultReason.PERMISSION_DENIED, c.create, E.CryptographicAlgorithm.AES, 256)
    uid = sys.argv[7]
    assert attrs(c, uid, ["State"])["State"] is not None  # read: granted
    fails(E.ResultReason.PERMISSION_DENIED, c.get, uid)  # export: not granted
    c.close()


def unmapped():
    c = proxy()
    msg = fails(E.ResultReason.PERMISSION_DENIED, c.create, E.CryptographicAlgorithm.AES, 256)
    assert "certificate" in msg, msg
    c.close()


def otherca():
    try:
        c = proxy()
        c.create(E.CryptographicAlgorithm.AES, 256)
    except Exception:  # the handshake fails (or the first read on a closed connection)
        return
    raise AssertionError("a certificate from another CA was accepted")


# --- hand-built TTLV ------------------------------------------------------------------------

def item(tag, typ, value):
    if typ == 1:
        body = b"".join(value)
    elif typ in (2, 5):
        body = struct.pack(">I", value & 0xFFFFFFFF)
    elif typ in (3, 9):
        body = struct.pack(">q", value)
    elif typ == 6:
        body = struct.pack(">Q", 1 if value else 0)
    elif typ == 7:
        body = value.encode()
    else:
        body = value
    pad = (8 - len(body) % 8) % 8 if typ in (1, 7, 8) else (4 if typ in (2, 5) else 0)
    return tag.to_bytes(3, "big") + bytes([typ]) + struct.pack(">I", len(body)) + body + \
        b"\x00" * pad


def request(items, version=(1, 4), continue_on_error=False):
    hdr = [item(0x420069, 1, [item(0x42006A, 2, version[0]), item(0x42006B, 2, version[1])])]
    if continue_on_error:
        hdr.append(item(0x42000E, 5, 2))
    hdr.append(item(0x42000D, 2, len(items)))
    batch = []
    for i, (op, payload) in enumerate(items):
        batch.append(item(0x42000F, 1, [item(0x42005C, 5, op), item(0x420093, 8, bytes([i])),
                                        item(0x420079, 1, [payload])]))
    return item(0x420078, 1, [item(0x420077, 1, hdr)] + batch)


def parse(buf):
    """TTLV → nested lists of (tag, type, value)."""
    out, i = [], 0
    while i < len(buf):
        tag, typ, n = int.from_bytes(buf[i:i + 3], "big"), buf[i + 3], struct.unpack(">I", buf[i + 4:i + 8])[0]
        v = buf[i + 8:i + 8 + n]
        if typ == 1:
            v = parse(v)
        elif typ in (2, 5):
            v = struct.unpack(">I", v)[0]
        elif typ in (3, 9):
            v = struct.unpack(">q", v)[0]
        elif typ == 7:
            v = v.decode()
        out.append((tag, typ, v))
        i += 8 + n + ((8 - n % 8) % 8 if typ in (1, 7, 8) else (4 if typ in (2, 5) else 0))
    return out


def find(node, tag):
    return [v for t, _, v in node if t == tag]


class Raw:
    def __init__(self):
        ctx = ssl.create_default_context(cafile=CA)
        ctx.load_cert_chain(CERT, KEY)
        self.s = ctx.wrap_socket(socket.create_connection((HOST, PORT)), server_hostname=HOST)

    def ask(self, msg):
        self.s.sendall(msg)
        head = self.recv(8)
        body = self.recv(struct.unpack(">I", head[4:8])[0])
        return parse(head + body)[0][2]

    def recv(self, n):
        b = b""
        while len(b) < n:
            chunk = self.s.recv(n - len(b))
            assert chunk, "the server closed the connection"
            b += chunk
        return b


def results(resp):
    """[(result status, result reason, message, payload)] of a response's batch items."""
    out = []
    for bi in find(resp, 0x42000F):
        st = find(bi, 0x42007F)[0]
        reason = (find(bi, 0x42007E) or [None])[0]
        msg = (find(bi, 0x42007D) or [""])[0]
        out.append((st, reason, msg, (find(bi, 0x42007C) or [[]])[0]))
    return out


def raw():
    r = Raw()
    name = lambda n: item(0x420008, 1, [item(0x42000A, 7, "Name"), item(0x42000B, 1, [
        item(0x420055, 7, n), item(0x420054, 5, 1)])])
    attr = lambda n, t, v: item(0x420008, 1, [item(0x42000A, 7, n), item(0x42000B, t, v)])
    create = item(0x420057, 5, 2) + item(0x420091, 1, [
        attr("Cryptographic Algorithm", 5, 3), attr("Cryptographic Length", 2, 256),
        attr("Cryptographic Usage Mask", 2, 12), name("raw-key")])
    # One batch: Create, then AddAttribute and Activate on the ID placeholder, then Get.
    res = results(r.ask(request([
        (0x01, create),
        (0x0D, attr("x-purpose", 7, "backups")),
        (0x0D, attr("Object Group", 7, "tape-library")),
        (0x12, b""),
        (0x0B, item(0x42000A, 7, "x-purpose") + item(0x42000A, 7, "State")),
    ])))
    assert [x[0] for x in res] == [0, 0, 0, 0, 0], res
    uid = find(res[0][3], 0x420094)[0]
    got = res[4][3]
    assert find(got, 0x420094)[0] == uid
    values = {find(a, 0x42000A)[0]: find(a, 0x42000B)[0] for a in find(got, 0x420008)}
    assert values == {"x-purpose": "backups", "State": 2}, values
    # Get in the Transparent Symmetric Key format (pykmip cannot read that structure).
    res = results(r.ask(request([(0x0A, item(0x420094, 7, uid) + item(0x420042, 5, 7))])))
    assert res[0][0] == 0, res
    block = find(find(res[0][3], 0x42008F)[0], 0x420040)[0]
    assert find(block, 0x420042) == [7]
    key = find(find(find(block, 0x420045)[0], 0x420043)[0], 0x42003F)[0]
    assert len(key) == 32
    # A Maximum Response Size too small for the key: Response Too Large.
    small = item(0x420078, 1, [item(0x420077, 1, [
        item(0x420069, 1, [item(0x42006A, 2, 1), item(0x42006B, 2, 4)]),
        item(0x420050, 2, 64), item(0x42000D, 2, 1)]),
        item(0x42000F, 1, [item(0x42005C, 5, 0x0A),
                           item(0x420079, 1, [item(0x420094, 7, uid)])])])
    res = results(r.ask(small))
    assert res[0][:2] == (1, 0x02), res
    # Server attributes are read-only; a single-valued attribute is not added twice.
    res = results(r.ask(request([(0x0D, item(0x420094, 7, uid) + attr("State", 5, 1))])))
    assert res[0][:2] == (1, 0x1D), res
    res = results(r.ask(request([(0x0D, item(0x420094, 7, uid) + attr("x-purpose", 7, "again"))])))
    assert res[0][:2] == (1, 0x07), res
    # Batch errors: Stop (the default) ends the batch; Continue goes on.
    bad = (0x0A, item(0x420094, 7, "missing"))
    good = (0x0B, item(0x420094, 7, uid))
    assert [x[0] for x in results(r.ask(request([bad, good])))] == [1]
    assert [x[0] for x in results(r.ask(request([bad, good], continue_on_error=True)))] == [1, 0]
    # An operation keep does not offer, and an unknown one.
    res = results(r.ask(request([(0x04, b""), (0x99, b"")], continue_on_error=True)))
    assert [x[1] for x in res] == [0x05, 0x05], res
    # Malformed messages are answered (Invalid Message) and the connection serves on.
    for junk in [
        item(0x420078, 1, [item(0x420077, 1, [])]),                  # no protocol version
        bytes.fromhex("42007801000000104200770100000008") + b"\x42\x00\x6a\x02\x00\x00\x00\x04",
        item(0x420078, 1, [item(0x420077, 1, [item(0x420069, 1, [item(0x42006A, 2, 1)])])]),
        item(0x420078, 1, [item(0x420001, 0x0F, b"\x00" * 8)]),      # unknown type
        item(0x420078, 7, "not a structure"),
        request([(0x0A, item(0x420094, 7, uid))], version=(3, 0)),  # unsupported version
        item(0x420078, 1, [item(0x42000D, 2, 1)])[:-4] + b"\x00\x00\x00\x01",  # bad padding
    ]:
        res = results(r.ask(junk))
        assert res and res[0][:2] == (1, 0x04), (junk.hex(), res)
    deep = b""
    for _ in range(40):
        deep = item(0x420078, 1, [deep] if deep else [])
    assert results(r.ask(deep))[0][:2] == (1, 0x04)
    assert results(r.ask(request([good])))[0][0] == 0, "the connection still serves"
    # A frame longer than keep accepts: answered, then closed.
    r.s.sendall(bytes.fromhex("42007801") + struct.pack(">I", 64 << 20))
    res = results(parse(r.recv(8) + r.s.recv(65536))[0][2])
    assert res[0][:2] == (1, 0x04), res
    print(uid)


if __name__ == "__main__":
    {"tour": tour, "v2": v2, "versions": versions, "cluster": cluster, "denied": denied, "unmapped": unmapped, "otherca": otherca,
     "raw": raw}[SCENARIO]()
    print(f"kmip {SCENARIO} ok")
