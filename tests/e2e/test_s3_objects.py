"""S3 objects end to end, as the root user, with boto3, the aws CLI and raw signed requests:
PutObject/GetObject/HeadObject with their headers and user metadata, ETags, Range reads,
conditional reads and writes, DeleteObject(s), CopyObject, odd and long keys, the empty
object, Content-MD5 and x-amz-checksum-* integrity checks, response-* overrides, and object
tagging - each with the errors AWS answers (Amazon S3 API Reference)."""

import datetime
import hashlib
import urllib.parse

import pytest

from e2e_util import raises_aws
from s3_wire import (checked, crc32_b64, crc32c_b64, md5_b64, s3_error, s3_request,
                     sha256_b64)

BUCKET = "objects"
ALPHABET = b"abcdefghijklmnopqrstuvwxyz"


def etag_of(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'


@pytest.fixture
def s3(pc):
    client = checked(pc.s3())
    client.create_bucket(Bucket=BUCKET)
    return client


def with_header(client, operation: str, name: str, value: str):
    """Adds header `name` to every `operation` call of `client` (for request headers Debian's
    botocore does not model yet)."""
    def add(request, **_):
        request.headers[name] = value
    client.meta.events.register(f"before-sign.s3.{operation}", add)
    return client


def test_put_get_head_with_headers_and_metadata(s3):
    body = b"hello, portcullis\n"
    expires = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    put = s3.put_object(Bucket=BUCKET, Key="doc.txt", Body=body,
                        ContentType="text/plain; charset=utf-8",
                        Metadata={"Color": "Blue", "owner-id": "42"},
                        CacheControl="max-age=60",
                        ContentDisposition='attachment; filename="d.txt"',
                        ContentEncoding="identity", ContentLanguage="en-GB", Expires=expires)
    assert put["ETag"] == etag_of(body)
    expected = {
        "ContentType": "text/plain; charset=utf-8",
        "CacheControl": "max-age=60",
        "ContentDisposition": 'attachment; filename="d.txt"',
        "ContentEncoding": "identity",
        "ContentLanguage": "en-GB",
        "Expires": expires,
        "ETag": etag_of(body),
        "ContentLength": len(body),
        "AcceptRanges": "bytes",
        # S3 keeps user metadata names in lowercase, values as sent.
        "Metadata": {"color": "Blue", "owner-id": "42"},
    }
    got = s3.get_object(Bucket=BUCKET, Key="doc.txt")
    assert got["Body"].read() == body
    assert {k: got[k] for k in expected} == expected
    assert got["LastModified"].tzinfo is not None
    head = s3.head_object(Bucket=BUCKET, Key="doc.txt")
    assert {k: head[k] for k in expected} == expected
    assert head["LastModified"] == got["LastModified"]
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-meta-color"] == "Blue"

    # Overwriting replaces body and attributes; an object without Content-Type gets S3's
    # default.
    s3.put_object(Bucket=BUCKET, Key="doc.txt", Body=b"v2")
    head = s3.head_object(Bucket=BUCKET, Key="doc.txt")
    assert head["ETag"] == etag_of(b"v2") and head["ContentLength"] == 2
    assert head["ContentType"] == "binary/octet-stream"
    assert head["Metadata"] == {} and "CacheControl" not in head

    # GetObject's response-* parameters override the stored headers in the response only.
    overridden = s3.get_object(Bucket=BUCKET, Key="doc.txt", ResponseContentType="application/json",
                               ResponseCacheControl="no-store",
                               ResponseContentDisposition="inline")
    assert overridden["ContentType"] == "application/json"
    assert overridden["CacheControl"] == "no-store"
    assert overridden["ContentDisposition"] == "inline"
    assert overridden["Body"].read() == b"v2"
    assert s3.head_object(Bucket=BUCKET, Key="doc.txt")["ContentType"] == "binary/octet-stream"

    # AWS: user metadata is at most 2 KB, the UTF-8 bytes of every name and value.
    s3.put_object(Bucket=BUCKET, Key="meta", Body=b"x", Metadata={"big": "v" * 2045})
    with raises_aws("MetadataTooLarge", 400):
        s3.put_object(Bucket=BUCKET, Key="meta", Body=b"y", Metadata={"big": "v" * 2046})
    assert s3.get_object(Bucket=BUCKET, Key="meta")["Body"].read() == b"x"


def test_missing_objects_and_buckets(pc, s3):
    with raises_aws("NoSuchKey", 404):
        s3.get_object(Bucket=BUCKET, Key="absent")
    with raises_aws("404", 404):
        s3.head_object(Bucket=BUCKET, Key="absent")
    with raises_aws("NoSuchBucket", 404):
        s3.get_object(Bucket="no-such-bucket", Key="k")
    with raises_aws("NoSuchBucket", 404):
        s3.put_object(Bucket="no-such-bucket", Key="k", Body=b"x")
    raw = s3_request(pc, "GET", f"/{BUCKET}/absent")
    assert raw.status == 404 and s3_error(raw)["Code"] == "NoSuchKey"
    head = s3_request(pc, "HEAD", f"/{BUCKET}/absent")
    assert head.status == 404 and head.body == b"" and head.headers["x-amz-request-id"]
    err = pc.aws_error("s3api", "head-object", "--bucket", BUCKET, "--key", "absent")
    assert "(404)" in err and "Not Found" in err


def test_range_reads(pc, s3):
    s3.put_object(Bucket=BUCKET, Key="abc", Body=ALPHABET)
    cases = {
        "bytes=0-4": (b"abcde", "bytes 0-4/26"),
        "bytes=20-": (b"uvwxyz", "bytes 20-25/26"),
        "bytes=-3": (b"xyz", "bytes 23-25/26"),
        "bytes=24-100": (b"yz", "bytes 24-25/26"),
        "bytes=-100": (ALPHABET, "bytes 0-25/26"),
        "bytes=7-7": (b"h", "bytes 7-7/26"),
    }
    for header, (data, content_range) in cases.items():
        got = s3.get_object(Bucket=BUCKET, Key="abc", Range=header)
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 206, header
        assert got["ContentRange"] == content_range, header
        assert got["ContentLength"] == len(data), header
        assert got["Body"].read() == data, header
    head = s3.head_object(Bucket=BUCKET, Key="abc", Range="bytes=0-4")
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 206 and head["ContentLength"] == 5
    # A syntactically invalid range is ignored: the whole object, 200.
    whole = s3.get_object(Bucket=BUCKET, Key="abc", Range="bytes=9-3")
    assert whole["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert whole["Body"].read() == ALPHABET
    # A range that starts beyond the end is unsatisfiable.
    for header in ("bytes=26-", "bytes=100-200"):
        with raises_aws("InvalidRange", 416):
            s3.get_object(Bucket=BUCKET, Key="abc", Range=header)
    raw = s3_request(pc, "GET", f"/{BUCKET}/abc", headers={"Range": "bytes=30-40"})
    assert raw.status == 416 and s3_error(raw)["Code"] == "InvalidRange"
    # The CLI writes a range to a file.
    pc.aws("s3api", "get-object", "--bucket", BUCKET, "--key", "abc", "--range", "bytes=2-5",
           "range.out")
    assert (pc._tmp_root / "range.out").read_bytes() == b"cdef"


def test_conditional_get_and_head(pc, s3):
    s3.put_object(Bucket=BUCKET, Key="c", Body=b"conditional")
    head = s3.head_object(Bucket=BUCKET, Key="c")
    etag, modified = head["ETag"], head["LastModified"]
    day = datetime.timedelta(days=1)
    ok = [
        {"IfMatch": etag},
        {"IfNoneMatch": '"0123456789abcdef0123456789abcdef"'},
        {"IfModifiedSince": modified - day},
        {"IfUnmodifiedSince": modified},
        {"IfUnmodifiedSince": modified + day},
        # AWS: If-Match true and If-Unmodified-Since false -> 200.
        {"IfMatch": etag, "IfUnmodifiedSince": modified - day},
    ]
    for conditions in ok:
        got = s3.get_object(Bucket=BUCKET, Key="c", **conditions)
        assert got["Body"].read() == b"conditional", conditions
        assert s3.head_object(Bucket=BUCKET, Key="c", **conditions)["ETag"] == etag
    failed = [
        {"IfMatch": '"0123456789abcdef0123456789abcdef"'},
        {"IfUnmodifiedSince": modified - day},
        # AWS: If-Match false and If-None-Match false (it matches) -> 412.
        {"IfMatch": '"0123"', "IfNoneMatch": etag},
    ]
    for conditions in failed:
        with raises_aws("PreconditionFailed", 412):
            s3.get_object(Bucket=BUCKET, Key="c", **conditions)
        with raises_aws("412", 412):
            s3.head_object(Bucket=BUCKET, Key="c", **conditions)
    not_modified = [
        {"IfNoneMatch": etag},
        {"IfModifiedSince": modified},
        {"IfModifiedSince": modified + day},
        # AWS: If-None-Match false and If-Modified-Since true -> 304.
        {"IfNoneMatch": etag, "IfModifiedSince": modified - day},
    ]
    for conditions in not_modified:
        with raises_aws("304", 304):
            s3.get_object(Bucket=BUCKET, Key="c", **conditions)
        with raises_aws("304", 304):
            s3.head_object(Bucket=BUCKET, Key="c", **conditions)
    # On the wire: 304 without a body but with the ETag; 412 in S3's XML form.
    raw = s3_request(pc, "GET", f"/{BUCKET}/c", headers={"If-None-Match": etag})
    assert raw.status == 304 and raw.body == b""
    assert raw.headers["etag"] == etag and raw.headers["x-amz-request-id"]
    raw = s3_request(pc, "GET", f"/{BUCKET}/c", headers={"If-Match": '"nope"'})
    assert raw.status == 412 and s3_error(raw)["Code"] == "PreconditionFailed"


def test_conditional_put(s3):
    s3.put_object(Bucket=BUCKET, Key="once", Body=b"first")
    first = s3.head_object(Bucket=BUCKET, Key="once")["ETag"]
    create_only = with_header(s3, "PutObject", "If-None-Match", "*")
    with raises_aws("PreconditionFailed", 412):
        create_only.put_object(Bucket=BUCKET, Key="once", Body=b"second")
    assert s3.get_object(Bucket=BUCKET, Key="once")["Body"].read() == b"first"
    created = create_only.put_object(Bucket=BUCKET, Key="fresh", Body=b"new")
    assert created["ETag"] == etag_of(b"new")


def test_conditional_put_if_match(pc, s3):
    s3.put_object(Bucket=BUCKET, Key="v", Body=b"one")
    etag = etag_of(b"one")
    wrong = s3_request(pc, "PUT", f"/{BUCKET}/v", b"two", {"If-Match": '"0123"'})
    assert wrong.status == 412 and s3_error(wrong)["Code"] == "PreconditionFailed"
    right = s3_request(pc, "PUT", f"/{BUCKET}/v", b"two", {"If-Match": etag})
    assert right.status == 200 and right.headers["etag"] == etag_of(b"two")
    missing = s3_request(pc, "PUT", f"/{BUCKET}/absent", b"x", {"If-Match": etag})
    assert missing.status == 404 and s3_error(missing)["Code"] == "NoSuchKey"


def test_delete_object_is_idempotent(s3):
    s3.put_object(Bucket=BUCKET, Key="gone", Body=b"x")
    out = s3.delete_object(Bucket=BUCKET, Key="gone")
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    with raises_aws("NoSuchKey", 404):
        s3.get_object(Bucket=BUCKET, Key="gone")
    again = s3.delete_object(Bucket=BUCKET, Key="gone")
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 204
    never = s3.delete_object(Bucket=BUCKET, Key="never/existed")
    assert never["ResponseMetadata"]["HTTPStatusCode"] == 204
    with raises_aws("NoSuchBucket", 404):
        s3.delete_object(Bucket="no-such-bucket", Key="gone")


def test_delete_objects(pc, s3):
    for key in ("a", "b", "c", "d"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode())
    out = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [
        {"Key": "a"}, {"Key": "b"}, {"Key": "missing"}]})
    # S3 reports a key that did not exist as deleted too.
    assert sorted(d["Key"] for d in out["Deleted"]) == ["a", "b", "missing"]
    assert "Errors" not in out
    quiet = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "c"}, {"Key": "x"}],
                                                     "Quiet": True})
    assert "Deleted" not in quiet and "Errors" not in quiet
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == ["d"]
    out = pc.aws("s3api", "delete-objects", "--bucket", BUCKET, "--delete",
                 '{"Objects":[{"Key":"d"}]}')
    assert out["Deleted"] == [{"Key": "d"}]
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
    with raises_aws("NoSuchBucket", 404):
        s3.delete_objects(Bucket="no-such-bucket", Delete={"Objects": [{"Key": "a"}]})


def test_copy_object(s3):
    s3.create_bucket(Bucket="other")
    body = b"source body"
    source = "dir/source file \u00fc.txt"
    s3.put_object(Bucket=BUCKET, Key=source, Body=body, ContentType="text/plain",
                  Metadata={"origin": "here"}, Tagging="t=1")
    # Same bucket, metadata copied (the default directive).
    copied = s3.copy_object(Bucket=BUCKET, Key="copy", CopySource={"Bucket": BUCKET, "Key": source})
    assert copied["CopyObjectResult"]["ETag"] == etag_of(body)
    assert copied["CopyObjectResult"]["LastModified"].tzinfo is not None
    head = s3.head_object(Bucket=BUCKET, Key="copy")
    assert head["ContentType"] == "text/plain" and head["Metadata"] == {"origin": "here"}
    assert s3.get_object_tagging(Bucket=BUCKET, Key="copy")["TagSet"] == [
        {"Key": "t", "Value": "1"}]
    assert s3.get_object(Bucket=BUCKET, Key="copy")["Body"].read() == body

    # Across buckets, metadata replaced.
    s3.copy_object(Bucket="other", Key="replaced", CopySource=f"{BUCKET}/{source}",
                   MetadataDirective="REPLACE", ContentType="application/x-new",
                   Metadata={"fresh": "yes"})
    head = s3.head_object(Bucket="other", Key="replaced")
    assert head["ContentType"] == "application/x-new" and head["Metadata"] == {"fresh": "yes"}
    assert head["ETag"] == etag_of(body)
    assert s3.get_object(Bucket="other", Key="replaced")["Body"].read() == body

    # Onto itself: only with new metadata.
    with raises_aws("InvalidRequest", 400):
        s3.copy_object(Bucket=BUCKET, Key="copy", CopySource={"Bucket": BUCKET, "Key": "copy"})
    s3.copy_object(Bucket=BUCKET, Key="copy", CopySource={"Bucket": BUCKET, "Key": "copy"},
                   MetadataDirective="REPLACE", Metadata={"v": "2"})
    assert s3.head_object(Bucket=BUCKET, Key="copy")["Metadata"] == {"v": "2"}

    with raises_aws("NoSuchKey", 404):
        s3.copy_object(Bucket=BUCKET, Key="x", CopySource={"Bucket": BUCKET, "Key": "absent"})
    with raises_aws("NoSuchBucket", 404):
        s3.copy_object(Bucket=BUCKET, Key="x", CopySource={"Bucket": "no-such-bucket", "Key": "k"})
    with raises_aws("NoSuchBucket", 404):
        s3.copy_object(Bucket="no-such-bucket", Key="x",
                       CopySource={"Bucket": BUCKET, "Key": source})
    # Copy conditions on the source.
    with raises_aws("PreconditionFailed", 412):
        s3.copy_object(Bucket=BUCKET, Key="x", CopySource={"Bucket": BUCKET, "Key": source},
                       CopySourceIfMatch='"0123"')
    s3.copy_object(Bucket=BUCKET, Key="x", CopySource={"Bucket": BUCKET, "Key": source},
                   CopySourceIfMatch=etag_of(body))
    assert s3.head_object(Bucket=BUCKET, Key="x")["ETag"] == etag_of(body)


ODD_KEYS = [
    "with space",
    "unicode \u00e9\u00e8/\u952e/\U0001f600",
    "plus+sign",
    "percent%sign%25",
    "double//slash",
    "/leading-slash",
    "trailing-slash/",
    "tilde~!*'()$&=;:,?@[]",
    "a/./b/../c",
    "k" * 1024,
    "\u00e9" * 512,  # 1024 bytes of UTF-8
]


def test_odd_keys_round_trip(pc, s3):
    for index, key in enumerate(ODD_KEYS):
        body = f"body {index}".encode()
        assert s3.put_object(Bucket=BUCKET, Key=key, Body=body)["ETag"] == etag_of(body), key
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == body, key
        assert s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"] == len(body), key
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert listed == sorted(ODD_KEYS, key=lambda k: k.encode())
    for key in ("k" * 1025, "\u00e9" * 512 + "k"):
        with raises_aws("KeyTooLongError", 400):
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    # The CLI reads one of them back.
    out = pc.aws("s3api", "head-object", "--bucket", BUCKET, "--key", ODD_KEYS[1])
    assert out["ContentLength"] == len(b"body 1")
    for key in ODD_KEYS:
        s3.delete_object(Bucket=BUCKET, Key=key)
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


def test_empty_object(pc, s3):
    put = s3.put_object(Bucket=BUCKET, Key="empty", Body=b"")
    assert put["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    got = s3.get_object(Bucket=BUCKET, Key="empty")
    assert got["ContentLength"] == 0 and got["Body"].read() == b""
    assert s3.head_object(Bucket=BUCKET, Key="empty")["ContentLength"] == 0
    assert s3.list_objects_v2(Bucket=BUCKET)["Contents"][0]["Size"] == 0
    with raises_aws("InvalidRange", 416):
        s3.get_object(Bucket=BUCKET, Key="empty", Range="bytes=0-0")
    raw = s3_request(pc, "GET", f"/{BUCKET}/empty")
    assert raw.status == 200 and raw.body == b"" and raw.headers["content-length"] == "0"


def test_content_md5(pc, s3):
    body = b"integrity matters"
    out = s3.put_object(Bucket=BUCKET, Key="md5", Body=body, ContentMD5=md5_b64(body))
    assert out["ETag"] == etag_of(body)
    with raises_aws("BadDigest", 400):
        s3.put_object(Bucket=BUCKET, Key="bad", Body=body, ContentMD5=md5_b64(b"other"))
    with raises_aws("NoSuchKey", 404):
        s3.get_object(Bucket=BUCKET, Key="bad")
    raw = s3_request(pc, "PUT", f"/{BUCKET}/bad", body, {"Content-MD5": "not-an-md5"})
    assert raw.status == 400 and s3_error(raw)["Code"] == "InvalidDigest"


@pytest.mark.parametrize("algorithm,member,compute", [
    ("CRC32", "ChecksumCRC32", crc32_b64),
    ("CRC32C", "ChecksumCRC32C", crc32c_b64),
    ("SHA256", "ChecksumSHA256", sha256_b64),
])
def test_checksums(s3, algorithm, member, compute):
    body = b"checksummed payload " * 50
    put = s3.put_object(Bucket=BUCKET, Key="sum", Body=body, ChecksumAlgorithm=algorithm)
    assert put[member] == compute(body)
    got = s3.get_object(Bucket=BUCKET, Key="sum", ChecksumMode="ENABLED")
    assert got[member] == compute(body)
    assert got["Body"].read() == body  # botocore validates the checksum while reading
    head = s3.head_object(Bucket=BUCKET, Key="sum", ChecksumMode="ENABLED")
    assert head[member] == compute(body)
    # Without ChecksumMode the checksum is not sent.
    assert member not in s3.head_object(Bucket=BUCKET, Key="sum")
    # A checksum that does not match the body.
    with raises_aws("BadDigest", 400):
        s3.put_object(Bucket=BUCKET, Key="wrong", Body=body, **{member: compute(b"other")})
    with raises_aws("NoSuchKey", 404):
        s3.get_object(Bucket=BUCKET, Key="wrong")


def test_object_tagging(pc, s3):
    s3.put_object(Bucket=BUCKET, Key="t", Body=b"x", Tagging="project=alpha&team=blue%20sky")
    assert s3.get_object_tagging(Bucket=BUCKET, Key="t")["TagSet"] == [
        {"Key": "project", "Value": "alpha"}, {"Key": "team", "Value": "blue sky"}]
    assert s3.get_object(Bucket=BUCKET, Key="t")["TagCount"] == 2
    head = s3.head_object(Bucket=BUCKET, Key="t")
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-tagging-count"] == "2"

    put = s3.put_object_tagging(Bucket=BUCKET, Key="t", Tagging={"TagSet": [
        {"Key": "env", "Value": "prod"}]})
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    out = pc.aws("s3api", "get-object-tagging", "--bucket", BUCKET, "--key", "t")
    assert out["TagSet"] == [{"Key": "env", "Value": "prod"}]
    assert s3.get_object(Bucket=BUCKET, Key="t")["TagCount"] == 1

    deleted = s3.delete_object_tagging(Bucket=BUCKET, Key="t")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_object_tagging(Bucket=BUCKET, Key="t")["TagSet"] == []
    assert "TagCount" not in s3.get_object(Bucket=BUCKET, Key="t")

    eleven = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]
    invalid = [
        eleven,
        [{"Key": "k" * 129, "Value": "v"}],
        [{"Key": "k", "Value": "v" * 257}],
        [{"Key": "same", "Value": "1"}, {"Key": "same", "Value": "2"}],
    ]
    for tags in invalid:
        with raises_aws("InvalidTag", 400):
            s3.put_object_tagging(Bucket=BUCKET, Key="t", Tagging={"TagSet": tags})
    # The limits themselves are fine: 10 tags, a 128-character key, a 256-character value.
    s3.put_object_tagging(Bucket=BUCKET, Key="t", Tagging={"TagSet": eleven[:10]})
    s3.put_object_tagging(Bucket=BUCKET, Key="t", Tagging={"TagSet": [
        {"Key": "k" * 128, "Value": "v" * 256}]})
    with raises_aws("InvalidTag", 400):
        s3.put_object(Bucket=BUCKET, Key="t2", Body=b"x",
                      Tagging="&".join(f"k{i}=v" for i in range(11)))
    with raises_aws("NoSuchKey", 404):
        s3.get_object_tagging(Bucket=BUCKET, Key="t2")
    with raises_aws("NoSuchKey", 404):
        s3.put_object_tagging(Bucket=BUCKET, Key="absent", Tagging={"TagSet": []})


LIST_KEYS = ["a/1.txt", "a/2.txt", "a/b/3.txt", "a/b/4.txt", "a/c/5.txt", "b/6.txt", "b/7.txt",
             "c.txt", "d.txt", "e/8.txt", "f.txt", "g.txt"]


@pytest.fixture
def listed(s3):
    for key in LIST_KEYS:
        s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode())
    return s3


def keys_of(page) -> list[str]:
    return [o["Key"] for o in page.get("Contents", [])]


def prefixes_of(page) -> list[str]:
    return [p["Prefix"] for p in page.get("CommonPrefixes", [])]


def test_list_objects_v2(listed):
    s3 = listed
    everything = s3.list_objects_v2(Bucket=BUCKET)
    assert keys_of(everything) == LIST_KEYS
    assert everything["KeyCount"] == 12 and everything["IsTruncated"] is False
    assert everything["Name"] == BUCKET and everything["MaxKeys"] == 1000
    first = everything["Contents"][0]
    assert first["Size"] == len(b"a/1.txt") and first["ETag"] == etag_of(b"a/1.txt")
    assert first["StorageClass"] == "STANDARD" and "Owner" not in first
    assert "Owner" in s3.list_objects_v2(Bucket=BUCKET, FetchOwner=True)["Contents"][0]

    top = s3.list_objects_v2(Bucket=BUCKET, Delimiter="/")
    assert keys_of(top) == ["c.txt", "d.txt", "f.txt", "g.txt"]
    assert prefixes_of(top) == ["a/", "b/", "e/"]
    assert top["KeyCount"] == 7 and top["Delimiter"] == "/"
    under_a = s3.list_objects_v2(Bucket=BUCKET, Prefix="a/", Delimiter="/")
    assert keys_of(under_a) == ["a/1.txt", "a/2.txt"]
    assert prefixes_of(under_a) == ["a/b/", "a/c/"] and under_a["Prefix"] == "a/"
    assert keys_of(s3.list_objects_v2(Bucket=BUCKET, Prefix="a/b/")) == ["a/b/3.txt", "a/b/4.txt"]
    nothing = s3.list_objects_v2(Bucket=BUCKET, Prefix="zzz")
    assert "Contents" not in nothing and nothing["KeyCount"] == 0

    # Pages by hand: MaxKeys and continuation tokens.
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"ContinuationToken": token} if token else {}
        page = s3.list_objects_v2(Bucket=BUCKET, MaxKeys=5, **kwargs)
        pages += 1
        assert page["MaxKeys"] == 5 and page["KeyCount"] == len(keys_of(page))
        if token:
            assert page["ContinuationToken"] == token
        seen += keys_of(page)
        if not page["IsTruncated"]:
            assert "NextContinuationToken" not in page
            break
        token = page["NextContinuationToken"]
    assert seen == LIST_KEYS and pages == 3

    after = s3.list_objects_v2(Bucket=BUCKET, StartAfter="b/7.txt")
    assert keys_of(after) == LIST_KEYS[7:] and after["StartAfter"] == "b/7.txt"
    # A continuation token wins over StartAfter.
    page = s3.list_objects_v2(Bucket=BUCKET, StartAfter="b/7.txt", MaxKeys=2)
    assert keys_of(page) == ["c.txt", "d.txt"]
    page = s3.list_objects_v2(Bucket=BUCKET, StartAfter="b/7.txt", MaxKeys=2,
                              ContinuationToken=page["NextContinuationToken"])
    assert keys_of(page) == ["e/8.txt", "f.txt"]

    # The paginator, with common prefixes counting toward the page size.
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Delimiter="/", PaginationConfig={"PageSize": 3}))
    assert [prefixes_of(p) + keys_of(p) for p in pages] == [
        ["a/", "b/", "c.txt"], ["e/", "d.txt", "f.txt"], ["g.txt"]]
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, PaginationConfig={"PageSize": 4}))
    assert [keys_of(p) for p in pages] == [LIST_KEYS[0:4], LIST_KEYS[4:8], LIST_KEYS[8:12]]

    with raises_aws("InvalidArgument", 400):
        s3.list_objects_v2(Bucket=BUCKET, ContinuationToken="not a token!")
    with raises_aws("NoSuchBucket", 404):
        s3.list_objects_v2(Bucket="no-such-bucket")


def test_list_objects_v1(listed):
    s3 = listed
    page = s3.list_objects(Bucket=BUCKET, MaxKeys=5)
    assert keys_of(page) == LIST_KEYS[:5] and page["IsTruncated"] is True
    assert page["Marker"] == "" and page["MaxKeys"] == 5
    # NextMarker only comes with a delimiter; the client continues from the last key.
    assert "NextMarker" not in page
    page = s3.list_objects(Bucket=BUCKET, MaxKeys=5, Marker=LIST_KEYS[4])
    assert keys_of(page) == LIST_KEYS[5:10] and page["Marker"] == LIST_KEYS[4]
    page = s3.list_objects(Bucket=BUCKET, Marker=LIST_KEYS[9])
    assert keys_of(page) == LIST_KEYS[10:] and page["IsTruncated"] is False
    assert page["Contents"][0]["Owner"]["ID"]

    page = s3.list_objects(Bucket=BUCKET, Delimiter="/", MaxKeys=2)
    assert prefixes_of(page) == ["a/", "b/"] and page["NextMarker"] == "b/"
    page = s3.list_objects(Bucket=BUCKET, Delimiter="/", MaxKeys=2, Marker="b/")
    assert keys_of(page) == ["c.txt", "d.txt"] and page["NextMarker"] == "d.txt"

    pages = list(s3.get_paginator("list_objects").paginate(
        Bucket=BUCKET, Delimiter="/", PaginationConfig={"PageSize": 2}))
    assert sum((prefixes_of(p) for p in pages), []) == ["a/", "b/", "e/"]
    assert sum((keys_of(p) for p in pages), []) == ["c.txt", "d.txt", "f.txt", "g.txt"]
    pages = list(s3.get_paginator("list_objects").paginate(
        Bucket=BUCKET, Prefix="a/", PaginationConfig={"PageSize": 2}))
    assert [keys_of(p) for p in pages] == [LIST_KEYS[0:2], LIST_KEYS[2:4], LIST_KEYS[4:5]]


def test_list_with_the_cli(pc, listed):
    out = pc.aws_run("s3", "ls", f"s3://{BUCKET}", "--recursive")
    assert out.returncode == 0, out.stderr
    rows = [line.split(None, 3) for line in out.stdout.splitlines()]
    assert [r[3] for r in rows] == LIST_KEYS
    assert [int(r[2]) for r in rows] == [len(k) for k in LIST_KEYS]
    out = pc.aws_run("s3", "ls", f"s3://{BUCKET}/a/")
    assert out.returncode == 0, out.stderr
    entries = [line.split() for line in out.stdout.splitlines()]
    assert [e for e in entries if e[0] == "PRE"] == [["PRE", "b/"], ["PRE", "c/"]]
    assert [e[-1] for e in entries if e[0] != "PRE"] == ["1.txt", "2.txt"]

    first = pc.aws("s3api", "list-objects-v2", "--bucket", BUCKET, "--max-items", "7",
                   "--page-size", "3")
    assert keys_of(first) == LIST_KEYS[:7] and first["NextToken"]
    rest = pc.aws("s3api", "list-objects-v2", "--bucket", BUCKET, "--max-items", "7",
                  "--page-size", "3", "--starting-token", first["NextToken"])
    assert keys_of(rest) == LIST_KEYS[7:] and "NextToken" not in rest


def test_list_encoding_type_url(pc, s3):
    odd = ["sp ace", "plus+", "pct%2F%", "ctl\x01x", "\u00fc/n\u00e9", "amp&lt<"]
    for key in odd:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    ordered = sorted(odd, key=lambda k: k.encode())
    # botocore asks for encoding-type=url and decodes what it gets.
    assert keys_of(s3.list_objects_v2(Bucket=BUCKET)) == ordered
    assert keys_of(s3.list_objects(Bucket=BUCKET)) == ordered
    top = s3.list_objects_v2(Bucket=BUCKET, Delimiter="/", Prefix="\u00fc")
    assert prefixes_of(top) == ["\u00fc/"] and top["Prefix"] == "\u00fc"

    raw = s3_request(pc, "GET", f"/{BUCKET}?list-type=2&encoding-type=url")
    assert raw.status == 200, raw.text
    root = raw.xml()
    ns = root.tag[:root.tag.index("}") + 1]
    assert root.findtext(f"{ns}EncodingType") == "url"
    encoded = [el.text for el in root.iter(f"{ns}Key")]
    assert len(encoded) == len(odd)
    for text in encoded:
        assert text.isascii() and " " not in text and "\x01" not in text and "<" not in text
    assert [urllib.parse.unquote_plus(t) for t in encoded] == ordered
    # Without it, keys are XML-escaped text.
    plain = s3_request(pc, "GET", f"/{BUCKET}?list-type=2&prefix=amp")
    assert plain.status == 200 and b"amp&amp;lt&lt;" in plain.body
    assert [el.text for el in plain.xml().iter(f"{ns}Key")] == ["amp&lt<"]
    with raises_aws("InvalidArgument", 400):
        s3.list_objects_v2(Bucket=BUCKET, EncodingType="base64")
