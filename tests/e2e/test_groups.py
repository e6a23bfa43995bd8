"""Groups and membership."""

import re

from e2e_util import allow, policy_doc, raises_aws

ACCOUNT = "123456789012"


def test_group_crud(iam):
    created = iam.create_group(GroupName="devs", Path="/teams/")["Group"]
    assert created["GroupName"] == "devs"
    assert created["Path"] == "/teams/"
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT}:group/teams/devs"
    assert re.fullmatch(r"AGPA[A-Z0-9]{17}", created["GroupId"]), created["GroupId"]

    got = iam.get_group(GroupName="devs")
    assert got["Group"]["GroupId"] == created["GroupId"]
    assert got["Users"] == []
    assert got["IsTruncated"] is False

    with raises_aws("EntityAlreadyExists", 409):
        iam.create_group(GroupName="devs")

    iam.create_group(GroupName="ops")
    names = sorted(g["GroupName"] for g in iam.list_groups()["Groups"])
    assert names == ["devs", "ops"]
    assert [g["GroupName"] for g in iam.list_groups(PathPrefix="/teams/")["Groups"]] == ["devs"]

    iam.update_group(GroupName="devs", NewGroupName="developers", NewPath="/people/")
    with raises_aws("NoSuchEntity", 404):
        iam.get_group(GroupName="devs")
    renamed = iam.get_group(GroupName="developers")["Group"]
    assert renamed["Arn"] == f"arn:aws:iam::{ACCOUNT}:group/people/developers"
    assert renamed["GroupId"] == created["GroupId"]

    iam.delete_group(GroupName="developers")
    with raises_aws("NoSuchEntity", 404):
        iam.get_group(GroupName="developers")
    with raises_aws("NoSuchEntity", 404):
        iam.delete_group(GroupName="developers")
    assert [g["GroupName"] for g in iam.list_groups()["Groups"]] == ["ops"]


def test_membership(iam):
    iam.create_group(GroupName="g1")
    iam.create_group(GroupName="g2")
    iam.create_user(UserName="u1")
    iam.create_user(UserName="u2")
    iam.add_user_to_group(GroupName="g1", UserName="u1")
    iam.add_user_to_group(GroupName="g1", UserName="u2")
    iam.add_user_to_group(GroupName="g2", UserName="u1")
    # Adding an existing member again is not an error in AWS.
    iam.add_user_to_group(GroupName="g1", UserName="u1")

    members = sorted(u["UserName"] for u in iam.get_group(GroupName="g1")["Users"])
    assert members == ["u1", "u2"]
    groups = sorted(g["GroupName"] for g in iam.list_groups_for_user(UserName="u1")["Groups"])
    assert groups == ["g1", "g2"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="u2")["Groups"]] == ["g1"]

    iam.remove_user_from_group(GroupName="g1", UserName="u1")
    assert [u["UserName"] for u in iam.get_group(GroupName="g1")["Users"]] == ["u2"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="u1")["Groups"]] == ["g2"]

    with raises_aws("NoSuchEntity", 404):
        iam.add_user_to_group(GroupName="g1", UserName="ghost")
    with raises_aws("NoSuchEntity", 404):
        iam.add_user_to_group(GroupName="ghosts", UserName="u1")
    with raises_aws("NoSuchEntity", 404):
        iam.list_groups_for_user(UserName="ghost")


def test_delete_group_with_members_or_policies_conflicts(iam):
    iam.create_group(GroupName="full")
    iam.create_user(UserName="member")
    iam.add_user_to_group(GroupName="full", UserName="member")
    with raises_aws("DeleteConflict", 409):
        iam.delete_group(GroupName="full")
    iam.remove_user_from_group(GroupName="full", UserName="member")

    iam.put_group_policy(GroupName="full", PolicyName="p",
                         PolicyDocument=policy_doc(allow("s3:*")))
    with raises_aws("DeleteConflict", 409):
        iam.delete_group(GroupName="full")
    iam.delete_group_policy(GroupName="full", PolicyName="p")

    iam.attach_group_policy(GroupName="full",
                            PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    with raises_aws("DeleteConflict", 409):
        iam.delete_group(GroupName="full")
    iam.detach_group_policy(GroupName="full",
                            PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    iam.delete_group(GroupName="full")


def test_groups_with_the_cli(pc):
    pc.aws("iam", "create-group", "--group-name", "cli-group")
    pc.aws("iam", "create-user", "--user-name", "cli-member")
    pc.aws("iam", "add-user-to-group", "--group-name", "cli-group", "--user-name", "cli-member")
    got = pc.aws("iam", "get-group", "--group-name", "cli-group")
    assert [u["UserName"] for u in got["Users"]] == ["cli-member"]
    listed = pc.aws("iam", "list-groups-for-user", "--user-name", "cli-member")
    assert [g["GroupName"] for g in listed["Groups"]] == ["cli-group"]
