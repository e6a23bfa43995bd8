"""STS temporary credentials end to end: AssumeRole (same and cross account, trust policy
denials, ExternalId, MFA required by the trust policy, session policies, session tags,
chaining), GetSessionToken with and without MFA, GetFederationToken, GetAccessKeyInfo,
DecodeAuthorizationMessage, tampered tokens, and a session token accepted by a second
server process sharing the data directory and master key."""

import datetime
import json
import re
import subprocess
import time
import urllib.parse

from conftest import ACCOUNT_ID, Client, find_binary
from e2e_util import Creds, allow, policy_doc, raises_aws
from test_mfa import create_device, current_step, totp

ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/ops"


def trust(principal: str, actions=("sts:AssumeRole",), condition: dict | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": list(actions)}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def make_role(iam, name: str, trust_doc: str, *statements: dict, **kwargs) -> str:
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_doc, **kwargs)["Role"]
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=policy_doc(*statements))
    return role["Arn"]


def creds_of(out: dict) -> Creds:
    c = out["Credentials"]
    return Creds(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


def test_assume_role_same_account_boto3_and_cli(pc, iam):
    bob = pc.make_user("bob")
    alice = pc.make_user("alice")
    make_role(iam, "ops", trust(pc.user_arn("bob")), allow("iam:ListUsers"))
    # The aws CLI assumes the role.
    out = pc.aws("sts", "assume-role", "--role-arn", ROLE_ARN, "--role-session-name", "bob-s1",
                 creds=bob)
    role = iam.get_role(RoleName="ops")["Role"]
    role_id = role["RoleId"]
    assert role["RoleLastUsed"]["Region"] == "us-east-1"
    assert "LastUsedDate" in role["RoleLastUsed"]
    assert out["AssumedRoleUser"] == {
        "Arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/ops/bob-s1",
        "AssumedRoleId": f"{role_id}:bob-s1"}
    session = creds_of(out)
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", session.access_key_id)
    who = pc.sts(session).get_caller_identity()
    assert who["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/ops/bob-s1"
    assert who["UserId"] == f"{role_id}:bob-s1" and who["Account"] == ACCOUNT_ID
    # The session has the role's permissions, not bob's (none) and no more.
    assert "bob" in [u["UserName"] for u in pc.iam(session).list_users()["Users"]]
    with raises_aws("AccessDenied", 403, message_contains=(
            f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/ops/bob-s1 is not authorized to "
            "perform: iam:CreateUser")):
        pc.iam(session).create_user(UserName="eve")
    # Operations naming the caller by default need user credentials.
    with raises_aws("ValidationError", 400, message_contains=(
            "Must specify userName when calling with non-User credentials")):
        pc.iam(session).get_user()
    # The CLI signs with the session token too.
    listed = pc.aws("iam", "list-users", creds=session)
    assert "alice" in [u["UserName"] for u in listed["Users"]]
    # Denied by the trust policy: AWS's message.
    with raises_aws("AccessDenied", 403, message_contains=(
            f"User: {pc.user_arn('alice')} is not authorized to perform: sts:AssumeRole on "
            f"resource: {ROLE_ARN}")):
        pc.sts(alice).assume_role(RoleArn=ROLE_ARN, RoleSessionName="alice")
    err = pc.aws_error("sts", "assume-role", "--role-arn", ROLE_ARN, "--role-session-name",
                       "alice", creds=alice)
    assert "AccessDenied" in err
    # Session name and duration rules.
    with raises_aws("ValidationError", 400):
        pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="bad name")
    with raises_aws("ValidationError", 400, message_contains="exceeds the MaxSessionDuration"):
        pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="s9", DurationSeconds=7200)
    # The root user cannot assume roles.
    with raises_aws("AccessDenied", 403, message_contains="Roles may not be assumed by root"):
        pc.sts().assume_role(RoleArn=ROLE_ARN, RoleSessionName="root")


def test_presigned_url_with_a_session_token(pc, iam):
    bob = pc.make_user("bob")
    make_role(iam, "ops", trust(pc.user_arn("bob")), allow("iam:ListUsers"))
    session = creds_of(pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="pre"))
    # botocore signs the model's method (POST) unless told otherwise; a URL is for GET.
    url = pc.sts(session).generate_presigned_url(
        "get_caller_identity", Params={}, ExpiresIn=300, HttpMethod="GET")
    assert "X-Amz-Security-Token=" in url
    parsed = urllib.parse.urlsplit(url)
    resp = pc.raw("GET", parsed.path + "?" + parsed.query)
    assert resp.status == 200, resp.text
    assert resp.find("Arn") == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/ops/pre"


def test_audit_log_names_the_session(pc, iam):
    if pc.is_moto:
        return
    bob = pc.make_user("bob")
    make_role(iam, "ops", trust(pc.user_arn("bob")), allow("iam:ListUsers"))
    out = pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="audited")
    session = creds_of(out)
    request_id = pc.iam(session).list_users()["ResponseMetadata"]["RequestId"]
    deadline = time.monotonic() + 5
    event = None
    while event is None and time.monotonic() < deadline:
        for line in pc.server.audit_log.read_text().splitlines():
            if request_id in line:
                event = json.loads(line)
        time.sleep(0.1)
    assert event is not None
    who = event["userIdentity"]
    assert who["type"] == "AssumedRole"
    assert who["arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/ops/audited"
    assert who["accessKeyId"] == session.access_key_id
    assert who["sessionContext"]["sessionIssuer"]["arn"] == ROLE_ARN
    assert who["sessionContext"]["attributes"]["mfaAuthenticated"] == "false"
    text = pc.server.audit_log.read_text()
    assert session.secret_access_key not in text and session.session_token not in text


def test_tampered_and_foreign_tokens_are_refused(pc, iam):
    bob = pc.make_user("bob")
    make_role(iam, "ops", trust(pc.user_arn("bob")), allow("iam:ListUsers"))
    session = creds_of(pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1"))
    token = session.session_token
    i = len(token) // 2
    tampered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
    with raises_aws("InvalidClientTokenId", 403,
                    message_contains="The security token included in the request is invalid"):
        pc.iam(Creds(session.access_key_id, session.secret_access_key, tampered)).list_users()
    # A long-term key with a token, and a temporary key without one.
    with raises_aws("InvalidClientTokenId", 403):
        pc.iam(Creds(bob.access_key_id, bob.secret_access_key, token)).list_users()
    with raises_aws("InvalidClientTokenId", 403):
        pc.iam(Creds(session.access_key_id, session.secret_access_key)).list_users()
    with raises_aws("SignatureDoesNotMatch", 403):
        pc.iam(Creds(session.access_key_id, bob.secret_access_key, token)).list_users()


def test_external_id_and_chaining_limit(pc, iam):
    bob = pc.make_user("bob")
    make_role(iam, "ops", trust(pc.user_arn("bob"),
                                condition={"StringEquals": {"sts:ExternalId": "ext-7"}}),
              allow("iam:ListRoles"), MaxSessionDuration=7200)
    with raises_aws("AccessDenied", 403):
        pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1")
    with raises_aws("AccessDenied", 403):
        pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1", ExternalId="ext-8")
    first = pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1", ExternalId="ext-7",
                                    DurationSeconds=7200)
    session = creds_of(first)
    make_role(iam, "next", trust(f"arn:aws:iam::{ACCOUNT_ID}:role/ops"), allow("iam:ListUsers"),
              MaxSessionDuration=7200)
    next_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/next"
    with raises_aws("ValidationError", 400, message_contains=(
            "exceeds the 1 hour session limit for roles assumed by role chaining")):
        pc.sts(session).assume_role(RoleArn=next_arn, RoleSessionName="s2", DurationSeconds=3601)
    chained = pc.sts(session).assume_role(RoleArn=next_arn, RoleSessionName="s2",
                                          DurationSeconds=3600)
    assert chained["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/next/s2"
    pc.iam(creds_of(chained)).list_users()


def test_session_policy_narrows_and_session_tags_reach_conditions(pc, iam):
    bob = pc.make_user("bob")
    make_role(iam, "ops", trust(pc.user_arn("bob"), actions=("sts:AssumeRole",)),
              allow(["iam:ListUsers", "iam:ListRoles"]),
              {"Effect": "Allow", "Action": "iam:ListGroups", "Resource": "*",
               "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}})
    narrowed = pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="s1",
                                       Policy=policy_doc(allow("iam:ListUsers")))
    assert 0 < narrowed["PackedPolicySize"] <= 100
    session = pc.iam(creds_of(narrowed))
    session.list_users()
    with raises_aws("AccessDenied", 403):
        session.list_roles()
    # Session tags need sts:TagSession in the trust policy.
    tags = [{"Key": "team", "Value": "blue"}]
    with raises_aws("AccessDenied", 403, message_contains="sts:TagSession"):
        pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="s2", Tags=tags)
    iam.update_assume_role_policy(RoleName="ops", PolicyDocument=trust(
        pc.user_arn("bob"), actions=("sts:AssumeRole", "sts:TagSession")))
    tagged = pc.iam(creds_of(pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="s2",
                                                     Tags=tags)))
    tagged.list_groups()
    untagged = pc.iam(creds_of(pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="s3")))
    with raises_aws("AccessDenied", 403):
        untagged.list_groups()


def _enable_device(iam, user: str, step: int) -> tuple[str, str]:
    serial, seed, _ = create_device(iam, f"{user}-phone")
    iam.enable_mfa_device(UserName=user, SerialNumber=serial,
                          AuthenticationCode1=totp(seed, step - 1),
                          AuthenticationCode2=totp(seed, step))
    return serial, seed


def _next_step(step: int) -> int:
    """Waits until TOTP step `step` + 1 begins (codes up to `step` are used) and returns it."""
    while int(time.time() // 30) <= step:
        time.sleep(0.5)
    return current_step()


def test_mfa_in_trust_policy_and_get_session_token(pc, iam):
    bob = pc.make_user("bob", policy=policy_doc(
        {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}))
    carol = pc.make_user("carol")
    make_role(iam, "ops", trust(pc.user_arn("carol"),
                                condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
              allow("iam:ListRoles"))
    step = current_step()
    bob_serial, bob_seed = _enable_device(iam, "bob", step)
    carol_serial, carol_seed = _enable_device(iam, "carol", step)

    # Without MFA: the trust condition denies; a GetSessionToken session cannot call IAM.
    with raises_aws("AccessDenied", 403):
        pc.sts(carol).assume_role(RoleArn=ROLE_ARN, RoleSessionName="cc")
    plain = creds_of(pc.sts(bob).get_session_token(DurationSeconds=900))
    with raises_aws("InvalidClientTokenId", 403):
        pc.iam(plain).list_users()
    with raises_aws("AccessDenied", 403):
        pc.iam(bob).list_users()  # long-term keys: no aws:MultiFactorAuthPresent
    with raises_aws("AccessDenied", 403, message_contains="invalid MFA one time pass code"):
        pc.sts(bob).get_session_token(SerialNumber=bob_serial, TokenCode="000000"
                                      if totp(bob_seed, step) != "000000" else "111111")

    step = _next_step(step)
    out = pc.aws("sts", "get-session-token", "--serial-number", bob_serial, "--token-code",
                 totp(bob_seed, step), creds=bob)
    mfa_session = creds_of(out)
    assert "bob" in [u["UserName"] for u in pc.iam(mfa_session).list_users()["Users"]]
    assert pc.sts(mfa_session).get_caller_identity()["Arn"] == pc.user_arn("bob")
    # A code is good once.
    with raises_aws("AccessDenied", 403):
        pc.sts(bob).get_session_token(SerialNumber=bob_serial, TokenCode=totp(bob_seed, step))

    assumed = pc.sts(carol).assume_role(RoleArn=ROLE_ARN, RoleSessionName="cc",
                                        SerialNumber=carol_serial,
                                        TokenCode=totp(carol_seed, step))
    pc.iam(creds_of(assumed)).list_roles()


def test_federation_token_access_key_info_and_decode(pc, iam):
    bob = pc.make_user("bob", policy=policy_doc(
        allow(["sts:GetFederationToken", "sts:GetAccessKeyInfo",
               "sts:DecodeAuthorizationMessage", "s3:ListAllMyBuckets"])))
    out = pc.sts(bob).get_federation_token(Name="carol", Policy=policy_doc(allow("s3:*")),
                                          DurationSeconds=900)
    assert out["FederatedUser"] == {
        "Arn": f"arn:aws:sts::{ACCOUNT_ID}:federated-user/carol",
        "FederatedUserId": f"{ACCOUNT_ID}:carol"}
    carol = creds_of(out)
    assert pc.sts(carol).get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{ACCOUNT_ID}:federated-user/carol")
    with raises_aws("InvalidClientTokenId", 403):
        pc.iam(carol).list_users()  # federated users cannot call IAM
    cli = pc.aws("sts", "get-federation-token", "--name", "dave", creds=bob)
    assert cli["FederatedUser"]["FederatedUserId"] == f"{ACCOUNT_ID}:dave"

    assert pc.sts(bob).get_access_key_info(AccessKeyId=bob.access_key_id)["Account"] == ACCOUNT_ID
    info = pc.aws("sts", "get-access-key-info", "--access-key-id", carol.access_key_id, creds=bob)
    assert info["Account"] == ACCOUNT_ID
    with raises_aws("InvalidAuthorizationMessageException", 400):
        pc.sts(bob).decode_authorization_message(EncodedMessage="not-a-message")
    err = pc.aws_error("sts", "decode-authorization-message", "--encoded-message", "x",
                       creds=bob)
    assert "InvalidAuthorizationMessageException" in err


def _printed_credentials(text: str) -> tuple[str, Creds]:
    account = re.search(r"created account (\d{12})", text)
    key = re.search(r"AWS_ACCESS_KEY_ID=(\S+)", text)
    secret = re.search(r"AWS_SECRET_ACCESS_KEY=(\S+)", text)
    assert account and key and secret, text
    return account.group(1), Creds(key.group(1), secret.group(1))


def test_cross_account_and_second_server_process(start_server, tmp_path):
    data = tmp_path / "shared"
    first = start_server(data)
    assert first.stop() == 0
    made = subprocess.run([str(find_binary()), "account", "create", "--data-dir", str(data),
                           "--account-id", "210987654321"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert made.returncode == 0, made.stderr
    _, other_root = _printed_credentials(made.stdout)

    srv = start_server(data)
    pc = Client(srv, tmp_path)
    theirs = pc.iam(other_root)
    xacct_arn = make_role(theirs, "xacct", trust(f"arn:aws:iam::{ACCOUNT_ID}:root"),
                          allow("iam:ListRoles"))
    assert xacct_arn == "arn:aws:iam::210987654321:role/xacct"
    bob = pc.make_user("bob")
    # Cross account: the trust policy alone is not enough; bob's own policy must allow.
    with raises_aws("AccessDenied", 403):
        pc.sts(bob).assume_role(RoleArn=xacct_arn, RoleSessionName="x1")
    pc.iam().put_user_policy(UserName="bob", PolicyName="assume",
                             PolicyDocument=policy_doc(allow("sts:AssumeRole", xacct_arn)))
    session = creds_of(pc.sts(bob).assume_role(RoleArn=xacct_arn, RoleSessionName="x1"))
    assert pc.sts(session).get_caller_identity()["Account"] == "210987654321"
    assert [r["RoleName"] for r in pc.iam(session).list_roles()["Roles"]] == ["xacct"]

    # A second server process on the same data directory and master key accepts the token.
    second = start_server(data)
    other = Client(second, tmp_path)
    assert other.sts(session).get_caller_identity()["Arn"] == (
        "arn:aws:sts::210987654321:assumed-role/xacct/x1")
    assert [r["RoleName"] for r in other.iam(session).list_roles()["Roles"]] == ["xacct"]


def _sts_query(pc, action: str, params: dict[str, str], creds) -> tuple[int, str, str]:
    """A signed STS Query call (the operation is newer than Debian's botocore): status,
    error code (or "") and message."""
    resp = pc.signed_query({"Action": action, **params}, creds, service="sts")
    return resp.status, resp.find("Code") or "", resp.find("Message") or ""


def test_assume_root_needs_an_organization(pc, iam):
    audit = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
    admin = pc.make_user("root-tasker", policy=policy_doc(allow("sts:AssumeRoot")))
    nobody = pc.make_user("root-nobody")
    target = {"TargetPrincipal": "222233334444", "TaskPolicyArn.arn": audit}
    status, code, message = _sts_query(pc, "AssumeRoot", {**target, "DurationSeconds": "901"},
                                       admin)
    assert (status, code) == (400, "ValidationError") and "900" in message
    status, code, _ = _sts_query(pc, "AssumeRoot", {
        "TargetPrincipal": "222233334444",
        "TaskPolicyArn.arn": "arn:aws:iam::aws:policy/AdministratorAccess"}, admin)
    assert (status, code) == (400, "ValidationError")
    status, code, message = _sts_query(pc, "AssumeRoot", target, nobody)
    assert (status, code) == (403, "AccessDenied")
    assert "no identity-based policy allows the sts:AssumeRoot action" in message
    status, code, message = _sts_query(pc, "AssumeRoot", target, admin)
    assert (status, code) == (403, "AccessDenied") and "centralized root access" in message


def test_get_delegated_access_token_has_no_trade_in_token(pc):
    partner = pc.make_user("partner", policy=policy_doc(allow("sts:GetDelegatedAccessToken")))
    status, code, _ = _sts_query(pc, "GetDelegatedAccessToken", {"TradeInToken": "x" * 64},
                                 partner)
    assert (status, code) == (400, "ExpiredTradeInTokenException")
    status, code, _ = _sts_query(pc, "GetDelegatedAccessToken", {"TradeInToken": "x" * 64},
                                 pc.make_user("not-a-partner"))
    assert (status, code) == (403, "AccessDenied")


def test_role_last_used_in_authorization_details(pc, iam):
    bob = pc.make_user("lastused-bob")
    make_role(iam, "lastused", trust(pc.user_arn("lastused-bob")), allow("iam:ListUsers"))
    pc.sts(bob).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/lastused",
                            RoleSessionName="s1")
    details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    [role] = [r for r in details if r["RoleName"] == "lastused"]
    assert role["RoleLastUsed"]["Region"] == "us-east-1"
    assert "LastUsedDate" in role["RoleLastUsed"]


def test_session_expiry_and_revocation_by_token_issue_time(start_server, tmp_path):
    """A 15-minute session answers ExpiredToken once its time has passed (a second process
    on the same data directory whose clock runs 20 minutes ahead, signed with that time),
    and a Deny on aws:TokenIssueTime revokes the sessions issued before it, as AWS's
    "Revoke active sessions" does, while newer sessions keep working."""
    data = tmp_path / "expiry"
    srv = start_server(data)
    pc = Client(srv, tmp_path)
    iam = pc.iam()
    bob = pc.make_user("bob")
    make_role(iam, "ops", trust(pc.user_arn("bob")), allow("iam:ListRoles"))
    old = creds_of(pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="old",
                                           DurationSeconds=900))
    assert pc.iam(old).list_roles()["Roles"]

    # Expiry: the same token, 20 minutes later.
    later = start_server(data, extra_args=["--dev-clock-offset", "20m"])
    ahead = Client(later, tmp_path)
    resp = ahead.signed_query({"Action": "GetCallerIdentity"}, old, service="sts",
                              timestamp=time.time() + 1200)
    assert (resp.status, resp.find("Code")) == (403, "ExpiredToken"), resp.text
    resp = ahead.signed_query({"Action": "ListRoles"}, old, timestamp=time.time() + 1200)
    assert (resp.status, resp.find("Code")) == (403, "ExpiredToken"), resp.text
    # Long-term keys still work there (signed with the shifted time).
    resp = ahead.signed_query({"Action": "GetCallerIdentity"}, bob, service="sts",
                              timestamp=time.time() + 1200)
    assert resp.status == 200, resp.text
    assert later.stop() == 0

    # Revocation: deny every session issued before now.
    time.sleep(1.1)
    cutoff = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    time.sleep(1.1)
    iam.put_role_policy(RoleName="ops", PolicyName="AWSRevokeOlderSessions",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                            "Effect": "Deny", "Action": "*", "Resource": "*",
                            "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff}}}]}))
    with raises_aws("AccessDenied", 403, message_contains="explicit deny"):
        pc.iam(old).list_roles()
    new = creds_of(pc.sts(bob).assume_role(RoleArn=ROLE_ARN, RoleSessionName="new"))
    assert [r["RoleName"] for r in pc.iam(new).list_roles()["Roles"]] == ["ops"]
