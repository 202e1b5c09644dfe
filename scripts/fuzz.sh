#!/usr/bin/env bash
# `make fuzz`: runs every libFuzzer target for SECONDS each (default 60) from the committed
# seeds (fuzz/corpus/<target>); new interesting inputs go to build/fuzz/work/<target>, and
# a crash, leak or failed check is written to fuzz/regressions/<target>/ — commit it with
# its fix, and `make test` replays it from then on. Prints executions and findings.
set -uo pipefail
BUILD=${1:-build/fuzz}
SECONDS_EACH=${2:-60}
ONLY=${3:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
status=0
for f in "$ROOT/$BUILD"/fuzz/fuzz_*; do
  t=$(basename "$f"); t=${t#fuzz_}
  [ "$t" = make_seeds ] && continue
  [ -n "$ONLY" ] && [ "$t" != "$ONLY" ] && continue
  work="$ROOT/$BUILD/work/$t"; mkdir -p "$work" "$ROOT/fuzz/regressions/$t"
  log="$ROOT/$BUILD/work/$t.log"
  before=$(ls "$ROOT/fuzz/regressions/$t" | wc -l)
  ASAN_OPTIONS=detect_leaks=1 "$f" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$ROOT/fuzz/regressions/$t/" \
    "$work" "$ROOT/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  after=$(ls "$ROOT/fuzz/regressions/$t" | wc -l)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  printf '%-11s %10s execs in %ss, %s, corpus %s, findings %s\n' "$t" "$execs" "$SECONDS_EACH" \
    "${cov:-cov: ?}" "$(ls "$work" | wc -l)" "$((after - before))"
  if [ $rc -ne 0 ] || [ "$after" -ne "$before" ]; then
    echo "  FINDING in $t: see $log and fuzz/regressions/$t/" >&2
    status=1
  fi
done
exit $status
