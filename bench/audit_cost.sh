#!/usr/bin/env bash
# The audit trail's cost in the HTTP benchmark: single 64-byte encrypts with no trail
# (server log only), the trail without fdatasync, and the trail as shipped (fdatasync per
# group commit). The modes run interleaved for ROUNDS rounds (the machine is shared and
# noisy); the median of each is compared with the no-trail median.
# Usage: bench/audit_cost.sh [BUILD_DIR] [DURATION_S] [CONNECTIONS] [ROUNDS]
set -euo pipefail
BUILD=${1:-build/release}
DUR=${2:-10}
CONNS=${3:-64}
ROUNDS=${4:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
declare -A ALL
for r in $(seq 1 "$ROUNDS"); do
  for mode in log file-nosync file; do
    out=$(KEEP_BENCH_AUDIT=$mode KEEP_BENCH_ONLY=single "$ROOT/bench/http_load.sh" "$BUILD" "$DUR" "$CONNS")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    echo "round $r audit=$mode: $rps req/s, p99 $p99"
    ALL[$mode]="${ALL[$mode]:-} $rps"
  done
done
python3 - "${ALL[log]}" "${ALL[file-nosync]}" "${ALL[file]}" <<'PY'
import statistics, sys
med = [statistics.median(map(float, a.split())) for a in sys.argv[1:]]
base = med[0]
print(f"median no trail:        {base:9.0f} req/s")
for name, m in zip(["trail, no fdatasync", "trail (shipped)"], med[1:]):
    print(f"median {name:16s} {m:9.0f} req/s = {100*m/base:5.1f}% of no trail ({100*(1-m/base):4.1f}% cost)")
PY
