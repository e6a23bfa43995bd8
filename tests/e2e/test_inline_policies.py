"""Inline user and group policies."""

import json

from e2e_util import allow, policy_doc, raises_aws

DOC = {"Version": "2012-10-17",
       "Statement": [{"Sid": "Self", "Effect": "Allow", "Action": ["iam:GetUser"],
                      "Resource": "arn:aws:iam::123456789012:user/${aws:username}",
                      "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}


def test_user_inline_policy_round_trip(iam):
    iam.create_user(UserName="u")
    iam.put_user_policy(UserName="u", PolicyName="self", PolicyDocument=json.dumps(DOC))
    got = iam.get_user_policy(UserName="u", PolicyName="self")
    assert got["UserName"] == "u"
    assert got["PolicyName"] == "self"
    assert got["PolicyDocument"] == DOC  # a dict, decoded by boto3

    iam.put_user_policy(UserName="u", PolicyName="second",
                        PolicyDocument=policy_doc(allow("s3:ListBucket")))
    assert sorted(iam.list_user_policies(UserName="u")["PolicyNames"]) == ["second", "self"]

    # Putting the same name again replaces the document.
    iam.put_user_policy(UserName="u", PolicyName="second",
                        PolicyDocument=policy_doc(allow("s3:GetObject")))
    replaced = iam.get_user_policy(UserName="u", PolicyName="second")["PolicyDocument"]
    assert replaced["Statement"][0]["Action"] == "s3:GetObject"
    assert len(iam.list_user_policies(UserName="u")["PolicyNames"]) == 2

    iam.delete_user_policy(UserName="u", PolicyName="self")
    assert iam.list_user_policies(UserName="u")["PolicyNames"] == ["second"]
    with raises_aws("NoSuchEntity", 404):
        iam.get_user_policy(UserName="u", PolicyName="self")
    with raises_aws("NoSuchEntity", 404):
        iam.delete_user_policy(UserName="u", PolicyName="self")
    with raises_aws("NoSuchEntity", 404):
        iam.put_user_policy(UserName="ghost", PolicyName="p", PolicyDocument=json.dumps(DOC))


def test_group_inline_policy_round_trip(iam):
    iam.create_group(GroupName="g")
    iam.put_group_policy(GroupName="g", PolicyName="s3", PolicyDocument=json.dumps(DOC))
    got = iam.get_group_policy(GroupName="g", PolicyName="s3")
    assert got["GroupName"] == "g"
    assert got["PolicyDocument"] == DOC
    assert iam.list_group_policies(GroupName="g")["PolicyNames"] == ["s3"]
    iam.delete_group_policy(GroupName="g", PolicyName="s3")
    assert iam.list_group_policies(GroupName="g")["PolicyNames"] == []
    with raises_aws("NoSuchEntity", 404):
        iam.get_group_policy(GroupName="g", PolicyName="s3")


def test_inline_policy_size_limits(iam):
    # AWS: a user's inline policies total at most 2,048 characters (whitespace not
    # counted); a group's 5,120.
    iam.create_user(UserName="u")
    actions = [f"s3:GetObjectVersionTagging{i:04d}" for i in range(80)]  # ~2.8 KB
    big = policy_doc(allow(actions))
    with raises_aws("LimitExceeded", 409):
        iam.put_user_policy(UserName="u", PolicyName="big", PolicyDocument=big)
    assert iam.list_user_policies(UserName="u")["PolicyNames"] == []
    iam.create_group(GroupName="g")
    iam.put_group_policy(GroupName="g", PolicyName="big", PolicyDocument=big)
    huge = policy_doc(allow([f"s3:GetObjectVersionTagging{i:04d}" for i in range(200)]))
    with raises_aws("LimitExceeded", 409):
        iam.put_group_policy(GroupName="g", PolicyName="huge", PolicyDocument=huge)


def test_inline_policies_with_the_cli(pc):
    pc.aws("iam", "create-user", "--user-name", "cli-inline")
    pc.aws("iam", "put-user-policy", "--user-name", "cli-inline", "--policy-name", "doc",
           "--policy-document", json.dumps(DOC))
    got = pc.aws("iam", "get-user-policy", "--user-name", "cli-inline", "--policy-name", "doc")
    assert got["PolicyDocument"] == DOC
    assert pc.aws("iam", "list-user-policies",
                  "--user-name", "cli-inline")["PolicyNames"] == ["doc"]
