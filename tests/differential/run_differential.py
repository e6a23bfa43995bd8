#!/usr/bin/python3
"""Differential test: `portcullis policy evaluate` against @cloud-copilot/iam-simulate.

  run_differential.py --portcullis BUILD/portcullis [--random 2000] [--seed 20260101]
  run_differential.py --self-check          # the simulator side alone, no portcullis

Inputs, both in the CLI format (see iam_simulate_adapter.mjs):
  (a) the shared small workload (../shared/bench/small.workload.json beside the repo, or
      $PORTCULLIS_SHARED_DIR); its reference is the workload's expected decision "e",
      which is iam-simulate 0.1.173's answer (cross-checked in the workload's README);
      skipped with a message when absent;
  (b) N random requests from random_requests.mjs with a fixed seed; reference is
      simulate.mjs run now.

Every disagreement is printed (request + both answers; the full lines also go to
WORKDIR/disagreements.jsonl). A disagreement fails the test unless its fingerprint is
listed in known_differences.json: [{"fingerprint": "<16 hex>", "id": "...",
"doc": "<AWS documentation URL that decides it>", "reason": "<one line>"}].
The fingerprint is sha256 of the canonical JSON of {request, policies}, first 16 hex
digits, so it does not depend on the line's position or id. Requests the simulator
refuses (its {"error"}) are counted as skipped. Standard library only.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DECISIONS = ("Allow", "ExplicitDeny", "ImplicitDeny")


def fingerprint(obj):
    core = {"request": obj.get("request"), "policies": obj.get("policies")}
    text = json.dumps(core, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def shared_dir():
    env = os.environ.get("PORTCULLIS_SHARED_DIR")
    if env:
        return env
    return os.path.join(os.path.dirname(REPO), "shared")


def run(cmd, stdout_path, timeout):
    t0 = time.monotonic()
    with open(stdout_path, "wb") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, timeout=timeout, check=False)
    secs = time.monotonic() - t0
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace")[-4000:]
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{err}")
    return secs


def read_jsonl(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(line.rstrip("\n"))
    return out


def answer_of(line):
    try:
        obj = json.loads(line)
    except ValueError:
        return {"error": f"unparsable output line: {line[:200]}"}
    if not isinstance(obj, dict):
        return {"error": f"output line is not an object: {line[:200]}"}
    return obj


def load_allowlist(path):
    with open(path, encoding="utf-8") as f:
        entries = json.load(f)
    if not isinstance(entries, list):
        raise ValueError(f"{path}: must be a JSON list")
    allow = {}
    for i, e in enumerate(entries):
        for field in ("fingerprint", "doc", "reason"):
            if not isinstance(e.get(field), str) or not e[field]:
                raise ValueError(f"{path}: entry {i} needs a non-empty `{field}`")
        if not e["doc"].startswith("https://docs.aws.amazon.com/"):
            raise ValueError(f"{path}: entry {i}: `doc` must be an AWS documentation URL")
        allow[e["fingerprint"]] = e
    return allow


def clip(text, limit):
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


class Comparison:
    def __init__(self, name):
        self.name = name
        self.compared = 0
        self.agree = 0
        self.skipped = 0
        self.allowed = 0
        self.failures = 0
        self.by_kind = {}


def compare(name, request_lines, references, answers, allow, seen, report, max_print):
    cmp = Comparison(name)
    if len(answers) != len(request_lines):
        print(f"FAIL {name}: portcullis printed {len(answers)} lines for {len(request_lines)} requests")
        cmp.failures += 1
        return cmp
    printed = 0
    for line, ref, got in zip(request_lines, references, answers):
        if "decision" not in ref:
            cmp.skipped += 1
            continue
        cmp.compared += 1
        if got.get("decision") == ref["decision"]:
            cmp.agree += 1
            continue
        obj = json.loads(line)
        fp = fingerprint(obj)
        mine = got.get("decision") or ("error: " + str(got.get("error")))
        kind = f"{obj['request'].get('action')} portcullis={mine[:60]} iam-simulate={ref['decision']}"
        cmp.by_kind[kind] = cmp.by_kind.get(kind, 0) + 1
        known = allow.get(fp)
        if known:
            cmp.allowed += 1
            seen.add(fp)
        else:
            cmp.failures += 1
        report.write(json.dumps({"set": name, "fingerprint": fp, "id": obj.get("id"), "portcullis": got,
                                 "iam-simulate": ref, "allowlisted": bool(known), "line": obj}) + "\n")
        if printed < max_print:
            printed += 1
            tag = "known" if known else "DISAGREE"
            print(f"{tag} {name} id={obj.get('id')} fingerprint={fp}: portcullis={json.dumps(got)} "
                  f"iam-simulate={json.dumps(ref)}")
            if known:
                print(f"  allowlisted: {known['reason']} ({known['doc']})")
            else:
                print(f"  request: {clip(line, 3000)}")
    if printed < cmp.failures + cmp.allowed:
        print(f"... {cmp.failures + cmp.allowed - printed} more in {report.name}")
    return cmp


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portcullis", help="path to the portcullis binary")
    ap.add_argument("--self-check", action="store_true",
                    help="check simulate.mjs against the workload's expected decisions only")
    ap.add_argument("--node", default=os.environ.get("NODE") or shutil.which("node") or "node")
    ap.add_argument("--random", type=int, default=2000, help="number of random requests (0: none)")
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--workload", default="small", help="name of the shared workload (small)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N workload requests")
    ap.add_argument("--allowlist", default=os.path.join(HERE, "known_differences.json"))
    ap.add_argument("--workdir", help="where to keep the generated files (default: a temp dir)")
    ap.add_argument("--max-print", type=int, default=100)
    ap.add_argument("--timeout", type=int, default=600, help="seconds per subprocess")
    args = ap.parse_args()
    if not args.self_check and not args.portcullis:
        ap.error("--portcullis PATH is required (or --self-check)")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "@cloud-copilot", "iam-simulate")):
        print(f"error: {HERE}/node_modules is missing: run scripts/install-deps.sh", file=sys.stderr)
        return 2

    workdir = args.workdir or tempfile.mkdtemp(prefix="portcullis-differential-")
    os.makedirs(workdir, exist_ok=True)
    allow = load_allowlist(args.allowlist)
    node = args.node
    seen = set()
    results = []
    report = open(os.path.join(workdir, "disagreements.jsonl"), "w", encoding="utf-8")

    def evaluate(path, tag):
        out = os.path.join(workdir, f"{tag}.portcullis.jsonl")
        secs = run([args.portcullis, "policy", "evaluate", "--requests", path, "--json"], out, args.timeout)
        answers = [answer_of(l) for l in read_jsonl(out)]
        print(f"portcullis: {len(answers)} answers for {tag} in {secs:.1f}s")
        return answers

    # (a) the shared workload, reference = its expected decisions.
    sdir = shared_dir()
    wpath = os.path.join(sdir, "bench", f"{args.workload}.workload.json")
    if os.path.isfile(wpath):
        conv = os.path.join(workdir, f"{args.workload}.cli.jsonl")
        cmd = [node, os.path.join(HERE, "workload_to_requests.mjs"), wpath]
        if args.limit:
            cmd += ["--limit", str(args.limit)]
        run(cmd, conv, args.timeout)
        lines = read_jsonl(conv)
        refs = [{"decision": json.loads(l)["expected"]} for l in lines]
        if args.self_check:
            sim_out = os.path.join(workdir, f"{args.workload}.simulate.jsonl")
            secs = run([node, os.path.join(HERE, "simulate.mjs"), conv], sim_out, args.timeout)
            sims = [answer_of(l) for l in read_jsonl(sim_out)]
            agree = sum(1 for r, s in zip(refs, sims) if s.get("decision") == r["decision"])
            print(f"self-check: simulate.mjs agrees with {args.workload}.requests.jsonl on "
                  f"{agree}/{len(refs)} ({secs:.1f}s)")
            if agree != len(refs) or len(sims) != len(refs):
                print("FAIL: simulate.mjs does not reproduce the workload's expected decisions")
                return 1
        else:
            results.append(compare(f"workload:{args.workload}", lines, refs, evaluate(conv, args.workload),
                                   allow, seen, report, args.max_print))
    else:
        print(f"note: {wpath} not found (set PORTCULLIS_SHARED_DIR); workload comparison skipped")

    # (b) seeded random requests, reference = simulate.mjs now.
    if args.random > 0:
        rpath = os.path.join(workdir, f"random-{args.seed}.jsonl")
        run([node, os.path.join(HERE, "random_requests.mjs"), str(args.random), str(args.seed)], rpath, args.timeout)
        lines = read_jsonl(rpath)
        sim_out = os.path.join(workdir, f"random-{args.seed}.simulate.jsonl")
        run([node, os.path.join(HERE, "simulate.mjs"), rpath], sim_out, args.timeout)
        sims = [answer_of(l) for l in read_jsonl(sim_out)]
        if len(sims) != len(lines):
            print(f"FAIL: simulate.mjs printed {len(sims)} lines for {len(lines)} requests")
            return 1
        errors = sum(1 for s in sims if "decision" not in s)
        counts = {d: sum(1 for s in sims if s.get("decision") == d) for d in DECISIONS}
        print(f"random: {len(lines)} requests, seed {args.seed}, iam-simulate decisions {counts}, "
              f"{errors} refused by the simulator")
        if args.self_check:
            if errors > len(lines) // 20:
                print("FAIL: the simulator refused more than 5% of the random requests")
                return 1
        else:
            results.append(compare(f"random:{args.seed}", lines, sims, evaluate(rpath, "random"),
                                   allow, seen, report, args.max_print))
    report.close()

    if args.self_check:
        print("1 passed, 0 failed")
        return 0
    stale = [fp for fp in allow if fp not in seen]
    if stale:
        print(f"note: {len(stale)} known_differences.json entries were not seen: {', '.join(stale[:10])}")
    failed = 0
    for r in results:
        for kind, n in sorted(r.by_kind.items(), key=lambda kv: -kv[1])[:20]:
            print(f"  {r.name}: {n} x {kind}")
        print(f"{r.name}: {r.compared} compared, {r.agree} agree, {r.compared - r.agree} disagree "
              f"({r.allowed} known), {r.skipped} skipped")
        failed += 1 if r.failures else 0
    print(f"differential: {len(results) - failed} passed, {failed} failed (details: {report.name})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
