"""Workload credentials (docs/workload-credentials.md): boto3 and the aws CLI with no keys
in their environment get an instance profile's role credentials through the container
credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN)
and through the IMDSv2-compatible listener (AWS_EC2_METADATA_SERVICE_ENDPOINT), and are
limited to the role's policy."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import botocore.awsrequest
import pytest

from conftest import ACCOUNT_ID, AWS_CLI, TARGET, Client, http_call, sign
from e2e_util import Creds, allow, policy_doc

pytestmark = pytest.mark.skipif(TARGET == "moto", reason="Portcullis only")

CREDENTIALS_PATH = "/_portcullis/workload/credentials"
IMDS_LINE = re.compile(r"instance metadata service on http://[^\s]*:(\d+)/")
EC2_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}

# Runs in a fresh interpreter whose environment holds no keys: what the SDK's default
# credential chain finds, who it is, and one allowed and one disallowed call.
PROBE = r"""
import json, sys
import boto3, botocore.exceptions
endpoint = sys.argv[1]
session = boto3.session.Session(region_name="us-east-1")
creds = session.get_credentials()
out = {"method": creds.method if creds else None}
cfg = botocore.config.Config(retries={"total_max_attempts": 1})
sts = session.client("sts", endpoint_url=endpoint, config=cfg)
iam = session.client("iam", endpoint_url=endpoint, config=cfg)
out["arn"] = sts.get_caller_identity()["Arn"]
out["roles"] = [r["RoleName"] for r in iam.list_roles()["Roles"]]
try:
    iam.list_users()
    out["list_users"] = "allowed"
except botocore.exceptions.ClientError as e:
    out["list_users"] = e.response["Error"]["Code"]
print(json.dumps(out))
"""


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The test's environment without any AWS setting, HOME in `tmp` (no ~/.aws)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = str(tmp)
    (tmp / "empty").write_text("")
    env["AWS_CONFIG_FILE"] = str(tmp / "empty")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp / "empty")
    env.update(extra)
    return env


def probe(endpoint: str, env: dict[str, str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, endpoint], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def probe_fails(endpoint: str, env: dict[str, str]) -> str:
    proc = subprocess.run([sys.executable, "-c", PROBE, endpoint], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0, proc.stdout
    return proc.stderr


def workload_call(pc: Client, method: str, path: str, body: dict | None,
                  creds: Creds | None = None):
    """A SigV4-signed (service iam) request to the workload registration endpoint."""
    data = json.dumps(body).encode() if body is not None else b""
    req = botocore.awsrequest.AWSRequest(method=method, url=pc.endpoint + path, data=data,
                                         headers={"Content-Type": "application/json"})
    sign(req, creds or pc.root, "iam", pc.region)
    resp = pc.send(req)
    return resp.status, json.loads(resp.body or b"{}")


def register(pc: Client, profile: str, creds: Creds | None = None, **extra: str) -> dict:
    status, body = workload_call(pc, "POST", "/_portcullis/workloads",
                                 {"InstanceProfileName": profile, **extra}, creds)
    assert status == 200, body
    return body


def make_profile(pc: Client, role: str = "app-role", profile: str = "app-profile",
                 trust: dict = EC2_TRUST) -> str:
    iam = pc.iam()
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=role, PolicyName="read-roles",
                        PolicyDocument=policy_doc(allow("iam:ListRoles")))
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    return arn


def test_container_credentials_with_boto3(pc, tmp_path):
    make_profile(pc)
    reg = register(pc, "app-profile")
    assert re.fullmatch(r"i-[0-9a-f]{17}", reg["WorkloadId"])
    assert reg["RoleArn"] == f"arn:aws:iam::{ACCOUNT_ID}:role/app-role"
    env = clean_env(tmp_path,
                    AWS_CONTAINER_CREDENTIALS_FULL_URI=pc.endpoint + CREDENTIALS_PATH,
                    AWS_CONTAINER_AUTHORIZATION_TOKEN=reg["Token"],
                    AWS_EC2_METADATA_DISABLED="true")
    out = probe(pc.endpoint, env)
    assert out["method"] == "container-role"
    assert out["arn"] == (f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/app-role/"
                          f"{reg['WorkloadId']}")
    assert "app-role" in out["roles"]
    assert out["list_users"] == "AccessDenied"


def test_container_endpoint_document_and_rotation_cache(pc):
    make_profile(pc)
    reg = register(pc, "app-profile")
    first = pc.raw("GET", CREDENTIALS_PATH, headers={"Authorization": reg["Token"]})
    assert first.status == 200, first.text
    doc = json.loads(first.body)
    assert set(doc) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "RoleArn"}
    assert doc["AccessKeyId"].startswith("ASIA")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["Expiration"])
    # Cached until close to expiry: the same credentials again.
    again = json.loads(pc.raw("GET", CREDENTIALS_PATH,
                              headers={"Authorization": reg["Token"]}).body)
    assert again["AccessKeyId"] == doc["AccessKeyId"]


def test_wrong_or_missing_token_is_refused(pc, tmp_path):
    make_profile(pc)
    reg = register(pc, "app-profile")
    for headers in ({}, {"Authorization": reg["Token"][:-1] + "x"},
                    {"Authorization": "pcw1.123456789012.i-00000000000000000.00"}):
        resp = pc.raw("GET", CREDENTIALS_PATH, headers=headers)
        assert resp.status in (401, 403), resp.text
        assert "AccessKeyId" not in resp.text
    env = clean_env(tmp_path,
                    AWS_CONTAINER_CREDENTIALS_FULL_URI=pc.endpoint + CREDENTIALS_PATH,
                    AWS_CONTAINER_AUTHORIZATION_TOKEN=reg["Token"] + "x",
                    AWS_EC2_METADATA_DISABLED="true")
    err = probe_fails(pc.endpoint, env)
    assert "credentials" in err.lower() or "Credential" in err


def test_aws_cli_with_container_provider(pc, tmp_path):
    make_profile(pc)
    reg = register(pc, "app-profile")
    env = clean_env(tmp_path,
                    AWS_CONTAINER_CREDENTIALS_FULL_URI=pc.endpoint + CREDENTIALS_PATH,
                    AWS_CONTAINER_AUTHORIZATION_TOKEN=reg["Token"],
                    AWS_EC2_METADATA_DISABLED="true", AWS_DEFAULT_REGION="us-east-1",
                    AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    base = [AWS_CLI, "--endpoint-url", pc.endpoint, "--output", "json"]
    who = subprocess.run([*base, "sts", "get-caller-identity"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["Arn"].endswith(f":assumed-role/app-role/{reg['WorkloadId']}")
    denied = subprocess.run([*base, "iam", "list-users"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert denied.returncode == 254 and "AccessDenied" in denied.stderr, denied.stderr


def test_registration_rules(pc):
    make_profile(pc)
    # iam:PassRole on the profile's role is required.
    no_pass = pc.make_user("no-pass", policy=policy_doc(allow("iam:ListRoles")))
    status, body = workload_call(pc, "POST", "/_portcullis/workloads",
                                 {"InstanceProfileName": "app-profile"}, no_pass)
    assert status == 403 and body["Code"] == "AccessDenied", body
    assert "iam:PassRole" in body["Message"]
    passer = pc.make_user("passer", policy=policy_doc(
        allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT_ID}:role/app-role")))
    reg = register(pc, "app-profile", passer)
    # Unknown profile, missing name, unsigned.
    status, body = workload_call(pc, "POST", "/_portcullis/workloads",
                                 {"InstanceProfileName": "nope"})
    assert status == 404 and body["Code"] == "NoSuchEntity", body
    status, body = workload_call(pc, "POST", "/_portcullis/workloads", {"Name": "x"})
    assert status == 400 and body["Code"] == "ValidationError", body
    resp = pc.raw("POST", "/_portcullis/workloads", b'{"InstanceProfileName":"app-profile"}')
    assert resp.status in (401, 403), resp.text
    # Deregistration: the token stops working.
    status, body = workload_call(pc, "DELETE", f"/_portcullis/workloads/{reg['WorkloadId']}",
                                 None, no_pass)
    assert status == 403, body
    status, body = workload_call(pc, "DELETE", f"/_portcullis/workloads/{reg['WorkloadId']}",
                                 None, passer)
    assert status == 200, body
    resp = pc.raw("GET", CREDENTIALS_PATH, headers={"Authorization": reg["Token"]})
    assert resp.status == 403 and json.loads(resp.body)["Code"] == "InvalidClientTokenId"
    status, body = workload_call(pc, "DELETE", f"/_portcullis/workloads/{reg['WorkloadId']}",
                                 None)
    assert status == 404 and body["Code"] == "NoSuchEntity", body


def test_trust_policy_must_allow_ec2(pc):
    make_profile(pc, role="lambda-role", profile="lambda-profile", trust=LAMBDA_TRUST)
    reg = register(pc, "lambda-profile")
    resp = pc.raw("GET", CREDENTIALS_PATH, headers={"Authorization": reg["Token"]})
    assert resp.status == 403, resp.text
    body = json.loads(resp.body)
    assert body["Code"] == "AccessDenied" and "ec2.amazonaws.com" in body["Message"]


# IMDS -------------------------------------------------------------------------------------

@pytest.fixture
def imds_server(start_server, tmp_path):
    srv = start_server(extra_args=["--imds-port", "0"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        match = IMDS_LINE.search(srv.output())
        if match:
            return srv, int(match.group(1))
        time.sleep(0.05)
    raise AssertionError("no instance metadata line:\n" + srv.output())


def test_imds_with_boto3(imds_server, tmp_path):
    srv, imds_port = imds_server
    pc = Client(srv, tmp_path)
    make_profile(pc)
    reg = register(pc, "app-profile", ImdsSourceIp="127.0.0.1")
    assert reg["ImdsSourceIp"] == "127.0.0.1"
    env = clean_env(tmp_path, AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:{imds_port}/")
    out = probe(pc.endpoint, env)
    assert out["method"] == "iam-role"
    assert out["arn"] == (f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/app-role/"
                          f"{reg['WorkloadId']}")
    assert out["list_users"] == "AccessDenied"
    assert "app-role" in out["roles"]
    # The credential document was audited (as the container endpoint's answer is), with
    # no secret in the log.
    deadline = time.monotonic() + 5  # the audit log is written in the background
    while True:
        log = srv.audit_log.read_text() if srv.audit_log.exists() else ""
        events = [json.loads(line) for line in log.splitlines() if line.strip()]
        fetched = [e for e in events if e.get("eventName") == "GetWorkloadCredentials"]
        if fetched or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert fetched and fetched[-1]["sourceIPAddress"] == "127.0.0.1"
    assert "errorCode" not in fetched[-1]
    assert "SecretAccessKey" not in log and "secretAccessKey" not in log
    # The aws CLI (its own botocore) through the same listener.
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    who = subprocess.run([AWS_CLI, "--endpoint-url", pc.endpoint, "--output", "json", "sts",
                          "get-caller-identity"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["Arn"].endswith(f":assumed-role/app-role/{reg['WorkloadId']}")


def test_imds_protocol(imds_server, tmp_path):
    srv, imds_port = imds_server
    pc = Client(srv, tmp_path)

    def imds(method, path, headers=None):
        return http_call(imds_port, method, path, headers=headers or {})

    # No workload claims the address yet.
    assert imds("PUT", "/latest/api/token",
                {"X-aws-ec2-metadata-token-ttl-seconds": "60"}).status == 404
    make_profile(pc)
    reg = register(pc, "app-profile", ImdsSourceIp="127.0.0.1")
    # A second workload cannot claim the same address.
    status, body = workload_call(pc, "POST", "/_portcullis/workloads",
                                 {"InstanceProfileName": "app-profile",
                                  "ImdsSourceIp": "127.0.0.1"})
    assert status == 409 and body["Code"] == "EntityAlreadyExists", body
    for ttl in ("0", "21601", "abc", None):
        headers = {} if ttl is None else {"X-aws-ec2-metadata-token-ttl-seconds": ttl}
        assert imds("PUT", "/latest/api/token", headers).status == 400, ttl
    # Proxied token requests are refused, as AWS does.
    assert imds("PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60",
                                             "X-Forwarded-For": "10.0.0.1"}).status == 403
    resp = imds("PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
    assert resp.status == 200
    assert resp.headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600"
    token = resp.text
    auth = {"X-aws-ec2-metadata-token": token}
    # IMDSv1 (no token) and a bad token: 401.
    path = "/latest/meta-data/iam/security-credentials/"
    assert imds("GET", path).status == 401
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    assert imds("GET", path, {"X-aws-ec2-metadata-token": flipped}).status == 401
    listing = imds("GET", path, auth)
    assert listing.status == 200 and listing.text == "app-role"
    doc = json.loads(imds("GET", path + "app-role", auth).body)
    assert doc["Code"] == "Success" and doc["Type"] == "AWS-HMAC"
    assert doc["AccessKeyId"].startswith("ASIA")
    for key in ("SecretAccessKey", "Token", "Expiration", "LastUpdated"):
        assert doc[key]
    assert imds("GET", path + "other-role", auth).status == 404
    info = json.loads(imds("GET", "/latest/meta-data/iam/info", auth).body)
    assert info["Code"] == "Success"
    assert info["InstanceProfileArn"] == (f"arn:aws:iam::{ACCOUNT_ID}:"
                                          "instance-profile/app-profile")
    assert imds("GET", "/latest/meta-data/instance-id", auth).text == reg["WorkloadId"]
    # The credentials work and are the role's.
    creds = Creds(doc["AccessKeyId"], doc["SecretAccessKey"], doc["Token"])
    assert pc.sts(creds).get_caller_identity()["Arn"].endswith(
        f":assumed-role/app-role/{reg['WorkloadId']}")


def test_imds_is_off_by_default(pc):
    assert "instance metadata service on" not in pc.server.output()
