"""Restart safety: everything acknowledged before a `kill -9` is there after a restart."""

import json
import os
import stat

import pytest

from conftest import TARGET, Client
from e2e_util import Creds, allow, policy_doc, raises_aws

ACCOUNT = "123456789012"
SELF = policy_doc(allow(["iam:GetUser", "iam:ListUsers", "iam:ListGroupsForUser"]))


@pytest.mark.skipif(TARGET == "moto", reason="moto keeps its state in memory")
def test_state_survives_kill_9(start_server, tmp_path):
    data = tmp_path / "data"
    first = start_server(data, extra_args=["--store", "sqlite"])
    pc = Client(first, tmp_path)
    iam = pc.iam()

    user = iam.create_user(UserName="persist", Path="/p/",
                           Tags=[{"Key": "k", "Value": "v"}])["User"]
    iam.put_user_policy(UserName="persist", PolicyName="self", PolicyDocument=SELF)
    key = iam.create_access_key(UserName="persist")["AccessKey"]
    creds = Creds(key["AccessKeyId"], key["SecretAccessKey"])
    spare = iam.create_access_key(UserName="persist")["AccessKey"]
    iam.update_access_key(UserName="persist", AccessKeyId=spare["AccessKeyId"],
                          Status="Inactive")
    group = iam.create_group(GroupName="pg")["Group"]
    iam.add_user_to_group(GroupName="pg", UserName="persist")
    policy = iam.create_policy(PolicyName="pp", PolicyDocument=policy_doc(allow("s3:*")))
    arn = policy["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy_doc(allow("s3:Get*")),
                              SetAsDefault=True)
    iam.attach_group_policy(GroupName="pg", PolicyArn=arn)
    iam.attach_user_policy(UserName="persist",
                           PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.put_group_policy(GroupName="pg", PolicyName="ginline",
                         PolicyDocument=policy_doc(allow("iam:List*")))
    iam.create_user(UserName="deleted")
    iam.delete_user(UserName="deleted")
    assert pc.iam(creds).get_user()["User"]["UserName"] == "persist"
    # A burst of acknowledged writes immediately before the kill.
    for i in range(20):
        iam.create_user(UserName=f"burst-{i:02d}")

    first.kill9()
    assert not first.alive()

    second = start_server(data, extra_args=["--store", "sqlite"])
    pc = Client(second, tmp_path)
    iam = pc.iam()  # the root credentials still work

    got = iam.get_user(UserName="persist")["User"]
    assert got["UserId"] == user["UserId"]
    assert got["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/p/persist"
    assert got["CreateDate"] == user["CreateDate"]
    assert got.get("Tags") == [{"Key": "k", "Value": "v"}]
    names = sorted(u["UserName"] for u in iam.list_users()["Users"])
    assert names == sorted(["persist"] + [f"burst-{i:02d}" for i in range(20)])
    with raises_aws("NoSuchEntity", 404):
        iam.get_user(UserName="deleted")

    assert iam.get_user_policy(UserName="persist",
                               PolicyName="self")["PolicyDocument"] == json.loads(SELF)
    keys = {k["AccessKeyId"]: k["Status"]
            for k in iam.list_access_keys(UserName="persist")["AccessKeyMetadata"]}
    assert keys == {key["AccessKeyId"]: "Active", spare["AccessKeyId"]: "Inactive"}
    # The key authenticates with the same secret; the inactive one still does not.
    me = pc.iam(creds).get_user()["User"]
    assert me["UserName"] == "persist"
    with raises_aws("InvalidClientTokenId", 403):
        pc.iam(Creds(spare["AccessKeyId"], spare["SecretAccessKey"])).get_user()

    assert iam.get_group(GroupName="pg")["Group"]["GroupId"] == group["GroupId"]
    assert [u["UserName"] for u in iam.get_group(GroupName="pg")["Users"]] == ["persist"]
    restored = iam.get_policy(PolicyArn=arn)["Policy"]
    assert restored["PolicyId"] == policy["Policy"]["PolicyId"]
    assert restored["DefaultVersionId"] == "v2"
    assert restored["AttachmentCount"] == 1
    assert iam.list_attached_group_policies(GroupName="pg")["AttachedPolicies"] == [
        {"PolicyName": "pp", "PolicyArn": arn}]
    assert iam.list_attached_user_policies(UserName="persist")["AttachedPolicies"] == [
        {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
    assert iam.list_group_policies(GroupName="pg")["PolicyNames"] == ["ginline"]
    assert sorted(v["VersionId"] for v in
                  iam.list_policy_versions(PolicyArn=arn)["Versions"]) == ["v1", "v2"]
    # The authorizer sees the restored policies: the group's inline policy allows List*.
    groups = pc.iam(creds).list_groups_for_user(UserName="persist")["Groups"]
    assert [g["GroupName"] for g in groups] == ["pg"]

    # No access-key secret is stored in the clear in the data directory.
    for path in data.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert key["SecretAccessKey"].encode() not in blob, path
            assert spare["SecretAccessKey"].encode() not in blob, path
            if "key" in path.name.lower() and path.suffix not in (".db", ".sqlite", ".wal"):
                mode = stat.S_IMODE(os.stat(path).st_mode)
                assert mode & 0o077 == 0, f"{path} has mode {oct(mode)}"

    assert second.stop() == 0  # SIGTERM: a graceful shutdown exits 0
