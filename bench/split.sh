#!/usr/bin/env bash
# Split keys (issue 21): decryptions of a split-p256 key — this node's partial, one HTTPS
# round trip to the peer deployment for its proven partial, the combination — next to
# ordinary single-node HPKE decryptions (an x25519 key) on the same keepd, in one run.
# Two keepd (A serves, B is its peer; 2 threads each, the default durable trail, separate
# dev custody), mutual TLS between them, wrk keep-alive against A.
# Usage: bench/split.sh [BUILD_DIR] [DURATION_S] [CONNECTIONS]
set -euo pipefail
BUILD=${1:-build/release}
DUR=${2:-10}
CONNS=${3:-32}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
TMP=$(mktemp -d /tmp/keep-bench-split.XXXXXX)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$TMP"' EXIT
cd "$TMP"
q() { "$@" >/dev/null 2>&1; }
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=servers-ca -keyout servers-ca.key -out servers-ca.pem
q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout server.key -out server.csr
q openssl x509 -req -in server.csr -CA servers-ca.pem -CAkey servers-ca.key -CAcreateserial \
  -days 2 -extfile <(printf 'subjectAltName=IP:127.0.0.1') -out server.pem
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=peers-ca -keyout peers-ca.key -out peers-ca.pem
for who in a b; do
  q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=peer-$who \
    -keyout peer-$who.key -out peer-$who.csr
  q openssl x509 -req -in peer-$who.csr -CA peers-ca.pem -CAkey peers-ca.key -CAcreateserial \
    -days 2 -out peer-$who.pem
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT_A=$(free_port)
PORT_B=$(free_port)
declare -A PORTS=([a]=$PORT_A [b]=$PORT_B)
for self in a b; do
  other=$([ $self = a ] && echo b || echo a)
  mkdir -p $self/tls
  cp servers-ca.pem $self/tls/ca.pem
  cp server.pem server.key $self/tls/
  write_dev_config $self/keepd.toml 2
  sed -i "s/^port = 0/port = ${PORTS[$self]}\nblocking_threads = ${BLOCKING:-0}/" $self/keepd.toml
  cat >> $self/keepd.toml <<TOML
[audit]
path = "audit.log"
[auth]
[[auth.certificate]]
name = "peer-$other"
subject = "CN=peer-$other"
policies = ["peer"]
[[peers]]
name = "$other"
address = "https://127.0.0.1:${PORTS[$other]}"
ca_file = "$TMP/servers-ca.pem"
client_cert_file = "$TMP/peer-$self.pem"
client_key_file = "$TMP/peer-$self.key"
identity = "cert:peer-$other"
TOML
  sed -i "s|^dev_dir = \"tls\"|dev_dir = \"tls\"\nclient_ca_file = \"$TMP/peers-ca.pem\"|" $self/keepd.toml
  start_keepd "$ROOT/$BUILD/cmd/keepd/keepd" "$TMP/$self"
  PIDS+=("$PID")
  declare "TOKEN_$self=$TOKEN" "URL_$self=$URL"
done
KEEP="$ROOT/$BUILD/cmd/keep/keep"
for self in a b; do
  t=TOKEN_$self u=URL_$self
  KEEP_ADDR=${!u} KEEP_TOKEN=${!t} KEEP_CACERT=servers-ca.pem \
    "$KEEP" policy write peer - <<<'{"rules":[{"keys":"*","capabilities":["peer"]}]}' >/dev/null
done
export KEEP_ADDR=$URL_a KEEP_TOKEN=$TOKEN_a KEEP_CACERT=servers-ca.pem
"$KEEP" key create split --type split-p256 --peer b >/dev/null
"$KEEP" key create single --type x25519 >/dev/null
for k in split single; do
  CT=$(head -c 32 /dev/urandom | "$KEEP" encrypt --key $k)
  write_wrk_script "$TMP/decrypt-$k.lua" "$TOKEN_a" '{"ciphertext":"'"$CT"'"}'
done
rate() {
  local out
  out=$(cat)
  if grep -q 'Non-2xx' <<<"$out"; then echo "refused requests: $out" >&2; exit 1; fi
  sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out"
}
lat() { sed -n 's/^ *Latency *\([0-9.]*[a-z]*\).*/\1/p'; }
single=$(wrk -t1 -c"$CONNS" -d"${DUR}s" -s decrypt-single.lua "$URL_a/v1/keys/single/decrypt" | rate)
split=$(wrk -t1 -c"$CONNS" -d"${DUR}s" -s decrypt-split.lua "$URL_a/v1/keys/split/decrypt" | rate)
one_single=$(wrk -t1 -c1 -d"${DUR}s" -s decrypt-single.lua "$URL_a/v1/keys/single/decrypt" | rate)
one_split=$(wrk -t1 -c1 -d"${DUR}s" -s decrypt-split.lua "$URL_a/v1/keys/split/decrypt" | rate)
python3 - "$single" "$split" "$one_single" "$one_split" "$CONNS" <<'PY'
import sys
s, p, s1, p1 = (float(x) for x in sys.argv[1:5])
c = sys.argv[5]
print(f"{'decrypt':<34}{c + ' conns /s':>14}{'1 conn /s':>12}{'1 conn ms':>12}")
print(f"{'x25519 (single node, HPKE)':<34}{s:>14,.0f}{s1:>12,.0f}{1000 / s1:>12.2f}")
print(f"{'split-p256 (A + peer B)':<34}{p:>14,.0f}{p1:>12,.0f}{1000 / p1:>12.2f}")
print(f"split / single: {p / s:.1%} at {c} connections; one request costs "
      f"{1000 / p1 - 1000 / s1:.2f} ms more")
PY
