// The crypto seam: SHA-256, HMAC-SHA256, HMAC-SHA1, hex and constant-time comparison over
// OpenSSL 3.
//
// Everything here is a pure function of its arguments: no global state beyond OpenSSL's
// own (thread-safe in OpenSSL 3), so all functions may be called from any thread.
// Results are returned by value and owned by the caller; inputs are only read during the
// call. No exception crosses this API. OpenSSL cannot fail for these primitives short of
// memory exhaustion, where the process aborts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace portcullis::crypto {

inline constexpr std::size_t kSha256Size = 32;
inline constexpr std::size_t kSha1Size = 20;

using Sha256Digest = std::array<std::uint8_t, kSha256Size>;
using Sha1Digest = std::array<std::uint8_t, kSha1Size>;

// Returns the SHA-256 digest of `data` (FIPS 180-4). Never fails.
Sha256Digest Sha256(std::string_view data);

// Returns HMAC-SHA256(key, data) (RFC 2104 / RFC 4231). Keys of any length are accepted
// (longer than the 64-byte block are hashed first, as HMAC specifies). Never fails.
Sha256Digest HmacSha256(std::string_view key, std::string_view data);

// Returns HMAC-SHA1(key, data) (RFC 2104 / RFC 2202): only for S3's Signature Version 2
// (auth/sigv4/s3_query_v2.h), which AWS defines over SHA-1. Never fails.
Sha1Digest HmacSha1(std::string_view key, std::string_view data);

// Views a digest as bytes, e.g. to chain HMACs (SigV4's key derivation).
inline std::string_view AsBytes(const Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

// Returns the lowercase hexadecimal form of `bytes` (two characters per byte).
std::string HexLower(std::string_view bytes);

inline std::string_view AsBytes(const Sha1Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

inline std::string HexLower(const Sha256Digest& digest) {
  return HexLower(AsBytes(digest));
}

// Decodes hexadecimal text (either case) into bytes. Errors: kInvalidArgument for an odd
// length or a character outside [0-9a-fA-F].
[[nodiscard]] Result<std::string> HexDecode(std::string_view hex);

// Returns whether `a` and `b` hold the same bytes. When the sizes are equal the time taken
// does not depend on where the contents differ (CRYPTO_memcmp); the sizes themselves are
// not secret and are compared first.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace portcullis::crypto
