#!/usr/bin/env bash
# Envelope encryption in the application (bench/record_bench.cc) against its own keepd
# on a free port in a temp dir. Usage: bench/record_bench.sh [BUILD_DIR] [SECONDS] [RECORDS]
set -euo pipefail
BUILD=${1:-build/release}
SECS=${2:-3}
RECORDS=${3:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
TMP=$(mktemp -d /tmp/keep-bench.XXXXXX)
trap 'kill $PID 2>/dev/null || true; wait 2>/dev/null; rm -rf "$TMP"' EXIT
write_dev_config "$TMP/keepd.toml"
printf '[audit]\npath = "audit.log"\n' >> "$TMP/keepd.toml"
start_keepd "$ROOT/$BUILD/cmd/keepd/keepd" "$TMP"
export KEEP_ADDR="$URL" KEEP_TOKEN="$TOKEN" KEEP_CACERT="$TMP/tls/ca.pem"
"$ROOT/$BUILD/bench/keep_record_bench" "$SECS" "$RECORDS"
