#include "crypto/totp.h"

#include <array>
#include <cstdlib>
#include <liboath/oath.h>
#include <optional>
#include <string>
#include <utility>

#include "crypto/crypto.h"
#include "crypto/secret_box.h"

namespace portcullis::crypto {
namespace {

bool EnsureOath() {
  // oath_init is not documented as thread-safe: a function-local static runs it once.
  static const int kInit = oath_init();
  return kInit == OATH_OK;
}

bool IsSixDigits(std::string_view code) {
  if (code.size() != kTotpDigits) {
    return false;
  }
  for (const char c : code) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string NewTotpSeed() {
  std::string seed(kTotpSeedSize, '\0');
  RandomBytes(reinterpret_cast<std::uint8_t*>(seed.data()), seed.size());
  return seed;
}

std::string Base32Encode(std::string_view bytes) {
  // RFC 4648 section 6; done here rather than with oath_base32_encode, which allocates
  // with malloc and reports failures only through its return code.
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  out.reserve((bytes.size() + 4) / 5 * 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char ch : bytes) {
    buffer = (buffer << 8) | static_cast<std::uint8_t>(ch);
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 0x1F]);
      bits -= 5;
    }
  }
  if (bits > 0) {
    out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1F]);
  }
  while (out.size() % 8 != 0) {
    out.push_back('=');
  }
  return out;
}

Result<std::string> Base32Decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') {
    text.remove_suffix(1);
  }
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char ch : text) {
    int value = -1;
    if (ch >= 'A' && ch <= 'Z') {
      value = ch - 'A';
    } else if (ch >= 'a' && ch <= 'z') {
      value = ch - 'a';
    } else if (ch >= '2' && ch <= '7') {
      value = ch - '2' + 26;
    }
    if (value < 0) {
      return MakeError(ErrorCode::kInvalidArgument, "not base32 text");
    }
    buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

std::int64_t TotpStep(std::chrono::system_clock::time_point time) {
  const std::int64_t seconds =
      std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
  // Floor division, so times before the epoch fall in negative steps.
  std::int64_t step = seconds / kTotpStepSeconds;
  if (seconds % kTotpStepSeconds < 0) {
    --step;
  }
  return step;
}

std::string TotpCode(std::string_view seed, std::int64_t step) {
  if (!EnsureOath() || step < 0) {
    return {};
  }
  std::array<char, kTotpDigits + 1> out{};
  const auto now = static_cast<time_t>(step * kTotpStepSeconds);
  const int rc =
      oath_totp_generate(seed.data(), seed.size(), now, static_cast<unsigned>(kTotpStepSeconds), 0,
                         static_cast<unsigned>(kTotpDigits), out.data());
  if (rc != OATH_OK) {
    return {};
  }
  return {out.data(), kTotpDigits};
}

std::optional<std::int64_t> FindTotpStep(std::string_view seed, std::string_view code,
                                         std::int64_t first, std::int64_t last) {
  const bool well_formed = IsSixDigits(code);
  std::optional<std::int64_t> found;
  for (std::int64_t step = first; step <= last; ++step) {
    const std::string expected = TotpCode(seed, step);
    const bool match = well_formed && !expected.empty() && ConstantTimeEquals(expected, code);
    if (match && !found.has_value()) {
      found = step;
    }
  }
  return found;
}

std::optional<std::int64_t> FindConsecutiveTotpSteps(std::string_view seed, std::string_view code1,
                                                     std::string_view code2, std::int64_t first,
                                                     std::int64_t last) {
  const bool well_formed = IsSixDigits(code1) && IsSixDigits(code2);
  std::optional<std::int64_t> found;
  std::string previous = TotpCode(seed, first);
  for (std::int64_t step = first + 1; step <= last; ++step) {
    std::string current = TotpCode(seed, step);
    const bool first_matches = !previous.empty() && ConstantTimeEquals(previous, code1);
    const bool second_matches = !current.empty() && ConstantTimeEquals(current, code2);
    if (well_formed && first_matches && second_matches && !found.has_value()) {
      found = step;
    }
    previous = std::move(current);
  }
  return found;
}

}  // namespace portcullis::crypto
