// Tests of the IAM access-key operations (access_keys.cc): CreateAccessKey,
// UpdateAccessKey, DeleteAccessKey, ListAccessKeys, GetAccessKeyLastUsed.
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

// The XML the server would send for `op`'s output `out`.
std::string Xml(std::string_view op, const protocol::Value& out) {
  const protocol::Operation* operation = protocol::IamModel().FindOperation(op);
  EXPECT_NE(operation, nullptr) << op;
  if (operation == nullptr) {
    return {};
  }
  return protocol::EncodeQueryResponse(protocol::IamModel(), *operation, out, "req-1");
}

class AccessKeysTest : public IamApiTest {
 protected:
  store::AccessKey StoredKey(const std::string& key_id) {
    auto txn = store().BeginRead();
    EXPECT_TRUE(txn.has_value());
    auto key = (*txn)->GetAccessKey(key_id);
    EXPECT_TRUE(key.has_value()) << key_id;
    return key.has_value() ? *key : store::AccessKey{};
  }
};

TEST_F(AccessKeysTest, CreateAccessKeyReturnsTheSecretOnceAndSealsIt) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const protocol::Value out = MustCall("CreateAccessKey", {{"UserName", "bob"}});
  const std::string id = TextAt(out, "AccessKey.AccessKeyId");
  const std::string secret = TextAt(out, "AccessKey.SecretAccessKey");
  EXPECT_EQ(TextAt(out, "AccessKey.UserName"), "bob");
  EXPECT_EQ(TextAt(out, "AccessKey.Status"), "Active");
  EXPECT_EQ(id.size(), 20U);
  EXPECT_EQ(id.substr(0, 4), "AKIA");
  EXPECT_EQ(secret.size(), 40U);
  ASSERT_NE(At(out, "AccessKey.CreateDate"), nullptr);

  const store::AccessKey stored = StoredKey(id);
  EXPECT_EQ(stored.user_name, "bob");
  const std::string sealed(stored.sealed_secret.begin(), stored.sealed_secret.end());
  EXPECT_EQ(sealed.find(secret), std::string::npos);
  auto opened = box_.Open(stored.sealed_secret, id);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, secret);

  // Listing never shows the secret.
  const protocol::Value list = MustCall("ListAccessKeys", {{"UserName", "bob"}});
  ASSERT_EQ(SizeAt(list, "AccessKeyMetadata"), 1U);
  EXPECT_EQ(TextAt(list, "AccessKeyMetadata.0.AccessKeyId"), id);
  EXPECT_EQ(At(list, "AccessKeyMetadata.0.SecretAccessKey"), nullptr);
  EXPECT_EQ(list.DebugString().find(secret), std::string::npos);
}

TEST_F(AccessKeysTest, QuotaIsTwoKeysPerUser) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateAccessKey", {{"UserName", "bob"}});
  const protocol::Value second = MustCall("CreateAccessKey", {{"UserName", "bob"}});
  EXPECT_AWS_ERROR(Call("CreateAccessKey", {{"UserName", "bob"}}), "LimitExceeded",
                   "Cannot exceed quota for AccessKeysPerUser: 2");
  // An inactive key still counts; a deleted one does not.
  MustCall("UpdateAccessKey", {{"UserName", "bob"},
                               {"AccessKeyId", TextAt(second, "AccessKey.AccessKeyId")},
                               {"Status", "Inactive"}});
  EXPECT_AWS_ERROR(Call("CreateAccessKey", {{"UserName", "bob"}}), "LimitExceeded");
  MustCall("DeleteAccessKey",
           {{"UserName", "bob"}, {"AccessKeyId", TextAt(second, "AccessKey.AccessKeyId")}});
  MustCall("CreateAccessKey", {{"UserName", "bob"}});
}

TEST_F(AccessKeysTest, CreateAccessKeyForMissingUser) {
  EXPECT_AWS_ERROR(Call("CreateAccessKey", {{"UserName", "nobody"}}), "NoSuchEntity",
                   "The user with name nobody cannot be found.");
  EXPECT_AWS_ERROR(Call("ListAccessKeys", {{"UserName", "nobody"}}), "NoSuchEntity",
                   "The user with name nobody cannot be found.");
}

TEST_F(AccessKeysTest, RootKeysWithoutUserName) {
  // The fixture's account already has one root key (CreateAccount).
  const protocol::Value before = MustCall("ListAccessKeys");
  ASSERT_EQ(SizeAt(before, "AccessKeyMetadata"), 1U);
  EXPECT_EQ(TextAt(before, "AccessKeyMetadata.0.AccessKeyId"), root_credentials_.access_key_id);
  EXPECT_EQ(At(before, "AccessKeyMetadata.0.UserName"), nullptr);

  const protocol::Value created = MustCall("CreateAccessKey");
  EXPECT_EQ(At(created, "AccessKey.UserName"), nullptr);
  const std::string id = TextAt(created, "AccessKey.AccessKeyId");
  EXPECT_TRUE(StoredKey(id).user_name.empty());
  EXPECT_EQ(SizeAt(MustCall("ListAccessKeys"), "AccessKeyMetadata"), 2U);
  EXPECT_AWS_ERROR(Call("CreateAccessKey"), "LimitExceeded",
                   "Cannot exceed quota for AccessKeysPerUser: 2");
  MustCall("UpdateAccessKey", {{"AccessKeyId", id}, {"Status", "Inactive"}});
  MustCall("DeleteAccessKey", {{"AccessKeyId", id}});
  EXPECT_EQ(SizeAt(MustCall("ListAccessKeys"), "AccessKeyMetadata"), 1U);
}

TEST_F(AccessKeysTest, UserManagesOwnKeysWithoutUserName) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  AllowUser("bob", AllowDocument("iam:*AccessKey*", "arn:aws:iam::123456789012:user/bob"));
  const auth::Caller bob = UserCaller("bob");
  const protocol::Value created = MustCallAs(bob, "CreateAccessKey");
  EXPECT_EQ(TextAt(created, "AccessKey.UserName"), "bob");
  const std::string id = TextAt(created, "AccessKey.AccessKeyId");
  const protocol::Value list = MustCallAs(bob, "ListAccessKeys");
  ASSERT_EQ(SizeAt(list, "AccessKeyMetadata"), 1U);
  EXPECT_EQ(TextAt(list, "AccessKeyMetadata.0.UserName"), "bob");
  MustCallAs(bob, "UpdateAccessKey", {{"AccessKeyId", id}, {"Status", "Inactive"}});
  EXPECT_EQ(TextAt(MustCallAs(bob, "ListAccessKeys"), "AccessKeyMetadata.0.Status"), "Inactive");
  // Root keys are not bob's.
  EXPECT_AWS_ERROR(
      CallAs(bob, "DeleteAccessKey", {{"AccessKeyId", root_credentials_.access_key_id}}),
      "NoSuchEntity",
      "The Access Key with id " + root_credentials_.access_key_id + " cannot be found.");
  MustCallAs(bob, "DeleteAccessKey", {{"AccessKeyId", id}});
  EXPECT_EQ(SizeAt(MustCallAs(bob, "ListAccessKeys"), "AccessKeyMetadata"), 0U);
}

TEST_F(AccessKeysTest, AnotherUsersKeyIsNotFound) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateUser", {{"UserName", "alice"}});
  const std::string id =
      TextAt(MustCall("CreateAccessKey", {{"UserName", "bob"}}), "AccessKey.AccessKeyId");
  const std::string message = "The Access Key with id " + id + " cannot be found.";
  EXPECT_AWS_ERROR(
      Call("UpdateAccessKey", {{"UserName", "alice"}, {"AccessKeyId", id}, {"Status", "Inactive"}}),
      "NoSuchEntity", message);
  EXPECT_AWS_ERROR(Call("DeleteAccessKey", {{"UserName", "alice"}, {"AccessKeyId", id}}),
                   "NoSuchEntity", message);
  // Without UserName, root works on the root keys: bob's key is not one of them.
  EXPECT_AWS_ERROR(Call("DeleteAccessKey", {{"AccessKeyId", id}}), "NoSuchEntity", message);
  EXPECT_EQ(TextAt(MustCall("ListAccessKeys", {{"UserName", "bob"}}), "AccessKeyMetadata.0.Status"),
            "Active");
}

TEST_F(AccessKeysTest, MissingKey) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const std::string id = "AKIAAAAAAAAAAAAAAAAA";
  EXPECT_AWS_ERROR(
      Call("UpdateAccessKey", {{"UserName", "bob"}, {"AccessKeyId", id}, {"Status", "Active"}}),
      "NoSuchEntity", "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.");
  EXPECT_AWS_ERROR(Call("DeleteAccessKey", {{"UserName", "bob"}, {"AccessKeyId", id}}),
                   "NoSuchEntity", "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.");
  EXPECT_AWS_ERROR(Call("GetAccessKeyLastUsed", {{"AccessKeyId", id}}), "NoSuchEntity",
                   "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.");
  EXPECT_AWS_ERROR(
      Call("UpdateAccessKey", {{"UserName", "nobody"}, {"AccessKeyId", id}, {"Status", "Active"}}),
      "NoSuchEntity", "The user with name nobody cannot be found.");
}

TEST_F(AccessKeysTest, StatusIsValidatedByTheCodec) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const std::string id =
      TextAt(MustCall("CreateAccessKey", {{"UserName", "bob"}}), "AccessKey.AccessKeyId");
  EXPECT_AWS_ERROR(
      Call("UpdateAccessKey", {{"UserName", "bob"}, {"AccessKeyId", id}, {"Status", "Paused"}}),
      "ValidationError");
  EXPECT_AWS_ERROR(Call("UpdateAccessKey", {{"UserName", "bob"}, {"AccessKeyId", id}}),
                   "ValidationError");
  MustCall("UpdateAccessKey", {{"UserName", "bob"}, {"AccessKeyId", id}, {"Status", "Inactive"}});
  EXPECT_EQ(StoredKey(id).status, store::AccessKeyStatus::kInactive);
  MustCall("UpdateAccessKey", {{"UserName", "bob"}, {"AccessKeyId", id}, {"Status", "Active"}});
  EXPECT_EQ(StoredKey(id).status, store::AccessKeyStatus::kActive);
}

TEST_F(AccessKeysTest, ListAccessKeysPages) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateAccessKey", {{"UserName", "bob"}});
  MustCall("CreateAccessKey", {{"UserName", "bob"}});
  const protocol::Value page1 =
      MustCall("ListAccessKeys", {{"UserName", "bob"}, {"MaxItems", "1"}});
  ASSERT_EQ(SizeAt(page1, "AccessKeyMetadata"), 1U);
  ASSERT_TRUE(At(page1, "IsTruncated")->boolean());
  const protocol::Value page2 =
      MustCall("ListAccessKeys", {{"UserName", "bob"}, {"Marker", TextAt(page1, "Marker")}});
  ASSERT_EQ(SizeAt(page2, "AccessKeyMetadata"), 1U);
  EXPECT_NE(TextAt(page1, "AccessKeyMetadata.0.AccessKeyId"),
            TextAt(page2, "AccessKeyMetadata.0.AccessKeyId"));
  EXPECT_FALSE(At(page2, "IsTruncated")->boolean());
}

TEST_F(AccessKeysTest, GetAccessKeyLastUsed) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const std::string id =
      TextAt(MustCall("CreateAccessKey", {{"UserName", "bob"}}), "AccessKey.AccessKeyId");
  const protocol::Value never = MustCall("GetAccessKeyLastUsed", {{"AccessKeyId", id}});
  EXPECT_EQ(TextAt(never, "UserName"), "bob");
  EXPECT_EQ(TextAt(never, "AccessKeyLastUsed.ServiceName"), "N/A");
  EXPECT_EQ(TextAt(never, "AccessKeyLastUsed.Region"), "N/A");
  EXPECT_EQ(At(never, "AccessKeyLastUsed.LastUsedDate"), nullptr);

  const store::Timestamp when{std::chrono::milliseconds((kStartEpochSeconds + 60) * 1000)};
  WriteStore([&](store::WriteTxn& txn) -> Status {
    return txn.RecordAccessKeyUse(id, when, "s3", "eu-west-1");
  });
  const protocol::Value used = MustCall("GetAccessKeyLastUsed", {{"AccessKeyId", id}});
  EXPECT_EQ(TextAt(used, "AccessKeyLastUsed.ServiceName"), "s3");
  EXPECT_EQ(TextAt(used, "AccessKeyLastUsed.Region"), "eu-west-1");
  ASSERT_NE(At(used, "AccessKeyLastUsed.LastUsedDate"), nullptr);
  EXPECT_EQ(At(used, "AccessKeyLastUsed.LastUsedDate")->number(), (kStartEpochSeconds + 60) * 1000);

  const protocol::Value root =
      MustCall("GetAccessKeyLastUsed", {{"AccessKeyId", root_credentials_.access_key_id}});
  EXPECT_EQ(At(root, "UserName"), nullptr);
  EXPECT_EQ(TextAt(root, "AccessKeyLastUsed.ServiceName"), "N/A");
}

TEST_F(AccessKeysTest, OtherAccountsKeysAreNotFound) {
  accounts::CreateAccountOptions options;
  options.account_id = std::string(kOtherAccountId);
  auto other = accounts::CreateAccount(store(), box_, options);
  ASSERT_TRUE(other.has_value());
  const std::string message =
      "The Access Key with id " + other->access_key_id + " cannot be found.";
  EXPECT_AWS_ERROR(Call("GetAccessKeyLastUsed", {{"AccessKeyId", other->access_key_id}}),
                   "NoSuchEntity", message);
  EXPECT_AWS_ERROR(Call("DeleteAccessKey", {{"AccessKeyId", other->access_key_id}}), "NoSuchEntity",
                   message);
}

TEST_F(AccessKeysTest, AccessDenied) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateUser", {{"UserName", "alice"}, {"Path", "/p/"}});
  const std::string id =
      TextAt(MustCall("CreateAccessKey", {{"UserName", "alice"}}), "AccessKey.AccessKeyId");
  const auth::Caller bob = UserCaller("bob");
  EXPECT_AWS_ERROR(CallAs(bob, "CreateAccessKey"), "AccessDenied",
                   "~iam:CreateAccessKey on resource: arn:aws:iam::123456789012:user/bob");
  EXPECT_AWS_ERROR(CallAs(bob, "CreateAccessKey", {{"UserName", "alice"}}), "AccessDenied",
                   "~on resource: arn:aws:iam::123456789012:user/p/alice");
  EXPECT_AWS_ERROR(CallAs(bob, "ListAccessKeys", {{"UserName", "alice"}}), "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "UpdateAccessKey",
                          {{"UserName", "alice"}, {"AccessKeyId", id}, {"Status", "Inactive"}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "DeleteAccessKey", {{"UserName", "alice"}, {"AccessKeyId", id}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "GetAccessKeyLastUsed", {{"AccessKeyId", id}}), "AccessDenied",
                   "~on resource: arn:aws:iam::123456789012:user/p/alice");
  // A key that does not exist is denied too, not reported missing.
  EXPECT_AWS_ERROR(CallAs(bob, "GetAccessKeyLastUsed", {{"AccessKeyId", "AKIAAAAAAAAAAAAAAAAA"}}),
                   "AccessDenied");
  EXPECT_EQ(SizeAt(MustCall("ListAccessKeys", {{"UserName", "alice"}}), "AccessKeyMetadata"), 1U);
}

TEST_F(AccessKeysTest, OutputsEncodeWithTheModelsMemberNames) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const protocol::Value created = MustCall("CreateAccessKey", {{"UserName", "bob"}});
  const std::string id = TextAt(created, "AccessKey.AccessKeyId");
  const std::string create_xml = Xml("CreateAccessKey", created);
  EXPECT_NE(create_xml.find("<AccessKeyId>" + id + "</AccessKeyId>"), std::string::npos);
  EXPECT_NE(create_xml.find("<SecretAccessKey>"), std::string::npos);
  EXPECT_NE(create_xml.find("<Status>Active</Status>"), std::string::npos);
  const std::string list_xml =
      Xml("ListAccessKeys", MustCall("ListAccessKeys", {{"UserName", "bob"}}));
  EXPECT_NE(list_xml.find("<AccessKeyMetadata><member><UserName>bob</UserName><AccessKeyId>" + id +
                          "</AccessKeyId>"),
            std::string::npos)
      << list_xml;
  EXPECT_EQ(list_xml.find("SecretAccessKey"), std::string::npos);
  const std::string last_xml =
      Xml("GetAccessKeyLastUsed", MustCall("GetAccessKeyLastUsed", {{"AccessKeyId", id}}));
  EXPECT_NE(last_xml.find("<UserName>bob</UserName>"), std::string::npos) << last_xml;
  EXPECT_NE(last_xml.find("<ServiceName>N/A</ServiceName>"), std::string::npos) << last_xml;
  EXPECT_NE(last_xml.find("<Region>N/A</Region>"), std::string::npos) << last_xml;
}

}  // namespace
}  // namespace portcullis::api::iam::testing
