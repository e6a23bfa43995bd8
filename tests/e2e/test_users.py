"""Users: Create/Get/Update/Delete/ListUsers, as boto3 and the aws CLI see them."""

import datetime
import re

import pytest

from e2e_util import allow, policy_doc, raises_aws

ACCOUNT = "123456789012"


def test_create_get_user_shape(iam):
    created = iam.create_user(UserName="alice", Path="/eng/")["User"]
    assert created["UserName"] == "alice"
    assert created["Path"] == "/eng/"
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/eng/alice"
    assert re.fullmatch(r"AIDA[A-Z0-9]{17}", created["UserId"]), created["UserId"]
    assert isinstance(created["CreateDate"], datetime.datetime)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - created["CreateDate"]).total_seconds()) < 300

    got = iam.get_user(UserName="alice")["User"]
    for key in ("UserName", "Path", "Arn", "UserId", "CreateDate"):
        assert got[key] == created[key], key


def test_create_user_default_path_and_tags(iam):
    user = iam.create_user(UserName="tagged",
                           Tags=[{"Key": "team", "Value": "blue"}])["User"]
    assert user["Path"] == "/"
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/tagged"
    got = iam.get_user(UserName="tagged")["User"]
    assert got.get("Tags") == [{"Key": "team", "Value": "blue"}]


def test_user_names_are_case_insensitive_unique(iam):
    iam.create_user(UserName="Dave")
    # AWS: user names are not distinguished by case.
    with raises_aws("EntityAlreadyExists", 409):
        iam.create_user(UserName="dave")


def test_update_user_renames_and_moves(iam):
    original = iam.create_user(UserName="before", Path="/a/")["User"]
    iam.update_user(UserName="before", NewUserName="after", NewPath="/b/")
    with raises_aws("NoSuchEntity", 404):
        iam.get_user(UserName="before")
    moved = iam.get_user(UserName="after")["User"]
    assert moved["Path"] == "/b/"
    assert moved["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/b/after"
    assert moved["UserId"] == original["UserId"]
    names = [u["UserName"] for u in iam.list_users()["Users"]]
    assert names == ["after"]


def test_update_user_to_existing_name_conflicts(iam):
    iam.create_user(UserName="one")
    iam.create_user(UserName="two")
    with raises_aws("EntityAlreadyExists", 409):
        iam.update_user(UserName="one", NewUserName="two")
    with raises_aws("NoSuchEntity", 404):
        iam.update_user(UserName="nobody", NewUserName="three")


def test_delete_user(iam):
    iam.create_user(UserName="gone")
    iam.delete_user(UserName="gone")
    with raises_aws("NoSuchEntity", 404, message_contains="gone"):
        iam.get_user(UserName="gone")
    with raises_aws("NoSuchEntity", 404):
        iam.delete_user(UserName="gone")
    assert iam.list_users()["Users"] == []


def test_delete_user_with_subresources_conflicts(iam):
    # AWS: DeleteUser fails with DeleteConflict while the user has access keys, inline
    # or attached policies or group memberships.
    iam.create_user(UserName="busy")
    key = iam.create_access_key(UserName="busy")["AccessKey"]
    with raises_aws("DeleteConflict", 409):
        iam.delete_user(UserName="busy")
    iam.delete_access_key(UserName="busy", AccessKeyId=key["AccessKeyId"])

    iam.put_user_policy(UserName="busy", PolicyName="p",
                        PolicyDocument=policy_doc(allow("iam:GetUser")))
    with raises_aws("DeleteConflict", 409):
        iam.delete_user(UserName="busy")
    iam.delete_user_policy(UserName="busy", PolicyName="p")

    iam.attach_user_policy(UserName="busy",
                           PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    with raises_aws("DeleteConflict", 409):
        iam.delete_user(UserName="busy")
    iam.detach_user_policy(UserName="busy",
                           PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")

    iam.create_group(GroupName="g")
    iam.add_user_to_group(GroupName="g", UserName="busy")
    with raises_aws("DeleteConflict", 409):
        iam.delete_user(UserName="busy")
    iam.remove_user_from_group(GroupName="g", UserName="busy")

    iam.delete_user(UserName="busy")
    with raises_aws("NoSuchEntity", 404):
        iam.get_user(UserName="busy")


def test_list_users_path_prefix(iam):
    for name, path in [("e1", "/eng/"), ("e2", "/eng/backend/"), ("o1", "/ops/"),
                       ("r1", "/")]:
        iam.create_user(UserName=name, Path=path)
    everyone = sorted(u["UserName"] for u in iam.list_users()["Users"])
    assert everyone == ["e1", "e2", "o1", "r1"]
    eng = sorted(u["UserName"] for u in iam.list_users(PathPrefix="/eng/")["Users"])
    assert eng == ["e1", "e2"]
    backend = [u["UserName"] for u in iam.list_users(PathPrefix="/eng/backend/")["Users"]]
    assert backend == ["e2"]
    assert iam.list_users(PathPrefix="/nothing/")["Users"] == []
    listed = iam.list_users(PathPrefix="/ops/")
    assert listed["IsTruncated"] is False
    assert listed["Users"][0]["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/ops/o1"


def test_get_user_without_name_returns_the_caller(pc, iam):
    # As root: AWS answers with the account's root identity.
    me = iam.get_user()["User"]
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert me["UserId"] == ACCOUNT
    # As an IAM user allowed to read himself.
    creds = pc.make_user("walter", path="/staff/",
                         policy=policy_doc(allow("iam:GetUser",
                                                 f"arn:aws:iam::{ACCOUNT}:user/staff/walter")))
    me = pc.iam(creds).get_user()["User"]
    assert me["UserName"] == "walter"
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/staff/walter"
    assert me["UserId"].startswith("AIDA")


def test_users_with_the_cli(pc):
    out = pc.aws("iam", "create-user", "--user-name", "cli-user", "--path", "/cli/")
    assert out["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/cli/cli-user"
    listed = pc.aws("iam", "list-users", "--path-prefix", "/cli/")
    assert [u["UserName"] for u in listed["Users"]] == ["cli-user"]
    assert pc.aws("iam", "update-user", "--user-name", "cli-user",
                  "--new-user-name", "cli-renamed") is None
    assert pc.aws("iam", "delete-user", "--user-name", "cli-renamed") is None
    err = pc.aws_error("iam", "get-user", "--user-name", "cli-renamed")
    assert "NoSuchEntity" in err


def test_renamed_user_keeps_keys_and_policies(pc, iam):
    # Keys and policies follow the user through UpdateUser; the caller seen by the next
    # request is the renamed user (no stale cached identity).
    creds = pc.make_user("oldname", policy=policy_doc(allow(["iam:GetUser", "iam:ListUsers"])))
    client = pc.iam(creds)
    assert client.get_user()["User"]["UserName"] == "oldname"
    iam.update_user(UserName="oldname", NewUserName="newname", NewPath="/moved/")
    me = client.get_user()["User"]
    assert me["UserName"] == "newname"
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/moved/newname"
    assert iam.list_user_policies(UserName="newname")["PolicyNames"] == ["oldname-inline"]
    assert [k["AccessKeyId"] for k in
            iam.list_access_keys(UserName="newname")["AccessKeyMetadata"]] == [
        creds.access_key_id]
    with raises_aws("AccessDenied", 403) as err:
        client.create_user(UserName="x")
    assert err.message.startswith(
        f"User: arn:aws:iam::{ACCOUNT}:user/moved/newname is not authorized")


def test_waiters(iam):
    # boto3's waiters poll GetUser/GetPolicy and treat NoSuchEntity as "not yet".
    iam.create_user(UserName="awaited")
    iam.get_waiter("user_exists").wait(UserName="awaited",
                                       WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    arn = iam.create_policy(PolicyName="awaited",
                            PolicyDocument=policy_doc(allow("s3:GetObject")))["Policy"]["Arn"]
    iam.get_waiter("policy_exists").wait(PolicyArn=arn,
                                         WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    import botocore.exceptions
    with pytest.raises(botocore.exceptions.WaiterError):
        iam.get_waiter("user_exists").wait(UserName="never",
                                           WaiterConfig={"Delay": 1, "MaxAttempts": 2})
