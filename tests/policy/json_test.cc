#include "policy/json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>
#include <string_view>

namespace portcullis::policy {
namespace {

using ::testing::HasSubstr;

JsonValue MustParse(std::string_view text, const JsonLimits& limits = {}) {
  Result<JsonValue> result = ParseJson(text, limits);
  EXPECT_TRUE(result.has_value()) << "input: " << text << "\nerror: "
                                  << (result.has_value() ? "" : result.error().ToString());
  return result.has_value() ? std::move(*result) : JsonValue();
}

Error MustFail(std::string_view text, const JsonLimits& limits = {}) {
  Result<JsonValue> result = ParseJson(text, limits);
  EXPECT_FALSE(result.has_value()) << "input: " << text;
  return result.has_value() ? Error{} : result.error();
}

// Expects a syntax error whose message contains `message` at line:column.
void ExpectSyntaxError(std::string_view text, std::string_view message, std::uint32_t line,
                       std::uint32_t column) {
  SCOPED_TRACE(std::string("input: ") + std::string(text));
  const Error error = MustFail(text);
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.message, HasSubstr(std::string(message)));
  ASSERT_TRUE(error.location.has_value());
  EXPECT_EQ(error.location->line, line);
  EXPECT_EQ(error.location->column, column);
  EXPECT_TRUE(error.location->path.empty());
}

void ExpectInvalid(std::string_view text) {
  SCOPED_TRACE(std::string("input: ") + std::string(text));
  const Error error = MustFail(text);
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(error.location.has_value());
}

TEST(JsonTest, ParsesScalars) {
  EXPECT_TRUE(MustParse("null").is_null());
  EXPECT_TRUE(MustParse("true").bool_value());
  EXPECT_FALSE(MustParse("false").bool_value());
  EXPECT_TRUE(MustParse("false").is_bool());
  EXPECT_EQ(MustParse("\"abc\"").text(), "abc");
  EXPECT_EQ(MustParse("  42 \n").text(), "42");
}

TEST(JsonTest, KeepsNumberLiterals) {
  for (const char* literal : {"0", "-0", "1", "-12", "1.50e3", "0.5", "1E+2", "1e-7", "-0.0e0",
                              "12345678901234567890123456789"}) {
    const JsonValue value = MustParse(literal);
    EXPECT_TRUE(value.is_number()) << literal;
    EXPECT_EQ(value.text(), literal);
  }
}

TEST(JsonTest, RejectsBadNumbers) {
  for (const char* text : {"01", "-01", "1.", ".5", "-", "+1", "1e", "1e+", "1.e3", "0x10", "NaN",
                           "Infinity", "-Infinity", "1..2", "--1", "1e5.0"}) {
    ExpectInvalid(text);
  }
  ExpectSyntaxError("[01]", "leading zero in number", 1, 3);
  ExpectSyntaxError("1.x", "expected a digit after `.` in number", 1, 3);
  ExpectSyntaxError("-a", "expected a digit after `-`", 1, 2);
  ExpectSyntaxError("2e+", "expected a digit in number exponent, found end of input", 1, 4);
}

TEST(JsonTest, ParsesNestedDocument) {
  const JsonValue doc = MustParse(R"({"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]})");
  ASSERT_TRUE(doc.is_object());
  ASSERT_EQ(doc.members().size(), 2U);
  EXPECT_EQ(doc.members()[0].first, "Version");
  EXPECT_EQ(doc.members()[1].first, "Statement");
  const JsonValue* statements = doc.Find("Statement");
  ASSERT_NE(statements, nullptr);
  ASSERT_TRUE(statements->is_array());
  ASSERT_EQ(statements->items().size(), 1U);
  const JsonValue& statement = statements->items()[0];
  ASSERT_NE(statement.Find("Action"), nullptr);
  EXPECT_EQ(statement.Find("Action")->items()[1].text(), "s3:PutObject");
  EXPECT_EQ(statement.Find("Resource")->text(), "*");
  EXPECT_EQ(doc.Find("statement"), nullptr);                // exact match only
  EXPECT_EQ(statement.Find("Action")->Find("x"), nullptr);  // not an object
}

TEST(JsonTest, EmptyContainers) {
  EXPECT_TRUE(MustParse("[]").items().empty());
  EXPECT_TRUE(MustParse("{}").members().empty());
  EXPECT_TRUE(MustParse("[ \n ]").is_array());
  EXPECT_TRUE(MustParse("{ \t }").is_object());
  EXPECT_EQ(MustParse("[[],{}]").items().size(), 2U);
}

TEST(JsonTest, RecordsPositions) {
  const std::string text = "{\n  \"a\": [1,\n    true],\n\t\"b\" :\"x\"\n}";
  const JsonValue doc = MustParse(text);
  EXPECT_EQ(doc.position().offset, 0U);
  EXPECT_EQ(doc.position().line, 1U);
  EXPECT_EQ(doc.position().column, 1U);

  const JsonValue& a = *doc.Find("a");
  EXPECT_EQ(a.position().line, 2U);
  EXPECT_EQ(a.position().column, 8U);
  EXPECT_EQ(a.position().offset, text.find('['));

  const JsonValue& one = a.items()[0];
  EXPECT_EQ(one.position().line, 2U);
  EXPECT_EQ(one.position().column, 9U);

  const JsonValue& t = a.items()[1];
  EXPECT_EQ(t.position().line, 3U);
  EXPECT_EQ(t.position().column, 5U);
  EXPECT_EQ(t.position().offset, text.find("true"));

  const JsonValue& b = *doc.Find("b");
  EXPECT_EQ(b.position().line, 4U);
  EXPECT_EQ(b.position().column, 7U);  // tab counts as one byte
  EXPECT_EQ(b.position().offset, text.find("\"x\""));
}

TEST(JsonTest, ColumnsCountBytes) {
  // "é" is two bytes, so the value after it starts one column later than its
  // character count suggests.
  const JsonValue doc = MustParse("[\"\xC3\xA9\",1]");
  EXPECT_EQ(doc.items()[1].position().column, 7U);
}

TEST(JsonTest, CrlfLineEndings) {
  const JsonValue doc = MustParse("[\r\n1,\r\n  2]");
  EXPECT_EQ(doc.items()[0].position().line, 2U);
  EXPECT_EQ(doc.items()[0].position().column, 1U);
  EXPECT_EQ(doc.items()[1].position().line, 3U);
  EXPECT_EQ(doc.items()[1].position().column, 3U);
}

TEST(JsonTest, SyntaxErrors) {
  ExpectSyntaxError("", "empty document", 1, 1);
  ExpectSyntaxError(" \n ", "empty document", 2, 2);
  ExpectSyntaxError("{\"a\":1 \"b\":2}", "expected `,` or `}` after object member, found `\"`", 1,
                    8);
  ExpectSyntaxError("{\"a\":1", "expected `,` or `}` after object member, found end of input", 1,
                    7);
  ExpectSyntaxError("[1 2]", "expected `,` or `]` after array item, found `2`", 1, 4);
  ExpectSyntaxError("[1", "expected `,` or `]` after array item, found end of input", 1, 3);
  ExpectSyntaxError("{\"a\" 1}", "expected `:` after object key, found `1`", 1, 6);
  ExpectSyntaxError("{a:1}", "expected a string key in object, found `a`", 1, 2);
  ExpectSyntaxError("{1:1}", "expected a string key in object", 1, 2);
  ExpectSyntaxError("{\"a\":}", "expected a value, found `}`", 1, 6);
  ExpectSyntaxError("[1,]", "trailing comma in array", 1, 4);
  ExpectSyntaxError("{\"a\":1,\n }", "trailing comma in object", 2, 2);
  ExpectSyntaxError("[,1]", "expected a value, found `,`", 1, 2);
  ExpectSyntaxError("{,}", "expected a string key in object", 1, 2);
  ExpectSyntaxError("[", "expected a value, found end of input", 1, 2);
  ExpectSyntaxError("{", "expected a string key in object, found end of input", 1, 2);
  ExpectSyntaxError("1 2", "unexpected `2` after the json value", 1, 3);
  ExpectSyntaxError("{} {}", "unexpected `{` after the json value", 1, 4);
  ExpectSyntaxError("[1]]", "unexpected `]` after the json value", 1, 4);
  ExpectSyntaxError("tru", "invalid literal, expected `true`", 1, 1);
  ExpectSyntaxError("[nul]", "invalid literal, expected `null`", 1, 2);
  ExpectSyntaxError("falsey", "unexpected `y` after the json value", 1, 6);
  ExpectSyntaxError("True", "expected a value, found `T`", 1, 1);
  ExpectSyntaxError("'a'", "expected a value, found `'`", 1, 1);
  ExpectSyntaxError("[1]\x01", "unexpected byte 0x01 after the json value", 1, 4);
}

TEST(JsonTest, RejectsNonStandardExtensions) {
  for (const char* text : {"// c\n1", "/* c */ 1", "[1,/*x*/2]", "{\"a\":1,}", "[undefined]",
                           "\xEF\xBB\xBF{}", "{'a':1}", "[0x1]", "\f1", "\v1", "\"a\" \"b\""}) {
    ExpectInvalid(text);
  }
}

TEST(JsonTest, RejectsDuplicateKeysAtSecondKey) {
  const Error error = MustFail("{\"Effect\":\"Allow\",\n  \"Effect\":\"Deny\"}");
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.message, "duplicate key `Effect`");
  ASSERT_TRUE(error.location.has_value());
  EXPECT_EQ(error.location->line, 2U);
  EXPECT_EQ(error.location->column, 3U);
  EXPECT_EQ(error.location->offset, 21U);
}

TEST(JsonTest, DuplicateKeysCompareUnescapedBytes) {
  EXPECT_EQ(MustFail(R"({"a":1,"\u0061":2})").message, "duplicate key `a`");
  // Case differs: not a duplicate.
  EXPECT_EQ(MustParse(R"({"Effect":1,"effect":2})").members().size(), 2U);
  // Same key in different objects is fine.
  EXPECT_TRUE(MustParse(R"([{"a":1},{"a":2}])").is_array());
  EXPECT_TRUE(MustParse(R"({"a":{"a":1}})").is_object());
}

TEST(JsonTest, DuplicateKeyMessageQuotesSafely) {
  EXPECT_EQ(MustFail(R"({"a\nb":1,"a\nb":2})").message, "duplicate key `a\\u000ab`");
  const std::string long_key(100, 'k');
  const Error error = MustFail("{\"" + long_key + "\":1,\"" + long_key + "\":2}");
  EXPECT_EQ(error.message, "duplicate key `" + std::string(64, 'k') + "...`");
}

std::string ObjectWithKeys(int count, int duplicate_of = -1) {
  std::string text = "{";
  for (int i = 0; i < count; ++i) {
    text += "\"key" + std::to_string(i) + "\":" + std::to_string(i) + ",\n";
  }
  if (duplicate_of >= 0) {
    text += "\"key" + std::to_string(duplicate_of) + "\":0,\n";
  }
  text += "\"last\":true}";
  return text;
}

TEST(JsonTest, DuplicateKeysInLargeObjects) {
  EXPECT_EQ(MustParse(ObjectWithKeys(5000)).members().size(), 5001U);
  for (const int duplicate_of : {0, 7, 15, 16, 17, 4999}) {
    SCOPED_TRACE(duplicate_of);
    const Error error = MustFail(ObjectWithKeys(5000, duplicate_of));
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(error.message, "duplicate key `key" + std::to_string(duplicate_of) + "`");
    ASSERT_TRUE(error.location.has_value());
    EXPECT_EQ(error.location->line, 5001U);
    EXPECT_EQ(error.location->column, 1U);
  }
}

TEST(JsonTest, LargeObjectReportsEarliestRepeatedKey) {
  std::string text = "{";
  for (int i = 0; i < 40; ++i) {
    text += "\"k" + std::to_string(i) + "\":0,";
  }
  text += "\"k30\":1,\"k2\":1,\"end\":0}";
  const Error error = MustFail(text);
  EXPECT_EQ(error.message, "duplicate key `k30`");
  EXPECT_EQ(error.location->offset, text.find("\"k30\":1"));
}

TEST(JsonTest, SmallObjectReportsDuplicateBeforeLaterSyntaxError) {
  EXPECT_THAT(MustFail(R"({"a":1,"a":2,)").message, HasSubstr("duplicate key `a`"));
}

TEST(JsonTest, StringEscapes) {
  EXPECT_EQ(MustParse(R"("\"\\\/\b\f\n\r\t")").text(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(MustParse(R"("\u0041\u00e9\u20AC")").text(), "A\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(MustParse(R"("\ud83d\ude00")").text(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(MustParse(R"("\uDBFF\uDFFF")").text(), "\xF4\x8F\xBF\xBF");
  EXPECT_EQ(MustParse(R"("\u0000")").text(), std::string(1, '\0'));
  EXPECT_EQ(MustParse(R"("a\u0000b")").text().size(), 3U);
  EXPECT_EQ(MustParse(R"("\uFFFF")").text(), "\xEF\xBF\xBF");
}

TEST(JsonTest, RejectsBadEscapes) {
  ExpectSyntaxError(R"(["\x"])", "invalid escape `\\` followed by `x` in string", 1, 3);
  ExpectSyntaxError(R"("\a")", "invalid escape", 1, 2);
  ExpectSyntaxError(R"("\U0041")", "invalid escape", 1, 2);
  ExpectSyntaxError(R"("\u12")", "invalid `\\u` escape, expected 4 hex digits", 1, 2);
  ExpectSyntaxError(R"("\u12G4")", "invalid `\\u` escape", 1, 2);
  ExpectSyntaxError("\"\\u", "invalid `\\u` escape", 1, 2);
  ExpectSyntaxError("\"\\", "unterminated escape sequence", 1, 2);
  ExpectSyntaxError(R"("ab\ud800")", "unpaired high surrogate", 1, 4);
  ExpectSyntaxError(R"("\ud800x")", "unpaired high surrogate", 1, 2);
  ExpectSyntaxError(R"("\ud800\n")", "unpaired high surrogate", 1, 2);
  ExpectSyntaxError(R"("\ud800\ud800")", "unpaired high surrogate", 1, 2);
  ExpectSyntaxError(R"("\ud800\u0041")", "unpaired high surrogate", 1, 2);
  ExpectSyntaxError(R"("\udc00")", "unpaired low surrogate", 1, 2);
  ExpectSyntaxError(R"("\ude00\ud83d")", "unpaired low surrogate", 1, 2);
  ExpectSyntaxError("\"\\ud800\\u", "unpaired high surrogate", 1, 2);
}

TEST(JsonTest, RejectsControlCharactersInStrings) {
  ExpectSyntaxError("\"a\nb\"", "unescaped control character byte 0x0a in string", 1, 3);
  ExpectSyntaxError("[\"\t\"]", "unescaped control character byte 0x09 in string", 1, 3);
  ExpectSyntaxError(std::string_view("\"\0\"", 3), "unescaped control character byte 0x00", 1, 2);
  ExpectSyntaxError("\"\x1F\"", "unescaped control character byte 0x1f", 1, 2);
  // DEL is not a control character for JSON.
  EXPECT_EQ(MustParse("\"\x7F\"").text(), "\x7F");
}

TEST(JsonTest, UnterminatedString) {
  ExpectSyntaxError("[\"abc", "unterminated string", 1, 2);
  ExpectSyntaxError("{\"abc", "unterminated string", 1, 2);
  ExpectSyntaxError("\"abc\\\"", "unterminated string", 1, 1);
}

TEST(JsonTest, AcceptsValidUtf8) {
  for (const char* text : {
           "\"\xC2\x80\"",          // U+0080
           "\"\xDF\xBF\"",          // U+07FF
           "\"\xE0\xA0\x80\"",      // U+0800
           "\"\xED\x9F\xBF\"",      // U+D7FF
           "\"\xEE\x80\x80\"",      // U+E000
           "\"\xEF\xBF\xBF\"",      // U+FFFF
           "\"\xF0\x90\x80\x80\"",  // U+10000
           "\"\xF4\x8F\xBF\xBF\"",  // U+10FFFF
           "\"caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80\"",
       }) {
    const JsonValue value = MustParse(text);
    std::string expected(text + 1);
    expected.pop_back();
    EXPECT_EQ(value.text(), expected);
  }
}

TEST(JsonTest, RejectsInvalidUtf8) {
  for (const char* text : {
           "\"\x80\"",              // lone continuation
           "\"\xBF\"",              // lone continuation
           "\"\xC0\xAF\"",          // overlong '/'
           "\"\xC1\xBF\"",          // overlong
           "\"\xE0\x80\xAF\"",      // overlong 3-byte
           "\"\xE0\x9F\xBF\"",      // overlong 3-byte
           "\"\xF0\x80\x80\xAF\"",  // overlong 4-byte
           "\"\xF0\x8F\xBF\xBF\"",  // overlong 4-byte
           "\"\xED\xA0\x80\"",      // U+D800 surrogate
           "\"\xED\xBF\xBF\"",      // U+DFFF surrogate
           "\"\xF4\x90\x80\x80\"",  // U+110000
           "\"\xF5\x80\x80\x80\"",  // invalid lead
           "\"\xFF\"",              // invalid byte
           "\"\xFE\"",              // invalid byte
           "\"\xC3\"",              // truncated, then quote
           "\"\xE2\x82\"",          // truncated
           "\"\xF0\x9F\x98\"",      // truncated
           "\"\xC3\x28\"",          // bad continuation
           "\"\xE2\x28\xA1\"",      // bad continuation
       }) {
    SCOPED_TRACE(text);
    const Error error = MustFail(text);
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(error.message, "invalid utf-8 in string");
    ASSERT_TRUE(error.location.has_value());
    EXPECT_EQ(error.location->column, 2U);
  }
  // Truncated at end of input.
  EXPECT_EQ(MustFail("\"\xE2\x82").message, "invalid utf-8 in string");
  // Invalid bytes outside strings.
  EXPECT_EQ(MustFail("\xC3\xA9").message, "expected a value, found byte 0xc3");
}

TEST(JsonTest, MaxBytes) {
  JsonLimits limits;
  limits.max_bytes = 10;
  EXPECT_TRUE(MustParse("[1,2,3,45]", limits).is_array());
  const Error error = MustFail("[1,2,3,456]", limits);
  EXPECT_EQ(error.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(error.message, "document is 11 bytes, over the limit of 10");
}

std::string Nested(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(JsonTest, MaxDepth) {
  JsonLimits limits;
  limits.max_depth = 3;
  EXPECT_TRUE(MustParse("[[[1]]]", limits).is_array());
  EXPECT_TRUE(MustParse(R"({"a":{"b":[]}})", limits).is_object());
  Error error = MustFail("[[[[1]]]]", limits);
  EXPECT_EQ(error.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(error.message, "nesting deeper than 3 levels");
  ASSERT_TRUE(error.location.has_value());
  EXPECT_EQ(error.location->column, 4U);
  error = MustFail(R"({"a":[{"b":[1]}]})", limits);
  EXPECT_EQ(error.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(error.location->column, 12U);

  EXPECT_TRUE(MustParse(Nested(64)).is_array());  // the default limit
  EXPECT_EQ(MustFail(Nested(65)).code, ErrorCode::kResourceExhausted);
}

TEST(JsonTest, MaxDepthIsClampedSoRecursionStaysBounded) {
  JsonLimits limits;
  limits.max_depth = 1'000'000;
  limits.max_bytes = 1'000'000;
  EXPECT_TRUE(MustParse(Nested(500), limits).is_array());
  const Error error = MustFail(Nested(100'000), limits);
  EXPECT_EQ(error.code, ErrorCode::kResourceExhausted);
  EXPECT_THAT(error.message, HasSubstr("nesting deeper than"));
}

TEST(JsonTest, DeepNestingReturnsErrorNotCrash) {
  const std::string opens(100'000, '[');
  Error error = MustFail(opens);
  EXPECT_EQ(error.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(error.message, "nesting deeper than 64 levels");
  ASSERT_TRUE(error.location.has_value());
  EXPECT_EQ(error.location->offset, 64U);

  std::string objects;
  for (int i = 0; i < 100'000; ++i) {
    objects += "{\"a\":";
  }
  error = MustFail(objects);
  EXPECT_EQ(error.code, ErrorCode::kResourceExhausted);
}

TEST(JsonTest, MaxStringBytes) {
  JsonLimits limits;
  limits.max_string_bytes = 4;
  EXPECT_EQ(MustParse(R"(["abcd","\u00e9\u00e9"])", limits).items().size(), 2U);
  Error error = MustFail(R"(["abcde"])", limits);
  EXPECT_EQ(error.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(error.message, "string longer than 4 bytes");
  EXPECT_EQ(error.location->column, 2U);
  // Counted after unescaping: six escape bytes become one, three become five.
  EXPECT_TRUE(MustParse(R"("\u0041\u0042\u0043\u0044")", limits).is_string());
  EXPECT_EQ(MustFail(R"("\u00e9\u00e9a")", limits).code, ErrorCode::kResourceExhausted);
  // Keys count too.
  EXPECT_EQ(MustFail(R"({"abcde":1})", limits).code, ErrorCode::kResourceExhausted);
}

TEST(JsonTest, MaxElements) {
  JsonLimits limits;
  limits.max_elements = 4;
  EXPECT_TRUE(MustParse("[1,2,[3]]", limits).is_array());              // 4
  EXPECT_TRUE(MustParse(R"({"a":1,"b":[1,2]})", limits).is_object());  // 4
  Error error = MustFail("[1,2,[3,4]]", limits);
  EXPECT_EQ(error.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(error.message, "more than 4 array items and object members in document");
  EXPECT_EQ(error.location->column, 9U);
  EXPECT_EQ(MustFail(R"({"a":1,"b":2,"c":3,"d":4,"e":5})", limits).code,
            ErrorCode::kResourceExhausted);
}

TEST(JsonTest, DefaultElementLimitBoundsHugeArrays) {
  std::string text = "[";
  for (int i = 0; i < 70'000; ++i) {
    text += "0,";
  }
  text += "0]";
  EXPECT_EQ(MustFail(text).code, ErrorCode::kResourceExhausted);
}

TEST(JsonTest, Serialize) {
  EXPECT_EQ(SerializeJson(MustParse(" { \"a\" : [ 1 , -2.5e3 , true , false , null ] ,\n"
                                    " \"b\" : { } , \"c\" : [ ] , \"d\" : \"x\" } ")),
            R"({"a":[1,-2.5e3,true,false,null],"b":{},"c":[],"d":"x"})");
  EXPECT_EQ(SerializeJson(JsonValue()), "null");
  EXPECT_EQ(SerializeJson(JsonValue::Object(
                {{"k", JsonValue::Array({JsonValue::Number("1"), JsonValue::String("v")})}})),
            R"({"k":[1,"v"]})");
}

TEST(JsonTest, AppendJsonStringEscapes) {
  std::string out = "x=";
  AppendJsonString(out, std::string_view("a\"b\\c/\n\t\x01\x1f\x7f\0", 12));
  EXPECT_EQ(out, "x=\"a\\\"b\\\\c/\\u000a\\u0009\\u0001\\u001f\x7f\\u0000\"");
  out.clear();
  AppendJsonString(out, "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(out, "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
}

TEST(JsonTest, RoundTrip) {
  for (
      const char* text : {
          R"({"Version":"2012-10-17","Statement":[{"Sid":"1","Effect":"Allow",)"
          R"("Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*",)"
          R"("Condition":{"NumericLessThan":{"s3:max-keys":"10"},"Bool":{"aws:SecureTransport":false}}}]})",
          R"(["\u0000\u001f\"\\\/\b\f\n\r\t","\ud83d\ude00",1e10,-0,0.25,[[]],{}])",
          R"("caf\u00e9 日本")",
          "  [ 1 ,\n 2 ]  ",
      }) {
    SCOPED_TRACE(text);
    const JsonValue first = MustParse(text);
    const std::string once = SerializeJson(first);
    const JsonValue second = MustParse(once);
    EXPECT_EQ(SerializeJson(second), once);
  }
}

TEST(JsonTest, JsonTypeNames) {
  EXPECT_EQ(JsonTypeName(JsonType::kNull), "null");
  EXPECT_EQ(JsonTypeName(JsonType::kBool), "boolean");
  EXPECT_EQ(JsonTypeName(JsonType::kNumber), "number");
  EXPECT_EQ(JsonTypeName(JsonType::kString), "string");
  EXPECT_EQ(JsonTypeName(JsonType::kArray), "array");
  EXPECT_EQ(JsonTypeName(JsonType::kObject), "object");
  EXPECT_EQ(MustParse("{}").type(), JsonType::kObject);
}

TEST(JsonTest, Builders) {
  const JsonPosition pos{5, 2, 3};
  const JsonValue value = JsonValue::Bool(true, pos);
  EXPECT_TRUE(value.is_bool());
  EXPECT_EQ(value.position().offset, 5U);
  EXPECT_EQ(value.position().line, 2U);
  EXPECT_EQ(value.position().column, 3U);
  EXPECT_TRUE(JsonValue::Null().is_null());
  EXPECT_EQ(JsonValue::Number("7").text(), "7");
  EXPECT_EQ(JsonValue::String("s").text(), "s");
  EXPECT_TRUE(JsonValue::Array({}).is_array());
  const JsonValue object =
      JsonValue::Object({{"a", JsonValue::Null()}, {"b", JsonValue::Bool(false)}});
  ASSERT_NE(object.Find("b"), nullptr);
  EXPECT_TRUE(object.Find("b")->is_bool());
}

TEST(JsonTest, LongInputIsLinear) {
  // A maximal default-size document of strings parses quickly (a quadratic
  // reader would take minutes here).
  std::string text = "[";
  const std::string item = "\"" + std::string(1000, 'x') + "\",";
  while (text.size() + item.size() + 4 < (1U << 20)) {
    text += item;
  }
  text += "\"\"]";
  EXPECT_TRUE(MustParse(text).is_array());
  const std::string big_string = "\"" + std::string(60'000, 'y') + "\"";
  EXPECT_EQ(MustParse(big_string).text().size(), 60'000U);
}

}  // namespace
}  // namespace portcullis::policy
