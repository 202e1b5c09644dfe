#!/usr/bin/env bash
# Latency of single 64-byte encrypts over HTTPS against load: wrk at several connection
# counts, for each audit mode (no trail, the trail without fdatasync, the durable trail as
# shipped), printing req/s, p50, p99 and the maximum; then the disk's own fdatasync
# latency (bench/fsync_probe.py) for comparison.
# Usage: bench/latency.sh [BUILD_DIR] [DURATION_S] ["CONNECTION COUNTS"]
set -euo pipefail
BUILD=${1:-build/release}
DUR=${2:-5}
COUNTS=${3:-"1 2 4 8 32"}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
printf '%-12s %6s %10s %10s %10s %10s\n' audit conns "req/s" p50 p99 max
for mode in log file-nosync file; do
  for c in $COUNTS; do
    out=$(KEEP_BENCH_AUDIT=$mode KEEP_BENCH_ONLY=single "$ROOT/bench/http_load.sh" "$BUILD" "$DUR" "$c")
    printf '%-12s %6s %10s %10s %10s %10s\n' "$mode" "$c" \
      "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1=="50%" {print $2}' <<<"$out")" \
      "$(awk '$1=="99%" {print $2}' <<<"$out")" "$(awk '/^ +Latency/ {print $4}' <<<"$out")"
  done
done
"$ROOT/bench/fsync_probe.py" "${TMPDIR:-/tmp}" "$DUR"
