#!/usr/bin/env bash
# Keys beyond AES over HTTPS next to the bare primitive, in one run: Ed25519 and ECDSA
# P-256 signatures and verifications, and RSA-3072 (OAEP) decryptions through keepd with
# wrk (keep-alive, CONNECTIONS connections), and `openssl speed` for the same primitive on
# the same cores. Prints operations/s for each and keep's ratio to openssl.
# Usage: bench/keytypes.sh [BUILD_DIR] [DURATION_S] [CONNECTIONS]
# The trail is the default durable file trail (fsync), as deployed.
set -euo pipefail
BUILD=${1:-build/release}
DUR=${2:-10}
CONNS=${3:-32}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
TMP=$(mktemp -d /tmp/keep-bench.XXXXXX)
trap 'kill $PID 2>/dev/null || true; wait 2>/dev/null; rm -rf "$TMP"' EXIT
write_dev_config "$TMP/keepd.toml" 2
printf '[audit]\npath = "audit.log"\n' >> "$TMP/keepd.toml"
start_keepd "$ROOT/$BUILD/cmd/keepd/keepd" "$TMP"
KEEP="$ROOT/$BUILD/cmd/keep/keep"
export KEEP_ADDR=$URL KEEP_TOKEN=$TOKEN KEEP_CACERT=$TMP/tls/ca.pem
"$KEEP" key create ed --type ed25519 >/dev/null
"$KEEP" key create p256 --type ecdsa-p256 >/dev/null
"$KEEP" key create rsa --type rsa-3072 --purpose encrypt >/dev/null
MSG=$(head -c 64 /dev/urandom | base64 -w0)
for k in ed p256; do
  printf '%s' "$MSG" | base64 -d > "$TMP/msg"
  SIG=$("$KEEP" sign --key $k --in "$TMP/msg")
  write_wrk_script "$TMP/sign-$k.lua" "$TOKEN" '{"message":"'"$MSG"'"}'
  write_wrk_script "$TMP/verify-$k.lua" "$TOKEN" '{"message":"'"$MSG"'","signature":"'"$SIG"'"}'
done
CT=$(head -c 32 /dev/urandom | "$KEEP" encrypt --key rsa)
write_wrk_script "$TMP/decrypt-rsa.lua" "$TOKEN" '{"ciphertext":"'"$CT"'"}'

rate() {
  local out
  out=$(cat)
  if grep -q 'Non-2xx' <<<"$out"; then echo "refused requests: $out" >&2; exit 1; fi
  sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out"
}
run() { wrk -t1 -c"$CONNS" -d"${DUR}s" -s "$TMP/$1.lua" "$URL$2" | rate; }
ed_sign=$(run sign-ed /v1/keys/ed/sign)
ed_verify=$(run verify-ed /v1/keys/ed/verify)
p_sign=$(run sign-p256 /v1/keys/p256/sign)
p_verify=$(run verify-p256 /v1/keys/p256/verify)
rsa_dec=$(run decrypt-rsa /v1/keys/rsa/decrypt)
kill $PID; wait $PID 2>/dev/null || true
o_ed=$(openssl speed -multi 2 -seconds "$DUR" ed25519 2>/dev/null | awk '/^ *253 bits EdDSA/ {print $(NF-1), $NF}' | tail -1)
o_p=$(openssl speed -multi 2 -seconds "$DUR" ecdsap256 2>/dev/null | awk '/^ *256 bits ecdsa/ {print $(NF-1), $NF}' | tail -1)
o_rsa=$(openssl speed -multi 2 -seconds "$DUR" rsa3072 2>/dev/null | awk '/^rsa 3072 bits/ {print $(NF-1), $NF}' | tail -1)
python3 - "$ed_sign" "$ed_verify" "$p_sign" "$p_verify" "$rsa_dec" "$o_ed" "$o_p" "$o_rsa" <<'PY'
import sys
ed_s, ed_v, p_s, p_v, rsa_d = (float(x) for x in sys.argv[1:6])
o_ed = [float(x) for x in sys.argv[6].split()]   # sign/s verify/s
o_p = [float(x) for x in sys.argv[7].split()]
o_rsa = [float(x) for x in sys.argv[8].split()]  # sign (= private op) / verify
rows = [("Ed25519 sign", ed_s, o_ed[0]), ("Ed25519 verify", ed_v, o_ed[1]),
        ("ECDSA P-256 sign", p_s, o_p[0]), ("ECDSA P-256 verify", p_v, o_p[1]),
        ("RSA-3072 decrypt (OAEP)", rsa_d, o_rsa[0])]
print(f"{'operation':<26}{'keep HTTPS /s':>15}{'openssl speed /s':>18}{'keep/openssl':>14}")
for name, k, o in rows:
    print(f"{name:<26}{k:>15,.0f}{o:>18,.0f}{k / o:>14.1%}")
PY
