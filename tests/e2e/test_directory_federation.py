"""AssumeRoleWithLDAPIdentity (Portcullis extension) against Debian's OpenLDAP slapd.

A session-scoped fixture starts /usr/sbin/slapd on a free loopback port with a temporary
slapd.conf (mdb backend, memberof overlay), loads people and groups with ldapadd, and kills
slapd by its PID at the end. Two Portcullis servers are started against it: one finding
users by a search as a service account and groups by a (member={dn}) search (the bind
password only in the environment), one with a DN template and the memberOf attribute.

The operation is not in botocore's model, so it is sent as a raw unsigned Query POST; the
credentials it returns are then used through boto3 and `aws sts get-caller-identity`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.parse
from pathlib import Path
from typing import Iterable

import pytest

from conftest import ACCOUNT_ID, TARGET, Client, Server, free_port, http_call
from e2e_util import Creds, allow, parse_error, policy_doc, raises_aws

SLAPD = "/usr/sbin/slapd"
LDAPADD = shutil.which("ldapadd") or "/usr/bin/ldapadd"
SUFFIX = "dc=example,dc=org"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PW = "slapd-admin-pw"
SERVICE_DN = f"uid=portcullis,ou=services,{SUFFIX}"
SERVICE_PW = "service-bind-pw-7d1f"
ALICE_PW = "alice-pw-9e2c"
BOB_PW = "bob-pw-41aa"

pytestmark = pytest.mark.skipif(TARGET == "moto", reason="a Portcullis extension")

SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
{tls}modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {dir}/slapd.pid
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin}"
rootpw {admin_pw}
directory {dir}/db
overlay memberof
"""

DATA_LDIF = f"""\
dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,{SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=services,{SUFFIX}
objectClass: organizationalUnit
ou: services

dn: ou=groups,{SUFFIX}
objectClass: organizationalUnit
ou: groups

dn: {SERVICE_DN}
objectClass: inetOrgPerson
uid: portcullis
cn: Portcullis
sn: service
userPassword: {SERVICE_PW}

dn: uid=alice,ou=people,{SUFFIX}
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: Admin
userPassword: {ALICE_PW}

dn: uid=bob,ou=people,{SUFFIX}
objectClass: inetOrgPerson
uid: bob
cn: Bob
sn: Developer
userPassword: {BOB_PW}

dn: cn=admins,ou=groups,{SUFFIX}
objectClass: groupOfNames
cn: admins
member: uid=alice,ou=people,{SUFFIX}

dn: cn=devs,ou=groups,{SUFFIX}
objectClass: groupOfNames
cn: devs
member: uid=alice,ou=people,{SUFFIX}
member: uid=bob,ou=people,{SUFFIX}
"""


class Slapd:
    def __init__(self, root: Path):
        self.root = root
        self.port = 0
        self.tls_port = 0  # ldaps://, when openssl made a certificate
        self.ca_file = root / "cert.pem"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def tls_url(self) -> str:
        return f"ldaps://127.0.0.1:{self.tls_port}"

    def _make_certificate(self) -> bool:
        """A self-signed certificate for 127.0.0.1 (its own CA), or False without openssl."""
        openssl = shutil.which("openssl")
        if not openssl:
            return False
        done = subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                               "-keyout", str(self.root / "key.pem"), "-out", str(self.ca_file),
                               "-days", "2", "-subj", "/CN=127.0.0.1",
                               "-addext", "subjectAltName=IP:127.0.0.1"],
                              capture_output=True, text=True, timeout=60)
        return done.returncode == 0

    def start(self) -> None:
        (self.root / "db").mkdir(parents=True)
        tls = ""
        if self._make_certificate():
            tls = (f"TLSCACertificateFile {self.ca_file}\nTLSCertificateFile {self.ca_file}\n"
                   f"TLSCertificateKeyFile {self.root / 'key.pem'}\n")
            self.tls_port = free_port()
        conf = self.root / "slapd.conf"
        conf.write_text(SLAPD_CONF.format(dir=self.root, suffix=SUFFIX, admin=ADMIN_DN,
                                          admin_pw=ADMIN_PW, tls=tls))
        self.port = free_port()
        listen = f"{self.url}/" + (f" {self.tls_url}/" if self.tls_port else "")
        log = open(self.root / "slapd.log", "w")
        # -d 0: stay in the foreground (so the PID is ours) without debug output.
        self.proc = subprocess.Popen([SLAPD, "-f", str(conf), "-h", listen, "-d", "0"],
                                     stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        last = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("slapd exited: " + (self.root / "slapd.log").read_text())
            done = subprocess.run([LDAPADD, "-x", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PW],
                                  input=DATA_LDIF, text=True, capture_output=True, timeout=10)
            if done.returncode == 0:
                return
            last = done.stderr
            if "Already exists" in last:
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("slapd not ready: " + last)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture(scope="session")
def slapd(tmp_path_factory) -> Iterable[Slapd]:
    # A dependency of the suite (scripts/install-deps.sh): missing is a failure, not a skip.
    if not (os.access(SLAPD, os.X_OK) and os.access(LDAPADD, os.X_OK)):
        pytest.fail("slapd / ldapadd not installed: run scripts/install-deps.sh")
    server = Slapd(tmp_path_factory.mktemp("slapd"))
    server.start()
    yield server
    server.stop()


def _portcullis(tmp_path_factory, name: str, env: dict[str, str]) -> Iterable[Client]:
    root = tmp_path_factory.mktemp(name)
    srv = Server(root / "data", env=env)
    srv.start()
    try:
        yield Client(srv, root)
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def search_server(slapd, tmp_path_factory) -> Iterable[Client]:
    """Users found by a search as the service account, groups by a member search."""
    yield from _portcullis(tmp_path_factory, "ldap-search", {
        "PORTCULLIS_LDAP_URL": slapd.url,
        "PORTCULLIS_LDAP_DIRECTORY_NAME": "corp",
        "PORTCULLIS_LDAP_USER_SEARCH_BASE": f"ou=people,{SUFFIX}",
        "PORTCULLIS_LDAP_USER_SEARCH_FILTER": "(&(objectClass=inetOrgPerson)(uid={username}))",
        "PORTCULLIS_LDAP_BIND_DN": SERVICE_DN,
        "PORTCULLIS_LDAP_BIND_PASSWORD": SERVICE_PW,
        "PORTCULLIS_LDAP_GROUP_SEARCH_BASE": f"ou=groups,{SUFFIX}",
        "PORTCULLIS_LDAP_GROUP_SEARCH_FILTER": "(&(objectClass=groupOfNames)(member={dn}))",
        "PORTCULLIS_LDAP_TIMEOUT": "5s",
    })


@pytest.fixture(scope="module")
def template_server(slapd, tmp_path_factory) -> Iterable[Client]:
    """Users by DN template, groups from their memberOf attribute (memberof overlay)."""
    yield from _portcullis(tmp_path_factory, "ldap-template", {
        "PORTCULLIS_LDAP_URL": slapd.url,
        "PORTCULLIS_LDAP_USER_DN_TEMPLATE": f"uid={{username}},ou=people,{SUFFIX}",
    })


@pytest.fixture
def ldap_pc(search_server) -> Client:
    search_server.reset()
    return search_server


def exchange(pc: Client, username: str, password: str, role: str = "AdminRole",
             **extra: str):
    """The unsigned Query POST (no Authorization header, no X-Amz-* parameters)."""
    params = {"Action": "AssumeRoleWithLDAPIdentity", "Version": "2011-06-15",
              "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{role}", "RoleSessionName": username
              if username.isalnum() else "session", "LDAPUsername": username,
              "LDAPPassword": password, **extra}
    body = urllib.parse.urlencode(params).encode()
    return http_call(pc.port, "POST", "/", body,
                     {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})


def creds_of(resp) -> Creds:
    assert resp.status == 200, resp.text
    return Creds(resp.find("AccessKeyId"), resp.find("SecretAccessKey"), resp.find("SessionToken"))


def make_role(pc: Client, name: str, provider: str, condition: dict | None,
              actions: list[str]) -> None:
    statement = {"Effect": "Allow",
                 "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT_ID}:ldap-provider/{provider}"},
                 "Action": "sts:AssumeRoleWithLDAPIdentity"}
    if condition:
        statement["Condition"] = condition
    iam = pc.iam()
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [statement]}))
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=policy_doc(allow(actions)))


ADMINS = {"ForAnyValue:StringEquals": {"ldap:groups": "admins"}}


def test_group_member_gets_working_credentials(ldap_pc):
    make_role(ldap_pc, "AdminRole", "corp", ADMINS, ["iam:ListUsers"])
    resp = exchange(ldap_pc, "alice", ALICE_PW)
    creds = creds_of(resp)
    assert resp.find("SubjectDN") == f"uid=alice,ou=people,{SUFFIX}"
    assert resp.find("Provider") == f"arn:aws:iam::{ACCOUNT_ID}:ldap-provider/corp"
    [groups_el] = [el for el in resp.xml().iter() if el.tag.rsplit("}", 1)[-1] == "Groups"]
    groups = sorted(child.text for child in groups_el)
    assert groups == ["admins", "devs"]
    assert resp.find("Arn") == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/AdminRole/alice"

    # boto3 with the returned credentials: the role's policy decides.
    ident = ldap_pc.sts(creds).get_caller_identity()
    assert ident["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/AdminRole/alice"
    ldap_pc.iam(creds).list_users()
    with raises_aws("AccessDenied", 403):
        ldap_pc.iam(creds).list_roles()
    # The aws CLI with the same credentials.
    out = ldap_pc.aws("sts", "get-caller-identity", creds=creds)
    assert out["Arn"] == ident["Arn"]
    assert out["Account"] == ACCOUNT_ID
    assert "AccessDenied" in ldap_pc.aws_error("iam", "list-roles", creds=creds)


def test_user_outside_the_group_is_denied(ldap_pc):
    make_role(ldap_pc, "AdminRole", "corp", ADMINS, ["iam:ListUsers"])
    resp = exchange(ldap_pc, "bob", BOB_PW)
    err = parse_error(resp)
    assert (err.status, err.code) == (403, "AccessDenied"), resp.text
    # bob's own group works where the trust policy names it, by group DN.
    make_role(ldap_pc, "DevRole", "corp", {"ForAnyValue:StringEquals": {
        "ldap:group_dns": f"cn=devs,ou=groups,{SUFFIX}"}}, ["iam:ListUsers"])
    creds = creds_of(exchange(ldap_pc, "bob", BOB_PW, role="DevRole"))
    assert ldap_pc.sts(creds).get_caller_identity()["Arn"].endswith("assumed-role/DevRole/bob")


def test_wrong_password_unknown_user_and_injection_get_one_answer(ldap_pc):
    make_role(ldap_pc, "AdminRole", "corp", None, ["iam:ListUsers"])
    answers = []
    for user, password in [("alice", "wrong"), ("nobody", "whatever"), ("alice", BOB_PW),
                           ("*)(uid=*", "whatever"), ("*", ALICE_PW), ("alice)(uid=*", ALICE_PW),
                           ("uid=alice,ou=people," + SUFFIX, ALICE_PW)]:
        resp = exchange(ldap_pc, user, password)
        err = parse_error(resp)
        answers.append((err.status, err.code, err.message))
    assert set(answers) == {(403, "IDPRejectedClaim",
                             "The directory rejected the username or password.")}, answers


def test_empty_password_is_refused(ldap_pc):
    make_role(ldap_pc, "AdminRole", "corp", None, ["iam:ListUsers"])
    err = parse_error(exchange(ldap_pc, "alice", ""))
    assert err.status == 400 and err.code == "ValidationError", err


def test_other_directory_name_and_bad_input(ldap_pc):
    make_role(ldap_pc, "AdminRole", "other", None, ["iam:ListUsers"])
    err = parse_error(exchange(ldap_pc, "alice", ALICE_PW))
    assert (err.status, err.code) == (403, "AccessDenied")
    err = parse_error(exchange(ldap_pc, "alice", ALICE_PW, DirectoryName="other"))
    assert (err.code, err.message) == ("ValidationError", "Unknown directory: other")
    err = parse_error(exchange(ldap_pc, "alice", ALICE_PW, DurationSeconds="60"))
    assert err.code == "ValidationError"


def test_password_never_reaches_the_audit_log_or_server_output(ldap_pc):
    make_role(ldap_pc, "AdminRole", "corp", ADMINS, ["iam:ListUsers"])
    creds_of(exchange(ldap_pc, "alice", ALICE_PW, RoleSessionName="audited"))
    parse_error(exchange(ldap_pc, "alice", "wrong-pw-0xdead", RoleSessionName="audited"))
    path = ldap_pc.server.audit_log
    deadline = time.monotonic() + 5
    events: list[dict] = []
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else ""
        events = [json.loads(line) for line in text.splitlines() if line.strip()]
        events = [e for e in events if e.get("eventName") == "AssumeRoleWithLDAPIdentity"
                  and (e.get("requestParameters") or {}).get("roleSessionName") == "audited"]
        if len(events) >= 2:
            break
        time.sleep(0.1)
    assert len(events) == 2
    assert "errorCode" not in events[0]
    assert events[1]["errorCode"] == "IDPRejectedClaim"
    for event in events:
        assert event["userIdentity"] is None  # unsigned
        params = event["requestParameters"]
        assert params["lDAPUsername"] == "alice", params
        assert params["roleArn"].endswith(":role/AdminRole")
        assert not [k for k in params if "password" in k.lower()], params
    text = path.read_text()
    for secret in (ALICE_PW, "wrong-pw-0xdead", SERVICE_PW):
        assert secret not in text
        assert secret not in ldap_pc.server.output()


def test_directory_unreachable_is_idp_communication_error(tmp_path_factory):
    for client in _portcullis(tmp_path_factory, "ldap-down", {
            "PORTCULLIS_LDAP_URL": f"ldap://127.0.0.1:{free_port()}",
            "PORTCULLIS_LDAP_USER_DN_TEMPLATE": f"uid={{username}},ou=people,{SUFFIX}",
            "PORTCULLIS_LDAP_TIMEOUT": "2s"}):
        make_role(client, "AdminRole", "default", None, ["iam:ListUsers"])
        err = parse_error(exchange(client, "alice", ALICE_PW))
        assert (err.status, err.code) == (400, "IDPCommunicationError"), err


def test_dn_template_and_member_of(template_server):
    template_server.reset()
    make_role(template_server, "AdminRole", "default", ADMINS, ["iam:ListUsers"])
    resp = exchange(template_server, "alice", ALICE_PW)
    creds = creds_of(resp)
    assert template_server.sts(creds).get_caller_identity()["Arn"].endswith("/AdminRole/alice")
    err = parse_error(exchange(template_server, "bob", BOB_PW))
    assert err.code == "AccessDenied"
    for user in ("alice", "*)(uid=*", "alice,ou=people"):
        err = parse_error(exchange(template_server, user, "wrong"))
        assert (err.status, err.code) == (403, "IDPRejectedClaim"), (user, err)


def test_search_with_member_of_and_no_service_account(slapd, tmp_path_factory):
    """An anonymous user search reading memberOf (slapd's default ACL lets anyone read)."""
    for client in _portcullis(tmp_path_factory, "ldap-anon", {
            "PORTCULLIS_LDAP_URL": slapd.url,
            "PORTCULLIS_LDAP_USER_SEARCH_BASE": SUFFIX,
            "PORTCULLIS_LDAP_USER_SEARCH_FILTER": "(uid={username})"}):
        make_role(client, "AdminRole", "default", ADMINS, ["iam:ListUsers"])
        resp = exchange(client, "alice", ALICE_PW)
        assert client.sts(creds_of(resp)).get_caller_identity()["Arn"].endswith("/alice")
        assert parse_error(exchange(client, "bob", BOB_PW)).code == "AccessDenied"
        # The service account matches (uid=portcullis) but is no person of this role's.
        assert parse_error(exchange(client, "portcullis", SERVICE_PW)).code == "AccessDenied"
        assert parse_error(exchange(client, "*", ALICE_PW)).code == "IDPRejectedClaim"


@pytest.mark.parametrize("mode", ["ldaps", "starttls", "untrusted"])
def test_tls_to_the_directory(slapd, tmp_path_factory, mode):
    if not slapd.tls_port:
        pytest.skip("no openssl to make slapd a certificate")
    env = {"PORTCULLIS_LDAP_USER_DN_TEMPLATE": f"uid={{username}},ou=people,{SUFFIX}",
           "PORTCULLIS_LDAP_TIMEOUT": "5s"}
    if mode == "ldaps":
        env.update(PORTCULLIS_LDAP_URL=slapd.tls_url, PORTCULLIS_LDAP_TLS_CA_FILE=str(slapd.ca_file))
    elif mode == "starttls":
        env.update(PORTCULLIS_LDAP_URL=slapd.url, PORTCULLIS_LDAP_START_TLS="true",
                   PORTCULLIS_LDAP_TLS_CA_FILE=str(slapd.ca_file))
    else:  # the self-signed certificate is not among the system's CAs
        env.update(PORTCULLIS_LDAP_URL=slapd.tls_url)
    for client in _portcullis(tmp_path_factory, f"ldap-{mode}", env):
        make_role(client, "AdminRole", "default", ADMINS, ["iam:ListUsers"])
        resp = exchange(client, "alice", ALICE_PW)
        if mode == "untrusted":
            err = parse_error(resp)
            assert (err.status, err.code) == (400, "IDPCommunicationError"), err
        else:
            assert client.sts(creds_of(resp)).get_caller_identity()["Arn"].endswith("/alice")
            assert parse_error(exchange(client, "alice", "wrong")).code == "IDPRejectedClaim"
