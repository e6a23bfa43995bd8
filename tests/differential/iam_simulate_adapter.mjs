// iam_simulate_adapter.mjs — turns one request in the `portcullis policy evaluate`
// format (CLI format) into an @cloud-copilot/iam-simulate Simulation, runs it and
// normalises the answer to Allow / ExplicitDeny / ImplicitDeny.
//
// CLI format (one JSON object per line):
//   {"request": {"principal", "principalAccount", "action", "resource", "resourceAccount",
//                "context": {key: string | [string]}},
//    "policies": {"identity": [doc], "resource": doc|null, "permissionsBoundary": doc|null,
//                 "session": [doc], "scp": [doc]}}
// Unknown top-level keys ("id", "expected") are ignored here as they are by the CLI.
//
// Mapping choices (the CLI must read the format the same way):
//  * "session": several session policies act as one: their statements are merged into a
//    single session policy (AWS: the inline and managed session policies passed to
//    AssumeRole together form the session's policy).
//  * "scp": each document is one level of the organisation (root, OU, ..., account) and
//    every level must allow; with one document the two readings agree.
//  * "resourceAccount" defaults to "principalAccount", then to the principal ARN's account.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import * as pol from '@cloud-copilot/iam-policy';
import fs from 'node:fs';

export const IAM_SIMULATE_VERSION = JSON.parse(
  fs.readFileSync(new URL('./node_modules/@cloud-copilot/iam-simulate/package.json', import.meta.url), 'utf8'),
).version;

const MAP = { Allowed: 'Allow', ExplicitlyDenied: 'ExplicitDeny', ImplicitlyDenied: 'ImplicitDeny' };

const arr = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

// Validated policies are cached by their JSON text: workloads share policies between
// many requests, and validation costs as much as evaluation.
const vcache = new Map();
function validated(doc, kind) {
  const key = kind + '\u0000' + JSON.stringify(doc);
  let v = vcache.get(key);
  if (!v) {
    const fn = {
      identity: pol.validateIdentityPolicy,
      resource: pol.validateResourcePolicy,
      scp: pol.validateServiceControlPolicy,
    }[kind];
    v = pol.createValidatedPolicy(doc, fn, undefined);
    if (vcache.size > 50000) vcache.clear();
    vcache.set(key, v);
  }
  return v;
}

export function mergeSessionPolicies(docs) {
  if (docs.length === 1) return docs[0];
  const statements = [];
  docs.forEach((d, i) => {
    for (const st of arr(d.Statement)) {
      const copy = { ...st };
      if (copy.Sid !== undefined) copy.Sid = `S${i}x${copy.Sid}`;
      statements.push(copy);
    }
  });
  return { Version: '2012-10-17', Statement: statements };
}

export function accountOf(arn) {
  const parts = String(arn).split(':');
  return parts.length > 4 ? parts[4] : '';
}

// Builds the Simulation for one CLI-format object. Throws on a malformed object.
export function toSimulation(obj) {
  const req = obj.request;
  const pols = obj.policies || {};
  if (!req || typeof req.principal !== 'string' || typeof req.action !== 'string' || typeof req.resource !== 'string') {
    throw new Error('request.principal, request.action and request.resource must be strings');
  }
  const principalAccount = req.principalAccount || accountOf(req.principal);
  const resourceAccount = req.resourceAccount || principalAccount;
  const sim = {
    request: {
      principal: req.principal,
      action: req.action,
      resource: { resource: req.resource, accountId: resourceAccount },
      contextVariables: { ...(req.context || {}) },
    },
    identityPolicies: arr(pols.identity).map((doc, i) => ({ name: `identity-${i}`, policy: validated(doc, 'identity') })),
    serviceControlPolicies: arr(pols.scp).map((doc, i) => ({
      orgIdentifier: `level-${i}`,
      policies: [{ name: `scp-${i}`, policy: validated(doc, 'scp') }],
    })),
    resourceControlPolicies: [],
  };
  if (pols.resource) sim.resourcePolicy = validated(pols.resource, 'resource');
  if (pols.permissionsBoundary) {
    sim.permissionBoundaryPolicies = [{ name: 'permissions-boundary', policy: validated(pols.permissionsBoundary, 'identity') }];
  }
  const session = arr(pols.session);
  if (session.length) sim.sessionPolicy = validated(mergeSessionPolicies(session), 'identity');
  return sim;
}

// Returns {decision} or {error}.
export async function simulate(obj) {
  let sim;
  try {
    sim = toSimulation(obj);
  } catch (e) {
    return { error: String(e.message || e) };
  }
  const res = await runSimulation(sim, {});
  if (res.resultType === 'error') {
    const e = res.errors || {};
    return { error: `iam-simulate: ${e.message || 'error'}${e.message === 'policy.errors' ? ' ' + JSON.stringify(e) : ''}` };
  }
  const decision = MAP[res.overallResult];
  if (!decision) return { error: `iam-simulate: unexpected result ${res.overallResult}` };
  return { decision };
}

// Reads a JSONL file (or '-' for stdin) and returns its non-blank lines.
export function readLines(path) {
  const text = fs.readFileSync(path === '-' ? 0 : path, 'utf8');
  return text.split('\n').filter((l) => l.trim() !== '');
}
