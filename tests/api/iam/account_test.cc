// Tests of GetAccountSummary and GetAccountAuthorizationDetails (account.cc).
#include <gtest/gtest.h>
#include <string>

#include "api/iam/aws_managed_policies.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

constexpr std::string_view kDoc =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})";
constexpr std::string_view kReadOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess";

class AccountTest : public IamApiTest {
 protected:
  void Seed() {
    WriteStore([](store::WriteTxn& txn) { return SeedAwsManagedPolicies(txn); });
  }

  void PutUser(const std::string& name, const std::string& boundary = "") {
    WriteStore([&](store::WriteTxn& txn) -> Status {
      store::User user;
      user.account_id = std::string(kAccountId);
      user.name = name;
      user.id = NewUniqueId(kUserIdPrefix);
      user.arn = "arn:aws:iam::" + std::string(kAccountId) + ":user/" + name;
      user.permissions_boundary_arn = boundary;
      user.tags = {{"team", "core"}};
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

  std::int64_t Summary(const protocol::Value& out, std::string_view key) {
    const protocol::Value* v = At(out, "SummaryMap." + std::string(key));
    EXPECT_NE(v, nullptr) << key;
    return v == nullptr ? -1 : v->number();
  }

  // Sets up: users alice (inline policy, group devs, Readers attached) and bob (boundary
  // Readers); group devs (ReadOnlyAccess attached); role app (Readers attached).
  std::string Populate() {
    Seed();
    const std::string arn = PutManagedPolicyInStore("Readers", kDoc);
    PutUser("alice");
    PutUser("bob", arn);
    PutGroup("devs");
    PutRole("app");
    AllowUser("alice", kDoc, "inline-read");
    WriteStore([&](store::WriteTxn& txn) -> Status {
      IAM_RETURN_IF_ERROR(txn.AddUserToGroup(kAccountId, "devs", "alice"));
      IAM_RETURN_IF_ERROR(
          txn.AttachPolicy({store::PrincipalKind::kUser, std::string(kAccountId), "alice"}, arn));
      IAM_RETURN_IF_ERROR(
          txn.AttachPolicy({store::PrincipalKind::kRole, std::string(kAccountId), "app"}, arn));
      return txn.AttachPolicy({store::PrincipalKind::kGroup, std::string(kAccountId), "devs"},
                              kReadOnly);
    });
    return arn;
  }
};

TEST_F(AccountTest, SummaryOfAnEmptyAccount) {
  const protocol::Value out = MustCall("GetAccountSummary");
  EXPECT_EQ(Summary(out, "Users"), 0);
  EXPECT_EQ(Summary(out, "UsersQuota"), 5000);
  EXPECT_EQ(Summary(out, "Groups"), 0);
  EXPECT_EQ(Summary(out, "GroupsQuota"), 300);
  EXPECT_EQ(Summary(out, "Roles"), 0);
  EXPECT_EQ(Summary(out, "RolesQuota"), 1000);
  EXPECT_EQ(Summary(out, "Policies"), 0);
  EXPECT_EQ(Summary(out, "PoliciesQuota"), 1500);
  EXPECT_EQ(Summary(out, "PolicySizeQuota"), 6144);
  EXPECT_EQ(Summary(out, "PolicyVersionsInUse"), 0);
  EXPECT_EQ(Summary(out, "PolicyVersionsInUseQuota"), 10000);
  EXPECT_EQ(Summary(out, "VersionsPerPolicyQuota"), 5);
  EXPECT_EQ(Summary(out, "GroupsPerUserQuota"), 10);
  EXPECT_EQ(Summary(out, "AttachedPoliciesPerUserQuota"), 10);
  EXPECT_EQ(Summary(out, "AttachedPoliciesPerGroupQuota"), 10);
  EXPECT_EQ(Summary(out, "AttachedPoliciesPerRoleQuota"), 10);
  EXPECT_EQ(Summary(out, "AccessKeysPerUserQuota"), 2);
  EXPECT_EQ(Summary(out, "UserPolicySizeQuota"), 2048);
  EXPECT_EQ(Summary(out, "GroupPolicySizeQuota"), 5120);
  EXPECT_EQ(Summary(out, "RolePolicySizeQuota"), 10240);
  EXPECT_EQ(Summary(out, "AssumeRolePolicySizeQuota"), 2048);
  EXPECT_EQ(Summary(out, "MFADevices"), 0);
  EXPECT_EQ(Summary(out, "AccountMFAEnabled"), 0);
  EXPECT_EQ(Summary(out, "AccountAccessKeysPresent"), 1);  // the root key CreateAccount made
  EXPECT_EQ(Summary(out, "AccountSigningCertificatesPresent"), 0);
  EXPECT_EQ(Summary(out, "ServerCertificatesQuota"), 20);
}

TEST_F(AccountTest, SummaryCountsTheAccountsEntities) {
  Populate();
  const protocol::Value out = MustCall("GetAccountSummary");
  EXPECT_EQ(Summary(out, "Users"), 2);
  EXPECT_EQ(Summary(out, "Groups"), 1);
  EXPECT_EQ(Summary(out, "Roles"), 1);
  EXPECT_EQ(Summary(out, "Policies"), 1);  // AWS managed policies do not count
  EXPECT_EQ(Summary(out, "PolicyVersionsInUse"), 3);
}

TEST_F(AccountTest, AuthorizationDetails) {
  const std::string arn = Populate();
  const protocol::Value out = MustCall("GetAccountAuthorizationDetails");
  ASSERT_EQ(SizeAt(out, "UserDetailList"), 2U);
  EXPECT_EQ(TextAt(out, "UserDetailList.0.UserName"), "alice");
  EXPECT_EQ(TextAt(out, "UserDetailList.0.UserPolicyList.0.PolicyName"), "inline-read");
  EXPECT_EQ(UrlDecode(TextAt(out, "UserDetailList.0.UserPolicyList.0.PolicyDocument")), kDoc);
  EXPECT_EQ(TextAt(out, "UserDetailList.0.GroupList.0"), "devs");
  EXPECT_EQ(TextAt(out, "UserDetailList.0.AttachedManagedPolicies.0.PolicyArn"), arn);
  EXPECT_EQ(TextAt(out, "UserDetailList.0.Tags.0.Key"), "team");
  EXPECT_EQ(TextAt(out, "UserDetailList.1.UserName"), "bob");
  EXPECT_EQ(TextAt(out, "UserDetailList.1.PermissionsBoundary.PermissionsBoundaryArn"), arn);
  EXPECT_EQ(TextAt(out, "UserDetailList.1.PermissionsBoundary.PermissionsBoundaryType"),
            "PermissionsBoundaryPolicy");

  ASSERT_EQ(SizeAt(out, "GroupDetailList"), 1U);
  EXPECT_EQ(TextAt(out, "GroupDetailList.0.GroupName"), "devs");
  EXPECT_EQ(TextAt(out, "GroupDetailList.0.AttachedManagedPolicies.0.PolicyName"),
            "ReadOnlyAccess");
  ASSERT_EQ(SizeAt(out, "RoleDetailList"), 1U);
  EXPECT_EQ(TextAt(out, "RoleDetailList.0.RoleName"), "app");
  EXPECT_NE(
      UrlDecode(TextAt(out, "RoleDetailList.0.AssumeRolePolicyDocument")).find("sts:AssumeRole"),
      std::string::npos);

  // The customer managed policy and the one AWS managed policy in use.
  ASSERT_EQ(SizeAt(out, "Policies"), 2U);
  EXPECT_EQ(TextAt(out, "Policies.0.PolicyName"), "Readers");
  EXPECT_EQ(At(out, "Policies.0.AttachmentCount")->number(), 2);
  EXPECT_EQ(At(out, "Policies.0.PermissionsBoundaryUsageCount")->number(), 1);
  EXPECT_EQ(UrlDecode(TextAt(out, "Policies.0.PolicyVersionList.0.Document")), kDoc);
  EXPECT_TRUE(At(out, "Policies.0.PolicyVersionList.0.IsDefaultVersion")->boolean());
  EXPECT_EQ(TextAt(out, "Policies.1.PolicyName"), "ReadOnlyAccess");
  EXPECT_EQ(At(out, "Policies.1.AttachmentCount")->number(), 1);
  EXPECT_FALSE(At(out, "IsTruncated")->boolean());
}

TEST_F(AccountTest, AuthorizationDetailsFilterAndPaging) {
  Populate();
  const protocol::Value roles =
      MustCall("GetAccountAuthorizationDetails", {{"Filter.member.1", "Role"}});
  EXPECT_EQ(SizeAt(roles, "RoleDetailList"), 1U);
  EXPECT_EQ(SizeAt(roles, "UserDetailList"), 0U);
  EXPECT_EQ(SizeAt(roles, "Policies"), 0U);

  const protocol::Value aws =
      MustCall("GetAccountAuthorizationDetails", {{"Filter.member.1", "AWSManagedPolicy"}});
  ASSERT_EQ(SizeAt(aws, "Policies"), 1U);
  EXPECT_EQ(TextAt(aws, "Policies.0.Arn"), kReadOnly);

  // 2 users + 1 group + 1 role + 2 policies, 4 at a time.
  const protocol::Value page1 = MustCall("GetAccountAuthorizationDetails", {{"MaxItems", "4"}});
  EXPECT_TRUE(At(page1, "IsTruncated")->boolean());
  EXPECT_EQ(SizeAt(page1, "UserDetailList") + SizeAt(page1, "GroupDetailList") +
                SizeAt(page1, "RoleDetailList") + SizeAt(page1, "Policies"),
            4U);
  const protocol::Value page2 = MustCall("GetAccountAuthorizationDetails",
                                         {{"MaxItems", "4"}, {"Marker", TextAt(page1, "Marker")}});
  EXPECT_FALSE(At(page2, "IsTruncated")->boolean());
  EXPECT_EQ(SizeAt(page2, "Policies"), 2U);
  EXPECT_EQ(SizeAt(page2, "UserDetailList"), 0U);

  EXPECT_AWS_ERROR(Call("GetAccountAuthorizationDetails", {{"Marker", "nonsense"}}),
                   "InvalidInput");
}

TEST_F(AccountTest, UsersNeedPermission) {
  PutUser("bob");
  const auth::Caller bob = UserCaller("bob");
  EXPECT_AWS_ERROR(CallAs(bob, "GetAccountSummary"), "AccessDenied", "~iam:GetAccountSummary");
  EXPECT_AWS_ERROR(CallAs(bob, "GetAccountAuthorizationDetails"), "AccessDenied");
  AllowUser("bob", AllowDocument("iam:GetAccountSummary"));
  EXPECT_EQ(Summary(MustCallAs(bob, "GetAccountSummary"), "Users"), 1);
  EXPECT_AWS_ERROR(CallAs(bob, "GetAccountAuthorizationDetails"), "AccessDenied");
}

}  // namespace
}  // namespace portcullis::api::iam::testing
