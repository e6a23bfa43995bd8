// The IAM policy simulator: SimulateCustomPolicy, SimulatePrincipalPolicy,
// GetContextKeysForCustomPolicy, GetContextKeysForPrincipalPolicy.
//
// AWS: IAM API reference for each operation and the IAM User Guide, "Testing IAM policies
// with the IAM policy simulator". The decisions are Portcullis's own engine (eval/), the
// one every request is authorized with; a principal's policies are gathered by the
// authorizer (authz::Authorizer::PoliciesOf), so the simulator sees what enforcement sees.
//
// What a simulation does, as AWS documents it:
//  - each action of ActionNames is evaluated against each resource of ResourceArns
//    (default "*"); one EvaluationResult per pair, action-major, paged by MaxItems/Marker
//    (the marker is the index of the next pair);
//  - the request context is exactly ContextEntries: the simulator fills in nothing else
//    (no aws:CurrentTime, aws:SourceIp, aws:username, ...). Keys a condition needed and
//    the entries did not give are MissingContextValues (in ResourceSpecificResults when
//    ResourceArns was given, as AWS places them);
//  - the caller is CallerArn (an IAM user ARN), else the PolicySourceArn, else (custom
//    policies without a resource policy, where no policy can tell) a placeholder user of
//    the caller's account. A ResourcePolicy needs a CallerArn unless PolicySourceArn is a
//    user (AWS: the policy's Principal element needs a value to match);
//  - a resource's owner is the account in its ARN, else ResourceOwner's, else the
//    caller's; a different account makes the evaluation cross-account (the identity side
//    and the resource policy must both allow) and fills EvalDecisionDetails;
//  - MatchedStatements: SourcePolicyId is "PolicyInputList.N",
//    "PermissionsBoundaryPolicyInputList.1", "ResourcePolicy", or the name of the
//    principal's inline or managed policy; SourcePolicyType is "IAM Policy" for policies
//    given as strings (what AWS sends, though the model's enum lacks it), "user",
//    "group" or "role" for inline policies, "aws-managed" / "user-managed" for managed
//    ones and "resource" for the ResourcePolicy. StartPosition/EndPosition locate the
//    statement's braces in the policy text (see Span).
// Documents that do not parse are InvalidInput (the operations' documented error) with
// the parser's AWS wording. ResourceHandlingOption is accepted and not checked (EC2
// scenarios only). There are no organizations: OrganizationsDecisionDetail is never sent.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "common/strings.h"
#include "eval/compiled_policy.h"
#include "eval/decision.h"
#include "eval/evaluator.h"
#include "eval/request.h"
#include "policy/arn.h"
#include "policy/date_time.h"
#include "policy/ip_address.h"
#include "policy/json.h"
#include "policy/numeric.h"
#include "policy/parse.h"

namespace portcullis::api::iam {
namespace {

constexpr int kDefaultMaxItems = 100;
constexpr std::string_view kStringPolicyType = "IAM Policy";

// Where a statement is: the line and column just past its opening brace and just past its
// closing brace (1-based lines and byte columns). AWS's own example (the CLI reference of
// simulate-custom-policy: a one-line policy whose statement braces are at columns 37 and
// 166 is reported as 38 and 167) fixes the convention. Located with the JSON reader, which
// records where each value starts, then by matching the brace in the text.
struct Span {
  std::uint32_t start_line = 0;
  std::uint32_t start_column = 0;
  std::uint32_t end_line = 0;
  std::uint32_t end_column = 0;
};

// The span of the object value `statement` of `text`.
std::optional<Span> ObjectSpan(std::string_view text, const policy::JsonValue& statement) {
  if (!statement.is_object()) {
    return std::nullopt;
  }
  const policy::JsonPosition& start = statement.position();
  Span span;
  span.start_line = start.line;
  span.start_column = start.column + 1;
  std::uint32_t line = start.line;
  std::uint32_t column = start.column - 1;  // the loop counts the opening brace
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = start.offset; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {  // never inside a JSON string
      ++line;
      column = 0;
      continue;
    }
    ++column;
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        span.end_line = line;
        span.end_column = column + 1;
        return span;
      }
    }
  }
  return std::nullopt;
}

// The spans of every statement of policy `text`, by statement index (empty when the text
// is not a JSON object, which cannot happen for a policy that compiled).
std::vector<std::optional<Span>> StatementSpans(std::string_view text) {
  std::vector<std::optional<Span>> spans;
  auto root = policy::ParseJson(text);
  if (!root.has_value() || !root->is_object()) {
    return spans;
  }
  const policy::JsonValue* statements = root->Find("Statement");
  if (statements == nullptr) {
    return spans;
  }
  if (statements->is_array()) {
    for (const policy::JsonValue& statement : statements->items()) {
      spans.push_back(ObjectSpan(text, statement));
    }
  } else {
    spans.push_back(ObjectSpan(text, *statements));
  }
  return spans;
}

// Where a compiled policy came from: what MatchedStatements say about it.
struct Source {
  std::string id;                          // SourcePolicyId
  std::string type;                        // SourcePolicyType
  std::vector<std::optional<Span>> spans;  // by statement index; empty when unknown
};

// Everything one simulation evaluates.
struct Simulation {
  eval::PolicySetInput policies;
  eval::CompiledPolicySet set;  // of `policies`, built once they are complete
  std::shared_ptr<const eval::CompiledPolicy> resource_policy;
  std::map<std::string, Source, std::less<>> sources;  // by compiled policy id
  std::string caller_arn;
  std::string caller_account;
  std::string resource_owner;  // from ResourceOwner; empty: the caller's account
  eval::RequestContext context;
};

std::vector<std::string> StringList(const Value& input, std::string_view name) {
  std::vector<std::string> out;
  if (const Value* list = input.Find(name)) {
    for (const Value& v : list->children()) {
      out.push_back(v.text());
    }
  }
  return out;
}

// Parses and compiles one policy given as a string; InvalidInput with the parser's AWS
// wording when it does not parse.
Result<std::shared_ptr<const eval::CompiledPolicy>> CompileInput(std::string_view text,
                                                                 std::string id,
                                                                 policy::PolicyKind kind) {
  policy::ParseOptions options;
  options.kind = kind;
  options.enforce_size_limit = false;  // the model bounds the lengths
  options.aws_syntax_error_message = true;
  auto doc = policy::ParsePolicy(text, options);
  if (!doc.has_value()) {
    return MakeError(InvalidInput(doc.error().message));
  }
  auto compiled = eval::CompilePolicy(*doc, std::move(id), kind);
  if (!compiled.has_value()) {
    return MakeError(InvalidInput(compiled.error().message));
  }
  return *std::move(compiled);
}

// Adds the policies of `member` (PolicyInputList, PermissionsBoundaryPolicyInputList)
// under ids "MEMBER.N".
Status AddInputPolicies(const Value& input, std::string_view member, policy::PolicyKind kind,
                        std::vector<std::shared_ptr<const eval::CompiledPolicy>>& out,
                        Simulation& sim) {
  const std::vector<std::string> texts = StringList(input, member);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::string id = std::string(member) + "." + std::to_string(i + 1);
    IAM_ASSIGN_OR_RETURN(auto compiled, CompileInput(texts[i], id, kind));
    out.push_back(std::move(compiled));
    sim.sources.insert_or_assign(
        id, Source{id, std::string(kStringPolicyType), StatementSpans(texts[i])});
  }
  return OkStatus();
}

// The entity a PolicySourceArn names: arn:aws:iam::ACCOUNT:(user|group|role)/PATH/NAME.
struct SourceEntity {
  store::PrincipalRef ref;
  std::string arn;
};

Result<SourceEntity> ParsePolicySourceArn(const OperationContext& ctx, std::string_view arn) {
  const auto split = policy::SplitArn(arn);
  std::string_view kind_name;
  if (split.has_value()) {
    kind_name = split->resource.substr(0, split->resource.find('/'));
  }
  if (!split.has_value() || split->service != "iam" ||
      split->resource.find('/') == std::string_view::npos ||
      (kind_name != "user" && kind_name != "group" && kind_name != "role")) {
    return MakeError(InvalidInput("Invalid ARN " + std::string(arn) +
                                  ": PolicySourceArn must be the ARN of a user, group or role."));
  }
  const std::string_view name = split->resource.substr(split->resource.rfind('/') + 1);
  SourceEntity entity;
  entity.arn = std::string(arn);
  entity.ref.account_id = std::string(split->account);
  entity.ref.name = std::string(name);
  entity.ref.kind = kind_name == "user"    ? store::PrincipalKind::kUser
                    : kind_name == "group" ? store::PrincipalKind::kGroup
                                           : store::PrincipalKind::kRole;
  if (name.empty() || entity.ref.account_id != ctx.account_id()) {
    // Another account's entities are not visible from this one.
    return MakeError(kind_name == "user"    ? UserNotFound(name)
                     : kind_name == "group" ? GroupNotFound(name)
                                            : RoleNotFound(name));
  }
  return entity;
}

Error EntityNotFound(const SourceEntity& entity) {
  switch (entity.ref.kind) {
    case store::PrincipalKind::kUser:
      return UserNotFound(entity.ref.name);
    case store::PrincipalKind::kGroup:
      return GroupNotFound(entity.ref.name);
    case store::PrincipalKind::kRole:
      break;
  }
  return RoleNotFound(entity.ref.name);
}

// The text and source of a policy the authorizer compiled for a principal: inline ids
// are "KIND/OWNER:NAME", managed ones the policy ARN. A policy that cannot be read again
// (deleted since) keeps its id and no text.
Result<Source> PrincipalSource(store::ReadTxn& txn, std::string_view account_id,
                               std::string_view id) {
  Source source;
  const std::size_t colon = id.find(':');
  if (id.substr(0, 4) == "arn:") {
    source.id = std::string(id.substr(id.rfind('/') + 1));
    source.type =
        id.find(":iam::aws:policy/") != std::string_view::npos ? "aws-managed" : "user-managed";
    auto policy = txn.GetManagedPolicy(id);
    if (policy.has_value()) {
      auto version = txn.GetPolicyVersion(policy->arn, policy->default_version_id);
      if (version.has_value()) {
        source.spans = StatementSpans(version->document);
      } else if (version.error().code != ErrorCode::kNotFound) {
        return MakeError(std::move(version).error());
      }
    } else if (policy.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(policy).error());
    }
    return source;
  }
  const std::size_t slash = id.find('/');
  if (colon == std::string_view::npos || slash == std::string_view::npos || slash > colon) {
    source.id = std::string(id);
    source.type = "none";
    return source;
  }
  const std::string_view kind = id.substr(0, slash);
  const std::string_view owner = id.substr(slash + 1, colon - slash - 1);
  source.id = std::string(id.substr(colon + 1));
  source.type = std::string(kind);
  store::PrincipalRef ref{kind == "user"    ? store::PrincipalKind::kUser
                          : kind == "group" ? store::PrincipalKind::kGroup
                                            : store::PrincipalKind::kRole,
                          std::string(account_id), std::string(owner)};
  auto inline_policy = txn.GetInlinePolicy(ref, source.id);
  if (inline_policy.has_value()) {
    source.spans = StatementSpans(inline_policy->document);
  } else if (inline_policy.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(inline_policy).error());
  }
  return source;
}

// The policies of the entity `entity` into `sim` (identity policies and boundary).
Status AddPrincipalPolicies(OperationContext& ctx, const SourceEntity& entity, Simulation& sim) {
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto policies = ctx.authorizer.PoliciesOf(*txn, entity.ref);
  if (!policies.has_value()) {
    if (policies.error().code == ErrorCode::kNotFound) {
      return MakeError(EntityNotFound(entity));
    }
    return MakeError(std::move(policies).error());
  }
  sim.policies = *std::move(policies);
  std::vector<const eval::CompiledPolicy*> all;
  for (const auto& p : sim.policies.identity) {
    all.push_back(p.get());
  }
  if (sim.policies.permissions_boundary) {
    all.push_back(sim.policies.permissions_boundary.get());
  }
  for (const eval::CompiledPolicy* p : all) {
    if (sim.sources.find(p->id()) != sim.sources.end()) {
      continue;
    }
    IAM_ASSIGN_OR_RETURN(Source source, PrincipalSource(*txn, ctx.account_id(), p->id()));
    sim.sources.emplace(p->id(), std::move(source));
  }
  return OkStatus();
}

// Checks a ContextEntries value against its ContextKeyType.
bool ValidContextValue(std::string_view type, std::string_view value) {
  if (type.starts_with("numeric")) {
    return policy::ParseNumeric(value).has_value();
  }
  if (type.starts_with("boolean")) {
    return EqualsIgnoreCase(value, "true") || EqualsIgnoreCase(value, "false");
  }
  if (type.starts_with("ip")) {
    return policy::ParseIpNetwork(value).has_value();
  }
  if (type.starts_with("date")) {
    return policy::ParseDateTime(value).has_value();
  }
  return true;  // string, binary (base64 text, compared as given)
}

// ContextEntries into `context`. List types (and several values) make a multivalued key.
Status ReadContextEntries(const Value& input, eval::RequestContext& context) {
  const Value* entries = input.Find("ContextEntries");
  if (entries == nullptr) {
    return OkStatus();
  }
  for (const Value& entry : entries->children()) {
    const std::string key(StringMember(entry, "ContextKeyName"));
    const std::string type(StringMember(entry, "ContextKeyType", "string"));
    const std::vector<std::string> values = StringList(entry, "ContextKeyValues");
    if (key.empty()) {
      return MakeError(InvalidInput("Context entry is missing ContextKeyName."));
    }
    for (const std::string& v : values) {
      if (!ValidContextValue(type, v)) {
        std::string message = "Invalid value " + v;
        message.append(" for context key ").append(key).append(" of type ").append(type) += '.';
        return MakeError(InvalidInput(std::move(message)));
      }
    }
    if (values.size() == 1 && !type.ends_with("List")) {
      context.Set(key, values.front());
    } else {
      context.SetMulti(key, values);
    }
  }
  return OkStatus();
}

// The ResourcePolicy member, compiled as a resource policy (or, for sts:AssumeRole*
// simulations, a role trust policy, which has no Resource element).
Status AddResourcePolicy(const Value& input, Simulation& sim) {
  const auto text = OptionalStringMember(input, "ResourcePolicy");
  if (!text.has_value()) {
    return OkStatus();
  }
  auto compiled = CompileInput(*text, "ResourcePolicy", policy::PolicyKind::kResource);
  if (!compiled.has_value()) {
    auto trust = CompileInput(*text, "ResourcePolicy", policy::PolicyKind::kTrust);
    if (!trust.has_value()) {
      return MakeError(std::move(compiled).error());
    }
    compiled = std::move(trust);
  }
  sim.resource_policy = *std::move(compiled);
  sim.sources.insert_or_assign("ResourcePolicy",
                               Source{"ResourcePolicy", "resource", StatementSpans(*text)});
  return OkStatus();
}

// CallerArn must be an IAM user's ARN.
Status CheckCallerArn(std::string_view arn) {
  const auto split = policy::SplitArn(arn);
  if (!split.has_value() || split->service != "iam" || !split->resource.starts_with("user/") ||
      split->account.empty()) {
    return MakeError(InvalidInput("Invalid CallerArn " + std::string(arn) +
                                  ": only the ARN of an IAM user can be the simulated caller."));
  }
  return OkStatus();
}

// ResourceOwner: arn:aws:iam::ACCOUNT:root; returns the account.
Result<std::string> ResourceOwnerAccount(std::string_view arn) {
  const auto split = policy::SplitArn(arn);
  if (!split.has_value() || split->service != "iam" || split->resource != "root" ||
      split->account.size() != 12 ||
      !std::all_of(split->account.begin(), split->account.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return MakeError(InvalidInput("Invalid ResourceOwner " + std::string(arn) +
                                  ": expected arn:aws:iam::ACCOUNT-ID:root."));
  }
  return std::string(split->account);
}

Value PositionValue(std::uint32_t line, std::uint32_t column) {
  Value v = Value::Structure();
  v.Set("Line", Value::Integer(line));
  v.Set("Column", Value::Integer(column));
  return v;
}

Value MatchedStatementsValue(const Simulation& sim, const eval::Decision& decision) {
  Value list = Value::List();
  for (const eval::MatchedStatement& m : decision.matched) {
    Value s = Value::Structure();
    const auto it = sim.sources.find(m.policy_id);
    if (it == sim.sources.end()) {
      s.Set("SourcePolicyId", Value::String(std::string(m.policy_id)));
      s.Set("SourcePolicyType", Value::String("none"));
    } else {
      s.Set("SourcePolicyId", Value::String(it->second.id));
      s.Set("SourcePolicyType", Value::String(it->second.type));
      const auto& spans = it->second.spans;
      if (m.statement_index < spans.size() && spans[m.statement_index].has_value()) {
        const Span& span = *spans[m.statement_index];
        s.Set("StartPosition", PositionValue(span.start_line, span.start_column));
        s.Set("EndPosition", PositionValue(span.end_line, span.end_column));
      }
    }
    list.Append(std::move(s));
  }
  return list;
}

Value MissingValue(const eval::Decision& decision) {
  Value list = Value::List();
  std::vector<std::string_view> seen;
  for (std::string_view key : decision.missing_context_keys) {
    if (std::none_of(seen.begin(), seen.end(),
                     [&](std::string_view s) { return EqualsIgnoreCase(s, key); })) {
      seen.push_back(key);
      list.Append(Value::String(std::string(key)));
    }
  }
  return list;
}

std::string_view DecisionName(eval::Verdict verdict) {
  switch (verdict) {
    case eval::Verdict::kAllow:
      return "allowed";
    case eval::Verdict::kExplicitDeny:
      return "explicitDeny";
    case eval::Verdict::kImplicitDeny:
      break;
  }
  return "implicitDeny";
}

// The verdict the statements of `type` in `decision` give on their own.
eval::Verdict SideVerdict(const eval::Decision& decision, eval::PolicyType type) {
  bool allow = false;
  for (const eval::MatchedStatement& m : decision.matched) {
    if (m.type != type) {
      continue;
    }
    if (m.effect == policy::Effect::kDeny) {
      return eval::Verdict::kExplicitDeny;
    }
    allow = true;
  }
  return allow ? eval::Verdict::kAllow : eval::Verdict::kImplicitDeny;
}

// One EvaluationResult for `action` on `resource`.
Value Evaluate(const Simulation& sim, const std::string& action, const std::string& resource,
               bool resources_given) {
  // AWS: a resource of "*", given or by default, reports at the top level only.
  const bool specific = resources_given && resource != "*";
  eval::Request req;
  req.principal = sim.caller_arn;
  req.principal_account = sim.caller_account;
  req.action = action;
  req.resource = resource;
  const auto split = policy::SplitArn(resource);
  if (split.has_value() && !split->account.empty()) {
    req.resource_account = std::string(split->account);
  } else if (!sim.resource_owner.empty()) {
    req.resource_account = sim.resource_owner;
  } else {
    req.resource_account = sim.caller_account;
  }
  req.context = sim.context;
  const bool cross_account = req.resource_account != sim.caller_account;

  const eval::Decision decision =
      eval::Evaluate(req, sim.set, sim.resource_policy.get(), eval::EvaluateOptions{true});

  std::optional<bool> allowed_by_boundary;
  if (sim.policies.permissions_boundary) {
    // The boundary alone, as if it were the only identity policy.
    eval::PolicySetInput only;
    only.identity.push_back(sim.policies.permissions_boundary);
    eval::Request same = req;
    same.resource_account = sim.caller_account;
    allowed_by_boundary = eval::Evaluate(same, eval::CompiledPolicySet(std::move(only))).verdict ==
                          eval::Verdict::kAllow;
  }

  std::optional<Value> details;
  if (cross_account) {
    eval::PolicySetInput identity_side = sim.policies;
    eval::Request same = req;
    same.resource_account = sim.caller_account;
    const eval::Verdict identity =
        eval::Evaluate(same, eval::CompiledPolicySet(std::move(identity_side))).verdict;
    details = Value::Map();
    details->Set("IAM Policy", Value::String(std::string(DecisionName(identity))));
    if (sim.resource_policy) {
      details->Set("Resource Policy", Value::String(std::string(DecisionName(
                                          SideVerdict(decision, eval::PolicyType::kResource)))));
    }
  } else if (specific) {
    details = Value::Map();  // AWS: present and empty for one account with a resource ARN
  }

  const std::string decision_name(DecisionName(decision.verdict));
  Value result = Value::Structure();
  result.Set("EvalActionName", Value::String(action));
  result.Set("EvalResourceName", Value::String(resource));
  result.Set("EvalDecision", Value::String(decision_name));
  result.Set("MatchedStatements", MatchedStatementsValue(sim, decision));
  result.Set("MissingContextValues", specific ? Value::List() : MissingValue(decision));
  if (allowed_by_boundary.has_value()) {
    Value boundary = Value::Structure();
    boundary.Set("AllowedByPermissionsBoundary", Value::Boolean(*allowed_by_boundary));
    result.Set("PermissionsBoundaryDecisionDetail", boundary);
  }
  if (details.has_value()) {
    result.Set("EvalDecisionDetails", *details);
  }
  if (specific) {
    Value per_resource = Value::Structure();
    per_resource.Set("EvalResourceName", Value::String(resource));
    per_resource.Set("EvalResourceDecision", Value::String(decision_name));
    per_resource.Set("MatchedStatements", MatchedStatementsValue(sim, decision));
    per_resource.Set("MissingContextValues", MissingValue(decision));
    if (details.has_value()) {
      per_resource.Set("EvalDecisionDetails", *details);
    }
    if (allowed_by_boundary.has_value()) {
      Value boundary = Value::Structure();
      boundary.Set("AllowedByPermissionsBoundary", Value::Boolean(*allowed_by_boundary));
      per_resource.Set("PermissionsBoundaryDecisionDetail", std::move(boundary));
    }
    Value list = Value::List();
    list.Append(std::move(per_resource));
    result.Set("ResourceSpecificResults", std::move(list));
  }
  return result;
}

// The members both Simulate operations share, then the page of results.
Result<Value> Simulate(const Value& input, Simulation& sim) {
  const std::vector<std::string> actions = StringList(input, "ActionNames");
  for (const std::string& action : actions) {
    if (action.find(':') == std::string::npos || action.find('*') != std::string::npos ||
        action.find('?') != std::string::npos) {
      return MakeError(InvalidInput("Invalid action name " + action +
                                    ": an action is service:Operation, without wildcards."));
    }
  }
  const bool resources_given = input.Find("ResourceArns") != nullptr;
  std::vector<std::string> resources = StringList(input, "ResourceArns");
  if (resources.empty()) {
    resources.emplace_back("*");
  }
  IAM_RETURN_IF_ERROR(ReadContextEntries(input, sim.context));
  if (const auto owner = OptionalStringMember(input, "ResourceOwner")) {
    IAM_ASSIGN_OR_RETURN(sim.resource_owner, ResourceOwnerAccount(*owner));
  }

  sim.set = eval::CompiledPolicySet(sim.policies);
  const std::size_t total = actions.size() * resources.size();
  std::size_t start = 0;
  if (const auto marker = OptionalStringMember(input, "Marker")) {
    std::uint64_t n = 0;
    bool ok = !marker->empty() && marker->size() <= 9;
    for (const char c : *marker) {
      ok = ok && c >= '0' && c <= '9';
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!ok || n > total) {
      return MakeError(InvalidInput("Invalid Marker."));
    }
    start = static_cast<std::size_t>(n);
  }
  std::size_t max_items = kDefaultMaxItems;
  if (const auto m = IntegerMember(input, "MaxItems")) {
    max_items = static_cast<std::size_t>(std::clamp<std::int64_t>(*m, 1, 1000));
  }
  const std::size_t end = std::min(total, start + max_items);

  Value out = Value::Structure();
  Value results = Value::List();
  for (std::size_t i = start; i < end; ++i) {
    results.Append(Evaluate(sim, actions[i / resources.size()], resources[i % resources.size()],
                            resources_given));
  }
  out.Set("EvaluationResults", std::move(results));
  out.Set("IsTruncated", Value::Boolean(end < total));
  if (end < total) {
    out.Set("Marker", Value::String(std::to_string(end)));
  }
  return out;
}

// The PolicySourceArn member's entity, once `action` is authorized on it, with its
// policies added to `sim`.
Result<SourceEntity> PrincipalSimulation(OperationContext& ctx, const Value& input,
                                         std::string_view action, Simulation& sim) {
  const std::string source_arn(StringMember(input, "PolicySourceArn"));
  IAM_RETURN_IF_ERROR(ctx.Authorize(action, source_arn));
  IAM_ASSIGN_OR_RETURN(SourceEntity entity, ParsePolicySourceArn(ctx, source_arn));
  IAM_RETURN_IF_ERROR(AddPrincipalPolicies(ctx, entity, sim));
  return entity;
}

// Adds the input's PolicyInputList to the identity policies and its (at most one)
// PermissionsBoundaryPolicyInputList policy as the boundary, replacing any the simulated
// entity has.
Status AddInputIdentityAndBoundary(const Value& input, Simulation& sim) {
  IAM_RETURN_IF_ERROR(AddInputPolicies(input, "PolicyInputList", policy::PolicyKind::kIdentity,
                                       sim.policies.identity, sim));
  std::vector<std::shared_ptr<const eval::CompiledPolicy>> boundaries;
  IAM_RETURN_IF_ERROR(AddInputPolicies(input, "PermissionsBoundaryPolicyInputList",
                                       policy::PolicyKind::kBoundary, boundaries, sim));
  if (boundaries.size() > 1) {
    return MakeError(InvalidInput("Only one permissions boundary policy can be simulated."));
  }
  if (!boundaries.empty()) {
    sim.policies.permissions_boundary = boundaries.front();
  }
  return OkStatus();
}

Result<Value> SimulateCustomPolicy(OperationContext& ctx, const Value& input) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:SimulateCustomPolicy", "*"));
  Simulation sim;
  IAM_RETURN_IF_ERROR(AddInputIdentityAndBoundary(input, sim));
  IAM_RETURN_IF_ERROR(AddResourcePolicy(input, sim));
  if (const auto caller = OptionalStringMember(input, "CallerArn")) {
    IAM_RETURN_IF_ERROR(CheckCallerArn(*caller));
    sim.caller_arn = *caller;
  } else if (sim.resource_policy) {
    return MakeError(InvalidInput("CallerArn is required when a ResourcePolicy is given."));
  } else {
    sim.caller_arn = UserArn(ctx.account_id(), "/", "SimulatedCaller");
  }
  sim.caller_account = std::string(policy::SplitArn(sim.caller_arn)->account);
  return Simulate(input, sim);
}

Result<Value> SimulatePrincipalPolicy(OperationContext& ctx, const Value& input) {
  Simulation sim;
  IAM_ASSIGN_OR_RETURN(const SourceEntity entity,
                       PrincipalSimulation(ctx, input, "iam:SimulatePrincipalPolicy", sim));
  IAM_RETURN_IF_ERROR(AddInputIdentityAndBoundary(input, sim));
  IAM_RETURN_IF_ERROR(AddResourcePolicy(input, sim));
  if (const auto caller = OptionalStringMember(input, "CallerArn")) {
    IAM_RETURN_IF_ERROR(CheckCallerArn(*caller));
    sim.caller_arn = *caller;
  } else if (sim.resource_policy && entity.ref.kind != store::PrincipalKind::kUser) {
    return MakeError(InvalidInput(
        "CallerArn is required when a ResourcePolicy is given and PolicySourceArn is not a "
        "user."));
  } else {
    sim.caller_arn = entity.arn;
  }
  sim.caller_account = std::string(policy::SplitArn(sim.caller_arn)->account);
  return Simulate(input, sim);
}

// The context keys `policy` references, in statement order: variables of Resource /
// NotResource, then each condition's key and the variables of its values. Kept as first
// written, once each (keys compare case-insensitively), as AWS's examples show them.
void CollectContextKeys(const eval::CompiledPolicy& policy, std::vector<std::string>& keys) {
  auto add = [&keys](std::string_view key) {
    if (std::none_of(keys.begin(), keys.end(),
                     [&](const std::string& k) { return EqualsIgnoreCase(k, key); })) {
      keys.emplace_back(key);
    }
  };
  auto add_template = [&add](const std::optional<eval::Template>& templ) {
    if (!templ.has_value()) {
      return;
    }
    for (const eval::TemplatePiece& piece : templ->pieces) {
      if (piece.is_variable && !piece.is_escaped) {
        add(piece.text);
      }
    }
  };
  for (const eval::CompiledStatement& statement : policy.statements()) {
    for (const eval::ResourceMatcher& resource : statement.resources) {
      add_template(resource.templ);
    }
    for (const eval::CompiledCondition& condition : statement.conditions) {
      add(condition.key);
      for (const eval::ConditionValue& value : condition.values) {
        add_template(value.templ);
      }
    }
  }
}

Value ContextKeysValue(const std::vector<const eval::CompiledPolicy*>& policies) {
  std::vector<std::string> keys;
  for (const eval::CompiledPolicy* p : policies) {
    CollectContextKeys(*p, keys);
  }
  Value list = Value::List();
  for (std::string& key : keys) {
    list.Append(Value::String(std::move(key)));
  }
  Value out = Value::Structure();
  out.Set("ContextKeyNames", std::move(list));
  return out;
}

// The context keys of `sim`'s identity policies, the input's PolicyInputList added, and
// of its permissions boundary when it has one (the boundary limits what the simulation
// allows, so its keys count too).
Result<Value> ContextKeysWithInputPolicies(const Value& input, Simulation& sim) {
  IAM_RETURN_IF_ERROR(AddInputPolicies(input, "PolicyInputList", policy::PolicyKind::kIdentity,
                                       sim.policies.identity, sim));
  std::vector<const eval::CompiledPolicy*> all;
  for (const auto& p : sim.policies.identity) {
    all.push_back(p.get());
  }
  if (sim.policies.permissions_boundary) {
    all.push_back(sim.policies.permissions_boundary.get());
  }
  return ContextKeysValue(all);
}

Result<Value> GetContextKeysForCustomPolicy(OperationContext& ctx, const Value& input) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetContextKeysForCustomPolicy", "*"));
  Simulation sim;
  return ContextKeysWithInputPolicies(input, sim);
}

Result<Value> GetContextKeysForPrincipalPolicy(OperationContext& ctx, const Value& input) {
  Simulation sim;
  IAM_RETURN_IF_ERROR(PrincipalSimulation(ctx, input, "iam:GetContextKeysForPrincipalPolicy", sim));
  return ContextKeysWithInputPolicies(input, sim);
}

}  // namespace

void RegisterPolicySimulatorOperations(HandlerTable& table) {
  table.emplace("SimulateCustomPolicy", &SimulateCustomPolicy);
  table.emplace("SimulatePrincipalPolicy", &SimulatePrincipalPolicy);
  table.emplace("GetContextKeysForCustomPolicy", &GetContextKeysForCustomPolicy);
  table.emplace("GetContextKeysForPrincipalPolicy", &GetContextKeysForPrincipalPolicy);
}

}  // namespace portcullis::api::iam
