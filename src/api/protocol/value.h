// Value: the typed, generic tree a Query request decodes into and a response is
// encoded from. Its kinds follow the service model's shape types: Structure (named
// members in insertion order), List, Map (string keys), String, Integer (integer and
// long shapes), Boolean, Timestamp (milliseconds since the Unix epoch, UTC) and Blob
// (raw bytes; base64 only on the wire).
//
// Ownership: a Value owns its children. Thread-safety: a plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::api::protocol {

class Value {
 public:
  enum class Kind : std::uint8_t {
    kStructure,
    kList,
    kMap,
    kString,
    kInteger,
    kBoolean,
    kTimestamp,
    kBlob,
  };

  // An empty structure.
  Value() = default;

  static Value Structure() { return Value(Kind::kStructure); }

  static Value List() { return Value(Kind::kList); }

  static Value Map() { return Value(Kind::kMap); }

  static Value String(std::string s);
  static Value Integer(std::int64_t i);
  static Value Boolean(bool b);
  static Value TimestampMillis(std::int64_t epoch_millis);
  static Value Blob(std::string bytes);

  Kind kind() const { return kind_; }

  // Structure members / map entries: sets `name` (replacing an existing entry) and
  // returns the stored child.
  Value& Set(std::string name, Value child);
  // Returns the child named `name`, or nullptr (structure or map).
  const Value* Find(std::string_view name) const;
  // List: appends and returns the stored element.
  Value& Append(Value child);

  // Names of structure members or map keys, parallel to children().
  const std::vector<std::string>& names() const { return names_; }

  // Structure members, map values, list elements.
  const std::vector<Value>& children() const { return children_; }

  // String text or blob bytes.
  const std::string& text() const { return text_; }

  // Integer value, boolean as 0/1, or timestamp in epoch milliseconds.
  std::int64_t number() const { return number_; }

  bool boolean() const { return number_ != 0; }

  // A compact JSON-like rendering for tests and diagnostics (members in order).
  std::string DebugString() const;

  friend bool operator==(const Value& a, const Value& b);

  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }

 private:
  explicit Value(Kind kind) : kind_(kind) {}

  Kind kind_ = Kind::kStructure;
  std::string text_;
  std::int64_t number_ = 0;
  std::vector<std::string> names_;
  std::vector<Value> children_;
};

// Formats epoch milliseconds as ISO 8601 UTC: "2026-11-28T01:14:05Z", with ".123"
// before the Z when the milliseconds are not zero.
std::string FormatIso8601(std::int64_t epoch_millis);

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" into epoch milliseconds.
// Returns false on anything else.
bool ParseIso8601(std::string_view text, std::int64_t* epoch_millis);

}  // namespace portcullis::api::protocol
