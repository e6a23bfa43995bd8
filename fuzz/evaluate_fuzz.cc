// libFuzzer target for the evaluator through the CLI's request format
// (cli/evaluation_input.h): bytes -> policy::ParseJson -> cli::ReadEvaluationInput
// -> eval::Evaluate, once with EvaluateOptions::explain and once without.
//
// Properties checked on every input that reads as a request, aborting on a
// violation:
//  - the verdict does not depend on `explain` (explain only adds reasons);
//  - without `explain`, matched and missing_context_keys stay empty;
//  - a Decision reused across calls gives the same verdict as a fresh one;
//  - without a resource policy, adding one whose only statement applies to
//    nothing leaves the verdict unchanged (the caller is described the same way
//    whether or not a resource policy takes part).
// Crashes, sanitizer reports, leaks and timeouts count as findings too.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "cli/evaluation_input.h"
#include "eval/compiled_policy.h"
#include "eval/decision.h"
#include "eval/evaluator.h"
#include "policy/json.h"
#include "policy/parse.h"

namespace {

using portcullis::cli::EvaluationInput;
using portcullis::cli::PolicyCache;
using portcullis::cli::ReadEvaluationInput;
using portcullis::eval::Decision;
using portcullis::eval::EvaluateOptions;
using portcullis::eval::VerdictName;
using portcullis::policy::ParseJson;

// A resource policy that applies to no request the fuzzer can build in practice.
constexpr std::string_view kInertResourcePolicy =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
    R"("Principal":{"AWS":"arn:aws:iam::000000000000:user/evaluate-fuzz-nobody"},)"
    R"("Action":"evaluatefuzz:Nothing","Resource":"arn:aws:s3:::evaluate-fuzz-nothing"}]})";

const portcullis::eval::CompiledPolicy& InertResourcePolicy() {
  static const auto kPolicy = [] {
    portcullis::policy::ParseOptions options;
    options.kind = portcullis::policy::PolicyKind::kResource;
    auto compiled = portcullis::eval::ParseAndCompilePolicy(kInertResourcePolicy, "inert", options);
    if (!compiled.has_value()) {
      std::fprintf(stderr, "evaluate_fuzz: inert resource policy does not compile\n");
      __builtin_trap();
    }
    return *compiled;
  }();
  return *kPolicy;
}

[[noreturn]] void Fail(const char* what, const Decision& a, const Decision& b) {
  const std::string_view va = VerdictName(a.verdict);
  const std::string_view vb = VerdictName(b.verdict);
  std::fprintf(stderr, "evaluate_fuzz: %s: %.*s vs %.*s\n", what, static_cast<int>(va.size()),
               va.data(), static_cast<int>(vb.size()), vb.data());
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto root = ParseJson(text);
  if (!root.has_value()) {
    return 0;
  }
  PolicyCache cache;
  auto input = ReadEvaluationInput(*root, cache);
  if (!input.has_value()) {
    return 0;
  }
  const auto* resource_policy = input->resource_policy.get();

  EvaluateOptions explain;
  explain.explain = true;
  EvaluateOptions quiet;
  quiet.explain = false;

  const Decision explained =
      portcullis::eval::Evaluate(input->request, input->policies, resource_policy, explain);
  const Decision fast =
      portcullis::eval::Evaluate(input->request, input->policies, resource_policy, quiet);
  if (explained.verdict != fast.verdict) {
    Fail("verdict differs between explain=true and explain=false", explained, fast);
  }
  if (!fast.matched.empty() || !fast.missing_context_keys.empty()) {
    Fail("explain=false filled matched or missing_context_keys", explained, fast);
  }

  // The same Decision object, reused in the other order, must agree as well.
  Decision reused = explained;
  portcullis::eval::Evaluate(input->request, input->policies, resource_policy, quiet, reused);
  if (reused.verdict != explained.verdict) {
    Fail("reused Decision (explain=false) differs", explained, reused);
  }
  portcullis::eval::Evaluate(input->request, input->policies, resource_policy, explain, reused);
  if (reused.verdict != explained.verdict || reused.matched.size() != explained.matched.size() ||
      reused.missing_context_keys != explained.missing_context_keys) {
    Fail("reused Decision (explain=true) differs", explained, reused);
  }

  if (resource_policy == nullptr) {
    const Decision inert =
        portcullis::eval::Evaluate(input->request, input->policies, &InertResourcePolicy(), quiet);
    if (inert.verdict != explained.verdict) {
      Fail("an inert resource policy changed the verdict", explained, inert);
    }
  }
  return 0;
}
