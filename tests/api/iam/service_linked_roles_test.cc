// Tests of the service-linked role operations (service_linked_roles.cc).
#include <gtest/gtest.h>
#include <string>

#include "api/iam/common.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

using ServiceLinkedRolesTest = IamApiTest;

TEST_F(ServiceLinkedRolesTest, CreateNamesAndPathsTheRole) {
  const protocol::Value created =
      MustCall("CreateServiceLinkedRole",
               {{"AWSServiceName", "autoscaling.amazonaws.com"}, {"Description", "scaling"}});
  EXPECT_EQ(TextAt(created, "Role.RoleName"), "AWSServiceRoleForAutoScaling");
  EXPECT_EQ(TextAt(created, "Role.Path"), "/aws-service-role/autoscaling.amazonaws.com/");
  EXPECT_EQ(TextAt(created, "Role.Arn"),
            "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/"
            "AWSServiceRoleForAutoScaling");
  EXPECT_NE(UrlDecode(TextAt(created, "Role.AssumeRolePolicyDocument"))
                .find(R"("Service":["autoscaling.amazonaws.com"])"),
            std::string::npos);
  EXPECT_EQ(TextAt(MustCall("GetRole", {{"RoleName", "AWSServiceRoleForAutoScaling"}}),
                   "Role.Description"),
            "scaling");

  const protocol::Value custom =
      MustCall("CreateServiceLinkedRole",
               {{"AWSServiceName", "autoscaling.amazonaws.com"}, {"CustomSuffix", "second"}});
  EXPECT_EQ(TextAt(custom, "Role.RoleName"), "AWSServiceRoleForAutoScaling_second");
  EXPECT_EQ(
      TextAt(MustCall("CreateServiceLinkedRole", {{"AWSServiceName", "cloud-map.amazonaws.com"}}),
             "Role.RoleName"),
      "AWSServiceRoleForCloudMap");

  EXPECT_AWS_ERROR(
      Call("CreateServiceLinkedRole", {{"AWSServiceName", "autoscaling.amazonaws.com"}}),
      "InvalidInput",
      "Service role name AWSServiceRoleForAutoScaling has been taken in this account, please "
      "try a different suffix.");
  EXPECT_AWS_ERROR(Call("CreateServiceLinkedRole", {{"AWSServiceName", "not-a-service"}}),
                   "InvalidInput");
}

TEST_F(ServiceLinkedRolesTest, ProtectedFromCustomerChanges) {
  MustCall("CreateServiceLinkedRole", {{"AWSServiceName", "ecs.amazonaws.com"}});
  EXPECT_AWS_ERROR(Call("DeleteRole", {{"RoleName", "AWSServiceRoleForECS"}}), "UnmodifiableEntity",
                   "Cannot perform the operation on the protected role 'AWSServiceRoleForECS' - "
                   "this role is only modifiable by AWS");
  EXPECT_AWS_ERROR(
      Call(
          "UpdateAssumeRolePolicy",
          {{"RoleName", "AWSServiceRoleForECS"},
           {"PolicyDocument",
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})"}}),
      "UnmodifiableEntity");
}

TEST_F(ServiceLinkedRolesTest, DeleteReturnsATaskThatSucceeds) {
  MustCall("CreateServiceLinkedRole", {{"AWSServiceName", "ecs.amazonaws.com"}});
  const protocol::Value deleted =
      MustCall("DeleteServiceLinkedRole", {{"RoleName", "AWSServiceRoleForECS"}});
  const std::string task = TextAt(deleted, "DeletionTaskId");
  EXPECT_EQ(task.rfind("task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/", 0), 0U)
      << task;
  EXPECT_AWS_ERROR(Call("GetRole", {{"RoleName", "AWSServiceRoleForECS"}}), "NoSuchEntity");
  EXPECT_EQ(
      TextAt(MustCall("GetServiceLinkedRoleDeletionStatus", {{"DeletionTaskId", task}}), "Status"),
      "SUCCEEDED");
  EXPECT_AWS_ERROR(Call("GetServiceLinkedRoleDeletionStatus", {{"DeletionTaskId", "task/x"}}),
                   "InvalidInput");
  EXPECT_AWS_ERROR(Call("DeleteServiceLinkedRole", {{"RoleName", "AWSServiceRoleForECS"}}),
                   "NoSuchEntity");
  MustCall(
      "CreateRole",
      {{"RoleName", "plain"},
       {"AssumeRolePolicyDocument",
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})"}});
  EXPECT_AWS_ERROR(Call("DeleteServiceLinkedRole", {{"RoleName", "plain"}}), "InvalidInput");
}

TEST_F(ServiceLinkedRolesTest, AccessDenied) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const auth::Caller bob = UserCaller("bob");
  EXPECT_AWS_ERROR(
      CallAs(bob, "CreateServiceLinkedRole", {{"AWSServiceName", "ecs.amazonaws.com"}}),
      "AccessDenied");
  // The iam:AWSServiceName condition key is set.
  AllowUser(
      "bob",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*","Condition":{"StringEquals":{"iam:AWSServiceName":"ecs.amazonaws.com"}}}]})");
  MustCallAs(bob, "CreateServiceLinkedRole", {{"AWSServiceName", "ecs.amazonaws.com"}});
  EXPECT_AWS_ERROR(
      CallAs(bob, "CreateServiceLinkedRole", {{"AWSServiceName", "rds.amazonaws.com"}}),
      "AccessDenied");
}

}  // namespace
}  // namespace portcullis::api::iam::testing
