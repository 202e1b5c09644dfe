#!/usr/bin/env bash
# keep file vs age (Debian's age 1.1), side by side in one run: encrypt and decrypt the
# same 1 GiB file of random bytes, read from the page cache, written to /dev/null, both to
# one X25519 recipient. Runs interleave (keep, age, keep, age, …) and the medians are
# reported: CPU time (user + sys) → GB/s of CPU per core, and wall time.
#
# Usage: bench/file_vs_age.sh [BUILD_DIR] [RUNS] [SIZE_MIB]
set -euo pipefail
BUILD=${1:-build/release}
RUNS=${2:-5}
MIB=${3:-1024}
KEEP=$(realpath "$BUILD/cmd/keep/keep")
command -v age >/dev/null || { echo "age is not installed (scripts/bootstrap.sh installs it)"; exit 1; }
W=$(mktemp -d /tmp/keep-file-bench-XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"

"$KEEP" keygen --out id >/dev/null
age-keygen -o age.id 2>/dev/null
AGE_R=$(age-keygen -y age.id)
head -c $((MIB << 20)) /dev/urandom > plain
"$KEEP" file encrypt -r id.pub plain -o plain.keep
age -r "$AGE_R" -o plain.age plain
cat plain plain.keep plain.age > /dev/null  # into the page cache

# run NAME COMMAND...: one timed run, "NAME cpu_seconds wall_seconds" appended to results.
run() {
  local name=$1; shift
  local t
  t=$( { TIMEFORMAT='%U %S %R'; time "$@" > /dev/null; } 2>&1 | tail -1)
  awk -v n="$name" '{ printf "%s %.3f %.3f\n", n, $1 + $2, $3 }' <<<"$t" >> results
}

: > results
for _ in $(seq "$RUNS"); do
  run keep-encrypt "$KEEP" file encrypt -r id.pub plain
  run age-encrypt age -r "$AGE_R" plain
  run keep-decrypt "$KEEP" file decrypt -i id plain.keep
  run age-decrypt age -d -i age.id plain.age
done

# Check the round trips once (outside the timings).
"$KEEP" file decrypt -i id plain.keep | cmp - plain
age -d -i age.id plain.age | cmp - plain

echo "$MIB MiB, $RUNS runs each, medians (age $(age --version)):"
printf "%-14s %10s %12s %10s %12s\n" "" "cpu s" "GB/s (cpu)" "wall s" "GB/s (wall)"
for name in keep-encrypt age-encrypt keep-decrypt age-decrypt; do
  cpu=$(awk -v n="$name" '$1 == n { print $2 }' results | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  wall=$(awk -v n="$name" '$1 == n { print $3 }' results | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  awk -v n="$name" -v c="$cpu" -v w="$wall" -v b=$((MIB << 20)) \
    'BEGIN { printf "%-14s %10.3f %12.2f %10.3f %12.2f\n", n, c, b / c / 1e9, w, b / w / 1e9 }'
done
