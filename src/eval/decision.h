// The answer of Evaluate(): the decision, the statements that decided it, and the
// context keys that conditions referenced but the request did not carry.
// Thread-safety: plain values. The string_views in MatchedStatement point into the
// compiled policies they came from and live as long as those policies do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/ast.h"

namespace portcullis::eval {

enum class Verdict : std::uint8_t { kAllow, kExplicitDeny, kImplicitDeny };

// "Allow", "ExplicitDeny", "ImplicitDeny".
std::string_view VerdictName(Verdict verdict);

// Which part of the evaluation a policy took (AWS "policy types").
enum class PolicyType : std::uint8_t {
  kIdentity,
  kResource,
  kPermissionsBoundary,
  kSession,
  kScp,
};

// "identity", "resource", "permissionsBoundary", "session", "scp".
std::string_view PolicyTypeName(PolicyType type);

struct MatchedStatement {
  PolicyType type = PolicyType::kIdentity;
  std::uint32_t policy_index = 0;  // index within its list (identity, session, scp)
  std::string_view policy_id;      // the id the policy was compiled with
  std::string_view sid;            // empty when the statement has none
  std::uint32_t statement_index = 0;
  policy::Effect effect = policy::Effect::kAllow;
};

struct Decision {
  Verdict verdict = Verdict::kImplicitDeny;
  // For kExplicitDeny: every Deny statement that matched. For kAllow: every Allow
  // statement that matched in the policy types that took part. For kImplicitDeny:
  // the Allow statements that matched but were not enough (may be empty).
  // Filled only when EvaluateOptions::explain is set.
  std::vector<MatchedStatement> matched;
  // Keys (as written in the policy) that conditions of applicable statements
  // referenced and the context lacked. Filled only when explaining. The views
  // point into the compiled policies, like those in `matched`.
  std::vector<std::string_view> missing_context_keys;

  void Clear() {
    verdict = Verdict::kImplicitDeny;
    matched.clear();
    missing_context_keys.clear();
  }
};

}  // namespace portcullis::eval
