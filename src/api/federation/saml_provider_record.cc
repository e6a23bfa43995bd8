#include "api/federation/saml_provider_record.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>

namespace portcullis::api::federation {
namespace {

// A member of `body` of the type of `fallback`, or `fallback` when it is missing or of
// another type (never throws).
template <class T>
T Member(const nlohmann::json& body, const char* name, T fallback) {
  const auto it = body.find(name);
  if (it == body.end()) {
    return fallback;
  }
  if constexpr (std::is_same_v<T, std::string>) {
    return it->is_string() ? it->template get<std::string>() : fallback;
  } else {
    return it->is_number_integer() ? it->template get<T>() : fallback;
  }
}

}  // namespace

std::string EncodeSamlProviderRecord(const SamlProviderRecord& record) {
  nlohmann::json keys = nlohmann::json::array();
  for (const SamlPrivateKeyRecord& k : record.private_keys) {
    keys.push_back({{"id", k.id}, {"created_ms", k.created_ms}, {"sealed", k.sealed_base64}});
  }
  const nlohmann::json body = {{"metadata", record.metadata},
                               {"entity_id", record.entity_id},
                               {"valid_until_ms", record.valid_until_ms},
                               {"uuid", record.uuid},
                               {"encryption_mode", record.encryption_mode},
                               {"private_keys", keys}};
  return body.dump();
}

Result<SamlProviderRecord> DecodeSamlProviderRecord(std::string_view body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return MakeError(ErrorCode::kInternal, "stored SAML provider is not a JSON object");
  }
  SamlProviderRecord record;
  record.metadata = Member(json, "metadata", std::string());
  record.entity_id = Member(json, "entity_id", std::string());
  record.valid_until_ms = Member(json, "valid_until_ms", std::int64_t{0});
  record.uuid = Member(json, "uuid", std::string());
  record.encryption_mode = Member(json, "encryption_mode", std::string());
  const auto keys = json.find("private_keys");
  if (keys != json.end() && keys->is_array()) {
    for (const nlohmann::json& k : *keys) {
      if (k.is_object()) {
        record.private_keys.push_back(SamlPrivateKeyRecord{Member(k, "id", std::string()),
                                                           Member(k, "created_ms", std::int64_t{0}),
                                                           Member(k, "sealed", std::string())});
      }
    }
  }
  return record;
}

std::string SamlPrivateKeyAssociatedData(std::string_view provider_arn, std::string_view key_id) {
  std::string aad(provider_arn);
  aad += '#';
  aad += key_id;
  return aad;
}

}  // namespace portcullis::api::federation
