// IP addresses and CIDR networks for the IpAddress / NotIpAddress condition operators
// (AWS: IAM User Guide, "IAM JSON policy elements: Condition operators", IP address
// condition operators; keys aws:SourceIp, aws:VpcSourceIp).
//
// Accepted text:
//   IPv4  dotted quad "a.b.c.d": exactly four decimal parts, each 0-255, digits only
//         (no sign, no spaces). Leading zeros ("010.0.0.1") are rejected: some parsers
//         read them as octal, so accepting them would make the policy mean different
//         things to different tools.
//   IPv6  every RFC 4291 section 2.2 form: eight groups of 1-4 hex digits (either
//         case), one `::` standing for one or more zero groups, and an IPv4 dotted
//         quad in place of the last two groups ("::ffff:1.2.3.4"). Zone indices
//         ("fe80::1%eth0") are rejected.
//   CIDR  either address followed by "/N", N decimal without leading zeros, 0-32 for
//         IPv4 and 0-128 for IPv6. A bare address is a network of full length
//         (/32 or /128). Host bits after the prefix may be set ("10.1.2.3/8"); they are
//         kept in `address` and ignored by Contains().
//
// Thread-safety: pure functions on plain values. Nothing allocates.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace portcullis::policy {

enum class IpFamily : std::uint8_t { kV4, kV6 };

struct IpNetwork {
  IpFamily family = IpFamily::kV4;
  // Network byte order. IPv4 uses bytes 0-3; the rest stay zero.
  std::array<std::uint8_t, 16> address{};
  // Number of leading address bits that form the network: 0-32 or 0-128.
  std::uint8_t prefix_length = 0;

  friend bool operator==(const IpNetwork&, const IpNetwork&) = default;
};

// Parses an address or a CIDR network as described above. Returns nullopt when the
// text is not one.
std::optional<IpNetwork> ParseIpNetwork(std::string_view text);

// Parses a bare address (no "/N"), such as a request's aws:SourceIp. The result has
// the full prefix length. Returns nullopt when the text is not an address.
std::optional<IpNetwork> ParseIpAddress(std::string_view text);

// Returns whether every address of `addr` lies in `net`: `addr` is at least as long a
// prefix as `net` and their first net.prefix_length bits agree. For a bare address
// this is plain membership.
// Families must agree, with one exception: an IPv4-mapped IPv6 address
// (::ffff:a.b.c.d, RFC 4291 section 2.5.5.2) is treated as the IPv4 address a.b.c.d
// when tested against an IPv4 network, because dual-stack listeners report IPv4
// clients that way. The reverse (an IPv4 address against "::ffff:0:0/96") and the
// deprecated IPv4-compatible form (::a.b.c.d) do not match across families.
bool Contains(const IpNetwork& net, const IpNetwork& addr);

}  // namespace portcullis::policy
