# Shared by the bench scripts (source it).

# write_wrk_script FILE TOKEN BODY: a wrk Lua script that POSTs BODY as JSON with the
# bearer TOKEN.
write_wrk_script() {
  cat > "$1" <<LUA
wrk.method = "POST"
wrk.body = '$3'
wrk.headers["Authorization"] = "Bearer $2"
wrk.headers["Content-Type"] = "application/json"
LUA
}

# write_dev_config FILE [SERVER_THREADS]: a keepd config for a benchmark in FILE's folder —
# a free port, dev TLS, SQLite, the dev-file seal initialized on first start, its root
# token in root-token, warnings only. Callers append [audit] and other tables.
write_dev_config() {
  {
    printf '[server]\nport = 0\n'
    [ -n "${2:-}" ] && printf 'threads = %s\n' "$2"
    cat <<TOML
[tls]
dev_dir = "tls"
[storage]
path = "keep.db"
[seal]
type = "dev-file"
dev_key_file = "root.key"
dev_auto_init = true
dev_root_token_file = "root-token"
[log]
level = "warn"
TOML
  } > "$1"
}

# append_audit_config FILE MODE: the [audit] table for MODE — file (the hash-chained
# trail, fdatasync per group commit), file-nosync, or log (no trail) — appended to FILE.
append_audit_config() {
  case "$2" in
    file) printf '[audit]\npath = "audit.log"\n' >> "$1" ;;
    file-nosync) printf '[audit]\npath = "audit.log"\nfsync = false\n' >> "$1" ;;
    log) printf '[audit]\ntype = "log"\n' >> "$1" ;;
    *) echo "KEEP_BENCH_AUDIT must be file, file-nosync or log" >&2; exit 2 ;;
  esac
  if [ -n "${KEEP_BENCH_AUDIT_EXTRA:-}" ]; then printf '%b\n' "$KEEP_BENCH_AUDIT_EXTRA" >> "$1"; fi
}

# start_keepd KEEPD DIR [WRAPPER...]: starts KEEPD with DIR/keepd.toml, waits until it
# listens; sets PID, PORT, TOKEN and URL.
start_keepd() {
  local keepd=$1 dir=$2
  shift 2
  "$@" "$keepd" --config "$dir/keepd.toml" --ready-file "$dir/ready" 2>"${KEEPD_LOG:-$dir/keepd.log}" &
  PID=$!
  for _ in $(seq 1 100); do [ -f "$dir/ready" ] && break; sleep 0.1; done
  PORT=$(cat "$dir/ready")
  TOKEN=$(cat "$dir/root-token")
  URL="https://127.0.0.1:$PORT"
}
