// EvaluationInput: the JSON request format of `portcullis policy evaluate`, read
// into a Request plus compiled policies, and the decision written back as JSON.
//
//   {"request": {"principal": ARN, "principalAccount": ID, "action": A,
//                "resource": ARN, "resourceAccount": ID,
//                "context": {key: string | [string, ...]}},
//    "policies": {"identity": [doc, ...], "resource": doc | null,
//                 "permissionsBoundary": doc | null, "session": [doc, ...],
//                 "scp": [doc, ...]}}
//
// Unknown top-level members are ignored (corpus files carry "expected" and
// "description"); unknown members inside "request" or "policies" are errors.
// Context values that are JSON numbers or booleans are taken as their text, as
// IAM receives every value as a string. The resource policy is validated as a role
// trust policy when the resource is an IAM role ARN, else as a resource policy.
// Thread-safety: PolicyCache is not thread-safe; the functions are reentrant.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"
#include "eval/compiled_policy.h"
#include "eval/decision.h"
#include "eval/evaluator.h"
#include "eval/request.h"
#include "eval/string_map.h"
#include "policy/json.h"

namespace portcullis::cli {

struct EvaluationInput {
  eval::Request request;
  eval::CompiledPolicySet policies;
  std::shared_ptr<const eval::CompiledPolicy> resource_policy;  // may be null
};

// Remembers compiled policies by their canonical JSON text, so a batch that repeats
// the same documents compiles each once.
class PolicyCache {
 public:
  [[nodiscard]] Result<std::shared_ptr<const eval::CompiledPolicy>> Get(
      const policy::JsonValue& doc, std::string id, policy::PolicyKind kind);

 private:
  eval::StringMap<std::shared_ptr<const eval::CompiledPolicy>> compiled_;
};

// Reads one request object. Errors: kInvalidArgument naming the member at fault
// ("policies.identity[1]: ..."), policy errors with their AWS code.
[[nodiscard]] Result<EvaluationInput> ReadEvaluationInput(const policy::JsonValue& root,
                                                          PolicyCache& cache);

// `{"decision": ..., "matched": [...], "missingContextKeys": [...]}`.
std::string DecisionToJson(const eval::Decision& decision);

// A few human-readable lines.
std::string DecisionToText(const eval::Decision& decision);

}  // namespace portcullis::cli
