// Managed policy attachments: Attach/Detach/ListAttached User/Group/RolePolicies and
// ListEntitiesForPolicy.
//
// AWS: IAM API reference for each operation; "IAM and AWS STS quotas": at most 10
// managed policies attached to one user, group or role ("Cannot exceed quota for
// PoliciesPerUser: 10"). Attaching a policy that is already attached succeeds and changes
// nothing. A policy of another account cannot be attached ("does not exist or is not
// attachable").
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/operation_context.h"

namespace portcullis::api::iam {
namespace {

constexpr std::size_t kAttachedPoliciesQuota = 10;
constexpr std::string_view kAwsPolicyArnPrefix = "arn:aws:iam::aws:policy/";

using store::PrincipalKind;
using store::PrincipalRef;

// What differs between the user, group and role variants.
struct Family {
  PrincipalKind kind;
  std::string_view name_member;  // "UserName"
  std::string_view noun;         // "user"
  std::string_view quota_name;   // "PoliciesPerUser"
};

constexpr Family kUserFamily{PrincipalKind::kUser, "UserName", "user", "PoliciesPerUser"};
constexpr Family kGroupFamily{PrincipalKind::kGroup, "GroupName", "group", "PoliciesPerGroup"};
constexpr Family kRoleFamily{PrincipalKind::kRole, "RoleName", "role", "PoliciesPerRole"};

Error NoSuchPrincipal(const Family& family, std::string_view name) {
  return NoSuchEntity("The " + std::string(family.noun) + " with name " + std::string(name) +
                      " cannot be found.");
}

Error NotAttachable(std::string_view arn) {
  return NoSuchEntity("Policy " + std::string(arn) + " does not exist or is not attachable.");
}

// The ARN of the principal (with its path when it exists) and whether it exists.
struct Resolved {
  std::string arn;
  bool exists = false;
};

Result<Resolved> ResolvePrincipal(store::ReadTxn& txn, const Family& family,
                                  std::string_view account_id, std::string_view name) {
  Resolved out;
  std::string path = "/";
  std::string stored_name(name);
  auto note = [&](const auto& found) -> Status {
    if (found.has_value()) {
      out.exists = true;
      path = found->path;
      stored_name = found->name;
      return OkStatus();
    }
    if (found.error().code == ErrorCode::kNotFound) {
      return OkStatus();
    }
    return tl::unexpected(found.error());
  };
  switch (family.kind) {
    case PrincipalKind::kUser:
      IAM_RETURN_IF_ERROR(note(txn.GetUser(account_id, name)));
      out.arn = UserArn(account_id, path, stored_name);
      break;
    case PrincipalKind::kGroup:
      IAM_RETURN_IF_ERROR(note(txn.GetGroup(account_id, name)));
      out.arn = GroupArn(account_id, path, stored_name);
      break;
    case PrincipalKind::kRole:
      IAM_RETURN_IF_ERROR(note(txn.GetRole(account_id, name)));
      out.arn = RoleArn(account_id, path, stored_name);
      break;
  }
  return out;
}

std::string Action(std::string_view verb, const Family& family, std::string_view tail) {
  std::string action = "iam:";
  action += verb;
  action += static_cast<char>(family.noun[0] - 'a' + 'A');
  action += family.noun.substr(1);
  action += tail;
  return action;
}

// Authorizes `action` on the principal named by the input; returns whether it exists.
Result<bool> AuthorizeOnPrincipal(OperationContext& ctx, const Family& family,
                                  std::string_view action, std::string_view name,
                                  std::string_view policy_arn) {
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(Resolved principal, ResolvePrincipal(*txn, family, ctx.account_id(), name));
  txn.reset();
  std::vector<std::pair<std::string, std::vector<std::string>>> context;
  if (!policy_arn.empty()) {
    context.emplace_back("iam:PolicyARN", std::vector<std::string>{std::string(policy_arn)});
  }
  IAM_RETURN_IF_ERROR(ctx.Authorize(action, principal.arn, std::move(context)));
  return principal.exists;
}

Result<std::vector<store::ManagedPolicy>> AttachedTo(store::ReadTxn& txn,
                                                     const PrincipalRef& principal) {
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  std::vector<store::ManagedPolicy> out;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(store::Page<store::ManagedPolicy> page,
                         txn.ListAttachedPolicies(principal, options));
    for (auto& p : page.items) {
      out.push_back(std::move(p));
    }
    if (!page.is_truncated) {
      break;
    }
    options.marker = page.next_marker;
  }
  return out;
}

// The policy `arn` if the account may attach it: it exists, is attachable, and is an
// AWS managed policy or one of the account's own.
Result<store::ManagedPolicy> AttachablePolicy(store::ReadTxn& txn, std::string_view account_id,
                                              const std::string& arn) {
  auto policy = txn.GetManagedPolicy(arn);
  if (!policy.has_value()) {
    if (policy.error().code == ErrorCode::kNotFound) {
      return tl::unexpected(NotAttachable(arn));
    }
    return policy;
  }
  if (!policy->is_attachable || (policy->account_id != "aws" && policy->account_id != account_id)) {
    return tl::unexpected(NotAttachable(arn));
  }
  return policy;
}

// AWS: policies under /aws-service-role/ belong to service-linked roles, which AWS
// services create; no user, group or customer role may have them (PolicyNotAttachable).
Status CheckNotServiceRolePolicy(const store::ManagedPolicy& policy) {
  if (policy.account_id == "aws" && policy.path == "/aws-service-role/") {
    Error e;
    e.code = ErrorCode::kInvalidArgument;
    e.aws_code = "PolicyNotAttachable";
    e.message = "Cannot attach a Service Role Policy to a Customer Role.";
    return tl::unexpected(std::move(e));
  }
  return OkStatus();
}

Status AttachInTxn(store::WriteTxn& txn, const Family& family, const PrincipalRef& principal,
                   const std::string& arn) {
  IAM_ASSIGN_OR_RETURN(store::ManagedPolicy policy,
                       AttachablePolicy(txn, principal.account_id, arn));
  IAM_RETURN_IF_ERROR(CheckNotServiceRolePolicy(policy));
  auto attached = AttachedTo(txn, principal);
  if (!attached.has_value()) {
    if (attached.error().code == ErrorCode::kNotFound) {
      return tl::unexpected(NoSuchPrincipal(family, principal.name));
    }
    return tl::unexpected(std::move(attached).error());
  }
  for (const auto& p : *attached) {
    if (p.arn == policy.arn) {
      return OkStatus();  // AWS: attaching an attached policy succeeds
    }
  }
  if (attached->size() >= kAttachedPoliciesQuota) {
    return tl::unexpected(LimitExceeded("Cannot exceed quota for " +
                                        std::string(family.quota_name) + ": " +
                                        std::to_string(kAttachedPoliciesQuota)));
  }
  auto done = txn.AttachPolicy(principal, policy.arn);
  if (!done.has_value() && done.error().code == ErrorCode::kAlreadyExists) {
    return OkStatus();
  }
  return done;
}

Result<Value> Attach(OperationContext& ctx, const Value& input, const Family& family) {
  const std::string name(StringMember(input, family.name_member));
  const std::string arn(StringMember(input, "PolicyArn"));
  IAM_ASSIGN_OR_RETURN(
      bool exists,
      AuthorizeOnPrincipal(ctx, family, Action("Attach", family, "Policy"), name, arn));
  if (!exists) {
    return tl::unexpected(NoSuchPrincipal(family, name));
  }
  const PrincipalRef principal{family.kind, ctx.account_id(), name};
  IAM_RETURN_IF_ERROR(WithWriteTxn(
      ctx.store, [&](store::WriteTxn& txn) { return AttachInTxn(txn, family, principal, arn); }));
  return Value::Structure();
}

Status DetachInTxn(store::WriteTxn& txn, const Family& family, const PrincipalRef& principal,
                   const std::string& arn) {
  IAM_ASSIGN_OR_RETURN(Resolved current,
                       ResolvePrincipal(txn, family, principal.account_id, principal.name));
  if (!current.exists) {
    return tl::unexpected(NoSuchPrincipal(family, principal.name));
  }
  auto done = txn.DetachPolicy(principal, arn);
  if (!done.has_value() && done.error().code == ErrorCode::kNotFound) {
    return tl::unexpected(NoSuchEntity("Policy " + arn + " was not found."));
  }
  return done;
}

Result<Value> Detach(OperationContext& ctx, const Value& input, const Family& family) {
  const std::string name(StringMember(input, family.name_member));
  const std::string arn(StringMember(input, "PolicyArn"));
  IAM_ASSIGN_OR_RETURN(
      bool exists,
      AuthorizeOnPrincipal(ctx, family, Action("Detach", family, "Policy"), name, arn));
  if (!exists) {
    return tl::unexpected(NoSuchPrincipal(family, name));
  }
  const PrincipalRef principal{family.kind, ctx.account_id(), name};
  IAM_RETURN_IF_ERROR(WithWriteTxn(
      ctx.store, [&](store::WriteTxn& txn) { return DetachInTxn(txn, family, principal, arn); }));
  return Value::Structure();
}

Result<Value> ListAttached(OperationContext& ctx, const Value& input, const Family& family) {
  const std::string name(StringMember(input, family.name_member));
  IAM_ASSIGN_OR_RETURN(
      bool exists,
      AuthorizeOnPrincipal(ctx, family, Action("ListAttached", family, "Policies"), name, {}));
  if (!exists) {
    return tl::unexpected(NoSuchPrincipal(family, name));
  }
  const store::ListOptions options = ListOptionsFrom(input, "PathPrefix");
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto page = txn->ListAttachedPolicies(PrincipalRef{family.kind, ctx.account_id(), name}, options);
  if (!page.has_value()) {
    if (page.error().code == ErrorCode::kNotFound) {
      return tl::unexpected(NoSuchPrincipal(family, name));
    }
    if (page.error().code == ErrorCode::kInvalidArgument) {
      return tl::unexpected(InvalidInput("Invalid Marker."));
    }
    return tl::unexpected(std::move(page).error());
  }
  Value out = Value::Structure();
  Value& list = out.Set("AttachedPolicies", Value::List());
  for (const auto& policy : page->items) {
    Value& item = list.Append(Value::Structure());
    item.Set("PolicyName", Value::String(policy.name));
    item.Set("PolicyArn", Value::String(policy.arn));
  }
  SetPageFields(*page, &out);
  return out;
}

Result<Value> AttachUserPolicy(OperationContext& ctx, const Value& input) {
  return Attach(ctx, input, kUserFamily);
}

Result<Value> AttachGroupPolicy(OperationContext& ctx, const Value& input) {
  return Attach(ctx, input, kGroupFamily);
}

Result<Value> AttachRolePolicy(OperationContext& ctx, const Value& input) {
  return Attach(ctx, input, kRoleFamily);
}

Result<Value> DetachUserPolicy(OperationContext& ctx, const Value& input) {
  return Detach(ctx, input, kUserFamily);
}

Result<Value> DetachGroupPolicy(OperationContext& ctx, const Value& input) {
  return Detach(ctx, input, kGroupFamily);
}

Result<Value> DetachRolePolicy(OperationContext& ctx, const Value& input) {
  return Detach(ctx, input, kRoleFamily);
}

Result<Value> ListAttachedUserPolicies(OperationContext& ctx, const Value& input) {
  return ListAttached(ctx, input, kUserFamily);
}

Result<Value> ListAttachedGroupPolicies(OperationContext& ctx, const Value& input) {
  return ListAttached(ctx, input, kGroupFamily);
}

Result<Value> ListAttachedRolePolicies(OperationContext& ctx, const Value& input) {
  return ListAttached(ctx, input, kRoleFamily);
}

// One row of ListEntitiesForPolicy before paging.
struct EntityRow {
  PrincipalKind kind;
  std::string name;
  std::string id;
  std::string path;

  // "K|namekey", K the kind's number: the order and the marker.
  std::string Key() const {
    return std::to_string(static_cast<int>(kind)) + "|" + store::NameKey(name);
  }
};

// The entities of `account_id` that use `policy_arn` as a permissions policy.
Result<std::vector<EntityRow>> AttachedEntities(store::ReadTxn& txn, std::string_view account_id,
                                                std::string_view policy_arn) {
  IAM_ASSIGN_OR_RETURN(std::vector<store::PolicyEntity> entities,
                       txn.ListPolicyEntities(policy_arn));
  std::vector<EntityRow> out;
  for (const auto& entity : entities) {
    // INVARIANT: ListPolicyEntities covers every account (AWS managed policies are
    // attached in many); keep only the principals of `account_id`, matched by id.
    EntityRow row{entity.kind, entity.name, entity.id, {}};
    bool mine = false;
    switch (entity.kind) {
      case PrincipalKind::kUser: {
        auto user = txn.GetUser(account_id, entity.name);
        mine = user.has_value() && user->id == entity.id;
        if (mine) {
          row.path = user->path;
        }
        break;
      }
      case PrincipalKind::kGroup: {
        auto group = txn.GetGroup(account_id, entity.name);
        mine = group.has_value() && group->id == entity.id;
        if (mine) {
          row.path = group->path;
        }
        break;
      }
      case PrincipalKind::kRole: {
        auto role = txn.GetRole(account_id, entity.name);
        mine = role.has_value() && role->id == entity.id;
        if (mine) {
          row.path = role->path;
        }
        break;
      }
    }
    if (mine) {
      out.push_back(std::move(row));
    }
  }
  return out;
}

// The users and roles of `account_id` whose permissions boundary is `policy_arn`.
Result<std::vector<EntityRow>> BoundaryEntities(store::ReadTxn& txn, std::string_view account_id,
                                                std::string_view policy_arn) {
  std::vector<EntityRow> out;
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(store::Page<store::User> users, txn.ListUsers(account_id, options));
    for (const auto& user : users.items) {
      if (user.permissions_boundary_arn == policy_arn) {
        out.push_back({PrincipalKind::kUser, user.name, user.id, user.path});
      }
    }
    if (!users.is_truncated) {
      break;
    }
    options.marker = users.next_marker;
  }
  options.marker.clear();
  for (;;) {
    IAM_ASSIGN_OR_RETURN(store::Page<store::Role> roles, txn.ListRoles(account_id, options));
    for (const auto& role : roles.items) {
      if (role.permissions_boundary_arn == policy_arn) {
        out.push_back({PrincipalKind::kRole, role.name, role.id, role.path});
      }
    }
    if (!roles.is_truncated) {
      break;
    }
    options.marker = roles.next_marker;
  }
  return out;
}

// The entities of `account_id` that use `policy_arn` as `usage` says ("" for both
// ways), in key order without duplicates.
Result<std::vector<EntityRow>> EntitiesUsing(store::ReadTxn& txn, std::string_view account_id,
                                             std::string_view policy_arn, std::string_view usage) {
  std::vector<EntityRow> rows;
  if (usage != "PermissionsBoundary") {
    IAM_ASSIGN_OR_RETURN(rows, AttachedEntities(txn, account_id, policy_arn));
  }
  if (usage != "PermissionsPolicy") {
    IAM_ASSIGN_OR_RETURN(std::vector<EntityRow> bounded,
                         BoundaryEntities(txn, account_id, policy_arn));
    for (auto& row : bounded) {
      rows.push_back(std::move(row));
    }
  }
  std::sort(rows.begin(), rows.end(),
            [](const EntityRow& a, const EntityRow& b) { return a.Key() < b.Key(); });
  rows.erase(std::unique(rows.begin(), rows.end(),
                         [](const EntityRow& a, const EntityRow& b) { return a.Key() == b.Key(); }),
             rows.end());
  return rows;
}

// Whether EntityFilter `filter` ("" for all) and the path prefix keep `row`.
bool Selected(const EntityRow& row, std::string_view filter, const store::ListOptions& options) {
  if ((filter == "User" && row.kind != PrincipalKind::kUser) ||
      (filter == "Group" && row.kind != PrincipalKind::kGroup) ||
      (filter == "Role" && row.kind != PrincipalKind::kRole)) {
    return false;
  }
  return row.path.rfind(options.path_prefix, 0) == 0;
}

// ListEntitiesForPolicy's three lists.
struct EntityLists {
  Value groups = Value::List();
  Value users = Value::List();
  Value roles = Value::List();

  void Add(const EntityRow& row) {
    std::string_view noun;
    Value* list = nullptr;
    switch (row.kind) {
      case PrincipalKind::kUser:
        noun = "User";
        list = &users;
        break;
      case PrincipalKind::kGroup:
        noun = "Group";
        list = &groups;
        break;
      case PrincipalKind::kRole:
        noun = "Role";
        list = &roles;
        break;
    }
    Value& v = list->Append(Value::Structure());
    v.Set(std::string(noun) + "Name", Value::String(row.name));
    v.Set(std::string(noun) + "Id", Value::String(row.id));
  }
};

Result<Value> ListEntitiesForPolicy(OperationContext& ctx, const Value& input) {
  const std::string arn(StringMember(input, "PolicyArn"));
  const std::string_view filter = StringMember(input, "EntityFilter");
  const std::string_view usage = StringMember(input, "PolicyUsageFilter");
  const store::ListOptions options = ListOptionsFrom(input, "PathPrefix");
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListEntitiesForPolicy", arn));
  const bool aws_managed = arn.rfind(kAwsPolicyArnPrefix, 0) == 0;
  if (!aws_managed && arn.rfind("arn:aws:iam::" + ctx.account_id() + ":", 0) != 0) {
    return tl::unexpected(NotAttachable(arn));
  }
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_RETURN_IF_ERROR(AttachablePolicy(*txn, ctx.account_id(), arn));
  std::vector<EntityRow> rows;
  const bool wrong_owner = (filter == "LocalManagedPolicy" && aws_managed) ||
                           (filter == "AWSManagedPolicy" && !aws_managed);
  if (!wrong_owner) {
    IAM_ASSIGN_OR_RETURN(rows, EntitiesUsing(*txn, ctx.account_id(), arn, usage));
  }
  EntityLists lists;
  std::size_t listed = 0;
  bool truncated = false;
  std::string last;
  for (const auto& row : rows) {
    if ((!options.marker.empty() && row.Key() <= options.marker) ||
        !Selected(row, filter, options)) {
      continue;
    }
    if (listed == static_cast<std::size_t>(options.max_items)) {
      truncated = true;
      break;
    }
    lists.Add(row);
    last = row.Key();
    ++listed;
  }
  Value out = Value::Structure();
  out.Set("PolicyGroups", std::move(lists.groups));
  out.Set("PolicyUsers", std::move(lists.users));
  out.Set("PolicyRoles", std::move(lists.roles));
  out.Set("IsTruncated", Value::Boolean(truncated));
  if (truncated) {
    out.Set("Marker", Value::String(last));
  }
  return out;
}

}  // namespace

void RegisterAttachmentOperations(HandlerTable& table) {
  table["AttachUserPolicy"] = &AttachUserPolicy;
  table["AttachGroupPolicy"] = &AttachGroupPolicy;
  table["AttachRolePolicy"] = &AttachRolePolicy;
  table["DetachUserPolicy"] = &DetachUserPolicy;
  table["DetachGroupPolicy"] = &DetachGroupPolicy;
  table["DetachRolePolicy"] = &DetachRolePolicy;
  table["ListAttachedUserPolicies"] = &ListAttachedUserPolicies;
  table["ListAttachedGroupPolicies"] = &ListAttachedGroupPolicies;
  table["ListAttachedRolePolicies"] = &ListAttachedRolePolicies;
  table["ListEntitiesForPolicy"] = &ListEntitiesForPolicy;
}

}  // namespace portcullis::api::iam
