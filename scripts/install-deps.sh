#!/usr/bin/env bash
# install-deps.sh — install everything the build, the tests and the benchmarks need on
# Debian 12, skipping what is already there, then the npm packages of the differential
# test (tests/differential/node_modules, pinned by its package-lock.json).
#
#   ./scripts/install-deps.sh            # Debian packages + npm packages
#   PORTCULLIS_SKIP_APT=1 ./scripts/...  # npm packages only
#   PORTCULLIS_SKIP_NPM=1 ./scripts/...  # Debian packages only
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
  SUDO="sudo"
fi

# Build: compilers, CMake + Ninja, libraries. Tests: GoogleTest/GMock, clang-14 with
# the libFuzzer runtime for the fuzz smoke tests, Node.js for the differential test,
# Debian's python3 + pytest (+ boto3 and the aws CLI for the end-to-end tests); libldap
# for the directory client, slapd + ldap-utils for its end-to-end tests.
PACKAGES=(
  build-essential g++ cmake ninja-build pkg-config git xz-utils ca-certificates
  libexpected-dev nlohmann-json3-dev libcli11-dev libssl-dev libsqlite3-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  clang-14 libclang-rt-14-dev clang-format-14 clang-tidy-14
  libboost-dev libsodium-dev libspdlog-dev libtoml11-dev libpugixml-dev wrk
  liboath-dev libqrencode-dev libpng-dev zlib1g-dev
  libxmlsec1-dev libxmlsec1-openssl
  python3 python3-pytest python3-boto3 awscli python3-cryptography
  libldap-dev slapd ldap-utils
)

# Node.js: any node >= 18 with npm on PATH will do (Debian 12 ships 18). A machine
# may carry another distribution's nodejs that bundles npm and conflicts with
# Debian's npm package, so Debian's are only asked for when the commands are missing.
if ! command -v node >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
elif ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(npm)
fi

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

if [[ "${PORTCULLIS_SKIP_APT:-0}" != "1" ]]; then
  missing=()
  for p in "${PACKAGES[@]}"; do
    if ! is_installed "$p"; then
      missing+=("$p")
    fi
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "install-deps: installing ${missing[*]}"
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "install-deps: all ${#PACKAGES[@]} Debian packages present"
  fi
fi

if [[ "${PORTCULLIS_SKIP_NPM:-0}" != "1" ]]; then
  dir=tests/differential
  stamp="$dir/node_modules/.portcullis-lock.sha256"
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "install-deps: npm packages of $dir up to date"
  else
    echo "install-deps: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
    echo "$want" >"$stamp"
  fi
fi
