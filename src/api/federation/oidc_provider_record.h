// What the store keeps for an IAM OIDC provider, as STS reads it: the JSON body of its
// store::Resource (kind kOidcProvider, key arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH),
// written by IAM's CreateOpenIDConnectProvider and friends (api/iam/oidc_providers.cc):
// {"url": "HOST/PATH", "client_ids": [...], "thumbprints": [...]}.
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

}  // namespace portcullis::api::federation
