// Tests of the policy simulator operations (policy_simulator.cc).
#include <algorithm>
#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

#include "api/iam/common.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

constexpr std::string_view kAllowS3Read =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]})";
constexpr std::string_view kDenyDelete =
    R"({"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}})";
constexpr std::string_view kAllowAllS3 =
    R"({"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"s3:*","Resource":"*"}]})";

// AWS's own example (CLI reference of simulate-custom-policy).
constexpr std::string_view kDynamoAfterDate =
    R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}})";

class PolicySimulatorTest : public IamApiTest {
 protected:
  // "TYPE:ID" of each matched statement of the result at `result`.
  static std::vector<std::string> MatchedSources(const protocol::Value& out,
                                                 const std::string& result) {
    std::vector<std::string> sources;
    const std::string list = result + ".MatchedStatements";
    for (std::size_t i = 0; i < SizeAt(out, list); ++i) {
      const std::string base = list + "." + std::to_string(i);
      sources.push_back(TextAt(out, base + ".SourcePolicyType") + ":" +
                        TextAt(out, base + ".SourcePolicyId"));
    }
    return sources;
  }

  // User alice in group readers: an inline Deny of s3:DeleteObject, the group's read
  // policy and an attached customer managed policy allowing s3:*.
  void SetUpAlice() {
    MustCall("CreateUser", {{"UserName", "alice"}});
    MustCall("CreateGroup", {{"GroupName", "readers"}});
    MustCall("AddUserToGroup", {{"GroupName", "readers"}, {"UserName", "alice"}});
    MustCall("PutUserPolicy", {{"UserName", "alice"},
                               {"PolicyName", "deny-delete"},
                               {"PolicyDocument", std::string(kDenyDelete)}});
    MustCall("PutGroupPolicy", {{"GroupName", "readers"},
                                {"PolicyName", "read"},
                                {"PolicyDocument", std::string(kAllowS3Read)}});
    const std::string managed = PutManagedPolicyInStore("all-s3", kAllowAllS3);
    MustCall("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", managed}});
  }
};

TEST_F(PolicySimulatorTest, CustomAllowMatchesAwsExamplePositions) {
  const protocol::Value out =
      MustCall("SimulateCustomPolicy",
               {{"PolicyInputList.member.1", std::string(kDynamoAfterDate)},
                {"ActionNames.member.1", "dynamodb:CreateBackup"},
                {"ContextEntries.member.1.ContextKeyName", "aws:CurrentTime"},
                {"ContextEntries.member.1.ContextKeyValues.member.1", "2019-04-25T11:00:00Z"},
                {"ContextEntries.member.1.ContextKeyType", "date"}});
  ASSERT_EQ(SizeAt(out, "EvaluationResults"), 1U);
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.EvalActionName"), "dynamodb:CreateBackup");
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.EvalResourceName"), "*");
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.EvalDecision"), "allowed");
  ASSERT_EQ(SizeAt(out, "EvaluationResults.0.MatchedStatements"), 1U);
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.MatchedStatements.0.SourcePolicyId"),
            "PolicyInputList.1");
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.MatchedStatements.0.SourcePolicyType"), "IAM Policy");
  // AWS answers Line 1 Column 38 to Line 1 Column 167 for this exact document.
  EXPECT_EQ(At(out, "EvaluationResults.0.MatchedStatements.0.StartPosition.Line")->number(), 1);
  EXPECT_EQ(At(out, "EvaluationResults.0.MatchedStatements.0.StartPosition.Column")->number(), 38);
  EXPECT_EQ(At(out, "EvaluationResults.0.MatchedStatements.0.EndPosition.Line")->number(), 1);
  EXPECT_EQ(At(out, "EvaluationResults.0.MatchedStatements.0.EndPosition.Column")->number(), 167);
  EXPECT_EQ(SizeAt(out, "EvaluationResults.0.MissingContextValues"), 0U);
  EXPECT_EQ(At(out, "EvaluationResults.0.EvalDecisionDetails"), nullptr);
  EXPECT_EQ(At(out, "EvaluationResults.0.PermissionsBoundaryDecisionDetail"), nullptr);
  EXPECT_FALSE(At(out, "IsTruncated")->boolean());
}

TEST_F(PolicySimulatorTest, ContextMakesConditionFalseOrMissing) {
  const Params base = {{"PolicyInputList.member.1", std::string(kDynamoAfterDate)},
                       {"ActionNames.member.1", "dynamodb:CreateBackup"}};
  Params early = base;
  early.insert(early.end(),
               {{"ContextEntries.member.1.ContextKeyName", "AWS:CurrentTime"},
                {"ContextEntries.member.1.ContextKeyValues.member.1", "2014-04-25T11:00:00Z"},
                {"ContextEntries.member.1.ContextKeyType", "date"}});
  const protocol::Value denied = MustCall("SimulateCustomPolicy", early);
  EXPECT_EQ(TextAt(denied, "EvaluationResults.0.EvalDecision"), "implicitDeny");
  EXPECT_EQ(SizeAt(denied, "EvaluationResults.0.MatchedStatements"), 0U);
  EXPECT_EQ(SizeAt(denied, "EvaluationResults.0.MissingContextValues"), 0U);

  const protocol::Value missing = MustCall("SimulateCustomPolicy", base);
  EXPECT_EQ(TextAt(missing, "EvaluationResults.0.EvalDecision"), "implicitDeny");
  ASSERT_EQ(SizeAt(missing, "EvaluationResults.0.MissingContextValues"), 1U);
  EXPECT_EQ(TextAt(missing, "EvaluationResults.0.MissingContextValues.0"), "aws:CurrentTime");

  Params bad = base;
  bad.insert(bad.end(), {{"ContextEntries.member.1.ContextKeyName", "aws:CurrentTime"},
                         {"ContextEntries.member.1.ContextKeyValues.member.1", "yesterday"},
                         {"ContextEntries.member.1.ContextKeyType", "date"}});
  EXPECT_AWS_ERROR(Call("SimulateCustomPolicy", bad), "InvalidInput");
}

TEST_F(PolicySimulatorTest, ListContextTypesAndIpConditions) {
  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]})";
  auto run = [&](std::string_view tag2, std::string_view ip) {
    return MustCall("SimulateCustomPolicy",
                    {{"PolicyInputList.member.1", policy},
                     {"ActionNames.member.1", "ec2:RunInstances"},
                     {"ContextEntries.member.1.ContextKeyName", "aws:TagKeys"},
                     {"ContextEntries.member.1.ContextKeyValues.member.1", "env"},
                     {"ContextEntries.member.1.ContextKeyValues.member.2", std::string(tag2)},
                     {"ContextEntries.member.1.ContextKeyType", "stringList"},
                     {"ContextEntries.member.2.ContextKeyName", "aws:SourceIp"},
                     {"ContextEntries.member.2.ContextKeyValues.member.1", std::string(ip)},
                     {"ContextEntries.member.2.ContextKeyType", "ip"}});
  };
  EXPECT_EQ(TextAt(run("team", "10.1.2.3"), "EvaluationResults.0.EvalDecision"), "allowed");
  EXPECT_EQ(TextAt(run("owner", "10.1.2.3"), "EvaluationResults.0.EvalDecision"), "implicitDeny");
  EXPECT_EQ(TextAt(run("team", "192.168.0.1"), "EvaluationResults.0.EvalDecision"), "implicitDeny");
}

TEST_F(PolicySimulatorTest, ExplicitDenyWinsAndIsTheOnlyMatch) {
  const protocol::Value out =
      MustCall("SimulateCustomPolicy", {{"PolicyInputList.member.1", std::string(kAllowAllS3)},
                                        {"PolicyInputList.member.2", std::string(kDenyDelete)},
                                        {"ActionNames.member.1", "s3:DeleteObject"},
                                        {"ActionNames.member.2", "s3:GetObject"},
                                        {"ActionNames.member.3", "ec2:RunInstances"}});
  ASSERT_EQ(SizeAt(out, "EvaluationResults"), 3U);
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.EvalDecision"), "explicitDeny");
  ASSERT_EQ(SizeAt(out, "EvaluationResults.0.MatchedStatements"), 1U);
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.MatchedStatements.0.SourcePolicyId"),
            "PolicyInputList.2");
  EXPECT_EQ(TextAt(out, "EvaluationResults.1.EvalDecision"), "allowed");
  EXPECT_EQ(TextAt(out, "EvaluationResults.1.MatchedStatements.0.SourcePolicyId"),
            "PolicyInputList.1");
  EXPECT_EQ(TextAt(out, "EvaluationResults.2.EvalDecision"), "implicitDeny");
}

TEST_F(PolicySimulatorTest, MultiLinePositions) {
  const std::string policy =
      "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Deny\", "
      "\"Action\": \"s3:*\", \"Resource\": \"*\", \"Condition\": {\"StringLike\": "
      "{\"s3:prefix\": \"}{\"}}},\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": "
      "\"s3:GetObject\",\n      \"Resource\": \"*\"\n    }\n  ]\n}";
  const protocol::Value out =
      MustCall("SimulateCustomPolicy",
               {{"PolicyInputList.member.1", policy}, {"ActionNames.member.1", "s3:GetObject"}});
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.EvalDecision"), "allowed");
  const protocol::Value* start = At(out, "EvaluationResults.0.MatchedStatements.0.StartPosition");
  const protocol::Value* end = At(out, "EvaluationResults.0.MatchedStatements.0.EndPosition");
  ASSERT_NE(start, nullptr);
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(start->Find("Line")->number(), 5);
  EXPECT_EQ(start->Find("Column")->number(), 6);
  EXPECT_EQ(end->Find("Line")->number(), 9);
  EXPECT_EQ(end->Find("Column")->number(), 6);
}

TEST_F(PolicySimulatorTest, BoundaryRestricts) {
  const std::string boundary = AllowDocument("s3:GetObject");
  const protocol::Value out =
      MustCall("SimulateCustomPolicy", {{"PolicyInputList.member.1", std::string(kAllowAllS3)},
                                        {"PermissionsBoundaryPolicyInputList.member.1", boundary},
                                        {"ActionNames.member.1", "s3:GetObject"},
                                        {"ActionNames.member.2", "s3:PutObject"}});
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.EvalDecision"), "allowed");
  EXPECT_TRUE(At(out,
                 "EvaluationResults.0.PermissionsBoundaryDecisionDetail."
                 "AllowedByPermissionsBoundary")
                  ->boolean());
  EXPECT_EQ(TextAt(out, "EvaluationResults.1.EvalDecision"), "implicitDeny");
  EXPECT_FALSE(At(out,
                  "EvaluationResults.1.PermissionsBoundaryDecisionDetail."
                  "AllowedByPermissionsBoundary")
                   ->boolean());

  EXPECT_AWS_ERROR(
      Call("SimulateCustomPolicy", {{"PolicyInputList.member.1", std::string(kAllowAllS3)},
                                    {"PermissionsBoundaryPolicyInputList.member.1", boundary},
                                    {"PermissionsBoundaryPolicyInputList.member.2", boundary},
                                    {"ActionNames.member.1", "s3:GetObject"}}),
      "InvalidInput");
}

TEST_F(PolicySimulatorTest, ResourceArnsGiveResourceSpecificResults) {
  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/${aws:username}/*"}]})";
  const protocol::Value out = MustCall(
      "SimulateCustomPolicy", {{"PolicyInputList.member.1", policy},
                               {"ActionNames.member.1", "s3:GetObject"},
                               {"ResourceArns.member.1", "arn:aws:s3:::bucket/alice/a.txt"},
                               {"ResourceArns.member.2", "arn:aws:s3:::bucket/bob/b.txt"},
                               {"ContextEntries.member.1.ContextKeyName", "aws:username"},
                               {"ContextEntries.member.1.ContextKeyValues.member.1", "alice"},
                               {"ContextEntries.member.1.ContextKeyType", "string"}});
  ASSERT_EQ(SizeAt(out, "EvaluationResults"), 2U);
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.EvalResourceName"), "arn:aws:s3:::bucket/alice/a.txt");
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.EvalDecision"), "allowed");
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.ResourceSpecificResults.0.EvalResourceName"),
            "arn:aws:s3:::bucket/alice/a.txt");
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.ResourceSpecificResults.0.EvalResourceDecision"),
            "allowed");
  EXPECT_NE(At(out, "EvaluationResults.0.EvalDecisionDetails"), nullptr);
  EXPECT_EQ(TextAt(out, "EvaluationResults.1.EvalDecision"), "implicitDeny");

  // Without the key, the missing value is reported per resource.
  const protocol::Value missing =
      MustCall("SimulateCustomPolicy", {{"PolicyInputList.member.1", policy},
                                        {"ActionNames.member.1", "s3:GetObject"},
                                        {"ResourceArns.member.1", "arn:aws:s3:::bucket/x/y"}});
  EXPECT_EQ(SizeAt(missing, "EvaluationResults.0.MissingContextValues"), 0U);
  ASSERT_EQ(SizeAt(missing, "EvaluationResults.0.ResourceSpecificResults.0.MissingContextValues"),
            1U);
  EXPECT_EQ(TextAt(missing, "EvaluationResults.0.ResourceSpecificResults.0.MissingContextValues.0"),
            "aws:username");

  // "*" given explicitly reports at the top level, as the default does.
  const protocol::Value star =
      MustCall("SimulateCustomPolicy", {{"PolicyInputList.member.1", policy},
                                        {"ActionNames.member.1", "s3:GetObject"},
                                        {"ResourceArns.member.1", "*"}});
  EXPECT_EQ(SizeAt(star, "EvaluationResults.0.MissingContextValues"), 1U);
  EXPECT_EQ(At(star, "EvaluationResults.0.ResourceSpecificResults"), nullptr);
  EXPECT_EQ(At(star, "EvaluationResults.0.EvalDecisionDetails"), nullptr);
}

TEST_F(PolicySimulatorTest, ResourcePolicy) {
  const std::string bucket_policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]})";
  const std::string nothing = AllowDocument("ec2:DescribeInstances");
  // Same account: a resource policy naming the caller allows on its own.
  const protocol::Value out =
      MustCall("SimulateCustomPolicy", {{"PolicyInputList.member.1", nothing},
                                        {"ActionNames.member.1", "s3:GetObject"},
                                        {"ResourceArns.member.1", "arn:aws:s3:::shared/file"},
                                        {"ResourcePolicy", bucket_policy},
                                        {"CallerArn", "arn:aws:iam::123456789012:user/alice"}});
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.EvalDecision"), "allowed");
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.MatchedStatements.0.SourcePolicyId"),
            "ResourcePolicy");
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.MatchedStatements.0.SourcePolicyType"), "resource");
  // Another caller is not named.
  const protocol::Value other =
      MustCall("SimulateCustomPolicy", {{"PolicyInputList.member.1", nothing},
                                        {"ActionNames.member.1", "s3:GetObject"},
                                        {"ResourceArns.member.1", "arn:aws:s3:::shared/file"},
                                        {"ResourcePolicy", bucket_policy},
                                        {"CallerArn", "arn:aws:iam::123456789012:user/bob"}});
  EXPECT_EQ(TextAt(other, "EvaluationResults.0.EvalDecision"), "implicitDeny");
  // Cross account (ResourceOwner): both sides must allow; EvalDecisionDetails says which.
  const protocol::Value cross =
      MustCall("SimulateCustomPolicy", {{"PolicyInputList.member.1", nothing},
                                        {"ActionNames.member.1", "s3:GetObject"},
                                        {"ResourceArns.member.1", "arn:aws:s3:::shared/file"},
                                        {"ResourcePolicy", bucket_policy},
                                        {"ResourceOwner", "arn:aws:iam::210987654321:root"},
                                        {"CallerArn", "arn:aws:iam::123456789012:user/alice"}});
  EXPECT_EQ(TextAt(cross, "EvaluationResults.0.EvalDecision"), "implicitDeny");
  EXPECT_EQ(TextAt(cross, "EvaluationResults.0.EvalDecisionDetails.IAM Policy"), "implicitDeny");
  EXPECT_EQ(TextAt(cross, "EvaluationResults.0.EvalDecisionDetails.Resource Policy"), "allowed");

  EXPECT_AWS_ERROR(Call("SimulateCustomPolicy", {{"PolicyInputList.member.1", nothing},
                                                 {"ActionNames.member.1", "s3:GetObject"},
                                                 {"ResourcePolicy", bucket_policy}}),
                   "InvalidInput", "~CallerArn");
  EXPECT_AWS_ERROR(
      Call("SimulateCustomPolicy", {{"PolicyInputList.member.1", nothing},
                                    {"ActionNames.member.1", "s3:GetObject"},
                                    {"CallerArn", "arn:aws:iam::123456789012:role/r"}}),
      "InvalidInput");
}

TEST_F(PolicySimulatorTest, Pagination) {
  Params params = {{"PolicyInputList.member.1", std::string(kAllowS3Read)}, {"MaxItems", "2"}};
  const std::vector<std::string> actions = {"s3:GetObject", "s3:ListBucket", "s3:PutObject",
                                            "s3:DeleteObject", "iam:ListUsers"};
  for (std::size_t i = 0; i < actions.size(); ++i) {
    params.emplace_back("ActionNames.member." + std::to_string(i + 1), actions[i]);
  }
  std::vector<std::string> seen;
  std::string marker;
  for (int page = 0; page < 5; ++page) {
    Params p = params;
    if (!marker.empty()) {
      p.emplace_back("Marker", marker);
    }
    const protocol::Value out = MustCall("SimulateCustomPolicy", p);
    for (std::size_t i = 0; i < SizeAt(out, "EvaluationResults"); ++i) {
      seen.push_back(TextAt(out, "EvaluationResults." + std::to_string(i) + ".EvalActionName"));
    }
    if (!At(out, "IsTruncated")->boolean()) {
      break;
    }
    marker = TextAt(out, "Marker");
  }
  ASSERT_EQ(seen.size(), 5U);
  EXPECT_EQ(seen[4], "iam:ListUsers");
  Params bad = params;
  bad.emplace_back("Marker", "not-a-marker");
  EXPECT_AWS_ERROR(Call("SimulateCustomPolicy", bad), "InvalidInput");
}

TEST_F(PolicySimulatorTest, MalformedDocumentsAreInvalidInput) {
  EXPECT_AWS_ERROR(Call("SimulateCustomPolicy", {{"PolicyInputList.member.1", "{not json"},
                                                 {"ActionNames.member.1", "s3:GetObject"}}),
                   "InvalidInput", "Syntax errors in policy.");
  EXPECT_AWS_ERROR(
      Call("SimulateCustomPolicy",
           {{"PolicyInputList.member.1",
             R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]})"},
            {"ActionNames.member.1", "s3:GetObject"}}),
      "InvalidInput");
  EXPECT_AWS_ERROR(
      Call("SimulateCustomPolicy", {{"PolicyInputList.member.1", std::string(kAllowAllS3)},
                                    {"ActionNames.member.1", "s3:*"}}),
      "InvalidInput");
  EXPECT_AWS_ERROR(Call("GetContextKeysForCustomPolicy", {{"PolicyInputList.member.1", "[]"}}),
                   "InvalidInput");
}

TEST_F(PolicySimulatorTest, PrincipalPolicyOfUserGroupsAndBoundary) {
  SetUpAlice();
  const std::string user_arn = "arn:aws:iam::123456789012:user/alice";

  const protocol::Value out =
      MustCall("SimulatePrincipalPolicy", {{"PolicySourceArn", user_arn},
                                           {"ActionNames.member.1", "s3:DeleteObject"},
                                           {"ActionNames.member.2", "s3:ListBucket"},
                                           {"ActionNames.member.3", "s3:PutObject"},
                                           {"ActionNames.member.4", "iam:ListUsers"}});
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.EvalDecision"), "explicitDeny");
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.MatchedStatements.0.SourcePolicyId"), "deny-delete");
  EXPECT_EQ(TextAt(out, "EvaluationResults.0.MatchedStatements.0.SourcePolicyType"), "user");
  EXPECT_EQ(At(out, "EvaluationResults.0.MatchedStatements.0.StartPosition.Column")->number(), 38);
  EXPECT_EQ(TextAt(out, "EvaluationResults.1.EvalDecision"), "allowed");
  const std::vector<std::string> sources = MatchedSources(out, "EvaluationResults.1");
  EXPECT_NE(std::find(sources.begin(), sources.end(), "group:read"), sources.end());
  EXPECT_NE(std::find(sources.begin(), sources.end(), "user-managed:all-s3"), sources.end());
  EXPECT_EQ(TextAt(out, "EvaluationResults.2.EvalDecision"), "allowed");
  EXPECT_EQ(TextAt(out, "EvaluationResults.2.MatchedStatements.0.SourcePolicyId"), "all-s3");
  EXPECT_EQ(TextAt(out, "EvaluationResults.2.MatchedStatements.0.SourcePolicyType"),
            "user-managed");
  EXPECT_EQ(TextAt(out, "EvaluationResults.3.EvalDecision"), "implicitDeny");
}

TEST_F(PolicySimulatorTest, PrincipalPolicyBoundaryAndInputs) {
  SetUpAlice();
  const std::string user_arn = "arn:aws:iam::123456789012:user/alice";
  // The user's boundary limits it; a boundary given as input replaces it.
  const std::string boundary = PutManagedPolicyInStore("only-list", AllowDocument("s3:ListBucket"));
  MustCall("PutUserPermissionsBoundary",
           {{"UserName", "alice"}, {"PermissionsBoundary", boundary}});
  const protocol::Value bounded =
      MustCall("SimulatePrincipalPolicy", {{"PolicySourceArn", user_arn},
                                           {"ActionNames.member.1", "s3:PutObject"},
                                           {"ActionNames.member.2", "s3:ListBucket"}});
  EXPECT_EQ(TextAt(bounded, "EvaluationResults.0.EvalDecision"), "implicitDeny");
  EXPECT_FALSE(At(bounded,
                  "EvaluationResults.0.PermissionsBoundaryDecisionDetail."
                  "AllowedByPermissionsBoundary")
                   ->boolean());
  EXPECT_EQ(TextAt(bounded, "EvaluationResults.1.EvalDecision"), "allowed");
  const protocol::Value replaced =
      MustCall("SimulatePrincipalPolicy",
               {{"PolicySourceArn", user_arn},
                {"PermissionsBoundaryPolicyInputList.member.1", AllowDocument("s3:*")},
                {"ActionNames.member.1", "s3:PutObject"}});
  EXPECT_EQ(TextAt(replaced, "EvaluationResults.0.EvalDecision"), "allowed");

  // PolicyInputList adds to the user's policies.
  const protocol::Value added =
      MustCall("SimulatePrincipalPolicy",
               {{"PolicySourceArn", user_arn},
                {"PolicyInputList.member.1", AllowDocument("iam:ListUsers")},
                {"PermissionsBoundaryPolicyInputList.member.1", AllowDocument("*")},
                {"ActionNames.member.1", "iam:ListUsers"}});
  EXPECT_EQ(TextAt(added, "EvaluationResults.0.EvalDecision"), "allowed");
}

TEST_F(PolicySimulatorTest, PrincipalPolicyOfGroupAndRole) {
  MustCall("CreateGroup", {{"GroupName", "ops"}});
  MustCall(
      "PutGroupPolicy",
      {{"GroupName", "ops"}, {"PolicyName", "ec2"}, {"PolicyDocument", AllowDocument("ec2:*")}});
  const protocol::Value group = MustCall(
      "SimulatePrincipalPolicy", {{"PolicySourceArn", "arn:aws:iam::123456789012:group/ops"},
                                  {"ActionNames.member.1", "ec2:RunInstances"}});
  EXPECT_EQ(TextAt(group, "EvaluationResults.0.EvalDecision"), "allowed");
  EXPECT_EQ(TextAt(group, "EvaluationResults.0.MatchedStatements.0.SourcePolicyType"), "group");

  MustCall(
      "CreateRole",
      {{"RoleName", "app"},
       {"AssumeRolePolicyDocument",
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})"}});
  MustCall("PutRolePolicy", {{"RoleName", "app"},
                             {"PolicyName", "sqs"},
                             {"PolicyDocument", AllowDocument("sqs:SendMessage")}});
  const std::string role_arn = "arn:aws:iam::123456789012:role/app";
  const protocol::Value role =
      MustCall("SimulatePrincipalPolicy", {{"PolicySourceArn", role_arn},
                                           {"ActionNames.member.1", "sqs:SendMessage"},
                                           {"ActionNames.member.2", "sqs:DeleteQueue"}});
  EXPECT_EQ(TextAt(role, "EvaluationResults.0.EvalDecision"), "allowed");
  EXPECT_EQ(TextAt(role, "EvaluationResults.0.MatchedStatements.0.SourcePolicyId"), "sqs");
  EXPECT_EQ(TextAt(role, "EvaluationResults.0.MatchedStatements.0.SourcePolicyType"), "role");
  EXPECT_EQ(TextAt(role, "EvaluationResults.1.EvalDecision"), "implicitDeny");

  EXPECT_AWS_ERROR(
      Call(
          "SimulatePrincipalPolicy",
          {{"PolicySourceArn", role_arn},
           {"ActionNames.member.1", "s3:GetObject"},
           {"ResourcePolicy",
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]})"}}),
      "InvalidInput", "~CallerArn");
}

TEST_F(PolicySimulatorTest, PrincipalNotFound) {
  EXPECT_AWS_ERROR(
      Call("SimulatePrincipalPolicy", {{"PolicySourceArn", "arn:aws:iam::123456789012:user/ghost"},
                                       {"ActionNames.member.1", "s3:GetObject"}}),
      "NoSuchEntity", "The user with name ghost cannot be found.");
  EXPECT_AWS_ERROR(
      Call("SimulatePrincipalPolicy", {{"PolicySourceArn", "arn:aws:iam::123456789012:role/ghost"},
                                       {"ActionNames.member.1", "s3:GetObject"}}),
      "NoSuchEntity");
  EXPECT_AWS_ERROR(Call("GetContextKeysForPrincipalPolicy",
                        {{"PolicySourceArn", "arn:aws:iam::123456789012:group/ghost"}}),
                   "NoSuchEntity", "The group with name ghost cannot be found.");
  EXPECT_AWS_ERROR(
      Call("SimulatePrincipalPolicy", {{"PolicySourceArn", "arn:aws:iam::123456789012:policy/p"},
                                       {"ActionNames.member.1", "s3:GetObject"}}),
      "InvalidInput");
}

TEST_F(PolicySimulatorTest, ContextKeys) {
  // AWS's example: keys as written, the Resource variable first.
  const std::string policy =
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}})";
  const std::string second =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"AWS:USERNAME":"${aws:PrincipalTag/owner}"},"Bool":{"aws:SecureTransport":"false"}}}]})";
  const protocol::Value out =
      MustCall("GetContextKeysForCustomPolicy",
               {{"PolicyInputList.member.1", policy}, {"PolicyInputList.member.2", second}});
  ASSERT_EQ(SizeAt(out, "ContextKeyNames"), 4U);
  EXPECT_EQ(TextAt(out, "ContextKeyNames.0"), "aws:username");
  EXPECT_EQ(TextAt(out, "ContextKeyNames.1"), "aws:CurrentTime");
  EXPECT_EQ(TextAt(out, "ContextKeyNames.2"), "aws:PrincipalTag/owner");
  EXPECT_EQ(TextAt(out, "ContextKeyNames.3"), "aws:SecureTransport");

  MustCall("CreateUser", {{"UserName", "carol"}});
  MustCall("PutUserPolicy",
           {{"UserName", "carol"}, {"PolicyName", "p"}, {"PolicyDocument", policy}});
  const protocol::Value principal = MustCall(
      "GetContextKeysForPrincipalPolicy",
      {{"PolicySourceArn", "arn:aws:iam::123456789012:user/carol"},
       {"PolicyInputList.member.1",
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"home/"}}}]})"}});
  ASSERT_EQ(SizeAt(principal, "ContextKeyNames"), 3U);
  EXPECT_EQ(TextAt(principal, "ContextKeyNames.2"), "s3:prefix");
}

TEST_F(PolicySimulatorTest, Authorization) {
  MustCall("CreateUser", {{"UserName", "dave"}});
  MustCall("CreateUser", {{"UserName", "erin"}});
  const Params custom = {{"PolicyInputList.member.1", std::string(kAllowAllS3)},
                         {"ActionNames.member.1", "s3:GetObject"}};
  EXPECT_AWS_ERROR(CallAs(UserCaller("dave"), "SimulateCustomPolicy", custom), "AccessDenied",
                   "~iam:SimulateCustomPolicy on resource: *");
  const Params principal = {{"PolicySourceArn", "arn:aws:iam::123456789012:user/erin"},
                            {"ActionNames.member.1", "s3:GetObject"}};
  EXPECT_AWS_ERROR(CallAs(UserCaller("dave"), "SimulatePrincipalPolicy", principal), "AccessDenied",
                   "~on resource: arn:aws:iam::123456789012:user/erin");
  EXPECT_AWS_ERROR(CallAs(UserCaller("dave"), "GetContextKeysForCustomPolicy",
                          {{"PolicyInputList.member.1", std::string(kAllowAllS3)}}),
                   "AccessDenied");
  AllowUser("dave",
            AllowDocument("iam:SimulatePrincipalPolicy", "arn:aws:iam::123456789012:user/erin"));
  EXPECT_TRUE(CallAs(UserCaller("dave"), "SimulatePrincipalPolicy", principal).has_value());
  EXPECT_AWS_ERROR(CallAs(UserCaller("dave"), "SimulateCustomPolicy", custom), "AccessDenied");
}

}  // namespace
}  // namespace portcullis::api::iam::testing
