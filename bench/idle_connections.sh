#!/usr/bin/env bash
# keepd's resident memory per idle TLS connection: opens COUNT connections (TLS handshake
# done, no request sent) from one Python process, and reads keepd's VmRSS before, with all
# of them open, and after they close. Prints KiB per connection. keepd gets
# server.max_connections = COUNT + 100 and a request timeout long enough to keep them.
# Usage: bench/idle_connections.sh [BUILD_DIR] [COUNT]
set -euo pipefail
BUILD=${1:-build/release}
COUNT=${2:-10000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
TMP=$(mktemp -d /tmp/keep-idle.XXXXXX)
trap 'kill $PID 2>/dev/null || true; wait 2>/dev/null; rm -rf "$TMP"' EXIT
write_dev_config "$TMP/keepd.toml" 2
sed -i "s/^port = 0$/port = 0\nmax_connections = $((COUNT + 100))\nrequest_timeout = \"300s\"\nhandshake_timeout = \"60s\"/" \
  "$TMP/keepd.toml"
printf '[audit]\npath = "audit.log"\n' >> "$TMP/keepd.toml"
ulimit -n "$(ulimit -Hn)"
start_keepd "$ROOT/$BUILD/cmd/keepd/keepd" "$TMP"
/usr/bin/python3 - "$PORT" "$TMP/tls/ca.pem" "$COUNT" "$PID" <<'PY'
import resource, socket, ssl, sys, time
port, ca, count, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
ctx = ssl.create_default_context(cafile=ca)
before = rss()
conns, start = [], time.time()
for _ in range(count):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="127.0.0.1")
    conns.append(s)
took = time.time() - start
time.sleep(2)
held = rss()
for s in conns:
    s.close()
time.sleep(3)
after = rss()
print(f"{count} idle TLS connections (opened in {took:.1f} s): keepd VmRSS {before} KiB before, "
      f"{held} KiB with them open, {after} KiB 3 s after they closed")
print(f"per connection: {(held - before) / count:.1f} KiB")
PY
