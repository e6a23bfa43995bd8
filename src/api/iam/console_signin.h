// The console sign-in check: may this IAM user sign in to the web console with this
// password (and MFA code)? The server answers it at POST /_portcullis/console/signin
// (docs/console-signin.md); the web console calls it.
//
// Request (JSON): {"account": "123456789012" or an account alias, "user": "alice",
// "password": "...", "mfaCode": "123456" (optional)}.
// Checks, in order:
//  1. the account (id or alias) and user exist and the user has a login profile; any of
//     these failing answers InvalidCredentials, after one argon2id verification against
//     a dummy hash so that it takes as long as a wrong password;
//  2. the user is not locked out: 5 consecutive failed attempts (wrong password or MFA
//     code) lock the user out for 15 minutes (LockedOut), counted in a kSignInState
//     resource (key NameKey(user), deleted with the user);
//  3. the password matches the argon2id hash (constant time): else InvalidCredentials,
//     never saying whether the account, the user or the password was wrong;
//  4. the account's password policy with HardExpiry and an expired password:
//     PasswordExpired (without HardExpiry the sign-in succeeds with
//     passwordResetRequired, as AWS then asks for a new password);
//  5. when the user has an enabled MFA device, a code is required (MfaRequired);
//  6. an explicit Deny in the user's policies of action "signin:ConsoleLogin" on the
//     user's ARN, with the request context (aws:SourceIp the client's address, ...):
//     AccessDenied. No policy has to allow sign-in;
//  7. the code must be a valid TOTP code of one of the user's devices, of a step not
//     used before (InvalidMfaCode).
// On success the failure count is cleared and the user's PasswordLastUsed set.
// Thread-safety: ConsoleSignIn may run concurrently; it borrows its arguments for the call.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/authz/authorizer.h"
#include "api/request_info.h"
#include "auth/caller.h"
#include "common/clock.h"
#include "common/error.h"
#include "crypto/secret_box.h"
#include "store/identity_store.h"

namespace portcullis::api::iam {

inline constexpr int kSignInMaxFailures = 5;
inline constexpr std::chrono::minutes kSignInLockout{15};
inline constexpr std::string_view kConsoleLoginAction = "signin:ConsoleLogin";

struct ConsoleSignInRequest {
  std::string account;
  std::string user;
  std::string password;
  std::optional<std::string> mfa_code;
};

// Parses the request body. kInvalidArgument (naming the member, never its value) for
// anything but a JSON object with string members account, user and password (each
// 1..512 bytes) and an optional string mfaCode.
[[nodiscard]] Result<ConsoleSignInRequest> ParseConsoleSignInRequest(std::string_view body);

struct ConsoleSignInResult {
  bool ok = false;
  // On refusal: InvalidCredentials, LockedOut, PasswordExpired, MfaRequired,
  // InvalidMfaCode or AccessDenied.
  std::string reason;
  // The user, when the account and user were found (for the audit log's userIdentity).
  std::optional<auth::Caller> identity;
  bool mfa_used = false;
  bool password_reset_required = false;
};

// Runs the checks above. An error only when the store fails.
[[nodiscard]] Result<ConsoleSignInResult> ConsoleSignIn(store::IdentityStore& store,
                                                        authz::Authorizer& authorizer,
                                                        const crypto::SecretBox& box,
                                                        const Clock& clock, const RequestInfo& info,
                                                        const ConsoleSignInRequest& request);

// The response body: {"result":"ok","accountId":..,"userName":..,"arn":..,
// "mfaAuthenticated":bool,"passwordResetRequired":bool} or
// {"result":"denied","reason":".."}.
std::string RenderConsoleSignInResult(const ConsoleSignInResult& result);

}  // namespace portcullis::api::iam
