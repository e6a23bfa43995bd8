#!/usr/bin/env bash
# test.sh — install, build and run every test.
#
# 1. scripts/install-deps.sh (Debian packages, npm packages of the differential test);
# 2. the clang-14 `fuzz` preset (libFuzzer targets, run as smoke tests by ctest);
# 3. the `ci` preset (g++, release, -Werror) with IAM_FUZZ_BIN_DIR pointing at (2);
# 4. ctest: unit tests, corpus tests, differential test, fuzz smoke tests, last, so
#    its summary is the last thing printed. Any failure exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs="${PORTCULLIS_JOBS:-$(nproc)}"

./scripts/install-deps.sh

cmake --preset fuzz
cmake --build --preset fuzz -j "$jobs"

cmake --preset ci -DIAM_FUZZ_BIN_DIR="$PWD/build/fuzz"
cmake --build --preset ci -j "$jobs"

ctest --preset ci -j "$jobs"
