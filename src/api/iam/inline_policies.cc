// Inline policies of users, groups and roles: Put/Get/Delete/List UserPolicy, GroupPolicy
// and RolePolicy.
//
// Documents are validated as identity policies (MalformedPolicyDocument). AWS limits the
// aggregate size of one principal's inline policies, whitespace not counted: 2,048
// characters for a user, 5,120 for a group, 10,240 for a role (IAM User Guide, "IAM and
// AWS STS quotas");
// past it PutUserPolicy answers LimitExceeded "Maximum policy size of 2048 bytes exceeded
// for user NAME". GetUserPolicy returns the document URL-encoded, as AWS does.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "policy/parse.h"

namespace portcullis::api::iam {
namespace {

// What differs between the user and the group operations.
struct Family {
  store::PrincipalKind kind;
  std::string_view name_member;  // "UserName" | "GroupName" | "RoleName"
  std::string_view noun;         // "user" | "group" | "role"
  std::string_view put_action;
  std::string_view get_action;
  std::string_view delete_action;
  std::string_view list_action;
  std::size_t max_chars;  // aggregate inline policy size
};

constexpr Family kUserFamily{store::PrincipalKind::kUser,
                             "UserName",
                             "user",
                             "iam:PutUserPolicy",
                             "iam:GetUserPolicy",
                             "iam:DeleteUserPolicy",
                             "iam:ListUserPolicies",
                             2048};
constexpr Family kGroupFamily{store::PrincipalKind::kGroup,
                              "GroupName",
                              "group",
                              "iam:PutGroupPolicy",
                              "iam:GetGroupPolicy",
                              "iam:DeleteGroupPolicy",
                              "iam:ListGroupPolicies",
                              5120};
constexpr Family kRoleFamily{store::PrincipalKind::kRole,
                             "RoleName",
                             "role",
                             "iam:PutRolePolicy",
                             "iam:GetRolePolicy",
                             "iam:DeleteRolePolicy",
                             "iam:ListRolePolicies",
                             10240};

Error PrincipalNotFound(const Family& family, std::string_view name) {
  return NoSuchEntity("The " + std::string(family.noun) + " with name " + std::string(name) +
                      " cannot be found.");
}

Error PolicyNotFound(const Family& family, std::string_view policy_name) {
  return NoSuchEntity("The " + std::string(family.noun) + " policy with name " +
                      std::string(policy_name) + " cannot be found.");
}

// The same characters ValidatePolicyDocument leaves out of a policy's size.
std::size_t NonWhitespaceChars(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      ++n;
    }
  }
  return n;
}

// The principal named by the input, as stored (its exact name and ARN).
struct Target {
  store::PrincipalRef ref;
  std::string arn;     // to authorize against
  bool exists = true;  // false: NoSuchEntity after authorization
};

Result<Target> TargetFrom(OperationContext& ctx, const Family& family, const Value& input) {
  Target target;
  target.ref.kind = family.kind;
  target.ref.account_id = ctx.account_id();
  target.ref.name = std::string(StringMember(input, family.name_member));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  if (family.kind == store::PrincipalKind::kUser) {
    auto user = txn->GetUser(ctx.account_id(), target.ref.name);
    if (user.has_value()) {
      target.ref.name = user->name;
      target.arn = user->arn;
      return target;
    }
    if (user.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(user).error());
    }
    target.arn = UserArn(ctx.account_id(), "/", target.ref.name);
  } else if (family.kind == store::PrincipalKind::kRole) {
    auto role = txn->GetRole(ctx.account_id(), target.ref.name);
    if (role.has_value()) {
      target.ref.name = role->name;
      target.arn = role->arn;
      return target;
    }
    if (role.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(role).error());
    }
    target.arn = RoleArn(ctx.account_id(), "/", target.ref.name);
  } else {
    auto group = txn->GetGroup(ctx.account_id(), target.ref.name);
    if (group.has_value()) {
      target.ref.name = group->name;
      target.arn = group->arn;
      return target;
    }
    if (group.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(group).error());
    }
    target.arn = GroupArn(ctx.account_id(), "/", target.ref.name);
  }
  target.exists = false;
  return target;
}

// Authorizes `action` on the target, then checks that it exists.
Result<Target> AuthorizedTarget(OperationContext& ctx, const Family& family, const Value& input,
                                std::string_view action) {
  IAM_ASSIGN_OR_RETURN(Target target, TargetFrom(ctx, family, input));
  IAM_RETURN_IF_ERROR(ctx.Authorize(action, target.arn));
  if (!target.exists) {
    return MakeError(PrincipalNotFound(family, target.ref.name));
  }
  return target;
}

// Maps the store's kNotFound for the principal or the policy to AWS's messages.
Error StoreError(const Family& family, Error error, store::ReadTxn& txn, const Target& target,
                 std::string_view policy_name) {
  if (error.code != ErrorCode::kNotFound) {
    return error;
  }
  bool principal_exists = false;
  switch (family.kind) {
    case store::PrincipalKind::kUser:
      principal_exists = txn.GetUser(target.ref.account_id, target.ref.name).has_value();
      break;
    case store::PrincipalKind::kGroup:
      principal_exists = txn.GetGroup(target.ref.account_id, target.ref.name).has_value();
      break;
    case store::PrincipalKind::kRole:
      principal_exists = txn.GetRole(target.ref.account_id, target.ref.name).has_value();
      break;
  }
  if (!principal_exists) {
    return PrincipalNotFound(family, target.ref.name);
  }
  return PolicyNotFound(family, policy_name);
}

Result<Value> PutPolicy(OperationContext& ctx, const Value& input, const Family& family) {
  const std::string policy_name(StringMember(input, "PolicyName"));
  const std::string document(StringMember(input, "PolicyDocument"));
  IAM_ASSIGN_OR_RETURN(const Target target,
                       AuthorizedTarget(ctx, family, input, family.put_action));
  const std::string size_error = "Maximum policy size of " + std::to_string(family.max_chars) +
                                 " bytes exceeded for " + std::string(family.noun) + " " +
                                 target.ref.name;
  // A document that alone exceeds the aggregate quota gets the aggregate message, as from
  // AWS; otherwise its syntax is checked before the principal's other policies are read.
  if (NonWhitespaceChars(document) > family.max_chars) {
    return MakeError(LimitExceeded(size_error));
  }
  IAM_RETURN_IF_ERROR(
      ValidatePolicyDocument(document, policy::PolicyKind::kIdentity, family.max_chars));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    std::size_t total = NonWhitespaceChars(document);
    store::ListOptions options;
    options.max_items = store::kMaxMaxItems;
    for (;;) {
      auto page = txn.ListInlinePolicies(target.ref, options);
      if (!page.has_value()) {
        return MakeError(StoreError(family, std::move(page).error(), txn, target, policy_name));
      }
      for (const store::InlinePolicy& other : page->items) {
        if (other.name != policy_name) {
          total += NonWhitespaceChars(other.document);
        }
      }
      if (!page->is_truncated) {
        break;
      }
      options.marker = page->next_marker;
    }
    if (total > family.max_chars) {
      return MakeError(LimitExceeded(size_error));
    }
    store::InlinePolicy policy;
    policy.principal = target.ref;
    policy.name = policy_name;
    policy.document = document;
    auto put = txn.PutInlinePolicy(std::move(policy));
    if (!put.has_value()) {
      return MakeError(StoreError(family, std::move(put).error(), txn, target, policy_name));
    }
    return OkStatus();
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> GetPolicy(OperationContext& ctx, const Value& input, const Family& family) {
  const std::string policy_name(StringMember(input, "PolicyName"));
  IAM_ASSIGN_OR_RETURN(const Target target,
                       AuthorizedTarget(ctx, family, input, family.get_action));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto policy = txn->GetInlinePolicy(target.ref, policy_name);
  if (!policy.has_value()) {
    return MakeError(StoreError(family, std::move(policy).error(), *txn, target, policy_name));
  }
  Value out = Value::Structure();
  out.Set(std::string(family.name_member), Value::String(target.ref.name));
  out.Set("PolicyName", Value::String(policy->name));
  out.Set("PolicyDocument", Value::String(UrlEncodeDocument(policy->document)));
  return out;
}

Result<Value> DeletePolicy(OperationContext& ctx, const Value& input, const Family& family) {
  const std::string policy_name(StringMember(input, "PolicyName"));
  IAM_ASSIGN_OR_RETURN(const Target target,
                       AuthorizedTarget(ctx, family, input, family.delete_action));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    auto deleted = txn.DeleteInlinePolicy(target.ref, policy_name);
    if (!deleted.has_value()) {
      return MakeError(StoreError(family, std::move(deleted).error(), txn, target, policy_name));
    }
    return OkStatus();
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> ListPolicies(OperationContext& ctx, const Value& input, const Family& family) {
  IAM_ASSIGN_OR_RETURN(const Target target,
                       AuthorizedTarget(ctx, family, input, family.list_action));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto page = txn->ListInlinePolicies(target.ref, ListOptionsFrom(input, ""));
  if (!page.has_value()) {
    Error e = std::move(page).error();
    if (e.code == ErrorCode::kInvalidArgument && e.aws_code.empty()) {
      return MakeError(InvalidInput(std::move(e.message)));
    }
    return MakeError(StoreError(family, std::move(e), *txn, target, ""));
  }
  Value out = Value::Structure();
  Value& names = out.Set("PolicyNames", Value::List());
  for (const store::InlinePolicy& policy : page->items) {
    names.Append(Value::String(policy.name));
  }
  SetPageFields(*page, &out);
  return out;
}

Result<Value> PutUserPolicy(OperationContext& ctx, const Value& input) {
  return PutPolicy(ctx, input, kUserFamily);
}

Result<Value> GetUserPolicy(OperationContext& ctx, const Value& input) {
  return GetPolicy(ctx, input, kUserFamily);
}

Result<Value> DeleteUserPolicy(OperationContext& ctx, const Value& input) {
  return DeletePolicy(ctx, input, kUserFamily);
}

Result<Value> ListUserPolicies(OperationContext& ctx, const Value& input) {
  return ListPolicies(ctx, input, kUserFamily);
}

Result<Value> PutGroupPolicy(OperationContext& ctx, const Value& input) {
  return PutPolicy(ctx, input, kGroupFamily);
}

Result<Value> GetGroupPolicy(OperationContext& ctx, const Value& input) {
  return GetPolicy(ctx, input, kGroupFamily);
}

Result<Value> DeleteGroupPolicy(OperationContext& ctx, const Value& input) {
  return DeletePolicy(ctx, input, kGroupFamily);
}

Result<Value> ListGroupPolicies(OperationContext& ctx, const Value& input) {
  return ListPolicies(ctx, input, kGroupFamily);
}

Result<Value> PutRolePolicy(OperationContext& ctx, const Value& input) {
  return PutPolicy(ctx, input, kRoleFamily);
}

Result<Value> GetRolePolicy(OperationContext& ctx, const Value& input) {
  return GetPolicy(ctx, input, kRoleFamily);
}

Result<Value> DeleteRolePolicy(OperationContext& ctx, const Value& input) {
  return DeletePolicy(ctx, input, kRoleFamily);
}

Result<Value> ListRolePolicies(OperationContext& ctx, const Value& input) {
  return ListPolicies(ctx, input, kRoleFamily);
}

}  // namespace

void RegisterInlinePolicyOperations(HandlerTable& table) {
  table["PutUserPolicy"] = &PutUserPolicy;
  table["GetUserPolicy"] = &GetUserPolicy;
  table["DeleteUserPolicy"] = &DeleteUserPolicy;
  table["ListUserPolicies"] = &ListUserPolicies;
  table["PutGroupPolicy"] = &PutGroupPolicy;
  table["GetGroupPolicy"] = &GetGroupPolicy;
  table["DeleteGroupPolicy"] = &DeleteGroupPolicy;
  table["ListGroupPolicies"] = &ListGroupPolicies;
  table["PutRolePolicy"] = &PutRolePolicy;
  table["GetRolePolicy"] = &GetRolePolicy;
  table["DeleteRolePolicy"] = &DeleteRolePolicy;
  table["ListRolePolicies"] = &ListRolePolicies;
}

}  // namespace portcullis::api::iam
