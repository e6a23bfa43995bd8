#include "api/s3/bucket_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>

namespace portcullis::api::s3 {
namespace {

// One statement on bucket "photos" with the given members spliced in.
std::string Policy(std::string_view principal, std::string_view action, std::string_view resource,
                   std::string_view extra = "") {
  return R"({"Version":"2012-10-17","Statement":[{"Sid":"s 1","Effect":"Allow","Principal":)" +
         std::string(principal) + R"(,"Action":)" + std::string(action) + R"(,"Resource":)" +
         std::string(resource) + std::string(extra) + "}]}";
}

std::string ErrorOf(std::string_view text, const BucketPolicyOptions& options = {}) {
  auto result = ValidateBucketPolicy(text, "photos", options);
  if (result.has_value()) {
    return "ok";
  }
  EXPECT_EQ(result.error().aws_code, "MalformedPolicy");
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  return result.error().message;
}

TEST(BucketPolicyTest, AcceptsAValidPolicyAndCompilesIt) {
  const std::string text = Policy(
      R"({"AWS":["arn:aws:iam::444455556666:root","111122223333"]})",
      R"(["s3:GetObject","s3:ListBucket"])", R"(["arn:aws:s3:::photos","arn:aws:s3:::photos/*"])",
      R"(,"Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}})");
  auto result = ValidateBucketPolicy(text, "photos");
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  const BucketPolicy& policy = **result;
  EXPECT_EQ(policy.text, text);
  ASSERT_NE(policy.compiled, nullptr);
  EXPECT_EQ(policy.compiled->id(), "bucket-policy:photos");
  EXPECT_EQ(policy.document.statements.size(), 1U);
  EXPECT_FALSE(policy.is_public);
}

TEST(BucketPolicyTest, MarksAPublicPolicy) {
  auto result = ValidateBucketPolicy(
      Policy(R"("*")", R"("s3:GetObject")", R"("arn:aws:s3:::photos/*")"), "photos");
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE((*result)->is_public);
}

TEST(BucketPolicyTest, AcceptsWildcardActionsServicePrincipalsAndNotResource) {
  EXPECT_EQ(ErrorOf(Policy(R"({"Service":"cloudtrail.amazonaws.com"})", R"("s3:Get*")",
                           R"("arn:aws:s3:::photos/logs/*")")),
            "ok");
  EXPECT_EQ(ErrorOf(Policy(R"("*")", R"("s3:*")", R"("arn:aws:s3:::photos")")), "ok");
  EXPECT_EQ(ErrorOf(Policy(R"("*")", R"("*")", R"("arn:aws:s3:::photos/*")")), "ok");
  const std::string not_resource =
      R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*",)"
      R"("NotResource":"arn:aws:s3:::photos/public/*"}]})";
  EXPECT_EQ(ErrorOf(not_resource), "ok");
}

TEST(BucketPolicyTest, RejectsResourcesOutsideTheBucket) {
  for (std::string_view resource :
       {R"("arn:aws:s3:::other/*")", R"("*")", R"("arn:aws:s3:::photos2/*")",
        R"("arn:aws:s3:::photo*")", R"("photos/*")", R"("arn:aws:s3:::*")",
        R"(["arn:aws:s3:::photos/*","arn:aws:s3:::other"])"}) {
    EXPECT_EQ(ErrorOf(Policy(R"("*")", R"("s3:GetObject")", resource)),
              "Policy has invalid resource")
        << resource;
  }
}

TEST(BucketPolicyTest, RejectsBadPrincipals) {
  for (std::string_view principal : {R"({"AWS":"alice"})", R"({"AWS":"arn:aws:iam::12345:user/x"})",
                                     R"({"Unknown":"x"})", R"("everyone")", R"({})"}) {
    EXPECT_EQ(ErrorOf(Policy(principal, R"("s3:GetObject")", R"("arn:aws:s3:::photos/*")")),
              "Invalid principal in policy")
        << principal;
  }
}

TEST(BucketPolicyTest, AsksWhetherNamedPrincipalsExist) {
  BucketPolicyOptions options;
  std::vector<std::string> asked;
  options.principal_exists = [&](std::string_view arn) {
    asked.emplace_back(arn);
    return arn != "arn:aws:iam::111122223333:user/ghost";
  };
  EXPECT_EQ(ErrorOf(Policy(R"({"AWS":["111122223333","arn:aws:iam::111122223333:user/ghost"]})",
                           R"("s3:GetObject")", R"("arn:aws:s3:::photos/*")"),
                    options),
            "Invalid principal in policy");
  EXPECT_THAT(asked, ::testing::ElementsAre("arn:aws:iam::111122223333:user/ghost"));
  EXPECT_EQ(ErrorOf(Policy(R"({"AWS":"arn:aws:iam::111122223333:user/alice"})", R"("s3:GetObject")",
                           R"("arn:aws:s3:::photos/*")"),
                    options),
            "ok");
}

TEST(BucketPolicyTest, RejectsActionsThatAreNotS3) {
  for (std::string_view action :
       {R"("iam:CreateUser")", R"("s3:GetObjectx")", R"("GetObject")", R"("s3:Nothing*")",
        R"(["s3:GetObject","ec2:*"])", R"("sqs:*")"}) {
    EXPECT_EQ(ErrorOf(Policy(R"("*")", action, R"("arn:aws:s3:::photos/*")")),
              "Policy has invalid action")
        << action;
  }
}

TEST(BucketPolicyTest, RejectsActionsThatApplyToNoResourceOfTheStatement) {
  const std::string message = "Action does not apply to any resource(s) in statement";
  EXPECT_EQ(ErrorOf(Policy(R"("*")", R"("s3:GetObject")", R"("arn:aws:s3:::photos")")), message);
  EXPECT_EQ(ErrorOf(Policy(R"("*")", R"("s3:ListBucket")", R"("arn:aws:s3:::photos/*")")), message);
  EXPECT_EQ(ErrorOf(Policy(R"("*")", R"("s3:ListAllMyBuckets")", R"("arn:aws:s3:::photos")")),
            message);
  EXPECT_EQ(ErrorOf(Policy(R"("*")", R"(["s3:GetObject","s3:ListBucket"])",
                           R"("arn:aws:s3:::photos/*")")),
            message);
}

TEST(BucketPolicyTest, RejectsInvalidJson) {
  EXPECT_EQ(ErrorOf(R"({"Statement":[)"), "This policy contains invalid Json");
  EXPECT_EQ(ErrorOf(R"({"Statement":[{"Effect":"Allow"}],"Statement":[]})"),
            "This policy contains invalid Json");  // duplicate key
  EXPECT_EQ(ErrorOf(Policy(R"("*")", "7", R"("arn:aws:s3:::photos/*")")),
            "This policy contains invalid Json");  // wrong element type
  EXPECT_EQ(ErrorOf(R"( {"Statement":[]})"),
            "Policies must be valid JSON and the first byte must be '{'");
  EXPECT_EQ(ErrorOf(""), "Policies must be valid JSON and the first byte must be '{'");
  EXPECT_EQ(ErrorOf(R"({"Version":"2012-10-17"})"), "Missing required field Statement");
  EXPECT_EQ(ErrorOf(R"({"Statement":[]})"), "Could not parse the policy: Statement is empty!");
}

TEST(BucketPolicyTest, KeepsTheReadersOtherMessages) {
  EXPECT_EQ(ErrorOf(R"({"Statement":[{"Effect":"Allow","Action":"s3:GetObject",)"
                    R"("Resource":"arn:aws:s3:::photos/*"}]})"),
            "Missing required field Principal");
  EXPECT_EQ(ErrorOf(R"({"Statement":[{"Effect":"allow","Principal":"*","Action":"s3:GetObject",)"
                    R"("Resource":"arn:aws:s3:::photos/*"}]})"),
            "Invalid effect: allow");
  EXPECT_EQ(ErrorOf(Policy(R"("*")", R"("s3:GetObject")", R"("arn:aws:s3:::photos/*")",
                           R"(,"Condition":{"StringEquals":{"prefix":"x"}})")),
            "Policy has an invalid condition key");
}

TEST(BucketPolicyTest, EnforcesTheSizeLimit) {
  std::string padding(20480, ' ');
  EXPECT_EQ(ErrorOf(Policy(R"("*")", R"("s3:GetObject")", R"("arn:aws:s3:::photos/*")") + padding),
            "Policy exceeds the maximum allowed document size.");
}

TEST(BucketPolicyTest, KnowsTheResourceTypeOfS3Actions) {
  EXPECT_EQ(S3ActionResourceType("GetObject"), S3ResourceType::kObject);
  EXPECT_EQ(S3ActionResourceType("listbucket"), S3ResourceType::kBucket);
  EXPECT_EQ(S3ActionResourceType("ListAllMyBuckets"), S3ResourceType::kOther);
  EXPECT_EQ(S3ActionResourceType("Nope"), std::nullopt);
  const auto& names = S3ActionNames();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_TRUE(std::adjacent_find(names.begin(), names.end()) == names.end());
}

TEST(BucketPolicyTest, OwnerRootMayAlwaysManageTheBucketPolicy) {
  const std::string_view root = "arn:aws:iam::111122223333:root";
  for (std::string_view op : {"PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy"}) {
    EXPECT_TRUE(OwnerRootMayManageBucketPolicy(op, root, "111122223333")) << op;
  }
  EXPECT_FALSE(OwnerRootMayManageBucketPolicy("GetObject", root, "111122223333"));
  EXPECT_FALSE(OwnerRootMayManageBucketPolicy("PutBucketPolicy", root, "444455556666"));
  EXPECT_FALSE(OwnerRootMayManageBucketPolicy(
      "PutBucketPolicy", "arn:aws:iam::111122223333:user/root", "111122223333"));
}

TEST(BucketPolicyTest, OtherAccountsCannotManageTheBucketPolicy) {
  EXPECT_TRUE(CheckBucketPolicyCallerAccount("PutBucketPolicy", "111122223333", "111122223333")
                  .has_value());
  EXPECT_TRUE(
      CheckBucketPolicyCallerAccount("GetObject", "444455556666", "111122223333").has_value());
  auto denied = CheckBucketPolicyCallerAccount("GetBucketPolicy", "444455556666", "111122223333");
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().aws_code, "MethodNotAllowed");
}

}  // namespace
}  // namespace portcullis::api::s3
