#!/usr/bin/env bash
# The HTTPS ceiling of this machine next to keep's request path (issue 18, goal 1).
#
# Starts keepd (trail off unless KEEP_BENCH_AUDIT says otherwise) and Debian's nginx-light
# with the same certificate, TLS 1.3 only and 2 workers, answering every POST with a fixed
# 200 whose body is a real keep encrypt answer (same size, same content type). Runs the
# same wrk load — single 64-byte encrypt requests over keep-alive — against both,
# interleaved ROUNDS times, and prints each figure and keep's ratio to nginx in that round.
#
# Usage: bench/ceiling.sh [BUILD_DIR] [DURATION_S] [CONNECTIONS] [ROUNDS]
# KEEP_BENCH_AUDIT=log (default: no trail) | file | file-nosync; KEEPD_WRAPPER as in
# http_load.sh. nginx-light comes from scripts/bootstrap.sh --bench. CEILING_FLOOR=1 also
# runs keep_tls_floor (bench/tls_floor.cc: epoll and OpenSSL on the fd, the same fixed
# answer with keep's response head) in each round: the floor of a transport of our own;
# CEILING_FLOOR=api runs it with keep's API behind it (keep_tls_floor --api): the request
# path that transport would give keepd.
set -euo pipefail
BUILD=${1:-build/release}
DUR=${2:-10}
CONNS=${3:-32}
ROUNDS=${4:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
"$ROOT/scripts/bootstrap.sh" --bench
NGINX=/usr/sbin/nginx
TMP=$(mktemp -d /tmp/keep-ceiling.XXXXXX)
NGINX_PID=""
trap 'kill $PID 2>/dev/null || true; [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
write_dev_config "$TMP/keepd.toml" "${KEEPD_THREADS:-2}"
append_audit_config "$TMP/keepd.toml" "${KEEP_BENCH_AUDIT:-log}"
start_keepd "$ROOT/$BUILD/cmd/keepd/keepd" "$TMP" ${KEEPD_WRAPPER:-}
curl -sf --cacert "$TMP/tls/ca.pem" -H "Authorization: Bearer $TOKEN" "$URL/v1/keys" \
  -d '{"name":"bench"}' >/dev/null
PLAIN=$(head -c 64 /dev/urandom | base64 -w0)
BODY='{"plaintext":"'"$PLAIN"'"}'
write_wrk_script "$TMP/single.lua" "$TOKEN" "$BODY"
# One real answer: nginx sends the same bytes (a ciphertext, which is no secret here).
ANSWER=$(curl -sf --cacert "$TMP/tls/ca.pem" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' "$URL/v1/keys/bench/encrypt" -d "$BODY")
KEEP_HEADERS=$(curl -s -o /dev/null -D - --cacert "$TMP/tls/ca.pem" \
  -H "Authorization: Bearer $TOKEN" "$URL/v1/keys/bench/encrypt" -d "$BODY" | wc -c)

NPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$TMP/nginx/logs"
cat > "$TMP/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 2;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens off;
  keepalive_requests 1000000;
  client_body_temp_path $TMP/nginx/body;
  server {
    listen 127.0.0.1:$NPORT ssl;
    ssl_certificate $TMP/tls/server.pem;
    ssl_certificate_key $TMP/tls/server.key;
    ssl_protocols TLSv1.3;
    location / {
      default_type application/json;
      add_header Cache-Control no-store;
      add_header X-Request-Id 0123456789abcdef0123456789abcdef;
      return 200 '$ANSWER';
    }
  }
}
CONF
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" 2>"$TMP/nginx/logs/stderr" &
NGINX_PID=$!
for _ in $(seq 1 50); do
  curl -sf --cacert "$TMP/tls/ca.pem" "https://127.0.0.1:$NPORT/" -d x >/dev/null 2>&1 && break
  sleep 0.1
done
FLOOR_PID=""
if [ "${CEILING_FLOOR:-0}" != 0 ]; then
  FPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  if [ "$CEILING_FLOOR" = api ]; then
    mkdir -p "$TMP/floor"
    "$ROOT/$BUILD/bench/keep_tls_floor" "$FPORT" "$TMP/tls/server.pem" "$TMP/tls/server.key" \
      --api "$TMP/floor" 2 2>"$TMP/floor/stderr" &
  else
    # keep's own response head (status line and fields as keepd sends them), then the answer.
    curl -s -o /dev/null -D - --cacert "$TMP/tls/ca.pem" -H "Authorization: Bearer $TOKEN" \
      "$URL/v1/keys/bench/encrypt" -d "$BODY" | sed 's/\r$//' | grep -v '^$' |
      awk '{printf "%s\r\n", $0} END {printf "\r\n"}' > "$TMP/floor.response"
    printf '%s' "$ANSWER" >> "$TMP/floor.response"
    "$ROOT/$BUILD/bench/keep_tls_floor" "$FPORT" "$TMP/tls/server.pem" "$TMP/tls/server.key" \
      "$TMP/floor.response" 2 &
  fi
  FLOOR_PID=$!
  trap 'kill $PID 2>/dev/null || true; [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null; kill $FLOOR_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
  for _ in $(seq 1 50); do
    curl -s --cacert "$TMP/tls/ca.pem" "https://127.0.0.1:$FPORT/" -d x >/dev/null 2>&1 && break
    sleep 0.1
  done
  FLOOR_TOKEN=$TOKEN
  [ "$CEILING_FLOOR" = api ] && FLOOR_TOKEN=$(cat "$TMP/floor/token")
  write_wrk_script "$TMP/floor.lua" "$FLOOR_TOKEN" "$BODY"
fi
NGINX_HEADERS=$(curl -s -o /dev/null -D - --cacert "$TMP/tls/ca.pem" \
  "https://127.0.0.1:$NPORT/v1/keys/bench/encrypt" -d "$BODY" | wc -c)
echo "== ${CONNS} connections, ${DUR}s per run, answer body ${#ANSWER} bytes" \
  "(headers: keep $KEEP_HEADERS, nginx $NGINX_HEADERS bytes), trail ${KEEP_BENCH_AUDIT:-log}"

# cpu_ticks PID...: user + system clock ticks used so far by the processes and their threads.
cpu_ticks() {
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat"))); done
  echo "$t"
}
# run URL PID...: wrk's rate, and the server's CPU microseconds per answered request
# (SCRIPT: the wrk script, single.lua unless set).
run() {
  local url=$1 out before after n
  shift
  before=$(cpu_ticks "$@")
  out=$(wrk -t1 -c"$CONNS" -d"${DUR}s" -s "${SCRIPT:-$TMP/single.lua}" "$url")
  after=$(cpu_ticks "$@")
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "($after - $before) * 1000000 / $(getconf CLK_TCK) / $n" | bc -l)"
}
RATIOS=()
FLOORS=()
NGINX_PIDS="$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"
for r in $(seq 1 "$ROUNDS"); do
  read -r n ncpu < <(run "https://127.0.0.1:$NPORT/v1/keys/bench/encrypt" $NGINX_PIDS)
  read -r k kcpu < <(run "$URL/v1/keys/bench/encrypt" "$PID")
  ratio=$(echo "100 * $k / $n" | bc -l)
  RATIOS+=("$ratio")
  printf 'round %d: nginx %8.0f req/s (%5.1f us CPU/req)  keep %8.0f req/s (%5.1f us CPU/req)  keep/nginx %5.1f %%\n' \
    "$r" "$n" "$ncpu" "$k" "$kcpu" "$ratio"
  if [ -n "$FLOOR_PID" ]; then
    read -r f fcpu < <(SCRIPT="$TMP/floor.lua" run "https://127.0.0.1:$FPORT/v1/keys/bench/encrypt" "$FLOOR_PID")
    FLOORS+=("$(echo "100 * $f / $n" | bc -l)")
    printf '         floor %8.0f req/s (%5.1f us CPU/req)  floor/nginx %5.1f %%\n' "$f" "$fcpu" \
      "$(echo "100 * $f / $n" | bc -l)"
  fi
done
if [ -n "$FLOOR_PID" ]; then
  printf 'median floor/nginx over %d rounds: %.1f %%\n' "$ROUNDS" \
    "$(printf '%s\n' "${FLOORS[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')"
fi
# The median round: this machine's neighbours move single rounds by a third.
printf 'median keep/nginx over %d rounds: %.1f %%\n' "$ROUNDS" \
  "$(printf '%s\n' "${RATIOS[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')"
