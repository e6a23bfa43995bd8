// libFuzzer target for the policy reader (policy/parse.h): every input is parsed
// as every PolicyKind, with and without the per-kind size limit. Only crashes,
// sanitizer reports, leaks and timeouts count as findings.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/parse.h"

namespace {

using portcullis::policy::ParseOptions;
using portcullis::policy::ParsePolicy;
using portcullis::policy::PolicyKind;

constexpr PolicyKind kKinds[] = {PolicyKind::kIdentity, PolicyKind::kResource, PolicyKind::kTrust,
                                 PolicyKind::kBoundary, PolicyKind::kSession,  PolicyKind::kScp};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const PolicyKind kind : kKinds) {
    for (const bool enforce_size_limit : {true, false}) {
      ParseOptions options;
      options.kind = kind;
      options.enforce_size_limit = enforce_size_limit;
      const auto result = ParsePolicy(text, options);
      if (!result.has_value() && result.error().message.empty()) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
