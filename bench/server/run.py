#!/usr/bin/python3
"""Server benchmark: signed GetUser and ListUsers per second and latency under wrk, for
Portcullis and for moto's server, driven by the same generator in the same run.

    scripts/bench-server.sh [--duration 10] [--rounds 3] [--connections 32] [--threads 2]
                            [--no-moto]

For each target this starts the server on a free loopback port, creates the users (as
root: `bench-target`, `bench-caller` with an inline policy allowing iam:GetUser and
iam:ListUsers and an access key, and fillers up to 100 users), pre-signs one request per
case with presign.py, sends it once and checks the reply (HTTP 200 and the expected XML,
so error responses are never measured), then runs

    wrk -t2 -c32 -d10s --latency --timeout 10s -s bench/server/replay.lua URL -- REQ

and reads wrk's summary; each case runs --rounds times, alternating between the targets,
and the table shows the medians. Any non-2xx answer or socket error during a timed run fails the
benchmark (exit 1). The table, the Portcullis/moto ratios and a JSON file follow.
The machinery is shared with the S3 benchmark (s3.py) in common.py.
Run with Debian's /usr/bin/python3 (python3-boto3); moto_server comes from PATH.
"""

from __future__ import annotations

import argparse
import json
import sys
import shutil
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import common  # noqa: E402
from common import ROOT_KEY, ROOT_SECRET, Case, Target  # noqa: E402
from presign import presign, write_request_file  # noqa: E402

TARGET_USER = "bench-target"
CALLER_USER = "bench-caller"
USERS = 100
CALLER_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListUsers"], "Resource": "*"}]})

# (op label, signer, query parameters, check of the reply body)
CASES = [
    ("GetUser", "root", {"Action": "GetUser", "UserName": TARGET_USER},
     lambda body: f"<UserName>{TARGET_USER}</UserName>".encode() in body),
    ("GetUser", "iam-user", {"Action": "GetUser", "UserName": TARGET_USER},
     lambda body: f"<UserName>{TARGET_USER}</UserName>".encode() in body),
    ("ListUsers", "root", {"Action": "ListUsers"},
     lambda body: body.count(b"<UserName>") == USERS),
    ("ListUsers", "iam-user", {"Action": "ListUsers"},
     lambda body: body.count(b"<UserName>") == USERS),
]


def setup(target: Target) -> tuple[str, str]:
    """Creates the users; returns the IAM user's access key (id, secret)."""
    iam = target.client("iam")
    iam.create_user(UserName=TARGET_USER)
    iam.create_user(UserName=CALLER_USER)
    iam.put_user_policy(UserName=CALLER_USER, PolicyName="bench",
                        PolicyDocument=CALLER_POLICY)
    key = iam.create_access_key(UserName=CALLER_USER)["AccessKey"]
    for i in range(USERS - 2):
        iam.create_user(UserName=f"bench-filler-{i:03d}", Path="/bench/")
    return key["AccessKeyId"], key["SecretAccessKey"]


def make_case(target: Target, caller: tuple[str, str], case, work: Path) -> Case:
    """Pre-signs one case for one target (just before its timed run: the signature is
    valid for 15 minutes)."""
    op, signer, params, body_ok = case
    signers = {"root": (ROOT_KEY, ROOT_SECRET), "iam-user": caller}
    req_file = work / f"{target.name}-{op}-{signer}.req"
    write_request_file(str(req_file), presign(target.url, *signers[signer], params))

    def check(reply) -> str | None:
        if reply.status != 200:
            return f"status {reply.status}"
        return None if body_ok(reply.body) else "unexpected XML"
    return Case(op, signer, req_file, check, "200, expected XML")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_common_args(ap, common.REPO / "build" / "bench-server" / "results.json")
    ap.add_argument("--ops", nargs="*", help="only these ops (GetUser, ListUsers)")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found (Debian package wrk)")

    work = Path(tempfile.mkdtemp(prefix="portcullis-bench-", dir=args.work_dir))
    targets = common.make_targets(args, work)
    cases = [c for c in CASES if not args.ops or c[0] in args.ops]
    try:
        # Both servers run for the whole benchmark (an idle one costs nothing); the cases
        # alternate between them so that each pair is measured under the same conditions.
        callers = {}
        for target in targets:
            print(f"starting {target.name}: {' '.join(target.cmd)}", flush=True)
            target.start()
            callers[target.name] = setup(target)
        rows = common.run_rounds(
            targets, len(cases),
            lambda t, i: make_case(t, callers[t.name], cases[i], work), args)
    finally:
        for target in targets:
            target.stop()

    failed = common.print_table(rows)
    ratios = common.ratios_of(rows)
    by_key = {(r["target"], r["op"], r["signer"]): r for r in rows}
    get_root = by_key.get(("portcullis", "GetUser", "root"))
    if get_root:
        print()
        ratio = next((r["ratio"] for r in ratios
                      if r["op"] == "GetUser" and r["signer"] == "root"), None)
        print(f"target >= 20,000 signed GetUser/s: {get_root['rps']:.0f} -> "
              f"{'met' if get_root['rps'] >= 20000 else 'NOT met'}")
        if ratio is not None:
            print(f"target >= 50x moto: {ratio:.1f}x -> {'met' if ratio >= 50 else 'NOT met'}")

    out = common.write_json(args.json_out, args, rows, ratios)
    print(f"\nresults: {out}; logs and request files: {work}")
    if failed:
        print("FAILED: a timed run saw non-2xx answers or socket errors", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
