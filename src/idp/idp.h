// The built-in identity provider behind `portcullis idp` (docs/federation.md): a small
// HTTP server on a loopback address for tests and local development, never for
// production. Route families register their routes with one line each (idp.cc,
// kFamilies): the OpenID Connect issuer (oidc_issuer.cc) and the SAML IdP (saml_idp.cc):
//
//   GET  /.well-known/openid-configuration   discovery document
//   GET  /jwks.json (also /keys)             the public signing key as a JWKS
//   POST /token                              a signed ID token for a form (see oidc_issuer.h)
//   GET  /saml/metadata                      SAML IdP metadata with the signing certificate
//   POST /saml/sso                           a signed SAML response for a form (saml_idp.h)
//
// Thread-safety: the router is built before serving and only read afterwards; handlers
// may run concurrently.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "server/http_server.h"

namespace portcullis::idp {

using server::HttpRequestMessage;
using server::HttpResponseMessage;

struct IdpSettings {
  std::string listen_address = "127.0.0.1";  // must be loopback
  std::uint16_t port = 0;                    // 0: a free port
  std::string algorithm = "RS256";           // RS256 | ES256 (ignored with key_file)
  std::string key_file;                      // PEM private key; empty: generated at start
  std::string kid = "portcullis-idp-1";
  std::vector<std::string> subjects;  // when not empty, the only subjects tokens are issued for
  std::string default_audience = "portcullis";
  // What tokens carry as iss and discovery advertises; when empty, set once the port is
  // bound to http://ADDRESS:PORT.
  std::string issuer;
};

// Routes by method and exact path (query ignored); 404 for an unknown path, 405 for a
// known path with another method.
class IdpRouter {
 public:
  using Handler = std::function<HttpResponseMessage(const HttpRequestMessage& request)>;

  void Add(boost::beast::http::verb method, std::string path, Handler handler);
  HttpResponseMessage Handle(const HttpRequestMessage& request) const;

 private:
  std::map<std::string, std::vector<std::pair<boost::beast::http::verb, Handler>>, std::less<>>
      routes_;
};

// A route family: adds its routes. `settings` lives as long as the router (its `issuer`
// is filled in after the routes are added, before the first request).
using RouteFamily = Status (*)(IdpRouter& router,
                               const std::shared_ptr<const IdpSettings>& settings);

// JSON response helpers shared by families.
HttpResponseMessage JsonResponse(unsigned status, std::string body);
HttpResponseMessage JsonError(unsigned status, std::string_view error, std::string_view message);

// application/x-www-form-urlencoded -> (name, value) pairs, in order; nullopt when a
// percent escape is malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body);

// A whole number of seconds within -86400..86400 (a form's lifetime fields; negative
// values make already-expired tokens and responses for tests); false otherwise.
[[nodiscard]] bool ParseLifetimeSeconds(std::string_view text, std::int64_t& out);

// Serves until SIGINT/SIGTERM. Prints "portcullis idp: listening on http://ADDR:PORT"
// on `out` once bound. Returns 0 after a graceful stop, 1 when it cannot start, 2 for a
// bad setting (message on `err`).
int RunIdp(IdpSettings settings, std::ostream& out, std::ostream& err);

}  // namespace portcullis::idp
