#!/usr/bin/env node
// random_requests.mjs — seeded generator of random CLI-format requests for the
// differential test (see iam_simulate_adapter.mjs for the format).
//
//   node random_requests.mjs N SEED > random.jsonl
//
// Same N and SEED => byte-identical output (mulberry32 PRNG; no clock, no Math.random).
// Everything is same-account (111122223333). Each request gets freshly generated
// policies biased towards the request (so that decisions are mixed): identity policies
// mixing Allow/Deny, Action/NotAction, Resource/NotResource, `*` and `?` wildcards,
// policy variables, conditions (String*, Numeric*, Date*, Bool, IpAddress, Arn*, Null,
// with and without IfExists, ForAnyValue/ForAllValues on multi-valued keys), plus
// sometimes a permissions boundary, a resource policy naming same-account principals,
// session policies (assumed-role sessions only) and an SCP.
//
// It stays within what iam-simulate models: real actions with resource ARNs of exactly
// one resource type (or "*" for wildcard-only actions); only global condition keys or
// keys the action supports; single-valued keys get strings, multi-valued ones lists;
// no aws:ResourceTag on S3 (iam-simulate drops it unless bucket ABAC is on).

const ACCOUNT = '111122223333';

function mulberry32(seed) {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = t;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export function generate(n, seed) {
  const rnd = mulberry32(seed);
  const chance = (p) => rnd() < p;
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const int = (a, b) => a + Math.floor(rnd() * (b - a + 1));
  const some = (xs, lo, hi) => {
    const k = int(lo, Math.min(hi, xs.length));
    const pool = [...xs];
    const out = [];
    for (let i = 0; i < k; i++) out.push(pool.splice(Math.floor(rnd() * pool.length), 1)[0]);
    return out;
  };
  const one = (xs) => (xs.length === 1 && chance(0.5) ? xs[0] : xs);

  const USERS = ['alice', 'bob', 'carol', 'dave'];
  const ROLES = ['app-api', 'app-worker', 'ci-deploy', 'ci-test', 'admin'];
  const TEAMS = ['red', 'blue', 'green'];
  const BUCKETS = ['acme-red-data', 'acme-blue-data', 'acme-home', 'acme-logs'];
  const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
  const hex = (k) => Array.from({ length: k }, () => '0123456789abcdef'[int(0, 15)]).join('');

  // --- request templates: action, resource, per-action context keys ----------------
  const T = [
    [3, () => ({ a: 's3:GetObject', r: `arn:aws:s3:::${pick(BUCKETS)}/${pick(['home/' + pick(USERS), 'reports', 'shared'])}/${pick(['a.csv', 'b.json', 'x'])}`, s3: true })],
    [2, () => ({ a: 's3:PutObject', r: `arn:aws:s3:::${pick(BUCKETS)}/${pick(['home/' + pick(USERS), 'reports', 'uploads'])}/${pick(['a.csv', 'c.bin'])}`, s3: true,
      c: chance(0.6) ? { 's3:x-amz-server-side-encryption': pick(['aws:kms', 'AES256']) } : {} })],
    [1, () => ({ a: 's3:DeleteObject', r: `arn:aws:s3:::${pick(BUCKETS)}/${pick(['home/' + pick(USERS), 'reports'])}/a.csv`, s3: true })],
    [2, () => ({ a: 's3:ListBucket', r: `arn:aws:s3:::${pick(BUCKETS)}`, s3: true,
      c: chance(0.8) ? { 's3:prefix': pick(['', 'home/', `home/${pick(USERS)}/`, 'reports/']) } : {} })],
    [1, () => ({ a: 's3:ListAllMyBuckets', r: '*' })],
    [2, () => ({ a: `dynamodb:${pick(['GetItem', 'PutItem', 'Query', 'DeleteTable'])}`, r: `arn:aws:dynamodb:${pick(REGIONS)}:${ACCOUNT}:table/acme-${pick(TEAMS)}-${pick(['orders', 'prod-v1', 'prod-v12'])}`, tag: true })],
    [2, () => ({ a: `ec2:${pick(['StartInstances', 'StopInstances', 'TerminateInstances'])}`, r: `arn:aws:ec2:${pick(REGIONS)}:${ACCOUNT}:instance/i-0${hex(8)}`, tag: true })],
    [1, () => ({ a: 'ec2:DescribeInstances', r: '*' })],
    [2, () => ({ a: `iam:${pick(['GetUser', 'CreateAccessKey', 'DeleteUser'])}`, r: `arn:aws:iam::${ACCOUNT}:user/${pick(USERS)}` })],
    [1, () => ({ a: 'iam:TagUser', r: `arn:aws:iam::${ACCOUNT}:user/${pick(USERS)}`, c: { 'aws:TagKeys': some(['Team', 'Env', 'Owner', 'CostCenter'], 1, 3) } })],
    [1, () => ({ a: 'iam:ListUsers', r: '*' })],
    [1, () => ({ a: 'sqs:SendMessage', r: `arn:aws:sqs:${pick(REGIONS)}:${ACCOUNT}:acme-${pick(TEAMS)}-jobs`, tag: true, rp: 'sqs' })],
    [1, () => ({ a: 'lambda:InvokeFunction', r: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:acme-${pick(TEAMS)}-api`, tag: true, rp: 'lambda' })],
    [1, () => ({ a: `kms:${pick(['Decrypt', 'GenerateDataKey'])}`, r: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${pick(['1111aaaa-2222-3333-4444-555566667777', '9999bbbb-8888-7777-6666-555544443333'])}`, rp: 'kms' })],
    [1, () => ({ a: 'secretsmanager:GetSecretValue', r: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:acme/${pick(TEAMS)}/db-${hex(6)}`, tag: true })],
    [1, () => ({ a: 'sts:GetCallerIdentity', r: '*' })],
  ];
  const TW = T.reduce((s, [w]) => s + w, 0);
  const pickTemplate = () => {
    let x = rnd() * TW;
    for (const [w, f] of T) if ((x -= w) < 0) return f();
    return T[0][1]();
  };

  const isoAt = (sec) => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
  const T0 = Date.UTC(2025, 5, 1) / 1000;

  // --- condition keys: name, type, how to draw a value --------------------------------
  const KEYS = {
    'aws:SourceIp': { t: 'ip' },
    'aws:CurrentTime': { t: 'date' },
    'aws:EpochTime': { t: 'epoch' },
    'aws:SecureTransport': { t: 'bool' },
    'aws:MultiFactorAuthPresent': { t: 'bool' },
    'aws:MultiFactorAuthAge': { t: 'num' },
    'aws:RequestedRegion': { t: 'str', vals: () => pick([...REGIONS, 'us-*', '*-west-?', 'US-EAST-1']) },
    'aws:PrincipalTag/Team': { t: 'str', vals: () => pick([...TEAMS, 'r*', '${aws:PrincipalTag/Team}']) },
    'aws:ResourceTag/Team': { t: 'str', vals: () => pick([...TEAMS, '${aws:PrincipalTag/Team}', 'b?ue']) },
    'aws:username': { t: 'str', vals: () => pick([...USERS, 'a*', 'ALICE']) },
    'aws:PrincipalType': { t: 'str', vals: () => pick(['User', 'AssumedRole']) },
    'aws:PrincipalAccount': { t: 'str', vals: () => pick([ACCOUNT, '444455556666']) },
    'aws:PrincipalArn': { t: 'arn', vals: () => pick([`arn:aws:iam::${ACCOUNT}:role/ci-*`, `arn:aws:iam::${ACCOUNT}:role/app-api`, `arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${ACCOUNT}:user/*`, `arn:aws:iam::*:role/admin`]) },
    'aws:SourceArn': { t: 'arn', vals: () => pick([`arn:aws:sns:us-east-1:${ACCOUNT}:topic-*`, `arn:aws:s3:::acme-*`]) },
    'aws:TagKeys': { t: 'str', multi: true, vals: () => pick(['Team', 'Env', 'Owner', 'Cost*', 'env']) },
    'aws:CalledVia': { t: 'str', multi: true, vals: () => pick(['athena.amazonaws.com', 'cloudformation.amazonaws.com', '*.amazonaws.com']) },
    's3:prefix': { t: 'str', vals: () => pick(['', 'home/', 'home/${aws:username}/', 'home/${aws:username}/*', 'reports/*']) },
    's3:x-amz-server-side-encryption': { t: 'str', vals: () => pick(['aws:kms', 'AES256']) },
  };
  const OPS = {
    str: ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'],
    num: ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals'],
    date: ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'],
    bool: ['Bool'],
    ip: ['IpAddress', 'NotIpAddress'],
    arn: ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'StringLike', 'StringNotLike', 'StringEquals'],
  };
  OPS.epoch = OPS.date;
  const condValue = (key, ctx) => {
    const k = KEYS[key];
    const have = ctx[key];
    switch (k.t) {
      case 'ip': return pick(['10.0.0.0/8', '192.0.2.0/24', '203.0.113.0/25', '203.0.113.7/32', '198.51.100.0/24', '0.0.0.0/0']);
      case 'date': return isoAt(T0 + int(-60, 60) * 86400);
      case 'epoch': return String(T0 + int(-60, 60) * 86400);
      case 'bool': return pick(['true', 'false']);
      case 'num': return String(pick([0, 300, 3600, 7200]));
      default:
        if (have !== undefined && chance(0.4)) return Array.isArray(have) ? pick(have) : have;
        return k.vals();
    }
  };
  const makeCondition = (ctx, req, effect) => {
    const cond = {};
    const nOps = int(1, 2);
    for (let i = 0; i < nOps; i++) {
      const candidates = Object.keys(KEYS).filter((k) => (k !== 's3:prefix' || req.a === 's3:ListBucket')
        && (k !== 's3:x-amz-server-side-encryption' || req.a === 's3:PutObject')
        && (k !== 'aws:ResourceTag/Team' || !req.s3));
      const present = candidates.filter((k) => ctx[k] !== undefined);
      const key = present.length && chance(0.75) ? pick(present) : pick(candidates);
      const kd = KEYS[key];
      let op;
      const r = rnd();
      if (r < 0.08) op = 'Null';
      else {
        op = pick(OPS[kd.t]);
        if ((kd.multi || (kd.t === 'str' && chance(0.1))) && op.startsWith('String')) {
          op = (chance(0.5) ? 'ForAnyValue:' : 'ForAllValues:') + op;
        } else if (chance(0.2)) {
          op += 'IfExists';
        }
      }
      const nVals = op === 'Null' ? 1 : int(1, 3);
      const vals = [];
      for (let j = 0; j < nVals; j++) vals.push(op === 'Null' ? pick(['true', 'false']) : condValue(key, ctx));
      const uniq = [...new Set(vals)];
      (cond[op] ||= {})[key] = uniq.length === 1 && chance(0.6) ? uniq[0] : uniq;
    }
    return cond;
  };

  // --- action and resource patterns biased towards the request ------------------------
  const ALL_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 'dynamodb:GetItem', 'ec2:StartInstances', 'iam:GetUser', 'sqs:SendMessage', 'kms:Decrypt', 'lambda:InvokeFunction'];
  const actionPattern = (a) => {
    const [svc, name] = a.split(':');
    const x = rnd();
    if (x < 0.3) return a;
    if (x < 0.45) return `${svc}:*`;
    if (x < 0.55) return `${svc}:${name.slice(0, 3)}*`;
    if (x < 0.62) return `${svc}:?${name.slice(1)}`;
    if (x < 0.67) return `${svc.toUpperCase()}:${name.toLowerCase()}`;
    if (x < 0.72) return '*';
    if (x < 0.77) return `${svc}:*${name.slice(-4)}`;
    return pick(ALL_ACTIONS);
  };
  const resourcePattern = (r, req) => {
    if (r === '*') return chance(0.7) ? '*' : pick([`arn:aws:s3:::*`, `arn:aws:iam::${ACCOUNT}:user/*`]);
    const x = rnd();
    if (x < 0.25) return r;
    if (x < 0.35) return '*';
    if (x < 0.5) return r.replace(/[^/:]+$/, '*');
    if (x < 0.58) return r.replace(/[a-z](?=[^a-z]*$)/, '?');
    if (req.s3 && x < 0.75) return pick([`arn:aws:s3:::acme-home/home/\${aws:username}/*`, `arn:aws:s3:::acme-*-data/*`, `arn:aws:s3:::acme-?ed-data/*`, `arn:aws:s3:::${r.split(':::')[1].split('/')[0]}`, `arn:aws:s3:::acme-home/home/\${aws:PrincipalTag/Team}/*`]);
    if (x < 0.8) return r.split(':').slice(0, 5).join(':') + ':*';
    if (x < 0.88) return r.replace(ACCOUNT, '*');
    return pick([`arn:aws:dynamodb:*:${ACCOUNT}:table/acme-*-prod-v?`, `arn:aws:ec2:*:*:instance/*`, `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`, `arn:aws:sqs:*:${ACCOUNT}:acme-\${aws:PrincipalTag/Team}-*`]);
  };
  const statement = (req, ctx, opts = {}) => {
    const st = {};
    if (chance(0.3)) st.Sid = `S${int(0, 999)}`;
    st.Effect = opts.effect || (chance(opts.denyP ?? 0.3) ? 'Deny' : 'Allow');
    if (opts.principal) st.Principal = opts.principal;
    const acts = [...new Set(Array.from({ length: int(1, 3) }, () => actionPattern(req.a)))];
    if (chance(opts.notActionP ?? 0.15)) st.NotAction = one(acts.filter((p) => p !== '*').length ? acts.filter((p) => p !== '*') : ['iam:*']);
    else st.Action = one(acts);
    const ress = [...new Set(Array.from({ length: int(1, 2) }, () => resourcePattern(req.r, req)))];
    if (!opts.noNotResource && chance(0.12)) st.NotResource = one(ress.filter((p) => p !== '*').length ? ress.filter((p) => p !== '*') : [`arn:aws:s3:::acme-logs/*`]);
    else st.Resource = one(ress);
    if (chance(opts.condP ?? 0.45)) st.Condition = makeCondition(ctx, req, st.Effect);
    return st;
  };
  const doc = (sts) => ({ Version: '2012-10-17', Statement: sts.length === 1 && chance(0.3) ? sts[0] : sts });

  // --- requests --------------------------------------------------------------------
  const lines = [];
  for (let i = 0; i < n; i++) {
    const req = pickTemplate();
    const isUser = chance(0.55);
    const team = pick(TEAMS);
    let principal, roleArn = null;
    const ctx = {};
    if (isUser) {
      const u = pick(USERS);
      principal = `arn:aws:iam::${ACCOUNT}:user/${u}`;
      Object.assign(ctx, { 'aws:username': u, 'aws:userid': `AIDA${u.toUpperCase()}0000000000`, 'aws:PrincipalArn': principal, 'aws:PrincipalType': 'User' });
      if (chance(0.8)) {
        const mfa = chance(0.7);
        ctx['aws:MultiFactorAuthPresent'] = mfa ? 'true' : 'false';
        if (mfa) ctx['aws:MultiFactorAuthAge'] = String(int(0, 9000));
      }
    } else {
      const role = pick(ROLES);
      const sess = `sess-${int(1, 9)}`;
      roleArn = `arn:aws:iam::${ACCOUNT}:role/${role}`;
      principal = `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${sess}`;
      Object.assign(ctx, { 'aws:userid': `AROA${role.toUpperCase().replace(/-/g, '')}:${sess}`, 'aws:PrincipalArn': roleArn, 'aws:PrincipalType': 'AssumedRole' });
    }
    ctx['aws:PrincipalAccount'] = ACCOUNT;
    if (chance(0.8)) ctx['aws:PrincipalTag/Team'] = team;
    if (chance(0.9)) ctx['aws:SourceIp'] = pick(['10.1.2.3', '192.0.2.44', '203.0.113.7', '203.0.113.200', '198.51.100.9']);
    const t = T0 + int(-90, 90) * 86400 + int(0, 86399);
    if (chance(0.85)) ctx['aws:CurrentTime'] = isoAt(t);
    if (chance(0.7)) ctx['aws:EpochTime'] = String(t);
    if (chance(0.9)) ctx['aws:SecureTransport'] = chance(0.85) ? 'true' : 'false';
    if (chance(0.8)) ctx['aws:RequestedRegion'] = req.r.startsWith('arn:aws:') && req.r.split(':')[3] ? req.r.split(':')[3] : pick(REGIONS);
    if (req.tag && chance(0.7)) ctx['aws:ResourceTag/Team'] = pick(TEAMS);
    if (chance(0.1)) ctx['aws:CalledVia'] = some(['athena.amazonaws.com', 'cloudformation.amazonaws.com', 'dynamodb.amazonaws.com'], 1, 2);
    if (chance(0.1)) ctx['aws:SourceArn'] = pick([`arn:aws:sns:us-east-1:${ACCOUNT}:topic-a`, 'arn:aws:s3:::acme-logs']);
    Object.assign(ctx, req.c || {});

    const identity = [];
    const nId = int(0, 3);
    for (let k = 0; k < nId; k++) identity.push(doc(Array.from({ length: int(1, 4) }, () => statement(req, ctx, { denyP: 0.25 }))));

    let boundary = null;
    if (chance(0.3)) {
      const sts = [statement(req, ctx, { effect: 'Allow', condP: 0.2, denyP: 0 })];
      if (chance(0.5)) sts.push({ Effect: 'Allow', Action: pick(['s3:*', 'dynamodb:*', 'sts:*', 'ec2:Describe*']), Resource: '*' });
      if (chance(0.3)) sts.push(statement(req, ctx, { effect: 'Deny' }));
      boundary = doc(sts);
    }

    let resource = null;
    const rpKind = req.s3 ? 's3' : req.rp;
    if (rpKind && chance(rpKind === 'kms' ? 0.85 : 0.5)) {
      const principals = () => {
        const x = rnd();
        if (x < 0.15) return '*';
        if (x < 0.25) return { AWS: '*' };
        if (x < 0.4) return { AWS: `arn:aws:iam::${ACCOUNT}:root` };
        if (x < 0.45) return { AWS: ACCOUNT };
        if (x < 0.65) return { AWS: principal.startsWith('arn:aws:sts') && chance(0.5) ? principal : roleArn || principal };
        if (x < 0.8) return { AWS: one(some([`arn:aws:iam::${ACCOUNT}:user/${pick(USERS)}`, `arn:aws:iam::${ACCOUNT}:role/${pick(ROLES)}`, roleArn || principal], 1, 3)) };
        return { AWS: `arn:aws:iam::${ACCOUNT}:user/${pick(USERS)}` };
      };
      const sts = [];
      const nSt = int(1, 3);
      for (let k = 0; k < nSt; k++) sts.push(statement(req, ctx, { principal: principals(), denyP: 0.3, noNotResource: true, notActionP: 0.05 }));
      if (req.s3 && chance(0.4)) {
        const b = req.r.split(':::')[1].split('/')[0];
        sts.push({ Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
      }
      resource = doc(sts);
    }

    const session = [];
    if (!isUser && chance(0.3)) {
      const nS = chance(0.8) ? 1 : 2;
      for (let k = 0; k < nS; k++) session.push(doc([statement(req, ctx, { denyP: 0.15, condP: 0.3 })]));
    }

    const scp = [];
    if (chance(0.2)) {
      const sts = [];
      if (chance(0.7)) sts.push({ Sid: 'FullAWSAccess', Effect: 'Allow', Action: '*', Resource: '*' });
      else sts.push({ Effect: 'Allow', Action: some(['s3:*', 'dynamodb:*', 'ec2:*', 'iam:*', 'sts:*', 'kms:*', 'sqs:*', 'lambda:*'], 2, 6), Resource: '*' });
      if (chance(0.5)) sts.push({ Effect: 'Deny', Action: actionPattern(req.a), Resource: '*', Condition: makeCondition(ctx, req, 'Deny') });
      scp.push(doc(sts));
    }

    lines.push(JSON.stringify({
      id: `random-${seed}#${i}`,
      request: { principal, principalAccount: ACCOUNT, action: req.a, resource: req.r, resourceAccount: ACCOUNT, context: ctx },
      policies: { identity, resource, permissionsBoundary: boundary, session, scp },
    }));
  }
  return lines;
}

if (process.argv[1]?.endsWith('random_requests.mjs')) {
  const n = Number(process.argv[2] || 100);
  const seed = Number(process.argv[3] || 1);
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(seed)) {
    process.stderr.write('usage: node random_requests.mjs N SEED\n');
    process.exit(2);
  }
  process.stdout.write(generate(n, seed).map((l) => l + '\n').join(''));
}
