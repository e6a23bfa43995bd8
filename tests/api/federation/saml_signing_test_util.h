// A test identity provider for SAML responses: an RSA key and a self-signed certificate
// made at run time (never committed), metadata naming that certificate, and a response
// spec with the attributes AWS needs. Shared by tests/api/federation and tests/api/sts.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "api/federation/saml_signer.h"
#include "crypto/test_credentials.h"

namespace portcullis::testing::saml {

struct TestIdp {
  std::string key_pem;
  std::string cert_pem;
  std::string cert_base64;  // DER, base64, as metadata holds it
};

inline TestIdp NewTestIdp(std::string_view common_name = "idp.example.com") {
  TestIdp idp;
  idp.key_pem = crypto::NewRsaKeyPemForTest(2048);
  crypto::TestCertificateOptions options;
  options.common_name = std::string(common_name);
  options.not_before = 1'700'000'000;
  options.not_after = 4'000'000'000;
  idp.cert_pem = crypto::CertificatePemForTest(idp.key_pem, options);
  for (std::string_view rest = idp.cert_pem; !rest.empty();) {
    const std::size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    if (!line.starts_with("-----")) {
      idp.cert_base64 += line;
    }
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  return idp;
}

// One process-wide test IdP (RSA key generation is slow).
inline const TestIdp& SharedTestIdp() {
  static const TestIdp idp = NewTestIdp();
  return idp;
}

inline std::string MetadataFor(const TestIdp& idp,
                               std::string_view entity_id = "https://idp.example.com/saml") {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID=")" +
         std::string(entity_id) + R"(">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>
        <ds:X509Certificate>)" +
         idp.cert_base64 + R"(</ds:X509Certificate>
      </ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
                            Location="https://idp.example.com/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
)";
}

inline api::federation::SamlResponseSpec BasicSpec(api::federation::SamlTime now,
                                                   std::string_view role_pair,
                                                   std::string_view session_name = "alice") {
  api::federation::SamlResponseSpec spec;
  spec.issuer = "https://idp.example.com/saml";
  spec.subject = "alice@example.com";
  spec.issue_instant = now;
  spec.attributes.push_back(
      {std::string(api::federation::kAwsRoleAttribute), {}, {std::string(role_pair)}});
  spec.attributes.push_back({std::string(api::federation::kAwsRoleSessionNameAttribute),
                             {},
                             {std::string(session_name)}});
  return spec;
}

}  // namespace portcullis::testing::saml
