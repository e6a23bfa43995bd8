"""The console sign-in check, POST /_portcullis/console/signin (docs/console-signin.md):
success, a wrong password, the lockout after 5 failures, MFA required and accepted, an
explicit Deny of the source address, and the audit line without the secrets."""

import http.client
import json
import time

import pytest

from conftest import TARGET
from e2e_util import policy_doc
from test_mfa import current_step, totp

pytestmark = pytest.mark.skipif(TARGET == "moto", reason="a Portcullis endpoint")

ACCOUNT = "123456789012"
PASSWORD = "Correct-Horse-9!"


def sign_in(pc, user: str, password: str, mfa_code: str | None = None,
            account: str = ACCOUNT) -> tuple[int, dict]:
    body = {"account": account, "user": user, "password": password}
    if mfa_code is not None:
        body["mfaCode"] = mfa_code
    conn = http.client.HTTPConnection("127.0.0.1", pc.port, timeout=30)
    try:
        conn.request("POST", "/_portcullis/console/signin", body=json.dumps(body),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def make_console_user(iam, name: str) -> None:
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=PASSWORD)


def test_sign_in_succeeds_and_records_password_last_used(pc, iam):
    make_console_user(iam, "alice")
    assert "PasswordLastUsed" not in iam.get_user(UserName="alice")["User"]
    status, body = sign_in(pc, "alice", PASSWORD)
    assert status == 200, body
    assert body == {"result": "ok", "accountId": ACCOUNT, "userName": "alice",
                    "arn": f"arn:aws:iam::{ACCOUNT}:user/alice", "mfaAuthenticated": False,
                    "passwordResetRequired": False}
    assert "PasswordLastUsed" in iam.get_user(UserName="alice")["User"]


def test_wrong_password_unknown_user_and_malformed_requests(pc, iam):
    make_console_user(iam, "alice")
    assert sign_in(pc, "alice", "wrong") == (401, {"result": "denied",
                                                   "reason": "InvalidCredentials"})
    assert sign_in(pc, "nobody", PASSWORD) == (401, {"result": "denied",
                                                     "reason": "InvalidCredentials"})
    assert sign_in(pc, "alice", PASSWORD, account="999999999999")[1]["reason"] == \
        "InvalidCredentials"
    resp = pc.raw("POST", "/_portcullis/console/signin", b"{not json",
                  {"Content-Type": "application/json"})
    assert resp.status == 400
    assert json.loads(resp.body) == {"result": "error", "reason": "MalformedRequest"}
    assert pc.raw("GET", "/_portcullis/console/signin").status == 405


def test_five_failures_lock_the_user_out(pc, iam):
    make_console_user(iam, "bob")
    for _ in range(5):
        assert sign_in(pc, "bob", "wrong")[1]["reason"] == "InvalidCredentials"
    assert sign_in(pc, "bob", PASSWORD) == (401, {"result": "denied", "reason": "LockedOut"})
    # Another user is not affected.
    make_console_user(iam, "carol")
    assert sign_in(pc, "carol", PASSWORD)[0] == 200


def test_mfa_is_required_and_accepted_once(pc, iam):
    make_console_user(iam, "dave")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="dave-phone")["VirtualMFADevice"]
    seed = device["Base32StringSeed"].decode("ascii")
    t = current_step()
    iam.enable_mfa_device(UserName="dave", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=totp(seed, t - 1), AuthenticationCode2=totp(seed, t))

    assert sign_in(pc, "dave", PASSWORD) == (401, {"result": "denied", "reason": "MfaRequired"})
    # The code EnableMFADevice used last is spent; a wrong code is refused.
    assert sign_in(pc, "dave", PASSWORD, totp(seed, t))[1]["reason"] == "InvalidMfaCode"
    status, body = sign_in(pc, "dave", PASSWORD, totp(seed, t + 1))
    assert status == 200, body
    assert body["mfaAuthenticated"] is True
    # Replaying the accepted code fails.
    assert sign_in(pc, "dave", PASSWORD, totp(seed, t + 1))[1]["reason"] == "InvalidMfaCode"


def test_an_explicit_deny_of_the_source_address_refuses(pc, iam):
    make_console_user(iam, "erin")
    iam.put_user_policy(UserName="erin", PolicyName="office-only", PolicyDocument=policy_doc({
        "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}))
    assert sign_in(pc, "erin", PASSWORD) == (401, {"result": "denied", "reason": "AccessDenied"})
    iam.put_user_policy(UserName="erin", PolicyName="office-only", PolicyDocument=policy_doc({
        "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}}}))
    assert sign_in(pc, "erin", PASSWORD)[0] == 200


def test_each_attempt_is_audited_without_secrets(pc, iam):
    from test_audit import _events
    user = f"audited{int(time.time() * 1000) % 10**9}"
    make_console_user(iam, user)
    assert sign_in(pc, user, "Wrong-Secret-1")[0] == 401
    assert sign_in(pc, user, PASSWORD)[0] == 200
    events = _events(pc, 2, lambda e: e.get("eventName") == "ConsoleLogin" and
                     (e.get("userIdentity") or {}).get("userName") == user)
    assert len(events) == 2, events
    assert events[0]["eventSource"] == "signin.amazonaws.com"
    assert events[0]["errorCode"] == "InvalidCredentials"
    assert "errorCode" not in events[1]
    text = pc.server.audit_log.read_text()
    assert PASSWORD not in text and "Wrong-Secret-1" not in text
