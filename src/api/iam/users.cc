// IAM users: CreateUser, GetUser, UpdateUser, DeleteUser, ListUsers.
//
// AWS: IAM API reference for each operation; quotas from the IAM User Guide, "IAM and AWS
// STS quotas" (5000 users per account). Each handler checks what the codec cannot,
// authorizes the action on the resource AWS names for it, then reads or changes the store.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "api/ids.h"

namespace portcullis::api::iam {
namespace {

constexpr int kUsersPerAccount = 5000;

// A user as listings show it. AWS: ListUsers and GetGroup "do not return" the
// PermissionsBoundary and Tags attributes.
Value ListedUserValue(store::User user) {
  user.permissions_boundary_arn.clear();
  user.tags.clear();
  return UserValue(user);
}

Result<Value> CreateUser(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "UserName"));
  const std::string path(StringMember(input, "Path", "/"));
  const std::string arn = UserArn(ctx.account_id(), path, name);
  const std::string boundary(StringMember(input, "PermissionsBoundary"));
  IAM_ASSIGN_OR_RETURN(std::vector<store::Tag> tags, InputTags(input));

  auto context = RequestTagContext(tags);
  if (!boundary.empty()) {
    context.emplace_back("iam:PermissionsBoundary", std::vector<std::string>{boundary});
  }
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:CreateUser", arn, context));
  // AWS: "To add tags when you create a user, you must have iam:TagUser permission" (the
  // CreateUser reference, Tags).
  if (!tags.empty()) {
    IAM_RETURN_IF_ERROR(ctx.Authorize("iam:TagUser", arn, context));
  }

  IAM_ASSIGN_OR_RETURN(
      store::User created,
      WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::User> {
        IAM_RETURN_IF_ERROR(CheckPermissionsBoundary(txn, ctx.account_id(), boundary));
        auto existing = txn.GetUser(ctx.account_id(), name);
        if (existing.has_value()) {
          return MakeError(UserExists(name));
        }
        if (existing.error().code != ErrorCode::kNotFound) {
          return MakeError(std::move(existing).error());
        }
        IAM_ASSIGN_OR_RETURN(const int count, CountAll([&](const store::ListOptions& o) {
                               return txn.ListUsers(ctx.account_id(), o);
                             }));
        if (count >= kUsersPerAccount) {
          return MakeError(LimitExceeded("Cannot exceed quota for UsersPerAccount: " +
                                         std::to_string(kUsersPerAccount)));
        }
        store::User user;
        user.account_id = ctx.account_id();
        user.name = name;
        user.path = path;
        user.id = NewUniqueId(kUserIdPrefix);
        user.arn = arn;
        user.permissions_boundary_arn = boundary;
        user.tags = tags;
        auto put = txn.PutUser(std::move(user));
        if (!put.has_value()) {
          return MakeError(UserError(std::move(put).error(), name));
        }
        return put;
      }));
  Value out = Value::Structure();
  out.Set("User", UserValue(created));
  return out;
}

// AWS: GetUser with no UserName describes the caller; for the root user it answers with
// the account id as UserId, the root ARN and the account's creation date, and no
// UserName or Path.
Result<Value> GetRootUser(OperationContext& ctx) {
  const std::string arn = RootArn(ctx.account_id());
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetUser", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(store::Account account, txn->GetAccount(ctx.account_id()));
  Value user = Value::Structure();
  user.Set("UserId", Value::String(ctx.account_id()));
  user.Set("Arn", Value::String(arn));
  user.Set("CreateDate", TimestampValue(account.created));
  Value out = Value::Structure();
  out.Set("User", std::move(user));
  return out;
}

Result<Value> GetUser(OperationContext& ctx, const Value& input) {
  std::string name(StringMember(input, "UserName"));
  if (name.empty()) {
    if (ctx.caller.type == auth::PrincipalType::kRoot) {
      return GetRootUser(ctx);
    }
    IAM_RETURN_IF_ERROR(RequireUserCredentials(ctx.caller));
    name = ctx.caller.user_name;
  }
  IAM_ASSIGN_OR_RETURN(const std::string arn, UserArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetUser", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto user = txn->GetUser(ctx.account_id(), name);
  if (!user.has_value()) {
    return MakeError(UserError(std::move(user).error(), name));
  }
  Value out = Value::Structure();
  out.Set("User", UserValue(*user));
  return out;
}

Result<Value> UpdateUser(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "UserName"));
  const auto new_name = OptionalStringMember(input, "NewUserName");
  const auto new_path = OptionalStringMember(input, "NewPath");

  // AWS: "To change a user name, the requester must have appropriate permissions on both
  // the source object and the target object" (UpdateUser reference).
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto current = txn->GetUser(ctx.account_id(), name);
  if (!current.has_value() && current.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(current).error());
  }
  txn.reset();
  const std::string old_arn =
      current.has_value() ? current->arn : UserArn(ctx.account_id(), "/", name);
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:UpdateUser", old_arn));
  if (!current.has_value()) {
    return MakeError(UserNotFound(name));
  }
  const std::string target_name = new_name.value_or(current->name);
  const std::string target_path = new_path.value_or(current->path);
  const std::string new_arn = UserArn(ctx.account_id(), target_path, target_name);
  if (new_arn != old_arn) {
    IAM_RETURN_IF_ERROR(ctx.Authorize("iam:UpdateUser", new_arn));
  }

  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& wtxn) -> Result<store::User> {
    auto user = wtxn.GetUser(ctx.account_id(), name);
    if (!user.has_value()) {
      return MakeError(UserError(std::move(user).error(), name));
    }
    user->name = target_name;
    user->path = target_path;
    user->arn = new_arn;
    auto updated = wtxn.UpdateUser(*std::move(user));
    if (!updated.has_value()) {
      return MakeError(UserError(std::move(updated).error(), target_name));
    }
    return updated;
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

// The first dependent that blocks deleting the user, with AWS's DeleteConflict message.
Status CheckUserDeletable(store::ReadTxn& txn, std::string_view account_id, std::string_view name) {
  auto profile = txn.GetLoginProfile(account_id, name);
  if (profile.has_value()) {
    return MakeError(DeleteConflict("Cannot delete entity, must delete login profile first."));
  }
  if (profile.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(profile).error());
  }
  store::ListOptions one;
  one.max_items = 1;
  IAM_ASSIGN_OR_RETURN(auto keys, txn.ListAccessKeys(account_id, name, one));
  if (!keys.items.empty()) {
    return MakeError(DeleteConflict("Cannot delete entity, must delete access keys first."));
  }
  const store::PrincipalRef principal{store::PrincipalKind::kUser, std::string(account_id),
                                      std::string(name)};
  IAM_ASSIGN_OR_RETURN(auto inline_policies, txn.ListInlinePolicies(principal, one));
  if (!inline_policies.items.empty()) {
    return MakeError(DeleteConflict("Cannot delete entity, must delete policies first."));
  }
  IAM_ASSIGN_OR_RETURN(auto attached, txn.ListAttachedPolicies(principal, one));
  if (!attached.items.empty()) {
    return MakeError(DeleteConflict("Cannot delete entity, must detach all policies first."));
  }
  IAM_ASSIGN_OR_RETURN(auto groups, txn.ListGroupsForUser(account_id, name, one));
  if (!groups.items.empty()) {
    return MakeError(DeleteConflict("Cannot delete entity, must remove users from group first."));
  }
  return OkStatus();
}

Result<Value> DeleteUser(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "UserName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, UserArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeleteUser", arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    auto user = txn.GetUser(ctx.account_id(), name);
    if (!user.has_value()) {
      return MakeError(UserError(std::move(user).error(), name));
    }
    IAM_RETURN_IF_ERROR(CheckUserDeletable(txn, ctx.account_id(), user->name));
    auto deleted = txn.DeleteUser(ctx.account_id(), user->name);
    if (!deleted.has_value()) {
      return MakeError(UserError(std::move(deleted).error(), name));
    }
    return OkStatus();
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> ListUsers(OperationContext& ctx, const Value& input) {
  const store::ListOptions options = ListOptionsFrom(input, "PathPrefix");
  // AWS names the account's user "folder" (arn:aws:iam::ACCOUNT:user/, with the path
  // prefix when one is given) in AccessDenied for ListUsers.
  IAM_RETURN_IF_ERROR(
      ctx.Authorize("iam:ListUsers", IamArn(ctx.account_id(), "user", options.path_prefix, "")));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto page = txn->ListUsers(ctx.account_id(), options);
  if (!page.has_value()) {
    Error e = std::move(page).error();
    if (e.code == ErrorCode::kInvalidArgument) {
      return MakeError(InvalidInput(e.message));
    }
    return MakeError(std::move(e));
  }
  Value out = Value::Structure();
  Value& users = out.Set("Users", Value::List());
  for (store::User& user : page->items) {
    users.Append(ListedUserValue(std::move(user)));
  }
  SetPageFields(*page, &out);
  return out;
}

}  // namespace

void RegisterUserOperations(HandlerTable& table) {
  table["CreateUser"] = &CreateUser;
  table["GetUser"] = &GetUser;
  table["UpdateUser"] = &UpdateUser;
  table["DeleteUser"] = &DeleteUser;
  table["ListUsers"] = &ListUsers;
}

}  // namespace portcullis::api::iam
