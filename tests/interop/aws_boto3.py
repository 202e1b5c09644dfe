#!/usr/bin/python3
"""keep's AWS KMS door driven by Debian's python3-boto3, as an application would.

Usage: aws_boto3.py ENDPOINT CA_FILE COMMAND [ARGS]
Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (made by
`keep aws-key create`). Commands:
  tour                 every supported operation, its answers and its errors (asserts)
  encrypt KEY CTX PT   prints the CiphertextBlob as keep's text form ("keep:…")
  decrypt CT CTX       CT in keep's text form; prints the plaintext
  expect-error TYPE OPERATION JSON   calls OPERATION with JSON, expects error TYPE
CTX is k=v[,k=v…] or "-" for none. Exit status 0 when every assertion held.
"""
import base64
import json
import os
import sys

import http.client
import ssl
import urllib.parse

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.exceptions
import botocore.session

ENDPOINT, CA = sys.argv[1], sys.argv[2]
REGION = "us-east-1"


def client(**kw):
    cfg = botocore.config.Config(retries={"max_attempts": 1})
    return boto3.client("kms", endpoint_url=ENDPOINT, verify=CA, region_name=REGION,
                        config=cfg, **kw)


def ctx_of(s):
    return {} if s == "-" else dict(p.split("=", 1) for p in s.split(","))


def to_text(blob):
    return "keep:" + base64.urlsafe_b64encode(blob).decode().rstrip("=")


def from_text(text):
    assert text.startswith("keep:"), text
    b = text[5:]
    return base64.urlsafe_b64decode(b + "=" * (-len(b) % 4))


def raw(target, body, sign=True):
    """POSTs a JSON 1.1 request the installed botocore has no model for (operations newer
    than Debian 12's botocore), signed by botocore's SigV4. Returns (status, JSON answer)."""
    data = json.dumps(body).encode()
    req = botocore.awsrequest.AWSRequest(method="POST", url=ENDPOINT + "/", data=data, headers={
        "X-Amz-Target": "TrentService." + target,
        "Content-Type": "application/x-amz-json-1.1"})
    if sign:
        creds = botocore.session.Session().get_credentials()
        botocore.auth.SigV4Auth(creds, "kms", REGION).add_auth(req)
    u = urllib.parse.urlparse(ENDPOINT)
    conn = http.client.HTTPSConnection(u.hostname, u.port,
                                       context=ssl.create_default_context(cafile=CA))
    conn.request("POST", "/", body=data, headers=dict(req.headers.items()))
    resp = conn.getresponse()
    return resp.status, json.loads(resp.read() or b"{}")


def error_of(fn, **kw):
    try:
        fn(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, 200


def expect(code, fn, **kw):
    got, status = error_of(fn, **kw)
    assert got == code, f"{fn.__name__}: expected {code}, got {got} ({status})"


def tour():
    kms = client()
    # Keys made with CreateKey are keep keys; their names are their aliases.
    made = kms.create_key(Description="made by boto3")["KeyMetadata"]
    kid, arn = made["KeyId"], made["Arn"]
    assert arn == f"arn:aws:kms:{REGION}:000000000000:key/{kid}", arn
    assert made["KeyState"] == "Enabled" and made["Enabled"] is True
    assert made["KeySpec"] == "SYMMETRIC_DEFAULT" and made["KeyUsage"] == "ENCRYPT_DECRYPT"
    aliases = {a["AliasName"]: a for a in kms.list_aliases()["Aliases"]}
    assert "alias/orders" in aliases, aliases
    mine = [a for a in aliases.values() if a["TargetKeyId"] == kid]
    assert len(mine) == 1, mine
    by = [kid, arn, mine[0]["AliasName"], mine[0]["AliasArn"]]
    for ref in by:  # every form AWS accepts names the same key
        assert kms.describe_key(KeyId=ref)["KeyMetadata"]["KeyId"] == kid, ref
    orders = kms.describe_key(KeyId="alias/orders")["KeyMetadata"]

    # Encrypt and Decrypt, the context bound as in AWS.
    ctx = {"table": "cards", "row": "42"}
    enc = kms.encrypt(KeyId="alias/orders", Plaintext=b"4111 1111 1111 1111", EncryptionContext=ctx)
    assert enc["KeyId"] == orders["Arn"], enc["KeyId"]
    dec = kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx)
    assert dec["Plaintext"] == b"4111 1111 1111 1111" and dec["KeyId"] == orders["Arn"]
    dec = kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx,
                      KeyId=orders["KeyId"])
    assert dec["Plaintext"] == b"4111 1111 1111 1111"
    expect("InvalidCiphertextException", kms.decrypt, CiphertextBlob=enc["CiphertextBlob"],
           EncryptionContext={"table": "cards", "row": "43"})
    expect("InvalidCiphertextException", kms.decrypt, CiphertextBlob=enc["CiphertextBlob"])
    expect("IncorrectKeyException", kms.decrypt, CiphertextBlob=enc["CiphertextBlob"],
           EncryptionContext=ctx, KeyId=kid)
    bad = bytearray(enc["CiphertextBlob"])
    bad[-1] ^= 1
    expect("InvalidCiphertextException", kms.decrypt, CiphertextBlob=bytes(bad),
           EncryptionContext=ctx)
    expect("ValidationException", kms.encrypt, KeyId="alias/orders", Plaintext=b"x" * 4097)
    expect("NotFoundException", kms.encrypt, KeyId="alias/nope", Plaintext=b"x")
    expect("NotFoundException", kms.encrypt, KeyId="00000000-0000-0000-0000-000000000000",
           Plaintext=b"x")
    expect("NotFoundException", kms.encrypt,
           KeyId=f"arn:aws:kms:eu-west-1:000000000000:key/{kid}", Plaintext=b"x")

    # Data keys: AES_256, AES_128, any size, and without plaintext.
    for kw, n in (({"KeySpec": "AES_256"}, 32), ({"KeySpec": "AES_128"}, 16),
                  ({"NumberOfBytes": 20}, 20)):
        dk = kms.generate_data_key(KeyId=kid, EncryptionContext=ctx, **kw)
        assert len(dk["Plaintext"]) == n, (kw, len(dk["Plaintext"]))
        assert dk["KeyId"] == arn
        back = kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext=ctx)
        assert back["Plaintext"] == dk["Plaintext"], kw
    wrapped = kms.generate_data_key_without_plaintext(KeyId=kid, KeySpec="AES_256")
    assert "Plaintext" not in wrapped
    assert len(kms.decrypt(CiphertextBlob=wrapped["CiphertextBlob"])["Plaintext"]) == 32
    expect("ValidationException", kms.generate_data_key, KeyId=kid)
    expect("ValidationException", kms.generate_data_key, KeyId=kid, KeySpec="AES_256",
           NumberOfBytes=32)

    # ReEncrypt to another key and context; the plaintext never comes out.
    re = kms.re_encrypt(CiphertextBlob=enc["CiphertextBlob"], SourceEncryptionContext=ctx,
                        DestinationKeyId=kid, DestinationEncryptionContext={"moved": "yes"})
    assert re["SourceKeyId"] == orders["Arn"] and re["KeyId"] == arn
    moved = kms.decrypt(CiphertextBlob=re["CiphertextBlob"], EncryptionContext={"moved": "yes"})
    assert moved["Plaintext"] == b"4111 1111 1111 1111" and moved["KeyId"] == arn

    assert len(kms.generate_random(NumberOfBytes=32)["Plaintext"]) == 32
    expect("ValidationException", kms.generate_random, NumberOfBytes=1025)

    # Key state: disable, enable, rotation, deletion.
    kms.disable_key(KeyId=kid)
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "Disabled"
    expect("DisabledException", kms.encrypt, KeyId=kid, Plaintext=b"x")
    kms.enable_key(KeyId=kid)
    kms.update_key_description(KeyId=kid, Description="renamed")
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["Description"] == "renamed"
    assert kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"] is False
    kms.enable_key_rotation(KeyId=kid)
    assert kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"] is True
    kms.disable_key_rotation(KeyId=kid)
    # Newer than Debian 12's botocore: a rotation period, RotateKeyOnDemand.
    status, ans = raw("EnableKeyRotation", {"KeyId": kid, "RotationPeriodInDays": 90})
    assert status == 200, ans
    st = raw("GetKeyRotationStatus", {"KeyId": kid})[1]
    assert st["KeyRotationEnabled"] is True and st["RotationPeriodInDays"] == 90, st
    status, ans = raw("EnableKeyRotation", {"KeyId": kid, "RotationPeriodInDays": 30})
    assert status == 400 and ans["__type"] == "ValidationException", ans
    before = kms.describe_key(KeyId=kid)["KeyMetadata"]
    status, ans = raw("RotateKeyOnDemand", {"KeyId": kid})
    assert status == 200 and ans["KeyId"] == arn, ans
    status, ans = raw("NoSuchOperation", {})
    assert status == 400 and ans["__type"] == "UnknownOperationException", ans
    status, ans = raw("ListKeys", {}, sign=False)
    assert status == 403 and ans["__type"] == "MissingAuthenticationTokenException", ans
    status, ans = raw("ListKeys", {"Limit": 1, "Bogus": 1})
    assert status == 400 and ans["__type"] == "ValidationException" and "Bogus" in ans["message"]
    assert before["KeyId"] == kid
    # Data encrypted before the rotation still decrypts.
    assert kms.decrypt(CiphertextBlob=re["CiphertextBlob"],
                       EncryptionContext={"moved": "yes"})["Plaintext"] == b"4111 1111 1111 1111"
    gone = kms.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
    assert gone["KeyState"] == "PendingDeletion" and gone["PendingWindowInDays"] == 7
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    expect("KMSInvalidStateException", kms.encrypt, KeyId=kid, Plaintext=b"x")
    expect("ValidationException", kms.schedule_key_deletion, KeyId=kid, PendingWindowInDays=31)
    kms.cancel_key_deletion(KeyId=kid)
    assert kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"] == "Disabled"

    # Aliases: more names for keys; a key's own name is one that cannot be moved.
    kms.create_alias(AliasName="alias/billing", TargetKeyId=kid)
    assert kms.describe_key(KeyId="alias/billing")["KeyMetadata"]["KeyId"] == kid
    expect("AlreadyExistsException", kms.create_alias, AliasName="alias/billing",
           TargetKeyId=kid)
    expect("AlreadyExistsException", kms.create_alias, AliasName="alias/orders",
           TargetKeyId=kid)
    expect("ValidationException", kms.create_alias, AliasName="alias/aws/x", TargetKeyId=kid)
    mine = {a["AliasName"] for a in kms.list_aliases(KeyId=kid)["Aliases"]}
    assert "alias/billing" in mine and len(mine) == 2, mine
    every = [a["AliasName"] for p in kms.get_paginator("list_aliases").paginate(
        PaginationConfig={"PageSize": 1}) for a in p["Aliases"]]
    assert "alias/billing" in every and "alias/orders" in every and len(every) == len(set(every))
    kms.update_alias(AliasName="alias/billing", TargetKeyId="alias/orders")
    assert kms.describe_key(KeyId="alias/billing")["KeyMetadata"]["KeyId"] == orders["KeyId"]
    expect("ValidationException", kms.update_alias, AliasName="alias/orders", TargetKeyId=kid)
    expect("ValidationException", kms.delete_alias, AliasName="alias/orders")
    kms.delete_alias(AliasName="alias/billing")
    expect("NotFoundException", kms.describe_key, KeyId="alias/billing")

    # Tags: set, replace, list in pages, remove; "aws:" keys are reserved.
    kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "team", "TagValue": "billing"},
                                      {"TagKey": "env", "TagValue": "test"}])
    kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "env", "TagValue": "prod"}])
    tags = kms.list_resource_tags(KeyId=kid)
    assert tags["Tags"] == [{"TagKey": "env", "TagValue": "prod"},
                            {"TagKey": "team", "TagValue": "billing"}], tags
    first = kms.list_resource_tags(KeyId=kid, Limit=1)
    assert first["Truncated"] and len(first["Tags"]) == 1
    rest = kms.list_resource_tags(KeyId=kid, Limit=1, Marker=first["NextMarker"])
    assert rest["Tags"] == [{"TagKey": "team", "TagValue": "billing"}] and not rest["Truncated"]
    expect("TagException", kms.tag_resource, KeyId=kid,
           Tags=[{"TagKey": "aws:x", "TagValue": "y"}])
    kms.untag_resource(KeyId=kid, TagKeys=["team"])
    assert kms.list_resource_tags(KeyId=kid)["Tags"] == [{"TagKey": "env", "TagValue": "prod"}]
    status, rot = raw("ListKeyRotations", {"KeyId": kid})
    assert status == 200 and [r["RotationType"] for r in rot["Rotations"]] == ["ON_DEMAND"], rot

    # What keep does not do is refused, not ignored.
    expect("UnsupportedOperationException", kms.create_key, Policy="{}")
    expect("UnsupportedOperationException", kms.create_key, KeySpec="SM2",
           KeyUsage="ENCRYPT_DECRYPT")
    expect("UnsupportedOperationException", kms.create_key, Origin="AWS_CLOUDHSM")
    expect("UnsupportedOperationException", kms.encrypt, KeyId="alias/orders", Plaintext=b"x",
           GrantTokens=["t"])

    tagged = kms.create_key(Tags=[{"TagKey": "made", "TagValue": "tagged"}])["KeyMetadata"]
    assert kms.list_resource_tags(KeyId=tagged["KeyId"])["Tags"] == [
        {"TagKey": "made", "TagValue": "tagged"}]

    # Paging: the paginator walks every page.
    for i in range(3):
        kms.create_key(Description=f"page {i}")
    seen = []
    for page in kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 2}):
        assert len(page["Keys"]) <= 2
        seen += [k["KeyId"] for k in page["Keys"]]
    assert len(seen) == len(set(seen)) and kid in seen and len(seen) >= 5, seen

    # Signatures: a wrong secret and an unknown access key are refused as AWS refuses them.
    wrong = client(aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
                   aws_secret_access_key="x" * 40)
    expect("InvalidSignatureException", wrong.list_keys)
    unknown = client(aws_access_key_id="KEEPAAAAAAAAAAAAAAAA",
                     aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])
    expect("UnrecognizedClientException", unknown.list_keys)
    asymmetric(kms)
    print("tour ok")


def asymmetric(kms):
    """Keys beyond AES with AWS's names: signatures checked offline with
    python3-cryptography from GetPublicKey's DER, MACs, data key pairs."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    import hashlib
    msg = b"invoice 2026-12 total 1234.56"
    for spec, alg in [("ECC_NIST_P256", "ECDSA_SHA_256"), ("ECC_NIST_P384", "ECDSA_SHA_384"),
                      ("RSA_2048", "RSASSA_PSS_SHA_256"), ("RSA_3072", "RSASSA_PKCS1_V1_5_SHA_256"),
                      ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512")]:
        md = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        assert md["KeySpec"] == spec and md["KeyUsage"] == "SIGN_VERIFY", md
        assert alg in md["SigningAlgorithms"], md
        pub = kms.get_public_key(KeyId=md["KeyId"])
        assert pub["KeySpec"] == spec and alg in pub["SigningAlgorithms"], pub
        key = serialization.load_der_public_key(pub["PublicKey"])
        sig = kms.sign(KeyId=md["KeyId"], Message=msg, MessageType="RAW",
                       SigningAlgorithm=alg)["Signature"]
        h = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[alg[-3:]]
        if alg.startswith("ECDSA"):
            key.verify(sig, msg, ec.ECDSA(h))
        elif alg.startswith("RSASSA_PSS"):
            key.verify(sig, msg, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
        elif alg.startswith("RSASSA_PKCS1"):
            key.verify(sig, msg, padding.PKCS1v15(), h)
        else:
            key.verify(sig, msg)
        ok = kms.verify(KeyId=md["KeyId"], Message=msg, MessageType="RAW", Signature=sig,
                        SigningAlgorithm=alg)
        assert ok["SignatureValid"] is True, ok
        expect("KMSInvalidSignatureException", kms.verify, KeyId=md["KeyId"], Message=b"other",
               Signature=sig, SigningAlgorithm=alg)
        if alg != "ED25519_SHA_512":  # a digest computed here signs the same message
            digest = hashlib.new("sha" + alg[-3:], msg).digest()
            dsig = kms.sign(KeyId=md["KeyId"], Message=digest, MessageType="DIGEST",
                            SigningAlgorithm=alg)["Signature"]
            assert kms.verify(KeyId=md["KeyId"], Message=msg, Signature=dsig,
                              SigningAlgorithm=alg)["SignatureValid"]
        # A signing key does not encrypt.
        expect("InvalidKeyUsageException", kms.encrypt, KeyId=md["KeyId"], Plaintext=b"x")
    # RSA encryption keys: Encrypt/Decrypt with RSAES_OAEP_SHA_256.
    rsa = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    assert rsa["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_256"], rsa
    ct = kms.encrypt(KeyId=rsa["KeyId"], Plaintext=b"short secret",
                     EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
    dec = kms.decrypt(CiphertextBlob=ct, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert dec["Plaintext"] == b"short secret", dec
    assert dec["EncryptionAlgorithm"] == "RSAES_OAEP_SHA_256", dec
    # Encrypted outside keep with GetPublicKey's key, as AWS users do: a bare OAEP blob.
    rsa_pub = serialization.load_der_public_key(kms.get_public_key(KeyId=rsa["KeyId"])["PublicKey"])
    bare = rsa_pub.encrypt(b"made offline", padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                                         algorithm=hashes.SHA256(), label=None))
    got = kms.decrypt(KeyId=rsa["KeyId"], CiphertextBlob=bare,
                      EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert got["Plaintext"] == b"made offline" and got["KeyId"].endswith(rsa["KeyId"]), got
    expect("InvalidCiphertextException", kms.decrypt, KeyId=rsa["KeyId"],
           CiphertextBlob=bare[:-1] + bytes([bare[-1] ^ 1]),
           EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    # HMAC keys.
    for spec, alg in [("HMAC_256", "HMAC_SHA_256"), ("HMAC_512", "HMAC_SHA_512")]:
        md = kms.create_key(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
        assert md["MacAlgorithms"] == [alg], md
        mac = kms.generate_mac(KeyId=md["KeyId"], Message=msg, MacAlgorithm=alg)
        assert len(mac["Mac"]) == int(spec[-3:]) // 8 and mac["MacAlgorithm"] == alg, mac
        assert kms.verify_mac(KeyId=md["KeyId"], Message=msg, Mac=mac["Mac"],
                              MacAlgorithm=alg)["MacValid"] is True
        expect("KMSInvalidMacException", kms.verify_mac, KeyId=md["KeyId"], Message=b"x",
               Mac=mac["Mac"], MacAlgorithm=alg)
        expect("InvalidKeyUsageException", kms.generate_mac, KeyId=md["KeyId"], Message=msg,
               MacAlgorithm="HMAC_SHA_384")
        expect("InvalidKeyUsageException", kms.sign, KeyId=md["KeyId"], Message=msg,
               SigningAlgorithm="ECDSA_SHA_256")
    # Data key pairs under a symmetric key: the private half decrypts back under the key.
    for spec in ["ECC_NIST_P256", "RSA_2048"]:
        pair = kms.generate_data_key_pair(KeyId="alias/orders", KeyPairSpec=spec,
                                          EncryptionContext={"app": "x"})
        priv = serialization.load_der_private_key(pair["PrivateKeyPlaintext"], None)
        pub = serialization.load_der_public_key(pair["PublicKey"])
        assert priv.public_key().public_numbers() == pub.public_numbers()
        back = kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"],
                           EncryptionContext={"app": "x"})["Plaintext"]
        assert back == pair["PrivateKeyPlaintext"]
        bare = kms.generate_data_key_pair_without_plaintext(KeyId="alias/orders",
                                                            KeyPairSpec=spec)
        assert "PrivateKeyPlaintext" not in bare and bare["PublicKey"]
    expect("InvalidKeyUsageException", kms.get_public_key, KeyId="alias/orders")


def main():
    cmd = sys.argv[3]
    kms = client()
    if cmd == "tour":
        tour()
    elif cmd == "encrypt":
        r = kms.encrypt(KeyId=sys.argv[4], EncryptionContext=ctx_of(sys.argv[5]),
                        Plaintext=sys.argv[6].encode())
        print(to_text(r["CiphertextBlob"]))
    elif cmd == "decrypt":
        r = kms.decrypt(CiphertextBlob=from_text(sys.argv[4]), EncryptionContext=ctx_of(sys.argv[5]))
        sys.stdout.write(r["Plaintext"].decode())
    elif cmd == "expect-error":
        got, status = error_of(getattr(kms, sys.argv[5]), **json.loads(sys.argv[6]))
        print(got, status)
        sys.exit(0 if got == sys.argv[4] else 1)
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
