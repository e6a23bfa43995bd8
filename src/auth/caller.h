// Caller: who signed a request, as the API layer sees it once authentication is done.
//
// Built by auth::Authenticator from a verified SigV4 signature and the identity store;
// read by the operations (GetUser with no name, AccessDenied messages), by the
// authorizer (the principal whose policies apply and the aws:* context keys) and by the
// audit log (userIdentity). STS sessions (assumed roles, federated users) add kinds when
// the STS issue lands.
// Thread-safety: a plain value.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::auth {

enum class PrincipalType : std::uint8_t {
  kRoot,  // the account's root user (arn:aws:iam::ACCOUNT:root)
  kUser,  // an IAM user (arn:aws:iam::ACCOUNT:user/PATH/NAME)
};

// CloudTrail's userIdentity.type: "Root" or "IAMUser". (aws:PrincipalType is
// "Account" for root and "User" for IAM users; the authorizer maps it.)
std::string_view PrincipalTypeName(PrincipalType type);

struct Caller {
  PrincipalType type = PrincipalType::kUser;
  std::string account_id;     // 12 digits
  std::string arn;            // the principal's ARN
  std::string principal_id;   // user id (AIDA...) for users; the account id for root
  std::string user_name;      // IAM user name; empty for root
  std::string access_key_id;  // the key that signed the request
  std::optional<std::string> session_token;
  // When the caller proved MFA (session credentials issued with a TOTP code); nullopt for
  // long-term keys. The authorizer turns it into aws:MultiFactorAuthPresent and
  // aws:MultiFactorAuthAge, and leaves both out when it is not set (AWS: "IAM policy
  // elements: Condition keys", aws:MultiFactorAuthPresent is absent for long-term keys).
  std::optional<std::chrono::system_clock::time_point> mfa_authenticated_at;
};

}  // namespace portcullis::auth
