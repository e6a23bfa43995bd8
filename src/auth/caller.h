// Caller: who signed a request, as the API layer sees it once authentication is done.
//
// Built by auth::Authenticator from a verified SigV4 signature and the identity store;
// read by the operations (GetUser with no name, AccessDenied messages), by the
// authorizer (the principal whose policies apply and the aws:* context keys) and by the
// audit log (userIdentity). A caller signing with temporary credentials (an ASIA key and
// a session token) carries the token's claims in `session`.
// Thread-safety: a plain value.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portcullis::auth {

enum class PrincipalType : std::uint8_t {
  kRoot,  // the account's root user (arn:aws:iam::ACCOUNT:root)
  kUser,  // an IAM user (arn:aws:iam::ACCOUNT:user/PATH/NAME)
  // A role session (AssumeRole): arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION,
  // principal id ROLEID:SESSION.
  kAssumedRole,
  // A GetFederationToken session: arn:aws:sts::ACCOUNT:federated-user/NAME, principal id
  // ACCOUNT:NAME.
  kFederatedUser,
};

// CloudTrail's userIdentity.type: "Root", "IAMUser", "AssumedRole" or "FederatedUser".
// (aws:PrincipalType is "Account", "User", "AssumedRole", "FederatedUser"; the
// authorizer maps it.) A GetSessionToken session keeps its user's (or root's) type.
std::string_view PrincipalTypeName(PrincipalType type);

// What a session token says about its session (auth/session_token.h seals it).
struct Session {
  // The role of an assumed-role session (empty otherwise).
  std::string role_arn;
  std::string role_name;
  std::string role_id;  // AROA...
  // RoleSessionName (assumed role) or Name (federated user); empty for GetSessionToken.
  std::string session_name;
  // The long-term identity that called GetSessionToken/GetFederationToken (a user name;
  // empty for root), or the ARN of whoever called AssumeRole.
  std::string source_user_name;
  std::string source_arn;
  std::string source_identity;           // SourceIdentity (sts:SourceIdentity), may be empty
  std::vector<std::string> policies;     // session policy documents (Policy)
  std::vector<std::string> policy_arns;  // session policy ARNs (PolicyArns)
  std::vector<std::pair<std::string, std::string>> tags;  // session tags, in order
  std::vector<std::string> transitive_tag_keys;
  std::chrono::system_clock::time_point issued_at;
  std::chrono::system_clock::time_point expires_at;
  bool chained = false;  // an assumed-role session created by a role session
};

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
  // Set for temporary credentials: the session's claims (shared, immutable).
  std::shared_ptr<const Session> session;
};

}  // namespace portcullis::auth
