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
Run with Debian's /usr/bin/python3 (python3-boto3); moto_server comes from PATH.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import statistics
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import botocore.config

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

from presign import presign, replay_once, write_request_file  # noqa: E402

ACCOUNT_ID = "123456789012"
ROOT_KEY = "AKIABENCHROOT0000001"
ROOT_SECRET = "benchRootSecret/0123456789abcdefghijklmno"
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


class Target:
    """One server process under test."""

    def __init__(self, name: str, cmd: list[str], port: int, ready_path: str,
                 env: dict[str, str], log: Path):
        self.name = name
        self.cmd = cmd
        self.port = port
        self.ready_path = ready_path
        self.env = env
        self.log = log
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.port == 0:
                # Started with --port 0: the kernel chose the port; the server names it.
                match = re.search(rb"listening on http://[^\s]*:(\d+)", self.log.read_bytes())
                if match:
                    self.port = int(match.group(1))
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.proc.returncode}; "
                                 f"see {self.log}")
            try:
                if self.port and http_get(self.port, self.ready_path) == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"{self.name} not ready after 60 s; see {self.log}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def setup(target: Target) -> tuple[str, str]:
    """Creates the users; returns the IAM user's access key (id, secret)."""
    iam = boto3.session.Session().client(
        "iam", region_name="us-east-1", endpoint_url=target.url.rstrip("/"),
        aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET,
        config=botocore.config.Config(retries={"total_max_attempts": 1}))
    iam.create_user(UserName=TARGET_USER)
    iam.create_user(UserName=CALLER_USER)
    iam.put_user_policy(UserName=CALLER_USER, PolicyName="bench",
                        PolicyDocument=CALLER_POLICY)
    key = iam.create_access_key(UserName=CALLER_USER)["AccessKey"]
    for i in range(USERS - 2):
        iam.create_user(UserName=f"bench-filler-{i:03d}", Path="/bench/")
    return key["AccessKeyId"], key["SecretAccessKey"]


def run_wrk(url: str, req_file: Path, args) -> dict:
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
           "--latency", "--timeout", "10s", "-s", str(HERE / "replay.lua"), url, "--",
           str(req_file)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"wrk failed ({proc.returncode}): {proc.stderr}\n{proc.stdout}")
    match = re.search(r"^BENCH_JSON (\{.*\})$", proc.stdout, re.M)
    if not match:
        raise SystemExit("wrk printed no BENCH_JSON line:\n" + proc.stdout)
    result = json.loads(match.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", proc.stdout)
    result["non_2xx"] = max(int(non2xx.group(1)) if non2xx else 0, result["errors"]["status"])
    rps = re.search(r"Requests/sec:\s+([\d.]+)", proc.stdout)
    result["rps"] = float(rps.group(1)) if rps else \
        result["requests"] / (result["duration_us"] / 1e6)
    result["wrk_output"] = proc.stdout
    result["command"] = " ".join(cmd)
    return result


def measure_case(target: Target, caller: tuple[str, str], case, args, work: Path) -> dict:
    """Pre-signs, verifies and runs wrk for one case against one target."""
    op, signer, params, check = case
    signers = {"root": (ROOT_KEY, ROOT_SECRET), "iam-user": caller}
    req_file = work / f"{target.name}-{op}-{signer}.req"
    method, body, headers = presign(target.url, *signers[signer], params)
    write_request_file(str(req_file), method, body, headers)
    status, reply = replay_once(target.url, str(req_file))
    if status != 200 or not check(reply):
        raise SystemExit(f"{target.name} {op} as {signer}: the replayed request answered "
                         f"{status}, not the expected reply:\n"
                         f"{reply[:600].decode('utf-8', 'replace')}")
    print(f"  {target.name:10} {op:9} {signer:8} verified (200, expected XML); "
          f"running wrk {args.duration}s ...", flush=True)
    # The 1-minute load average before the run: above ~1 on this machine means other
    # work competed for the cores (the figures are then lower bounds).
    load_before = os.getloadavg()[0]
    result = run_wrk(target.url, req_file, args)
    result["load1_before"] = load_before
    # The same request must still succeed after the run.
    status, reply = replay_once(target.url, str(req_file))
    result["after_status_ok"] = status == 200 and check(reply)
    time.sleep(1)
    return {"target": target.name, "op": op, "signer": signer, **result}


def combine(runs: list[dict]) -> dict:
    """One row from the rounds of a case: the median rate and latencies, summed errors."""
    def median(values):
        return statistics.median(values)

    row = dict(runs[len(runs) // 2])
    row["rounds"] = [{"rps": r["rps"], "p50_us": r["latency_us"]["p50"],
                      "p99_us": r["latency_us"]["p99"], "load1": r["load1_before"],
                      "non_2xx": r["non_2xx"]} for r in runs]
    row["rps"] = median([r["rps"] for r in runs])
    row["latency_us"] = {k: median([r["latency_us"][k] for r in runs])
                         for k in runs[0]["latency_us"]}
    row["errors"] = {k: sum(r["errors"][k] for r in runs) for k in runs[0]["errors"]}
    row["non_2xx"] = sum(r["non_2xx"] for r in runs)
    row["load1_before"] = sum(r["load1_before"] for r in runs) / len(runs)
    row["after_status_ok"] = all(r["after_status_ok"] for r in runs)
    return row


def fmt_ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def machine_note() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}


def moto_version(moto_server: str) -> str:
    try:
        first = Path(moto_server).read_text(errors="replace").splitlines()[0]
        interp = first[2:].strip() if first.startswith("#!") else "python3"
        out = subprocess.run([*interp.split(), "-c", "import moto; print(moto.__version__)"],
                             capture_output=True, text=True, timeout=60)
        return out.stdout.strip() or "unknown"
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portcullis", help="the portcullis binary (omit to measure moto only)")
    ap.add_argument("--moto-server", default=shutil.which("moto_server"))
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--rounds", type=int, default=3,
                    help="runs per case and target, alternating between the targets; the "
                         "table shows the median (the machine is shared: this evens out "
                         "load that changes during the benchmark)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--ops", nargs="*", help="only these ops (GetUser, ListUsers)")
    ap.add_argument("--server-arg", action="append", default=[],
                    help="extra argument for `portcullis serve` (repeatable)")
    ap.add_argument("--json-out", default=str(REPO / "build" / "bench-server" / "results.json"))
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found (Debian package wrk)")

    work = Path(tempfile.mkdtemp(prefix="portcullis-bench-"))
    env = dict(os.environ)
    env.update({"PORTCULLIS_ACCOUNT_ID": ACCOUNT_ID, "PORTCULLIS_ROOT_ACCESS_KEY_ID": ROOT_KEY,
                "PORTCULLIS_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET})
    targets = []
    if args.portcullis:
        port = 0
        targets.append(Target("portcullis",
                              [args.portcullis, "serve", "--port", "0", "--data-dir",
                               str(work / "data"), "--store", "sqlite", *args.server_arg],
                              port, "/health/ready", env, work / "portcullis.log"))
    if not args.no_moto:
        if not args.moto_server:
            raise SystemExit("moto_server not found on PATH (or pass --no-moto)")
        mport = free_port()
        targets.append(Target("moto", [args.moto_server, "-H", "127.0.0.1", "-p", str(mport)],
                              mport, "/moto-api/", dict(os.environ), work / "moto.log"))

    rows: list[dict] = []
    try:
        # Both servers run for the whole benchmark (an idle one costs nothing); the cases
        # alternate between them so that each pair is measured under the same conditions.
        callers = {}
        for target in targets:
            print(f"starting {target.name}: {' '.join(target.cmd)}", flush=True)
            target.start()
            callers[target.name] = setup(target)
        for case in CASES:
            if args.ops and case[0] not in args.ops:
                continue
            runs: dict[str, list[dict]] = {t.name: [] for t in targets}
            for _ in range(args.rounds):
                for target in targets:
                    runs[target.name].append(
                        measure_case(target, callers[target.name], case, args, work))
            for target in targets:
                rows.append(combine(runs[target.name]))
    finally:
        for target in targets:
            target.stop()

    print()
    header = (f"{'target':11} {'op':10} {'signer':9} {'req/s':>10} {'p50 ms':>8} "
              f"{'p99 ms':>8} {'non-2xx':>8} {'sock err':>8} {'load1':>6}")
    print(header)
    print("-" * len(header))
    failed = False
    for r in rows:
        e = r["errors"]
        sock = e["connect"] + e["read"] + e["write"] + e["timeout"]
        print(f"{r['target']:11} {r['op']:10} {r['signer']:9} {r['rps']:10.0f} "
              f"{fmt_ms(r['latency_us']['p50']):>8} {fmt_ms(r['latency_us']['p99']):>8} "
              f"{r['non_2xx']:8d} {sock:8d} {r['load1_before']:6.2f}")
        if r["non_2xx"] or sock or not r["after_status_ok"]:
            failed = True

    ratios = []
    by_key = {(r["target"], r["op"], r["signer"]): r for r in rows}
    for op, signer, *_ in CASES:
        p, m = by_key.get(("portcullis", op, signer)), by_key.get(("moto", op, signer))
        if p and m and m["rps"] > 0:
            ratios.append({"op": op, "signer": signer, "ratio": p["rps"] / m["rps"]})
    if ratios:
        print()
        for r in ratios:
            print(f"Portcullis/moto {r['op']:10} {r['signer']:9} {r['ratio']:8.1f}x")

    get_root = by_key.get(("portcullis", "GetUser", "root"))
    if get_root:
        print()
        ratio = next((r["ratio"] for r in ratios
                      if r["op"] == "GetUser" and r["signer"] == "root"), None)
        print(f"target >= 20,000 signed GetUser/s: {get_root['rps']:.0f} -> "
              f"{'met' if get_root['rps'] >= 20000 else 'NOT met'}")
        if ratio is not None:
            print(f"target >= 50x moto: {ratio:.1f}x -> {'met' if ratio >= 50 else 'NOT met'}")

    out = Path(args.json_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "machine": machine_note(), "moto_version": moto_version(args.moto_server or ""),
        "portcullis": args.portcullis, "duration_s": args.duration, "rounds": args.rounds,
        "threads": args.threads,
        "connections": args.connections, "rows": [
            {k: v for k, v in r.items() if k != "wrk_output"} for r in rows],
        "ratios": ratios}, indent=2))
    print(f"\nresults: {out}; logs and request files: {work}")
    if failed:
        print("FAILED: a timed run saw non-2xx answers or socket errors", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
