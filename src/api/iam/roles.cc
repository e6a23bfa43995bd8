// IAM roles: CreateRole, GetRole, UpdateRole, UpdateRoleDescription,
// UpdateAssumeRolePolicy, DeleteRole, ListRoles.
//
// AWS: IAM API reference for each operation; quotas from the IAM User Guide, "IAM and AWS
// STS quotas" (1000 roles per account by default, IamQuotas, a trust policy of at most 2,048
// characters not counting whitespace). Trust policies are validated as trust policies
// (policy::PolicyKind::kTrust): MalformedPolicyDocument with AWS's wording. The codec has
// already bounded MaxSessionDuration to 3600..43200 and checked names and paths.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "api/ids.h"
#include "policy/parse.h"

namespace portcullis::api::iam {
namespace {

constexpr std::size_t kTrustPolicyMaxChars = 2048;

// Validates a trust policy. AWS: a trust policy over the quota answers LimitExceeded
// "Cannot exceed quota for ACLSizePerRole: 2048".
Status ValidateTrustPolicy(std::string_view document) {
  std::size_t chars = 0;
  for (const char c : document) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      ++chars;
    }
  }
  if (chars > kTrustPolicyMaxChars) {
    return MakeError(LimitExceeded("Cannot exceed quota for ACLSizePerRole: " +
                                   std::to_string(kTrustPolicyMaxChars)));
  }
  return ValidatePolicyDocument(document, policy::PolicyKind::kTrust);
}

// A role as ListRoles shows it. AWS: ListRoles does not return PermissionsBoundary,
// Tags or RoleLastUsed, even when the role has them.
Value ListedRoleValue(store::Role role) {
  role.permissions_boundary_arn.clear();
  role.tags.clear();
  return RoleValue(role);
}

// A role as GetRole, CreateRole and UpdateRoleDescription show it: with RoleLastUsed
// (empty here; GetRole fills it from the last AssumeRole).
Value FullRoleValue(const store::Role& role) {
  Value v = RoleValue(role);
  v.Set("RoleLastUsed", Value::Structure());
  return v;
}

Result<Value> CreateRole(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "RoleName"));
  const std::string path(StringMember(input, "Path", "/"));
  const std::string document(StringMember(input, "AssumeRolePolicyDocument"));
  const std::string description(StringMember(input, "Description"));
  const std::int64_t max_session = IntegerMember(input, "MaxSessionDuration").value_or(3600);
  const std::string boundary(StringMember(input, "PermissionsBoundary"));
  const std::string arn = RoleArn(ctx.account_id(), path, name);
  IAM_ASSIGN_OR_RETURN(std::vector<store::Tag> tags, InputTags(input));

  auto context = RequestTagContext(tags);
  if (!boundary.empty()) {
    context.emplace_back("iam:PermissionsBoundary", std::vector<std::string>{boundary});
  }
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:CreateRole", arn, context));
  // AWS: tagging a role at creation also needs iam:TagRole (CreateRole reference, Tags).
  if (!tags.empty()) {
    IAM_RETURN_IF_ERROR(ctx.Authorize("iam:TagRole", arn, context));
  }
  IAM_RETURN_IF_ERROR(ValidateTrustPolicy(document));

  IAM_ASSIGN_OR_RETURN(
      store::Role created,
      WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::Role> {
        IAM_RETURN_IF_ERROR(CheckPermissionsBoundary(txn, ctx.account_id(), boundary));
        auto existing = txn.GetRole(ctx.account_id(), name);
        if (existing.has_value()) {
          return MakeError(RoleExists(name));
        }
        if (existing.error().code != ErrorCode::kNotFound) {
          return MakeError(std::move(existing).error());
        }
        IAM_ASSIGN_OR_RETURN(const int count, CountAll([&](const store::ListOptions& o) {
                               return txn.ListRoles(ctx.account_id(), o);
                             }));
        if (count >= ctx.quotas.roles_per_account) {
          return MakeError(LimitExceeded("Cannot exceed quota for RolesPerAccount: " +
                                         std::to_string(ctx.quotas.roles_per_account)));
        }
        store::Role role;
        role.account_id = ctx.account_id();
        role.name = name;
        role.path = path;
        role.id = NewUniqueId(kRoleIdPrefix);
        role.arn = arn;
        role.assume_role_policy_document = document;
        role.description = description;
        role.max_session_duration = static_cast<std::int32_t>(max_session);
        role.permissions_boundary_arn = boundary;
        role.tags = tags;
        auto put = txn.PutRole(std::move(role));
        if (!put.has_value()) {
          return MakeError(RoleError(std::move(put).error(), name));
        }
        return put;
      }));
  Value out = Value::Structure();
  Value role = RoleValue(created);
  out.Set("Role", std::move(role));
  return out;
}

Result<Value> GetRole(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "RoleName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, RoleArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetRole", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto role = txn->GetRole(ctx.account_id(), name);
  if (!role.has_value()) {
    return MakeError(RoleError(std::move(role).error(), name));
  }
  Value out = Value::Structure();
  Value& shown = out.Set("Role", FullRoleValue(*role));
  IAM_ASSIGN_OR_RETURN(Value last_used, RoleLastUsedValue(*txn, *role));
  shown.Set("RoleLastUsed", std::move(last_used));
  return out;
}

// Reads role `name`, lets `change` (returning Status) modify it and stores it; returns the
// stored role.
template <class Change>
Result<store::Role> ChangeRole(OperationContext& ctx, std::string_view name, Change&& change) {
  return WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::Role> {
    auto role = txn.GetRole(ctx.account_id(), name);
    if (!role.has_value()) {
      return MakeError(RoleError(std::move(role).error(), name));
    }
    IAM_RETURN_IF_ERROR(change(*role));
    auto updated = txn.UpdateRole(*std::move(role));
    if (!updated.has_value()) {
      return MakeError(RoleError(std::move(updated).error(), name));
    }
    return updated;
  });
}

Result<Value> UpdateRole(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "RoleName"));
  const auto description = OptionalStringMember(input, "Description");
  const auto max_session = IntegerMember(input, "MaxSessionDuration");
  IAM_ASSIGN_OR_RETURN(const std::string arn, RoleArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:UpdateRole", arn));
  auto done = ChangeRole(ctx, name, [&](store::Role& role) -> Status {
    if (description.has_value()) {
      role.description = *description;
    }
    if (max_session.has_value()) {
      role.max_session_duration = static_cast<std::int32_t>(*max_session);
    }
    return OkStatus();
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> UpdateRoleDescription(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "RoleName"));
  const std::string description(StringMember(input, "Description"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, RoleArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:UpdateRoleDescription", arn));
  IAM_ASSIGN_OR_RETURN(store::Role updated, ChangeRole(ctx, name, [&](store::Role& role) -> Status {
                         role.description = description;
                         return OkStatus();
                       }));
  Value out = Value::Structure();
  out.Set("Role", FullRoleValue(updated));
  return out;
}

Result<Value> UpdateAssumeRolePolicy(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "RoleName"));
  const std::string document(StringMember(input, "PolicyDocument"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, RoleArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:UpdateAssumeRolePolicy", arn));
  IAM_RETURN_IF_ERROR(ValidateTrustPolicy(document));
  auto done = ChangeRole(ctx, name, [&](store::Role& role) -> Status {
    IAM_RETURN_IF_ERROR(CheckNotServiceLinked(role));
    role.assume_role_policy_document = document;
    return OkStatus();
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

// The first dependent that blocks deleting the role, with AWS's DeleteConflict message.
Status CheckRoleDeletable(store::ReadTxn& txn, std::string_view account_id, std::string_view name) {
  store::ListOptions one;
  one.max_items = 1;
  const store::PrincipalRef principal{store::PrincipalKind::kRole, std::string(account_id),
                                      std::string(name)};
  IAM_ASSIGN_OR_RETURN(auto inline_policies, txn.ListInlinePolicies(principal, one));
  if (!inline_policies.items.empty()) {
    return MakeError(DeleteConflict("Cannot delete entity, must delete policies first."));
  }
  IAM_ASSIGN_OR_RETURN(auto attached, txn.ListAttachedPolicies(principal, one));
  if (!attached.items.empty()) {
    return MakeError(DeleteConflict("Cannot delete entity, must detach all policies first."));
  }
  IAM_ASSIGN_OR_RETURN(auto profiles, txn.ListInstanceProfilesForRole(account_id, name, one));
  if (!profiles.items.empty()) {
    return MakeError(
        DeleteConflict("Cannot delete entity, must remove roles from instance profile first."));
  }
  return OkStatus();
}

Result<Value> DeleteRole(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "RoleName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, RoleArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeleteRole", arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    auto role = txn.GetRole(ctx.account_id(), name);
    if (!role.has_value()) {
      return MakeError(RoleError(std::move(role).error(), name));
    }
    IAM_RETURN_IF_ERROR(CheckNotServiceLinked(*role));
    IAM_RETURN_IF_ERROR(CheckRoleDeletable(txn, ctx.account_id(), role->name));
    IAM_RETURN_IF_ERROR(ForgetRoleUse(txn, *role));
    auto deleted = txn.DeleteRole(ctx.account_id(), role->name);
    if (!deleted.has_value()) {
      return MakeError(RoleError(std::move(deleted).error(), name));
    }
    return OkStatus();
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> ListRoles(OperationContext& ctx, const Value& input) {
  const store::ListOptions options = ListOptionsFrom(input, "PathPrefix");
  IAM_RETURN_IF_ERROR(
      ctx.Authorize("iam:ListRoles", IamArn(ctx.account_id(), "role", options.path_prefix, "")));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto page = txn->ListRoles(ctx.account_id(), options);
  if (!page.has_value()) {
    return MakeError(ListError(std::move(page).error()));
  }
  Value out = Value::Structure();
  Value& roles = out.Set("Roles", Value::List());
  for (store::Role& role : page->items) {
    roles.Append(ListedRoleValue(std::move(role)));
  }
  SetPageFields(*page, &out);
  return out;
}

}  // namespace

void RegisterRoleOperations(HandlerTable& table) {
  table["CreateRole"] = &CreateRole;
  table["GetRole"] = &GetRole;
  table["UpdateRole"] = &UpdateRole;
  table["UpdateRoleDescription"] = &UpdateRoleDescription;
  table["UpdateAssumeRolePolicy"] = &UpdateAssumeRolePolicy;
  table["DeleteRole"] = &DeleteRole;
  table["ListRoles"] = &ListRoles;
}

}  // namespace portcullis::api::iam
