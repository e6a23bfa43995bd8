// Identifiers as AWS forms them: unique ids (AIDA... users, AGPA... groups, AROA...
// roles, ANPA... policies: a 4-letter prefix and 17 characters of [A-Z2-7], 21 in all),
// access key ids (AKIA + 16 characters, 20 in all), 40-character secret access keys
// ([A-Za-z0-9+/]) and 12-digit account ids. All come from a CSPRNG.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace portcullis::api {

inline constexpr std::string_view kUserIdPrefix = "AIDA";
inline constexpr std::string_view kGroupIdPrefix = "AGPA";
inline constexpr std::string_view kRoleIdPrefix = "AROA";
inline constexpr std::string_view kPolicyIdPrefix = "ANPA";
inline constexpr std::string_view kAccessKeyIdPrefix = "AKIA";
inline constexpr std::string_view kInstanceProfileIdPrefix = "AIPA";

// `prefix` followed by 17 random characters of [A-Z2-7].
std::string NewUniqueId(std::string_view prefix);
// AKIA followed by 16 random characters of [A-Z2-7].
std::string NewAccessKeyId();
// 40 random characters of [A-Za-z0-9+/].
std::string NewSecretAccessKey();
// 12 random digits, the first not 0.
std::string NewAccountId();
// A random UUID (version 4) in lowercase: request ids.
std::string NewRequestId();

}  // namespace portcullis::api
