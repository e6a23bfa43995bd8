#!/usr/bin/env python3
"""Extracts AWS managed policies from moto's offline copy and writes the data Portcullis embeds.

Source: moto's `moto/iam/aws_managed_policies.py` (Apache-2.0), a JSON string of every AWS
managed policy with its path, default version id, dates and default-version document, as
AWS published them when moto last refreshed the file.

Writes:
  third_party/aws-managed-policies/aws_managed_policies.json   the data, one policy per line
  src/api/iam/aws_managed_policies_data.cc                      the same data as C++ arrays

Documents are written as compact JSON with "Version" before "Statement" and each
statement's members in AWS's usual order (Sid, Effect, Principal, NotPrincipal, Action,
NotAction, Resource, NotResource, Condition); moto stores them with sorted keys, so the
original member order is not recoverable. Policy ids are not published by moto: each
policy gets a stable id, ANPA followed by 17 characters of [A-Z2-7] taken from the
SHA-256 of its ARN.

Usage:
  scripts/extract-aws-managed-policies.py [--moto-file PATH] [--repo DIR]
      refresh both files from moto
  scripts/extract-aws-managed-policies.py --from-json JSON --cc-out FILE
      write only the C++ arrays from the committed JSON (what a build rule runs; needs
      no moto)
"""

import argparse
import base64
import datetime
import hashlib
import importlib.util
import json
import os
import sys

DEFAULT_MOTO_FILE = ("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/"
                     "moto/iam/aws_managed_policies.py")
STATEMENT_ORDER = ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                   "Resource", "NotResource", "Condition"]
# g++ -Wpedantic warns about string literals longer than 65,535 characters.
CHUNK = 16000


def load_moto(path):
    spec = importlib.util.spec_from_file_location("moto_aws_managed_policies", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return json.loads(module.aws_managed_policies_data)


def moto_version(path):
    init = os.path.join(os.path.dirname(os.path.dirname(path)), "__init__.py")
    try:
        with open(init, encoding="utf-8") as f:
            for line in f:
                if line.startswith("__version__"):
                    return line.split("=", 1)[1].strip().strip("\"'")
    except OSError:
        pass
    return "unknown"


def ordered_statement(statement):
    out = {}
    for key in STATEMENT_ORDER:
        if key in statement:
            out[key] = statement[key]
    for key in statement:
        if key not in out:
            out[key] = statement[key]
    return out


def ordered_document(document):
    out = {}
    if "Version" in document:
        out["Version"] = document["Version"]
    if "Id" in document:
        out["Id"] = document["Id"]
    statement = document.get("Statement")
    if isinstance(statement, list):
        out["Statement"] = [ordered_statement(s) for s in statement]
    elif isinstance(statement, dict):
        out["Statement"] = ordered_statement(statement)
    for key in document:
        if key not in out:
            out[key] = document[key]
    return json.dumps(out, separators=(",", ":"), ensure_ascii=True)


def epoch_millis(text):
    return int(datetime.datetime.fromisoformat(text).timestamp() * 1000)


def policy_id(arn):
    digest = base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode()
    return "ANPA" + digest[:17]


def c_literal(text):
    out = []
    previous = ""
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "?" and previous == "?":
            out.append("\\?")
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) > 0x7E:
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
        previous = ch
    return '"' + "".join(out) + '"'


def build(data):
    policies = []
    for name in sorted(data, key=lambda n: n.lower()):
        entry = data[name]
        path = entry["Path"]
        arn = "arn:aws:iam::aws:policy" + path + name
        policies.append({
            "PolicyName": name,
            "Path": path,
            "Arn": arn,
            "PolicyId": policy_id(arn),
            "DefaultVersionId": entry["DefaultVersionId"],
            "CreateDate": entry["CreateDate"],
            "UpdateDate": entry["UpdateDate"],
            "Document": ordered_document(entry["Document"]),
        })
    return policies


def write_json(policies, path, source):
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"source":%s,"policies":[\n' % json.dumps(source, sort_keys=True))
        for i, p in enumerate(policies):
            f.write(json.dumps(p, ensure_ascii=True))
            f.write(",\n" if i + 1 < len(policies) else "\n")
        f.write("]}\n")


def write_cc(policies, path, source):
    lines = []
    lines.append("// Generated by scripts/extract-aws-managed-policies.py; do not edit.")
    lines.append("// AWS managed policies from %s (moto %s, Apache-2.0), newest update %s."
                 % ("moto/iam/aws_managed_policies.py", source["moto_version"],
                    source["newest_update"]))
    lines.append("// See third_party/aws-managed-policies/README.md.")
    lines.append("#include <cstddef>")
    lines.append("#include <cstdint>")
    lines.append("#include <string_view>")
    lines.append("")
    lines.append("// NOLINTBEGIN")
    lines.append("namespace portcullis::api::iam::aws_managed_policies_data {")
    lines.append("")
    lines.append("extern const std::size_t kCount = %d;" % len(policies))
    lines.append("extern const std::string_view kSource = %s;" % c_literal(
        "moto %s moto/iam/aws_managed_policies.py, newest update %s"
        % (source["moto_version"], source["newest_update"])))
    for field, key in [("kNames", "PolicyName"), ("kPaths", "Path"), ("kIds", "PolicyId"),
                       ("kVersions", "DefaultVersionId")]:
        lines.append("extern const std::string_view %s[] = {" % field)
        for p in policies:
            lines.append("    %s," % c_literal(p[key]))
        lines.append("};")
    for field, key in [("kCreated", "CreateDate"), ("kUpdated", "UpdateDate")]:
        lines.append("extern const std::int64_t %s[] = {" % field)
        for p in policies:
            lines.append("    %dLL," % epoch_millis(p[key]))
        lines.append("};")
    chunks = []
    begins = []
    for p in policies:
        begins.append(len(chunks))
        doc = p["Document"]
        for i in range(0, len(doc), CHUNK):
            chunks.append(doc[i:i + CHUNK])
    begins.append(len(chunks))
    lines.append("// Documents: policy i is kChunks[kChunkBegin[i]] .. kChunks[kChunkBegin[i + 1] - 1].")
    lines.append("extern const std::size_t kChunkBegin[] = {")
    for b in begins:
        lines.append("    %d," % b)
    lines.append("};")
    lines.append("extern const std::string_view kChunks[] = {")
    for c in chunks:
        lines.append("    %s," % c_literal(c))
    lines.append("};")
    lines.append("")
    lines.append("}  // namespace portcullis::api::iam::aws_managed_policies_data")
    lines.append("// NOLINTEND")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def read_json(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return data["policies"], data["source"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moto-file", default=DEFAULT_MOTO_FILE)
    parser.add_argument("--repo", default=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    parser.add_argument("--from-json", help="read the committed JSON instead of moto")
    parser.add_argument("--cc-out", help="with --from-json: where to write the C++ file")
    args = parser.parse_args()
    if args.from_json:
        if not args.cc_out:
            parser.error("--from-json needs --cc-out")
        policies, source = read_json(args.from_json)
        write_cc(policies, args.cc_out, source)
        return 0
    data = load_moto(args.moto_file)
    policies = build(data)
    source = {
        "file": "moto/iam/aws_managed_policies.py",
        "moto_version": moto_version(args.moto_file),
        "license": "Apache-2.0",
        "policies": len(policies),
        "newest_update": max(p["UpdateDate"] for p in policies),
    }
    out_dir = os.path.join(args.repo, "third_party", "aws-managed-policies")
    os.makedirs(out_dir, exist_ok=True)
    write_json(policies, os.path.join(out_dir, "aws_managed_policies.json"), source)
    write_cc(policies, os.path.join(args.repo, "src", "api", "iam",
                                    "aws_managed_policies_data.cc"), source)
    print("wrote %d policies (moto %s, newest update %s)"
          % (len(policies), source["moto_version"], source["newest_update"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
