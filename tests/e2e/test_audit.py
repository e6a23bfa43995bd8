"""The audit log: one JSON line per API request in CloudTrail's event shape, no secrets."""

import datetime
import json
import time

import pytest

from conftest import TARGET
from e2e_util import allow, policy_doc, raises_aws

ACCOUNT = "123456789012"


def _param(event: dict, name: str):
    return (event.get("requestParameters") or {}).get(name)


def _events(pc, want: int, predicate) -> list[dict]:
    """Audit events matching `predicate`, waiting up to 5 s for `want` of them."""
    path = pc.server.audit_log
    assert path is not None
    deadline = time.monotonic() + 5
    while True:
        events = []
        if path.exists():
            # Only whole lines: the server may be appending the next one while we read.
            for line in path.read_text().split("\n")[:-1]:
                if line.strip():
                    events.append(json.loads(line))  # every line is one JSON object
        found = [e for e in events if predicate(e)]
        if len(found) >= want or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.mark.skipif(TARGET == "moto", reason="moto writes no audit log")
def test_audit_events_have_cloudtrail_shape(pc, iam):
    marker = f"audited{int(time.time() * 1000) % 10**9}"
    created = iam.create_user(UserName=marker)
    created_request_id = created["ResponseMetadata"]["RequestId"]
    user_id = created["User"]["UserId"]
    key = iam.create_access_key(UserName=marker)["AccessKey"]
    iam.put_user_policy(UserName=marker, PolicyName="p",
                        PolicyDocument=policy_doc(allow("iam:GetUser")))
    with raises_aws("NoSuchEntity", 404):
        iam.get_user(UserName=marker + "-missing")
    from e2e_util import Creds
    user = pc.iam(Creds(key["AccessKeyId"], key["SecretAccessKey"]))
    with raises_aws("AccessDenied", 403):
        user.list_users()

    [create] = _events(pc, 1, lambda e: e.get("eventName") == "CreateUser"
                       and _param(e, "userName") == marker)
    assert create["eventSource"] == "iam.amazonaws.com"
    assert create["eventType"] == "AwsApiCall"
    assert create["readOnly"] is False
    assert create["recipientAccountId"] == ACCOUNT
    assert create["awsRegion"] == "us-east-1"
    assert create["eventID"] and create["eventID"] != create["requestID"]
    assert create["requestID"] == created_request_id
    assert create["sourceIPAddress"] == "127.0.0.1"
    assert create["userAgent"].startswith("Boto3/")
    assert create["requestID"]
    assert create.get("errorCode") is None
    when = datetime.datetime.strptime(create["eventTime"], "%Y-%m-%dT%H:%M:%SZ")
    now = datetime.datetime.utcnow()
    assert abs((now - when).total_seconds()) < 120
    identity = create["userIdentity"]
    assert identity["type"] == "Root"
    assert identity["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert identity["accountId"] == ACCOUNT
    assert identity["accessKeyId"] == pc.root.access_key_id
    assert identity["principalId"] == ACCOUNT  # CloudTrail: the root's principalId

    [missing] = _events(pc, 1, lambda e: e.get("eventName") == "GetUser"
                        and _param(e, "userName")
                        == marker + "-missing")
    assert missing["errorCode"] == "NoSuchEntity"
    assert missing["readOnly"] is True
    assert "cannot be found" in missing["errorMessage"]

    denied = _events(pc, 1, lambda e: e.get("eventName") == "ListUsers"
                     and (e.get("userIdentity") or {}).get("userName") == marker)
    assert denied, "no audit event for the denied ListUsers"
    assert denied[-1]["errorCode"] == "AccessDenied"
    assert denied[-1]["userIdentity"]["type"] == "IAMUser"
    assert denied[-1]["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT}:user/{marker}"
    assert denied[-1]["userIdentity"]["accessKeyId"] == key["AccessKeyId"]
    assert denied[-1]["userIdentity"]["principalId"] == user_id
    assert denied[-1]["userIdentity"]["accountId"] == ACCOUNT

    created_key = _events(pc, 1, lambda e: e.get("eventName") == "CreateAccessKey"
                          and _param(e, "userName") == marker)
    assert created_key

    # No secret reaches the file: neither the root's nor the key created above.
    text = pc.server.audit_log.read_text()
    assert pc.root.secret_access_key not in text
    assert key["SecretAccessKey"] not in text
    # Nor the server's own log.
    output = pc.server.output()
    assert key["SecretAccessKey"] not in output


@pytest.mark.skipif(TARGET == "moto", reason="moto writes no audit log")
def test_audit_records_authentication_failures(pc):
    from e2e_util import Creds
    failed = lambda e: e.get("errorCode") == "InvalidClientTokenId"  # noqa: E731
    # Other tests of the session may have written such events already: wait for one more.
    before = len(_events(pc, 0, failed))
    with raises_aws("InvalidClientTokenId", 403):
        pc.iam(Creds("AKIAIOSFODNN7EXAMPLE", "a" * 40)).get_user(UserName="audit-unknown")
    events = _events(pc, before + 1, failed)
    assert len(events) == before + 1
    assert events[-1]["eventName"] == "GetUser"
    assert "a" * 40 not in pc.server.audit_log.read_text()
