// See saml_idp.h.
#include "idp/saml_idp.h"

#include <algorithm>
#include <boost/beast/http.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/federation/saml_response.h"
#include "api/federation/saml_signer.h"
#include "api/protocol/query_codec.h"
#include "common/base64.h"
#include "crypto/test_credentials.h"

namespace portcullis::idp {
namespace {

namespace federation = api::federation;
namespace http = boost::beast::http;

struct SamlKeys {
  std::string key_pem;
  std::string certificate_pem;
};

std::string XmlEscape(std::string_view text) {
  std::string out;
  api::protocol::AppendXmlEscaped(text, &out);
  return out;
}

// The base64 body of a PEM certificate, on one line (as metadata carries it).
std::string CertificateBody(std::string_view pem) {
  std::string out;
  std::size_t begin = pem.find('\n');
  const std::size_t end = pem.find("-----END");
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) {
    return out;
  }
  for (char c : pem.substr(begin, end - begin)) {
    if (c != '\n' && c != '\r') {
      out.push_back(c);
    }
  }
  return out;
}

std::string EntityId(const IdpSettings& settings) {
  return settings.issuer + "/saml";
}

HttpResponseMessage TextResponse(unsigned status, std::string_view content_type, std::string body) {
  HttpResponseMessage res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, std::string(content_type));
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

HttpResponseMessage Metadata(const SamlKeys& keys, const IdpSettings& settings) {
  const std::string entity = XmlEscape(EntityId(settings));
  std::string xml =
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      R"(<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" )"
      R"(xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID=")" +
      entity +
      R"(">)"
      R"(<md:IDPSSODescriptor WantAuthnRequestsSigned="false" )"
      R"(protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">)"
      R"(<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>)" +
      CertificateBody(keys.certificate_pem) +
      R"(</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>)"
      R"(<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>)"
      R"(<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" )"
      R"(Location=")" +
      entity +
      R"(/sso"/>)"
      R"(</md:IDPSSODescriptor></md:EntityDescriptor>)";
  return TextResponse(200, "application/samlmetadata+xml", std::move(xml));
}

void AddValue(federation::SamlResponseSpec& spec, std::string name, std::string value) {
  for (federation::SamlAttribute& a : spec.attributes) {
    if (a.name == name) {
      a.values.push_back(std::move(value));
      return;
    }
  }
  spec.attributes.push_back({std::move(name), {}, {std::move(value)}});
}

// Reads one form field into `spec`; an error message for a bad value.
std::optional<std::string> ReadField(federation::SamlResponseSpec& spec, bool& json,
                                     std::int64_t& valid_for, std::string& session_name,
                                     const std::string& name, const std::string& value) {
  if (name == "subject") {
    spec.subject = value;
  } else if (name == "role") {
    AddValue(spec, std::string(federation::kAwsRoleAttribute), value);
  } else if (name == "session_name") {
    session_name = value;
  } else if (name == "tag") {
    const std::size_t eq = value.find('=');
    if (eq == std::string::npos || eq == 0) {
      return "tag wants KEY=VALUE";
    }
    AddValue(spec, std::string(federation::kAwsPrincipalTagPrefix) + value.substr(0, eq),
             value.substr(eq + 1));
  } else if (name == "transitive_tag") {
    AddValue(spec, std::string(federation::kAwsTransitiveTagKeysAttribute), value);
  } else if (name == "source_identity") {
    AddValue(spec, std::string(federation::kAwsSourceIdentityAttribute), value);
  } else if (name == "duration") {
    std::int64_t seconds = 0;
    if (!ParseLifetimeSeconds(value, seconds) || seconds <= 0) {
      return "duration must be 1..86400";
    }
    AddValue(spec, std::string(federation::kAwsSessionDurationAttribute), std::to_string(seconds));
  } else if (name == "valid_for") {
    if (!ParseLifetimeSeconds(value, valid_for) || valid_for == 0) {
      return "valid_for must be -86400..86400 and not 0";
    }
  } else if (name == "format") {
    json = value == "json";
  }
  return std::nullopt;
}

HttpResponseMessage Sso(const SamlKeys& keys, const IdpSettings& settings,
                        const HttpRequestMessage& request) {
  auto fields = ParseForm(request.body());
  if (!fields.has_value()) {
    return JsonError(400, "invalid_request", "the form is not url-encoded");
  }
  federation::SamlResponseSpec spec;
  spec.issuer = EntityId(settings);
  bool json = false;
  std::int64_t valid_for = 300;
  std::string session_name;
  for (const auto& [name, value] : *fields) {
    if (auto bad = ReadField(spec, json, valid_for, session_name, name, value); bad.has_value()) {
      return JsonError(400, "invalid_request", *bad);
    }
  }
  if (spec.subject.empty()) {
    return JsonError(400, "invalid_request", "subject is required");
  }
  if (!settings.subjects.empty() && std::find(settings.subjects.begin(), settings.subjects.end(),
                                              spec.subject) == settings.subjects.end()) {
    return JsonError(403, "access_denied", "this IdP issues no response for that subject");
  }
  const bool has_role =
      std::any_of(spec.attributes.begin(), spec.attributes.end(),
                  [](const auto& a) { return a.name == federation::kAwsRoleAttribute; });
  if (!has_role) {
    return JsonError(400, "invalid_request", "role (ROLE_ARN,PROVIDER_ARN) is required");
  }
  AddValue(spec, std::string(federation::kAwsRoleSessionNameAttribute),
           session_name.empty() ? spec.subject : session_name);
  const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  if (valid_for > 0) {
    spec.issue_instant = now;
    spec.validity = std::chrono::seconds(valid_for);
  } else {
    // Already expired: issued 2 * |valid_for| ago, valid for |valid_for|.
    spec.issue_instant = now + std::chrono::seconds(2 * valid_for);
    spec.validity = std::chrono::seconds(-valid_for);
  }
  auto xml = federation::BuildSignedSamlResponse(spec, keys.key_pem, keys.certificate_pem);
  if (!xml.has_value()) {
    return JsonError(500, "server_error", xml.error().message);
  }
  const std::string encoded = EncodeBase64(*xml);
  if (json) {
    return JsonResponse(200, nlohmann::json{{"SAMLResponse", encoded}}.dump());
  }
  std::string page =
      "<!DOCTYPE html><html><body onload=\"document.forms[0].submit()\">"
      "<form method=\"post\" action=\"" +
      std::string(federation::kAwsSamlEndpoint) +
      "\"><input type=\"hidden\" name=\"SAMLResponse\" value=\"" + encoded +
      "\"/><noscript><input type=\"submit\" value=\"Continue\"/></noscript></form>"
      "</body></html>";
  return TextResponse(200, "text/html; charset=utf-8", std::move(page));
}

}  // namespace

Status RegisterSamlIdp(IdpRouter& router, const std::shared_ptr<const IdpSettings>& settings) {
  auto keys = std::make_shared<SamlKeys>();
  keys->key_pem = crypto::NewRsaKeyPemForTest(2048);
  crypto::TestCertificateOptions options;
  options.common_name = "portcullis-idp";
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  options.not_before = now.time_since_epoch().count() - 3600;
  options.not_after = now.time_since_epoch().count() + std::int64_t{365} * 86400;
  keys->certificate_pem = crypto::CertificatePemForTest(keys->key_pem, options);
  router.Add(http::verb::get, "/saml/metadata",
             [keys, settings](const HttpRequestMessage&) { return Metadata(*keys, *settings); });
  router.Add(http::verb::post, "/saml/sso", [keys, settings](const HttpRequestMessage& request) {
    return Sso(*keys, *settings, request);
  });
  return OkStatus();
}

}  // namespace portcullis::idp
