"""Tags of customer managed policies, instance profiles, MFA devices, OIDC and SAML
providers and server certificates (Tag/Untag/List...Tags), and tag conditions on them:
aws:RequestTag/KEY and aws:TagKeys decide who may tag."""

import json

from e2e_util import raises_aws

ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "*", "Resource": "*"}]})


def tags_of(listed):
    return {t["Key"]: t["Value"] for t in listed["Tags"]}


def test_policy_tags_round_trip(pc, iam):
    arn = iam.create_policy(PolicyName="tagged", PolicyDocument=ALLOW_ALL,
                            Tags=[{"Key": "owner", "Value": "ops"}])["Policy"]["Arn"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == [{"Key": "owner", "Value": "ops"}]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "OWNER", "Value": "dev"},
                                        {"Key": "cost", "Value": "7"}])
    assert tags_of(iam.list_policy_tags(PolicyArn=arn)) == {"owner": "dev", "cost": "7"}
    iam.untag_policy(PolicyArn=arn, TagKeys=["Cost", "absent"])
    assert tags_of(iam.list_policy_tags(PolicyArn=arn)) == {"owner": "dev"}
    # Listings do not carry tags (AWS); GetPolicy does.
    listed = iam.list_policies(Scope="Local")["Policies"]
    assert [p["PolicyName"] for p in listed] == ["tagged"] and "Tags" not in listed[0]
    # The CLI.
    pc.aws("iam", "tag-policy", "--policy-arn", arn, "--tags",
           *[f"Key=k{i},Value=v{i}" for i in range(6)])
    listed = pc.aws("iam", "list-policy-tags", "--policy-arn", arn)
    assert len(listed["Tags"]) == 7
    with raises_aws("NoSuchEntity", 404):
        iam.list_policy_tags(PolicyArn="arn:aws:iam::123456789012:policy/ghost")
    with raises_aws("NoSuchEntity", 404):
        iam.tag_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess",
                       Tags=[{"Key": "a", "Value": "b"}])
    with raises_aws("InvalidInput", 400):
        iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "aws:x", "Value": "b"}])


def test_instance_profile_tags_round_trip(pc, iam):
    iam.create_instance_profile(InstanceProfileName="web",
                                Tags=[{"Key": "env", "Value": "prod"}])
    iam.tag_instance_profile(InstanceProfileName="WEB", Tags=[{"Key": "team", "Value": "red"}])
    assert tags_of(iam.list_instance_profile_tags(InstanceProfileName="web")) == {
        "env": "prod", "team": "red"}
    iam.untag_instance_profile(InstanceProfileName="web", TagKeys=["env"])
    out = pc.aws("iam", "list-instance-profile-tags", "--instance-profile-name", "web")
    assert out["Tags"] == [{"Key": "team", "Value": "red"}]
    assert iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Tags"] == [
        {"Key": "team", "Value": "red"}]
    with raises_aws("NoSuchEntity", 404):
        iam.tag_instance_profile(InstanceProfileName="ghost", Tags=[{"Key": "a", "Value": "b"}])
    with raises_aws("LimitExceeded", 409):
        iam.tag_instance_profile(InstanceProfileName="web",
                                 Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert len(iam.list_instance_profile_tags(InstanceProfileName="web")["Tags"]) == 1


def test_request_tag_conditions_decide_who_may_tag(pc, iam):
    iam.create_instance_profile(InstanceProfileName="web")
    arn = iam.create_policy(PolicyName="p", PolicyDocument=ALLOW_ALL)["Policy"]["Arn"]
    creds = pc.make_user("tagger", policy={"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["iam:TagInstanceProfile", "iam:TagPolicy"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestTag/team": "red"},
                      "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}}]})
    as_user = pc.iam(creds)
    as_user.tag_instance_profile(InstanceProfileName="web",
                                 Tags=[{"Key": "team", "Value": "red"}])
    as_user.tag_policy(PolicyArn=arn, Tags=[{"Key": "team", "Value": "red"}])
    with raises_aws("AccessDenied", 403):
        as_user.tag_instance_profile(InstanceProfileName="web",
                                     Tags=[{"Key": "team", "Value": "blue"}])
    with raises_aws("AccessDenied", 403):
        as_user.tag_policy(PolicyArn=arn, Tags=[{"Key": "team", "Value": "red"},
                                                {"Key": "cost", "Value": "1"}])
    assert tags_of(iam.list_policy_tags(PolicyArn=arn)) == {"team": "red"}


def tag_cycle(tag, untag, list_tags, member, name):
    """Tags, retags in another case, lists (paged), untags one resource through the
    family's boto3 methods."""
    tag(**{member: name}, Tags=[{"Key": "team", "Value": "red"}, {"Key": "env", "Value": "dev"}])
    tag(**{member: name}, Tags=[{"Key": "TEAM", "Value": "blue"}])
    assert tags_of(list_tags(**{member: name})) == {"team": "blue", "env": "dev"}
    page = list_tags(**{member: name}, MaxItems=1)
    assert len(page["Tags"]) == 1 and page["IsTruncated"]
    untag(**{member: name}, TagKeys=["ENV"])
    assert tags_of(list_tags(**{member: name})) == {"team": "blue"}
    with raises_aws("InvalidInput", 400):
        tag(**{member: name}, Tags=[{"Key": "aws:x", "Value": "1"}])
    with raises_aws("NoSuchEntity", 404):
        list_tags(**{member: name + "x"})


def test_mfa_device_tags(pc, iam):
    serial = iam.create_virtual_mfa_device(
        VirtualMFADeviceName="phone",
        Tags=[{"Key": "kind", "Value": "virtual"}])["VirtualMFADevice"]["SerialNumber"]
    assert tags_of(iam.list_mfa_device_tags(SerialNumber=serial)) == {"kind": "virtual"}
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["kind"])
    tag_cycle(iam.tag_mfa_device, iam.untag_mfa_device, iam.list_mfa_device_tags,
              "SerialNumber", serial)
    out = pc.aws("iam", "list-mfa-device-tags", "--serial-number", serial)
    assert out["Tags"] == [{"Key": "team", "Value": "blue"}]


def test_identity_provider_tags(pc, iam):
    from test_identity_providers import metadata  # the IdP metadata document those tests use
    oidc = iam.create_open_id_connect_provider(
        Url="https://tags.example.com", ClientIDList=["app"],
        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
        Tags=[{"Key": "idp", "Value": "oidc"}])["OpenIDConnectProviderArn"]
    assert tags_of(iam.list_open_id_connect_provider_tags(
        OpenIDConnectProviderArn=oidc)) == {"idp": "oidc"}
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=oidc, TagKeys=["idp"])
    tag_cycle(iam.tag_open_id_connect_provider, iam.untag_open_id_connect_provider,
              iam.list_open_id_connect_provider_tags, "OpenIDConnectProviderArn", oidc)
    saml = iam.create_saml_provider(Name="corp", SAMLMetadataDocument=metadata(),
                                    Tags=[{"Key": "idp", "Value": "saml"}])["SAMLProviderArn"]
    assert tags_of(iam.list_saml_provider_tags(SAMLProviderArn=saml)) == {"idp": "saml"}
    iam.untag_saml_provider(SAMLProviderArn=saml, TagKeys=["idp"])
    tag_cycle(iam.tag_saml_provider, iam.untag_saml_provider, iam.list_saml_provider_tags,
              "SAMLProviderArn", saml)
    out = pc.aws("iam", "list-saml-provider-tags", "--saml-provider-arn", saml)
    assert out["Tags"] == [{"Key": "team", "Value": "blue"}]


def test_server_certificate_tags_follow_the_stored_path(pc, iam, tmp_path):
    from test_credentials import Pki  # openssl-made keys, never committed
    pki = Pki(tmp_path)
    key = pki.rsa_key()
    cert = pki.cert(key)
    iam.upload_server_certificate(ServerCertificateName="Web", Path="/cf/",
                                  CertificateBody=cert, PrivateKey=key.read_text(),
                                  Tags=[{"Key": "site", "Value": "www"}])
    assert tags_of(iam.list_server_certificate_tags(ServerCertificateName="web")) == {
        "site": "www"}
    iam.untag_server_certificate(ServerCertificateName="Web", TagKeys=["site"])
    tag_cycle(iam.tag_server_certificate, iam.untag_server_certificate,
              iam.list_server_certificate_tags, "ServerCertificateName", "Web")
    # Authorization is against the certificate's ARN, path included.
    allowed = pc.make_user("cf-admin", policy={"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "iam:TagServerCertificate",
        "Resource": "arn:aws:iam::123456789012:server-certificate/cf/*"}]})
    pc.iam(allowed).tag_server_certificate(ServerCertificateName="Web",
                                           Tags=[{"Key": "k", "Value": "v"}])
    other = pc.make_user("other-admin", policy={"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "iam:TagServerCertificate",
        "Resource": "arn:aws:iam::123456789012:server-certificate/other/*"}]})
    with raises_aws("AccessDenied", 403):
        pc.iam(other).tag_server_certificate(ServerCertificateName="Web",
                                             Tags=[{"Key": "k", "Value": "v"}])
    out = pc.aws("iam", "list-server-certificate-tags", "--server-certificate-name", "Web")
    assert tags_of(out) == {"team": "blue", "k": "v"}


def test_resource_tag_conditions_read_the_targets_tags(pc, iam):
    """aws:ResourceTag/KEY (and iam:ResourceTag/KEY) come from the resource acted on."""
    iam.create_user(UserName="red-user", Tags=[{"Key": "team", "Value": "red"}])
    iam.create_user(UserName="blue-user", Tags=[{"Key": "team", "Value": "blue"}])
    iam.create_role(RoleName="red-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ec2.amazonaws.com"}}]}),
        Tags=[{"Key": "team", "Value": "red"}])
    creds = pc.make_user("red-admin", policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:GetUser", "iam:TagUser"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "red"}}},
        {"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*",
         "Condition": {"StringEquals": {"iam:ResourceTag/team": "red"}}}]})
    as_user = pc.iam(creds)
    assert as_user.get_user(UserName="red-user")["User"]["UserName"] == "red-user"
    as_user.tag_user(UserName="red-user", Tags=[{"Key": "cost", "Value": "1"}])
    assert as_user.get_role(RoleName="red-role")["Role"]["RoleName"] == "red-role"
    with raises_aws("AccessDenied", 403):
        as_user.get_user(UserName="blue-user")
    with raises_aws("AccessDenied", 403):
        as_user.tag_user(UserName="blue-user", Tags=[{"Key": "team", "Value": "red"}])
    # Retagging the user blue takes the access away.
    iam.tag_user(UserName="red-user", Tags=[{"Key": "team", "Value": "blue"}])
    with raises_aws("AccessDenied", 403):
        as_user.get_user(UserName="red-user")
