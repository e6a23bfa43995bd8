#!/usr/bin/env bash
# test.sh — install, build and run every test.
#
# 1. scripts/install-deps.sh (Debian packages, npm packages of the differential test);
# 2. the clang-14 `fuzz` preset (libFuzzer targets, run as smoke tests by ctest);
# 3. the `ci` preset (g++, release, -Werror) with IAM_FUZZ_BIN_DIR pointing at (2);
# 4. ctest: unit tests, corpus tests, differential test, fuzz smoke tests;
# 5. pytest (Debian's python3): the end-to-end suite in tests/e2e against build/ci's
#    server. The last line sums both: `N passed, N failed`. Any failure exits non-zero.
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
passed=0
failed=0
summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
if [[ -n "$summary" ]]; then
  failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
  total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$summary")
  passed=$((total - failed))
else
  status=1
fi

# End-to-end: Debian's python3 with pytest, boto3 and the aws CLI v2 against the server
# the fixture starts on a free loopback port (tests/e2e/conftest.py).
e2e_log="build/ci/e2e-output.txt"
e2e_status=0
PORTCULLIS_BIN="$PWD/build/ci/portcullis" /usr/bin/python3 -m pytest tests/e2e -q \
  2>&1 | tee "$e2e_log" || e2e_status=$?
e2e_summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error)' "$e2e_log" | tail -1 || true)
count() { grep -oE "[0-9]+ $1" <<<"$e2e_summary" | grep -oE '^[0-9]+' || echo 0; }
e2e_passed=$(count passed)
e2e_failed=$(( $(count failed) + $(count errors?) ))
if [[ -z "$e2e_summary" && "$e2e_status" -ne 0 ]]; then
  e2e_failed=$((e2e_failed + 1))  # pytest did not get as far as a summary
fi
if [[ "$e2e_status" -ne 0 ]]; then
  status=1
fi

echo "ctest: $passed passed, $failed failed; pytest: $e2e_passed passed, $e2e_failed failed"
echo "$((passed + e2e_passed)) passed, $((failed + e2e_failed)) failed"
exit "$status"
