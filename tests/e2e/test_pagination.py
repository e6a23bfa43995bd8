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
