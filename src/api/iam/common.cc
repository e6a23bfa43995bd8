#include "api/iam/common.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "auth/sigv4/canonical.h"

namespace portcullis::api::iam {

std::string_view StringMember(const Value& input, std::string_view name,
                              std::string_view fallback) {
  const Value* v = input.Find(name);
  if (v == nullptr || v->kind() != Value::Kind::kString)
    return fallback;
  return v->text();
}

std::optional<std::string> OptionalStringMember(const Value& input, std::string_view name) {
  const Value* v = input.Find(name);
  if (v == nullptr || v->kind() != Value::Kind::kString)
    return std::nullopt;
  return v->text();
}

std::optional<std::int64_t> IntegerMember(const Value& input, std::string_view name) {
  const Value* v = input.Find(name);
  if (v == nullptr || v->kind() != Value::Kind::kInteger)
    return std::nullopt;
  return v->number();
}

std::optional<bool> BooleanMember(const Value& input, std::string_view name) {
  const Value* v = input.Find(name);
  if (v == nullptr || v->kind() != Value::Kind::kBoolean)
    return std::nullopt;
  return v->boolean();
}

store::ListOptions ListOptionsFrom(const Value& input, std::string_view path_prefix_member) {
  store::ListOptions options;
  options.marker = std::string(StringMember(input, "Marker"));
  if (auto max_items = IntegerMember(input, "MaxItems")) {
    // The model bounds MaxItems to 1..1000.
    options.max_items = static_cast<int>(std::clamp<std::int64_t>(*max_items, 1, 1000));
  }
  if (!path_prefix_member.empty()) {
    options.path_prefix = std::string(StringMember(input, path_prefix_member));
  }
  return options;
}

std::string IamArn(std::string_view account_id, std::string_view resource_type,
                   std::string_view path, std::string_view name) {
  std::string arn = "arn:aws:iam::";
  arn += account_id;
  arn += ':';
  arn += resource_type;
  arn += path.empty() ? std::string_view("/") : path;
  arn += name;
  return arn;
}

std::string UserArn(std::string_view account_id, std::string_view path, std::string_view name) {
  return IamArn(account_id, "user", path, name);
}

std::string GroupArn(std::string_view account_id, std::string_view path, std::string_view name) {
  return IamArn(account_id, "group", path, name);
}

std::string RoleArn(std::string_view account_id, std::string_view path, std::string_view name) {
  return IamArn(account_id, "role", path, name);
}

std::string PolicyArn(std::string_view account_id, std::string_view path, std::string_view name) {
  return IamArn(account_id, "policy", path, name);
}

std::string RootArn(std::string_view account_id) {
  std::string arn = "arn:aws:iam::";
  arn += account_id;
  arn += ":root";
  return arn;
}

Value TimestampValue(store::Timestamp t) {
  return Value::TimestampMillis(t.time_since_epoch().count());
}

Value TagListValue(const std::vector<store::Tag>& tags) {
  Value list = Value::List();
  for (const auto& tag : tags) {
    Value& t = list.Append(Value::Structure());
    t.Set("Key", Value::String(tag.key));
    t.Set("Value", Value::String(tag.value));
  }
  return list;
}

Value UserValue(const store::User& user) {
  Value v = Value::Structure();
  v.Set("Path", Value::String(user.path));
  v.Set("UserName", Value::String(user.name));
  v.Set("UserId", Value::String(user.id));
  v.Set("Arn", Value::String(user.arn));
  v.Set("CreateDate", TimestampValue(user.created));
  if (user.password_last_used)
    v.Set("PasswordLastUsed", TimestampValue(*user.password_last_used));
  if (!user.permissions_boundary_arn.empty()) {
    v.Set("PermissionsBoundary", PermissionsBoundaryValue(user.permissions_boundary_arn));
  }
  if (!user.tags.empty())
    v.Set("Tags", TagListValue(user.tags));
  return v;
}

Value GroupValue(const store::Group& group) {
  Value v = Value::Structure();
  v.Set("Path", Value::String(group.path));
  v.Set("GroupName", Value::String(group.name));
  v.Set("GroupId", Value::String(group.id));
  v.Set("Arn", Value::String(group.arn));
  v.Set("CreateDate", TimestampValue(group.created));
  return v;
}

Value RoleValue(const store::Role& role) {
  Value v = Value::Structure();
  v.Set("Path", Value::String(role.path));
  v.Set("RoleName", Value::String(role.name));
  v.Set("RoleId", Value::String(role.id));
  v.Set("Arn", Value::String(role.arn));
  v.Set("CreateDate", TimestampValue(role.created));
  if (!role.assume_role_policy_document.empty()) {
    v.Set("AssumeRolePolicyDocument",
          Value::String(UrlEncodeDocument(role.assume_role_policy_document)));
  }
  if (!role.description.empty())
    v.Set("Description", Value::String(role.description));
  v.Set("MaxSessionDuration", Value::Integer(role.max_session_duration));
  if (!role.permissions_boundary_arn.empty()) {
    v.Set("PermissionsBoundary", PermissionsBoundaryValue(role.permissions_boundary_arn));
  }
  if (!role.tags.empty())
    v.Set("Tags", TagListValue(role.tags));
  return v;
}

Value ManagedPolicyValue(const store::ManagedPolicy& policy) {
  Value v = Value::Structure();
  v.Set("PolicyName", Value::String(policy.name));
  v.Set("PolicyId", Value::String(policy.id));
  v.Set("Arn", Value::String(policy.arn));
  v.Set("Path", Value::String(policy.path));
  v.Set("DefaultVersionId", Value::String(policy.default_version_id));
  v.Set("AttachmentCount", Value::Integer(policy.attachment_count));
  v.Set("PermissionsBoundaryUsageCount", Value::Integer(policy.permissions_boundary_usage_count));
  v.Set("IsAttachable", Value::Boolean(policy.is_attachable));
  if (!policy.description.empty())
    v.Set("Description", Value::String(policy.description));
  v.Set("CreateDate", TimestampValue(policy.created));
  v.Set("UpdateDate", TimestampValue(policy.updated));
  return v;
}

Value PolicyVersionValue(const store::PolicyVersion& version) {
  Value v = Value::Structure();
  v.Set("Document", Value::String(UrlEncodeDocument(version.document)));
  v.Set("VersionId", Value::String(version.version_id));
  v.Set("IsDefaultVersion", Value::Boolean(version.is_default));
  v.Set("CreateDate", TimestampValue(version.created));
  return v;
}

Value AccessKeyMetadataValue(const store::AccessKey& key) {
  Value v = Value::Structure();
  if (!key.user_name.empty())
    v.Set("UserName", Value::String(key.user_name));
  v.Set("AccessKeyId", Value::String(key.id));
  v.Set("Status",
        Value::String(key.status == store::AccessKeyStatus::kActive ? "Active" : "Inactive"));
  v.Set("CreateDate", TimestampValue(key.created));
  return v;
}

std::string UrlEncodeDocument(std::string_view document) {
  return auth::sigv4::UriEncode(document, /*keep_slash=*/false);
}

namespace {

Error AwsError(ErrorCode code, std::string aws_code, std::string message) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  e.aws_code = std::move(aws_code);
  return e;
}

std::size_t NonWhitespaceChars(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return c != ' ' && c != '\t' && c != '\n' && c != '\r';
  }));
}

}  // namespace

Status ValidatePolicyDocument(std::string_view document, policy::PolicyKind kind,
                              std::size_t max_chars) {
  policy::ParseOptions options;
  options.kind = kind;
  options.enforce_size_limit = max_chars == 0;
  options.aws_syntax_error_message = true;
  auto parsed = policy::ParsePolicy(document, options);
  if (!parsed.has_value()) {
    Error e = std::move(parsed).error();
    if (e.aws_code.empty()) {
      e.aws_code = "MalformedPolicyDocument";
    }
    return tl::unexpected<Error>(std::move(e));
  }
  if (max_chars != 0 && NonWhitespaceChars(document) > max_chars) {
    return tl::unexpected<Error>(
        LimitExceeded("Cannot exceed quota for PolicySize: " + std::to_string(max_chars)));
  }
  return OkStatus();
}

Error NoSuchEntity(std::string message) {
  return AwsError(ErrorCode::kNotFound, "NoSuchEntity", std::move(message));
}

Error EntityAlreadyExists(std::string message) {
  return AwsError(ErrorCode::kAlreadyExists, "EntityAlreadyExists", std::move(message));
}

Error DeleteConflict(std::string message) {
  return AwsError(ErrorCode::kFailedPrecondition, "DeleteConflict", std::move(message));
}

Error LimitExceeded(std::string message) {
  return AwsError(ErrorCode::kResourceExhausted, "LimitExceeded", std::move(message));
}

Error InvalidInput(std::string message) {
  return AwsError(ErrorCode::kInvalidArgument, "InvalidInput", std::move(message));
}

Error MalformedPolicyDocument(std::string message) {
  return AwsError(ErrorCode::kInvalidArgument, "MalformedPolicyDocument", std::move(message));
}

Error UserNotFound(std::string_view name) {
  return NoSuchEntity("The user with name " + std::string(name) + " cannot be found.");
}

Error GroupNotFound(std::string_view name) {
  return NoSuchEntity("The group with name " + std::string(name) + " cannot be found.");
}

Error UserExists(std::string_view name) {
  return EntityAlreadyExists("User with name " + std::string(name) + " already exists.");
}

Error UserError(Error error, std::string_view name) {
  if (error.code == ErrorCode::kNotFound) {
    return UserNotFound(name);
  }
  if (error.code == ErrorCode::kAlreadyExists) {
    return UserExists(name);
  }
  return error;
}

Error ListError(Error error) {
  if (error.code == ErrorCode::kInvalidArgument && error.aws_code.empty()) {
    return InvalidInput(std::move(error.message));
  }
  return error;
}

Result<std::string> UserArnForAuthz(const OperationContext& ctx, std::string_view name) {
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto user = txn->GetUser(ctx.account_id(), name);
  if (user.has_value()) {
    return user->arn;
  }
  if (user.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(user).error());
  }
  return UserArn(ctx.account_id(), "/", name);
}

Result<std::string> GroupArnForAuthz(const OperationContext& ctx, std::string_view name) {
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto group = txn->GetGroup(ctx.account_id(), name);
  if (group.has_value()) {
    return group->arn;
  }
  if (group.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(group).error());
  }
  return GroupArn(ctx.account_id(), "/", name);
}

Result<std::string> RoleArnForAuthz(const OperationContext& ctx, std::string_view name) {
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto role = txn->GetRole(ctx.account_id(), name);
  if (role.has_value()) {
    return role->arn;
  }
  if (role.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(role).error());
  }
  return RoleArn(ctx.account_id(), "/", name);
}

std::string InstanceProfileArn(std::string_view account_id, std::string_view path,
                               std::string_view name) {
  return IamArn(account_id, "instance-profile", path, name);
}

Error InstanceProfileNotFound(std::string_view name) {
  return NoSuchEntity("Instance Profile " + std::string(name) + " cannot be found.");
}

Error InstanceProfileExists(std::string_view name) {
  return EntityAlreadyExists("Instance Profile " + std::string(name) + " already exists.");
}

Error InstanceProfileError(Error error, std::string_view name) {
  if (error.code == ErrorCode::kNotFound) {
    return InstanceProfileNotFound(name);
  }
  if (error.code == ErrorCode::kAlreadyExists) {
    return InstanceProfileExists(name);
  }
  return error;
}

Result<std::string> InstanceProfileArnForAuthz(const OperationContext& ctx, std::string_view name) {
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto profile = txn->GetInstanceProfile(ctx.account_id(), name);
  if (profile.has_value()) {
    return profile->arn;
  }
  if (profile.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(profile).error());
  }
  return InstanceProfileArn(ctx.account_id(), "/", name);
}

Error RoleNotFound(std::string_view name) {
  return NoSuchEntity("The role with name " + std::string(name) + " cannot be found.");
}

Error RoleExists(std::string_view name) {
  return EntityAlreadyExists("Role with name " + std::string(name) + " already exists.");
}

Error RoleError(Error error, std::string_view name) {
  if (error.code == ErrorCode::kNotFound) {
    return RoleNotFound(name);
  }
  if (error.code == ErrorCode::kAlreadyExists) {
    return RoleExists(name);
  }
  return error;
}

Value PermissionsBoundaryValue(const std::string& arn) {
  Value b = Value::Structure();
  b.Set("PermissionsBoundaryType", Value::String("PermissionsBoundaryPolicy"));
  b.Set("PermissionsBoundaryArn", Value::String(arn));
  return b;
}

// Tags of the input's `Tags` list; InvalidInput for duplicate keys (AWS compares tag
// keys without regard to case).
Result<std::vector<store::Tag>> InputTags(const Value& input) {
  std::vector<store::Tag> tags;
  const Value* list = input.Find("Tags");
  if (list == nullptr) {
    return tags;
  }
  for (const Value& entry : list->children()) {
    store::Tag tag{std::string(StringMember(entry, "Key")),
                   std::string(StringMember(entry, "Value"))};
    // AWS: the aws: prefix (in any case) is reserved for AWS's own tags.
    if (store::NameKey(tag.key).rfind("aws:", 0) == 0) {
      return MakeError(InvalidInput("Tag keys starting with 'aws:' are reserved for AWS use."));
    }
    for (const store::Tag& other : tags) {
      if (store::NameKey(other.key) == store::NameKey(tag.key)) {
        return MakeError(InvalidInput(
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."));
      }
    }
    tags.push_back(std::move(tag));
  }
  return tags;
}

// aws:RequestTag/KEY and aws:TagKeys for a request that tags a new resource.
std::vector<std::pair<std::string, std::vector<std::string>>> RequestTagContext(
    const std::vector<store::Tag>& tags) {
  std::vector<std::pair<std::string, std::vector<std::string>>> context;
  if (tags.empty()) {
    return context;
  }
  std::vector<std::string> keys;
  for (const store::Tag& tag : tags) {
    context.emplace_back("aws:RequestTag/" + tag.key, std::vector<std::string>{tag.value});
    keys.push_back(tag.key);
  }
  context.emplace_back("aws:TagKeys", std::move(keys));
  return context;
}

// A permissions boundary must be an attachable managed policy of the account or an AWS
// managed policy.
Status CheckPermissionsBoundary(store::ReadTxn& txn, std::string_view account_id,
                                const std::string& boundary) {
  if (boundary.empty()) {
    return OkStatus();
  }
  auto policy = txn.GetManagedPolicy(boundary);
  if (policy.has_value() && policy->is_attachable &&
      (policy->account_id == account_id || policy->account_id == "aws")) {
    return OkStatus();
  }
  if (!policy.has_value() && policy.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(policy).error());
  }
  return MakeError(
      NoSuchEntity("Scope ARN: " + boundary + " does not exist or is not attachable."));
}

// Identity providers and service-specific credentials
Result<std::vector<store::Resource>> ListAllResources(store::ReadTxn& txn, store::ResourceKind kind,
                                                      std::string_view account_id,
                                                      const store::ResourceFilter& filter) {
  std::vector<store::Resource> all;
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(auto page, txn.ListResources(kind, account_id, filter, options));
    for (store::Resource& r : page.items) {
      all.push_back(std::move(r));
    }
    if (!page.is_truncated) {
      return all;
    }
    options.marker = page.next_marker;
  }
}

Result<store::Resource> PutNewAccountResource(store::WriteTxn& txn, store::Resource resource,
                                              int quota, std::string_view quota_name,
                                              const Error& exists) {
  auto existing = txn.GetResource(resource.kind, resource.account_id, resource.key);
  if (existing.has_value()) {
    return MakeError(exists);
  }
  if (existing.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(existing).error());
  }
  IAM_ASSIGN_OR_RETURN(const int count, CountAll([&](const store::ListOptions& o) {
                         return txn.ListResources(resource.kind, resource.account_id, {}, o);
                       }));
  if (count >= quota) {
    return MakeError(LimitExceeded("Cannot exceed quota for " + std::string(quota_name) + ": " +
                                   std::to_string(quota)));
  }
  auto put = txn.PutResource(std::move(resource));
  if (!put.has_value() && put.error().code == ErrorCode::kAlreadyExists) {
    return MakeError(exists);
  }
  return put;
}

Status RequireUserCredentials(const auth::Caller& caller) {
  if (caller.type == auth::PrincipalType::kAssumedRole ||
      caller.type == auth::PrincipalType::kFederatedUser) {
    return MakeError(Error{ErrorCode::kInvalidArgument,
                           "Must specify userName when calling with non-User credentials",
                           std::nullopt,
                           {},
                           "ValidationError"});
  }
  return OkStatus();
}

// STS: RoleLastUsed.
Status RecordRoleUse(store::WriteTxn& txn, const store::Role& role, store::Timestamp when,
                     std::string_view region) {
  nlohmann::json body;
  body["LastUsedDate"] = when.time_since_epoch().count();
  body["Region"] = std::string(region.empty() ? "us-east-1" : region);
  store::Resource resource;
  resource.kind = store::ResourceKind::kRoleLastUsed;
  resource.account_id = role.account_id;
  resource.key = role.id;
  resource.body = body.dump();
  auto existing = txn.GetResource(resource.kind, role.account_id, role.id);
  if (existing.has_value()) {
    resource.created = existing->created;
    IAM_ASSIGN_OR_RETURN(auto updated, txn.UpdateResource(std::move(resource)));
    (void)updated;
    return OkStatus();
  }
  if (existing.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(existing).error());
  }
  IAM_ASSIGN_OR_RETURN(auto put, txn.PutResource(std::move(resource)));
  (void)put;
  return OkStatus();
}

Status ForgetRoleUse(store::WriteTxn& txn, const store::Role& role) {
  auto deleted = txn.DeleteResource(store::ResourceKind::kRoleLastUsed, role.account_id, role.id);
  if (!deleted.has_value() && deleted.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(deleted).error());
  }
  return OkStatus();
}

Result<Value> RoleLastUsedValue(store::ReadTxn& txn, const store::Role& role) {
  Value out = Value::Structure();
  auto used = txn.GetResource(store::ResourceKind::kRoleLastUsed, role.account_id, role.id);
  if (!used.has_value()) {
    if (used.error().code == ErrorCode::kNotFound) {
      return out;
    }
    return MakeError(std::move(used).error());
  }
  const nlohmann::json body = nlohmann::json::parse(used->body, nullptr, false);
  if (body.is_object() && body.contains("LastUsedDate") && body["LastUsedDate"].is_number() &&
      body.contains("Region") && body["Region"].is_string()) {
    out.Set("LastUsedDate", Value::TimestampMillis(body["LastUsedDate"].get<std::int64_t>()));
    out.Set("Region", Value::String(body["Region"].get<std::string>()));
  }
  return out;
}

}  // namespace portcullis::api::iam
