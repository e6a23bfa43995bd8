// Portcullis extension fragments merged into an AWS model (LoadServiceModel with an
// extension document): new operations may use the model's shapes, are marked
// `extension`, and may not redefine the model's operations or shapes.
#include <gtest/gtest.h>
#include <string_view>

#include "api/protocol/query_codec.h"
#include "api/protocol/service_model.h"

namespace portcullis::api::protocol {
namespace {

constexpr std::string_view kBase = R"({
  "metadata": {"apiVersion": "2020-01-01", "protocol": "query",
               "xmlNamespace": "https://example.com/doc/2020-01-01/"},
  "operations": {"Get": {"name": "Get", "input": {"shape": "GetRequest"}}},
  "shapes": {
    "GetRequest": {"type": "structure", "required": ["Name"],
                   "members": {"Name": {"shape": "nameType"}}},
    "nameType": {"type": "string", "min": 1, "max": 8}
  }
})";

TEST(ModelExtensionTest, ExtensionOperationsJoinTheModelAndUseItsShapes) {
  auto model = LoadServiceModel(kBase, R"({
    "operations": {"Extra": {"name": "Extra", "input": {"shape": "ExtraRequest"}}},
    "shapes": {"ExtraRequest": {"type": "structure", "required": ["Name"],
                                "members": {"Name": {"shape": "nameType"}}}}
  })");
  ASSERT_TRUE(model.has_value()) << model.error().ToString();
  ASSERT_NE(model->FindOperation("Extra"), nullptr);
  EXPECT_TRUE(model->FindOperation("Extra")->extension);
  EXPECT_FALSE(model->FindOperation("Get")->extension);
  EXPECT_EQ(model->FindOperation("Extra")->input->FindMember("Name")->shape->max, 8);
  auto decoded = DecodeQueryRequest(*model, "Action=Extra&Version=2020-01-01&Name=toolongname");
  EXPECT_FALSE(decoded.has_value());
}

TEST(ModelExtensionTest, RedefiningTheModelIsRefused) {
  EXPECT_FALSE(LoadServiceModel(kBase, R"({"operations": {"Get": {"name": "Get"}}})").has_value());
  EXPECT_FALSE(
      LoadServiceModel(kBase, R"({"shapes": {"nameType": {"type": "string"}}})").has_value());
  EXPECT_FALSE(LoadServiceModel(kBase, "{").has_value());
}

TEST(ModelExtensionTest, TheStsModelCarriesOnlyPortcullisOperationsAsExtensions) {
  const ServiceModel& sts = StsModel();
  std::size_t extensions = 0;
  for (const auto& [name, op] : sts.operations()) {
    if (op.extension) {
      ++extensions;
      EXPECT_EQ(name, "AssumeRoleWithLDAPIdentity");
    }
  }
  EXPECT_EQ(extensions, 1U);
  const Operation* op = sts.FindOperation("AssumeRoleWithLDAPIdentity");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->result_wrapper, "AssumeRoleWithLDAPIdentityResult");
  auto decoded = DecodeQueryRequest(
      sts,
      "Action=AssumeRoleWithLDAPIdentity&Version=2011-06-15&RoleArn=arn:aws:iam::123456789012:"
      "role/r&RoleSessionName=s1&LDAPUsername=alice&LDAPPassword=");
  EXPECT_FALSE(decoded.has_value());  // an empty password is below the model's minimum
}

}  // namespace
}  // namespace portcullis::api::protocol
