#include "cli/evaluation_input.h"

#include <utility>
#include <vector>

#include "policy/arn.h"
#include "policy/parse.h"

namespace portcullis::cli {
namespace {

using policy::JsonType;
using policy::JsonValue;

Error InputError(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::nullopt, {}, {}};
}

Result<std::string> ScalarText(const JsonValue& v, std::string_view where) {
  switch (v.type()) {
    case JsonType::kString:
    case JsonType::kNumber:
      return v.text();
    case JsonType::kBool:
      return std::string(v.bool_value() ? "true" : "false");
    default:
      return MakeError(InputError(std::string(where) + " must be a string, not " +
                                  std::string(policy::JsonTypeName(v.type()))));
  }
}

Status ReadContext(const JsonValue& ctx, eval::RequestContext& out) {
  if (!ctx.is_object()) {
    return MakeError(InputError("request.context must be an object"));
  }
  for (const auto& [key, value] : ctx.members()) {
    std::string where = "request.context.`" + key + "`";
    if (value.is_array()) {
      std::vector<std::string> values;
      for (const JsonValue& item : value.items()) {
        IAM_ASSIGN_OR_RETURN(std::string text, ScalarText(item, where));
        values.push_back(std::move(text));
      }
      out.SetMulti(key, values);
    } else {
      IAM_ASSIGN_OR_RETURN(std::string text, ScalarText(value, where));
      out.Set(key, std::move(text));
    }
  }
  return OkStatus();
}

Status ReadRequest(const JsonValue& req, eval::Request& out) {
  if (!req.is_object()) {
    return MakeError(InputError("`request` must be an object"));
  }
  for (const auto& [key, value] : req.members()) {
    if (key == "context") {
      IAM_RETURN_IF_ERROR(ReadContext(value, out.context));
      continue;
    }
    std::string* field = nullptr;
    if (key == "principal") {
      field = &out.principal;
    } else if (key == "principalAccount") {
      field = &out.principal_account;
    } else if (key == "action") {
      field = &out.action;
    } else if (key == "resource") {
      field = &out.resource;
    } else if (key == "resourceAccount") {
      field = &out.resource_account;
    } else {
      return MakeError(InputError("unknown member `request." + key + "`"));
    }
    if (value.is_null()) {
      continue;
    }
    IAM_ASSIGN_OR_RETURN(*field, ScalarText(value, "request." + key));
  }
  if (out.action.empty()) {
    return MakeError(InputError("request.action is required"));
  }
  if (out.resource.empty()) {
    out.resource = "*";
  }
  return OkStatus();
}

using PolicyList = std::vector<std::shared_ptr<const eval::CompiledPolicy>>;

Status ReadPolicyList(const JsonValue& v, std::string_view name, policy::PolicyKind kind,
                      PolicyCache& cache, PolicyList& out) {
  if (v.is_null()) {
    return OkStatus();
  }
  if (!v.is_array()) {
    return MakeError(InputError("policies." + std::string(name) + " must be an array"));
  }
  for (std::size_t i = 0; i < v.items().size(); ++i) {
    std::string id = std::string(name) + "[" + std::to_string(i) + "]";
    auto compiled = cache.Get(v.items()[i], id, kind);
    if (!compiled.has_value()) {
      return MakeError(std::move(compiled).error().WithContext("policies." + id));
    }
    out.push_back(std::move(*compiled));
  }
  return OkStatus();
}

bool IsRoleArn(std::string_view resource) {
  auto arn = policy::SplitArn(resource);
  return arn.has_value() && arn->service == "iam" && arn->resource.substr(0, 5) == "role/";
}

// One document member ("resource" or "permissionsBoundary"); null means none.
Status ReadSinglePolicy(const JsonValue& value, const std::string& key, policy::PolicyKind kind,
                        PolicyCache& cache, std::shared_ptr<const eval::CompiledPolicy>& out) {
  if (value.is_null()) {
    return OkStatus();
  }
  auto compiled = cache.Get(value, key, kind);
  if (!compiled.has_value()) {
    return MakeError(std::move(compiled).error().WithContext("policies." + key));
  }
  out = std::move(*compiled);
  return OkStatus();
}

Status ReadPolicies(const JsonValue& pol, const eval::Request& request, PolicyCache& cache,
                    EvaluationInput& out) {
  if (!pol.is_object()) {
    return MakeError(InputError("`policies` must be an object"));
  }
  using policy::PolicyKind;
  eval::PolicySetInput set;
  for (const auto& [key, value] : pol.members()) {
    Status status;
    if (key == "identity") {
      status = ReadPolicyList(value, key, PolicyKind::kIdentity, cache, set.identity);
    } else if (key == "session") {
      status = ReadPolicyList(value, key, PolicyKind::kSession, cache, set.session);
    } else if (key == "scp") {
      status = ReadPolicyList(value, key, PolicyKind::kScp, cache, set.scp);
    } else if (key == "permissionsBoundary") {
      status = ReadSinglePolicy(value, key, PolicyKind::kBoundary, cache, set.permissions_boundary);
    } else if (key == "resource") {
      // The resource policy of a role is its trust policy.
      PolicyKind kind = IsRoleArn(request.resource) ? PolicyKind::kTrust : PolicyKind::kResource;
      status = ReadSinglePolicy(value, key, kind, cache, out.resource_policy);
    } else {
      return MakeError(InputError("unknown member `policies." + key + "`"));
    }
    IAM_RETURN_IF_ERROR(status);
  }
  out.policies = eval::CompiledPolicySet(std::move(set));
  return OkStatus();
}

template <class Strings>
void AppendStringArray(std::string& out, const Strings& values) {
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    policy::AppendJsonString(out, values[i]);
  }
  out += ']';
}

}  // namespace

Result<std::shared_ptr<const eval::CompiledPolicy>> PolicyCache::Get(const JsonValue& doc,
                                                                     std::string id,
                                                                     policy::PolicyKind kind) {
  std::string text = policy::SerializeJson(doc);
  std::string key = std::string(policy::PolicyKindName(kind)) + "\n" + id + "\n" + text;
  if (auto it = compiled_.find(key); it != compiled_.end()) {
    return it->second;
  }
  policy::ParseOptions options;
  options.kind = kind;
  options.enforce_size_limit = false;
  IAM_ASSIGN_OR_RETURN(auto compiled, eval::ParseAndCompilePolicy(text, std::move(id), options));
  compiled_.emplace(std::move(key), compiled);
  return compiled;
}

Result<EvaluationInput> ReadEvaluationInput(const JsonValue& root, PolicyCache& cache) {
  if (!root.is_object()) {
    return MakeError(InputError("the evaluation input must be a JSON object"));
  }
  EvaluationInput out;
  const JsonValue* req = root.Find("request");
  if (req == nullptr) {
    return MakeError(InputError("missing member `request`"));
  }
  IAM_RETURN_IF_ERROR(ReadRequest(*req, out.request));
  if (const JsonValue* pol = root.Find("policies"); pol != nullptr) {
    IAM_RETURN_IF_ERROR(ReadPolicies(*pol, out.request, cache, out));
  }
  return out;
}

std::string DecisionToJson(const eval::Decision& decision) {
  std::string out = "{\"decision\":";
  policy::AppendJsonString(out, eval::VerdictName(decision.verdict));
  out += ",\"matched\":[";
  for (std::size_t i = 0; i < decision.matched.size(); ++i) {
    const eval::MatchedStatement& m = decision.matched[i];
    if (i > 0) {
      out += ',';
    }
    out += "{\"policyType\":";
    policy::AppendJsonString(out, eval::PolicyTypeName(m.type));
    out += ",\"policyIndex\":" + std::to_string(m.policy_index) + ",\"policyId\":";
    policy::AppendJsonString(out, m.policy_id);
    out += ",\"sid\":";
    if (m.sid.empty()) {
      out += "null";
    } else {
      policy::AppendJsonString(out, m.sid);
    }
    out += ",\"statementIndex\":" + std::to_string(m.statement_index) + ",\"effect\":";
    policy::AppendJsonString(out, m.effect == policy::Effect::kDeny ? "Deny" : "Allow");
    out += '}';
  }
  out += "],\"missingContextKeys\":";
  AppendStringArray(out, decision.missing_context_keys);
  out += '}';
  return out;
}

std::string DecisionToText(const eval::Decision& decision) {
  std::string out = "Decision: " + std::string(eval::VerdictName(decision.verdict)) + "\n";
  if (!decision.matched.empty()) {
    out += "Deciding statements:\n";
    for (const eval::MatchedStatement& m : decision.matched) {
      out += "  " + std::string(m.policy_id) + " statement " + std::to_string(m.statement_index);
      if (!m.sid.empty()) {
        out += " (Sid " + std::string(m.sid) + ")";
      }
      out += m.effect == policy::Effect::kDeny ? ": Deny\n" : ": Allow\n";
    }
  }
  if (!decision.missing_context_keys.empty()) {
    out += "Context keys referenced but absent:";
    for (std::string_view k : decision.missing_context_keys) {
      out += " ";
      out += k;
    }
    out += "\n";
  }
  return out;
}

}  // namespace portcullis::cli
