"""S3 authorization end to end, with Debian's boto3, aws CLI v2 and curl: bucket policies
(operations, validation, status, the owner's root user, other accounts), MFA in a bucket
policy, anonymous access and Block Public Access, S3 and global condition keys,
permissions boundaries and session policies, NoSuchKey vs AccessDenied, the shape of a
denial and that it changes nothing, and the audit log's S3 events. Expectations are AWS's
(S3 API Reference, S3 User Guide, IAM User Guide's evaluation logic)."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest

from conftest import ACCOUNT_ID, TARGET, Client
from e2e_util import Creds, allow, policy_doc, raises_aws
from test_audit import _events
from test_mfa import create_device, current_step, totp
from test_s3_scenario import BUCKET, body_of, bucket_arn, keys_of, make_bucket, objects_arn
from test_sts_sessions import creds_of, make_role, trust

pytestmark = pytest.mark.skipif(TARGET == "moto", reason="moto enforces no policy")

ROOT_ARN = f"arn:aws:iam::{ACCOUNT_ID}:root"
BOTH = [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]


def statement(effect: str, principal, action, resource=None, condition=None, sid=None) -> dict:
    out = {"Effect": effect, "Principal": principal, "Action": action,
           "Resource": resource if resource is not None else BOTH}
    if condition:
        out["Condition"] = condition
    if sid:
        out["Sid"] = sid
    return out


def public_read(**condition) -> str:
    return policy_doc(statement("Allow", "*", "s3:GetObject", objects_arn(),
                                condition=condition or None, sid="PublicRead"))


def s3_request(pc: Client, method: str, path: str, creds: Creds | None = None,
               body: bytes = b"", headers: dict[str, str] | None = None):
    """A raw S3 request signed with SigV4 as botocore signs S3 (x-amz-content-sha256);
    unsigned when `creds` is None."""
    req = botocore.awsrequest.AWSRequest(method=method, url=pc.endpoint + path, data=body,
                                         headers=headers or {})
    if creds is not None:
        credentials = botocore.credentials.Credentials(
            creds.access_key_id, creds.secret_access_key, creds.session_token)
        botocore.auth.S3SigV4Auth(credentials, "s3", pc.region).add_auth(req)
    return pc.send(req)


def curl(url: str) -> tuple[int, bytes]:
    """GETs `url` with curl: HTTP status and body."""
    proc = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", url],
                          capture_output=True, timeout=30, check=True)
    body, _, status = proc.stdout.rpartition(b"\n")
    return int(status), body


def fetch(url: str) -> tuple[int, bytes]:
    """GETs a (presigned) URL with urllib: HTTP status and body."""
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def error_code(body: bytes) -> str | None:
    root = ET.fromstring(body)
    assert root.tag == "Error", body
    return root.findtext("Code")


def anonymous(pc: Client):
    """A boto3 S3 client that signs nothing."""
    return pc.s3(signature_version=botocore.UNSIGNED)


# ---- Bucket policy operations ------------------------------------------------------------

MALFORMED = [
    ("not json at all", "Policies must be valid JSON and the first byte must be '{'"),
    ('{"Version": "2012-10-17", "Statement": [', "This policy contains invalid Json"),
    ('{"Version": "2012-10-17"}', "Missing required field Statement"),
    ('{"Version": "2012-10-17", "Statement": []}',
     "Could not parse the policy: Statement is empty!"),
    (policy_doc(statement("Allow", "*", "s3:GetObject", "arn:aws:s3:::another-bucket/*")),
     "Policy has invalid resource"),
    (policy_doc(statement("Allow", "*", "iam:CreateUser", objects_arn())),
     "Policy has invalid action"),
    (policy_doc(statement("Allow", "*", "s3:GetObject", bucket_arn())),
     "Action does not apply to any resource(s) in statement"),
    (policy_doc(statement("Allow", {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:user/nobody"},
                          "s3:GetObject", objects_arn())),
     "Invalid principal in policy"),
]


def test_bucket_policy_put_get_delete_status_and_malformed(pc):
    make_bucket(pc, "a.txt")
    s3 = pc.s3()
    pc.make_user("reader")
    with raises_aws("NoSuchBucketPolicy", 404):
        s3.get_bucket_policy(Bucket=BUCKET)
    with raises_aws("NoSuchBucketPolicy", 404):
        s3.get_bucket_policy_status(Bucket=BUCKET)

    private = policy_doc(statement("Allow", {"AWS": pc.user_arn("reader")}, "s3:GetObject",
                                   objects_arn(), sid="ReaderReads"))
    s3.put_bucket_policy(Bucket=BUCKET, Policy=private)
    assert json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"]) == json.loads(private)
    assert s3.get_bucket_policy_status(Bucket=BUCKET)["PolicyStatus"] == {"IsPublic": False}
    # An Allow to "*" is public unless a condition pins it (here: to fixed addresses).
    s3.put_bucket_policy(Bucket=BUCKET, Policy=public_read())
    assert s3.get_bucket_policy_status(Bucket=BUCKET)["PolicyStatus"] == {"IsPublic": True}
    s3.put_bucket_policy(Bucket=BUCKET,
                         Policy=public_read(IpAddress={"aws:SourceIp": "192.0.2.0/24"}))
    assert s3.get_bucket_policy_status(Bucket=BUCKET)["PolicyStatus"] == {"IsPublic": False}

    # Each malformed document is refused with S3's message; the stored policy is unchanged.
    for document, message in MALFORMED:
        with raises_aws("MalformedPolicy", 400) as err:
            s3.put_bucket_policy(Bucket=BUCKET, Policy=document)
        assert err.message == message, (document, err.message)
    stored = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    assert stored["Statement"][0]["Condition"] == {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}
    # The CLI shows the same error.
    err = pc.aws_error("s3api", "put-bucket-policy", "--bucket", BUCKET, "--policy",
                       MALFORMED[-1][0])
    assert "MalformedPolicy" in err and "Invalid principal in policy" in err

    s3.delete_bucket_policy(Bucket=BUCKET)
    with raises_aws("NoSuchBucketPolicy", 404):
        s3.get_bucket_policy(Bucket=BUCKET)
    with raises_aws("NoSuchBucket", 404):
        s3.put_bucket_policy(Bucket="no-such-bucket", Policy=private)


def test_owner_root_can_always_manage_a_policy_that_denies_everyone(pc):
    make_bucket(pc, "a.txt")
    root = pc.s3()
    admin = pc.s3(pc.make_user("admin", policy=policy_doc(allow("s3:*"))))
    lockout = policy_doc(statement("Deny", "*", "s3:*", sid="DenyEveryone"))
    root.put_bucket_policy(Bucket=BUCKET, Policy=lockout)

    # The deny applies to the account's own identities, root included, for object access.
    for s3 in (admin, root):
        with raises_aws("AccessDenied", 403):
            s3.get_object(Bucket=BUCKET, Key="a.txt")
        with raises_aws("AccessDenied", 403):
            s3.list_objects_v2(Bucket=BUCKET)
    # An administrator cannot manage the policy...
    for call in (lambda: admin.get_bucket_policy(Bucket=BUCKET),
                 lambda: admin.delete_bucket_policy(Bucket=BUCKET),
                 lambda: admin.put_bucket_policy(Bucket=BUCKET, Policy=public_read())):
        with raises_aws("AccessDenied", 403,
                        message_contains="with an explicit deny in a resource-based policy"):
            call()
    # ...the root user of the bucket owner's account always can (AWS: so that an owner
    # cannot lock itself out).
    assert json.loads(root.get_bucket_policy(Bucket=BUCKET)["Policy"]) == json.loads(lockout)
    root.delete_bucket_policy(Bucket=BUCKET)
    assert body_of(admin, "a.txt") == b"contents of a.txt"
    assert body_of(root, "a.txt") == b"contents of a.txt"
    # It may also put a policy that denies itself, and replace it again.
    root.put_bucket_policy(Bucket=BUCKET, Policy=policy_doc(
        statement("Deny", {"AWS": ROOT_ARN}, "s3:*")))
    with raises_aws("AccessDenied", 403):
        root.get_object(Bucket=BUCKET, Key="a.txt")
    root.put_bucket_policy(Bucket=BUCKET, Policy=public_read())
    assert body_of(root, "a.txt") == b"contents of a.txt"


# ---- MFA -------------------------------------------------------------------------------


def test_bucket_policy_denying_requests_without_mfa(pc):
    make_bucket(pc, "secret.txt")
    iam = pc.iam()
    bob = pc.make_user("bob", policy=policy_doc(allow("s3:*", BOTH)))
    # AWS's example (S3 User Guide, "Requiring MFA"): deny when aws:MultiFactorAuthPresent
    # is false or absent (long-term keys carry no such key).
    pc.s3().put_bucket_policy(Bucket=BUCKET, Policy=policy_doc(statement(
        "Deny", "*", "s3:*", condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        sid="RequireMFA")))
    step = current_step()
    serial, seed, _ = create_device(iam, "bob-phone")
    iam.enable_mfa_device(UserName="bob", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, step - 1),
                          AuthenticationCode2=totp(seed, step))

    long_term = pc.s3(bob)
    with raises_aws("AccessDenied", 403) as err:
        long_term.get_object(Bucket=BUCKET, Key="secret.txt")
    assert err.message == (
        f"User: {pc.user_arn('bob')} is not authorized to perform: s3:GetObject on resource: "
        f"\"arn:aws:s3:::{BUCKET}/secret.txt\" with an explicit deny in a resource-based policy")
    with raises_aws("AccessDenied", 403):
        long_term.put_object(Bucket=BUCKET, Key="new.txt", Body=b"x")
    # A session without MFA: the key is present and "false".
    plain = pc.s3(creds_of(pc.sts(bob).get_session_token(DurationSeconds=900)))
    with raises_aws("AccessDenied", 403):
        plain.get_object(Bucket=BUCKET, Key="secret.txt")
    # A session made with an MFA code: allowed.
    mfa = pc.s3(creds_of(pc.sts(bob).get_session_token(
        DurationSeconds=900, SerialNumber=serial, TokenCode=totp(seed, step + 1))))
    assert body_of(mfa, "secret.txt") == b"contents of secret.txt"
    mfa.put_object(Bucket=BUCKET, Key="new.txt", Body=b"with mfa")
    assert body_of(mfa, "new.txt") == b"with mfa"
    # The deny names "*": the root user's long-term keys are refused too.
    with raises_aws("AccessDenied", 403):
        pc.s3().get_object(Bucket=BUCKET, Key="new.txt")


# ---- Anonymous access and Block Public Access --------------------------------------------


def test_anonymous_access_through_a_public_policy_and_block_public_access(pc):
    make_bucket(pc, "index.html")
    root = pc.s3()
    url = f"{pc.endpoint}/{BUCKET}/index.html"
    anon = anonymous(pc)

    # No policy: anonymous requests are denied with S3's XML error and a request id.
    resp = pc.raw("GET", f"/{BUCKET}/index.html")
    assert resp.status == 403
    assert error_code(resp.body) == "AccessDenied"
    assert resp.find("RequestId") == resp.headers["x-amz-request-id"] != ""
    assert resp.headers["x-amz-id-2"]  # S3's extended request id, on every answer
    status, body = curl(url)
    assert status == 403 and error_code(body) == "AccessDenied"
    with raises_aws("AccessDenied", 403):
        anon.get_object(Bucket=BUCKET, Key="index.html")

    # A public-read policy: anyone may GET objects, and nothing else.
    root.put_bucket_policy(Bucket=BUCKET, Policy=public_read())
    assert curl(url) == (200, b"contents of index.html")
    assert body_of(anon, "index.html") == b"contents of index.html"
    with raises_aws("AccessDenied", 403):
        anon.put_object(Bucket=BUCKET, Key="index.html", Body=b"defaced")
    with raises_aws("AccessDenied", 403):
        anon.delete_object(Bucket=BUCKET, Key="index.html")
    with raises_aws("AccessDenied", 403):
        anon.list_objects_v2(Bucket=BUCKET)
    status, body = curl(f"{pc.endpoint}/{BUCKET}/missing.html")
    assert status == 403 and error_code(body) == "AccessDenied"  # no s3:ListBucket
    assert body_of(root, "index.html") == b"contents of index.html"

    with raises_aws("NoSuchPublicAccessBlockConfiguration", 404):
        root.get_public_access_block(Bucket=BUCKET)
    # RestrictPublicBuckets: anonymous access stops while the public policy stays.
    config = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
              "RestrictPublicBuckets": True}
    root.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=config)
    assert root.get_public_access_block(Bucket=BUCKET)[
        "PublicAccessBlockConfiguration"] == config
    status, body = curl(url)
    assert status == 403 and error_code(body) == "AccessDenied"
    with raises_aws("AccessDenied", 403):
        anon.get_object(Bucket=BUCKET, Key="index.html")
    assert json.loads(root.get_bucket_policy(Bucket=BUCKET)["Policy"]) == json.loads(
        public_read())
    assert root.get_bucket_policy_status(Bucket=BUCKET)["PolicyStatus"] == {"IsPublic": True}
    assert body_of(root, "index.html") == b"contents of index.html"  # the owner's account

    # BlockPublicPolicy: the existing public policy keeps working, a new one is refused.
    config.update(RestrictPublicBuckets=False, BlockPublicPolicy=True)
    root.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=config)
    assert curl(url) == (200, b"contents of index.html")
    root.delete_bucket_policy(Bucket=BUCKET)
    with raises_aws("AccessDenied", 403, message_contains="BlockPublicPolicy"):
        root.put_bucket_policy(Bucket=BUCKET, Policy=public_read())
    with raises_aws("NoSuchBucketPolicy", 404):
        root.get_bucket_policy(Bucket=BUCKET)
    # A policy pinned to fixed source addresses is not public: accepted.
    root.put_bucket_policy(Bucket=BUCKET,
                           Policy=public_read(IpAddress={"aws:SourceIp": "127.0.0.1/32"}))
    assert curl(url) == (200, b"contents of index.html")
    root.delete_bucket_policy(Bucket=BUCKET)
    assert curl(url)[0] == 403

    # DeletePublicAccessBlock: no configuration, public policies allowed again.
    root.delete_public_access_block(Bucket=BUCKET)
    with raises_aws("NoSuchPublicAccessBlockConfiguration", 404):
        root.get_public_access_block(Bucket=BUCKET)
    root.put_bucket_policy(Bucket=BUCKET, Policy=public_read())
    assert body_of(anon, "index.html") == b"contents of index.html"


# ---- Condition keys ----------------------------------------------------------------------


def test_prefix_condition_limits_listing_to_a_home_folder(pc):
    make_bucket(pc, "home/alice/notes.txt", "home/alice/todo.txt", "home/bob/diary.txt",
                "shared.txt")
    alice = pc.make_user("alice", policy=policy_doc(
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn(),
         "Condition": {"StringLike": {"s3:prefix": "home/alice/*"}}},
        allow(["s3:GetObject", "s3:PutObject"], objects_arn(prefix="home/alice/"))))
    s3 = pc.s3(alice)
    assert keys_of(s3, Prefix="home/alice/") == ["home/alice/notes.txt", "home/alice/todo.txt"]
    for prefix in ("", "home/", "home/bob/"):
        with raises_aws("AccessDenied", 403):
            s3.list_objects_v2(Bucket=BUCKET, **({"Prefix": prefix} if prefix else {}))
    with raises_aws("AccessDenied", 403):
        s3.list_objects(Bucket=BUCKET)  # ListObjects (v1) is the same action
    # aws s3 ls sends prefix=home/alice/ and delimiter=/.
    ls = pc.aws_run("s3", "ls", f"s3://{BUCKET}/home/alice/", creds=alice)
    assert ls.returncode == 0, ls.stderr
    assert [line.split()[-1] for line in ls.stdout.splitlines()] == ["notes.txt", "todo.txt"]


def test_object_tag_conditions(pc):
    make_bucket(pc)
    root = pc.s3()
    root.put_object(Bucket=BUCKET, Key="open.txt", Body=b"open", Tagging="classification=public")
    root.put_object(Bucket=BUCKET, Key="closed.txt", Body=b"closed",
                    Tagging="classification=secret")
    root.put_object(Bucket=BUCKET, Key="untagged.txt", Body=b"untagged")
    user = pc.make_user("tagger", policy=policy_doc(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": objects_arn(),
         "Condition": {"StringEquals": {"s3:ExistingObjectTag/classification": "public"}}},
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectTagging"],
         "Resource": objects_arn(),
         "Condition": {"StringEquals": {"s3:RequestObjectTag/project": "blue"}}}))
    s3 = pc.s3(user)
    # s3:ExistingObjectTag/<key>: the stored object's tags decide GetObject.
    assert body_of(s3, "open.txt") == b"open"
    for key in ("closed.txt", "untagged.txt"):
        with raises_aws("AccessDenied", 403):
            s3.get_object(Bucket=BUCKET, Key=key)
    # Retagged by the owner, the object's new tags decide.
    root.put_object_tagging(Bucket=BUCKET, Key="closed.txt", Tagging={
        "TagSet": [{"Key": "classification", "Value": "public"}]})
    assert body_of(s3, "closed.txt") == b"closed"

    # s3:RequestObjectTag/<key>: the tags sent with PutObject (x-amz-tagging) decide.
    s3.put_object(Bucket=BUCKET, Key="blue.txt", Body=b"blue", Tagging="project=blue")
    assert root.get_object_tagging(Bucket=BUCKET, Key="blue.txt")["TagSet"] == [
        {"Key": "project", "Value": "blue"}]
    with raises_aws("AccessDenied", 403):
        s3.put_object(Bucket=BUCKET, Key="red.txt", Body=b"red", Tagging="project=red")
    with raises_aws("AccessDenied", 403):
        s3.put_object(Bucket=BUCKET, Key="none.txt", Body=b"none")
    assert keys_of(root) == ["blue.txt", "closed.txt", "open.txt", "untagged.txt"]


def test_source_ip_in_bucket_and_identity_policies(pc):
    make_bucket(pc, "a.txt")
    root = pc.s3()
    user = pc.s3(pc.make_user("office", policy=policy_doc(allow("s3:*"))))
    # A bucket policy denying every request from outside the office network (the tests
    # connect from 127.0.0.1).
    fence = {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}
    root.put_bucket_policy(Bucket=BUCKET, Policy=policy_doc(
        statement("Deny", "*", "s3:*", condition=fence, sid="OfficeOnly")))
    for s3 in (user, root):
        with raises_aws("AccessDenied", 403,
                        message_contains="with an explicit deny in a resource-based policy"):
            s3.get_object(Bucket=BUCKET, Key="a.txt")
    with raises_aws("AccessDenied", 403):
        user.put_object(Bucket=BUCKET, Key="b.txt", Body=b"x")
    root.put_bucket_policy(Bucket=BUCKET, Policy=policy_doc(statement(
        "Deny", "*", "s3:*", condition={"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}})))
    assert body_of(user, "a.txt") == b"contents of a.txt"
    root.delete_bucket_policy(Bucket=BUCKET)
    # The same in an identity policy.
    blocked = pc.s3(pc.make_user("remote", policy=policy_doc(
        allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                        "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}}})))
    with raises_aws("AccessDenied", 403,
                    message_contains="with an explicit deny in an identity-based policy"):
        blocked.get_object(Bucket=BUCKET, Key="a.txt")


def test_auth_type_and_signature_version_conditions(pc):
    make_bucket(pc, "a.txt")

    def reader(name: str, key: str, value: str) -> Creds:
        return pc.make_user(name, policy=policy_doc(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": objects_arn(),
             "Condition": {"StringEquals": {key: value}}}))

    def presigned(creds: Creds) -> str:
        return pc.s3(creds, signature_version="s3v4").generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": "a.txt"}, ExpiresIn=300)

    header_only = reader("header-only", "s3:authType", "REST-HEADER")
    query_only = reader("query-only", "s3:authType", "REST-QUERY-STRING")
    sigv4 = reader("sigv4", "s3:signatureversion", "AWS4-HMAC-SHA256")
    sigv2 = reader("sigv2", "s3:signatureversion", "AWS")

    assert body_of(pc.s3(header_only), "a.txt") == b"contents of a.txt"
    status, body = fetch(presigned(header_only))
    assert status == 403 and error_code(body) == "AccessDenied"

    assert fetch(presigned(query_only)) == (200, b"contents of a.txt")
    with raises_aws("AccessDenied", 403):
        pc.s3(query_only).get_object(Bucket=BUCKET, Key="a.txt")

    assert body_of(pc.s3(sigv4), "a.txt") == b"contents of a.txt"
    assert fetch(presigned(sigv4)) == (200, b"contents of a.txt")
    with raises_aws("AccessDenied", 403):
        pc.s3(sigv2).get_object(Bucket=BUCKET, Key="a.txt")
    assert fetch(presigned(sigv2))[0] == 403


def test_permissions_boundary_and_session_policy_limit_s3(pc):
    make_bucket(pc, "a.txt")
    root = pc.s3()
    iam = pc.iam()
    boundary = iam.create_policy(PolicyName="s3-read-only", PolicyDocument=policy_doc(
        allow("s3:ListBucket", bucket_arn()), allow("s3:GetObject", objects_arn())))[
        "Policy"]["Arn"]
    creds = pc.make_user("bounded", policy=policy_doc(allow("s3:*")))
    iam.put_user_permissions_boundary(UserName="bounded", PermissionsBoundary=boundary)
    s3 = pc.s3(creds)
    assert body_of(s3, "a.txt") == b"contents of a.txt"
    assert keys_of(s3) == ["a.txt"]
    with raises_aws("AccessDenied", 403, message_contains="permissions boundary"):
        s3.put_object(Bucket=BUCKET, Key="b.txt", Body=b"x")
    with raises_aws("AccessDenied", 403):
        s3.delete_object(Bucket=BUCKET, Key="a.txt")
    # AWS: in the same account, a bucket policy that names the user's ARN grants on its own;
    # the boundary does not limit it.
    root.put_bucket_policy(Bucket=BUCKET, Policy=policy_doc(statement(
        "Allow", {"AWS": pc.user_arn("bounded")}, "s3:PutObject", objects_arn(prefix="dropbox/"))))
    s3.put_object(Bucket=BUCKET, Key="dropbox/in.txt", Body=b"dropped")
    with raises_aws("AccessDenied", 403):
        s3.put_object(Bucket=BUCKET, Key="b.txt", Body=b"x")
    assert keys_of(root) == ["a.txt", "dropbox/in.txt"]
    root.delete_bucket_policy(Bucket=BUCKET)

    # A session policy narrows an assumed role's s3:* to reading.
    bob = pc.make_user("bob")
    role_arn = make_role(iam, "s3-admin", trust(pc.user_arn("bob")), allow("s3:*"))
    narrowed = pc.s3(creds_of(pc.sts(bob).assume_role(
        RoleArn=role_arn, RoleSessionName="read-only",
        Policy=policy_doc(allow("s3:GetObject", objects_arn())))))
    assert body_of(narrowed, "a.txt") == b"contents of a.txt"
    with raises_aws("AccessDenied", 403, message_contains="session policy"):
        narrowed.put_object(Bucket=BUCKET, Key="c.txt", Body=b"x")
    with raises_aws("AccessDenied", 403):
        narrowed.list_objects_v2(Bucket=BUCKET)
    # A bucket policy naming the role (not the session) is limited by the session policy.
    root.put_bucket_policy(Bucket=BUCKET, Policy=policy_doc(statement(
        "Allow", {"AWS": role_arn}, "s3:DeleteObject", objects_arn())))
    with raises_aws("AccessDenied", 403):
        narrowed.delete_object(Bucket=BUCKET, Key="a.txt")
    full = pc.s3(creds_of(pc.sts(bob).assume_role(RoleArn=role_arn, RoleSessionName="full")))
    full.put_object(Bucket=BUCKET, Key="c.txt", Body=b"c")
    assert keys_of(root) == ["a.txt", "c.txt", "dropbox/in.txt"]


# ---- Errors ------------------------------------------------------------------------------


def test_missing_key_is_no_such_key_only_with_list_bucket(pc):
    make_bucket(pc, "present.txt")
    getter = pc.s3(pc.make_user("getter", policy=policy_doc(
        allow("s3:GetObject", objects_arn()))))
    lister = pc.s3(pc.make_user("lister", policy=policy_doc(
        allow("s3:GetObject", objects_arn()), allow("s3:ListBucket", bucket_arn()))))
    assert body_of(getter, "present.txt") == b"contents of present.txt"
    # AWS (GetObject, "Permissions"): without s3:ListBucket a missing key is 403.
    with raises_aws("AccessDenied", 403):
        getter.get_object(Bucket=BUCKET, Key="missing.txt")
    with raises_aws("403", 403):
        getter.head_object(Bucket=BUCKET, Key="missing.txt")
    with raises_aws("NoSuchKey", 404):
        lister.get_object(Bucket=BUCKET, Key="missing.txt")
    with raises_aws("404", 404):
        lister.head_object(Bucket=BUCKET, Key="missing.txt")
    # An unknown bucket is NoSuchBucket for everyone.
    with raises_aws("NoSuchBucket", 404):
        getter.get_object(Bucket="no-such-bucket", Key="x")


def test_access_denied_is_s3_xml_and_changes_nothing(pc):
    make_bucket(pc, "keep.txt", "keep2.txt")
    root = pc.s3()
    creds = pc.make_user("reader", policy=policy_doc(
        allow(["s3:GetObject", "s3:ListBucket"], BOTH)))
    # A raw signed PUT: 403, S3's XML error, the request id in header and body.
    resp = s3_request(pc, "PUT", f"/{BUCKET}/new.txt", creds, body=b"data")
    assert resp.status == 403
    assert resp.headers["content-type"] == "application/xml"
    root_el = ET.fromstring(resp.body)
    assert root_el.tag == "Error"
    assert root_el.findtext("Code") == "AccessDenied"
    assert root_el.findtext("Message") == (
        f"User: {pc.user_arn('reader')} is not authorized to perform: s3:PutObject on "
        f"resource: \"arn:aws:s3:::{BUCKET}/new.txt\" because no identity-based policy "
        "allows the s3:PutObject action")
    assert root_el.findtext("RequestId") == resp.headers["x-amz-request-id"]
    assert len(resp.headers["x-amz-request-id"]) >= 16
    # HEAD: 403 without a body, the request id in the header.
    head = s3_request(pc, "HEAD", f"/{BUCKET}/keep.txt", pc.make_user("nobody"))
    assert head.status == 403 and head.body == b"" and head.headers["x-amz-request-id"]
    # The same through boto3.
    s3 = pc.s3(creds)
    with raises_aws("AccessDenied", 403) as err:
        s3.delete_object(Bucket=BUCKET, Key="keep.txt")
    assert err.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"] == \
        err.response["ResponseMetadata"]["RequestId"]

    # Nothing a denied request asked for happened.
    with raises_aws("AccessDenied", 403):
        s3.copy_object(Bucket=BUCKET, Key="copy.txt",
                       CopySource={"Bucket": BUCKET, "Key": "keep.txt"})
    with raises_aws("AccessDenied", 403):
        s3.create_multipart_upload(Bucket=BUCKET, Key="big.bin")
    with raises_aws("AccessDenied", 403):
        s3.put_object_tagging(Bucket=BUCKET, Key="keep.txt",
                              Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    with raises_aws("AccessDenied", 403):
        s3.delete_bucket(Bucket=BUCKET)
    with raises_aws("AccessDenied", 403):
        s3.put_bucket_policy(Bucket=BUCKET, Policy=public_read())
    # DeleteObjects answers 200 with an AccessDenied entry per key.
    out = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "keep.txt"},
                                                               {"Key": "keep2.txt"}]})
    assert [(e["Key"], e["Code"]) for e in out["Errors"]] == [
        ("keep.txt", "AccessDenied"), ("keep2.txt", "AccessDenied")]
    assert "Deleted" not in out
    assert keys_of(root) == ["keep.txt", "keep2.txt"]
    # Each key of a DeleteObjects request is authorized on its own.
    root.put_object(Bucket=BUCKET, Key="tmp/scratch.txt", Body=b"x")
    cleaner = pc.s3(pc.make_user("cleaner", policy=policy_doc(
        allow("s3:DeleteObject", objects_arn(prefix="tmp/")))))
    out = cleaner.delete_objects(Bucket=BUCKET, Delete={"Objects": [
        {"Key": "tmp/scratch.txt"}, {"Key": "keep.txt"}]})
    assert [d["Key"] for d in out["Deleted"]] == ["tmp/scratch.txt"]
    assert [(e["Key"], e["Code"]) for e in out["Errors"]] == [("keep.txt", "AccessDenied")]
    assert body_of(root, "keep.txt") == b"contents of keep.txt"
    assert root.get_object_tagging(Bucket=BUCKET, Key="keep.txt")["TagSet"] == []
    assert root.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    with raises_aws("NoSuchBucketPolicy", 404):
        root.get_bucket_policy(Bucket=BUCKET)


def test_audit_log_records_s3_events(pc):
    make_bucket(pc)
    creds = pc.make_user("auditee", policy=policy_doc(allow("s3:PutObject", objects_arn())))
    s3 = pc.s3(creds)
    marker = f"audit-{time.time_ns()}.txt"
    put_id = s3.put_object(Bucket=BUCKET, Key=marker, Body=b"x")["ResponseMetadata"]["RequestId"]
    with raises_aws("AccessDenied", 403) as err:
        s3.get_object(Bucket=BUCKET, Key=marker)
    get_id = err.response["ResponseMetadata"]["RequestId"]
    anon = pc.raw("GET", f"/{BUCKET}/{marker}")
    assert anon.status == 403

    [put] = _events(pc, 1, lambda e: e.get("requestID") == put_id)
    assert put["eventSource"] == "s3.amazonaws.com"
    assert put["eventName"] == "PutObject"
    assert put.get("errorCode") is None
    assert put["userIdentity"]["arn"] == pc.user_arn("auditee")
    assert put["userIdentity"]["accessKeyId"] == creds.access_key_id
    assert put["requestParameters"]["bucketName"] == BUCKET
    assert put["requestParameters"]["key"] == marker
    # CloudTrail: object-level operations are data events.
    assert put["eventCategory"] == "Data" and put["managementEvent"] is False
    [get] = _events(pc, 1, lambda e: e.get("requestID") == get_id)
    assert get["eventSource"] == "s3.amazonaws.com"
    assert get["eventName"] == "GetObject"
    assert get["errorCode"] == "AccessDenied"
    assert get["userIdentity"]["arn"] == pc.user_arn("auditee")
    [unsigned] = _events(pc, 1, lambda e: e.get("requestID") == anon.headers["x-amz-request-id"])
    assert unsigned["eventName"] == "GetObject"
    assert unsigned["errorCode"] == "AccessDenied"
    assert unsigned["requestParameters"]["key"] == marker
    assert unsigned["userIdentity"] == {"type": "AWSAccount", "principalId": "",
                                        "accountId": "ANONYMOUS_PRINCIPAL"}
    # No secret reaches the log.
    assert creds.secret_access_key not in pc.server.audit_log.read_text()
