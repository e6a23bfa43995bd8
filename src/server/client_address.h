// The client address of a request: what aws:SourceIp, the audit log's sourceIPAddress
// and the IMDS endpoint see.
//
// It is the connection's peer address, unless the peer is one of the operator's trusted
// proxies (server setting `trusted_proxies`, docs/configuration.md). Then the
// X-Forwarded-For header is read from the right: each proxy appends the address it
// received the request from, so entries are skipped while they are trusted proxies too,
// and the first entry that is not is the client. A client can write anything into the
// header it sends, so nothing left of that entry is believed. When every entry is a
// trusted proxy the left-most one is the client. An entry that is not an address ends the
// walk: the address to its right (a trusted proxy, possibly the peer) is the client, so
// garbage never promotes an address further left. Entries may carry spaces around them, an
// IPv6 address in brackets, and an IPv4 or bracketed IPv6 address with a ":port" (as some
// proxies write them); several X-Forwarded-For headers are read as one list, in order.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are answered as IPv4, as the listener
// reports peers.
// Thread-safety: pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "policy/ip_address.h"

namespace portcullis::server {

// Parses the trusted_proxies setting: CIDR networks or bare addresses separated by commas
// and/or spaces; empty text is the empty list. kInvalidArgument naming the first entry
// that is not one.
[[nodiscard]] Result<std::vector<policy::IpNetwork>> ParseTrustedProxies(std::string_view text);

// One X-Forwarded-For entry as an address in text form ("203.0.113.7", "2001:db8::1"), or
// the empty string when it is not one.
std::string ParseForwardedAddress(std::string_view entry);

// The client address as the header comment describes. `forwarded_for` holds the values of
// every X-Forwarded-For header in the order received.
std::string ClientAddress(std::string_view peer_ip, std::span<const std::string_view> forwarded_for,
                          std::span<const policy::IpNetwork> trusted_proxies);

}  // namespace portcullis::server
