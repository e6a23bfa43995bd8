"""Access keys: create, list, update, delete, quota, Inactive, last used."""

import datetime
import re

from e2e_util import Creds, allow, policy_doc, raises_aws

SELF_READ = policy_doc(allow(["iam:GetUser", "iam:ListAccessKeys"]))


def test_access_key_lifecycle(iam):
    iam.create_user(UserName="keyed")
    first = iam.create_access_key(UserName="keyed")["AccessKey"]
    assert first["UserName"] == "keyed"
    assert first["Status"] == "Active"
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", first["AccessKeyId"]), first["AccessKeyId"]
    assert len(first["SecretAccessKey"]) == 40
    assert isinstance(first["CreateDate"], datetime.datetime)

    second = iam.create_access_key(UserName="keyed")["AccessKey"]
    assert second["AccessKeyId"] != first["AccessKeyId"]
    # AWS: at most two access keys per user.
    with raises_aws("LimitExceeded", 409):
        iam.create_access_key(UserName="keyed")

    listed = iam.list_access_keys(UserName="keyed")["AccessKeyMetadata"]
    assert sorted(k["AccessKeyId"] for k in listed) == sorted(
        [first["AccessKeyId"], second["AccessKeyId"]])
    assert all(k["Status"] == "Active" and k["UserName"] == "keyed" for k in listed)
    # The secret is returned only once.
    assert all("SecretAccessKey" not in k for k in listed)

    iam.update_access_key(UserName="keyed", AccessKeyId=first["AccessKeyId"],
                          Status="Inactive")
    status = {k["AccessKeyId"]: k["Status"]
              for k in iam.list_access_keys(UserName="keyed")["AccessKeyMetadata"]}
    assert status == {first["AccessKeyId"]: "Inactive", second["AccessKeyId"]: "Active"}

    iam.delete_access_key(UserName="keyed", AccessKeyId=first["AccessKeyId"])
    remaining = iam.list_access_keys(UserName="keyed")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in remaining] == [second["AccessKeyId"]]
    with raises_aws("NoSuchEntity", 404):
        iam.delete_access_key(UserName="keyed", AccessKeyId=first["AccessKeyId"])
    with raises_aws("NoSuchEntity", 404):
        iam.create_access_key(UserName="nobody")
    # With room again, a new key can be created.
    iam.create_access_key(UserName="keyed")


def test_inactive_key_stops_authenticating_at_once(pc, iam):
    creds = pc.make_user("switch", policy=SELF_READ)
    client = pc.iam(creds)
    assert client.get_user()["User"]["UserName"] == "switch"

    iam.update_access_key(UserName="switch", AccessKeyId=creds.access_key_id,
                          Status="Inactive")
    with raises_aws("InvalidClientTokenId", 403,
                    message_contains="The security token included in the request is invalid"):
        client.get_user()

    iam.update_access_key(UserName="switch", AccessKeyId=creds.access_key_id, Status="Active")
    assert client.get_user()["User"]["UserName"] == "switch"

    iam.delete_access_key(UserName="switch", AccessKeyId=creds.access_key_id)
    with raises_aws("InvalidClientTokenId", 403):
        client.get_user()


def test_user_manages_own_keys_without_user_name(pc):
    # AWS: without UserName the caller's own keys are meant.
    creds = pc.make_user("selfservice", policy=policy_doc(allow([
        "iam:CreateAccessKey", "iam:ListAccessKeys", "iam:GetUser"],
        "arn:aws:iam::123456789012:user/selfservice")))
    me = pc.iam(creds)
    made = me.create_access_key()["AccessKey"]
    assert made["UserName"] == "selfservice"
    keys = sorted(k["AccessKeyId"] for k in me.list_access_keys()["AccessKeyMetadata"])
    assert keys == sorted([creds.access_key_id, made["AccessKeyId"]])
    second = pc.iam(Creds(made["AccessKeyId"], made["SecretAccessKey"]))
    assert second.get_user()["User"]["UserName"] == "selfservice"


def test_access_key_last_used(pc, iam):
    creds = pc.make_user("tracked", policy=SELF_READ)
    before = iam.get_access_key_last_used(AccessKeyId=creds.access_key_id)
    assert before["UserName"] == "tracked"
    unused = before["AccessKeyLastUsed"]
    assert "LastUsedDate" not in unused
    assert unused["ServiceName"] == "N/A"
    assert unused["Region"] == "N/A"

    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    pc.iam(creds).get_user()
    after = iam.get_access_key_last_used(AccessKeyId=creds.access_key_id)["AccessKeyLastUsed"]
    assert after["ServiceName"] == "iam"
    assert after["Region"] == "us-east-1"
    assert after["LastUsedDate"] >= start.replace(microsecond=0)


def test_access_keys_with_the_cli(pc):
    pc.iam().create_user(UserName="cli-keys")
    key = pc.aws("iam", "create-access-key", "--user-name", "cli-keys")["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA")
    listed = pc.aws("iam", "list-access-keys", "--user-name", "cli-keys")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
    pc.aws("iam", "update-access-key", "--user-name", "cli-keys",
           "--access-key-id", key["AccessKeyId"], "--status", "Inactive")
    listed = pc.aws("iam", "list-access-keys", "--user-name", "cli-keys")["AccessKeyMetadata"]
    assert listed[0]["Status"] == "Inactive"
    pc.aws("iam", "delete-access-key", "--user-name", "cli-keys",
           "--access-key-id", key["AccessKeyId"])
    assert pc.iam().list_access_keys(UserName="cli-keys")["AccessKeyMetadata"] == []
