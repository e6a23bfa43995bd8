// Tests of the OIDC and SAML identity provider operations (oidc_providers.cc,
// saml_providers.cc).
#include <chrono>
#include <cstdint>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/federation/saml_provider_record.h"
#include "api/iam/common.h"
#include "common/base64.h"
#include "crypto/test_credentials.h"

#include "../federation/saml_test_data.h"
#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

using portcullis::testing::saml::IdpMetadata;

constexpr std::string_view kThumb = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";
constexpr std::string_view kOidcArn = "arn:aws:iam::123456789012:oidc-provider/id.example.com/app";
constexpr std::string_view kSamlArn = "arn:aws:iam::123456789012:saml-provider/corp";

class IdentityProvidersTest : public IamApiTest {};

TEST_F(IdentityProvidersTest, OidcCreateGetListDelete) {
  const protocol::Value created =
      MustCall("CreateOpenIDConnectProvider", {{"Url", "https://id.example.com/app"},
                                               {"ClientIDList.member.1", "web"},
                                               {"ClientIDList.member.2", "web"},
                                               {"ThumbprintList.member.1", std::string(kThumb)},
                                               {"Tags.member.1.Key", "team"},
                                               {"Tags.member.1.Value", "id"}});
  EXPECT_EQ(TextAt(created, "OpenIDConnectProviderArn"), kOidcArn);
  EXPECT_EQ(TextAt(created, "Tags.0.Key"), "team");

  const protocol::Value got =
      MustCall("GetOpenIDConnectProvider", {{"OpenIDConnectProviderArn", std::string(kOidcArn)}});
  EXPECT_EQ(TextAt(got, "Url"), "id.example.com/app");
  ASSERT_EQ(SizeAt(got, "ClientIDList"), 1U);  // duplicates dropped
  EXPECT_EQ(TextAt(got, "ClientIDList.0"), "web");
  EXPECT_EQ(TextAt(got, "ThumbprintList.0"), kThumb);
  EXPECT_NE(At(got, "CreateDate"), nullptr);
  EXPECT_EQ(TextAt(got, "Tags.0.Value"), "id");

  // Thumbprints are optional in the current model.
  MustCall("CreateOpenIDConnectProvider", {{"Url", "https://accounts.example.org"}});
  const protocol::Value list = MustCall("ListOpenIDConnectProviders");
  ASSERT_EQ(SizeAt(list, "OpenIDConnectProviderList"), 2U);
  EXPECT_EQ(TextAt(list, "OpenIDConnectProviderList.0.Arn"),
            "arn:aws:iam::123456789012:oidc-provider/accounts.example.org");

  EXPECT_AWS_ERROR(Call("CreateOpenIDConnectProvider", {{"Url", "https://id.example.com/app"}}),
                   "EntityAlreadyExists",
                   "Provider with url https://id.example.com/app already exists.");
  MustCall("DeleteOpenIDConnectProvider", {{"OpenIDConnectProviderArn", std::string(kOidcArn)}});
  EXPECT_AWS_ERROR(
      Call("GetOpenIDConnectProvider", {{"OpenIDConnectProviderArn", std::string(kOidcArn)}}),
      "NoSuchEntity", "OpenIDConnect Provider not found for arn " + std::string(kOidcArn));
  EXPECT_AWS_ERROR(
      Call("DeleteOpenIDConnectProvider", {{"OpenIDConnectProviderArn", std::string(kOidcArn)}}),
      "NoSuchEntity", "OpenId connect Provider " + std::string(kOidcArn) + " cannot be found.");
  EXPECT_AWS_ERROR(Call("GetOpenIDConnectProvider",
                        {{"OpenIDConnectProviderArn", "arn:aws:iam::123456789012:role/x"}}),
                   "InvalidInput");
}

TEST_F(IdentityProvidersTest, OidcUrlAndThumbprintRules) {
  for (const std::string_view url : {"id.example.com", "https://", "https:///path", "://x"}) {
    EXPECT_AWS_ERROR(Call("CreateOpenIDConnectProvider", {{"Url", std::string(url)}}),
                     "ValidationError", "Invalid Open ID Connect Provider URL")
        << url;
  }
  EXPECT_AWS_ERROR(Call("CreateOpenIDConnectProvider", {{"Url", "http://id.example.com"}}),
                   "InvalidInput",
                   "Invalid Open ID Connect Provider URL. The URL must begin with https://.");
  for (const std::string_view url :
       {"https://id.example.com/?q=1", "https://id.example.com/#f", "https://u@id.example.com",
        "https://id.example.com:8443/realms/x"}) {
    EXPECT_AWS_ERROR(Call("CreateOpenIDConnectProvider", {{"Url", std::string(url)}}),
                     "InvalidInput", "Invalid Open ID Connect Provider URL.")
        << url;
  }
  EXPECT_AWS_ERROR(Call("CreateOpenIDConnectProvider",
                        {{"Url", "https://a.example.com"},
                         {"ThumbprintList.member.1", "zz99a48a9960b14926bb7f3b02e22da2b0ab7280"}}),
                   "InvalidInput");
  Params six = {{"Url", "https://a.example.com"}};
  for (int i = 0; i < 6; ++i) {
    std::string t(40, 'a');
    t[0] = static_cast<char>('0' + i);
    six.emplace_back("ThumbprintList.member." + std::to_string(i + 1), t);
  }
  EXPECT_AWS_ERROR(Call("CreateOpenIDConnectProvider", six), "InvalidInput",
                   "Thumbprint list must contain fewer than 5 entries.");
  // The codec enforces the model's 40-character length.
  EXPECT_AWS_ERROR(Call("CreateOpenIDConnectProvider",
                        {{"Url", "https://a.example.com"}, {"ThumbprintList.member.1", "abc"}}),
                   "ValidationError");
}

TEST_F(IdentityProvidersTest, OidcClientIdsAndThumbprintUpdates) {
  MustCall("CreateOpenIDConnectProvider", {{"Url", "https://id.example.com/app"}});
  const Params arn = {{"OpenIDConnectProviderArn", std::string(kOidcArn)}};
  auto with = [&](std::string_view key, std::string_view value) {
    Params p = arn;
    p.emplace_back(std::string(key), std::string(value));
    return p;
  };
  MustCall("AddClientIDToOpenIDConnectProvider", with("ClientID", "a"));
  MustCall("AddClientIDToOpenIDConnectProvider", with("ClientID", "b"));
  MustCall("AddClientIDToOpenIDConnectProvider", with("ClientID", "a"));  // no duplicate
  EXPECT_EQ(SizeAt(MustCall("GetOpenIDConnectProvider", arn), "ClientIDList"), 2U);
  MustCall("RemoveClientIDFromOpenIDConnectProvider", with("ClientID", "a"));
  MustCall("RemoveClientIDFromOpenIDConnectProvider", with("ClientID", "zzz"));  // not an error
  const protocol::Value got = MustCall("GetOpenIDConnectProvider", arn);
  ASSERT_EQ(SizeAt(got, "ClientIDList"), 1U);
  EXPECT_EQ(TextAt(got, "ClientIDList.0"), "b");

  for (int i = 0; i < 99; ++i) {
    MustCall("AddClientIDToOpenIDConnectProvider", with("ClientID", "c" + std::to_string(i)));
  }
  EXPECT_AWS_ERROR(Call("AddClientIDToOpenIDConnectProvider", with("ClientID", "one-more")),
                   "LimitExceeded",
                   "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100");

  MustCall("UpdateOpenIDConnectProviderThumbprint",
           with("ThumbprintList.member.1", std::string(kThumb)));
  EXPECT_EQ(TextAt(MustCall("GetOpenIDConnectProvider", arn), "ThumbprintList.0"), kThumb);
  EXPECT_AWS_ERROR(
      Call("UpdateOpenIDConnectProviderThumbprint",
           {{"OpenIDConnectProviderArn", "arn:aws:iam::123456789012:oidc-provider/nope.example"},
            {"ThumbprintList.member.1", std::string(kThumb)}}),
      "NoSuchEntity");
  EXPECT_AWS_ERROR(
      Call("AddClientIDToOpenIDConnectProvider",
           {{"OpenIDConnectProviderArn", "arn:aws:iam::123456789012:oidc-provider/nope.example"},
            {"ClientID", "x"}}),
      "NoSuchEntity");
}

TEST_F(IdentityProvidersTest, OidcQuotaPerAccount) {
  for (int i = 0; i < 100; ++i) {
    MustCall("CreateOpenIDConnectProvider",
             {{"Url", "https://id" + std::to_string(i) + ".example.com"}});
  }
  EXPECT_AWS_ERROR(Call("CreateOpenIDConnectProvider", {{"Url", "https://more.example.com"}}),
                   "LimitExceeded",
                   "Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100");
  EXPECT_EQ(SizeAt(MustCall("ListOpenIDConnectProviders"), "OpenIDConnectProviderList"), 100U);
}

TEST_F(IdentityProvidersTest, ProvidersNeedPermission) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  EXPECT_AWS_ERROR(CallAs(UserCaller("bob"), "CreateOpenIDConnectProvider",
                          {{"Url", "https://id.example.com/app"}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(UserCaller("bob"), "ListSAMLProviders"), "AccessDenied");
  AllowUser("bob", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)"
                   R"("iam:*OpenIDConnectProvider*","Resource":"*"}]})");
  MustCallAs(UserCaller("bob"), "CreateOpenIDConnectProvider",
             {{"Url", "https://id.example.com/app"}});
  EXPECT_EQ(SizeAt(MustCallAs(UserCaller("bob"), "ListOpenIDConnectProviders"),
                   "OpenIDConnectProviderList"),
            1U);
  // Creating with tags also needs iam:TagSAMLProvider.
  AllowUser("bob",
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)"
            R"("iam:CreateSAMLProvider","Resource":"*"}]})",
            "saml");
  EXPECT_AWS_ERROR(CallAs(UserCaller("bob"), "CreateSAMLProvider",
                          {{"Name", "corp"},
                           {"SAMLMetadataDocument", IdpMetadata()},
                           {"Tags.member.1.Key", "k"},
                           {"Tags.member.1.Value", "v"}}),
                   "AccessDenied");
  MustCallAs(UserCaller("bob"), "CreateSAMLProvider",
             {{"Name", "corp"}, {"SAMLMetadataDocument", IdpMetadata()}});
}

TEST_F(IdentityProvidersTest, SamlCreateGetListUpdateDelete) {
  const protocol::Value created =
      MustCall("CreateSAMLProvider", {{"Name", "corp"},
                                      {"SAMLMetadataDocument", IdpMetadata()},
                                      {"Tags.member.1.Key", "env"},
                                      {"Tags.member.1.Value", "prod"}});
  EXPECT_EQ(TextAt(created, "SAMLProviderArn"), kSamlArn);
  EXPECT_EQ(TextAt(created, "Tags.0.Key"), "env");

  const Params arn = {{"SAMLProviderArn", std::string(kSamlArn)}};
  const protocol::Value got = MustCall("GetSAMLProvider", arn);
  EXPECT_EQ(TextAt(got, "SAMLMetadataDocument"), IdpMetadata());
  EXPECT_EQ(TextAt(got, "Tags.0.Value"), "prod");
  const std::string uuid = TextAt(got, "SAMLProviderUUID");
  EXPECT_GE(uuid.size(), 22U);
  EXPECT_EQ(uuid.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), std::string::npos);
  // No validUntil in the metadata: 100 years after creation (2026-01-01).
  const protocol::Value* valid_until = At(got, "ValidUntil");
  ASSERT_NE(valid_until, nullptr);
  const auto expected_default = std::chrono::sys_days(std::chrono::year(2126) / 1 / 1);
  EXPECT_EQ(valid_until->number(), std::chrono::duration_cast<std::chrono::milliseconds>(
                                       expected_default.time_since_epoch())
                                       .count());
  EXPECT_EQ(At(got, "AssertionEncryptionMode"), nullptr);

  const protocol::Value list = MustCall("ListSAMLProviders");
  ASSERT_EQ(SizeAt(list, "SAMLProviderList"), 1U);
  EXPECT_EQ(TextAt(list, "SAMLProviderList.0.Arn"), kSamlArn);
  EXPECT_NE(At(list, "SAMLProviderList.0.ValidUntil"), nullptr);
  EXPECT_NE(At(list, "SAMLProviderList.0.CreateDate"), nullptr);

  EXPECT_AWS_ERROR(
      Call("CreateSAMLProvider", {{"Name", "corp"}, {"SAMLMetadataDocument", IdpMetadata()}}),
      "EntityAlreadyExists", "Provider with name corp already exists.");

  // The metadata's validUntil becomes ValidUntil.
  Params update = arn;
  update.emplace_back("SAMLMetadataDocument", IdpMetadata("urn:idp2", "2030-01-01T00:00:00Z"));
  EXPECT_EQ(TextAt(MustCall("UpdateSAMLProvider", update), "SAMLProviderArn"), kSamlArn);
  const protocol::Value updated = MustCall("GetSAMLProvider", arn);
  EXPECT_EQ(At(updated, "ValidUntil")->number(),
            std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::sys_days(std::chrono::year(2030) / 1 / 1).time_since_epoch())
                .count());
  EXPECT_EQ(TextAt(updated, "SAMLProviderUUID"), uuid);
  EXPECT_AWS_ERROR(Call("UpdateSAMLProvider", arn), "InvalidInput");

  MustCall("DeleteSAMLProvider", arn);
  EXPECT_AWS_ERROR(Call("GetSAMLProvider", arn), "NoSuchEntity",
                   "Manifest not found for arn " + std::string(kSamlArn));
  EXPECT_AWS_ERROR(Call("DeleteSAMLProvider", arn), "NoSuchEntity");
  EXPECT_AWS_ERROR(Call("UpdateSAMLProvider", update), "NoSuchEntity");
}

TEST_F(IdentityProvidersTest, SamlRejectsBadMetadata) {
  std::string bad = IdpMetadata();
  bad.replace(bad.find("use=\"signing\""), 13, "use=\"encryption\"");
  EXPECT_AWS_ERROR(Call("CreateSAMLProvider", {{"Name", "corp"}, {"SAMLMetadataDocument", bad}}),
                   "InvalidInput", "Could not parse metadata");
  EXPECT_AWS_ERROR(Call("CreateSAMLProvider",
                        {{"Name", "corp"}, {"SAMLMetadataDocument", std::string(1200, 'x')}}),
                   "InvalidInput", "Could not parse metadata");
  // Shorter than the model's 1000 characters: the codec's ValidationError.
  EXPECT_AWS_ERROR(Call("CreateSAMLProvider", {{"Name", "corp"}, {"SAMLMetadataDocument", "<x/>"}}),
                   "ValidationError");
  EXPECT_AWS_ERROR(
      Call("CreateSAMLProvider", {{"Name", "bad name"}, {"SAMLMetadataDocument", IdpMetadata()}}),
      "ValidationError");
  MustCall("CreateSAMLProvider", {{"Name", "corp"}, {"SAMLMetadataDocument", IdpMetadata()}});
  EXPECT_AWS_ERROR(Call("UpdateSAMLProvider", {{"SAMLProviderArn", std::string(kSamlArn)},
                                               {"SAMLMetadataDocument", bad}}),
                   "InvalidInput", "Could not parse metadata");
  EXPECT_AWS_ERROR(
      Call("GetSAMLProvider", {{"SAMLProviderArn", "arn:aws:iam::123456789012:user/x"}}),
      "InvalidInput");
}

TEST_F(IdentityProvidersTest, SamlPrivateKeysAndEncryptionMode) {
  // A fresh EC P-256 key (no passphrase); none is committed. `secret_part` is base64 of
  // its private scalar, which must never come back or be stored in the clear.
  const std::string key = crypto::NewEcKeyPemForTest("P-256");
  const std::string secret_part =
      key.substr(std::string("-----BEGIN PRIVATE KEY-----\n").size() + 48, 16);
  EXPECT_AWS_ERROR(Call("CreateSAMLProvider", {{"Name", "corp"},
                                               {"SAMLMetadataDocument", IdpMetadata()},
                                               {"AssertionEncryptionMode", "Required"}}),
                   "InvalidInput");
  EXPECT_AWS_ERROR(Call("CreateSAMLProvider", {{"Name", "corp"},
                                               {"SAMLMetadataDocument", IdpMetadata()},
                                               {"AddPrivateKey",
                                                "-----BEGIN PRIVATE KEY-----\nAAAA\n"
                                                "-----END PRIVATE KEY-----\n"}}),
                   "InvalidInput");
  MustCall("CreateSAMLProvider", {{"Name", "corp"},
                                  {"SAMLMetadataDocument", IdpMetadata()},
                                  {"AssertionEncryptionMode", "Required"},
                                  {"AddPrivateKey", key}});
  const Params arn = {{"SAMLProviderArn", std::string(kSamlArn)}};
  const protocol::Value got = MustCall("GetSAMLProvider", arn);
  EXPECT_EQ(TextAt(got, "AssertionEncryptionMode"), "Required");
  ASSERT_EQ(SizeAt(got, "PrivateKeyList"), 1U);
  const std::string first = TextAt(got, "PrivateKeyList.0.KeyId");
  EXPECT_GE(first.size(), 22U);
  EXPECT_NE(At(got, "PrivateKeyList.0.Timestamp"), nullptr);
  // The key itself never comes back; the store holds it sealed, for AssumeRoleWithSAML.
  EXPECT_EQ(got.DebugString().find(secret_part), std::string::npos);
  {
    auto txn = store_->BeginRead();
    ASSERT_TRUE(txn.has_value());
    auto resource = (*txn)->GetResource(store::ResourceKind::kSamlProvider, kAccountId, kSamlArn);
    ASSERT_TRUE(resource.has_value());
    EXPECT_EQ(resource->body.find(secret_part), std::string::npos);
    auto record = federation::DecodeSamlProviderRecord(resource->body);
    ASSERT_TRUE(record.has_value());
    ASSERT_EQ(record->private_keys.size(), 1U);
    const std::optional<std::string> sealed = DecodeBase64(record->private_keys[0].sealed_base64);
    ASSERT_TRUE(sealed.has_value());
    auto opened = box_.Open(std::vector<std::uint8_t>(sealed->begin(), sealed->end()),
                            federation::SamlPrivateKeyAssociatedData(kSamlArn, first));
    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(*opened, key);
    EXPECT_EQ(record->entity_id, "https://idp.example.com/saml");
  }

  Params add = arn;
  add.emplace_back("AddPrivateKey", key);
  MustCall("UpdateSAMLProvider", add);
  EXPECT_AWS_ERROR(Call("UpdateSAMLProvider", add), "LimitExceeded",
                   "Private key limit of 2 is reached.");
  Params both = add;
  both.emplace_back("RemovePrivateKey", first);
  EXPECT_AWS_ERROR(Call("UpdateSAMLProvider", both), "InvalidInput");
  Params remove = arn;
  remove.emplace_back("RemovePrivateKey", first);
  MustCall("UpdateSAMLProvider", remove);
  EXPECT_AWS_ERROR(Call("UpdateSAMLProvider", remove), "InvalidInput",
                   "~the Key ID does not match a private key");
  const protocol::Value after = MustCall("GetSAMLProvider", arn);
  ASSERT_EQ(SizeAt(after, "PrivateKeyList"), 1U);
  // The last key cannot go while encryption is required.
  Params remove_last = arn;
  remove_last.emplace_back("RemovePrivateKey", TextAt(after, "PrivateKeyList.0.KeyId"));
  EXPECT_AWS_ERROR(Call("UpdateSAMLProvider", remove_last), "InvalidInput",
                   "~Failed to remove private key.");
  remove_last.emplace_back("AssertionEncryptionMode", "Allowed");
  MustCall("UpdateSAMLProvider", remove_last);
  EXPECT_EQ(SizeAt(MustCall("GetSAMLProvider", arn), "PrivateKeyList"), 0U);
}

TEST_F(IdentityProvidersTest, SamlQuotaPerAccount) {
  const std::string doc = IdpMetadata();
  for (int i = 0; i < 100; ++i) {
    MustCall("CreateSAMLProvider",
             {{"Name", "p" + std::to_string(i)}, {"SAMLMetadataDocument", doc}});
  }
  EXPECT_AWS_ERROR(Call("CreateSAMLProvider", {{"Name", "more"}, {"SAMLMetadataDocument", doc}}),
                   "LimitExceeded", "Cannot exceed quota for SAMLProvidersPerAccount: 100");
}

}  // namespace
}  // namespace portcullis::api::iam::testing
