"""AssumeRoleWithSAML end to end: an IAM SAML provider whose metadata holds a test IdP's
certificate (key and certificate made by openssl for the session, never committed), a role
trusting it with saml:aud/saml:sub conditions, SAML responses signed by
`portcullis idp saml-response`, called unsigned through boto3 and through
`aws sts assume-role-with-saml`; the credentials work and are limited by the role's policy;
tampered, expired, foreign-audience and foreign-role responses and untrusted roles are
refused."""

import base64
import datetime
import json
import subprocess
import urllib.parse

import boto3
import botocore
import botocore.config
import pytest

from conftest import ACCOUNT_ID, find_binary
from e2e_util import Creds, allow, parse_error, policy_doc, raises_aws

ISSUER = "https://idp.e2e.example/saml"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/corp"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/saml-ops"
PAIR = f"{ROLE_ARN},{PROVIDER_ARN}"


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    """(key file, certificate file, certificate base64 DER) of a fresh test IdP."""
    d = tmp_path_factory.mktemp("idp")
    key, cert = d / "idp.key", d / "idp.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=idp.e2e.example"],
                   check=True, capture_output=True)
    der = subprocess.run(["openssl", "x509", "-in", str(cert), "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return key, cert, base64.b64encode(der).decode()


def metadata(cert_b64: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{ISSUER}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>
        <ds:X509Certificate>{cert_b64}</ds:X509Certificate>
      </ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
                            Location="https://idp.e2e.example/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


def saml_response(idp, *extra: str, role: str = PAIR, subject: str = "alice@e2e.example",
                  session_name: str = "alice", key=None, cert=None) -> str:
    key_file, cert_file, _ = idp
    cmd = [str(find_binary()), "idp", "saml-response", "--key-file", str(key or key_file),
           "--cert-file", str(cert or cert_file), "--issuer", ISSUER, "--subject", subject,
           "--role", role, "--session-name", session_name, *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def unsigned_sts(pc):
    return boto3.session.Session().client(
        "sts", region_name=pc.region, endpoint_url=pc.endpoint,
        config=botocore.config.Config(signature_version=botocore.UNSIGNED,
                                      retries={"total_max_attempts": 1}))


def trust(condition: dict | None = None, actions=("sts:AssumeRoleWithSAML",)) -> str:
    statement = {"Effect": "Allow", "Principal": {"Federated": PROVIDER_ARN},
                 "Action": list(actions)}
    if condition is not None:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def setup_provider_and_role(iam, idp, condition=None, actions=("sts:AssumeRoleWithSAML",)):
    out = iam.create_saml_provider(Name="corp", SAMLMetadataDocument=metadata(idp[2]))
    assert out["SAMLProviderArn"] == PROVIDER_ARN
    if condition is None:
        condition = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml",
                                      "saml:sub": "alice@e2e.example"}}
    iam.create_role(RoleName="saml-ops", AssumeRolePolicyDocument=trust(condition, actions))
    iam.put_role_policy(RoleName="saml-ops", PolicyName="p",
                        PolicyDocument=policy_doc(allow("iam:ListRoles")))


def creds_of(out: dict) -> Creds:
    c = out["Credentials"]
    return Creds(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


def test_assume_role_with_saml_boto3_unsigned_and_cli(pc, iam, idp):
    setup_provider_and_role(iam, idp)
    sts = unsigned_sts(pc)
    out = sts.assume_role_with_saml(RoleArn=ROLE_ARN, PrincipalArn=PROVIDER_ARN,
                                    SAMLAssertion=saml_response(idp))
    assert out["AssumedRoleUser"]["Arn"] == \
        f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/saml-ops/alice"
    assert out["Subject"] == "alice@e2e.example"
    assert out["SubjectType"] == "persistent"
    assert out["Issuer"] == ISSUER
    assert out["Audience"] == "https://signin.aws.amazon.com/saml"
    import hashlib
    assert out["NameQualifier"] == base64.b64encode(
        hashlib.sha1(f"{ISSUER}{ACCOUNT_ID}/corp".encode()).digest()).decode()
    creds = creds_of(out)
    me = pc.sts(creds).get_caller_identity()
    assert me["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/saml-ops/alice"
    pc.iam(creds).list_roles()
    with raises_aws("AccessDenied", 403):
        pc.iam(creds).list_users()

    # The aws CLI (unsigned as well), with a session policy.
    cli = pc.aws("sts", "assume-role-with-saml", "--role-arn", ROLE_ARN, "--principal-arn",
                 PROVIDER_ARN, "--saml-assertion", saml_response(idp), "--duration-seconds",
                 "900", "--policy", policy_doc(allow("iam:ListRoles")))
    assert cli["AssumedRoleUser"]["Arn"].endswith("assumed-role/saml-ops/alice")
    assert "PackedPolicySize" in cli
    exp = datetime.datetime.fromisoformat(cli["Credentials"]["Expiration"].replace("Z", "+00:00"))
    left = (exp - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 0 < left <= 900
    cli_creds = creds_of(cli)
    assert pc.sts(cli_creds).get_caller_identity()["Arn"].endswith("saml-ops/alice")


def test_session_tags_source_identity_and_duration(pc, iam, idp):
    setup_provider_and_role(iam, idp, condition={}, actions=(
        "sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"))
    iam.update_role(RoleName="saml-ops", MaxSessionDuration=7200)
    out = unsigned_sts(pc).assume_role_with_saml(
        RoleArn=ROLE_ARN, PrincipalArn=PROVIDER_ARN, DurationSeconds=7200,
        SAMLAssertion=saml_response(idp, "--tag", "team=blue", "--transitive-tag", "team",
                                    "--source-identity", "alice", "--duration", "1800"))
    assert out["SourceIdentity"] == "alice"
    assert "PackedPolicySize" in out
    left = (out["Credentials"]["Expiration"] -
            datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 0 < left <= 1800


def test_refused_assertions(pc, iam, idp, tmp_path):
    setup_provider_and_role(iam, idp)
    sts = unsigned_sts(pc)

    def assume(assertion, role_arn=ROLE_ARN):
        return sts.assume_role_with_saml(RoleArn=role_arn, PrincipalArn=PROVIDER_ARN,
                                         SAMLAssertion=assertion)

    # Tampered: the subject changed after signing.
    xml = base64.b64decode(saml_response(idp)).decode()
    tampered = xml.replace("alice@e2e.example", "mallory@e2e.example")
    with raises_aws("InvalidIdentityToken", 400):
        assume(base64.b64encode(tampered.encode()).decode())
    # Signed by a key the provider does not list.
    other_key, other_cert = tmp_path / "o.key", tmp_path / "o.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(other_key), "-out", str(other_cert), "-days", "1", "-subj", "/CN=o"],
                   check=True, capture_output=True)
    with raises_aws("InvalidIdentityToken", 400):
        assume(saml_response(idp, key=other_key, cert=other_cert))
    # Another audience.
    with raises_aws("IDPRejectedClaim", 403):
        assume(saml_response(idp, "--audience", "https://evil.example/saml"))
    # Expired two hours ago.
    past = (datetime.datetime.now(datetime.timezone.utc) -
            datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with raises_aws("ExpiredTokenException", 400):
        assume(saml_response(idp, "--issue-instant", past))
    # The role pair is not in the assertion.
    iam.create_role(RoleName="admin", AssumeRolePolicyDocument=trust())
    with raises_aws("IDPRejectedClaim", 403):
        assume(saml_response(idp), role_arn=f"arn:aws:iam::{ACCOUNT_ID}:role/admin")
    # The trust policy's saml:sub condition does not hold.
    with raises_aws("AccessDenied", 403):
        assume(saml_response(idp, subject="bob@e2e.example"))
    # The provider does not exist.
    with raises_aws("InvalidIdentityToken"):
        sts.assume_role_with_saml(RoleArn=ROLE_ARN, SAMLAssertion=saml_response(idp),
                                  PrincipalArn=f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/none")
    # The aws CLI reports the refusal too.
    err = pc.aws_error("sts", "assume-role-with-saml", "--role-arn", ROLE_ARN, "--principal-arn",
                       PROVIDER_ARN, "--saml-assertion",
                       saml_response(idp, "--audience", "https://evil.example/saml"))
    assert "IDPRejectedClaim" in err


def test_encrypted_assertion_with_the_providers_private_key(pc, iam, idp, tmp_path):
    """AssertionEncryptionMode and AddPrivateKey are newer than Debian's botocore: raw query."""
    setup_provider_and_role(iam, idp)
    sp_key, sp_cert = tmp_path / "sp.key", tmp_path / "sp.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(sp_key), "-out", str(sp_cert), "-days", "1", "-subj", "/CN=sp"],
                   check=True, capture_output=True)
    encrypted = saml_response(idp, "--encrypt-to-cert", str(sp_cert))
    assert b"EncryptedAssertion" in base64.b64decode(encrypted)
    sts = unsigned_sts(pc)
    with raises_aws("InvalidIdentityToken", 400):
        sts.assume_role_with_saml(RoleArn=ROLE_ARN, PrincipalArn=PROVIDER_ARN,
                                  SAMLAssertion=encrypted)
    resp = pc.signed_query({"Action": "UpdateSAMLProvider", "SAMLProviderArn": PROVIDER_ARN,
                            "AssertionEncryptionMode": "Required",
                            "AddPrivateKey": sp_key.read_text()})
    assert resp.status == 200, resp.text
    out = sts.assume_role_with_saml(RoleArn=ROLE_ARN, PrincipalArn=PROVIDER_ARN,
                                    SAMLAssertion=encrypted)
    assert out["Subject"] == "alice@e2e.example"
    # Required: plaintext assertions are refused (raw, unsigned call).
    resp = pc.raw("POST", "/", urllib.parse.urlencode({
        "Action": "AssumeRoleWithSAML", "Version": "2011-06-15", "RoleArn": ROLE_ARN,
        "PrincipalArn": PROVIDER_ARN, "SAMLAssertion": saml_response(idp)}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"})
    err = parse_error(resp)
    assert (err.status, err.code) == (400, "InvalidIdentityToken")


def test_built_in_idp_serves_metadata_and_signed_responses(pc, iam):
    """`portcullis idp` as a SAML IdP: its metadata registers the IAM SAML provider, its
    /saml/sso endpoint answers signed responses AWS's way (an HTML form posting
    SAMLResponse) or as JSON, and an expired one is refused."""
    import re
    import urllib.request
    from test_web_identity import Idp
    server = Idp()
    try:
        with urllib.request.urlopen(server.url + "/saml/metadata", timeout=10) as res:
            meta = res.read().decode()
        assert f'entityID="{server.url}/saml"' in meta and "X509Certificate" in meta
        provider = iam.create_saml_provider(Name="builtin", SAMLMetadataDocument=meta)
        provider_arn = provider["SAMLProviderArn"]
        assert provider_arn == f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/builtin"
        role_arn = f"arn:aws:iam::{ACCOUNT_ID}:role/builtin-saml"
        doc = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"saml:sub": "carol"}}}]}
        iam.create_role(RoleName="builtin-saml", AssumeRolePolicyDocument=json.dumps(doc))
        iam.put_role_policy(RoleName="builtin-saml", PolicyName="p",
                            PolicyDocument=policy_doc(allow("iam:ListRoles")))

        def sso(**form) -> bytes:
            data = urllib.parse.urlencode({"role": f"{role_arn},{provider_arn}", **form},
                                          doseq=True).encode()
            with urllib.request.urlopen(server.url + "/saml/sso", data=data, timeout=10) as res:
                return res.read()

        page = sso(subject="carol").decode()
        assert 'action="https://signin.aws.amazon.com/saml"' in page
        assertion = re.search(r'name="SAMLResponse" value="([^"]+)"', page).group(1)
        out = unsigned_sts(pc).assume_role_with_saml(RoleArn=role_arn,
                                                     PrincipalArn=provider_arn,
                                                     SAMLAssertion=assertion)
        assert out["Subject"] == "carol"
        assert out["AssumedRoleUser"]["Arn"] == \
            f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/builtin-saml/carol"
        c = out["Credentials"]
        session = Creds(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
        assert any(r["RoleName"] == "builtin-saml" for r in pc.iam(session).list_roles()["Roles"])
        with raises_aws("AccessDenied", 403):
            pc.iam(session).list_users()

        # JSON form; another subject is refused by the trust policy; an expired response
        # is refused.
        dave = json.loads(sso(subject="dave", format="json"))["SAMLResponse"]
        with raises_aws("AccessDenied", 403):
            unsigned_sts(pc).assume_role_with_saml(RoleArn=role_arn, PrincipalArn=provider_arn,
                                                   SAMLAssertion=dave)
        expired = json.loads(sso(subject="carol", format="json", valid_for="-600"))
        with raises_aws("ExpiredTokenException", 400):
            unsigned_sts(pc).assume_role_with_saml(RoleArn=role_arn, PrincipalArn=provider_arn,
                                                   SAMLAssertion=expired["SAMLResponse"])
    finally:
        server.stop()
