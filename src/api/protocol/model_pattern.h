// ModelPattern: the Java-style regular expressions of the AWS service models
// ("[\w+=,.@-]+", "[\p{L}\p{Z}\p{N}_.:/=+\-@]*", "\u002F[\u0021-\u007F]*", ...), compiled
// to a small program and run as a Pike VM: time linear in the input times the program
// size, no backtracking, no std::regex.
//
// Supported subset (everything the vendored iam and sts models use, checked by a test
// that compiles every pattern of both): literals, '.', character classes with ranges
// and negation, escapes \w \W \d \D \s \S \p{L} \p{N} \p{Z} (and \P{..}) \uXXXX \xHH
// \t \n \r \f and escaped punctuation, groups (...) and (?:...), alternation |,
// quantifiers * + ? {m} {m,} {m,n}, anchors ^ $, and a negative lookahead (?!X) whose
// body is a single character or class. Matching is against the whole value (Java's
// String.matches), over the value's code points (invalid UTF-8 bytes read as U+FFFD).
//
// AWS: `\u` reads four hex digits in Java; the models also write supplementary code
// points as `\u10000`-`\u10FFFF`. The compiler reads up to six hex digits while the
// value stays <= 0x10FFFF, which is what those ranges mean and changes no other
// pattern in the models.
//
// Thread-safety: a compiled ModelPattern is immutable; Matches is const and safe to
// call concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace portcullis::api::protocol {

class ModelPattern {
 public:
  // Compiles `source`. Returns kInvalidArgument for syntax outside the subset above,
  // or when the program would exceed kMaxProgramSize instructions.
  [[nodiscard]] static Result<ModelPattern> Compile(std::string_view source);

  // Returns whether the whole of `value` (UTF-8) matches.
  bool Matches(std::string_view value) const;

  const std::string& source() const { return source_; }

  std::size_t program_size() const { return program_.size(); }

  static constexpr std::size_t kMaxProgramSize = 20000;

  struct Range {
    char32_t lo;
    char32_t hi;
  };

  enum class Op : std::uint8_t {
    kClass,          // consume one code point in classes_[arg]
    kSplit,          // continue at x and at y (x preferred)
    kJump,           // continue at x
    kAssertBegin,    // position 0
    kAssertEnd,      // end of input
    kAssertNotNext,  // next code point not in classes_[arg] (or end of input)
    kMatch,
  };

  struct Inst {
    Op op = Op::kMatch;
    std::uint32_t x = 0;
    std::uint32_t y = 0;
  };

 private:
  friend class PatternCompiler;

  std::string source_;
  std::vector<Inst> program_;
  // Sorted, disjoint, inclusive code point ranges per class.
  std::vector<std::vector<Range>> classes_;
};

// Decodes UTF-8 into code points; an invalid or truncated sequence yields U+FFFD for
// its first byte and decoding resumes at the next byte.
std::u32string DecodeUtf8Lossy(std::string_view text);

// Returns `text` with every invalid UTF-8 sequence replaced by U+FFFD (EF BF BD).
std::string SanitizeUtf8(std::string_view text);

// Returns the number of UTF-16 code units of `text` (Java's String.length()).
std::size_t Utf16Length(std::string_view text);

}  // namespace portcullis::api::protocol
