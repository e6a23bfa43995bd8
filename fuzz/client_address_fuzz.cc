// libFuzzer target for the client address of a request (server/client_address.h): the
// X-Forwarded-For walk behind trusted proxies and the trusted_proxies setting parser.
//
// The input is split at its first NUL: the part before is read as the trusted_proxies
// setting, the rest as X-Forwarded-For header values separated by newlines.
// Properties checked, aborting on a violation:
//  - the answer is the peer or an address that parses (never raw header text);
//  - with no trusted proxy, the answer is the peer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "policy/ip_address.h"
#include "server/client_address.h"

namespace server = portcullis::server;
namespace policy = portcullis::policy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view setting =
      nul == std::string_view::npos ? "127.0.0.1/32" : input.substr(0, nul);
  const std::string_view headers = nul == std::string_view::npos ? input : input.substr(nul + 1);
  auto trusted = server::ParseTrustedProxies(setting);
  std::vector<policy::IpNetwork> nets = trusted.value_or(std::vector<policy::IpNetwork>{});
  std::vector<std::string_view> values;
  std::size_t start = 0;
  while (start <= headers.size()) {
    const std::size_t end = headers.find('\n', start);
    values.push_back(headers.substr(
        start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  for (std::string_view peer : {"127.0.0.1", "::1", "10.0.0.1"}) {
    const std::string client = server::ClientAddress(peer, values, nets);
    if (client != peer && !policy::ParseIpAddress(client).has_value()) {
      std::abort();
    }
    if (server::ClientAddress(peer, values, {}) != peer) {
      std::abort();
    }
  }
  for (std::string_view v : values) {
    const std::string entry = server::ParseForwardedAddress(v);
    if (!entry.empty() && !policy::ParseIpAddress(entry).has_value()) {
      std::abort();
    }
  }
  return 0;
}
