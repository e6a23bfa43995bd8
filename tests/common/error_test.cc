#include "common/error.h"

#include <gtest/gtest.h>

#include "common/strings.h"

namespace portcullis {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "odd value `" + std::to_string(x) + "`");
  }
  return x / 2;
}

Result<int> Quarter(int x) {
  IAM_ASSIGN_OR_RETURN(int half, Half(x));
  IAM_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(ErrorTest, AssignOrReturnPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  auto bad = Quarter(6);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "odd value `3`");
}

TEST(ErrorTest, ToStringPrintsContextsOutermostFirstAndLocation) {
  Error e{ErrorCode::kInvalidArgument, "bad effect", SourceLocation{10, 2, 5, "$.Effect"}, {}, {}};
  e.WithContext("inner").WithContext("outer");
  EXPECT_EQ(e.ToString(), "outer: inner: bad effect (at line 2, column 5, $.Effect)");
}

TEST(StringsTest, CaseHelpers) {
  EXPECT_EQ(AsciiLower("S3:GetObject"), "s3:getobject");
  EXPECT_TRUE(EqualsIgnoreCase("aws:UserName", "AWS:username"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "ab"));
  EXPECT_TRUE(StartsWithIgnoreCase("ForAnyValue:StringLike", "foranyvalue:"));
  EXPECT_EQ(TrimAsciiWhitespace(" \tx y\n"), "x y");
}

}  // namespace
}  // namespace portcullis
