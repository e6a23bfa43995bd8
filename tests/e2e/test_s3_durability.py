"""S3 durability: an acknowledged PUT (single and multipart) survives `kill -9`, no partial
object is ever visible, and a second server on the same data directory refuses S3 while
the first holds the store (IAM keeps working)."""

import hashlib
import os

import pytest

from conftest import TARGET, Client
from e2e_util import raises_aws

pytestmark = pytest.mark.skipif(TARGET == "moto", reason="moto keeps its state in memory")


def test_acknowledged_objects_survive_kill_9(start_server, tmp_path):
    data = tmp_path / "data"
    first = start_server(data, extra_args=["--store", "sqlite"])
    pc = Client(first, tmp_path)
    s3 = pc.s3()
    s3.create_bucket(Bucket="durable")
    bodies = {f"burst/{i:02d}": os.urandom(1000 + i) for i in range(20)}
    for key, body in bodies.items():
        s3.put_object(Bucket="durable", Key=key, Body=body)
    # A multipart object, completed just before the kill.
    upload = s3.create_multipart_upload(Bucket="durable", Key="multi")["UploadId"]
    part1 = os.urandom(5 * 1024 * 1024)
    part2 = os.urandom(1234)
    e1 = s3.upload_part(Bucket="durable", Key="multi", UploadId=upload, PartNumber=1,
                        Body=part1)["ETag"]
    e2 = s3.upload_part(Bucket="durable", Key="multi", UploadId=upload, PartNumber=2,
                        Body=part2)["ETag"]
    s3.complete_multipart_upload(
        Bucket="durable", Key="multi", UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1},
                                   {"PartNumber": 2, "ETag": e2}]})
    # An upload left open: it must still be listed (and abortable) after the restart.
    open_upload = s3.create_multipart_upload(Bucket="durable", Key="open")["UploadId"]
    s3.upload_part(Bucket="durable", Key="open", UploadId=open_upload, PartNumber=1,
                   Body=b"x" * 10)

    first.kill9()
    assert not first.alive()

    second = start_server(data, extra_args=["--store", "sqlite"])
    s3 = Client(second, tmp_path).s3()
    for key, body in bodies.items():
        got = s3.get_object(Bucket="durable", Key=key)
        assert got["Body"].read() == body
        assert got["ETag"] == '"' + hashlib.md5(body).hexdigest() + '"'
    multi = s3.get_object(Bucket="durable", Key="multi")["Body"].read()
    assert hashlib.sha256(multi).digest() == hashlib.sha256(part1 + part2).digest()
    listed = s3.list_objects_v2(Bucket="durable")
    assert listed["KeyCount"] == len(bodies) + 1
    uploads = s3.list_multipart_uploads(Bucket="durable").get("Uploads", [])
    assert [u["UploadId"] for u in uploads] == [open_upload]
    s3.abort_multipart_upload(Bucket="durable", Key="open", UploadId=open_upload)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket="durable")


def test_second_server_on_one_data_directory_refuses_s3(start_server, tmp_path):
    data = tmp_path / "data"
    first = start_server(data, extra_args=["--store", "sqlite"])
    Client(first, tmp_path).s3().create_bucket(Bucket="held")
    second = start_server(data, extra_args=["--store", "sqlite"])
    pc2 = Client(second, tmp_path)
    # IAM and STS are served from the shared identity store ...
    assert pc2.iam().get_user()["User"]["Arn"].endswith(":root")
    # ... S3 is not: the first process owns the object store.
    with raises_aws("ServiceUnavailable", status=503):
        pc2.s3().list_buckets()
    # The first server still serves it.
    assert [b["Name"] for b in Client(first, tmp_path).s3().list_buckets()["Buckets"]] == ["held"]


def test_reset_while_a_body_streams(pc):
    # Dev mode: a reset while a GetObject body is still being sent lets that body finish
    # (the object store it reads stays alive) and leaves the server serving.
    import http.client
    import urllib.parse

    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials

    s3 = pc.s3()
    s3.create_bucket(Bucket="streaming")
    body = os.urandom(24 * 1024 * 1024)
    s3.put_object(Bucket="streaming", Key="big", Body=body)
    req = botocore.awsrequest.AWSRequest(method="GET", url=pc.endpoint + "/streaming/big")
    creds = botocore.credentials.Credentials(pc.root.access_key_id, pc.root.secret_access_key)
    botocore.auth.S3SigV4Auth(creds, "s3", pc.region).add_auth(req)
    prepared = req.prepare()
    conn = http.client.HTTPConnection("127.0.0.1", pc.port, timeout=30)
    try:
        conn.request("GET", urllib.parse.urlsplit(prepared.url).path,
                     headers=dict(prepared.headers))
        resp = conn.getresponse()
        assert resp.status == 200
        first = resp.read(1024 * 1024)
        pc.reset()  # the bucket and object are gone for new requests ...
        rest = resp.read()
    finally:
        conn.close()
    # ... but the body already being sent arrives whole.
    assert hashlib.sha256(first + rest).digest() == hashlib.sha256(body).digest()
    with raises_aws("NoSuchBucket", status=404):
        pc.s3().get_object(Bucket="streaming", Key="big")
    assert pc.server.alive()
