"""Roles: Create/Get/Update/Delete/ListRoles, UpdateRoleDescription, UpdateAssumeRolePolicy
and role inline policies (Put/Get/Delete/ListRolePolicies), as boto3 and the aws CLI see
them."""

import datetime
import json
import re

from e2e_util import allow, parse_error, policy_doc, raises_aws

ACCOUNT = "123456789012"

TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


def test_create_get_role_shape(iam):
    created = iam.create_role(RoleName="app", Path="/svc/", AssumeRolePolicyDocument=TRUST,
                              Description="the app", MaxSessionDuration=7200,
                              Tags=[{"Key": "team", "Value": "blue"}])["Role"]
    assert created["RoleName"] == "app"
    assert created["Path"] == "/svc/"
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/svc/app"
    assert re.fullmatch(r"AROA[A-Z0-9]{17}", created["RoleId"]), created["RoleId"]
    assert isinstance(created["CreateDate"], datetime.datetime)

    got = iam.get_role(RoleName="app")["Role"]
    for key in ("RoleName", "Path", "Arn", "RoleId", "CreateDate"):
        assert got[key] == created[key], key
    # boto3 decodes the URL-encoded document into a dict.
    assert got["AssumeRolePolicyDocument"] == json.loads(TRUST)
    assert got["Description"] == "the app"
    assert got["MaxSessionDuration"] == 7200
    assert got["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert "RoleLastUsed" in got


def test_role_errors(iam):
    iam.create_role(RoleName="dup", AssumeRolePolicyDocument=TRUST)
    with raises_aws("EntityAlreadyExists", 409, message_contains="Role with name DUP"):
        iam.create_role(RoleName="DUP", AssumeRolePolicyDocument=TRUST)
    with raises_aws("NoSuchEntity", 404,
                    message_contains="The role with name nope cannot be found."):
        iam.get_role(RoleName="nope")
    with raises_aws("NoSuchEntity", 404):
        iam.delete_role(RoleName="nope")
    with raises_aws("NoSuchEntity", 404):
        iam.update_role(RoleName="nope", Description="x")
    # An identity policy is not a trust policy (no Principal).
    with raises_aws("MalformedPolicyDocument", 400):
        iam.create_role(RoleName="bad", AssumeRolePolicyDocument=policy_doc(allow("s3:*")))
    with raises_aws("MalformedPolicyDocument", 400):
        iam.update_assume_role_policy(RoleName="dup", PolicyDocument="{not json")


def test_max_session_duration_bounds(pc):
    # botocore checks the model's minimum itself, so send the form directly.
    for value in ("600", "43201"):
        resp = pc.signed_query({"Action": "CreateRole", "RoleName": "r",
                                "AssumeRolePolicyDocument": TRUST,
                                "MaxSessionDuration": value})
        err = parse_error(resp)
        assert (err.status, err.code) == (400, "ValidationError"), resp.text


def test_update_role_description_and_trust(iam):
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    iam.update_role(RoleName="r", Description="first", MaxSessionDuration=43200)
    got = iam.get_role(RoleName="r")["Role"]
    assert got["Description"] == "first"
    assert got["MaxSessionDuration"] == 43200
    out = iam.update_role_description(RoleName="r", Description="second")["Role"]
    assert out["Description"] == "second"
    other = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                            "Action": "sts:AssumeRole"}]}
    iam.update_assume_role_policy(RoleName="r", PolicyDocument=json.dumps(other))
    assert iam.get_role(RoleName="r")["Role"]["AssumeRolePolicyDocument"] == other


def test_list_roles_path_prefix_and_paging(iam):
    for name, path in [("a", "/eng/"), ("b", "/eng/backend/"), ("c", "/ops/")]:
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST,
                        Tags=[{"Key": "k", "Value": "v"}])
    roles = iam.list_roles()["Roles"]
    assert [r["RoleName"] for r in roles] == ["a", "b", "c"]
    # AWS: ListRoles leaves out Tags and PermissionsBoundary.
    assert all("Tags" not in r for r in roles)
    eng = [r["RoleName"] for r in iam.list_roles(PathPrefix="/eng/")["Roles"]]
    assert eng == ["a", "b"]
    page = iam.list_roles(MaxItems=2)
    assert page["IsTruncated"] and len(page["Roles"]) == 2
    rest = iam.list_roles(Marker=page["Marker"])
    assert [r["RoleName"] for r in rest["Roles"]] == ["c"]
    names = [r["RoleName"] for p in iam.get_paginator("list_roles").paginate(
        PaginationConfig={"PageSize": 1}) for r in p["Roles"]]
    assert names == ["a", "b", "c"]


def test_delete_role_conflicts(iam):
    iam.create_role(RoleName="busy", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="busy", PolicyName="p",
                        PolicyDocument=policy_doc(allow("s3:GetObject")))
    with raises_aws("DeleteConflict", 409,
                    message_contains="Cannot delete entity, must delete policies first."):
        iam.delete_role(RoleName="busy")
    iam.delete_role_policy(RoleName="busy", PolicyName="p")
    iam.attach_role_policy(RoleName="busy", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    attached = iam.list_attached_role_policies(RoleName="busy")["AttachedPolicies"]
    assert attached == [{"PolicyName": "ReadOnlyAccess",
                         "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
    with raises_aws("NoSuchEntity", 404):
        iam.list_attached_role_policies(RoleName="ghost")
    with raises_aws("DeleteConflict", 409,
                    message_contains="Cannot delete entity, must detach all policies first."):
        iam.delete_role(RoleName="busy")
    iam.detach_role_policy(RoleName="busy",
                           PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.delete_role(RoleName="busy")
    with raises_aws("NoSuchEntity", 404):
        iam.get_role(RoleName="busy")


def test_role_inline_policies(iam):
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    doc = {"Version": "2012-10-17",
           "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    iam.put_role_policy(RoleName="r", PolicyName="b", PolicyDocument=json.dumps(doc))
    iam.put_role_policy(RoleName="r", PolicyName="a", PolicyDocument=json.dumps(doc))
    got = iam.get_role_policy(RoleName="r", PolicyName="b")
    assert got["RoleName"] == "r" and got["PolicyName"] == "b"
    assert got["PolicyDocument"] == doc
    assert iam.list_role_policies(RoleName="r")["PolicyNames"] == ["a", "b"]
    iam.delete_role_policy(RoleName="r", PolicyName="a")
    with raises_aws("NoSuchEntity", 404,
                    message_contains="The role policy with name a cannot be found."):
        iam.get_role_policy(RoleName="r", PolicyName="a")
    with raises_aws("NoSuchEntity", 404):
        iam.list_role_policies(RoleName="none")
    with raises_aws("MalformedPolicyDocument", 400):
        iam.put_role_policy(RoleName="r", PolicyName="x", PolicyDocument="{")
    big = json.dumps({"Version": "2012-10-17",
                      "Statement": [{"Sid": "A" * 6000, "Effect": "Allow", "Action": "s3:*",
                                     "Resource": "*"}]})
    iam.put_role_policy(RoleName="r", PolicyName="big1", PolicyDocument=big)
    with raises_aws("LimitExceeded", 409,
                    message_contains="Maximum policy size of 10240 bytes exceeded for role r"):
        iam.put_role_policy(RoleName="r", PolicyName="big2", PolicyDocument=big)


def test_roles_with_the_cli(pc):
    trust_file = pc.write_tmp("trust.json", TRUST)
    out = pc.aws("iam", "create-role", "--role-name", "cli-role",
                 "--assume-role-policy-document", f"file://{trust_file}",
                 "--description", "from the cli")
    assert out["Role"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/cli-role"
    got = pc.aws("iam", "get-role", "--role-name", "cli-role")["Role"]
    assert got["Description"] == "from the cli"
    assert got["AssumeRolePolicyDocument"] == json.loads(TRUST)
    pc.aws("iam", "update-role", "--role-name", "cli-role", "--max-session-duration", "3601")
    pc.aws("iam", "put-role-policy", "--role-name", "cli-role", "--policy-name", "p",
           "--policy-document", policy_doc(allow("s3:ListBucket")))
    assert pc.aws("iam", "list-role-policies",
                  "--role-name", "cli-role")["PolicyNames"] == ["p"]
    listed = pc.aws("iam", "list-roles")["Roles"]
    assert [r["RoleName"] for r in listed] == ["cli-role"]
    err = pc.aws_error("iam", "delete-role", "--role-name", "cli-role")
    assert "DeleteConflict" in err
    pc.aws("iam", "delete-role-policy", "--role-name", "cli-role", "--policy-name", "p")
    pc.aws("iam", "delete-role", "--role-name", "cli-role")
    err = pc.aws_error("iam", "get-role", "--role-name", "cli-role")
    assert "NoSuchEntity" in err


def test_roles_per_account_quota(iam):
    for i in range(1000):
        iam.create_role(RoleName=f"q{i:04d}", AssumeRolePolicyDocument=TRUST)
    with raises_aws("LimitExceeded", 409,
                    message_contains="Cannot exceed quota for RolesPerAccount: 1000"):
        iam.create_role(RoleName="one-more", AssumeRolePolicyDocument=TRUST)


def test_role_access_denied_without_permission(pc, iam):
    iam.create_role(RoleName="guarded", AssumeRolePolicyDocument=TRUST)
    creds = pc.make_user("limited", policy=policy_doc(
        allow("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/guarded")))
    limited = pc.iam(creds)
    assert limited.get_role(RoleName="guarded")["Role"]["RoleName"] == "guarded"
    with raises_aws("AccessDenied", 403, message_contains="iam:CreateRole"):
        limited.create_role(RoleName="mine", AssumeRolePolicyDocument=TRUST)
    with raises_aws("AccessDenied", 403):
        limited.delete_role(RoleName="guarded")
    with raises_aws("AccessDenied", 403):
        limited.list_roles()
    with raises_aws("AccessDenied", 403):
        limited.put_role_policy(RoleName="guarded", PolicyName="p",
                                PolicyDocument=policy_doc(allow("s3:*")))
