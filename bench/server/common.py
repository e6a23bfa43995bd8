"""Machinery shared by the server benchmarks (run.py for IAM, s3.py for S3).

Starting and stopping the servers under test (Portcullis and moto_server on free loopback
ports), running wrk with replay.lua on a pre-signed request file and reading its summary,
checking a request once before and after each timed run, alternating rounds between the
targets and taking medians, and printing the table and the JSON file. Each benchmark
supplies its setup (users, buckets), its cases (a request file and a check of the reply)
and its own notes. Run with Debian's /usr/bin/python3 (python3-boto3).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import boto3
import botocore.config

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

from presign import Reply, read_request_file, replay_once  # noqa: E402

ACCOUNT_ID = "123456789012"
ROOT_KEY = "AKIABENCHROOT0000001"
ROOT_SECRET = "benchRootSecret/0123456789abcdefghijklmno"
REGION = "us-east-1"


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

    @property
    def endpoint(self) -> str:
        return self.url.rstrip("/")

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

    def peak_rss_mib(self) -> float | None:
        """The server process's peak resident memory so far (VmHWM), in MiB."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except (OSError, AttributeError):
            pass
        return None

    def client(self, service: str, access_key_id: str = ROOT_KEY,
               secret_access_key: str = ROOT_SECRET, **config):
        """A boto3 client for this target (one attempt, no retries; path-style for S3)."""
        return boto3.session.Session().client(
            service, region_name=REGION, endpoint_url=self.endpoint,
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
            config=botocore.config.Config(retries={"total_max_attempts": 1}, **config))


def add_common_args(ap: argparse.ArgumentParser, json_out: Path) -> None:
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
    ap.add_argument("--server-arg", action="append", default=[],
                    help="extra argument for `portcullis serve` (repeatable)")
    ap.add_argument("--json-out", default=str(json_out))
    ap.add_argument("--work-dir", default=None,
                    help="where the run's temporary directory (logs, request files, "
                         "Portcullis's data directory) goes; default: the system's "
                         "(/tmp). /dev/shm (tmpfs) takes the disk's fsync out of the "
                         "figures")


def make_targets(args, work: Path) -> list[Target]:
    """Portcullis (when --portcullis names a binary) and moto (unless --no-moto), not
    started. Portcullis gets the bench root credentials and account id by environment."""
    env = dict(os.environ)
    env.update({"PORTCULLIS_ACCOUNT_ID": ACCOUNT_ID, "PORTCULLIS_ROOT_ACCESS_KEY_ID": ROOT_KEY,
                "PORTCULLIS_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET})
    targets = []
    if args.portcullis:
        targets.append(Target("portcullis",
                              [args.portcullis, "serve", "--port", "0", "--data-dir",
                               str(work / "data"), "--store", "sqlite", *args.server_arg],
                              0, "/health/ready", env, work / "portcullis.log"))
    if not args.no_moto:
        if not args.moto_server:
            raise SystemExit("moto_server not found on PATH (or pass --no-moto)")
        mport = free_port()
        targets.append(Target("moto", [args.moto_server, "-H", "127.0.0.1", "-p", str(mport)],
                              mport, "/moto-api/", dict(os.environ), work / "moto.log"))
    return targets


def run_wrk(url: str, req_file: Path, args) -> dict:
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
           "--latency", "--timeout", "10s", "-s", str(HERE / "replay.lua"), url, "--",
           str(req_file), str(args.threads)]
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


# A check of one reply: None when it is the expected one, else what is wrong with it.
ReplyCheck = Callable[[Reply], "str | None"]


@dataclass
class Case:
    """One measured request: labels for the table, the request file and its check."""
    op: str
    signer: str
    req_file: Path
    check: ReplyCheck
    what: str  # what the check verified, for the progress line
    # Run right after wrk, before the request is sent again: None when what the timed
    # requests left on the server is right (e.g. the object wrk PUT has the exact bytes).
    after_wrk: Callable[[], "str | None"] | None = None


def check_replays(target: Target, case: Case) -> str | None:
    """Sends the first and the last request of the case's file once each (as wrk will
    send them) and checks the replies; None when both are right."""
    indices = [0] if len(read_request_file(str(case.req_file))) == 1 else [0, -1]
    for index in indices:
        reply = replay_once(target.url, str(case.req_file), index)
        problem = case.check(reply)
        if problem is not None:
            return (f"request {index} answered {reply.status}, not the expected reply "
                    f"({problem}):\n{reply.body[:600].decode('utf-8', 'replace')}")
    return None


def measure(target: Target, case: Case, args) -> dict:
    """Sends the case's request once and checks the reply (so error responses are never
    measured), runs wrk on it, and sends it once more after the run."""
    problem = check_replays(target, case)
    if problem is not None:
        raise SystemExit(f"{target.name} {case.op} as {case.signer}: {problem}")
    print(f"  {target.name:10} {case.op:10} {case.signer:8} verified ({case.what}); "
          f"running wrk {args.duration}s ...", flush=True)
    # The 1-minute load average before the run: above ~1 on this machine means other
    # work competed for the cores (the figures are then lower bounds).
    load_before = os.getloadavg()[0]
    result = run_wrk(target.url, case.req_file, args)
    result["load1_before"] = load_before
    after = case.after_wrk() if case.after_wrk else None
    # The same requests must still succeed after the run.
    after = after or check_replays(target, case)
    result["after_status_ok"] = after is None
    if after is not None:
        print(f"  {target.name} {case.op} as {case.signer} after the run: {after}",
              file=sys.stderr)
    time.sleep(1)
    return {"target": target.name, "op": case.op, "signer": case.signer, **result}


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


def run_rounds(targets: list[Target], n_cases: int,
               case_for: Callable[[Target, int], Case], args) -> list[dict]:
    """Measures cases 0..n_cases-1 --rounds times each, alternating between the targets
    so that each pair is measured under the same conditions; returns one row (medians)
    per case and target. case_for(target, i) prepares case i for a target just before
    each timed run (so a signature, valid for 15 minutes, is always fresh)."""
    rows = []
    for i in range(n_cases):
        runs: dict[str, list[dict]] = {t.name: [] for t in targets}
        for _ in range(args.rounds):
            for target in targets:
                runs[target.name].append(measure(target, case_for(target, i), args))
        for target in targets:
            rows.append(combine(runs[target.name]))
    return rows


def fmt_ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def print_table(rows: list[dict]) -> bool:
    """Prints the table; returns whether any timed run failed (non-2xx, socket error, or
    the request no longer succeeding after the run)."""
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
    return failed


def ratios_of(rows: list[dict]) -> list[dict]:
    """Portcullis/moto request rates per (op, signer), printed and returned."""
    ratios = []
    by_key = {(r["target"], r["op"], r["signer"]): r for r in rows}
    for (target, op, signer), p in by_key.items():
        m = by_key.get(("moto", op, signer))
        if target == "portcullis" and m and m["rps"] > 0:
            ratios.append({"op": op, "signer": signer, "ratio": p["rps"] / m["rps"]})
    if ratios:
        print()
        for r in ratios:
            print(f"Portcullis/moto {r['op']:10} {r['signer']:9} {r['ratio']:8.1f}x")
    return ratios


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
    """moto's version, asked of the Python that runs moto_server (its shebang's, or the
    `python3` on PATH when moto_server is a pyenv shell shim)."""
    try:
        first = Path(moto_server).read_text(errors="replace").splitlines()[0]
        interp = first[2:].strip() if first.startswith("#!") else "python3"
        if "python" not in interp:
            interp = "python3"
        out = subprocess.run([*interp.split(), "-c", "import moto; print(moto.__version__)"],
                             capture_output=True, text=True, timeout=60)
        return out.stdout.strip() or "unknown"
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def write_json(path: str, args, rows: list[dict], ratios: list[dict], **extra) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "machine": machine_note(), "moto_version": moto_version(args.moto_server or ""),
        "portcullis": args.portcullis, "work_dir": args.work_dir or tempfile.gettempdir(),
        "duration_s": args.duration, "rounds": args.rounds,
        "threads": args.threads,
        "connections": args.connections, "rows": [
            {k: v for k, v in r.items() if k != "wrk_output"} for r in rows],
        "ratios": ratios, **extra}, indent=2))
    return out
