#include "policy/condition_operator.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace portcullis::policy {
namespace {

const std::vector<std::string> kBaseNames = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
};

TEST(ConditionOperatorTest, EveryBaseNameRoundTrips) {
  for (const std::string& name : kBaseNames) {
    Result<ConditionOperator> op = ParseConditionOperator(name);
    ASSERT_TRUE(op.has_value()) << name;
    EXPECT_EQ(BaseOperatorName(op->base), name);
    EXPECT_EQ(op->set, SetQualifier::kNone);
    EXPECT_FALSE(op->if_exists);
  }
}

TEST(ConditionOperatorTest, EveryQualifierAndIfExistsCombination) {
  const std::vector<std::pair<std::string, SetQualifier>> prefixes = {
      {"", SetQualifier::kNone},
      {"ForAnyValue:", SetQualifier::kForAnyValue},
      {"ForAllValues:", SetQualifier::kForAllValues}};
  for (const std::string& base : kBaseNames) {
    for (const auto& [prefix, set] : prefixes) {
      for (bool if_exists : {false, true}) {
        const std::string name = prefix + base + (if_exists ? "IfExists" : "");
        Result<ConditionOperator> op = ParseConditionOperator(name);
        if (base == "Null" && if_exists) {
          EXPECT_FALSE(op.has_value()) << name;
          continue;
        }
        ASSERT_TRUE(op.has_value()) << name;
        EXPECT_EQ(BaseOperatorName(op->base), base);
        EXPECT_EQ(op->set, set) << name;
        EXPECT_EQ(op->if_exists, if_exists) << name;
      }
    }
  }
}

TEST(ConditionOperatorTest, RejectsUnknownNamesWithAwsMessage) {
  Result<ConditionOperator> op = ParseConditionOperator("StringEqualz");
  ASSERT_FALSE(op.has_value());
  EXPECT_EQ(op.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(op.error().message, "Invalid Condition type : StringEqualz");
  EXPECT_EQ(op.error().aws_code, "MalformedPolicyDocument");
}

TEST(ConditionOperatorTest, NamesAreCaseSensitive) {
  for (const char* name :
       {"stringequals", "STRINGEQUALS", "StringEqualsIfexists", "forAnyValue:StringLike",
        "ForAnyvalue:StringLike", "bool", "null", "ipaddress"}) {
    EXPECT_FALSE(ParseConditionOperator(name).has_value()) << name;
  }
}

TEST(ConditionOperatorTest, RejectsMalformedCompositions) {
  for (const char* name : {"", "IfExists", "ForAnyValue:", "ForAnyValue:IfExists", "NullIfExists",
                           "ForAnyValue:NullIfExists", "ForAnyValue:ForAllValues:StringLike",
                           "StringLikeIfExistsIfExists", "ForAnyValue: StringLike", " StringLike",
                           "StringLike ", "ForSomeValues:StringLike", "StringEquals:"}) {
    EXPECT_FALSE(ParseConditionOperator(name).has_value()) << name;
  }
}

TEST(ConditionOperatorTest, NullTakesSetQualifiers) {
  EXPECT_TRUE(ParseConditionOperator("ForAnyValue:Null").has_value());
  EXPECT_TRUE(ParseConditionOperator("ForAllValues:Null").has_value());
}

TEST(ConditionOperatorTest, NegatedOperators) {
  for (const char* name :
       {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
        "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike"}) {
    EXPECT_TRUE(IsNegated(ParseConditionOperator(name)->base)) << name;
  }
  for (const char* name : {"StringEquals", "StringLike", "NumericLessThan", "DateEquals", "Bool",
                           "BinaryEquals", "IpAddress", "ArnLike", "Null"}) {
    EXPECT_FALSE(IsNegated(ParseConditionOperator(name)->base)) << name;
  }
}

}  // namespace
}  // namespace portcullis::policy
