// Sessions that only exist inside AWS Organizations or for AWS's delegation partners,
// answered as AWS answers an account that stands alone (every account of this server
// does; see src/api/iam/organizations.cc for the IAM side):
//
//  - AssumeRoot: privileged root sessions on a member account need an organization with
//    centralized root access. The request is validated as AWS does (TargetPrincipal an
//    account id or its root ARN; TaskPolicyArn one of the five AWS managed root-task
//    policies; DurationSeconds 0 to 900; not with root user credentials) and authorized
//    (sts:AssumeRoot on arn:aws:iam::TARGET:root, condition key sts:TaskPolicyArn); then,
//    no organization being there, it is AccessDenied naming the reason.
//  - GetDelegatedAccessToken: trade-in tokens come from delegation requests sent to
//    onboarded partners (iam:SendDelegationToken); no delegation request ever exists on
//    this server, so after authorization (sts:GetDelegatedAccessToken on "*") every token
//    answers the model's ExpiredTradeInTokenException.
//
// AWS: STS API Reference (AssumeRoot, GetDelegatedAccessToken); IAM User Guide
// ("Perform a privileged task on an AWS Organizations member account").
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "api/iam/common.h"
#include "api/sts/sts_common.h"

namespace portcullis::api::sts {
namespace {

using protocol::Value;

// The AWS managed policies a root session may be scoped to.
constexpr std::array<std::string_view, 5> kRootTaskPolicies = {
    "IAMAuditRootUserCredentials", "IAMCreateRootUserPassword", "IAMDeleteRootUserCredentials",
    "S3UnlockBucketPolicy", "SQSUnlockQueuePolicy"};
constexpr std::string_view kRootTaskPrefix = "arn:aws:iam::aws:policy/root-task/";
constexpr std::int64_t kRootTaskMaxDuration = 900;

bool IsAccountId(std::string_view text) {
  return text.size() == 12 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// An account id, or arn:aws:iam::ACCOUNT:root -> ACCOUNT; empty when neither.
std::string TargetAccount(std::string_view target) {
  if (IsAccountId(target)) {
    return std::string(target);
  }
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  constexpr std::string_view kSuffix = ":root";
  if (target.starts_with(kPrefix) && target.ends_with(kSuffix)) {
    const std::string_view account =
        target.substr(kPrefix.size(), target.size() - kPrefix.size() - kSuffix.size());
    if (IsAccountId(account)) {
      return std::string(account);
    }
  }
  return {};
}

Result<Value> AssumeRoot(StsContext& ctx, const Value& input) {
  const std::string target(iam::StringMember(input, "TargetPrincipal"));
  std::string task_policy;
  if (const Value* descriptor = input.Find("TaskPolicyArn"); descriptor != nullptr) {
    task_policy = std::string(iam::StringMember(*descriptor, "arn"));
  }
  const std::int64_t duration =
      iam::IntegerMember(input, "DurationSeconds").value_or(kRootTaskMaxDuration);
  if (duration < 0 || duration > kRootTaskMaxDuration) {
    return MakeError(ValidationError(
        "1 validation error detected: Value '" + std::to_string(duration) +
        "' at 'durationSeconds' failed to satisfy constraint: Member must have value " +
        (duration < 0 ? "greater than or equal to 0" : "less than or equal to 900")));
  }
  const std::string account = TargetAccount(target);
  if (account.empty()) {
    return MakeError(ValidationError("The specified target principal " + target +
                                     " is not a valid account ID or root user ARN."));
  }
  const bool known_task = task_policy.starts_with(kRootTaskPrefix) &&
                          std::find(kRootTaskPolicies.begin(), kRootTaskPolicies.end(),
                                    std::string_view(task_policy).substr(kRootTaskPrefix.size())) !=
                              kRootTaskPolicies.end();
  if (!known_task) {
    return MakeError(
        ValidationError("The specified task policy ARN " + task_policy +
                        " is not one of the AWS managed policies for privileged root tasks."));
  }
  if (ctx.caller.type == auth::PrincipalType::kRoot) {
    return MakeError(AccessDenied("AssumeRoot cannot be called with root user credentials."));
  }
  const std::string resource = "arn:aws:iam::" + account + ":root";
  authz::AuthzRequest request;
  request.action = "sts:AssumeRoot";
  request.resource_arn = resource;
  request.context.push_back({"sts:TaskPolicyArn", {task_policy}});
  IAM_RETURN_IF_ERROR(ctx.authorizer.Authorize(ctx.caller, ctx.info, request));
  // No organization, so no centralized root access to any member account.
  return MakeError(
      AccessDenied("User: " + ctx.caller.arn +
                   " is not authorized to perform: sts:AssumeRoot on resource: " + resource +
                   " because the account is not a member of an organization with "
                   "centralized root access enabled"));
}

Result<Value> GetDelegatedAccessToken(StsContext& ctx, const Value& input) {
  const std::string_view token = iam::StringMember(input, "TradeInToken");
  if (token.empty()) {
    return MakeError(ValidationError(
        "1 validation error detected: Value at 'tradeInToken' failed to satisfy constraint: "
        "Member must not be null"));
  }
  authz::AuthzRequest request;
  request.action = "sts:GetDelegatedAccessToken";
  request.resource_arn = "*";
  IAM_RETURN_IF_ERROR(ctx.authorizer.Authorize(ctx.caller, ctx.info, request));
  // No delegation request exists, so no trade-in token can be exchanged.
  return MakeError(StsError(ErrorCode::kInvalidArgument, "ExpiredTradeInTokenException",
                            "The trade-in token is not valid or has expired."));
}

}  // namespace

void RegisterPrivilegedSessions(StsHandlerMap& handlers) {
  handlers.emplace("AssumeRoot", &AssumeRoot);
  handlers.emplace("GetDelegatedAccessToken", &GetDelegatedAccessToken);
}

}  // namespace portcullis::api::sts
