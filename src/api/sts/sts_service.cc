// StsService: see sts_service.h. AWS references: STS API Reference (AssumeRole,
// GetSessionToken, GetFederationToken, GetAccessKeyInfo, DecodeAuthorizationMessage) and
// the IAM User Guide ("Compare AWS STS credentials", "Passing session tags in AWS STS",
// "Role chaining").
#include "api/sts/sts_service.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/mfa.h"
#include "api/ids.h"
#include "common/strings.h"
#include "eval/compiled_policy.h"
#include "policy/parse.h"

namespace portcullis::api::sts {
namespace {

using protocol::Value;

constexpr std::int64_t kMinDuration = 900;
constexpr std::int64_t kChainedMaxDuration = 3600;
constexpr std::int64_t kUserSessionDefault = 43200;
constexpr std::int64_t kUserSessionMax = 129600;
constexpr std::int64_t kRootSessionMax = 3600;
// AWS: session policies' plaintext is at most 2,048 characters; the packed size is
// reported as a percentage of this many characters of policy and tags.
constexpr std::size_t kPackedBudget = 2048;
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

Error StsError(ErrorCode code, std::string aws_code, std::string message) {
  return Error{code, std::move(message), std::nullopt, {}, std::move(aws_code)};
}

Error ValidationError(std::string message) {
  return StsError(ErrorCode::kInvalidArgument, "ValidationError", std::move(message));
}

Error AccessDenied(std::string message) {
  return StsError(ErrorCode::kPermissionDenied, "AccessDenied", std::move(message));
}

// ASIA + 8 characters holding the 40-bit account number + 8 random characters (AWS
// temporary key ids likewise encode their account).
std::string NewTemporaryKeyId(std::string_view account_id) {
  std::uint64_t account = 0;
  for (char c : account_id) {
    account = account * 10 + static_cast<std::uint64_t>(c - '0');
  }
  std::string out = "ASIA";
  for (int i = 7; i >= 0; --i) {
    out.push_back(kBase32[(account >> (5 * i)) & 31]);
  }
  const std::string random = NewAccessKeyId();  // AKIA + 16 random [A-Z2-7]
  out.append(random, 4, 8);
  return out;
}

// Issues temporary credentials for `caller` (its session set) and returns the
// Credentials structure.
Value IssueCredentials(StsContext& ctx, auth::Caller caller) {
  auth::SessionCredentials creds;
  creds.access_key_id = NewTemporaryKeyId(caller.account_id);
  creds.secret_access_key = NewSecretAccessKey();
  caller.access_key_id = creds.access_key_id;
  caller.session_token.reset();
  creds.caller = std::move(caller);
  const std::string token = ctx.tokens.Issue(creds, ctx.clock.Now());
  Value out = Value::Structure();
  out.Set("AccessKeyId", Value::String(creds.access_key_id));
  out.Set("SecretAccessKey", Value::String(creds.secret_access_key));
  out.Set("SessionToken", Value::String(token));
  out.Set("Expiration",
          Value::TimestampMillis(std::chrono::floor<std::chrono::milliseconds>(
                                     creds.caller.session->expires_at.time_since_epoch())
                                     .count()));
  return out;
}

// Session policies and tags as the request gives them.
struct SessionInputs {
  std::vector<std::string> policies;
  std::vector<std::string> policy_arns;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> transitive;
  std::optional<int> packed_percent;  // set when policies or tags were passed
};

// Policy, PolicyArns, Tags, TransitiveTagKeys: validated, packed size computed.
Result<SessionInputs> ReadSessionInputs(const Value& input) {
  SessionInputs out;
  std::size_t packed = 0;
  bool any = false;
  if (auto policy = iam::OptionalStringMember(input, "Policy"); policy.has_value()) {
    IAM_RETURN_IF_ERROR(iam::ValidatePolicyDocument(*policy, policy::PolicyKind::kSession));
    for (char c : *policy) {
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        ++packed;
      }
    }
    out.policies.push_back(*std::move(policy));
    any = true;
  }
  if (const Value* arns = input.Find("PolicyArns"); arns != nullptr) {
    if (arns->children().size() > 10) {
      return MakeError(ValidationError(
          "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: "
          "Member must have length less than or equal to 10"));
    }
    for (const Value& d : arns->children()) {
      std::string arn(iam::StringMember(d, "arn"));
      packed += arn.size();
      out.policy_arns.push_back(std::move(arn));
      any = true;
    }
  }
  if (const Value* tags = input.Find("Tags"); tags != nullptr) {
    for (const Value& t : tags->children()) {
      std::string key(iam::StringMember(t, "Key"));
      std::string value(iam::StringMember(t, "Value"));
      for (const auto& [k, v] : out.tags) {
        if (EqualsIgnoreCase(k, key)) {
          return MakeError(StsError(ErrorCode::kInvalidArgument, "InvalidParameterValue",
                                    "Duplicate tag keys found. Please note that Tag keys are "
                                    "case insensitive."));
        }
      }
      packed += key.size() + value.size();
      out.tags.emplace_back(std::move(key), std::move(value));
      any = true;
    }
  }
  if (const Value* keys = input.Find("TransitiveTagKeys"); keys != nullptr) {
    for (const Value& k : keys->children()) {
      const std::string key = k.text();
      const bool tagged = std::any_of(out.tags.begin(), out.tags.end(), [&](const auto& t) {
        return EqualsIgnoreCase(t.first, key);
      });
      if (!tagged) {
        return MakeError(StsError(ErrorCode::kInvalidArgument, "InvalidParameterValue",
                                  "The specified transitive tag key must be included in the "
                                  "requested tags."));
      }
      out.transitive.push_back(key);
    }
  }
  if (any) {
    const int percent = static_cast<int>((packed * 100 + kPackedBudget - 1) / kPackedBudget);
    if (percent > 100) {
      return MakeError(StsError(ErrorCode::kInvalidArgument, "PackedPolicyTooLarge",
                                "Packed policy consumes " + std::to_string(percent) +
                                    "% of allotted space, please use smaller policy."));
    }
    out.packed_percent = percent;
  }
  return out;
}

// Verifies SerialNumber + TokenCode against the caller's enabled MFA device: nullopt when
// neither is given, the MFA time (now) when the code is right, AccessDenied otherwise.
Result<std::optional<std::chrono::system_clock::time_point>> VerifyMfa(StsContext& ctx,
                                                                       const Value& input) {
  auto serial = iam::OptionalStringMember(input, "SerialNumber");
  auto code = iam::OptionalStringMember(input, "TokenCode");
  if (!serial.has_value() && !code.has_value()) {
    return std::optional<std::chrono::system_clock::time_point>();
  }
  // AWS: an unknown or foreign device and a wrong code answer AccessDenied with these
  // two messages.
  const Error unknown_device = AccessDenied(
      "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA "
      "serial number is valid and associated with this user.");
  const Error invalid =
      AccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code. ");
  if (!serial.has_value() || !code.has_value()) {
    return MakeError(unknown_device);
  }
  iam::MfaOwner owner;
  if (ctx.caller.type == auth::PrincipalType::kRoot) {
    owner.root = true;
  } else if (ctx.caller.type == auth::PrincipalType::kUser) {
    owner.user_name = ctx.caller.user_name;
  } else {
    return MakeError(unknown_device);
  }
  enum class Outcome : std::uint8_t { kAccepted, kUnknownDevice, kWrongCode };
  auto accepted = iam::WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<Outcome> {
    auto device = txn.GetResource(store::ResourceKind::kMfaDevice, ctx.caller.account_id, *serial);
    if (!device.has_value()) {
      if (device.error().code == ErrorCode::kNotFound) {
        return Outcome::kUnknownDevice;
      }
      return MakeError(std::move(device).error());
    }
    IAM_ASSIGN_OR_RETURN(iam::MfaDeviceBody body, iam::ReadMfaDeviceBody(device->body));
    if (!iam::MfaDeviceAssignedTo(*device, body, owner)) {
      return Outcome::kUnknownDevice;
    }
    IAM_ASSIGN_OR_RETURN(bool ok, iam::AcceptMfaCode(txn, ctx.box, ctx.clock, *device, *code));
    return ok ? Outcome::kAccepted : Outcome::kWrongCode;
  });
  IAM_ASSIGN_OR_RETURN(Outcome outcome, std::move(accepted));
  if (outcome == Outcome::kUnknownDevice) {
    return MakeError(unknown_device);
  }
  if (outcome == Outcome::kWrongCode) {
    return MakeError(invalid);
  }
  return std::optional<std::chrono::system_clock::time_point>(ctx.clock.Now());
}

Result<Value> GetCallerIdentity(StsContext& ctx, const Value& /*input*/) {
  Value out = Value::Structure();
  out.Set("UserId", Value::String(ctx.caller.principal_id));
  out.Set("Account", Value::String(ctx.caller.account_id));
  out.Set("Arn", Value::String(ctx.caller.arn));
  return out;
}

// arn:aws:iam::ACCOUNT:role/PATH/NAME -> (account, name).
std::optional<std::pair<std::string, std::string>> SplitRoleArn(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  if (!arn.starts_with(kPrefix)) {
    return std::nullopt;
  }
  arn.remove_prefix(kPrefix.size());
  const std::size_t colon = arn.find(':');
  if (colon != 12 || !arn.substr(colon + 1).starts_with("role/")) {
    return std::nullopt;
  }
  std::string account(arn.substr(0, colon));
  std::string_view rest = arn.substr(colon + 1 + 5);
  const std::size_t slash = rest.rfind('/');
  std::string name(slash == std::string_view::npos ? rest : rest.substr(slash + 1));
  if (name.empty() ||
      !std::all_of(account.begin(), account.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::pair<std::string, std::string>(std::move(account), std::move(name));
}

Result<Value> AssumeRole(StsContext& ctx, const Value& input) {
  const auth::Caller& caller = ctx.caller;
  const std::string role_arn(iam::StringMember(input, "RoleArn"));
  const std::string session_name(iam::StringMember(input, "RoleSessionName"));
  const std::string denied_message =
      "User: " + caller.arn +
      " is not authorized to perform: sts:AssumeRole on resource: " + role_arn;
  if (caller.type == auth::PrincipalType::kRoot) {
    return MakeError(AccessDenied("Roles may not be assumed by root accounts."));
  }
  if (caller.type == auth::PrincipalType::kFederatedUser) {
    return MakeError(AccessDenied(denied_message));
  }
  const bool chained = caller.type == auth::PrincipalType::kAssumedRole;
  IAM_ASSIGN_OR_RETURN(SessionInputs session_inputs, ReadSessionInputs(input));
  IAM_ASSIGN_OR_RETURN(auto mfa_now, VerifyMfa(ctx, input));

  auto split = SplitRoleArn(role_arn);
  if (!split.has_value()) {
    return MakeError(ValidationError(role_arn + " is invalid"));
  }
  store::Role role;
  {
    IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
    auto found = txn->GetRole(split->first, split->second);
    if (!found.has_value()) {
      if (found.error().code != ErrorCode::kNotFound) {
        return MakeError(std::move(found).error());
      }
      // AWS answers AccessDenied for a role that does not exist.
      return MakeError(AccessDenied(denied_message));
    }
    role = *std::move(found);
  }

  // Duration: 900 s to the role's maximum; one hour when chaining.
  const std::int64_t duration = iam::IntegerMember(input, "DurationSeconds").value_or(3600);
  if (chained && duration > kChainedMaxDuration) {
    return MakeError(ValidationError(
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
        "role chaining."));
  }
  if (duration > role.max_session_duration) {
    return MakeError(ValidationError(
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."));
  }
  if (duration < kMinDuration) {
    return MakeError(ValidationError(
        "1 validation error detected: Value '" + std::to_string(duration) +
        "' at 'durationSeconds' failed to satisfy constraint: Member must have value greater "
        "than or equal to 900"));
  }

  // Transitive tags of the calling session pass on and cannot be overridden.
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> transitive;
  std::string source_identity;
  if (caller.session) {
    for (const auto& [k, v] : caller.session->tags) {
      for (const std::string& t : caller.session->transitive_tag_keys) {
        if (EqualsIgnoreCase(t, k)) {
          tags.emplace_back(k, v);
          transitive.push_back(k);
        }
      }
    }
    source_identity = caller.session->source_identity;
  }
  for (const auto& [k, v] : session_inputs.tags) {
    for (const auto& inherited : tags) {
      if (EqualsIgnoreCase(inherited.first, k)) {
        return MakeError(StsError(ErrorCode::kInvalidArgument, "InvalidParameterValue",
                                  "One or more session tags conflict with transitive tags "
                                  "inherited from the calling session."));
      }
    }
  }
  auto requested_source = iam::OptionalStringMember(input, "SourceIdentity");
  if (requested_source.has_value()) {
    if (requested_source->starts_with("aws:")) {
      return MakeError(ValidationError("SourceIdentity cannot begin with the prefix aws:"));
    }
    if (!source_identity.empty() && source_identity != *requested_source) {
      return MakeError(AccessDenied("SourceIdentity of the calling session cannot be changed."));
    }
  }

  // The trust policy, with the caller (MFA proved now, if so) as principal.
  auto trust = eval::ParseAndCompilePolicy(role.assume_role_policy_document, role.arn,
                                           policy::ParseOptions{policy::PolicyKind::kTrust, false});
  if (!trust.has_value()) {
    return MakeError(AccessDenied(denied_message));
  }
  auth::Caller principal = caller;
  if (mfa_now.has_value()) {
    principal.mfa_authenticated_at = *mfa_now;
  }
  authz::AuthzRequest request;
  request.action = "sts:AssumeRole";
  request.resource_arn = role.arn;
  const authz::ResourceSide resource{trust->get(), role.account_id};
  request.context.push_back({"sts:RoleSessionName", {session_name}});
  if (auto external = iam::OptionalStringMember(input, "ExternalId"); external.has_value()) {
    request.context.push_back({"sts:ExternalId", {*external}});
  }
  if (requested_source.has_value()) {
    request.context.push_back({"sts:SourceIdentity", {*requested_source}});
  }
  std::vector<std::string> tag_keys;
  for (const auto& [k, v] : session_inputs.tags) {
    request.context.push_back({"aws:RequestTag/" + k, {v}});
    tag_keys.push_back(k);
  }
  if (!tag_keys.empty()) {
    request.context.push_back({"aws:TagKeys", tag_keys});
  }
  if (!session_inputs.transitive.empty()) {
    request.context.push_back({"sts:TransitiveTagKeys", session_inputs.transitive});
  }
  auto check = [&](std::string_view action) -> Status {
    request.action = action;
    auto allowed = ctx.authorizer.Authorize(principal, ctx.info, request, &resource);
    if (!allowed.has_value()) {
      if (allowed.error().aws_code == "AccessDenied") {
        return MakeError(AccessDenied("User: " + caller.arn + " is not authorized to perform: " +
                                      std::string(action) + " on resource: " + role_arn));
      }
      return allowed;
    }
    return OkStatus();
  };
  IAM_RETURN_IF_ERROR(check("sts:AssumeRole"));
  if (!session_inputs.tags.empty() || !tags.empty()) {
    IAM_RETURN_IF_ERROR(check("sts:TagSession"));
  }
  if (requested_source.has_value() && source_identity.empty()) {
    IAM_RETURN_IF_ERROR(check("sts:SetSourceIdentity"));
  }
  if (requested_source.has_value()) {
    source_identity = *requested_source;
  }

  // The session.
  const auto now = ctx.clock.Now();
  auto session = std::make_shared<auth::Session>();
  session->role_arn = role.arn;
  session->role_name = role.name;
  session->role_id = role.id;
  session->session_name = session_name;
  session->source_user_name = caller.user_name;
  session->source_arn = caller.arn;
  session->source_identity = source_identity;
  session->policies = std::move(session_inputs.policies);
  session->policy_arns = std::move(session_inputs.policy_arns);
  for (auto& tag : session_inputs.tags) {
    tags.push_back(std::move(tag));
  }
  for (auto& key : session_inputs.transitive) {
    transitive.push_back(std::move(key));
  }
  session->tags = std::move(tags);
  session->transitive_tag_keys = std::move(transitive);
  session->issued_at = now;
  session->expires_at = now + std::chrono::seconds(duration);
  session->chained = chained;

  auth::Caller assumed;
  assumed.type = auth::PrincipalType::kAssumedRole;
  assumed.account_id = role.account_id;
  const std::string session_arn =
      "arn:aws:sts::" + role.account_id + ":assumed-role/" + role.name + "/" + session_name;
  assumed.arn = session_arn;
  assumed.principal_id = role.id + ":" + session_name;
  assumed.mfa_authenticated_at = principal.mfa_authenticated_at;
  assumed.session = std::move(session);

  // RoleLastUsed: one write per AssumeRole (best effort: a busy writer loses one record).
  (void)iam::WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    return iam::RecordRoleUse(txn, role, std::chrono::floor<std::chrono::milliseconds>(now),
                              ctx.info.region);
  });

  Value out = Value::Structure();
  out.Set("Credentials", IssueCredentials(ctx, assumed));
  Value user = Value::Structure();
  user.Set("AssumedRoleId", Value::String(assumed.principal_id));
  user.Set("Arn", Value::String(session_arn));
  out.Set("AssumedRoleUser", std::move(user));
  if (session_inputs.packed_percent.has_value()) {
    out.Set("PackedPolicySize", Value::Integer(*session_inputs.packed_percent));
  }
  if (!source_identity.empty()) {
    out.Set("SourceIdentity", Value::String(source_identity));
  }
  return out;
}

Result<Value> GetSessionToken(StsContext& ctx, const Value& input) {
  const auth::Caller& caller = ctx.caller;
  if (caller.session) {
    return MakeError(AccessDenied("Cannot call GetSessionToken with session credentials"));
  }
  const bool root = caller.type == auth::PrincipalType::kRoot;
  std::int64_t duration = iam::IntegerMember(input, "DurationSeconds")
                              .value_or(root ? kRootSessionMax : kUserSessionDefault);
  if (duration < kMinDuration || duration > kUserSessionMax) {
    return MakeError(ValidationError(
        "1 validation error detected: Value '" + std::to_string(duration) +
        "' at 'durationSeconds' failed to satisfy constraint: Member must have value " +
        (duration < kMinDuration ? "greater than or equal to 900"
                                 : "less than or equal to 129600")));
  }
  if (root) {
    // AWS: sessions of the root user last at most one hour.
    duration = std::min(duration, kRootSessionMax);
  }
  IAM_ASSIGN_OR_RETURN(auto mfa_now, VerifyMfa(ctx, input));
  const auto now = ctx.clock.Now();
  auto session = std::make_shared<auth::Session>();
  session->source_user_name = caller.user_name;
  session->source_arn = caller.arn;
  session->issued_at = now;
  session->expires_at = now + std::chrono::seconds(duration);
  auth::Caller user = caller;
  user.mfa_authenticated_at = mfa_now;
  user.session = std::move(session);
  Value out = Value::Structure();
  out.Set("Credentials", IssueCredentials(ctx, user));
  return out;
}

Result<Value> GetFederationToken(StsContext& ctx, const Value& input) {
  const auth::Caller& caller = ctx.caller;
  if (caller.session) {
    return MakeError(AccessDenied("Cannot call GetFederationToken with session credentials"));
  }
  const std::string name(iam::StringMember(input, "Name"));
  const std::string arn = "arn:aws:sts::" + caller.account_id + ":federated-user/" + name;
  const bool root = caller.type == auth::PrincipalType::kRoot;
  std::int64_t duration =
      iam::IntegerMember(input, "DurationSeconds").value_or(kUserSessionDefault);
  if (duration < kMinDuration || duration > kUserSessionMax) {
    return MakeError(ValidationError(
        "1 validation error detected: Value '" + std::to_string(duration) +
        "' at 'durationSeconds' failed to satisfy constraint: Member must have value " +
        (duration < kMinDuration ? "greater than or equal to 900"
                                 : "less than or equal to 129600")));
  }
  if (root) {
    duration = std::min(duration, kRootSessionMax);
  }
  IAM_ASSIGN_OR_RETURN(SessionInputs session_inputs, ReadSessionInputs(input));
  std::vector<std::pair<std::string, std::vector<std::string>>> context;
  std::vector<std::string> tag_keys;
  for (const auto& [k, v] : session_inputs.tags) {
    context.push_back({"aws:RequestTag/" + k, {v}});
    tag_keys.push_back(k);
  }
  if (!tag_keys.empty()) {
    context.push_back({"aws:TagKeys", tag_keys});
  }
  authz::AuthzRequest request;
  request.action = "sts:GetFederationToken";
  request.resource_arn = arn;
  request.context = context;
  IAM_RETURN_IF_ERROR(ctx.authorizer.Authorize(caller, ctx.info, request));
  if (!session_inputs.tags.empty()) {
    request.action = "sts:TagSession";
    IAM_RETURN_IF_ERROR(ctx.authorizer.Authorize(caller, ctx.info, request));
  }
  const auto now = ctx.clock.Now();
  auto session = std::make_shared<auth::Session>();
  session->session_name = name;
  session->source_user_name = caller.user_name;
  session->source_arn = caller.arn;
  session->policies = std::move(session_inputs.policies);
  session->policy_arns = std::move(session_inputs.policy_arns);
  session->tags = std::move(session_inputs.tags);
  session->issued_at = now;
  session->expires_at = now + std::chrono::seconds(duration);
  auth::Caller federated;
  federated.type = auth::PrincipalType::kFederatedUser;
  federated.account_id = caller.account_id;
  federated.arn = arn;
  federated.principal_id = caller.account_id + ":" + name;
  federated.session = std::move(session);
  Value out = Value::Structure();
  out.Set("Credentials", IssueCredentials(ctx, federated));
  Value user = Value::Structure();
  user.Set("FederatedUserId", Value::String(federated.principal_id));
  user.Set("Arn", Value::String(arn));
  out.Set("FederatedUser", std::move(user));
  if (session_inputs.packed_percent.has_value()) {
    out.Set("PackedPolicySize", Value::Integer(*session_inputs.packed_percent));
  }
  return out;
}

Result<Value> GetAccessKeyInfo(StsContext& ctx, const Value& input) {
  const std::string key_id(iam::StringMember(input, "AccessKeyId"));
  authz::AuthzRequest request;
  request.action = "sts:GetAccessKeyInfo";
  request.resource_arn = "*";
  IAM_RETURN_IF_ERROR(ctx.authorizer.Authorize(ctx.caller, ctx.info, request));
  std::optional<std::string> account = AccountOfTemporaryKey(key_id);
  if (!account.has_value()) {
    IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
    auto key = txn->GetAccessKey(key_id);
    if (key.has_value()) {
      account = key->account_id;
    } else if (key.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(key).error());
    }
  }
  if (!account.has_value()) {
    return MakeError(StsError(ErrorCode::kInvalidArgument, "InvalidParameterValue",
                              "The access key ID " + key_id + " is not valid."));
  }
  Value out = Value::Structure();
  out.Set("Account", Value::String(*account));
  return out;
}

Result<Value> DecodeAuthorizationMessage(StsContext& ctx, const Value& /*input*/) {
  authz::AuthzRequest request;
  request.action = "sts:DecodeAuthorizationMessage";
  request.resource_arn = "*";
  IAM_RETURN_IF_ERROR(ctx.authorizer.Authorize(ctx.caller, ctx.info, request));
  // Portcullis encodes no authorization messages: none decodes.
  return MakeError(StsError(ErrorCode::kInvalidArgument, "InvalidAuthorizationMessageException",
                            "Message is not a valid authorization message"));
}

}  // namespace

std::optional<std::string> AccountOfTemporaryKey(std::string_view access_key_id) {
  if (access_key_id.size() != 20 || !access_key_id.starts_with("ASIA")) {
    return std::nullopt;
  }
  std::uint64_t account = 0;
  for (std::size_t i = 4; i < 12; ++i) {
    const std::size_t v = kBase32.find(access_key_id[i]);
    if (v == std::string_view::npos) {
      return std::nullopt;
    }
    account = (account << 5) | v;
  }
  if (account < 100000000000ULL || account > 999999999999ULL) {
    return std::nullopt;
  }
  return std::to_string(account);
}

StsService::StsService(store::IdentityStore& store, authz::Authorizer& authorizer,
                       const crypto::SecretBox& box, const Clock& clock)
    : store_(store), authorizer_(authorizer), box_(box), clock_(clock), tokens_(box) {
  handlers_.emplace("GetCallerIdentity", &GetCallerIdentity);
  handlers_.emplace("AssumeRole", &AssumeRole);
  handlers_.emplace("GetSessionToken", &GetSessionToken);
  handlers_.emplace("GetFederationToken", &GetFederationToken);
  handlers_.emplace("GetAccessKeyInfo", &GetAccessKeyInfo);
  handlers_.emplace("DecodeAuthorizationMessage", &DecodeAuthorizationMessage);
}

const protocol::ServiceModel& StsService::model() const {
  return protocol::StsModel();
}

bool StsService::Implements(std::string_view operation_name) {
  return operation_name == "GetCallerIdentity" || operation_name == "AssumeRole" ||
         operation_name == "GetSessionToken" || operation_name == "GetFederationToken" ||
         operation_name == "GetAccessKeyInfo" || operation_name == "DecodeAuthorizationMessage";
}

Result<Value> StsService::Invoke(const protocol::Operation& operation, const Value& input,
                                 const auth::Caller& caller, const RequestInfo& info) {
  auto it = handlers_.find(operation.name);
  if (it != handlers_.end()) {
    StsContext ctx{store_, authorizer_, box_, tokens_, clock_, caller, info};
    return it->second(ctx, input);
  }
  Error error;
  error.code = ErrorCode::kInternal;
  error.message = "Portcullis does not implement the STS operation " + operation.name + " yet";
  error.aws_code = "NotImplemented";
  return MakeError(std::move(error));
}

}  // namespace portcullis::api::sts
