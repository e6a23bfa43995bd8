// Google Benchmark programs for the policy engine: compiling policies and deciding
// requests of the shared small workload (../shared/bench/small.workload.json, or
// $PORTCULLIS_WORKLOAD). See docs/benchmarks.md; the workload runner
// (portcullis-bench-workload) is the end-to-end figure with agreement checks.
#include <benchmark/benchmark.h>
#include <cstdlib>
#include <string>
#include <vector>

#include "eval/compiled_policy.h"
#include "eval/evaluator.h"
#include "policy/json.h"

#include "workload.h"

namespace portcullis::bench {
namespace {

std::string WorkloadPath() {
  const char* env = std::getenv("PORTCULLIS_WORKLOAD");  // NOLINT(concurrency-mt-unsafe)
  if (env != nullptr) {
    return env;
  }
  return std::string(IAM_SOURCE_DIR) + "/../shared/bench/small.workload.json";
}

// The workload, loaded once, with its first requests.
struct Fixture {
  Workload workload;
  std::vector<Job> jobs;
  std::vector<std::string> policy_texts;
  bool ok = false;

  Fixture() {
    if (!LoadWorkload(WorkloadPath(), workload)) {
      return;
    }
    LineReader reader(RequestsPathFor(WorkloadPath(), workload));
    ok = reader.ok() && ReadChunk(reader, workload, 10000, jobs) && !jobs.empty();
    LineReader again(WorkloadPath());
    auto root =
        policy::ParseJson(again.ReadAll(), policy::JsonLimits{1u << 30, 64, 1u << 24, 1u << 26});
    if (root.has_value()) {
      for (const auto& [id, doc] : root->Find("policies")->members()) {
        policy_texts.push_back(policy::SerializeJson(doc));
      }
    }
  }
};

Fixture& Shared() {
  static Fixture fixture;
  return fixture;
}

// Parse + validate + compile, cycling through every identity policy of the workload.
void BM_CompilePolicy(benchmark::State& state) {
  Fixture& f = Shared();
  if (!f.ok || f.policy_texts.empty()) {
    state.SkipWithError("workload not found; set PORTCULLIS_WORKLOAD");
    return;
  }
  policy::ParseOptions options;
  options.enforce_size_limit = false;
  std::size_t i = 0;
  for (auto _ : state) {
    auto compiled = eval::ParseAndCompilePolicy(f.policy_texts[i], "p", options);
    benchmark::DoNotOptimize(compiled);
    i = (i + 1) % f.policy_texts.size();
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_CompilePolicy);

// Decisions over the first `range(0)` requests of the workload, in order. A small
// range keeps the requests in cache (as in a server, where the request was just
// parsed); 10000 sweeps the whole workload (request data out of cache).
void BM_Evaluate(benchmark::State& state) {
  Fixture& f = Shared();
  if (!f.ok) {
    state.SkipWithError("workload not found; set PORTCULLIS_WORKLOAD");
    return;
  }
  std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(state.range(0)), f.jobs.size());
  eval::EvaluateOptions options;
  options.explain = state.range(1) != 0;
  eval::Decision decision;
  std::size_t i = 0;
  for (auto _ : state) {
    const Job& job = f.jobs[i];
    eval::Evaluate(job.request, job.principal->policies, job.resource_policy, options, decision);
    benchmark::DoNotOptimize(decision.verdict);
    i = i + 1 == n ? 0 : i + 1;
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_Evaluate)->ArgsProduct({{256, 10000}, {0, 1}})->ArgNames({"requests", "explain"});

}  // namespace
}  // namespace portcullis::bench

BENCHMARK_MAIN();
