"""Marker/MaxItems/IsTruncated pagination through boto3 paginators and the aws CLI."""

import pytest

from e2e_util import raises_aws

NAMES = sorted(f"user-{i:02d}" for i in range(25))


@pytest.fixture
def users25(iam):
    for name in NAMES:
        iam.create_user(UserName=name)
    return iam


def test_max_items_and_marker(users25):
    iam = users25
    first = iam.list_users(MaxItems=10)
    assert first["IsTruncated"] is True
    assert len(first["Users"]) == 10
    assert first["Marker"]
    second = iam.list_users(MaxItems=10, Marker=first["Marker"])
    assert len(second["Users"]) == 10
    assert second["IsTruncated"] is True
    third = iam.list_users(MaxItems=10, Marker=second["Marker"])
    assert len(third["Users"]) == 5
    assert third["IsTruncated"] is False
    assert "Marker" not in third
    names = [u["UserName"] for page in (first, second, third) for u in page["Users"]]
    assert sorted(names) == NAMES
    assert len(set(names)) == 25


def test_boto3_paginator(users25):
    pages = list(users25.get_paginator("list_users").paginate(
        PaginationConfig={"PageSize": 10}))
    assert [len(p["Users"]) for p in pages] == [10, 10, 5]
    names = [u["UserName"] for p in pages for u in p["Users"]]
    assert sorted(names) == NAMES

    limited = users25.get_paginator("list_users").paginate(
        PaginationConfig={"MaxItems": 10, "PageSize": 4}).build_full_result()
    assert len(limited["Users"]) == 10
    assert limited.get("NextToken")
    rest = users25.get_paginator("list_users").paginate(
        PaginationConfig={"StartingToken": limited["NextToken"],
                          "PageSize": 4}).build_full_result()
    assert sorted(u["UserName"] for u in limited["Users"] + rest["Users"]) == NAMES


def test_max_items_bounds(users25):
    # MaxItems is 1..1000 in the model.
    with raises_aws("ValidationError", 400):
        users25.list_users(MaxItems=1001)
    assert len(users25.list_users(MaxItems=1000)["Users"]) == 25
    assert len(users25.list_users()["Users"]) == 25  # default page is 100


def test_cli_auto_pagination(pc, users25):
    everything = pc.aws("iam", "list-users", "--page-size", "7")
    assert sorted(u["UserName"] for u in everything["Users"]) == NAMES

    # The CLI's token holds the server's Marker and how far into that page it got, so
    # the resumed call must use the same page size.
    first = pc.aws("iam", "list-users", "--max-items", "10", "--page-size", "4")
    assert len(first["Users"]) == 10
    token = first["NextToken"]
    rest = pc.aws("iam", "list-users", "--starting-token", token, "--page-size", "4")
    assert sorted(u["UserName"] for u in first["Users"] + rest["Users"]) == NAMES
    assert "NextToken" not in rest


def test_other_lists_paginate(iam):
    iam.create_group(GroupName="g")
    for i in range(12):
        iam.create_user(UserName=f"m{i:02d}")
        iam.add_user_to_group(GroupName="g", UserName=f"m{i:02d}")
        iam.create_policy(PolicyName=f"p{i:02d}",
                          PolicyDocument='{"Version":"2012-10-17","Statement":'
                                         '[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}')
    members = iam.get_paginator("get_group").paginate(
        GroupName="g", PaginationConfig={"PageSize": 5}).build_full_result()
    assert len(members["Users"]) == 12
    policies = iam.get_paginator("list_policies").paginate(
        Scope="Local", PaginationConfig={"PageSize": 5}).build_full_result()
    assert sorted(p["PolicyName"] for p in policies["Policies"]) == [
        f"p{i:02d}" for i in range(12)]
    page = iam.list_policies(Scope="Local", MaxItems=5)
    assert page["IsTruncated"] is True and len(page["Policies"]) == 5


def test_every_paginated_operation(iam):
    # Three or more items everywhere, pages of two: each paginator must walk all of them
    # through Marker/IsTruncated and see each item once.
    doc = ('{"Version":"2012-10-17","Statement":'
           '[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}')
    users = [f"pu{i}" for i in range(3)]
    groups = [f"pg{i}" for i in range(3)]
    for g in groups:
        iam.create_group(GroupName=g)
    for u in users:
        iam.create_user(UserName=u)
        for g in groups:
            iam.add_user_to_group(GroupName=g, UserName=u)
    arns = [iam.create_policy(PolicyName=f"pp{i}", PolicyDocument=doc)["Policy"]["Arn"]
            for i in range(3)]
    for arn in arns:
        iam.attach_user_policy(UserName="pu0", PolicyArn=arn)
        iam.attach_group_policy(GroupName="pg0", PolicyArn=arn)
    for i in range(3):
        iam.put_user_policy(UserName="pu0", PolicyName=f"ui{i}", PolicyDocument=doc)
        iam.put_group_policy(GroupName="pg0", PolicyName=f"gi{i}", PolicyDocument=doc)
    for i in range(2):
        iam.create_policy_version(PolicyArn=arns[0], PolicyDocument=doc)
    iam.create_access_key(UserName="pu0")
    iam.create_access_key(UserName="pu0")
    for arn in arns[1:]:
        iam.attach_user_policy(UserName="pu1", PolicyArn=arn)
    iam.attach_user_policy(UserName="pu2", PolicyArn=arns[0])

    def walk(op, key, **kwargs):
        pages = list(iam.get_paginator(op).paginate(PaginationConfig={"PageSize": 2},
                                                    **kwargs))
        items = [item for page in pages for item in page.get(key, [])]
        return pages, items

    cases = [
        ("list_users", "Users", {}, lambda x: x["UserName"], users),
        ("list_groups", "Groups", {}, lambda x: x["GroupName"], groups),
        ("list_groups_for_user", "Groups", {"UserName": "pu0"}, lambda x: x["GroupName"],
         groups),
        ("get_group", "Users", {"GroupName": "pg0"}, lambda x: x["UserName"], users),
        ("list_policies", "Policies", {"Scope": "Local"}, lambda x: x["Arn"], arns),
        ("list_policy_versions", "Versions", {"PolicyArn": arns[0]},
         lambda x: x["VersionId"], ["v1", "v2", "v3"]),
        ("list_attached_user_policies", "AttachedPolicies", {"UserName": "pu0"},
         lambda x: x["PolicyArn"], arns),
        ("list_attached_group_policies", "AttachedPolicies", {"GroupName": "pg0"},
         lambda x: x["PolicyArn"], arns),
        ("list_entities_for_policy", "PolicyUsers", {"PolicyArn": arns[0]},
         lambda x: x["UserName"], ["pu0", "pu2"]),
        ("list_user_policies", "PolicyNames", {"UserName": "pu0"}, lambda x: x,
         ["ui0", "ui1", "ui2"]),
        ("list_group_policies", "PolicyNames", {"GroupName": "pg0"}, lambda x: x,
         ["gi0", "gi1", "gi2"]),
        ("list_access_keys", "AccessKeyMetadata", {"UserName": "pu0"},
         lambda x: x["UserName"], ["pu0", "pu0"]),
        ("get_account_authorization_details", "UserDetailList", {"Filter": ["User"]},
         lambda x: x["UserName"], users),
    ]
    problems = []
    for op, key, kwargs, name, expected in cases:
        pages, items = walk(op, key, **kwargs)
        got = sorted(name(i) for i in items)
        if got != sorted(expected):
            problems.append((op, got))
        elif len(expected) > 2 and len(pages) < 2:
            problems.append((op, f"{len(pages)} page(s) for {len(expected)} items"))
    assert problems == []
