// JwksSource: see jwks_source.h. The HTTP client is Boost.Beast over a private io_context
// per fetch: connect, write, read, each bounded by the one timeout of the tcp_stream.
#include "api/federation/jwks_source.h"

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <utility>

namespace portcullis::api::federation {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxDiscoveryBytes = std::size_t{64} * 1024;

struct ParsedUrl {
  bool https = false;
  std::string host;  // as written, brackets removed
  std::uint16_t port = 80;
  std::string target;  // path and query, at least "/"
};

std::optional<ParsedUrl> ParseUrl(std::string_view url) {
  ParsedUrl out;
  if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else if (url.starts_with("https://")) {
    url.remove_prefix(8);
    out.https = true;
    out.port = 443;
  } else {
    return std::nullopt;
  }
  const std::size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (authority.find('@') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view port_text;
  if (authority.starts_with("[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(":")) {
        return std::nullopt;
      }
      port_text = rest.substr(1);
    }
  } else {
    const std::size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) {
        return std::nullopt;
      }
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (port == 0 || port > 65535) {
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  return out;
}

bool IsLoopbackHost(std::string_view host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

Error Unavailable(std::string message) {
  return Error{ErrorCode::kUnavailable, std::move(message), std::nullopt, {}, {}};
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kNotFound, "no JWKS file " + path.string());
  }
  std::string out;
  std::array<char, 4096> buf{};
  while (in.read(buf.data(), buf.size()) || in.gcount() > 0) {
    out.append(buf.data(), static_cast<std::size_t>(in.gcount()));
    if (out.size() > kMaxJwksBytes) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "the JWKS file " + path.string() + " is larger than allowed");
    }
  }
  return out;
}

}  // namespace

std::string PercentEncodeIssuer(std::string_view issuer) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (char ch : issuer) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool IsLoopbackUrl(std::string_view url) {
  auto parsed = ParseUrl(url);
  return parsed.has_value() && IsLoopbackHost(parsed->host);
}

Result<std::string> HttpGetLoopback(std::string_view url, std::chrono::milliseconds timeout,
                                    std::size_t max_bytes) {
  auto parsed = ParseUrl(url);
  if (!parsed.has_value() || parsed->https || !IsLoopbackHost(parsed->host)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "only http URLs on a loopback host are fetched: `" + std::string(url) + "`");
  }
  const asio::ip::address address = parsed->host == "localhost"
                                        ? asio::ip::address(asio::ip::address_v4::loopback())
                                        : asio::ip::make_address(parsed->host);
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(timeout);
  http::request<http::empty_body> request{http::verb::get, parsed->target, 11};
  request.set(http::field::host, parsed->host + ":" + std::to_string(parsed->port));
  request.set(http::field::user_agent, "portcullis");
  request.set(http::field::accept, "application/json");
  request.set(http::field::connection, "close");
  http::response_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(max_bytes);
  beast::flat_buffer buffer;
  beast::error_code failure;
  stream.async_connect(tcp::endpoint(address, parsed->port), [&](beast::error_code ec) {
    if (ec) {
      failure = ec;
      return;
    }
    http::async_write(stream, request, [&](beast::error_code wec, std::size_t) {
      if (wec) {
        failure = wec;
        return;
      }
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code rec, std::size_t) { failure = rec; });
    });
  });
  ioc.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (failure) {
    return MakeError(Unavailable("GET " + std::string(url) + " failed: " + failure.message()));
  }
  const auto& response = parser.get();
  if (response.result() != http::status::ok) {
    return MakeError(Unavailable("GET " + std::string(url) + " answered " +
                                 std::to_string(response.result_int())));
  }
  return response.body();
}

JwksSource::JwksSource(JwksSourceOptions options) : options_(std::move(options)) {}

Result<Jwks> JwksSource::Get(std::string_view issuer, std::string_view kid,
                             std::chrono::system_clock::time_point now) {
  if (!options_.dir.empty()) {
    auto text = ReadFile(options_.dir / (PercentEncodeIssuer(issuer) + ".json"));
    if (text.has_value()) {
      return ParseJwks(*text);
    }
    if (text.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(text).error());
    }
  }
  auto parsed = ParseUrl(issuer);
  if (!options_.fetch_loopback || !parsed.has_value() || parsed->https ||
      !IsLoopbackHost(parsed->host)) {
    return MakeError(ErrorCode::kNotFound,
                     "no JWKS is configured for issuer `" + std::string(issuer) + "`");
  }
  {
    const std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(issuer);
    if (it != cache_.end() && now - it->second.fetched < options_.cache_ttl) {
      const bool has_kid =
          kid.empty() || std::any_of(it->second.jwks.keys.begin(), it->second.jwks.keys.end(),
                                     [&](const Jwk& k) { return k.kid == kid; });
      if (has_kid || now - it->second.fetched < kRefetchInterval) {
        return it->second.jwks;
      }
    }
  }
  std::string base(issuer);
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  IAM_ASSIGN_OR_RETURN(const std::string discovery,
                       HttpGetLoopback(base + "/.well-known/openid-configuration", options_.timeout,
                                       kMaxDiscoveryBytes));
  const nlohmann::json doc = nlohmann::json::parse(discovery, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("jwks_uri") ||
      !doc["jwks_uri"].is_string()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the OpenID configuration of `" + std::string(issuer) + "` has no jwks_uri");
  }
  const std::string jwks_uri = doc["jwks_uri"].get<std::string>();
  IAM_ASSIGN_OR_RETURN(const std::string jwks_text,
                       HttpGetLoopback(jwks_uri, options_.timeout, kMaxJwksBytes));
  IAM_ASSIGN_OR_RETURN(Jwks jwks, ParseJwks(jwks_text));
  const std::lock_guard<std::mutex> lock(mu_);
  cache_[std::string(issuer)] = Entry{jwks, now};
  return jwks;
}

}  // namespace portcullis::api::federation
