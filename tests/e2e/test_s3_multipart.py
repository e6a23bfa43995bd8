"""S3 multipart uploads and the aws CLI's transfers end to end, as the root user:
CreateMultipartUpload, UploadPart, ListParts, ListMultipartUploads, CompleteMultipartUpload and
AbortMultipartUpload with boto3 and `aws s3api`, the multipart ETag, the errors AWS answers
(EntityTooSmall, InvalidPart, InvalidPartOrder, NoSuchUpload, ...), one 50 MB `aws s3 cp`
upload (multipart) and download, and `aws s3 sync` / `aws s3 rm --recursive`."""

import hashlib
import json
import os

import pytest

from e2e_util import raises_aws
from s3_wire import checked, crc32_b64

BUCKET = "parts"
MIB = 1024 * 1024


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def multipart_etag(parts: list[bytes]) -> str:
    """S3's ETag of a multipart object: MD5 of the concatenated binary part MD5s, "-N"."""
    joined = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"'


@pytest.fixture
def s3(pc):
    client = checked(pc.s3())
    client.create_bucket(Bucket=BUCKET)
    return client


def test_multipart_upload_with_boto3(s3):
    created = s3.create_multipart_upload(Bucket=BUCKET, Key="big/object", ContentType="app/x-big",
                                         Metadata={"Stage": "one"}, Tagging="kind=multi")
    upload = created["UploadId"]
    assert created["Bucket"] == BUCKET and created["Key"] == "big/object" and upload
    other = s3.create_multipart_upload(Bucket=BUCKET, Key="other")["UploadId"]
    assert other != upload

    part1 = os.urandom(5 * MIB)
    part2 = b"second part, first version"
    part2_final = b"second part, final version " * 10
    etag1 = s3.upload_part(Bucket=BUCKET, Key="big/object", UploadId=upload, PartNumber=1,
                           Body=part1)["ETag"]
    assert etag1 == f'"{md5_hex(part1)}"'
    s3.upload_part(Bucket=BUCKET, Key="big/object", UploadId=upload, PartNumber=2, Body=part2)
    # Uploading a part number again replaces the part.
    etag2 = s3.upload_part(Bucket=BUCKET, Key="big/object", UploadId=upload, PartNumber=2,
                           Body=part2_final)["ETag"]
    assert etag2 == f'"{md5_hex(part2_final)}"'

    parts = s3.list_parts(Bucket=BUCKET, Key="big/object", UploadId=upload)
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts["Parts"]] == [
        (1, etag1, len(part1)), (2, etag2, len(part2_final))]
    assert parts["IsTruncated"] is False and parts["UploadId"] == upload
    assert "NextPartNumberMarker" not in parts  # only a truncated listing has one
    assert parts["StorageClass"] == "STANDARD"
    page = s3.list_parts(Bucket=BUCKET, Key="big/object", UploadId=upload, MaxParts=1)
    assert [p["PartNumber"] for p in page["Parts"]] == [1]
    assert page["IsTruncated"] is True and page["NextPartNumberMarker"] == 1
    page = s3.list_parts(Bucket=BUCKET, Key="big/object", UploadId=upload, PartNumberMarker=1)
    assert [p["PartNumber"] for p in page["Parts"]] == [2] and page["IsTruncated"] is False

    uploads = s3.list_multipart_uploads(Bucket=BUCKET)
    assert sorted((u["Key"], u["UploadId"]) for u in uploads["Uploads"]) == [
        ("big/object", upload), ("other", other)]
    assert uploads["IsTruncated"] is False
    assert all(u["Initiated"].tzinfo is not None for u in uploads["Uploads"])
    only_big = s3.list_multipart_uploads(Bucket=BUCKET, Prefix="big/")
    assert [u["Key"] for u in only_big["Uploads"]] == ["big/object"]
    grouped = s3.list_multipart_uploads(Bucket=BUCKET, Delimiter="/")
    assert [u["Key"] for u in grouped["Uploads"]] == ["other"]
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["big/"]
    page = s3.list_multipart_uploads(Bucket=BUCKET, MaxUploads=1)
    assert [u["Key"] for u in page["Uploads"]] == ["big/object"] and page["IsTruncated"] is True
    assert page["NextKeyMarker"] == "big/object"
    # An open upload is no object yet.
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0

    done = s3.complete_multipart_upload(
        Bucket=BUCKET, Key="big/object", UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag1},
                                   {"PartNumber": 2, "ETag": etag2}]})
    assert done["ETag"] == multipart_etag([part1, part2_final])
    assert done["Bucket"] == BUCKET and done["Key"] == "big/object"
    assert done["Location"].endswith("/big/object")

    head = s3.head_object(Bucket=BUCKET, Key="big/object")
    assert head["ETag"] == done["ETag"] and head["ContentLength"] == len(part1) + len(part2_final)
    assert head["ContentType"] == "app/x-big" and head["Metadata"] == {"stage": "one"}
    # AWS: PartsCount only comes with a partNumber request.
    assert "PartsCount" not in head
    assert s3.get_object_tagging(Bucket=BUCKET, Key="big/object")["TagSet"] == [
        {"Key": "kind", "Value": "multi"}]
    body = s3.get_object(Bucket=BUCKET, Key="big/object")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(part1 + part2_final).digest()
    # A range across the part boundary.
    boundary = s3.get_object(Bucket=BUCKET, Key="big/object",
                             Range=f"bytes={5 * MIB - 3}-{5 * MIB + 2}")
    assert boundary["Body"].read() == part1[-3:] + part2_final[:3]
    listed = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [(o["Key"], o["ETag"]) for o in listed] == [("big/object", done["ETag"])]

    # Completed and aborted uploads are gone.
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"]] == ["other"]
    aborted = s3.abort_multipart_upload(Bucket=BUCKET, Key="other", UploadId=other)
    assert aborted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=BUCKET)
    with raises_aws("NoSuchUpload", 404):
        s3.list_parts(Bucket=BUCKET, Key="other", UploadId=other)
    with raises_aws("NoSuchUpload", 404):
        s3.upload_part(Bucket=BUCKET, Key="big/object", UploadId=upload, PartNumber=3, Body=b"x")


def test_multipart_errors(s3):
    key = "errors"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    small1, small2 = b"1" * 1024, b"2" * 1024
    etag1 = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=1,
                           Body=small1)["ETag"]
    etag2 = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=2,
                           Body=small2)["ETag"]

    def complete(parts, upload_id=upload):
        return s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload_id,
                                            MultipartUpload={"Parts": parts})

    # Every part but the last needs at least 5 MiB.
    with raises_aws("EntityTooSmall", 400):
        complete([{"PartNumber": 1, "ETag": etag1}, {"PartNumber": 2, "ETag": etag2}])
    with raises_aws("InvalidPart", 400):
        complete([{"PartNumber": 1, "ETag": '"0123456789abcdef0123456789abcdef"'}])
    with raises_aws("InvalidPart", 400):
        complete([{"PartNumber": 3, "ETag": etag1}])
    with raises_aws("InvalidPartOrder", 400):
        complete([{"PartNumber": 2, "ETag": etag2}, {"PartNumber": 1, "ETag": etag1}])
    with raises_aws("MalformedXML", 400):
        complete([])
    for bad in (0, 10001):
        with raises_aws("InvalidArgument", 400):
            s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=bad, Body=b"x")
    for call in (
        lambda: s3.upload_part(Bucket=BUCKET, Key=key, UploadId="no-such-upload", PartNumber=1,
                               Body=b"x"),
        lambda: complete([{"PartNumber": 1, "ETag": etag1}], upload_id="no-such-upload"),
        lambda: s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId="no-such-upload"),
        lambda: s3.list_parts(Bucket=BUCKET, Key=key, UploadId="no-such-upload"),
        # An upload id belongs to its key.
        lambda: s3.list_parts(Bucket=BUCKET, Key="another-key", UploadId=upload),
    ):
        with raises_aws("NoSuchUpload", 404):
            call()
    with raises_aws("NoSuchBucket", 404):
        s3.create_multipart_upload(Bucket="no-such-bucket", Key=key)
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0

    # The failed completions left the upload open; a lone small part is a valid (last) part.
    assert len(s3.list_parts(Bucket=BUCKET, Key=key, UploadId=upload)["Parts"]) == 2
    done = complete([{"PartNumber": 1, "ETag": etag1}])
    assert done["ETag"] == multipart_etag([small1])
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == small1
    with raises_aws("NoSuchUpload", 404):
        complete([{"PartNumber": 1, "ETag": etag1}])


def test_multipart_with_s3api(pc, s3):
    created = pc.aws("s3api", "create-multipart-upload", "--bucket", BUCKET, "--key", "cli.bin",
                     "--content-type", "text/x-cli", "--checksum-algorithm", "CRC32")
    upload = created["UploadId"]
    assert created["Key"] == "cli.bin"
    data = b"only part, so it may be small\n" * 100
    part_file = pc.write_tmp("part1.bin", data.decode())
    part = pc.aws("s3api", "upload-part", "--bucket", BUCKET, "--key", "cli.bin", "--upload-id",
                  upload, "--part-number", "1", "--body", str(part_file),
                  "--checksum-algorithm", "CRC32")
    assert part["ETag"] == f'"{md5_hex(data)}"'
    assert part["ChecksumCRC32"] == crc32_b64(data)
    parts = pc.aws("s3api", "list-parts", "--bucket", BUCKET, "--key", "cli.bin", "--upload-id",
                   upload)
    assert [(p["PartNumber"], p["Size"]) for p in parts["Parts"]] == [(1, len(data))]
    pending = s3.create_multipart_upload(Bucket=BUCKET, Key="pending")["UploadId"]
    uploads = pc.aws("s3api", "list-multipart-uploads", "--bucket", BUCKET)
    assert sorted(u["Key"] for u in uploads["Uploads"]) == ["cli.bin", "pending"]
    spec = pc.write_tmp("parts.json", json.dumps(
        {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}))
    done = pc.aws("s3api", "complete-multipart-upload", "--bucket", BUCKET, "--key", "cli.bin",
                  "--upload-id", upload, "--multipart-upload", f"file://{spec}")
    assert done["ETag"] == multipart_etag([data])
    pc.aws("s3api", "abort-multipart-upload", "--bucket", BUCKET, "--key", "pending",
           "--upload-id", pending)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=BUCKET)
    got = s3.get_object(Bucket=BUCKET, Key="cli.bin")
    assert got["Body"].read() == data and got["ContentType"] == "text/x-cli"


def test_fifty_megabytes_through_aws_s3_cp(pc, s3, tmp_path):
    source = tmp_path / "big.bin"
    data = os.urandom(50 * 1000 * 1000)
    source.write_bytes(data)
    # Debian's aws CLI 2.9.19 has no `s3 cp --checksum-algorithm` (test_multipart_with_s3api
    # sends CRC32 part checksums with `s3api upload-part`).
    up = pc.aws_run("s3", "cp", str(source), f"s3://{BUCKET}/big.bin", timeout=120)
    assert up.returncode == 0, up.stderr
    head = s3.head_object(Bucket=BUCKET, Key="big.bin")
    assert head["ContentLength"] == len(data)
    # The CLI uploads 8 MiB parts: 7 of them.
    chunk = 8 * MIB
    assert head["ETag"] == multipart_etag([data[i:i + chunk] for i in range(0, len(data), chunk)])
    target = tmp_path / "back.bin"
    down = pc.aws_run("s3", "cp", f"s3://{BUCKET}/big.bin", str(target), timeout=120)
    assert down.returncode == 0, down.stderr
    assert hashlib.sha256(target.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()


def test_sync_both_ways_and_recursive_rm(pc, s3, tmp_path):
    tree = tmp_path / "tree"
    files = {"a.txt": b"alpha\n", "sub/b.txt": b"bravo\n", "sub/deeper/c.bin": os.urandom(3000),
             "with space.txt": b"space\n"}
    for name, body in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(body)
    up = pc.aws_run("s3", "sync", str(tree), f"s3://{BUCKET}/tree")
    assert up.returncode == 0, up.stderr
    # The CLI pads its progress lines with spaces (to overwrite longer ones): strip them.
    assert sorted(line.split(" to ")[-1].strip() for line in up.stdout.splitlines()
                  if line.startswith("upload:")) == sorted(
        f"s3://{BUCKET}/tree/{name}" for name in files)
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="tree/")["Contents"]
    assert {o["Key"]: o["Size"] for o in listed} == {
        f"tree/{name}": len(body) for name, body in files.items()}
    # Nothing changed: nothing to upload.
    again = pc.aws_run("s3", "sync", str(tree), f"s3://{BUCKET}/tree")
    assert again.returncode == 0 and "upload:" not in again.stdout, again.stdout

    s3.put_object(Bucket=BUCKET, Key="tree/sub/added.txt", Body=b"added remotely\n")
    down_dir = tmp_path / "down"
    down = pc.aws_run("s3", "sync", f"s3://{BUCKET}/tree", str(down_dir))
    assert down.returncode == 0, down.stderr
    expected = dict(files, **{"sub/added.txt": b"added remotely\n"})
    got = {str(p.relative_to(down_dir)): p.read_bytes() for p in down_dir.rglob("*")
           if p.is_file()}
    assert got == expected

    removed = pc.aws_run("s3", "rm", f"s3://{BUCKET}/tree", "--recursive")
    assert removed.returncode == 0, removed.stderr
    assert len([line for line in removed.stdout.splitlines() if line.startswith("delete:")]) == 5
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
