// Test data for SAML 2.0 metadata: two self-signed certificates (CN=idp.example.com,
// RSA 2048; CN=enc.example.com, EC P-256; both valid for 100 years from 2026) and a
// metadata document builder. Shared by tests/api/federation and tests/api/iam.
#pragma once

#include <string>
#include <string_view>

namespace portcullis::testing::saml {

// Base64 DER of the RSA certificate.
inline constexpr std::string_view kSigningCertBase64 =
    "MIIDFzCCAf+gAwIBAgIUN1eS7vNtIQwOsuSG8PQeme9dDlQwDQYJKoZIhvcNAQELBQAwGjEYMBYG"
    "A1UEAwwPaWRwLmV4YW1wbGUuY29tMCAXDTI2MTEyODA1MjMwMFoYDzIxMjYxMTA0MDUyMzAwWjAa"
    "MRgwFgYDVQQDDA9pZHAuZXhhbXBsZS5jb20wggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIB"
    "AQCOVhKJiYh4QjBXJJ5m9LNAuD3XKQTt27aaKNYCH6ypV2xnyvoGH5SxiDDQWfN0SY0uAlNNHpHS"
    "UL+sAffg63oonbsb9WXF7Z2W3jGLpP9LyvYlVnXiPfWhU/4jxfx2pN5a7ZXW+YJGn6+9+gmeWPGM"
    "DrHEQSOIcynm2ccrlGSin7BeIWzsS5IRcUFDTsyU+sFmvXHubrr5c37ebdUDi6dKMyqNpP+1DMvi"
    "6rc0kfZ4Q1j1Q6RyYy1qS/qcqPhoG1fCwSMbabOBstp/BX0ByZ4Xvq7AwtWX1/6hyYoT2Q8dOyo5"
    "fi2/vN02XOjhWSiD89YRKX7AyAescKqkCjUNCEPzAgMBAAGjUzBRMB0GA1UdDgQWBBRzRlHIECuP"
    "1qwwyGyNgSXQRRIXnzAfBgNVHSMEGDAWgBRzRlHIECuP1qwwyGyNgSXQRRIXnzAPBgNVHRMBAf8E"
    "BTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQAj1rP5PLW6f9jTNEhLphDA8p7OMo8tk/LQB1UATVMN"
    "0zBDHvt6sPjpK1Z1y/1Id6RLrKTGftl80/TN5hkbmgmHCHMJQGMcxn2FzVOB5dy7d/9KYMv8LrMd"
    "CXKrLvX2tkOpHBMh3OHzBVqiszKo9JTnZ9mTsblWIW57sWmHmJCY/IvG2klC3lB+5XsKW/pL8PqM"
    "GjdqoPRN/HqnBh30km3XN2depjwDZRkMEFwnrxblF0o1nZHPpb9GQYtW85NPpI7paf1rpeWrY59p"
    "Eb0Qt+W9qwUDPaerN9UQRgWZ1MDzcxThe3lmXXvfaHjstgfw3rDfyFjmjR2JlL6zoqiEOZWg";

// Base64 DER of the EC certificate.
inline constexpr std::string_view kEncryptionCertBase64 =
    "MIIBizCCATGgAwIBAgIUE6KBlFXlFVy9bSFiRls7XxRZVc4wCgYIKoZIzj0EAwIwGjEYMBYGA1UE"
    "AwwPZW5jLmV4YW1wbGUuY29tMCAXDTI2MTEyODA1MjMwMVoYDzIxMjYxMTA0MDUyMzAxWjAaMRgw"
    "FgYDVQQDDA9lbmMuZXhhbXBsZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASA+h9kHGke"
    "c8qTZG0kg/Tj36hxdSAJty+2wxiuTGFqbgL6c3IYAtdrkHRe7H+pU6ej8SHLLhxIMrT3Ht4YIemV"
    "o1MwUTAdBgNVHQ4EFgQUowJETUwnm09K9LbL7UInU1lFPpwwHwYDVR0jBBgwFoAUowJETUwnm09K"
    "9LbL7UInU1lFPpwwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAuw6kkFHaIdzq"
    "30xUP0lR+Nxt8/0ypN87FNhp9a9R6oICIChHMR8SHExEDxiaekqWC2iG+LsJ6MOx8jQqLSySZc85";

// An EntityDescriptor for IdP `entity_id` with one signing certificate (wrapped over
// lines, as IdPs write it) and one HTTP-POST SingleSignOnService; `valid_until`, when
// not empty, as the EntityDescriptor's validUntil. Longer than 1000 characters, the
// API's minimum.
inline std::string IdpMetadata(std::string_view entity_id = "https://idp.example.com/saml",
                               std::string_view valid_until = {}) {
  std::string cert;
  for (std::size_t i = 0; i < kSigningCertBase64.size(); i += 64) {
    cert += "\n          ";
    cert += kSigningCertBase64.substr(i, 64);
  }
  std::string doc = R"(<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID=")";
  doc += entity_id;
  doc += '"';
  if (!valid_until.empty()) {
    doc += " validUntil=\"";
    doc += valid_until;
    doc += '"';
  }
  doc += R"(>
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data>
          <ds:X509Certificate>)";
  doc += cert;
  doc += R"(
          </ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
                            Location="https://idp.example.com/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
)";
  return doc;
}

}  // namespace portcullis::testing::saml
