"""The policy simulator: SimulateCustomPolicy, SimulatePrincipalPolicy,
GetContextKeysForCustomPolicy and GetContextKeysForPrincipalPolicy, as boto3 (with its
paginators) and the aws CLI see them."""

import json
from pathlib import Path

import botocore.exceptions

from e2e_util import allow, deny, policy_doc, raises_aws

ACCOUNT = "123456789012"

# AWS's own example (CLI reference of simulate-custom-policy), reported there as
# Line 1 Column 38 to Line 1 Column 167.
DYNAMO_AFTER_DATE = ('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
                     '"Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":'
                     '"2018-08-16T12:00:00Z"}}}}')


def date_entry(value):
    return [{"ContextKeyName": "aws:CurrentTime", "ContextKeyValues": [value],
             "ContextKeyType": "date"}]


def test_custom_allow_deny_and_positions(iam):
    out = iam.simulate_custom_policy(PolicyInputList=[DYNAMO_AFTER_DATE],
                                     ActionNames=["dynamodb:CreateBackup"],
                                     ContextEntries=date_entry("2019-04-25T11:00:00Z"))
    [result] = out["EvaluationResults"]
    assert result["EvalActionName"] == "dynamodb:CreateBackup"
    assert result["EvalResourceName"] == "*"
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"] == [{
        "SourcePolicyId": "PolicyInputList.1", "SourcePolicyType": "IAM Policy",
        "StartPosition": {"Line": 1, "Column": 38}, "EndPosition": {"Line": 1, "Column": 167}}]
    assert result["MissingContextValues"] == []
    assert out["IsTruncated"] is False

    # The context makes the condition false.
    early = iam.simulate_custom_policy(PolicyInputList=[DYNAMO_AFTER_DATE],
                                       ActionNames=["dynamodb:CreateBackup"],
                                       ContextEntries=date_entry("2014-04-25T11:00:00Z"))
    assert early["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    assert early["EvaluationResults"][0]["MatchedStatements"] == []

    # No context: the key is reported missing.
    missing = iam.simulate_custom_policy(PolicyInputList=[DYNAMO_AFTER_DATE],
                                         ActionNames=["dynamodb:CreateBackup"])
    assert missing["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    assert missing["EvaluationResults"][0]["MissingContextValues"] == ["aws:CurrentTime"]


def test_custom_explicit_deny_implicit_deny_and_boundary(iam):
    policies = [policy_doc(allow("s3:*")), policy_doc(deny("s3:DeleteObject"))]
    out = iam.simulate_custom_policy(PolicyInputList=policies,
                                     ActionNames=["s3:DeleteObject", "s3:GetObject",
                                                  "ec2:RunInstances"])
    decisions = {r["EvalActionName"]: r for r in out["EvaluationResults"]}
    assert decisions["s3:DeleteObject"]["EvalDecision"] == "explicitDeny"
    assert [m["SourcePolicyId"] for m in decisions["s3:DeleteObject"]["MatchedStatements"]] == [
        "PolicyInputList.2"]
    assert decisions["s3:GetObject"]["EvalDecision"] == "allowed"
    assert decisions["ec2:RunInstances"]["EvalDecision"] == "implicitDeny"

    bounded = iam.simulate_custom_policy(
        PolicyInputList=[policy_doc(allow("s3:*"))],
        PermissionsBoundaryPolicyInputList=[policy_doc(allow("s3:GetObject"))],
        ActionNames=["s3:GetObject", "s3:PutObject"])
    get, put = bounded["EvaluationResults"]
    assert get["EvalDecision"] == "allowed"
    assert get["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    assert put["EvalDecision"] == "implicitDeny"
    assert put["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}


def test_custom_resources_and_resource_policy(iam):
    per_user = policy_doc(allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:username}/*"))
    out = iam.simulate_custom_policy(
        PolicyInputList=[per_user], ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::bucket/alice/a", "arn:aws:s3:::bucket/bob/b"],
        ContextEntries=[{"ContextKeyName": "aws:username", "ContextKeyValues": ["alice"],
                         "ContextKeyType": "string"}])
    alice, bob = out["EvaluationResults"]
    assert alice["EvalDecision"] == "allowed"
    assert alice["ResourceSpecificResults"][0]["EvalResourceName"] == "arn:aws:s3:::bucket/alice/a"
    assert alice["ResourceSpecificResults"][0]["EvalResourceDecision"] == "allowed"
    assert bob["EvalDecision"] == "implicitDeny"
    # AWS: present and empty for one account and a resource ARN; absent for "*".
    assert alice["EvalDecisionDetails"] == {}

    bucket_policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}]})
    via_resource = iam.simulate_custom_policy(
        PolicyInputList=[policy_doc(allow("ec2:DescribeInstances"))],
        ActionNames=["s3:GetObject"], ResourceArns=["arn:aws:s3:::shared/x"],
        ResourcePolicy=bucket_policy, CallerArn=f"arn:aws:iam::{ACCOUNT}:user/alice")
    result = via_resource["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"][0]["SourcePolicyId"] == "ResourcePolicy"
    assert result["MatchedStatements"][0]["SourcePolicyType"] == "resource"

    # Cross account: the identity side must allow too; EvalDecisionDetails tells each side.
    cross = iam.simulate_custom_policy(
        PolicyInputList=[policy_doc(allow("ec2:DescribeInstances"))],
        ActionNames=["s3:GetObject"], ResourceArns=["arn:aws:s3:::shared/x"],
        ResourcePolicy=bucket_policy, ResourceOwner="arn:aws:iam::210987654321:root",
        CallerArn=f"arn:aws:iam::{ACCOUNT}:user/alice")["EvaluationResults"][0]
    assert cross["EvalDecision"] == "implicitDeny"
    assert cross["EvalDecisionDetails"] == {"IAM Policy": "implicitDeny",
                                            "Resource Policy": "allowed"}

    with raises_aws("InvalidInput", 400, message_contains="CallerArn"):
        iam.simulate_custom_policy(PolicyInputList=[policy_doc(allow("s3:*"))],
                                   ActionNames=["s3:GetObject"], ResourcePolicy=bucket_policy)


def test_custom_pagination_and_errors(iam):
    actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "iam:ListUsers", "ec2:RunInstances"]
    page = iam.simulate_custom_policy(PolicyInputList=[policy_doc(allow("s3:*"))],
                                      ActionNames=actions, MaxItems=2)
    assert page["IsTruncated"] is True and len(page["EvaluationResults"]) == 2
    paginator = iam.get_paginator("simulate_custom_policy")
    seen = [r["EvalActionName"]
            for p in paginator.paginate(PolicyInputList=[policy_doc(allow("s3:*"))],
                                        ActionNames=actions, PaginationConfig={"PageSize": 2})
            for r in p["EvaluationResults"]]
    assert seen == actions

    with raises_aws("InvalidInput", 400, message_contains="Syntax errors in policy."):
        iam.simulate_custom_policy(PolicyInputList=["{nope"], ActionNames=["s3:GetObject"])
    with raises_aws("InvalidInput", 400):
        iam.simulate_custom_policy(PolicyInputList=[policy_doc(allow("s3:*"))],
                                   ActionNames=["s3:*"])
    with raises_aws("InvalidInput", 400):
        iam.simulate_custom_policy(PolicyInputList=[policy_doc(allow("s3:*"))],
                                   ActionNames=["s3:GetObject"], Marker="bogus")
    with raises_aws("ValidationError", 400):
        iam.simulate_custom_policy(PolicyInputList=[policy_doc(allow("s3:*"))],
                                   ActionNames=["s3:GetObject"],
                                   ContextEntries=[{"ContextKeyName": "aws:username",
                                                    "ContextKeyValues": ["v"],
                                                    "ContextKeyType": "nonsense"}])


def test_principal_policy_user_groups_boundary_and_paginator(pc, iam):
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="readers")
    iam.add_user_to_group(GroupName="readers", UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="deny-delete",
                        PolicyDocument=policy_doc(deny("s3:DeleteObject")))
    iam.put_group_policy(GroupName="readers", PolicyName="read",
                         PolicyDocument=policy_doc(allow(["s3:GetObject", "s3:ListBucket"])))
    arn = iam.create_policy(PolicyName="all-s3",
                            PolicyDocument=policy_doc(allow("s3:*")))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    user_arn = pc.user_arn("alice")

    out = iam.simulate_principal_policy(
        PolicySourceArn=user_arn,
        ActionNames=["s3:DeleteObject", "s3:GetObject", "s3:PutObject", "iam:ListUsers"])
    by_action = {r["EvalActionName"]: r for r in out["EvaluationResults"]}
    assert by_action["s3:DeleteObject"]["EvalDecision"] == "explicitDeny"
    [denier] = by_action["s3:DeleteObject"]["MatchedStatements"]
    assert (denier["SourcePolicyId"], denier["SourcePolicyType"]) == ("deny-delete", "user")
    assert by_action["s3:GetObject"]["EvalDecision"] == "allowed"
    sources = {(m["SourcePolicyId"], m["SourcePolicyType"])
               for m in by_action["s3:GetObject"]["MatchedStatements"]}
    assert ("read", "group") in sources and ("all-s3", "user-managed") in sources
    assert by_action["s3:PutObject"]["EvalDecision"] == "allowed"
    assert by_action["iam:ListUsers"]["EvalDecision"] == "implicitDeny"

    # The paginator boto3 ships for SimulatePrincipalPolicy.
    paginator = iam.get_paginator("simulate_principal_policy")
    actions = [f"s3:Action{i}" for i in range(7)]
    pages = list(paginator.paginate(PolicySourceArn=user_arn, ActionNames=actions,
                                    PaginationConfig={"PageSize": 3}))
    assert len(pages) == 3
    assert [r["EvalActionName"] for p in pages for r in p["EvaluationResults"]] == actions

    # The user's boundary restricts; a boundary given as input replaces it.
    boundary = iam.create_policy(PolicyName="only-list",
                                 PolicyDocument=policy_doc(allow("s3:ListBucket")))["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=boundary)
    bounded = iam.simulate_principal_policy(PolicySourceArn=user_arn,
                                            ActionNames=["s3:PutObject", "s3:ListBucket"])
    put, lst = bounded["EvaluationResults"]
    assert put["EvalDecision"] == "implicitDeny"
    assert put["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"] is False
    assert lst["EvalDecision"] == "allowed"
    replaced = iam.simulate_principal_policy(
        PolicySourceArn=user_arn, ActionNames=["s3:PutObject"],
        PermissionsBoundaryPolicyInputList=[policy_doc(allow("s3:*"))])
    assert replaced["EvaluationResults"][0]["EvalDecision"] == "allowed"


def test_principal_policy_role_and_errors(iam):
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName="app", PolicyName="sqs",
                        PolicyDocument=policy_doc(allow("sqs:SendMessage")))
    out = iam.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/app",
                                        ActionNames=["sqs:SendMessage", "sqs:DeleteQueue"])
    send, delete = out["EvaluationResults"]
    assert send["EvalDecision"] == "allowed"
    assert send["MatchedStatements"][0]["SourcePolicyType"] == "role"
    assert delete["EvalDecision"] == "implicitDeny"

    with raises_aws("NoSuchEntity", 404, message_contains="ghost"):
        iam.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/ghost",
                                      ActionNames=["s3:GetObject"])
    with raises_aws("NoSuchEntity", 404):
        iam.get_context_keys_for_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/ghost")


def test_context_keys(pc, iam):
    doc = ('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
           '"Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}",'
           '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}')
    keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[doc])["ContextKeyNames"]
    assert keys == ["aws:username", "aws:CurrentTime"]

    iam.create_user(UserName="saanvi")
    iam.put_user_policy(UserName="saanvi", PolicyName="p", PolicyDocument=doc)
    keys = iam.get_context_keys_for_principal_policy(
        PolicySourceArn=pc.user_arn("saanvi"),
        PolicyInputList=[json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
            "Condition": {"StringLike": {"s3:prefix": "home/*"}}}]})])["ContextKeyNames"]
    assert keys == ["aws:username", "aws:CurrentTime", "s3:prefix"]

    with raises_aws("InvalidInput", 400):
        iam.get_context_keys_for_custom_policy(PolicyInputList=["[]"])


def test_simulator_needs_permission(pc):
    creds = pc.make_user("limited", policy=policy_doc(allow("iam:GetContextKeysForCustomPolicy")))
    client = pc.iam(creds)
    assert client.get_context_keys_for_custom_policy(
        PolicyInputList=[DYNAMO_AFTER_DATE])["ContextKeyNames"] == ["aws:CurrentTime"]
    with raises_aws("AccessDenied", 403, message_contains="iam:SimulateCustomPolicy"):
        client.simulate_custom_policy(PolicyInputList=[DYNAMO_AFTER_DATE],
                                      ActionNames=["dynamodb:CreateBackup"])
    with raises_aws("AccessDenied", 403, message_contains=pc.user_arn("limited")):
        client.simulate_principal_policy(PolicySourceArn=pc.user_arn("limited"),
                                         ActionNames=["s3:GetObject"])


def test_cli(pc):
    policy_file = pc.write_tmp("sim-policies.json", json.dumps([DYNAMO_AFTER_DATE]))
    out = pc.aws("iam", "simulate-custom-policy", "--policy-input-list", f"file://{policy_file}",
                 "--action-names", "dynamodb:CreateBackup", "dynamodb:DeleteTable",
                 "--context-entries",
                 "ContextKeyName=aws:CurrentTime,ContextKeyValues=2019-04-25T11:00:00Z,"
                 "ContextKeyType=date")
    results = out["EvaluationResults"]
    assert [r["EvalDecision"] for r in results] == ["allowed", "allowed"]
    assert results[0]["MatchedStatements"][0]["StartPosition"] == {"Line": 1, "Column": 38}

    keys = pc.aws("iam", "get-context-keys-for-custom-policy", "--policy-input-list",
                  f"file://{policy_file}")
    assert keys["ContextKeyNames"] == ["aws:CurrentTime"]

    pc.aws("iam", "create-user", "--user-name", "cli-sim")
    pc.aws("iam", "put-user-policy", "--user-name", "cli-sim", "--policy-name", "p",
           "--policy-document", policy_doc(allow("s3:GetObject")))
    principal = pc.aws("iam", "simulate-principal-policy", "--policy-source-arn",
                       pc.user_arn("cli-sim"), "--action-names", "s3:GetObject", "s3:PutObject")
    assert [r["EvalDecision"] for r in principal["EvaluationResults"]] == [
        "allowed", "implicitDeny"]
    keys = pc.aws("iam", "get-context-keys-for-principal-policy", "--policy-source-arn",
                  pc.user_arn("cli-sim"))
    assert keys["ContextKeyNames"] == []

    err = pc.aws_error("iam", "simulate-principal-policy", "--policy-source-arn",
                       pc.user_arn("nobody"), "--action-names", "s3:GetObject")
    assert "NoSuchEntity" in err


def corpus_cases():
    """The decision corpus (tests/data/policy_eval, docs/decision-corpus.md) cases that a
    simulation can express: an IAM user as caller, identity policies, at most a boundary
    and a resource policy (no session policies or SCPs)."""
    root = Path(__file__).resolve().parents[1] / "data" / "policy_eval"
    for path in sorted(root.glob("*/*.json")):
        for i, case in enumerate(json.loads(path.read_text())["cases"]):
            policies, request = case["policies"], case["request"]
            if policies.get("session") or policies.get("scp"):
                continue
            if ":user/" not in (request.get("principal") or ""):
                continue
            yield f"{path.parent.name}/{path.stem}#{i}", case


DECISIONS = {"Allow": "allowed", "ExplicitDeny": "explicitDeny", "ImplicitDeny": "implicitDeny"}


def test_decision_corpus_through_the_simulator(iam):
    """SimulateCustomPolicy gives the corpus's expected decision (AWS documentation cases)
    for every case it can express; a case the simulator refuses as input must be rare."""
    compared, refused, wrong = 0, [], []
    for name, case in corpus_cases():
        policies, request = case["policies"], case["request"]
        identity = [json.dumps(p) for p in policies.get("identity") or []]
        if not identity:  # PolicyInputList is required: add one that matches nothing
            identity = [policy_doc(allow("none:None"))]
        args = {"PolicyInputList": identity, "ActionNames": [request["action"]],
                "CallerArn": request["principal"]}
        if request["resource"] != "*":
            args["ResourceArns"] = [request["resource"]]
        arn_account = request["resource"].split(":")[4] if request["resource"].startswith(
            "arn:") else ""
        owner = request.get("resourceAccount") or request.get("principalAccount")
        if arn_account and owner and arn_account != owner:
            continue  # not expressible: the ARN's account wins in a simulation
        if owner:
            args["ResourceOwner"] = f"arn:aws:iam::{owner}:root"
        if policies.get("permissionsBoundary"):
            args["PermissionsBoundaryPolicyInputList"] = [
                json.dumps(policies["permissionsBoundary"])]
        if policies.get("resource"):
            args["ResourcePolicy"] = json.dumps(policies["resource"])
        entries = []
        for key, value in (request.get("context") or {}).items():
            listed = isinstance(value, list)
            entries.append({"ContextKeyName": key,
                            "ContextKeyValues": [str(v) for v in value] if listed
                            else [str(value)],
                            "ContextKeyType": "stringList" if listed else "string"})
        if entries:
            args["ContextEntries"] = entries
        try:
            result = iam.simulate_custom_policy(**args)["EvaluationResults"][0]
        except botocore.exceptions.ClientError as err:
            refused.append((name, err.response["Error"]["Message"]))
            continue
        compared += 1
        expected = DECISIONS[case["expected"]["decision"]]
        if result["EvalDecision"] != expected:
            wrong.append((name, case.get("description"), expected, result["EvalDecision"]))
    print(f"corpus: {compared} compared, {len(refused)} refused")
    assert not wrong, wrong
    assert compared >= 350, (compared, refused[:10])
    assert len(refused) <= compared // 10, refused
