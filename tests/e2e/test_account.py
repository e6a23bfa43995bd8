"""GetAccountSummary and GetAccountAuthorizationDetails."""

import json

from e2e_util import allow, policy_doc

ACCOUNT = "123456789012"
S3 = {"Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def test_account_summary(iam):
    empty = iam.get_account_summary()["SummaryMap"]
    assert empty["Users"] == 0
    assert empty["Groups"] == 0
    assert empty["Policies"] == 0
    # AWS's documented default quotas.
    assert empty["AccessKeysPerUserQuota"] == 2
    assert empty["AttachedPoliciesPerUserQuota"] == 10
    assert empty["AttachedPoliciesPerGroupQuota"] == 10
    assert empty["VersionsPerPolicyQuota"] == 5
    assert empty["UserPolicySizeQuota"] == 2048
    assert empty["GroupPolicySizeQuota"] == 5120
    assert empty["PolicySizeQuota"] == 6144
    assert empty["GroupsPerUserQuota"] == 10
    assert empty["UsersQuota"] == 5000
    assert empty["GroupsQuota"] == 300

    iam.create_user(UserName="a")
    iam.create_user(UserName="b")
    iam.create_group(GroupName="g")
    iam.create_policy(PolicyName="p", PolicyDocument=json.dumps(S3))
    iam.create_policy(PolicyName="q", PolicyDocument=json.dumps(S3))
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["Users"] == 2
    assert summary["Groups"] == 1
    assert summary["Policies"] == 2
    iam.delete_user(UserName="b")
    assert iam.get_account_summary()["SummaryMap"]["Users"] == 1


def test_account_authorization_details(iam):
    iam.create_user(UserName="ada", Path="/x/")
    iam.create_group(GroupName="eng")
    iam.add_user_to_group(GroupName="eng", UserName="ada")
    iam.put_user_policy(UserName="ada", PolicyName="inline", PolicyDocument=json.dumps(S3))
    iam.put_group_policy(GroupName="eng", PolicyName="ginline",
                         PolicyDocument=policy_doc(allow("iam:List*")))
    arn = iam.create_policy(PolicyName="managed", PolicyDocument=json.dumps(S3))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy_doc(allow("s3:Get*")),
                              SetAsDefault=True)
    iam.attach_user_policy(UserName="ada", PolicyArn=arn)
    iam.attach_group_policy(GroupName="eng",
                            PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")

    details = iam.get_account_authorization_details()
    users = {u["UserName"]: u for u in details["UserDetailList"]}
    assert list(users) == ["ada"]
    ada = users["ada"]
    assert ada["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/x/ada"
    assert ada["Path"] == "/x/"
    assert ada["GroupList"] == ["eng"]
    assert ada["UserPolicyList"] == [{"PolicyName": "inline", "PolicyDocument": S3}]
    assert ada["AttachedManagedPolicies"] == [{"PolicyName": "managed", "PolicyArn": arn}]

    groups = {g["GroupName"]: g for g in details["GroupDetailList"]}
    assert list(groups) == ["eng"]
    assert groups["eng"]["GroupPolicyList"][0]["PolicyName"] == "ginline"
    assert groups["eng"]["GroupPolicyList"][0]["PolicyDocument"]["Statement"][0]["Action"] \
        == "iam:List*"
    assert groups["eng"]["AttachedManagedPolicies"] == [
        {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]

    local = iam.get_account_authorization_details(Filter=["LocalManagedPolicy"])
    assert local.get("UserDetailList", []) == []
    assert local.get("GroupDetailList", []) == []
    [policy] = local["Policies"]
    assert policy["Arn"] == arn
    assert policy["DefaultVersionId"] == "v2"
    assert policy["AttachmentCount"] == 1
    versions = {v["VersionId"]: v for v in policy["PolicyVersionList"]}
    assert set(versions) == {"v1", "v2"}
    assert versions["v2"]["IsDefaultVersion"] is True
    assert versions["v1"]["Document"] == S3

    only_users = iam.get_account_authorization_details(Filter=["User"])
    assert [u["UserName"] for u in only_users["UserDetailList"]] == ["ada"]
    assert only_users.get("GroupDetailList", []) == []
    assert only_users.get("Policies", []) == []


def test_account_summary_with_the_cli(pc):
    pc.aws("iam", "create-user", "--user-name", "cli-counted")
    summary = pc.aws("iam", "get-account-summary")["SummaryMap"]
    assert summary["Users"] == 1
