#!/usr/bin/env bash
# run.sh — install, build and run the main program.
#
#   ./scripts/run.sh                 # validate and evaluate the shipped example
#   ./scripts/run.sh -- ARGS...      # run build/release/portcullis ARGS... instead
#
# Installs the dependencies (scripts/install-deps.sh), configures and builds the
# release preset, then runs `portcullis`.
set -euo pipefail
cd "$(dirname "$0")/.."

passthrough=()
if [[ $# -gt 0 ]]; then
  if [[ "$1" != "--" ]]; then
    echo "usage: $0 [-- PORTCULLIS_ARGS...]" >&2
    exit 2
  fi
  shift
  passthrough=("$@")
fi

./scripts/install-deps.sh
cmake --preset release
cmake --build --preset release

bin=build/release/portcullis
if [[ ${#passthrough[@]} -gt 0 ]]; then
  exec "$bin" "${passthrough[@]}"
fi

echo
echo "== portcullis policy validate examples/identity-policy.json"
"$bin" policy validate examples/identity-policy.json
echo
echo "== portcullis policy evaluate --request examples/request.json"
"$bin" policy evaluate --request examples/request.json
echo
echo "== portcullis policy evaluate --request examples/request.json --json"
"$bin" policy evaluate --request examples/request.json --json
