// Tests of the managed policy attachment operations (attachments.cc).
#include <gtest/gtest.h>
#include <string>

#include "api/iam/aws_managed_policies.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

constexpr std::string_view kDoc =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})";
constexpr std::string_view kReadOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess";

class AttachmentsTest : public IamApiTest {
 protected:
  std::string Arn(std::string_view name) {
    return "arn:aws:iam::" + std::string(kAccountId) + ":policy/" + std::string(name);
  }

  void Seed() {
    WriteStore([](store::WriteTxn& txn) { return SeedAwsManagedPolicies(txn); });
  }

  void PutUser(const std::string& name, const std::string& path = "/",
               const std::string& boundary = "") {
    WriteStore([&](store::WriteTxn& txn) -> Status {
      store::User user;
      user.account_id = std::string(kAccountId);
      user.name = name;
      user.path = path;
      user.id = NewUniqueId(kUserIdPrefix);
      user.arn = "arn:aws:iam::" + std::string(kAccountId) + ":user" + path + name;
      user.permissions_boundary_arn = boundary;
      return txn.PutUser(user).transform([](const store::User&) {});
    });
  }

  void PutGroup(const std::string& name) {
    WriteStore([&](store::WriteTxn& txn) -> Status {
      store::Group group;
      group.account_id = std::string(kAccountId);
      group.name = name;
      group.id = NewUniqueId(kGroupIdPrefix);
      group.arn = "arn:aws:iam::" + std::string(kAccountId) + ":group/" + name;
      return txn.PutGroup(group).transform([](const store::Group&) {});
    });
  }

  void PutRole(const std::string& name) {
    WriteStore([&](store::WriteTxn& txn) -> Status {
      store::Role role;
      role.account_id = std::string(kAccountId);
      role.name = name;
      role.id = NewUniqueId(kRoleIdPrefix);
      role.arn = "arn:aws:iam::" + std::string(kAccountId) + ":role/" + name;
      role.assume_role_policy_document =
          R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
      return txn.PutRole(role).transform([](const store::Role&) {});
    });
  }
};

TEST_F(AttachmentsTest, AttachListDetachForUsersGroupsAndRoles) {
  const std::string arn = PutManagedPolicyInStore("Readers", kDoc);
  PutUser("alice");
  PutGroup("devs");
  PutRole("app");

  struct Case {
    const char* suffix;
    const char* member;
    const char* name;
  };

  for (const Case& c : {Case{"User", "UserName", "alice"}, Case{"Group", "GroupName", "devs"},
                        Case{"Role", "RoleName", "app"}}) {
    SCOPED_TRACE(c.suffix);
    const std::string attach = std::string("Attach") + c.suffix + "Policy";
    const std::string detach = std::string("Detach") + c.suffix + "Policy";
    const std::string list = std::string("ListAttached") + c.suffix + "Policies";
    MustCall(attach, {{c.member, c.name}, {"PolicyArn", arn}});
    // Attaching again is a silent success.
    MustCall(attach, {{c.member, c.name}, {"PolicyArn", arn}});
    const protocol::Value listed = MustCall(list, {{c.member, c.name}});
    ASSERT_EQ(SizeAt(listed, "AttachedPolicies"), 1U);
    EXPECT_EQ(TextAt(listed, "AttachedPolicies.0.PolicyName"), "Readers");
    EXPECT_EQ(TextAt(listed, "AttachedPolicies.0.PolicyArn"), arn);
    EXPECT_FALSE(At(listed, "IsTruncated")->boolean());
    MustCall(detach, {{c.member, c.name}, {"PolicyArn", arn}});
    EXPECT_EQ(SizeAt(MustCall(list, {{c.member, c.name}}), "AttachedPolicies"), 0U);
    EXPECT_AWS_ERROR(Call(detach, {{c.member, c.name}, {"PolicyArn", arn}}), "NoSuchEntity",
                     "Policy " + arn + " was not found.");
  }
}

TEST_F(AttachmentsTest, AttachmentCountFollowsAttachments) {
  const std::string arn = PutManagedPolicyInStore("Readers", kDoc);
  PutUser("alice");
  PutGroup("devs");
  MustCall("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", arn}});
  MustCall("AttachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", arn}});
  EXPECT_EQ(At(MustCall("GetPolicy", {{"PolicyArn", arn}}), "Policy.AttachmentCount")->number(), 2);
}

TEST_F(AttachmentsTest, MissingPrincipalOrPolicy) {
  const std::string arn = PutManagedPolicyInStore("Readers", kDoc);
  EXPECT_AWS_ERROR(Call("AttachUserPolicy", {{"UserName", "ghost"}, {"PolicyArn", arn}}),
                   "NoSuchEntity", "The user with name ghost cannot be found.");
  EXPECT_AWS_ERROR(Call("AttachGroupPolicy", {{"GroupName", "ghosts"}, {"PolicyArn", arn}}),
                   "NoSuchEntity", "The group with name ghosts cannot be found.");
  EXPECT_AWS_ERROR(Call("AttachRolePolicy", {{"RoleName", "ghost"}, {"PolicyArn", arn}}),
                   "NoSuchEntity", "The role with name ghost cannot be found.");
  EXPECT_AWS_ERROR(Call("DetachUserPolicy", {{"UserName", "ghost"}, {"PolicyArn", arn}}),
                   "NoSuchEntity", "The user with name ghost cannot be found.");
  EXPECT_AWS_ERROR(Call("ListAttachedUserPolicies", {{"UserName", "ghost"}}), "NoSuchEntity",
                   "The user with name ghost cannot be found.");
  PutUser("alice");
  EXPECT_AWS_ERROR(Call("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", Arn("Nope")}}),
                   "NoSuchEntity",
                   "Policy " + Arn("Nope") + " does not exist or is not attachable.");
  // Another account's policy cannot be attached.
  WriteStore([&](store::WriteTxn& txn) -> Status {
    return txn.PutAccount(store::Account{std::string(kOtherAccountId), "", {}})
        .transform([](const store::Account&) {});
  });
  const std::string theirs = PutManagedPolicyInStore("Theirs", kDoc, kOtherAccountId);
  EXPECT_AWS_ERROR(Call("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", theirs}}),
                   "NoSuchEntity", "Policy " + theirs + " does not exist or is not attachable.");
}

TEST_F(AttachmentsTest, AtMostTenPoliciesPerPrincipal) {
  PutUser("alice");
  PutGroup("devs");
  for (int i = 0; i < 11; ++i)
    PutManagedPolicyInStore("p" + std::to_string(i), kDoc);
  for (int i = 0; i < 10; ++i) {
    MustCall("AttachUserPolicy",
             {{"UserName", "alice"}, {"PolicyArn", Arn("p" + std::to_string(i))}});
    MustCall("AttachGroupPolicy",
             {{"GroupName", "devs"}, {"PolicyArn", Arn("p" + std::to_string(i))}});
  }
  EXPECT_AWS_ERROR(Call("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", Arn("p10")}}),
                   "LimitExceeded", "Cannot exceed quota for PoliciesPerUser: 10");
  EXPECT_AWS_ERROR(Call("AttachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", Arn("p10")}}),
                   "LimitExceeded", "Cannot exceed quota for PoliciesPerGroup: 10");
  // Re-attaching one of the ten is still fine.
  MustCall("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", Arn("p3")}});

  const protocol::Value page1 =
      MustCall("ListAttachedUserPolicies", {{"UserName", "alice"}, {"MaxItems", "4"}});
  EXPECT_EQ(SizeAt(page1, "AttachedPolicies"), 4U);
  EXPECT_TRUE(At(page1, "IsTruncated")->boolean());
  const protocol::Value page2 = MustCall(
      "ListAttachedUserPolicies", {{"UserName", "alice"}, {"Marker", TextAt(page1, "Marker")}});
  EXPECT_EQ(SizeAt(page2, "AttachedPolicies"), 6U);
}

TEST_F(AttachmentsTest, AwsManagedPoliciesAreAttachable) {
  Seed();
  PutRole("app");
  MustCall("AttachRolePolicy", {{"RoleName", "app"}, {"PolicyArn", std::string(kReadOnly)}});
  const protocol::Value listed = MustCall("ListAttachedRolePolicies", {{"RoleName", "app"}});
  ASSERT_EQ(SizeAt(listed, "AttachedPolicies"), 1U);
  EXPECT_EQ(TextAt(listed, "AttachedPolicies.0.PolicyName"), "ReadOnlyAccess");
  EXPECT_AWS_ERROR(
      Call("AttachRolePolicy",
           {{"RoleName", "app"},
            {"PolicyArn", "arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy"}}),
      "PolicyNotAttachable", "Cannot attach a Service Role Policy to a Customer Role.");
}

TEST_F(AttachmentsTest, ListEntitiesForPolicy) {
  Seed();
  const std::string arn = PutManagedPolicyInStore("Readers", kDoc);
  PutUser("alice");
  PutUser("bob", "/eng/");
  PutUser("carl", "/", arn);  // boundary only
  PutGroup("devs");
  PutRole("app");
  MustCall("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", arn}});
  MustCall("AttachUserPolicy", {{"UserName", "bob"}, {"PolicyArn", arn}});
  MustCall("AttachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", arn}});
  MustCall("AttachRolePolicy", {{"RoleName", "app"}, {"PolicyArn", arn}});

  const protocol::Value all = MustCall("ListEntitiesForPolicy", {{"PolicyArn", arn}});
  ASSERT_EQ(SizeAt(all, "PolicyUsers"), 3U);
  EXPECT_EQ(TextAt(all, "PolicyUsers.0.UserName"), "alice");
  EXPECT_EQ(TextAt(all, "PolicyUsers.2.UserName"), "carl");
  EXPECT_EQ(TextAt(all, "PolicyUsers.0.UserId").substr(0, 4), "AIDA");
  EXPECT_EQ(SizeAt(all, "PolicyGroups"), 1U);
  EXPECT_EQ(TextAt(all, "PolicyGroups.0.GroupName"), "devs");
  EXPECT_EQ(SizeAt(all, "PolicyRoles"), 1U);
  EXPECT_EQ(TextAt(all, "PolicyRoles.0.RoleName"), "app");
  EXPECT_FALSE(At(all, "IsTruncated")->boolean());

  const protocol::Value users =
      MustCall("ListEntitiesForPolicy", {{"PolicyArn", arn}, {"EntityFilter", "User"}});
  EXPECT_EQ(SizeAt(users, "PolicyUsers"), 3U);
  EXPECT_EQ(SizeAt(users, "PolicyGroups"), 0U);
  EXPECT_NE(At(users, "PolicyGroups"), nullptr);

  const protocol::Value permissions = MustCall(
      "ListEntitiesForPolicy", {{"PolicyArn", arn}, {"PolicyUsageFilter", "PermissionsPolicy"}});
  EXPECT_EQ(SizeAt(permissions, "PolicyUsers"), 2U);
  const protocol::Value boundaries = MustCall(
      "ListEntitiesForPolicy", {{"PolicyArn", arn}, {"PolicyUsageFilter", "PermissionsBoundary"}});
  ASSERT_EQ(SizeAt(boundaries, "PolicyUsers"), 1U);
  EXPECT_EQ(TextAt(boundaries, "PolicyUsers.0.UserName"), "carl");
  EXPECT_EQ(SizeAt(boundaries, "PolicyRoles"), 0U);

  const protocol::Value eng =
      MustCall("ListEntitiesForPolicy", {{"PolicyArn", arn}, {"PathPrefix", "/eng/"}});
  ASSERT_EQ(SizeAt(eng, "PolicyUsers"), 1U);
  EXPECT_EQ(TextAt(eng, "PolicyUsers.0.UserName"), "bob");
  EXPECT_EQ(SizeAt(eng, "PolicyGroups"), 0U);

  const protocol::Value aws_only =
      MustCall("ListEntitiesForPolicy", {{"PolicyArn", arn}, {"EntityFilter", "AWSManagedPolicy"}});
  EXPECT_EQ(SizeAt(aws_only, "PolicyUsers"), 0U);

  // Paging: 5 entities, 2 at a time.
  std::size_t seen = 0;
  std::string marker;
  for (int guard = 0; guard < 5; ++guard) {
    Params params{{"PolicyArn", arn}, {"MaxItems", "2"}};
    if (!marker.empty())
      params.emplace_back("Marker", marker);
    const protocol::Value page = MustCall("ListEntitiesForPolicy", params);
    seen +=
        SizeAt(page, "PolicyUsers") + SizeAt(page, "PolicyGroups") + SizeAt(page, "PolicyRoles");
    if (!At(page, "IsTruncated")->boolean())
      break;
    marker = TextAt(page, "Marker");
  }
  EXPECT_EQ(seen, 5U);

  EXPECT_AWS_ERROR(Call("ListEntitiesForPolicy", {{"PolicyArn", Arn("Nope")}}), "NoSuchEntity");
}

TEST_F(AttachmentsTest, ListEntitiesForAnAwsPolicyShowsOnlyTheAccountsEntities) {
  Seed();
  PutUser("alice");
  MustCall("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", std::string(kReadOnly)}});
  WriteStore([&](store::WriteTxn& txn) -> Status {
    IAM_RETURN_IF_ERROR(txn.PutAccount(store::Account{std::string(kOtherAccountId), "", {}}));
    store::User user;
    user.account_id = std::string(kOtherAccountId);
    user.name = "alice";
    user.id = NewUniqueId(kUserIdPrefix);
    user.arn = "arn:aws:iam::" + std::string(kOtherAccountId) + ":user/alice";
    IAM_RETURN_IF_ERROR(txn.PutUser(user));
    return txn.AttachPolicy({store::PrincipalKind::kUser, std::string(kOtherAccountId), "alice"},
                            kReadOnly);
  });
  const protocol::Value listed =
      MustCall("ListEntitiesForPolicy", {{"PolicyArn", std::string(kReadOnly)}});
  EXPECT_EQ(SizeAt(listed, "PolicyUsers"), 1U);
  const protocol::Value local =
      MustCall("ListEntitiesForPolicy",
               {{"PolicyArn", std::string(kReadOnly)}, {"EntityFilter", "LocalManagedPolicy"}});
  EXPECT_EQ(SizeAt(local, "PolicyUsers"), 0U);
}

TEST_F(AttachmentsTest, AttachedPoliciesGrantPermissionsThroughTheirDefaultVersion) {
  PutUser("bob");
  const auth::Caller bob = UserCaller("bob");
  const std::string arn =
      PutManagedPolicyInStore("Summary", AllowDocument("iam:GetAccountSummary"));
  EXPECT_AWS_ERROR(CallAs(bob, "GetAccountSummary"), "AccessDenied");
  MustCall("AttachUserPolicy", {{"UserName", "bob"}, {"PolicyArn", arn}});
  MustCallAs(bob, "GetAccountSummary");
  MustCall("CreatePolicyVersion", {{"PolicyArn", arn},
                                   {"PolicyDocument", AllowDocument("iam:ListPolicies")},
                                   {"SetAsDefault", "true"}});
  EXPECT_AWS_ERROR(CallAs(bob, "GetAccountSummary"), "AccessDenied");
  MustCallAs(bob, "ListPolicies", {{"Scope", "Local"}});
  MustCall("SetDefaultPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}});
  MustCallAs(bob, "GetAccountSummary");
  MustCall("DetachUserPolicy", {{"UserName", "bob"}, {"PolicyArn", arn}});
  EXPECT_AWS_ERROR(CallAs(bob, "GetAccountSummary"), "AccessDenied");
}

TEST_F(AttachmentsTest, AwsManagedPoliciesGrantTheirPermissions) {
  Seed();
  PutUser("bob");
  PutGroup("readers");
  WriteStore([](store::WriteTxn& txn) { return txn.AddUserToGroup(kAccountId, "readers", "bob"); });
  const auth::Caller bob = UserCaller("bob");
  EXPECT_AWS_ERROR(CallAs(bob, "ListPolicies", {{"Scope", "Local"}}), "AccessDenied");
  MustCall("AttachGroupPolicy",
           {{"GroupName", "readers"}, {"PolicyArn", "arn:aws:iam::aws:policy/IAMReadOnlyAccess"}});
  MustCallAs(bob, "ListPolicies", {{"Scope", "Local"}});
  MustCallAs(bob, "GetAccountSummary");
  EXPECT_AWS_ERROR(
      CallAs(bob, "CreatePolicy", {{"PolicyName", "p"}, {"PolicyDocument", std::string(kDoc)}}),
      "AccessDenied");
  MustCall("AttachUserPolicy",
           {{"UserName", "bob"}, {"PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"}});
  MustCallAs(bob, "CreatePolicy", {{"PolicyName", "p"}, {"PolicyDocument", std::string(kDoc)}});
}

TEST_F(AttachmentsTest, UsersNeedPermission) {
  const std::string arn = PutManagedPolicyInStore("Readers", kDoc);
  PutUser("bob");
  PutUser("alice");
  const auth::Caller bob = UserCaller("bob");
  EXPECT_AWS_ERROR(CallAs(bob, "AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", arn}}),
                   "AccessDenied", "~iam:AttachUserPolicy");
  EXPECT_AWS_ERROR(CallAs(bob, "DetachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", arn}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "ListAttachedUserPolicies", {{"UserName", "alice"}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "ListEntitiesForPolicy", {{"PolicyArn", arn}}), "AccessDenied");
  // Allowed only for this one policy (iam:PolicyARN condition).
  AllowUser(
      "bob",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:AttachUserPolicy",)"
      R"("Resource":"*","Condition":{"ArnEquals":{"iam:PolicyARN":")" +
          arn + R"("}}}]})");
  MustCallAs(bob, "AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", arn}});
  const std::string other = PutManagedPolicyInStore("Other", kDoc);
  EXPECT_AWS_ERROR(CallAs(bob, "AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", other}}),
                   "AccessDenied");
}

}  // namespace
}  // namespace portcullis::api::iam::testing
