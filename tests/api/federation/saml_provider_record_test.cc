// Tests of the stored form of SAML providers (api/federation/saml_provider_record.h).
#include "api/federation/saml_provider_record.h"

#include <gtest/gtest.h>
#include <string_view>

namespace portcullis::api::federation {
namespace {

TEST(SamlProviderRecordTest, RoundTrips) {
  SamlProviderRecord record;
  record.metadata = "<md:EntityDescriptor entityID=\"urn:idp\"/>";
  record.entity_id = "urn:idp";
  record.valid_until_ms = 4'102'444'800'000;
  record.uuid = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  record.encryption_mode = "Required";
  record.private_keys.push_back({"KEY1KEY1KEY1KEY1KEY1KEY1", 1'767'225'600'000, "c2VhbGVk"});
  auto decoded = DecodeSamlProviderRecord(EncodeSamlProviderRecord(record));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(decoded->metadata, record.metadata);
  EXPECT_EQ(decoded->entity_id, record.entity_id);
  EXPECT_EQ(decoded->valid_until_ms, record.valid_until_ms);
  EXPECT_EQ(decoded->uuid, record.uuid);
  EXPECT_EQ(decoded->encryption_mode, record.encryption_mode);
  ASSERT_EQ(decoded->private_keys.size(), 1U);
  EXPECT_EQ(decoded->private_keys[0].id, "KEY1KEY1KEY1KEY1KEY1KEY1");
  EXPECT_EQ(decoded->private_keys[0].created_ms, 1'767'225'600'000);
  EXPECT_EQ(decoded->private_keys[0].sealed_base64, "c2VhbGVk");
}

TEST(SamlProviderRecordTest, RejectsWhatIsNotAnObjectAndToleratesWrongTypes) {
  for (const std::string_view bad : {"", "[]", "\"x\"", "{", "null"}) {
    auto decoded = DecodeSamlProviderRecord(bad);
    ASSERT_FALSE(decoded.has_value()) << bad;
    EXPECT_EQ(decoded.error().code, ErrorCode::kInternal);
  }
  auto odd = DecodeSamlProviderRecord(
      R"({"metadata":1,"valid_until_ms":"soon","private_keys":[3,{"id":7}]})");
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(odd->metadata, "");
  EXPECT_EQ(odd->valid_until_ms, 0);
  ASSERT_EQ(odd->private_keys.size(), 1U);
  EXPECT_EQ(odd->private_keys[0].id, "");
}

TEST(SamlProviderRecordTest, AssociatedDataNamesProviderAndKey) {
  EXPECT_EQ(SamlPrivateKeyAssociatedData("arn:aws:iam::123456789012:saml-provider/corp", "K1"),
            "arn:aws:iam::123456789012:saml-provider/corp#K1");
}

}  // namespace
}  // namespace portcullis::api::federation
