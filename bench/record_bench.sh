#!/usr/bin/env bash
# Envelope encryption in the application (bench/record_bench.cc) against its own keepd
# on a free port in a temp dir. Usage: bench/record_bench.sh [BUILD_DIR] [SECONDS] [RECORDS]
set -euo pipefail
BUILD=${1:-build/release}
SECS=${2:-3}
RECORDS=${3:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d /tmp/keep-bench.XXXXXX)
trap 'kill $PID 2>/dev/null || true; wait 2>/dev/null; rm -rf "$TMP"' EXIT
cat > "$TMP/keepd.toml" <<TOML
[server]
port = 0
[tls]
dev_dir = "tls"
[storage]
path = "keep.db"
[seal]
type = "dev-file"
dev_key_file = "root.key"
dev_auto_init = true
dev_root_token_file = "root-token"
[audit]
path = "audit.log"
[log]
level = "warn"
TOML
"$ROOT/$BUILD/cmd/keepd/keepd" --config "$TMP/keepd.toml" --ready-file "$TMP/ready" 2>"$TMP/keepd.log" &
PID=$!
for _ in $(seq 1 100); do [ -f "$TMP/ready" ] && break; sleep 0.1; done
KEEP_ADDR="https://127.0.0.1:$(cat "$TMP/ready")" KEEP_TOKEN=$(cat "$TMP/root-token")
export KEEP_ADDR KEEP_TOKEN KEEP_CACERT="$TMP/tls/ca.pem"
"$ROOT/$BUILD/bench/keep_record_bench" "$SECS" "$RECORDS"
