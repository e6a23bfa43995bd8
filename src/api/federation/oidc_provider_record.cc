// OIDC provider record: see oidc_provider_record.h.
#include "api/federation/oidc_provider_record.h"

#include <nlohmann/json.hpp>

namespace portcullis::api::federation {

Result<OidcProviderRecord> DecodeOidcProviderRecord(std::string_view body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return MakeError(ErrorCode::kInternal, "stored OIDC provider is not JSON");
  }
  OidcProviderRecord out;
  if (auto url = json.find("url"); url != json.end() && url->is_string()) {
    out.url = url->get<std::string>();
  }
  if (auto ids = json.find("client_ids"); ids != json.end() && ids->is_array()) {
    for (const auto& id : *ids) {
      if (id.is_string()) {
        out.client_ids.push_back(id.get<std::string>());
      }
    }
  }
  return out;
}

std::string OidcProviderArnForIssuer(std::string_view account_id, std::string_view issuer) {
  if (issuer.starts_with("https://")) {
    issuer.remove_prefix(8);
  } else if (issuer.starts_with("http://")) {
    issuer.remove_prefix(7);
  }
  while (issuer.ends_with("/")) {
    issuer.remove_suffix(1);
  }
  return "arn:aws:iam::" + std::string(account_id) + ":oidc-provider/" + std::string(issuer);
}

OutboundFederationSetting DecodeOutboundFederationSetting(std::string_view body) {
  OutboundFederationSetting out;
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return out;
  }
  if (auto enabled = json.find("Enabled"); enabled != json.end() && enabled->is_boolean()) {
    out.enabled = enabled->get<bool>();
  }
  if (auto issuer = json.find("IssuerIdentifier"); issuer != json.end() && issuer->is_string()) {
    out.issuer = issuer->get<std::string>();
  }
  return out;
}

std::string EncodeOutboundSigningKeyRecord(const OutboundSigningKeyRecord& record) {
  return nlohmann::json{{"kid", record.kid}, {"sealed", record.sealed_base64}}.dump();
}

Result<OutboundSigningKeyRecord> DecodeOutboundSigningKeyRecord(std::string_view body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("kid") ||
      !json["kid"].is_string() || !json.contains("sealed") || !json["sealed"].is_string()) {
    return MakeError(ErrorCode::kInternal, "stored signing key is not JSON");
  }
  return OutboundSigningKeyRecord{json["kid"].get<std::string>(),
                                  json["sealed"].get<std::string>()};
}

}  // namespace portcullis::api::federation
