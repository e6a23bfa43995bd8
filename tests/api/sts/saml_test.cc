// AssumeRoleWithSAML against a memory store: a provider whose metadata holds a test IdP's
// certificate (made at run time), roles trusting it, responses signed by saml_signer.h.
#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "api/federation/saml_signer.h"
#include "api/protocol/query_codec.h"
#include "api/sts/sts_service.h"
#include "auth/session_token.h"
#include "common/base64.h"

#include "../federation/saml_signing_test_util.h"
#include "../iam/iam_test_util.h"

namespace portcullis::api::sts {
namespace {

using federation::SamlResponseSpec;
using iam::testing::At;
using iam::testing::Params;
using iam::testing::TextAt;
using portcullis::testing::saml::BasicSpec;
using portcullis::testing::saml::SharedTestIdp;
using protocol::Value;

constexpr std::string_view kProviderArn = "arn:aws:iam::123456789012:saml-provider/corp";
constexpr std::string_view kRoleArn = "arn:aws:iam::123456789012:role/ops";

std::string SamlTrust(std::string_view condition = "",
                      std::string_view actions = R"("sts:AssumeRoleWithSAML")") {
  std::string doc =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":")" +
      std::string(kProviderArn) + R"("},"Action":[)" + std::string(actions) + "]";
  if (!condition.empty()) {
    doc += R"(,"Condition":)" + std::string(condition);
  }
  return doc + "}]}";
}

class SamlTest : public iam::testing::IamApiTest {
 protected:
  SamlTest() : sts_(*store_, *authorizer_, box_, clock_) {
    MustCall("CreateSAMLProvider",
             {{"Name", "corp"},
              {"SAMLMetadataDocument", portcullis::testing::saml::MetadataFor(SharedTestIdp())}});
  }

  federation::SamlTime Now() const {
    return std::chrono::floor<std::chrono::milliseconds>(clock_.Now());
  }

  SamlResponseSpec Spec(std::string_view pair = "") const {
    return BasicSpec(Now(), pair.empty() ? std::string(kRoleArn) + "," + std::string(kProviderArn)
                                         : std::string(pair));
  }

  static std::string Encode(const SamlResponseSpec& spec) {
    auto xml = federation::BuildSignedSamlResponse(spec, SharedTestIdp().key_pem,
                                                   SharedTestIdp().cert_pem);
    EXPECT_TRUE(xml.has_value());
    return EncodeBase64(xml.value_or(std::string()));
  }

  Result<Value> Assume(const std::string& assertion, Params extra = {},
                       std::string_view role_arn = kRoleArn) {
    std::string form = "Action=AssumeRoleWithSAML&Version=2011-06-15";
    extra.push_back({"RoleArn", std::string(role_arn)});
    extra.push_back({"PrincipalArn", std::string(kProviderArn)});
    extra.push_back({"SAMLAssertion", assertion});
    for (const auto& [k, v] : extra) {
      form += "&" + iam::testing::FormEncode(k) + "=" + iam::testing::FormEncode(v);
    }
    auto decoded = protocol::DecodeQueryRequest(sts_.model(), form);
    if (!decoded.has_value()) {
      return tl::unexpected<Error>(std::move(decoded).error());
    }
    return sts_.Invoke(*decoded->operation, decoded->input, auth::Caller{}, Info());
  }

  void CreateRole(const std::string& trust, std::string_view name = "ops") {
    MustCall("CreateRole", {{"RoleName", std::string(name)}, {"AssumeRolePolicyDocument", trust}});
    MustCall("PutRolePolicy", {{"RoleName", std::string(name)},
                               {"PolicyName", "p"},
                               {"PolicyDocument", AllowDocument("iam:List*")}});
  }

  auth::Caller SessionOf(const Value& out) {
    auto opened =
        auth::SessionTokenCodec(box_).Open(TextAt(out, "Credentials.SessionToken"), clock_.Now());
    EXPECT_TRUE(opened.has_value());
    return opened.has_value() ? opened->caller : auth::Caller{};
  }

  StsService sts_;
};

TEST_F(SamlTest, SignedAssertionGivesARoleSessionWithSamlOutputs) {
  CreateRole(SamlTrust(R"({"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml",)"
                       R"("saml:sub":"alice@example.com","saml:sub_type":"persistent",)"
                       R"("saml:iss":"https://idp.example.com/saml",)"
                       R"("saml:doc":"123456789012/corp"}})"));
  auto out = Assume(Encode(Spec()));
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(TextAt(*out, "AssumedRoleUser.Arn"),
            "arn:aws:sts::123456789012:assumed-role/ops/alice");
  EXPECT_EQ(TextAt(*out, "Subject"), "alice@example.com");
  EXPECT_EQ(TextAt(*out, "SubjectType"), "persistent");
  EXPECT_EQ(TextAt(*out, "Issuer"), "https://idp.example.com/saml");
  EXPECT_EQ(TextAt(*out, "Audience"), "https://signin.aws.amazon.com/saml");
  EXPECT_EQ(TextAt(*out, "NameQualifier"),
            federation::SamlNameQualifier("https://idp.example.com/saml", "123456789012", "corp"));
  const auth::Caller session = SessionOf(*out);
  EXPECT_EQ(session.arn, "arn:aws:sts::123456789012:assumed-role/ops/alice");
  EXPECT_TRUE(CallAs(session, "ListRoles").has_value());
  EXPECT_AWS_ERROR(CallAs(session, "CreateUser", {{"UserName", "x"}}), "AccessDenied");
  const auto expires = At(*out, "Credentials.Expiration");
  ASSERT_NE(expires, nullptr);
  EXPECT_EQ(expires->number(), std::chrono::duration_cast<std::chrono::milliseconds>(
                                   (clock_.Now() + std::chrono::hours(1)).time_since_epoch())
                                   .count());
}

TEST_F(SamlTest, TrustConditionOnAnotherSubjectIsAccessDenied) {
  CreateRole(SamlTrust(R"({"StringEquals":{"saml:sub":"bob@example.com"}})"));
  EXPECT_AWS_ERROR(Assume(Encode(Spec())), "AccessDenied",
                   "Not authorized to perform sts:AssumeRoleWithSAML");
}

TEST_F(SamlTest, TamperedOrForeignAssertionsAreRefused) {
  CreateRole(SamlTrust());
  auto xml = federation::BuildSignedSamlResponse(Spec(), SharedTestIdp().key_pem,
                                                 SharedTestIdp().cert_pem);
  ASSERT_TRUE(xml.has_value());
  std::string tampered = *xml;
  tampered.replace(tampered.find("alice@example.com"), 5, "mallo");
  EXPECT_AWS_ERROR(Assume(EncodeBase64(tampered)), "InvalidIdentityToken");
  EXPECT_AWS_ERROR(Assume("!!!not base64!!!"), "InvalidIdentityToken");
  const auto other = portcullis::testing::saml::NewTestIdp("other");
  auto foreign = federation::BuildSignedSamlResponse(Spec(), other.key_pem, other.cert_pem);
  ASSERT_TRUE(foreign.has_value());
  EXPECT_AWS_ERROR(Assume(EncodeBase64(*foreign)), "InvalidIdentityToken");
}

TEST_F(SamlTest, RolePairSessionNameAndExpiryAreChecked) {
  CreateRole(SamlTrust());
  CreateRole(SamlTrust(), "admin");
  // The assertion names ops, the request admin.
  EXPECT_AWS_ERROR(Assume(Encode(Spec()), {}, "arn:aws:iam::123456789012:role/admin"),
                   "IDPRejectedClaim");
  // Provider first, role second is accepted too.
  EXPECT_TRUE(
      Assume(Encode(Spec(std::string(kProviderArn) + "," + std::string(kRoleArn)))).has_value());
  SamlResponseSpec no_role = Spec();
  no_role.attributes.erase(no_role.attributes.begin());
  EXPECT_AWS_ERROR(Assume(Encode(no_role)), "IDPRejectedClaim");
  SamlResponseSpec no_name = Spec();
  no_name.attributes.pop_back();
  EXPECT_AWS_ERROR(Assume(Encode(no_name)), "IDPRejectedClaim");
  const std::string assertion = Encode(Spec());
  clock_.Advance(std::chrono::minutes(11));
  EXPECT_AWS_ERROR(Assume(assertion), "ExpiredTokenException");
}

TEST_F(SamlTest, MissingProviderAndRole) {
  CreateRole(SamlTrust());
  const std::string assertion = Encode(Spec());
  MustCall("DeleteSAMLProvider", {{"SAMLProviderArn", std::string(kProviderArn)}});
  EXPECT_AWS_ERROR(Assume(assertion), "InvalidIdentityToken", "Specified provider doesn't exist");
  EXPECT_AWS_ERROR(Assume(assertion, {}, "not-an-arn"), "ValidationError");
}

TEST_F(SamlTest, SessionDurationAttributeCapsTheDuration) {
  CreateRole(SamlTrust());
  MustCall("UpdateRole", {{"RoleName", "ops"}, {"MaxSessionDuration", "14400"}});
  SamlResponseSpec spec = Spec();
  spec.attributes.push_back({std::string(federation::kAwsSessionDurationAttribute), {}, {"1800"}});
  auto out = Assume(Encode(spec), {{"DurationSeconds", "7200"}});
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(At(*out, "Credentials.Expiration")->number(),
            std::chrono::duration_cast<std::chrono::milliseconds>(
                (clock_.Now() + std::chrono::minutes(30)).time_since_epoch())
                .count());
  EXPECT_AWS_ERROR(Assume(Encode(Spec()), {{"DurationSeconds", "43200"}}), "ValidationError");
}

TEST_F(SamlTest, PrincipalTagsNeedTagSessionAndSourceIdentityNeedsSetSourceIdentity) {
  CreateRole(SamlTrust());
  SamlResponseSpec spec = Spec();
  spec.attributes.push_back(
      {std::string(federation::kAwsPrincipalTagPrefix) + "team", {}, {"blue"}});
  spec.attributes.push_back(
      {std::string(federation::kAwsTransitiveTagKeysAttribute), {}, {"team"}});
  EXPECT_AWS_ERROR(Assume(Encode(spec)), "AccessDenied",
                   "Not authorized to perform sts:TagSession");
  MustCall("UpdateAssumeRolePolicy",
           {{"RoleName", "ops"},
            {"PolicyDocument", SamlTrust("", R"("sts:AssumeRoleWithSAML","sts:TagSession")")}});
  auto out = Assume(Encode(spec), {{"Policy", AllowDocument("iam:ListRoles")}});
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  ASSERT_NE(At(*out, "PackedPolicySize"), nullptr);
  const auth::Caller session = SessionOf(*out);
  ASSERT_NE(session.session, nullptr);
  ASSERT_EQ(session.session->tags.size(), 1U);
  EXPECT_EQ(session.session->tags[0].second, "blue");
  EXPECT_EQ(session.session->transitive_tag_keys.size(), 1U);

  SamlResponseSpec with_source = Spec();
  with_source.attributes.push_back(
      {std::string(federation::kAwsSourceIdentityAttribute), {}, {"alice"}});
  EXPECT_AWS_ERROR(Assume(Encode(with_source)), "AccessDenied");
  MustCall(
      "UpdateAssumeRolePolicy",
      {{"RoleName", "ops"},
       {"PolicyDocument", SamlTrust("", R"("sts:AssumeRoleWithSAML","sts:SetSourceIdentity")")}});
  auto sourced = Assume(Encode(with_source));
  ASSERT_TRUE(sourced.has_value()) << sourced.error().ToString();
  EXPECT_EQ(TextAt(*sourced, "SourceIdentity"), "alice");
}

TEST_F(SamlTest, AttributeConditionKeys) {
  CreateRole(SamlTrust(R"({"StringEquals":{"saml:edupersonaffiliation":"staff"}})"));
  SamlResponseSpec spec = Spec();
  spec.attributes.push_back({"urn:oid:1.3.6.1.4.1.5923.1.1.1.1", {}, {"student", "staff"}});
  EXPECT_TRUE(Assume(Encode(spec)).has_value());
  EXPECT_AWS_ERROR(Assume(Encode(Spec())), "AccessDenied");
}

TEST_F(SamlTest, MalformedSessionPolicy) {
  CreateRole(SamlTrust());
  EXPECT_AWS_ERROR(Assume(Encode(Spec()), {{"Policy", "{not json"}}), "MalformedPolicyDocument");
}

TEST_F(SamlTest, EncryptedAssertionsDecryptWithTheProvidersPrivateKey) {
  CreateRole(SamlTrust());
  // The key pair AWS would hold for the provider: the IdP encrypts to its certificate.
  const auto sp = portcullis::testing::saml::NewTestIdp("sp.example.com");
  SamlResponseSpec encrypted = Spec();
  encrypted.encrypt_to_certificate_pem = sp.cert_pem;
  const std::string assertion = Encode(encrypted);
  // Without the provider's private key it cannot be read.
  EXPECT_AWS_ERROR(Assume(assertion), "InvalidIdentityToken");
  MustCall("UpdateSAMLProvider", {{"SAMLProviderArn", std::string(kProviderArn)},
                                  {"AssertionEncryptionMode", "Required"},
                                  {"AddPrivateKey", sp.key_pem}});
  auto out = Assume(assertion);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(TextAt(*out, "Subject"), "alice@example.com");
  // Required: a plaintext assertion is refused.
  EXPECT_AWS_ERROR(Assume(Encode(Spec())), "InvalidIdentityToken");
}

}  // namespace
}  // namespace portcullis::api::sts
