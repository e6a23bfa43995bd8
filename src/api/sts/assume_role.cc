// AssumeRole: the role's trust policy evaluated with the caller as principal (same and
// cross account); session name, duration, chaining, ExternalId, MFA, session policies,
// session tags, source identity. AWS: STS API Reference (AssumeRole) and the IAM User
// Guide ("Passing session tags in AWS STS", "Role chaining").
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

Result<Value> AssumeRole(StsContext& ctx, const Value& input) {
  const auth::Caller& caller = ctx.caller;
  const std::string role_arn(iam::StringMember(input, "RoleArn"));
  const std::string session_name(iam::StringMember(input, "RoleSessionName"));
  const std::string denied_message =
      "User: " + caller.arn +
      " is not authorized to perform: sts:AssumeRole on resource: " + role_arn;
  if (caller.type == auth::PrincipalType::kRoot) {
    return MakeError(AccessDenied("Roles may not be assumed by root accounts."));
  }
  if (caller.type == auth::PrincipalType::kFederatedUser) {
    return MakeError(AccessDenied(denied_message));
  }
  const bool chained = caller.type == auth::PrincipalType::kAssumedRole;
  IAM_ASSIGN_OR_RETURN(SessionInputs session_inputs, ReadSessionInputs(input));
  IAM_ASSIGN_OR_RETURN(auto mfa_now, VerifyMfa(ctx, input));

  IAM_ASSIGN_OR_RETURN(store::Role role, LoadRole(ctx, role_arn, AccessDenied(denied_message)));
  IAM_ASSIGN_OR_RETURN(const std::int64_t duration, RoleSessionDuration(input, role, chained));

  // Transitive tags of the calling session pass on and cannot be overridden.
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> transitive;
  std::string source_identity;
  if (caller.session) {
    for (const auto& [k, v] : caller.session->tags) {
      for (const std::string& t : caller.session->transitive_tag_keys) {
        if (EqualsIgnoreCase(t, k)) {
          tags.emplace_back(k, v);
          transitive.push_back(k);
        }
      }
    }
    source_identity = caller.session->source_identity;
  }
  for (const auto& [k, v] : session_inputs.tags) {
    for (const auto& inherited : tags) {
      if (EqualsIgnoreCase(inherited.first, k)) {
        return MakeError(StsError(ErrorCode::kInvalidArgument, "InvalidParameterValue",
                                  "One or more session tags conflict with transitive tags "
                                  "inherited from the calling session."));
      }
    }
  }
  auto requested_source = iam::OptionalStringMember(input, "SourceIdentity");
  if (requested_source.has_value()) {
    if (requested_source->starts_with("aws:")) {
      return MakeError(ValidationError("SourceIdentity cannot begin with the prefix aws:"));
    }
    if (!source_identity.empty() && source_identity != *requested_source) {
      return MakeError(AccessDenied("SourceIdentity of the calling session cannot be changed."));
    }
  }

  // The trust policy, with the caller (MFA proved now, if so) as principal.
  auto trust = eval::ParseAndCompilePolicy(role.assume_role_policy_document, role.arn,
                                           policy::ParseOptions{policy::PolicyKind::kTrust, false});
  if (!trust.has_value()) {
    return MakeError(AccessDenied(denied_message));
  }
  auth::Caller principal = caller;
  if (mfa_now.has_value()) {
    principal.mfa_authenticated_at = *mfa_now;
  }
  authz::AuthzRequest request;
  request.action = "sts:AssumeRole";
  request.resource_arn = role.arn;
  const authz::ResourceSide resource{trust->get(), role.account_id};
  request.context.push_back({"sts:RoleSessionName", {session_name}});
  if (auto external = iam::OptionalStringMember(input, "ExternalId"); external.has_value()) {
    request.context.push_back({"sts:ExternalId", {*external}});
  }
  if (requested_source.has_value()) {
    request.context.push_back({"sts:SourceIdentity", {*requested_source}});
  }
  std::vector<std::string> tag_keys;
  for (const auto& [k, v] : session_inputs.tags) {
    request.context.push_back({"aws:RequestTag/" + k, {v}});
    tag_keys.push_back(k);
  }
  if (!tag_keys.empty()) {
    request.context.push_back({"aws:TagKeys", tag_keys});
  }
  if (!session_inputs.transitive.empty()) {
    request.context.push_back({"sts:TransitiveTagKeys", session_inputs.transitive});
  }
  auto check = [&](std::string_view action) -> Status {
    request.action = action;
    auto allowed = ctx.authorizer.Authorize(principal, ctx.info, request, &resource);
    if (!allowed.has_value()) {
      if (allowed.error().aws_code == "AccessDenied") {
        return MakeError(AccessDenied("User: " + caller.arn + " is not authorized to perform: " +
                                      std::string(action) + " on resource: " + role_arn));
      }
      return allowed;
    }
    return OkStatus();
  };
  IAM_RETURN_IF_ERROR(check("sts:AssumeRole"));
  if (!session_inputs.tags.empty() || !tags.empty()) {
    IAM_RETURN_IF_ERROR(check("sts:TagSession"));
  }
  if (requested_source.has_value() && source_identity.empty()) {
    IAM_RETURN_IF_ERROR(check("sts:SetSourceIdentity"));
  }
  if (requested_source.has_value()) {
    source_identity = *requested_source;
  }

  RoleSessionSpec spec;
  spec.session_name = session_name;
  spec.source_user_name = caller.user_name;
  spec.source_arn = caller.arn;
  spec.source_identity = source_identity;
  spec.policies = std::move(session_inputs.policies);
  spec.policy_arns = std::move(session_inputs.policy_arns);
  for (auto& tag : session_inputs.tags) {
    tags.push_back(std::move(tag));
  }
  for (auto& key : session_inputs.transitive) {
    transitive.push_back(std::move(key));
  }
  spec.tags = std::move(tags);
  spec.transitive_tag_keys = std::move(transitive);
  spec.duration_seconds = duration;
  spec.chained = chained;
  spec.mfa_authenticated_at = principal.mfa_authenticated_at;
  spec.packed_percent = session_inputs.packed_percent;
  return IssueRoleSession(ctx, role, std::move(spec));
}

}  // namespace

void RegisterAssumeRole(StsHandlerMap& handlers) {
  handlers.emplace("AssumeRole", &AssumeRole);
}

}  // namespace portcullis::api::sts
