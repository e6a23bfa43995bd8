"""Other credentials: SSH public keys, signing certificates and server certificates, as
boto3 and the aws CLI see them. Keys and certificates are made here with the `openssl` and
`ssh-keygen` command-line tools in temporary directories; none is committed."""

import re
import subprocess
from pathlib import Path

import pytest

from e2e_util import allow, policy_doc, raises_aws

ACCOUNT = "123456789012"


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


class Pki:
    """Keys and certificates in one temporary directory."""

    def __init__(self, root: Path):
        self.root = root
        self.count = 0

    def path(self, stem: str) -> Path:
        self.count += 1
        return self.root / f"{stem}-{self.count}"

    def rsa_key(self, bits: int = 2048) -> Path:
        key = self.path("rsa.pem")
        run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}",
            "-out", str(key))
        return key

    def ec_key(self, curve: str = "P-256") -> Path:
        key = self.path("ec.pem")
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{curve}",
            "-out", str(key))
        return key

    def cert(self, key: Path, cn: str = "portcullis.test", days: int = 30,
             issuer: tuple[Path, Path] | None = None, ca: bool = False) -> str:
        """A certificate for `key`: self-signed, or issued by (issuer_cert, issuer_key)."""
        out = self.path("cert.pem")
        ext = ["-addext", "basicConstraints=critical,CA:TRUE",
               "-addext", "keyUsage=critical,keyCertSign,cRLSign"] if ca else []
        if issuer is None:
            run("openssl", "req", "-x509", "-new", "-key", str(key), "-subj", f"/CN={cn}",
                "-days", str(days), "-out", str(out), *ext)
        else:
            csr = self.path("req.csr")
            run("openssl", "req", "-new", "-key", str(key), "-subj", f"/CN={cn}",
                "-out", str(csr))
            extfile = self.path("ext.cnf")
            extfile.write_text("basicConstraints=critical,CA:TRUE\n"
                               "keyUsage=critical,keyCertSign,cRLSign\n" if ca
                               else "basicConstraints=CA:FALSE\n")
            run("openssl", "x509", "-req", "-in", str(csr), "-CA", str(issuer[0]), "-CAkey",
                str(issuer[1]), "-CAcreateserial", "-days", str(days), "-out", str(out),
                "-extfile", str(extfile))
        return out.read_text()

    def ssh_key(self, bits: int = 2048) -> tuple[str, str]:
        """(OpenSSH one-line public key, the same key as a PEM public key)."""
        key = self.path("id_rsa")
        run("ssh-keygen", "-q", "-t", "rsa", "-b", str(bits), "-N", "", "-C", "me@host",
            "-f", str(key))
        pub = Path(str(key) + ".pub").read_text()
        pem = run("ssh-keygen", "-e", "-m", "PKCS8", "-f", str(key) + ".pub")
        return pub, pem


@pytest.fixture
def pki(tmp_path) -> Pki:
    return Pki(tmp_path)


def md5_fingerprint(pub_path: Path) -> str:
    out = run("ssh-keygen", "-l", "-E", "md5", "-f", str(pub_path))
    return out.split()[1].removeprefix("MD5:")


# SSH public keys ----------------------------------------------------------------------------

def test_ssh_public_key_lifecycle(pc, iam, pki, tmp_path):
    iam.create_user(UserName="dev")
    pub, pem = pki.ssh_key()
    pub_file = tmp_path / "dev.pub"
    pub_file.write_text(pub)

    # The aws CLI, reading the key from a file as the CodeCommit guide shows.
    up = pc.aws("iam", "upload-ssh-public-key", "--user-name", "dev",
                "--ssh-public-key-body", f"file://{pub_file}")["SSHPublicKey"]
    key_id = up["SSHPublicKeyId"]
    assert re.fullmatch(r"APKA[A-Z2-7]{16}", key_id)
    assert up["UserName"] == "dev"
    assert up["Status"] == "Active"
    assert up["Fingerprint"] == md5_fingerprint(pub_file)
    assert up["SSHPublicKeyBody"] == " ".join(pub.split()[:2])

    got = iam.get_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id, Encoding="PEM")
    assert got["SSHPublicKey"]["SSHPublicKeyBody"] == pem
    got = iam.get_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id, Encoding="SSH")
    assert got["SSHPublicKey"]["SSHPublicKeyBody"] == " ".join(pub.split()[:2])

    iam.update_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id, Status="Inactive")
    listed = pc.aws("iam", "list-ssh-public-keys", "--user-name", "dev")["SSHPublicKeys"]
    assert [(k["SSHPublicKeyId"], k["Status"]) for k in listed] == [(key_id, "Inactive")]

    # A user lists its own keys without naming itself.
    creds = pc.make_user("self", policy=policy_doc(allow("iam:*SSHPublicKey*",
                                                         pc.user_arn("self"))))
    iam.upload_ssh_public_key(UserName="self", SSHPublicKeyBody=pki.ssh_key()[0])
    own = pc.iam(creds).list_ssh_public_keys()["SSHPublicKeys"]
    assert [k["UserName"] for k in own] == ["self"]

    with raises_aws("DeleteConflict", 409):
        iam.delete_user(UserName="dev")
    iam.delete_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id)
    with raises_aws("NoSuchEntity", 404, message_contains=key_id):
        iam.get_ssh_public_key(UserName="dev", SSHPublicKeyId=key_id, Encoding="SSH")
    iam.delete_user(UserName="dev")


def test_ssh_public_key_errors_and_quota(pc, iam, pki):
    iam.create_user(UserName="dev")
    with raises_aws("UnrecognizedPublicKeyEncoding", 400):
        iam.upload_ssh_public_key(UserName="dev", SSHPublicKeyBody="not a key")
    ed = pki.path("ed")
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(ed))
    with raises_aws("UnrecognizedPublicKeyEncoding", 400):
        iam.upload_ssh_public_key(UserName="dev",
                                  SSHPublicKeyBody=Path(str(ed) + ".pub").read_text())
    small_pub, _ = pki.ssh_key(bits=1024)
    with raises_aws("InvalidPublicKey", 400):
        iam.upload_ssh_public_key(UserName="dev", SSHPublicKeyBody=small_pub)
    with raises_aws("NoSuchEntity", 404):
        iam.upload_ssh_public_key(UserName="nobody", SSHPublicKeyBody=pki.ssh_key()[0])

    pub, pem = pki.ssh_key()
    iam.upload_ssh_public_key(UserName="dev", SSHPublicKeyBody=pub)
    with raises_aws("DuplicateSSHPublicKey", 400):
        iam.upload_ssh_public_key(UserName="dev", SSHPublicKeyBody=pem)  # same key, PEM form
    for _ in range(4):
        iam.upload_ssh_public_key(UserName="dev", SSHPublicKeyBody=pki.ssh_key()[0])
    with raises_aws("LimitExceeded", 409):
        iam.upload_ssh_public_key(UserName="dev", SSHPublicKeyBody=pki.ssh_key()[0])
    err = pc.aws_error("iam", "upload-ssh-public-key", "--user-name", "dev",
                       "--ssh-public-key-body", "ssh-rsa AAAAB3NzaC1yc2E=")
    assert "InvalidPublicKey" in err


# Signing certificates ------------------------------------------------------------------------

def test_signing_certificate_lifecycle(pc, iam, pki, tmp_path):
    iam.create_user(UserName="signer")
    body = pki.cert(pki.rsa_key())
    cert_file = tmp_path / "signing.pem"
    cert_file.write_text(body)
    up = pc.aws("iam", "upload-signing-certificate", "--user-name", "signer",
                "--certificate-body", f"file://{cert_file}")["Certificate"]
    cert_id = up["CertificateId"]
    assert re.fullmatch(r"[A-Z0-9]{32}", cert_id)
    assert up["Status"] == "Active"
    assert up["CertificateBody"] == body

    iam.update_signing_certificate(UserName="signer", CertificateId=cert_id, Status="Inactive")
    listed = iam.list_signing_certificates(UserName="signer")["Certificates"]
    assert [(c["CertificateId"], c["Status"]) for c in listed] == [(cert_id, "Inactive")]

    with raises_aws("DeleteConflict", 409):
        iam.delete_user(UserName="signer")
    iam.delete_signing_certificate(UserName="signer", CertificateId=cert_id)
    with raises_aws("NoSuchEntity", 404, message_contains=cert_id):
        iam.delete_signing_certificate(UserName="signer", CertificateId=cert_id)
    iam.delete_user(UserName="signer")

    # The root user has its own, without UserName.
    root_cert = iam.upload_signing_certificate(CertificateBody=pki.cert(pki.ec_key()))
    assert "UserName" not in root_cert["Certificate"]
    assert len(iam.list_signing_certificates()["Certificates"]) == 1
    iam.delete_signing_certificate(CertificateId=root_cert["Certificate"]["CertificateId"])


def test_signing_certificate_errors_and_quota(pc, iam, pki):
    iam.create_user(UserName="a")
    iam.create_user(UserName="b")
    with raises_aws("MalformedCertificate", 400, message_contains="Unable to parse certificate"):
        iam.upload_signing_certificate(UserName="a", CertificateBody="-----BEGIN CERTIFICATE-----")
    body = pki.cert(pki.rsa_key())
    iam.upload_signing_certificate(UserName="a", CertificateBody=body)
    with raises_aws("DuplicateCertificate", 409):
        iam.upload_signing_certificate(UserName="b", CertificateBody=body)
    iam.upload_signing_certificate(UserName="a", CertificateBody=pki.cert(pki.ec_key()))
    with raises_aws("LimitExceeded", 409):
        iam.upload_signing_certificate(UserName="a", CertificateBody=pki.cert(pki.ec_key()))
    err = pc.aws_error("iam", "upload-signing-certificate", "--user-name", "nobody",
                       "--certificate-body", pki.cert(pki.ec_key()))
    assert "NoSuchEntity" in err


# Server certificates -------------------------------------------------------------------------

def test_server_certificate_lifecycle(pc, iam, pki, tmp_path):
    key = pki.rsa_key()
    body = pki.cert(key, days=10)
    cert_file = tmp_path / "server.pem"
    cert_file.write_text(body)
    out = pc.aws("iam", "upload-server-certificate", "--server-certificate-name", "web",
                 "--path", "/cloudfront/", "--certificate-body", f"file://{cert_file}",
                 "--private-key", f"file://{key}",
                 "--tags", "Key=env,Value=prod")
    meta = out["ServerCertificateMetadata"]
    assert meta["Arn"] == f"arn:aws:iam::{ACCOUNT}:server-certificate/cloudfront/web"
    assert re.fullmatch(r"ASCA[A-Z2-7]{17}", meta["ServerCertificateId"])
    assert meta["Path"] == "/cloudfront/"
    not_after = run("openssl", "x509", "-in", str(cert_file), "-noout", "-enddate")
    assert meta["Expiration"].startswith(
        subprocess.run(["date", "-u", "-d", not_after.split("=", 1)[1].strip(),
                        "+%Y-%m-%dT%H:%M:%S"], check=True, capture_output=True,
                       text=True).stdout.strip())
    assert out["Tags"] == [{"Key": "env", "Value": "prod"}]

    got = iam.get_server_certificate(ServerCertificateName="WEB")["ServerCertificate"]
    assert got["CertificateBody"] == body
    assert "CertificateChain" not in got
    assert got["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert "PrivateKey" not in got

    iam.update_server_certificate(ServerCertificateName="web", NewServerCertificateName="www",
                                  NewPath="/edge/")
    with raises_aws("NoSuchEntity", 404,
                    message_contains="The Server Certificate with name web cannot be found."):
        iam.get_server_certificate(ServerCertificateName="web")
    renamed = iam.get_server_certificate(ServerCertificateName="www")["ServerCertificate"]
    assert renamed["ServerCertificateMetadata"]["ServerCertificateId"] == \
        meta["ServerCertificateId"]
    assert renamed["ServerCertificateMetadata"]["Arn"].endswith(":server-certificate/edge/www")

    ec_key = pki.ec_key("P-384")
    iam.upload_server_certificate(ServerCertificateName="api", CertificateBody=pki.cert(ec_key),
                                  PrivateKey=ec_key.read_text())
    names = [m["ServerCertificateName"]
             for m in iam.list_server_certificates()["ServerCertificateMetadataList"]]
    assert names == ["api", "www"]
    edge = pc.aws("iam", "list-server-certificates", "--path-prefix", "/edge/")
    assert [m["ServerCertificateName"] for m in edge["ServerCertificateMetadataList"]] == ["www"]
    iam.delete_server_certificate(ServerCertificateName="www")
    with raises_aws("NoSuchEntity", 404):
        iam.delete_server_certificate(ServerCertificateName="www")


def test_server_certificate_chain(iam, pki):
    root_key = pki.ec_key()
    root = pki.cert(root_key, cn="root", ca=True)
    root_file = pki.path("root.pem")
    root_file.write_text(root)
    mid_key = pki.ec_key()
    mid = pki.cert(mid_key, cn="intermediate", ca=True, issuer=(root_file, root_key))
    mid_file = pki.path("mid.pem")
    mid_file.write_text(mid)
    leaf_key = pki.rsa_key()
    leaf = pki.cert(leaf_key, issuer=(mid_file, mid_key))

    with raises_aws("MalformedCertificate", 400,
                    message_contains="The index within the chain of the invalid certificate "
                                     "is: 0"):
        iam.upload_server_certificate(ServerCertificateName="c", CertificateBody=leaf,
                                      PrivateKey=leaf_key.read_text(),
                                      CertificateChain=root + mid)
    iam.upload_server_certificate(ServerCertificateName="c", CertificateBody=leaf,
                                  PrivateKey=leaf_key.read_text(), CertificateChain=mid + root)
    got = iam.get_server_certificate(ServerCertificateName="c")["ServerCertificate"]
    assert got["CertificateChain"] == mid + root


def test_server_certificate_errors_and_quota(pc, iam, pki):
    key = pki.rsa_key()
    body = pki.cert(key)
    with raises_aws("MalformedCertificate", 400, message_contains="Unable to parse certificate"):
        iam.upload_server_certificate(ServerCertificateName="x", CertificateBody="junk",
                                      PrivateKey=key.read_text())
    with raises_aws("MalformedCertificate", 400):
        iam.upload_server_certificate(ServerCertificateName="x", CertificateBody=body,
                                      PrivateKey="junk")
    with raises_aws("KeyPairMismatch", 400):
        iam.upload_server_certificate(ServerCertificateName="x", CertificateBody=body,
                                      PrivateKey=pki.ec_key().read_text())
    encrypted = pki.path("enc.pem")
    run("openssl", "pkey", "-in", str(key), "-aes256", "-passout", "pass:secret",
        "-out", str(encrypted))
    with raises_aws("MalformedCertificate", 400):
        iam.upload_server_certificate(ServerCertificateName="x", CertificateBody=body,
                                      PrivateKey=encrypted.read_text())

    for i in range(20):
        iam.upload_server_certificate(ServerCertificateName=f"c{i:02}", CertificateBody=body,
                                      PrivateKey=key.read_text())
    with raises_aws("EntityAlreadyExists", 409):
        iam.upload_server_certificate(ServerCertificateName="C00", CertificateBody=body,
                                      PrivateKey=key.read_text())
    err = pc.aws_error("iam", "upload-server-certificate", "--server-certificate-name", "c20",
                       "--certificate-body", body, "--private-key", key.read_text())
    assert "LimitExceeded" in err
    # The private key reaches neither the server's output nor its audit log.
    key_line = key.read_text().splitlines()[1]
    assert key_line not in pc.server.output()
    if not pc.is_moto:
        assert key_line not in pc.server.audit_log.read_text()


def test_server_certificate_authorization(pc, pki):
    creds = pc.make_user("ops", policy=policy_doc(
        allow("iam:*ServerCertificate*", f"arn:aws:iam::{ACCOUNT}:server-certificate/team/*")))
    ops = pc.iam(creds)
    key = pki.rsa_key()
    body = pki.cert(key)
    ops.upload_server_certificate(ServerCertificateName="a", Path="/team/", CertificateBody=body,
                                  PrivateKey=key.read_text())
    with raises_aws("AccessDenied", 403):
        ops.upload_server_certificate(ServerCertificateName="b", CertificateBody=body,
                                      PrivateKey=key.read_text())
    with raises_aws("AccessDenied", 403):
        ops.update_server_certificate(ServerCertificateName="a", NewPath="/other/")
    ops.get_server_certificate(ServerCertificateName="a")
