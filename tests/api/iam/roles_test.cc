// Tests of the role operations (roles.cc) and of role inline policies
// (inline_policies.cc).
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "api/iam/common.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

constexpr std::string_view kTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

class RolesTest : public IamApiTest {
 protected:
  protocol::Value CreateRole(std::string_view name, std::string_view path = "/") {
    return MustCall("CreateRole", {{"RoleName", std::string(name)},
                                   {"Path", std::string(path)},
                                   {"AssumeRolePolicyDocument", std::string(kTrust)}});
  }
};

TEST_F(RolesTest, CreateAndGetRole) {
  const protocol::Value created =
      MustCall("CreateRole", {{"RoleName", "app"},
                              {"Path", "/svc/"},
                              {"AssumeRolePolicyDocument", std::string(kTrust)},
                              {"Description", "the app"},
                              {"MaxSessionDuration", "7200"},
                              {"Tags.member.1.Key", "team"},
                              {"Tags.member.1.Value", "blue"}});
  EXPECT_EQ(TextAt(created, "Role.RoleName"), "app");
  EXPECT_EQ(TextAt(created, "Role.Path"), "/svc/");
  EXPECT_EQ(TextAt(created, "Role.Arn"), "arn:aws:iam::123456789012:role/svc/app");
  EXPECT_EQ(TextAt(created, "Role.RoleId").substr(0, 4), "AROA");
  EXPECT_EQ(UrlDecode(TextAt(created, "Role.AssumeRolePolicyDocument")), kTrust);

  const protocol::Value got = MustCall("GetRole", {{"RoleName", "APP"}});
  EXPECT_EQ(TextAt(got, "Role.RoleName"), "app");
  EXPECT_EQ(TextAt(got, "Role.RoleId"), TextAt(created, "Role.RoleId"));
  EXPECT_EQ(TextAt(got, "Role.Description"), "the app");
  EXPECT_EQ(At(got, "Role.MaxSessionDuration")->number(), 7200);
  EXPECT_EQ(TextAt(got, "Role.Tags.0.Key"), "team");
  EXPECT_NE(At(got, "Role.RoleLastUsed"), nullptr);
  EXPECT_EQ(UrlDecode(TextAt(got, "Role.AssumeRolePolicyDocument")), kTrust);
}

TEST_F(RolesTest, DuplicateAndMissing) {
  CreateRole("app");
  EXPECT_AWS_ERROR(
      Call("CreateRole", {{"RoleName", "APP"}, {"AssumeRolePolicyDocument", std::string(kTrust)}}),
      "EntityAlreadyExists", "Role with name APP already exists.");
  EXPECT_AWS_ERROR(Call("GetRole", {{"RoleName", "nope"}}), "NoSuchEntity",
                   "The role with name nope cannot be found.");
  EXPECT_AWS_ERROR(Call("DeleteRole", {{"RoleName", "nope"}}), "NoSuchEntity");
  EXPECT_AWS_ERROR(Call("UpdateRole", {{"RoleName", "nope"}, {"Description", "d"}}),
                   "NoSuchEntity");
  EXPECT_AWS_ERROR(Call("UpdateAssumeRolePolicy",
                        {{"RoleName", "nope"}, {"PolicyDocument", std::string(kTrust)}}),
                   "NoSuchEntity");
}

TEST_F(RolesTest, TrustPolicyIsValidatedAsATrustPolicy) {
  // An identity policy (no Principal) is not a trust policy.
  EXPECT_AWS_ERROR(
      Call("CreateRole", {{"RoleName", "r"}, {"AssumeRolePolicyDocument", AllowDocument("s3:*")}}),
      "MalformedPolicyDocument");
  EXPECT_AWS_ERROR(Call("CreateRole", {{"RoleName", "r"}, {"AssumeRolePolicyDocument", "{"}}),
                   "MalformedPolicyDocument");
  CreateRole("r");
  EXPECT_AWS_ERROR(Call("UpdateAssumeRolePolicy",
                        {{"RoleName", "r"}, {"PolicyDocument", AllowDocument("s3:*")}}),
                   "MalformedPolicyDocument");
  const std::string other =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole"}]})";
  MustCall("UpdateAssumeRolePolicy", {{"RoleName", "r"}, {"PolicyDocument", other}});
  EXPECT_EQ(
      UrlDecode(TextAt(MustCall("GetRole", {{"RoleName", "r"}}), "Role.AssumeRolePolicyDocument")),
      other);
}

TEST_F(RolesTest, TrustPolicySizeQuota) {
  std::string big =
      R"({"Version":"2012-10-17","Statement":[{"Sid":")" + std::string(2100, 'A') +
      R"(","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
  EXPECT_AWS_ERROR(Call("CreateRole", {{"RoleName", "r"}, {"AssumeRolePolicyDocument", big}}),
                   "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048");
}

TEST_F(RolesTest, MaxSessionDurationBounds) {
  EXPECT_FALSE(Call("CreateRole", {{"RoleName", "r"},
                                   {"AssumeRolePolicyDocument", std::string(kTrust)},
                                   {"MaxSessionDuration", "3599"}})
                   .has_value());
  EXPECT_FALSE(Call("CreateRole", {{"RoleName", "r"},
                                   {"AssumeRolePolicyDocument", std::string(kTrust)},
                                   {"MaxSessionDuration", "43201"}})
                   .has_value());
  CreateRole("r");
  EXPECT_EQ(At(MustCall("GetRole", {{"RoleName", "r"}}), "Role.MaxSessionDuration")->number(),
            3600);
  MustCall("UpdateRole", {{"RoleName", "r"}, {"MaxSessionDuration", "43200"}});
  const protocol::Value got = MustCall("GetRole", {{"RoleName", "r"}});
  EXPECT_EQ(At(got, "Role.MaxSessionDuration")->number(), 43200);
  EXPECT_EQ(At(got, "Role.Description"), nullptr);
}

TEST_F(RolesTest, UpdateRoleAndDescription) {
  CreateRole("r");
  MustCall("UpdateRole", {{"RoleName", "r"}, {"Description", "first"}});
  EXPECT_EQ(TextAt(MustCall("GetRole", {{"RoleName", "r"}}), "Role.Description"), "first");
  const protocol::Value out =
      MustCall("UpdateRoleDescription", {{"RoleName", "r"}, {"Description", "second"}});
  EXPECT_EQ(TextAt(out, "Role.Description"), "second");
  EXPECT_EQ(TextAt(out, "Role.RoleName"), "r");
  EXPECT_EQ(At(MustCall("GetRole", {{"RoleName", "r"}}), "Role.MaxSessionDuration")->number(),
            3600);
}

TEST_F(RolesTest, PermissionsBoundary) {
  const std::string arn = PutManagedPolicyInStore("boundary", AllowDocument("s3:*"));
  MustCall("CreateRole", {{"RoleName", "r"},
                          {"AssumeRolePolicyDocument", std::string(kTrust)},
                          {"PermissionsBoundary", arn}});
  EXPECT_EQ(TextAt(MustCall("GetRole", {{"RoleName", "r"}}),
                   "Role.PermissionsBoundary.PermissionsBoundaryArn"),
            arn);
  EXPECT_AWS_ERROR(
      Call("CreateRole", {{"RoleName", "r2"},
                          {"AssumeRolePolicyDocument", std::string(kTrust)},
                          {"PermissionsBoundary", "arn:aws:iam::123456789012:policy/none"}}),
      "NoSuchEntity",
      "Scope ARN: arn:aws:iam::123456789012:policy/none does not exist or is not "
      "attachable.");
  // ListRoles leaves out boundaries and tags, as AWS does.
  const protocol::Value list = MustCall("ListRoles");
  ASSERT_EQ(SizeAt(list, "Roles"), 1U);
  EXPECT_EQ(At(list, "Roles.0.PermissionsBoundary"), nullptr);
}

TEST_F(RolesTest, ListRolesPathPrefixAndPaging) {
  CreateRole("a", "/eng/");
  CreateRole("b", "/eng/backend/");
  CreateRole("c", "/ops/");
  EXPECT_EQ(SizeAt(MustCall("ListRoles"), "Roles"), 3U);
  const protocol::Value eng = MustCall("ListRoles", {{"PathPrefix", "/eng/"}});
  ASSERT_EQ(SizeAt(eng, "Roles"), 2U);
  EXPECT_EQ(TextAt(eng, "Roles.0.RoleName"), "a");
  const protocol::Value page1 = MustCall("ListRoles", {{"MaxItems", "2"}});
  ASSERT_EQ(SizeAt(page1, "Roles"), 2U);
  ASSERT_TRUE(At(page1, "IsTruncated")->boolean());
  const protocol::Value page2 = MustCall("ListRoles", {{"Marker", TextAt(page1, "Marker")}});
  ASSERT_EQ(SizeAt(page2, "Roles"), 1U);
  EXPECT_EQ(TextAt(page2, "Roles.0.RoleName"), "c");
}

TEST_F(RolesTest, DeleteConflicts) {
  CreateRole("r");
  MustCall("PutRolePolicy",
           {{"RoleName", "r"}, {"PolicyName", "p"}, {"PolicyDocument", AllowDocument("s3:*")}});
  EXPECT_AWS_ERROR(Call("DeleteRole", {{"RoleName", "r"}}), "DeleteConflict",
                   "Cannot delete entity, must delete policies first.");
  MustCall("DeleteRolePolicy", {{"RoleName", "r"}, {"PolicyName", "p"}});
  const std::string arn = PutManagedPolicyInStore("m", AllowDocument("s3:*"));
  MustCall("AttachRolePolicy", {{"RoleName", "r"}, {"PolicyArn", arn}});
  EXPECT_AWS_ERROR(Call("DeleteRole", {{"RoleName", "r"}}), "DeleteConflict",
                   "Cannot delete entity, must detach all policies first.");
  MustCall("DetachRolePolicy", {{"RoleName", "r"}, {"PolicyArn", arn}});
  MustCall("DeleteRole", {{"RoleName", "R"}});
  EXPECT_AWS_ERROR(Call("GetRole", {{"RoleName", "r"}}), "NoSuchEntity");
}

TEST_F(RolesTest, RolesPerAccountQuota) {
  WriteStore([&](store::WriteTxn& txn) -> Status {
    for (int i = 0; i < 1000; ++i) {
      store::Role role;
      role.account_id = std::string(kAccountId);
      role.name = "r" + std::to_string(i);
      role.id = NewUniqueId(kRoleIdPrefix);
      role.arn = "arn:aws:iam::123456789012:role/" + role.name;
      role.assume_role_policy_document = std::string(kTrust);
      auto put = txn.PutRole(std::move(role));
      if (!put.has_value()) {
        return tl::unexpected<Error>(std::move(put).error());
      }
    }
    return OkStatus();
  });
  EXPECT_AWS_ERROR(Call("CreateRole", {{"RoleName", "one-more"},
                                       {"AssumeRolePolicyDocument", std::string(kTrust)}}),
                   "LimitExceeded", "Cannot exceed quota for RolesPerAccount: 1000");
}

TEST_F(RolesTest, AccessDenied) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  CreateRole("r");
  const auth::Caller bob = UserCaller("bob");
  EXPECT_AWS_ERROR(CallAs(bob, "CreateRole",
                          {{"RoleName", "x"}, {"AssumeRolePolicyDocument", std::string(kTrust)}}),
                   "AccessDenied", "~arn:aws:iam::123456789012:role/x");
  EXPECT_AWS_ERROR(CallAs(bob, "GetRole", {{"RoleName", "r"}}), "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "DeleteRole", {{"RoleName", "r"}}), "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "ListRoles"), "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "GetRolePolicy", {{"RoleName", "r"}, {"PolicyName", "p"}}),
                   "AccessDenied");
  AllowUser("bob", AllowDocument("iam:GetRole", "arn:aws:iam::123456789012:role/r"));
  EXPECT_EQ(TextAt(MustCallAs(bob, "GetRole", {{"RoleName", "r"}}), "Role.RoleName"), "r");
  EXPECT_AWS_ERROR(CallAs(bob, "UpdateRole", {{"RoleName", "r"}, {"Description", "d"}}),
                   "AccessDenied");
}

TEST_F(RolesTest, RoleInlinePolicies) {
  CreateRole("r");
  const std::string doc = AllowDocument("s3:GetObject");
  MustCall("PutRolePolicy", {{"RoleName", "r"}, {"PolicyName", "b"}, {"PolicyDocument", doc}});
  MustCall("PutRolePolicy", {{"RoleName", "R"}, {"PolicyName", "a"}, {"PolicyDocument", doc}});
  const protocol::Value got = MustCall("GetRolePolicy", {{"RoleName", "r"}, {"PolicyName", "b"}});
  EXPECT_EQ(TextAt(got, "RoleName"), "r");
  EXPECT_EQ(UrlDecode(TextAt(got, "PolicyDocument")), doc);
  const protocol::Value list = MustCall("ListRolePolicies", {{"RoleName", "r"}});
  ASSERT_EQ(SizeAt(list, "PolicyNames"), 2U);
  EXPECT_EQ(At(list, "PolicyNames")->children()[0].text(), "a");
  MustCall("DeleteRolePolicy", {{"RoleName", "r"}, {"PolicyName", "a"}});
  EXPECT_AWS_ERROR(Call("GetRolePolicy", {{"RoleName", "r"}, {"PolicyName", "a"}}), "NoSuchEntity",
                   "The role policy with name a cannot be found.");
  EXPECT_AWS_ERROR(Call("ListRolePolicies", {{"RoleName", "none"}}), "NoSuchEntity",
                   "The role with name none cannot be found.");
  EXPECT_AWS_ERROR(
      Call("PutRolePolicy", {{"RoleName", "r"}, {"PolicyName", "bad"}, {"PolicyDocument", "{"}}),
      "MalformedPolicyDocument");
}

TEST_F(RolesTest, RoleInlinePolicyAggregateQuota) {
  CreateRole("r");
  const std::string head = R"({"Version":"2012-10-17","Statement":[{"Sid":")";
  const std::string tail = R"(","Effect":"Allow","Action":"s3:*","Resource":"*"}]})";
  const std::string six_k = head + std::string(6000 - head.size() - tail.size(), 'A') + tail;
  MustCall("PutRolePolicy", {{"RoleName", "r"}, {"PolicyName", "one"}, {"PolicyDocument", six_k}});
  EXPECT_AWS_ERROR(
      Call("PutRolePolicy", {{"RoleName", "r"}, {"PolicyName", "two"}, {"PolicyDocument", six_k}}),
      "LimitExceeded", "Maximum policy size of 10240 bytes exceeded for role r");
  // Replacing the same policy does not count it twice.
  MustCall("PutRolePolicy", {{"RoleName", "r"}, {"PolicyName", "one"}, {"PolicyDocument", six_k}});
}

}  // namespace
}  // namespace portcullis::api::iam::testing
