// CompiledPolicy: one policy document turned into the form evaluation reads.
//
// Compile() does every check and every parse that evaluation would otherwise
// repeat: action names are lowercased and grouped by service prefix, resource and
// principal patterns become matchers, condition values are parsed into their
// operator's type (numbers, dates, CIDRs, base64), policy variables are split into
// templates. The result is immutable and safe to share between threads; Evaluate()
// never fails on it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/error.h"
#include "eval/service_index.h"
#include "eval/string_map.h"
#include "policy/arn.h"
#include "policy/ast.h"
#include "policy/condition_operator.h"
#include "policy/ip_address.h"
#include "policy/parse.h"
#include "policy/wildcard.h"

namespace portcullis::eval {

// A string with policy variables: literal pieces and `${key}` / `${key, 'default'}`
// references. `${*}`, `${?}` and `${$}` become literal characters.
struct TemplatePiece {
  bool is_variable = false;
  bool is_escaped = false;  // from ${*} ${?} ${$}: literal text that is never a wildcard
  std::string text;         // literal text, or the key as written
  std::string key_lower;
  std::uint64_t hash = 0;
  std::optional<std::string> default_value;
};

struct Template {
  std::vector<TemplatePiece> pieces;
  // Whether a piece is a literal `*` or `?` that must not act as a wildcard.
  bool has_escaped_wildcard = false;
};

// One value of a condition clause, pre-parsed for its operator family.
struct ConditionValue {
  std::string text;               // as written
  std::optional<Template> templ;  // set when the value holds variables
  // StringLike: a WildcardPattern; Arn*: an ArnPattern; IpAddress: an IpNetwork.
  std::variant<std::monostate, policy::WildcardPattern, policy::ArnPattern, policy::IpNetwork>
      matcher;
  double number = 0;         // Numeric*
  std::int64_t date_ms = 0;  // Date*
  std::string bytes;         // BinaryEquals: decoded; StringEqualsIgnoreCase: lowercased
  bool boolean = false;      // Bool, Null

  const policy::WildcardPattern& glob() const {
    return *std::get_if<policy::WildcardPattern>(&matcher);
  }

  const policy::ArnPattern& arn() const { return *std::get_if<policy::ArnPattern>(&matcher); }

  // Null unless the operator is IpAddress/NotIpAddress and the value has no variable.
  const policy::IpNetwork* network() const { return std::get_if<policy::IpNetwork>(&matcher); }
};

struct CompiledCondition {
  policy::ConditionOperator op;
  policy::BaseOperator positive = policy::BaseOperator::kStringEquals;  // PositiveForm(op.base)
  policy::OperatorFamily family = policy::OperatorFamily::kString;      // FamilyOf(op.base)
  bool negated = false;                                                 // IsNegated(op.base)
  std::string key;                                                      // as written
  std::string key_lower;
  std::uint64_t hash = 0;
  std::vector<ConditionValue> values;
  bool has_template = false;  // some value holds a policy variable
};

// Action names of one statement that fall under one service prefix.
struct ServiceActions {
  bool all = false;  // "svc:*"
  // Lowercased names after the colon, sorted by HashKeyIgnoreCase, with the hashes
  // alongside so a lookup compares integers first.
  std::vector<std::string> exact;
  std::vector<std::uint64_t> exact_hashes;
  std::vector<policy::WildcardPattern> globs;  // lowercased name patterns

  // `name_hash` is HashKeyIgnoreCase(name_lower).
  bool Matches(std::string_view name_lower, std::uint64_t name_hash) const;
};

struct ResourceMatcher {
  bool any = false;  // "*"
  policy::ArnPattern pattern;
  std::optional<Template> templ;
};

struct PrincipalMatcher {
  bool any = false;                   // "*" or {"AWS": "*"}
  std::vector<std::string> arns;      // AWS: user/role/session/root ARNs
  std::vector<std::string> accounts;  // AWS: 12-digit ids and root ARNs, as ids
  std::vector<std::string> others;    // Service, Federated, CanonicalUser values
};

struct CompiledStatement {
  policy::Effect effect = policy::Effect::kAllow;
  std::uint32_t index = 0;
  std::string sid;
  bool not_action = false;
  bool any_action = false;  // "*" in Action
  // Full "svc:name" lowercased globs whose service part has wildcards, and for
  // NotAction every pattern.
  std::vector<policy::WildcardPattern> full_action_globs;
  // Per-service names; for NotAction statements these are the excluded names.
  StringMap<ServiceActions> by_service;
  bool has_resource = false;
  bool not_resource = false;
  std::vector<ResourceMatcher> resources;
  std::optional<PrincipalMatcher> principal;
  bool not_principal = false;
  std::vector<CompiledCondition> conditions;

  // Whether the action (lowercased, split at the first colon) is covered by
  // Action/NotAction. `actions` is this statement's entry of by_service for the
  // action's service, or null when it has none (a ServiceIndex Candidate carries it).
  bool MatchesAction(std::string_view action_lower, std::string_view name, std::uint64_t name_hash,
                     const ServiceActions* actions) const;
};

class CompiledPolicy {
 public:
  const std::string& id() const { return id_; }

  policy::PolicyKind kind() const { return kind_; }

  const std::vector<CompiledStatement>& statements() const { return statements_; }

  policy::PolicyVersion version() const { return version_; }

  // The statements to consider for an action of `service` (lowercase; `hash` is
  // HashKeyIgnoreCase(service)), in statement order: those naming the service plus
  // those that may match any service ("*", NotAction, wildcard service prefixes).
  const std::vector<Candidate>& Candidates(std::string_view service, std::uint64_t hash) const {
    return index_.Lookup(service, hash);
  }

 private:
  friend Result<std::shared_ptr<const CompiledPolicy>> CompilePolicy(
      const policy::PolicyDocument& doc, std::string id, policy::PolicyKind kind);

  std::string id_;
  policy::PolicyKind kind_ = policy::PolicyKind::kIdentity;
  policy::PolicyVersion version_ = policy::PolicyVersion::k2012_10_17;
  std::vector<CompiledStatement> statements_;
  ServiceIndex index_;
};

// Compiles a parsed document. `id` names the policy in decisions. Errors:
// kInvalidArgument (aws_code MalformedPolicyDocument) for a condition value its
// operator cannot read (a bad CIDR, date, number or base64 value).
[[nodiscard]] Result<std::shared_ptr<const CompiledPolicy>> CompilePolicy(
    const policy::PolicyDocument& doc, std::string id, policy::PolicyKind kind);

// Parses and compiles in one step.
[[nodiscard]] Result<std::shared_ptr<const CompiledPolicy>> ParseAndCompilePolicy(
    std::string_view text, std::string id, const policy::ParseOptions& options);

// Splits `s` into a Template. Returns nullopt when `s` has no `${`.
std::optional<Template> ParseTemplate(std::string_view s);

}  // namespace portcullis::eval
