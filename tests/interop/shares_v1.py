#!/usr/bin/env python3
"""An independent implementation of keep's share text format (docs/formats.md §5).

check-docs FORMATS_MD: recomputes the published share vector and verifier and checks
that the document prints exactly them.
split-combine: splits a random secret with Shamir over GF(2^8) written here from the
document alone, encodes shares as text, and checks any M rebuild it (self-test).
"""
import base64
import hashlib
import os
import random
import sys


def share_text(kind, set_id, threshold, x, y):
    body = bytes([1, kind]) + set_id + bytes([threshold, x]) + y
    check = hashlib.sha256(b"keep share check v1" + body).digest()[:4]
    return "kshare1-" + base64.urlsafe_b64encode(body + check).decode().rstrip("=")


def parse_share(text):
    assert text.startswith("kshare1-")
    raw = base64.urlsafe_b64decode(text[8:] + "=" * (-len(text[8:]) % 4))
    assert len(raw) == 48
    assert hashlib.sha256(b"keep share check v1" + raw[:44]).digest()[:4] == raw[44:]
    return raw[1], raw[2:10], raw[10], raw[11], raw[12:44]


def verifier(set_id, x, y):
    return hashlib.sha256(b"keep share verifier v1" + set_id + bytes([x]) + y).hexdigest()


def gf_mul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a = ((a << 1) ^ 0x11B) if a & 0x80 else (a << 1)
        b >>= 1
    return r


def gf_inv(a):
    r = 1
    for _ in range(254):
        r = gf_mul(r, a)
    return r


def combine(points):
    out = bytearray(len(points[0][1]))
    for i, (xi, yi) in enumerate(points):
        num, den = 1, 1
        for j, (xj, _) in enumerate(points):
            if i != j:
                num = gf_mul(num, xj)
                den = gf_mul(den, xi ^ xj)
        coef = gf_mul(num, gf_inv(den))
        for k in range(len(out)):
            out[k] ^= gf_mul(coef, yi[k])
    return bytes(out)


def main():
    if sys.argv[1:2] == ["check-docs"]:
        doc = open(sys.argv[2]).read()
        text = share_text(1, bytes(range(8)), 3, 2, bytes(range(0x20, 0x40)))
        ver = verifier(bytes(range(8)), 2, bytes(range(0x20, 0x40)))
        assert parse_share(text)[3] == 2
        missing = [v for v in (text, ver) if v not in doc]
        if missing:
            print("docs/formats.md does not print:", missing)
            return 1
        print("share vector and verifier match docs/formats.md")
        return 0
    if sys.argv[1:2] == ["split-combine"]:
        rng = random.Random(7)
        for _ in range(50):
            n = rng.randint(1, 12)
            m = rng.randint(1, n)
            secret = os.urandom(32)
            coeffs = [[secret[k]] + [rng.randrange(256) for _ in range(m - 1)] for k in range(32)]
            shares = []
            for x in range(1, n + 1):
                y = bytearray()
                for k in range(32):
                    acc, p = 0, 1
                    for c in coeffs[k]:
                        acc ^= gf_mul(c, p)
                        p = gf_mul(p, x)
                    y.append(acc)
                shares.append(share_text(1, b"\0" * 8, m, x, bytes(y)))
            pick = [parse_share(t) for t in rng.sample(shares, m)]
            assert combine([(s[3], s[4]) for s in pick]) == secret
        print("split/combine self-test ok")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
