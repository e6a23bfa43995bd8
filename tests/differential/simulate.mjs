#!/usr/bin/env node
// simulate.mjs — the reference side of the differential test.
//
//   node simulate.mjs REQUESTS.jsonl|-  [> decisions.jsonl]
//
// Reads CLI-format requests (see iam_simulate_adapter.mjs), one per line, and prints
// one line per input: {"decision": "Allow"|"ExplicitDeny"|"ImplicitDeny"} as decided by
// @cloud-copilot/iam-simulate, or {"error": "..."} when the line is malformed or the
// simulator refuses it (unknown action, resource ARN of no type of that action, ...).
import { readLines, simulate } from './iam_simulate_adapter.mjs';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: node simulate.mjs REQUESTS.jsonl|-\n');
  process.exit(2);
}
const out = [];
for (const line of readLines(path)) {
  let obj;
  try {
    obj = JSON.parse(line);
  } catch (e) {
    out.push(JSON.stringify({ error: `bad json: ${e.message}` }));
    continue;
  }
  out.push(JSON.stringify(await simulate(obj)));
  if (out.length >= 5000) {
    process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  }
}
if (out.length) process.stdout.write(out.join('\n') + '\n');
