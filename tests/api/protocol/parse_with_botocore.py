#!/usr/bin/env python3
"""Cross-check of the Query codec's XML against botocore's own QueryParser.

Runs the encode_samples program (argument 1), parses each response with botocore's
QueryParser and the operation's output shape from botocore's loader (the same service
models Portcullis vendors), and compares the parsed dict with the Value that was
encoded. Exit 0 when every sample agrees.
"""
import base64
import datetime
import json
import subprocess
import sys

import botocore
import botocore.parsers
import botocore.session


def normalize(value):
    """botocore's parsed output -> the JSON the encoder wrote."""
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, datetime.datetime):
        value = value.astimezone(datetime.timezone.utc)
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        if value.microsecond:
            text += ".%03d" % (value.microsecond // 1000)
        return {"$ts": text + "Z"}
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode("ascii")}
    return value


def main():
    samples = subprocess.run([sys.argv[1]], check=True, capture_output=True, text=True).stdout
    session = botocore.session.get_session()
    models = {name: session.get_service_model(name) for name in ("iam", "sts")}
    parser = botocore.parsers.QueryParser()
    failures = 0
    count = 0
    for line in samples.splitlines():
        sample = json.loads(line)
        count += 1
        model = models[sample["service"]]
        response = {"body": sample["xml"].encode("utf-8"), "status_code": sample["status"],
                    "headers": {}}
        if sample["operation"] is None:
            parsed = parser.parse(response, None)
            got = dict(parsed["Error"])
            got["RequestId"] = parsed["ResponseMetadata"].get("RequestId")
            name = "%s error" % sample["service"]
        else:
            op = model.operation_model(sample["operation"])
            parsed = parser.parse(response, op.output_shape)
            if parsed["ResponseMetadata"].get("RequestId") != \
                    "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE":
                print("FAIL %s: RequestId %r" % (sample["operation"], parsed["ResponseMetadata"]))
                failures += 1
            got = normalize(parsed)
            name = "%s %s" % (sample["service"], sample["operation"])
        if got != sample["expected"]:
            failures += 1
            print("FAIL %s\n  xml:      %s\n  botocore: %s\n  expected: %s" %
                  (name, sample["xml"], json.dumps(got, sort_keys=True),
                   json.dumps(sample["expected"], sort_keys=True)))
        else:
            print("ok   %s" % name)
    print("botocore %s: %d samples, %d failures" % (botocore.__version__, count, failures))
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
