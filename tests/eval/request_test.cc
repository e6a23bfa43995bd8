#include "eval/request.h"

#include <cstddef>
#include <cstdint>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace portcullis::eval {
namespace {

using ::testing::ElementsAre;

TEST(RequestContextTest, FindIgnoresAsciiCase) {
  RequestContext ctx;
  ctx.Set("aws:SourceIp", "10.0.0.1");
  for (const char* key : {"aws:SourceIp", "AWS:SOURCEIP", "aws:sourceip", "Aws:SourceIP"}) {
    const ContextEntry* e = ctx.Find(key);
    ASSERT_NE(e, nullptr) << key;
    EXPECT_EQ(e->key_lower, "aws:sourceip");
    EXPECT_EQ(e->hash, HashKeyIgnoreCase("aws:sourceip"));
    EXPECT_THAT(e->values, ElementsAre("10.0.0.1"));
    EXPECT_FALSE(e->multivalued);
  }
  EXPECT_EQ(ctx.Find("aws:SourceIps"), nullptr);
  EXPECT_EQ(ctx.Find(""), nullptr);
}

TEST(RequestContextTest, FindHashedTakesLowercaseKeyAndHash) {
  RequestContext ctx;
  ctx.Set("s3:Prefix", "home/");
  EXPECT_NE(ctx.FindHashed("s3:prefix", HashKeyIgnoreCase("s3:prefix")), nullptr);
  EXPECT_EQ(ctx.FindHashed("s3:prefix", HashKeyIgnoreCase("s3:prefix") + 1), nullptr);
  EXPECT_EQ(ctx.FindHashed("s3:prefiy", HashKeyIgnoreCase("s3:prefix")), nullptr);
}

TEST(RequestContextTest, SetReplacesAValueGivenInAnyCase) {
  RequestContext ctx;
  ctx.Set("aws:username", "alice");
  ctx.Set("AWS:UserName", "bob");
  ASSERT_EQ(ctx.entries().size(), 1u);
  const ContextEntry* e = ctx.Find("aws:username");
  ASSERT_NE(e, nullptr);
  EXPECT_THAT(e->values, ElementsAre("bob"));
  EXPECT_EQ(e->key, "AWS:UserName");  // the key as last given
  EXPECT_FALSE(e->multivalued);
}

TEST(RequestContextTest, SetMultiReplacesAndSetTurnsItBackToSingle) {
  RequestContext ctx;
  ctx.Set("aws:TagKeys", "a");
  ctx.SetMulti("aws:tagkeys", {"x", "y", "z"});
  ASSERT_EQ(ctx.entries().size(), 1u);
  const ContextEntry* e = ctx.Find("AWS:TAGKEYS");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->multivalued);
  EXPECT_THAT(e->values, ElementsAre("x", "y", "z"));

  ctx.Set("aws:TagKeys", "only");
  e = ctx.Find("aws:TagKeys");
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->multivalued);
  EXPECT_THAT(e->values, ElementsAre("only"));
}

TEST(RequestContextTest, SetMultiWithEmptyListIsPresentAndEmpty) {
  RequestContext ctx;
  ctx.SetMulti("aws:TagKeys", {});
  const ContextEntry* e = ctx.Find("aws:tagkeys");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->multivalued);
  EXPECT_TRUE(e->values.empty());
}

TEST(RequestContextTest, EraseRemovesOnlyThatKeyInAnyCase) {
  RequestContext ctx;
  ctx.Set("k1", "v1");
  ctx.Set("K2", "v2");
  ctx.SetMulti("k3", {"a", "b"});
  ctx.Erase("k2");
  EXPECT_EQ(ctx.Find("k2"), nullptr);
  ASSERT_EQ(ctx.entries().size(), 2u);
  ASSERT_NE(ctx.Find("K1"), nullptr);
  ASSERT_NE(ctx.Find("k3"), nullptr);
  EXPECT_THAT(ctx.Find("k3")->values, ElementsAre("a", "b"));
  // The hashed lookup still finds the entries that moved.
  EXPECT_NE(ctx.FindHashed("k3", HashKeyIgnoreCase("k3")), nullptr);
  EXPECT_EQ(ctx.FindHashed("k2", HashKeyIgnoreCase("k2")), nullptr);

  ctx.Erase("absent");
  EXPECT_EQ(ctx.entries().size(), 2u);
  ctx.Erase("K1");
  ctx.Erase("K3");
  EXPECT_TRUE(ctx.entries().empty());
  EXPECT_EQ(ctx.Find("k1"), nullptr);

  ctx.Set("k1", "again");
  ASSERT_NE(ctx.Find("k1"), nullptr);
  EXPECT_THAT(ctx.Find("k1")->values, ElementsAre("again"));
}

TEST(RequestContextTest, ManyKeysStayDistinct) {
  RequestContext ctx;
  for (int i = 0; i < 100; ++i) {
    ctx.Set("Key" + std::to_string(i), std::to_string(i));
  }
  ASSERT_EQ(ctx.entries().size(), 100u);
  for (int i = 0; i < 100; ++i) {
    const ContextEntry* e = ctx.Find("kEY" + std::to_string(i));
    ASSERT_NE(e, nullptr) << i;
    EXPECT_THAT(e->values, ElementsAre(std::to_string(i)));
  }
}

// Every ASCII letter position flipped to the other case, at each length 0..40 (the
// hash reads eight bytes at a time, so this crosses every tail length).
TEST(HashKeyIgnoreCaseTest, EqualAcrossAsciiCaseAtEveryLength) {
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:/-_0123";
  for (std::size_t len = 0; len <= 40; ++len) {
    std::string lower;
    for (std::size_t i = 0; i < len; ++i) {
      lower.push_back(alphabet[(i * 7 + len) % 26]);
    }
    std::string upper = lower;
    std::string mixed = lower;
    for (std::size_t i = 0; i < len; ++i) {
      upper[i] = static_cast<char>(upper[i] - 'a' + 'A');
      if (i % 3 == 0) {
        mixed[i] = static_cast<char>(mixed[i] - 'a' + 'A');
      }
    }
    EXPECT_EQ(HashKeyIgnoreCase(lower), HashKeyIgnoreCase(upper)) << len;
    EXPECT_EQ(HashKeyIgnoreCase(lower), HashKeyIgnoreCase(mixed)) << len;
  }
}

TEST(HashKeyIgnoreCaseTest, DifferentForDifferentStringsAtEveryLength) {
  std::set<std::uint64_t> seen;
  std::size_t count = 0;
  for (std::size_t len = 0; len <= 40; ++len) {
    const std::string base(len, 'k');
    EXPECT_TRUE(seen.insert(HashKeyIgnoreCase(base)).second) << "base length " << len;
    ++count;
    for (std::size_t pos = 0; pos < len; ++pos) {
      std::string changed = base;
      changed[pos] = 'j';
      EXPECT_NE(HashKeyIgnoreCase(changed), HashKeyIgnoreCase(base)) << len << " " << pos;
    }
  }
  EXPECT_EQ(seen.size(), count);
}

// A trailing NUL must not vanish into the zero padding of the last word.
TEST(HashKeyIgnoreCaseTest, TrailingZeroBytesChangeTheHash) {
  for (std::size_t len = 0; len <= 16; ++len) {
    const std::string s(len, 'a');
    std::string with_nul = s;
    with_nul.push_back('\0');
    EXPECT_NE(HashKeyIgnoreCase(s), HashKeyIgnoreCase(with_nul)) << len;
  }
}

// Only ASCII letters fold: bytes that differ by 0x20 elsewhere stay different.
TEST(HashKeyIgnoreCaseTest, FoldsOnlyAsciiLetters) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"@", "`"},
      {"[", "{"},
      {"]", "}"},
      {"^", "~"},
      {"\\", "|"},
      {"_", "\x7f"},
      {"\xc0", "\xe0"},
      {"\xc1", "\xe1"},
      {"\xda", "\xfa"},
      {"\xc3\x84", "\xc3\xa4"},  // U+00C4 vs U+00E4 in UTF-8
      {"keyA\xc0xyzw", "keyA\xe0xyzw"},
      {"0123456789abcdef\xdb", "0123456789abcdef\xfb"},
  };
  for (const auto& [a, b] : pairs) {
    EXPECT_NE(HashKeyIgnoreCase(a), HashKeyIgnoreCase(b)) << a << " vs " << b;
  }
  // Letters next to non-ASCII bytes in the same word still fold.
  EXPECT_EQ(HashKeyIgnoreCase("\xff"
                              "ABC\x80"
                              "DEF"),
            HashKeyIgnoreCase("\xff"
                              "abc\x80"
                              "def"));
  EXPECT_EQ(HashKeyIgnoreCase("\xc3\x84Key"), HashKeyIgnoreCase("\xc3\x84KEY"));
}

TEST(HashKeyIgnoreCaseTest, NonAsciiStringsAtEveryLengthDiffer) {
  for (std::size_t len = 1; len <= 40; ++len) {
    std::string a(len, '\xc5');
    std::string b = a;
    b[len - 1] = '\xe5';  // 0xc5 | 0x20: a case fold would make them equal
    EXPECT_NE(HashKeyIgnoreCase(a), HashKeyIgnoreCase(b)) << len;
    b = a;
    b[0] = '\xc6';
    EXPECT_NE(HashKeyIgnoreCase(a), HashKeyIgnoreCase(b)) << len;
  }
}

TEST(RequestContextTest, SetFromItsOwnViewsAndGrowth) {
  RequestContext ctx;
  ctx.Set("aws:Original", "value-long-enough-to-leave-small-string-storage");
  // Values and keys that point into the context's own arena, while it grows.
  for (int i = 0; i < 50; ++i) {
    const ContextEntry* e = ctx.Find("aws:Original");
    ASSERT_NE(e, nullptr);
    ctx.Set("k" + std::to_string(i), e->values.front());
  }
  ctx.Set(ctx.Find("k7")->key, ctx.Find("k8")->values.front());
  EXPECT_EQ(ctx.Find("K7")->values.front(), "value-long-enough-to-leave-small-string-storage");
  ctx.SetMulti("aws:TagKeys", {"a", "b", "c"});
  RequestContext copy(ctx);
  ctx = RequestContext();  // the copy owns its bytes
  ASSERT_NE(copy.Find("aws:tagkeys"), nullptr);
  EXPECT_EQ(copy.Find("aws:tagkeys")->values.size(), 3u);
  EXPECT_EQ(copy.Find("k49")->values[0], "value-long-enough-to-leave-small-string-storage");
  EXPECT_EQ(copy.entries().size(), 52u);
  RequestContext assigned;
  assigned = copy;
  copy.Erase("k0");
  EXPECT_EQ(assigned.Find("k0")->values.front(), "value-long-enough-to-leave-small-string-storage");
  EXPECT_EQ(copy.Find("k0"), nullptr);
}

}  // namespace
}  // namespace portcullis::eval
