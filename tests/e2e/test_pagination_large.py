"""Listings past 1,000 entities (issue 4: "the AWS CLI's paginated listing of users,
roles and policies over 1,000 entities gets every one exactly once").

1,050 users and 1,050 customer managed policies are created through boto3 (from a few
threads, so the store sees concurrent writers); the aws CLI's auto-pagination and
boto3's paginators must then return each exactly once. The 1,485 AWS managed policies
are a second listing past 1,000 with no setup at all. Roles: AWS's default quota is
1,000 roles an account, so 1,050 roles need a server whose quota was raised
(--iam-roles-per-account, as Service Quotas raises AWS's).
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import Client
from e2e_util import raises_aws

COUNT = 1050
DOC = ('{"Version":"2012-10-17","Statement":'
       '[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}')


def _create_all(make_client, fn, names):
    def work(chunk):
        client = make_client()
        for name in chunk:
            fn(client, name)
    chunks = [names[i::4] for i in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(work, chunks))


@pytest.fixture
def many(pc, iam):
    users = [f"bulk-user-{i:04d}" for i in range(COUNT)]
    policies = [f"bulk-policy-{i:04d}" for i in range(COUNT)]
    _create_all(pc.iam, lambda c, n: c.create_user(UserName=n, Path="/bulk/"), users)
    _create_all(pc.iam, lambda c, n: c.create_policy(PolicyName=n, PolicyDocument=DOC),
                policies)
    return users, policies


def test_cli_lists_more_than_1000_users_and_policies_exactly_once(pc, many):
    users, policies = many
    listed = pc.aws("iam", "list-users", "--path-prefix", "/bulk/")["Users"]
    names = [u["UserName"] for u in listed]
    assert len(names) == COUNT
    assert sorted(names) == users

    listed = pc.aws("iam", "list-policies", "--scope", "Local")["Policies"]
    names = [p["PolicyName"] for p in listed]
    assert len(names) == COUNT
    assert sorted(names) == policies

    # Smaller pages: more round trips, the same result.
    listed = pc.aws("iam", "list-users", "--path-prefix", "/bulk/", "--page-size", "333")
    assert sorted(u["UserName"] for u in listed["Users"]) == users


def test_boto3_paginators_over_1000(iam, many):
    users, policies = many
    pages = list(iam.get_paginator("list_users").paginate(
        PathPrefix="/bulk/", PaginationConfig={"PageSize": 1000}))
    assert [len(p["Users"]) for p in pages] == [1000, COUNT - 1000]
    assert sorted(u["UserName"] for p in pages for u in p["Users"]) == users

    result = iam.get_paginator("list_policies").paginate(
        Scope="Local", PaginationConfig={"PageSize": 400}).build_full_result()
    assert sorted(p["PolicyName"] for p in result["Policies"]) == policies


def test_cli_lists_every_aws_managed_policy_once(pc):
    listed = pc.aws("iam", "list-policies", "--scope", "AWS")["Policies"]
    arns = [p["Arn"] for p in listed]
    assert len(arns) > 1000
    assert len(set(arns)) == len(arns)
    assert "arn:aws:iam::aws:policy/AdministratorAccess" in arns
    assert all(a.startswith("arn:aws:iam::aws:policy/") for a in arns)


TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
         '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')


def test_cli_lists_more_than_1000_roles_exactly_once(start_server, tmp_path):
    srv = start_server(tmp_path / "roles", extra_args=["--iam-roles-per-account", "1100"])
    pc = Client(srv, tmp_path)
    roles = [f"bulk-role-{i:04d}" for i in range(COUNT)]
    _create_all(pc.iam, lambda c, n: c.create_role(RoleName=n, Path="/bulk/",
                                                   AssumeRolePolicyDocument=TRUST), roles)
    listed = pc.aws("iam", "list-roles", "--path-prefix", "/bulk/")["Roles"]
    names = [r["RoleName"] for r in listed]
    assert len(names) == COUNT
    assert sorted(names) == roles
    pages = list(pc.iam().get_paginator("list_roles").paginate(
        PaginationConfig={"PageSize": 1000}))
    assert sorted(r["RoleName"] for p in pages for r in p["Roles"]) == roles
    # The raised quota still holds.
    _create_all(pc.iam, lambda c, n: c.create_role(RoleName=n, AssumeRolePolicyDocument=TRUST),
                [f"extra-{i:02d}" for i in range(50)])
    with raises_aws("LimitExceeded", 409, message_contains="RolesPerAccount: 1100"):
        pc.iam().create_role(RoleName="one-too-many", AssumeRolePolicyDocument=TRUST)
