// Tests of the SAML 2.0 metadata parser (api/federation/saml_metadata.h).
#include "api/federation/saml_metadata.h"

#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "common/base64.h"

#include "saml_test_data.h"

namespace portcullis::api::federation {
namespace {

using portcullis::testing::saml::IdpMetadata;
using portcullis::testing::saml::kEncryptionCertBase64;
using portcullis::testing::saml::kSigningCertBase64;

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The parse error's message, or "<ok>".
std::string ErrorOf(std::string_view document) {
  auto parsed = ParseSamlMetadata(document);
  if (parsed.has_value()) {
    return "<ok>";
  }
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  return parsed.error().message;
}

TEST(SamlMetadataTest, ReadsEntityCertificatesAndEndpoints) {
  auto parsed = ParseSamlMetadata(IdpMetadata("https://idp.example.com/saml"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->entity_id, "https://idp.example.com/saml");
  EXPECT_FALSE(parsed->valid_until.has_value());
  ASSERT_EQ(parsed->signing_certificates.size(), 1U);
  EXPECT_EQ(parsed->signing_certificates[0], *DecodeBase64(kSigningCertBase64));
  EXPECT_TRUE(parsed->encryption_certificates.empty());
  ASSERT_EQ(parsed->single_sign_on_services.size(), 1U);
  EXPECT_EQ(parsed->single_sign_on_services[0].binding,
            "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
  EXPECT_EQ(parsed->single_sign_on_services[0].location, "https://idp.example.com/saml/sso");
}

TEST(SamlMetadataTest, ValidUntilIsTheEarliest) {
  auto parsed = ParseSamlMetadata(IdpMetadata("urn:idp", "2030-06-01T12:30:00Z"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  ASSERT_TRUE(parsed->valid_until.has_value());
  EXPECT_EQ(*parsed->valid_until, ParseXsDateTime("2030-06-01T12:30:00.000Z"));

  std::string wrapped = IdpMetadata("urn:idp", "2031-01-01T00:00:00Z");
  wrapped = Replace(wrapped, "<md:EntityDescriptor ",
                    R"(<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" )"
                    R"(validUntil="2029-01-01T00:00:00Z"><md:EntityDescriptor )");
  wrapped += "</md:EntitiesDescriptor>";
  auto outer = ParseSamlMetadata(wrapped);
  ASSERT_TRUE(outer.has_value()) << outer.error().ToString();
  EXPECT_EQ(outer->valid_until, ParseXsDateTime("2029-01-01T00:00:00Z"));

  EXPECT_EQ(ErrorOf(IdpMetadata("urn:idp", "next year")),
            "`validUntil` of `EntityDescriptor` is not an xs:dateTime");
}

TEST(SamlMetadataTest, NamespacesByUriNotPrefix) {
  // The default namespace and other prefixes name the same elements.
  std::string doc = IdpMetadata();
  for (const std::string_view tag : {"EntityDescriptor", "IDPSSODescriptor", "KeyDescriptor",
                                     "SingleSignOnService", "NameIDFormat"}) {
    std::string from = "md:" + std::string(tag);
    for (std::size_t at = doc.find(from); at != std::string::npos; at = doc.find(from)) {
      doc.replace(at, from.size(), tag);
    }
  }
  doc = Replace(doc, "xmlns:md=", "xmlns=");
  doc = Replace(doc, "xmlns:ds=", "xmlns:sig=");
  for (const std::string_view tag : {"ds:KeyInfo", "ds:X509Data", "ds:X509Certificate"}) {
    for (std::size_t at = doc.find(tag); at != std::string::npos; at = doc.find(tag)) {
      doc.replace(at, 2, "sig");
    }
  }
  EXPECT_EQ(ErrorOf(doc), "<ok>");

  // A metadata element name in another namespace is not metadata.
  EXPECT_EQ(ErrorOf(Replace(IdpMetadata(), "urn:oasis:names:tc:SAML:2.0:metadata", "urn:other")),
            "the document element is not a SAML 2.0 metadata EntityDescriptor");
}

TEST(SamlMetadataTest, KeyUseAndEncryptionCertificates) {
  const std::string enc = std::string(R"(<md:KeyDescriptor use="encryption"><ds:KeyInfo )") +
                          R"(xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>)" +
                          "<ds:X509Certificate>" + std::string(kEncryptionCertBase64) +
                          "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>";
  auto parsed =
      ParseSamlMetadata(Replace(IdpMetadata(), "<md:NameIDFormat>", enc + "<md:NameIDFormat>"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->signing_certificates.size(), 1U);
  ASSERT_EQ(parsed->encryption_certificates.size(), 1U);
  EXPECT_EQ(parsed->encryption_certificates[0], *DecodeBase64(kEncryptionCertBase64));

  // Without `use` a key is for both.
  auto both = ParseSamlMetadata(Replace(IdpMetadata(), R"( use="signing")", ""));
  ASSERT_TRUE(both.has_value()) << both.error().ToString();
  EXPECT_EQ(both->encryption_certificates.size(), 1U);

  // Only an encryption key: no signing certificate.
  EXPECT_EQ(ErrorOf(Replace(IdpMetadata(), R"(use="signing")", R"(use="encryption")")),
            "the IDPSSODescriptor has no signing certificate");
  EXPECT_EQ(ErrorOf(Replace(IdpMetadata(), R"(use="signing")", R"(use="both")")),
            "a KeyDescriptor has `use` other than `signing` or `encryption`");
}

TEST(SamlMetadataTest, RejectsBadCertificates) {
  const std::string doc = IdpMetadata();
  const std::size_t start = doc.find("<ds:X509Certificate>") + 20;
  const std::size_t end = doc.find("</ds:X509Certificate>");
  auto with_cert = [&](std::string_view cert) {
    return doc.substr(0, start) + std::string(cert) + doc.substr(end);
  };
  EXPECT_EQ(ErrorOf(with_cert("not base64!")), "an X509Certificate is not base64");
  EXPECT_EQ(ErrorOf(with_cert("")), "an X509Certificate is not base64");
  EXPECT_EQ(ErrorOf(with_cert("aGVsbG8gd29ybGQ=")),
            "an X509Certificate is not a DER X.509 certificate");
  const std::string trailing = EncodeBase64(*DecodeBase64(kSigningCertBase64) + "x");
  EXPECT_EQ(ErrorOf(with_cert(trailing)), "an X509Certificate has bytes after the certificate");
  // A truncated certificate.
  EXPECT_EQ(ErrorOf(with_cert(kSigningCertBase64.substr(0, 400))),
            "an X509Certificate is not a DER X.509 certificate");
}

TEST(SamlMetadataTest, RejectsMissingParts) {
  EXPECT_EQ(ErrorOf(""), "the document is not well-formed XML: no root element");
  EXPECT_NE(ErrorOf("<md:EntityDescriptor").find("not well-formed XML"), std::string::npos);
  EXPECT_EQ(ErrorOf(IdpMetadata() + "<extra/>"),
            "the document is not well-formed XML: more than one root element");
  EXPECT_EQ(ErrorOf(IdpMetadata() + "trailing text"),
            "the document is not well-formed XML: content outside the root element");
  EXPECT_EQ(ErrorOf("<!-- only a comment -->"),
            "the document is not well-formed XML: no root element");
  EXPECT_EQ(ErrorOf(Replace(IdpMetadata(), R"(entityID="https://idp.example.com/saml")", "")),
            "the EntityDescriptor has no `entityID`");
  std::string sp = IdpMetadata();
  for (std::size_t at = sp.find("md:IDPSSO"); at != std::string::npos; at = sp.find("md:IDPSSO")) {
    sp.replace(at, 9, "md:SPSSO");
  }
  EXPECT_EQ(ErrorOf(sp), "the EntityDescriptor has no IDPSSODescriptor");
  EXPECT_EQ(ErrorOf(Replace(IdpMetadata(), "urn:oasis:names:tc:SAML:2.0:protocol",
                            "urn:oasis:names:tc:SAML:1.1:protocol")),
            "the IDPSSODescriptor does not support the SAML 2.0 protocol");
  EXPECT_EQ(
      ErrorOf(Replace(IdpMetadata(), "<md:SingleSignOnService", "<md:ArtifactResolutionService")),
      "the IDPSSODescriptor has no SingleSignOnService");
  EXPECT_EQ(ErrorOf(Replace(IdpMetadata(), R"(Location="https://idp.example.com/saml/sso")", "")),
            "a SingleSignOnService lacks a `Binding` or a `Location`");
  EXPECT_EQ(ErrorOf("<html><body>metadata</body></html>"),
            "the document element is not a SAML 2.0 metadata EntityDescriptor");
}

TEST(SamlMetadataTest, EntitiesDescriptorNeedsExactlyOneEntity) {
  std::string entity = IdpMetadata();
  entity = entity.substr(entity.find("<md:EntityDescriptor"));
  const std::string open =
      R"(<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">)";
  EXPECT_EQ(ErrorOf(open + entity + "</md:EntitiesDescriptor>"), "<ok>");
  EXPECT_EQ(ErrorOf(open + entity + entity + "</md:EntitiesDescriptor>"),
            "the EntitiesDescriptor has more than one EntityDescriptor");
  EXPECT_EQ(ErrorOf(open + "</md:EntitiesDescriptor>"),
            "the EntitiesDescriptor has no EntityDescriptor");
}

TEST(SamlMetadataTest, RefusesDocumentTypeDeclarations) {
  // No entity is ever declared or expanded (XXE, "billion laughs").
  const std::string doc = R"(<?xml version="1.0"?>
<!DOCTYPE md:EntityDescriptor [<!ENTITY x SYSTEM "file:///etc/passwd">]>)" +
                          IdpMetadata().substr(IdpMetadata().find("<md:EntityDescriptor"));
  EXPECT_EQ(ErrorOf(doc), "the document has a document type declaration");
}

TEST(SamlMetadataTest, XsDateTime) {
  using std::chrono::milliseconds;
  using std::chrono::sys_days;
  using Time = std::chrono::sys_time<milliseconds>;
  const Time base = sys_days(std::chrono::year(2030) / 1 / 2);
  EXPECT_EQ(ParseXsDateTime("2030-01-02T00:00:00Z"), base);
  EXPECT_EQ(ParseXsDateTime("2030-01-02T00:00:00"), base);
  EXPECT_EQ(ParseXsDateTime("2030-01-02T00:00:00.25Z"), base + milliseconds(250));
  EXPECT_EQ(ParseXsDateTime("2030-01-02T02:00:00+02:00"), base);
  EXPECT_EQ(ParseXsDateTime("2030-01-01T22:00:00-02:00"), base);
  EXPECT_EQ(ParseXsDateTime("2030-01-01T24:00:00Z"), base);
  for (const std::string_view bad :
       {"", "2030-01-02", "2030-13-01T00:00:00Z", "2030-02-30T00:00:00Z", "2030-01-02T00:60:00Z",
        "2030-01-02T00:00:00.Z", "2030-01-02T00:00:00ZZ", "2030-01-02 00:00:00Z",
        "2030-01-02T00:00:00+0200", "2030-01-02T24:00:01Z"}) {
    EXPECT_FALSE(ParseXsDateTime(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace portcullis::api::federation
