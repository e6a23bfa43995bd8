// Date and time values for the Date condition operators (DateEquals, DateLessThan,
// ...) and the keys aws:CurrentTime and aws:EpochTime (AWS: IAM User Guide, "IAM
// JSON policy elements: Condition operators", Date condition operators, which accept
// "ISO 8601 date/time formats" and "epoch (UNIX) time").
//
// ParseDateTime() accepts:
//   epoch seconds   "1577836800", optionally with a fraction "1577836800.25"; digits
//                   only (no sign, no exponent), at most 9999-12-31T23:59:59Z.
//   date            "2020-01-01" (midnight UTC)
//   date and time   "2020-01-01T12:00Z", "2020-01-01T12:00:00Z",
//                   "2020-01-01T12:00:00.123Z" (any number of fraction digits)
//   zone            "Z", "+01:00", "-0500", "+01", or none. A time without a zone is
//                   read as UTC (ISO 8601 calls it local time; the server has no
//                   meaningful local zone, and AWS's own times are all UTC).
// Years have exactly four digits (0000-9999). "T" and "Z" may be lowercase (RFC 3339
// section 5.6). Ranges are checked: month 1-12, day within the month (leap years
// by the Gregorian rule), hour 0-23, minute 0-59, second 0-60, zone offset up to
// 23:59. A leap second (:60) counts as the first second of the next minute.
// Fractions below a millisecond are truncated toward the past.
// Not accepted: the ISO 8601 basic format ("20200101T120000Z"), week and ordinal
// dates, a space instead of "T", a zone after a bare date, surrounding spaces.
//
// Thread-safety: pure functions; no locale, time zone database or libc time calls.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace portcullis::policy {

// Returns milliseconds since 1970-01-01T00:00:00Z (negative before it), or nullopt
// when `text` is not one of the forms above.
std::optional<std::int64_t> ParseDateTime(std::string_view text);

// Returns the number of days from 1970-01-01 to the proleptic Gregorian date
// `year`-`month`-`day`, which must be valid.
std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day);

}  // namespace portcullis::policy
