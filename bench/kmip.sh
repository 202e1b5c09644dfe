#!/usr/bin/env bash
# KMIP throughput, keepd's KMIP door next to Debian's pykmip-server, in one run on the same
# machine: Get and Encrypt (64 bytes, AES-256-GCM) over 1 and 16 mutual-TLS connections,
# each measured by bench/kmip_load.cc (C++, one request at a time per connection) for
# DURATION_S seconds. Both servers get the same CA, server certificate and client
# certificate. Prints operations/s and keep's ratio to pykmip-server.
# Usage: bench/kmip.sh [BUILD_DIR] [DURATION_S]
# keepd runs as deployed: the durable file trail (fsync), SQLite.
set -euo pipefail
BUILD=${1:-build/release}
DUR=${2:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
TMP=$(mktemp -d /tmp/keep-kmip-bench.XXXXXX)
PYPID=
trap 'kill $PID $PYPID 2>/dev/null || true; wait 2>/dev/null; rm -rf "$TMP"' EXIT
cd "$TMP"
# One CA; an RSA server certificate for 127.0.0.1; a client certificate for TLS clients.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bench-ca -keyout ca.key \
  -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr \
  2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile server.ext -out server.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=bench -keyout client.key -out client.csr 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile client.ext -out client.pem 2>/dev/null

write_dev_config "$TMP/keepd.toml" 2
sed -i 's/^dev_dir = "tls"$/cert_file = "server.pem"\nkey_file = "server.key"\nclient_ca_file = "ca.pem"/' \
  "$TMP/keepd.toml"
# KMIP_BENCH_FSYNC=false: the trail without fsync, to see what durability costs.
printf '[audit]\npath = "audit.log"\nfsync = %s\n' "${KMIP_BENCH_FSYNC:-true}" >> "$TMP/keepd.toml"
cat >> "$TMP/keepd.toml" <<'TOML'
[kmip]
enabled = true
port = 0
[[auth.certificate]]
name = "bench"
subject = "CN=bench"
policies = ["root"]
TOML
start_keepd "$ROOT/$BUILD/cmd/keepd/keepd" "$TMP"
for _ in $(seq 1 50); do [ -f "$TMP/ready.kmip" ] && break; sleep 0.1; done
KPORT=$(cat "$TMP/ready.kmip")

PYPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p policies
cat > server.conf <<CONF
[server]
hostname=127.0.0.1
port=$PYPORT
certificate_path=$TMP/server.pem
key_path=$TMP/server.key
ca_path=$TMP/ca.pem
auth_suite=TLS1.2
enable_tls_client_auth=True
logging_level=ERROR
policy_path=$TMP/policies
database_path=$TMP/pykmip.db
CONF
/usr/bin/pykmip-server -f "$TMP/server.conf" -l "$TMP/pykmip.log" >/dev/null 2>&1 &
PYPID=$!
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/$PYPORT) 2>/dev/null && break
  sleep 0.1
done

LOAD="$ROOT/$BUILD/bench/keep_kmip_load"
run() { "$LOAD" 127.0.0.1 "$1" ca.pem client.pem client.key "$2" "$3" "$DUR" | awk '{print $3}'; }
declare -A R
for op in get encrypt; do
  for c in 1 16; do
    R[keep-$op-$c]=$(run "$KPORT" $op $c)
    R[py-$op-$c]=$(run "$PYPORT" $op $c)
  done
done
printf '%-10s %5s %14s %18s %8s\n' operation conns "keep ops/s" "pykmip-server /s" ratio
for op in get encrypt; do
  for c in 1 16; do
    k=${R[keep-$op-$c]} p=${R[py-$op-$c]}
    printf '%-10s %5s %14s %18s %7.0fx\n' "$op" "$c" "$k" "$p" "$(echo "$k / $p" | bc -l)"
  done
done
