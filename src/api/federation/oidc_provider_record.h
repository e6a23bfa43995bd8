// What the store keeps for an IAM OIDC provider, as STS reads it: the JSON body of its
// store::Resource (kind kOidcProvider, key arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH),
// written by IAM's CreateOpenIDConnectProvider and friends (api/iam/oidc_providers.cc):
// {"url": "HOST/PATH", "client_ids": [...], "thumbprints": [...]}.
//
// Also the account setting of outbound web identity federation (IAM's
// EnableOutboundWebIdentityFederation, api/iam/account_settings.cc: kAccountSetting
// "outbound-web-identity-federation", {"Enabled": bool, "IssuerIdentifier": URL}) and
// the account's GetWebIdentityToken signing keys (kAccountSetting
// "outbound-web-identity-key-<ALG>", {"kid": ..., "sealed": base64 of the SecretBox-sealed
// PEM private key}).
//
// Thread-safety: pure functions. Results are owned by the caller.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace portcullis::api::federation {

struct OidcProviderRecord {
  std::string url;  // without the scheme
  std::vector<std::string> client_ids;
};

// The record in `body`; kInternal when it is not such JSON.
[[nodiscard]] Result<OidcProviderRecord> DecodeOidcProviderRecord(std::string_view body);

// The provider ARN an OIDC issuer maps to in `account_id`: the issuer without its
// "https://" (or, for loopback issuers, "http://") scheme and trailing slash.
std::string OidcProviderArnForIssuer(std::string_view account_id, std::string_view issuer);

inline constexpr std::string_view kOutboundFederationSettingKey =
    "outbound-web-identity-federation";

struct OutboundFederationSetting {
  bool enabled = false;
  std::string issuer;
};

// The setting in `body`; disabled when it is not such JSON.
OutboundFederationSetting DecodeOutboundFederationSetting(std::string_view body);

struct OutboundSigningKeyRecord {
  std::string kid;
  std::string sealed_base64;
};

std::string EncodeOutboundSigningKeyRecord(const OutboundSigningKeyRecord& record);
// kInternal when `body` is not such JSON.
[[nodiscard]] Result<OutboundSigningKeyRecord> DecodeOutboundSigningKeyRecord(
    std::string_view body);

}  // namespace portcullis::api::federation
