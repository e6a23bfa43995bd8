// Tests of the tag operations of customer managed policies, instance profiles and the
// store::Resource kinds that carry tags (MFA devices, OIDC and SAML providers, server
// certificates), in tags_and_boundaries.cc.
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "api/iam/common.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

constexpr std::string_view kAllowAll =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})";

class ResourceTagsTest : public IamApiTest {
 protected:
  // Puts a resource of `kind` keyed `key` (with `body`) into the store directly: the
  // families that create them have their own tests.
  void PutResource(store::ResourceKind kind, std::string key, std::string body = "{}",
                   std::string path = "/") {
    WriteStore([&](store::WriteTxn& txn) -> Status {
      store::Resource resource;
      resource.kind = kind;
      resource.account_id = std::string(kAccountId);
      resource.key = key;
      resource.path = path;
      resource.body = body;
      IAM_RETURN_IF_ERROR(txn.PutResource(std::move(resource)));
      return OkStatus();
    });
  }

  // Tags, lists, untags through `member`=`name` for the family with action suffix `what`.
  void ExpectTagCycle(std::string_view what, std::string_view member, std::string_view name) {
    const std::string n(name);
    const std::string m(member);
    MustCall("Tag" + std::string(what), {{m, n},
                                         {"Tags.member.1.Key", "team"},
                                         {"Tags.member.1.Value", "red"},
                                         {"Tags.member.2.Key", "env"},
                                         {"Tags.member.2.Value", "dev"}});
    // A key given again in another case replaces the value.
    MustCall("Tag" + std::string(what),
             {{m, n}, {"Tags.member.1.Key", "TEAM"}, {"Tags.member.1.Value", "blue"}});
    const protocol::Value listed = MustCall("List" + std::string(what) + "Tags", {{m, n}});
    ASSERT_EQ(SizeAt(listed, "Tags"), 2U) << what;
    EXPECT_EQ(TextAt(listed, "Tags.0.Key"), "team");
    EXPECT_EQ(TextAt(listed, "Tags.0.Value"), "blue");
    EXPECT_FALSE(At(listed, "IsTruncated")->boolean());
    const protocol::Value page =
        MustCall("List" + std::string(what) + "Tags", {{m, n}, {"MaxItems", "1"}});
    EXPECT_EQ(SizeAt(page, "Tags"), 1U);
    EXPECT_TRUE(At(page, "IsTruncated")->boolean());
    EXPECT_AWS_ERROR(Call("Tag" + std::string(what),
                          {{m, n}, {"Tags.member.1.Key", "aws:x"}, {"Tags.member.1.Value", "1"}}),
                     "InvalidInput");
    MustCall("Untag" + std::string(what), {{m, n}, {"TagKeys.member.1", "Env"}});
    const protocol::Value after = MustCall("List" + std::string(what) + "Tags", {{m, n}});
    ASSERT_EQ(SizeAt(after, "Tags"), 1U) << what;
    EXPECT_EQ(TextAt(after, "Tags.0.Key"), "team");
  }
};

TEST_F(ResourceTagsTest, CustomerManagedPolicies) {
  const protocol::Value created =
      MustCall("CreatePolicy", {{"PolicyName", "p"},
                                {"PolicyDocument", std::string(kAllowAll)},
                                {"Tags.member.1.Key", "owner"},
                                {"Tags.member.1.Value", "ops"}});
  const std::string arn = TextAt(created, "Policy.Arn");
  EXPECT_EQ(TextAt(created, "Policy.Tags.0.Key"), "owner");
  EXPECT_EQ(TextAt(MustCall("GetPolicy", {{"PolicyArn", arn}}), "Policy.Tags.0.Value"), "ops");
  MustCall("UntagPolicy", {{"PolicyArn", arn}, {"TagKeys.member.1", "owner"}});
  ExpectTagCycle("Policy", "PolicyArn", arn);
  EXPECT_AWS_ERROR(Call("TagPolicy", {{"PolicyArn", "arn:aws:iam::123456789012:policy/none"},
                                      {"Tags.member.1.Key", "a"},
                                      {"Tags.member.1.Value", "b"}}),
                   "NoSuchEntity");
  EXPECT_AWS_ERROR(
      Call("ListPolicyTags", {{"PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess"}}),
      "NoSuchEntity");
}

TEST_F(ResourceTagsTest, InstanceProfiles) {
  MustCall("CreateInstanceProfile", {{"InstanceProfileName", "web"}});
  ExpectTagCycle("InstanceProfile", "InstanceProfileName", "WEB");
  EXPECT_AWS_ERROR(Call("ListInstanceProfileTags", {{"InstanceProfileName", "none"}}),
                   "NoSuchEntity", "Instance Profile none cannot be found.");
}

TEST_F(ResourceTagsTest, ResourcesNamedByArn) {
  const std::string mfa = "arn:aws:iam::123456789012:mfa/phone";
  const std::string oidc = "arn:aws:iam::123456789012:oidc-provider/example.com";
  const std::string saml = "arn:aws:iam::123456789012:saml-provider/corp";
  PutResource(store::ResourceKind::kMfaDevice, mfa);
  PutResource(store::ResourceKind::kOidcProvider, oidc);
  PutResource(store::ResourceKind::kSamlProvider, saml);
  ExpectTagCycle("MFADevice", "SerialNumber", mfa);
  ExpectTagCycle("OpenIDConnectProvider", "OpenIDConnectProviderArn", oidc);
  ExpectTagCycle("SAMLProvider", "SAMLProviderArn", saml);
  EXPECT_AWS_ERROR(Call("ListMFADeviceTags", {{"SerialNumber", mfa + "x"}}), "NoSuchEntity");
  EXPECT_AWS_ERROR(
      Call("ListOpenIDConnectProviderTags", {{"OpenIDConnectProviderArn", oidc + "x"}}),
      "NoSuchEntity");
  EXPECT_AWS_ERROR(Call("ListSAMLProviderTags", {{"SAMLProviderArn", saml + "x"}}), "NoSuchEntity");
}

TEST_F(ResourceTagsTest, ServerCertificatesAuthorizeWithTheStoredArn) {
  PutResource(
      store::ResourceKind::kServerCertificate, "web",
      R"({"ServerCertificateName":"Web","Arn":"arn:aws:iam::123456789012:server-certificate/cf/Web"})",
      "/cf/");
  ExpectTagCycle("ServerCertificate", "ServerCertificateName", "web");
  EXPECT_AWS_ERROR(Call("ListServerCertificateTags", {{"ServerCertificateName", "none"}}),
                   "NoSuchEntity", "The Server Certificate with name none cannot be found.");

  // A user allowed to tag only certificates under /cf/ can tag it; one allowed only other
  // paths cannot.
  MustCall("CreateUser", {{"UserName", "alice"}});
  AllowUser("alice", AllowDocument("iam:TagServerCertificate",
                                   "arn:aws:iam::123456789012:server-certificate/cf/*"));
  MustCallAs(
      UserCaller("alice"), "TagServerCertificate",
      {{"ServerCertificateName", "Web"}, {"Tags.member.1.Key", "k"}, {"Tags.member.1.Value", "v"}});
  MustCall("CreateUser", {{"UserName", "bob"}});
  AllowUser("bob", AllowDocument("iam:TagServerCertificate",
                                 "arn:aws:iam::123456789012:server-certificate/other/*"));
  EXPECT_AWS_ERROR(CallAs(UserCaller("bob"), "TagServerCertificate",
                          {{"ServerCertificateName", "Web"},
                           {"Tags.member.1.Key", "k"},
                           {"Tags.member.1.Value", "v"}}),
                   "AccessDenied");
}

TEST_F(ResourceTagsTest, TagConditionsSeeRequestTagsAndKeys) {
  MustCall("CreateInstanceProfile", {{"InstanceProfileName", "web"}});
  MustCall("CreateUser", {{"UserName", "carol"}});
  AllowUser(
      "carol",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:TagInstanceProfile","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"red"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}]})");
  MustCallAs(UserCaller("carol"), "TagInstanceProfile",
             {{"InstanceProfileName", "web"},
              {"Tags.member.1.Key", "team"},
              {"Tags.member.1.Value", "red"}});
  EXPECT_AWS_ERROR(CallAs(UserCaller("carol"), "TagInstanceProfile",
                          {{"InstanceProfileName", "web"},
                           {"Tags.member.1.Key", "team"},
                           {"Tags.member.1.Value", "blue"}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(UserCaller("carol"), "TagInstanceProfile",
                          {{"InstanceProfileName", "web"},
                           {"Tags.member.1.Key", "team"},
                           {"Tags.member.1.Value", "red"},
                           {"Tags.member.2.Key", "cost"},
                           {"Tags.member.2.Value", "1"}}),
                   "AccessDenied");
}

// aws:ResourceTag/KEY and iam:ResourceTag/KEY come from the tags of the resource acted on.
TEST_F(ResourceTagsTest, ResourceTagConditionsReadTheTargetsTags) {
  MustCall(
      "CreateUser",
      {{"UserName", "red-user"}, {"Tags.member.1.Key", "team"}, {"Tags.member.1.Value", "red"}});
  MustCall(
      "CreateUser",
      {{"UserName", "blue-user"}, {"Tags.member.1.Key", "team"}, {"Tags.member.1.Value", "blue"}});
  MustCall("CreateInstanceProfile", {{"InstanceProfileName", "red-profile"},
                                     {"Tags.member.1.Key", "team"},
                                     {"Tags.member.1.Value", "red"}});
  MustCall("CreateInstanceProfile", {{"InstanceProfileName", "plain-profile"}});
  MustCall("CreateUser", {{"UserName", "dave"}});
  AllowUser(
      "dave",
      R"({"Version":"2012-10-17","Statement":[)"
      R"({"Effect":"Allow","Action":["iam:GetUser","iam:ListUserTags"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"red"}}},)"
      R"({"Effect":"Allow","Action":"iam:GetInstanceProfile","Resource":"*","Condition":{"StringEquals":{"iam:ResourceTag/team":"red"}}}]})");
  const auth::Caller dave = UserCaller("dave");
  MustCallAs(dave, "GetUser", {{"UserName", "red-user"}});
  MustCallAs(dave, "ListUserTags", {{"UserName", "RED-USER"}});
  EXPECT_AWS_ERROR(CallAs(dave, "GetUser", {{"UserName", "blue-user"}}), "AccessDenied");
  // A user that does not exist has no tags: denied, not NoSuchEntity.
  EXPECT_AWS_ERROR(CallAs(dave, "GetUser", {{"UserName", "ghost"}}), "AccessDenied");
  MustCallAs(dave, "GetInstanceProfile", {{"InstanceProfileName", "red-profile"}});
  EXPECT_AWS_ERROR(CallAs(dave, "GetInstanceProfile", {{"InstanceProfileName", "plain-profile"}}),
                   "AccessDenied");
}

}  // namespace
}  // namespace portcullis::api::iam::testing
