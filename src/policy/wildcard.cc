#include "policy/wildcard.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::policy {
namespace {

constexpr std::size_t kBitapMaxLength = 64;
constexpr std::size_t kMaskTableSize = 256;

std::uint8_t Byte(char c) {
  return static_cast<std::uint8_t>(c);
}

// Returns whether `text` (same length as `segment`) equals `segment` where a `?` in
// `segment` matches any byte.
bool EqualsWithQuestion(std::string_view segment, std::string_view text) {
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] != '?' && segment[i] != text[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool HasWildcard(std::string_view pattern) {
  return pattern.find_first_of("*?") != std::string_view::npos;
}

WildcardPattern WildcardPattern::Compile(std::string_view pattern) {
  WildcardPattern result;
  result.pattern_ = std::string(pattern);
  const std::string_view p = result.pattern_;

  const bool has_star = p.find('*') != std::string_view::npos;
  const bool has_question = p.find('?') != std::string_view::npos;
  if (!has_star && !has_question) {
    result.kind_ = Kind::kLiteral;
    result.literal_length_ = p.size();
    return result;
  }
  if (p.find_first_not_of('*') == std::string_view::npos) {
    result.kind_ = Kind::kAny;
    return result;
  }
  if (!has_question && result.CompileFastPath()) {
    return result;
  }
  result.kind_ = Kind::kGeneral;
  result.has_star_ = has_star;
  result.CompileSegments();
  return result;
}

bool WildcardPattern::CompileFastPath() {
  // A single literal run with stars on one or both ends; runs of stars are
  // equivalent to one star.
  const std::string_view p = pattern_;
  const std::size_t lit_begin = p.find_first_not_of('*');
  const std::size_t lit_end = p.find_last_not_of('*') + 1;
  const std::string_view literal = p.substr(lit_begin, lit_end - lit_begin);
  if (literal.find('*') != std::string_view::npos) {
    return false;
  }
  literal_offset_ = lit_begin;
  literal_length_ = literal.size();
  const bool leading = lit_begin > 0;
  const bool trailing = lit_end < p.size();
  if (leading && trailing) {
    kind_ = Kind::kContains;
  } else if (leading) {
    kind_ = Kind::kSuffix;
  } else {
    kind_ = Kind::kPrefix;
  }
  return true;
}

void WildcardPattern::CompileSegments() {
  // Split at every `*`. Empty runs between consecutive stars are dropped except the
  // first and the last, whose position (anchored) matters even when empty.
  const std::string_view p = pattern_;
  std::size_t start = 0;
  while (true) {
    const std::size_t star = p.find('*', start);
    const std::size_t end = star == std::string_view::npos ? p.size() : star;
    const bool is_first = start == 0;
    const bool is_last = star == std::string_view::npos;
    if (end > start || is_first || is_last) {
      Segment segment;
      segment.offset = start;
      segment.length = end - start;
      const std::string_view text = p.substr(start, end - start);
      segment.has_question = text.find('?') != std::string_view::npos;
      segment.mask_index = kNoMasks;
      // Only unanchored (middle) segments are searched for; anchored ones are
      // compared in place and need no table.
      const bool searched = has_star_ && !is_first && !is_last;
      if (searched && segment.has_question && text.size() <= kBitapMaxLength) {
        segment.mask_index = AddShiftAndTable(text);
      }
      segments_.push_back(segment);
    }
    if (is_last) {
      break;
    }
    start = star + 1;
  }
}

std::size_t WildcardPattern::AddShiftAndTable(std::string_view segment) {
  // Bit i of table[c] is set when byte c may stand at position i of the segment.
  const std::size_t index = masks_.size();
  masks_.resize(masks_.size() + kMaskTableSize, 0);
  std::uint64_t* table = masks_.data() + index;
  for (std::size_t i = 0; i < segment.size(); ++i) {
    const std::uint64_t bit = std::uint64_t{1} << i;
    if (segment[i] == '?') {
      for (std::size_t c = 0; c < kMaskTableSize; ++c) {
        table[c] |= bit;
      }
    } else {
      table[Byte(segment[i])] |= bit;
    }
  }
  return index;
}

std::size_t WildcardPattern::FindSegment(const Segment& segment, std::string_view text,
                                         std::size_t from) const {
  const std::string_view needle = SegmentText(segment);
  if (!segment.has_question) {
    return text.find(needle, from);
  }
  const std::size_t m = needle.size();
  if (segment.mask_index != kNoMasks) {
    // Shift-and (bitap): bit i of `state` is set when the last i+1 bytes read match
    // the first i+1 bytes of the segment. One pass, O(|text|).
    const std::uint64_t* table = masks_.data() + segment.mask_index;
    const std::uint64_t accept = std::uint64_t{1} << (m - 1);
    std::uint64_t state = 0;
    for (std::size_t i = from; i < text.size(); ++i) {
      state = ((state << 1) | 1U) & table[Byte(text[i])];
      if ((state & accept) != 0) {
        return i + 1 - m;
      }
    }
    return std::string_view::npos;
  }
  // Segments longer than 64 bytes: try each position. O(|text| * m), and m is bounded
  // by the policy size limits.
  for (std::size_t pos = from; pos + m <= text.size(); ++pos) {
    if (EqualsWithQuestion(needle, text.substr(pos, m))) {
      return pos;
    }
  }
  return std::string_view::npos;
}

bool WildcardPattern::MatchesGeneral(std::string_view text) const {
  if (!has_star_) {
    const std::string_view only = SegmentText(segments_.front());
    return only.size() == text.size() && EqualsWithQuestion(only, text);
  }
  const std::string_view head = SegmentText(segments_.front());
  const std::string_view tail = SegmentText(segments_.back());
  if (head.size() + tail.size() > text.size()) {
    return false;
  }
  if (!EqualsWithQuestion(head, text.substr(0, head.size())) ||
      !EqualsWithQuestion(tail, text.substr(text.size() - tail.size()))) {
    return false;
  }
  // Middle segments, leftmost first: taking the earliest occurrence of each never
  // rules out a match that a later occurrence would allow, so no backtracking.
  const std::string_view middle = text.substr(head.size(), text.size() - head.size() - tail.size());
  std::size_t pos = 0;
  for (std::size_t i = 1; i + 1 < segments_.size(); ++i) {
    const std::size_t found = FindSegment(segments_[i], middle, pos);
    if (found == std::string_view::npos) {
      return false;
    }
    pos = found + segments_[i].length;
  }
  return true;
}

bool WildcardPattern::Matches(std::string_view text) const {
  const std::string_view literal =
      std::string_view(pattern_).substr(literal_offset_, literal_length_);
  switch (kind_) {
    case Kind::kLiteral:
      return text == literal;
    case Kind::kAny:
      return true;
    case Kind::kPrefix:
      return text.starts_with(literal);
    case Kind::kSuffix:
      return text.ends_with(literal);
    case Kind::kContains:
      return text.find(literal) != std::string_view::npos;
    case Kind::kGeneral:
      return MatchesGeneral(text);
  }
  return false;
}

bool WildcardMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher that remembers only the most recent `*`: on a mismatch it lets
  // that star absorb one more byte. Earlier stars never need revisiting, so the worst
  // case is O(|pattern| * |text|) with no recursion.
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

}  // namespace portcullis::policy
