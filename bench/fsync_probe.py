#!/usr/bin/python3
"""The disk's own fdatasync latency, without keep: append 600 bytes (an audit record's
size) and fdatasync, as fast as possible, for SECONDS; print the distribution and when the
slow ones (> 20 ms) happened. bench/latency.sh's p99 with the durable trail cannot be lower
than what this shows. With PREALLOCATE=1 the file is first filled with 64 MiB of zeros and
synced, and the records overwrite it from the start (as a trail in preallocated segments
would): the sync then has no file size to commit.
Usage: [PREALLOCATE=1] bench/fsync_probe.py [DIR] [SECONDS]"""
import os
import sys
import time

where = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
path = os.path.join(where, f"keep-fsync-probe-{os.getpid()}")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
if os.environ.get("PREALLOCATE") == "1":
    os.write(fd, b"\0" * (64 << 20))
    os.fsync(fd)
    os.lseek(fd, 0, os.SEEK_SET)
lat, slow, start = [], [], time.time()
try:
    while time.time() - start < seconds:
        os.write(fd, b"x" * 600)
        t = time.perf_counter()
        os.fdatasync(fd)
        d = (time.perf_counter() - t) * 1000
        lat.append(d)
        if d > 20:
            slow.append(f"{time.time() - start:.2f}s:{d:.0f}ms")
finally:
    os.close(fd)
    os.unlink(path)
lat.sort()
q = lambda p: lat[int(p * (len(lat) - 1))]
print(f"{len(lat)} fdatasyncs in {seconds:.0f} s: p50 {q(.5):.3f} ms, p99 {q(.99):.3f}, "
      f"p99.9 {q(.999):.3f}, max {lat[-1]:.1f} ms")
print(f"{len(slow)} over 20 ms: {' '.join(slow[:20])}")
