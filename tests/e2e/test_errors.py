"""Error paths: AWS error codes, messages and HTTP statuses, via boto3, raw HTTP and the CLI."""

import json

import pytest

from e2e_util import allow, parse_error, policy_doc, raises_aws

ACCOUNT = "123456789012"


def test_duplicate_is_entity_already_exists(pc, iam):
    iam.create_user(UserName="dup")
    with raises_aws("EntityAlreadyExists", 409) as err:
        iam.create_user(UserName="dup")
    assert "dup" in err.message
    # The raw reply is an ErrorResponse with Type Sender and a RequestId.
    resp = pc.signed_query({"Action": "CreateUser", "UserName": "dup"})
    assert resp.status == 409
    error = parse_error(resp)
    assert error.code == "EntityAlreadyExists"
    assert error.type == "Sender"
    assert error.request_id
    assert resp.headers.get("content-type", "").startswith("text/xml")
    assert resp.headers.get("x-amzn-requestid") == error.request_id


def test_missing_is_no_such_entity(iam):
    with raises_aws("NoSuchEntity", 404, message_contains="nobody") as err:
        iam.get_user(UserName="nobody")
    assert err.message == "The user with name nobody cannot be found."
    with raises_aws("NoSuchEntity", 404):
        iam.get_group(GroupName="nogroup")
    with raises_aws("NoSuchEntity", 404):
        iam.get_policy(PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/nopolicy")


def test_quota_is_limit_exceeded(iam):
    iam.create_user(UserName="q")
    iam.create_access_key(UserName="q")
    iam.create_access_key(UserName="q")
    with raises_aws("LimitExceeded", 409) as err:
        iam.create_access_key(UserName="q")
    assert "AccessKeysPerUser" in err.message


@pytest.mark.parametrize("document,message", [
    ("not json", "Syntax errors in policy."),
    ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}',
     "Policy statement must contain resources."),
    ('{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}',
     None),
    ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*",'
     '"Principal":"*"}]}', "Policy document should not specify a principal."),
    ('{"Version":"2099-01-01","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
     "The policy failed legacy parsing"),
    ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",'
     '"Resource":"not-an-arn"}]}', None),
    ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3GetObject",'
     '"Resource":"*"}]}', None),
    ('{"Version":"2012-10-17","Statement":[]}', None),
    ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*",'
     '"Condition":{"StringEqualz":{"aws:username":"x"}}}]}', None),
])
def test_malformed_policy_document(iam, document, message):
    # The messages are the ones AWS answers (IAM API reference, MalformedPolicyDocument).
    with raises_aws("MalformedPolicyDocument", 400) as err:
        iam.create_policy(PolicyName="bad", PolicyDocument=document)
    if message is not None:
        assert err.message == message
    iam.create_user(UserName="target")
    with raises_aws("MalformedPolicyDocument", 400):
        iam.put_user_policy(UserName="target", PolicyName="bad", PolicyDocument=document)
    assert iam.list_policies(Scope="Local")["Policies"] == []


def test_validation_errors(iam):
    # The model's pattern for user names is [\w+=,.@-]+ and the length at most 64.
    with raises_aws("ValidationError", 400) as err:
        iam.create_user(UserName="bad name!")
    assert "userName" in err.message
    assert "failed to satisfy constraint" in err.message
    with raises_aws("ValidationError", 400) as err:
        iam.create_user(UserName="x" * 65)
    assert "userName" in err.message
    assert "length less than or equal to 64" in err.message
    # A path must start and end with a slash.
    with raises_aws("ValidationError", 400):
        iam.create_user(UserName="ok", Path="no-slashes")
    assert iam.list_users()["Users"] == []
    with raises_aws("ValidationError", 400):
        iam.create_group(GroupName="g" * 129)
    with raises_aws("ValidationError", 400):
        iam.update_access_key(UserName="nobody", AccessKeyId="AKIAIOSFODNN7EXAMPLE",
                              Status="Sleeping")


def test_missing_required_parameter_raw(pc):
    resp = pc.signed_query({"Action": "CreateUser"})
    assert resp.status == 400
    err = parse_error(resp)
    assert err.code in ("ValidationError", "MissingParameter"), err
    assert "UserName" in err.message or "userName" in err.message


def test_unknown_action_raw(pc):
    resp = pc.signed_query({"Action": "MakeCoffee"})
    assert resp.status == 400
    assert parse_error(resp).code == "InvalidAction"


def test_unimplemented_service_names_itself(pc):
    # Every iam and sts operation is implemented (CompatibilityTest keeps the table true);
    # a request signed for a service Portcullis does not speak must say so, never succeed.
    resp = pc.signed_query({"Action": "DescribeInstances", "Version": "2016-11-15"},
                           service="ec2")
    err = parse_error(resp)
    assert resp.status == 501, resp.text
    assert err.code == "NotImplemented", resp.text
    assert "ec2" in err.message, err


def test_access_denied_message(pc):
    creds = pc.make_user("denied")
    client = pc.iam(creds)
    with raises_aws("AccessDenied", 403) as err:
        client.create_user(UserName="newcomer")
    assert err.message == (
        f"User: arn:aws:iam::{ACCOUNT}:user/denied is not authorized to perform: "
        f"iam:CreateUser on resource: arn:aws:iam::{ACCOUNT}:user/newcomer "
        f"because no identity-based policy allows the iam:CreateUser action")
    with raises_aws("AccessDenied", 403) as err:
        client.list_users()
    assert err.message.startswith(
        f"User: arn:aws:iam::{ACCOUNT}:user/denied is not authorized to perform: "
        f"iam:ListUsers on resource: ")
    assert "no identity-based policy allows the iam:ListUsers action" in err.message
    # Nothing was created.
    assert [u["UserName"] for u in pc.iam().list_users()["Users"]] == ["denied"]


def test_access_denied_by_explicit_deny_message(pc, iam):
    creds = pc.make_user("blocked", policy=policy_doc(
        allow("iam:*"), {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}))
    iam.create_user(UserName="victim")
    with raises_aws("AccessDenied", 403) as err:
        pc.iam(creds).delete_user(UserName="victim")
    assert err.message == (
        f"User: arn:aws:iam::{ACCOUNT}:user/blocked is not authorized to perform: "
        f"iam:DeleteUser on resource: arn:aws:iam::{ACCOUNT}:user/victim "
        f"with an explicit deny in an identity-based policy")
    iam.get_user(UserName="victim")


def test_errors_through_the_cli(pc):
    pc.aws("iam", "create-user", "--user-name", "twice")
    err = pc.aws_error("iam", "create-user", "--user-name", "twice")
    assert "EntityAlreadyExists" in err
    err = pc.aws_error("iam", "create-user", "--user-name", "bad name!")
    assert "ValidationError" in err
    err = pc.aws_error("iam", "create-policy", "--policy-name", "bad",
                       "--policy-document", json.dumps({"Statement": "nope"}))
    assert "MalformedPolicyDocument" in err
