#include "policy/arn.h"

#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::policy {
namespace {

TEST(SplitArnTest, SplitsFiveFields) {
  const std::optional<Arn> arn = SplitArn("arn:aws:iam::123456789012:role/admin");
  ASSERT_TRUE(arn.has_value());
  EXPECT_EQ(arn->partition, "aws");
  EXPECT_EQ(arn->service, "iam");
  EXPECT_EQ(arn->region, "");
  EXPECT_EQ(arn->account, "123456789012");
  EXPECT_EQ(arn->resource, "role/admin");
}

TEST(SplitArnTest, ResourceKeepsColons) {
  const std::optional<Arn> arn =
      SplitArn("arn:aws:logs:us-east-1:123456789012:log-group:my-group:*");
  ASSERT_TRUE(arn.has_value());
  EXPECT_EQ(arn->region, "us-east-1");
  EXPECT_EQ(arn->resource, "log-group:my-group:*");
}

TEST(SplitArnTest, EmptyFields) {
  const std::optional<Arn> arn = SplitArn("arn:aws:s3:::bucket/key");
  ASSERT_TRUE(arn.has_value());
  EXPECT_EQ(arn->service, "s3");
  EXPECT_EQ(arn->region, "");
  EXPECT_EQ(arn->account, "");
  EXPECT_EQ(arn->resource, "bucket/key");
  const std::optional<Arn> empty = SplitArn("arn:::::");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->resource, "");
}

TEST(SplitArnTest, RejectsNonArns) {
  EXPECT_FALSE(SplitArn("").has_value());
  EXPECT_FALSE(SplitArn("*").has_value());
  EXPECT_FALSE(SplitArn("arn").has_value());
  EXPECT_FALSE(SplitArn("arn:aws:s3::").has_value());
  EXPECT_FALSE(SplitArn("arn:aws:s3:bucket").has_value());
  EXPECT_FALSE(SplitArn("ARN:aws:s3:::bucket").has_value());
  EXPECT_FALSE(SplitArn("urn:aws:s3:::bucket").has_value());
  EXPECT_FALSE(SplitArn(" arn:aws:s3:::bucket").has_value());
}

TEST(SplitArnTest, IsArnLike) {
  EXPECT_TRUE(IsArnLike("arn:aws:s3:::bucket"));
  EXPECT_TRUE(IsArnLike("arn:aws:s3:::"));
  EXPECT_FALSE(IsArnLike("arn:aws:s3::"));
  EXPECT_FALSE(IsArnLike("bucket"));
}

bool ArnMatch(std::string_view pattern, std::string_view arn) {
  const ArnPattern compiled = ArnPattern::Compile(pattern);
  const bool result = compiled.Matches(arn);
  EXPECT_EQ(compiled.Matches(arn, SplitArn(arn)), result) << pattern << " vs " << arn;
  return result;
}

TEST(ArnPatternTest, StarAloneMatchesAnything) {
  EXPECT_TRUE(ArnMatch("*", "arn:aws:s3:::bucket"));
  EXPECT_TRUE(ArnMatch("*", "not an arn"));
  EXPECT_TRUE(ArnMatch("*", ""));
}

TEST(ArnPatternTest, ExactAndWildcardResource) {
  EXPECT_TRUE(ArnMatch("arn:aws:s3:::bucket", "arn:aws:s3:::bucket"));
  EXPECT_FALSE(ArnMatch("arn:aws:s3:::bucket", "arn:aws:s3:::bucket2"));
  EXPECT_TRUE(ArnMatch("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c:d"));
  EXPECT_FALSE(ArnMatch("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket"));
  EXPECT_TRUE(ArnMatch("arn:aws:s3:::bucket/home/${aws:username}/*",
                       "arn:aws:s3:::bucket/home/${aws:username}/x"));
}

TEST(ArnPatternTest, StarDoesNotSpanFieldColons) {
  // Per field: the service `*` cannot eat "s3:us-east-1".
  EXPECT_TRUE(ArnMatch("arn:aws:*:us-east-1:123:thing", "arn:aws:ec2:us-east-1:123:thing"));
  EXPECT_FALSE(ArnMatch("arn:aws:*:*:123:thing", "arn:aws:s3:us-east-1:x:123:thing"));
  // A whole-string glob would match this; per-field matching does not.
  EXPECT_FALSE(ArnMatch("arn:aws:s3*:::bucket", "arn:aws:s3:x:y:z:::bucket"));
  EXPECT_TRUE(ArnMatch("arn:*:iam::*:role/*", "arn:aws-cn:iam::123456789012:role/x"));
  EXPECT_FALSE(ArnMatch("arn:*:iam::*:role/*", "arn:aws:iam:us-east-1:123456789012:role/x"));
}

TEST(ArnPatternTest, QuestionMarkPerField) {
  EXPECT_TRUE(
      ArnMatch("arn:aws:ec2:us-east-?:123:instance/*", "arn:aws:ec2:us-east-1:123:instance/i-1"));
  EXPECT_FALSE(
      ArnMatch("arn:aws:ec2:us-east-?:123:instance/*", "arn:aws:ec2:us-east-10:123:instance/i-1"));
}

TEST(ArnPatternTest, CaseSensitive) {
  EXPECT_FALSE(ArnMatch("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket"));
  EXPECT_FALSE(ArnMatch("arn:AWS:s3:::bucket", "arn:aws:s3:::bucket"));
}

TEST(ArnPatternTest, NonArnFallsBackToWholeGlob) {
  // The pattern is not an ARN: one glob over the whole text.
  EXPECT_TRUE(ArnMatch("arn:*", "arn:aws:s3:::bucket"));
  EXPECT_TRUE(ArnMatch("arn:aws:s3*", "arn:aws:s3:::bucket/x"));
  EXPECT_TRUE(ArnMatch("*bucket", "arn:aws:s3:::bucket"));
  // Only four colons: not an ARN, so its `*` spans the region colon.
  EXPECT_TRUE(ArnMatch("arn:aws:*:123:thing", "arn:aws:s3:us-east-1:123:thing"));
  EXPECT_FALSE(ArnMatch("*bucket", "arn:aws:s3:::bucket2"));
  // The text is not an ARN.
  EXPECT_FALSE(ArnMatch("arn:aws:s3:::*", "arn:aws:s3"));
  EXPECT_TRUE(ArnMatch("arn:aws:s3:::*", "arn:aws:s3:::"));
  EXPECT_TRUE(ArnMatch("bucket/*", "bucket/key"));
  EXPECT_FALSE(ArnMatch("bucket/*", "other/key"));
}

TEST(ArnPatternTest, DefaultAndPatternAccessor) {
  EXPECT_TRUE(ArnPattern().Matches(""));
  EXPECT_FALSE(ArnPattern().Matches("arn:aws:s3:::b"));
  const ArnPattern pattern = ArnPattern::Compile("arn:aws:s3:::b/*");
  const ArnPattern copy = pattern;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy.pattern(), "arn:aws:s3:::b/*");
  EXPECT_TRUE(copy.Matches("arn:aws:s3:::b/k"));
}

}  // namespace
}  // namespace portcullis::policy
