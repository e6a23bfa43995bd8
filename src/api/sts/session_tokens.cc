// Sessions of the caller itself: GetSessionToken (optionally with MFA) and
// GetFederationToken (a federated user whose permissions are its user's intersected with
// the passed session policies). AWS: STS API Reference.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/sts/sts_common.h"
#include "common/strings.h"
#include "eval/compiled_policy.h"
#include "policy/parse.h"

namespace portcullis::api::sts {
namespace {

using protocol::Value;

Result<Value> GetSessionToken(StsContext& ctx, const Value& input) {
  const auth::Caller& caller = ctx.caller;
  if (caller.session) {
    return MakeError(AccessDenied("Cannot call GetSessionToken with session credentials"));
  }
  const bool root = caller.type == auth::PrincipalType::kRoot;
  std::int64_t duration = iam::IntegerMember(input, "DurationSeconds")
                              .value_or(root ? kRootSessionMax : kUserSessionDefault);
  if (duration < kMinDuration || duration > kUserSessionMax) {
    return MakeError(ValidationError(
        "1 validation error detected: Value '" + std::to_string(duration) +
        "' at 'durationSeconds' failed to satisfy constraint: Member must have value " +
        (duration < kMinDuration ? "greater than or equal to 900"
                                 : "less than or equal to 129600")));
  }
  if (root) {
    // AWS: sessions of the root user last at most one hour.
    duration = std::min(duration, kRootSessionMax);
  }
  IAM_ASSIGN_OR_RETURN(auto mfa_now, VerifyMfa(ctx, input));
  const auto now = ctx.clock.Now();
  auto session = std::make_shared<auth::Session>();
  session->source_user_name = caller.user_name;
  session->source_arn = caller.arn;
  session->issued_at = now;
  session->expires_at = now + std::chrono::seconds(duration);
  auth::Caller user = caller;
  user.mfa_authenticated_at = mfa_now;
  user.session = std::move(session);
  Value out = Value::Structure();
  out.Set("Credentials", IssueCredentials(ctx, user));
  return out;
}

Result<Value> GetFederationToken(StsContext& ctx, const Value& input) {
  const auth::Caller& caller = ctx.caller;
  if (caller.session) {
    return MakeError(AccessDenied("Cannot call GetFederationToken with session credentials"));
  }
  const std::string name(iam::StringMember(input, "Name"));
  const std::string arn = "arn:aws:sts::" + caller.account_id + ":federated-user/" + name;
  const bool root = caller.type == auth::PrincipalType::kRoot;
  std::int64_t duration =
      iam::IntegerMember(input, "DurationSeconds").value_or(kUserSessionDefault);
  if (duration < kMinDuration || duration > kUserSessionMax) {
    return MakeError(ValidationError(
        "1 validation error detected: Value '" + std::to_string(duration) +
        "' at 'durationSeconds' failed to satisfy constraint: Member must have value " +
        (duration < kMinDuration ? "greater than or equal to 900"
                                 : "less than or equal to 129600")));
  }
  if (root) {
    duration = std::min(duration, kRootSessionMax);
  }
  IAM_ASSIGN_OR_RETURN(SessionInputs session_inputs, ReadSessionInputs(input));
  std::vector<std::pair<std::string, std::vector<std::string>>> context;
  std::vector<std::string> tag_keys;
  for (const auto& [k, v] : session_inputs.tags) {
    context.push_back({"aws:RequestTag/" + k, {v}});
    tag_keys.push_back(k);
  }
  if (!tag_keys.empty()) {
    context.push_back({"aws:TagKeys", tag_keys});
  }
  authz::AuthzRequest request;
  request.action = "sts:GetFederationToken";
  request.resource_arn = arn;
  request.context = context;
  IAM_RETURN_IF_ERROR(ctx.authorizer.Authorize(caller, ctx.info, request));
  if (!session_inputs.tags.empty()) {
    request.action = "sts:TagSession";
    IAM_RETURN_IF_ERROR(ctx.authorizer.Authorize(caller, ctx.info, request));
  }
  const auto now = ctx.clock.Now();
  auto session = std::make_shared<auth::Session>();
  session->session_name = name;
  session->source_user_name = caller.user_name;
  session->source_arn = caller.arn;
  session->policies = std::move(session_inputs.policies);
  session->policy_arns = std::move(session_inputs.policy_arns);
  session->tags = std::move(session_inputs.tags);
  session->issued_at = now;
  session->expires_at = now + std::chrono::seconds(duration);
  auth::Caller federated;
  federated.type = auth::PrincipalType::kFederatedUser;
  federated.account_id = caller.account_id;
  federated.arn = arn;
  federated.principal_id = caller.account_id + ":" + name;
  federated.session = std::move(session);
  Value out = Value::Structure();
  out.Set("Credentials", IssueCredentials(ctx, federated));
  Value user = Value::Structure();
  user.Set("FederatedUserId", Value::String(federated.principal_id));
  user.Set("Arn", Value::String(arn));
  out.Set("FederatedUser", std::move(user));
  if (session_inputs.packed_percent.has_value()) {
    out.Set("PackedPolicySize", Value::Integer(*session_inputs.packed_percent));
  }
  return out;
}

}  // namespace

void RegisterSessionTokens(StsHandlerMap& handlers) {
  handlers.emplace("GetSessionToken", &GetSessionToken);
  handlers.emplace("GetFederationToken", &GetFederationToken);
}

}  // namespace portcullis::api::sts
