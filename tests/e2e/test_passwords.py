"""Passwords: login profiles, ChangePassword, the account password policy, its
enforcement and reuse prevention, with boto3 and the aws CLI."""

import datetime
import json
import time

import pytest

from conftest import TARGET
from e2e_util import allow, policy_doc, raises_aws

GOOD = "Correct-Horse-42"
GOOD2 = "Battery-Staple-43"


def test_login_profile_lifecycle(iam):
    iam.create_user(UserName="pw")
    created = iam.create_login_profile(UserName="pw", Password=GOOD,
                                       PasswordResetRequired=True)["LoginProfile"]
    assert created["UserName"] == "pw"
    assert created["PasswordResetRequired"] is True
    assert isinstance(created["CreateDate"], datetime.datetime)
    assert GOOD not in json.dumps(created, default=str)

    got = iam.get_login_profile(UserName="pw")["LoginProfile"]
    assert got["UserName"] == "pw"
    assert got["PasswordResetRequired"] is True
    assert got["CreateDate"] == created["CreateDate"]

    with raises_aws("EntityAlreadyExists", 409, message_contains="Login Profile for user pw"):
        iam.create_login_profile(UserName="pw", Password=GOOD)
    with raises_aws("NoSuchEntity", 404):
        iam.create_login_profile(UserName="nobody", Password=GOOD)

    iam.update_login_profile(UserName="pw", Password=GOOD2, PasswordResetRequired=False)
    assert iam.get_login_profile(UserName="pw")["LoginProfile"]["PasswordResetRequired"] is False

    with raises_aws("DeleteConflict", 409,
                    message_contains="Cannot delete entity, must delete login profile first."):
        iam.delete_user(UserName="pw")
    iam.delete_login_profile(UserName="pw")
    with raises_aws("NoSuchEntity", 404,
                    message_contains="Login Profile for User pw cannot be found."):
        iam.get_login_profile(UserName="pw")
    with raises_aws("NoSuchEntity", 404):
        iam.delete_login_profile(UserName="pw")
    with raises_aws("NoSuchEntity", 404):
        iam.update_login_profile(UserName="pw", Password=GOOD)
    iam.delete_user(UserName="pw")


def test_policy_refuses_a_violating_password_and_accepts_a_compliant_one(pc, iam):
    with raises_aws("NoSuchEntity", 404, message_contains=(
            "The Password Policy with domain name ACCOUNT cannot be found.")):
        iam.get_account_password_policy()

    # The aws CLI sets the policy.
    pc.aws("iam", "update-account-password-policy", "--minimum-password-length", "14",
           "--require-symbols", "--require-numbers", "--require-uppercase-characters",
           "--require-lowercase-characters", "--allow-users-to-change-password",
           "--max-password-age", "90", "--password-reuse-prevention", "5", "--hard-expiry")
    policy = pc.aws("iam", "get-account-password-policy")["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 14
    assert policy["RequireSymbols"] and policy["RequireNumbers"]
    assert policy["RequireUppercaseCharacters"] and policy["RequireLowercaseCharacters"]
    assert policy["AllowUsersToChangePassword"] is True
    assert policy["ExpirePasswords"] is True
    assert policy["MaxPasswordAge"] == 90
    assert policy["PasswordReusePrevention"] == 5
    assert policy["HardExpiry"] is True

    iam.create_user(UserName="strict")
    for weak in ("Short-1a", "no-upper-case-1234", "NO-LOWER-CASE-1234",
                 "No-Numbers-At-All", "NoSymbols1234567"):
        with raises_aws("PasswordPolicyViolation",
                        message_contains="does not conform to the account password policy"):
            iam.create_login_profile(UserName="strict", Password=weak)
    err = pc.aws_error("iam", "create-login-profile", "--user-name", "strict",
                       "--password", "tooweak")
    assert "PasswordPolicyViolation" in err
    assert "tooweak" not in err
    out = pc.aws("iam", "create-login-profile", "--user-name", "strict",
                 "--password", "Long-Enough-Pass-42")
    assert out["LoginProfile"]["UserName"] == "strict"

    # Replacing the policy resets members left out; deleting it removes it.
    iam.update_account_password_policy(MinimumPasswordLength=8)
    replaced = iam.get_account_password_policy()["PasswordPolicy"]
    assert replaced["MinimumPasswordLength"] == 8
    assert replaced["ExpirePasswords"] is False
    assert "MaxPasswordAge" not in replaced
    assert replaced["AllowUsersToChangePassword"] is False
    iam.delete_account_password_policy()
    with raises_aws("NoSuchEntity", 404):
        iam.delete_account_password_policy()


def test_reuse_prevention(iam):
    iam.update_account_password_policy(PasswordReusePrevention=2)
    iam.create_user(UserName="reuser")
    iam.create_login_profile(UserName="reuser", Password="first-pass")
    with raises_aws("PasswordPolicyViolation"):
        iam.update_login_profile(UserName="reuser", Password="first-pass")
    iam.update_login_profile(UserName="reuser", Password="second-pass")
    with raises_aws("PasswordPolicyViolation"):
        iam.update_login_profile(UserName="reuser", Password="first-pass")
    iam.update_login_profile(UserName="reuser", Password="third-pass")
    # Only the last two passwords are remembered.
    iam.update_login_profile(UserName="reuser", Password="first-pass")


def test_change_password_with_the_users_own_keys(pc, iam):
    creds = pc.make_user("changer", policy=policy_doc(
        allow("iam:ChangePassword", pc.user_arn("changer"))))
    iam.create_login_profile(UserName="changer", Password=GOOD, PasswordResetRequired=True)
    own = pc.iam(creds)

    with raises_aws("AccessDenied", 403):
        own.change_password(OldPassword="Wrong-Old-Pass-1", NewPassword=GOOD2)
    with raises_aws("PasswordPolicyViolation"):
        own.change_password(OldPassword=GOOD, NewPassword="weak")
    own.change_password(OldPassword=GOOD, NewPassword=GOOD2)
    assert iam.get_login_profile(UserName="changer")["LoginProfile"][
        "PasswordResetRequired"] is False
    # The aws CLI, with the user's keys; the old password no longer works.
    pc.aws("iam", "change-password", "--old-password", GOOD2, "--new-password",
           "Third-Password-44", creds=creds)
    err = pc.aws_error("iam", "change-password", "--old-password", GOOD2, "--new-password",
                       "Fourth-Password-45", creds=creds)
    assert "AccessDenied" in err

    # The root user has no password to change this way.
    with raises_aws("InvalidUserType"):
        iam.change_password(OldPassword=GOOD, NewPassword=GOOD2)


def test_access_denied_without_permission(pc, iam):
    iam.create_user(UserName="target")
    creds = pc.make_user("nosy", policy=policy_doc(allow("iam:GetUser")))
    nosy = pc.iam(creds)
    with raises_aws("AccessDenied", 403):
        nosy.create_login_profile(UserName="target", Password=GOOD)
    with raises_aws("AccessDenied", 403):
        nosy.get_account_password_policy()
    with raises_aws("AccessDenied", 403):
        nosy.update_account_password_policy(MinimumPasswordLength=6)
    # No iam:ChangePassword and AllowUsersToChangePassword unset.
    iam.create_login_profile(UserName="nosy", Password=GOOD)
    with raises_aws("AccessDenied", 403):
        nosy.change_password(OldPassword=GOOD, NewPassword=GOOD2)
    # AllowUsersToChangePassword lets every IAM user change their own password.
    iam.update_account_password_policy(AllowUsersToChangePassword=True)
    nosy.change_password(OldPassword=GOOD, NewPassword=GOOD2)


@pytest.mark.skipif(TARGET == "moto", reason="moto writes no audit log")
def test_passwords_never_reach_the_audit_log(pc, iam):
    iam.create_user(UserName="audited")
    iam.create_login_profile(UserName="audited", Password="Audit-Secret-Pass-9")
    iam.update_login_profile(UserName="audited", Password="Audit-Secret-Pass-10")
    deadline = time.monotonic() + 5
    path = pc.server.audit_log
    while time.monotonic() < deadline:
        text = path.read_text() if path is not None and path.exists() else ""
        if "UpdateLoginProfile" in text:
            break
        time.sleep(0.1)
    assert "UpdateLoginProfile" in text
    assert "Audit-Secret-Pass" not in text
    assert "argon2id" not in text
    assert "Audit-Secret-Pass" not in pc.server.output()
