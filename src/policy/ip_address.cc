#include "policy/ip_address.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/strings.h"

namespace portcullis::policy {
namespace {

constexpr std::size_t kV4Bytes = 4;
constexpr std::size_t kV6Groups = 8;
constexpr std::uint8_t kV4Bits = 32;
constexpr std::uint8_t kV6Bits = 128;

bool IsDigit(char c) {
  return AsciiIsDigit(c);
}

int HexValue(char c) {
  return HexDigitValue(c);
}

// Parses a decimal number of 1-3 digits without a leading zero (except "0" itself)
// that is at most `max`.
std::optional<unsigned> ParseSmallDecimal(std::string_view text, unsigned max) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (const char c : text) {
    if (!IsDigit(c)) {
      return std::nullopt;
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > max) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::array<std::uint8_t, kV4Bytes>> ParseV4(std::string_view text) {
  std::array<std::uint8_t, kV4Bytes> bytes{};
  for (std::size_t i = 0; i < kV4Bytes; ++i) {
    const std::size_t dot = text.find('.');
    const bool last = i + 1 == kV4Bytes;
    if (last != (dot == std::string_view::npos)) {
      return std::nullopt;
    }
    const std::optional<unsigned> part = ParseSmallDecimal(text.substr(0, dot), 255);
    if (!part.has_value()) {
      return std::nullopt;
    }
    bytes[i] = static_cast<std::uint8_t>(*part);
    if (!last) {
      text.remove_prefix(dot + 1);
    }
  }
  return bytes;
}

// Up to eight 16-bit groups parsed from one side of a `::`.
struct Groups {
  std::array<std::uint16_t, kV6Groups> values{};
  std::size_t count = 0;
};

// Parses `text` as colon-separated groups of 1-4 hex digits. An empty `text` is zero
// groups. When `allow_v4_tail`, the last group may be a dotted quad worth two groups.
std::optional<Groups> ParseGroups(std::string_view text, bool allow_v4_tail) {
  Groups groups;
  if (text.empty()) {
    return groups;
  }
  while (true) {
    const std::size_t colon = text.find(':');
    const std::string_view group = text.substr(0, colon);
    const bool last = colon == std::string_view::npos;
    if (last && allow_v4_tail && group.find('.') != std::string_view::npos) {
      const auto v4 = ParseV4(group);
      if (!v4.has_value() || groups.count + 2 > kV6Groups) {
        return std::nullopt;
      }
      groups.values[groups.count++] = static_cast<std::uint16_t>(((*v4)[0] << 8) | (*v4)[1]);
      groups.values[groups.count++] = static_cast<std::uint16_t>(((*v4)[2] << 8) | (*v4)[3]);
      return groups;
    }
    if (group.empty() || group.size() > 4 || groups.count == kV6Groups) {
      return std::nullopt;
    }
    unsigned value = 0;
    for (const char c : group) {
      const int digit = HexValue(c);
      if (digit < 0) {
        return std::nullopt;
      }
      value = (value << 4) | static_cast<unsigned>(digit);
    }
    groups.values[groups.count++] = static_cast<std::uint16_t>(value);
    if (last) {
      return groups;
    }
    text.remove_prefix(colon + 1);
  }
}

std::optional<std::array<std::uint8_t, 16>> ParseV6(std::string_view text) {
  std::array<std::uint16_t, kV6Groups> values{};
  const std::size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    const std::optional<Groups> all = ParseGroups(text, true);
    if (!all.has_value() || all->count != kV6Groups) {
      return std::nullopt;
    }
    values = all->values;
  } else {
    const std::string_view head_text = text.substr(0, gap);
    const std::string_view tail_text = text.substr(gap + 2);
    // A second `::`, or ":::", is not an address.
    if (tail_text.find("::") != std::string_view::npos || tail_text.starts_with(':')) {
      return std::nullopt;
    }
    const std::optional<Groups> head = ParseGroups(head_text, false);
    const std::optional<Groups> tail = ParseGroups(tail_text, true);
    // RFC 4291: `::` stands for one or more groups of zeros.
    if (!head.has_value() || !tail.has_value() || head->count + tail->count >= kV6Groups) {
      return std::nullopt;
    }
    for (std::size_t i = 0; i < head->count; ++i) {
      values[i] = head->values[i];
    }
    for (std::size_t i = 0; i < tail->count; ++i) {
      values[kV6Groups - tail->count + i] = tail->values[i];
    }
  }
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < kV6Groups; ++i) {
    bytes[2 * i] = static_cast<std::uint8_t>(values[i] >> 8);
    bytes[2 * i + 1] = static_cast<std::uint8_t>(values[i] & 0xffU);
  }
  return bytes;
}

std::optional<IpNetwork> ParseAddressPart(std::string_view text) {
  IpNetwork result;
  if (text.find(':') != std::string_view::npos) {
    const auto bytes = ParseV6(text);
    if (!bytes.has_value()) {
      return std::nullopt;
    }
    result.family = IpFamily::kV6;
    result.address = *bytes;
    result.prefix_length = kV6Bits;
    return result;
  }
  const auto bytes = ParseV4(text);
  if (!bytes.has_value()) {
    return std::nullopt;
  }
  result.family = IpFamily::kV4;
  for (std::size_t i = 0; i < kV4Bytes; ++i) {
    result.address[i] = (*bytes)[i];
  }
  result.prefix_length = kV4Bits;
  return result;
}

// Returns whether the first `bits` bits of `a` and `b` agree.
bool PrefixEqual(const std::uint8_t* a, const std::uint8_t* b, unsigned bits) {
  const unsigned full = bits / 8;
  for (unsigned i = 0; i < full; ++i) {
    if (a[i] != b[i]) {
      return false;
    }
  }
  const unsigned rest = bits % 8;
  if (rest == 0) {
    return true;
  }
  const auto mask = static_cast<std::uint8_t>(0xffU << (8 - rest));
  return ((a[full] ^ b[full]) & mask) == 0;
}

bool IsV4Mapped(const IpNetwork& addr) {
  constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  for (std::size_t i = 0; i < kMappedPrefix.size(); ++i) {
    if (addr.address[i] != kMappedPrefix[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<IpNetwork> ParseIpNetwork(std::string_view text) {
  const std::size_t slash = text.find('/');
  std::optional<IpNetwork> result = ParseAddressPart(text.substr(0, slash));
  if (!result.has_value() || slash == std::string_view::npos) {
    return result;
  }
  const std::optional<unsigned> prefix =
      ParseSmallDecimal(text.substr(slash + 1), result->prefix_length);
  if (!prefix.has_value()) {
    return std::nullopt;
  }
  result->prefix_length = static_cast<std::uint8_t>(*prefix);
  return result;
}

std::optional<IpNetwork> ParseIpAddress(std::string_view text) {
  if (text.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  return ParseAddressPart(text);
}

bool Contains(const IpNetwork& net, const IpNetwork& addr) {
  if (net.family == addr.family) {
    return addr.prefix_length >= net.prefix_length &&
           PrefixEqual(net.address.data(), addr.address.data(), net.prefix_length);
  }
  constexpr unsigned kMappedBits = kV6Bits - kV4Bits;
  if (net.family == IpFamily::kV4 && IsV4Mapped(addr) && addr.prefix_length >= kMappedBits) {
    return addr.prefix_length - kMappedBits >= net.prefix_length &&
           PrefixEqual(net.address.data(), addr.address.data() + 12, net.prefix_length);
  }
  return false;
}

}  // namespace portcullis::policy
