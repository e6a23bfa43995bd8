// IAM glob matching: the `*` / `?` wildcards of Action, Resource, StringLike and ArnLike.
//
// Semantics (AWS: IAM User Guide, "IAM JSON policy elements: Condition operators",
// String condition operators): `*` matches any run of bytes, including the empty run
// and runs that cross `/` and `:`; `?` matches exactly one byte; every other byte is
// literal and compared case-sensitively. There is no escape character. Callers that
// need case-insensitive matching (action names) lowercase both pattern and text.
//
// `?` counts bytes, not characters: a multi-byte UTF-8 character needs as many `?` as
// it has bytes. AWS documents `?` as "a single character"; policies in practice use
// it on ASCII, and the byte rule keeps matching allocation-free and linear.
//
// WildcardPattern is compiled once (allocates) and then matched many times without
// allocating. Matches() runs in time linear in the text per pattern segment, never
// backtracks, and has no exponential or quadratic blow-up on patterns such as
// `*a*a*a*b`.
//
// Thread-safety: WildcardPattern is immutable after Compile(); concurrent Matches()
// calls on one object are safe. Free functions are reentrant.
// Ownership: a WildcardPattern owns a copy of its pattern; inputs need only live for
// the duration of the call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::policy {

class WildcardPattern {
 public:
  // Compiles `pattern`. Every string is a valid pattern, so this cannot fail.
  static WildcardPattern Compile(std::string_view pattern);

  // An empty pattern: matches only the empty text.
  WildcardPattern() = default;

  // Returns whether `text` matches the whole pattern. Does not allocate.
  bool Matches(std::string_view text) const;

  // Returns whether the pattern contains no `*` and no `?` (so matching is equality).
  bool IsLiteral() const { return kind_ == Kind::kLiteral; }

  // Returns the pattern as given to Compile(); valid while this object lives.
  // NOLINTNEXTLINE(readability-identifier-naming): accessor named after its member
  std::string_view pattern() const { return pattern_; }

 private:
  enum class Kind : std::uint8_t {
    kLiteral,   // no wildcards: equality
    kAny,       // only `*`s: matches everything
    kPrefix,    // `abc*`
    kSuffix,    // `*abc`
    kContains,  // `*abc*`
    kGeneral,   // anything else
  };

  // A maximal run of the pattern between `*`s, addressed by offset so that copies
  // and moves of the object stay valid.
  struct Segment {
    std::size_t offset = 0;
    std::size_t length = 0;
    // Index of this segment's 256-entry shift-and table in masks_, or kNoMasks.
    std::size_t mask_index = 0;
    bool has_question = false;
  };

  static constexpr std::size_t kNoMasks = static_cast<std::size_t>(-1);

  // Compile() steps. CompileFastPath() returns false when the pattern (which has
  // a star and no `?`) needs the general matcher.
  bool CompileFastPath();
  void CompileSegments();
  // Appends the 256-entry shift-and table of `segment` (at most 64 bytes) to masks_
  // and returns its index.
  std::size_t AddShiftAndTable(std::string_view segment);

  std::string_view SegmentText(const Segment& segment) const {
    return std::string_view(pattern_).substr(segment.offset, segment.length);
  }

  // Returns the offset in `text` of the leftmost occurrence of `segment` at or after
  // `from`, or std::string_view::npos.
  std::size_t FindSegment(const Segment& segment, std::string_view text, std::size_t from) const;

  bool MatchesGeneral(std::string_view text) const;

  std::string pattern_;
  Kind kind_ = Kind::kLiteral;
  // kPrefix/kSuffix/kContains/kLiteral: the literal part. Offsets into pattern_.
  std::size_t literal_offset_ = 0;
  std::size_t literal_length_ = 0;
  // kGeneral only.
  // INVARIANT: when has_star_, segments_ holds the first segment (anchored at the
  // start, maybe empty), the non-empty middle segments, and the last segment
  // (anchored at the end, maybe empty); at least 2 entries. Without a star it holds
  // exactly one segment that must match the whole text.
  bool has_star_ = false;
  std::vector<Segment> segments_;
  std::vector<std::uint64_t> masks_;
};

// Returns whether `text` matches `pattern` under the rules above. For one-off
// matches: allocation-free, worst case O(|pattern| * |text|) time. Callers that
// match the same pattern repeatedly should compile a WildcardPattern.
bool WildcardMatch(std::string_view pattern, std::string_view text);

// Returns whether `pattern` contains `*` or `?`.
bool HasWildcard(std::string_view pattern);

}  // namespace portcullis::policy
