#include "policy/numeric.h"

#include <gtest/gtest.h>
#include <optional>
#include <string_view>

namespace portcullis::policy {
namespace {

double Num(std::string_view text) {
  const std::optional<double> value = ParseNumeric(text);
  EXPECT_TRUE(value.has_value()) << "`" << text << "`";
  return value.value_or(-12345);
}

TEST(ParseNumericTest, Integers) {
  EXPECT_EQ(Num("0"), 0);
  EXPECT_EQ(Num("42"), 42);
  EXPECT_EQ(Num("-7"), -7);
  EXPECT_EQ(Num("+7"), 7);
  EXPECT_EQ(Num("007"), 7);
  EXPECT_EQ(Num("9007199254740992"), 9007199254740992.0);
}

TEST(ParseNumericTest, Decimals) {
  EXPECT_EQ(Num("3.5"), 3.5);
  EXPECT_EQ(Num("-0.25"), -0.25);
  EXPECT_EQ(Num(".5"), 0.5);
  EXPECT_EQ(Num("5."), 5.0);
  EXPECT_EQ(Num("0.1"), 0.1);
}

TEST(ParseNumericTest, Exponents) {
  EXPECT_EQ(Num("1e3"), 1000);
  EXPECT_EQ(Num("2.5E-2"), 0.025);
  EXPECT_EQ(Num("-1e+2"), -100);
  EXPECT_EQ(Num("0e-500"), 0);
  EXPECT_EQ(Num("1.7976931348623157e308"), 1.7976931348623157e308);
  EXPECT_GT(Num("4e-320"), 0);
}

TEST(ParseNumericTest, NegativeZero) {
  const double value = Num("-0");
  EXPECT_EQ(value, 0);
}

TEST(ParseNumericTest, Rejects) {
  for (const std::string_view bad :
       {"",    " ",     "+",        "-",     ".",      "e5",     ".e5",   "1e",
        "1e+", "1.2.3", "--1",      "+-1",   "-+1",    " 1",     "1 ",    "1 000",
        "1,5", "0x1F",  "0X1F",     "1f",    "1d",     "inf",    "-inf",  "infinity",
        "nan", "NaN",   "Infinity", "1e400", "-1e400", "1e-400", "1_000", "١"}) {
    EXPECT_FALSE(ParseNumeric(bad).has_value()) << "`" << bad << "`";
  }
}

}  // namespace
}  // namespace portcullis::policy
