#include "api/iam/iam_service.h"

#include <string>
#include <utility>

#include "api/iam/resource_tag_context.h"

namespace portcullis::api::iam {

Status OperationContext::Authorize(
    std::string_view action, std::string_view resource_arn,
    std::vector<std::pair<std::string, std::vector<std::string>>> context) const {
  // The resource's tags, read only when the caller's policies can use them.
  if (authorizer.ReadsResourceTags(caller)) {
    IAM_ASSIGN_OR_RETURN(auto txn, store.BeginRead());
    IAM_ASSIGN_OR_RETURN(const std::vector<store::Tag> tags,
                         IamResourceTags(*txn, caller.account_id, resource_arn));
    for (auto& entry : ResourceTagContext(tags)) {
      context.push_back(std::move(entry));
    }
  }
  authz::AuthzRequest request{action, resource_arn, std::move(context)};
  return authorizer.Authorize(caller, info, request);
}

IamService::IamService(store::IdentityStore& store, authz::Authorizer& authorizer,
                       const crypto::SecretBox& box, const Clock& clock, IamQuotas quotas)
    : store_(store), authorizer_(authorizer), box_(box), clock_(clock), quotas_(quotas) {
  RegisterUserOperations(handlers_);
  RegisterGroupOperations(handlers_);
  RegisterAccessKeyOperations(handlers_);
  RegisterInlinePolicyOperations(handlers_);
  RegisterManagedPolicyOperations(handlers_);
  RegisterAttachmentOperations(handlers_);
  RegisterAccountOperations(handlers_);
  RegisterPasswordOperations(handlers_);
  RegisterRoleOperations(handlers_);
  RegisterInstanceProfileOperations(handlers_);
  RegisterServiceLinkedRoleOperations(handlers_);
  RegisterTagAndBoundaryOperations(handlers_);
  RegisterPolicySimulatorOperations(handlers_);
  RegisterMfaDeviceOperations(handlers_);
  RegisterCredentialOperations(handlers_);
  RegisterOidcProviderOperations(handlers_);
  RegisterSamlProviderOperations(handlers_);
  RegisterServiceSpecificCredentialOperations(handlers_);
  RegisterAccountReportOperations(handlers_);
}

const protocol::ServiceModel& IamService::model() const {
  return protocol::IamModel();
}

bool IamService::Implements(std::string_view operation_name) const {
  return handlers_.find(std::string(operation_name)) != handlers_.end();
}

Result<protocol::Value> IamService::Invoke(const protocol::Operation& operation,
                                           const protocol::Value& input, const auth::Caller& caller,
                                           const RequestInfo& info) {
  const auto it = handlers_.find(operation.name);
  if (it == handlers_.end()) {
    Error error{ErrorCode::kInternal,
                "Portcullis does not implement the IAM operation " + operation.name + " yet",
                std::nullopt,
                {},
                "NotImplemented"};
    return MakeError(std::move(error));
  }
  OperationContext ctx{store_, authorizer_, box_, clock_, caller, info, quotas_};
  return it->second(ctx, input);
}

}  // namespace portcullis::api::iam
