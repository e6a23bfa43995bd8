// GetWebIdentityToken (outbound web identity federation): the account's signing keys and
// their public form, which the server publishes (server/router.cc):
//
//   GET /_portcullis/oidc/ACCOUNT/.well-known/openid-configuration
//   GET /_portcullis/oidc/ACCOUNT/jwks
//
// Each account has one key per algorithm (RS256: RSA 2048; ES384: P-384), generated on the
// first GetWebIdentityToken that asks for it and stored sealed under the master key
// (federation/oidc_provider_record.h). docs/federation.md describes the tokens.
// Thread-safety: pure functions of their arguments and the store.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "crypto/secret_box.h"
#include "store/identity_store.h"

namespace portcullis::api::sts {

// {"keys": [...]} of `account_id`'s signing keys (possibly none). kNotFound when the
// account has not enabled outbound web identity federation.
[[nodiscard]] Result<std::string> OutboundJwksJson(store::IdentityStore& store,
                                                   const crypto::SecretBox& box,
                                                   std::string_view account_id);

// The OpenID configuration for `account_id`: its issuer (IssuerIdentifier) and jwks_uri
// `base_url`/_portcullis/oidc/ACCOUNT/jwks. kNotFound as above.
[[nodiscard]] Result<std::string> OutboundDiscoveryJson(store::IdentityStore& store,
                                                        std::string_view account_id,
                                                        std::string_view base_url);

}  // namespace portcullis::api::sts
