// SAML responses signed with xmlsec (saml_signer.h) and verified (saml_response.h):
// signatures on the assertion, the response or both; tampering, another key, signature
// wrapping, DTDs, expiry, audience, recipient and issuer checks.
#include "api/federation/saml_response.h"

#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "api/federation/saml_signer.h"
#include "common/base64.h"

#include "saml_signing_test_util.h"

namespace portcullis::api::federation {
namespace {

using portcullis::testing::saml::BasicSpec;
using portcullis::testing::saml::SharedTestIdp;

constexpr std::string_view kPair =
    "arn:aws:iam::123456789012:role/ops,arn:aws:iam::123456789012:saml-provider/idp";
constexpr std::string_view kEvilPair =
    "arn:aws:iam::123456789012:role/admin,arn:aws:iam::123456789012:saml-provider/idp";

SamlTime Now() {
  return SamlTime(std::chrono::seconds(1'767'225'600));
}

SamlVerifyOptions Options() {
  SamlVerifyOptions o;
  o.signing_certificates.push_back(*DecodeBase64(SharedTestIdp().cert_base64));
  o.expected_issuer = "https://idp.example.com/saml";
  o.now = Now();
  return o;
}

std::string Sign(const SamlResponseSpec& spec) {
  auto xml = BuildSignedSamlResponse(spec, SharedTestIdp().key_pem, SharedTestIdp().cert_pem);
  EXPECT_TRUE(xml.has_value()) << xml.error().ToString();
  return xml.value_or(std::string());
}

std::string Replace(std::string s, std::string_view from, std::string_view to) {
  const std::size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) {
    s.replace(at, from.size(), to);
  }
  return s;
}

std::string AssertionOf(const std::string& xml) {
  const std::size_t start = xml.find("<saml:Assertion");
  constexpr std::string_view kEnd = "</saml:Assertion>";
  const std::size_t end = xml.find(kEnd);
  return xml.substr(start, end + kEnd.size() - start);
}

void ExpectCode(const Result<SamlAssertion>& r, std::string_view code) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().aws_code, code) << r.error().ToString();
}

TEST(SamlResponseTest, SignedAssertionVerifiesAndYieldsItsClaims) {
  SamlResponseSpec spec = BasicSpec(Now(), kPair);
  spec.attributes.push_back({std::string(kAwsPrincipalTagPrefix) + "team", {}, {"blue"}});
  spec.session_not_on_or_after = Now() + std::chrono::hours(2);
  const std::string xml = Sign(spec);
  auto out = VerifySamlResponse(xml, Options());
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_TRUE(out->assertion_signed);
  EXPECT_FALSE(out->response_signed);
  EXPECT_EQ(out->issuer, "https://idp.example.com/saml");
  EXPECT_EQ(out->subject, "alice@example.com");
  EXPECT_EQ(out->subject_format, "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent");
  EXPECT_EQ(out->recipient, kAwsSamlEndpoint);
  ASSERT_EQ(out->audiences.size(), 1U);
  ASSERT_NE(out->Find(kAwsRoleAttribute), nullptr);
  EXPECT_EQ(out->Find(kAwsRoleAttribute)->values.at(0), kPair);
  EXPECT_EQ(out->Find(std::string(kAwsPrincipalTagPrefix) + "team")->values.at(0), "blue");
  ASSERT_TRUE(out->session_not_on_or_after.has_value());
  EXPECT_EQ(*out->not_on_or_after, Now() + std::chrono::seconds(300));
}

TEST(SamlResponseTest, SignedResponseAndBothSignedVerify) {
  SamlResponseSpec spec = BasicSpec(Now(), kPair);
  spec.sign_assertion = false;
  spec.sign_response = true;
  auto response_only = VerifySamlResponse(Sign(spec), Options());
  ASSERT_TRUE(response_only.has_value()) << response_only.error().ToString();
  EXPECT_TRUE(response_only->response_signed);
  EXPECT_FALSE(response_only->assertion_signed);
  spec.sign_assertion = true;
  auto both = VerifySamlResponse(Sign(spec), Options());
  ASSERT_TRUE(both.has_value()) << both.error().ToString();
  EXPECT_TRUE(both->response_signed && both->assertion_signed);
}

TEST(SamlResponseTest, UnsignedResponseIsRejected) {
  SamlResponseSpec spec = BasicSpec(Now(), kPair);
  spec.sign_assertion = false;
  ExpectCode(VerifySamlResponse(Sign(spec), Options()), "InvalidIdentityToken");
}

TEST(SamlResponseTest, TamperedAttributeOrTimeIsRejected) {
  const std::string xml = Sign(BasicSpec(Now(), kPair));
  ExpectCode(VerifySamlResponse(Replace(xml, "role/ops", "role/admin"), Options()),
             "InvalidIdentityToken");
  ExpectCode(VerifySamlResponse(Replace(xml, "alice@example.com", "root@example.com"), Options()),
             "InvalidIdentityToken");
  // NotOnOrAfter of the SubjectConfirmationData pushed a day later.
  const std::string until = FormatXsDateTime(Now() + std::chrono::seconds(300));
  const std::string later = FormatXsDateTime(Now() + std::chrono::hours(24));
  ExpectCode(VerifySamlResponse(Replace(xml, "NotOnOrAfter=\"" + until, "NotOnOrAfter=\"" + later),
                                Options()),
             "InvalidIdentityToken");
  // Tampering the signed response's status (outside the signed assertion) is also caught
  // when the response is signed.
  SamlResponseSpec spec = BasicSpec(Now(), kPair);
  spec.sign_response = true;
  ExpectCode(VerifySamlResponse(Replace(Sign(spec), "Destination=", "Consent=\"x\" Destination="),
                                Options()),
             "InvalidIdentityToken");
}

TEST(SamlResponseTest, SignatureByAnotherKeyIsRejected) {
  const auto other = portcullis::testing::saml::NewTestIdp("other.example.com");
  auto xml = BuildSignedSamlResponse(BasicSpec(Now(), kPair), other.key_pem, other.cert_pem);
  ASSERT_TRUE(xml.has_value());
  ExpectCode(VerifySamlResponse(*xml, Options()), "InvalidIdentityToken");
  // The same response verifies against the other IdP's certificate, and against a
  // provider listing both.
  SamlVerifyOptions both = Options();
  both.signing_certificates.push_back(*DecodeBase64(other.cert_base64));
  EXPECT_TRUE(VerifySamlResponse(*xml, both).has_value());
}

TEST(SamlResponseTest, SignatureWrappingIsRejected) {
  const std::string signed_xml = Sign(BasicSpec(Now(), kPair));
  const std::string good = AssertionOf(signed_xml);
  SamlResponseSpec evil_spec = BasicSpec(Now(), kEvilPair);
  evil_spec.sign_assertion = false;
  const std::string evil = AssertionOf(Sign(evil_spec));

  // 1. The unsigned evil assertion first, the signed one after it.
  ExpectCode(VerifySamlResponse(Replace(signed_xml, good, evil + good), Options()),
             "InvalidIdentityToken");
  // 2. The signed assertion moved into Extensions, the evil one in its place.
  const std::string moved =
      Replace(Replace(signed_xml, good, evil), "<samlp:Status>",
              "<samlp:Extensions>" + good + "</samlp:Extensions><samlp:Status>");
  ExpectCode(VerifySamlResponse(moved, Options()), "InvalidIdentityToken");
  // 3. The evil assertion given the signed one's ID, the signed one kept elsewhere.
  const std::size_t id_at = good.find("ID=\"") + 4;
  const std::string good_id = good.substr(id_at, good.find('"', id_at) - id_at);
  const std::size_t evil_id_at = evil.find("ID=\"") + 4;
  const std::string evil_id = evil.substr(evil_id_at, evil.find('"', evil_id_at) - evil_id_at);
  const std::string same_id = Replace(evil, evil_id, good_id);
  ExpectCode(VerifySamlResponse(Replace(moved, evil, same_id), Options()), "InvalidIdentityToken");
  // 4. Only the evil assertion, carrying the good one's signature (which references
  //    the good assertion's ID).
  const std::size_t sig_start = good.find("<Signature");
  const std::string signature = good.substr(sig_start, good.find("</Signature>") + 12 - sig_start);
  const std::string evil_with_signature =
      Replace(evil, "</saml:Issuer>", "</saml:Issuer>" + signature);
  ExpectCode(VerifySamlResponse(Replace(signed_xml, good, evil_with_signature), Options()),
             "InvalidIdentityToken");
  // The untouched response still verifies.
  EXPECT_TRUE(VerifySamlResponse(signed_xml, Options()).has_value());
}

TEST(SamlResponseTest, DocumentTypeDeclarationsAreRefused) {
  const std::string xml = Sign(BasicSpec(Now(), kPair));
  ExpectCode(VerifySamlResponse(R"(<!DOCTYPE r [<!ENTITY e "x">]>)" + xml, Options()),
             "InvalidIdentityToken");
  ExpectCode(VerifySamlResponse("not xml", Options()), "InvalidIdentityToken");
  ExpectCode(VerifySamlResponse(std::string(kMaxSamlResponseBytes + 1, ' '), Options()),
             "InvalidIdentityToken");
}

TEST(SamlResponseTest, ExpiredOrNotYetValidAssertions) {
  const std::string xml = Sign(BasicSpec(Now(), kPair));
  SamlVerifyOptions late = Options();
  late.now = Now() + std::chrono::seconds(300 + 301);
  ExpectCode(VerifySamlResponse(xml, late), "ExpiredTokenException");
  SamlVerifyOptions within_skew = Options();
  within_skew.now = Now() + std::chrono::seconds(300 + 200);
  EXPECT_TRUE(VerifySamlResponse(xml, within_skew).has_value());
  SamlVerifyOptions early = Options();
  early.now = Now() - std::chrono::minutes(10);
  ExpectCode(VerifySamlResponse(xml, early), "IDPRejectedClaim");
  SamlResponseSpec session = BasicSpec(Now(), kPair);
  session.session_not_on_or_after = Now() - std::chrono::seconds(1);
  ExpectCode(VerifySamlResponse(Sign(session), Options()), "ExpiredTokenException");
}

TEST(SamlResponseTest, AudienceRecipientAndIssuerAreChecked) {
  SamlResponseSpec spec = BasicSpec(Now(), kPair);
  spec.audience = "https://evil.example.com/saml";
  ExpectCode(VerifySamlResponse(Sign(spec), Options()), "IDPRejectedClaim");
  spec.audience = "urn:amazon:webservices";
  EXPECT_TRUE(VerifySamlResponse(Sign(spec), Options()).has_value());
  spec.recipient = "https://evil.example.com/saml";
  ExpectCode(VerifySamlResponse(Sign(spec), Options()), "IDPRejectedClaim");
  spec.recipient = "https://eu-west-1.signin.aws.amazon.com/saml";
  EXPECT_TRUE(VerifySamlResponse(Sign(spec), Options()).has_value());
  SamlVerifyOptions other_issuer = Options();
  other_issuer.expected_issuer = "https://other.example.com/saml";
  ExpectCode(VerifySamlResponse(Sign(spec), other_issuer), "InvalidIdentityToken");
}

TEST(SamlResponseTest, RecipientsAndNameQualifier) {
  EXPECT_TRUE(IsAwsSamlRecipient("https://signin.aws.amazon.com/saml"));
  EXPECT_TRUE(IsAwsSamlRecipient("https://us-east-2.signin.aws.amazon.com/saml"));
  EXPECT_FALSE(IsAwsSamlRecipient("https://evil.com/x.signin.aws.amazon.com/saml"));
  EXPECT_FALSE(IsAwsSamlRecipient("https://.signin.aws.amazon.com/saml"));
  EXPECT_TRUE(IsAwsSamlAudience("urn:amazon:webservices"));
  // BASE64(SHA1("https://example.com/saml" + "123456789012" + "/MySAMLIdP")).
  EXPECT_EQ(SamlNameQualifier("https://example.com/saml", "123456789012", "MySAMLIdP"),
            "1uAJanUnBc2XeUkHURMht+xam2c=");
}

TEST(SamlResponseTest, EncryptedAssertionsDecryptWithTheProvidersKey) {
  // The service provider's (AWS's) key pair the IdP encrypts to.
  const auto sp = portcullis::testing::saml::NewTestIdp("sp.example.com");
  SamlResponseSpec spec = BasicSpec(Now(), kPair);
  spec.encrypt_to_certificate_pem = sp.cert_pem;
  const std::string xml = Sign(spec);
  EXPECT_NE(xml.find("EncryptedAssertion"), std::string::npos);
  EXPECT_EQ(xml.find("alice@example.com"), std::string::npos);
  SamlVerifyOptions options = Options();
  ExpectCode(VerifySamlResponse(xml, options), "InvalidIdentityToken");  // no key
  options.decryption_keys_pem.push_back(SharedTestIdp().key_pem);        // a wrong key
  ExpectCode(VerifySamlResponse(xml, options), "InvalidIdentityToken");
  options.decryption_keys_pem.push_back(sp.key_pem);
  options.require_encryption = true;
  auto out = VerifySamlResponse(xml, options);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_TRUE(out->encrypted);
  EXPECT_TRUE(out->assertion_signed);
  EXPECT_EQ(out->subject, "alice@example.com");
  // Signed over the encrypted form only (the Response's signature).
  spec.sign_assertion = false;
  spec.sign_response = true;
  auto response_signed = VerifySamlResponse(Sign(spec), options);
  ASSERT_TRUE(response_signed.has_value()) << response_signed.error().ToString();
  EXPECT_TRUE(response_signed->response_signed && !response_signed->assertion_signed);
  // Encrypted but signed by nobody.
  spec.sign_response = false;
  ExpectCode(VerifySamlResponse(Sign(spec), options), "InvalidIdentityToken");
  // A plaintext assertion when encryption is required.
  ExpectCode(VerifySamlResponse(Sign(BasicSpec(Now(), kPair)), options), "InvalidIdentityToken");
}

}  // namespace
}  // namespace portcullis::api::federation
