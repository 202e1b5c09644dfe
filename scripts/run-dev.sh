#!/usr/bin/env bash
# `make run`: starts keepd on 127.0.0.1:8443 (and the keas.kmi door on 127.0.0.1:8080)
# with a development configuration under
# var/ (SQLite store, generated CA + server certificate, INSECURE dev root-key file,
# initialized on first start) and prints how to use it. Ctrl-C stops it; restarting
# keeps every key.
set -euo pipefail
BUILD=${1:-build/release}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR="$ROOT/var/dev"
mkdir -p "$VAR"
CONF="$VAR/keepd.toml"
if [ ! -f "$CONF" ]; then
  cat > "$CONF" <<TOML
# Development configuration written by 'make run'. NOT for production: the root key
# sits in a plain file next to the data.
[server]
address = "127.0.0.1"
port = ${KEEP_PORT:-8443}

[tls]
dev_dir = "tls"

[storage]
path = "data/keep.db"

[seal]
type = "dev-file"
dev_key_file = "root.key"
dev_auto_init = true
dev_root_token_file = "root-token"

# The keas.kmi door (docs/operations.md, "keas.kmi"): its clients speak plain HTTP, allowed
# here because the address is loopback. Its callers get the "keas" policy (made below).
[keas]
enabled = true
address = "127.0.0.1"
port = ${KEEP_KEAS_PORT:-8080}
tls = false
policies = ["keas"]
TOML
fi
rm -f "$VAR/ready"
"$ROOT/$BUILD/cmd/keepd/keepd" --config "$CONF" --ready-file "$VAR/ready" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID' INT TERM
for _ in $(seq 1 100); do
  [ -f "$VAR/ready" ] && break
  kill -0 $PID 2>/dev/null || { echo "keepd failed to start (see the log above)" >&2; exit 1; }
  sleep 0.1
done
PORT=$(cat "$VAR/ready")
if ! curl -sf --cacert "$VAR/tls/ca.pem" "https://127.0.0.1:$PORT/v1/sys/health" >/dev/null; then
  echo "keepd started but is sealed (see its log above). A var/dev/ made by an older keep" >&2
  echo "cannot be opened by this one: stop it, remove var/dev/ and run 'make run' again." >&2
fi
KEEP_BIN="$ROOT/$BUILD/cmd/keep/keep"
KEAS=""
if [ -f "$VAR/ready.keas" ]; then
  KEAS_PORT=$(cat "$VAR/ready.keas")
  # The keas door's callers may make data keys, get them back and count them on key "keas".
  KEEP_ADDR=https://127.0.0.1:$PORT KEEP_CACERT="$VAR/tls/ca.pem" KEEP_TOKEN=$(cat "$VAR/root-token") \
    "$KEEP_BIN" policy write keas - >/dev/null <<'JSON' || true
{"rules":[{"keys":"keas","capabilities":["datakey","decrypt","read"]}]}
JSON
  KEAS="
  keas.kmi door:   http://127.0.0.1:$KEAS_PORT   (POST /new, POST /key, GET /)
    curl -s -X POST http://127.0.0.1:$KEAS_PORT/new > kek.pem
    curl -s --data-binary @kek.pem -H 'Content-Type: text/plain' http://127.0.0.1:$KEAS_PORT/key | xxd | head -2
"
fi
cat <<INFO

  keepd is running at https://127.0.0.1:$PORT   (Ctrl-C to stop; keys persist in var/dev/data)
  CA certificate:  $VAR/tls/ca.pem
  Root token:      $(cat "$VAR/root-token")

  Try it (in another terminal):
    export KEEP_ADDR=https://127.0.0.1:$PORT KEEP_CACERT=$VAR/tls/ca.pem KEEP_TOKEN=\$(cat $VAR/root-token)
    $KEEP_BIN key create demo
    echo -n 'hello' | $KEEP_BIN encrypt --key demo | $KEEP_BIN decrypt
    $KEEP_BIN audit verify --live $VAR/audit.log

  AWS SDKs and the AWS CLI (the AWS KMS API on the same port):
    export \$($KEEP_BIN aws-key create) AWS_DEFAULT_REGION=us-east-1 AWS_CA_BUNDLE=$VAR/tls/ca.pem
    aws --endpoint-url https://127.0.0.1:$PORT kms describe-key --key-id alias/demo
$KEAS
INFO
wait $PID
