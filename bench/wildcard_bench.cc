// Benchmarks WildcardPattern::Matches on patterns typical of IAM policies and on a
// pathological one. The evaluator's budget is about 3 million decisions/s, each of
// which may test several patterns, so a match should cost tens of nanoseconds.
#include <benchmark/benchmark.h>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/wildcard.h"

namespace portcullis::policy {
namespace {

void RunMatches(benchmark::State& state, std::string_view pattern, std::string_view text) {
  const WildcardPattern compiled = WildcardPattern::Compile(pattern);
  for (auto _ : state) {
    benchmark::DoNotOptimize(compiled.Matches(text));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}

void BM_ActionPrefixHit(benchmark::State& state) {
  RunMatches(state, "s3:Get*", "s3:GetObject");
}

BENCHMARK(BM_ActionPrefixHit);

void BM_ActionPrefixMiss(benchmark::State& state) {
  RunMatches(state, "s3:Get*", "s3:PutObject");
}

BENCHMARK(BM_ActionPrefixMiss);

void BM_ActionLiteral(benchmark::State& state) {
  RunMatches(state, "s3:GetObject", "s3:GetObject");
}

BENCHMARK(BM_ActionLiteral);

void BM_ResourcePrefix(benchmark::State& state) {
  RunMatches(state, "arn:aws:s3:::bucket/home/*",
             "arn:aws:s3:::bucket/home/alice/reports/2024/q1.csv");
}

BENCHMARK(BM_ResourcePrefix);

void BM_QuestionGeneralHit(benchmark::State& state) {
  RunMatches(state, "table/acme-*-prod-v?", "table/acme-orders-prod-v2");
}

BENCHMARK(BM_QuestionGeneralHit);

void BM_QuestionGeneralMiss(benchmark::State& state) {
  RunMatches(state, "table/acme-*-prod-v?", "table/acme-orders-staging-v2");
}

BENCHMARK(BM_QuestionGeneralMiss);

void BM_MiddleQuestionSegment(benchmark::State& state) {
  RunMatches(state,
             "arn:aws:s3:::*/logs/20?"
             "?-*/*.gz",
             "arn:aws:s3:::bucket/app/logs/2024-06/server-1.gz");
}

BENCHMARK(BM_MiddleQuestionSegment);

void BM_Pathological(benchmark::State& state) {
  const std::string text(static_cast<std::size_t>(state.range(0)), 'a');
  RunMatches(state, "*a*a*a*a*a*a*a*a*b", text);
}

BENCHMARK(BM_Pathological)->Arg(1000)->Arg(100000);

// As above with an open end: the anchored tail cannot reject early, so every middle
// segment is searched for.
void BM_PathologicalOpenEnd(benchmark::State& state) {
  const std::string text(static_cast<std::size_t>(state.range(0)), 'a');
  RunMatches(state, "*a*a*a*a*a*a*a*a*b*", text);
}

BENCHMARK(BM_PathologicalOpenEnd)->Arg(1000)->Arg(100000);

void BM_PathologicalQuestion(benchmark::State& state) {
  const std::string text(static_cast<std::size_t>(state.range(0)), 'a');
  RunMatches(state, "*a?a*a?a*a?b*", text);
}

BENCHMARK(BM_PathologicalQuestion)->Arg(1000)->Arg(100000);

void BM_OneOffWildcardMatch(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(WildcardMatch("table/acme-*-prod-v?", "table/acme-orders-prod-v2"));
  }
}

BENCHMARK(BM_OneOffWildcardMatch);

}  // namespace
}  // namespace portcullis::policy

BENCHMARK_MAIN();
