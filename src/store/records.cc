#include "store/records.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace portcullis::store {
namespace {

Error Invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::nullopt, {}, {}};
}

bool IsAccountId(std::string_view id) {
  return id.size() == 12 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Status CheckAccountId(std::string_view id) {
  if (!IsAccountId(id)) {
    return tl::unexpected(Invalid("account id `" + std::string(id) + "` is not 12 digits"));
  }
  return OkStatus();
}

Status CheckName(std::string_view what, std::string_view name) {
  if (name.empty()) {
    return tl::unexpected(Invalid(std::string(what) + " name is empty"));
  }
  return OkStatus();
}

Status CheckPath(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.back() != '/') {
    return tl::unexpected(
        Invalid("path `" + std::string(path) + "` does not begin and end with `/`"));
  }
  return OkStatus();
}

Status CheckId(std::string_view what, std::string_view id, std::string_view prefix) {
  if (id.size() <= prefix.size() || id.substr(0, prefix.size()) != prefix) {
    return tl::unexpected(Invalid(std::string(what) + " id `" + std::string(id) +
                                  "` does not begin with `" + std::string(prefix) + "`"));
  }
  return OkStatus();
}

Status CheckArn(std::string_view what, std::string_view arn) {
  if (arn.substr(0, 4) != "arn:") {
    return tl::unexpected(
        Invalid(std::string(what) + " arn `" + std::string(arn) + "` does not begin with `arn:`"));
  }
  return OkStatus();
}

Error WithAwsCode(ErrorCode code, std::string message, std::string aws_code) {
  Error error{code, std::move(message), std::nullopt, {}, {}};
  error.aws_code = std::move(aws_code);
  return error;
}

}  // namespace

std::string_view PrincipalKindName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kUser:
      return "user";
    case PrincipalKind::kGroup:
      return "group";
    case PrincipalKind::kRole:
      return "role";
  }
  return "principal";
}

std::string_view ResourceKindName(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kMfaDevice:
      return "MFA device";
    case ResourceKind::kSshPublicKey:
      return "SSH public key";
    case ResourceKind::kSigningCertificate:
      return "signing certificate";
    case ResourceKind::kServerCertificate:
      return "server certificate";
    case ResourceKind::kServiceSpecificCredential:
      return "service-specific credential";
    case ResourceKind::kOidcProvider:
      return "OpenID Connect provider";
    case ResourceKind::kSamlProvider:
      return "SAML provider";
    case ResourceKind::kAccountAlias:
      return "account alias";
    case ResourceKind::kReport:
      return "report";
    case ResourceKind::kSignInState:
      return "sign-in state";
    case ResourceKind::kAccountSetting:
      return "account setting";
    case ResourceKind::kRoleLastUsed:
      return "role last used";
    case ResourceKind::kWorkload:
      return "workload";
  }
  return "resource";
}

bool ResourceKindBlocksUserDeletion(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kMfaDevice:
    case ResourceKind::kSshPublicKey:
    case ResourceKind::kSigningCertificate:
    case ResourceKind::kServiceSpecificCredential:
      return true;
    default:
      return false;
  }
}

std::string NameKey(std::string_view name) {
  std::string key(name);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return key;
}

Result<std::int64_t> ParsePolicyVersionId(std::string_view version_id) {
  std::int64_t number = 0;
  if (version_id.size() >= 2 && version_id.front() == 'v' && version_id[1] != '0') {
    const char* first = version_id.data() + 1;
    const char* last = version_id.data() + version_id.size();
    auto [ptr, ec] = std::from_chars(first, last, number);
    if (ec == std::errc() && ptr == last && number >= 1) {
      return number;
    }
  }
  return tl::unexpected(
      Invalid("policy version id `" + std::string(version_id) + "` is not of the form `vN`"));
}

Status ValidateAccount(const Account& account) {
  return CheckAccountId(account.id);
}

Status ValidateUser(const User& user) {
  IAM_RETURN_IF_ERROR(CheckAccountId(user.account_id));
  IAM_RETURN_IF_ERROR(CheckName("user", user.name));
  IAM_RETURN_IF_ERROR(CheckPath(user.path));
  IAM_RETURN_IF_ERROR(CheckId("user", user.id, "AIDA"));
  return CheckArn("user", user.arn);
}

Status ValidateGroup(const Group& group) {
  IAM_RETURN_IF_ERROR(CheckAccountId(group.account_id));
  IAM_RETURN_IF_ERROR(CheckName("group", group.name));
  IAM_RETURN_IF_ERROR(CheckPath(group.path));
  IAM_RETURN_IF_ERROR(CheckId("group", group.id, "AGPA"));
  return CheckArn("group", group.arn);
}

Status ValidateRole(const Role& role) {
  IAM_RETURN_IF_ERROR(CheckAccountId(role.account_id));
  IAM_RETURN_IF_ERROR(CheckName("role", role.name));
  IAM_RETURN_IF_ERROR(CheckPath(role.path));
  IAM_RETURN_IF_ERROR(CheckId("role", role.id, "AROA"));
  IAM_RETURN_IF_ERROR(CheckArn("role", role.arn));
  if (role.max_session_duration <= 0) {
    return tl::unexpected(Invalid("role max session duration is not positive"));
  }
  return OkStatus();
}

Status ValidateManagedPolicy(const ManagedPolicy& policy) {
  if (policy.account_id != "aws") {
    IAM_RETURN_IF_ERROR(CheckAccountId(policy.account_id));
  }
  IAM_RETURN_IF_ERROR(CheckName("policy", policy.name));
  IAM_RETURN_IF_ERROR(CheckPath(policy.path));
  IAM_RETURN_IF_ERROR(CheckId("policy", policy.id, "ANPA"));
  IAM_RETURN_IF_ERROR(CheckArn("policy", policy.arn));
  return ParsePolicyVersionId(policy.default_version_id).transform([](std::int64_t) {});
}

Status ValidatePolicyVersion(const PolicyVersion& version) {
  IAM_RETURN_IF_ERROR(CheckArn("policy", version.policy_arn));
  return ParsePolicyVersionId(version.version_id).transform([](std::int64_t) {});
}

Status ValidateInlinePolicy(const InlinePolicy& policy) {
  IAM_RETURN_IF_ERROR(CheckAccountId(policy.principal.account_id));
  IAM_RETURN_IF_ERROR(CheckName(PrincipalKindName(policy.principal.kind), policy.principal.name));
  return CheckName("inline policy", policy.name);
}

Status ValidateAccessKey(const AccessKey& key) {
  IAM_RETURN_IF_ERROR(CheckAccountId(key.account_id));
  IAM_RETURN_IF_ERROR(CheckId("access key", key.id, "AKIA"));
  if (key.sealed_secret.empty()) {
    return tl::unexpected(Invalid("access key `" + key.id + "` has no sealed secret"));
  }
  return OkStatus();
}

// Instance profiles
Status ValidateInstanceProfile(const InstanceProfile& profile) {
  IAM_RETURN_IF_ERROR(CheckAccountId(profile.account_id));
  IAM_RETURN_IF_ERROR(CheckName("instance profile", profile.name));
  IAM_RETURN_IF_ERROR(CheckPath(profile.path));
  IAM_RETURN_IF_ERROR(CheckId("instance profile", profile.id, "AIPA"));
  return CheckArn("instance profile", profile.arn);
}

// Login profiles and the password policy
Status ValidateLoginProfile(const LoginProfile& profile) {
  IAM_RETURN_IF_ERROR(CheckAccountId(profile.account_id));
  if (profile.user_name.empty()) {
    return tl::unexpected(Invalid("login profile has no user name"));
  }
  // The hash itself is never put into a message.
  if (profile.password_hash.rfind("$argon2id$", 0) != 0) {
    return tl::unexpected(
        Invalid("login profile of `" + profile.user_name + "` has no argon2id hash"));
  }
  return OkStatus();
}

Status ValidatePasswordPolicy(const PasswordPolicy& policy) {
  IAM_RETURN_IF_ERROR(CheckAccountId(policy.account_id));
  if (policy.minimum_password_length < 6 || policy.minimum_password_length > 128) {
    return tl::unexpected(Invalid("minimum password length " +
                                  std::to_string(policy.minimum_password_length) +
                                  " is outside 6..128"));
  }
  if (policy.max_password_age < 0 || policy.max_password_age > 1095) {
    return tl::unexpected(Invalid("max password age " + std::to_string(policy.max_password_age) +
                                  " is outside 0..1095"));
  }
  if (policy.password_reuse_prevention < 0 || policy.password_reuse_prevention > 24) {
    return tl::unexpected(Invalid("password reuse prevention " +
                                  std::to_string(policy.password_reuse_prevention) +
                                  " is outside 0..24"));
  }
  return OkStatus();
}

Status ValidateListOptions(const ListOptions& options) {
  if (options.max_items < 1 || options.max_items > kMaxMaxItems) {
    return tl::unexpected(Invalid("max items " + std::to_string(options.max_items) +
                                  " is outside 1.." + std::to_string(kMaxMaxItems)));
  }
  if (!options.path_prefix.empty() && options.path_prefix.front() != '/') {
    return tl::unexpected(
        Invalid("path prefix `" + options.path_prefix + "` does not begin with `/`"));
  }
  return OkStatus();
}

// Resources
Status ValidateResource(const Resource& resource) {
  IAM_RETURN_IF_ERROR(CheckAccountId(resource.account_id));
  const auto kind = static_cast<int>(resource.kind);
  if (kind < static_cast<int>(ResourceKind::kMfaDevice) ||
      kind > static_cast<int>(ResourceKind::kWorkload)) {
    return tl::unexpected(Invalid("unknown resource kind " + std::to_string(kind)));
  }
  if (resource.key.empty() || resource.key.size() > 512) {
    return tl::unexpected(Invalid(std::string(ResourceKindName(resource.kind)) +
                                  " key is empty or longer than 512 bytes"));
  }
  return CheckPath(resource.path);
}

Error NotFoundError(std::string message) {
  return WithAwsCode(ErrorCode::kNotFound, std::move(message), "NoSuchEntity");
}

Error AlreadyExistsError(std::string message) {
  return WithAwsCode(ErrorCode::kAlreadyExists, std::move(message), "EntityAlreadyExists");
}

Error DeleteConflictError(std::string message) {
  return WithAwsCode(ErrorCode::kFailedPrecondition, std::move(message), "DeleteConflict");
}

Status CheckPolicyVersionDeletable(const PolicyVersion& version) {
  if (version.is_default) {
    return tl::unexpected(DeleteConflictError("cannot delete the default version `" +
                                              version.version_id + "` of `" + version.policy_arn +
                                              "`"));
  }
  return OkStatus();
}

}  // namespace portcullis::store
