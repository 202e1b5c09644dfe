#!/usr/bin/env bash
# HTTP load test with wrk: single 64-byte encrypt requests over HTTPS keep-alive, then
# batch requests of 1,000 items. Starts its own keepd on a free port in a temp dir.
# Usage: bench/http_load.sh [BUILD_DIR] [DURATION_S] [CONNECTIONS] [SERVER_THREADS]
# KEEP_BENCH_ONLY=single|batch runs one of the two; KEEPD_WRAPPER prefixes keepd (e.g. perf record).
# KEEP_BENCH_AUDIT=file (default: the hash-chained trail, fdatasync per group commit),
# file-nosync, or log (no trail: the baseline for the audit cost).
set -euo pipefail
BUILD=${1:-build/release}
DUR=${2:-10}
CONNS=${3:-64}
THREADS=${4:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
TMP=$(mktemp -d /tmp/keep-bench.XXXXXX)
trap 'kill $PID 2>/dev/null || true; wait 2>/dev/null; rm -rf "$TMP"' EXIT
write_dev_config "$TMP/keepd.toml" "$THREADS"
append_audit_config "$TMP/keepd.toml" "${KEEP_BENCH_AUDIT:-file}"
start_keepd "$ROOT/$BUILD/cmd/keepd/keepd" "$TMP" ${KEEPD_WRAPPER:-}
curl -sf --cacert "$TMP/tls/ca.pem" -H "Authorization: Bearer $TOKEN" "$URL/v1/keys" -d '{"name":"bench"}' >/dev/null

PLAIN=$(head -c 64 /dev/urandom | base64 -w0)
write_wrk_script "$TMP/single.lua" "$TOKEN" '{"plaintext":"'"$PLAIN"'"}'
python3 - "$PLAIN" "$TOKEN" > "$TMP/batch.lua" <<'PY'
import sys
plain, token = sys.argv[1], sys.argv[2]
items = ",".join('{"plaintext":"%s"}' % plain for _ in range(1000))
print('wrk.method = "POST"')
print("wrk.body = '{\"batch\":[%s]}'" % items)
print('wrk.headers["Authorization"] = "Bearer %s"' % token)
print('wrk.headers["Content-Type"] = "application/json"')
PY

if [ "${KEEP_BENCH_ONLY:-}" != batch ]; then
echo "== single encrypt, 64-byte plaintext, $CONNS connections, ${DUR}s, keepd threads=$THREADS"
wrk -t1 -c"$CONNS" -d"${DUR}s" --latency -s "$TMP/single.lua" "$URL/v1/keys/bench/encrypt"
echo
fi
if [ "${KEEP_BENCH_ONLY:-}" != single ]; then
echo "== batch encrypt, 1,000 x 64-byte items per request, 4 connections, ${DUR}s"
wrk -t1 -c4 -d"${DUR}s" --latency -s "$TMP/batch.lua" "$URL/v1/keys/bench/encrypt"
fi
