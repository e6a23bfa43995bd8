#include "policy/date_time.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace portcullis::policy {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::int64_t kMillisPerSecond = 1000;
// 9999-12-31T23:59:59Z, the last second a four-digit year can name.
constexpr std::int64_t kMaxEpochSeconds = 253402300799;

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Reads exactly `count` digits at `pos`, advancing it. Returns nullopt otherwise.
std::optional<unsigned> ReadDigits(std::string_view text, std::size_t& pos, std::size_t count) {
  if (text.size() - pos < count) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (!IsDigit(c)) {
      return std::nullopt;
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  pos += count;
  return value;
}

bool Consume(std::string_view text, std::size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

bool IsLeapYear(std::int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned DaysInMonth(std::int64_t year, unsigned month) {
  constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) {
    return 29;
  }
  return kDays[month - 1];
}

// Returns the milliseconds contributed by a fraction of a second: the first three
// digits of `fraction`, which holds only digits.
std::int64_t FractionMillis(std::string_view fraction) {
  std::int64_t millis = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    millis = millis * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  }
  return millis;
}

// Reads "." followed by one or more digits at `pos`, if present. Returns the
// milliseconds (0 when absent) or nullopt for a "." without digits.
std::optional<std::int64_t> ReadFraction(std::string_view text, std::size_t& pos) {
  if (!Consume(text, pos, '.')) {
    return 0;
  }
  const std::size_t start = pos;
  while (pos < text.size() && IsDigit(text[pos])) {
    ++pos;
  }
  if (pos == start) {
    return std::nullopt;
  }
  return FractionMillis(text.substr(start, pos - start));
}

std::optional<std::int64_t> ParseEpoch(std::string_view text) {
  std::size_t pos = 0;
  std::int64_t seconds = 0;
  while (pos < text.size() && IsDigit(text[pos])) {
    seconds = seconds * 10 + (text[pos] - '0');
    if (seconds > kMaxEpochSeconds) {
      return std::nullopt;
    }
    ++pos;
  }
  if (pos == 0) {
    return std::nullopt;
  }
  const std::optional<std::int64_t> millis = ReadFraction(text, pos);
  if (!millis.has_value() || pos != text.size()) {
    return std::nullopt;
  }
  return seconds * kMillisPerSecond + *millis;
}

// Reads an optional zone designator that must end the text. Returns the offset
// east of UTC in seconds, or nullopt when what follows is not a zone.
std::optional<std::int64_t> ReadZone(std::string_view text, std::size_t& pos) {
  if (pos == text.size()) {
    return 0;
  }
  if (Consume(text, pos, 'Z') || Consume(text, pos, 'z')) {
    return 0;
  }
  std::int64_t sign = 0;
  if (Consume(text, pos, '+')) {
    sign = 1;
  } else if (Consume(text, pos, '-')) {
    sign = -1;
  } else {
    return std::nullopt;
  }
  const std::optional<unsigned> hours = ReadDigits(text, pos, 2);
  if (!hours.has_value() || *hours > 23) {
    return std::nullopt;
  }
  unsigned minutes = 0;
  if (pos < text.size()) {
    Consume(text, pos, ':');  // "+01:00" and "+0100" are both ISO 8601
    const std::optional<unsigned> mm = ReadDigits(text, pos, 2);
    if (!mm.has_value() || *mm > 59) {
      return std::nullopt;
    }
    minutes = *mm;
  }
  return sign *
         (static_cast<std::int64_t>(*hours) * 3600 + static_cast<std::int64_t>(minutes) * 60);
}

std::optional<std::int64_t> ParseIso(std::string_view text) {
  std::size_t pos = 0;
  const std::optional<unsigned> year = ReadDigits(text, pos, 4);
  if (!year.has_value() || !Consume(text, pos, '-')) {
    return std::nullopt;
  }
  const std::optional<unsigned> month = ReadDigits(text, pos, 2);
  if (!month.has_value() || *month < 1 || *month > 12 || !Consume(text, pos, '-')) {
    return std::nullopt;
  }
  const std::optional<unsigned> day = ReadDigits(text, pos, 2);
  if (!day.has_value() || *day < 1 || *day > DaysInMonth(*year, *month)) {
    return std::nullopt;
  }
  const std::int64_t days = DaysFromCivil(*year, *month, *day);
  if (pos == text.size()) {
    return days * kSecondsPerDay * kMillisPerSecond;
  }
  if (!Consume(text, pos, 'T') && !Consume(text, pos, 't')) {
    return std::nullopt;
  }
  const std::optional<unsigned> hour = ReadDigits(text, pos, 2);
  if (!hour.has_value() || *hour > 23 || !Consume(text, pos, ':')) {
    return std::nullopt;
  }
  const std::optional<unsigned> minute = ReadDigits(text, pos, 2);
  if (!minute.has_value() || *minute > 59) {
    return std::nullopt;
  }
  unsigned second = 0;
  std::int64_t millis = 0;
  if (Consume(text, pos, ':')) {
    const std::optional<unsigned> ss = ReadDigits(text, pos, 2);
    if (!ss.has_value() || *ss > 60) {
      return std::nullopt;
    }
    second = *ss;
    const std::optional<std::int64_t> fraction = ReadFraction(text, pos);
    if (!fraction.has_value()) {
      return std::nullopt;
    }
    millis = *fraction;
  }
  const std::optional<std::int64_t> offset = ReadZone(text, pos);
  if (!offset.has_value() || pos != text.size()) {
    return std::nullopt;
  }
  const std::int64_t seconds = days * kSecondsPerDay + static_cast<std::int64_t>(*hour) * 3600 +
                               static_cast<std::int64_t>(*minute) * 60 + second - *offset;
  return seconds * kMillisPerSecond + millis;
}

}  // namespace

std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day) {
  // H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil: the
  // year is taken to start in March so the leap day falls at its end.
  const std::int64_t y = month <= 2 ? year - 1 : year;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                               // [0, 399]
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<std::int64_t> ParseDateTime(std::string_view text) {
  // A date has "-" at index 4; anything else must be epoch seconds.
  if (text.size() > 4 && text[4] == '-') {
    return ParseIso(text);
  }
  return ParseEpoch(text);
}

}  // namespace portcullis::policy
