// TOTP (RFC 6238) for virtual MFA devices: 30-second steps counted from the Unix epoch,
// six digits, HMAC-SHA1 (RFC 4226's HOTP over the step number), through liboath; and the
// Base32 (RFC 4648 section 6) form in which seeds are handed to authenticator apps.
//
// A seed is 20 random bytes (160 bits, RFC 4226's recommended length). Verification
// compares every candidate step's code in constant time and answers which step matched,
// so the caller can refuse steps at or before the last one accepted (replays).
// Thread-safety: pure functions (liboath is initialized once, thread-safely).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace portcullis::crypto {

inline constexpr std::size_t kTotpSeedSize = 20;
inline constexpr std::int64_t kTotpStepSeconds = 30;
inline constexpr std::size_t kTotpDigits = 6;

// Returns kTotpSeedSize cryptographically secure random bytes.
std::string NewTotpSeed();

// The RFC 4648 Base32 text of `bytes` (upper case, padded with "=" to a multiple of 8;
// a 20-byte seed needs no padding).
std::string Base32Encode(std::string_view bytes);

// Decodes Base32 text (upper or lower case; padding optional). kInvalidArgument for
// anything else.
[[nodiscard]] Result<std::string> Base32Decode(std::string_view text);

// The TOTP step that `time` falls in: floor(unix seconds / 30).
std::int64_t TotpStep(std::chrono::system_clock::time_point time);

// The six-digit code of `seed` for step `step` (with leading zeros). An empty string for a
// negative step, or if liboath fails, which it does not for seeds of 1..64 bytes.
std::string TotpCode(std::string_view seed, std::int64_t step);

// The step in [first, last] whose code is `code`, or nullopt (also for a `code` that is not
// six digits). Every step in the range is computed and compared in constant time, so the
// time taken does not tell which step matched.
std::optional<std::int64_t> FindTotpStep(std::string_view seed, std::string_view code,
                                         std::int64_t first, std::int64_t last);

// The later step s+1 of two consecutive steps s, s+1 in [first, last] whose codes are
// `code1` and `code2` (a device's next two codes, as EnableMFADevice and ResyncMFADevice
// take them), or nullopt. Compares every candidate in constant time, as FindTotpStep.
std::optional<std::int64_t> FindConsecutiveTotpSteps(std::string_view seed, std::string_view code1,
                                                     std::string_view code2, std::int64_t first,
                                                     std::int64_t last);

}  // namespace portcullis::crypto
