"""The keep record format v1 (docs/formats.md §9), the same bytes as libkeep's
format/record.h: a value sealed under a data key that keepd made and wrapped.

Pure functions over bytes; thread-safe. Errors are keep.KeepError with code
"invalid_record" (damaged, truncated, extended, unknown version) or "wrong_key" (another
data key or another context). Nothing is returned unless the whole record authenticates.
"""
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.exceptions import InvalidTag

from .errors import KeepError

MAGIC = b"KEEPREC"
VERSION = 1
NONCE_SIZE = 12
TAG = 16
WRAP_KEY, WRAP_VALUE = "keep-record", "v1"
MAX_WRAPPED = 2048


def _bad(msg):
    return KeepError("invalid_record", msg)


def canonical_context(ctx):
    """§1's encoding: u32 count, then sorted (u32 len, key, u32 len, value) pairs."""
    out = [struct.pack(">I", len(ctx))]
    for k in sorted(ctx, key=lambda s: s.encode()):
        kb, vb = k.encode(), ctx[k].encode()
        out += [struct.pack(">I", len(kb)), kb, struct.pack(">I", len(vb)), vb]
    return b"".join(out)


def check_context(ctx):
    if not isinstance(ctx, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                            for k, v in ctx.items()):
        raise KeepError("bad_request", "a context is a dict of str to str")
    if len(ctx) > 64 or any(not k for k in ctx) or \
            sum(len(k.encode()) + len(v.encode()) for k, v in ctx.items()) > 8192:
        raise KeepError("bad_request", "a context has at most 64 pairs, 8 KiB, no empty key")


def wrap_context(ctx, partition_keys):
    """The data key's wrapping context: the partition's pairs plus keep-record=v1."""
    if WRAP_KEY in ctx:
        raise KeepError("bad_request", 'the context key "keep-record" is reserved for records')
    out = {}
    for k in partition_keys:
        if k not in ctx:
            raise KeepError("bad_request",
                            'the context has no "%s", which partitions the data keys' % k)
        out[k] = ctx[k]
    out[WRAP_KEY] = WRAP_VALUE
    return out


class RecordKeys:
    """The two keys derived once from a 32-byte data key."""

    def __init__(self, data_key):
        if len(data_key) != 32:
            raise KeepError("invalid_record", "a record data key is 32 bytes")
        both = HKDF(algorithm=hashes.SHA256(), length=64, salt=None,
                    info=b"keep record v1 keys").derive(bytes(data_key))
        self._enc, self._mac = both[:32], both[32:]

    def payload_key(self, nonce):
        enc = Cipher(algorithms.AES(self._enc), modes.ECB()).encryptor()
        blocks = enc.update(b"".join(struct.pack("<I", i) + nonce for i in range(4)))
        return b"".join(blocks[16 * i:16 * i + 8] for i in range(4))

    def mac(self, header, ctx):
        return hmac.new(self._mac, header + canonical_context(ctx), hashlib.sha256).digest()


class Header:
    __slots__ = ("segment_log2", "nonce", "key_name", "partition_keys", "mac", "wrapped",
                 "mac_input", "body_offset")


def _mac_input(log2, nonce, name, partition):
    nb = name.encode()
    out = MAGIC + bytes([VERSION, log2]) + nonce + bytes([len(nb)]) + nb
    out += bytes([len(partition)])
    for k in partition:
        kb = k.encode()
        out += bytes([len(kb)]) + kb
    return out


def seal(keys, key_name, partition_keys, wrapped, ctx, plaintext, segment_log2=16):
    """A whole record with a fresh random nonce."""
    if not 12 <= segment_log2 <= 24:
        raise KeepError("bad_request", "segment_log2 must be 12..24")
    partition_keys = sorted(set(partition_keys), key=lambda s: s.encode())
    nonce = os.urandom(NONCE_SIZE)
    head = _mac_input(segment_log2, nonce, key_name, partition_keys)
    wb = wrapped.encode()
    if not 1 <= len(wb) <= MAX_WRAPPED:
        raise _bad("the wrapped data key has 1 to 2048 bytes")
    out = [head, keys.mac(head, ctx), struct.pack(">H", len(wb)), wb]
    aead = AESGCM(keys.payload_key(nonce))
    seg = 1 << segment_log2
    plaintext = bytes(plaintext)
    parts = [plaintext[i:i + seg] for i in range(0, len(plaintext), seg)] or [b""]
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        out.append(aead.encrypt(i.to_bytes(11, "big") + bytes([1 if last else 0]), p, None))
    return b"".join(out)


def parse_header(record):
    """The header fields; checks the layout, not the MAC."""
    r = bytes(record)
    if len(r) < len(MAGIC) or r[:len(MAGIC)] != MAGIC:
        raise _bad("not a keep record (no KEEPREC magic)")
    at = len(MAGIC)

    def need(n, what):
        if len(r) - at < n:
            raise _bad("the record is truncated (in its %s)" % what)

    need(2 + NONCE_SIZE + 1, "header")
    if r[at] != VERSION:
        raise _bad("record version %d is not supported (this keep reads 1)" % r[at])
    h = Header()
    h.segment_log2 = r[at + 1]
    at += 2
    h.nonce = r[at:at + NONCE_SIZE]
    at += NONCE_SIZE
    n = r[at]
    at += 1
    need(n + 1, "key name")
    h.key_name = r[at:at + n].decode("utf-8", "replace")
    at += n
    count = r[at]
    at += 1
    h.partition_keys = []
    for _ in range(count):
        need(1, "partition keys")
        n = r[at]
        at += 1
        need(n, "partition keys")
        h.partition_keys.append(r[at:at + n].decode("utf-8", "replace"))
        at += n
    h.mac_input = r[:at]
    need(32 + 2, "header MAC")
    h.mac = r[at:at + 32]
    at += 32
    n = struct.unpack(">H", r[at:at + 2])[0]
    at += 2
    need(n, "wrapped data key")
    h.wrapped = r[at:at + n].decode("ascii", "replace")
    at += n
    if not 12 <= h.segment_log2 <= 24:
        raise _bad("the segment size must be 2^12..2^24 bytes")
    if not h.key_name or len(h.key_name.encode()) > 128:
        raise _bad("the key name has 1 to 128 bytes")
    if any(not k for k in h.partition_keys) or \
            any(a.encode() >= b.encode() for a, b in zip(h.partition_keys, h.partition_keys[1:])):
        raise _bad("partition keys must be sorted and distinct")
    if not 1 <= n <= MAX_WRAPPED:
        raise _bad("the wrapped data key has 1 to 2048 bytes")
    if len(r) - at < TAG:
        raise _bad("the record is truncated (it has no body)")
    if _mac_input(h.segment_log2, h.nonce, h.key_name, h.partition_keys) != h.mac_input:
        raise _bad("the record's names are not valid UTF-8")
    h.body_offset = at
    return h


def open_record(keys, record, ctx):
    """The plaintext, or KeepError; never a partial plaintext."""
    r = bytes(record)
    h = parse_header(r)
    if not hmac.compare_digest(keys.mac(h.mac_input, ctx), h.mac):
        raise KeepError("wrong_key", "the record does not open with this data key and context "
                                     "(wrong context, or altered)")
    aead = AESGCM(keys.payload_key(h.nonce))
    body = r[h.body_offset:]
    full = (1 << h.segment_log2) + TAG
    segments = (len(body) + full - 1) // full
    last_size = len(body) - (segments - 1) * full
    if last_size < TAG:
        raise _bad("the record is truncated (its last segment is cut)")
    if last_size == TAG and segments > 1:
        raise _bad("an empty last segment follows a full one (not made by keep)")
    out = []
    for i in range(segments):
        last = i == segments - 1
        sealed = body[i * full:i * full + (last_size if last else full)]
        try:
            out.append(aead.decrypt(i.to_bytes(11, "big") + bytes([1 if last else 0]), sealed, None))
        except InvalidTag:
            raise _bad("the record is truncated or extended, or its last segment was altered"
                       if last else "segment %d failed authentication (altered, reordered or "
                                    "duplicated)" % i) from None
    return b"".join(out)


def replace_wrapped(record, wrapped):
    """The record with its wrapped data key replaced (rewrap); body and MAC unchanged."""
    r = bytes(record)
    h = parse_header(r)
    wb = wrapped.encode()
    if not 1 <= len(wb) <= MAX_WRAPPED:
        raise _bad("the wrapped data key has 1 to 2048 bytes")
    start = h.body_offset - len(h.wrapped.encode()) - 2
    return r[:start] + struct.pack(">H", len(wb)) + wb + r[h.body_offset:]
