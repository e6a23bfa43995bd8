"""Service-specific credentials: Create/Reset/Update/Delete/ListServiceSpecificCredentials,
as boto3, the aws CLI and raw Query requests (for members newer than Debian's botocore) see
them."""

import re

from e2e_util import allow, parse_error, policy_doc, raises_aws

ACCOUNT = "123456789012"


def test_service_specific_credential_lifecycle(iam):
    iam.create_user(UserName="jane")
    created = iam.create_service_specific_credential(
        UserName="jane", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    cred_id = created["ServiceSpecificCredentialId"]
    assert re.fullmatch(r"ACCA[A-Z2-7]{17}", cred_id)
    assert created["ServiceUserName"] == f"jane-at-{ACCOUNT}"
    assert created["UserName"] == "jane"
    assert created["Status"] == "Active"
    assert created["ServiceName"] == "codecommit.amazonaws.com"
    password = created["ServicePassword"]
    assert len(password) == 44

    listed = iam.list_service_specific_credentials(UserName="jane")["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in listed] == [cred_id]
    assert "ServicePassword" not in listed[0]
    assert listed[0]["ServiceUserName"] == f"jane-at-{ACCOUNT}"

    reset = iam.reset_service_specific_credential(
        UserName="jane", ServiceSpecificCredentialId=cred_id)["ServiceSpecificCredential"]
    assert len(reset["ServicePassword"]) == 44 and reset["ServicePassword"] != password

    iam.update_service_specific_credential(UserName="jane", ServiceSpecificCredentialId=cred_id,
                                           Status="Inactive")
    listed = iam.list_service_specific_credentials(UserName="jane")["ServiceSpecificCredentials"]
    assert listed[0]["Status"] == "Inactive"

    # A credential keeps its user from being deleted.
    with raises_aws("DeleteConflict", 409):
        iam.delete_user(UserName="jane")
    iam.delete_service_specific_credential(UserName="jane", ServiceSpecificCredentialId=cred_id)
    with raises_aws("NoSuchEntity", 404, message_contains=cred_id):
        iam.reset_service_specific_credential(UserName="jane",
                                              ServiceSpecificCredentialId=cred_id)
    assert iam.list_service_specific_credentials(
        UserName="jane")["ServiceSpecificCredentials"] == []
    iam.delete_user(UserName="jane")


def test_service_specific_credential_errors(iam):
    iam.create_user(UserName="dev")
    with raises_aws("NotSupportedService", 404):
        iam.create_service_specific_credential(UserName="dev", ServiceName="s3.amazonaws.com")
    with raises_aws("NoSuchEntity", 404, message_contains="The user with name ghost"):
        iam.create_service_specific_credential(UserName="ghost",
                                               ServiceName="codecommit.amazonaws.com")
    names = [iam.create_service_specific_credential(
        UserName="dev", ServiceName="cassandra.amazonaws.com")["ServiceSpecificCredential"][
            "ServiceUserName"] for _ in range(2)]
    # AWS names a user's second set for a service USER+1-at-ACCOUNT.
    assert names == [f"dev-at-{ACCOUNT}", f"dev+1-at-{ACCOUNT}"]
    with raises_aws("LimitExceeded", 409,
                    message_contains="ServiceSpecificCredentialsPerUserPerService: 2"):
        iam.create_service_specific_credential(UserName="dev",
                                               ServiceName="cassandra.amazonaws.com")
    # The quota is per service.
    iam.create_service_specific_credential(UserName="dev", ServiceName="codecommit.amazonaws.com")
    only = iam.list_service_specific_credentials(UserName="dev",
                                                 ServiceName="codecommit.amazonaws.com")
    assert len(only["ServiceSpecificCredentials"]) == 1
    with raises_aws("NoSuchEntity", 404):
        iam.delete_service_specific_credential(UserName="dev",
                                               ServiceSpecificCredentialId="ACCA" + "A" * 17)


def test_service_specific_credentials_for_the_caller(pc):
    creds = pc.make_user("coder", policy=policy_doc(
        allow("iam:*ServiceSpecificCredential*", f"arn:aws:iam::{ACCOUNT}:user/coder")))
    own = pc.iam(creds)
    cred = own.create_service_specific_credential(
        UserName="coder", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    # Without UserName: the caller's own credentials.
    listed = own.list_service_specific_credentials()["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in listed] == [
        cred["ServiceSpecificCredentialId"]]
    own.update_service_specific_credential(
        ServiceSpecificCredentialId=cred["ServiceSpecificCredentialId"], Status="Inactive")
    pc.iam().create_user(UserName="someone-else")
    with raises_aws("AccessDenied", 403, message_contains="iam:CreateServiceSpecificCredential"):
        own.create_service_specific_credential(UserName="someone-else",
                                               ServiceName="codecommit.amazonaws.com")


def test_bedrock_api_keys_by_raw_query(pc, iam):
    """CredentialAgeDays, ServiceCredentialAlias/Secret and AllUsers are newer than Debian's
    botocore."""
    iam.create_user(UserName="bot")
    resp = pc.signed_query({"Action": "CreateServiceSpecificCredential", "UserName": "bot",
                            "ServiceName": "bedrock.amazonaws.com", "CredentialAgeDays": "30"})
    assert resp.status == 200, resp.text
    assert resp.find("ServiceCredentialSecret").startswith("ABSK")
    assert resp.find("ServiceCredentialAlias") == f"bot-at-{ACCOUNT}"
    assert resp.find("ExpirationDate")
    assert resp.find("ServicePassword") is None
    resp = pc.signed_query({"Action": "CreateServiceSpecificCredential", "UserName": "bot",
                            "ServiceName": "codecommit.amazonaws.com",
                            "CredentialAgeDays": "30"})
    err = parse_error(resp)
    assert (err.status, err.code) == (400, "InvalidInput")
    iam.create_service_specific_credential(UserName="bot", ServiceName="codecommit.amazonaws.com")
    resp = pc.signed_query({"Action": "ListServiceSpecificCredentials", "AllUsers": "true",
                            "MaxItems": "1"})
    assert resp.status == 200, resp.text
    assert resp.find("IsTruncated") == "true"
    resp = pc.signed_query({"Action": "ListServiceSpecificCredentials", "AllUsers": "true",
                            "MaxItems": "1", "Marker": resp.find("Marker")})
    assert resp.find("IsTruncated") == "false"


def test_service_specific_credentials_with_the_cli(pc):
    pc.iam().create_user(UserName="cli-coder")
    out = pc.aws("iam", "create-service-specific-credential", "--user-name", "cli-coder",
                 "--service-name", "codecommit.amazonaws.com")["ServiceSpecificCredential"]
    cred_id = out["ServiceSpecificCredentialId"]
    assert out["ServiceUserName"] == f"cli-coder-at-{ACCOUNT}"
    listed = pc.aws("iam", "list-service-specific-credentials", "--user-name", "cli-coder")
    assert [c["ServiceSpecificCredentialId"]
            for c in listed["ServiceSpecificCredentials"]] == [cred_id]
    reset = pc.aws("iam", "reset-service-specific-credential", "--user-name", "cli-coder",
                   "--service-specific-credential-id", cred_id)
    assert reset["ServiceSpecificCredential"]["ServicePassword"]
    pc.aws("iam", "update-service-specific-credential", "--user-name", "cli-coder",
           "--service-specific-credential-id", cred_id, "--status", "Inactive")
    assert "NotSupportedService" in pc.aws_error(
        "iam", "create-service-specific-credential", "--user-name", "cli-coder",
        "--service-name", "ec2.amazonaws.com")
    pc.aws("iam", "delete-service-specific-credential", "--user-name", "cli-coder",
           "--service-specific-credential-id", cred_id)
    assert "NoSuchEntity" in pc.aws_error(
        "iam", "delete-service-specific-credential", "--user-name", "cli-coder",
        "--service-specific-credential-id", cred_id)
