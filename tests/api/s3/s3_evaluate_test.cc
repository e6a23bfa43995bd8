// End-to-end: S3 requests from s3_actions.h, bucket policies from bucket_policy.h, decided
// by the engine (eval::Evaluate) as the S3 service will decide them.
#include "api/s3/s3_evaluate.h"

#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

#include "eval/compiled_policy.h"

namespace portcullis::api::s3 {
namespace {

using eval::Verdict;

constexpr std::string_view kOwner = "111122223333";
constexpr std::string_view kOther = "444455556666";
constexpr std::string_view kAlice = "arn:aws:iam::111122223333:user/alice";
constexpr std::string_view kBob = "arn:aws:iam::444455556666:user/bob";

std::shared_ptr<const eval::CompiledPolicy> Identity(std::string_view text) {
  policy::ParseOptions options;
  options.kind = policy::PolicyKind::kIdentity;
  auto compiled = eval::ParseAndCompilePolicy(text, "identity", options);
  EXPECT_TRUE(compiled.has_value()) << (compiled.has_value() ? "" : compiled.error().ToString());
  return compiled.has_value() ? *compiled : nullptr;
}

eval::CompiledPolicySet Set(std::vector<std::string_view> texts) {
  eval::PolicySetInput input;
  for (std::string_view text : texts) {
    input.identity.push_back(Identity(text));
  }
  return eval::CompiledPolicySet(std::move(input));
}

eval::CompiledPolicySet SetOf(std::shared_ptr<const eval::CompiledPolicy> policy) {
  eval::PolicySetInput input;
  input.identity.push_back(std::move(policy));
  return eval::CompiledPolicySet(std::move(input));
}

std::shared_ptr<const BucketPolicy> BucketPolicyOf(std::string_view text) {
  auto policy = ValidateBucketPolicy(text, "photos");
  EXPECT_TRUE(policy.has_value()) << (policy.has_value() ? "" : policy.error().ToString());
  return policy.has_value() ? *policy : nullptr;
}

S3AuthorizationRequest Only(const S3RequestFacts& facts) {
  auto requests = AuthorizationRequestsFor(facts);
  EXPECT_TRUE(requests.has_value());
  EXPECT_EQ(requests->size(), 1U);
  return requests->front();
}

S3RequestFacts GetObjectFacts(std::string_view key = "report.pdf") {
  S3RequestFacts f;
  f.operation = "GetObject";
  f.bucket = "photos";
  f.key = key;
  f.bucket_owner = kOwner;
  return f;
}

// Decides `authz` for an IAM user with `identity` policies, as the Authorizer would.
Verdict Decide(const S3AuthorizationRequest& authz, std::string_view principal,
               const eval::CompiledPolicySet& identity, const BucketPolicy* bucket_policy,
               const eval::RequestContext& base = {}) {
  const eval::Request request = MakeEvalRequest(authz, principal, "", kOwner, base);
  return eval::Evaluate(request, identity,
                        bucket_policy == nullptr ? nullptr : bucket_policy->compiled.get())
      .verdict;
}

constexpr std::string_view kReadPhotos =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],)"
    R"("Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"]}]})";

TEST(S3EvaluateTest, OwnerAccountUserNeedsAnIdentityAllow) {
  const auto authz = Only(GetObjectFacts());
  EXPECT_EQ(Decide(authz, kAlice, Set({kReadPhotos}), nullptr), Verdict::kAllow);
  EXPECT_EQ(Decide(authz, kAlice, Set({}), nullptr), Verdict::kImplicitDeny);
  const auto other_bucket = Identity(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::other/*"}]})");
  EXPECT_EQ(Decide(authz, kAlice, SetOf(other_bucket), nullptr), Verdict::kImplicitDeny);
}

TEST(S3EvaluateTest, SecondAccountNeedsBothTheBucketPolicyAndItsOwnIdentityPolicy) {
  const auto grant = BucketPolicyOf(
      R"({"Version":"2012-10-17","Statement":[{"Sid":"CrossAccountRead","Effect":"Allow",)"
      R"("Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":["s3:GetObject","s3:ListBucket"],)"
      R"("Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"]}]})");
  ASSERT_NE(grant, nullptr);
  EXPECT_FALSE(grant->is_public);
  const auto get = Only(GetObjectFacts());
  EXPECT_EQ(Decide(get, kBob, Set({kReadPhotos}), grant.get()), Verdict::kAllow);
  EXPECT_EQ(Decide(get, kBob, Set({}), grant.get()), Verdict::kImplicitDeny);
  EXPECT_EQ(Decide(get, kBob, Set({kReadPhotos}), nullptr), Verdict::kImplicitDeny);
  // The bucket policy grants reads only.
  S3RequestFacts put = GetObjectFacts();
  put.operation = "PutObject";
  const auto write_all =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})";
  EXPECT_EQ(Decide(Only(put), kBob, Set({write_all}), grant.get()), Verdict::kImplicitDeny);
}

TEST(S3EvaluateTest, AnonymousReadThroughAPublicBucketPolicy) {
  const auto public_read =
      BucketPolicyOf(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",)"
                     R"("Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/public/*"}]})");
  ASSERT_NE(public_read, nullptr);
  EXPECT_TRUE(public_read->is_public);
  BucketAccess bucket{kOwner, public_read.get(), {}};
  S3RequestFacts f = GetObjectFacts("public/cat.jpg");
  f.auth_type = AuthType::kAnonymous;
  const eval::RequestContext base;
  EXPECT_EQ(EvaluateAnonymous(Only(f), bucket, base).verdict, Verdict::kAllow);
  EXPECT_EQ(EvaluateAnonymous(Only(GetObjectFacts("private/x")), bucket, base).verdict,
            Verdict::kImplicitDeny);
  S3RequestFacts put = f;
  put.operation = "PutObject";
  EXPECT_EQ(EvaluateAnonymous(Only(put), bucket, base).verdict, Verdict::kImplicitDeny);
  // No bucket policy, or RestrictPublicBuckets: nothing is public.
  EXPECT_EQ(EvaluateAnonymous(Only(f), BucketAccess{kOwner, nullptr, {}}, base).verdict,
            Verdict::kImplicitDeny);
  bucket.public_access_block.restrict_public_buckets = true;
  EXPECT_EQ(EvaluateAnonymous(Only(f), bucket, base).verdict, Verdict::kImplicitDeny);
}

TEST(S3EvaluateTest, AnonymousCallerIsNotMatchedByAnAccountPrincipal) {
  const auto account_grant = BucketPolicyOf(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},)"
      R"("Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]})");
  EXPECT_EQ(
      EvaluateAnonymous(Only(GetObjectFacts()), BucketAccess{kOwner, account_grant.get(), {}}, {})
          .verdict,
      Verdict::kImplicitDeny);
}

TEST(S3EvaluateTest, AnonymousAllNeedsEveryRequestAllowed) {
  const auto public_read =
      BucketPolicyOf(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",)"
                     R"("Action":"s3:DeleteObject","Resource":"arn:aws:s3:::photos/tmp/*"}]})");
  S3RequestFacts f = GetObjectFacts();
  f.operation = "DeleteObjects";
  f.auth_type = AuthType::kAnonymous;
  f.objects_to_delete = {{"tmp/a", ""}, {"keep/b", ""}};
  auto requests = AuthorizationRequestsFor(f);
  ASSERT_TRUE(requests.has_value());
  const BucketAccess bucket{kOwner, public_read.get(), {}};
  EXPECT_EQ(EvaluateAnonymousAll(*requests, bucket, {}).verdict, Verdict::kImplicitDeny);
  f.objects_to_delete = {{"tmp/a", ""}, {"tmp/b", ""}};
  requests = AuthorizationRequestsFor(f);
  EXPECT_EQ(EvaluateAnonymousAll(*requests, bucket, {}).verdict, Verdict::kAllow);
  EXPECT_EQ(EvaluateAnonymousAll({}, bucket, {}).verdict, Verdict::kImplicitDeny);
}

TEST(S3EvaluateTest, BucketPolicyDenyWithoutMfaOverridesAnIdentityAllow) {
  const auto deny_without_mfa = BucketPolicyOf(
      R"({"Version":"2012-10-17","Statement":[{"Sid":"RequireMfa","Effect":"Deny","Principal":"*",)"
      R"("Action":"s3:*","Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"],)"
      R"("Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]})");
  ASSERT_NE(deny_without_mfa, nullptr);
  EXPECT_FALSE(deny_without_mfa->is_public);
  const auto authz = Only(GetObjectFacts());
  const auto identity = Set({kReadPhotos});
  // Long-term keys: the key is absent, BoolIfExists holds: denied.
  EXPECT_EQ(Decide(authz, kAlice, identity, deny_without_mfa.get()), Verdict::kExplicitDeny);
  eval::RequestContext no_mfa;
  no_mfa.Set("aws:MultiFactorAuthPresent", "false");
  EXPECT_EQ(Decide(authz, kAlice, identity, deny_without_mfa.get(), no_mfa),
            Verdict::kExplicitDeny);
  eval::RequestContext mfa;
  mfa.Set("aws:MultiFactorAuthPresent", "true");
  EXPECT_EQ(Decide(authz, kAlice, identity, deny_without_mfa.get(), mfa), Verdict::kAllow);
}

TEST(S3EvaluateTest, ListBucketPrefixConditionFromTheRequest) {
  const auto home = Identity(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket",)"
      R"("Resource":"arn:aws:s3:::photos","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}}]})");
  const eval::CompiledPolicySet identity = SetOf(home);
  eval::RequestContext base;
  base.Set("aws:username", "alice");
  S3RequestFacts f = GetObjectFacts();
  f.operation = "ListObjectsV2";
  f.query = {{"prefix", "home/alice/docs"}};
  EXPECT_EQ(Decide(Only(f), kAlice, identity, nullptr, base), Verdict::kAllow);
  f.query = {{"prefix", "home/bob/"}};
  EXPECT_EQ(Decide(Only(f), kAlice, identity, nullptr, base), Verdict::kImplicitDeny);
  f.query = {};
  EXPECT_EQ(Decide(Only(f), kAlice, identity, nullptr, base), Verdict::kImplicitDeny);
}

TEST(S3EvaluateTest, ExistingObjectTagConditionFromTheObjectsTags) {
  const auto by_tag = Identity(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",)"
      R"("Resource":"arn:aws:s3:::photos/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/team":"blue"}}}]})");
  const eval::CompiledPolicySet identity = SetOf(by_tag);
  const Tags blue = {{"team", "blue"}};
  const Tags red = {{"team", "red"}};
  S3RequestFacts f = GetObjectFacts();
  f.existing_object_tags = &blue;
  EXPECT_EQ(Decide(Only(f), kAlice, identity, nullptr), Verdict::kAllow);
  f.existing_object_tags = &red;
  EXPECT_EQ(Decide(Only(f), kAlice, identity, nullptr), Verdict::kImplicitDeny);
}

TEST(S3EvaluateTest, ListAllMyBucketsMatchesBothUsualResources) {
  S3RequestFacts f;
  f.operation = "ListBuckets";
  f.bucket_owner = kOwner;
  const auto authz = Only(f);
  for (std::string_view resource : {R"("*")", R"("arn:aws:s3:::*")"}) {
    const std::string text =
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":)" +
        std::string(resource) + "}]}";
    EXPECT_EQ(Decide(authz, kAlice, Set({text}), nullptr), Verdict::kAllow) << resource;
  }
  EXPECT_EQ(Decide(authz, kAlice, Set({kReadPhotos}), nullptr), Verdict::kImplicitDeny);
}

}  // namespace
}  // namespace portcullis::api::s3
