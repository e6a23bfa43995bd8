#include "policy/date_time.h"

#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <optional>
#include <string_view>

namespace portcullis::policy {
namespace {

constexpr std::int64_t k2020 = 1577836800000;  // 2020-01-01T00:00:00Z in milliseconds
constexpr std::int64_t kHour = 3600000;

std::int64_t Ms(std::string_view text) {
  const std::optional<std::int64_t> value = ParseDateTime(text);
  EXPECT_TRUE(value.has_value()) << "`" << text << "`";
  return value.value_or(-1);
}

TEST(DaysFromCivilTest, KnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(2020, 1, 1), 18262);
  EXPECT_EQ(DaysFromCivil(0, 1, 1), -719528);
  EXPECT_EQ(DaysFromCivil(9999, 12, 31), 2932896);
}

TEST(DaysFromCivilTest, ConsecutiveAcrossCenturies) {
  std::int64_t expected = DaysFromCivil(1599, 12, 31);
  for (std::int64_t year = 1600; year <= 2401; ++year) {
    for (unsigned month = 1; month <= 12; ++month) {
      constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      unsigned days = kDays[month - 1];
      if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) {
        days = 29;
      }
      for (unsigned day = 1; day <= days; ++day) {
        ASSERT_EQ(DaysFromCivil(year, month, day), ++expected)
            << year << "-" << month << "-" << day;
      }
    }
  }
}

TEST(ParseDateTimeTest, EpochSeconds) {
  EXPECT_EQ(Ms("0"), 0);
  EXPECT_EQ(Ms("1577836800"), k2020);
  EXPECT_EQ(Ms("1577836800.5"), k2020 + 500);
  EXPECT_EQ(Ms("1577836800.123456"), k2020 + 123);
  EXPECT_EQ(Ms("1577836800.0"), k2020);
  EXPECT_EQ(Ms("253402300799"), 253402300799000);
}

TEST(ParseDateTimeTest, Date) {
  EXPECT_EQ(Ms("2020-01-01"), k2020);
  EXPECT_EQ(Ms("1970-01-01"), 0);
  EXPECT_EQ(Ms("1969-12-31"), -86400000);
  EXPECT_EQ(Ms("2020-02-29"), k2020 + 59LL * 86400000);
  EXPECT_EQ(Ms("2000-02-29"), 951782400000);
}

TEST(ParseDateTimeTest, DateTime) {
  EXPECT_EQ(Ms("2020-01-01T00:00:00Z"), k2020);
  EXPECT_EQ(Ms("2020-01-01T12:00:00Z"), k2020 + 12 * kHour);
  EXPECT_EQ(Ms("2020-01-01T12:34:56Z"), k2020 + 12 * kHour + (34 * 60 + 56) * std::int64_t{1000});
  EXPECT_EQ(Ms("2020-01-01T12:00Z"), k2020 + 12 * kHour);
  EXPECT_EQ(Ms("2020-01-01t12:00:00z"), k2020 + 12 * kHour);
  EXPECT_EQ(Ms("2020-01-01T00:00:00.123Z"), k2020 + 123);
  EXPECT_EQ(Ms("2020-01-01T00:00:00.1Z"), k2020 + 100);
  EXPECT_EQ(Ms("2020-01-01T00:00:00.999999999Z"), k2020 + 999);
  EXPECT_EQ(Ms("2019-12-31T23:59:60Z"), k2020);
}

TEST(ParseDateTimeTest, NoZoneIsUtc) {
  EXPECT_EQ(Ms("2020-01-01T00:00:00"), k2020);
  EXPECT_EQ(Ms("2020-01-01T00:00"), k2020);
  EXPECT_EQ(Ms("2020-01-01T00:00:00.250"), k2020 + 250);
}

TEST(ParseDateTimeTest, Offsets) {
  EXPECT_EQ(Ms("2020-01-01T01:00:00+01:00"), k2020);
  EXPECT_EQ(Ms("2020-01-01T01:00:00+0100"), k2020);
  EXPECT_EQ(Ms("2020-01-01T01:00:00+01"), k2020);
  EXPECT_EQ(Ms("2019-12-31T19:00:00-0500"), k2020);
  EXPECT_EQ(Ms("2019-12-31T19:00:00-05:00"), k2020);
  EXPECT_EQ(Ms("2020-01-01T00:00:00-00:00"), k2020);
  EXPECT_EQ(Ms("2020-01-01T05:30+05:30"), k2020);
  EXPECT_EQ(Ms("2020-01-01T00:00:00.5+00:00"), k2020 + 500);
}

TEST(ParseDateTimeTest, Extremes) {
  EXPECT_EQ(Ms("0000-01-01"), -719528LL * 86400000);
  EXPECT_EQ(Ms("9999-12-31T23:59:59Z"), 253402300799000);
}

TEST(ParseDateTimeTest, Rejects) {
  for (const std::string_view bad : {
           "",
           " 2020-01-01",
           "2020-01-01 ",
           "2020-1-01",
           "20-01-01",
           "20200-01-01",
           "2020-00-01",
           "2020-13-01",
           "2020-01-00",
           "2020-01-32",
           "2019-02-29",
           "1900-02-29",
           "2020-04-31",
           "2020-01-01T",
           "2020-01-01T24:00:00Z",
           "2020-01-01T12:60:00Z",
           "2020-01-01T12:00:61Z",
           "2020-01-01T12Z",
           "2020-01-01T12:00:00.Z",
           "2020-01-01T12:00:00ZZ",
           "2020-01-01T12:00:00+1",
           "2020-01-01T12:00:00+01:",
           "2020-01-01T12:00:00+24:00",
           "2020-01-01T12:00:00+01:60",
           "2020-01-01T12:00:00 Z",
           "2020-01-01 12:00:00Z",
           "2020-01-01Z",
           "20200101T120000Z",
           "2020-W01-1",
           "-1",
           "+1",
           "1e9",
           "1577836800.",
           ".5",
           "0x10",
           "253402300800",
           "99999999999999999999999",
           "abc",
       }) {
    EXPECT_FALSE(ParseDateTime(bad).has_value()) << "`" << bad << "`";
  }
}

}  // namespace
}  // namespace portcullis::policy
