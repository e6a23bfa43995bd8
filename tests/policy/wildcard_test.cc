#include "policy/wildcard.h"

#include <cstddef>
#include <gtest/gtest.h>
#include <random>
#include <regex>
#include <string>
#include <string_view>

namespace portcullis::policy {
namespace {

bool CompiledMatch(std::string_view pattern, std::string_view text) {
  return WildcardPattern::Compile(pattern).Matches(text);
}

// Both matchers must agree on every case.
void ExpectMatch(std::string_view pattern, std::string_view text, bool expected) {
  EXPECT_EQ(CompiledMatch(pattern, text), expected)
      << "compiled pattern `" << pattern << "` text `" << text << "`";
  EXPECT_EQ(WildcardMatch(pattern, text), expected)
      << "one-off pattern `" << pattern << "` text `" << text << "`";
}

TEST(WildcardTest, Literal) {
  ExpectMatch("s3:GetObject", "s3:GetObject", true);
  ExpectMatch("s3:GetObject", "s3:getobject", false);
  ExpectMatch("s3:GetObject", "s3:GetObjectAcl", false);
  ExpectMatch("s3:GetObject", "s3:GetObjec", false);
  ExpectMatch("", "", true);
  ExpectMatch("", "a", false);
  EXPECT_TRUE(WildcardPattern::Compile("abc").IsLiteral());
  EXPECT_FALSE(WildcardPattern::Compile("a*c").IsLiteral());
  EXPECT_FALSE(WildcardPattern::Compile("a?c").IsLiteral());
  EXPECT_TRUE(WildcardPattern().Matches(""));
  EXPECT_FALSE(WildcardPattern().Matches("x"));
}

TEST(WildcardTest, StarAlone) {
  ExpectMatch("*", "", true);
  ExpectMatch("*", "anything:at/all", true);
  ExpectMatch("***", "", true);
  ExpectMatch("**", "x", true);
}

TEST(WildcardTest, Prefix) {
  ExpectMatch("s3:Get*", "s3:Get", true);
  ExpectMatch("s3:Get*", "s3:GetObject", true);
  ExpectMatch("s3:Get*", "s3:Put", false);
  ExpectMatch("s3:Get*", "s3:Ge", false);
  ExpectMatch("s3:Get**", "s3:GetX", true);
}

TEST(WildcardTest, Suffix) {
  ExpectMatch("*.txt", ".txt", true);
  ExpectMatch("*.txt", "a/b/c.txt", true);
  ExpectMatch("*.txt", "a.txt.bak", false);
  ExpectMatch("*.txt", "txt", false);
}

TEST(WildcardTest, Contains) {
  ExpectMatch("*home*", "home", true);
  ExpectMatch("*home*", "/x/home/y", true);
  ExpectMatch("*home*", "hom", false);
  ExpectMatch("**home**", "ahomeb", true);
}

TEST(WildcardTest, StarCrossesSeparators) {
  ExpectMatch("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", true);
  ExpectMatch("arn:*:s3", "arn:aws:iam::123:s3", true);
  ExpectMatch("a*b", "a/:/b", true);
}

TEST(WildcardTest, Question) {
  ExpectMatch("?", "a", true);
  ExpectMatch("?", "", false);
  ExpectMatch("?", "ab", false);
  ExpectMatch("a?c", "abc", true);
  ExpectMatch("a?c", "a/c", true);
  ExpectMatch("a?c", "ac", false);
  ExpectMatch("table/acme-*-prod-v?", "table/acme-orders-prod-v2", true);
  ExpectMatch("table/acme-*-prod-v?", "table/acme-orders-prod-v", false);
  ExpectMatch("table/acme-*-prod-v?", "table/acme--prod-v2", true);
  ExpectMatch("table/acme-*-prod-v?", "table/acme-orders-prod-v12", false);
  // `?` is one byte: "é" is two bytes in UTF-8.
  ExpectMatch("caf?", "caf\xc3\xa9", false);
  ExpectMatch("caf??", "caf\xc3\xa9", true);
}

TEST(WildcardTest, MiddleSegmentsWithQuestion) {
  ExpectMatch("*a?c*", "xxabcxx", true);
  ExpectMatch("*a?c*", "xxacxx", false);
  ExpectMatch("x*a?c*y", "xaacacy", true);
  ExpectMatch("x*?*y", "xy", false);
  ExpectMatch("x*?*y", "xzy", true);
  ExpectMatch("*??*??*", "abc", false);
  ExpectMatch("*??*??*", "abcd", true);
}

TEST(WildcardTest, HeadAndTailMustNotOverlap) {
  ExpectMatch("ab*ba", "aba", false);
  ExpectMatch("ab*ba", "abba", true);
  ExpectMatch("a*a", "a", false);
  ExpectMatch("a*a", "aa", true);
  ExpectMatch("a?*?a", "aaa", false);
}

TEST(WildcardTest, LongQuestionSegmentUsesFallback) {
  // A middle segment of 70 bytes with a `?`: longer than the bitap word.
  std::string segment(69, 'a');
  segment.insert(segment.begin() + 30, '?');
  const std::string pattern = "x*" + segment + "*y";
  std::string text = "x" + std::string(30, 'a') + "Q" + std::string(39, 'a') + "y";
  text[1 + 10] = 'b';
  ExpectMatch(pattern, text, false);
  ExpectMatch(pattern, "x" + std::string(69, 'a') + "y", false);
  ExpectMatch(pattern, "x" + text + std::string(70, 'a') + "y", true);
  std::string good = "x" + std::string(30, 'a') + "Q" + std::string(39, 'a') + "y";
  ExpectMatch(pattern, good, true);
  // Exactly 64 bytes uses bitap.
  std::string segment64(63, 'b');
  segment64.insert(segment64.begin(), '?');
  ExpectMatch("*" + segment64 + "*", "zz" + std::string(64, 'b') + "zz", true);
  ExpectMatch("*" + segment64 + "*", "zz" + std::string(63, 'b'), true);
  ExpectMatch("*" + segment64 + "*", std::string(63, 'b'), false);
}

TEST(WildcardTest, CopiesAndMovesStayValid) {
  // Short patterns live in the string's inline buffer; segments must not point there.
  WildcardPattern original = WildcardPattern::Compile("a?*b?c*d");
  WildcardPattern copy = original;
  WildcardPattern moved = std::move(original);
  EXPECT_TRUE(copy.Matches("axbycd"));
  EXPECT_TRUE(moved.Matches("axzzbycZZd"));
  EXPECT_FALSE(moved.Matches("axzzbyZZd"));
  EXPECT_EQ(copy.pattern(), "a?*b?c*d");
}

TEST(WildcardTest, HasWildcard) {
  EXPECT_FALSE(HasWildcard("abc"));
  EXPECT_TRUE(HasWildcard("a*"));
  EXPECT_TRUE(HasWildcard("?"));
}

TEST(WildcardTest, PathologicalPatternIsLinear) {
  const std::string text(100000, 'a');
  const WildcardPattern pattern = WildcardPattern::Compile("*a*a*a*a*a*a*a*a*b");
  EXPECT_FALSE(pattern.Matches(text));
  EXPECT_TRUE(pattern.Matches(text + "b"));
  const WildcardPattern question = WildcardPattern::Compile("*a?a*a?a*?b");
  EXPECT_FALSE(question.Matches(text));
}

std::string RandomString(std::mt19937& rng, std::string_view alphabet, std::size_t max_length) {
  std::uniform_int_distribution<std::size_t> length(0, max_length);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string result;
  const std::size_t n = length(rng);
  for (std::size_t i = 0; i < n; ++i) {
    result += alphabet[pick(rng)];
  }
  return result;
}

std::string RegexFor(std::string_view pattern) {
  std::string re;
  for (const char c : pattern) {
    if (c == '*') {
      re += "[\\s\\S]*";
    } else if (c == '?') {
      re += "[\\s\\S]";
    } else if (c == 'a' || c == 'b') {
      re += c;
    } else {
      re += '\\';
      re += c;
    }
  }
  return re;
}

TEST(WildcardTest, DifferentialAgainstRegex) {
  std::mt19937 rng(20240611);
  constexpr std::string_view kPatternAlphabet = "ab*?/:";
  constexpr std::string_view kTextAlphabet = "ab/:";
  int matches = 0;
  for (int round = 0; round < 3000; ++round) {
    const std::string pattern = RandomString(rng, kPatternAlphabet, 9);
    const std::regex reference(RegexFor(pattern));
    const WildcardPattern compiled = WildcardPattern::Compile(pattern);
    for (int t = 0; t < 8; ++t) {
      const std::string text = RandomString(rng, kTextAlphabet, 12);
      const bool expected = std::regex_match(text, reference);
      matches += expected ? 1 : 0;
      ASSERT_EQ(compiled.Matches(text), expected)
          << "pattern `" << pattern << "` text `" << text << "`";
      ASSERT_EQ(WildcardMatch(pattern, text), expected)
          << "pattern `" << pattern << "` text `" << text << "`";
    }
  }
  // The generator must exercise both outcomes.
  EXPECT_GT(matches, 500);
}

}  // namespace
}  // namespace portcullis::policy
