// The OIDC issuer route family: see oidc_issuer.h.
#include "idp/oidc_issuer.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "api/federation/jwt.h"

namespace portcullis::idp {
namespace {

namespace http = boost::beast::http;
namespace federation = api::federation;
using Json = nlohmann::json;

Result<federation::JwtSigner> LoadSigner(const IdpSettings& settings) {
  if (settings.key_file.empty()) {
    return federation::JwtSigner::Generate(settings.algorithm == "ES256"
                                               ? federation::JwtAlgorithm::kEs256
                                               : federation::JwtAlgorithm::kRs256,
                                           settings.kid);
  }
  std::ifstream in(settings.key_file, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot read --key-file `" + settings.key_file + "`");
  }
  std::ostringstream pem;
  pem << in.rdbuf();
  return federation::JwtSigner::FromPem(pem.str(), settings.kid);
}

struct TokenForm {
  std::string client_id;
  std::string sub;
  std::string azp;
  std::vector<std::string> aud;
  std::vector<std::string> amr;
  std::int64_t expires_in = 3600;
  std::optional<std::int64_t> nbf_in;
  Json extra = Json::object();
};

// Reads one form field into `form`; the error response for a bad value.
std::optional<HttpResponseMessage> ReadField(TokenForm& form, const std::string& name,
                                             const std::string& value) {
  if (name == "grant_type" && value != "client_credentials") {
    return JsonError(400, "unsupported_grant_type", "only client_credentials is supported");
  }
  if (name == "client_id") {
    form.client_id = value;
  } else if (name == "sub") {
    form.sub = value;
  } else if (name == "aud") {
    form.aud.push_back(value);
  } else if (name == "amr") {
    form.amr.push_back(value);
  } else if (name == "azp") {
    form.azp = value;
  } else if (name == "expires_in" && !ParseLifetimeSeconds(value, form.expires_in)) {
    return JsonError(400, "invalid_request", "expires_in must be -86400..86400");
  } else if (name == "nbf_in") {
    std::int64_t v = 0;
    if (!ParseLifetimeSeconds(value, v)) {
      return JsonError(400, "invalid_request", "nbf_in must be -86400..86400");
    }
    form.nbf_in = v;
  } else if (name == "claims") {
    form.extra = Json::parse(value, nullptr, false);
    if (form.extra.is_discarded() || !form.extra.is_object()) {
      return JsonError(400, "invalid_request", "claims must be a JSON object");
    }
  }
  return std::nullopt;
}

HttpResponseMessage Token(const federation::JwtSigner& signer, const IdpSettings& settings,
                          const HttpRequestMessage& request) {
  auto fields = ParseForm(request.body());
  if (!fields.has_value()) {
    return JsonError(400, "invalid_request", "the form is not url-encoded");
  }
  TokenForm form;
  for (const auto& [name, value] : *fields) {
    if (auto bad = ReadField(form, name, value); bad.has_value()) {
      return *std::move(bad);
    }
  }
  std::string& client_id = form.client_id;
  std::string& sub = form.sub;
  std::vector<std::string>& aud = form.aud;
  const std::int64_t expires_in = form.expires_in;
  if (sub.empty()) {
    sub = client_id.empty() ? "portcullis-user" : client_id;
  }
  if (aud.empty()) {
    aud.push_back(client_id.empty() ? settings.default_audience : client_id);
  }
  if (!settings.subjects.empty() && std::find(settings.subjects.begin(), settings.subjects.end(),
                                              sub) == settings.subjects.end()) {
    return JsonError(403, "access_denied", "this subject is not configured");
  }
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  Json claims = std::move(form.extra);
  claims["iss"] = settings.issuer;
  claims["sub"] = sub;
  if (aud.size() == 1) {
    claims["aud"] = aud[0];
  } else {
    claims["aud"] = aud;
  }
  claims["iat"] = now;
  claims["exp"] = now + expires_in;
  if (form.nbf_in.has_value()) {
    claims["nbf"] = now + *form.nbf_in;
  }
  if (!form.amr.empty()) {
    claims["amr"] = form.amr;
  }
  if (!form.azp.empty()) {
    claims["azp"] = form.azp;
  }
  auto token = signer.Sign(claims.dump());
  if (!token.has_value()) {
    return JsonError(500, "server_error", token.error().message);
  }
  Json body = {{"id_token", *token},
               {"access_token", *token},
               {"token_type", "Bearer"},
               {"expires_in", expires_in}};
  return JsonResponse(200, body.dump());
}

}  // namespace

Status RegisterOidcIssuer(IdpRouter& router, const std::shared_ptr<const IdpSettings>& settings) {
  IAM_ASSIGN_OR_RETURN(federation::JwtSigner loaded, LoadSigner(*settings));
  auto signer = std::make_shared<const federation::JwtSigner>(std::move(loaded));
  router.Add(http::verb::get, "/.well-known/openid-configuration",
             [signer, settings](const HttpRequestMessage&) {
               Json doc = {
                   {"issuer", settings->issuer},
                   {"jwks_uri", settings->issuer + "/jwks.json"},
                   {"token_endpoint", settings->issuer + "/token"},
                   {"response_types_supported", {"id_token"}},
                   {"subject_types_supported", {"public"}},
                   {"grant_types_supported", {"client_credentials"}},
                   {"id_token_signing_alg_values_supported",
                    {std::string(federation::JwtAlgorithmName(signer->alg()))}},
               };
               return JsonResponse(200, doc.dump());
             });
  auto jwks = [signer](const HttpRequestMessage&) {
    return JsonResponse(200, R"({"keys":[)" + signer->PublicJwkJson() + "]}");
  };
  router.Add(http::verb::get, "/jwks.json", jwks);
  router.Add(http::verb::get, "/keys", jwks);
  router.Add(http::verb::post, "/token", [signer, settings](const HttpRequestMessage& request) {
    return Token(*signer, *settings, request);
  });
  return OkStatus();
}

}  // namespace portcullis::idp
