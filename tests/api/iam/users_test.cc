// Tests of the IAM user operations (users.cc).
#include <gtest/gtest.h>

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

using UsersTest = IamApiTest;

TEST_F(UsersTest, FixtureBuilds) {
  EXPECT_EQ(Root().account_id, kAccountId);
}

}  // namespace
}  // namespace portcullis::api::iam::testing
