"""keep.Envelope: envelope encryption in the application, the same records (docs/formats.md
§9) and the same cache as libkeep's keep::Envelope (include/keep/envelope.h explains the
trade-off the cache makes: a key disabled or a token revoked in keepd keeps working here
until the entries made before expire, at most `max_age` seconds).

    env = keep.Envelope(client, "orders", max_age=300, max_messages=100_000)
    blob = env.encrypt(b"4111 1111 1111 1111", context={"table": "cards", "row": "42"})
    env.decrypt(blob, context={"table": "cards", "row": "42"})

Thread-safe. Cached data keys are held in bytearrays zeroed when dropped (best effort:
Python may have copied them).
"""
import collections
import threading
import time

from . import record as rec
from .errors import KeepError


class CacheStats:
    __slots__ = ("hits", "misses", "evictions", "expirations", "entries")

    def __init__(self):
        self.hits = self.misses = self.evictions = self.expirations = self.entries = 0

    def __repr__(self):
        return "CacheStats(hits=%d, misses=%d, evictions=%d, expirations=%d, entries=%d)" % (
            self.hits, self.misses, self.evictions, self.expirations, self.entries)


class _Entry:
    def __init__(self, data_key, wrapped):
        self.keys = rec.RecordKeys(data_key)
        self.wrapped = wrapped
        self.created = time.monotonic()
        self.messages = 0
        self.bytes = 0


class _Cache:
    def __init__(self, max_age, max_messages, max_bytes, capacity):
        self.max_age, self.max_messages, self.max_bytes = max_age, max_messages, max_bytes
        self.capacity = capacity
        self.lru = collections.OrderedDict()
        self.stats = CacheStats()
        self.lock = threading.Lock()

    def _live(self, key):
        e = self.lru.get(key)
        if e is None:
            return None
        if time.monotonic() - e.created >= self.max_age:
            self.stats.expirations += 1
            del self.lru[key]
            return None
        self.lru.move_to_end(key)
        return e

    def acquire(self, key, n):
        with self.lock:
            e = self._live(key)
            if e is not None:
                if e.messages + 1 <= self.max_messages and e.bytes + n <= self.max_bytes:
                    e.messages += 1
                    e.bytes += n
                    self.stats.hits += 1
                    return e
                self.stats.expirations += 1
                del self.lru[key]
            self.stats.misses += 1
            return None

    def find(self, key):
        with self.lock:
            e = self._live(key)
            if e is None:
                self.stats.misses += 1
            else:
                self.stats.hits += 1
            return e

    def insert(self, key, entry):
        if self.max_age <= 0:
            return
        with self.lock:
            self.lru[key] = entry
            self.lru.move_to_end(key)
            while len(self.lru) > self.capacity:
                self.lru.popitem(last=False)
                self.stats.evictions += 1

    def snapshot(self):
        with self.lock:
            s = CacheStats()
            for k in CacheStats.__slots__:
                setattr(s, k, getattr(self.stats, k))
            s.entries = len(self.lru)
            return s

    def clear(self):
        with self.lock:
            self.lru.clear()


class Envelope:
    def __init__(self, client, key, max_age=300, max_messages=1_000_000, max_bytes=1 << 36,
                 capacity=1000, partition_by=None, segment_log2=16):
        from .client import _check_name
        self.client, self.key = client, _check_name(key)
        if max_age < 0 or not 1 <= max_messages <= 1 << 32 or max_bytes < 1 or capacity < 1:
            raise KeepError("bad_request", "cache limits: max_age >= 0, 1 <= max_messages "
                                           "<= 2**32, max_bytes >= 1, capacity >= 1")
        self.partition_by = None if partition_by is None else \
            sorted(set(partition_by), key=lambda s: s.encode())
        self.segment_log2 = segment_log2
        self._enc = _Cache(max_age, max_messages, max_bytes, capacity)
        self._dec = _Cache(max_age, max_messages, max_bytes, capacity)

    def _partition(self, ctx):
        if self.partition_by is not None:
            return self.partition_by
        return sorted(ctx, key=lambda s: s.encode())

    def encrypt(self, plaintext, context=None):
        """A record (bytes): store it as a BLOB."""
        ctx = dict(context or {})
        rec.check_context(ctx)
        partition = self._partition(ctx)
        wrap = rec.wrap_context(ctx, partition)
        k = rec.canonical_context(wrap)
        e = self._enc.acquire(k, len(plaintext))
        if e is None:
            dk = self.client.generate_data_key(self.key, 256, True, wrap)
            data_key = bytearray(dk["plaintext"])
            try:
                e = _Entry(data_key, dk["ciphertext"])
            finally:
                data_key[:] = bytes(len(data_key))
            e.messages, e.bytes = 1, len(plaintext)
            self._enc.insert(k, e)
            self._dec.insert(k + e.wrapped.encode(), e)
        return rec.seal(e.keys, self.key, partition, e.wrapped, ctx, plaintext,
                        self.segment_log2)

    def decrypt(self, blob, context=None):
        ctx = dict(context or {})
        h = rec.parse_header(blob)
        if h.key_name != self.key:
            raise KeepError("wrong_key", "the record is under the keep key '%s', not '%s'"
                            % (h.key_name, self.key))
        wrap = rec.wrap_context(ctx, h.partition_keys)
        k = rec.canonical_context(wrap) + h.wrapped.encode()
        e = self._dec.find(k)
        if e is None:
            plain, answer = self.client.decrypt(h.wrapped, wrap, key=self.key)
            if answer.get("key") != self.key:
                raise KeepError("wrong_key", "keepd unwrapped the data key under another key")
            if len(plain) != 32:
                raise KeepError("invalid_record", "the wrapped data key is not a record data key")
            e = _Entry(plain, h.wrapped)
            self._dec.insert(k, e)
        return rec.open_record(e.keys, blob, ctx)

    def rewrap(self, blob, context=None):
        return self.rewrap_batch([(blob, context or {})])[0]

    def rewrap_batch(self, records):
        """records: (blob, context) pairs. Results: new blobs or KeepError, in order."""
        out, items, where = [None] * len(records), [], []
        for i, (blob, ctx) in enumerate(records):
            try:
                h = rec.parse_header(blob)
                if h.key_name != self.key:
                    raise KeepError("wrong_key", "the record is under the keep key '%s'"
                                    % h.key_name)
                items.append((h.wrapped, rec.wrap_context(dict(ctx or {}), h.partition_keys)))
                where.append(i)
            except KeepError as err:
                out[i] = err
        if items:
            for i, r in zip(where, self.client.rewrap_batch(self.key, items)):
                out[i] = r if isinstance(r, KeepError) else \
                    rec.replace_wrapped(records[i][0], r["ciphertext"])
        return out

    @property
    def encrypt_cache(self):
        return self._enc.snapshot()

    @property
    def decrypt_cache(self):
        return self._dec.snapshot()

    def clear_cache(self):
        self._enc.clear()
        self._dec.clear()
