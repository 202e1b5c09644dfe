#!/usr/bin/env bash
# Installs the Debian 12 packages keep needs to build, test and run, if any are missing.
# Uses sudo when not run as root. Safe to run repeatedly: it does nothing when all are present.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build ccache pkg-config git
  libssl-dev openssl
  libboost1.81-dev libboost-json1.81-dev
  libsqlite3-dev libpq-dev postgresql
  libcli11-dev libtomlplusplus-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  wrk python3 python3-cryptography python3-venv python3-pip curl sqlite3
  softhsm2 libp11-kit-dev
  age bsdutils xxd openssh-client
  awscli python3-boto3 python3-pykmip
  chromium chromium-driver python3-selenium
  fish zsh groff-base systemd dpkg-dev lintian
)
# `make fuzz` also needs clang and libFuzzer's runtime.
if [ "${1:-}" = "--fuzz" ]; then PKGS+=(clang-14 libclang-rt-14-dev); fi
# bench/ceiling.sh also needs nginx (the HTTPS ceiling keep is measured against). Only
# then: on a machine with systemd its package starts a server on port 80.
if [ "${1:-}" = "--bench" ]; then PKGS+=(nginx-light bc valgrind); fi
missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "bootstrap: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
