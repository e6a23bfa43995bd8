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

Ranges FromTable(std::span<const CodePointRange> table) {
  Ranges out;
  out.reserve(table.size());
  for (const CodePointRange& r : table) {
    out.push_back({r.lo, r.hi});
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
    return MakeError(ErrorCode::kInvalidArgument, "pattern `" + std::string(src_) +
                                                      "`: " + std::string(what) + " at offset " +
                                                      std::to_string(pos_));
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

  // After '{': "m}", "m,}" or "m,n}".
  Status ParseBraces(int* min, int* max) {
    IAM_ASSIGN_OR_RETURN(*min, ParseNumber());
    *max = *min;
    if (!AtEnd() && Peek() == ',') {
      ++pos_;
      if (!AtEnd() && Peek() == '}') {
        *max = -1;
      } else {
        IAM_ASSIGN_OR_RETURN(*max, ParseNumber());
      }
    }
    if (AtEnd() || Peek() != '}') {
      return Fail("expected `}`");
    }
    ++pos_;
    if (*min > kMaxRepeat || *max > kMaxRepeat || (*max != -1 && *max < *min)) {
      return Fail("bad repetition bounds");
    }
    return OkStatus();
  }

  // Reads one quantifier into min/max (-1: unbounded); false when none follows.
  Result<bool> ParseQuantifier(int* min, int* max) {
    if (AtEnd()) {
      return false;
    }
    const char c = Peek();
    *min = c == '+' ? 1 : 0;
    *max = c == '?' ? 1 : -1;
    if (c == '{') {
      ++pos_;
      IAM_RETURN_IF_ERROR(ParseBraces(min, max));
    } else if (c == '*' || c == '+' || c == '?') {
      ++pos_;
    } else {
      return false;
    }
    if (!AtEnd() && Peek() == '+') {
      return Fail("possessive quantifiers are not supported");
    }
    if (!AtEnd() && Peek() == '?') {
      ++pos_;  // A lazy quantifier matches the same set of whole strings.
    }
    return true;
  }

  Result<Node> ParseQuantifiers(Node atom) {
    while (true) {
      int min = 0;
      int max = 0;
      IAM_ASSIGN_OR_RETURN(const bool found, ParseQuantifier(&min, &max));
      if (!found) {
        return atom;
      }
      Node rep;
      rep.kind = Node::Kind::kRepeat;
      rep.min = min;
      rep.max = max;
      rep.kids.push_back(std::move(atom));
      atom = std::move(rep);
    }
  }

  static Node ClassNode(Ranges ranges) {
    Node n;
    n.kind = Node::Kind::kClass;
    n.ranges = Normalize(std::move(ranges));
    return n;
  }

  // After '(': a group, a non-capturing group or a single-atom negative lookahead.
  Result<Node> ParseGroup(int depth) {
    bool lookahead = false;
    if (!AtEnd() && Peek() == '?') {
      ++pos_;
      if (AtEnd() || (Peek() != ':' && Peek() != '!')) {
        return Fail("unsupported group kind");
      }
      lookahead = Peek() == '!';
      ++pos_;
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

  Result<Node> ParseAtom(int depth) {
    const char c = Peek();
    if (c == '(') {
      ++pos_;
      return ParseGroup(depth);
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
      return ClassNode(
          Complement(Normalize({{'\n', '\n'}, {'\r', '\r'}, {0x85, 0x85}, {0x2028, 0x2029}})));
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
      case 'P':
        return ParseCategory(c == 'P');
      case 'u':
      case 'x':
        return ParseHex(c == 'u' ? 4 : 2, c == 'u' ? 6 : 2);
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

  // After "\\p" or "\\P": "{L}" or "L" (L, N and Z are supported).
  Result<Ranges> ParseCategory(bool complement) {
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
      ranges = FromTable(LetterRanges());
    } else if (name == "N") {
      ranges = FromTable(NumberRanges());
    } else if (name == "Z") {
      ranges = FromTable(SeparatorRanges());
    } else {
      return Fail("unsupported Unicode category");
    }
    return MaybeComplement(complement, std::move(ranges));
  }

  // After "\\u" or "\\x": min_digits to max_digits hex digits, while <= U+10FFFF.
  Result<Ranges> ParseHex(std::size_t min_digits, std::size_t max_digits) {
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
      case Node::Kind::kAlt:
        return EmitAlt(node);
      case Node::Kind::kRepeat:
        return EmitRepeat(node);
    }
    return OkStatus();
  }

  Status EmitAlt(const Node& node) {
    using Op = ModelPattern::Op;
    std::vector<std::uint32_t> jumps;
    for (std::size_t i = 0; i + 1 < node.kids.size(); ++i) {
      const std::uint32_t split = Here();
      IAM_RETURN_IF_ERROR(Push({Op::kSplit, split + 1, 0}));
      IAM_RETURN_IF_ERROR(Emit(node.kids[i]));
      jumps.push_back(Here());
      IAM_RETURN_IF_ERROR(Push({Op::kJump}));
      pattern_.program_[split].y = Here();
    }
    IAM_RETURN_IF_ERROR(Emit(node.kids.back()));
    for (const std::uint32_t j : jumps) {
      pattern_.program_[j].x = Here();
    }
    return OkStatus();
  }

  Status EmitRepeat(const Node& node) {
    using Op = ModelPattern::Op;
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
    return EmitOptionalCopies(body, node.max - node.min);
  }

  // `count` nested optional copies of `body`: (body(body(...)?)?)?.
  Status EmitOptionalCopies(const Node& body, int count) {
    using Op = ModelPattern::Op;
    std::vector<std::uint32_t> splits;
    for (int i = 0; i < count; ++i) {
      splits.push_back(Here());
      IAM_RETURN_IF_ERROR(Push({Op::kSplit, Here() + 1, 0}));
      IAM_RETURN_IF_ERROR(Emit(body));
    }
    for (const std::uint32_t s : splits) {
      pattern_.program_[s].y = Here();
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

namespace {

// One run of a program over an input: the set of live threads per input position,
// each program counter at most once per position, so time is O(input x program).
class PikeVm {
 public:
  using Inst = ModelPattern::Inst;
  using Op = ModelPattern::Op;

  PikeVm(const std::vector<Inst>& program, const std::vector<Ranges>& classes, std::u32string input)
      : program_(program),
        classes_(classes),
        input_(std::move(input)),
        mark_(program.size(), static_cast<std::size_t>(-1)) {}

  bool Run() {
    const std::size_t n = input_.size();
    Add(&current_, 0, 0);
    for (std::size_t pos = 0; !current_.empty(); ++pos) {
      next_.clear();
      for (const std::uint32_t pc : current_) {
        const Inst& inst = program_[pc];
        if (inst.op == Op::kMatch) {
          if (pos == n) {
            return true;
          }
        } else if (pos < n && InRanges(classes_[inst.x], input_[pos])) {
          Add(&next_, pc + 1, pos + 1);
        }
      }
      if (pos == n) {
        return false;
      }
      std::swap(current_, next_);
    }
    return false;
  }

 private:
  // Whether the zero-width instruction at `inst` lets a thread through at `pos`.
  bool AssertionHolds(const Inst& inst, std::size_t pos) const {
    switch (inst.op) {
      case Op::kAssertBegin:
        return pos == 0;
      case Op::kAssertEnd:
        return pos == input_.size();
      case Op::kAssertNotNext:
        return pos == input_.size() || !InRanges(classes_[inst.x], input_[pos]);
      default:
        return false;
    }
  }

  // Adds the epsilon closure of `start` at input position `pos` to `list`.
  void Add(std::vector<std::uint32_t>* list, std::uint32_t start, std::size_t pos) {
    stack_.push_back(start);
    while (!stack_.empty()) {
      const std::uint32_t pc = stack_.back();
      stack_.pop_back();
      if (mark_[pc] == pos) {
        continue;
      }
      mark_[pc] = pos;
      const Inst& inst = program_[pc];
      if (inst.op == Op::kJump) {
        stack_.push_back(inst.x);
      } else if (inst.op == Op::kSplit) {
        stack_.push_back(inst.y);
        stack_.push_back(inst.x);
      } else if (inst.op == Op::kClass || inst.op == Op::kMatch) {
        list->push_back(pc);
      } else if (AssertionHolds(inst, pos)) {
        stack_.push_back(pc + 1);
      }
    }
  }

  const std::vector<Inst>& program_;
  const std::vector<Ranges>& classes_;
  const std::u32string input_;
  std::vector<std::size_t> mark_;
  std::vector<std::uint32_t> current_;
  std::vector<std::uint32_t> next_;
  std::vector<std::uint32_t> stack_;
};

}  // namespace

bool ModelPattern::Matches(std::string_view value) const {
  return PikeVm(program_, classes_, DecodeUtf8Lossy(value)).Run();
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
