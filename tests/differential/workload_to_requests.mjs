#!/usr/bin/env node
// workload_to_requests.mjs — converts an iam-bench-workload/1 workload into CLI-format
// JSONL for `portcullis policy evaluate --requests FILE --json` and simulate.mjs.
//
//   node workload_to_requests.mjs WORKLOAD.json [REQUESTS.jsonl] [--limit N] > out.jsonl
//
// REQUESTS defaults to the workload's requestsFile beside it. Each output line is the
// CLI object plus two extra top-level keys that the CLI ignores:
//   "id":       "<workload name>#<i>"  (stable fingerprint of the request)
//   "expected": the workload's expected decision ("e").
// Per principal: request.principal = principal.arn (the session ARN for an assumed
// role; the role ARN is in context aws:PrincipalArn), context = principal.context
// overlaid with the request's "c", identity = its identityPolicies in order,
// permissionsBoundary, and the resource policy named by "rp" (null if none).
import fs from 'node:fs';
import path from 'node:path';

export function loadWorkload(workloadPath) {
  const W = JSON.parse(fs.readFileSync(workloadPath, 'utf8'));
  if (W.format !== 'iam-bench-workload/1') throw new Error(`${workloadPath}: not an iam-bench-workload/1 file`);
  return W;
}

export function defaultRequestsPath(workloadPath, W) {
  return path.join(path.dirname(workloadPath), W.requestsFile || path.basename(workloadPath).replace(/\.workload\.json$/, '.requests.jsonl'));
}

// Returns a function q -> CLI object (with id and expected).
export function makeConverter(W) {
  const account = W.account;
  const byId = new Map(W.principals.map((p) => [p.id, p]));
  const identityCache = new Map();
  return (q) => {
    const pr = byId.get(q.p);
    if (!pr) throw new Error(`request ${q.i}: unknown principal ${q.p}`);
    let identity = identityCache.get(pr.id);
    if (!identity) {
      identity = pr.identityPolicies.map((x) => {
        const doc = W.policies[x.policy];
        if (!doc) throw new Error(`principal ${pr.id}: unknown policy ${x.policy}`);
        return doc;
      });
      identityCache.set(pr.id, identity);
    }
    const out = {
      id: `${W.name}#${q.i}`,
      request: {
        principal: pr.arn,
        principalAccount: account,
        action: q.a,
        resource: q.r,
        resourceAccount: account,
        context: { ...pr.context, ...q.c },
      },
      policies: {
        identity,
        resource: q.rp ? W.resourcePolicies[q.rp] ?? null : null,
        permissionsBoundary: pr.permissionsBoundary ? W.policies[pr.permissionsBoundary] : null,
        session: [],
        scp: [],
      },
    };
    if (q.e !== undefined) out.expected = q.e;
    return out;
  };
}

async function main() {
  const args = process.argv.slice(2);
  let limit = Infinity;
  const pos = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--limit') limit = Number(args[++i]);
    else pos.push(args[i]);
  }
  if (pos.length < 1) {
    process.stderr.write('usage: node workload_to_requests.mjs WORKLOAD.json [REQUESTS.jsonl] [--limit N]\n');
    process.exit(2);
  }
  const W = loadWorkload(pos[0]);
  const reqPath = pos[1] || defaultRequestsPath(pos[0], W);
  const convert = makeConverter(W);
  const lines = fs.readFileSync(reqPath, 'utf8').split('\n');
  const buf = [];
  let n = 0;
  for (const line of lines) {
    if (!line.trim()) continue;
    if (n++ >= limit) break;
    buf.push(JSON.stringify(convert(JSON.parse(line))));
    if (buf.length >= 2000) {
      process.stdout.write(buf.join('\n') + '\n');
      buf.length = 0;
    }
  }
  if (buf.length) process.stdout.write(buf.join('\n') + '\n');
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('workload_to_requests.mjs')) {
  await main();
}
