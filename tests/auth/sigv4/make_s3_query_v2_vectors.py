#!/usr/bin/python3
"""Prints the S3 Signature Version 2 presigned-URL vectors of s3_query_v2_test.cc.

Run once with Debian's interpreter (boto3/botocore 1.29, which presign S3 with SigV2 by
default): /usr/bin/python3 tests/auth/sigv4/make_s3_query_v2_vectors.py
The URLs are botocore's own (generate_presigned_url, HmacV1QueryAuth) at a fixed clock;
the last vector signs repeated x-amz-* headers with HmacV1QueryAuth.get_signature.
"""
from unittest import mock
from urllib.parse import urlsplit, quote

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials

NOW = 1700000000
KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TEMP_KEY, TEMP_SECRET, TOKEN = "ASIAIOSFODNN7EXAMPLE", "tempSecretKey/EXAMPLE", "FQoGZXIvYXdz+token/=="


def client(akid, secret, token=None):
    return boto3.session.Session().client(
        "s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:9000",
        aws_access_key_id=akid, aws_secret_access_key=secret, aws_session_token=token,
        config=botocore.config.Config(s3={"addressing_style": "path"}))


def emit(name, method, url):
    p = urlsplit(url)
    print(f'    {{"{name}", "{method}", "{p.path}", "{p.query}"}},')


with mock.patch.object(botocore.auth.time, "time", return_value=NOW):
    c = client(KEY, SECRET)
    g = c.generate_presigned_url
    emit("get_object", "GET", g("get_object", {"Bucket": "examplebucket", "Key": "photos/puppy.jpg"}))
    emit("special_key", "GET", g("get_object", {"Bucket": "examplebucket", "Key": "a b/\u00fc+%=&?.txt"}))
    emit("overrides", "GET", g("get_object", {
        "Bucket": "examplebucket", "Key": "k", "VersionId": "v 1",
        "ResponseContentType": "text/plain; charset=utf-8",
        "ResponseContentDisposition": "attachment"}, ExpiresIn=60))
    emit("put_headers", "PUT", g("put_object", {
        "Bucket": "examplebucket", "Key": "k", "ContentType": "text/plain",
        "ContentMD5": "1B2M2Y8AsgTpgAmY7PhCfg==", "ACL": "public-read",
        "Metadata": {"Owner": "me"}}, ExpiresIn=600))
    emit("upload_part", "PUT", g("upload_part", {
        "Bucket": "examplebucket", "Key": "k", "PartNumber": 2, "UploadId": "up/1"}, ExpiresIn=600))
    emit("list_objects", "GET", g("list_objects", {"Bucket": "examplebucket", "Prefix": "p"}, ExpiresIn=600))
    emit("list_objects_v2", "GET", g("list_objects_v2", {"Bucket": "examplebucket"}, ExpiresIn=600))
    emit("get_object_tagging", "GET", g("get_object_tagging", {"Bucket": "examplebucket", "Key": "k"}, ExpiresIn=600))
    emit("list_buckets", "GET", g("list_buckets", {}, ExpiresIn=600))
    emit("delete_object", "DELETE", g("delete_object", {"Bucket": "examplebucket", "Key": "k"}, ExpiresIn=600))
    t = client(TEMP_KEY, TEMP_SECRET, TOKEN)
    emit("session_token", "GET", t.generate_presigned_url(
        "get_object", {"Bucket": "examplebucket", "Key": "photos/puppy.jpg"}, ExpiresIn=3600))

    # Repeated x-amz-meta-a headers (sent as headers, not moved): values joined with ','.
    auth = botocore.auth.HmacV1QueryAuth(botocore.credentials.Credentials(KEY, SECRET), expires=600)
    headers = botocore.awsrequest.HTTPHeaders()
    headers.add_header("X-Amz-Meta-A", " one ")
    headers.add_header("x-amz-meta-a", "two")
    headers.add_header("Content-Type", "image/png")
    sig = auth.get_signature("PUT", urlsplit("http://h/examplebucket/k"), headers)
    query = f"AWSAccessKeyId={KEY}&Expires={NOW + 600}&Signature={quote(sig, safe='')}"
    print(f'    // Sent with headers X-Amz-Meta-A: " one ", x-amz-meta-a: two, Content-Type: image/png')
    print(f'    {{"repeated_headers", "PUT", "/examplebucket/k", "{query}"}},')
