// The strict JSON reader: a recursive-descent parser over a string_view.
//
// Recursion depth is bounded by JsonLimits::max_depth, clamped to
// kMaxSupportedDepth so that a caller raising the limit cannot make the reader
// (or the recursive JsonValue destructor) exhaust the stack. The depth is
// checked before descending into an array or object.
#include "policy/json.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>

#include "common/strings.h"

namespace portcullis::policy {
namespace {

// Hard ceiling on nesting, whatever JsonLimits::max_depth says.
constexpr std::size_t kMaxSupportedDepth = 512;

// Objects up to this many members check each new key against the previous ones;
// larger objects are checked once, by sorting, when they close.
constexpr std::size_t kLinearDuplicateScanMax = 16;

// Longest key quoted in a duplicate-key message.
constexpr std::size_t kMaxQuotedKeyBytes = 64;

constexpr std::string_view kHexDigits = "0123456789abcdef";

bool IsDigit(char c) {
  return AsciiIsDigit(c);
}

int HexValue(char c) {
  return HexDigitValue(c);
}

// Returns the length of the well-formed UTF-8 sequence (RFC 3629, table 3-7 of
// the Unicode standard) starting at `s[0]`, or 0 when it is ill-formed:
// overlong forms, surrogates (U+D800..U+DFFF) and code points above U+10FFFF.
std::size_t Utf8SequenceLength(std::string_view s) {
  const auto byte = [&s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto in = [](unsigned char b, unsigned char lo, unsigned char hi) {
    return b >= lo && b <= hi;
  };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) {
    return 1;
  }
  if (in(b0, 0xC2, 0xDF)) {
    return s.size() >= 2 && in(byte(1), 0x80, 0xBF) ? 2 : 0;
  }
  if (in(b0, 0xE0, 0xEF)) {
    if (s.size() < 3) {
      return 0;
    }
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 == 0xE0) {
      lo = 0xA0;  // overlong below U+0800
    } else if (b0 == 0xED) {
      hi = 0x9F;  // surrogates
    }
    return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(b0, 0xF0, 0xF4)) {
    if (s.size() < 4) {
      return 0;
    }
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 == 0xF0) {
      lo = 0x90;  // overlong below U+10000
    } else if (b0 == 0xF4) {
      hi = 0x8F;  // above U+10FFFF
    }
    return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) && in(byte(3), 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// "`x`" for printable ASCII, "byte 0xNN" otherwise.
std::string DescribeByte(char c) {
  const auto b = static_cast<unsigned char>(c);
  if (b > 0x20 && b < 0x7F && c != '`') {
    return std::string("`") + c + "`";
  }
  std::string out = "byte 0x";
  out.push_back(kHexDigits[b >> 4]);
  out.push_back(kHexDigits[b & 0xF]);
  return out;
}

// A key as quoted in diagnostics: control bytes escaped, long keys cut at a
// UTF-8 boundary and marked with "...".
std::string QuoteKey(std::string_view key) {
  bool cut = false;
  if (key.size() > kMaxQuotedKeyBytes) {
    std::size_t end = kMaxQuotedKeyBytes;
    while (end > 0 && (static_cast<unsigned char>(key[end]) & 0xC0) == 0x80) {
      --end;
    }
    key = key.substr(0, end);
    cut = true;
  }
  std::string out = "`";
  for (const char c : key) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) {
      out += "\\u00";
      out.push_back(kHexDigits[b >> 4]);
      out.push_back(kHexDigits[b & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  if (cut) {
    out += "...";
  }
  out += "`";
  return out;
}

// Returns the index of the earliest member whose key repeats an earlier key, if
// any. O(n log n) in the member count.
std::optional<std::size_t> FindFirstDuplicateBySorting(
    const std::vector<JsonValue::Member>& members) {
  std::vector<std::size_t> order(members.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Stable, so equal keys stay in document order.
  std::stable_sort(order.begin(), order.end(), [&members](std::size_t a, std::size_t b) {
    return members[a].first < members[b].first;
  });
  std::optional<std::size_t> first;
  for (std::size_t k = 1; k < order.size(); ++k) {
    if (members[order[k]].first == members[order[k - 1]].first &&
        (!first.has_value() || order[k] < *first)) {
      first = order[k];
    }
  }
  return first;
}

class Reader {
 public:
  Reader(std::string_view text, const JsonLimits& limits)
      : text_(text), limits_(limits), max_depth_(std::min(limits.max_depth, kMaxSupportedDepth)) {}

  Result<JsonValue> ParseDocument() {
    if (text_.size() > limits_.max_bytes) {
      return MakeError(ErrorCode::kResourceExhausted,
                       "document is " + std::to_string(text_.size()) +
                           " bytes, over the limit of " + std::to_string(limits_.max_bytes));
    }
    SkipWhitespace();
    if (AtEnd()) {
      return Fail(ErrorCode::kInvalidArgument, Here(), "empty document");
    }
    IAM_ASSIGN_OR_RETURN(JsonValue value, ParseValue(0));
    SkipWhitespace();
    if (!AtEnd()) {
      return Fail(ErrorCode::kInvalidArgument, Here(),
                  "unexpected " + DescribeByte(text_[pos_]) + " after the json value");
    }
    return value;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }

  // INVARIANT: `offset` is on the current line (errors are raised where the
  // reader stands, or inside a string, which cannot span lines).
  JsonPosition PositionAt(std::size_t offset) const {
    const std::size_t column = offset - line_start_ + 1;
    return JsonPosition{offset, line_,
                        static_cast<std::uint32_t>(std::min<std::size_t>(
                            column, std::numeric_limits<std::uint32_t>::max()))};
  }

  JsonPosition Here() const { return PositionAt(pos_); }

  static tl::unexpected<Error> Fail(ErrorCode code, const JsonPosition& at, std::string message) {
    Error error;
    error.code = code;
    error.message = std::move(message);
    error.location = SourceLocation{at.offset, at.line, at.column, {}};
    return MakeError(std::move(error));
  }

  // "expected <what>, found <the byte here or end of input>".
  tl::unexpected<Error> Expected(std::string_view what) const {
    std::string message = "expected ";
    message += what;
    message += ", found ";
    message += AtEnd() ? std::string("end of input") : DescribeByte(text_[pos_]);
    return Fail(ErrorCode::kInvalidArgument, Here(), std::move(message));
  }

  void SkipWhitespace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '\n') {
        ++pos_;
        if (line_ < std::numeric_limits<std::uint32_t>::max()) {
          ++line_;
        }
        line_start_ = pos_;
      } else {
        break;
      }
    }
  }

  Status CountElement() {
    if (++elements_ > limits_.max_elements) {
      return Fail(ErrorCode::kResourceExhausted, Here(),
                  "more than " + std::to_string(limits_.max_elements) +
                      " array items and object members in document");
    }
    return OkStatus();
  }

  Status CheckDepth(std::size_t depth, const JsonPosition& at) const {
    if (depth >= max_depth_) {
      return Fail(ErrorCode::kResourceExhausted, at,
                  "nesting deeper than " + std::to_string(max_depth_) + " levels");
    }
    return OkStatus();
  }

  // `depth` counts the arrays and objects enclosing the value.
  Result<JsonValue> ParseValue(std::size_t depth) {
    SkipWhitespace();
    if (AtEnd()) {
      return Expected("a value");
    }
    const char c = text_[pos_];
    if (c == '{' || c == '[') {
      IAM_RETURN_IF_ERROR(CheckDepth(depth, Here()));
      return c == '{' ? ParseObject(depth + 1) : ParseArray(depth + 1);
    }
    if (c == '"') {
      const JsonPosition start = Here();
      IAM_ASSIGN_OR_RETURN(std::string s, ParseString());
      return JsonValue::String(std::move(s), start);
    }
    if (c == '-' || IsDigit(c)) {
      return ParseNumber();
    }
    return ParseLiteral();
  }

  // true, false or null.
  Result<JsonValue> ParseLiteral() {
    const JsonPosition start = Here();
    const char c = text_[pos_];
    std::string_view literal;
    if (c == 't') {
      literal = "true";
    } else if (c == 'f') {
      literal = "false";
    } else if (c == 'n') {
      literal = "null";
    } else {
      return Expected("a value");
    }
    if (text_.substr(pos_, literal.size()) != literal) {
      return Fail(ErrorCode::kInvalidArgument, start,
                  "invalid literal, expected `" + std::string(literal) + "`");
    }
    pos_ += literal.size();
    if (c == 'n') {
      return JsonValue::Null(start);
    }
    return JsonValue::Bool(c == 't', start);
  }

  // number = [ minus ] int [ frac ] [ exp ]   (RFC 8259, section 6)
  Result<JsonValue> ParseNumber() {
    const JsonPosition start = Here();
    const std::size_t begin = pos_;
    const auto digit_here = [this] { return !AtEnd() && IsDigit(text_[pos_]); };
    if (text_[pos_] == '-') {
      ++pos_;
      if (!digit_here()) {
        return Expected("a digit after `-`");
      }
    }
    if (text_[pos_] == '0') {
      ++pos_;
      if (digit_here()) {
        return Fail(ErrorCode::kInvalidArgument, Here(), "leading zero in number");
      }
    } else {
      while (digit_here()) {
        ++pos_;
      }
    }
    if (!AtEnd() && text_[pos_] == '.') {
      ++pos_;
      if (!digit_here()) {
        return Expected("a digit after `.` in number");
      }
      while (digit_here()) {
        ++pos_;
      }
    }
    if (!AtEnd() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (!AtEnd() && (text_[pos_] == '+' || text_[pos_] == '-')) {
        ++pos_;
      }
      if (!digit_here()) {
        return Expected("a digit in number exponent");
      }
      while (digit_here()) {
        ++pos_;
      }
    }
    return JsonValue::Number(std::string(text_.substr(begin, pos_ - begin)), start);
  }

  // Reads four hex digits at `at`; returns nullopt when they are not there.
  std::optional<std::uint32_t> Hex4(std::size_t at) const {
    if (text_.size() - at < 4) {
      return std::nullopt;
    }
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const int digit = HexValue(text_[at + i]);
      if (digit < 0) {
        return std::nullopt;
      }
      value = (value << 4) | static_cast<std::uint32_t>(digit);
    }
    return value;
  }

  // Reads one escape sequence starting at the backslash and appends its UTF-8.
  Status ParseEscape(std::string& out) {
    const JsonPosition at = Here();
    if (text_.size() - pos_ < 2) {
      return Fail(ErrorCode::kInvalidArgument, at, "unterminated escape sequence in string");
    }
    const char e = text_[pos_ + 1];
    char simple = 0;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        simple = e;
        break;
      case 'b':
        simple = '\b';
        break;
      case 'f':
        simple = '\f';
        break;
      case 'n':
        simple = '\n';
        break;
      case 'r':
        simple = '\r';
        break;
      case 't':
        simple = '\t';
        break;
      case 'u':
        break;
      default:
        return Fail(ErrorCode::kInvalidArgument, at,
                    "invalid escape `\\` followed by " + DescribeByte(e) + " in string");
    }
    if (e != 'u') {
      out.push_back(simple);
      pos_ += 2;
      return OkStatus();
    }
    const std::optional<std::uint32_t> unit = Hex4(pos_ + 2);
    if (!unit.has_value()) {
      return Fail(ErrorCode::kInvalidArgument, at, "invalid `\\u` escape, expected 4 hex digits");
    }
    std::uint32_t cp = *unit;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return Fail(ErrorCode::kInvalidArgument, at, "unpaired low surrogate in `\\u` escape");
    }
    pos_ += 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      std::optional<std::uint32_t> low;
      if (text_.size() - pos_ >= 2 && text_[pos_] == '\\' && text_[pos_ + 1] == 'u') {
        low = Hex4(pos_ + 2);
      }
      if (!low.has_value() || *low < 0xDC00 || *low > 0xDFFF) {
        return Fail(ErrorCode::kInvalidArgument, at, "unpaired high surrogate in `\\u` escape");
      }
      pos_ += 6;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
    }
    AppendUtf8(out, cp);
    return OkStatus();
  }

  // Reads a string starting at its opening quote; returns it unescaped.
  Result<std::string> ParseString() {
    const JsonPosition start = Here();
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (AtEnd()) {
        return Fail(ErrorCode::kInvalidArgument, start, "unterminated string");
      }
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\') {
        IAM_RETURN_IF_ERROR(ParseEscape(out));
      } else if (c < 0x20) {
        return Fail(ErrorCode::kInvalidArgument, Here(),
                    "unescaped control character " + DescribeByte(text_[pos_]) + " in string");
      } else if (c < 0x80) {
        const std::size_t begin = pos_;
        while (pos_ < text_.size()) {
          const auto b = static_cast<unsigned char>(text_[pos_]);
          if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') {
            break;
          }
          ++pos_;
        }
        out.append(text_.substr(begin, pos_ - begin));
      } else {
        const std::size_t length = Utf8SequenceLength(text_.substr(pos_));
        if (length == 0) {
          return Fail(ErrorCode::kInvalidArgument, Here(), "invalid utf-8 in string");
        }
        out.append(text_.substr(pos_, length));
        pos_ += length;
      }
      if (out.size() > limits_.max_string_bytes) {
        return Fail(ErrorCode::kResourceExhausted, start,
                    "string longer than " + std::to_string(limits_.max_string_bytes) + " bytes");
      }
    }
  }

  // `depth` counts this array and those enclosing it.
  Result<JsonValue> ParseArray(std::size_t depth) {
    const JsonPosition start = Here();
    ++pos_;  // '['
    std::vector<JsonValue> items;
    SkipWhitespace();
    if (!AtEnd() && text_[pos_] == ']') {
      ++pos_;
      return JsonValue::Array(std::move(items), start);
    }
    while (true) {
      SkipWhitespace();
      IAM_RETURN_IF_ERROR(CountElement());
      IAM_ASSIGN_OR_RETURN(JsonValue item, ParseValue(depth));
      items.push_back(std::move(item));
      SkipWhitespace();
      if (!AtEnd() && text_[pos_] == ']') {
        ++pos_;
        return JsonValue::Array(std::move(items), start);
      }
      if (AtEnd() || text_[pos_] != ',') {
        return Expected("`,` or `]` after array item");
      }
      ++pos_;
      SkipWhitespace();
      if (!AtEnd() && text_[pos_] == ']') {
        return Fail(ErrorCode::kInvalidArgument, Here(), "trailing comma in array");
      }
    }
  }

  // Reads `"key": value` at the reader's position and appends it to `members`
  // and its key's position to `key_positions`. `depth` counts the enclosing
  // object and those around it.
  Status ParseMember(std::size_t depth, std::vector<JsonValue::Member>& members,
                     std::vector<JsonPosition>& key_positions) {
    SkipWhitespace();
    if (AtEnd() || text_[pos_] != '"') {
      return Expected("a string key in object");
    }
    const JsonPosition key_position = Here();
    IAM_RETURN_IF_ERROR(CountElement());
    IAM_ASSIGN_OR_RETURN(std::string key, ParseString());
    if (members.size() < kLinearDuplicateScanMax) {
      const auto same_key = [&key](const JsonValue::Member& m) { return m.first == key; };
      if (std::any_of(members.begin(), members.end(), same_key)) {
        return Fail(ErrorCode::kInvalidArgument, key_position, "duplicate key " + QuoteKey(key));
      }
    }
    SkipWhitespace();
    if (AtEnd() || text_[pos_] != ':') {
      return Expected("`:` after object key");
    }
    ++pos_;
    IAM_ASSIGN_OR_RETURN(JsonValue value, ParseValue(depth));
    members.emplace_back(std::move(key), std::move(value));
    key_positions.push_back(key_position);
    return OkStatus();
  }

  // `depth` counts this object and those enclosing it.
  Result<JsonValue> ParseObject(std::size_t depth) {
    const JsonPosition start = Here();
    ++pos_;  // '{'
    std::vector<JsonValue::Member> members;
    // Where each key starts, to point duplicate-key errors at the second key.
    std::vector<JsonPosition> key_positions;
    SkipWhitespace();
    if (!AtEnd() && text_[pos_] == '}') {
      ++pos_;
      return JsonValue::Object(std::move(members), start);
    }
    while (true) {
      IAM_RETURN_IF_ERROR(ParseMember(depth, members, key_positions));
      SkipWhitespace();
      if (!AtEnd() && text_[pos_] == '}') {
        ++pos_;
        break;
      }
      if (AtEnd() || text_[pos_] != ',') {
        return Expected("`,` or `}` after object member");
      }
      ++pos_;
      SkipWhitespace();
      if (!AtEnd() && text_[pos_] == '}') {
        return Fail(ErrorCode::kInvalidArgument, Here(), "trailing comma in object");
      }
    }
    if (members.size() > kLinearDuplicateScanMax) {
      // The first kLinearDuplicateScanMax keys were checked as they were read;
      // a later duplicate is reported at the earliest repeated key.
      const std::optional<std::size_t> duplicate = FindFirstDuplicateBySorting(members);
      if (duplicate.has_value()) {
        return Fail(ErrorCode::kInvalidArgument, key_positions[*duplicate],
                    "duplicate key " + QuoteKey(members[*duplicate].first));
      }
    }
    return JsonValue::Object(std::move(members), start);
  }

  std::string_view text_;
  const JsonLimits& limits_;
  std::size_t max_depth_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::size_t line_start_ = 0;  // offset of the first byte of the current line
  std::size_t elements_ = 0;
};

void SerializeTo(std::string& out, const JsonValue& value) {
  switch (value.type()) {
    case JsonType::kNull:
      out += "null";
      return;
    case JsonType::kBool:
      out += value.bool_value() ? "true" : "false";
      return;
    case JsonType::kNumber:
      out += value.text();
      return;
    case JsonType::kString:
      AppendJsonString(out, value.text());
      return;
    case JsonType::kArray: {
      out.push_back('[');
      bool first = true;
      for (const JsonValue& item : value.items()) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        SerializeTo(out, item);
      }
      out.push_back(']');
      return;
    }
    case JsonType::kObject: {
      out.push_back('{');
      bool first = true;
      for (const JsonValue::Member& member : value.members()) {
        if (!first) {
          out.push_back(',');
        }
        first = false;
        AppendJsonString(out, member.first);
        out.push_back(':');
        SerializeTo(out, member.second);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

std::string_view JsonTypeName(JsonType type) {
  switch (type) {
    case JsonType::kNull:
      return "null";
    case JsonType::kBool:
      return "boolean";
    case JsonType::kNumber:
      return "number";
    case JsonType::kString:
      return "string";
    case JsonType::kArray:
      return "array";
    case JsonType::kObject:
      return "object";
  }
  return "unknown";
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const Member& member : members_) {
    if (member.first == key) {
      return &member.second;
    }
  }
  return nullptr;
}

JsonValue JsonValue::Null(JsonPosition pos) {
  JsonValue value;
  value.type_ = JsonType::kNull;
  value.position_ = pos;
  return value;
}

JsonValue JsonValue::Bool(bool b, JsonPosition pos) {
  JsonValue value;
  value.type_ = JsonType::kBool;
  value.bool_ = b;
  value.position_ = pos;
  return value;
}

JsonValue JsonValue::Number(std::string literal, JsonPosition pos) {
  JsonValue value;
  value.type_ = JsonType::kNumber;
  value.text_ = std::move(literal);
  value.position_ = pos;
  return value;
}

JsonValue JsonValue::String(std::string s, JsonPosition pos) {
  JsonValue value;
  value.type_ = JsonType::kString;
  value.text_ = std::move(s);
  value.position_ = pos;
  return value;
}

JsonValue JsonValue::Array(std::vector<JsonValue> items, JsonPosition pos) {
  JsonValue value;
  value.type_ = JsonType::kArray;
  value.items_ = std::move(items);
  value.position_ = pos;
  return value;
}

JsonValue JsonValue::Object(std::vector<Member> members, JsonPosition pos) {
  JsonValue value;
  value.type_ = JsonType::kObject;
  value.members_ = std::move(members);
  value.position_ = pos;
  return value;
}

Result<JsonValue> ParseJson(std::string_view text, const JsonLimits& limits) {
  return Reader(text, limits).ParseDocument();
}

std::string SerializeJson(const JsonValue& value) {
  std::string out;
  SerializeTo(out, value);
  return out;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (b < 0x20) {
      out += "\\u00";
      out.push_back(kHexDigits[b >> 4]);
      out.push_back(kHexDigits[b & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace portcullis::policy
