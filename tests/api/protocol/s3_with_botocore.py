#!/usr/bin/env python3
"""Cross-check of the S3 rest-xml codec against botocore's own serializer and parser.

Arguments: the s3_samples program and the vendored s3 service-2.json. botocore loads the
same model Portcullis embeds, so both sides read identical shapes.

1. Requests: botocore's RestXMLSerializer turns each case's parameters into an HTTP
   request (prepare_request_dict builds the URL as the SDK sends it); `s3_samples decode`
   routes and decodes it; the operation must be the case's and the decoded input must
   equal the parameters (the streaming Body aside, x-amz-meta-* keys lowercased).
2. Responses: `s3_samples encode` writes encoded responses; botocore's RestXMLParser
   parses each with the operation's output shape and must give back the encoded Value;
   error bodies must give back the code and message.
Exit 0 when every case agrees.
"""
import base64
import datetime
import json
import subprocess
import sys
import urllib.parse
import xml.etree.ElementTree as ElementTree

import botocore
import botocore.awsrequest
import botocore.model
import botocore.parsers
import botocore.serialize

T = datetime.datetime(2026, 11, 28, 9, 40, 44, tzinfo=datetime.timezone.utc)

XML_NS = "http://s3.amazonaws.com/doc/2006-03-01/"

# (operation, parameters) as a boto3 user passes them.
REQUEST_CASES = [
    ("CreateBucket", {"Bucket": "my-bucket", "ACL": "private",
                      "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}),
    ("CreateBucket", {"Bucket": "plain-bucket"}),
    ("HeadBucket", {"Bucket": "my-bucket"}),
    ("DeleteBucket", {"Bucket": "my-bucket"}),
    ("ListBuckets", {}),
    ("GetBucketLocation", {"Bucket": "my-bucket"}),
    ("PutObject", {"Bucket": "b", "Key": "dir/a b+c&d=e?f#g%h\u00e9\u20ac.txt", "Body": b"hello",
                   "ContentType": "text/plain", "ContentMD5": "XUFAKrxLKna5cZ2REBfFkg==",
                   "Metadata": {"owner": "alice", "Color": "blue"},
                   "Tagging": "a=1&b=2", "StorageClass": "STANDARD",
                   "ObjectLockRetainUntilDate": T, "ContentLength": 5}),
    ("GetObject", {"Bucket": "b", "Key": "k", "Range": "bytes=0-9", "IfMatch": "\"e\"",
                   "IfNoneMatch": "\"f\"", "IfModifiedSince": T, "IfUnmodifiedSince": T,
                   "ResponseContentType": "text/plain", "ResponseExpires": T,
                   "VersionId": "v1", "PartNumber": 1}),
    ("HeadObject", {"Bucket": "b", "Key": "/leading/slash//double", "IfMatch": "\"e\""}),
    ("DeleteObject", {"Bucket": "b", "Key": "k", "VersionId": "v"}),
    ("ListObjectsV2", {"Bucket": "b", "Prefix": "photos/2026 x+y", "Delimiter": "/",
                       "ContinuationToken": "tok/==", "MaxKeys": 50, "StartAfter": "a",
                       "FetchOwner": True, "EncodingType": "url"}),
    ("ListObjects", {"Bucket": "b", "Prefix": "p", "Marker": "m", "MaxKeys": 3,
                     "Delimiter": "/"}),
    ("DeleteObjects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "a&b<c>"},
                                                             {"Key": "c", "VersionId": "v"}],
                                                 "Quiet": True}}),
    ("CopyObject", {"Bucket": "b", "Key": "copy", "CopySource": "src/a%20b",
                    "MetadataDirective": "REPLACE", "Metadata": {"k": "v"},
                    "CopySourceIfMatch": "\"e\"", "CopySourceIfModifiedSince": T}),
    ("CreateMultipartUpload", {"Bucket": "b", "Key": "big.bin", "ContentType": "application/zip",
                               "Metadata": {"m": "1"}}),
    ("UploadPart", {"Bucket": "b", "Key": "big.bin", "PartNumber": 3, "UploadId": "UP+1/=",
                    "Body": b"data", "ContentMD5": "jRcF7ZkiNdtH1i1Y7TZ0Zw=="}),
    ("UploadPartCopy", {"Bucket": "b", "Key": "big.bin", "PartNumber": 2, "UploadId": "u",
                        "CopySource": "src/k", "CopySourceRange": "bytes=0-99"}),
    ("CompleteMultipartUpload", {"Bucket": "b", "Key": "big.bin", "UploadId": "u",
                                 "MultipartUpload": {"Parts": [
                                     {"ETag": "\"e1\"", "PartNumber": 1},
                                     {"ETag": "\"e2\"", "PartNumber": 2,
                                      "ChecksumCRC32": "AAAAAA=="}]}}),
    ("AbortMultipartUpload", {"Bucket": "b", "Key": "big.bin", "UploadId": "u"}),
    ("ListParts", {"Bucket": "b", "Key": "big.bin", "UploadId": "u", "MaxParts": 10,
                   "PartNumberMarker": 2}),
    ("ListMultipartUploads", {"Bucket": "b", "Prefix": "x", "KeyMarker": "k",
                              "UploadIdMarker": "u", "MaxUploads": 5}),
    ("PutBucketPolicy", {"Bucket": "b", "Policy": json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                 "Action": "s3:GetObject",
                                                 "Resource": "arn:aws:s3:::b/*"}]})}),
    ("GetBucketPolicy", {"Bucket": "b"}),
    ("DeleteBucketPolicy", {"Bucket": "b"}),
    ("GetBucketPolicyStatus", {"Bucket": "b"}),
    ("PutPublicAccessBlock", {"Bucket": "b", "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False}}),
    ("GetPublicAccessBlock", {"Bucket": "b"}),
    ("DeletePublicAccessBlock", {"Bucket": "b"}),
    ("PutObjectTagging", {"Bucket": "b", "Key": "k", "VersionId": "v", "Tagging": {
        "TagSet": [{"Key": "env", "Value": "prod"}, {"Key": "empty", "Value": ""}]}}),
    ("GetObjectTagging", {"Bucket": "b", "Key": "k"}),
    ("DeleteObjectTagging", {"Bucket": "b", "Key": "k"}),
    ("PutBucketAcl", {"Bucket": "b", "AccessControlPolicy": {
        "Grants": [{"Grantee": {"ID": "id1", "Type": "CanonicalUser"},
                    "Permission": "READ"}],
        "Owner": {"ID": "id1"}}}),
]


def normalize(value):
    """Parameters or parsed output -> the JSON s3_samples writes for a Value."""
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, datetime.datetime):
        value = value.astimezone(datetime.timezone.utc)
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        if value.microsecond:
            text += ".%03d" % (value.microsecond // 1000)
        return {"$ts": text + "Z"}
    if isinstance(value, (bytes, bytearray)):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def serialize(model, name, params):
    serializer = botocore.serialize.create_serializer("rest-xml", include_validation=True)
    request = serializer.serialize_to_request(params, model.operation_model(name))
    botocore.awsrequest.prepare_request_dict(request, endpoint_url="http://localhost:9000")
    url = urllib.parse.urlsplit(request["url"])
    target = url.path + ("?" + url.query if url.query else "")
    body = request["body"]
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif body is None:
        body = b""
    headers = [[k, v if isinstance(v, str) else v.decode("utf-8")]
               for k, v in request["headers"].items()]
    return {"method": request["method"], "target": target, "host": url.netloc,
            "headers": headers, "body_b64": base64.b64encode(body).decode("ascii")}


def check_requests(samples, model):
    lines = []
    for i, (name, params) in enumerate(REQUEST_CASES):
        sent = serialize(model, name, params)
        sent["id"] = i
        lines.append(json.dumps(sent))
    out = subprocess.run([samples, "decode"], input="\n".join(lines) + "\n", check=True,
                         capture_output=True, text=True).stdout.splitlines()
    failures = 0
    for line, sent in zip(out, lines):
        got = json.loads(line)
        name, params = REQUEST_CASES[got["id"]]
        expected = dict(params)
        if got.get("streaming_member"):
            expected.pop(got["streaming_member"], None)
        if "Metadata" in expected:
            expected["Metadata"] = {k.lower(): v for k, v in expected["Metadata"].items()}
        expected = normalize(expected)
        if got.get("operation") != name or got.get("input") != expected:
            failures += 1
            print("FAIL request %s\n  sent:     %s\n  decoded:  %s\n  expected: %s" %
                  (name, sent, json.dumps(got, sort_keys=True),
                   json.dumps(expected, sort_keys=True)))
        else:
            print("ok   request %s" % name)
    if len(out) != len(lines):
        print("FAIL: %d requests, %d answers" % (len(lines), len(out)))
        failures += 1
    return failures, len(lines)


def parse_location(body):
    root = ElementTree.fromstring(body)
    if root.tag != "{%s}LocationConstraint" % XML_NS:
        return {"root": root.tag}
    return {"LocationConstraint": root.text} if root.text else {}


def check_responses(samples, model):
    parser = botocore.parsers.RestXMLParser()
    out = subprocess.run([samples, "encode"], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    failures = 0
    for line in out:
        sample = json.loads(line)
        body = base64.b64decode(sample["body_b64"])
        headers = botocore.awsrequest.HeadersDict()
        for name, value in sample["headers"]:
            headers[name] = value
        response = {"body": body, "headers": headers, "status_code": sample["status"]}
        if sample["operation"] is None:
            parsed = parser.parse(response, None)
            err = sample["error"]
            want_message = err["message"] or None
            got = parsed.get("Error", {})
            if sample["head"]:
                ok = not body and got.get("Code") == str(sample["status"])
            else:
                # botocore takes S3's request id from the x-amz-request-id header (the
                # server's to send); the body's element is checked directly.
                ok = got.get("Code") == err["code"] and \
                    (want_message is None or got.get("Message") == want_message) and \
                    got.get("Resource") == "/bucket/key" and \
                    ElementTree.fromstring(body).findtext("RequestId") == "4442587FB7D0A2F9"
            name = "error %s%s" % (err["code"], " (HEAD)" if sample["head"] else "")
            expected = err
        else:
            name = sample["operation"]
            op = model.operation_model(name)
            if name == "GetBucketLocation":
                # botocore reads this body in a handler (parse_get_bucket_location).
                got = parse_location(body)
            else:
                parsed = parser.parse(response, op.output_shape)
                payload = op.output_shape.serialization.get("payload")
                if payload and isinstance(parsed.get(payload), str) and \
                        op.output_shape.members[payload].type_name == "blob":
                    # botocore hands a blob payload over decoded as text (a stream on a
                    # live connection).
                    parsed[payload] = parsed[payload].encode("utf-8")
                got = normalize(parsed)
            expected = sample["expected"]
            ok = got == expected and sample["status"] == op.http.get("responseCode", 200)
        if ok:
            print("ok   response %s" % name)
        else:
            failures += 1
            print("FAIL response %s\n  body:     %r\n  headers:  %s\n  botocore: %s\n"
                  "  expected: %s" % (name, body, sample["headers"],
                                      json.dumps(got, sort_keys=True, default=str),
                                      json.dumps(expected, sort_keys=True)))
    return failures, len(out)


def main():
    samples, model_path = sys.argv[1], sys.argv[2]
    with open(model_path, encoding="utf-8") as f:
        model = botocore.model.ServiceModel(json.load(f), "s3")
    req_failures, req_count = check_requests(samples, model)
    res_failures, res_count = check_responses(samples, model)
    print("botocore %s: %d requests, %d responses, %d failures" %
          (botocore.__version__, req_count, res_count, req_failures + res_failures))
    return 1 if req_failures or res_failures or not req_count or not res_count else 0


if __name__ == "__main__":
    sys.exit(main())
