// Numbers for the Numeric condition operators (NumericEquals, NumericLessThan, ...).
//
// ParseNumeric() accepts a decimal number with an optional sign, fraction and
// exponent: [+-]? (digits ("." digits?)? | "." digits) ([eE] [+-]? digits)?
// ("42", "-7", "+3.5", ".5", "5.", "1e3", "2.5E-2"). It rejects the empty string,
// surrounding or inner spaces, hex ("0x1F"), "inf", "nan", and values outside the
// range of double: too large to be finite (1e400) or too small to be anything but
// zero (1e-400; "0e-400" is fine). A policy relying on such values is most likely
// wrong. Subnormal values are accepted.
// Values are compared as doubles, so integers beyond 2^53 lose precision, as in
// AWS, whose documentation does not define more.
//
// Thread-safety: pure function; no locale is consulted. Does not allocate.
#pragma once

#include <optional>
#include <string_view>

namespace portcullis::policy {

// Returns the value of `text`, or nullopt when it is not a number as above.
std::optional<double> ParseNumeric(std::string_view text);

}  // namespace portcullis::policy
