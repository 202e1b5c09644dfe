#!/usr/bin/env bash
# The keas.kmi door under load: POST /key (the data key for one key encrypting key) with wrk
# over plain HTTP on loopback, as keas.kmi clients speak it, and over TLS; plus POST /new
# (an RSA-2048 key pair each) per second. Starts its own keepd.
# Usage: bench/keas_door.sh [BUILD_DIR] [DURATION_S] [CONNECTIONS]
set -euo pipefail
BUILD=${1:-build/release}
DUR=${2:-10}
CONNS=${3:-32}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
TMP=$(mktemp -d /tmp/keep-bench.XXXXXX)
trap 'kill $PID $PID2 2>/dev/null || true; wait 2>/dev/null; rm -rf "$TMP"' EXIT
PID2=
run() {  # run DIR TLS: a keepd with the keas door; sets PID/URL/KURL
  write_dev_config "$1/keepd.toml" 2
  printf '[audit]\npath = "audit.log"\n[keas]\nenabled = true\nport = 0\ntls = %s\npolicies = ["keas"]\n' "$2" >> "$1/keepd.toml"
  start_keepd "$ROOT/$BUILD/cmd/keepd/keepd" "$1"
  KEEP_ADDR=$URL KEEP_TOKEN=$TOKEN KEEP_CACERT=$1/tls/ca.pem "$ROOT/$BUILD/cmd/keep/keep" policy write keas - \
    <<<'{"rules":[{"keys":"keas","capabilities":["datakey","decrypt","read"]}]}' >/dev/null
  local scheme=http; [ "$2" = true ] && scheme=https
  KURL="$scheme://127.0.0.1:$(cat "$1/ready.keas")"
}
key_bench() {  # key_bench DIR
  curl -sf --cacert "$1/tls/ca.pem" -X POST "$KURL/new" -o "$1/kek.pem"
  { echo 'wrk.method = "POST"'; echo 'wrk.headers["Content-Type"] = "text/plain"'
    printf 'wrk.body = [[\n%s\n]]\n' "$(cat "$1/kek.pem")"; } > "$1/key.lua"
  wrk -t1 -c"$CONNS" -d"${DUR}s" -s "$1/key.lua" "$KURL/key" | grep -E 'Requests/sec|Non-2xx|Latency'
}
mkdir -p "$TMP/plain" "$TMP/tls"
run "$TMP/plain" false
echo "== POST /key, plain HTTP on loopback, $CONNS connections, ${DUR}s (durable trail)"
key_bench "$TMP/plain"
echo "== POST /new, one connection, 5 s (RSA-2048 key generation each)"
start=$(date +%s.%N); n=0
while [ "$(echo "$(date +%s.%N) - $start < 5" | bc)" = 1 ]; do
  curl -sf -X POST "$KURL/new" -o /dev/null; n=$((n + 1))
done
echo "$n keys in 5 s: $(echo "scale=1; $n / 5" | bc) /s"
kill $PID; wait $PID 2>/dev/null || true
run "$TMP/tls" true
echo "== POST /key, TLS, $CONNS connections, ${DUR}s"
key_bench "$TMP/tls"
