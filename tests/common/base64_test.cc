#include "common/base64.h"

#include <gtest/gtest.h>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portcullis {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::vector<std::pair<std::string_view, std::string_view>> vectors = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(EncodeBase64(plain), encoded);
    const std::optional<std::string> decoded = DecodeBase64(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64Test, PaddingOptional) {
  EXPECT_EQ(DecodeBase64("Zg").value_or("?"), "f");
  EXPECT_EQ(DecodeBase64("Zm8").value_or("?"), "fo");
  EXPECT_EQ(DecodeBase64("Zm9vYg").value_or("?"), "foob");
}

TEST(Base64Test, BinaryBytesAndFullAlphabet) {
  EXPECT_EQ(EncodeBase64(std::string("\xfb\xff\xbf", 3)), "+/+/");
  EXPECT_EQ(DecodeBase64("+/+/").value_or("?"), std::string("\xfb\xff\xbf", 3));
  EXPECT_EQ(DecodeBase64("AAA=").value_or("?"), std::string(2, '\0'));
}

TEST(Base64Test, IgnoresUnusedLowBits) {
  EXPECT_EQ(DecodeBase64("Zh==").value_or("?"), "f");
}

TEST(Base64Test, Rejects) {
  for (const std::string_view bad :
       {"Z", "Zg=", "Z===", "====", "=", "Zg=a", "Zm9v=", "Zm9vYg=", "Zm9vYg===", "Zm 9v", "Zm9v\n",
        "Zm-_", "Zm9v!", "Zg==Zg==", "=Zg=", "\xc3\xa9\xc3\xa9"}) {
    EXPECT_FALSE(DecodeBase64(bad).has_value()) << "`" << bad << "`";
  }
}

TEST(Base64Test, RoundTripRandomBytes) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t length = 0; length < 200; ++length) {
    std::string bytes;
    for (std::size_t i = 0; i < length; ++i) {
      bytes.push_back(static_cast<char>(byte(rng)));
    }
    const std::string encoded = EncodeBase64(bytes);
    EXPECT_EQ(encoded.size() % 4, 0U);
    ASSERT_EQ(DecodeBase64(encoded).value_or("?"), bytes);
    std::string unpadded = encoded;
    while (!unpadded.empty() && unpadded.back() == '=') {
      unpadded.pop_back();
    }
    ASSERT_EQ(DecodeBase64(unpadded).value_or("?"), bytes);
  }
}

}  // namespace
}  // namespace portcullis
