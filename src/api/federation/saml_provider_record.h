// What the store keeps for a SAML provider: the JSON body of its store::Resource (kind
// kSamlProvider, key the provider's ARN), written by IAM's CreateSAMLProvider and
// UpdateSAMLProvider (api/iam/saml_providers.cc) and read by them and by STS's
// AssumeRoleWithSAML, which re-parses `metadata` (saml_metadata.h) for the signing
// certificates and opens the private keys with the SecretBox, the associated data being
// SamlPrivateKeyAssociatedData(provider ARN, key id).
//
// Thread-safety: pure functions. Results are owned by the caller.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace portcullis::api::federation {

struct SamlPrivateKeyRecord {
  std::string id;               // KeyId: [A-Z0-9]{22,64}
  std::int64_t created_ms = 0;  // epoch milliseconds
  std::string sealed_base64;    // SecretBox::Seal of the PEM, base64
};

struct SamlProviderRecord {
  std::string metadata;             // the metadata document as given
  std::string entity_id;            // its IdP entityID
  std::int64_t valid_until_ms = 0;  // ValidUntil, epoch milliseconds
  std::string uuid;                 // SAMLProviderUUID
  std::string encryption_mode;      // "", "Allowed" or "Required"
  std::vector<SamlPrivateKeyRecord> private_keys;
};

// The JSON body for `record`.
std::string EncodeSamlProviderRecord(const SamlProviderRecord& record);

// The record in `body`; kInternal when it is not such JSON.
[[nodiscard]] Result<SamlProviderRecord> DecodeSamlProviderRecord(std::string_view body);

// The associated data a private key of provider `provider_arn` is sealed with.
std::string SamlPrivateKeyAssociatedData(std::string_view provider_arn, std::string_view key_id);

}  // namespace portcullis::api::federation
