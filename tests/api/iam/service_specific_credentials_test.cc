// Tests of the service-specific credential operations (service_specific_credentials.cc).
#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "api/iam/common.h"
#include "crypto/password_hash.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

class ServiceSpecificCredentialsTest : public IamApiTest {
 protected:
  void SetUp() override { MustCall("CreateUser", {{"UserName", "jane"}}); }

  protocol::Value Create(std::string_view service, std::string_view user = "jane") {
    return MustCall("CreateServiceSpecificCredential",
                    {{"UserName", std::string(user)}, {"ServiceName", std::string(service)}});
  }

  // The stored body of credential `id`.
  std::string StoredBody(std::string_view id) {
    auto txn = store_->BeginRead();
    EXPECT_TRUE(txn.has_value());
    auto r = (*txn)->GetResource(store::ResourceKind::kServiceSpecificCredential, kAccountId, id);
    EXPECT_TRUE(r.has_value());
    return r.has_value() ? r->body : std::string();
  }
};

TEST_F(ServiceSpecificCredentialsTest, CreateListResetUpdateDelete) {
  const protocol::Value created = Create("codecommit.amazonaws.com");
  const std::string id = TextAt(created, "ServiceSpecificCredential.ServiceSpecificCredentialId");
  EXPECT_EQ(id.substr(0, 4), "ACCA");
  EXPECT_EQ(id.size(), 21U);
  EXPECT_EQ(TextAt(created, "ServiceSpecificCredential.ServiceUserName"), "jane-at-123456789012");
  EXPECT_EQ(TextAt(created, "ServiceSpecificCredential.UserName"), "jane");
  EXPECT_EQ(TextAt(created, "ServiceSpecificCredential.Status"), "Active");
  EXPECT_EQ(TextAt(created, "ServiceSpecificCredential.ServiceName"), "codecommit.amazonaws.com");
  const std::string password = TextAt(created, "ServiceSpecificCredential.ServicePassword");
  EXPECT_EQ(password.size(), 44U);

  // Stored only as an argon2id hash.
  const std::string body = StoredBody(id);
  EXPECT_EQ(body.find(password), std::string::npos);
  EXPECT_NE(body.find("$argon2id$"), std::string::npos);

  const protocol::Value list = MustCall("ListServiceSpecificCredentials", {{"UserName", "jane"}});
  ASSERT_EQ(SizeAt(list, "ServiceSpecificCredentials"), 1U);
  EXPECT_EQ(TextAt(list, "ServiceSpecificCredentials.0.ServiceSpecificCredentialId"), id);
  EXPECT_EQ(At(list, "ServiceSpecificCredentials.0.ServicePassword"), nullptr);
  EXPECT_EQ(TextAt(list, "ServiceSpecificCredentials.0.ServiceUserName"), "jane-at-123456789012");

  const protocol::Value reset =
      MustCall("ResetServiceSpecificCredential",
               {{"UserName", "jane"}, {"ServiceSpecificCredentialId", id}});
  const std::string new_password = TextAt(reset, "ServiceSpecificCredential.ServicePassword");
  EXPECT_EQ(new_password.size(), 44U);
  EXPECT_NE(new_password, password);

  MustCall("UpdateServiceSpecificCredential",
           {{"UserName", "jane"}, {"ServiceSpecificCredentialId", id}, {"Status", "Inactive"}});
  EXPECT_EQ(TextAt(MustCall("ListServiceSpecificCredentials", {{"UserName", "jane"}}),
                   "ServiceSpecificCredentials.0.Status"),
            "Inactive");
  EXPECT_AWS_ERROR(
      Call("UpdateServiceSpecificCredential",
           {{"UserName", "jane"}, {"ServiceSpecificCredentialId", id}, {"Status", "Expired"}}),
      "InvalidInput");

  // A user with a credential cannot be deleted.
  EXPECT_AWS_ERROR(Call("DeleteUser", {{"UserName", "jane"}}), "DeleteConflict");
  MustCall("DeleteServiceSpecificCredential",
           {{"UserName", "jane"}, {"ServiceSpecificCredentialId", id}});
  EXPECT_AWS_ERROR(Call("DeleteServiceSpecificCredential",
                        {{"UserName", "jane"}, {"ServiceSpecificCredentialId", id}}),
                   "NoSuchEntity",
                   "The Service Specific Credential with id " + id + " cannot be found.");
  MustCall("DeleteUser", {{"UserName", "jane"}});
}

TEST_F(ServiceSpecificCredentialsTest, TwoPerUserPerService) {
  const protocol::Value first = Create("codecommit.amazonaws.com");
  EXPECT_EQ(TextAt(first, "ServiceSpecificCredential.ServiceUserName"), "jane-at-123456789012");
  const protocol::Value second = Create("codecommit.amazonaws.com");
  EXPECT_EQ(TextAt(second, "ServiceSpecificCredential.ServiceUserName"), "jane+1-at-123456789012");
  EXPECT_AWS_ERROR(Call("CreateServiceSpecificCredential",
                        {{"UserName", "jane"}, {"ServiceName", "codecommit.amazonaws.com"}}),
                   "LimitExceeded",
                   "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2");
  const protocol::Value keyspaces = Create("cassandra.amazonaws.com");
  EXPECT_EQ(TextAt(keyspaces, "ServiceSpecificCredential.ServiceUserName"), "jane-at-123456789012");
  EXPECT_EQ(SizeAt(MustCall("ListServiceSpecificCredentials", {{"UserName", "jane"}}),
                   "ServiceSpecificCredentials"),
            3U);
  EXPECT_EQ(SizeAt(MustCall("ListServiceSpecificCredentials",
                            {{"UserName", "jane"}, {"ServiceName", "cassandra.amazonaws.com"}}),
                   "ServiceSpecificCredentials"),
            1U);
  // The first name is free again once its credential is gone.
  MustCall("DeleteServiceSpecificCredential",
           {{"UserName", "jane"},
            {"ServiceSpecificCredentialId",
             TextAt(first, "ServiceSpecificCredential.ServiceSpecificCredentialId")}});
  EXPECT_EQ(TextAt(Create("codecommit.amazonaws.com"), "ServiceSpecificCredential.ServiceUserName"),
            "jane-at-123456789012");
}

TEST_F(ServiceSpecificCredentialsTest, UnsupportedServicesAndMissingUsers) {
  EXPECT_AWS_ERROR(Call("CreateServiceSpecificCredential",
                        {{"UserName", "jane"}, {"ServiceName", "s3.amazonaws.com"}}),
                   "NotSupportedService");
  EXPECT_AWS_ERROR(Call("ListServiceSpecificCredentials",
                        {{"UserName", "jane"}, {"ServiceName", "s3.amazonaws.com"}}),
                   "NotSupportedService");
  EXPECT_AWS_ERROR(Call("CreateServiceSpecificCredential",
                        {{"UserName", "nobody"}, {"ServiceName", "codecommit.amazonaws.com"}}),
                   "NoSuchEntity", "The user with name nobody cannot be found.");
  EXPECT_AWS_ERROR(
      Call("CreateServiceSpecificCredential", {{"UserName", "jane"},
                                               {"ServiceName", "codecommit.amazonaws.com"},
                                               {"CredentialAgeDays", "30"}}),
      "InvalidInput");
  EXPECT_AWS_ERROR(
      Call("ResetServiceSpecificCredential",
           {{"UserName", "jane"}, {"ServiceSpecificCredentialId", "ACCAAAAAAAAAAAAAAAAAA"}}),
      "NoSuchEntity");
}

TEST_F(ServiceSpecificCredentialsTest, ApiKeysCarryAliasSecretAndExpiry) {
  const protocol::Value created = MustCall(
      "CreateServiceSpecificCredential",
      {{"UserName", "jane"}, {"ServiceName", "bedrock.amazonaws.com"}, {"CredentialAgeDays", "1"}});
  EXPECT_EQ(TextAt(created, "ServiceSpecificCredential.ServiceCredentialAlias"),
            "jane-at-123456789012");
  const std::string secret = TextAt(created, "ServiceSpecificCredential.ServiceCredentialSecret");
  EXPECT_EQ(secret.rfind("ABSK", 0), 0U);
  EXPECT_EQ(At(created, "ServiceSpecificCredential.ServicePassword"), nullptr);
  EXPECT_EQ(At(created, "ServiceSpecificCredential.ServiceUserName"), nullptr);
  ASSERT_NE(At(created, "ServiceSpecificCredential.ExpirationDate"), nullptr);
  EXPECT_EQ(At(created, "ServiceSpecificCredential.ExpirationDate")->number(),
            (kStartEpochSeconds + 86400) * 1000);

  const protocol::Value logs =
      MustCall("CreateServiceSpecificCredential",
               {{"UserName", "jane"}, {"ServiceName", "logs.amazonaws.com"}});
  EXPECT_EQ(TextAt(logs, "ServiceSpecificCredential.ServiceCredentialSecret").rfind("ACWL", 0), 0U);
  EXPECT_EQ(At(logs, "ServiceSpecificCredential.ExpirationDate"), nullptr);

  clock_.Advance(std::chrono::hours(25));
  const protocol::Value listed =
      MustCall("ListServiceSpecificCredentials",
               {{"UserName", "jane"}, {"ServiceName", "bedrock.amazonaws.com"}});
  EXPECT_EQ(TextAt(listed, "ServiceSpecificCredentials.0.Status"), "Expired");
}

TEST_F(ServiceSpecificCredentialsTest, CallerDefaultsAllUsersAndPaging) {
  MustCall("CreateUser", {{"UserName", "kim"}});
  AllowUser(
      "jane",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)"
      R"("iam:*ServiceSpecificCredential*","Resource":"arn:aws:iam::*:user/${aws:username}"}]})");
  // Without UserName: the caller's own.
  const protocol::Value own =
      MustCallAs(UserCaller("jane"), "CreateServiceSpecificCredential",
                 {{"UserName", "jane"}, {"ServiceName", "codecommit.amazonaws.com"}});
  const std::string id = TextAt(own, "ServiceSpecificCredential.ServiceSpecificCredentialId");
  EXPECT_EQ(SizeAt(MustCallAs(UserCaller("jane"), "ListServiceSpecificCredentials"),
                   "ServiceSpecificCredentials"),
            1U);
  MustCallAs(UserCaller("jane"), "UpdateServiceSpecificCredential",
             {{"ServiceSpecificCredentialId", id}, {"Status", "Inactive"}});
  // Not someone else's.
  EXPECT_AWS_ERROR(CallAs(UserCaller("jane"), "CreateServiceSpecificCredential",
                          {{"UserName", "kim"}, {"ServiceName", "codecommit.amazonaws.com"}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(Call("DeleteServiceSpecificCredential",
                        {{"UserName", "kim"}, {"ServiceSpecificCredentialId", id}}),
                   "NoSuchEntity");

  Create("cassandra.amazonaws.com", "kim");
  Create("codecommit.amazonaws.com", "kim");
  const protocol::Value all = MustCall("ListServiceSpecificCredentials", {{"AllUsers", "true"}});
  EXPECT_EQ(SizeAt(all, "ServiceSpecificCredentials"), 3U);
  EXPECT_AWS_ERROR(
      Call("ListServiceSpecificCredentials", {{"AllUsers", "true"}, {"UserName", "kim"}}),
      "InvalidInput");
  const protocol::Value page1 =
      MustCall("ListServiceSpecificCredentials", {{"AllUsers", "true"}, {"MaxItems", "2"}});
  EXPECT_EQ(SizeAt(page1, "ServiceSpecificCredentials"), 2U);
  ASSERT_TRUE(At(page1, "IsTruncated")->boolean());
  const protocol::Value page2 =
      MustCall("ListServiceSpecificCredentials",
               {{"AllUsers", "true"}, {"MaxItems", "2"}, {"Marker", TextAt(page1, "Marker")}});
  EXPECT_EQ(SizeAt(page2, "ServiceSpecificCredentials"), 1U);
  EXPECT_FALSE(At(page2, "IsTruncated")->boolean());
  // The root user has none of its own.
  EXPECT_EQ(SizeAt(MustCall("ListServiceSpecificCredentials"), "ServiceSpecificCredentials"), 0U);
}

}  // namespace
}  // namespace portcullis::api::iam::testing
