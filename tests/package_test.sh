#!/usr/bin/env bash
# The Debian package, built from this build tree and unpacked into a throw-away root:
# its control data and files, the systemd unit accepted by systemd-analyze verify, and the
# unpacked keepd started from the packaged example config (paths moved into the root, a
# certificate made for it): it serves, sealed and uninitialized as a fresh install is.
# Usage: package_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d /tmp/keep-pkg-XXXXXX)
keepd_pid=""
cleanup() {
  [ -n "$keepd_pid" ] && kill "$keepd_pid" 2>/dev/null && wait "$keepd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/out/keep_*_amd64.deb)
[ "$(basename "$deb")" = "keep_0.1.0_amd64.deb" ] || fail "package name $(basename "$deb")"

info=$(dpkg-deb -I "$deb")
for want in "Package: keep" "Architecture: amd64" "libssl3" "adduser" "conffiles" "postinst" \
            "shlibs" "triggers" "init-system-helpers"; do
  grep -q -- "$want" <<<"$info" || fail "control lacks $want"
done
dpkg-deb -c "$deb" >"$work/listing"
awk '{print $6}' "$work/listing" | sed 's|^\./||' >"$work/files"
lib=usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)  # multiarch, as Debian lays libraries out
for f in usr/sbin/keepd usr/bin/keep $lib/libkeep.so.0.1.0 $lib/libkeep.a \
         usr/include/keep/client.h $lib/pkgconfig/keep.pc $lib/cmake/keep/keepConfig.cmake \
         usr/share/man/man1/keep.1.gz usr/share/man/man8/keepd.8.gz \
         usr/share/doc/keep/changelog.gz usr/share/doc/keep/copyright \
         usr/share/bash-completion/completions/keep usr/share/zsh/vendor-completions/_keep \
         usr/share/fish/vendor_completions.d/keep.fish etc/keep/keepd.toml \
         lib/systemd/system/keepd.service usr/share/doc/keep/operations.md; do
  grep -qx "$f" "$work/files" || fail "the package lacks $f"
done
grep -q -- '^-rw-r----- .*etc/keep/keepd.toml' "$work/listing" || fail "keepd.toml is not 0640"
dpkg-deb -e "$deb" "$work/control"
for script in postinst prerm postrm; do
  sh -n "$work/control/$script" || fail "$script does not parse"
done
grep -qx "activate-noawait ldconfig" "$work/control/triggers" || fail "no ldconfig trigger"

# lintian: no errors, and only the warnings docs/operations.md explains (libkeep in the
# same package as keepd; the example config 0640 because it may hold secrets).
lint=$(lintian --allow-root --fail-on error "$deb" 2>&1) || fail "lintian: $lint"
lint=$(grep -E '^[EW]: ' <<<"$lint" || true)
unexpected=$(grep -v -e 'link-to-shared-library-in-wrong-package' \
                     -e 'package-name-doesnt-match-sonames libkeep0' \
                     -e 'non-standard-file-perm 0640 != 0644 \[etc/keep/keepd.toml\]' <<<"$lint" || true)
[ -z "$unexpected" ] || fail "lintian: $unexpected"
grep -qx /etc/keep/keepd.toml "$work/control/conffiles" || fail "keepd.toml is not a conffile"

root="$work/root"
dpkg-deb -x "$deb" "$root"
if readelf -S "$root/usr/sbin/keepd" | grep -q '\.debug_info'; then fail "keepd is not stripped"; fi
unit="$root/lib/systemd/system/keepd.service"
for want in "Type=notify" "LimitMEMLOCK=" "LimitCORE=0" "NoNewPrivileges=yes" \
            "ProtectSystem=strict" "PrivateTmp=yes" "StateDirectory=keep" "Restart=on-failure" \
            "ExecReload="; do
  grep -q "^$want" "$unit" || fail "the unit lacks $want"
done
# systemd-analyze verify: the unit's syntax, its directives, and that its executables exist
# in the root. It also resolves User=keep, which only the postinst creates: checked in a
# copy without it (the user cannot be created in a throw-away root).
# The root gets the host's standard targets (sysinit.target, …) the unit depends on, and
# the Documentation= man page is looked up in the package's own man pages.
# (The unit verified must be inside the root: systemd-analyze silently skips one outside.)
mkdir -p "$root/etc/systemd/system"
sed -e '/^User=/d' -e '/^Group=/d' "$unit" >"$root/etc/systemd/system/keepd.service"
cp -n /lib/systemd/system/*.target "$root/lib/systemd/system/"
if ! out=$(MANPATH="$root/usr/share/man" systemd-analyze verify --root="$root" \
             "$root/etc/systemd/system/keepd.service" 2>&1); then
  echo "$out" >&2
  fail "systemd-analyze verify"
fi
if grep -qi -e "unknown" -e "invalid" -e "failed" -e "ignoring" <<<"$out"; then
  fail "systemd-analyze: $out"
fi

# The unpacked keepd from the example config, its absolute paths moved into the root and a
# certificate made for it (as an operator would put theirs in /etc/keep/tls).
"$root/usr/sbin/keepd" --version | grep -q "keepd 0.1.0" || fail "keepd --version"
mkdir -p "$root/etc/keep/tls" "$root/var/lib/keep" "$root/var/log/keep"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$root/etc/keep/tls/server.key" -out "$root/etc/keep/tls/server.pem" 2>/dev/null
sed -e "s|\"/etc/keep|\"$root/etc/keep|g" -e "s|\"/var/|\"$root/var/|g" -e 's|^port = 8443|port = 0|' \
  "$root/etc/keep/keepd.toml" >"$work/keepd.toml"
"$root/usr/sbin/keepd" --config "$work/keepd.toml" --check | grep -q ": OK" || fail "keepd --check"
"$root/usr/sbin/keepd" --config "$work/keepd.toml" --ready-file "$work/ready" 2>"$work/keepd.log" &
keepd_pid=$!
for _ in $(seq 1 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
[ -s "$work/ready" ] || { cat "$work/keepd.log"; fail "keepd did not start from the example config"; }
port=$(cat "$work/ready")
code=$(curl -s -o "$work/health" -w '%{http_code}' --cacert "$root/etc/keep/tls/server.pem" \
  "https://localhost:$port/v1/sys/health")
[ "$code" = "501" ] || fail "health answered $code: $(cat "$work/health")"
grep -q '"initialized":false' "$work/health" || fail "health: $(cat "$work/health")"
head -1 "$work/keepd.log" | python3 -c 'import json,sys; json.loads(sys.stdin.readline())' ||
  fail "the example config's JSON log: $(head -1 "$work/keepd.log")"
"$root/usr/bin/keep" completion bash | grep -q "complete -o default -F _keep keep" || fail "keep completion"
echo "package: $(basename "$deb") $(du -k "$deb" | cut -f1) KiB, $(wc -l <"$work/files") entries: OK"
