// Code point ranges of the Unicode general categories L (letters), N (numbers) and
// Z (separators), as Java's \p{L}, \p{N} and \p{Z} name them in the AWS service
// models' patterns. Generated data (gen_unicode_tables.py); sorted, disjoint,
// inclusive ranges. Thread-safety: immutable.
#pragma once

#include <cstddef>

namespace portcullis::api::protocol {

struct CodePointRange {
  char32_t lo;
  char32_t hi;
};

extern const CodePointRange kLetterRanges[];
extern const std::size_t kLetterRangeCount;
extern const CodePointRange kNumberRanges[];
extern const std::size_t kNumberRangeCount;
extern const CodePointRange kSeparatorRanges[];
extern const std::size_t kSeparatorRangeCount;
// The Unicode version the tables were generated from ("14.0.0").
extern const char kUnicodeTablesVersion[];

}  // namespace portcullis::api::protocol
