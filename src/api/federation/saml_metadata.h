// SAML 2.0 identity provider metadata (OASIS "Metadata for the OASIS Security Assertion
// Markup Language (SAML) V2.0"): the document CreateSAMLProvider and UpdateSAMLProvider
// receive, and what AssumeRoleWithSAML needs from it to verify an assertion (the IdP's
// entity id and signing certificates).
//
// The parser reads untrusted bytes. It accepts well-formed XML only, refuses a document
// type declaration (so no entity can be declared or expanded), resolves XML namespaces
// itself (the metadata and xmldsig namespaces under any prefix, or as default namespace)
// and checks every X.509 certificate with OpenSSL. It accepts an md:EntityDescriptor, or
// an md:EntitiesDescriptor holding exactly one md:EntityDescriptor, whose
// md:IDPSSODescriptor supports the SAML 2.0 protocol, has at least one md:KeyDescriptor
// for signing (use="signing" or no use) with a ds:X509Certificate, and at least one
// md:SingleSignOnService with a Binding and a Location.
//
// Also: the check of a PEM private key given for assertion decryption.
//
// Thread-safety: pure functions. Results are owned by the caller; the input is only read
// during the call.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace portcullis::api::federation {

inline constexpr std::string_view kSamlMetadataNamespace = "urn:oasis:names:tc:SAML:2.0:metadata";
inline constexpr std::string_view kXmlDsigNamespace = "http://www.w3.org/2000/09/xmldsig#";
inline constexpr std::string_view kSaml2ProtocolNamespace = "urn:oasis:names:tc:SAML:2.0:protocol";

// Limits on what one document may carry (each beyond it is kInvalidArgument).
inline constexpr std::size_t kMaxSamlMetadataBytes = 10'000'000;
inline constexpr std::size_t kMaxSamlCertificates = 64;

struct SamlEndpoint {
  std::string binding;   // e.g. urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST
  std::string location;  // URL
};

struct SamlMetadata {
  std::string entity_id;  // the IdP's entityID: the Issuer of its assertions
  // The earliest validUntil of the EntitiesDescriptor, EntityDescriptor and
  // IDPSSODescriptor; nullopt when none has one.
  std::optional<std::chrono::sys_time<std::chrono::milliseconds>> valid_until;
  // DER bytes of the certificates, in document order. A KeyDescriptor without `use`
  // counts for both.
  std::vector<std::string> signing_certificates;
  std::vector<std::string> encryption_certificates;
  std::vector<SamlEndpoint> single_sign_on_services;
};

// Parses and validates `document`. kInvalidArgument with a lowercase diagnostic naming
// what is wrong (never the document's bytes beyond element and attribute names).
[[nodiscard]] Result<SamlMetadata> ParseSamlMetadata(std::string_view document);

// Parses an xs:dateTime ("2030-01-31T12:00:00Z", optional fraction, optional "Z" or
// "+hh:mm"/"-hh:mm"; without a zone it is taken as UTC). nullopt when malformed.
std::optional<std::chrono::sys_time<std::chrono::milliseconds>> ParseXsDateTime(
    std::string_view text);

// Checks that `pem` holds an unencrypted PEM private key OpenSSL can read (the key a SAML
// provider decrypts encrypted assertions with). kInvalidArgument otherwise; the message
// never quotes the key.
[[nodiscard]] Status CheckPemPrivateKey(std::string_view pem);

}  // namespace portcullis::api::federation
