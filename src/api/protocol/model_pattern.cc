#include "api/protocol/model_pattern.h"

#include <algorithm>
#include <utility>

#include "api/protocol/unicode_tables.h"
#include "common/strings.h"

namespace portcullis::api::protocol {

namespace {

using Range = ModelPattern::Range;
using Ranges = std::vector<Range>;

constexpr char32_t kMaxCodePoint = 0x10FFFF;
constexpr char32_t kReplacement = 0xFFFD;
constexpr int kMaxRepeat = 1000;

// Decodes one code point at `text[*pos]`, advancing *pos; invalid input yields U+FFFD
// and advances one byte.
char32_t DecodeOne(std::string_view text, std::size_t* pos) {
  const auto b0 = static_cast<unsigned char>(text[*pos]);
  if (b0 < 0x80) {
    ++*pos;
    return b0;
  }
  std::size_t len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    ++*pos;
    return kReplacement;
  }
  if (*pos + len > text.size()) {
    ++*pos;
    return kReplacement;
  }
  for (std::size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(text[*pos + i]);
    if ((b & 0xC0) != 0x80) {
      ++*pos;
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*pos;
    return kReplacement;
  }
  *pos += len;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

Ranges Normalize(Ranges ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.lo < b.lo; });
  Ranges out;
  for (const Range& r : ranges) {
    if (!out.empty() && r.lo <= out.back().hi + 1) {
      out.back().hi = std::max(out.back().hi, r.hi);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

Ranges Complement(const Ranges& normalized) {
  Ranges out;
  char32_t next = 0;
  for (const Range& r : normalized) {
    if (r.lo > next) {
      out.push_back({next, r.lo - 1});
    }
    next = r.hi + 1;
  }
  if (next <= kMaxCodePoint) {
    out.push_back({next, kMaxCodePoint});
  }
  return out;
}

Ranges FromTable(const CodePointRange* table, std::size_t count) {
  Ranges out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back({table[i].lo, table[i].hi});
  }
  return out;
}

bool InRanges(const Ranges& ranges, char32_t cp) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), cp,
                             [](char32_t c, const Range& r) { return c < r.lo; });
  if (it == ranges.begin()) {
    return false;
  }
  --it;
  return cp <= it->hi;
}

struct Node {
  enum class Kind : std::uint8_t { kClass, kConcat, kAlt, kRepeat, kBegin, kEnd, kNotNext };
  Kind kind = Kind::kConcat;
  Ranges ranges;  // kClass, kNotNext
  std::vector<Node> kids;
  int min = 0;
  int max = 0;  // -1: unbounded
};

}  // namespace

class PatternCompiler {
 public:
  explicit PatternCompiler(std::string_view source) : src_(source) {}

  Result<ModelPattern> Run() {
    IAM_ASSIGN_OR_RETURN(Node root, ParseAlt(0));
    if (pos_ != src_.size()) {
      return Fail("unbalanced `)`");
    }
    pattern_.source_ = std::string(src_);
    IAM_RETURN_IF_ERROR(Emit(root));
    IAM_RETURN_IF_ERROR(Push({ModelPattern::Op::kMatch}));
    return std::move(pattern_);
  }

 private:
  tl::unexpected<Error> Fail(std::string_view what) const {
    return MakeError(ErrorCode::kInvalidArgument,
                     "pattern `" + std::string(src_) + "`: " + std::string(what) +
                         " at offset " + std::to_string(pos_));
  }

  bool AtEnd() const { return pos_ >= src_.size(); }

  char Peek() const { return src_[pos_]; }

  Result<Node> ParseAlt(int depth) {
    if (depth > 50) {
      return Fail("groups nested too deeply");
    }
    IAM_ASSIGN_OR_RETURN(Node first, ParseConcat(depth));
    if (AtEnd() || Peek() != '|') {
      return first;
    }
    Node alt;
    alt.kind = Node::Kind::kAlt;
    alt.kids.push_back(std::move(first));
    while (!AtEnd() && Peek() == '|') {
      ++pos_;
      IAM_ASSIGN_OR_RETURN(Node next, ParseConcat(depth));
      alt.kids.push_back(std::move(next));
    }
    return alt;
  }

  Result<Node> ParseConcat(int depth) {
    Node concat;
    concat.kind = Node::Kind::kConcat;
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      IAM_ASSIGN_OR_RETURN(Node atom, ParseAtom(depth));
      IAM_ASSIGN_OR_RETURN(Node repeated, ParseQuantifiers(std::move(atom)));
      concat.kids.push_back(std::move(repeated));
    }
    return concat;
  }

  Result<int> ParseNumber() {
    int value = 0;
    std::size_t digits = 0;
    while (!AtEnd() && AsciiIsDigit(Peek())) {
      value = value * 10 + (Peek() - '0');
      ++pos_;
      if (++digits > 4) {
        return Fail("repetition count too large");
      }
    }
    if (digits == 0) {
      return Fail("expected a repetition count");
    }
    return value;
  }

  Result<Node> ParseQuantifiers(Node atom) {
    while (!AtEnd()) {
      int min = 0;
      int max = 0;
      const char c = Peek();
      if (c == '*') {
        max = -1;
        ++pos_;
      } else if (c == '+') {
        min = 1;
        max = -1;
        ++pos_;
      } else if (c == '?') {
        max = 1;
        ++pos_;
      } else if (c == '{') {
        ++pos_;
        IAM_ASSIGN_OR_RETURN(min, ParseNumber());
        max = min;
        if (!AtEnd() && Peek() == ',') {
          ++pos_;
          if (!AtEnd() && Peek() == '}') {
            max = -1;
          } else {
            IAM_ASSIGN_OR_RETURN(max, ParseNumber());
          }
        }
        if (AtEnd() || Peek() != '}') {
          return Fail("expected `}`");
        }
        ++pos_;
        if (min > kMaxRepeat || max > kMaxRepeat || (max != -1 && max < min)) {
          return Fail("bad repetition bounds");
        }
      } else {
        return atom;
      }
      if (!AtEnd() && Peek() == '+') {
        return Fail("possessive quantifiers are not supported");
      }
      if (!AtEnd() && Peek() == '?') {
        ++pos_;  // A lazy quantifier matches the same set of whole strings.
      }
      Node rep;
      rep.kind = Node::Kind::kRepeat;
      rep.min = min;
      rep.max = max;
      rep.kids.push_back(std::move(atom));
      atom = std::move(rep);
    }
    return atom;
  }

  static Node ClassNode(Ranges ranges) {
    Node n;
    n.kind = Node::Kind::kClass;
    n.ranges = Normalize(std::move(ranges));
    return n;
  }

  Result<Node> ParseAtom(int depth) {
    const char c = Peek();
    if (c == '(') {
      ++pos_;
      bool lookahead = false;
      if (!AtEnd() && Peek() == '?') {
        ++pos_;
        if (AtEnd()) {
          return Fail("unterminated group");
        }
        if (Peek() == ':') {
          ++pos_;
        } else if (Peek() == '!') {
          ++pos_;
          lookahead = true;
        } else {
          return Fail("unsupported group kind");
        }
      }
      IAM_ASSIGN_OR_RETURN(Node inner, ParseAlt(depth + 1));
      if (AtEnd() || Peek() != ')') {
        return Fail("unterminated group");
      }
      ++pos_;
      if (!lookahead) {
        return inner;
      }
      const Node* single = &inner;
      while (single->kind == Node::Kind::kConcat && single->kids.size() == 1) {
        single = &single->kids[0];
      }
      if (single->kind != Node::Kind::kClass) {
        return Fail("a negative lookahead must hold a single character or class");
      }
      Node n;
      n.kind = Node::Kind::kNotNext;
      n.ranges = single->ranges;
      return n;
    }
    if (c == '[') {
      ++pos_;
      IAM_ASSIGN_OR_RETURN(Ranges ranges, ParseClass());
      return ClassNode(std::move(ranges));
    }
    if (c == '\\') {
      ++pos_;
      IAM_ASSIGN_OR_RETURN(Ranges ranges, ParseEscape());
      return ClassNode(std::move(ranges));
    }
    if (c == '.') {
      ++pos_;
      return ClassNode(Complement(Normalize({{'\n', '\n'}, {'\r', '\r'}, {0x85, 0x85},
                                             {0x2028, 0x2029}})));
    }
    if (c == '^' || c == '$') {
      ++pos_;
      Node n;
      n.kind = c == '^' ? Node::Kind::kBegin : Node::Kind::kEnd;
      return n;
    }
    if (c == '*' || c == '+' || c == '?' || c == '{') {
      return Fail("quantifier without an operand");
    }
    const char32_t cp = DecodeOne(src_, &pos_);
    return ClassNode({{cp, cp}});
  }

  // After '\': one escape, as a set of code points.
  Result<Ranges> ParseEscape() {
    if (AtEnd()) {
      return Fail("trailing `\\`");
    }
    const char c = Peek();
    ++pos_;
    switch (c) {
      case 'd':
      case 'D':
        return MaybeComplement(c == 'D', {{'0', '9'}});
      case 'w':
      case 'W':
        return MaybeComplement(c == 'W', {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}});
      case 's':
      case 'S':
        return MaybeComplement(c == 'S', {{'\t', '\r'}, {' ', ' '}});
      case 'p':
      case 'P': {
        std::string_view name;
        if (!AtEnd() && Peek() == '{') {
          const std::size_t close = src_.find('}', pos_);
          if (close == std::string_view::npos) {
            return Fail("unterminated \\p{");
          }
          name = src_.substr(pos_ + 1, close - pos_ - 1);
          pos_ = close + 1;
        } else if (!AtEnd()) {
          name = src_.substr(pos_, 1);
          ++pos_;
        }
        Ranges ranges;
        if (name == "L") {
          ranges = FromTable(kLetterRanges, kLetterRangeCount);
        } else if (name == "N") {
          ranges = FromTable(kNumberRanges, kNumberRangeCount);
        } else if (name == "Z") {
          ranges = FromTable(kSeparatorRanges, kSeparatorRangeCount);
        } else {
          return Fail("unsupported Unicode category");
        }
        return MaybeComplement(c == 'P', std::move(ranges));
      }
      case 'u':
      case 'x': {
        const std::size_t max_digits = c == 'u' ? 6 : 2;
        const std::size_t min_digits = c == 'u' ? 4 : 2;
        char32_t value = 0;
        std::size_t digits = 0;
        while (digits < max_digits && !AtEnd() && HexDigitValue(Peek()) >= 0) {
          const char32_t next = value * 16 + static_cast<char32_t>(HexDigitValue(Peek()));
          if (digits >= min_digits && next > kMaxCodePoint) {
            break;
          }
          value = next;
          ++digits;
          ++pos_;
        }
        if (digits < min_digits) {
          return Fail("bad hexadecimal escape");
        }
        return Ranges{{value, value}};
      }
      case 't':
        return Ranges{{'\t', '\t'}};
      case 'n':
        return Ranges{{'\n', '\n'}};
      case 'r':
        return Ranges{{'\r', '\r'}};
      case 'f':
        return Ranges{{'\f', '\f'}};
      default:
        break;
    }
    const auto uc = static_cast<unsigned char>(c);
    if (uc >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      return Fail("unsupported escape");
    }
    return Ranges{{uc, uc}};
  }

  static Ranges MaybeComplement(bool complement, Ranges ranges) {
    Ranges normalized = Normalize(std::move(ranges));
    return complement ? Complement(normalized) : normalized;
  }

  // After '[': the class up to and including ']'.
  Result<Ranges> ParseClass() {
    bool negate = false;
    if (!AtEnd() && Peek() == '^') {
      negate = true;
      ++pos_;
    }
    Ranges ranges;
    bool first = true;
    while (true) {
      if (AtEnd()) {
        return Fail("unterminated character class");
      }
      const char c = Peek();
      if (c == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      if (c == '[' || (c == '&' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '&')) {
        return Fail("nested classes and intersections are not supported");
      }
      IAM_ASSIGN_OR_RETURN(Ranges item, ParseClassItem());
      const bool single = item.size() == 1 && item[0].lo == item[0].hi;
      if (single && pos_ + 1 < src_.size() && Peek() == '-' && src_[pos_ + 1] != ']') {
        ++pos_;
        if (Peek() == '[') {
          return Fail("nested classes are not supported");
        }
        IAM_ASSIGN_OR_RETURN(Ranges end, ParseClassItem());
        if (end.size() != 1 || end[0].lo != end[0].hi || end[0].lo < item[0].lo) {
          return Fail("bad range in character class");
        }
        ranges.push_back({item[0].lo, end[0].lo});
      } else {
        ranges.insert(ranges.end(), item.begin(), item.end());
      }
    }
    return MaybeComplement(negate, std::move(ranges));
  }

  Result<Ranges> ParseClassItem() {
    if (Peek() == '\\') {
      ++pos_;
      return ParseEscape();
    }
    const char32_t cp = DecodeOne(src_, &pos_);
    return Ranges{{cp, cp}};
  }

  Status Push(ModelPattern::Inst inst) {
    if (pattern_.program_.size() >= ModelPattern::kMaxProgramSize) {
      return Fail("pattern program too large");
    }
    pattern_.program_.push_back(inst);
    return OkStatus();
  }

  std::uint32_t Here() const { return static_cast<std::uint32_t>(pattern_.program_.size()); }

  std::uint32_t AddClass(const Ranges& ranges) {
    pattern_.classes_.push_back(ranges);
    return static_cast<std::uint32_t>(pattern_.classes_.size() - 1);
  }

  Status Emit(const Node& node) {
    using Op = ModelPattern::Op;
    switch (node.kind) {
      case Node::Kind::kClass:
        return Push({Op::kClass, AddClass(node.ranges), 0});
      case Node::Kind::kNotNext:
        return Push({Op::kAssertNotNext, AddClass(node.ranges), 0});
      case Node::Kind::kBegin:
        return Push({Op::kAssertBegin});
      case Node::Kind::kEnd:
        return Push({Op::kAssertEnd});
      case Node::Kind::kConcat:
        for (const Node& kid : node.kids) {
          IAM_RETURN_IF_ERROR(Emit(kid));
        }
        return OkStatus();
      case Node::Kind::kAlt: {
        std::vector<std::uint32_t> jumps;
        for (std::size_t i = 0; i < node.kids.size(); ++i) {
          const bool last = i + 1 == node.kids.size();
          std::uint32_t split = 0;
          if (!last) {
            split = Here();
            IAM_RETURN_IF_ERROR(Push({Op::kSplit, split + 1, 0}));
          }
          IAM_RETURN_IF_ERROR(Emit(node.kids[i]));
          if (!last) {
            jumps.push_back(Here());
            IAM_RETURN_IF_ERROR(Push({Op::kJump}));
            pattern_.program_[split].y = Here();
          }
        }
        for (const std::uint32_t j : jumps) {
          pattern_.program_[j].x = Here();
        }
        return OkStatus();
      }
      case Node::Kind::kRepeat: {
        const Node& body = node.kids[0];
        for (int i = 0; i < node.min; ++i) {
          IAM_RETURN_IF_ERROR(Emit(body));
        }
        if (node.max == -1) {
          const std::uint32_t split = Here();
          IAM_RETURN_IF_ERROR(Push({Op::kSplit, split + 1, 0}));
          IAM_RETURN_IF_ERROR(Emit(body));
          IAM_RETURN_IF_ERROR(Push({Op::kJump, split, 0}));
          pattern_.program_[split].y = Here();
          return OkStatus();
        }
        std::vector<std::uint32_t> splits;
        for (int i = node.min; i < node.max; ++i) {
          splits.push_back(Here());
          IAM_RETURN_IF_ERROR(Push({Op::kSplit, Here() + 1, 0}));
          IAM_RETURN_IF_ERROR(Emit(body));
        }
        for (const std::uint32_t s : splits) {
          pattern_.program_[s].y = Here();
        }
        return OkStatus();
      }
    }
    return OkStatus();
  }

  std::string_view src_;
  std::size_t pos_ = 0;
  ModelPattern pattern_;
};

Result<ModelPattern> ModelPattern::Compile(std::string_view source) {
  return PatternCompiler(source).Run();
}

bool ModelPattern::Matches(std::string_view value) const {
  const std::u32string input = DecodeUtf8Lossy(value);
  const std::size_t n = input.size();
  std::vector<std::uint32_t> current;
  std::vector<std::uint32_t> next;
  std::vector<std::size_t> mark(program_.size(), static_cast<std::size_t>(-1));
  std::vector<std::uint32_t> stack;

  // Adds the epsilon closure of `start` at input position `pos` to `list`.
  auto add = [&](std::vector<std::uint32_t>* list, std::uint32_t start, std::size_t pos) {
    stack.push_back(start);
    while (!stack.empty()) {
      const std::uint32_t pc = stack.back();
      stack.pop_back();
      if (mark[pc] == pos) {
        continue;
      }
      mark[pc] = pos;
      const Inst& inst = program_[pc];
      switch (inst.op) {
        case Op::kJump:
          stack.push_back(inst.x);
          break;
        case Op::kSplit:
          stack.push_back(inst.y);
          stack.push_back(inst.x);
          break;
        case Op::kAssertBegin:
          if (pos == 0) {
            stack.push_back(pc + 1);
          }
          break;
        case Op::kAssertEnd:
          if (pos == n) {
            stack.push_back(pc + 1);
          }
          break;
        case Op::kAssertNotNext:
          if (pos == n || !InRanges(classes_[inst.x], input[pos])) {
            stack.push_back(pc + 1);
          }
          break;
        case Op::kClass:
        case Op::kMatch:
          list->push_back(pc);
          break;
      }
    }
  };

  add(&current, 0, 0);
  for (std::size_t pos = 0;; ++pos) {
    if (current.empty()) {
      return false;
    }
    next.clear();
    for (const std::uint32_t pc : current) {
      const Inst& inst = program_[pc];
      if (inst.op == Op::kMatch) {
        if (pos == n) {
          return true;
        }
      } else if (pos < n && InRanges(classes_[inst.x], input[pos])) {
        add(&next, pc + 1, pos + 1);
      }
    }
    if (pos == n) {
      return false;
    }
    std::swap(current, next);
  }
}

std::u32string DecodeUtf8Lossy(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    out.push_back(DecodeOne(text, &pos));
  }
  return out;
}

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const char32_t cp = DecodeOne(text, &pos);
    if (cp == kReplacement && pos == start + 1) {
      AppendUtf8(cp, &out);
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
  return out;
}

std::size_t Utf16Length(std::string_view text) {
  std::size_t units = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    units += DecodeOne(text, &pos) > 0xFFFF ? 2 : 1;
  }
  return units;
}

}  // namespace portcullis::api::protocol
