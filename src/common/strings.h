// Small ASCII string helpers shared by every part. No locale is consulted: AWS's
// case-insensitive comparisons (action names, condition keys) are ASCII-only.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace portcullis {

constexpr char AsciiToLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr char AsciiToUpper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

constexpr bool AsciiIsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Returns the value of a hexadecimal digit (either case), or -1.
constexpr int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Byte equality for short strings (keys, names): word-at-a-time and inline, which
// beats a call to memcmp for the 10-40 byte strings of the evaluation hot path.
inline bool ShortEquals(std::string_view a, std::string_view b) {
  std::size_t n = a.size();
  if (n != b.size()) {
    return false;
  }
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
      return false;
    }
  }
  for (; i < n; ++i) {
    if (a[i] != b[i]) {
      return false;
    }
  }
  return true;
}

// Returns a lowercase copy of `s`.
std::string AsciiLower(std::string_view s);

// Returns whether `a` and `b` are equal ignoring ASCII case.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiToLower(a[i]) != AsciiToLower(b[i])) {
      return false;
    }
  }
  return true;
}

// Returns whether `s` starts with `prefix` ignoring ASCII case.
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);

// Returns `s` without leading and trailing spaces, tabs, CR and LF.
std::string_view TrimAsciiWhitespace(std::string_view s);

}  // namespace portcullis
