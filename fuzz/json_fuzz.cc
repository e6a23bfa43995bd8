// libFuzzer target for the JSON reader (policy/json.h).
//
// Properties checked on every input, aborting on a violation:
//  - parse -> serialise -> parse succeeds and serialises to the same bytes;
//  - every value's position points at the first byte of that value;
//  - errors carry a location inside the input (or none, for max_bytes);
//  - a document accepted under tight limits is accepted, identically, under
//    the default ones.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/json.h"

namespace {

using portcullis::Error;
using portcullis::Result;
using portcullis::policy::JsonLimits;
using portcullis::policy::JsonType;
using portcullis::policy::JsonValue;
using portcullis::policy::ParseJson;
using portcullis::policy::SerializeJson;

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "json_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

bool StartsValue(JsonType type, char c) {
  switch (type) {
    case JsonType::kNull:
      return c == 'n';
    case JsonType::kBool:
      return c == 't' || c == 'f';
    case JsonType::kNumber:
      return c == '-' || (c >= '0' && c <= '9');
    case JsonType::kString:
      return c == '"';
    case JsonType::kArray:
      return c == '[';
    case JsonType::kObject:
      return c == '{';
  }
  return false;
}

// Recursion is bounded by the reader's depth limit.
void CheckPositions(std::string_view text, const JsonValue& value) {
  const auto& pos = value.position();
  if (pos.offset >= text.size() || !StartsValue(value.type(), text[pos.offset]) || pos.line < 1 ||
      pos.column < 1 || pos.column > pos.offset + 1) {
    Fail("value position does not point at the value", text);
  }
  for (const JsonValue& item : value.items()) {
    CheckPositions(text, item);
  }
  for (const JsonValue::Member& member : value.members()) {
    CheckPositions(text, member.second);
  }
}

void CheckError(std::string_view text, const Error& error) {
  if (error.message.empty()) {
    Fail("error without a message", text);
  }
  if (error.location.has_value() &&
      (error.location->offset > text.size() || error.location->line < 1 ||
       error.location->column < 1 || !error.location->path.empty())) {
    Fail("error location outside the input", error.ToString());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const Result<JsonValue> first = ParseJson(text);
  if (!first.has_value()) {
    CheckError(text, first.error());
  } else {
    CheckPositions(text, *first);
    const std::string once = SerializeJson(*first);
    const Result<JsonValue> second = ParseJson(once);
    if (!second.has_value()) {
      Fail("serialised output does not parse", once + "\n" + second.error().ToString());
    }
    CheckPositions(once, *second);
    const std::string twice = SerializeJson(*second);
    if (once != twice) {
      Fail("serialisation is not stable", once + "\n" + twice);
    }
  }

  JsonLimits tight;
  tight.max_bytes = 4096;
  tight.max_depth = 6;
  tight.max_string_bytes = 24;
  tight.max_elements = 48;
  const Result<JsonValue> limited = ParseJson(text, tight);
  if (!limited.has_value()) {
    CheckError(text, limited.error());
  } else if (!first.has_value() || SerializeJson(*limited) != SerializeJson(*first)) {
    Fail("accepted under tight limits but not under the defaults", text);
  }
  return 0;
}
