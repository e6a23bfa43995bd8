#include "api/protocol/model_pattern.h"

#include <array>
#include <gtest/gtest.h>
#include <random>
#include <regex>
#include <set>
#include <string>

#include "api/protocol/service_model.h"

namespace portcullis::api::protocol {
namespace {

bool Match(std::string_view pattern, std::string_view value) {
  auto compiled = ModelPattern::Compile(pattern);
  EXPECT_TRUE(compiled.has_value()) << pattern << ": " << compiled.error().ToString();
  return compiled.has_value() && compiled->Matches(value);
}

TEST(ModelPatternTest, EveryPatternOfBothModelsCompiles) {
  // LoadServiceModel compiles every pattern; count them so a silent skip shows.
  std::set<std::string> sources;
  for (const ServiceModel* model : {&IamModel(), &StsModel()}) {
    for (const auto& [name, shape] : model->shapes()) {
      if (shape->pattern.has_value()) {
        sources.insert(shape->pattern->source());
        EXPECT_GT(shape->pattern->program_size(), 0U) << name;
      }
    }
  }
  EXPECT_GE(sources.size(), 35U);
  for (const std::string& s : sources) {
    EXPECT_TRUE(ModelPattern::Compile(s).has_value()) << s;
  }
}

TEST(ModelPatternTest, UserNamePattern) {
  const std::string p = R"([\w+=,.@-]+)";
  EXPECT_TRUE(Match(p, "alice"));
  EXPECT_TRUE(Match(p, "a.b+c=d,e@f-g_h"));
  EXPECT_FALSE(Match(p, ""));
  EXPECT_FALSE(Match(p, "bad name"));
  EXPECT_FALSE(Match(p, "bad/name"));
  EXPECT_FALSE(Match(p, "caf\xc3\xa9"));  // \w is ASCII in Java
}

TEST(ModelPatternTest, PathPatterns) {
  const std::string p = R"((\u002F)|(\u002F[\u0021-\u007E]+\u002F))";
  EXPECT_TRUE(Match(p, "/"));
  EXPECT_TRUE(Match(p, "/division_abc/subdivision_xyz/"));
  EXPECT_FALSE(Match(p, "/a"));
  EXPECT_FALSE(Match(p, "a/"));
  EXPECT_FALSE(Match(p, "/a b/"));
  const std::string prefix = R"(\u002F[\u0021-\u007F]*)";
  EXPECT_TRUE(Match(prefix, "/"));
  EXPECT_TRUE(Match(prefix, "/engineering"));
  EXPECT_FALSE(Match(prefix, "engineering"));
}

TEST(ModelPatternTest, TagPatternUsesUnicodeCategories) {
  const std::string p = R"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)";
  EXPECT_TRUE(Match(p, ""));
  EXPECT_TRUE(Match(p, "Cost Center: 12/34"));
  EXPECT_TRUE(Match(p, "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac"));  // été 日本
  EXPECT_TRUE(Match(p, "\xd9\xa3"));                                    // Arabic-Indic digit three
  EXPECT_FALSE(Match(p, "Hyperswitch UCS (Unified)"));
  EXPECT_FALSE(Match(p, "a,b"));
}

TEST(ModelPatternTest, SupplementaryRangeOfRoleSessionPolicy) {
  const std::string p =
      R"([\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+)";
  EXPECT_TRUE(Match(p, "{\"Version\":\"2012-10-17\"}\n"));
  EXPECT_TRUE(Match(p, "\xf0\x9f\x98\x80"));  // U+1F600
  EXPECT_FALSE(Match(p, std::string("\x01", 1)));
}

TEST(ModelPatternTest, AccountAliasLookahead) {
  const std::string p = R"(^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$)";
  EXPECT_TRUE(Match(p, "my-alias"));
  EXPECT_TRUE(Match(p, "abc"));
  EXPECT_FALSE(Match(p, "my--alias"));
  EXPECT_FALSE(Match(p, "-abc"));
  EXPECT_FALSE(Match(p, "abc-"));
  EXPECT_FALSE(Match(p, "ab"));
  EXPECT_FALSE(Match(p, "Upper"));
  EXPECT_TRUE(Match(p, std::string(63, 'a')));
  EXPECT_FALSE(Match(p, std::string(64, 'a')));
}

TEST(ModelPatternTest, OtherModelShapes) {
  EXPECT_TRUE(Match(R"(\d{12})", "123456789012"));
  EXPECT_FALSE(Match(R"(\d{12})", "12345678901"));
  EXPECT_TRUE(Match(R"(v[1-9][0-9]*(\.[A-Za-z0-9-]*)?)", "v12"));
  EXPECT_TRUE(Match(R"(v[1-9][0-9]*(\.[A-Za-z0-9-]*)?)", "v1.abc-d"));
  EXPECT_FALSE(Match(R"(v[1-9][0-9]*(\.[A-Za-z0-9-]*)?)", "v0"));
  EXPECT_TRUE(Match(R"([ -~]+)", "Hello, world ~"));
  EXPECT_FALSE(Match(R"([ -~]+)", "tab\there"));
  EXPECT_TRUE(Match(R"(((/[A-Za-z0-9\.,\+@=_-]+)*)/)", "/a/b.c/"));
  EXPECT_TRUE(Match(R"(((/[A-Za-z0-9\.,\+@=_-]+)*)/)", "/"));
  EXPECT_FALSE(Match(R"(((/[A-Za-z0-9\.,\+@=_-]+)*)/)", "/a//"));
  EXPECT_TRUE(Match(R"(^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}[0-9a-z-\/]*)",
                    "o-abcdefghij/r-ab12/ou-ab12-abcdefgh/"));
  EXPECT_TRUE(Match(R"(^http(s?)://[a-zA-Z0-9._/-]*(\?[a-zA-Z0-9._=&-]*)?(#[a-zA-Z0-9._/-]*)?$)",
                    "https://example.com/path?a=b#frag"));
  EXPECT_FALSE(Match(R"(^http(s?)://[a-zA-Z0-9._/-]*)", "ftp://example.com"));
}

TEST(ModelPatternTest, RejectsSyntaxOutsideTheSubset) {
  for (const char* bad : {"(", "[a", "a{2", "*a", "(?=a)", "(?!ab)", "\\1", "[a[b]]", "\\p{Lu}",
                          "a++", "\\q", "a{5,2}", "a{99999}"}) {
    EXPECT_FALSE(ModelPattern::Compile(bad).has_value()) << bad;
  }
}

TEST(ModelPatternTest, ProgramSizeIsBounded) {
  EXPECT_FALSE(ModelPattern::Compile("((a{1000}){1000})").has_value());
}

TEST(ModelPatternTest, LinearOnAdversarialInput) {
  // (a*)*b is exponential for a backtracker.
  const std::string input(20000, 'a');
  EXPECT_FALSE(Match("(a*)*b", input));
  EXPECT_TRUE(Match("(a*)*", input));
}

TEST(ModelPatternTest, AgreesWithStdRegexOnAsciiPatterns) {
  const std::array<const char*, 8> patterns = {
      R"([\w+=,.@-]+)",   R"([\w+=/:,.@-]*)",
      R"(\d{12})",        R"(v[1-9][0-9]*(\.[A-Za-z0-9-]*)?)",
      R"([A-Z0-9]+)",     R"((/[A-Za-z0-9\.,\+@=_-]+)*/)",
      R"(a(b|c){1,3}d?)", R"([^a-c]x*)"};
  const std::string alphabet = "abcxdAZ09_+=,.@-/: v";
  std::mt19937 rng(42);
  for (const char* p : patterns) {
    const std::regex reference(p);
    auto compiled = ModelPattern::Compile(p);
    ASSERT_TRUE(compiled.has_value()) << p;
    for (int i = 0; i < 2000; ++i) {
      std::string s;
      const int len = static_cast<int>(rng() % 8);
      for (int j = 0; j < len; ++j) {
        s.push_back(alphabet[rng() % alphabet.size()]);
      }
      EXPECT_EQ(compiled->Matches(s), std::regex_match(s, reference)) << p << " on `" << s << "`";
    }
  }
}

TEST(Utf8Test, LossyDecodingAndLength) {
  EXPECT_EQ(DecodeUtf8Lossy("a\xc3\xa9"), U"a\u00e9");
  EXPECT_EQ(DecodeUtf8Lossy("\xff"), U"\ufffd");
  EXPECT_EQ(DecodeUtf8Lossy("\xc0\xaf"), U"\ufffd\ufffd");  // overlong
  EXPECT_EQ(SanitizeUtf8("ok\xffok"), "ok\xef\xbf\xbdok");
  EXPECT_EQ(Utf16Length("\xf0\x9f\x98\x80"), 2U);
  EXPECT_EQ(Utf16Length("\xc3\xa9"), 1U);
}

}  // namespace
}  // namespace portcullis::api::protocol
