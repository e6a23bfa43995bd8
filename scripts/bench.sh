#!/usr/bin/env bash
# bench.sh — build the release preset and run the policy-engine benchmarks
# (docs/benchmarks.md), with @cloud-copilot/iam-simulate measured in the same run.
#
#   ./scripts/bench.sh            small workload + Google Benchmark programs
#   ./scripts/bench.sh --large    also the large workload (1 M requests, ~1 min)
#
# The workloads are read from ../shared/bench (or $PORTCULLIS_SHARED_DIR/bench).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake --preset release
cmake --build --preset release

bench_dir="${PORTCULLIS_SHARED_DIR:-../shared}/bench"
small="$bench_dir/small.workload.json"
peer="node tests/differential/iam_simulate_bench.mjs $small --max-seconds 20"

echo "== small workload (portcullis, then iam-simulate in the same run)"
build/release/portcullis-bench-workload "$small" --min-seconds 3 --peer-cmd "$peer"
build/release/portcullis-bench-workload "$small" --min-seconds 3 --no-explain

echo "== Google Benchmark: compile and evaluate"
build/release/bench/eval_bench --benchmark_min_time=1
build/release/bench/wildcard_bench --benchmark_min_time=0.5

if [[ "${1:-}" == "--large" ]]; then
  echo "== large workload"
  build/release/portcullis-bench-workload "$bench_dir/large.workload.json.xz" --min-seconds 2
fi
