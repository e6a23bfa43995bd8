"""Tags and permissions boundaries of users and roles, and the issue-4 evidence that they
decide access: a boundary denies what an attached policy allows; a tag condition
(aws:PrincipalTag/team) decides access."""

import json

from e2e_util import raises_aws

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def test_user_tags_round_trip(pc, iam):
    iam.create_user(UserName="tagged")
    iam.tag_user(UserName="tagged", Tags=[{"Key": "team", "Value": "red"},
                                          {"Key": "cost", "Value": "42"}])
    tags = {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName="tagged")["Tags"]}
    assert tags == {"team": "red", "cost": "42"}
    # A key given again (any case) replaces the value.
    iam.tag_user(UserName="tagged", Tags=[{"Key": "TEAM", "Value": "blue"}])
    tags = iam.list_user_tags(UserName="tagged")["Tags"]
    assert len(tags) == 2 and {"Key": "team", "Value": "blue"} in tags
    assert iam.get_user(UserName="tagged")["User"]["Tags"] == tags
    iam.untag_user(UserName="tagged", TagKeys=["cost", "absent"])
    assert iam.list_user_tags(UserName="tagged")["Tags"] == [{"Key": "team", "Value": "blue"}]
    # The CLI, with paging.
    pc.aws("iam", "tag-user", "--user-name", "tagged", "--tags",
           *[f"Key=k{i},Value=v{i}" for i in range(10)])
    listed = pc.aws("iam", "list-user-tags", "--user-name", "tagged", "--page-size", "3")
    assert len(listed["Tags"]) == 11


def test_tag_errors(iam):
    iam.create_user(UserName="t")
    with raises_aws("InvalidInput", 400):
        iam.tag_user(UserName="t", Tags=[{"Key": "aws:reserved", "Value": "x"}])
    with raises_aws("NoSuchEntity", 404):
        iam.tag_user(UserName="ghost", Tags=[{"Key": "a", "Value": "b"}])
    iam.tag_user(UserName="t", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(40)])
    with raises_aws("LimitExceeded", 409):
        iam.tag_user(UserName="t", Tags=[{"Key": f"n{i}", "Value": "v"} for i in range(11)])
    assert len(iam.list_user_tags(UserName="t")["Tags"]) == 40
    with raises_aws("NoSuchEntity", 404):
        iam.list_role_tags(RoleName="ghost")


def test_role_tags_and_boundary(iam):
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    iam.tag_role(RoleName="r", Tags=[{"Key": "env", "Value": "prod"}])
    assert iam.list_role_tags(RoleName="r")["Tags"] == [{"Key": "env", "Value": "prod"}]
    iam.untag_role(RoleName="r", TagKeys=["env"])
    assert iam.list_role_tags(RoleName="r")["Tags"] == []

    boundary = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    iam.put_role_permissions_boundary(RoleName="r", PermissionsBoundary=boundary)
    got = iam.get_role(RoleName="r")["Role"]["PermissionsBoundary"]
    assert got == {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                   "PermissionsBoundaryArn": boundary}
    iam.delete_role_permissions_boundary(RoleName="r")
    assert "PermissionsBoundary" not in iam.get_role(RoleName="r")["Role"]
    with raises_aws("NoSuchEntity", 404):
        iam.put_role_permissions_boundary(
            RoleName="r", PermissionsBoundary="arn:aws:iam::123456789012:policy/none")


def test_boundary_denies_what_an_attached_policy_allows(pc, iam):
    creds = pc.make_user("bounded")
    iam.attach_user_policy(UserName="bounded",
                           PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    as_user = pc.iam(creds)
    as_user.create_group(GroupName="allowed-before-boundary")

    # The boundary allows reads only: CreateGroup is now denied, reads still work.
    iam.put_user_permissions_boundary(UserName="bounded",
                                      PermissionsBoundary="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    with raises_aws("AccessDenied", 403) as err:
        as_user.create_group(GroupName="denied-by-boundary")
    assert "because no permissions boundary allows the iam:CreateGroup action" in err.message
    assert as_user.get_group(GroupName="allowed-before-boundary")["Group"]["GroupName"]
    user = iam.get_user(UserName="bounded")["User"]
    assert user["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith("IAMReadOnlyAccess")
    policy = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")["Policy"]
    assert policy["PermissionsBoundaryUsageCount"] >= 1

    # Removing the boundary restores the attached policy's reach at once.
    iam.delete_user_permissions_boundary(UserName="bounded")
    as_user.create_group(GroupName="allowed-again")


def test_principal_tag_condition_decides_access(pc, iam):
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red"}}}]}
    creds = pc.make_user("tina", policy=policy)
    as_tina = pc.iam(creds)
    with raises_aws("AccessDenied", 403):
        as_tina.list_users()
    iam.tag_user(UserName="tina", Tags=[{"Key": "team", "Value": "red"}])
    assert any(u["UserName"] == "tina" for u in as_tina.list_users()["Users"])
    iam.tag_user(UserName="tina", Tags=[{"Key": "team", "Value": "blue"}])
    with raises_aws("AccessDenied", 403):
        as_tina.list_users()


def test_tagging_needs_permission_and_request_tags_apply(pc, iam):
    # Tagging is allowed only with team=red in the request.
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "iam:TagUser", "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestTag/team": "red"}}}]}
    creds = pc.make_user("tagger", policy=policy)
    iam.create_user(UserName="target")
    as_tagger = pc.iam(creds)
    as_tagger.tag_user(UserName="target", Tags=[{"Key": "team", "Value": "red"}])
    with raises_aws("AccessDenied", 403):
        as_tagger.tag_user(UserName="target", Tags=[{"Key": "team", "Value": "blue"}])
    with raises_aws("AccessDenied", 403):
        as_tagger.untag_user(UserName="target", TagKeys=["team"])
