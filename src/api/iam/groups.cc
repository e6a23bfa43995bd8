// IAM groups and membership: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups,
// AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser.
//
// AWS: IAM API reference for each operation; quotas from the IAM User Guide, "IAM and AWS
// STS quotas" (300 groups per account, 10 groups per user). Each handler checks what the
// codec cannot, authorizes the action on the resource AWS names for it, then reads or
// changes the store.
#include <string>
#include <string_view>
#include <utility>

#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "api/ids.h"

namespace portcullis::api::iam {
namespace {

constexpr int kGroupsPerAccount = 300;
constexpr int kGroupsPerUser = 10;

Error GroupExists(std::string_view name) {
  return EntityAlreadyExists("Group with name " + std::string(name) + " already exists.");
}

// Store errors keep their code; kNotFound / kAlreadyExists for the named group get AWS's
// messages.
Error GroupError(Error error, std::string_view name) {
  if (error.code == ErrorCode::kNotFound) {
    return GroupNotFound(name);
  }
  if (error.code == ErrorCode::kAlreadyExists) {
    return GroupExists(name);
  }
  return error;
}

// A user as GetGroup lists it: AWS omits PermissionsBoundary and Tags in listings.
Value ListedUserValue(store::User user) {
  user.permissions_boundary_arn.clear();
  user.tags.clear();
  return UserValue(user);
}

Result<Value> CreateGroup(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "GroupName"));
  const std::string path(StringMember(input, "Path", "/"));
  const std::string arn = GroupArn(ctx.account_id(), path, name);
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:CreateGroup", arn));
  IAM_ASSIGN_OR_RETURN(
      store::Group created,
      WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::Group> {
        auto existing = txn.GetGroup(ctx.account_id(), name);
        if (existing.has_value()) {
          return MakeError(GroupExists(name));
        }
        if (existing.error().code != ErrorCode::kNotFound) {
          return MakeError(std::move(existing).error());
        }
        IAM_ASSIGN_OR_RETURN(const int count, CountAll([&](const store::ListOptions& options) {
                               return txn.ListGroups(ctx.account_id(), options);
                             }));
        if (count >= kGroupsPerAccount) {
          return MakeError(LimitExceeded("Cannot exceed quota for GroupsPerAccount: " +
                                         std::to_string(kGroupsPerAccount)));
        }
        store::Group group;
        group.account_id = ctx.account_id();
        group.name = name;
        group.path = path;
        group.id = NewUniqueId(kGroupIdPrefix);
        group.arn = arn;
        auto put = txn.PutGroup(std::move(group));
        if (!put.has_value()) {
          return MakeError(GroupError(std::move(put).error(), name));
        }
        return put;
      }));
  Value out = Value::Structure();
  out.Set("Group", GroupValue(created));
  return out;
}

Result<Value> GetGroup(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "GroupName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, GroupArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetGroup", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto group = txn->GetGroup(ctx.account_id(), name);
  if (!group.has_value()) {
    return MakeError(GroupError(std::move(group).error(), name));
  }
  auto members = txn->ListGroupMembers(ctx.account_id(), group->name, ListOptionsFrom(input, ""));
  if (!members.has_value()) {
    return MakeError(ListError(std::move(members).error()));
  }
  Value out = Value::Structure();
  out.Set("Group", GroupValue(*group));
  Value& users = out.Set("Users", Value::List());
  for (store::User& user : members->items) {
    users.Append(ListedUserValue(std::move(user)));
  }
  SetPageFields(*members, &out);
  return out;
}

Result<Value> UpdateGroup(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "GroupName"));
  const auto new_name = OptionalStringMember(input, "NewGroupName");
  const auto new_path = OptionalStringMember(input, "NewPath");

  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto current = txn->GetGroup(ctx.account_id(), name);
  if (!current.has_value() && current.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(current).error());
  }
  txn.reset();
  const std::string old_arn =
      current.has_value() ? current->arn : GroupArn(ctx.account_id(), "/", name);
  // AWS: the principal "must have permission to change the group with the old name and
  // the new name" (UpdateGroup reference).
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:UpdateGroup", old_arn));
  if (!current.has_value()) {
    return MakeError(GroupNotFound(name));
  }
  const std::string target_name = new_name.value_or(current->name);
  const std::string target_path = new_path.value_or(current->path);
  const std::string new_arn = GroupArn(ctx.account_id(), target_path, target_name);
  if (new_arn != old_arn) {
    IAM_RETURN_IF_ERROR(ctx.Authorize("iam:UpdateGroup", new_arn));
  }

  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& wtxn) -> Result<store::Group> {
    auto group = wtxn.GetGroup(ctx.account_id(), name);
    if (!group.has_value()) {
      return MakeError(GroupError(std::move(group).error(), name));
    }
    group->name = target_name;
    group->path = target_path;
    group->arn = new_arn;
    auto updated = wtxn.UpdateGroup(*std::move(group));
    if (!updated.has_value()) {
      return MakeError(GroupError(std::move(updated).error(), target_name));
    }
    return updated;
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

// The first dependent that blocks deleting the group, with AWS's DeleteConflict message.
Status CheckGroupDeletable(store::ReadTxn& txn, std::string_view account_id,
                           std::string_view name) {
  store::ListOptions one;
  one.max_items = 1;
  IAM_ASSIGN_OR_RETURN(auto members, txn.ListGroupMembers(account_id, name, one));
  if (!members.items.empty()) {
    return MakeError(DeleteConflict("Cannot delete entity, must remove users from group first."));
  }
  const store::PrincipalRef principal{store::PrincipalKind::kGroup, std::string(account_id),
                                      std::string(name)};
  IAM_ASSIGN_OR_RETURN(auto inline_policies, txn.ListInlinePolicies(principal, one));
  if (!inline_policies.items.empty()) {
    return MakeError(DeleteConflict("Cannot delete entity, must delete policies first."));
  }
  IAM_ASSIGN_OR_RETURN(auto attached, txn.ListAttachedPolicies(principal, one));
  if (!attached.items.empty()) {
    return MakeError(DeleteConflict("Cannot delete entity, must detach all policies first."));
  }
  return OkStatus();
}

Result<Value> DeleteGroup(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "GroupName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, GroupArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeleteGroup", arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    auto group = txn.GetGroup(ctx.account_id(), name);
    if (!group.has_value()) {
      return MakeError(GroupError(std::move(group).error(), name));
    }
    IAM_RETURN_IF_ERROR(CheckGroupDeletable(txn, ctx.account_id(), group->name));
    auto deleted = txn.DeleteGroup(ctx.account_id(), group->name);
    if (!deleted.has_value()) {
      return MakeError(GroupError(std::move(deleted).error(), name));
    }
    return OkStatus();
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> ListGroups(OperationContext& ctx, const Value& input) {
  const store::ListOptions options = ListOptionsFrom(input, "PathPrefix");
  // AWS names the account's group "folder" (arn:aws:iam::ACCOUNT:group/, with the path
  // prefix when one is given) in AccessDenied for ListGroups.
  IAM_RETURN_IF_ERROR(
      ctx.Authorize("iam:ListGroups", IamArn(ctx.account_id(), "group", options.path_prefix, "")));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto page = txn->ListGroups(ctx.account_id(), options);
  if (!page.has_value()) {
    return MakeError(ListError(std::move(page).error()));
  }
  Value out = Value::Structure();
  Value& groups = out.Set("Groups", Value::List());
  for (const store::Group& group : page->items) {
    groups.Append(GroupValue(group));
  }
  SetPageFields(*page, &out);
  return out;
}

// AWS: adding a user who is already a member succeeds (and changes nothing).
Result<Value> AddUserToGroup(OperationContext& ctx, const Value& input) {
  const std::string group_name(StringMember(input, "GroupName"));
  const std::string user_name(StringMember(input, "UserName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, GroupArnForAuthz(ctx, group_name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:AddUserToGroup", arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    auto group = txn.GetGroup(ctx.account_id(), group_name);
    if (!group.has_value()) {
      return MakeError(GroupError(std::move(group).error(), group_name));
    }
    auto user = txn.GetUser(ctx.account_id(), user_name);
    if (!user.has_value()) {
      return MakeError(UserError(std::move(user).error(), user_name));
    }
    bool member = false;
    int count = 0;
    store::ListOptions options;
    options.max_items = store::kMaxMaxItems;
    for (;;) {
      IAM_ASSIGN_OR_RETURN(auto page, txn.ListGroupsForUser(ctx.account_id(), user->name, options));
      for (const store::Group& g : page.items) {
        member = member || g.id == group->id;
      }
      count += static_cast<int>(page.items.size());
      if (!page.is_truncated) {
        break;
      }
      options.marker = page.next_marker;
    }
    if (member) {
      return OkStatus();
    }
    if (count >= kGroupsPerUser) {
      return MakeError(LimitExceeded("Cannot exceed quota for GroupsPerUser: " +
                                     std::to_string(kGroupsPerUser)));
    }
    auto added = txn.AddUserToGroup(ctx.account_id(), group->name, user->name);
    if (!added.has_value() && added.error().code != ErrorCode::kAlreadyExists) {
      return MakeError(std::move(added).error());
    }
    return OkStatus();
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

// AWS: removing a user who is not a member succeeds (and changes nothing).
Result<Value> RemoveUserFromGroup(OperationContext& ctx, const Value& input) {
  const std::string group_name(StringMember(input, "GroupName"));
  const std::string user_name(StringMember(input, "UserName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, GroupArnForAuthz(ctx, group_name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:RemoveUserFromGroup", arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    auto group = txn.GetGroup(ctx.account_id(), group_name);
    if (!group.has_value()) {
      return MakeError(GroupError(std::move(group).error(), group_name));
    }
    auto user = txn.GetUser(ctx.account_id(), user_name);
    if (!user.has_value()) {
      return MakeError(UserError(std::move(user).error(), user_name));
    }
    auto removed = txn.RemoveUserFromGroup(ctx.account_id(), group->name, user->name);
    if (!removed.has_value() && removed.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(removed).error());
    }
    return OkStatus();
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> ListGroupsForUser(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "UserName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, UserArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListGroupsForUser", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto user = txn->GetUser(ctx.account_id(), name);
  if (!user.has_value()) {
    return MakeError(UserError(std::move(user).error(), name));
  }
  auto page = txn->ListGroupsForUser(ctx.account_id(), user->name, ListOptionsFrom(input, ""));
  if (!page.has_value()) {
    return MakeError(ListError(std::move(page).error()));
  }
  Value out = Value::Structure();
  Value& groups = out.Set("Groups", Value::List());
  for (const store::Group& group : page->items) {
    groups.Append(GroupValue(group));
  }
  SetPageFields(*page, &out);
  return out;
}

}  // namespace

void RegisterGroupOperations(HandlerTable& table) {
  table["CreateGroup"] = &CreateGroup;
  table["GetGroup"] = &GetGroup;
  table["UpdateGroup"] = &UpdateGroup;
  table["DeleteGroup"] = &DeleteGroup;
  table["ListGroups"] = &ListGroups;
  table["AddUserToGroup"] = &AddUserToGroup;
  table["RemoveUserFromGroup"] = &RemoveUserFromGroup;
  table["ListGroupsForUser"] = &ListGroupsForUser;
}

}  // namespace portcullis::api::iam
