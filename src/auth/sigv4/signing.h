// SigV4 signing primitives: request timestamps, the string to sign, the signing key and
// the signature (AWS "Signature Version 4 signing process": create a string to sign,
// calculate the signature).
//
// Pure functions; thread-safe; results owned by the caller. Secrets passed in are only
// read during the call and never copied into results other than derived keys.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/crypto.h"

namespace portcullis::auth::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// Parses an ISO 8601 basic timestamp as X-Amz-Date carries it: `YYYYMMDDTHHMMSSZ`.
// Returns nullopt for any other shape or an impossible date or time.
std::optional<std::chrono::sys_seconds> ParseAmzDate(std::string_view text);

// Parses an HTTP Date header in the IMF-fixdate form of RFC 9110
// (`Sun, 30 Aug 2015 12:36:00 GMT`). Returns nullopt otherwise.
std::optional<std::chrono::sys_seconds> ParseHttpDate(std::string_view text);

// Formats `time` as `YYYYMMDDTHHMMSSZ` (UTC).
std::string FormatAmzDate(std::chrono::sys_seconds time);

// Returns the credential scope `date/region/service/aws4_request`.
std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service);

// Returns the string to sign:
//   AWS4-HMAC-SHA256 \n amz_date \n scope \n hex(SHA-256(canonical request))
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);

// Returns the signing key HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
// "aws4_request"). The key is as secret as `secret`.
crypto::Sha256Digest DeriveSigningKey(std::string_view secret, std::string_view date,
                                      std::string_view region, std::string_view service);

// Returns the signature: lowercase hex of HMAC(signing_key, string_to_sign).
std::string Signature(const crypto::Sha256Digest& signing_key, std::string_view string_to_sign);

}  // namespace portcullis::auth::sigv4
