#!/usr/bin/env bash
# run.sh — install, build and run the main program.
#
#   ./scripts/run.sh                 # run the server: portcullis serve (port 8910)
#   ./scripts/run.sh -- ARGS...      # run build/release/portcullis ARGS... instead
#                                    # (e.g. -- policy validate examples/identity-policy.json)
#
# Installs the dependencies (scripts/install-deps.sh), configures and builds the
# release preset, then runs `portcullis serve` with its defaults: SQLite in
# ./portcullis-data, listening on 127.0.0.1:8910.
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

# The server on its embedded default: SQLite in ./portcullis-data (PORTCULLIS_* variables
# and a config file apply; see docs/configuration.md). The first start prints the root
# access key id and secret once. Stop it with Ctrl-C (SIGINT) or SIGTERM.
exec "$bin" serve
