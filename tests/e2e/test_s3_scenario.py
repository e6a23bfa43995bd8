"""Issue 6's seed scenario against the S3 store, with Debian's boto3 and aws CLI v2: who may
reach a bucket is decided by IAM as on AWS. Bob and Carl through the `admins` group's AWS
managed policy (and not after it is detached), Helena through a policy on her user, Sam
with his access keys from the CLI, a deny-all policy beating every allow, an assumed role
and a workload's role credentials limited to their role's policy, and a second account
that needs both the bucket policy and its own identity policy."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import AWS_CLI, TARGET, Client, find_binary
from e2e_util import Creds, allow, policy_doc, raises_aws
from test_sts_sessions import _printed_credentials, creds_of, make_role, trust
from test_workload_credentials import CREDENTIALS_PATH, EC2_TRUST, clean_env, register

pytestmark = pytest.mark.skipif(TARGET == "moto", reason="moto enforces no policy")

BUCKET = "team-bucket"
S3_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
OTHER_ACCOUNT = "210987654321"


def bucket_arn(bucket: str = BUCKET) -> str:
    return f"arn:aws:s3:::{bucket}"


def objects_arn(bucket: str = BUCKET, prefix: str = "") -> str:
    return f"arn:aws:s3:::{bucket}/{prefix}*"


def body_of(s3, key: str, bucket: str = BUCKET) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def keys_of(s3, bucket: str = BUCKET, **kwargs) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, **kwargs).get("Contents", [])]


def assert_no_access(s3, key: str = "readme.txt") -> None:
    """Every kind of request to the bucket is AccessDenied (403)."""
    with raises_aws("AccessDenied", 403):
        s3.get_object(Bucket=BUCKET, Key=key)
    with raises_aws("AccessDenied", 403):
        s3.put_object(Bucket=BUCKET, Key="intruder.txt", Body=b"x")
    with raises_aws("AccessDenied", 403):
        s3.list_objects_v2(Bucket=BUCKET)
    with raises_aws("AccessDenied", 403):
        s3.delete_object(Bucket=BUCKET, Key=key)


def make_bucket(pc: Client, *objects: str) -> None:
    s3 = pc.s3()
    s3.create_bucket(Bucket=BUCKET)
    for key in objects:
        s3.put_object(Bucket=BUCKET, Key=key, Body=f"contents of {key}".encode())


def test_group_user_policy_cli_keys_and_deny_all(pc, tmp_path):
    iam = pc.iam()
    root = pc.s3()
    make_bucket(pc, "readme.txt")
    root.create_bucket(Bucket="other-bucket")

    # AmazonS3FullAccess is seeded as an AWS managed policy (s3:* on everything).
    managed = iam.get_policy(PolicyArn=S3_FULL_ACCESS)["Policy"]
    version = iam.get_policy_version(PolicyArn=S3_FULL_ACCESS,
                                     VersionId=managed["DefaultVersionId"])["PolicyVersion"]
    doc = version["Document"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    assert any(s["Effect"] == "Allow" and "s3:*" in s["Action"] for s in doc["Statement"]), doc

    # Bob and Carl: members of `admins`, which has AmazonS3FullAccess; nothing of their own.
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn=S3_FULL_ACCESS)
    admins = {}
    for name in ("bob", "carl"):
        admins[name] = pc.make_user(name)
        iam.add_user_to_group(GroupName="admins", UserName=name)
    for name, creds in admins.items():
        s3 = pc.s3(creds)
        s3.put_object(Bucket=BUCKET, Key=f"{name}.txt", Body=name.encode())
        assert body_of(s3, "readme.txt") == b"contents of readme.txt"
        assert f"{name}.txt" in keys_of(s3)
        assert BUCKET in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    listed = pc.aws_run("s3", "ls", f"s3://{BUCKET}/", creds=admins["carl"])
    assert listed.returncode == 0, listed.stderr
    assert {"bob.txt", "carl.txt", "readme.txt"} <= {
        line.split()[-1] for line in listed.stdout.splitlines()}

    # Helena: a customer managed policy attached to her user, for this bucket only.
    helena = pc.make_user("helena")
    helena_policy = iam.create_policy(PolicyName="team-bucket-rw", PolicyDocument=policy_doc(
        allow("s3:ListBucket", bucket_arn()),
        allow(["s3:GetObject", "s3:PutObject"], objects_arn())))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="helena", PolicyArn=helena_policy)
    s3 = pc.s3(helena)
    s3.put_object(Bucket=BUCKET, Key="helena.txt", Body=b"helena")
    assert body_of(s3, "bob.txt") == b"bob"
    assert "helena.txt" in keys_of(s3)
    with raises_aws("AccessDenied", 403):
        s3.delete_object(Bucket=BUCKET, Key="bob.txt")  # not in her policy
    with raises_aws("AccessDenied", 403):
        s3.list_objects_v2(Bucket="other-bucket")  # another bucket
    with raises_aws("AccessDenied", 403):
        s3.list_buckets()

    # Sam: access keys in the CLI's environment; aws s3 cp up and down, aws s3 ls.
    sam = pc.make_user("sam", policy=policy_doc(
        allow("s3:ListBucket", bucket_arn()),
        allow(["s3:GetObject", "s3:PutObject"], objects_arn(prefix="sam/")),
        allow("s3:GetObject", objects_arn(prefix="readme"))))
    upload = pc.write_tmp("sam-notes.txt", "notes by sam\n")
    up = pc.aws_run("s3", "cp", str(upload), f"s3://{BUCKET}/sam/notes.txt", creds=sam)
    assert up.returncode == 0, up.stderr
    assert body_of(root, "sam/notes.txt") == b"notes by sam\n"
    down = tmp_path / "readme-copy.txt"
    got = pc.aws_run("s3", "cp", f"s3://{BUCKET}/readme.txt", str(down), creds=sam)
    assert got.returncode == 0, got.stderr
    assert down.read_bytes() == b"contents of readme.txt"
    ls = pc.aws_run("s3", "ls", f"s3://{BUCKET}/sam/", creds=sam)
    assert ls.returncode == 0, ls.stderr
    assert ls.stdout.split()[-1] == "notes.txt"
    with raises_aws("AccessDenied", 403):
        pc.s3(sam).put_object(Bucket=BUCKET, Key="elsewhere.txt", Body=b"x")
    assert "elsewhere.txt" not in keys_of(root)

    # Mallory: allowed by the group, by her own policy and by the bucket policy, and
    # denied everything by a `Deny * *` policy on her user: the explicit deny wins.
    mallory = pc.make_user("mallory", policy=policy_doc(allow("s3:*")))
    iam.add_user_to_group(GroupName="admins", UserName="mallory")
    root.put_bucket_policy(Bucket=BUCKET, Policy=policy_doc({
        "Effect": "Allow", "Principal": {"AWS": pc.user_arn("mallory")}, "Action": "s3:*",
        "Resource": [bucket_arn(), objects_arn()]}))
    s3 = pc.s3(mallory)
    assert body_of(s3, "readme.txt") == b"contents of readme.txt"
    iam.put_user_policy(UserName="mallory", PolicyName="deny-all", PolicyDocument=policy_doc(
        {"Effect": "Deny", "Action": "*", "Resource": "*"}))
    assert_no_access(s3)
    with raises_aws("AccessDenied", 403):
        s3.list_buckets()
    with raises_aws("AccessDenied", 403, message_contains="explicit deny"):
        s3.get_bucket_policy(Bucket=BUCKET)
    assert "intruder.txt" not in keys_of(root)
    assert body_of(root, "readme.txt") == b"contents of readme.txt"

    # The group loses AmazonS3FullAccess: Bob and Carl lose the bucket; Helena keeps it.
    iam.detach_group_policy(GroupName="admins", PolicyArn=S3_FULL_ACCESS)
    for creds in admins.values():
        assert_no_access(pc.s3(creds))
    assert body_of(pc.s3(helena), "carl.txt") == b"carl"
    # Attached again, it works again: the decision follows the group's policy.
    iam.attach_group_policy(GroupName="admins", PolicyArn=S3_FULL_ACCESS)
    assert body_of(pc.s3(admins["bob"]), "carl.txt") == b"carl"


def test_assumed_role_reads_and_writes_as_far_as_its_policy_allows(pc, tmp_path):
    make_bucket(pc, "reports/q1.csv", "private/salaries.csv")
    root = pc.s3()
    iam = pc.iam()
    bob = pc.make_user("bob")
    reader = make_role(iam, "report-reader", trust(pc.user_arn("bob")),
                       allow("s3:GetObject", objects_arn(prefix="reports/")),
                       {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn(),
                        "Condition": {"StringLike": {"s3:prefix": "reports/*"}}})
    writer = make_role(iam, "report-writer", trust(pc.user_arn("bob")),
                       allow(["s3:GetObject", "s3:PutObject"], objects_arn(prefix="reports/")))

    # The CLI assumes the read-only role and uses its session with aws s3.
    session = creds_of(pc.aws("sts", "assume-role", "--role-arn", reader,
                              "--role-session-name", "bob-reads", creds=bob))
    down = tmp_path / "q1.csv"
    got = pc.aws_run("s3", "cp", f"s3://{BUCKET}/reports/q1.csv", str(down), creds=session)
    assert got.returncode == 0, got.stderr
    assert down.read_bytes() == b"contents of reports/q1.csv"
    upload = pc.write_tmp("q2.csv", "a,b\n")
    put = pc.aws_run("s3", "cp", str(upload), f"s3://{BUCKET}/reports/q2.csv", creds=session)
    assert put.returncode != 0 and "AccessDenied" in put.stderr, put.stderr
    assert keys_of(root, Prefix="reports/") == ["reports/q1.csv"]
    s3 = pc.s3(session)
    assert keys_of(s3, Prefix="reports/") == ["reports/q1.csv"]
    with raises_aws("AccessDenied", 403):
        s3.get_object(Bucket=BUCKET, Key="private/salaries.csv")
    with raises_aws("AccessDenied", 403):
        s3.list_objects_v2(Bucket=BUCKET)  # no prefix: outside reports/*
    with raises_aws("AccessDenied", 403):
        s3.delete_object(Bucket=BUCKET, Key="reports/q1.csv")

    # boto3 assumes the read-write role: it writes under reports/ and nowhere else.
    rw = pc.s3(creds_of(pc.sts(bob).assume_role(RoleArn=writer, RoleSessionName="bob-writes")))
    rw.put_object(Bucket=BUCKET, Key="reports/q2.csv", Body=b"a,b\n")
    assert body_of(root, "reports/q2.csv") == b"a,b\n"
    with raises_aws("AccessDenied", 403):
        rw.put_object(Bucket=BUCKET, Key="private/q2.csv", Body=b"a,b\n")
    with raises_aws("AccessDenied", 403):
        rw.get_object(Bucket=BUCKET, Key="private/salaries.csv")
    # Bob's own keys have no S3 permission: only the sessions had it.
    with raises_aws("AccessDenied", 403):
        pc.s3(bob).get_object(Bucket=BUCKET, Key="reports/q1.csv")


def test_workload_role_credentials_reach_the_bucket_as_the_role_allows(pc, tmp_path):
    make_bucket(pc, "app/config.json", "secrets/db.txt")
    iam = pc.iam()
    iam.create_role(RoleName="app-role", AssumeRolePolicyDocument=json.dumps(EC2_TRUST))
    iam.put_role_policy(RoleName="app-role", PolicyName="app-data", PolicyDocument=policy_doc(
        allow("s3:ListBucket", bucket_arn()),
        allow(["s3:GetObject", "s3:PutObject"], objects_arn(prefix="app/"))))
    iam.create_instance_profile(InstanceProfileName="app-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName="app-role")
    reg = register(pc, "app-profile")
    env = clean_env(tmp_path,
                    AWS_CONTAINER_CREDENTIALS_FULL_URI=pc.endpoint + CREDENTIALS_PATH,
                    AWS_CONTAINER_AUTHORIZATION_TOKEN=reg["Token"],
                    AWS_EC2_METADATA_DISABLED="true", AWS_DEFAULT_REGION="us-east-1",
                    AWS_PAGER="", AWS_MAX_ATTEMPTS="1")

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([AWS_CLI, "--endpoint-url", pc.endpoint, *args], env=env,
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)

    out = tmp_path / "result.txt"
    out.write_text("computed\n")
    up = cli("s3", "cp", str(out), f"s3://{BUCKET}/app/result.txt")
    assert up.returncode == 0, up.stderr
    assert body_of(pc.s3(), "app/result.txt") == b"computed\n"
    down = cli("s3", "cp", f"s3://{BUCKET}/app/config.json", "-")
    assert down.returncode == 0 and down.stdout == "contents of app/config.json", down.stderr
    put = cli("s3", "cp", str(out), f"s3://{BUCKET}/secrets/result.txt")
    assert put.returncode != 0 and "AccessDenied" in put.stderr, put.stderr
    assert keys_of(pc.s3()) == ["app/config.json", "app/result.txt", "secrets/db.txt"]

    # boto3 with the same credentials, as the container endpoint hands them out.
    doc = json.loads(pc.raw("GET", CREDENTIALS_PATH, headers={"Authorization": reg["Token"]}).body)
    s3 = pc.s3(Creds(doc["AccessKeyId"], doc["SecretAccessKey"], doc["Token"]))
    assert keys_of(s3, Prefix="app/") == ["app/config.json", "app/result.txt"]
    with raises_aws("AccessDenied", 403):
        s3.get_object(Bucket=BUCKET, Key="secrets/db.txt")
    with raises_aws("AccessDenied", 403):
        s3.delete_object(Bucket=BUCKET, Key="app/config.json")


def test_second_account_needs_the_bucket_policy_and_its_own_policy(start_server, tmp_path):
    data = tmp_path / "two-accounts"
    first = start_server(data)
    assert first.stop() == 0
    made = subprocess.run([str(find_binary()), "account", "create", "--data-dir", str(data),
                           "--account-id", OTHER_ACCOUNT],
                          capture_output=True, text=True, timeout=60, check=False)
    assert made.returncode == 0, made.stderr
    _, other_root = _printed_credentials(made.stdout)
    pc = Client(start_server(data), tmp_path)
    owner = pc.s3()
    make_bucket(pc, "data/report.csv")

    their_iam = pc.iam(other_root)
    their_iam.create_user(UserName="analyst")
    key = their_iam.create_access_key(UserName="analyst")["AccessKey"]
    analyst = Creds(key["AccessKeyId"], key["SecretAccessKey"])
    their_root = pc.s3(other_root)

    # No bucket policy: even the other account's root user is denied. (AWS: a denial
    # explains itself only within the bucket owner's account.)
    with raises_aws("AccessDenied", 403) as err:
        their_root.get_object(Bucket=BUCKET, Key="data/report.csv")
    assert err.message == "Access Denied"
    with raises_aws("AccessDenied", 403):
        their_root.list_objects_v2(Bucket=BUCKET)
    assert BUCKET not in [b["Name"] for b in their_root.list_buckets()["Buckets"]]

    # A bucket policy naming a user that does not exist in the other account is refused.
    with raises_aws("MalformedPolicy", 400, message_contains="Invalid principal in policy"):
        owner.put_bucket_policy(Bucket=BUCKET, Policy=policy_doc({
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:user/nobody"},
            "Action": "s3:GetObject", "Resource": objects_arn()}))
    # The bucket policy grants the other account read access.
    owner.put_bucket_policy(Bucket=BUCKET, Policy=policy_doc({
        "Sid": "OtherAccountReads", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
        "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketPolicy"],
        "Resource": [bucket_arn(), objects_arn()]}))
    # Its root user (whose identity allows everything) now reads; it still cannot write.
    assert body_of(their_root, "data/report.csv") == b"contents of data/report.csv"
    with raises_aws("AccessDenied", 403):
        their_root.put_object(Bucket=BUCKET, Key="data/theirs.csv", Body=b"x")

    # Its user: the bucket policy alone is not enough, its own identity policy must allow.
    s3 = pc.s3(analyst)
    with raises_aws("AccessDenied", 403) as err:
        s3.get_object(Bucket=BUCKET, Key="data/report.csv")
    assert err.message == "Access Denied"
    with raises_aws("AccessDenied", 403):
        s3.list_objects_v2(Bucket=BUCKET)
    their_iam.put_user_policy(UserName="analyst", PolicyName="read-partner-bucket",
                              PolicyDocument=policy_doc(
                                  allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket",
                                         "s3:GetBucketPolicy"],
                                        [bucket_arn(), objects_arn()])))
    assert body_of(s3, "data/report.csv") == b"contents of data/report.csv"
    assert keys_of(s3) == ["data/report.csv"]
    got = pc.aws_run("s3", "cp", f"s3://{BUCKET}/data/report.csv", "-", creds=analyst)
    assert got.returncode == 0 and got.stdout == "contents of data/report.csv", got.stderr
    # Allowed by its own policy, not granted by the bucket policy: denied, nothing written.
    with raises_aws("AccessDenied", 403) as err:
        s3.put_object(Bucket=BUCKET, Key="data/theirs.csv", Body=b"x")
    assert err.message == "Access Denied"
    assert keys_of(owner) == ["data/report.csv"]
    # GetBucketPolicy by another account's identity: 405 even when both sides allow it.
    with raises_aws("MethodNotAllowed", 405):
        s3.get_bucket_policy(Bucket=BUCKET)
    with raises_aws("MethodNotAllowed", 405):
        their_root.get_bucket_policy(Bucket=BUCKET)

    # A public policy (read for "*") under RestrictPublicBuckets: its grants to other
    # accounts do not apply; the owner's account keeps its access.
    owner.put_bucket_policy(Bucket=BUCKET, Policy=policy_doc({
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": objects_arn()}))
    assert body_of(s3, "data/report.csv") == b"contents of data/report.csv"
    owner.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True})
    with raises_aws("AccessDenied", 403):
        s3.get_object(Bucket=BUCKET, Key="data/report.csv")
    helper = pc.make_user("helper")  # the owner's account, no identity policy
    assert body_of(pc.s3(helper), "data/report.csv") == b"contents of data/report.csv"
    owner.delete_public_access_block(Bucket=BUCKET)

    # The grant withdrawn: the other account is denied again.
    owner.delete_bucket_policy(Bucket=BUCKET)
    with raises_aws("AccessDenied", 403):
        s3.get_object(Bucket=BUCKET, Key="data/report.csv")
    with raises_aws("AccessDenied", 403):
        their_root.get_object(Bucket=BUCKET, Key="data/report.csv")
