#!/usr/bin/env node
// iam_simulate_bench.mjs — the peer benchmark: @cloud-copilot/iam-simulate on an
// iam-bench-workload/1 workload, one thread.
//
//   node iam_simulate_bench.mjs WORKLOAD.json[.xz] [REQUESTS.jsonl[.xz]]
//        [--limit N] [--max-seconds 20] [--warmup 200]
//
// Policies are validated once per policy id (as an engine compiles them once); each
// request is then one runSimulation() call, timed on its own. Stops after --limit
// requests or --max-seconds of measured time, whichever comes first. Prints one JSON
// object: {"engine","version","decisions","agreement","decisionsPerSecond","p50Us","p99Us",
// "errors","seconds","workload"}; agreement = share of decisions equal to the workload's
// expected "e".
import { runSimulation } from '@cloud-copilot/iam-simulate';
import * as pol from '@cloud-copilot/iam-policy';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { spawn } from 'node:child_process';
import { IAM_SIMULATE_VERSION } from './iam_simulate_adapter.mjs';

function parseArgs(argv) {
  const o = { pos: [], limit: Infinity, maxSeconds: 20, warmup: 200 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--limit') o.limit = Number(argv[++i]);
    else if (a === '--max-seconds') o.maxSeconds = Number(argv[++i]);
    else if (a === '--warmup') o.warmup = Number(argv[++i]);
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else o.pos.push(a);
  }
  if (o.pos.length < 1) throw new Error('usage: iam_simulate_bench.mjs WORKLOAD.json[.xz] [REQUESTS.jsonl[.xz]] [--limit N] [--max-seconds S] [--warmup N]');
  return o;
}

function openText(p) {
  if (p.endsWith('.xz')) {
    const child = spawn('xz', ['-dc', p], { stdio: ['ignore', 'pipe', 'inherit'] });
    return { stream: child.stdout, close: () => child.kill() };
  }
  const stream = fs.createReadStream(p);
  return { stream, close: () => stream.destroy() };
}

async function readAll(p) {
  const { stream } = openText(p);
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

const MAP = { Allowed: 'Allow', ExplicitlyDenied: 'ExplicitDeny', ImplicitlyDenied: 'ImplicitDeny' };

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const wpath = args.pos[0];
  const W = JSON.parse(await readAll(wpath));
  if (W.format !== 'iam-bench-workload/1') throw new Error(`${wpath}: not iam-bench-workload/1`);
  let rpath = args.pos[1];
  if (!rpath) {
    rpath = path.join(path.dirname(wpath), W.requestsFile);
    if (!fs.existsSync(rpath) && fs.existsSync(rpath + '.xz')) rpath += '.xz';
  }

  const vcache = new Map();
  const validated = (id, kind) => {
    let v = vcache.get(kind + id);
    if (!v) {
      const doc = kind === 'rp' ? W.resourcePolicies[id] : W.policies[id];
      v = pol.createValidatedPolicy(doc, kind === 'rp' ? pol.validateResourcePolicy : pol.validateIdentityPolicy, undefined);
      vcache.set(kind + id, v);
    }
    return v;
  };
  const prById = new Map(W.principals.map((p) => [p.id, p]));
  const identityOf = new Map();
  const toSim = (q) => {
    const pr = prById.get(q.p);
    let ids = identityOf.get(pr.id);
    if (!ids) {
      ids = pr.identityPolicies.map((x, i) => ({ name: `${i}:${x.policy}`, policy: validated(x.policy, 'id') }));
      identityOf.set(pr.id, ids);
    }
    const sim = {
      request: { principal: pr.arn, action: q.a, resource: { resource: q.r, accountId: W.account }, contextVariables: { ...pr.context, ...q.c } },
      identityPolicies: ids, serviceControlPolicies: [], resourceControlPolicies: [],
    };
    if (pr.permissionsBoundary) sim.permissionBoundaryPolicies = [{ name: pr.permissionsBoundary, policy: validated(pr.permissionsBoundary, 'id') }];
    if (q.rp) sim.resourcePolicy = validated(q.rp, 'rp');
    return sim;
  };

  const lat = [];
  let agree = 0, errors = 0, measured = 0n, warm = 0;
  const budget = BigInt(Math.round(args.maxSeconds * 1e9));
  const src = openText(rpath);
  const rl = readline.createInterface({ input: src.stream, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    const q = JSON.parse(line);
    const sim = toSim(q);
    const t0 = process.hrtime.bigint();
    const res = await runSimulation(sim, {});
    const dt = process.hrtime.bigint() - t0;
    if (warm < args.warmup) { warm++; continue; }
    measured += dt;
    lat.push(Number(dt) / 1000);
    const d = res.resultType === 'error' ? null : MAP[res.overallResult];
    if (!d) errors++;
    else if (d === q.e) agree++;
    if (lat.length >= args.limit || measured >= budget) break;
  }
  rl.close();
  src.close();
  lat.sort((a, b) => a - b);
  const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : 0);
  const secs = Number(measured) / 1e9;
  const round = (x, k = 1) => Math.round(x * 10 ** k) / 10 ** k;
  process.stdout.write(JSON.stringify({
    engine: 'iam-simulate', version: IAM_SIMULATE_VERSION, decisions: lat.length,
    agreement: lat.length ? round(agree / lat.length, 4) : 0,
    decisionsPerSecond: secs > 0 ? Math.round(lat.length / secs) : 0,
    p50Us: round(q(0.5)), p99Us: round(q(0.99)), errors, seconds: round(secs, 2), workload: W.name,
  }) + '\n');
}

main().catch((e) => { process.stderr.write(`iam_simulate_bench: ${e.message}\n`); process.exit(1); });
