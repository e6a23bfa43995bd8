#!/usr/bin/python3
"""S3 server benchmark: small-object (4 KiB) PutObject and GetObject per second and
latency under wrk, for Portcullis and for moto's server driven by the same generator in
the same run; and the time of a 1 GiB upload with the aws CLI.

    scripts/bench-s3.sh [--duration 10] [--rounds 3] [--connections 32] [--threads 2]
                        [--no-moto] [--signers iam-user root] [--ops PutObject GetObject]
                        [--upload-mib 1024 | --no-cli-upload | --cli-upload-only]

For each target this starts the server on a free loopback port and, as root, creates the
bucket `bench-bucket` and the user `bench-s3-caller` with an inline policy allowing
s3:PutObject and s3:GetObject on `arn:aws:s3:::bench-bucket/*` and an access key (so the
authorizer runs on every request; moto accepts any credentials). Each case is pre-signed
by botocore's S3SigV4Auth as a path-style request (`/bench-bucket/obj-4k`) with a signed
payload (X-Amz-Content-SHA256 = the hex SHA-256 of the body), sent once and checked
(PutObject: 200 and ETag = the body's MD5; GetObject: 200 and exactly the 4 KiB), then
replayed by wrk with replay.lua as in the IAM benchmark (run.py; the machinery is shared
in common.py). PutObject writes --put-keys distinct keys (obj-4k-0000, ...; default
2,048), each wrk thread cycling through its own share, so that no two requests in flight
overwrite one key: moto 5.2.1 answers concurrent overwrites of one key with 500 at times
(--put-keys 1 shows it). After each PutObject run the first and last keys must hold
exactly the body wrk sent.

The body is 4,096 bytes of every value (a fixed pseudo-random sequence, not printable
ASCII): the request file keeps the body as raw bytes after the headers and replay.lua
reads it in binary mode, so what is measured is a real binary upload and any mangling
would show as a signature or ETag mismatch.

Then, unless --no-cli-upload, a file of --upload-mib MiB (1 GiB by default; random bytes,
in a temporary directory deleted afterwards) is uploaded with
`/usr/bin/aws --endpoint-url URL s3 cp FILE s3://bench-bucket/big` as bench-s3-caller
(the CLI's defaults: multipart in 8 MiB parts, 10 concurrent requests), timed, and
checked with `aws s3api head-object` (ContentLength and a multipart ETag).
Run with Debian's /usr/bin/python3 (python3-boto3); moto_server comes from PATH.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import common  # noqa: E402
from common import ROOT_KEY, ROOT_SECRET, Case, Target  # noqa: E402
from presign import Reply, presign_s3, write_request_file  # noqa: E402

BUCKET = "bench-bucket"
KEY = "obj-4k"
BIG_KEY = "big"
CALLER_USER = "bench-s3-caller"
CALLER_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
     "Resource": f"arn:aws:s3:::{BUCKET}/*"}]})
# 4 KiB of every byte value, the same in every run.
BODY = random.Random(4096).randbytes(4096)
BODY_MD5 = hashlib.md5(BODY).hexdigest()
OPS = ["PutObject", "GetObject"]
AWS_CLI = "/usr/bin/aws"


def s3_client(target: Target, key: tuple[str, str]):
    return target.client("s3", *key, s3={"addressing_style": "path"})


def setup(target: Target) -> tuple[str, str]:
    """Creates the bucket, the caller and the object GetObject reads; returns the
    caller's access key (id, secret)."""
    iam = target.client("iam")
    iam.create_user(UserName=CALLER_USER)
    iam.put_user_policy(UserName=CALLER_USER, PolicyName="bench-s3",
                        PolicyDocument=CALLER_POLICY)
    key = iam.create_access_key(UserName=CALLER_USER)["AccessKey"]
    caller = (key["AccessKeyId"], key["SecretAccessKey"])
    s3_client(target, (ROOT_KEY, ROOT_SECRET)).create_bucket(Bucket=BUCKET)
    # A new access key may take a moment to be usable on some servers; retry briefly.
    deadline = time.monotonic() + 10
    while True:
        try:
            s3_client(target, caller).put_object(Bucket=BUCKET, Key=KEY, Body=BODY)
            break
        except Exception as e:  # botocore's ClientError or a connection error
            if time.monotonic() > deadline:
                raise SystemExit(f"{target.name}: PutObject as {CALLER_USER} in setup "
                                 f"failed: {e}")
            time.sleep(0.5)
    return caller


def etag_of(reply: Reply) -> str:
    return (reply.headers.get("ETag") or "").strip('"')


def check_put(reply: Reply) -> str | None:
    if reply.status != 200:
        return f"status {reply.status}"
    if etag_of(reply) != BODY_MD5:
        return f"ETag {reply.headers.get('ETag')!r}, expected the body's MD5 \"{BODY_MD5}\""
    return None


def check_get(reply: Reply) -> str | None:
    if reply.status != 200:
        return f"status {reply.status}"
    if reply.body != BODY:
        return f"{len(reply.body)} bytes that are not the 4 KiB object"
    if etag_of(reply) != BODY_MD5:
        return f"ETag {reply.headers.get('ETag')!r}, expected \"{BODY_MD5}\""
    return None


def put_keys(count: int) -> list[str]:
    return [KEY] if count == 1 else [f"{KEY}-{i:04d}" for i in range(count)]


def make_case(target: Target, caller: tuple[str, str], op: str, signer: str, args,
              work: Path) -> Case:
    """Pre-signs one case for one target, just before its timed run."""
    key = {"root": (ROOT_KEY, ROOT_SECRET), "iam-user": caller}[signer]
    req_file = work / f"{target.name}-{op}-{signer}.req"
    if op == "PutObject":
        names = put_keys(args.put_keys)
        write_request_file(str(req_file), [
            presign_s3(target.url, *key, "PUT", f"/{BUCKET}/{name}", BODY) for name in names])

        def stored_exactly() -> str | None:
            s3 = s3_client(target, caller)
            for name in sorted({names[0], names[-1]}):
                got = s3.get_object(Bucket=BUCKET, Key=name)["Body"].read()
                if got != BODY:
                    return f"the object {name} that wrk PUT does not hold the body"
            return None
        what = "200, ETag = MD5 of the body"
        if len(names) > 1:
            what += f"; {len(names)} keys"
        return Case(op, signer, req_file, check_put, what, after_wrk=stored_exactly)
    write_request_file(str(req_file), presign_s3(target.url, *key, "GET", f"/{BUCKET}/{KEY}"))
    return Case(op, signer, req_file, check_get, "200, the exact 4 KiB")


def aws_env(key: tuple[str, str]) -> dict[str, str]:
    """The CLI's environment: the caller's key, us-east-1, and no user configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": key[0], "AWS_SECRET_ACCESS_KEY": key[1],
                "AWS_DEFAULT_REGION": common.REGION, "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_PAGER": "",
                "AWS_EC2_METADATA_DISABLED": "true"})
    return env


def make_big_file(directory: Path, mib: int) -> Path:
    path = directory / f"upload-{mib}MiB.bin"
    with open(path, "wb") as f:
        for _ in range(mib):
            f.write(os.urandom(1 << 20))
    return path


def cli_upload(target: Target, caller: tuple[str, str], big: Path, timeout: int) -> dict:
    """Times `aws s3 cp` of the big file to the target and checks the stored size."""
    size = big.stat().st_size
    env = aws_env(caller)
    cmd = [AWS_CLI, "--endpoint-url", target.endpoint, "s3", "cp", str(big),
           f"s3://{BUCKET}/{BIG_KEY}", "--no-progress"]
    print(f"  {target.name:10} aws s3 cp {size >> 20} MiB ...", flush=True)
    load_before = os.getloadavg()[0]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"target": target.name, "ok": False, "command": " ".join(cmd),
                "note": f"did not finish within {timeout} s"}
    seconds = time.monotonic() - start
    row = {"target": target.name, "command": " ".join(cmd), "bytes": size,
           "seconds": seconds, "mb_per_s": size / 1e6 / seconds,
           "mib_per_s": size / (1 << 20) / seconds, "load1_before": load_before,
           "ok": False}
    if proc.returncode != 0:
        row["note"] = f"aws s3 cp exited {proc.returncode}: {proc.stderr.strip()[-600:]}"
        return row
    head = subprocess.run([AWS_CLI, "--endpoint-url", target.endpoint, "s3api", "head-object",
                           "--bucket", BUCKET, "--key", BIG_KEY, "--output", "json"],
                          env=env, capture_output=True, text=True, timeout=120)
    if head.returncode != 0:
        row["note"] = f"head-object exited {head.returncode}: {head.stderr.strip()[-600:]}"
        return row
    meta = json.loads(head.stdout)
    row["content_length"] = meta.get("ContentLength")
    row["etag"] = meta.get("ETag")
    if meta.get("ContentLength") != size:
        row["note"] = f"head-object says {meta.get('ContentLength')} bytes, not {size}"
        return row
    row["ok"] = True
    row["server_peak_rss_mib"] = target.peak_rss_mib()
    # Free the space (Portcullis stores it under its data directory, moto in memory), as
    # root: the caller may not s3:DeleteObject.
    subprocess.run([AWS_CLI, "--endpoint-url", target.endpoint, "s3", "rm",
                    f"s3://{BUCKET}/{BIG_KEY}"], env=aws_env((ROOT_KEY, ROOT_SECRET)),
                   capture_output=True, timeout=120, check=True)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_common_args(ap, common.REPO / "build" / "bench-server" / "s3-results.json")
    ap.add_argument("--ops", nargs="*", choices=OPS, default=OPS)
    ap.add_argument("--signers", nargs="*", choices=["iam-user", "root"],
                    default=["iam-user"],
                    help="who signs the small-object requests (default: the IAM user "
                         "with the inline policy, so the authorizer runs)")
    ap.add_argument("--put-keys", type=int, default=2048,
                    help="PutObject writes this many distinct keys (obj-4k-0000, ...), "
                         "spread over wrk's threads, each thread cycling through its "
                         "share, so no two requests in flight overwrite the same key; 1 "
                         "replays one PUT of obj-4k on every connection (moto 5.2.1 then "
                         "answers some concurrent overwrites with 500)")
    ap.add_argument("--upload-mib", type=int, default=1024,
                    help="size of the CLI upload in MiB (default 1024 = 1 GiB)")
    ap.add_argument("--upload-timeout", type=int, default=900,
                    help="seconds after which a target's CLI upload counts as not coping")
    ap.add_argument("--no-cli-upload", action="store_true")
    ap.add_argument("--cli-upload-only", action="store_true")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found (Debian package wrk)")
    if not args.no_cli_upload and not os.access(AWS_CLI, os.X_OK):
        raise SystemExit(f"{AWS_CLI} not found (Debian package awscli), or --no-cli-upload")

    work = Path(tempfile.mkdtemp(prefix="portcullis-bench-s3-", dir=args.work_dir))
    targets = common.make_targets(args, work)
    cases = [] if args.cli_upload_only else \
        [(op, signer) for op in args.ops for signer in args.signers]
    rows: list[dict] = []
    uploads: list[dict] = []
    try:
        callers = {}
        for target in targets:
            print(f"starting {target.name}: {' '.join(target.cmd)}", flush=True)
            target.start()
            callers[target.name] = setup(target)
        if cases:
            rows = common.run_rounds(
                targets, len(cases),
                lambda t, i: make_case(t, callers[t.name], *cases[i], args, work), args)
        if not args.no_cli_upload:
            with tempfile.TemporaryDirectory(prefix="portcullis-bench-s3-upload-",
                                             dir=args.work_dir) as tmp:
                print(f"writing a {args.upload_mib} MiB file of random bytes in {tmp} ...",
                      flush=True)
                big = make_big_file(Path(tmp), args.upload_mib)
                for target in targets:
                    uploads.append(cli_upload(target, callers[target.name], big,
                                              args.upload_timeout))
    finally:
        for target in targets:
            target.stop()

    failed = False
    ratios: list[dict] = []
    if rows:
        failed = common.print_table(rows)
        ratios = common.ratios_of(rows)
    if uploads:
        print()
        print(f"aws s3 cp of {args.upload_mib} MiB ({AWS_CLI}, multipart 8 MiB x 10):")
        for u in uploads:
            if u["ok"]:
                print(f"  {u['target']:11} {u['seconds']:8.2f} s {u['mb_per_s']:8.1f} MB/s "
                      f"({u['mib_per_s']:.1f} MiB/s), head-object {u['content_length']} "
                      f"bytes, ETag {u['etag']}, load1 {u['load1_before']:.2f}, server peak RSS "
                      f"{u['server_peak_rss_mib'] or 0:.0f} MiB")
            else:
                print(f"  {u['target']:11} not measured: {u['note']}")
                # Portcullis must cope; moto not coping is a finding, not a failure.
                failed = failed or u["target"] == "portcullis"

    out = common.write_json(args.json_out, args, rows, ratios, object_bytes=len(BODY),
                            body="4096 pseudo-random bytes (binary, every byte value)",
                            cli_upload={"mib": args.upload_mib, "runs": uploads})
    print(f"\nresults: {out}; logs and request files: {work}")
    if failed:
        print("FAILED: a timed run saw non-2xx answers or socket errors, or the Portcullis "
              "CLI upload failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
