// IAM passwords: CreateLoginProfile, GetLoginProfile, UpdateLoginProfile,
// DeleteLoginProfile, ChangePassword, GetAccountPasswordPolicy,
// UpdateAccountPasswordPolicy, DeleteAccountPasswordPolicy.
//
// Passwords are stored only as argon2id hashes (crypto/password_hash.h). A password or a
// hash never goes into an error message, a log or an output. Every new password is
// checked against the account's password policy (AWS's default policy when the account
// has none: at least 8 characters and three of the four character classes) and, when the
// policy prevents reuse, against the stored history of previous password hashes.
//
// AWS: IAM API reference for each operation; IAM User Guide, "Set an account password
// policy for IAM users" (defaults, ranges, the symbol set, the default policy) and
// "Permit IAM users to change their own passwords".
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "crypto/password_hash.h"

namespace portcullis::api::iam {
namespace {

// History kept per user, whatever the policy says: the largest PasswordReusePrevention,
// so that enabling reuse prevention later already has the history it needs.
constexpr int kPasswordHistoryKept = 24;

// The symbols AWS's password policy counts: ! @ # $ % ^ & * ( ) _ + - = [ ] { } | '
constexpr std::string_view kSymbols = "!@#$%^&*()_+-=[]{}|'";

Error Coded(ErrorCode code, std::string aws_code, std::string message) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  e.aws_code = std::move(aws_code);
  return e;
}

Error PasswordPolicyViolation() {
  return Coded(ErrorCode::kInvalidArgument, "PasswordPolicyViolation",
               "Password does not conform to the account password policy.");
}

Error LoginProfileNotFound(std::string_view user_name) {
  return NoSuchEntity("Login Profile for User " + std::string(user_name) + " cannot be found.");
}

Error PolicyNotFound() {
  return NoSuchEntity("The Password Policy with domain name " + std::string("ACCOUNT") +
                      " cannot be found.");
}

// Whether `password` satisfies `policy` (no policy: AWS's default policy).
bool Conforms(std::string_view password, const std::optional<store::PasswordPolicy>& policy) {
  bool upper = false;
  bool lower = false;
  bool number = false;
  bool symbol = false;
  for (const char c : password) {
    upper = upper || (c >= 'A' && c <= 'Z');
    lower = lower || (c >= 'a' && c <= 'z');
    number = number || (c >= '0' && c <= '9');
    symbol = symbol || kSymbols.find(c) != std::string_view::npos;
  }
  if (!policy.has_value()) {
    const int classes = (upper ? 1 : 0) + (lower ? 1 : 0) + (number ? 1 : 0) + (symbol ? 1 : 0);
    return password.size() >= 8 && classes >= 3;
  }
  return password.size() >= static_cast<std::size_t>(policy->minimum_password_length) &&
         (!policy->require_uppercase_characters || upper) &&
         (!policy->require_lowercase_characters || lower) && (!policy->require_numbers || number) &&
         (!policy->require_symbols || symbol);
}

std::optional<store::PasswordPolicy> PolicyOf(store::ReadTxn& txn, std::string_view account_id,
                                              Status* status) {
  auto policy = txn.GetPasswordPolicy(account_id);
  if (policy.has_value()) {
    return *std::move(policy);
  }
  if (policy.error().code != ErrorCode::kNotFound) {
    *status = MakeError(std::move(policy).error());
  }
  return std::nullopt;
}

// Checks `password` as the new password of `user_name` (empty: a new login profile)
// against the policy and, when it prevents reuse, the user's previous passwords.
Status CheckNewPassword(store::ReadTxn& txn, std::string_view account_id,
                        std::string_view user_name, std::string_view password,
                        const std::optional<store::PasswordPolicy>& policy) {
  if (!Conforms(password, policy)) {
    return MakeError(PasswordPolicyViolation());
  }
  if (!policy.has_value() || policy->password_reuse_prevention <= 0) {
    return OkStatus();
  }
  IAM_ASSIGN_OR_RETURN(std::vector<std::string> history,
                       txn.GetPasswordHistory(account_id, user_name));
  const std::size_t checked =
      std::min(history.size(), static_cast<std::size_t>(policy->password_reuse_prevention));
  for (std::size_t i = 0; i < checked; ++i) {
    if (crypto::VerifyPassword(password, history[i])) {
      return MakeError(PasswordPolicyViolation());
    }
  }
  return OkStatus();
}

// The user `name` of the account; NoSuchEntity with AWS's message when there is none.
Result<store::User> FindUser(store::ReadTxn& txn, std::string_view account_id,
                             std::string_view name) {
  auto user = txn.GetUser(account_id, name);
  if (!user.has_value()) {
    return MakeError(UserError(std::move(user).error(), name));
  }
  return user;
}

// The login profile of `user_name`; NoSuchEntity with AWS's message when there is none.
Result<store::LoginProfile> FindProfile(store::ReadTxn& txn, std::string_view account_id,
                                        std::string_view user_name) {
  auto profile = txn.GetLoginProfile(account_id, user_name);
  if (!profile.has_value() && profile.error().code == ErrorCode::kNotFound) {
    return MakeError(LoginProfileNotFound(user_name));
  }
  return profile;
}

// Checks `password` against the account's policy and the user's history, then sets it
// (already hashed as `hash`) on `profile` and records it in the history.
Status SetNewPassword(store::WriteTxn& txn, std::string_view account_id, std::string_view password,
                      const std::string& hash, const std::optional<store::PasswordPolicy>& policy,
                      store::LoginProfile& profile) {
  IAM_RETURN_IF_ERROR(CheckNewPassword(txn, account_id, profile.user_name, password, policy));
  profile.password_hash = hash;
  profile.password_last_changed = store::Timestamp{};  // stamped now by the store
  return txn.RecordPasswordHistory(account_id, profile.user_name, hash, kPasswordHistoryKept);
}

// The account's policy, or none.
Result<std::optional<store::PasswordPolicy>> AccountPolicy(store::ReadTxn& txn,
                                                           std::string_view account_id) {
  Status status = OkStatus();
  std::optional<store::PasswordPolicy> policy = PolicyOf(txn, account_id, &status);
  IAM_RETURN_IF_ERROR(status);
  return policy;
}

Value LoginProfileValue(const store::LoginProfile& profile) {
  Value out = Value::Structure();
  out.Set("UserName", Value::String(profile.user_name));
  out.Set("CreateDate", TimestampValue(profile.created));
  out.Set("PasswordResetRequired", Value::Boolean(profile.password_reset_required));
  return out;
}

// The user a login-profile operation is about: UserName, or the calling IAM user. The
// root user's own console password is outside these operations here (AWS manages it
// through root-access features Portcullis does not have): ValidationError.
Result<std::string> TargetUser(const OperationContext& ctx, const Value& input) {
  std::string name(StringMember(input, "UserName"));
  if (name.empty()) {
    IAM_RETURN_IF_ERROR(RequireUserCredentials(ctx.caller));
    name = ctx.caller.user_name;
  }
  if (name.empty()) {
    return MakeError(Coded(ErrorCode::kInvalidArgument, "ValidationError",
                           "UserName is required when the caller is the root user."));
  }
  return name;
}

Result<Value> CreateLoginProfile(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const std::string name, TargetUser(ctx, input));
  const std::string_view password = StringMember(input, "Password");
  const bool reset = BooleanMember(input, "PasswordResetRequired").value_or(false);
  IAM_ASSIGN_OR_RETURN(const std::string arn, UserArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:CreateLoginProfile", arn));
  if (password.empty()) {
    return MakeError(Coded(ErrorCode::kInvalidArgument, "ValidationError",
                           "A password is required to create a login profile."));
  }
  IAM_ASSIGN_OR_RETURN(std::string hash, crypto::HashPassword(password));
  IAM_ASSIGN_OR_RETURN(
      store::LoginProfile created,
      WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::LoginProfile> {
        auto user = txn.GetUser(ctx.account_id(), name);
        if (!user.has_value()) {
          return MakeError(UserError(std::move(user).error(), name));
        }
        auto existing = txn.GetLoginProfile(ctx.account_id(), user->name);
        if (existing.has_value()) {
          return MakeError(
              EntityAlreadyExists("Login Profile for user " + user->name + " already exists."));
        }
        Status status = OkStatus();
        const auto policy = PolicyOf(txn, ctx.account_id(), &status);
        IAM_RETURN_IF_ERROR(status);
        IAM_RETURN_IF_ERROR(CheckNewPassword(txn, ctx.account_id(), user->name, password, policy));
        store::LoginProfile profile;
        profile.account_id = ctx.account_id();
        profile.user_name = user->name;
        profile.password_hash = hash;
        profile.password_reset_required = reset;
        IAM_ASSIGN_OR_RETURN(store::LoginProfile put, txn.PutLoginProfile(std::move(profile)));
        IAM_RETURN_IF_ERROR(
            txn.RecordPasswordHistory(ctx.account_id(), user->name, hash, kPasswordHistoryKept));
        return put;
      }));
  Value out = Value::Structure();
  out.Set("LoginProfile", LoginProfileValue(created));
  return out;
}

Result<Value> GetLoginProfile(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const std::string name, TargetUser(ctx, input));
  IAM_ASSIGN_OR_RETURN(const std::string arn, UserArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetLoginProfile", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto user = txn->GetUser(ctx.account_id(), name);
  if (!user.has_value()) {
    return MakeError(UserError(std::move(user).error(), name));
  }
  auto profile = txn->GetLoginProfile(ctx.account_id(), user->name);
  if (!profile.has_value()) {
    if (profile.error().code == ErrorCode::kNotFound) {
      return MakeError(LoginProfileNotFound(user->name));
    }
    return MakeError(std::move(profile).error());
  }
  Value out = Value::Structure();
  out.Set("LoginProfile", LoginProfileValue(*profile));
  return out;
}

// UpdateLoginProfile's changes in `txn`: a new password (when given, hashed as `hash`)
// and the reset flag (when given).
Status UpdateProfileIn(store::WriteTxn& txn, std::string_view account_id, std::string_view name,
                       const std::optional<std::string>& password,
                       const std::optional<std::string>& hash, std::optional<bool> reset) {
  IAM_ASSIGN_OR_RETURN(const store::User user, FindUser(txn, account_id, name));
  IAM_ASSIGN_OR_RETURN(store::LoginProfile profile, FindProfile(txn, account_id, user.name));
  if (password.has_value() && hash.has_value()) {
    IAM_ASSIGN_OR_RETURN(const auto policy, AccountPolicy(txn, account_id));
    IAM_RETURN_IF_ERROR(SetNewPassword(txn, account_id, *password, *hash, policy, profile));
  }
  profile.password_reset_required = reset.value_or(profile.password_reset_required);
  IAM_RETURN_IF_ERROR(txn.UpdateLoginProfile(std::move(profile)));
  return OkStatus();
}

Result<Value> UpdateLoginProfile(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "UserName"));
  const std::optional<std::string> password = OptionalStringMember(input, "Password");
  const std::optional<bool> reset = BooleanMember(input, "PasswordResetRequired");
  IAM_ASSIGN_OR_RETURN(const std::string arn, UserArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:UpdateLoginProfile", arn));
  std::optional<std::string> hash;
  if (password.has_value()) {
    IAM_ASSIGN_OR_RETURN(hash, crypto::HashPassword(*password));
  }
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    return UpdateProfileIn(txn, ctx.account_id(), name, password, hash, reset);
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> DeleteLoginProfile(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const std::string name, TargetUser(ctx, input));
  IAM_ASSIGN_OR_RETURN(const std::string arn, UserArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeleteLoginProfile", arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    auto user = txn.GetUser(ctx.account_id(), name);
    if (!user.has_value()) {
      return MakeError(UserError(std::move(user).error(), name));
    }
    auto deleted = txn.DeleteLoginProfile(ctx.account_id(), user->name);
    if (!deleted.has_value() && deleted.error().code == ErrorCode::kNotFound) {
      return MakeError(LoginProfileNotFound(user->name));
    }
    return deleted;
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

// AWS: with HardExpiry, an expired password can only be reset by an administrator.
Status CheckNotHardExpired(const OperationContext& ctx,
                           const std::optional<store::PasswordPolicy>& policy,
                           const store::LoginProfile& profile) {
  if (!policy.has_value() || !policy->hard_expiry || policy->max_password_age <= 0) {
    return OkStatus();
  }
  const auto expires = profile.password_last_changed + std::chrono::days(policy->max_password_age);
  if (std::chrono::floor<std::chrono::milliseconds>(ctx.clock.Now()) < expires) {
    return OkStatus();
  }
  return MakeError(Coded(ErrorCode::kPermissionDenied, "AccessDenied",
                         "The password has expired and the account password policy has "
                         "HardExpiry set; an administrator must reset it."));
}

// ChangePassword's change in `txn` for the calling user.
Status ChangePasswordIn(store::WriteTxn& txn, const OperationContext& ctx,
                        std::string_view old_password, std::string_view new_password,
                        const std::string& hash,
                        const std::optional<store::PasswordPolicy>& policy) {
  IAM_ASSIGN_OR_RETURN(store::LoginProfile profile,
                       FindProfile(txn, ctx.account_id(), ctx.caller.user_name));
  if (!crypto::VerifyPassword(old_password, profile.password_hash)) {
    return MakeError(
        Coded(ErrorCode::kPermissionDenied, "AccessDenied", "The old password is incorrect."));
  }
  IAM_RETURN_IF_ERROR(CheckNotHardExpired(ctx, policy, profile));
  IAM_RETURN_IF_ERROR(SetNewPassword(txn, ctx.account_id(), new_password, hash, policy, profile));
  profile.password_reset_required = false;
  IAM_RETURN_IF_ERROR(txn.UpdateLoginProfile(std::move(profile)));
  return OkStatus();
}

// The caller changes their own password. AWS: only IAM users can (InvalidUserType for
// the root user); the caller needs iam:ChangePassword on their own user unless the
// account's policy has AllowUsersToChangePassword; the old password must match.
Result<Value> ChangePassword(OperationContext& ctx, const Value& input) {
  const std::string_view old_password = StringMember(input, "OldPassword");
  const std::string_view new_password = StringMember(input, "NewPassword");
  if (ctx.caller.type != auth::PrincipalType::kUser || ctx.caller.user_name.empty()) {
    return MakeError(Coded(ErrorCode::kInvalidArgument, "InvalidUserType",
                           "Only IAM Users can change their own password."));
  }
  std::optional<store::PasswordPolicy> policy;
  {
    IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
    IAM_ASSIGN_OR_RETURN(policy, AccountPolicy(*txn, ctx.account_id()));
  }
  if (!policy.has_value() || !policy->allow_users_to_change_password) {
    IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ChangePassword", ctx.caller.arn));
  }
  IAM_ASSIGN_OR_RETURN(std::string hash, crypto::HashPassword(new_password));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    return ChangePasswordIn(txn, ctx, old_password, new_password, hash, policy);
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> GetAccountPasswordPolicy(OperationContext& ctx, const Value& /*input*/) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetAccountPasswordPolicy", "*"));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto policy = txn->GetPasswordPolicy(ctx.account_id());
  if (!policy.has_value()) {
    if (policy.error().code == ErrorCode::kNotFound) {
      return MakeError(PolicyNotFound());
    }
    return MakeError(std::move(policy).error());
  }
  Value p = Value::Structure();
  p.Set("MinimumPasswordLength", Value::Integer(policy->minimum_password_length));
  p.Set("RequireSymbols", Value::Boolean(policy->require_symbols));
  p.Set("RequireNumbers", Value::Boolean(policy->require_numbers));
  p.Set("RequireUppercaseCharacters", Value::Boolean(policy->require_uppercase_characters));
  p.Set("RequireLowercaseCharacters", Value::Boolean(policy->require_lowercase_characters));
  p.Set("AllowUsersToChangePassword", Value::Boolean(policy->allow_users_to_change_password));
  p.Set("ExpirePasswords", Value::Boolean(policy->max_password_age > 0));
  if (policy->max_password_age > 0) {
    p.Set("MaxPasswordAge", Value::Integer(policy->max_password_age));
  }
  if (policy->password_reuse_prevention > 0) {
    p.Set("PasswordReusePrevention", Value::Integer(policy->password_reuse_prevention));
  }
  p.Set("HardExpiry", Value::Boolean(policy->hard_expiry));
  Value out = Value::Structure();
  out.Set("PasswordPolicy", std::move(p));
  return out;
}

// AWS: members left out take their defaults (the whole policy is replaced):
// MinimumPasswordLength 6, every Require* and AllowUsersToChangePassword false,
// MaxPasswordAge and PasswordReusePrevention unset, HardExpiry false.
Result<Value> UpdateAccountPasswordPolicy(OperationContext& ctx, const Value& input) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:UpdateAccountPasswordPolicy", "*"));
  store::PasswordPolicy policy;
  policy.account_id = ctx.account_id();
  policy.minimum_password_length =
      static_cast<std::int32_t>(IntegerMember(input, "MinimumPasswordLength").value_or(6));
  policy.require_symbols = BooleanMember(input, "RequireSymbols").value_or(false);
  policy.require_numbers = BooleanMember(input, "RequireNumbers").value_or(false);
  policy.require_uppercase_characters =
      BooleanMember(input, "RequireUppercaseCharacters").value_or(false);
  policy.require_lowercase_characters =
      BooleanMember(input, "RequireLowercaseCharacters").value_or(false);
  policy.allow_users_to_change_password =
      BooleanMember(input, "AllowUsersToChangePassword").value_or(false);
  const std::int64_t max_age = IntegerMember(input, "MaxPasswordAge").value_or(0);
  const std::int64_t reuse = IntegerMember(input, "PasswordReusePrevention").value_or(0);
  if (policy.minimum_password_length < 6 || policy.minimum_password_length > 128 || max_age < 0 ||
      max_age > 1095 || reuse < 0 || reuse > 24 ||
      (input.Find("MaxPasswordAge") != nullptr && max_age < 1) ||
      (input.Find("PasswordReusePrevention") != nullptr && reuse < 1)) {
    return MakeError(Coded(ErrorCode::kInvalidArgument, "ValidationError",
                           "Invalid password policy: MinimumPasswordLength must be 6..128, "
                           "MaxPasswordAge 1..1095 and PasswordReusePrevention 1..24."));
  }
  policy.max_password_age = static_cast<std::int32_t>(max_age);
  policy.password_reuse_prevention = static_cast<std::int32_t>(reuse);
  policy.hard_expiry = BooleanMember(input, "HardExpiry").value_or(false);
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::PasswordPolicy> {
    return txn.PutPasswordPolicy(policy);
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> DeleteAccountPasswordPolicy(OperationContext& ctx, const Value& /*input*/) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeleteAccountPasswordPolicy", "*"));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    auto deleted = txn.DeletePasswordPolicy(ctx.account_id());
    if (!deleted.has_value() && deleted.error().code == ErrorCode::kNotFound) {
      return MakeError(PolicyNotFound());
    }
    return deleted;
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

}  // namespace

void RegisterPasswordOperations(HandlerTable& table) {
  table["CreateLoginProfile"] = &CreateLoginProfile;
  table["GetLoginProfile"] = &GetLoginProfile;
  table["UpdateLoginProfile"] = &UpdateLoginProfile;
  table["DeleteLoginProfile"] = &DeleteLoginProfile;
  table["ChangePassword"] = &ChangePassword;
  table["GetAccountPasswordPolicy"] = &GetAccountPasswordPolicy;
  table["UpdateAccountPasswordPolicy"] = &UpdateAccountPasswordPolicy;
  table["DeleteAccountPasswordPolicy"] = &DeleteAccountPasswordPolicy;
}

}  // namespace portcullis::api::iam
