"""Tags of customer managed policies and instance profiles (Tag/Untag/List...Tags), and
tag conditions on them: aws:RequestTag/KEY and aws:TagKeys decide who may tag."""

import json

from e2e_util import raises_aws

ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "*", "Resource": "*"}]})


def tags_of(listed):
    return {t["Key"]: t["Value"] for t in listed["Tags"]}


def test_policy_tags_round_trip(pc, iam):
    arn = iam.create_policy(PolicyName="tagged", PolicyDocument=ALLOW_ALL,
                            Tags=[{"Key": "owner", "Value": "ops"}])["Policy"]["Arn"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == [{"Key": "owner", "Value": "ops"}]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "OWNER", "Value": "dev"},
                                        {"Key": "cost", "Value": "7"}])
    assert tags_of(iam.list_policy_tags(PolicyArn=arn)) == {"owner": "dev", "cost": "7"}
    iam.untag_policy(PolicyArn=arn, TagKeys=["Cost", "absent"])
    assert tags_of(iam.list_policy_tags(PolicyArn=arn)) == {"owner": "dev"}
    # Listings do not carry tags (AWS); GetPolicy does.
    listed = iam.list_policies(Scope="Local")["Policies"]
    assert [p["PolicyName"] for p in listed] == ["tagged"] and "Tags" not in listed[0]
    # The CLI.
    pc.aws("iam", "tag-policy", "--policy-arn", arn, "--tags",
           *[f"Key=k{i},Value=v{i}" for i in range(6)])
    listed = pc.aws("iam", "list-policy-tags", "--policy-arn", arn)
    assert len(listed["Tags"]) == 7
    with raises_aws("NoSuchEntity", 404):
        iam.list_policy_tags(PolicyArn="arn:aws:iam::123456789012:policy/ghost")
    with raises_aws("NoSuchEntity", 404):
        iam.tag_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess",
                       Tags=[{"Key": "a", "Value": "b"}])
    with raises_aws("InvalidInput", 400):
        iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "aws:x", "Value": "b"}])


def test_instance_profile_tags_round_trip(pc, iam):
    iam.create_instance_profile(InstanceProfileName="web",
                                Tags=[{"Key": "env", "Value": "prod"}])
    iam.tag_instance_profile(InstanceProfileName="WEB", Tags=[{"Key": "team", "Value": "red"}])
    assert tags_of(iam.list_instance_profile_tags(InstanceProfileName="web")) == {
        "env": "prod", "team": "red"}
    iam.untag_instance_profile(InstanceProfileName="web", TagKeys=["env"])
    out = pc.aws("iam", "list-instance-profile-tags", "--instance-profile-name", "web")
    assert out["Tags"] == [{"Key": "team", "Value": "red"}]
    assert iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Tags"] == [
        {"Key": "team", "Value": "red"}]
    with raises_aws("NoSuchEntity", 404):
        iam.tag_instance_profile(InstanceProfileName="ghost", Tags=[{"Key": "a", "Value": "b"}])
    with raises_aws("LimitExceeded", 409):
        iam.tag_instance_profile(InstanceProfileName="web",
                                 Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert len(iam.list_instance_profile_tags(InstanceProfileName="web")["Tags"]) == 1


def test_request_tag_conditions_decide_who_may_tag(pc, iam):
    iam.create_instance_profile(InstanceProfileName="web")
    arn = iam.create_policy(PolicyName="p", PolicyDocument=ALLOW_ALL)["Policy"]["Arn"]
    creds = pc.make_user("tagger", policy={"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["iam:TagInstanceProfile", "iam:TagPolicy"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestTag/team": "red"},
                      "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}}]})
    as_user = pc.iam(creds)
    as_user.tag_instance_profile(InstanceProfileName="web",
                                 Tags=[{"Key": "team", "Value": "red"}])
    as_user.tag_policy(PolicyArn=arn, Tags=[{"Key": "team", "Value": "red"}])
    with raises_aws("AccessDenied", 403):
        as_user.tag_instance_profile(InstanceProfileName="web",
                                     Tags=[{"Key": "team", "Value": "blue"}])
    with raises_aws("AccessDenied", 403):
        as_user.tag_policy(PolicyArn=arn, Tags=[{"Key": "team", "Value": "red"},
                                                {"Key": "cost", "Value": "1"}])
    assert tags_of(iam.list_policy_tags(PolicyArn=arn)) == {"team": "red"}
