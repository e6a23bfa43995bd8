#include "server/client_address.h"

#include <algorithm>
#include <optional>

namespace portcullis::server {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t';
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

bool Trusted(std::string_view address, std::span<const policy::IpNetwork> trusted) {
  const auto parsed = policy::ParseIpAddress(address);
  if (!parsed.has_value()) {
    return false;
  }
  return std::any_of(trusted.begin(), trusted.end(),
                     [&](const policy::IpNetwork& net) { return policy::Contains(net, *parsed); });
}

// "::ffff:a.b.c.d" (any case) -> "a.b.c.d"; other text unchanged.
std::string Unmapped(std::string_view address) {
  constexpr std::string_view kMapped = "::ffff:";
  if (address.size() > kMapped.size() && address.find('.') != std::string_view::npos) {
    std::string head(address.substr(0, kMapped.size()));
    std::transform(head.begin(), head.end(), head.begin(),
                   [](unsigned char c) { return static_cast<char>(c | 0x20); });
    const std::string_view v4 = address.substr(kMapped.size());
    auto parsed = policy::ParseIpAddress(v4);
    if (head == kMapped && parsed.has_value() && parsed->family == policy::IpFamily::kV4) {
      return std::string(v4);
    }
  }
  return std::string(address);
}

}  // namespace

Result<std::vector<policy::IpNetwork>> ParseTrustedProxies(std::string_view text) {
  std::vector<policy::IpNetwork> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ',' || IsSpace(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && text[end] != ',' && !IsSpace(text[end])) {
      ++end;
    }
    const std::string_view entry = text.substr(i, end - i);
    auto net = policy::ParseIpNetwork(entry);
    if (!net.has_value()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "`" + std::string(entry) + "` is not an IP address or CIDR network");
    }
    out.push_back(*net);
    i = end;
  }
  return out;
}

std::string ParseForwardedAddress(std::string_view entry) {
  std::string_view s = TrimSpaces(entry);
  if (s.empty() || s.size() > 64) {
    return "";
  }
  if (s.front() == '[') {
    // "[v6]" or "[v6]:port"
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) {
      return "";
    }
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6 ||
          !std::all_of(rest.begin() + 1, rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return "";
      }
    }
    s = s.substr(1, close - 1);
    auto parsed = policy::ParseIpAddress(s);
    if (!parsed.has_value() || parsed->family != policy::IpFamily::kV6) {
      return "";
    }
    return Unmapped(s);
  }
  if (policy::ParseIpAddress(s).has_value()) {
    return Unmapped(s);
  }
  // "a.b.c.d:port"
  const std::size_t colon = s.find(':');
  if (colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) {
    const std::string_view port = s.substr(colon + 1);
    const std::string_view host = s.substr(0, colon);
    auto parsed = policy::ParseIpAddress(host);
    if (parsed.has_value() && parsed->family == policy::IpFamily::kV4 && !port.empty() &&
        port.size() <= 5 &&
        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::string(host);
    }
  }
  return "";
}

std::string ClientAddress(std::string_view peer_ip, std::span<const std::string_view> forwarded_for,
                          std::span<const policy::IpNetwork> trusted_proxies) {
  std::string client(peer_ip);
  if (trusted_proxies.empty() || forwarded_for.empty() || !Trusted(peer_ip, trusted_proxies)) {
    return client;
  }
  // Entries right to left: headers last to first, each header's list last to first.
  for (auto header = forwarded_for.rbegin(); header != forwarded_for.rend(); ++header) {
    std::string_view list = *header;
    while (true) {
      const std::size_t comma = list.rfind(',');
      const std::string_view entry =
          comma == std::string_view::npos ? list : list.substr(comma + 1);
      if (!TrimSpaces(entry).empty()) {
        std::string address = ParseForwardedAddress(entry);
        if (address.empty()) {
          return client;  // garbage: keep the last address known to be a trusted hop
        }
        client = std::move(address);
        if (!Trusted(client, trusted_proxies)) {
          return client;
        }
      }
      if (comma == std::string_view::npos) {
        break;
      }
      list = list.substr(0, comma);
    }
  }
  return client;
}

}  // namespace portcullis::server
