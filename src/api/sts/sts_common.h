// What the STS operation families share: AWS's STS errors, temporary credentials, session
// policies and tags as requests pass them, MFA verification, role lookup and duration
// rules, and the issuing of a role session (AssumeRole and every federated variant end
// there).
//
// A family lives in its own file (assume_role.cc, session_tokens.cc, caller_info.cc, ...)
// and adds its handlers to the service's table with one Register* function declared here.
// Thread-safety: pure functions of their arguments (and the store, through transactions).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/sts/sts_service.h"
#include "common/error.h"
#include "store/records.h"

namespace portcullis::api::sts {

inline constexpr std::int64_t kMinDuration = 900;
inline constexpr std::int64_t kChainedMaxDuration = 3600;
inline constexpr std::int64_t kUserSessionDefault = 43200;
inline constexpr std::int64_t kUserSessionMax = 129600;
inline constexpr std::int64_t kRootSessionMax = 3600;

using StsHandlerMap = std::unordered_map<std::string, StsHandler>;

// One line per family (sts_service.cc calls them all).
void RegisterCallerInfo(StsHandlerMap& handlers);          // caller_info.cc
void RegisterAssumeRole(StsHandlerMap& handlers);          // assume_role.cc
void RegisterSessionTokens(StsHandlerMap& handlers);       // session_tokens.cc
void RegisterPrivilegedSessions(StsHandlerMap& handlers);  // privileged_sessions.cc
void RegisterSaml(StsHandlerMap& handlers);                // saml.cc
// directory_identity.cc (AssumeRoleWithLDAPIdentity, a Portcullis extension)
void RegisterDirectoryIdentity(StsHandlerMap& handlers);
void RegisterWebIdentity(StsHandlerMap& handlers);          // web_identity.cc
void RegisterOutboundWebIdentity(StsHandlerMap& handlers);  // outbound_web_identity.cc

// An error with AWS's code `aws_code` (ValidationError, AccessDenied, ...).
Error StsError(ErrorCode code, std::string aws_code, std::string message);
Error ValidationError(std::string message);
Error AccessDenied(std::string message);

// ASIA + 8 characters holding the 40-bit account number + 8 random characters (AWS
// temporary key ids likewise encode their account; AccountOfTemporaryKey reads it back).
std::string NewTemporaryKeyId(std::string_view account_id);

// Issues temporary credentials for `caller` (its session set) and returns the
// Credentials structure (AccessKeyId, SecretAccessKey, SessionToken, Expiration).
protocol::Value IssueCredentials(StsContext& ctx, auth::Caller caller);

// Session policies and tags as the request gives them.
struct SessionInputs {
  std::vector<std::string> policies;
  std::vector<std::string> policy_arns;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> transitive;
  std::optional<int> packed_percent;  // set when policies or tags were passed
};

// Policy, PolicyArns, Tags, TransitiveTagKeys: validated, packed size computed.
[[nodiscard]] Result<SessionInputs> ReadSessionInputs(const protocol::Value& input);

// Verifies SerialNumber + TokenCode against the caller's enabled MFA device: nullopt when
// neither is given, the MFA time (now) when the code is right, AccessDenied otherwise.
[[nodiscard]] Result<std::optional<std::chrono::system_clock::time_point>> VerifyMfa(
    StsContext& ctx, const protocol::Value& input);

// arn:aws:iam::ACCOUNT:role/PATH/NAME -> (account, name).
std::optional<std::pair<std::string, std::string>> SplitRoleArn(std::string_view arn);

// The role `role_arn` names. A malformed ARN is a ValidationError; a role that does not
// exist answers `missing` (AWS answers AccessDenied rather than revealing it).
[[nodiscard]] Result<store::Role> LoadRole(StsContext& ctx, std::string_view role_arn,
                                           const Error& missing);

// DurationSeconds (default 3600) checked against 900 s, the role's MaxSessionDuration and,
// for role chaining, one hour, with AWS's messages.
[[nodiscard]] Result<std::int64_t> RoleSessionDuration(const protocol::Value& input,
                                                       const store::Role& role, bool chained);

// Evaluates `role`'s trust policy alone for a federated principal (an OIDC or SAML
// provider ARN, or another identity that has no identity policies of its own) doing
// `action` with the operation's condition keys. OkStatus when it allows; `denied`
// otherwise (also when the trust policy does not parse).
[[nodiscard]] Status AuthorizeTrustPolicy(
    StsContext& ctx, const store::Role& role, std::string_view principal, std::string_view action,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& context,
    const Error& denied);

// Everything of a role session besides the role.
struct RoleSessionSpec {
  std::string session_name;
  std::string source_user_name;  // the IAM user who asked, if any
  std::string source_arn;        // whoever asked: a caller ARN, a provider ARN, ...
  std::string source_identity;
  std::vector<std::string> policies;
  std::vector<std::string> policy_arns;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> transitive_tag_keys;
  std::int64_t duration_seconds = 3600;
  bool chained = false;
  std::optional<std::chrono::system_clock::time_point> mfa_authenticated_at;
  std::optional<int> packed_percent;
};

// Issues credentials for a session of `role` and records the role's last use. Returns
// the output structure every AssumeRole* operation shares: Credentials, AssumedRoleUser
// (AssumedRoleId ROLEID:SESSION, Arn arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION),
// PackedPolicySize when set, SourceIdentity when not empty. Operations add their own
// members (Subject, Audience, Provider, ...).
protocol::Value IssueRoleSession(StsContext& ctx, const store::Role& role, RoleSessionSpec spec);

}  // namespace portcullis::api::sts
