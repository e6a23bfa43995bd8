#!/usr/bin/env bash
# bench-server.sh — signed GetUser/ListUsers per second and latency under wrk, for
# Portcullis (release build, --store sqlite) and moto's server in the same run.
#
#   scripts/bench-server.sh                      # 3 rounds of 10 s per case, wrk -t2 -c32
#   scripts/bench-server.sh --duration 10 --no-moto
#   PORTCULLIS_BIN=build/h5/portcullis scripts/bench-server.sh
#   scripts/bench-server.sh --s3 ...             # the S3 benchmark (= scripts/bench-s3.sh)
#
# The binary is $PORTCULLIS_BIN, else build/release/portcullis (built with the release
# preset if missing). Needs Debian's wrk, python3-boto3 and, for the peer, moto_server on
# PATH. Method and figures: docs/benchmarks-server.md (S3: docs/benchmarks-s3.md). Exits
# 1 if any timed run saw a non-2xx answer or a socket error.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${PORTCULLIS_BIN:-}"
if [[ -z "$bin" ]]; then
  bin="build/release/portcullis"
  if [[ ! -x "$bin" ]]; then
    cmake --preset release
    cmake --build --preset release --target portcullis -j "${PORTCULLIS_JOBS:-$(nproc)}"
  fi
fi
[[ -x "$bin" ]] || { echo "bench-server.sh: no executable at $bin" >&2; exit 2; }

bench=bench/server/run.py
if [[ "${1:-}" == "--s3" ]]; then
  bench=bench/server/s3.py
  shift
fi
exec /usr/bin/python3 "$bench" --portcullis "$bin" "$@"
