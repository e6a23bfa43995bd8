#include "policy/condition_operator.h"

#include <array>
#include <string>
#include <utility>

namespace portcullis::policy {
namespace {

struct OperatorName {
  std::string_view name;
  BaseOperator op;
};

// AWS: IAM User Guide, "IAM JSON policy elements: Condition operators".
constexpr std::array<OperatorName, 27> kOperators = {{
    {"StringEquals", BaseOperator::kStringEquals},
    {"StringNotEquals", BaseOperator::kStringNotEquals},
    {"StringEqualsIgnoreCase", BaseOperator::kStringEqualsIgnoreCase},
    {"StringNotEqualsIgnoreCase", BaseOperator::kStringNotEqualsIgnoreCase},
    {"StringLike", BaseOperator::kStringLike},
    {"StringNotLike", BaseOperator::kStringNotLike},
    {"NumericEquals", BaseOperator::kNumericEquals},
    {"NumericNotEquals", BaseOperator::kNumericNotEquals},
    {"NumericLessThan", BaseOperator::kNumericLessThan},
    {"NumericLessThanEquals", BaseOperator::kNumericLessThanEquals},
    {"NumericGreaterThan", BaseOperator::kNumericGreaterThan},
    {"NumericGreaterThanEquals", BaseOperator::kNumericGreaterThanEquals},
    {"DateEquals", BaseOperator::kDateEquals},
    {"DateNotEquals", BaseOperator::kDateNotEquals},
    {"DateLessThan", BaseOperator::kDateLessThan},
    {"DateLessThanEquals", BaseOperator::kDateLessThanEquals},
    {"DateGreaterThan", BaseOperator::kDateGreaterThan},
    {"DateGreaterThanEquals", BaseOperator::kDateGreaterThanEquals},
    {"Bool", BaseOperator::kBool},
    {"BinaryEquals", BaseOperator::kBinaryEquals},
    {"IpAddress", BaseOperator::kIpAddress},
    {"NotIpAddress", BaseOperator::kNotIpAddress},
    {"ArnEquals", BaseOperator::kArnEquals},
    {"ArnLike", BaseOperator::kArnLike},
    {"ArnNotEquals", BaseOperator::kArnNotEquals},
    {"ArnNotLike", BaseOperator::kArnNotLike},
    {"Null", BaseOperator::kNull},
}};

constexpr std::string_view kForAnyValue = "ForAnyValue:";
constexpr std::string_view kForAllValues = "ForAllValues:";
constexpr std::string_view kIfExists = "IfExists";

tl::unexpected<Error> InvalidType(std::string_view name) {
  Error error{ErrorCode::kInvalidArgument,
              "Invalid Condition type : " + std::string(name),
              std::nullopt,
              {},
              "MalformedPolicyDocument"};
  return tl::unexpected<Error>(std::move(error));
}

}  // namespace

Result<ConditionOperator> ParseConditionOperator(std::string_view name) {
  ConditionOperator result;
  std::string_view rest = name;
  if (rest.starts_with(kForAnyValue)) {
    result.set = SetQualifier::kForAnyValue;
    rest.remove_prefix(kForAnyValue.size());
  } else if (rest.starts_with(kForAllValues)) {
    result.set = SetQualifier::kForAllValues;
    rest.remove_prefix(kForAllValues.size());
  }
  // "IfExists" alone (or "ForAnyValue:IfExists") names no base operator.
  if (rest.size() > kIfExists.size() && rest.ends_with(kIfExists)) {
    result.if_exists = true;
    rest.remove_suffix(kIfExists.size());
  }
  for (const OperatorName& entry : kOperators) {
    if (entry.name != rest) {
      continue;
    }
    // AWS: "You can add IfExists to the end of any condition operator name except
    // the Null condition" (Condition operators, "...IfExists condition operators").
    if (entry.op == BaseOperator::kNull && result.if_exists) {
      return InvalidType(name);
    }
    result.base = entry.op;
    return result;
  }
  return InvalidType(name);
}

std::string_view BaseOperatorName(BaseOperator op) {
  for (const OperatorName& entry : kOperators) {
    if (entry.op == op) {
      return entry.name;
    }
  }
  return "Unknown";
}

bool IsNegated(BaseOperator op) {
  switch (op) {
    case BaseOperator::kStringNotEquals:
    case BaseOperator::kStringNotEqualsIgnoreCase:
    case BaseOperator::kStringNotLike:
    case BaseOperator::kNumericNotEquals:
    case BaseOperator::kDateNotEquals:
    case BaseOperator::kNotIpAddress:
    case BaseOperator::kArnNotEquals:
    case BaseOperator::kArnNotLike:
      return true;
    default:
      return false;
  }
}

OperatorFamily FamilyOf(BaseOperator op) {
  switch (op) {
    case BaseOperator::kStringEquals:
    case BaseOperator::kStringNotEquals:
    case BaseOperator::kStringEqualsIgnoreCase:
    case BaseOperator::kStringNotEqualsIgnoreCase:
    case BaseOperator::kStringLike:
    case BaseOperator::kStringNotLike:
      return OperatorFamily::kString;
    case BaseOperator::kNumericEquals:
    case BaseOperator::kNumericNotEquals:
    case BaseOperator::kNumericLessThan:
    case BaseOperator::kNumericLessThanEquals:
    case BaseOperator::kNumericGreaterThan:
    case BaseOperator::kNumericGreaterThanEquals:
      return OperatorFamily::kNumeric;
    case BaseOperator::kDateEquals:
    case BaseOperator::kDateNotEquals:
    case BaseOperator::kDateLessThan:
    case BaseOperator::kDateLessThanEquals:
    case BaseOperator::kDateGreaterThan:
    case BaseOperator::kDateGreaterThanEquals:
      return OperatorFamily::kDate;
    case BaseOperator::kBool:
      return OperatorFamily::kBool;
    case BaseOperator::kBinaryEquals:
      return OperatorFamily::kBinary;
    case BaseOperator::kIpAddress:
    case BaseOperator::kNotIpAddress:
      return OperatorFamily::kIpAddress;
    case BaseOperator::kArnEquals:
    case BaseOperator::kArnLike:
    case BaseOperator::kArnNotEquals:
    case BaseOperator::kArnNotLike:
      return OperatorFamily::kArn;
    case BaseOperator::kNull:
      return OperatorFamily::kNull;
  }
  return OperatorFamily::kString;
}

BaseOperator PositiveForm(BaseOperator op) {
  switch (op) {
    case BaseOperator::kStringNotEquals:
      return BaseOperator::kStringEquals;
    case BaseOperator::kStringNotEqualsIgnoreCase:
      return BaseOperator::kStringEqualsIgnoreCase;
    case BaseOperator::kStringNotLike:
      return BaseOperator::kStringLike;
    case BaseOperator::kNumericNotEquals:
      return BaseOperator::kNumericEquals;
    case BaseOperator::kDateNotEquals:
      return BaseOperator::kDateEquals;
    case BaseOperator::kNotIpAddress:
      return BaseOperator::kIpAddress;
    case BaseOperator::kArnNotEquals:
      return BaseOperator::kArnEquals;
    case BaseOperator::kArnNotLike:
      return BaseOperator::kArnLike;
    default:
      return op;
  }
}

}  // namespace portcullis::policy
