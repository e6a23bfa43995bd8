// Operations that only make sense inside AWS Organizations or for AWS's delegation
// partners, answered as AWS answers a standalone account outside any organization.
// Decisions, per operation (also in docs/compatibility.md):
//
//  - EnableOrganizationsRootCredentialsManagement, DisableOrganizationsRootCredentialsManagement,
//    EnableOrganizationsRootSessions, DisableOrganizationsRootSessions,
//    ListOrganizationsFeatures: centralized root access needs an organization; every account
//    of this server stands alone, so after authorization each answers the model's
//    OrganizationNotFoundException ("The request was rejected because no organization is
//    associated with your account.").
//  - GenerateOrganizationsAccessReport declares no organization error: it accepts the job
//    (a JobId, stored as a kReport resource keyed by the id) and GetOrganizationsAccessReport
//    then reports it FAILED with ErrorDetails naming OrganizationNotFoundException. An
//    unknown job id is NoSuchEntity.
//  - Delegation requests (temporary access delegation to AWS partners): only onboarded
//    partners can create them ("This API is not available for general use"), so
//    CreateDelegationRequest is AccessDenied, no delegation request ever exists,
//    ListDelegationRequests is empty, and every operation naming one
//    (Accept/Associate/Reject/Update/Get, SendDelegationToken) is NoSuchEntity.
//  - GetHumanReadableSummary supports only delegation requests (AWS: "the only supported
//    entity type is delegation-request"; the summary comes from an LLM): a delegation
//    request ARN is NoSuchEntity, any other entity InvalidInput.
//
// Authorization: every operation asks the policy engine first, as AWS does, with the
// resource the Service Authorization Reference names (delegation requests:
// arn:aws:iam::ACCOUNT:delegation-request/ID; Organizations access reports:
// arn:aws:iam::ACCOUNT:access-report/ENTITY-PATH; otherwise "*").
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "api/iam/account_reports.h"
#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "api/ids.h"

namespace portcullis::api::iam {
namespace {

constexpr std::string_view kNoOrganization =
    "The request was rejected because no organization is associated with your account.";

Error OrganizationNotFound() {
  return Error{ErrorCode::kNotFound,
               std::string(kNoOrganization),
               std::nullopt,
               {},
               "OrganizationNotFoundException"};
}

Result<Value> NoOrganization(OperationContext& ctx, std::string_view action) {
  IAM_RETURN_IF_ERROR(ctx.Authorize(action, "*"));
  return MakeError(OrganizationNotFound());
}

Result<Value> GenerateOrganizationsAccessReport(OperationContext& ctx, const Value& input) {
  const std::string path(StringMember(input, "EntityPath"));
  IAM_RETURN_IF_ERROR(
      ctx.Authorize("iam:GenerateOrganizationsAccessReport",
                    "arn:aws:iam::" + std::string(ctx.account_id()) + ":access-report/" + path));
  const std::string job_id = NewRequestId();
  auto stored = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::Resource> {
    store::Resource job;
    job.kind = store::ResourceKind::kReport;
    job.account_id = ctx.account_id();
    job.key = job_id;
    job.body = nlohmann::json{{"Type", "organizations-access-report"}, {"EntityPath", path}}.dump();
    return txn.PutResource(std::move(job));
  });
  if (!stored.has_value()) {
    return MakeError(std::move(stored).error());
  }
  Value out = Value::Structure();
  out.Set("JobId", Value::String(job_id));
  return out;
}

Result<Value> GetOrganizationsAccessReport(OperationContext& ctx, const Value& input) {
  const std::string job_id(StringMember(input, "JobId"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetOrganizationsAccessReport", "*"));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto job = txn->GetResource(store::ResourceKind::kReport, ctx.account_id(), job_id);
  bool organizations_job = false;
  if (job.has_value()) {
    auto body = nlohmann::json::parse(job->body, nullptr, /*allow_exceptions=*/false);
    organizations_job = body.is_object() && body.value("Type", "") == "organizations-access-report";
  } else if (job.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(job).error());
  }
  if (!organizations_job) {
    return MakeError(NoSuchEntity("The job with id " + job_id + " cannot be found."));
  }
  Value out = Value::Structure();
  out.Set("JobStatus", Value::String("FAILED"));
  out.Set("JobCreationDate", TimestampValue(job->created));
  out.Set("JobCompletionDate", TimestampValue(job->created));
  out.Set("IsTruncated", Value::Boolean(false));
  Value& details = out.Set("ErrorDetails", Value::Structure());
  details.Set("Message", Value::String(std::string(kNoOrganization)));
  details.Set("Code", Value::String("OrganizationNotFoundException"));
  return out;
}

std::string DelegationRequestArn(const OperationContext& ctx, std::string_view id) {
  return "arn:aws:iam::" + std::string(ctx.account_id()) + ":delegation-request/" + std::string(id);
}

Error DelegationRequestNotFound(std::string_view id) {
  return NoSuchEntity("The delegation request with id " + std::string(id) + " cannot be found.");
}

Result<Value> NoDelegationRequest(OperationContext& ctx, const Value& input,
                                  std::string_view action) {
  const std::string id(StringMember(input, "DelegationRequestId"));
  IAM_RETURN_IF_ERROR(ctx.Authorize(action, DelegationRequestArn(ctx, id)));
  return MakeError(DelegationRequestNotFound(id));
}

Result<Value> CreateDelegationRequest(OperationContext& ctx, const Value& /*input*/) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:CreateDelegationRequest", "*"));
  // AWS: "This API is not available for general use" (partners onboard first).
  return MakeError(Error{ErrorCode::kPermissionDenied,
                         "User: " + ctx.caller.arn +
                             " is not authorized to perform: iam:CreateDelegationRequest because "
                             "the account is not onboarded as a delegation partner",
                         std::nullopt,
                         {},
                         "AccessDenied"});
}

Result<Value> ListDelegationRequests(OperationContext& ctx, const Value& /*input*/) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListDelegationRequests", "*"));
  Value out = Value::Structure();
  out.Set("DelegationRequests", Value::List());
  out.Set("isTruncated", Value::Boolean(false));  // AWS: the model spells it in lower camel case
  return out;
}

Result<Value> GetHumanReadableSummary(OperationContext& ctx, const Value& input) {
  const std::string arn(StringMember(input, "EntityArn"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetHumanReadableSummary", arn));
  const std::string_view marker = ":delegation-request/";
  const std::size_t at = arn.find(marker);
  if (!arn.starts_with("arn:") || at == std::string::npos) {
    return MakeError(InvalidInput("The entity type of " + arn +
                                  " is not supported. The only supported entity type is "
                                  "delegation-request."));
  }
  return MakeError(DelegationRequestNotFound(arn.substr(at + marker.size())));
}

}  // namespace

void RegisterOrganizationsOperations(HandlerTable& table) {
  table["EnableOrganizationsRootCredentialsManagement"] = [](OperationContext& ctx,
                                                             const Value& /*input*/) {
    return NoOrganization(ctx, "iam:EnableOrganizationsRootCredentialsManagement");
  };
  table["DisableOrganizationsRootCredentialsManagement"] = [](OperationContext& ctx,
                                                              const Value& /*input*/) {
    return NoOrganization(ctx, "iam:DisableOrganizationsRootCredentialsManagement");
  };
  table["EnableOrganizationsRootSessions"] = [](OperationContext& ctx, const Value& /*input*/) {
    return NoOrganization(ctx, "iam:EnableOrganizationsRootSessions");
  };
  table["DisableOrganizationsRootSessions"] = [](OperationContext& ctx, const Value& /*input*/) {
    return NoOrganization(ctx, "iam:DisableOrganizationsRootSessions");
  };
  table["ListOrganizationsFeatures"] = [](OperationContext& ctx, const Value& /*input*/) {
    return NoOrganization(ctx, "iam:ListOrganizationsFeatures");
  };
  table["GenerateOrganizationsAccessReport"] = &GenerateOrganizationsAccessReport;
  table["GetOrganizationsAccessReport"] = &GetOrganizationsAccessReport;
  table["AcceptDelegationRequest"] = [](OperationContext& ctx, const Value& input) {
    return NoDelegationRequest(ctx, input, "iam:AcceptDelegationRequest");
  };
  table["AssociateDelegationRequest"] = [](OperationContext& ctx, const Value& input) {
    return NoDelegationRequest(ctx, input, "iam:AssociateDelegationRequest");
  };
  table["GetDelegationRequest"] = [](OperationContext& ctx, const Value& input) {
    return NoDelegationRequest(ctx, input, "iam:GetDelegationRequest");
  };
  table["RejectDelegationRequest"] = [](OperationContext& ctx, const Value& input) {
    return NoDelegationRequest(ctx, input, "iam:RejectDelegationRequest");
  };
  table["SendDelegationToken"] = [](OperationContext& ctx, const Value& input) {
    return NoDelegationRequest(ctx, input, "iam:SendDelegationToken");
  };
  table["UpdateDelegationRequest"] = [](OperationContext& ctx, const Value& input) {
    return NoDelegationRequest(ctx, input, "iam:UpdateDelegationRequest");
  };
  table["CreateDelegationRequest"] = &CreateDelegationRequest;
  table["ListDelegationRequests"] = &ListDelegationRequests;
  table["GetHumanReadableSummary"] = &GetHumanReadableSummary;
}

}  // namespace portcullis::api::iam
