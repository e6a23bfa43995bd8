// Tests of the IAM user operations (users.cc): CreateUser, GetUser, UpdateUser,
// DeleteUser, ListUsers.
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

using UsersTest = IamApiTest;

// The XML the server would send for `op`'s output `out`.
std::string Xml(std::string_view op, const protocol::Value& out) {
  const protocol::Operation* operation = protocol::IamModel().FindOperation(op);
  EXPECT_NE(operation, nullptr) << op;
  if (operation == nullptr) {
    return {};
  }
  return protocol::EncodeQueryResponse(protocol::IamModel(), *operation, out, "req-1");
}

TEST_F(UsersTest, CreateUserReturnsTheUser) {
  clock_.Advance(std::chrono::seconds(10));
  const protocol::Value out = MustCall("CreateUser", {{"UserName", "bob"}});
  EXPECT_EQ(TextAt(out, "User.UserName"), "bob");
  EXPECT_EQ(TextAt(out, "User.Path"), "/");
  EXPECT_EQ(TextAt(out, "User.Arn"), "arn:aws:iam::123456789012:user/bob");
  EXPECT_EQ(TextAt(out, "User.UserId").substr(0, 4), "AIDA");
  EXPECT_EQ(TextAt(out, "User.UserId").size(), 21U);
  ASSERT_NE(At(out, "User.CreateDate"), nullptr);
  EXPECT_EQ(At(out, "User.CreateDate")->number(), (kStartEpochSeconds + 10) * 1000);
  EXPECT_EQ(At(out, "User.Tags"), nullptr);
  EXPECT_EQ(At(out, "User.PermissionsBoundary"), nullptr);
}

TEST_F(UsersTest, CreateUserWithPathAndTags) {
  const protocol::Value out = MustCall("CreateUser", {{"UserName", "alice"},
                                                      {"Path", "/division/team/"},
                                                      {"Tags.member.1.Key", "dept"},
                                                      {"Tags.member.1.Value", "eng"},
                                                      {"Tags.member.2.Key", "cost"},
                                                      {"Tags.member.2.Value", "42"}});
  EXPECT_EQ(TextAt(out, "User.Arn"), "arn:aws:iam::123456789012:user/division/team/alice");
  EXPECT_EQ(TextAt(out, "User.Path"), "/division/team/");
  ASSERT_EQ(SizeAt(out, "User.Tags"), 2U);
  EXPECT_EQ(TextAt(out, "User.Tags.0.Key"), "dept");
  EXPECT_EQ(TextAt(out, "User.Tags.0.Value"), "eng");

  const protocol::Value got = MustCall("GetUser", {{"UserName", "alice"}});
  EXPECT_EQ(TextAt(got, "User.UserId"), TextAt(out, "User.UserId"));
  ASSERT_EQ(SizeAt(got, "User.Tags"), 2U);
  EXPECT_EQ(TextAt(got, "User.Tags.1.Key"), "cost");
  EXPECT_EQ(TextAt(got, "User.Tags.1.Value"), "42");
}

TEST_F(UsersTest, CreateUserRejectsDuplicateTagKeysIgnoringCase) {
  EXPECT_AWS_ERROR(Call("CreateUser", {{"UserName", "bob"},
                                       {"Tags.member.1.Key", "Team"},
                                       {"Tags.member.1.Value", "a"},
                                       {"Tags.member.2.Key", "team"},
                                       {"Tags.member.2.Value", "b"}}),
                   "InvalidInput",
                   "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
  EXPECT_AWS_ERROR(Call("GetUser", {{"UserName", "bob"}}), "NoSuchEntity");
}

TEST_F(UsersTest, CreateUserRejectsReservedTagPrefix) {
  EXPECT_AWS_ERROR(
      Call("CreateUser",
           {{"UserName", "bob"}, {"Tags.member.1.Key", "AWS:team"}, {"Tags.member.1.Value", "a"}}),
      "InvalidInput");
  EXPECT_AWS_ERROR(Call("GetUser", {{"UserName", "bob"}}), "NoSuchEntity");
}

TEST_F(UsersTest, CreateUserDuplicateNameIgnoringCase) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  EXPECT_AWS_ERROR(Call("CreateUser", {{"UserName", "bob"}}), "EntityAlreadyExists",
                   "User with name bob already exists.");
  EXPECT_AWS_ERROR(Call("CreateUser", {{"UserName", "BOB"}, {"Path", "/other/"}}),
                   "EntityAlreadyExists", "User with name BOB already exists.");
}

TEST_F(UsersTest, CreateUserValidationByTheCodec) {
  EXPECT_AWS_ERROR(Call("CreateUser", {}), "ValidationError");
  EXPECT_AWS_ERROR(Call("CreateUser", {{"UserName", "bad name"}}), "ValidationError");
  EXPECT_AWS_ERROR(Call("CreateUser", {{"UserName", std::string(65, 'a')}}), "ValidationError");
  EXPECT_AWS_ERROR(Call("CreateUser", {{"UserName", "bob"}, {"Path", "nopath"}}),
                   "ValidationError");
}

TEST_F(UsersTest, CreateUserWithPermissionsBoundary) {
  const std::string boundary = PutManagedPolicyInStore("Boundary", AllowDocument("s3:*"));
  const protocol::Value out =
      MustCall("CreateUser", {{"UserName", "bob"}, {"PermissionsBoundary", boundary}});
  EXPECT_EQ(TextAt(out, "User.PermissionsBoundary.PermissionsBoundaryArn"), boundary);
  EXPECT_EQ(TextAt(out, "User.PermissionsBoundary.PermissionsBoundaryType"), "PermissionsBoundaryPolicy");
  const protocol::Value got = MustCall("GetUser", {{"UserName", "bob"}});
  EXPECT_EQ(TextAt(got, "User.PermissionsBoundary.PermissionsBoundaryArn"), boundary);
}

TEST_F(UsersTest, CreateUserWithMissingPermissionsBoundary) {
  const std::string missing = "arn:aws:iam::123456789012:policy/Nope";
  EXPECT_AWS_ERROR(Call("CreateUser", {{"UserName", "bob"}, {"PermissionsBoundary", missing}}),
                   "NoSuchEntity",
                   "Scope ARN: " + missing + " does not exist or is not attachable.");
  EXPECT_AWS_ERROR(Call("GetUser", {{"UserName", "bob"}}), "NoSuchEntity");
}

TEST_F(UsersTest, CreateUserQuota) {
  WriteStore([&](store::WriteTxn& txn) -> Status {
    for (int i = 0; i < 4999; ++i) {
      store::User user;
      user.account_id = std::string(kAccountId);
      user.name = "u" + std::to_string(i);
      user.id = NewUniqueId(kUserIdPrefix);
      user.arn = "arn:aws:iam::123456789012:user/" + user.name;
      IAM_RETURN_IF_ERROR(txn.PutUser(std::move(user)));
    }
    return OkStatus();
  });
  MustCall("CreateUser", {{"UserName", "last"}});
  EXPECT_AWS_ERROR(Call("CreateUser", {{"UserName", "onemore"}}), "LimitExceeded",
                   "Cannot exceed quota for UsersPerAccount: 5000");
}

TEST_F(UsersTest, GetUserMissing) {
  EXPECT_AWS_ERROR(Call("GetUser", {{"UserName", "nobody"}}), "NoSuchEntity",
                   "The user with name nobody cannot be found.");
}

TEST_F(UsersTest, GetUserIgnoresCase) {
  MustCall("CreateUser", {{"UserName", "Bob"}});
  const protocol::Value got = MustCall("GetUser", {{"UserName", "bob"}});
  EXPECT_EQ(TextAt(got, "User.UserName"), "Bob");
}

TEST_F(UsersTest, GetUserWithoutNameAsRoot) {
  const protocol::Value got = MustCall("GetUser");
  EXPECT_EQ(TextAt(got, "User.UserId"), kAccountId);
  EXPECT_EQ(TextAt(got, "User.Arn"), "arn:aws:iam::123456789012:root");
  EXPECT_EQ(At(got, "User.UserName"), nullptr);
  ASSERT_NE(At(got, "User.CreateDate"), nullptr);
  EXPECT_EQ(At(got, "User.CreateDate")->number(), kStartEpochSeconds * 1000);
}

TEST_F(UsersTest, GetUserWithoutNameAsUser) {
  MustCall("CreateUser", {{"UserName", "bob"}, {"Path", "/p/"}});
  AllowUser("bob", AllowDocument("iam:GetUser", "arn:aws:iam::123456789012:user/p/bob"));
  const protocol::Value got = MustCallAs(UserCaller("bob"), "GetUser");
  EXPECT_EQ(TextAt(got, "User.UserName"), "bob");
  EXPECT_EQ(TextAt(got, "User.Arn"), "arn:aws:iam::123456789012:user/p/bob");
}

TEST_F(UsersTest, UserWithoutPolicyIsDenied) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateUser", {{"UserName", "carol"}, {"Path", "/x/"}});
  const auth::Caller bob = UserCaller("bob");
  EXPECT_AWS_ERROR(CallAs(bob, "GetUser"), "AccessDenied",
                   "~on resource: arn:aws:iam::123456789012:user/bob");
  EXPECT_AWS_ERROR(CallAs(bob, "CreateUser", {{"UserName", "eve"}, {"Path", "/y/"}}),
                   "AccessDenied",
                   "~iam:CreateUser on resource: arn:aws:iam::123456789012:user/y/eve");
  EXPECT_AWS_ERROR(CallAs(bob, "ListUsers"), "AccessDenied",
                   "~on resource: arn:aws:iam::123456789012:user/ ");
  EXPECT_AWS_ERROR(CallAs(bob, "DeleteUser", {{"UserName", "carol"}}), "AccessDenied",
                   "~on resource: arn:aws:iam::123456789012:user/x/carol");
  EXPECT_AWS_ERROR(CallAs(bob, "UpdateUser", {{"UserName", "carol"}, {"NewUserName", "c2"}}),
                   "AccessDenied");
  // A missing user is named with the default path, so a denied caller learns nothing.
  EXPECT_AWS_ERROR(CallAs(bob, "DeleteUser", {{"UserName", "ghost"}}), "AccessDenied",
                   "~on resource: arn:aws:iam::123456789012:user/ghost");
  // Nothing changed.
  MustCall("GetUser", {{"UserName", "carol"}});
  EXPECT_AWS_ERROR(Call("GetUser", {{"UserName", "eve"}}), "NoSuchEntity");
}

TEST_F(UsersTest, CreateUserWithTagsNeedsTagUser) {
  MustCall("CreateUser", {{"UserName", "admin"}});
  AllowUser("admin", AllowDocument("iam:CreateUser"));
  const auth::Caller admin = UserCaller("admin");
  MustCallAs(admin, "CreateUser", {{"UserName", "plain"}});
  EXPECT_AWS_ERROR(
      CallAs(admin, "CreateUser",
             {{"UserName", "tagged"}, {"Tags.member.1.Key", "k"}, {"Tags.member.1.Value", "v"}}),
      "AccessDenied", "~iam:TagUser");
  AllowUser("admin", AllowDocument("iam:TagUser"), "tag");
  MustCallAs(admin, "CreateUser",
             {{"UserName", "tagged"}, {"Tags.member.1.Key", "k"}, {"Tags.member.1.Value", "v"}});
}

TEST_F(UsersTest, UserWithPolicyIsAllowed) {
  MustCall("CreateUser", {{"UserName", "admin"}});
  AllowUser("admin", AllowDocument("iam:*"));
  const auth::Caller admin = UserCaller("admin");
  MustCallAs(admin, "CreateUser", {{"UserName", "bob"}});
  const protocol::Value list = MustCallAs(admin, "ListUsers");
  EXPECT_EQ(SizeAt(list, "Users"), 2U);
  MustCallAs(admin, "DeleteUser", {{"UserName", "bob"}});
}

TEST_F(UsersTest, UpdateUserRenameKeepsId) {
  const protocol::Value created = MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("UpdateUser", {{"UserName", "bob"}, {"NewUserName", "robert"}, {"NewPath", "/new/"}});
  EXPECT_AWS_ERROR(Call("GetUser", {{"UserName", "bob"}}), "NoSuchEntity");
  const protocol::Value got = MustCall("GetUser", {{"UserName", "robert"}});
  EXPECT_EQ(TextAt(got, "User.UserId"), TextAt(created, "User.UserId"));
  EXPECT_EQ(TextAt(got, "User.Path"), "/new/");
  EXPECT_EQ(TextAt(got, "User.Arn"), "arn:aws:iam::123456789012:user/new/robert");
  EXPECT_EQ(At(got, "User.CreateDate")->number(), At(created, "User.CreateDate")->number());
}

TEST_F(UsersTest, UpdateUserPathOnlyAndNoChange) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("UpdateUser", {{"UserName", "bob"}, {"NewPath", "/a/"}});
  EXPECT_EQ(TextAt(MustCall("GetUser", {{"UserName", "bob"}}), "User.Arn"),
            "arn:aws:iam::123456789012:user/a/bob");
  MustCall("UpdateUser", {{"UserName", "bob"}});
  EXPECT_EQ(TextAt(MustCall("GetUser", {{"UserName", "bob"}}), "User.Path"), "/a/");
}

TEST_F(UsersTest, UpdateUserKeepsMembershipsKeysAndPolicies) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  MustCall("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "bob"}});
  MustCall("CreateAccessKey", {{"UserName", "bob"}});
  MustCall("PutUserPolicy", {{"UserName", "bob"},
                             {"PolicyName", "p"},
                             {"PolicyDocument", AllowDocument("s3:GetObject")}});
  MustCall("UpdateUser", {{"UserName", "bob"}, {"NewUserName", "robert"}});
  EXPECT_EQ(SizeAt(MustCall("ListGroupsForUser", {{"UserName", "robert"}}), "Groups"), 1U);
  const protocol::Value keys = MustCall("ListAccessKeys", {{"UserName", "robert"}});
  ASSERT_EQ(SizeAt(keys, "AccessKeyMetadata"), 1U);
  EXPECT_EQ(TextAt(keys, "AccessKeyMetadata.0.UserName"), "robert");
  EXPECT_EQ(SizeAt(MustCall("ListUserPolicies", {{"UserName", "robert"}}), "PolicyNames"), 1U);
}

TEST_F(UsersTest, UpdateUserErrors) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateUser", {{"UserName", "alice"}});
  EXPECT_AWS_ERROR(Call("UpdateUser", {{"UserName", "nobody"}, {"NewUserName", "x"}}),
                   "NoSuchEntity", "The user with name nobody cannot be found.");
  EXPECT_AWS_ERROR(Call("UpdateUser", {{"UserName", "bob"}, {"NewUserName", "Alice"}}),
                   "EntityAlreadyExists", "User with name Alice already exists.");
  // Changing only the case of the name is a rename to itself.
  MustCall("UpdateUser", {{"UserName", "bob"}, {"NewUserName", "Bob"}});
  EXPECT_EQ(TextAt(MustCall("GetUser", {{"UserName", "bob"}}), "User.UserName"), "Bob");
}

TEST_F(UsersTest, UpdateUserNeedsPermissionOnBothNames) {
  MustCall("CreateUser", {{"UserName", "admin"}});
  MustCall("CreateUser", {{"UserName", "bob"}});
  AllowUser("admin", AllowDocument("iam:UpdateUser", "arn:aws:iam::123456789012:user/bob"));
  EXPECT_AWS_ERROR(
      CallAs(UserCaller("admin"), "UpdateUser", {{"UserName", "bob"}, {"NewUserName", "robert"}}),
      "AccessDenied", "~arn:aws:iam::123456789012:user/robert");
  MustCall("GetUser", {{"UserName", "bob"}});
}

TEST_F(UsersTest, DeleteUser) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("DeleteUser", {{"UserName", "bob"}});
  EXPECT_AWS_ERROR(Call("GetUser", {{"UserName", "bob"}}), "NoSuchEntity");
  EXPECT_AWS_ERROR(Call("DeleteUser", {{"UserName", "bob"}}), "NoSuchEntity",
                   "The user with name bob cannot be found.");
}

TEST_F(UsersTest, DeleteUserConflicts) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const protocol::Value key = MustCall("CreateAccessKey", {{"UserName", "bob"}});
  EXPECT_AWS_ERROR(Call("DeleteUser", {{"UserName", "bob"}}), "DeleteConflict",
                   "Cannot delete entity, must delete access keys first.");
  MustCall("DeleteAccessKey",
           {{"UserName", "bob"}, {"AccessKeyId", TextAt(key, "AccessKey.AccessKeyId")}});

  MustCall("PutUserPolicy", {{"UserName", "bob"},
                             {"PolicyName", "p"},
                             {"PolicyDocument", AllowDocument("s3:GetObject")}});
  EXPECT_AWS_ERROR(Call("DeleteUser", {{"UserName", "bob"}}), "DeleteConflict",
                   "Cannot delete entity, must delete policies first.");
  MustCall("DeleteUserPolicy", {{"UserName", "bob"}, {"PolicyName", "p"}});

  const std::string arn = PutManagedPolicyInStore("Managed", AllowDocument("s3:*"));
  WriteStore([&](store::WriteTxn& txn) -> Status {
    return txn.AttachPolicy({store::PrincipalKind::kUser, std::string(kAccountId), "bob"}, arn);
  });
  EXPECT_AWS_ERROR(Call("DeleteUser", {{"UserName", "bob"}}), "DeleteConflict",
                   "Cannot delete entity, must detach all policies first.");
  WriteStore([&](store::WriteTxn& txn) -> Status {
    return txn.DetachPolicy({store::PrincipalKind::kUser, std::string(kAccountId), "bob"}, arn);
  });

  MustCall("CreateGroup", {{"GroupName", "devs"}});
  MustCall("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "bob"}});
  EXPECT_AWS_ERROR(Call("DeleteUser", {{"UserName", "bob"}}), "DeleteConflict",
                   "Cannot delete entity, must remove users from group first.");
  MustCall("RemoveUserFromGroup", {{"GroupName", "devs"}, {"UserName", "bob"}});

  MustCall("DeleteUser", {{"UserName", "bob"}});
}

TEST_F(UsersTest, ListUsersPagesAndFilters) {
  MustCall("CreateUser", {{"UserName", "carol"}, {"Path", "/eng/"}});
  MustCall("CreateUser", {{"UserName", "alice"}, {"Path", "/eng/web/"}});
  MustCall("CreateUser",
           {{"UserName", "Bob"}, {"Tags.member.1.Key", "k"}, {"Tags.member.1.Value", "v"}});
  const protocol::Value all = MustCall("ListUsers");
  ASSERT_EQ(SizeAt(all, "Users"), 3U);
  EXPECT_EQ(TextAt(all, "Users.0.UserName"), "alice");
  EXPECT_EQ(TextAt(all, "Users.1.UserName"), "Bob");
  EXPECT_EQ(TextAt(all, "Users.2.UserName"), "carol");
  // AWS: listings do not return tags or permissions boundaries.
  EXPECT_EQ(At(all, "Users.1.Tags"), nullptr);
  ASSERT_NE(At(all, "IsTruncated"), nullptr);
  EXPECT_FALSE(At(all, "IsTruncated")->boolean());
  EXPECT_EQ(At(all, "Marker"), nullptr);

  const protocol::Value page1 = MustCall("ListUsers", {{"MaxItems", "2"}});
  ASSERT_EQ(SizeAt(page1, "Users"), 2U);
  EXPECT_TRUE(At(page1, "IsTruncated")->boolean());
  const std::string marker = TextAt(page1, "Marker");
  const protocol::Value page2 = MustCall("ListUsers", {{"MaxItems", "2"}, {"Marker", marker}});
  ASSERT_EQ(SizeAt(page2, "Users"), 1U);
  EXPECT_EQ(TextAt(page2, "Users.0.UserName"), "carol");
  EXPECT_FALSE(At(page2, "IsTruncated")->boolean());

  const protocol::Value eng = MustCall("ListUsers", {{"PathPrefix", "/eng/"}});
  ASSERT_EQ(SizeAt(eng, "Users"), 2U);
  const protocol::Value web = MustCall("ListUsers", {{"PathPrefix", "/eng/web/"}});
  ASSERT_EQ(SizeAt(web, "Users"), 1U);
  EXPECT_EQ(TextAt(web, "Users.0.UserName"), "alice");
}

TEST_F(UsersTest, ListUsersEmptyAndBadMaxItems) {
  const protocol::Value none = MustCall("ListUsers");
  ASSERT_NE(At(none, "Users"), nullptr);
  EXPECT_EQ(SizeAt(none, "Users"), 0U);
  EXPECT_AWS_ERROR(Call("ListUsers", {{"MaxItems", "0"}}), "ValidationError");
}

TEST_F(UsersTest, ListUsersPathPrefixAuthorization) {
  MustCall("CreateUser", {{"UserName", "lister"}});
  AllowUser("lister", AllowDocument("iam:ListUsers", "arn:aws:iam::123456789012:user/eng/*"));
  const auth::Caller lister = UserCaller("lister");
  MustCallAs(lister, "ListUsers", {{"PathPrefix", "/eng/"}});
  EXPECT_AWS_ERROR(CallAs(lister, "ListUsers"), "AccessDenied");
}

TEST_F(UsersTest, NamesAreScopedToTheAccount) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  accounts::CreateAccountOptions options;
  options.account_id = std::string(kOtherAccountId);
  ASSERT_TRUE(accounts::CreateAccount(store(), box_, options).has_value());
  const auth::Caller other_root = RootOf(kOtherAccountId);
  EXPECT_AWS_ERROR(CallAs(other_root, "GetUser", {{"UserName", "bob"}}), "NoSuchEntity");
  const protocol::Value created = MustCallAs(other_root, "CreateUser", {{"UserName", "bob"}});
  EXPECT_EQ(TextAt(created, "User.Arn"), "arn:aws:iam::210987654321:user/bob");
  EXPECT_EQ(SizeAt(MustCallAs(other_root, "ListUsers"), "Users"), 1U);
}

TEST_F(UsersTest, OutputsEncodeWithTheModelsMemberNames) {
  const protocol::Value created =
      MustCall("CreateUser",
               {{"UserName", "bob"}, {"Tags.member.1.Key", "k"}, {"Tags.member.1.Value", "v"}});
  const std::string create_xml = Xml("CreateUser", created);
  EXPECT_NE(create_xml.find("<CreateUserResult><User>"), std::string::npos) << create_xml;
  EXPECT_NE(create_xml.find("<UserName>bob</UserName>"), std::string::npos) << create_xml;
  EXPECT_NE(create_xml.find("<Arn>arn:aws:iam::123456789012:user/bob</Arn>"), std::string::npos);
  EXPECT_NE(create_xml.find("<Tags><member><Key>k</Key><Value>v</Value></member></Tags>"),
            std::string::npos)
      << create_xml;
  const std::string list_xml = Xml("ListUsers", MustCall("ListUsers"));
  EXPECT_NE(list_xml.find("<Users><member><Path>/</Path><UserName>bob</UserName>"),
            std::string::npos)
      << list_xml;
  EXPECT_NE(list_xml.find("<IsTruncated>false</IsTruncated>"), std::string::npos) << list_xml;
  const std::string root_xml = Xml("GetUser", MustCall("GetUser"));
  EXPECT_NE(root_xml.find("<UserId>123456789012</UserId>"), std::string::npos) << root_xml;
  EXPECT_NE(root_xml.find("<Arn>arn:aws:iam::123456789012:root</Arn>"), std::string::npos);
}

}  // namespace
}  // namespace portcullis::api::iam::testing
