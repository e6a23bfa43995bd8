// The policy AST: what ParsePolicy() makes of an IAM JSON policy document.
//
// The AST keeps every element as written (strings unchanged, order kept) plus the
// source location of each statement and condition, so validators and explainers
// can point at it. Evaluation never reads the AST: eval/ compiles it first.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "policy/condition_operator.h"

namespace portcullis::policy {

enum class PolicyVersion : std::uint8_t {
  // Also the meaning of an absent Version; no policy variables.
  k2008_10_17,  // NOLINT(readability-identifier-naming): named for the version's date
  k2012_10_17,  // NOLINT(readability-identifier-naming)
};

enum class Effect : std::uint8_t { kAllow, kDeny };

// The principal map of a Principal or NotPrincipal element. `"Principal": "*"`
// sets `any`; `{"AWS": "*"}` puts "*" into `aws`.
struct PrincipalSpec {
  bool any = false;
  std::vector<std::string> aws;
  std::vector<std::string> service;
  std::vector<std::string> federated;
  std::vector<std::string> canonical_user;
};

// One key of one operator block: `"StringEquals": {"aws:username": ["a", "b"]}`.
struct ConditionClause {
  std::string operator_name;        // as written, e.g. "ForAnyValue:StringLikeIfExists"
  ConditionOperator op;             // parsed form
  std::string key;                  // as written; keys compare case-insensitively
  std::vector<std::string> values;  // booleans and numbers in JSON become their text
  SourceLocation location;
};

struct Statement {
  std::optional<std::string> sid;
  Effect effect = Effect::kAllow;
  std::optional<PrincipalSpec> principal;  // Principal or NotPrincipal
  bool not_principal = false;
  std::vector<std::string> actions;  // Action or NotAction
  bool not_action = false;
  std::vector<std::string> resources;  // Resource or NotResource; empty when absent
  bool has_resource = false;           // a Resource or NotResource element exists
  bool not_resource = false;
  std::vector<ConditionClause> conditions;
  std::size_t index = 0;  // position in the Statement list
  SourceLocation location;
};

struct PolicyDocument {
  PolicyVersion version = PolicyVersion::k2008_10_17;
  bool version_present = false;
  std::optional<std::string> id;
  std::vector<Statement> statements;
};

}  // namespace portcullis::policy
