// Instance profiles: CreateInstanceProfile, GetInstanceProfile, DeleteInstanceProfile,
// ListInstanceProfiles, AddRoleToInstanceProfile, RemoveRoleFromInstanceProfile,
// ListInstanceProfilesForRole.
//
// AWS: IAM API reference for each operation; quotas from the IAM User Guide, "IAM and AWS
// STS quotas": 1000 instance profiles per account and one role per instance profile
// (LimitExceeded "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1").
// Instance profiles are authorized on arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "api/ids.h"

namespace portcullis::api::iam {
namespace {

constexpr int kInstanceProfilesPerAccount = 1000;
constexpr int kRolesPerInstanceProfile = 1;

Result<Value> CreateInstanceProfile(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "InstanceProfileName"));
  const std::string path(StringMember(input, "Path", "/"));
  const std::string arn = InstanceProfileArn(ctx.account_id(), path, name);
  IAM_ASSIGN_OR_RETURN(std::vector<store::Tag> tags, InputTags(input));
  const auto context = RequestTagContext(tags);
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:CreateInstanceProfile", arn, context));
  if (!tags.empty()) {
    IAM_RETURN_IF_ERROR(ctx.Authorize("iam:TagInstanceProfile", arn, context));
  }
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<Value> {
    auto existing = txn.GetInstanceProfile(ctx.account_id(), name);
    if (existing.has_value()) {
      return MakeError(InstanceProfileExists(name));
    }
    if (existing.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(existing).error());
    }
    IAM_ASSIGN_OR_RETURN(const int count, CountAll([&](const store::ListOptions& o) {
                           return txn.ListInstanceProfiles(ctx.account_id(), o);
                         }));
    if (count >= kInstanceProfilesPerAccount) {
      return MakeError(LimitExceeded("Cannot exceed quota for InstanceProfilesPerAccount: " +
                                     std::to_string(kInstanceProfilesPerAccount)));
    }
    store::InstanceProfile profile;
    profile.account_id = ctx.account_id();
    profile.name = name;
    profile.path = path;
    profile.id = NewUniqueId(kInstanceProfileIdPrefix);
    profile.arn = arn;
    profile.tags = tags;
    auto put = txn.PutInstanceProfile(std::move(profile));
    if (!put.has_value()) {
      return MakeError(InstanceProfileError(std::move(put).error(), name));
    }
    return InstanceProfileValue(txn, *put, true);
  });
  IAM_ASSIGN_OR_RETURN(Value created, std::move(done));
  Value out = Value::Structure();
  out.Set("InstanceProfile", std::move(created));
  return out;
}

Result<Value> GetInstanceProfile(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "InstanceProfileName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, InstanceProfileArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetInstanceProfile", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto profile = txn->GetInstanceProfile(ctx.account_id(), name);
  if (!profile.has_value()) {
    return MakeError(InstanceProfileError(std::move(profile).error(), name));
  }
  IAM_ASSIGN_OR_RETURN(Value v, InstanceProfileValue(*txn, *profile, true));
  Value out = Value::Structure();
  out.Set("InstanceProfile", std::move(v));
  return out;
}

Result<Value> DeleteInstanceProfile(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "InstanceProfileName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, InstanceProfileArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeleteInstanceProfile", arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    auto profile = txn.GetInstanceProfile(ctx.account_id(), name);
    if (!profile.has_value()) {
      return MakeError(InstanceProfileError(std::move(profile).error(), name));
    }
    if (!profile->role_names.empty()) {
      return MakeError(
          DeleteConflict("Cannot delete entity, must remove roles from instance profile first."));
    }
    auto deleted = txn.DeleteInstanceProfile(ctx.account_id(), profile->name);
    if (!deleted.has_value()) {
      return MakeError(InstanceProfileError(std::move(deleted).error(), name));
    }
    return OkStatus();
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

// A page of profiles as the listings show them.
Result<Value> ListedProfiles(store::ReadTxn& txn, store::Page<store::InstanceProfile> page) {
  Value out = Value::Structure();
  Value& profiles = out.Set("InstanceProfiles", Value::List());
  for (const store::InstanceProfile& profile : page.items) {
    IAM_ASSIGN_OR_RETURN(Value v, InstanceProfileValue(txn, profile, false));
    profiles.Append(std::move(v));
  }
  SetPageFields(page, &out);
  return out;
}

Result<Value> ListInstanceProfiles(OperationContext& ctx, const Value& input) {
  const store::ListOptions options = ListOptionsFrom(input, "PathPrefix");
  IAM_RETURN_IF_ERROR(
      ctx.Authorize("iam:ListInstanceProfiles",
                    IamArn(ctx.account_id(), "instance-profile", options.path_prefix, "")));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto page = txn->ListInstanceProfiles(ctx.account_id(), options);
  if (!page.has_value()) {
    return MakeError(ListError(std::move(page).error()));
  }
  return ListedProfiles(*txn, *std::move(page));
}

Result<Value> ListInstanceProfilesForRole(OperationContext& ctx, const Value& input) {
  const std::string role_name(StringMember(input, "RoleName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, RoleArnForAuthz(ctx, role_name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListInstanceProfilesForRole", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto page =
      txn->ListInstanceProfilesForRole(ctx.account_id(), role_name, ListOptionsFrom(input, ""));
  if (!page.has_value()) {
    Error e = std::move(page).error();
    if (e.code == ErrorCode::kNotFound) {
      return MakeError(RoleNotFound(role_name));
    }
    return MakeError(ListError(std::move(e)));
  }
  return ListedProfiles(*txn, *std::move(page));
}

Result<Value> AddRoleToInstanceProfile(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "InstanceProfileName"));
  const std::string role_name(StringMember(input, "RoleName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, InstanceProfileArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:AddRoleToInstanceProfile", arn));
  // AWS: "The caller of this operation must be granted the PassRole permission on the
  // IAM role" (AddRoleToInstanceProfile reference).
  IAM_ASSIGN_OR_RETURN(const std::string role_arn, RoleArnForAuthz(ctx, role_name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:PassRole", role_arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    auto profile = txn.GetInstanceProfile(ctx.account_id(), name);
    if (!profile.has_value()) {
      return MakeError(InstanceProfileError(std::move(profile).error(), name));
    }
    auto role = txn.GetRole(ctx.account_id(), role_name);
    if (!role.has_value()) {
      return MakeError(RoleError(std::move(role).error(), role_name));
    }
    if (profile->role_names.size() >= static_cast<std::size_t>(kRolesPerInstanceProfile)) {
      return MakeError(
          LimitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: " +
                        std::to_string(kRolesPerInstanceProfile)));
    }
    return txn.AddRoleToInstanceProfile(ctx.account_id(), profile->name, role->name);
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> RemoveRoleFromInstanceProfile(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "InstanceProfileName"));
  const std::string role_name(StringMember(input, "RoleName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, InstanceProfileArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:RemoveRoleFromInstanceProfile", arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    auto profile = txn.GetInstanceProfile(ctx.account_id(), name);
    if (!profile.has_value()) {
      return MakeError(InstanceProfileError(std::move(profile).error(), name));
    }
    auto role = txn.GetRole(ctx.account_id(), role_name);
    if (!role.has_value()) {
      return MakeError(RoleError(std::move(role).error(), role_name));
    }
    auto removed = txn.RemoveRoleFromInstanceProfile(ctx.account_id(), profile->name, role->name);
    if (!removed.has_value() && removed.error().code == ErrorCode::kNotFound) {
      return MakeError(NoSuchEntity("The role with name " + role_name +
                                    " is not in instance profile " + profile->name + "."));
    }
    return removed;
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

}  // namespace

// The model's InstanceProfile structure, with its roles as the Role structure shows them
// in listings (no tags, boundary or RoleLastUsed). `with_tags`: GetInstanceProfile and
// CreateInstanceProfile show the profile's tags; listings do not.
Result<Value> InstanceProfileValue(store::ReadTxn& txn, const store::InstanceProfile& profile,
                                   bool with_tags) {
  Value v = Value::Structure();
  v.Set("Path", Value::String(profile.path));
  v.Set("InstanceProfileName", Value::String(profile.name));
  v.Set("InstanceProfileId", Value::String(profile.id));
  v.Set("Arn", Value::String(profile.arn));
  v.Set("CreateDate", TimestampValue(profile.created));
  Value& roles = v.Set("Roles", Value::List());
  for (const std::string& role_name : profile.role_names) {
    IAM_ASSIGN_OR_RETURN(store::Role role, txn.GetRole(profile.account_id, role_name));
    role.permissions_boundary_arn.clear();
    role.tags.clear();
    roles.Append(RoleValue(role));
  }
  if (with_tags && !profile.tags.empty()) {
    v.Set("Tags", TagListValue(profile.tags));
  }
  return v;
}

void RegisterInstanceProfileOperations(HandlerTable& table) {
  table["CreateInstanceProfile"] = &CreateInstanceProfile;
  table["GetInstanceProfile"] = &GetInstanceProfile;
  table["DeleteInstanceProfile"] = &DeleteInstanceProfile;
  table["ListInstanceProfiles"] = &ListInstanceProfiles;
  table["ListInstanceProfilesForRole"] = &ListInstanceProfilesForRole;
  table["AddRoleToInstanceProfile"] = &AddRoleToInstanceProfile;
  table["RemoveRoleFromInstanceProfile"] = &RemoveRoleFromInstanceProfile;
}

}  // namespace portcullis::api::iam
