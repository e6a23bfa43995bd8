// STS shared pieces: see sts_common.h. AWS references: STS API Reference (AssumeRole and
// its variants: "Errors", "DurationSeconds", "Policy", "Tags") and the IAM User Guide
// ("Passing session tags in AWS STS", "Role chaining").
#include "api/sts/sts_common.h"

#include <algorithm>
#include <chrono>
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

using protocol::Value;

namespace {

// AWS: session policies' plaintext is at most 2,048 characters; the packed size is
// reported as a percentage of this many characters of policy and tags.
constexpr std::size_t kPackedBudget = 2048;
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

}  // namespace

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

Result<store::Role> LoadRole(StsContext& ctx, std::string_view role_arn, const Error& missing) {
  auto split = SplitRoleArn(role_arn);
  if (!split.has_value()) {
    return MakeError(ValidationError(std::string(role_arn) + " is invalid"));
  }
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto found = txn->GetRole(split->first, split->second);
  if (!found.has_value()) {
    if (found.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(found).error());
    }
    return MakeError(missing);
  }
  return *std::move(found);
}

Result<std::int64_t> RoleSessionDuration(const Value& input, const store::Role& role,
                                         bool chained) {
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
  return duration;
}

Status AuthorizeTrustPolicy(
    StsContext& ctx, const store::Role& role, std::string_view principal, std::string_view action,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& context,
    const Error& denied) {
  auto trust = eval::ParseAndCompilePolicy(role.assume_role_policy_document, role.arn,
                                           policy::ParseOptions{policy::PolicyKind::kTrust, false});
  if (!trust.has_value()) {
    return MakeError(denied);
  }
  authz::AuthzRequest request;
  request.action = action;
  request.resource_arn = role.arn;
  request.context = context;
  const authz::ResourceSide resource{trust->get(), role.account_id};
  auto allowed = ctx.authorizer.AuthorizeFederated(principal, ctx.info, request, resource);
  if (!allowed.has_value() && allowed.error().aws_code == "AccessDenied") {
    return MakeError(denied);
  }
  return allowed;
}

Value IssueRoleSession(StsContext& ctx, const store::Role& role, RoleSessionSpec spec) {
  const auto now = ctx.clock.Now();
  auto session = std::make_shared<auth::Session>();
  session->role_arn = role.arn;
  session->role_name = role.name;
  session->role_id = role.id;
  session->session_name = spec.session_name;
  session->source_user_name = std::move(spec.source_user_name);
  session->source_arn = std::move(spec.source_arn);
  session->source_identity = spec.source_identity;
  session->policies = std::move(spec.policies);
  session->policy_arns = std::move(spec.policy_arns);
  session->tags = std::move(spec.tags);
  session->transitive_tag_keys = std::move(spec.transitive_tag_keys);
  session->issued_at = now;
  session->expires_at = now + std::chrono::seconds(spec.duration_seconds);
  session->chained = spec.chained;

  auth::Caller assumed;
  assumed.type = auth::PrincipalType::kAssumedRole;
  assumed.account_id = role.account_id;
  const std::string session_arn =
      "arn:aws:sts::" + role.account_id + ":assumed-role/" + role.name + "/" + spec.session_name;
  assumed.arn = session_arn;
  assumed.principal_id = role.id + ":" + spec.session_name;
  assumed.mfa_authenticated_at = spec.mfa_authenticated_at;
  assumed.session = std::move(session);

  // RoleLastUsed: one write per session (best effort: a busy writer loses one record).
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
  if (spec.packed_percent.has_value()) {
    out.Set("PackedPolicySize", Value::Integer(*spec.packed_percent));
  }
  if (!spec.source_identity.empty()) {
    out.Set("SourceIdentity", Value::String(spec.source_identity));
  }
  return out;
}

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

}  // namespace portcullis::api::sts
