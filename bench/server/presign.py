#!/usr/bin/python3
"""Writes one SigV4-signed request for bench/server/replay.lua to replay.

    /usr/bin/python3 bench/server/presign.py --url http://127.0.0.1:8910/ \
        --access-key-id AKIA... --secret-access-key ... --out get_user.req \
        Action=GetUser UserName=bench-target

    /usr/bin/python3 bench/server/presign.py --url http://127.0.0.1:8910/ \
        --access-key-id AKIA... --secret-access-key ... --out put.req \
        --s3 PUT /bench-bucket/obj-4k --body-file obj.bin

The request file holds the request exactly as it goes on the wire (HTTP/1.1 with CRLF:
the request line, the signed headers Host, X-Amz-Date, ..., Authorization, then
Content-Length when there is a body, an empty line and the body's raw bytes), so any
body, binary included, is replayed exactly; bench/server/s3.py writes several such
requests back to back in one file. The signature is valid for 15 minutes from now and is
not single-use.
Uses Debian's botocore (python3-botocore).
"""

from __future__ import annotations

import argparse
import http.client
import urllib.parse
from typing import NamedTuple

import botocore.auth
import botocore.awsrequest
import botocore.credentials

VERSIONS = {"iam": "2010-05-08", "sts": "2011-06-15"}


class Signed(NamedTuple):
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Reply(NamedTuple):
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def presign(url: str, access_key_id: str, secret_access_key: str, params: dict[str, str],
            *, service: str = "iam", region: str = "us-east-1",
            host: str | None = None) -> Signed:
    """A signed AWS Query POST of `params` to `url` (path /)."""
    body = urllib.parse.urlencode({**params, "Version": VERSIONS[service]}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    if host:
        headers["Host"] = host
    req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body, headers=headers)
    creds = botocore.credentials.Credentials(access_key_id, secret_access_key)
    botocore.auth.SigV4Auth(creds, service, region).add_auth(req)
    out = {"Host": host or urllib.parse.urlsplit(url).netloc}
    for name in ("X-Amz-Date", "Content-Type", "Authorization"):
        out[name] = req.headers[name]
    return Signed("POST", "/", out, body)


def presign_s3(url: str, access_key_id: str, secret_access_key: str, method: str,
               path: str, body: bytes = b"", *, region: str = "us-east-1",
               headers: dict[str, str] | None = None) -> Signed:
    """A signed S3 REST request, path-style (`path` is /bucket/key, already URI-encoded),
    signed by botocore's S3SigV4Auth as the SDK signs it over http: the payload is signed
    (X-Amz-Content-SHA256 is the hex SHA-256 of `body`; of the empty string for a GET)."""
    base = urllib.parse.urlsplit(url)
    host = base.netloc
    req = botocore.awsrequest.AWSRequest(
        method=method, url=f"{base.scheme}://{host}{path}", data=body or None,
        headers={"Host": host, **(headers or {})})
    creds = botocore.credentials.Credentials(access_key_id, secret_access_key)
    botocore.auth.S3SigV4Auth(creds, "s3", region).add_auth(req)
    # Every header botocore signed or added (Host, the caller's, X-Amz-Content-SHA256,
    # X-Amz-Date, Authorization), as signed.
    return Signed(method, path, dict(req.headers.items()), body)


def http_bytes(signed: Signed) -> bytes:
    """The request as sent on the wire (HTTP/1.1, CRLF). Content-Length is added when
    there is a body (or the method is not GET/HEAD); it is not signed, as with the SDKs."""
    head = [f"{signed.method} {signed.path} HTTP/1.1"]
    head += [f"{name}: {value}" for name, value in signed.headers.items()]
    if signed.body or signed.method not in ("GET", "HEAD"):
        head.append(f"Content-Length: {len(signed.body)}")
    for line in head:
        assert "\r" not in line and "\n" not in line, line
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + signed.body


def write_request_file(path: str, signed: Signed | list[Signed]) -> None:
    """Writes one request, or several back to back (replay.lua spreads them over its
    threads and each thread sends its share in turn)."""
    with open(path, "wb") as f:
        for one in signed if isinstance(signed, list) else [signed]:
            f.write(http_bytes(one))


def read_request_file(path: str) -> list[Signed]:
    data = open(path, "rb").read()
    out, pos = [], 0
    while pos < len(data):
        end = data.index(b"\r\n\r\n", pos)
        lines = data[pos:end].decode("ascii").split("\r\n")
        method, target, _ = lines[0].split(" ")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        length = int(headers.pop("Content-Length", "0"))
        body = data[end + 4:end + 4 + length]
        out.append(Signed(method, target, headers, body))
        pos = end + 4 + length
    return out


def replay_once(url: str, path: str, index: int = 0) -> Reply:
    """Sends request `index` of file `path` once, as wrk will; returns the reply."""
    req = read_request_file(path)[index]
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(req.method, req.path, skip_host=True, skip_accept_encoding=True)
        for name, value in req.headers.items():
            conn.putheader(name, value)
        if req.body or req.method not in ("GET", "HEAD"):
            conn.putheader("Content-Length", str(len(req.body)))
        conn.endheaders(req.body or None)
        resp = conn.getresponse()
        return Reply(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--access-key-id", required=True)
    ap.add_argument("--secret-access-key", required=True)
    ap.add_argument("--service", default="iam")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--host", help="Host header to sign (default: the URL's host:port)")
    ap.add_argument("--s3", nargs=2, metavar=("METHOD", "PATH"),
                    help="sign an S3 REST request instead (path-style /bucket/key)")
    ap.add_argument("--body-file", help="the S3 request's body (default: empty)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--check", action="store_true",
                    help="send it once and print the status and the start of the body")
    ap.add_argument("params", nargs="*", help="NAME=VALUE query parameters")
    args = ap.parse_args()
    if args.s3:
        body = open(args.body_file, "rb").read() if args.body_file else b""
        signed = presign_s3(args.url, args.access_key_id, args.secret_access_key,
                            args.s3[0], args.s3[1], body, region=args.region)
    else:
        params = dict(p.split("=", 1) for p in args.params)
        signed = presign(args.url, args.access_key_id, args.secret_access_key, params,
                         service=args.service, region=args.region, host=args.host)
    write_request_file(args.out, signed)
    if args.check:
        reply = replay_once(args.url, args.out)
        print(reply.status, reply.body[:400].decode("utf-8", "replace"))


if __name__ == "__main__":
    main()
