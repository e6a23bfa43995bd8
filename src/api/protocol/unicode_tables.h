// Code point ranges of the Unicode general categories L (letters), N (numbers) and
// Z (separators), as Java's \p{L}, \p{N} and \p{Z} name them in the AWS service
// models' patterns. Generated data (gen_unicode_tables.py); sorted, disjoint,
// inclusive ranges. Thread-safety: immutable static data.
#pragma once

#include <span>
#include <string_view>

namespace portcullis::api::protocol {

struct CodePointRange {
  char32_t lo;
  char32_t hi;
};

std::span<const CodePointRange> LetterRanges();
std::span<const CodePointRange> NumberRanges();
std::span<const CodePointRange> SeparatorRanges();
// The Unicode version the tables were generated from ("14.0.0").
std::string_view UnicodeTablesVersion();

}  // namespace portcullis::api::protocol
