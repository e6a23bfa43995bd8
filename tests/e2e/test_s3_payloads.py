"""S3 payload signing variants end to end, as raw requests signed with botocore's S3SigV4Auth
(Amazon S3 API Reference, "Authenticating Requests (AWS Signature Version 4)"): a signed
payload hash, UNSIGNED-PAYLOAD, a wrong x-amz-content-sha256, aws-chunked uploads with chunk
signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) and with a checksum trailer
(STREAMING-UNSIGNED-PAYLOAD-TRAILER), and virtual-hosted-style addressing."""

import hashlib
import os

import pytest

from s3_wire import (checked, crc32_b64, crc32c_b64, s3_error, s3_request, sha256_b64,
                     sign_s3, signed_chunks, unsigned_chunks_with_trailer)

BUCKET = "payloads"
CHUNK = 8192  # S3's smallest non-final chunk


@pytest.fixture
def s3(pc):
    client = checked(pc.s3())
    client.create_bucket(Bucket=BUCKET)
    return client


def etag_of(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'


def assert_absent(s3, key: str) -> None:
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=key)


def test_signed_and_unsigned_payloads(pc, s3):
    body = b"signed body"
    signed = s3_request(pc, "PUT", f"/{BUCKET}/signed", body)
    assert signed.status == 200 and signed.headers["etag"] == etag_of(body)
    assert signed.headers["x-amz-request-id"]
    unsigned = s3_request(pc, "PUT", f"/{BUCKET}/unsigned", b"unsigned body",
                          payload_hash="UNSIGNED-PAYLOAD")
    assert unsigned.status == 200, unsigned.text
    assert unsigned.headers["etag"] == etag_of(b"unsigned body")
    assert s3.get_object(Bucket=BUCKET, Key="unsigned")["Body"].read() == b"unsigned body"
    got = s3_request(pc, "GET", f"/{BUCKET}/unsigned", payload_hash="UNSIGNED-PAYLOAD")
    assert got.status == 200 and got.body == b"unsigned body"


def test_wrong_content_sha256(pc, s3):
    wrong = s3_request(pc, "PUT", f"/{BUCKET}/k", b"the real body",
                       payload_hash=hashlib.sha256(b"another body").hexdigest())
    assert wrong.status == 400
    assert s3_error(wrong)["Code"] == "XAmzContentSHA256Mismatch"
    malformed = s3_request(pc, "PUT", f"/{BUCKET}/k", b"body", payload_hash="not-a-hash")
    assert malformed.status == 400 and s3_error(malformed)["Code"] == "InvalidArgument"
    # A streaming payload needs x-amz-decoded-content-length.
    undeclared = s3_request(pc, "PUT", f"/{BUCKET}/k", b"0;chunk-signature=00\r\n\r\n",
                            {"Content-Encoding": "aws-chunked"},
                            payload_hash="STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    assert undeclared.status == 411 and s3_error(undeclared)["Code"] == "MissingContentLength"
    assert_absent(s3, "k")


def chunked_headers(payload: bytes, **extra: str) -> dict[str, str]:
    return {"Content-Encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(payload)), **extra}


def test_streaming_signed_chunks(pc, s3):
    payload = os.urandom(2 * CHUNK + 1000)
    req = sign_s3(pc, "PUT", f"/{BUCKET}/chunked",
                  headers=chunked_headers(payload, **{"Content-Type": "text/x-chunked"}),
                  payload_hash="STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    resp = req.send(signed_chunks(req, payload, CHUNK))
    assert resp.status == 200, resp.text
    assert resp.headers["etag"] == etag_of(payload)
    got = s3.get_object(Bucket=BUCKET, Key="chunked")
    assert got["Body"].read() == payload
    # aws-chunked is the transfer's encoding, not the object's.
    assert got["ContentType"] == "text/x-chunked" and "ContentEncoding" not in got
    assert got["ContentLength"] == len(payload)


@pytest.mark.parametrize("corrupt", [0, 1, 3])  # first, middle, final (0-size) chunk
def test_streaming_signed_chunks_with_a_bad_signature(pc, s3, corrupt):
    payload = os.urandom(3 * CHUNK - 100)
    req = sign_s3(pc, "PUT", f"/{BUCKET}/bad", headers=chunked_headers(payload),
                  payload_hash="STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    resp = req.send(signed_chunks(req, payload, CHUNK, corrupt_chunk=corrupt))
    assert resp.status == 403, resp.text
    assert s3_error(resp)["Code"] == "SignatureDoesNotMatch"
    assert_absent(s3, "bad")


def test_streaming_signed_chunks_with_wrong_decoded_length(pc, s3):
    payload = os.urandom(CHUNK + 10)
    req = sign_s3(pc, "PUT", f"/{BUCKET}/short",
                  headers={"Content-Encoding": "aws-chunked",
                           "x-amz-decoded-content-length": str(len(payload) + 1)},
                  payload_hash="STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    resp = req.send(signed_chunks(req, payload, CHUNK))
    assert resp.status == 400 and s3_error(resp)["Code"] == "IncompleteBody"
    assert_absent(s3, "short")


def test_streaming_signed_chunks_with_signed_trailer(pc, s3):
    payload = os.urandom(CHUNK + 500)
    trailer = ("x-amz-checksum-crc32", crc32_b64(payload))

    def put(key: str, **kwargs):
        req = sign_s3(pc, "PUT", f"/{BUCKET}/{key}",
                      headers=chunked_headers(payload, **{"x-amz-trailer": trailer[0]}),
                      payload_hash="STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
        return req.send(signed_chunks(req, payload, CHUNK, **kwargs))

    ok = put("signed-trailer", trailer=trailer)
    assert ok.status == 200, ok.text
    assert ok.headers["x-amz-checksum-crc32"] == trailer[1]
    assert s3.get_object(Bucket=BUCKET, Key="signed-trailer")["Body"].read() == payload
    bad = put("bad-trailer-signature", trailer=trailer, corrupt_trailer=True)
    assert bad.status == 403 and s3_error(bad)["Code"] == "SignatureDoesNotMatch"
    wrong = put("bad-checksum", trailer=(trailer[0], crc32_b64(b"other")))
    assert wrong.status == 400 and s3_error(wrong)["Code"] == "BadDigest"
    assert_absent(s3, "bad")


@pytest.mark.parametrize("algorithm,compute", [
    ("crc32", crc32_b64), ("crc32c", crc32c_b64), ("sha256", sha256_b64)])
def test_unsigned_payload_with_checksum_trailer(pc, s3, algorithm, compute):
    payload = os.urandom(CHUNK + 1234)
    trailer = f"x-amz-checksum-{algorithm}"
    member = {"crc32": "ChecksumCRC32", "crc32c": "ChecksumCRC32C",
              "sha256": "ChecksumSHA256"}[algorithm]

    def put(key: str, value: str):
        return s3_request(
            pc, "PUT", f"/{BUCKET}/{key}",
            unsigned_chunks_with_trailer(payload, CHUNK, trailer, value),
            chunked_headers(payload, **{"x-amz-trailer": trailer}),
            payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER")

    ok = put("trailed", compute(payload))
    assert ok.status == 200, ok.text
    assert ok.headers["etag"] == etag_of(payload)
    assert ok.headers[trailer] == compute(payload)
    got = s3.get_object(Bucket=BUCKET, Key="trailed", ChecksumMode="ENABLED")
    assert got["Body"].read() == payload and got[member] == compute(payload)

    bad = put("bad", compute(payload[:-1]))
    assert bad.status == 400 and s3_error(bad)["Code"] == "BadDigest"
    assert_absent(s3, "bad")


def test_virtual_hosted_style(pc, s3):
    # S3ServiceOptions.host_names defaults to localhost and s3.localhost.
    for host in (f"{BUCKET}.localhost:{pc.port}", f"{BUCKET}.s3.localhost:{pc.port}"):
        put = s3_request(pc, "PUT", "/dir/virtual.txt", b"virtual", host=host)
        assert put.status == 200, put.text
        got = s3_request(pc, "GET", "/dir/virtual.txt", host=host)
        assert got.status == 200 and got.body == b"virtual"
        listed = s3_request(pc, "GET", "/?list-type=2", host=host)
        assert listed.status == 200 and listed.find("Key") == "dir/virtual.txt"
        assert listed.find("Name") == BUCKET
        missing = s3_request(pc, "GET", "/absent", host=host)
        assert missing.status == 404 and s3_error(missing)["Code"] == "NoSuchKey"
    assert s3.get_object(Bucket=BUCKET, Key="dir/virtual.txt")["Body"].read() == b"virtual"
    # A bucket created and deleted through its own host name.
    host = f"fresh.localhost:{pc.port}"
    assert s3_request(pc, "PUT", "/", host=host).status == 200
    assert "fresh" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3_request(pc, "DELETE", "/", host=host).status == 204
    # The server's own name is path style.
    listed = s3_request(pc, "GET", f"/{BUCKET}?list-type=2", host=f"localhost:{pc.port}")
    assert listed.status == 200 and listed.find("Name") == BUCKET


def test_put_without_content_length_is_refused(pc, s3):
    # AWS: PutObject needs Content-Length; an HTTP-chunked body without it answers 411
    # MissingContentLength and stores nothing.
    import http.client
    import urllib.parse
    signed = sign_s3(pc, "PUT", f"/{BUCKET}/chunked", b"", payload_hash="UNSIGNED-PAYLOAD")
    prepared = signed.req.prepare()
    headers = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
    conn = http.client.HTTPConnection("127.0.0.1", pc.port, timeout=10)
    try:
        conn.request("PUT", urllib.parse.urlsplit(prepared.url).path,
                     body=iter([b"abc", b"def"]), headers=headers, encode_chunked=True)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    assert resp.status == 411, body
    assert b"<Code>MissingContentLength</Code>" in body
    assert_absent(s3, "chunked")
