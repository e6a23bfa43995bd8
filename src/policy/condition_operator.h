// Condition operator names: "StringEquals", "ForAnyValue:StringLikeIfExists", ...
//
// ParseConditionOperator() splits a name into its base operator, its set
// qualifier and its IfExists suffix, and rejects names AWS does not know.
// "Null" cannot take IfExists (AWS: Condition operators, "...IfExists condition
// operators"); it may take a set qualifier.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/error.h"

namespace portcullis::policy {

enum class BaseOperator : std::uint8_t {
  kStringEquals,
  kStringNotEquals,
  kStringEqualsIgnoreCase,
  kStringNotEqualsIgnoreCase,
  kStringLike,
  kStringNotLike,
  kNumericEquals,
  kNumericNotEquals,
  kNumericLessThan,
  kNumericLessThanEquals,
  kNumericGreaterThan,
  kNumericGreaterThanEquals,
  kDateEquals,
  kDateNotEquals,
  kDateLessThan,
  kDateLessThanEquals,
  kDateGreaterThan,
  kDateGreaterThanEquals,
  kBool,
  kBinaryEquals,
  kIpAddress,
  kNotIpAddress,
  kArnEquals,
  kArnLike,
  kArnNotEquals,
  kArnNotLike,
  kNull,
};

enum class SetQualifier : std::uint8_t { kNone, kForAnyValue, kForAllValues };

struct ConditionOperator {
  BaseOperator base = BaseOperator::kStringEquals;
  SetQualifier set = SetQualifier::kNone;
  bool if_exists = false;
};

// Parses an operator name: ["ForAnyValue:" | "ForAllValues:"] Base ["IfExists"].
// Every part matches case-sensitively, as AWS spells it ("stringequals" and
// "forAnyValue:StringLike" are rejected). Errors: kInvalidArgument with aws_code
// "MalformedPolicyDocument" and AWS's message "Invalid Condition type : <name>".
[[nodiscard]] Result<ConditionOperator> ParseConditionOperator(std::string_view name);

// Returns the base name as AWS spells it ("StringNotLike").
std::string_view BaseOperatorName(BaseOperator op);

// The value type an operator compares.
enum class OperatorFamily : std::uint8_t {
  kString,  // String*
  kNumeric,
  kDate,
  kBool,
  kBinary,
  kIpAddress,
  kArn,
  kNull,
};

OperatorFamily FamilyOf(BaseOperator op);

// The positive form of a negated operator (StringNotLike -> StringLike); other
// operators map to themselves.
BaseOperator PositiveForm(BaseOperator op);

// Whether the operator is a negated one (StringNotEquals, NotIpAddress, ...):
// negated operators match when the key is absent.
bool IsNegated(BaseOperator op);
}  // namespace portcullis::policy
