#!/usr/bin/env bash
# bench-s3.sh — 4 KiB PutObject/GetObject per second and latency under wrk, for
# Portcullis and moto's server in the same run, then the time of a 1 GiB `aws s3 cp`.
#
#   scripts/bench-s3.sh                          # 3 rounds of 10 s per case + 1 GiB upload
#   scripts/bench-s3.sh --duration 1 --rounds 1 --upload-mib 64    # a quick smoke
#   scripts/bench-s3.sh --no-cli-upload --signers iam-user root
#   scripts/bench-s3.sh --cli-upload-only --no-moto
#
# The same as `scripts/bench-server.sh --s3` (binary: $PORTCULLIS_BIN, else
# build/release/portcullis); options: `/usr/bin/python3 bench/server/s3.py --help`.
# Method and figures: docs/benchmarks-s3.md. Exits 1 if any timed run saw a non-2xx
# answer or a socket error, or if the upload to Portcullis failed.
set -euo pipefail
exec "$(dirname "$0")/bench-server.sh" --s3 "$@"
