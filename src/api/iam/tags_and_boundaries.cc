// Tags and permissions boundaries of users and roles: TagUser, UntagUser, ListUserTags,
// TagRole, UntagRole, ListRoleTags, Put/DeleteUserPermissionsBoundary,
// Put/DeleteRolePermissionsBoundary.
//
// AWS's rules: at most 50 tags per resource (LimitExceeded); a tag given again replaces
// the value of the key that matches without regard to case; keys beginning `aws:` are
// reserved (InvalidInput, common.h InputTags); untagging a key that is not there is not
// an error. Tagging authorizes with aws:RequestTag/KEY and aws:TagKeys, untagging with
// aws:TagKeys; putting a boundary with iam:PermissionsBoundary. A boundary must be an
// attachable managed policy (CheckPermissionsBoundary); service-linked roles cannot be
// changed (UnmodifiableEntity).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/operation_context.h"

namespace portcullis::api::iam {
namespace {

constexpr std::size_t kMaxTagsPerResource = 50;

using Context = std::vector<std::pair<std::string, std::vector<std::string>>>;

std::vector<std::string> InputTagKeys(const Value& input) {
  std::vector<std::string> keys;
  if (const Value* list = input.Find("TagKeys"); list != nullptr) {
    for (const Value& key : list->children()) {
      keys.push_back(key.text());
    }
  }
  return keys;
}

Status MergeTags(std::vector<store::Tag>& tags, const std::vector<store::Tag>& added) {
  for (const store::Tag& tag : added) {
    auto it = std::find_if(tags.begin(), tags.end(), [&](const store::Tag& t) {
      return store::NameKey(t.key) == store::NameKey(tag.key);
    });
    if (it != tags.end()) {
      it->value = tag.value;
    } else {
      tags.push_back(tag);
    }
  }
  if (tags.size() > kMaxTagsPerResource) {
    return MakeError(LimitExceeded("The number of tags has reached the maximum limit."));
  }
  return OkStatus();
}

void RemoveTags(std::vector<store::Tag>& tags, const std::vector<std::string>& keys) {
  std::erase_if(tags, [&](const store::Tag& t) {
    return std::any_of(keys.begin(), keys.end(), [&](const std::string& k) {
      return store::NameKey(k) == t.key || store::NameKey(k) == store::NameKey(t.key);
    });
  });
}

// Tags as ListUserTags/ListRoleTags page them: the marker is the index of the next tag.
Result<Value> TagPage(const std::vector<store::Tag>& tags, const Value& input) {
  std::size_t start = 0;
  const std::string_view marker = StringMember(input, "Marker");
  if (!marker.empty()) {
    std::size_t parsed = 0;
    for (const char c : marker) {
      if (c < '0' || c > '9' || parsed > kMaxTagsPerResource) {
        return MakeError(InvalidInput("Invalid Marker."));
      }
      parsed = parsed * 10 + static_cast<std::size_t>(c - '0');
    }
    if (parsed > tags.size()) {
      return MakeError(InvalidInput("Invalid Marker."));
    }
    start = parsed;
  }
  const std::size_t max_items =
      static_cast<std::size_t>(IntegerMember(input, "MaxItems").value_or(100));
  const std::size_t end = std::min(tags.size(), start + max_items);
  Value out = Value::Structure();
  out.Set("Tags", TagListValue(std::vector<store::Tag>(tags.begin() + static_cast<long>(start),
                                                       tags.begin() + static_cast<long>(end))));
  out.Set("IsTruncated", Value::Boolean(end < tags.size()));
  if (end < tags.size()) {
    out.Set("Marker", Value::String(std::to_string(end)));
  }
  return out;
}

// An operation with no output: its status, or an empty result.
Result<Value> Empty(Status status) {
  if (!status.has_value()) {
    return MakeError(std::move(status).error());
  }
  return Value::Structure();
}

// Reads, changes and writes back the user `name`, after authorizing `action` on it.
template <class Change>
Status ChangeUser(OperationContext& ctx, std::string_view action, std::string_view name,
                  Context context, Change&& change) {
  IAM_ASSIGN_OR_RETURN(const std::string arn, UserArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize(action, arn, std::move(context)));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::User> {
    auto user = txn.GetUser(ctx.account_id(), name);
    if (!user.has_value()) {
      return MakeError(UserError(std::move(user).error(), name));
    }
    IAM_RETURN_IF_ERROR(change(txn, *user));
    return txn.UpdateUser(*std::move(user));
  });
  IAM_RETURN_IF_ERROR(done);
  return OkStatus();
}

template <class Change>
Status ChangeRole(OperationContext& ctx, std::string_view action, std::string_view name,
                  Context context, Change&& change) {
  IAM_ASSIGN_OR_RETURN(const std::string arn, RoleArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize(action, arn, std::move(context)));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::Role> {
    auto role = txn.GetRole(ctx.account_id(), name);
    if (!role.has_value()) {
      if (role.error().code == ErrorCode::kNotFound) {
        return MakeError(RoleNotFound(name));
      }
      return MakeError(std::move(role).error());
    }
    IAM_RETURN_IF_ERROR(change(txn, *role));
    return txn.UpdateRole(*std::move(role));
  });
  IAM_RETURN_IF_ERROR(done);
  return OkStatus();
}

Result<Value> TagUser(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const auto tags, InputTags(input));
  return Empty(
      ChangeUser(ctx, "iam:TagUser", StringMember(input, "UserName"), RequestTagContext(tags),
                 [&](store::WriteTxn&, store::User& user) { return MergeTags(user.tags, tags); }));
}

Result<Value> UntagUser(OperationContext& ctx, const Value& input) {
  const auto keys = InputTagKeys(input);
  return Empty(ChangeUser(ctx, "iam:UntagUser", StringMember(input, "UserName"),
                          Context{{"aws:TagKeys", keys}},
                          [&](store::WriteTxn&, store::User& user) -> Status {
                            RemoveTags(user.tags, keys);
                            return OkStatus();
                          }));
}

Result<Value> ListUserTags(OperationContext& ctx, const Value& input) {
  const std::string_view name = StringMember(input, "UserName");
  IAM_ASSIGN_OR_RETURN(const std::string arn, UserArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListUserTags", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto user = txn->GetUser(ctx.account_id(), name);
  if (!user.has_value()) {
    return MakeError(UserError(std::move(user).error(), name));
  }
  return TagPage(user->tags, input);
}

Result<Value> TagRole(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const auto tags, InputTags(input));
  return Empty(
      ChangeRole(ctx, "iam:TagRole", StringMember(input, "RoleName"), RequestTagContext(tags),
                 [&](store::WriteTxn&, store::Role& role) { return MergeTags(role.tags, tags); }));
}

Result<Value> UntagRole(OperationContext& ctx, const Value& input) {
  const auto keys = InputTagKeys(input);
  return Empty(ChangeRole(ctx, "iam:UntagRole", StringMember(input, "RoleName"),
                          Context{{"aws:TagKeys", keys}},
                          [&](store::WriteTxn&, store::Role& role) -> Status {
                            RemoveTags(role.tags, keys);
                            return OkStatus();
                          }));
}

Result<Value> ListRoleTags(OperationContext& ctx, const Value& input) {
  const std::string_view name = StringMember(input, "RoleName");
  IAM_ASSIGN_OR_RETURN(const std::string arn, RoleArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListRoleTags", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto role = txn->GetRole(ctx.account_id(), name);
  if (!role.has_value()) {
    if (role.error().code == ErrorCode::kNotFound) {
      return MakeError(RoleNotFound(name));
    }
    return MakeError(std::move(role).error());
  }
  return TagPage(role->tags, input);
}

Result<Value> PutUserPermissionsBoundary(OperationContext& ctx, const Value& input) {
  const std::string boundary(StringMember(input, "PermissionsBoundary"));
  return Empty(ChangeUser(ctx, "iam:PutUserPermissionsBoundary", StringMember(input, "UserName"),
                          Context{{"iam:PermissionsBoundary", {boundary}}},
                          [&](store::WriteTxn& txn, store::User& user) -> Status {
                            IAM_RETURN_IF_ERROR(
                                CheckPermissionsBoundary(txn, ctx.account_id(), boundary));
                            user.permissions_boundary_arn = boundary;
                            return OkStatus();
                          }));
}

Result<Value> DeleteUserPermissionsBoundary(OperationContext& ctx, const Value& input) {
  return Empty(ChangeUser(ctx, "iam:DeleteUserPermissionsBoundary", StringMember(input, "UserName"),
                          {}, [&](store::WriteTxn&, store::User& user) -> Status {
                            user.permissions_boundary_arn.clear();
                            return OkStatus();
                          }));
}

Result<Value> PutRolePermissionsBoundary(OperationContext& ctx, const Value& input) {
  const std::string boundary(StringMember(input, "PermissionsBoundary"));
  return Empty(ChangeRole(ctx, "iam:PutRolePermissionsBoundary", StringMember(input, "RoleName"),
                          Context{{"iam:PermissionsBoundary", {boundary}}},
                          [&](store::WriteTxn& txn, store::Role& role) -> Status {
                            IAM_RETURN_IF_ERROR(CheckNotServiceLinked(role));
                            IAM_RETURN_IF_ERROR(
                                CheckPermissionsBoundary(txn, ctx.account_id(), boundary));
                            role.permissions_boundary_arn = boundary;
                            return OkStatus();
                          }));
}

Result<Value> DeleteRolePermissionsBoundary(OperationContext& ctx, const Value& input) {
  return Empty(ChangeRole(ctx, "iam:DeleteRolePermissionsBoundary", StringMember(input, "RoleName"),
                          {}, [&](store::WriteTxn&, store::Role& role) -> Status {
                            IAM_RETURN_IF_ERROR(CheckNotServiceLinked(role));
                            role.permissions_boundary_arn.clear();
                            return OkStatus();
                          }));
}

}  // namespace

void RegisterTagAndBoundaryOperations(HandlerTable& table) {
  table["TagUser"] = TagUser;
  table["UntagUser"] = UntagUser;
  table["ListUserTags"] = ListUserTags;
  table["TagRole"] = TagRole;
  table["UntagRole"] = UntagRole;
  table["ListRoleTags"] = ListRoleTags;
  table["PutUserPermissionsBoundary"] = PutUserPermissionsBoundary;
  table["DeleteUserPermissionsBoundary"] = DeleteUserPermissionsBoundary;
  table["PutRolePermissionsBoundary"] = PutRolePermissionsBoundary;
  table["DeleteRolePermissionsBoundary"] = DeleteRolePermissionsBoundary;
}

}  // namespace portcullis::api::iam
