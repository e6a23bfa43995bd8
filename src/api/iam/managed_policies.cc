// Managed policies and their versions: CreatePolicy, GetPolicy, DeletePolicy,
// ListPolicies, CreatePolicyVersion, GetPolicyVersion, DeletePolicyVersion,
// ListPolicyVersions, SetDefaultPolicyVersion.
//
// AWS: IAM API reference for each operation; quotas from "IAM and AWS STS quotas"
// (1,500 customer managed policies per account, 5 versions per policy, 6,144 characters
// per managed policy not counting whitespace). AWS managed policies
// (arn:aws:iam::aws:policy/...) are readable and listable by every account and cannot be
// changed: a change answers AccessDenied, as AWS does.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "api/ids.h"

namespace portcullis::api::iam {
namespace {

constexpr std::size_t kCustomerPoliciesQuota = 1500;
constexpr std::size_t kVersionsPerPolicyQuota = 5;
constexpr std::size_t kPolicySizeQuota = 6144;
constexpr std::string_view kAwsPolicyArnPrefix = "arn:aws:iam::aws:policy/";

bool IsAwsManagedArn(std::string_view arn) {
  return arn.substr(0, kAwsPolicyArnPrefix.size()) == kAwsPolicyArnPrefix;
}

// The account field of an IAM ARN ("" when `arn` is not arn:aws:iam::ACCOUNT:...).
std::string_view ArnAccount(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  if (arn.substr(0, kPrefix.size()) != kPrefix) {
    return {};
  }
  arn.remove_prefix(kPrefix.size());
  return arn.substr(0, arn.find(':'));
}

Error NoSuchPolicy(std::string_view arn) {
  return NoSuchEntity("Policy " + std::string(arn) + " does not exist or is not attachable.");
}

Error NoSuchPolicyVersion(std::string_view arn, std::string_view version_id) {
  return NoSuchEntity("Policy " + std::string(arn) + " version " + std::string(version_id) +
                      " does not exist or is not attachable.");
}

Error AccessDeniedOn(const OperationContext& ctx, std::string_view action, std::string_view arn) {
  Error e;
  e.code = ErrorCode::kPermissionDenied;
  e.aws_code = "AccessDenied";
  e.message = "User: " + ctx.caller.arn + " is not authorized to perform: " + std::string(action) +
              " on resource: policy " + std::string(arn);
  return e;
}

// AWS: a policy of another account is not visible (IAM has no resource-based policies),
// and AWS managed policies cannot be changed; both answer AccessDenied.
Status CheckReadable(const OperationContext& ctx, std::string_view action, std::string_view arn) {
  if (IsAwsManagedArn(arn)) {
    return OkStatus();
  }
  const std::string_view account = ArnAccount(arn);
  if (!account.empty() && account != ctx.account_id()) {
    return tl::unexpected(AccessDeniedOn(ctx, action, arn));
  }
  return OkStatus();
}

Status CheckWritable(const OperationContext& ctx, std::string_view action, std::string_view arn) {
  if (IsAwsManagedArn(arn)) {
    return tl::unexpected(AccessDeniedOn(ctx, action, arn));
  }
  return CheckReadable(ctx, action, arn);
}

// Maps the store's kNotFound to AWS's message for a policy.
template <class T>
Result<T> OrNoSuchPolicy(Result<T> result, std::string_view arn) {
  if (!result.has_value() && result.error().code == ErrorCode::kNotFound) {
    return tl::unexpected(NoSuchPolicy(arn));
  }
  return result;
}

// How many principals of `account_id` the policy `arn` is attached to.
Result<std::int32_t> AttachmentsIn(store::ReadTxn& txn, std::string_view account_id,
                                   const std::string& arn) {
  IAM_ASSIGN_OR_RETURN(std::vector<store::PolicyEntity> entities, txn.ListPolicyEntities(arn));
  std::int32_t count = 0;
  for (const auto& entity : entities) {
    Result<std::string> id = std::string();
    switch (entity.kind) {
      case store::PrincipalKind::kUser:
        id = txn.GetUser(account_id, entity.name).transform([](const auto& u) { return u.id; });
        break;
      case store::PrincipalKind::kGroup:
        id = txn.GetGroup(account_id, entity.name).transform([](const auto& g) { return g.id; });
        break;
      case store::PrincipalKind::kRole:
        id = txn.GetRole(account_id, entity.name).transform([](const auto& r) { return r.id; });
        break;
    }
    if (id.has_value() && *id == entity.id) {
      ++count;
    }
  }
  return count;
}

// How many users and roles of `account_id` have `arn` as their permissions boundary.
Result<std::int32_t> BoundariesIn(store::ReadTxn& txn, std::string_view account_id,
                                  const std::string& arn) {
  std::int32_t count = 0;
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(store::Page<store::User> users, txn.ListUsers(account_id, options));
    count += static_cast<std::int32_t>(
        std::count_if(users.items.begin(), users.items.end(),
                      [&](const store::User& u) { return u.permissions_boundary_arn == arn; }));
    if (!users.is_truncated) {
      break;
    }
    options.marker = users.next_marker;
  }
  options.marker.clear();
  for (;;) {
    IAM_ASSIGN_OR_RETURN(store::Page<store::Role> roles, txn.ListRoles(account_id, options));
    count += static_cast<std::int32_t>(
        std::count_if(roles.items.begin(), roles.items.end(),
                      [&](const store::Role& r) { return r.permissions_boundary_arn == arn; }));
    if (!roles.is_truncated) {
      break;
    }
    options.marker = roles.next_marker;
  }
  return count;
}

// The policy as seen from `account_id`: for an AWS managed policy, the attachment and
// boundary counts the store computes cover every account, so they are recounted over
// the account's own principals.
Result<store::ManagedPolicy> ScopedCounts(store::ReadTxn& txn, std::string_view account_id,
                                          store::ManagedPolicy policy) {
  if (policy.account_id == account_id) {
    return policy;
  }
  if (policy.attachment_count > 0) {
    IAM_ASSIGN_OR_RETURN(policy.attachment_count, AttachmentsIn(txn, account_id, policy.arn));
  }
  if (policy.permissions_boundary_usage_count > 0) {
    IAM_ASSIGN_OR_RETURN(policy.permissions_boundary_usage_count,
                         BoundariesIn(txn, account_id, policy.arn));
  }
  return policy;
}

// Every managed policy of `owner` ("aws" or an account id) under `path_prefix`.
Result<std::vector<store::ManagedPolicy>> AllPolicies(store::ReadTxn& txn, std::string_view owner,
                                                      const std::string& path_prefix) {
  std::vector<store::ManagedPolicy> out;
  store::PolicyListOptions options;
  options.max_items = store::kMaxMaxItems;
  options.path_prefix = path_prefix;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(store::Page<store::ManagedPolicy> page,
                         txn.ListManagedPolicies(owner, options));
    for (auto& policy : page.items) {
      out.push_back(std::move(policy));
    }
    if (!page.is_truncated) {
      break;
    }
    options.marker = page.next_marker;
  }
  return out;
}

Result<std::vector<store::PolicyVersion>> AllVersions(store::ReadTxn& txn, std::string_view arn) {
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  IAM_ASSIGN_OR_RETURN(store::Page<store::PolicyVersion> page,
                       OrNoSuchPolicy(txn.ListPolicyVersions(arn, options), arn));
  return std::move(page.items);
}

// PolicyVersion without its document (CreatePolicyVersion and ListPolicyVersions do not
// return it).
Value VersionMetadataValue(const store::PolicyVersion& version) {
  Value v = Value::Structure();
  v.Set("VersionId", Value::String(version.version_id));
  v.Set("IsDefaultVersion", Value::Boolean(version.is_default));
  v.Set("CreateDate", TimestampValue(version.created));
  return v;
}

Result<Value> CreatePolicy(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "PolicyName"));
  const std::string path(StringMember(input, "Path", "/"));
  const std::string document(StringMember(input, "PolicyDocument"));
  const std::string description(StringMember(input, "Description"));
  const std::string arn = PolicyArn(ctx.account_id(), path, name);
  IAM_ASSIGN_OR_RETURN(std::vector<store::Tag> tags, InputTags(input));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:CreatePolicy", arn, RequestTagContext(tags)));
  IAM_RETURN_IF_ERROR(
      ValidatePolicyDocument(document, policy::PolicyKind::kIdentity, kPolicySizeQuota));
  IAM_ASSIGN_OR_RETURN(
      store::ManagedPolicy created,
      WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::ManagedPolicy> {
        IAM_ASSIGN_OR_RETURN(std::vector<store::ManagedPolicy> existing,
                             AllPolicies(txn, ctx.account_id(), "/"));
        const std::string key = store::NameKey(name);
        for (const auto& policy : existing) {
          if (store::NameKey(policy.name) == key) {
            return tl::unexpected(EntityAlreadyExists(
                "A policy called " + name + " already exists. Duplicate names are not allowed."));
          }
        }
        if (existing.size() >= kCustomerPoliciesQuota) {
          return tl::unexpected(LimitExceeded("Cannot exceed quota for PoliciesPerAccount: " +
                                              std::to_string(kCustomerPoliciesQuota)));
        }
        store::ManagedPolicy policy;
        policy.account_id = ctx.account_id();
        policy.name = name;
        policy.path = path;
        policy.id = NewUniqueId(kPolicyIdPrefix);
        policy.arn = arn;
        policy.description = description;
        policy.default_version_id = "v1";
        policy.tags = tags;
        auto put = txn.PutManagedPolicy(policy);
        if (!put.has_value()) {
          if (put.error().code == ErrorCode::kAlreadyExists) {
            return tl::unexpected(EntityAlreadyExists(
                "A policy called " + name + " already exists. Duplicate names are not allowed."));
          }
          return put;
        }
        store::PolicyVersion version;
        version.policy_arn = arn;
        version.version_id = "v1";
        version.document = document;
        IAM_RETURN_IF_ERROR(txn.PutPolicyVersion(std::move(version)));
        return txn.GetManagedPolicy(arn);
      }));
  Value out = Value::Structure();
  Value& policy = out.Set("Policy", ManagedPolicyValue(created));
  if (!created.tags.empty()) {
    policy.Set("Tags", TagListValue(created.tags));
  }
  return out;
}

Result<Value> GetPolicy(OperationContext& ctx, const Value& input) {
  const std::string arn(StringMember(input, "PolicyArn"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetPolicy", arn));
  IAM_RETURN_IF_ERROR(CheckReadable(ctx, "iam:GetPolicy", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(store::ManagedPolicy policy,
                       OrNoSuchPolicy(txn->GetManagedPolicy(arn), arn));
  IAM_ASSIGN_OR_RETURN(policy, ScopedCounts(*txn, ctx.account_id(), std::move(policy)));
  Value out = Value::Structure();
  Value& value = out.Set("Policy", ManagedPolicyValue(policy));
  // GetPolicy returns tags; the listings do not (AWS).
  if (!policy.tags.empty()) {
    value.Set("Tags", TagListValue(policy.tags));
  }
  return out;
}

Result<Value> DeletePolicy(OperationContext& ctx, const Value& input) {
  const std::string arn(StringMember(input, "PolicyArn"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeletePolicy", arn));
  IAM_RETURN_IF_ERROR(CheckWritable(ctx, "iam:DeletePolicy", arn));
  IAM_RETURN_IF_ERROR(WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(store::ManagedPolicy policy,
                         OrNoSuchPolicy(txn.GetManagedPolicy(arn), arn));
    if (policy.attachment_count > 0 || policy.permissions_boundary_usage_count > 0) {
      return tl::unexpected(DeleteConflict("Cannot delete a policy attached to entities."));
    }
    IAM_ASSIGN_OR_RETURN(std::vector<store::PolicyVersion> versions, AllVersions(txn, arn));
    if (versions.size() > 1) {
      return tl::unexpected(DeleteConflict(
          "This policy has more than one version. Before you delete a policy, you must "
          "delete the policy's versions. The default version is deleted with the policy."));
    }
    return txn.DeleteManagedPolicy(arn);
  }));
  return Value::Structure();
}

// ListPolicies' marker: "aws|KEY" or "local|KEY" (KEY = NameKey of the last name
// returned); AWS managed policies come first.
std::string ListMarker(const store::ManagedPolicy& policy) {
  return (policy.account_id == "aws" ? "aws|" : "local|") + store::NameKey(policy.name);
}

// ListPolicies' candidates: AWS managed policies (Scope AWS or All), then the account's
// (Local or All), each in NameKey order.
Result<std::vector<store::ManagedPolicy>> PoliciesInScope(store::ReadTxn& txn,
                                                          std::string_view account_id,
                                                          std::string_view scope,
                                                          const std::string& path_prefix) {
  const std::string prefix = path_prefix.empty() ? "/" : path_prefix;
  std::vector<store::ManagedPolicy> candidates;
  if (scope != "Local") {
    IAM_ASSIGN_OR_RETURN(candidates, AllPolicies(txn, "aws", prefix));
  }
  if (scope != "AWS") {
    IAM_ASSIGN_OR_RETURN(std::vector<store::ManagedPolicy> local,
                         AllPolicies(txn, account_id, prefix));
    for (auto& policy : local) {
      candidates.push_back(std::move(policy));
    }
  }
  return candidates;
}

// AWS: OnlyAttached keeps the policies attached to a user, group or role; with
// PolicyUsageFilter PermissionsBoundary, those used as a permissions boundary instead.
// Without OnlyAttached every policy can serve as either, so all are listed.
bool InUse(const store::ManagedPolicy& policy, std::string_view usage) {
  return usage == "PermissionsBoundary" ? policy.permissions_boundary_usage_count > 0
                                        : policy.attachment_count > 0;
}

Result<Value> ListPolicies(OperationContext& ctx, const Value& input) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListPolicies", "*"));
  const std::string_view scope = StringMember(input, "Scope", "All");
  const bool only_attached = BooleanMember(input, "OnlyAttached").value_or(false);
  const std::string_view usage = StringMember(input, "PolicyUsageFilter");
  const store::ListOptions options = ListOptionsFrom(input, "PathPrefix");
  if (!options.marker.empty() && options.marker.rfind("aws|", 0) != 0 &&
      options.marker.rfind("local|", 0) != 0) {
    return tl::unexpected(InvalidInput("Invalid Marker."));
  }
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(std::vector<store::ManagedPolicy> candidates,
                       PoliciesInScope(*txn, ctx.account_id(), scope, options.path_prefix));
  Value out = Value::Structure();
  Value& list = out.Set("Policies", Value::List());
  std::size_t listed = 0;
  bool truncated = false;
  std::string last_marker;
  for (auto& candidate : candidates) {
    const std::string marker = ListMarker(candidate);
    if (!options.marker.empty() && marker <= options.marker) {
      continue;
    }
    if (only_attached && candidate.attachment_count == 0 &&
        candidate.permissions_boundary_usage_count == 0) {
      continue;
    }
    IAM_ASSIGN_OR_RETURN(store::ManagedPolicy policy,
                         ScopedCounts(*txn, ctx.account_id(), std::move(candidate)));
    if (only_attached && !InUse(policy, usage)) {
      continue;
    }
    if (listed == static_cast<std::size_t>(options.max_items)) {
      truncated = true;
      break;
    }
    // AWS: list operations return a subset of the attributes; not the description.
    policy.description.clear();
    list.Append(ManagedPolicyValue(policy));
    last_marker = marker;
    ++listed;
  }
  out.Set("IsTruncated", Value::Boolean(truncated));
  if (truncated) {
    out.Set("Marker", Value::String(last_marker));
  }
  return out;
}

// Adds a version after the newest one, within the five-version quota.
Result<store::PolicyVersion> AddVersion(store::WriteTxn& txn, const std::string& arn,
                                        const std::string& document, bool set_as_default) {
  IAM_RETURN_IF_ERROR(OrNoSuchPolicy(txn.GetManagedPolicy(arn), arn));
  IAM_ASSIGN_OR_RETURN(std::vector<store::PolicyVersion> versions, AllVersions(txn, arn));
  if (versions.size() >= kVersionsPerPolicyQuota) {
    return tl::unexpected(
        LimitExceeded("A managed policy can have up to 5 versions. Before you create a new "
                      "version, you must delete an existing version."));
  }
  std::int64_t highest = 0;
  for (const auto& v : versions) {
    IAM_ASSIGN_OR_RETURN(std::int64_t number, store::ParsePolicyVersionId(v.version_id));
    highest = std::max(highest, number);
  }
  // TODO: AWS never reuses a version number; the store keeps no counter, so deleting
  // the newest non-default version lets its number come back.
  store::PolicyVersion version;
  version.policy_arn = arn;
  version.version_id = "v" + std::to_string(highest + 1);
  version.document = document;
  IAM_ASSIGN_OR_RETURN(store::PolicyVersion stored, txn.PutPolicyVersion(version));
  if (set_as_default) {
    IAM_RETURN_IF_ERROR(txn.SetDefaultPolicyVersion(arn, stored.version_id));
    stored.is_default = true;
  }
  return stored;
}

Result<Value> CreatePolicyVersion(OperationContext& ctx, const Value& input) {
  const std::string arn(StringMember(input, "PolicyArn"));
  const std::string document(StringMember(input, "PolicyDocument"));
  const bool set_as_default = BooleanMember(input, "SetAsDefault").value_or(false);
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:CreatePolicyVersion", arn));
  IAM_RETURN_IF_ERROR(CheckWritable(ctx, "iam:CreatePolicyVersion", arn));
  IAM_RETURN_IF_ERROR(
      ValidatePolicyDocument(document, policy::PolicyKind::kIdentity, kPolicySizeQuota));
  IAM_ASSIGN_OR_RETURN(store::PolicyVersion created,
                       WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) {
                         return AddVersion(txn, arn, document, set_as_default);
                       }));
  Value out = Value::Structure();
  out.Set("PolicyVersion", VersionMetadataValue(created));
  return out;
}

Result<store::PolicyVersion> FindVersion(store::ReadTxn& txn, std::string_view arn,
                                         std::string_view version_id) {
  IAM_RETURN_IF_ERROR(OrNoSuchPolicy(txn.GetManagedPolicy(arn), arn));
  auto version = txn.GetPolicyVersion(arn, version_id);
  if (!version.has_value() && (version.error().code == ErrorCode::kNotFound ||
                               version.error().code == ErrorCode::kInvalidArgument)) {
    return tl::unexpected(NoSuchPolicyVersion(arn, version_id));
  }
  return version;
}

Result<Value> GetPolicyVersion(OperationContext& ctx, const Value& input) {
  const std::string arn(StringMember(input, "PolicyArn"));
  const std::string version_id(StringMember(input, "VersionId"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetPolicyVersion", arn));
  IAM_RETURN_IF_ERROR(CheckReadable(ctx, "iam:GetPolicyVersion", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(store::PolicyVersion version, FindVersion(*txn, arn, version_id));
  Value out = Value::Structure();
  out.Set("PolicyVersion", PolicyVersionValue(version));
  return out;
}

Result<Value> DeletePolicyVersion(OperationContext& ctx, const Value& input) {
  const std::string arn(StringMember(input, "PolicyArn"));
  const std::string version_id(StringMember(input, "VersionId"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeletePolicyVersion", arn));
  IAM_RETURN_IF_ERROR(CheckWritable(ctx, "iam:DeletePolicyVersion", arn));
  IAM_RETURN_IF_ERROR(WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(store::PolicyVersion version, FindVersion(txn, arn, version_id));
    if (version.is_default) {
      return tl::unexpected(DeleteConflict("Cannot delete the default version of a policy."));
    }
    return txn.DeletePolicyVersion(arn, version.version_id);
  }));
  return Value::Structure();
}

Result<Value> ListPolicyVersions(OperationContext& ctx, const Value& input) {
  const std::string arn(StringMember(input, "PolicyArn"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListPolicyVersions", arn));
  IAM_RETURN_IF_ERROR(CheckReadable(ctx, "iam:ListPolicyVersions", arn));
  const store::ListOptions options = ListOptionsFrom(input, {});
  std::int64_t before = 0;
  if (!options.marker.empty()) {
    auto number = store::ParsePolicyVersionId(options.marker);
    if (!number.has_value()) {
      return tl::unexpected(InvalidInput("Invalid Marker."));
    }
    before = *number;
  }
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(std::vector<store::PolicyVersion> versions, AllVersions(*txn, arn));
  // AWS lists the newest version first.
  std::reverse(versions.begin(), versions.end());
  Value out = Value::Structure();
  Value& list = out.Set("Versions", Value::List());
  std::size_t listed = 0;
  bool truncated = false;
  std::string last;
  for (const auto& version : versions) {
    IAM_ASSIGN_OR_RETURN(std::int64_t number, store::ParsePolicyVersionId(version.version_id));
    if (before != 0 && number >= before) {
      continue;
    }
    if (listed == static_cast<std::size_t>(options.max_items)) {
      truncated = true;
      break;
    }
    list.Append(VersionMetadataValue(version));
    last = version.version_id;
    ++listed;
  }
  out.Set("IsTruncated", Value::Boolean(truncated));
  if (truncated) {
    out.Set("Marker", Value::String(last));
  }
  return out;
}

Result<Value> SetDefaultPolicyVersion(OperationContext& ctx, const Value& input) {
  const std::string arn(StringMember(input, "PolicyArn"));
  const std::string version_id(StringMember(input, "VersionId"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:SetDefaultPolicyVersion", arn));
  IAM_RETURN_IF_ERROR(CheckWritable(ctx, "iam:SetDefaultPolicyVersion", arn));
  IAM_RETURN_IF_ERROR(WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(store::PolicyVersion version, FindVersion(txn, arn, version_id));
    return txn.SetDefaultPolicyVersion(arn, version.version_id);
  }));
  return Value::Structure();
}

}  // namespace

void RegisterManagedPolicyOperations(HandlerTable& table) {
  table["CreatePolicy"] = &CreatePolicy;
  table["GetPolicy"] = &GetPolicy;
  table["DeletePolicy"] = &DeletePolicy;
  table["ListPolicies"] = &ListPolicies;
  table["CreatePolicyVersion"] = &CreatePolicyVersion;
  table["GetPolicyVersion"] = &GetPolicyVersion;
  table["DeletePolicyVersion"] = &DeletePolicyVersion;
  table["ListPolicyVersions"] = &ListPolicyVersions;
  table["SetDefaultPolicyVersion"] = &SetDefaultPolicyVersion;
}

}  // namespace portcullis::api::iam
