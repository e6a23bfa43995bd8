// A strict JSON reader for untrusted policy documents and requests.
//
// ParseJson() turns bytes into a JsonValue tree in which every value remembers
// where it started (byte offset, line, column), so policy errors can point at the
// offending element. It follows RFC 8259 strictly (no comments, no trailing commas,
// no NaN, no leading zeros, UTF-8 validated, \u escapes with surrogate pairs),
// rejects duplicate object keys (exact byte comparison after unescaping), and
// enforces JsonLimits so hostile input cannot exhaust memory or time: parse time
// and memory are linear in the input size.
//
// Thread-safety: ParseJson is reentrant. JsonValue is a plain value type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace portcullis::policy {

struct JsonLimits {
  std::size_t max_bytes = 1 << 20;         // whole document
  std::size_t max_depth = 64;              // nested arrays/objects
  std::size_t max_string_bytes = 1 << 16;  // one string after unescaping
  std::size_t max_elements = 1 << 16;      // members + array items, whole document
};

enum class JsonType : std::uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

// Returns "null", "boolean", "number", "string", "array" or "object".
std::string_view JsonTypeName(JsonType type);

struct JsonPosition {
  std::size_t offset = 0;
  std::uint32_t line = 1;    // from 1
  std::uint32_t column = 1;  // from 1, in bytes
};

class JsonValue {
 public:
  using Member = std::pair<std::string, JsonValue>;

  JsonValue() = default;

  JsonType type() const { return type_; }

  const JsonPosition& position() const { return position_; }

  bool is_null() const { return type_ == JsonType::kNull; }

  bool is_bool() const { return type_ == JsonType::kBool; }

  bool is_number() const { return type_ == JsonType::kNumber; }

  bool is_string() const { return type_ == JsonType::kString; }

  bool is_array() const { return type_ == JsonType::kArray; }

  bool is_object() const { return type_ == JsonType::kObject; }

  bool bool_value() const { return bool_; }

  // For strings: the unescaped UTF-8 text. For numbers: the literal as written
  // ("1.50e3"), so callers decide how to interpret it.
  const std::string& text() const { return text_; }

  const std::vector<JsonValue>& items() const { return items_; }  // arrays

  const std::vector<Member>& members() const { return members_; }  // objects, in order

  // Returns the member named `key` (exact match) or nullptr.
  const JsonValue* Find(std::string_view key) const;

  // Builders, used by the reader and by tests.
  static JsonValue Null(JsonPosition pos = {});
  static JsonValue Bool(bool b, JsonPosition pos = {});
  static JsonValue Number(std::string literal, JsonPosition pos = {});
  static JsonValue String(std::string s, JsonPosition pos = {});
  static JsonValue Array(std::vector<JsonValue> items, JsonPosition pos = {});
  static JsonValue Object(std::vector<Member> members, JsonPosition pos = {});

 private:
  JsonType type_ = JsonType::kNull;
  bool bool_ = false;
  JsonPosition position_;
  std::string text_;
  std::vector<JsonValue> items_;
  std::vector<Member> members_;
};

// Parses one JSON text (surrounding whitespace allowed, nothing else after it).
// Errors: kInvalidArgument with a lowercase message and a SourceLocation (offset,
// line, column; path left empty) for syntax errors and duplicate keys;
// kResourceExhausted when a JsonLimits bound is exceeded.
[[nodiscard]] Result<JsonValue> ParseJson(std::string_view text, const JsonLimits& limits = {});

// Serialises `value` as compact JSON (used for round-trip tests and CLI output).
std::string SerializeJson(const JsonValue& value);

// Appends `s` to `out` as a JSON string literal with quotes and escapes.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace portcullis::policy
