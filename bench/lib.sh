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
