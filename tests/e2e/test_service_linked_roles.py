"""Service-linked roles: CreateServiceLinkedRole, DeleteServiceLinkedRole and
GetServiceLinkedRoleDeletionStatus, as boto3 and the aws CLI see them."""

from e2e_util import raises_aws

ACCOUNT = "123456789012"


def test_service_linked_role_lifecycle(iam):
    role = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com",
                                          Description="scaling")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForAutoScaling"
    assert role["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"
    assert role["Arn"] == (f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/"
                           "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": ["autoscaling.amazonaws.com"]}

    with raises_aws("InvalidInput", 400, message_contains="has been taken in this account"):
        iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")
    suffixed = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com",
                                              CustomSuffix="two")["Role"]
    assert suffixed["RoleName"] == "AWSServiceRoleForAutoScaling_two"

    # AWS: customers cannot delete or retrust a service-linked role directly.
    with raises_aws("UnmodifiableEntity", 400, message_contains="protected role"):
        iam.delete_role(RoleName="AWSServiceRoleForAutoScaling")

    task = iam.delete_service_linked_role(
        RoleName="AWSServiceRoleForAutoScaling")["DeletionTaskId"]
    assert task.startswith(
        "task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling/")
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert status["Status"] == "SUCCEEDED"
    with raises_aws("NoSuchEntity", 404):
        iam.get_role(RoleName="AWSServiceRoleForAutoScaling")
    with raises_aws("NoSuchEntity", 404):
        iam.delete_service_linked_role(RoleName="AWSServiceRoleForAutoScaling")


def test_service_linked_roles_with_the_cli(pc):
    out = pc.aws("iam", "create-service-linked-role", "--aws-service-name", "ecs.amazonaws.com")
    assert out["Role"]["RoleName"] == "AWSServiceRoleForECS"
    task = pc.aws("iam", "delete-service-linked-role",
                  "--role-name", "AWSServiceRoleForECS")["DeletionTaskId"]
    status = pc.aws("iam", "get-service-linked-role-deletion-status",
                    "--deletion-task-id", task)
    assert status["Status"] == "SUCCEEDED"
    assert "InvalidInput" in pc.aws_error("iam", "create-service-linked-role",
                                          "--aws-service-name", "not-a-service")


def test_service_linked_role_access_denied(pc):
    creds = pc.make_user("slr-limited")
    with raises_aws("AccessDenied", 403, message_contains="iam:CreateServiceLinkedRole"):
        pc.iam(creds).create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
