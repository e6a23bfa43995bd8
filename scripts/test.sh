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

# ctest's summary is followed by its label timings; repeat the counts as the very
# last line ("N passed, N failed") so the result closes the output.
log="build/ci/ctest-output.txt"
status=0
ctest --preset ci -j "$jobs" 2>&1 | tee "$log" || status=$?
summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
if [[ -n "$summary" ]]; then
  failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
  total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$summary")
  echo "$((total - failed)) passed, $failed failed"
fi
exit "$status"
