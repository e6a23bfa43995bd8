"""Authorization against the target's ARN (with paths), action wildcards, NotAction, and
the IAM-specific condition key iam:PolicyARN, as the IAM Service Authorization Reference
describes them."""

import json

from e2e_util import allow, deny, policy_doc, raises_aws

ACCOUNT = "123456789012"


def test_resources_are_the_target_arns(pc, iam):
    iam.create_group(GroupName="team-a", Path="/teams/")
    iam.create_group(GroupName="other")
    iam.create_user(UserName="managed", Path="/staff/")
    iam.create_user(UserName="outsider")
    pol = iam.create_policy(PolicyName="team-policy", Path="/teams/",
                            PolicyDocument=policy_doc(allow("s3:GetObject")))["Policy"]["Arn"]
    creds = pc.make_user("operator", policy=policy_doc(
        allow(["iam:GetGroup", "iam:AddUserToGroup", "iam:AttachGroupPolicy"],
              f"arn:aws:iam::{ACCOUNT}:group/teams/*"),
        allow(["iam:GetUser", "iam:CreateAccessKey", "iam:PutUserPolicy"],
              f"arn:aws:iam::{ACCOUNT}:user/staff/*"),
        allow(["iam:GetPolicy", "iam:CreatePolicyVersion"],
              f"arn:aws:iam::{ACCOUNT}:policy/teams/*")))
    op = pc.iam(creds)

    assert op.get_group(GroupName="team-a")["Group"]["GroupName"] == "team-a"
    with raises_aws("AccessDenied", 403, message_contains="group/other"):
        op.get_group(GroupName="other")
    # AddUserToGroup is authorized on the group.
    op.add_user_to_group(GroupName="team-a", UserName="outsider")
    with raises_aws("AccessDenied", 403):
        op.add_user_to_group(GroupName="other", UserName="managed")

    assert op.get_user(UserName="managed")["User"]["Path"] == "/staff/"
    with raises_aws("AccessDenied", 403, message_contains="user/outsider"):
        op.get_user(UserName="outsider")
    op.create_access_key(UserName="managed")
    with raises_aws("AccessDenied", 403):
        op.create_access_key(UserName="outsider")
    op.put_user_policy(UserName="managed", PolicyName="p",
                       PolicyDocument=policy_doc(allow("s3:ListBucket")))
    with raises_aws("AccessDenied", 403):
        op.put_user_policy(UserName="outsider", PolicyName="p",
                           PolicyDocument=policy_doc(allow("s3:ListBucket")))

    assert op.get_policy(PolicyArn=pol)["Policy"]["PolicyName"] == "team-policy"
    op.create_policy_version(PolicyArn=pol, PolicyDocument=policy_doc(allow("s3:PutObject")))
    op.attach_group_policy(GroupName="team-a", PolicyArn=pol)
    with raises_aws("AccessDenied", 403):
        op.attach_group_policy(GroupName="other", PolicyArn=pol)


def test_action_wildcards_and_not_action(pc, iam):
    iam.create_user(UserName="target")
    creds = pc.make_user("wild", policy=policy_doc(
        allow("iam:*User*"),
        {"Effect": "Allow", "NotAction": ["iam:Delete*", "iam:Create*", "iam:*User*"],
         "Resource": "*"}))
    wild = pc.iam(creds)
    assert len(wild.list_users()["Users"]) == 2          # iam:*User*
    assert wild.list_groups()["Groups"] == []             # NotAction allows it
    wild.create_user(UserName="made-by-wild")             # iam:*User* matches CreateUser
    with raises_aws("AccessDenied", 403):
        wild.create_group(GroupName="nope")               # neither statement
    # Action names match case-insensitively.
    iam.put_user_policy(UserName="wild", PolicyName="wild-inline",
                        PolicyDocument=policy_doc(allow("IAM:listgroups")))
    assert wild.list_groups()["Groups"] == []
    with raises_aws("AccessDenied", 403):
        wild.list_users()


def test_policy_arn_condition_on_attach(pc, iam):
    # AWS: iam:PolicyARN is set for Attach/Detach{User,Group,Role}Policy.
    readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    iam.create_user(UserName="target")
    creds = pc.make_user("delegate", policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow",
                       "Action": ["iam:AttachUserPolicy", "iam:DetachUserPolicy"],
                       "Resource": "*",
                       "Condition": {"ArnEquals": {"iam:PolicyARN": readonly}}}]}))
    delegate = pc.iam(creds)
    delegate.attach_user_policy(UserName="target", PolicyArn=readonly)
    with raises_aws("AccessDenied", 403):
        delegate.attach_user_policy(UserName="target", PolicyArn=admin)
    assert iam.list_attached_user_policies(UserName="target")["AttachedPolicies"] == [
        {"PolicyName": "ReadOnlyAccess", "PolicyArn": readonly}]
    delegate.detach_user_policy(UserName="target", PolicyArn=readonly)


def test_deny_on_one_resource_only(pc, iam):
    iam.create_user(UserName="protected")
    iam.create_user(UserName="ordinary")
    creds = pc.make_user("admin-ish", policy=policy_doc(
        allow("iam:*"), deny("iam:*", f"arn:aws:iam::{ACCOUNT}:user/protected")))
    adm = pc.iam(creds)
    adm.delete_user(UserName="ordinary")
    with raises_aws("AccessDenied", 403, message_contains="explicit deny"):
        adm.delete_user(UserName="protected")
    with raises_aws("AccessDenied", 403, message_contains="explicit deny"):
        adm.update_user(UserName="protected", NewUserName="renamed")
    assert iam.get_user(UserName="protected")["User"]["UserName"] == "protected"
