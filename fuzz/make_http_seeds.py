#!/usr/bin/python3
"""Writes signed seed requests for http_request_fuzz into fuzz/corpus/http_request/.

The fuzz target fixes its clock at 2026-01-01T00:00:00Z and its root credentials, so
requests signed here with the same time and key authenticate there. Run with Debian's
python3 (botocore): /usr/bin/python3 fuzz/make_http_seeds.py
"""
import datetime
from pathlib import Path
from urllib.parse import urlencode

import botocore.auth
import botocore.awsrequest
import botocore.credentials

KEY = "AKIAFUZZROOTKEY00001"
SECRET = "fuzzRootSecretKey/0123456789abcdefghijAB"
WHEN = datetime.datetime(2026, 1, 1, 0, 0, 0)
HOST = "127.0.0.1:8910"


class FixedDateTime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return WHEN

    @classmethod
    def now(cls, tz=None):
        return WHEN if tz is None else WHEN.replace(tzinfo=tz)


botocore.auth.datetime.datetime = FixedDateTime


def signed(service, params):
    body = urlencode(params)
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=f"http://{HOST}/", data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    creds = botocore.credentials.Credentials(KEY, SECRET)
    botocore.auth.SigV4Auth(creds, service, "us-east-1").add_auth(req)
    lines = [f"POST / HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(body)}"]
    for k, v in req.headers.items():
        lines.append(f"{k}: {v}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def console_signin():
    body = (b'{"account":"123456789012","user":"alice","password":"Correct-Horse-9!",'
            b'"mfaCode":"123456"}')
    return (b"POST /_portcullis/console/signin HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() +
            b"\r\n\r\n" + body)


def main():
    out = Path(__file__).resolve().parent / "corpus" / "http_request"
    out.mkdir(parents=True, exist_ok=True)
    v = {"Version": "2010-05-08"}
    seeds = {
        "list_users": signed("iam", {"Action": "ListUsers", **v}),
        "create_user": signed("iam", {"Action": "CreateUser", "UserName": "alice", **v}),
        "get_user": signed("iam", {"Action": "GetUser", **v}),
        "create_group": signed("iam", {"Action": "CreateGroup", "GroupName": "g", **v}),
        "list_policies": signed("iam", {"Action": "ListPolicies", "Scope": "AWS", **v}),
        "caller_identity": signed("sts", {"Action": "GetCallerIdentity",
                                          "Version": "2011-06-15"}),
        "health": b"GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n",
        "reset": b"POST /moto-api/reset HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        "unsigned": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 14\r\n\r\nAction=GetUser",
        "console_signin": console_signin(),
    }
    for name, data in seeds.items():
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
