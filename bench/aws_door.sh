#!/usr/bin/env bash
# The AWS KMS door against the native API in one run: single 64-byte Encrypt requests over
# HTTPS keep-alive with wrk, native POST /v1/keys/bench/encrypt (bearer token) and AWS
# TrentService.Encrypt (SigV4, signed by Debian's botocore; wrk replays the signed request,
# which AWS and keep accept within the 15-minute clock-skew window), interleaved ROUNDS
# times. Prints requests/s for each and the AWS door's ratio to native.
# Usage: bench/aws_door.sh [BUILD_DIR] [DURATION_S] [CONNECTIONS] [ROUNDS]
# KEEP_BENCH_AUDIT=file (default) | file-nosync | log, as bench/http_load.sh.
set -euo pipefail
BUILD=${1:-build/release}
DUR=${2:-10}
CONNS=${3:-32}
ROUNDS=${4:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
TMP=$(mktemp -d /tmp/keep-bench.XXXXXX)
trap 'kill $PID 2>/dev/null || true; wait 2>/dev/null; rm -rf "$TMP"' EXIT
write_dev_config "$TMP/keepd.toml" 2
append_audit_config "$TMP/keepd.toml" "${KEEP_BENCH_AUDIT:-file}"
start_keepd "$ROOT/$BUILD/cmd/keepd/keepd" "$TMP"
KEEP="$ROOT/$BUILD/cmd/keep/keep"
export KEEP_ADDR=$URL KEEP_TOKEN=$TOKEN KEEP_CACERT=$TMP/tls/ca.pem
"$KEEP" key create bench >/dev/null
set -a
eval "$("$KEEP" aws-key create --display-name bench)"
set +a

PLAIN=$(head -c 64 /dev/urandom | base64 -w0)
write_wrk_script "$TMP/native.lua" "$TOKEN" '{"plaintext":"'"$PLAIN"'"}'
/usr/bin/python3 - "$URL" "$PLAIN" > "$TMP/aws.lua" <<'PY'
import sys
import botocore.auth, botocore.awsrequest, botocore.session
url, plain = sys.argv[1], sys.argv[2]
body = '{"KeyId":"alias/bench","Plaintext":"%s"}' % plain
req = botocore.awsrequest.AWSRequest(method="POST", url=url + "/", data=body.encode(), headers={
    "X-Amz-Target": "TrentService.Encrypt", "Content-Type": "application/x-amz-json-1.1"})
botocore.auth.SigV4Auth(botocore.session.Session().get_credentials(), "kms",
                        "us-east-1").add_auth(req)
print('wrk.method = "POST"')
print("wrk.body = '%s'" % body)
for k, v in req.headers.items():
    print('wrk.headers["%s"] = "%s"' % (k, v))
PY
# Requests/s from wrk's output; a run with refused requests (a bad signature) fails.
rate() {
  local out
  out=$(cat)
  if grep -q 'Non-2xx' <<<"$out"; then echo "refused requests: $out" >&2; exit 1; fi
  sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out"
}
native=() aws=()
for r in $(seq 1 "$ROUNDS"); do
  n=$(wrk -t1 -c"$CONNS" -d"${DUR}s" -s "$TMP/native.lua" "$URL/v1/keys/bench/encrypt" | rate)
  a=$(wrk -t1 -c"$CONNS" -d"${DUR}s" -s "$TMP/aws.lua" "$URL/" | rate)
  echo "round $r: native $n req/s, aws $a req/s"
  native+=("$n") aws+=("$a")
done
python3 - "${native[*]}" "${aws[*]}" <<'PY'
import statistics, sys
n = [float(x) for x in sys.argv[1].split()]
a = [float(x) for x in sys.argv[2].split()]
print(f"median: native {statistics.median(n):,.0f} req/s, aws {statistics.median(a):,.0f} req/s, "
      f"aws/native {statistics.median(a) / statistics.median(n):.1%}")
PY
