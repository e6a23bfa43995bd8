// Makes signed SAML 2.0 responses, as an identity provider would post them to AWS: one
// samlp:Response holding one saml:Assertion (Issuer, Subject with a bearer confirmation,
// Conditions with an AudienceRestriction, an AuthnStatement and the attributes), signed
// with xmlsec1: RSA-SHA256 (or ECDSA-SHA256 for an EC key), exclusive canonicalisation,
// enveloped, the certificate in KeyInfo. For tests and `portcullis idp saml-response`.
//
// Thread-safety: pure functions (xmlsec is initialised once per process). The key is only
// read during the call and never logged.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/federation/saml_response.h"
#include "common/error.h"

namespace portcullis::api::federation {

struct SamlResponseSpec {
  std::string issuer;  // the IdP's entityID
  std::string subject;
  std::string subject_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
  std::string audience = std::string(kAwsSamlEndpoint);
  std::string recipient = std::string(kAwsSamlEndpoint);
  SamlTime issue_instant;              // NotBefore of the Conditions as well
  std::chrono::seconds validity{300};  // NotOnOrAfter = issue_instant + validity
  std::optional<SamlTime> session_not_on_or_after;
  std::vector<SamlAttribute> attributes;
  bool sign_assertion = true;
  bool sign_response = false;
  // When set (PEM), the (signed) Assertion is encrypted to this certificate's RSA key:
  // an EncryptedAssertion with AES-256-CBC content and an RSA-OAEP EncryptedKey.
  std::string encrypt_to_certificate_pem;
  // IDs of the Response and the Assertion; random when empty.
  std::string response_id;
  std::string assertion_id;
};

// The Response as XML text (UTF-8, no XML declaration). kInvalidArgument when the key or
// certificate does not read or do not belong together, kInternal when xmlsec fails.
[[nodiscard]] Result<std::string> BuildSignedSamlResponse(const SamlResponseSpec& spec,
                                                          std::string_view key_pem,
                                                          std::string_view certificate_pem);

// xs:dateTime in UTC with milliseconds: 2026-11-28T08:00:00.000Z.
std::string FormatXsDateTime(SamlTime t);

}  // namespace portcullis::api::federation
