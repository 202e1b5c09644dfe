#!/usr/bin/env bash
# Throughput of 1, 2 and 3 keepd nodes on one PostgreSQL, side by side with one node on
# SQLite: single 64-byte encrypts over HTTPS keep-alive, 32 connections in total split
# across the nodes (one wrk per node, run at the same time). Starts its own PostgreSQL
# (initdb + pg_ctl in a temp dir, as the postgres user when root) and its own nodes.
# Usage: bench/cluster_load.sh [BUILD_DIR] [DURATION_S]
set -euo pipefail
BUILD=${1:-build/release}
DUR=${2:-8}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
KEEPD="$ROOT/$BUILD/cmd/keepd/keepd"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
TMP=$(mktemp -d /tmp/keep-cluster-bench.XXXXXX)
chmod 755 "$TMP"
AS_PG=""
if [ "$(id -u)" -eq 0 ]; then AS_PG="runuser -u postgres --"; mkdir "$TMP/pg"; chown postgres "$TMP/pg"; else mkdir "$TMP/pg"; fi
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  $AS_PG "$PGBIN/pg_ctl" -D "$TMP/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
$AS_PG "$PGBIN/initdb" -D "$TMP/pg/data" -A trust -U postgres --no-sync >/dev/null
$AS_PG "$PGBIN/pg_ctl" -D "$TMP/pg/data" -l "$TMP/pg/log" -w \
  -o "-p $PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$TMP/pg" start >/dev/null

PLAIN=$(head -c 64 /dev/urandom | base64 -w0)

# start_nodes LABEL N STORAGE_TOML: starts N nodes sharing one root key; sets NODE_PORTS.
start_nodes() {
  local label=$1 n=$2 storage=$3 dir="$TMP/$1"
  mkdir -p "$dir"
  NODE_PORTS=()
  for i in $(seq 1 "$n"); do
    mkdir -p "$dir/n$i"
    cat > "$dir/n$i/keepd.toml" <<TOML
[server]
port = 0
threads = 1
[tls]
dev_dir = "tls"
[storage]
$storage
[seal]
type = "dev-file"
dev_key_file = "$dir/root.key"
dev_auto_init = true
dev_root_token_file = "$dir/root-token"
[log]
level = "warn"
TOML
    "$KEEPD" --config "$dir/n$i/keepd.toml" --ready-file "$dir/n$i/ready" 2>"$dir/n$i/log" &
    PIDS+=($!)
    for _ in $(seq 1 100); do [ -f "$dir/n$i/ready" ] && break; sleep 0.1; done
    NODE_PORTS+=("$(cat "$dir/n$i/ready")")
  done
  TOKEN=$(cat "$dir/root-token")
  curl -sf --cacert "$dir/n1/tls/ca.pem" -H "Authorization: Bearer $TOKEN" \
    "https://127.0.0.1:${NODE_PORTS[0]}/v1/keys" -d '{"name":"bench"}' >/dev/null
  sleep 0.5  # let the other nodes learn of the key
  write_wrk_script "$dir/single.lua" "$TOKEN" '{"plaintext":"'"$PLAIN"'"}'
}

# run LABEL N STORAGE: prints total req/s and the worst node's p99.
run() {
  local label=$1 n=$2
  start_nodes "$label" "$n" "$3"
  local conns=$((32 / n)) i=0
  for port in "${NODE_PORTS[@]}"; do
    i=$((i + 1))
    wrk -t1 -c"$conns" -d"${DUR}s" --latency -s "$TMP/$label/single.lua" \
      "https://127.0.0.1:$port/v1/keys/bench/encrypt" > "$TMP/$label/wrk$i.txt" &
  done
  wait $(jobs -p | tail -n "$n")
  local total p99
  total=$(grep -h 'Requests/sec' "$TMP/$label"/wrk*.txt | awk '{s+=$2} END {printf "%.0f", s}')
  p99=$(grep -h ' 99%' "$TMP/$label"/wrk*.txt | awk '{print $2}' | sort -V | tail -1)
  printf '%-22s %8s req/s   worst p99 %s\n' "$label" "$total" "$p99"
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
}

PGCONN="host=127.0.0.1 port=$PGPORT user=postgres dbname"
$AS_PG "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres keep1
$AS_PG "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres keep2
$AS_PG "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres keep3
echo "single 64-byte encrypt, 32 connections in total, ${DUR}s, 1 io thread per node"
run sqlite-1-node 1 'path = "keep.db"'
run postgres-1-node 1 "backend = \"postgres\"
conninfo = \"$PGCONN=keep1\""
run postgres-2-nodes 2 "backend = \"postgres\"
conninfo = \"$PGCONN=keep2\""
run postgres-3-nodes 3 "backend = \"postgres\"
conninfo = \"$PGCONN=keep3\""
