#include "policy/numeric.h"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string_view>
#include <system_error>

namespace portcullis::policy {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

std::size_t SkipDigits(std::string_view text, std::size_t pos) {
  while (pos < text.size() && IsDigit(text[pos])) {
    ++pos;
  }
  return pos;
}

// Returns whether `text` (sign already removed) is digits, an optional fraction and
// an optional exponent, with at least one digit in the mantissa.
bool IsDecimalSyntax(std::string_view text) {
  std::size_t pos = SkipDigits(text, 0);
  std::size_t mantissa_digits = pos;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t after = SkipDigits(text, pos + 1);
    mantissa_digits += after - pos - 1;
    pos = after;
  }
  if (mantissa_digits == 0) {
    return false;
  }
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      ++pos;
    }
    const std::size_t after = SkipDigits(text, pos);
    if (after == pos) {
      return false;
    }
    pos = after;
  }
  return pos == text.size();
}

}  // namespace

std::optional<double> ParseNumeric(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  // The grammar is checked here because std::from_chars also takes "inf", "nan"
  // (case-insensitively) and never takes a leading "+".
  if (!IsDecimalSyntax(text)) {
    return std::nullopt;
  }
  double value = 0;
  const char* const end = text.data() + text.size();
  const std::from_chars_result parsed =
      std::from_chars(text.data(), end, value, std::chars_format::general);
  if (parsed.ec != std::errc() || parsed.ptr != end || !std::isfinite(value)) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

}  // namespace portcullis::policy
