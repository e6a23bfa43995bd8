"""OIDC and SAML identity providers: Create/Get/Delete/ListOpenIDConnectProviders, the
client-id and thumbprint updates, and Create/Get/Update/Delete/ListSAMLProviders, as boto3,
the aws CLI and raw Query requests (for members newer than Debian's botocore) see them."""

import datetime
import re
import subprocess
import textwrap

from e2e_util import allow, parse_error, policy_doc, raises_aws

ACCOUNT = "123456789012"
THUMB = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

# A self-signed RSA certificate (CN=idp.example.com), the IdP's signing key.
SIGNING_CERT = (
    "MIIDFzCCAf+gAwIBAgIUN1eS7vNtIQwOsuSG8PQeme9dDlQwDQYJKoZIhvcNAQELBQAwGjEYMBYGA1UE"
    "AwwPaWRwLmV4YW1wbGUuY29tMCAXDTI2MTEyODA1MjMwMFoYDzIxMjYxMTA0MDUyMzAwWjAaMRgwFgYD"
    "VQQDDA9pZHAuZXhhbXBsZS5jb20wggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCOVhKJiYh4"
    "QjBXJJ5m9LNAuD3XKQTt27aaKNYCH6ypV2xnyvoGH5SxiDDQWfN0SY0uAlNNHpHSUL+sAffg63oonbsb"
    "9WXF7Z2W3jGLpP9LyvYlVnXiPfWhU/4jxfx2pN5a7ZXW+YJGn6+9+gmeWPGMDrHEQSOIcynm2ccrlGSi"
    "n7BeIWzsS5IRcUFDTsyU+sFmvXHubrr5c37ebdUDi6dKMyqNpP+1DMvi6rc0kfZ4Q1j1Q6RyYy1qS/qc"
    "qPhoG1fCwSMbabOBstp/BX0ByZ4Xvq7AwtWX1/6hyYoT2Q8dOyo5fi2/vN02XOjhWSiD89YRKX7AyAes"
    "cKqkCjUNCEPzAgMBAAGjUzBRMB0GA1UdDgQWBBRzRlHIECuP1qwwyGyNgSXQRRIXnzAfBgNVHSMEGDAW"
    "gBRzRlHIECuP1qwwyGyNgSXQRRIXnzAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQAj"
    "1rP5PLW6f9jTNEhLphDA8p7OMo8tk/LQB1UATVMN0zBDHvt6sPjpK1Z1y/1Id6RLrKTGftl80/TN5hkb"
    "mgmHCHMJQGMcxn2FzVOB5dy7d/9KYMv8LrMdCXKrLvX2tkOpHBMh3OHzBVqiszKo9JTnZ9mTsblWIW57"
    "sWmHmJCY/IvG2klC3lB+5XsKW/pL8PqMGjdqoPRN/HqnBh30km3XN2depjwDZRkMEFwnrxblF0o1nZHP"
    "pb9GQYtW85NPpI7paf1rpeWrY59pEb0Qt+W9qwUDPaerN9UQRgWZ1MDzcxThe3lmXXvfaHjstgfw3rDf"
    "yFjmjR2JlL6zoqiEOZWg"
)


def new_private_key(tmp_path):
    """A fresh unencrypted EC private key (for assertion decryption); none is committed."""
    out = tmp_path / "saml-key.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-out", str(out)], check=True,
                   capture_output=True)
    return out.read_text()


def metadata(entity_id="https://idp.example.com/saml", valid_until=None, use="signing"):
    """An IdP metadata document (longer than the model's 1000-character minimum)."""
    valid = f' validUntil="{valid_until}"' if valid_until else ""
    cert = "\n".join(SIGNING_CERT[i:i + 64] for i in range(0, len(SIGNING_CERT), 64))
    return textwrap.dedent(f"""\
        <?xml version="1.0" encoding="UTF-8"?>
        <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
                             entityID="{entity_id}"{valid}>
          <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            <md:KeyDescriptor use="{use}">
              <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
                <ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data>
              </ds:KeyInfo>
            </md:KeyDescriptor>
            <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
                                    Location="https://idp.example.com/saml/sso"/>
          </md:IDPSSODescriptor>
        </md:EntityDescriptor>
        """)


def oidc_arn(url_without_scheme):
    return f"arn:aws:iam::{ACCOUNT}:oidc-provider/{url_without_scheme}"


def saml_arn(name):
    return f"arn:aws:iam::{ACCOUNT}:saml-provider/{name}"


# OIDC ---------------------------------------------------------------------------------------

def test_oidc_provider_lifecycle(iam):
    created = iam.create_open_id_connect_provider(
        Url="https://token.example.com/realms/dev", ClientIDList=["web", "cli"],
        ThumbprintList=[THUMB], Tags=[{"Key": "team", "Value": "id"}])
    arn = created["OpenIDConnectProviderArn"]
    assert arn == oidc_arn("token.example.com/realms/dev")
    assert created["Tags"] == [{"Key": "team", "Value": "id"}]

    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == "token.example.com/realms/dev"
    assert got["ClientIDList"] == ["web", "cli"]
    assert got["ThumbprintList"] == [THUMB]
    assert isinstance(got["CreateDate"], datetime.datetime)
    assert got["Tags"] == [{"Key": "team", "Value": "id"}]

    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="mobile")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn,
                                                       ClientID="web")
    other = "0" * 40
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn,
                                                   ThumbprintList=[other, THUMB])
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ClientIDList"] == ["cli", "mobile"]
    assert got["ThumbprintList"] == [other, THUMB]

    iam.create_open_id_connect_provider(Url="https://accounts.example.org",
                                        ThumbprintList=[THUMB])
    listed = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert [p["Arn"] for p in listed] == [oidc_arn("accounts.example.org"), arn]

    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    with raises_aws("NoSuchEntity", 404, message_contains="OpenIDConnect Provider not found"):
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)


def test_oidc_provider_errors(iam):
    with raises_aws("InvalidInput", 400, message_contains="Invalid Open ID Connect Provider URL"):
        iam.create_open_id_connect_provider(Url="http://insecure.example.com",
                                            ThumbprintList=[THUMB])
    with raises_aws("InvalidInput", 400, message_contains="must begin with https://"):
        iam.create_open_id_connect_provider(Url="http://insecure.example.com",
                                            ThumbprintList=[THUMB])
    with raises_aws("ValidationError", 400):
        iam.create_open_id_connect_provider(Url="insecure.example.com", ThumbprintList=[THUMB])
    with raises_aws("InvalidInput", 400):
        iam.create_open_id_connect_provider(Url="https://port.example.com:8443",
                                            ThumbprintList=[THUMB])
    with raises_aws("InvalidInput", 400):
        iam.create_open_id_connect_provider(Url="https://q.example.com/?a=b",
                                            ThumbprintList=[THUMB])
    iam.create_open_id_connect_provider(Url="https://dup.example.com", ThumbprintList=[THUMB])
    with raises_aws("EntityAlreadyExists", 409,
                    message_contains="Provider with url https://dup.example.com already exists"):
        iam.create_open_id_connect_provider(Url="https://dup.example.com", ThumbprintList=[THUMB])
    with raises_aws("InvalidInput", 400,
                    message_contains="Thumbprint list must contain fewer than 5 entries"):
        iam.create_open_id_connect_provider(
            Url="https://many.example.com", ThumbprintList=[str(i) * 40 for i in range(6)])
    with raises_aws("InvalidInput", 400):
        iam.create_open_id_connect_provider(Url="https://hex.example.com",
                                            ThumbprintList=["z" * 40])
    with raises_aws("NoSuchEntity", 404):
        iam.add_client_id_to_open_id_connect_provider(
            OpenIDConnectProviderArn=oidc_arn("missing.example.com"), ClientID="x")
    with raises_aws("NoSuchEntity", 404, message_contains="cannot be found"):
        iam.delete_open_id_connect_provider(
            OpenIDConnectProviderArn=oidc_arn("missing.example.com"))
    arn = oidc_arn("dup.example.com")
    for i in range(100):
        iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn,
                                                      ClientID=f"client-{i}")
    with raises_aws("LimitExceeded", 409, message_contains="ClientIdsPerOpenIdConnectProvider"):
        iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn,
                                                      ClientID="one-too-many")


def test_oidc_provider_without_thumbprints_by_raw_query(pc, iam):
    """The current model makes ThumbprintList optional; Debian's botocore still requires it."""
    resp = pc.signed_query({"Action": "CreateOpenIDConnectProvider",
                            "Url": "https://nothumb.example.com",
                            "ClientIDList.member.1": "app"})
    assert resp.status == 200, resp.text
    arn = resp.find("OpenIDConnectProviderArn")
    assert arn == oidc_arn("nothumb.example.com")
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ThumbprintList"] == []
    assert got["ClientIDList"] == ["app"]


def test_oidc_provider_with_the_cli(pc):
    out = pc.aws("iam", "create-open-id-connect-provider", "--url", "https://cli.example.com",
                 "--client-id-list", "sts.amazonaws.com", "--thumbprint-list", THUMB)
    arn = out["OpenIDConnectProviderArn"]
    assert arn == oidc_arn("cli.example.com")
    got = pc.aws("iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", arn)
    assert got["Url"] == "cli.example.com"
    assert got["ClientIDList"] == ["sts.amazonaws.com"]
    listed = pc.aws("iam", "list-open-id-connect-providers")["OpenIDConnectProviderList"]
    assert {"Arn": arn} in listed
    pc.aws("iam", "add-client-id-to-open-id-connect-provider", "--open-id-connect-provider-arn",
           arn, "--client-id", "second")
    pc.aws("iam", "remove-client-id-from-open-id-connect-provider",
           "--open-id-connect-provider-arn", arn, "--client-id", "second")
    pc.aws("iam", "update-open-id-connect-provider-thumbprint", "--open-id-connect-provider-arn",
           arn, "--thumbprint-list", "f" * 40)
    assert "EntityAlreadyExists" in pc.aws_error("iam", "create-open-id-connect-provider",
                                                 "--url", "https://cli.example.com",
                                                 "--thumbprint-list", THUMB)
    pc.aws("iam", "delete-open-id-connect-provider", "--open-id-connect-provider-arn", arn)
    assert "NoSuchEntity" in pc.aws_error("iam", "get-open-id-connect-provider",
                                          "--open-id-connect-provider-arn", arn)


# SAML ---------------------------------------------------------------------------------------

def test_saml_provider_lifecycle(iam):
    doc = metadata()
    created = iam.create_saml_provider(Name="corp", SAMLMetadataDocument=doc,
                                       Tags=[{"Key": "env", "Value": "prod"}])
    arn = created["SAMLProviderArn"]
    assert arn == saml_arn("corp")
    assert created["Tags"] == [{"Key": "env", "Value": "prod"}]

    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == doc
    assert got["Tags"] == [{"Key": "env", "Value": "prod"}]
    # No validUntil in the metadata: 100 years from creation.
    assert got["ValidUntil"].year - got["CreateDate"].year == 100

    listed = iam.list_saml_providers()["SAMLProviderList"]
    assert [p["Arn"] for p in listed] == [arn]
    assert listed[0]["ValidUntil"] == got["ValidUntil"]

    updated = iam.update_saml_provider(SAMLProviderArn=arn,
                                       SAMLMetadataDocument=metadata(
                                           valid_until="2031-05-01T00:00:00Z"))
    assert updated["SAMLProviderArn"] == arn
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["ValidUntil"] == datetime.datetime(2031, 5, 1, tzinfo=datetime.timezone.utc)

    with raises_aws("EntityAlreadyExists", 409, message_contains="corp already exists"):
        iam.create_saml_provider(Name="corp", SAMLMetadataDocument=doc)
    iam.delete_saml_provider(SAMLProviderArn=arn)
    with raises_aws("NoSuchEntity", 404, message_contains="Manifest not found for arn"):
        iam.get_saml_provider(SAMLProviderArn=arn)
    with raises_aws("NoSuchEntity", 404):
        iam.delete_saml_provider(SAMLProviderArn=arn)
    assert iam.list_saml_providers()["SAMLProviderList"] == []


def test_saml_provider_rejects_bad_metadata(pc, iam):
    with raises_aws("InvalidInput", 400, message_contains="Could not parse metadata"):
        iam.create_saml_provider(Name="enc-only", SAMLMetadataDocument=metadata(use="encryption"))
    broken = metadata().replace("</md:EntityDescriptor>", "")
    with raises_aws("InvalidInput", 400, message_contains="Could not parse metadata"):
        iam.create_saml_provider(Name="broken", SAMLMetadataDocument=broken)
    bad_cert = metadata().replace(SIGNING_CERT[64:128], "A" * 64)
    with raises_aws("InvalidInput", 400, message_contains="Could not parse metadata"):
        iam.create_saml_provider(Name="bad-cert", SAMLMetadataDocument=bad_cert)
    entity = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    with raises_aws("InvalidInput", 400):
        iam.create_saml_provider(Name="xxe", SAMLMetadataDocument=metadata().replace(
            '<?xml version="1.0" encoding="UTF-8"?>', entity))
    # Below the model's 1000-character minimum (botocore checks it too): ValidationError.
    err = parse_error(pc.signed_query({"Action": "CreateSAMLProvider", "Name": "short",
                                       "SAMLMetadataDocument": "<x/>"}))
    assert (err.status, err.code) == (400, "ValidationError")
    assert iam.list_saml_providers()["SAMLProviderList"] == []


def test_saml_encryption_settings_by_raw_query(pc, iam, tmp_path):
    """AssertionEncryptionMode and private keys are newer than Debian's botocore."""
    private_key = new_private_key(tmp_path)
    resp = pc.signed_query({"Action": "CreateSAMLProvider", "Name": "enc",
                            "SAMLMetadataDocument": metadata(),
                            "AssertionEncryptionMode": "Required"})
    err = parse_error(resp)
    assert (err.status, err.code) == (400, "InvalidInput")
    resp = pc.signed_query({"Action": "CreateSAMLProvider", "Name": "enc",
                            "SAMLMetadataDocument": metadata(),
                            "AssertionEncryptionMode": "Required",
                            "AddPrivateKey": private_key})
    assert resp.status == 200, resp.text
    resp = pc.signed_query({"Action": "GetSAMLProvider", "SAMLProviderArn": saml_arn("enc")})
    assert resp.status == 200, resp.text
    assert resp.find("AssertionEncryptionMode") == "Required"
    assert re.fullmatch(r"[A-Z0-9]{22,64}", resp.find("KeyId"))
    assert re.fullmatch(r"[A-Z0-9]{22,64}", resp.find("SAMLProviderUUID"))
    assert "PRIVATE KEY" not in resp.text
    resp = pc.signed_query({"Action": "UpdateSAMLProvider", "SAMLProviderArn": saml_arn("enc"),
                            "RemovePrivateKey": resp.find("KeyId")})
    err = parse_error(resp)
    assert (err.status, err.code) == (400, "InvalidInput")
    iam.delete_saml_provider(SAMLProviderArn=saml_arn("enc"))


def test_saml_provider_with_the_cli(pc):
    path = pc.write_tmp("idp-metadata.xml", metadata())
    out = pc.aws("iam", "create-saml-provider", "--name", "cli-idp",
                 "--saml-metadata-document", f"file://{path}")
    arn = out["SAMLProviderArn"]
    assert arn == saml_arn("cli-idp")
    got = pc.aws("iam", "get-saml-provider", "--saml-provider-arn", arn)
    assert got["SAMLMetadataDocument"] == metadata()
    listed = pc.aws("iam", "list-saml-providers")["SAMLProviderList"]
    assert arn in [p["Arn"] for p in listed]
    pc.aws("iam", "update-saml-provider", "--saml-provider-arn", arn,
           "--saml-metadata-document", f"file://{path}")
    bad = pc.write_tmp("bad-metadata.xml", metadata(use="encryption"))
    assert "Could not parse metadata" in pc.aws_error(
        "iam", "create-saml-provider", "--name", "cli-bad",
        "--saml-metadata-document", f"file://{bad}")
    pc.aws("iam", "delete-saml-provider", "--saml-provider-arn", arn)
    assert "NoSuchEntity" in pc.aws_error("iam", "get-saml-provider", "--saml-provider-arn", arn)


def test_identity_providers_access_denied(pc, iam):
    iam.create_saml_provider(Name="guarded", SAMLMetadataDocument=metadata())
    creds = pc.make_user("idp-limited", policy=policy_doc(
        allow("iam:GetSAMLProvider", saml_arn("guarded")),
        allow("iam:CreateOpenIDConnectProvider", oidc_arn("mine.example.com"))))
    limited = pc.iam(creds)
    assert limited.get_saml_provider(SAMLProviderArn=saml_arn("guarded"))["SAMLMetadataDocument"]
    with raises_aws("AccessDenied", 403, message_contains="iam:DeleteSAMLProvider"):
        limited.delete_saml_provider(SAMLProviderArn=saml_arn("guarded"))
    with raises_aws("AccessDenied", 403):
        limited.list_saml_providers()
    limited.create_open_id_connect_provider(Url="https://mine.example.com",
                                            ThumbprintList=[THUMB])
    with raises_aws("AccessDenied", 403):
        limited.create_open_id_connect_provider(Url="https://other.example.com",
                                                ThumbprintList=[THUMB])
    # Tags at creation also need iam:TagOpenIDConnectProvider.
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=oidc_arn("mine.example.com"))
    with raises_aws("AccessDenied", 403, message_contains="iam:TagOpenIDConnectProvider"):
        limited.create_open_id_connect_provider(Url="https://mine.example.com",
                                                ThumbprintList=[THUMB],
                                                Tags=[{"Key": "k", "Value": "v"}])
