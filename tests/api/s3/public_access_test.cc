#include "api/s3/public_access.h"

#include <gtest/gtest.h>
#include <string>

#include "policy/parse.h"

namespace portcullis::api::s3 {
namespace {

bool IsPublic(std::string_view text) {
  policy::ParseOptions options;
  options.kind = policy::PolicyKind::kResource;
  auto doc = policy::ParsePolicy(text, options);
  EXPECT_TRUE(doc.has_value()) << (doc.has_value() ? "" : doc.error().ToString());
  return doc.has_value() && IsPublicPolicy(*doc);
}

// One Allow statement with the given principal, action and condition.
std::string Statement(std::string_view principal, std::string_view action,
                      std::string_view condition = "") {
  std::string text = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":)" +
                     std::string(principal) + R"(,"Action":)" + std::string(action) +
                     R"(,"Resource":"arn:aws:s3:::photos/*")";
  if (!condition.empty()) {
    text += R"(,"Condition":)" + std::string(condition);
  }
  return text + "}]}";
}

constexpr std::string_view kStar = R"("*")";
constexpr std::string_view kGet = R"("s3:GetObject")";

TEST(PublicAccessTest, EveryoneWithoutConditionIsPublic) {
  EXPECT_TRUE(IsPublic(Statement(kStar, kGet)));
  EXPECT_TRUE(IsPublic(Statement(R"({"AWS":"*"})", kGet)));
  EXPECT_TRUE(IsPublic(Statement(R"({"AWS":["111122223333","*"]})", kGet)));
  EXPECT_TRUE(IsPublic(Statement(kStar, R"("s3:*")")));
  EXPECT_TRUE(IsPublic(Statement(kStar, R"("*")")));
}

TEST(PublicAccessTest, FixedPrincipalsAreNotPublic) {
  EXPECT_FALSE(IsPublic(Statement(R"({"AWS":"arn:aws:iam::111122223333:root"})", kGet)));
  EXPECT_FALSE(IsPublic(Statement(R"({"AWS":"444455556666"})", kGet)));
  EXPECT_FALSE(IsPublic(Statement(R"({"Service":"cloudtrail.amazonaws.com"})", kGet)));
}

TEST(PublicAccessTest, DenyStatementsAreNotPublic) {
  EXPECT_FALSE(IsPublic(R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*",)"
                        R"("Resource":"arn:aws:s3:::photos/*"}]})"));
}

TEST(PublicAccessTest, NotPrincipalWithAllowIsPublic) {
  EXPECT_TRUE(IsPublic(R"({"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},)"
                       R"("Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]})"));
}

// AWS: S3 User Guide, "The meaning of 'public'": a wildcard in aws:SourceVpc keeps the
// policy public; a fixed VPC does not.
TEST(PublicAccessTest, AwsDocExampleSourceVpc) {
  EXPECT_TRUE(IsPublic(
      Statement(kStar, R"("s3:PutObject")", R"({"StringLike":{"aws:SourceVpc":"vpc-*"}})")));
  EXPECT_FALSE(IsPublic(Statement(kStar, R"("s3:PutObject")",
                                  R"({"StringEquals":{"aws:SourceVpc":"vpc-91237329"}})")));
}

TEST(PublicAccessTest, SourceIpLimitsUnlessSlashZero) {
  EXPECT_FALSE(
      IsPublic(Statement(kStar, kGet, R"({"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}})")));
  EXPECT_FALSE(IsPublic(Statement(
      kStar, kGet, R"({"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}})")));
  EXPECT_TRUE(IsPublic(Statement(kStar, kGet, R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})")));
  EXPECT_TRUE(
      IsPublic(Statement(kStar, kGet, R"({"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::/0"]}})")));
  EXPECT_TRUE(
      IsPublic(Statement(kStar, kGet, R"({"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}})")));
}

TEST(PublicAccessTest, FixedValuesOfTheListedKeysLimit) {
  for (
      std::string_view condition : {
          R"({"StringEquals":{"aws:SourceAccount":"111122223333"}})",
          R"({"ArnEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}})",
          R"({"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}})",
          R"({"StringEquals":{"aws:SourceOwner":"111122223333"}})",
          R"({"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}})",
          R"({"StringEquals":{"aws:PrincipalAccount":"111122223333"}})",
          R"({"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/r"}})",
          R"({"StringEquals":{"aws:userid":"AIDAEXAMPLE"}})",
          R"({"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}})",
          R"({"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}})",
          R"({"ArnLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:111122223333:accesspoint/*"}})",
          R"({"StringEquals":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:111122223333:key/k"}})",
          R"({"ForAnyValue:StringEquals":{"aws:SourceVpce":["vpce-1","vpce-2"]}})",
          R"({"StringEquals":{"AWS:SOURCEACCOUNT":"111122223333"}})",
      }) {
    EXPECT_FALSE(IsPublic(Statement(kStar, kGet, condition))) << condition;
  }
}

TEST(PublicAccessTest, WildcardsVariablesAndWeakOperatorsDoNotLimit) {
  for (std::string_view condition : {
           R"({"StringLike":{"aws:SourceAccount":"1111*"}})",
           R"({"StringEquals":{"aws:PrincipalArn":"${aws:username}"}})",
           R"({"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1a2b3c4d"}})",
           R"({"ForAllValues:StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}})",
           R"({"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}})",
           R"({"StringLike":{"aws:userid":"AROA*:*"}})",
           R"({"ArnLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:*:accesspoint/*"}})",
           R"({"StringEquals":{"s3:prefix":"public/"}})",
           R"({"Bool":{"aws:SecureTransport":"true"}})",
           R"({"StringEquals":{"aws:SourceIp":"192.0.2.1"}})",
       }) {
    EXPECT_TRUE(IsPublic(Statement(kStar, kGet, condition))) << condition;
  }
}

TEST(PublicAccessTest, OneLimitingConditionAmongOthersIsEnough) {
  EXPECT_FALSE(IsPublic(Statement(
      kStar, kGet,
      R"({"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:SourceVpc":"vpc-1"}})")));
}

TEST(PublicAccessTest, OnlyBadActionsMakeAStatementPublic) {
  EXPECT_TRUE(IsPublic(Statement(kStar, R"("s3:ListBucket")")));
  EXPECT_TRUE(IsPublic(Statement(kStar, R"("s3:AbortMultipartUpload")")));
  EXPECT_TRUE(IsPublic(Statement(kStar, R"("s3:RestoreObject")")));
  EXPECT_TRUE(IsPublic(Statement(kStar, R"("s3:Ge?Object")")));
  EXPECT_TRUE(IsPublic(Statement(kStar, R"("s*:*")")));
  EXPECT_FALSE(IsPublic(Statement(kStar, R"("s3:ReplicateObject")")));
  EXPECT_FALSE(IsPublic(Statement(kStar, R"("s3:Replicate*")")));
  EXPECT_FALSE(IsPublic(Statement(kStar, R"("sqs:GetQueueUrl")")));
}

TEST(PublicAccessTest, AnyPublicStatementMakesThePolicyPublic) {
  EXPECT_TRUE(IsPublic(
      R"({"Statement":[)"
      R"({"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::photos/*"},)"
      R"({"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"},)"
      R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]})"));
}

TEST(PublicAccessTest, BlockPublicPolicyRefusesOnlyPublicPolicies) {
  PublicAccessBlock settings;
  EXPECT_TRUE(
      CheckBlockPublicPolicy(settings, true, "arn:aws:iam::1:user/a", "photos").has_value());
  settings.block_public_policy = true;
  EXPECT_TRUE(
      CheckBlockPublicPolicy(settings, false, "arn:aws:iam::1:user/a", "photos").has_value());
  auto denied =
      CheckBlockPublicPolicy(settings, true, "arn:aws:iam::111122223333:user/a", "photos");
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(denied.error().aws_code, "AccessDenied");
  EXPECT_EQ(denied.error().message,
            "User: arn:aws:iam::111122223333:user/a is not authorized to perform: "
            "s3:PutBucketPolicy on resource: \"arn:aws:s3:::photos\" because public policies are "
            "blocked by the BlockPublicPolicy block public access setting.");
}

// AWS: with RestrictPublicBuckets and a public policy, only service principals and the
// owner's account are served; cross-account access is blocked even where the policy names
// the account.
TEST(PublicAccessTest, RestrictPublicBuckets) {
  PublicAccessBlock on;
  on.restrict_public_buckets = true;
  const std::string_view owner = "111122223333";
  const CallerScope anonymous{true, false, {}};
  const CallerScope same{false, false, "111122223333"};
  const CallerScope other{false, false, "444455556666"};
  const CallerScope service{false, true, {}};
  EXPECT_TRUE(RestrictPublicBucketsDenies(on, true, anonymous, owner));
  EXPECT_TRUE(RestrictPublicBucketsDenies(on, true, other, owner));
  EXPECT_FALSE(RestrictPublicBucketsDenies(on, true, same, owner));
  EXPECT_FALSE(RestrictPublicBucketsDenies(on, true, service, owner));
  EXPECT_FALSE(RestrictPublicBucketsDenies(on, false, other, owner));  // policy not public
  EXPECT_FALSE(RestrictPublicBucketsDenies(PublicAccessBlock{}, true, anonymous, owner));
}

TEST(PublicAccessTest, BlockPublicAcls) {
  EXPECT_TRUE(IsPublicCannedAcl("public-read"));
  EXPECT_TRUE(IsPublicCannedAcl("public-read-write"));
  EXPECT_TRUE(IsPublicCannedAcl("authenticated-read"));
  EXPECT_FALSE(IsPublicCannedAcl("private"));
  EXPECT_FALSE(IsPublicCannedAcl("bucket-owner-full-control"));
  PublicAccessBlock settings;
  settings.block_public_acls = true;
  EXPECT_FALSE(CheckBlockPublicAcls(settings, "public-read").has_value());
  EXPECT_TRUE(CheckBlockPublicAcls(settings, "private").has_value());
  EXPECT_TRUE(CheckBlockPublicAcls(settings, "").has_value());
  EXPECT_TRUE(CheckBlockPublicAcls(PublicAccessBlock{}, "public-read").has_value());
}

}  // namespace
}  // namespace portcullis::api::s3
