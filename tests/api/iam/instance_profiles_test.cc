// Tests of the instance profile operations (instance_profiles.cc).
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "api/iam/common.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

constexpr std::string_view kTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

class InstanceProfilesTest : public IamApiTest {
 protected:
  void CreateRole(std::string_view name) {
    MustCall("CreateRole",
             {{"RoleName", std::string(name)}, {"AssumeRolePolicyDocument", std::string(kTrust)}});
  }
};

TEST_F(InstanceProfilesTest, CreateGetListDelete) {
  const protocol::Value created =
      MustCall("CreateInstanceProfile", {{"InstanceProfileName", "web"},
                                         {"Path", "/srv/"},
                                         {"Tags.member.1.Key", "env"},
                                         {"Tags.member.1.Value", "prod"}});
  EXPECT_EQ(TextAt(created, "InstanceProfile.Arn"),
            "arn:aws:iam::123456789012:instance-profile/srv/web");
  EXPECT_EQ(TextAt(created, "InstanceProfile.InstanceProfileId").substr(0, 4), "AIPA");
  EXPECT_EQ(SizeAt(created, "InstanceProfile.Roles"), 0U);
  EXPECT_NE(At(created, "InstanceProfile.Roles"), nullptr);

  const protocol::Value got = MustCall("GetInstanceProfile", {{"InstanceProfileName", "WEB"}});
  EXPECT_EQ(TextAt(got, "InstanceProfile.InstanceProfileName"), "web");
  EXPECT_EQ(TextAt(got, "InstanceProfile.Tags.0.Value"), "prod");

  MustCall("CreateInstanceProfile", {{"InstanceProfileName", "batch"}});
  const protocol::Value list = MustCall("ListInstanceProfiles");
  ASSERT_EQ(SizeAt(list, "InstanceProfiles"), 2U);
  EXPECT_EQ(TextAt(list, "InstanceProfiles.0.InstanceProfileName"), "batch");
  EXPECT_EQ(At(list, "InstanceProfiles.1.Tags"), nullptr);
  EXPECT_EQ(SizeAt(MustCall("ListInstanceProfiles", {{"PathPrefix", "/srv/"}}), "InstanceProfiles"),
            1U);

  EXPECT_AWS_ERROR(Call("CreateInstanceProfile", {{"InstanceProfileName", "Web"}}),
                   "EntityAlreadyExists", "Instance Profile Web already exists.");
  MustCall("DeleteInstanceProfile", {{"InstanceProfileName", "web"}});
  EXPECT_AWS_ERROR(Call("GetInstanceProfile", {{"InstanceProfileName", "web"}}), "NoSuchEntity",
                   "Instance Profile web cannot be found.");
  EXPECT_AWS_ERROR(Call("DeleteInstanceProfile", {{"InstanceProfileName", "web"}}), "NoSuchEntity");
}

TEST_F(InstanceProfilesTest, OneRoleEachAndDeleteConflicts) {
  MustCall("CreateInstanceProfile", {{"InstanceProfileName", "p"}});
  CreateRole("r1");
  CreateRole("r2");
  EXPECT_AWS_ERROR(
      Call("AddRoleToInstanceProfile", {{"InstanceProfileName", "p"}, {"RoleName", "none"}}),
      "NoSuchEntity", "The role with name none cannot be found.");
  EXPECT_AWS_ERROR(
      Call("AddRoleToInstanceProfile", {{"InstanceProfileName", "none"}, {"RoleName", "r1"}}),
      "NoSuchEntity", "Instance Profile none cannot be found.");
  MustCall("AddRoleToInstanceProfile", {{"InstanceProfileName", "p"}, {"RoleName", "r1"}});
  EXPECT_AWS_ERROR(
      Call("AddRoleToInstanceProfile", {{"InstanceProfileName", "p"}, {"RoleName", "r2"}}),
      "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1");
  const protocol::Value got = MustCall("GetInstanceProfile", {{"InstanceProfileName", "p"}});
  ASSERT_EQ(SizeAt(got, "InstanceProfile.Roles"), 1U);
  EXPECT_EQ(TextAt(got, "InstanceProfile.Roles.0.RoleName"), "r1");

  const protocol::Value for_role = MustCall("ListInstanceProfilesForRole", {{"RoleName", "r1"}});
  ASSERT_EQ(SizeAt(for_role, "InstanceProfiles"), 1U);
  EXPECT_EQ(
      SizeAt(MustCall("ListInstanceProfilesForRole", {{"RoleName", "r2"}}), "InstanceProfiles"),
      0U);
  EXPECT_AWS_ERROR(Call("ListInstanceProfilesForRole", {{"RoleName", "none"}}), "NoSuchEntity");

  EXPECT_AWS_ERROR(Call("DeleteRole", {{"RoleName", "r1"}}), "DeleteConflict",
                   "Cannot delete entity, must remove roles from instance profile first.");
  EXPECT_AWS_ERROR(Call("DeleteInstanceProfile", {{"InstanceProfileName", "p"}}), "DeleteConflict",
                   "Cannot delete entity, must remove roles from instance profile first.");
  EXPECT_AWS_ERROR(
      Call("RemoveRoleFromInstanceProfile", {{"InstanceProfileName", "p"}, {"RoleName", "r2"}}),
      "NoSuchEntity");
  MustCall("RemoveRoleFromInstanceProfile", {{"InstanceProfileName", "p"}, {"RoleName", "r1"}});
  MustCall("DeleteRole", {{"RoleName", "r1"}});
  MustCall("DeleteInstanceProfile", {{"InstanceProfileName", "p"}});
}

TEST_F(InstanceProfilesTest, AccountAuthorizationDetailsListsProfiles) {
  CreateRole("r");
  MustCall("CreateInstanceProfile", {{"InstanceProfileName", "p"}});
  MustCall("AddRoleToInstanceProfile", {{"InstanceProfileName", "p"}, {"RoleName", "r"}});
  const protocol::Value details =
      MustCall("GetAccountAuthorizationDetails", {{"Filter.member.1", "Role"}});
  ASSERT_EQ(SizeAt(details, "RoleDetailList"), 1U);
  ASSERT_EQ(SizeAt(details, "RoleDetailList.0.InstanceProfileList"), 1U);
  EXPECT_EQ(TextAt(details, "RoleDetailList.0.InstanceProfileList.0.InstanceProfileName"), "p");
  EXPECT_EQ(TextAt(details, "RoleDetailList.0.InstanceProfileList.0.Roles.0.RoleName"), "r");
}

TEST_F(InstanceProfilesTest, AccessDenied) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateInstanceProfile", {{"InstanceProfileName", "p"}});
  CreateRole("r");
  const auth::Caller bob = UserCaller("bob");
  EXPECT_AWS_ERROR(CallAs(bob, "CreateInstanceProfile", {{"InstanceProfileName", "x"}}),
                   "AccessDenied", "~arn:aws:iam::123456789012:instance-profile/x");
  EXPECT_AWS_ERROR(CallAs(bob, "GetInstanceProfile", {{"InstanceProfileName", "p"}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "ListInstanceProfiles"), "AccessDenied");
  // Adding a role needs iam:PassRole on it too.
  AllowUser("bob", AllowDocument("iam:AddRoleToInstanceProfile"));
  EXPECT_AWS_ERROR(
      CallAs(bob, "AddRoleToInstanceProfile", {{"InstanceProfileName", "p"}, {"RoleName", "r"}}),
      "AccessDenied", "~iam:PassRole");
  AllowUser("bob", AllowDocument("iam:PassRole"), "pass");
  MustCallAs(bob, "AddRoleToInstanceProfile", {{"InstanceProfileName", "p"}, {"RoleName", "r"}});
}

}  // namespace
}  // namespace portcullis::api::iam::testing
