"""Customer managed policies, their versions, attachments and AWS managed policies."""

import datetime
import json
import re

from e2e_util import allow, deny, policy_doc, raises_aws

ACCOUNT = "123456789012"
S3_READ = {"Version": "2012-10-17",
           "Statement": [{"Sid": "Read", "Effect": "Allow",
                          "Action": ["s3:GetObject", "s3:ListBucket"],
                          "Resource": "*"}]}


def _doc(version: int) -> str:
    return policy_doc(allow(f"s3:GetObjectVersion{version}" if version else "s3:GetObject"))


def test_create_get_policy(iam):
    created = iam.create_policy(PolicyName="s3-read", Path="/app/",
                                PolicyDocument=json.dumps(S3_READ),
                                Description="read objects")["Policy"]
    arn = f"arn:aws:iam::{ACCOUNT}:policy/app/s3-read"
    assert created["Arn"] == arn
    assert created["PolicyName"] == "s3-read"
    assert created["Path"] == "/app/"
    assert created["DefaultVersionId"] == "v1"
    assert created["AttachmentCount"] == 0
    assert created["IsAttachable"] is True
    assert re.fullmatch(r"ANPA[A-Z0-9]{17}", created["PolicyId"]), created["PolicyId"]

    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert got["PolicyId"] == created["PolicyId"]
    assert got["Description"] == "read objects"
    assert got["DefaultVersionId"] == "v1"

    version = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert version["IsDefaultVersion"] is True
    assert version["VersionId"] == "v1"
    # boto3 URL-decodes and parses the document: it round-trips as a dict.
    assert version["Document"] == S3_READ

    with raises_aws("EntityAlreadyExists", 409):
        iam.create_policy(PolicyName="s3-read", PolicyDocument=json.dumps(S3_READ))
    with raises_aws("NoSuchEntity", 404):
        iam.get_policy(PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/missing")


def test_policy_versions(iam):
    arn = iam.create_policy(PolicyName="versioned", PolicyDocument=_doc(0))["Policy"]["Arn"]
    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=_doc(2))["PolicyVersion"]
    assert v2["VersionId"] == "v2"
    assert v2["IsDefaultVersion"] is False
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"

    v3 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=_doc(3),
                                   SetAsDefault=True)["PolicyVersion"]
    assert v3["VersionId"] == "v3"
    assert v3["IsDefaultVersion"] is True
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"

    iam.create_policy_version(PolicyArn=arn, PolicyDocument=_doc(4))
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=_doc(5))
    listed = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert sorted(v["VersionId"] for v in listed) == ["v1", "v2", "v3", "v4", "v5"]
    assert [v["VersionId"] for v in listed if v["IsDefaultVersion"]] == ["v3"]

    # AWS: at most five versions; a sixth is LimitExceeded.
    with raises_aws("LimitExceeded", 409):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=_doc(6))

    # The default version cannot be deleted.
    with raises_aws("DeleteConflict", 409):
        iam.delete_policy_version(PolicyArn=arn, VersionId="v3")

    iam.set_default_policy_version(PolicyArn=arn, VersionId="v2")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    got = iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]
    assert got["IsDefaultVersion"] is True
    assert got["Document"] == json.loads(_doc(2))

    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    with raises_aws("NoSuchEntity", 404):
        iam.get_policy_version(PolicyArn=arn, VersionId="v1")
    with raises_aws("NoSuchEntity", 404):
        iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    # The next version id keeps counting; it does not reuse v1.
    v6 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=_doc(6))["PolicyVersion"]
    assert v6["VersionId"] == "v6"


def test_delete_policy(iam):
    arn = iam.create_policy(PolicyName="temp", PolicyDocument=_doc(0))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=_doc(2))
    # AWS: all non-default versions must be deleted first.
    with raises_aws("DeleteConflict", 409):
        iam.delete_policy(PolicyArn=arn)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")

    iam.create_user(UserName="holder")
    iam.attach_user_policy(UserName="holder", PolicyArn=arn)
    with raises_aws("DeleteConflict", 409):
        iam.delete_policy(PolicyArn=arn)
    iam.detach_user_policy(UserName="holder", PolicyArn=arn)

    iam.delete_policy(PolicyArn=arn)
    with raises_aws("NoSuchEntity", 404):
        iam.get_policy(PolicyArn=arn)
    assert iam.list_policies(Scope="Local")["Policies"] == []


def test_attach_detach_and_list(iam):
    arn = iam.create_policy(PolicyName="shared", PolicyDocument=_doc(0))["Policy"]["Arn"]
    iam.create_user(UserName="u")
    iam.create_group(GroupName="g")
    iam.attach_user_policy(UserName="u", PolicyArn=arn)
    iam.attach_group_policy(GroupName="g", PolicyArn=arn)
    # Attaching twice is idempotent.
    iam.attach_user_policy(UserName="u", PolicyArn=arn)

    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 2
    assert iam.list_attached_user_policies(UserName="u")["AttachedPolicies"] == [
        {"PolicyName": "shared", "PolicyArn": arn}]
    assert iam.list_attached_group_policies(GroupName="g")["AttachedPolicies"] == [
        {"PolicyName": "shared", "PolicyArn": arn}]

    entities = iam.list_entities_for_policy(PolicyArn=arn)
    assert [u["UserName"] for u in entities["PolicyUsers"]] == ["u"]
    assert entities["PolicyUsers"][0]["UserId"].startswith("AIDA")
    assert [g["GroupName"] for g in entities["PolicyGroups"]] == ["g"]
    assert entities["PolicyRoles"] == []
    only_users = iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="User")
    assert [u["UserName"] for u in only_users["PolicyUsers"]] == ["u"]
    assert only_users["PolicyGroups"] == []

    local = iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]
    assert [p["PolicyName"] for p in local] == ["shared"]

    iam.detach_user_policy(UserName="u", PolicyArn=arn)
    assert iam.list_attached_user_policies(UserName="u")["AttachedPolicies"] == []
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    with raises_aws("NoSuchEntity", 404):
        iam.detach_user_policy(UserName="u", PolicyArn=arn)
    iam.detach_group_policy(GroupName="g", PolicyArn=arn)
    assert iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"] == []

    with raises_aws("NoSuchEntity", 404):
        iam.attach_user_policy(UserName="u",
                               PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/none")
    with raises_aws("NoSuchEntity", 404):
        iam.attach_user_policy(UserName="nobody", PolicyArn=arn)


def test_at_most_ten_managed_policies_per_user(iam):
    iam.create_user(UserName="collector")
    for i in range(10):
        arn = iam.create_policy(PolicyName=f"p{i}", PolicyDocument=_doc(0))["Policy"]["Arn"]
        iam.attach_user_policy(UserName="collector", PolicyArn=arn)
    extra = iam.create_policy(PolicyName="p10", PolicyDocument=_doc(0))["Policy"]["Arn"]
    with raises_aws("LimitExceeded", 409):
        iam.attach_user_policy(UserName="collector", PolicyArn=extra)
    assert len(iam.list_attached_user_policies(UserName="collector")["AttachedPolicies"]) == 10


def test_list_policies_filters(iam):
    iam.create_policy(PolicyName="a", Path="/x/", PolicyDocument=_doc(0))
    b = iam.create_policy(PolicyName="b", Path="/y/", PolicyDocument=_doc(0))["Policy"]["Arn"]
    names = sorted(p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"])
    assert names == ["a", "b"]
    assert [p["PolicyName"] for p in
            iam.list_policies(Scope="Local", PathPrefix="/x/")["Policies"]] == ["a"]
    iam.create_user(UserName="u")
    iam.attach_user_policy(UserName="u", PolicyArn=b)
    attached = iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]
    assert [p["PolicyName"] for p in attached] == ["b"]
    assert attached[0]["AttachmentCount"] == 1
    perms = iam.list_policies(Scope="Local", PolicyUsageFilter="PermissionsPolicy")["Policies"]
    assert sorted(p["PolicyName"] for p in perms) == ["a", "b"]


def _all_aws_policies(iam):
    pages = iam.get_paginator("list_policies").paginate(Scope="AWS")
    return {p["PolicyName"]: p for page in pages for p in page["Policies"]}


def test_aws_managed_policies_are_listed_and_attachable(iam):
    policies = _all_aws_policies(iam)
    for name in ("AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "IAMFullAccess",
                 "IAMReadOnlyAccess", "IAMUserChangePassword", "AmazonS3FullAccess",
                 "AmazonS3ReadOnlyAccess"):
        assert name in policies, name
        assert policies[name]["Arn"] == f"arn:aws:iam::aws:policy/{name}"
        assert policies[name]["IsAttachable"] is True
        assert policies[name]["PolicyId"].startswith("ANPA")
    assert all(p["Arn"].startswith("arn:aws:iam::aws:policy/") for p in policies.values())
    # Scope=Local lists none of them.
    assert iam.list_policies(Scope="Local")["Policies"] == []

    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    got = iam.get_policy(PolicyArn=admin)["Policy"]
    # AWS publishes when each managed policy was created and last updated; neither is
    # the time this server started.
    assert got["CreateDate"].year == 2015
    assert got["CreateDate"] <= got["UpdateDate"]
    assert got["UpdateDate"] < datetime.datetime.now(datetime.timezone.utc) - \
        datetime.timedelta(days=1)
    version = iam.get_policy_version(PolicyArn=admin,
                                     VersionId=got["DefaultVersionId"])["PolicyVersion"]
    statements = version["Document"]["Statement"]
    assert statements == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]

    iam.create_user(UserName="admin")
    iam.attach_user_policy(UserName="admin", PolicyArn=admin)
    assert iam.list_attached_user_policies(UserName="admin")["AttachedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": admin}]
    assert iam.get_policy(PolicyArn=admin)["Policy"]["AttachmentCount"] == 1
    only_attached = iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
    assert [p["PolicyName"] for p in only_attached] == ["AdministratorAccess"]



def test_aws_managed_policy_grants_access(pc, iam):
    creds = pc.make_user("reader")
    iam.attach_user_policy(UserName="reader",
                           PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    reader = pc.iam(creds)
    assert "reader" in [u["UserName"] for u in reader.list_users()["Users"]]
    with raises_aws("AccessDenied", 403):
        reader.create_user(UserName="nope")


def test_managed_policy_grants_and_revokes(pc, iam):
    creds = pc.make_user("worker")
    arn = iam.create_policy(PolicyName="list",
                            PolicyDocument=policy_doc(allow("iam:ListUsers")))["Policy"]["Arn"]
    worker = pc.iam(creds)
    with raises_aws("AccessDenied", 403):
        worker.list_users()
    iam.attach_user_policy(UserName="worker", PolicyArn=arn)
    assert len(worker.list_users()["Users"]) == 1
    # A new default version that denies takes effect at once.
    iam.create_policy_version(PolicyArn=arn, SetAsDefault=True,
                              PolicyDocument=policy_doc(deny("iam:ListUsers")))
    with raises_aws("AccessDenied", 403, message_contains="explicit deny"):
        worker.list_users()
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert len(worker.list_users()["Users"]) == 1
    iam.detach_user_policy(UserName="worker", PolicyArn=arn)
    with raises_aws("AccessDenied", 403):
        worker.list_users()


def test_policies_with_the_cli(pc):
    path = pc.write_tmp("policy.json", json.dumps(S3_READ))
    created = pc.aws("iam", "create-policy", "--policy-name", "cli-policy",
                     "--policy-document", f"file://{path}")
    arn = created["Policy"]["Arn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:policy/cli-policy"
    version = pc.aws("iam", "get-policy-version", "--policy-arn", arn, "--version-id", "v1")
    assert version["PolicyVersion"]["Document"] == S3_READ
    pc.aws("iam", "create-user", "--user-name", "cli-attached")
    pc.aws("iam", "attach-user-policy", "--user-name", "cli-attached", "--policy-arn", arn)
    attached = pc.aws("iam", "list-attached-user-policies", "--user-name", "cli-attached")
    assert attached["AttachedPolicies"] == [{"PolicyName": "cli-policy", "PolicyArn": arn}]


def test_managed_policy_size_quota(iam):
    # AWS: a managed policy document holds at most 6,144 characters (whitespace not
    # counted); beyond it CreatePolicy and CreatePolicyVersion answer LimitExceeded.
    actions = [f"s3:GetObjectVersionTagging{i:04d}" for i in range(200)]  # ~6.6 KB
    with raises_aws("LimitExceeded", 409):
        iam.create_policy(PolicyName="huge", PolicyDocument=policy_doc(allow(actions)))
    arn = iam.create_policy(PolicyName="small", PolicyDocument=_doc(0))["Policy"]["Arn"]
    with raises_aws("LimitExceeded", 409):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy_doc(allow(actions)))
    # Whitespace does not count: the same 150 actions pretty-printed still fit.
    fits = json.dumps(json.loads(policy_doc(allow(actions[:150]))), indent=8)
    assert len(fits) > 6144
    iam.create_policy(PolicyName="pretty", PolicyDocument=fits)


def test_group_quotas(iam):
    # AWS: a user is in at most 10 groups; a group has at most 10 managed policies.
    iam.create_user(UserName="joiner")
    for i in range(10):
        iam.create_group(GroupName=f"g{i}")
        iam.add_user_to_group(GroupName=f"g{i}", UserName="joiner")
    iam.create_group(GroupName="g10")
    with raises_aws("LimitExceeded", 409):
        iam.add_user_to_group(GroupName="g10", UserName="joiner")
    for i in range(10):
        arn = iam.create_policy(PolicyName=f"gp{i}", PolicyDocument=_doc(0))["Policy"]["Arn"]
        iam.attach_group_policy(GroupName="g10", PolicyArn=arn)
    with raises_aws("LimitExceeded", 409):
        iam.attach_group_policy(GroupName="g10",
                                PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
