"""The server around the API: bootstrap credentials, accounts, enforcement modes and the
request context the authorizer sees."""

import json
import re
import subprocess
import time

import pytest

from conftest import ACCOUNT_ID, TARGET, Client, find_binary
from e2e_util import Creds, allow, policy_doc, raises_aws

pytestmark = pytest.mark.skipif(TARGET == "moto", reason="Portcullis only")

NO_BOOTSTRAP_ENV = {"PORTCULLIS_ACCOUNT_ID": None, "PORTCULLIS_ROOT_ACCESS_KEY_ID": None,
                    "PORTCULLIS_ROOT_SECRET_ACCESS_KEY": None}


def _printed_credentials(text: str) -> tuple[str, Creds]:
    account = re.search(r"created account (\d{12})", text)
    key = re.search(r"AWS_ACCESS_KEY_ID=(\S+)", text)
    secret = re.search(r"AWS_SECRET_ACCESS_KEY=(\S+)", text)
    assert account and key and secret, text
    return account.group(1), Creds(key.group(1), secret.group(1))


def test_first_start_prints_root_credentials_once(start_server, tmp_path):
    data = tmp_path / "fresh"
    first = start_server(data, env=NO_BOOTSTRAP_ENV)
    account, creds = _printed_credentials(first.output())
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", creds.access_key_id)
    assert len(creds.secret_access_key) == 40
    me = Client(first, tmp_path).iam(creds).get_user()["User"]
    assert me["Arn"] == f"arn:aws:iam::{account}:root"
    assert first.stop() == 0

    second = start_server(data, env=NO_BOOTSTRAP_ENV)
    assert creds.secret_access_key not in second.output()
    assert "created account" not in second.output()
    me = Client(second, tmp_path).iam(creds).get_user()["User"]
    assert me["Arn"] == f"arn:aws:iam::{account}:root"
    # The secret is in no file of the data directory (sealed under the master key).
    for path in data.rglob("*"):
        if path.is_file():
            assert creds.secret_access_key.encode() not in path.read_bytes(), path


def test_accounts_are_separate(start_server, tmp_path):
    data = tmp_path / "multi"
    first = start_server(data)  # bootstraps account 123456789012 from the environment
    Client(first, tmp_path).iam().create_user(UserName="before")
    assert first.stop() == 0
    made = subprocess.run([str(find_binary()), "account", "create", "--data-dir", str(data),
                           "--account-id", "210987654321"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert made.returncode == 0, made.stderr
    other_id, other = _printed_credentials(made.stdout)
    assert other_id == "210987654321"

    srv = start_server(data)
    pc = Client(srv, tmp_path)
    mine, theirs = pc.iam(), pc.iam(other)
    assert theirs.get_user()["User"]["Arn"] == "arn:aws:iam::210987654321:root"
    assert mine.get_user()["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
    a = mine.create_user(UserName="same-name")["User"]
    b = theirs.create_user(UserName="same-name")["User"]
    assert a["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/same-name"
    assert b["Arn"] == "arn:aws:iam::210987654321:user/same-name"
    assert a["UserId"] != b["UserId"]
    theirs.create_user(UserName="only-theirs")
    assert sorted(u["UserName"] for u in theirs.list_users()["Users"]) == [
        "only-theirs", "same-name"]
    assert sorted(u["UserName"] for u in mine.list_users()["Users"]) == ["before",
                                                                         "same-name"]
    with raises_aws("NoSuchEntity", 404):
        mine.get_user(UserName="only-theirs")


@pytest.mark.parametrize("mode", ["soft", "off"])
def test_enforcement_modes(start_server, tmp_path, mode):
    srv = start_server(tmp_path / f"enf-{mode}", extra_args=["--enforcement", mode])
    pc = Client(srv, tmp_path)
    creds = pc.make_user("unprivileged")
    # No policy allows it, yet the call succeeds in soft and off modes.
    listed = pc.iam(creds).list_users()["Users"]
    assert [u["UserName"] for u in listed] == ["unprivileged"]
    if mode == "soft":
        deadline = time.monotonic() + 5
        while "iam:ListUsers" not in srv.output() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "iam:ListUsers" in srv.output(), srv.output()[-2000:]
        # An explicit deny is logged with the deciding statement, and still not enforced.
        pc.iam().put_user_policy(UserName="unprivileged", PolicyName="deny", PolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Sid":"NoGroupsListing","Effect":"Deny",'
            '"Action":"iam:ListGroups","Resource":"*"}]}'))
        assert pc.iam(creds).list_groups()["Groups"] == []
        deadline = time.monotonic() + 5  # the log line may trail the response a little
        while True:
            lines = [line for line in srv.output().splitlines() if "iam:ListGroups" in line]
            if any("NoGroupsListing" in line for line in lines) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert any("deny#NoGroupsListing" in line and "ExplicitDeny" in line
                   for line in lines), lines
    # An unknown key is still refused: authentication is not an enforcement matter.
    with raises_aws("InvalidClientTokenId", 403):
        pc.iam(Creds("AKIAIOSFODNN7EXAMPLE", "x" * 40)).list_users()


def test_reset_is_dev_mode_only(start_server, tmp_path):
    srv = start_server(tmp_path / "prod", dev_mode=False)
    pc = Client(srv, tmp_path)
    pc.iam().create_user(UserName="kept")
    for path in ("/moto-api/reset", "/_portcullis/reset"):
        assert pc.raw("POST", path).status == 404
    assert [u["UserName"] for u in pc.iam().list_users()["Users"]] == ["kept"]
    assert "DEVELOPMENT MODE" not in srv.output()


def test_dev_mode_is_loudly_logged(pc):
    assert "DEVELOPMENT MODE IS ON" in pc.server.output() or \
        "development mode" in pc.server.output().lower()


USER_TAG = [{"Key": "team", "Value": "blue"}]


def _context_cases(user: dict) -> list[tuple[dict, bool]]:
    arn = user["Arn"]
    return [
        ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, True),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, False),
        ({"Bool": {"aws:SecureTransport": "false"}}, True),
        ({"Bool": {"aws:SecureTransport": "true"}}, False),
        ({"StringEquals": {"aws:username": "ctx"}}, True),
        ({"StringEquals": {"aws:username": "someone-else"}}, False),
        ({"StringEquals": {"aws:userid": user["UserId"]}}, True),
        ({"ArnEquals": {"aws:PrincipalArn": arn}}, True),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}, False),
        ({"StringEquals": {"aws:PrincipalAccount": ACCOUNT_ID}}, True),
        ({"StringEquals": {"aws:PrincipalAccount": "210987654321"}}, False),
        ({"StringEquals": {"aws:PrincipalType": "User"}}, True),
        ({"StringEquals": {"aws:PrincipalTag/team": "blue"}}, True),
        ({"StringEquals": {"aws:PrincipalTag/team": "red"}}, False),
        ({"StringEquals": {"aws:PrincipalTag/absent": "x"}}, False),
        ({"Null": {"aws:PrincipalTag/absent": "true"}}, True),
        ({"StringEquals": {"aws:RequestedRegion": "us-east-1"}}, True),
        ({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}, False),
        ({"StringLike": {"aws:UserAgent": "*Boto3/*"}}, True),
        ({"StringLike": {"aws:UserAgent": "curl/*"}}, False),
        ({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, True),
        ({"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, False),
        ({"NumericGreaterThan": {"aws:EpochTime": "1577836800"}}, True),
        ({"NumericLessThan": {"aws:EpochTime": "1577836800"}}, False),
    ]


def test_request_context_keys(pc, iam):
    user = iam.create_user(UserName="ctx", Tags=USER_TAG)["User"]
    key = iam.create_access_key(UserName="ctx")["AccessKey"]
    client = pc.iam(Creds(key["AccessKeyId"], key["SecretAccessKey"]))
    wrong = []
    for condition, allowed in _context_cases(user):
        iam.put_user_policy(UserName="ctx", PolicyName="cond", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
                           "Condition": condition}]}))
        try:
            client.list_users()
            got = True
        except client.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "AccessDenied", e
            got = False
        if got != allowed:
            wrong.append((condition, allowed))
    assert wrong == [], f"conditions decided wrongly: {wrong}"


def test_policy_variables_in_resources(pc, iam):
    creds = pc.make_user("vars", policy=policy_doc(
        allow(["iam:GetUser", "iam:ListAccessKeys"],
              f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}")))
    iam.create_user(UserName="neighbour")
    me = pc.iam(creds)
    assert me.get_user(UserName="vars")["User"]["UserName"] == "vars"
    assert len(me.list_access_keys(UserName="vars")["AccessKeyMetadata"]) == 1
    with raises_aws("AccessDenied", 403):
        me.get_user(UserName="neighbour")
    with raises_aws("AccessDenied", 403):
        me.list_access_keys(UserName="neighbour")


def test_master_key_file_is_private(start_server, tmp_path):
    import os
    import stat
    data = tmp_path / "keyed"
    srv = start_server(data)
    assert srv.stop() == 0
    key = data / "master.key"
    assert key.is_file()
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(data).st_mode) & 0o077 == 0
    # A key file others can read is refused at start, with a message, not a crash.
    os.chmod(key, 0o644)
    proc = subprocess.run([str(find_binary()), "serve", "--data-dir", str(data), "--port", "0"],
                          capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode not in (0, -6, -11), proc
    assert proc.returncode > 0
    assert "master" in (proc.stderr + proc.stdout).lower()
    assert "listening" not in proc.stdout
