#include "api/iam/credential_owner.h"

#include <utility>

#include "api/iam/common.h"

namespace portcullis::api::iam {

Result<CredentialOwner> CredentialOwnerFrom(const OperationContext& ctx, const Value& input) {
  CredentialOwner owner;
  owner.user_name = std::string(StringMember(input, "UserName"));
  if (owner.user_name.empty()) {
    if (ctx.caller.type == auth::PrincipalType::kRoot) {
      owner.arn = RootArn(ctx.account_id());
      return owner;
    }
    IAM_RETURN_IF_ERROR(RequireUserCredentials(ctx.caller));
    owner.user_name = ctx.caller.user_name;
  }
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto user = txn->GetUser(ctx.account_id(), owner.user_name);
  if (user.has_value()) {
    owner.user_name = user->name;
    owner.arn = user->arn;
    return owner;
  }
  if (user.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(user).error());
  }
  owner.arn = UserArn(ctx.account_id(), "/", owner.user_name);
  owner.exists = false;
  return owner;
}

Status AuthorizeCredentialOwner(const OperationContext& ctx, std::string_view action,
                                const CredentialOwner& owner) {
  IAM_RETURN_IF_ERROR(ctx.Authorize(action, owner.arn));
  if (!owner.exists) {
    return MakeError(UserNotFound(owner.user_name));
  }
  return OkStatus();
}

void RegisterCredentialOperations(HandlerTable& table) {
  RegisterSshPublicKeyOperations(table);
  RegisterSigningCertificateOperations(table);
  RegisterServerCertificateOperations(table);
}

}  // namespace portcullis::api::iam
