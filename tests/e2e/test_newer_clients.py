"""A second set of clients: the newer boto3/botocore and the aws CLI v1 of the `python3`
first on PATH (not Debian's), when present. Each call asserts real results."""

import json
import os
import shutil
import subprocess
import textwrap

import pytest

from conftest import TARGET


def _newer_python():
    path = shutil.which("python3")
    if not path or os.path.realpath(path) == "/usr/bin/python3.11" or path == "/usr/bin/python3":
        return None
    probe = subprocess.run([path, "-c", "import boto3, botocore; print(botocore.__version__)"],
                           capture_output=True, text=True, timeout=60, check=False)
    return path if probe.returncode == 0 else None


NEWER = _newer_python()

SCRIPT = textwrap.dedent("""
    import json, sys
    import boto3, botocore, botocore.config
    endpoint, key, secret = sys.argv[1:4]
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint,
                       aws_access_key_id=key, aws_secret_access_key=secret,
                       config=botocore.config.Config(retries={"total_max_attempts": 1}))
    out = {"botocore": botocore.__version__}
    out["user"] = iam.create_user(UserName="newer", Path="/n/")["User"]["Arn"]
    doc = {"Version": "2012-10-17",
           "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]}
    iam.put_user_policy(UserName="newer", PolicyName="p", PolicyDocument=json.dumps(doc))
    out["doc_round_trip"] = iam.get_user_policy(UserName="newer",
                                                PolicyName="p")["PolicyDocument"] == doc
    key = iam.create_access_key(UserName="newer")["AccessKey"]
    me = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint,
                      aws_access_key_id=key["AccessKeyId"],
                      aws_secret_access_key=key["SecretAccessKey"])
    out["me"] = me.get_user()["User"]["UserName"]
    for i in range(7):
        iam.create_user(UserName=f"page-{i}")
    pages = list(iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 3}))
    out["pages"] = [len(p["Users"]) for p in pages]
    try:
        iam.create_user(UserName="newer")
        out["duplicate"] = None
    except iam.exceptions.EntityAlreadyExistsException as e:
        out["duplicate"] = [e.response["Error"]["Code"],
                            e.response["ResponseMetadata"]["HTTPStatusCode"]]
    try:
        me.list_users()
        out["denied"] = None
    except botocore.exceptions.ClientError as e:
        out["denied"] = e.response["Error"]["Code"]
    print(json.dumps(out))
""")


@pytest.mark.skipif(NEWER is None, reason="no newer boto3 on PATH")
def test_newer_boto3(pc, tmp_path):
    script = tmp_path / "newer.py"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run([NEWER, str(script), pc.endpoint, pc.root.access_key_id,
                           pc.root.secret_access_key], capture_output=True, text=True,
                          timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["user"] == "arn:aws:iam::123456789012:user/n/newer"
    assert out["doc_round_trip"] is True
    assert out["me"] == "newer"
    assert out["pages"] == [3, 3, 2]
    assert out["duplicate"] == ["EntityAlreadyExists", 409]
    if TARGET != "moto":
        assert out["denied"] == "AccessDenied"


@pytest.mark.skipif(shutil.which("aws") in (None, "/usr/bin/aws"), reason="no aws CLI v1")
def test_aws_cli_v1(pc):
    pc.iam().create_user(UserName="v1-visible")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": pc.root.access_key_id,
                "AWS_SECRET_ACCESS_KEY": pc.root.secret_access_key,
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1",
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    proc = subprocess.run([shutil.which("aws"), "iam", "list-users", "--endpoint-url",
                           pc.endpoint, "--output", "json"], capture_output=True, text=True,
                          timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert [u["UserName"] for u in json.loads(proc.stdout)["Users"]] == ["v1-visible"]


S3_SCRIPT = textwrap.dedent("""
    import hashlib, json, os, sys
    import boto3, botocore, botocore.config
    from boto3.s3.transfer import TransferConfig
    endpoint, key, secret, workdir = sys.argv[1:5]
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint,
                      aws_access_key_id=key, aws_secret_access_key=secret,
                      config=botocore.config.Config(retries={"total_max_attempts": 1}))
    out = {"botocore": botocore.__version__}
    s3.create_bucket(Bucket="newer-bucket")
    # Newer botocore sends a CRC32 checksum with every PutObject by default and validates
    # the one a GetObject with ChecksumMode returns.
    put = s3.put_object(Bucket="newer-bucket", Key="small", Body=b"hello newer botocore")
    out["put_crc32"] = put.get("ChecksumCRC32")
    got = s3.get_object(Bucket="newer-bucket", Key="small", ChecksumMode="ENABLED")
    out["got"] = got["Body"].read().decode()
    out["got_crc32"] = got.get("ChecksumCRC32")
    data = os.urandom(11 * 1024 * 1024)
    src = os.path.join(workdir, "upload.bin")
    dst = os.path.join(workdir, "download.bin")
    with open(src, "wb") as f:
        f.write(data)
    config = TransferConfig(multipart_threshold=5 * 1024 * 1024,
                            multipart_chunksize=5 * 1024 * 1024)
    s3.upload_file(src, "newer-bucket", "multi", Config=config)
    out["multi_etag"] = s3.head_object(Bucket="newer-bucket", Key="multi")["ETag"]
    s3.download_file("newer-bucket", "multi", dst, Config=config)
    with open(dst, "rb") as f:
        out["same"] = hashlib.sha256(f.read()).hexdigest() == hashlib.sha256(data).hexdigest()
    print(json.dumps(out))
""")


@pytest.mark.skipif(NEWER is None, reason="no newer boto3 on PATH")
@pytest.mark.skipif(TARGET == "moto", reason="checks Portcullis's checksum answers")
def test_newer_boto3_s3_checksums_and_multipart(pc, tmp_path):
    script = tmp_path / "newer_s3.py"
    script.write_text(S3_SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run([NEWER, str(script), pc.endpoint, pc.root.access_key_id,
                           pc.root.secret_access_key, str(tmp_path)], capture_output=True,
                          text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    import base64
    import zlib
    crc = base64.b64encode(zlib.crc32(b"hello newer botocore").to_bytes(4, "big")).decode()
    assert out["put_crc32"] == crc
    assert out["got"] == "hello newer botocore" and out["got_crc32"] == crc
    assert out["multi_etag"].endswith('-3"')
    assert out["same"] is True
