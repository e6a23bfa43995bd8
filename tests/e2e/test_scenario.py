"""The scenario of issue 3, end to end, mostly with the aws CLI.

Group `admins` with a policy allowing all of S3 and IAM reads; users bob and carl in it;
helena with a policy attached directly; sam with access keys using the CLI; a deny-all
policy on carl overriding the group; removing the group's policy revokes bob at once.
"""

import json

from e2e_util import Creds, raises_aws

ACCOUNT = "123456789012"
ADMINS_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "S3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {"Sid": "IamRead", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
]}
DENY_ALL = {"Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}


def _key(out) -> Creds:
    key = out["AccessKey"]
    return Creds(key["AccessKeyId"], key["SecretAccessKey"])


def test_issue_scenario(pc):
    iam = pc.iam()
    policy_file = pc.write_tmp("admins.json", json.dumps(ADMINS_POLICY))
    deny_file = pc.write_tmp("deny.json", json.dumps(DENY_ALL))

    # The admins group and its policy, with the CLI as root.
    policy_arn = pc.aws("iam", "create-policy", "--policy-name", "AdminsRead",
                        "--policy-document", f"file://{policy_file}")["Policy"]["Arn"]
    pc.aws("iam", "create-group", "--group-name", "admins")
    pc.aws("iam", "attach-group-policy", "--group-name", "admins", "--policy-arn", policy_arn)

    keys = {}
    for name in ("bob", "carl"):
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName="admins", UserName=name)
        keys[name] = _key(iam.create_access_key(UserName=name))
    members = sorted(u["UserName"] for u in iam.get_group(GroupName="admins")["Users"])
    assert members == ["bob", "carl"]

    # helena: a policy attached directly (AWS managed IAMReadOnlyAccess).
    iam.create_user(UserName="helena")
    iam.attach_user_policy(UserName="helena",
                           PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    keys["helena"] = _key(iam.create_access_key(UserName="helena"))

    # sam: created with the CLI, his own keys, a policy that lets him read himself only.
    pc.aws("iam", "create-user", "--user-name", "sam")
    sam = _key(pc.aws("iam", "create-access-key", "--user-name", "sam"))
    self_only = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "iam:GetUser",
        "Resource": f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"}]}
    pc.aws("iam", "put-user-policy", "--user-name", "sam", "--policy-name", "self",
           "--policy-document", json.dumps(self_only))

    me = pc.aws("iam", "get-user", creds=sam)["User"]
    assert me["UserName"] == "sam"
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/sam"
    err = pc.aws_error("iam", "list-users", creds=sam)
    assert "AccessDenied" in err
    assert (f"User: arn:aws:iam::{ACCOUNT}:user/sam is not authorized to perform: "
            "iam:ListUsers") in err
    err = pc.aws_error("iam", "get-user", "--user-name", "bob", creds=sam)
    assert "AccessDenied" in err
    # Grant sam ListUsers: allowed at once.
    pc.aws("iam", "put-user-policy", "--user-name", "sam", "--policy-name", "list",
           "--policy-document", json.dumps({"Version": "2012-10-17", "Statement": [
               {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}))
    listed = pc.aws("iam", "list-users", creds=sam)
    assert sorted(u["UserName"] for u in listed["Users"]) == ["bob", "carl", "helena", "sam"]

    # bob and carl read IAM through the group, and cannot write.
    bob, carl = pc.iam(keys["bob"]), pc.iam(keys["carl"])
    assert len(bob.list_users()["Users"]) == 4
    assert carl.get_user(UserName="helena")["User"]["UserName"] == "helena"
    assert [g["GroupName"] for g in carl.list_groups()["Groups"]] == ["admins"]
    with raises_aws("AccessDenied", 403, message_contains="iam:CreateUser"):
        bob.create_user(UserName="intruder")
    err = pc.aws_error("iam", "delete-user", "--user-name", "sam", creds=keys["carl"])
    assert "AccessDenied" in err

    # helena reads through her directly attached policy and cannot write.
    helena = pc.iam(keys["helena"])
    assert helena.get_group(GroupName="admins")["Group"]["GroupName"] == "admins"
    with raises_aws("AccessDenied", 403):
        helena.attach_user_policy(UserName="helena",
                                  PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")

    # A deny-all policy on carl overrides the group at once; bob is unaffected.
    pc.aws("iam", "put-user-policy", "--user-name", "carl", "--policy-name", "deny-all",
           "--policy-document", f"file://{deny_file}")
    with raises_aws("AccessDenied", 403, message_contains="explicit deny"):
        carl.list_users()
    with raises_aws("AccessDenied", 403, message_contains="explicit deny"):
        carl.get_user()
    err = pc.aws_error("iam", "list-groups", creds=keys["carl"])
    assert "explicit deny" in err
    assert len(bob.list_users()["Users"]) == 4
    # Removing it restores carl at once; putting it back (managed this time) denies again.
    iam.delete_user_policy(UserName="carl", PolicyName="deny-all")
    assert len(carl.list_users()["Users"]) == 4
    deny_arn = iam.create_policy(PolicyName="DenyAll",
                                 PolicyDocument=json.dumps(DENY_ALL))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="carl", PolicyArn=deny_arn)
    with raises_aws("AccessDenied", 403, message_contains="explicit deny"):
        carl.list_users()

    # Removing the group's policy revokes bob at once.
    pc.aws("iam", "detach-group-policy", "--group-name", "admins", "--policy-arn", policy_arn)
    with raises_aws("AccessDenied", 403) as denied:
        bob.list_users()
    assert denied.message.startswith(
        f"User: arn:aws:iam::{ACCOUNT}:user/bob is not authorized to perform: iam:ListUsers "
        f"on resource: "), denied.message
    assert denied.message.endswith(
        "because no identity-based policy allows the iam:ListUsers action"), denied.message
    err = pc.aws_error("iam", "get-user", creds=keys["bob"])
    assert "AccessDenied" in err
    # Re-attaching restores bob; removing bob from the group revokes him again.
    iam.attach_group_policy(GroupName="admins", PolicyArn=policy_arn)
    assert len(bob.list_users()["Users"]) == 4
    iam.remove_user_from_group(GroupName="admins", UserName="bob")
    with raises_aws("AccessDenied", 403):
        bob.list_users()
    # Root is not limited by identity policies.
    assert len(iam.list_users()["Users"]) == 4
