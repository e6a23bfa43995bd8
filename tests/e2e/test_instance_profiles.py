"""Instance profiles: Create/Get/Delete/ListInstanceProfiles, Add/RemoveRoleFromInstanceProfile
and ListInstanceProfilesForRole, as boto3 and the aws CLI see them."""

import json
import re

from e2e_util import allow, policy_doc, raises_aws

ACCOUNT = "123456789012"

TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


def test_instance_profile_lifecycle(iam):
    created = iam.create_instance_profile(InstanceProfileName="web", Path="/srv/",
                                          Tags=[{"Key": "env", "Value": "prod"}])
    profile = created["InstanceProfile"]
    assert profile["InstanceProfileName"] == "web"
    assert profile["Path"] == "/srv/"
    assert profile["Arn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/srv/web"
    assert re.fullmatch(r"AIPA[A-Z0-9]{17}", profile["InstanceProfileId"])
    assert profile["Roles"] == []

    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="app")
    got = iam.get_instance_profile(InstanceProfileName="WEB")["InstanceProfile"]
    assert got["InstanceProfileId"] == profile["InstanceProfileId"]
    assert [r["RoleName"] for r in got["Roles"]] == ["app"]
    assert got["Roles"][0]["AssumeRolePolicyDocument"] == json.loads(TRUST)
    assert got["Tags"] == [{"Key": "env", "Value": "prod"}]

    listed = iam.list_instance_profiles()["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in listed] == ["web"]
    assert iam.list_instance_profiles(PathPrefix="/other/")["InstanceProfiles"] == []
    for_role = iam.list_instance_profiles_for_role(RoleName="app")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in for_role] == ["web"]

    # AWS: a role in an instance profile cannot be deleted, nor a profile holding a role.
    with raises_aws("DeleteConflict", 409,
                    message_contains="must remove roles from instance profile first"):
        iam.delete_role(RoleName="app")
    with raises_aws("DeleteConflict", 409,
                    message_contains="must remove roles from instance profile first"):
        iam.delete_instance_profile(InstanceProfileName="web")

    iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="app")
    assert iam.list_instance_profiles_for_role(RoleName="app")["InstanceProfiles"] == []
    iam.delete_instance_profile(InstanceProfileName="web")
    iam.delete_role(RoleName="app")
    with raises_aws("NoSuchEntity", 404, message_contains="Instance Profile web cannot be found"):
        iam.get_instance_profile(InstanceProfileName="web")


def test_instance_profile_errors(iam):
    iam.create_instance_profile(InstanceProfileName="p")
    with raises_aws("EntityAlreadyExists", 409):
        iam.create_instance_profile(InstanceProfileName="P")
    with raises_aws("NoSuchEntity", 404):
        iam.delete_instance_profile(InstanceProfileName="nope")
    with raises_aws("NoSuchEntity", 404):
        iam.add_role_to_instance_profile(InstanceProfileName="p", RoleName="nobody")
    with raises_aws("NoSuchEntity", 404):
        iam.list_instance_profiles_for_role(RoleName="nobody")
    iam.create_role(RoleName="r1", AssumeRolePolicyDocument=TRUST)
    iam.create_role(RoleName="r2", AssumeRolePolicyDocument=TRUST)
    with raises_aws("NoSuchEntity", 404):
        iam.remove_role_from_instance_profile(InstanceProfileName="p", RoleName="r1")
    iam.add_role_to_instance_profile(InstanceProfileName="p", RoleName="r1")
    # AWS: an instance profile holds one role.
    with raises_aws("LimitExceeded", 409,
                    message_contains="Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"):
        iam.add_role_to_instance_profile(InstanceProfileName="p", RoleName="r2")


def test_instance_profiles_paging(iam):
    for name in ("a", "b", "c"):
        iam.create_instance_profile(InstanceProfileName=name)
    page = iam.list_instance_profiles(MaxItems=2)
    assert page["IsTruncated"]
    rest = iam.list_instance_profiles(Marker=page["Marker"])
    names = [p["InstanceProfileName"] for p in page["InstanceProfiles"] + rest["InstanceProfiles"]]
    assert names == ["a", "b", "c"]


def test_instance_profiles_with_the_cli(pc):
    out = pc.aws("iam", "create-instance-profile", "--instance-profile-name", "cli-profile")
    assert out["InstanceProfile"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/cli-profile"
    trust_file = pc.write_tmp("trust-ip.json", TRUST)
    pc.aws("iam", "create-role", "--role-name", "cli-ip-role",
           "--assume-role-policy-document", f"file://{trust_file}")
    pc.aws("iam", "add-role-to-instance-profile", "--instance-profile-name", "cli-profile",
           "--role-name", "cli-ip-role")
    got = pc.aws("iam", "get-instance-profile", "--instance-profile-name", "cli-profile")
    assert [r["RoleName"] for r in got["InstanceProfile"]["Roles"]] == ["cli-ip-role"]
    listed = pc.aws("iam", "list-instance-profiles-for-role", "--role-name", "cli-ip-role")
    assert [p["InstanceProfileName"] for p in listed["InstanceProfiles"]] == ["cli-profile"]
    assert "LimitExceeded" in pc.aws_error("iam", "add-role-to-instance-profile",
                                           "--instance-profile-name", "cli-profile",
                                           "--role-name", "cli-ip-role")
    pc.aws("iam", "remove-role-from-instance-profile", "--instance-profile-name",
           "cli-profile", "--role-name", "cli-ip-role")
    pc.aws("iam", "delete-instance-profile", "--instance-profile-name", "cli-profile")
    assert pc.aws("iam", "list-instance-profiles")["InstanceProfiles"] == []


def test_account_authorization_details_lists_instance_profiles(iam):
    iam.create_role(RoleName="detail", AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName="detail-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="detail-profile", RoleName="detail")
    details = iam.get_account_authorization_details(Filter=["Role"])
    [role] = details["RoleDetailList"]
    assert [p["InstanceProfileName"] for p in role["InstanceProfileList"]] == ["detail-profile"]


def test_instance_profile_access_denied(pc, iam):
    iam.create_instance_profile(InstanceProfileName="guarded")
    creds = pc.make_user("ip-limited", policy=policy_doc(
        allow("iam:GetInstanceProfile", f"arn:aws:iam::{ACCOUNT}:instance-profile/guarded")))
    limited = pc.iam(creds)
    assert limited.get_instance_profile(
        InstanceProfileName="guarded")["InstanceProfile"]["InstanceProfileName"] == "guarded"
    with raises_aws("AccessDenied", 403, message_contains="iam:CreateInstanceProfile"):
        limited.create_instance_profile(InstanceProfileName="mine")
    with raises_aws("AccessDenied", 403):
        limited.delete_instance_profile(InstanceProfileName="guarded")
    with raises_aws("AccessDenied", 403):
        limited.list_instance_profiles()
