#!/usr/bin/env python3
"""Captures what botocore actually sends for S3 PutObject and UploadPart and writes one
JSON fixture per request for tests/auth/sigv4/payload_test.cc (BotocoreFixtures).

A real botocore client is built against a fake endpoint; a `before-send` handler records
the fully prepared request (method, URL, headers, body bytes - the aws-chunked encoding
included) and answers it with an empty 200, so nothing leaves the machine. Run it with each
botocore to cover (Debian's 1.29 and a newer pip one):

  /usr/bin/python3 make_fixtures.py OUT_DIR        # Debian's python3-botocore
  python3 make_fixtures.py OUT_DIR                 # whatever botocore python3 has

Fixture fields: name, botocore (version), method, path, query, headers ([name, value]; Host
added from the URL as urllib3 would when botocore did not set it), body (the bytes on the wire after HTTP framing),
payload (what the object holds), access_key_id, secret_access_key. Bytes are lists of
["b64", base64] and ["run", byte, count] segments, concatenated.
"""
import base64
import json
import os
import sys
from urllib.parse import urlsplit

import botocore
import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.config import Config

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
VERSION = botocore.__version__


class _Raw:
    def stream(self, *args, **kwargs):
        return iter(())

    def read(self, *args, **kwargs):
        return b""


def _body_bytes(body):
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    if hasattr(body, "read"):
        chunks = []
        while True:
            chunk = body.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    return b"".join(body)


def segments(data, min_run=64):
    """Run-length form of `data`: ["b64", text] for literal bytes, ["run", byte, count] for
    a run of at least `min_run` equal bytes (keeps the large fixtures small)."""
    out = []
    literal_start = 0
    i = 0
    while i < len(data):
        j = i
        while j < len(data) and data[j] == data[i]:
            j += 1
        if j - i >= min_run:
            if literal_start < i:
                out.append(["b64", base64.b64encode(data[literal_start:i]).decode()])
            out.append(["run", data[i], j - i])
            literal_start = j
        i = j
    if literal_start < len(data):
        out.append(["b64", base64.b64encode(data[literal_start:]).decode()])
    return out


def capture(endpoint, call, payload, name, out_dir, s3_extra=None):
    session = botocore.session.get_session()
    client = session.create_client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path", **(s3_extra or {})}),
    )
    captured = {}

    def before_send(request, **kwargs):
        if captured:
            return None
        split = urlsplit(request.url)
        headers = []
        if not any(key.lower() == "host" for key in request.headers.keys()):
            headers.append(["Host", split.netloc])
        for key, value in request.headers.items():
            if key.lower() == "user-agent":
                continue  # unsigned, and names the build machine
            if isinstance(value, bytes):
                value = value.decode()
            headers.append([key, value])
        body = _body_bytes(request.body)
        captured.update(
            name=f"{name}-botocore-{VERSION}",
            botocore=VERSION,
            method=request.method,
            path=split.path,
            query=split.query,
            headers=headers,
            body=segments(body),
            payload=segments(payload),
            access_key_id=ACCESS_KEY,
            secret_access_key=SECRET_KEY,
        )
        etag_headers = {"ETag": '"0"'}
        return AWSResponse(request.url, 200, etag_headers, _Raw())

    client.meta.events.register("before-send.s3", before_send)
    call(client)
    path = os.path.join(out_dir, captured["name"] + ".json")
    with open(path, "w") as out:
        json.dump(captured, out, sort_keys=True)
        out.write("\n")
    print(path, [v for k, v in captured["headers"] if k.lower() == "x-amz-content-sha256"])


def presign(endpoint, operation, method, payload, name, out_dir):
    """A presigned URL from botocore's presigner, used with `payload` as the body."""
    session = botocore.session.get_session()
    client = session.create_client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )
    url = client.generate_presigned_url(
        operation, Params={"Bucket": "bucket", "Key": "key.txt"}, ExpiresIn=3600
    )
    split = urlsplit(url)
    fixture = dict(
        name=f"{name}-botocore-{VERSION}",
        botocore=VERSION,
        method=method,
        path=split.path,
        query=split.query,
        headers=[["Host", split.netloc]],
        body=segments(payload),
        payload=segments(payload),
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
    )
    path = os.path.join(out_dir, fixture["name"] + ".json")
    with open(path, "w") as out:
        json.dump(fixture, out, sort_keys=True)
        out.write("\n")
    print(path, "presigned")


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    small = b"Hello from botocore\n" * 3
    # Over 1 MiB: botocore's aws-chunked wrapper sends 1 MiB chunks.
    large = b"".join(bytes([65 + i % 26]) * 997 for i in range(1056))
    https = "https://s3.example.test"
    http = "http://s3.example.test:9000"
    for scheme_name, endpoint in (("https", https), ("http", http)):
        for size_name, payload in (("small", small), ("large", large)):
            capture(
                endpoint,
                lambda c, p=payload: c.put_object(Bucket="bucket", Key="key.txt", Body=p),
                payload,
                f"put-object-{scheme_name}-{size_name}-default",
                out_dir,
            )
            capture(
                endpoint,
                lambda c, p=payload: c.upload_part(
                    Bucket="bucket", Key="key.txt", UploadId="upload-1", PartNumber=1, Body=p
                ),
                payload,
                f"upload-part-{scheme_name}-{size_name}-default",
                out_dir,
            )
        for algorithm in ("CRC32", "SHA1", "SHA256"):
            capture(
                endpoint,
                lambda c, a=algorithm: c.put_object(
                    Bucket="bucket", Key="key.txt", Body=small, ChecksumAlgorithm=a
                ),
                small,
                f"put-object-{scheme_name}-{algorithm.lower()}",
                out_dir,
            )
        capture(
            endpoint,
            lambda c: c.put_object(
                Bucket="bucket", Key="key.txt", Body=small, ContentMD5=base64.b64encode(
                    __import__("hashlib").md5(small).digest()).decode()
            ),
            small,
            f"put-object-{scheme_name}-content-md5",
            out_dir,
        )
    presign("https://s3.example.test", "put_object", "PUT", b"presigned body\n",
            "presigned-put-object", out_dir)
    presign("http://s3.example.test:9000", "get_object", "GET", b"", "presigned-get-object",
            out_dir)
    # Payload signing over HTTPS (S3SigV4Auth signs the body hash when asked).
    capture(
        https,
        lambda c: c.put_object(Bucket="bucket", Key="key.txt", Body=small),
        small,
        "put-object-https-payload-signing",
        out_dir,
        s3_extra={"payload_signing_enabled": True},
    )


if __name__ == "__main__":
    main()
