"""The account-level rest of IAM: account aliases, STS preferences in GetAccountSummary,
outbound web identity federation, the credential report, access advisor
(Generate/GetServiceLastAccessedDetails[WithEntities], ListPoliciesGrantingServiceAccess)
and the Organizations / delegation-request operations a standalone account answers with
errors. Debian's botocore predates some of these operations; those go out as signed Query
requests."""

import base64
import csv
import io
import json
import os
import subprocess
import textwrap

import pytest

from conftest import TARGET, Client
from test_newer_clients import NEWER
from e2e_util import allow, parse_error, policy_doc, raises_aws

ACCOUNT = "123456789012"


def query(pc, action, params=None, creds=None):
    return pc.signed_query({"Action": action, **(params or {})}, creds)


# Aliases -------------------------------------------------------------------------------------

def test_account_alias_lifecycle(pc, iam):
    assert iam.list_account_aliases()["AccountAliases"] == []
    iam.create_account_alias(AccountAlias="example-corp")
    assert iam.list_account_aliases()["AccountAliases"] == ["example-corp"]
    # AWS: a new alias overwrites the previous one.
    pc.aws("iam", "create-account-alias", "--account-alias", "second-name")
    out = pc.aws("iam", "list-account-aliases")
    assert out["AccountAliases"] == ["second-name"]
    with raises_aws("NoSuchEntity", 404, message_contains="example-corp"):
        iam.delete_account_alias(AccountAlias="example-corp")
    pc.aws("iam", "delete-account-alias", "--account-alias", "second-name")
    assert iam.list_account_aliases()["AccountAliases"] == []


def test_account_alias_errors(pc, iam):
    for bad in ("Upper-case", "-leading", "trailing-", "two--hyphens"):
        with raises_aws("ValidationError", 400):
            iam.create_account_alias(AccountAlias=bad)
    for bad in ("ab", "z1" * 32):  # botocore checks lengths itself: send them raw
        resp = query(pc, "CreateAccountAlias", {"AccountAlias": bad})
        assert resp.status == 400 and parse_error(resp).code == "ValidationError", resp.text
    with raises_aws("InvalidInput", 400):
        iam.create_account_alias(AccountAlias="123456789012")
    err = pc.aws_error("iam", "create-account-alias", "--account-alias", "No_Underscores")
    assert "ValidationError" in err
    creds = pc.make_user("nobody")
    with raises_aws("AccessDenied", 403, message_contains="iam:CreateAccountAlias"):
        pc.iam(creds).create_account_alias(AccountAlias="mine")


# Account settings ----------------------------------------------------------------------------

def test_sts_preferences_in_account_summary(pc, iam):
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["GlobalEndpointTokenVersion"] == 1
    for key in ("Users", "Groups", "Roles", "Policies", "MFADevices", "MFADevicesInUse",
                "Providers", "ServerCertificates", "InstanceProfiles", "AccountMFAEnabled",
                "AccountAccessKeysPresent", "AccountSigningCertificatesPresent",
                "PolicyVersionsInUse", "UsersQuota", "GroupsQuota", "RolesQuota"):
        assert key in summary, key
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    assert iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"] == 2
    pc.aws("iam", "set-security-token-service-preferences",
           "--global-endpoint-token-version", "v1Token")
    summary = pc.aws("iam", "get-account-summary")["SummaryMap"]
    assert summary["GlobalEndpointTokenVersion"] == 1
    with raises_aws("ValidationError", 400):
        iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v3Token")


def test_outbound_web_identity_federation(pc):
    resp = query(pc, "GetOutboundWebIdentityFederationInfo")
    assert resp.status == 404 and parse_error(resp).code == "FeatureDisabled"
    resp = query(pc, "EnableOutboundWebIdentityFederation")
    assert resp.status == 200, resp.text
    issuer = resp.find("IssuerIdentifier")
    assert issuer.startswith("https://") and issuer.endswith(".tokens.sts.global.api.aws")
    resp = query(pc, "EnableOutboundWebIdentityFederation")
    assert resp.status == 409 and parse_error(resp).code == "FeatureEnabled"
    resp = query(pc, "GetOutboundWebIdentityFederationInfo")
    assert resp.find("IssuerIdentifier") == issuer
    assert resp.find("JwtVendingEnabled") == "true"
    resp = query(pc, "DisableOutboundWebIdentityFederation")
    assert resp.status == 200, resp.text
    resp = query(pc, "DisableOutboundWebIdentityFederation")
    assert resp.status == 404 and parse_error(resp).code == "FeatureDisabled"


# Credential report ---------------------------------------------------------------------------

COLUMNS = [
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used",
    "password_last_changed", "password_next_rotation", "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_1_last_used_region", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
    "access_key_2_last_used_region", "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
]


def test_credential_report(pc, iam):
    with raises_aws("ReportNotPresent", 410):
        iam.get_credential_report()
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Sup3r-secret-pw!")
    creds = pc.make_user("keyuser", policy=policy_doc(allow("iam:GetUser")))
    pc.iam(creds).get_user()  # the key is used: last used date, region and service
    iam.create_access_key(UserName="alice")

    assert iam.generate_credential_report()["State"] == "STARTED"
    assert pc.aws("iam", "generate-credential-report")["State"] == "COMPLETE"
    report = iam.get_credential_report()
    assert report["ReportFormat"] == "text/csv"
    assert report["GeneratedTime"]
    rows = list(csv.DictReader(io.StringIO(report["Content"].decode())))
    assert list(rows[0].keys()) == COLUMNS

    root = rows[0]
    assert root["user"] == "<root_account>"
    assert root["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert root["password_enabled"] == "not_supported"
    assert root["password_last_changed"] == "not_supported"
    assert root["password_next_rotation"] == "not_supported"
    assert root["access_key_1_active"] == "true"

    by_user = {r["user"]: r for r in rows[1:]}
    assert sorted(by_user) == ["alice", "keyuser"]
    alice = by_user["alice"]
    assert alice["arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert alice["password_enabled"] == "true"
    assert alice["password_last_used"] == "no_information"
    assert alice["password_last_changed"].endswith("+00:00")
    assert alice["password_next_rotation"] == "N/A"
    assert alice["mfa_active"] == "false"
    assert alice["access_key_1_active"] == "true"
    assert alice["access_key_1_last_rotated"].endswith("+00:00")
    assert alice["access_key_1_last_used_date"] == "N/A"
    assert alice["access_key_2_active"] == "false"
    assert alice["access_key_2_last_rotated"] == "N/A"
    assert alice["cert_1_active"] == "false" and alice["cert_1_last_rotated"] == "N/A"

    keyuser = by_user["keyuser"]
    assert keyuser["password_enabled"] == "false"
    assert keyuser["password_last_used"] == "N/A"
    assert keyuser["password_last_changed"] == "N/A"
    assert keyuser["access_key_1_active"] == "true"
    assert keyuser["access_key_1_last_used_date"].endswith("+00:00")
    assert keyuser["access_key_1_last_used_region"] == "us-east-1"
    assert keyuser["access_key_1_last_used_service"] == "iam"

    # The aws CLI prints the blob base64-encoded.
    out = pc.aws("iam", "get-credential-report")
    assert base64.b64decode(out["Content"]).decode().startswith("user,arn,")


# Access advisor ------------------------------------------------------------------------------

def test_access_advisor_after_real_calls(pc, iam):
    creds = pc.make_user("carol", policy=policy_doc(
        allow(["iam:GetUser", "iam:ListUsers"]), allow("s3:GetObject")))
    me = pc.iam(creds)
    me.get_user()
    me.list_users()
    arn = pc.user_arn("carol")

    job_id = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    details = iam.get_service_last_accessed_details(JobId=job_id)
    assert details["JobStatus"] == "COMPLETED"
    services = {s["ServiceNamespace"]: s for s in details["ServicesLastAccessed"]}
    assert set(services) == {"iam", "s3"}
    used = services["iam"]
    assert used["ServiceName"] == "AWS Identity and Access Management"
    assert used["LastAuthenticated"]
    assert used["LastAuthenticatedEntity"] == arn
    assert used["LastAuthenticatedRegion"] == "us-east-1"
    assert used["TotalAuthenticatedEntities"] == 1
    assert "LastAuthenticated" not in services["s3"]
    assert services["s3"]["TotalAuthenticatedEntities"] == 0

    out = pc.aws("iam", "generate-service-last-accessed-details", "--arn", arn,
                 "--granularity", "ACTION_LEVEL")
    details = pc.aws("iam", "get-service-last-accessed-details", "--job-id", out["JobId"])
    assert details["JobType"] == "ACTION_LEVEL"
    iam_svc = [s for s in details["ServicesLastAccessed"] if s["ServiceNamespace"] == "iam"][0]
    actions = {a["ActionName"]: a for a in iam_svc["TrackedActionsLastAccessed"]}
    assert set(actions) == {"GetUser", "ListUsers"}
    assert actions["GetUser"]["LastAccessedEntity"] == arn
    assert actions["ListUsers"]["LastAccessedRegion"] == "us-east-1"

    entities = iam.get_service_last_accessed_details_with_entities(
        JobId=job_id, ServiceNamespace="iam")
    assert [e["EntityInfo"]["Name"] for e in entities["EntityDetailsList"]] == ["carol"]
    assert entities["EntityDetailsList"][0]["EntityInfo"]["Type"] == "USER"
    assert entities["EntityDetailsList"][0]["LastAuthenticated"]

    with raises_aws("NoSuchEntity", 404):
        iam.get_service_last_accessed_details(JobId="00000000-0000-4000-8000-000000000000")
    with raises_aws("NoSuchEntity", 404):
        iam.generate_service_last_accessed_details(Arn=pc.user_arn("ghost"))
    with raises_aws("InvalidInput", 400):
        iam.generate_service_last_accessed_details(Arn="arn:aws:s3:::some-bucket-name")


def test_access_advisor_for_a_group(pc, iam):
    creds = pc.make_user("erin")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="erin")
    iam.put_group_policy(GroupName="devs", PolicyName="read",
                         PolicyDocument=policy_doc(allow("iam:Get*")))
    pc.iam(creds).get_user()
    job_id = iam.generate_service_last_accessed_details(
        Arn=f"arn:aws:iam::{ACCOUNT}:group/devs")["JobId"]
    details = iam.get_service_last_accessed_details(JobId=job_id)
    assert [s["ServiceNamespace"] for s in details["ServicesLastAccessed"]] == ["iam"]
    assert details["ServicesLastAccessed"][0]["LastAuthenticatedEntity"] == pc.user_arn("erin")
    entities = pc.aws("iam", "get-service-last-accessed-details-with-entities",
                      "--job-id", job_id, "--service-namespace", "iam")
    assert [e["EntityInfo"]["Name"] for e in entities["EntityDetailsList"]] == ["erin"]


def test_list_policies_granting_service_access(pc, iam):
    pc.make_user("frank", policy=policy_doc(allow("s3:*")))
    iam.create_group(GroupName="ops")
    iam.add_user_to_group(GroupName="ops", UserName="frank")
    arn = iam.create_policy(PolicyName="IamRead",
                            PolicyDocument=policy_doc(allow("iam:List*")))["Policy"]["Arn"]
    iam.attach_group_policy(GroupName="ops", PolicyArn=arn)
    out = iam.list_policies_granting_service_access(
        Arn=pc.user_arn("frank"), ServiceNamespaces=["iam", "s3", "ec2"])
    by_ns = {e["ServiceNamespace"]: e["Policies"] for e in out["PoliciesGrantingServiceAccess"]}
    assert by_ns["iam"] == [{"PolicyName": "IamRead", "PolicyType": "MANAGED", "PolicyArn": arn}]
    assert by_ns["s3"] == [{"PolicyName": "frank-inline", "PolicyType": "INLINE",
                            "EntityType": "USER", "EntityName": "frank"}]
    assert by_ns["ec2"] == []
    cli = pc.aws("iam", "list-policies-granting-service-access", "--arn",
                 f"arn:aws:iam::{ACCOUNT}:group/ops", "--service-namespaces", "iam")
    assert [p["PolicyName"] for p in cli["PoliciesGrantingServiceAccess"][0]["Policies"]] == [
        "IamRead"]
    with raises_aws("InvalidInput", 400):
        iam.list_policies_granting_service_access(Arn=arn, ServiceNamespaces=["iam"])


# Organizations and delegation requests -------------------------------------------------------

def test_organizations_operations_without_organization(pc, iam):
    for action in ("EnableOrganizationsRootCredentialsManagement",
                   "DisableOrganizationsRootCredentialsManagement",
                   "EnableOrganizationsRootSessions", "DisableOrganizationsRootSessions",
                   "ListOrganizationsFeatures"):
        resp = query(pc, action)
        err = parse_error(resp)
        assert err.code == "OrganizationNotFoundException", (action, resp.text)
        assert "no organization is associated with your account" in err.message

    job_id = iam.generate_organizations_access_report(
        EntityPath="o-a1b2c3d4e5/r-f6g7h8i9j0example")["JobId"]
    report = iam.get_organizations_access_report(JobId=job_id)
    assert report["JobStatus"] == "FAILED"
    assert report["ErrorDetails"]["Code"] == "OrganizationNotFoundException"
    err = pc.aws_error("iam", "get-organizations-access-report", "--job-id",
                       "00000000-0000-4000-8000-000000000000")
    assert "NoSuchEntity" in err


def test_delegation_requests_do_not_exist(pc):
    for action in ("AcceptDelegationRequest", "AssociateDelegationRequest",
                   "GetDelegationRequest", "RejectDelegationRequest", "SendDelegationToken",
                   "UpdateDelegationRequest"):
        resp = query(pc, action, {"DelegationRequestId": "dr-0123456789abcdef"})
        assert resp.status == 404, (action, resp.text)
        assert parse_error(resp).code == "NoSuchEntity"
    resp = query(pc, "ListDelegationRequests")
    assert resp.status == 200, resp.text
    assert resp.find("isTruncated") == "false"
    resp = query(pc, "CreateDelegationRequest", {
        "Description": "partner access", "RequestorWorkflowId": "workflow-1",
        "NotificationChannel": "arn:aws:sns:us-east-1:123456789012:topic",
        "SessionDuration": "3600",
        "Permissions.PolicyTemplateArn": "arn:aws:iam::aws:policy/template/Example"})
    assert resp.status == 403, resp.text
    assert parse_error(resp).code == "AccessDenied"
    resp = query(pc, "GetHumanReadableSummary",
                 {"EntityArn": f"arn:aws:iam::{ACCOUNT}:delegation-request/dr-0123456789abcdef"})
    assert resp.status == 404 and parse_error(resp).code == "NoSuchEntity"
    resp = query(pc, "GetHumanReadableSummary", {"EntityArn": pc.user_arn("someone")})
    assert resp.status == 400 and parse_error(resp).code == "InvalidInput"


@pytest.mark.skipif(TARGET == "moto", reason="moto keeps its state in memory")
def test_access_activity_survives_a_restart(start_server, tmp_path):
    """The tracker writes an account's activity at shutdown (never per request)."""
    data = tmp_path / "data"
    first = start_server(data, extra_args=["--store", "sqlite"])
    pc = Client(first, tmp_path)
    creds = pc.make_user("gina", policy=policy_doc(allow("iam:GetUser")))
    pc.iam(creds).get_user()
    assert first.stop() == 0

    second = start_server(data, extra_args=["--store", "sqlite"])
    iam = Client(second, tmp_path).iam()
    job_id = iam.generate_service_last_accessed_details(Arn=pc.user_arn("gina"))["JobId"]
    services = iam.get_service_last_accessed_details(JobId=job_id)["ServicesLastAccessed"]
    assert [s["ServiceNamespace"] for s in services] == ["iam"]
    assert services[0]["LastAuthenticatedEntity"] == pc.user_arn("gina")
    assert services[0]["LastAuthenticated"]


# The newer botocore knows the operations Debian's predates ------------------------------------

NEWER_SCRIPT = textwrap.dedent("""
    import json, sys
    import boto3, botocore.config, botocore.exceptions
    endpoint, key, secret = sys.argv[1:4]
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint,
                       aws_access_key_id=key, aws_secret_access_key=secret,
                       config=botocore.config.Config(retries={"total_max_attempts": 1}))

    def code(call, **kwargs):
        try:
            call(**kwargs)
            return None
        except botocore.exceptions.ClientError as e:
            return [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]

    out = {}
    out["issuer"] = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    info = iam.get_outbound_web_identity_federation_info()
    out["info"] = [info["IssuerIdentifier"], info["JwtVendingEnabled"]]
    out["enable_again"] = code(iam.enable_outbound_web_identity_federation)
    iam.disable_outbound_web_identity_federation()
    out["info_disabled"] = code(iam.get_outbound_web_identity_federation_info)
    out["orgs"] = [code(getattr(iam, op)) for op in (
        "enable_organizations_root_credentials_management",
        "disable_organizations_root_credentials_management",
        "enable_organizations_root_sessions", "disable_organizations_root_sessions",
        "list_organizations_features")]
    out["delegation"] = [code(getattr(iam, op), DelegationRequestId="dr-0123456789abcdef")
                         for op in ("accept_delegation_request", "associate_delegation_request",
                                    "get_delegation_request", "reject_delegation_request",
                                    "send_delegation_token", "update_delegation_request")]
    out["listed"] = iam.list_delegation_requests().get("DelegationRequests")
    out["summary"] = code(iam.get_human_readable_summary,
                          EntityArn="arn:aws:iam::123456789012:user/someone")
    print(json.dumps(out))
""")


@pytest.mark.skipif(NEWER is None, reason="no newer boto3 on PATH")
def test_newer_boto3_parses_the_newer_operations(pc, tmp_path):
    script = tmp_path / "newer_account.py"
    script.write_text(NEWER_SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run([NEWER, str(script), pc.endpoint, pc.root.access_key_id,
                           pc.root.secret_access_key], capture_output=True, text=True,
                          timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["issuer"].endswith(".tokens.sts.global.api.aws")
    assert out["info"] == [out["issuer"], True]
    assert out["enable_again"] == ["FeatureEnabled", 409]
    assert out["info_disabled"] == ["FeatureDisabled", 404]
    assert out["orgs"] == [["OrganizationNotFoundException", 400]] * 5
    assert out["delegation"] == [["NoSuchEntity", 404]] * 6
    assert out["listed"] == []
    assert out["summary"] == ["InvalidInput", 400]
