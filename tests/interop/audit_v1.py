#!/usr/bin/env python3
"""An independent verifier of keep's audit trail (docs/formats.md §7), written from the
document alone with Debian's python3-cryptography.

check-docs FORMATS_MD: rebuilds the published two-line vector from its description
(seed 32 x 0x01) and checks that the document prints exactly it.
verify PUBKEY_PEM FILE... [--live]: checks the hash chain, seq numbering and every
checkpoint signature of trail files (oldest first). Exit 0 when valid; otherwise prints
"FILE:LINE: reason" for the first bad record and exits 1.
"""
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ZERO = "0" * 64
SIG_FIELD = ',"sig":"'


def verify(pub, files, live):
    prev_hash, expected, last_final, prev_pos = None, None, False, None
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        if data and not data.endswith(b"\n"):
            lines = data.split(b"\n")
            return f"{path}:{len(lines)}: truncated (no end of line)"
        for n, raw in enumerate(data.split(b"\n")[:-1], start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                # formats.md §7: records are UTF-8; an earlier keepd wrote client bytes raw.
                print(f"note: {path}:{n}: not UTF-8 (written by an earlier keepd)", file=sys.stderr)
                line = raw.decode("utf-8", "surrogateescape")
            try:
                rec = json.loads(line)
                seq, prev, kind = rec["seq"], rec["prev"], rec["type"]
                assert isinstance(seq, int) and seq >= 1 and len(prev) == 64
            except Exception:
                return f"{path}:{n}: not an audit record"
            if prev_hash is None:
                if seq == 1 and prev != ZERO:
                    return f"{path}:{n}: the first record's prev must be zeros"
            elif seq == expected and prev != prev_hash:
                return f"{prev_pos}: modified (does not hash to the next prev)"
            elif seq != expected:
                return f"{path}:{n}: seq {seq} where {expected} was due"
            last_final = False
            if kind == "checkpoint":
                cut = line.rfind(SIG_FIELD)
                if cut < 0:
                    return f"{path}:{n}: checkpoint without signature"
                try:
                    pub.verify(base64.b64decode(rec["sig"]), line[:cut].encode("utf-8", "surrogateescape"))
                except (InvalidSignature, ValueError):
                    return f"{path}:{n}: bad checkpoint signature"
                last_final = rec.get("final") is True
            prev_hash = hashlib.sha256(raw).hexdigest()
            expected = seq + 1
            prev_pos = f"{path}:{n}"
    if prev_hash is None:
        return "empty trail"
    if not last_final and not live:
        return f"{prev_pos}: truncated (no closing checkpoint)"
    return None


def vector_lines():
    key = Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32)
    pub = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    l1 = ('{"seq":1,"time":"2026-11-22T18:00:00.000Z","type":"start",'
          '"node":"a1b2c3d4e5f6","clean":true,"prev":"' + ZERO + '"}')
    h1 = hashlib.sha256(l1.encode()).hexdigest()
    kid = hashlib.sha256(pub).hexdigest()[:16]
    p2 = ('{"seq":2,"time":"2026-11-22T18:00:00.001Z","type":"checkpoint","key_id":"%s",'
          '"records":1,"final":true,"prev":"%s"' % (kid, h1))
    l2 = p2 + SIG_FIELD + base64.b64encode(key.sign(p2.encode())).decode() + '"}'
    return [l1, l2], pub.hex()


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "check-docs":
        doc = open(sys.argv[2], encoding="utf-8").read()
        block = doc[doc.index("<!-- audit-vector-begin -->"):doc.index("<!-- audit-vector-end -->")]
        printed = [l[4:] for l in block.splitlines() if l.startswith("    ")]
        lines, pub_hex = vector_lines()
        if printed != lines or pub_hex not in doc:
            print("docs/formats.md §7 does not print the vector this implementation makes")
            return 1
        print("audit vector matches docs/formats.md")
        return 0
    if len(sys.argv) >= 4 and sys.argv[1] == "verify":
        pub = serialization.load_pem_public_key(open(sys.argv[2], "rb").read())
        args = sys.argv[3:]
        live = "--live" in args
        err = verify(pub, [a for a in args if a != "--live"], live)
        if err:
            print(err)
            return 1
        print("ok")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
