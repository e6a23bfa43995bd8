// SAML 2.0 authentication responses (OASIS "Assertions and Protocols for the OASIS Security
// Assertion Markup Language (SAML) V2.0"), as an identity provider posts them to AWS and
// AssumeRoleWithSAML receives them: verification of the XML signature(s) against the
// provider's signing certificates and of the assertion's claims, then the claims.
//
// The verifier reads untrusted bytes. It parses with libxml2 (no network, no DTD: a
// document type declaration is refused, so no entity can be declared or expanded; at most
// kMaxSamlResponseBytes) and verifies with xmlsec1 (OpenSSL), allowing only same-document
// references, the enveloped-signature and (exclusive) canonicalisation transforms, SHA-1/
// SHA-2 digests and RSA/ECDSA signature methods. Against signature wrapping:
//   - the root must be a samlp:Response holding exactly one saml:Assertion (or one
//     saml:EncryptedAssertion) as a direct child, and the document no other one anywhere;
//   - every ID/Id/id attribute value in the document is unique;
//   - a signature counts only as the direct child of the Response or of that Assertion,
//     with exactly one Reference whose URI is "#" + the ID of that parent;
//   - every such signature present must verify, and at least one must exist;
//   - the claims are read from the very tree nodes that were verified.
// An EncryptedAssertion (xmlenc, the content key in an EncryptedKey inside its
// EncryptedData's KeyInfo) is decrypted with the provider's private keys after the
// Response's signature (over the encrypted form) is verified; the decrypted Assertion then
// goes through the same checks, its own signature included.
//
// Errors carry the STS error code AssumeRoleWithSAML answers (Error::aws_code):
// InvalidIdentityToken (not a SAML response, bad or missing signature, issuer not the
// provider's), ExpiredTokenException (NotOnOrAfter passed), IDPRejectedClaim (audience,
// recipient, status, not yet valid, missing subject). Messages never quote the document.
//
// Thread-safety: pure functions of their arguments; xmlsec is initialised once per process
// (thread-safe). Results are owned by the caller.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace portcullis::api::federation {

inline constexpr std::string_view kSamlAssertionNamespace = "urn:oasis:names:tc:SAML:2.0:assertion";
// AWS: IAM User Guide, "Configuring SAML assertions for the authentication response".
inline constexpr std::string_view kAwsSamlEndpoint = "https://signin.aws.amazon.com/saml";
inline constexpr std::string_view kAwsSamlAudienceUrn = "urn:amazon:webservices";
inline constexpr std::string_view kAwsRoleAttribute = "https://aws.amazon.com/SAML/Attributes/Role";
inline constexpr std::string_view kAwsRoleSessionNameAttribute =
    "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
inline constexpr std::string_view kAwsSessionDurationAttribute =
    "https://aws.amazon.com/SAML/Attributes/SessionDuration";
inline constexpr std::string_view kAwsPrincipalTagPrefix =
    "https://aws.amazon.com/SAML/Attributes/PrincipalTag:";
inline constexpr std::string_view kAwsTransitiveTagKeysAttribute =
    "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys";
inline constexpr std::string_view kAwsSourceIdentityAttribute =
    "https://aws.amazon.com/SAML/Attributes/SourceIdentity";

// The XML after base64 decoding: the model's 100,000 base64 characters.
inline constexpr std::size_t kMaxSamlResponseBytes = 75'000;
inline constexpr std::size_t kMaxSamlAttributes = 256;

using SamlTime = std::chrono::sys_time<std::chrono::milliseconds>;

struct SamlAttribute {
  std::string name;
  std::string friendly_name;
  std::vector<std::string> values;
};

// What a verified response says.
struct SamlAssertion {
  std::string response_id;
  std::string assertion_id;
  std::string issuer;          // the Assertion's Issuer
  std::string subject;         // NameID
  std::string subject_format;  // NameID Format, as given ("" when absent)
  std::string recipient;       // the accepted SubjectConfirmationData Recipient
  std::vector<std::string> audiences;
  SamlTime issue_instant;
  std::optional<SamlTime> not_on_or_after;          // the earliest of Conditions and confirmation
  std::optional<SamlTime> session_not_on_or_after;  // AuthnStatement
  std::vector<SamlAttribute> attributes;
  bool response_signed = false;
  bool assertion_signed = false;
  bool encrypted = false;

  // The attribute named `name`, or nullptr.
  const SamlAttribute* Find(std::string_view name) const;
};

struct SamlVerifyOptions {
  std::vector<std::string> signing_certificates;  // DER; any one may have signed
  std::string expected_issuer;                    // the provider's entityID
  SamlTime now;
  std::chrono::seconds clock_skew{300};
  // PEM private keys that may decrypt an EncryptedAssertion (the provider's); empty:
  // encrypted assertions are refused.
  std::vector<std::string> decryption_keys_pem;
  bool require_encryption = false;  // refuse a plaintext Assertion
};

// True for AWS's SAML sign-in endpoint, global or regional
// (https://REGION.signin.aws.amazon.com/saml).
bool IsAwsSamlRecipient(std::string_view url);
// True for the audiences AWS accepts: the sign-in endpoints and urn:amazon:webservices.
bool IsAwsSamlAudience(std::string_view audience);

// AWS's NameQualifier of a SAML session: BASE64(SHA1(issuer + account id + "/" + provider
// name)) (STS API Reference, AssumeRoleWithSAML, NameQualifier).
std::string SamlNameQualifier(std::string_view issuer, std::string_view account_id,
                              std::string_view provider_name);

// Verifies `xml` (a samlp:Response) as the header describes and returns its claims.
[[nodiscard]] Result<SamlAssertion> VerifySamlResponse(std::string_view xml,
                                                       const SamlVerifyOptions& options);

}  // namespace portcullis::api::federation
