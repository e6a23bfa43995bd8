"""S3 buckets end to end, as the root user, with boto3 and the aws CLI: CreateBucket (name
rules, location constraints, re-creating an owned bucket), HeadBucket, ListBuckets,
GetBucketLocation, DeleteBucket (BucketNotEmpty, NoSuchBucket), `aws s3 mb/ls/rb`, and S3's
XML error form with x-amz-request-id on raw responses."""

import re

from e2e_util import raises_aws
from s3_wire import checked, s3_error, s3_request

BAD_NAMES = [
    "ab",                      # too short
    "a" * 64,                  # too long
    "Upper-Case",              # uppercase
    "under_score",             # underscore
    "-leading-hyphen",
    "trailing-hyphen-",
    "two..periods",
    "192.168.5.4",             # formatted as an IP address
    "xn--reserved-prefix",
    "reserved-suffix-s3alias",
]


def test_create_head_list_locate_delete(pc):
    s3 = checked(pc.s3())
    created = s3.create_bucket(Bucket="alpha")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert created["Location"] == "/alpha"
    s3.create_bucket(Bucket="beta.with.dots")

    head = s3.head_bucket(Bucket="alpha")
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"

    listed = s3.list_buckets()
    assert [b["Name"] for b in listed["Buckets"]] == ["alpha", "beta.with.dots"]
    assert all(b["CreationDate"].tzinfo is not None for b in listed["Buckets"])
    assert re.fullmatch(r"[0-9a-f]{64}", listed["Owner"]["ID"])

    # A us-east-1 bucket's location is the empty LocationConstraint (boto3: None).
    assert s3.get_bucket_location(Bucket="alpha")["LocationConstraint"] is None

    deleted = s3.delete_bucket(Bucket="alpha")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with raises_aws("404", 404):
        s3.head_bucket(Bucket="alpha")
    with raises_aws("NoSuchBucket", 404):
        s3.delete_bucket(Bucket="alpha")
    with raises_aws("NoSuchBucket", 404):
        s3.get_bucket_location(Bucket="alpha")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["beta.with.dots"]


def test_head_bucket_answers_without_a_body(pc):
    checked(pc.s3()).create_bucket(Bucket="present")
    found = s3_request(pc, "HEAD", "/present")
    assert found.status == 200 and found.body == b""
    assert found.headers["x-amz-request-id"]
    missing = s3_request(pc, "HEAD", "/absent-bucket")
    assert missing.status == 404 and missing.body == b""
    assert missing.headers["x-amz-request-id"]


def test_errors_are_s3_xml_with_request_id(pc):
    missing = s3_request(pc, "GET", "/absent-bucket?list-type=2")
    assert missing.status == 404
    error = s3_error(missing)
    assert error["Code"] == "NoSuchBucket"
    assert "does not exist" in error["Message"]
    bad = s3_request(pc, "PUT", "/Bad_Name")
    assert bad.status == 400
    assert s3_error(bad)["Code"] == "InvalidBucketName"
    ok = s3_request(pc, "GET", "/")
    assert ok.status == 200 and ok.headers["x-amz-request-id"]
    assert ok.headers["x-amz-request-id"] != missing.headers["x-amz-request-id"]


def test_invalid_bucket_names(pc):
    s3 = checked(pc.s3())
    for name in BAD_NAMES:
        with raises_aws("InvalidBucketName", 400):
            s3.create_bucket(Bucket=name)
    # The shortest and longest valid names.
    s3.create_bucket(Bucket="a-1")
    s3.create_bucket(Bucket="b" * 63)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["a-1", "b" * 63]


def test_location_constraints(pc):
    s3 = checked(pc.s3())
    s3.create_bucket(Bucket="euro", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert s3.get_bucket_location(Bucket="euro")["LocationConstraint"] == "eu-west-1"
    head = s3.head_bucket(Bucket="euro")
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"
    out = pc.aws("s3api", "get-bucket-location", "--bucket", "euro")
    assert out == {"LocationConstraint": "eu-west-1"}
    # AWS: us-east-1 is the default region and may not be named as a constraint.
    with raises_aws("InvalidLocationConstraint", 400):
        s3.create_bucket(Bucket="virginia",
                         CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    # A region S3 does not have.
    with raises_aws("InvalidLocationConstraint", 400):
        s3.create_bucket(Bucket="martian",
                         CreateBucketConfiguration={"LocationConstraint": "mars-north-1"})
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["euro"]


def test_recreating_an_owned_bucket(pc):
    s3 = checked(pc.s3())
    s3.create_bucket(Bucket="euro", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket="euro", Key="k", Body=b"kept")
    with raises_aws("BucketAlreadyOwnedByYou", 409):
        s3.create_bucket(Bucket="euro",
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    # AWS: in us-east-1 re-creating a bucket you own answers 200 OK (legacy compatibility);
    # the bucket and its objects stay.
    s3.create_bucket(Bucket="home")
    s3.put_object(Bucket="home", Key="k", Body=b"kept")
    again = s3.create_bucket(Bucket="home")
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_object(Bucket="home", Key="k")["Body"].read() == b"kept"
    assert s3.get_object(Bucket="euro", Key="k")["Body"].read() == b"kept"
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["euro", "home"]


def test_delete_bucket_not_empty(pc):
    s3 = checked(pc.s3())
    s3.create_bucket(Bucket="full")
    s3.put_object(Bucket="full", Key="dir/object", Body=b"x")
    with raises_aws("BucketNotEmpty", 409):
        s3.delete_bucket(Bucket="full")
    s3.delete_object(Bucket="full", Key="dir/object")
    # An open multipart upload keeps the bucket non-empty too.
    upload = s3.create_multipart_upload(Bucket="full", Key="pending")["UploadId"]
    with raises_aws("BucketNotEmpty", 409):
        s3.delete_bucket(Bucket="full")
    s3.abort_multipart_upload(Bucket="full", Key="pending", UploadId=upload)
    s3.delete_bucket(Bucket="full")
    assert s3.list_buckets()["Buckets"] == []


def test_cli_mb_ls_rb(pc):
    made = pc.aws_run("s3", "mb", "s3://gamma")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "make_bucket: gamma"
    checked(pc.s3()).create_bucket(Bucket="delta")
    checked(pc.s3()).put_object(Bucket="gamma", Key="file.txt", Body=b"data")
    listed = pc.aws_run("s3", "ls")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[-1] for line in lines] == ["delta", "gamma"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+", line) for line in lines)

    refused = pc.aws_run("s3", "rb", "s3://gamma")
    assert refused.returncode != 0 and "BucketNotEmpty" in refused.stderr
    forced = pc.aws_run("s3", "rb", "s3://gamma", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "delete: s3://gamma/file.txt" in forced.stdout
    assert "remove_bucket: gamma" in forced.stdout
    assert [b["Name"] for b in checked(pc.s3()).list_buckets()["Buckets"]] == ["delta"]


def test_unimplemented_operations_answer_not_implemented(pc):
    s3 = checked(pc.s3())
    s3.create_bucket(Bucket="present")
    # 501 is not retried by SDKs the way a 500 InternalError is.
    with raises_aws("NotImplemented", 501):
        s3.get_bucket_versioning(Bucket="present")
    raw = s3_request(pc, "GET", "/present?versioning")
    assert raw.status == 501 and s3_error(raw)["Code"] == "NotImplemented"
    unknown = s3_request(pc, "POST", "/present?no-such-subresource")
    assert unknown.status == 501 and s3_error(unknown)["Code"] == "NotImplemented"
