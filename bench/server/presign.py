#!/usr/bin/python3
"""Writes one SigV4-signed AWS Query request for bench/server/replay.lua to replay.

    /usr/bin/python3 bench/server/presign.py --url http://127.0.0.1:8910/ \
        --access-key-id AKIA... --secret-access-key ... --out get_user.req \
        Action=GetUser UserName=bench-target

The file holds the method, the body and the headers (Host, X-Amz-Date, Content-Type,
Authorization) exactly as signed. The signature is valid for 15 minutes from now.
Uses Debian's botocore (python3-botocore).
"""

from __future__ import annotations

import argparse
import http.client
import urllib.parse

import botocore.auth
import botocore.awsrequest
import botocore.credentials

VERSIONS = {"iam": "2010-05-08", "sts": "2011-06-15"}


def presign(url: str, access_key_id: str, secret_access_key: str, params: dict[str, str],
            *, service: str = "iam", region: str = "us-east-1",
            host: str | None = None) -> tuple[str, bytes, dict[str, str]]:
    """Returns (method, body, headers) of a signed POST of `params` to `url`."""
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
    return "POST", body, out


def write_request_file(path: str, method: str, body: bytes, headers: dict[str, str]) -> None:
    assert b"\n" not in body
    with open(path, "w", encoding="ascii") as f:
        f.write(method + "\n")
        f.write(body.decode("ascii") + "\n")
        for name, value in headers.items():
            f.write(f"{name}: {value}\n")


def replay_once(url: str, path: str) -> tuple[int, bytes]:
    """Sends the request in file `path` once, as wrk will; returns (status, body)."""
    with open(path, encoding="ascii") as f:
        method = f.readline().rstrip("\n")
        body = f.readline().rstrip("\n").encode()
        headers = {}
        for line in f:
            name, _, value = line.rstrip("\n").partition(": ")
            headers[name] = value
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(method, "/", skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.read()
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
    ap.add_argument("--out", required=True)
    ap.add_argument("--check", action="store_true",
                    help="send it once and print the status and the start of the body")
    ap.add_argument("params", nargs="+", help="NAME=VALUE query parameters")
    args = ap.parse_args()
    params = dict(p.split("=", 1) for p in args.params)
    method, body, headers = presign(args.url, args.access_key_id, args.secret_access_key,
                                    params, service=args.service, region=args.region,
                                    host=args.host)
    write_request_file(args.out, method, body, headers)
    if args.check:
        status, reply = replay_once(args.url, args.out)
        print(status, reply[:400].decode("utf-8", "replace"))


if __name__ == "__main__":
    main()
