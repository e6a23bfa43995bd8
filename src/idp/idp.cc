// The built-in IdP's server: see idp.h.
#include "idp/idp.h"

#include <array>
#include <boost/asio/ip/address.hpp>
#include <optional>
#include <ostream>
#include <utility>

#include "idp/oidc_issuer.h"
#include "idp/saml_idp.h"

namespace portcullis::idp {
namespace {

namespace http = boost::beast::http;

// The route families, one line each.
constexpr std::array<RouteFamily, 2> kFamilies = {
    RegisterOidcIssuer,
    RegisterSamlIdp,
};

int HexValue(char c) {
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

std::optional<std::string> FormDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) {
        return std::nullopt;
      }
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

bool IsLoopbackAddress(const std::string& address) {
  boost::system::error_code ec;
  const auto parsed = boost::asio::ip::make_address(address, ec);
  return !ec && parsed.is_loopback();
}

}  // namespace

void IdpRouter::Add(http::verb method, std::string path, Handler handler) {
  routes_[std::move(path)].emplace_back(method, std::move(handler));
}

HttpResponseMessage IdpRouter::Handle(const HttpRequestMessage& request) const {
  std::string_view target(request.target().data(), request.target().size());
  target = target.substr(0, target.find('?'));
  auto it = routes_.find(target);
  if (it == routes_.end()) {
    return JsonError(404, "not_found", "no such path");
  }
  for (const auto& [method, handler] : it->second) {
    if (method == request.method()) {
      return handler(request);
    }
  }
  return JsonError(405, "method_not_allowed", "method not allowed on this path");
}

bool ParseLifetimeSeconds(std::string_view text, std::int64_t& out) {
  constexpr std::int64_t kMaxLifetime = 86400;
  if (text.empty() || text.size() > 7) {
    return false;
  }
  std::size_t i = text[0] == '-' ? 1 : 0;
  if (i == text.size()) {
    return false;
  }
  std::int64_t v = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
    v = v * 10 + (text[i] - '0');
  }
  out = text[0] == '-' ? -v : v;
  return out >= -kMaxLifetime && out <= kMaxLifetime;
}

HttpResponseMessage JsonResponse(unsigned status, std::string body) {
  HttpResponseMessage res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

HttpResponseMessage JsonError(unsigned status, std::string_view error, std::string_view message) {
  std::string body = R"({"error":")";
  body += error;
  body += R"(","error_description":")";
  for (char c : message) {
    if (c == '"' || c == '\\') {
      body.push_back('\\');
    }
    if (static_cast<unsigned char>(c) >= 0x20) {
      body.push_back(c);
    }
  }
  body += "\"}";
  return JsonResponse(status, std::move(body));
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!body.empty()) {
    const std::size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const std::size_t eq = pair.find('=');
    auto name = FormDecode(pair.substr(0, eq));
    auto value =
        FormDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name.has_value() || !value.has_value()) {
      return std::nullopt;
    }
    out.emplace_back(*std::move(name), *std::move(value));
  }
  return out;
}

int RunIdp(IdpSettings settings, std::ostream& out, std::ostream& err) {
  if (!IsLoopbackAddress(settings.listen_address)) {
    err << "portcullis idp: --listen-address must be a loopback address (127.0.0.1, ::1)\n";
    return 2;
  }
  if (settings.algorithm != "RS256" && settings.algorithm != "ES256") {
    err << "portcullis idp: --alg must be RS256 or ES256\n";
    return 2;
  }
  auto shared = std::make_shared<IdpSettings>(std::move(settings));
  auto router = std::make_shared<IdpRouter>();
  for (RouteFamily family : kFamilies) {
    if (auto added = family(*router, shared); !added.has_value()) {
      err << "portcullis idp: " << added.error().ToString() << "\n";
      return added.error().code == ErrorCode::kInvalidArgument ? 2 : 1;
    }
  }
  server::HttpServerOptions http;
  http.address = shared->listen_address;
  http.port = shared->port;
  http.threads = 2;
  http.max_body_bytes = std::size_t{64} * 1024;
  http.handle_signals = true;
  auto server = server::HttpServer::Create(
      http, [router](const HttpRequestMessage& request, const server::ConnectionInfo&) {
        return router->Handle(request);
      });
  if (!server.has_value()) {
    err << "portcullis idp: " << server.error().ToString() << "\n";
    return 1;
  }
  const bool v6 = shared->listen_address.find(':') != std::string::npos;
  const std::string bound = "http://" +
                            (v6 ? "[" + shared->listen_address + "]" : shared->listen_address) +
                            ":" + std::to_string((*server)->port());
  if (shared->issuer.empty()) {
    shared->issuer = bound;
  }
  out << "portcullis idp: listening on " << bound << std::endl;
  (*server)->Run();
  return 0;
}

}  // namespace portcullis::idp
