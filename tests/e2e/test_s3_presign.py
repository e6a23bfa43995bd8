"""Presigned S3 URLs fetched and uploaded with curl: Debian's `aws s3 presign`, boto3's
default presigner (botocore 1.29: Signature Version 2, `?AWSAccessKeyId&Signature&Expires`)
and boto3 with signature_version="s3v4" (SigV4 query parameters). Expired, tampered and
unauthorized URLs answer S3's errors; SigV2 requests carry s3:signatureversion "AWS"."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import TARGET, Client
from e2e_util import Creds, allow, policy_doc, raises_aws

pytestmark = pytest.mark.skipif(TARGET == "moto", reason="moto does not verify presigned URLs")

BUCKET = "presign-e2e"


def curl(url: str, tmp_path: Path, *, method: str = "GET", upload: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Sends `url` with curl; returns the status and the body."""
    out = tmp_path / "curl-body"
    cmd = ["curl", "-sS", "--globoff", "-o", str(out), "-w", "%{http_code}", "-X", method]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if upload is not None:
        src = tmp_path / "curl-upload"
        src.write_bytes(upload)
        cmd += ["--upload-file", str(src)]
    cmd.append(url)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout), out.read_bytes() if out.exists() else b""


def s3_error(body: bytes) -> tuple[str, str]:
    root = ET.fromstring(body)
    return root.findtext("Code") or "", root.findtext("Message") or ""


def query_of(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def sigv2_client(pc: Client, creds=None):
    """boto3 with its default presigner: Signature Version 2 in Debian's botocore 1.29."""
    return pc.s3(creds)


def sigv4_client(pc: Client, creds=None):
    return pc.s3(creds, signature_version="s3v4")


def test_cli_presign_url_fetches_the_object(pc: Client, tmp_path):
    body = os.urandom(3000)
    pc.s3().create_bucket(Bucket=BUCKET)
    pc.s3().put_object(Bucket=BUCKET, Key="dir/cli object.bin", Body=body)
    proc = pc.aws_run("s3", "presign", f"s3://{BUCKET}/dir/cli object.bin")
    assert proc.returncode == 0, proc.stderr
    url = proc.stdout.strip()
    # Debian's CLI v2 presigns with SigV4 (its botocore has no SigV2 signer).
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url, url
    status, got = curl(url, tmp_path)
    assert status == 200, got[:300]
    assert got == body


def test_sigv2_presigned_get_put_and_errors(pc: Client, tmp_path):
    s3 = pc.s3()
    s3.create_bucket(Bucket=BUCKET)
    key = "photos/ü b+c.bin"
    body = os.urandom(5000)
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    v2 = sigv2_client(pc)

    url = v2.generate_presigned_url("get_object", {"Bucket": BUCKET, "Key": key})
    params = query_of(url)
    assert set(params) == {"AWSAccessKeyId", "Signature", "Expires"}, url
    status, got = curl(url, tmp_path)
    assert status == 200, got[:300]
    assert got == body

    # Response overrides are signed sub-resources and are applied.
    url = v2.generate_presigned_url("get_object", {
        "Bucket": BUCKET, "Key": key, "ResponseContentType": "text/plain"})
    status, got = curl(url, tmp_path)
    assert (status, got) == (200, body)

    # An Expires already in the past.
    expired = v2.generate_presigned_url("get_object", {"Bucket": BUCKET, "Key": key},
                                        ExpiresIn=-60)
    status, got = curl(expired, tmp_path)
    assert status == 403
    assert s3_error(got) == ("AccessDenied", "Request has expired")

    # A tampered signature, and a URL moved to another key.
    good = v2.generate_presigned_url("get_object", {"Bucket": BUCKET, "Key": key})
    sig = query_of(good)["Signature"]
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    tampered = good.replace(urllib.parse.quote(sig, safe=""), urllib.parse.quote(flipped, safe=""))
    assert tampered != good
    status, got = curl(tampered, tmp_path)
    assert status == 403
    assert s3_error(got)[0] == "SignatureDoesNotMatch"
    s3.put_object(Bucket=BUCKET, Key="other", Body=b"secret")
    moved = good.replace(urllib.parse.quote(key), "other")
    status, got = curl(moved, tmp_path)
    assert status == 403
    assert s3_error(got)[0] == "SignatureDoesNotMatch"

    # An unknown key id.
    unknown = good.replace(pc.root.access_key_id, "AKIAUNKNOWNUNKNOWN22")
    status, got = curl(unknown, tmp_path)
    assert status == 403
    assert s3_error(got)[0] == "InvalidAccessKeyId"

    # A presigned PUT (content type signed, sent as the header), read back.
    upload = os.urandom(4096)
    put_url = v2.generate_presigned_url("put_object", {
        "Bucket": BUCKET, "Key": "uploaded/v2.bin", "ContentType": "application/x-test"})
    assert "AWSAccessKeyId=" in put_url and "content-type=" in put_url, put_url
    status, got = curl(put_url, tmp_path, method="PUT", upload=upload,
                       headers={"Content-Type": "application/x-test"})
    assert status == 200, got[:300]
    read = s3.get_object(Bucket=BUCKET, Key="uploaded/v2.bin")
    assert read["Body"].read() == upload
    assert read["ContentType"] == "application/x-test"
    # The same URL with another content type does not match its signature.
    status, got = curl(put_url, tmp_path, method="PUT", upload=b"x",
                       headers={"Content-Type": "text/html"})
    assert status == 403
    assert s3_error(got)[0] == "SignatureDoesNotMatch"


def test_sigv2_url_of_a_user_without_get_object_is_denied(pc: Client, tmp_path):
    pc.s3().create_bucket(Bucket=BUCKET)
    pc.s3().put_object(Bucket=BUCKET, Key="k", Body=b"data")
    lister = pc.make_user("lister", policy=policy_doc(allow("s3:ListBucket")))
    url = sigv2_client(pc, lister).generate_presigned_url("get_object",
                                                          {"Bucket": BUCKET, "Key": "k"})
    status, got = curl(url, tmp_path)
    assert status == 403
    assert s3_error(got)[0] == "AccessDenied"

    reader = pc.make_user("reader", policy=policy_doc(allow("s3:GetObject")))
    url = sigv2_client(pc, reader).generate_presigned_url("get_object",
                                                          {"Bucket": BUCKET, "Key": "k"})
    assert curl(url, tmp_path) == (200, b"data")


def test_sigv2_with_temporary_credentials(pc: Client, tmp_path):
    pc.s3().create_bucket(Bucket=BUCKET)
    pc.s3().put_object(Bucket=BUCKET, Key="k", Body=b"temporary")
    user = pc.make_user("temp", policy=policy_doc(allow("s3:GetObject")))
    c = pc.sts(user).get_session_token()["Credentials"]
    temp = Creds(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    url = sigv2_client(pc, temp).generate_presigned_url("get_object",
                                                        {"Bucket": BUCKET, "Key": "k"})
    assert "x-amz-security-token=" in url
    assert curl(url, tmp_path) == (200, b"temporary")
    # Without its token the temporary key id is unknown.
    bare = "&".join(p for p in url.split("&") if not p.startswith("x-amz-security-token="))
    status, got = curl(bare, tmp_path)
    assert status == 403
    assert s3_error(got)[0] == "InvalidAccessKeyId"


def test_signature_version_and_auth_type_condition_keys(pc: Client, tmp_path):
    s3 = pc.s3()
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"v")
    # Presigned URLs only, and SigV4 only: a SigV2 URL is refused, a SigV4 one served.
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {"s3:authType": "REST-QUERY-STRING",
                                       "s3:signatureversion": "AWS4-HMAC-SHA256"}}}]}
    v4_only = pc.make_user("v4only", policy=json.dumps(policy))
    v4_url = sigv4_client(pc, v4_only).generate_presigned_url("get_object",
                                                               {"Bucket": BUCKET, "Key": "k"})
    assert curl(v4_url, tmp_path) == (200, b"v")
    v2_url = sigv2_client(pc, v4_only).generate_presigned_url("get_object",
                                                               {"Bucket": BUCKET, "Key": "k"})
    status, got = curl(v2_url, tmp_path)
    assert status == 403
    assert s3_error(got)[0] == "AccessDenied"
    with raises_aws("AccessDenied", 403):  # header-signed: REST-HEADER
        sigv4_client(pc, v4_only).get_object(Bucket=BUCKET, Key="k")

    policy["Statement"][0]["Condition"]["StringEquals"]["s3:signatureversion"] = "AWS"
    v2_only = pc.make_user("v2only", policy=json.dumps(policy))
    v2_url = sigv2_client(pc, v2_only).generate_presigned_url("get_object",
                                                               {"Bucket": BUCKET, "Key": "k"})
    assert curl(v2_url, tmp_path) == (200, b"v")
    v4_url = sigv4_client(pc, v2_only).generate_presigned_url("get_object",
                                                               {"Bucket": BUCKET, "Key": "k"})
    status, got = curl(v4_url, tmp_path)
    assert status == 403
    assert s3_error(got)[0] == "AccessDenied"


def test_sigv4_presigned_get_and_put(pc: Client, tmp_path):
    s3 = pc.s3()
    s3.create_bucket(Bucket=BUCKET)
    v4 = sigv4_client(pc)
    upload = os.urandom(6000)
    put_url = v4.generate_presigned_url("put_object", {"Bucket": BUCKET, "Key": "v4/obj"})
    assert "X-Amz-Signature=" in put_url
    status, got = curl(put_url, tmp_path, method="PUT", upload=upload)
    assert status == 200, got[:300]
    get_url = v4.generate_presigned_url("get_object", {"Bucket": BUCKET, "Key": "v4/obj"})
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in get_url
    assert curl(get_url, tmp_path) == (200, upload)
    assert s3.get_object(Bucket=BUCKET, Key="v4/obj")["Body"].read() == upload

