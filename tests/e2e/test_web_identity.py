"""Web identity federation end to end: `portcullis idp` issues OIDC ID tokens on a loopback
port, the account registers it as an IAM OIDC provider (http:// is allowed for loopback
issuers), a role trusts the provider with :aud/:sub conditions, and
AssumeRoleWithWebIdentity (unsigned boto3 and the aws CLI) exchanges a token for role
credentials. Refused: a token signed by another key, an expired token, a wrong audience, a
subject the trust policy does not allow, an unregistered issuer, alg none, session tags the
trust policy does not allow to be set. Also GetWebIdentityToken: tokens of the account's
issuer, verified with the keys the server publishes under /_portcullis/oidc/ACCOUNT/."""

import base64
import json
import re
import subprocess
import urllib.parse
import urllib.request

import boto3
import botocore
import botocore.config
import pytest

from conftest import ACCOUNT_ID, find_binary
from e2e_util import Creds, allow, parse_error, policy_doc, raises_aws
from test_newer_clients import NEWER

ROLE = "web"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/{ROLE}"
CLIENT_ID = "portcullis-app"
THUMB = "0" * 40  # the Debian botocore still requires ThumbprintList
LISTENING = re.compile(r"listening on (http://\S+)")


class Idp:
    """A `portcullis idp` process; stopped by PID."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen([str(find_binary()), "idp", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        match = LISTENING.search(line)
        assert match, f"idp did not start: {line}"
        self.url = match.group(1)

    def token(self, **form) -> str:
        data = urllib.parse.urlencode(form, doseq=True).encode()
        with urllib.request.urlopen(self.url + "/token", data=data, timeout=10) as res:
            return json.loads(res.read())["id_token"]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def idp():
    server = Idp()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def forger(idp):
    """Another key claiming the same issuer (and key id)."""
    server = Idp("--issuer", idp.url)
    yield server
    server.stop()


def unsigned_sts(pc):
    config = botocore.config.Config(signature_version=botocore.UNSIGNED,
                                    retries={"total_max_attempts": 1})
    return boto3.session.Session().client("sts", region_name=pc.region,
                                          endpoint_url=pc.endpoint, config=config)


def provider_arn(issuer: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{issuer.split('://', 1)[1]}"


def setup_role(iam, idp, *, condition: dict | None = None, actions=("sts:AssumeRoleWithWebIdentity",),
               statements=(allow("iam:ListUsers"),)) -> str:
    arn = iam.create_open_id_connect_provider(Url=idp.url, ClientIDList=[CLIENT_ID], ThumbprintList=[THUMB])[
        "OpenIDConnectProviderArn"]
    host = idp.url.split("://", 1)[1]
    if condition is None:
        condition = {"StringEquals": {f"{host}:aud": CLIENT_ID, f"{host}:sub": "alice"}}
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": arn}, "Action": list(actions),
        "Condition": condition}]}
    iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=ROLE, PolicyName="p", PolicyDocument=policy_doc(*statements))
    return arn


def creds_of(out: dict) -> Creds:
    c = out["Credentials"]
    return Creds(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


def assume(pc, token: str, **kwargs):
    return unsigned_sts(pc).assume_role_with_web_identity(
        RoleArn=ROLE_ARN, RoleSessionName="alice-session", WebIdentityToken=token, **kwargs)


def test_provider_url_allows_http_only_for_loopback(pc, iam, idp):
    arn = iam.create_open_id_connect_provider(Url=idp.url, ClientIDList=[CLIENT_ID], ThumbprintList=[THUMB])[
        "OpenIDConnectProviderArn"]
    assert arn == provider_arn(idp.url)
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"] == [
        CLIENT_ID]
    with raises_aws("InvalidInput"):
        iam.create_open_id_connect_provider(Url="http://idp.example.com", ClientIDList=["a"], ThumbprintList=[THUMB])
    with raises_aws("InvalidInput"):
        iam.create_open_id_connect_provider(Url="https://idp.example.com:8443", ClientIDList=["a"], ThumbprintList=[THUMB])


def test_idp_serves_discovery_and_jwks(idp):
    with urllib.request.urlopen(idp.url + "/.well-known/openid-configuration", timeout=10) as r:
        doc = json.loads(r.read())
    assert doc["issuer"] == idp.url and doc["jwks_uri"] == idp.url + "/jwks.json"
    with urllib.request.urlopen(doc["jwks_uri"], timeout=10) as r:
        keys = json.loads(r.read())["keys"]
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and "d" not in keys[0]
    token = idp.token(client_id=CLIENT_ID, sub="alice", amr="mfa")
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "RS256" and header["kid"] == keys[0]["kid"]


def test_assume_role_with_web_identity_unsigned_boto3(pc, iam, idp):
    arn = setup_role(iam, idp)
    token = idp.token(client_id=CLIENT_ID, sub="alice")
    out = assume(pc, token, DurationSeconds=900, ProviderId="ignored.example.com")
    role_id = iam.get_role(RoleName=ROLE)["Role"]["RoleId"]
    assert out["SubjectFromWebIdentityToken"] == "alice"
    assert out["Audience"] == CLIENT_ID
    assert out["Provider"] == arn
    assert out["AssumedRoleUser"] == {
        "Arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{ROLE}/alice-session",
        "AssumedRoleId": f"{role_id}:alice-session"}
    session = creds_of(out)
    assert session.access_key_id.startswith("ASIA")
    who = pc.sts(session).get_caller_identity()
    assert who["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{ROLE}/alice-session"
    # The role's policy allows ListUsers and nothing else.
    pc.iam(session).list_users()
    with raises_aws("AccessDenied", 403):
        pc.iam(session).create_user(UserName="mallory")


def test_assume_role_with_web_identity_cli(pc, iam, idp):
    setup_role(iam, idp)
    token = idp.token(client_id=CLIENT_ID, sub="alice")
    out = pc.aws("sts", "assume-role-with-web-identity", "--role-arn", ROLE_ARN,
                 "--role-session-name", "cli-session", "--web-identity-token", token)
    assert out["SubjectFromWebIdentityToken"] == "alice"
    assert out["AssumedRoleUser"]["Arn"].endswith(f":assumed-role/{ROLE}/cli-session")
    who = pc.sts(creds_of(out)).get_caller_identity()
    assert who["Arn"] == out["AssumedRoleUser"]["Arn"]
    # An expired token through the CLI.
    expired = idp.token(client_id=CLIENT_ID, sub="alice", expires_in="-120")
    err = pc.aws_error("sts", "assume-role-with-web-identity", "--role-arn", ROLE_ARN,
                       "--role-session-name", "cli-session", "--web-identity-token", expired)
    assert "ExpiredTokenException" in err


def test_signed_call_works_too(pc, iam, idp):
    setup_role(iam, idp)
    token = idp.token(client_id=CLIENT_ID, sub="alice")
    out = pc.sts().assume_role_with_web_identity(RoleArn=ROLE_ARN, RoleSessionName="signed",
                                                 WebIdentityToken=token)
    assert out["SubjectFromWebIdentityToken"] == "alice"


def test_session_policy_limits_the_session(pc, iam, idp):
    setup_role(iam, idp, statements=(allow(["iam:ListUsers", "iam:ListRoles"]),))
    token = idp.token(client_id=CLIENT_ID, sub="alice")
    out = assume(pc, token, Policy=policy_doc(allow("iam:ListRoles")))
    assert "PackedPolicySize" in out
    session = creds_of(out)
    pc.iam(session).list_roles()
    with raises_aws("AccessDenied", 403):
        pc.iam(session).list_users()


def test_refused_tokens(pc, iam, idp, forger):
    setup_role(iam, idp)
    with raises_aws("InvalidIdentityToken", 400, message_contains="signature"):
        assume(pc, forger.token(client_id=CLIENT_ID, sub="alice"))
    with raises_aws("ExpiredTokenException", 400):
        assume(pc, idp.token(client_id=CLIENT_ID, sub="alice", expires_in="-120"))
    with raises_aws("InvalidIdentityToken", 400, message_contains="Incorrect token audience"):
        assume(pc, idp.token(client_id="someone-else", sub="alice"))
    with raises_aws("AccessDenied", 403,
                    message_contains="Not authorized to perform sts:AssumeRoleWithWebIdentity"):
        assume(pc, idp.token(client_id=CLIENT_ID, sub="bob"))
    with raises_aws("InvalidIdentityToken", 400, message_contains="not valid yet"):
        assume(pc, idp.token(client_id=CLIENT_ID, sub="alice", nbf_in="600"))
    # alg none: the token's payload with no signature.
    good = idp.token(client_id=CLIENT_ID, sub="alice")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    with raises_aws("InvalidIdentityToken", 400):
        assume(pc, f"{none_header}.{good.split('.')[1]}.")
    with raises_aws("InvalidIdentityToken", 400):
        assume(pc, "not-a-jwt")
    # A role that does not exist.
    with raises_aws("AccessDenied", 403):
        unsigned_sts(pc).assume_role_with_web_identity(
            RoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/nope", RoleSessionName="s1",
            WebIdentityToken=good)
    # Once the provider is gone, the issuer is unknown.
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn(idp.url))
    with raises_aws("InvalidIdentityToken", 400, message_contains="No OpenIDConnect provider"):
        assume(pc, good)


def test_validation_errors(pc, iam, idp):
    setup_role(iam, idp)
    token = idp.token(client_id=CLIENT_ID, sub="alice")
    with raises_aws("ValidationError", 400):
        assume(pc, token, DurationSeconds=43200)  # above the role's MaxSessionDuration
    with raises_aws("ValidationError", 400):
        unsigned_sts(pc).assume_role_with_web_identity(
            RoleArn=ROLE_ARN, RoleSessionName="bad name!", WebIdentityToken=token)
    # A policy within its 2,048 characters plus ten policy ARNs exceed the packed budget.
    actions = [f"iam:Get{'X' * 40}{i}" for i in range(37)]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [allow(actions)]},
                        separators=(",", ":"))
    assert len(policy) <= 2048
    arns = [{"arn": f"arn:aws:iam::{ACCOUNT_ID}:policy/{'p' * 40}{i}"} for i in range(10)]
    with raises_aws("PackedPolicyTooLarge", 400):
        assume(pc, token, Policy=policy, PolicyArns=arns)


def test_amr_condition_and_session_tags(pc, iam, idp):
    host = idp.url.split("://", 1)[1]
    condition = {"StringEquals": {f"{host}:aud": CLIENT_ID},
                 "ForAnyValue:StringEquals": {f"{host}:amr": "mfa"}}
    setup_role(iam, idp, condition=condition,
               actions=("sts:AssumeRoleWithWebIdentity",),
               statements=({"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
                            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}},))
    with raises_aws("AccessDenied", 403):
        assume(pc, idp.token(client_id=CLIENT_ID, sub="carol", amr="pwd"))
    tags = json.dumps({"https://aws.amazon.com/tags": {"principal_tags": {"team": ["blue"]},
                                                       "transitive_tag_keys": ["team"]}})
    tagged = idp.token(client_id=CLIENT_ID, sub="carol", amr=["pwd", "mfa"], claims=tags)
    # Session tags need sts:TagSession in the trust policy.
    with raises_aws("AccessDenied", 403):
        assume(pc, tagged)
    trust = iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
    if isinstance(trust, str):
        trust = json.loads(urllib.parse.unquote(trust))
    trust["Statement"][0]["Action"] = ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(trust))
    out = assume(pc, tagged)
    # aws:PrincipalTag/team comes from the token's session tags.
    pc.iam(creds_of(out)).list_users()
    untagged = assume(pc, idp.token(client_id=CLIENT_ID, sub="carol", amr="mfa"))
    with raises_aws("AccessDenied", 403):
        pc.iam(creds_of(untagged)).list_users()


# GetWebIdentityToken (outbound web identity federation) --------------------------------
# Debian's botocore and aws CLI predate the operation: raw signed Query calls, plus the
# newer boto3 when one is on PATH.

def b64json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def get_web_identity_token(pc, creds=None, **params):
    form = {"Action": "GetWebIdentityToken", "Version": "2011-06-15"}
    form.update({k: str(v) for k, v in params.items()})
    return pc.signed_query(form, creds, service="sts")


def verify(token: str, jwks: dict) -> None:
    """Verifies `token` with the key of `jwks` its kid names (the `cryptography` package)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    def num(v: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(v + "=" * (-len(v) % 4)), "big")

    head, payload, sig = token.split(".")
    header = b64json(head)
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    signature = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    data = f"{head}.{payload}".encode()
    if header["alg"] == "RS256":
        public = rsa.RSAPublicNumbers(num(key["e"]), num(key["n"])).public_key()
        public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert header["alg"] == "ES384" and key["crv"] == "P-384"
        public = ec.EllipticCurvePublicNumbers(num(key["x"]), num(key["y"]),
                                               ec.SECP384R1()).public_key()
        der = encode_dss_signature(int.from_bytes(signature[:48], "big"),
                                   int.from_bytes(signature[48:], "big"))
        public.verify(der, data, ec.ECDSA(hashes.SHA384()))


def test_get_web_identity_token(pc):
    resp = get_web_identity_token(pc, **{"Audience.member.1": "svc", "SigningAlgorithm": "RS256"})
    err = parse_error(resp)
    assert (resp.status, err.code) == (403, "OutboundWebIdentityFederationDisabledException")
    assert pc.raw("GET", f"/_portcullis/oidc/{ACCOUNT_ID}/jwks").status == 404
    resp = pc.signed_query({"Action": "EnableOutboundWebIdentityFederation"})
    assert resp.status == 200, resp.text
    issuer = resp.find("IssuerIdentifier")

    resp = get_web_identity_token(pc, **{"Audience.member.1": "svc", "Audience.member.2": "alt",
                                         "SigningAlgorithm": "RS256", "DurationSeconds": 120,
                                         "Tags.member.1.Key": "team",
                                         "Tags.member.1.Value": "blue"})
    assert resp.status == 200, resp.text
    token = resp.find("WebIdentityToken")
    assert resp.find("Expiration")
    header, claims = b64json(token.split(".")[0]), b64json(token.split(".")[1])
    assert header["alg"] == "RS256"
    assert claims["iss"] == issuer and claims["sub"] == f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert claims["aud"] == ["svc", "alt"] and claims["exp"] - claims["iat"] == 120
    assert claims["https://sts.amazonaws.com/"]["request_tags"] == {"team": "blue"}
    es = get_web_identity_token(pc, **{"Audience.member.1": "svc", "SigningAlgorithm": "ES384"})
    assert es.status == 200, es.text

    # The keys and the discovery document on the main server.
    resp = pc.raw("GET", f"/_portcullis/oidc/{ACCOUNT_ID}/.well-known/openid-configuration")
    assert resp.status == 200, resp.text
    doc = json.loads(resp.body)
    assert doc["issuer"] == issuer and doc["jwks_uri"].endswith(f"/_portcullis/oidc/{ACCOUNT_ID}/jwks")
    jwks = json.loads(pc.raw("GET", f"/_portcullis/oidc/{ACCOUNT_ID}/jwks").body)
    assert sorted(k["kty"] for k in jwks["keys"]) == ["EC", "RSA"]
    assert all("d" not in k for k in jwks["keys"])
    verify(token, jwks)
    verify(es.find("WebIdentityToken"), jwks)

    # Validation and authorization.
    resp = get_web_identity_token(pc, **{"Audience.member.1": "svc", "SigningAlgorithm": "HS256"})
    assert parse_error(resp).code == "ValidationError"
    resp = get_web_identity_token(pc, **{"Audience.member.1": "svc", "SigningAlgorithm": "RS256",
                                         "DurationSeconds": 30})
    assert parse_error(resp).code == "ValidationError"
    bob = pc.make_user("bob")
    resp = get_web_identity_token(pc, bob, **{"Audience.member.1": "svc",
                                              "SigningAlgorithm": "RS256"})
    assert (resp.status, parse_error(resp).code) == (403, "AccessDenied")
    carol = pc.make_user("carol", policy=policy_doc(allow("sts:GetWebIdentityToken")))
    resp = get_web_identity_token(pc, carol, **{"Audience.member.1": "svc",
                                                "SigningAlgorithm": "RS256"})
    assert resp.status == 200, resp.text
    assert b64json(resp.find("WebIdentityToken").split(".")[1])["sub"] == pc.user_arn("carol")


def test_get_web_identity_token_cannot_outlive_the_session(pc, iam, idp):
    setup_role(iam, idp, statements=(allow("sts:GetWebIdentityToken"),))
    pc.signed_query({"Action": "EnableOutboundWebIdentityFederation"})
    session = creds_of(assume(pc, idp.token(client_id=CLIENT_ID, sub="alice"),
                              DurationSeconds=900))
    resp = get_web_identity_token(pc, session, **{"Audience.member.1": "svc",
                                                  "SigningAlgorithm": "RS256",
                                                  "DurationSeconds": 3600})
    assert (resp.status, parse_error(resp).code) == (403, "SessionDurationEscalationException")
    resp = get_web_identity_token(pc, session, **{"Audience.member.1": "svc",
                                                  "SigningAlgorithm": "RS256"})
    assert resp.status == 200, resp.text
    claims = b64json(resp.find("WebIdentityToken").split(".")[1])
    assert claims["sub"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{ROLE}/alice-session"


NEWER_SCRIPT = """
import json, sys
import boto3, botocore.config
endpoint, key, secret = sys.argv[1:4]
sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint,
                   aws_access_key_id=key, aws_secret_access_key=secret,
                   config=botocore.config.Config(retries={"total_max_attempts": 1}))
out = sts.get_web_identity_token(Audience=["svc"], SigningAlgorithm="ES384", DurationSeconds=60)
print(json.dumps({"token": out["WebIdentityToken"]}))
"""


@pytest.mark.skipif(NEWER is None, reason="no newer boto3 on PATH")
def test_get_web_identity_token_newer_boto3(pc):
    pc.signed_query({"Action": "EnableOutboundWebIdentityFederation"})
    proc = subprocess.run([NEWER, "-c", NEWER_SCRIPT, pc.endpoint, pc.root.access_key_id,
                           pc.root.secret_access_key], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    token = json.loads(proc.stdout)["token"]
    assert b64json(token.split(".")[0])["alg"] == "ES384"
    verify(token, json.loads(pc.raw("GET", f"/_portcullis/oidc/{ACCOUNT_ID}/jwks").body))
