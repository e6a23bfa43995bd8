// SHA-256 against FIPS 180-4 example vectors, HMAC-SHA256 against RFC 4231, HMAC-SHA1
// against RFC 2202, hex and constant-time comparison.
#include "crypto/crypto.h"

#include <gtest/gtest.h>
#include <string>

namespace portcullis::crypto {
namespace {

std::string Bytes(std::string_view hex) {
  auto decoded = HexDecode(hex);
  EXPECT_TRUE(decoded.has_value()) << hex;
  return decoded.value_or("");
}

TEST(Sha256Test, FipsVectors) {
  EXPECT_EQ(HexLower(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexLower(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexLower(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(HexLower(Sha256("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                            "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(HexLower(Sha256(std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, BinaryInput) {
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(HexLower(Sha256(with_nul)), HexLower(Sha256("ab")));
}

struct HmacCase {
  const char* name;
  std::string key;
  std::string data;
  const char* mac_hex;
};

TEST(HmacSha256Test, Rfc4231Vectors) {
  const HmacCase cases[] = {
      {"1", std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"2", "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"3", std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"4", Bytes("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"6", std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"7", std::string(131, '\xaa'),
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const HmacCase& c : cases) {
    EXPECT_EQ(HexLower(HmacSha256(c.key, c.data)), c.mac_hex) << "RFC 4231 test case " << c.name;
  }
  // Test case 5 truncates the output to 128 bits.
  EXPECT_EQ(HexLower(HmacSha256(std::string(20, '\x0c'), "Test With Truncation")).substr(0, 32),
            "a3b6167473100ee06e0c796c2955552b");
}

TEST(HmacSha256Test, EmptyKeyAndData) {
  EXPECT_EQ(HexLower(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HmacSha1Test, Rfc2202Vectors) {
  const HmacCase cases[] = {
      {"1", std::string(20, '\x0b'), "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00"},
      {"2", "Jefe", "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
      {"3", std::string(20, '\xaa'), std::string(50, '\xdd'),
       "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
      {"4", Bytes("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
       "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
      {"6", std::string(80, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
  };
  for (const HmacCase& c : cases) {
    EXPECT_EQ(HexLower(AsBytes(HmacSha1(c.key, c.data))), c.mac_hex)
        << "RFC 2202 test case " << c.name;
  }
}

TEST(HexTest, EncodesLowercase) {
  EXPECT_EQ(HexLower(std::string_view("\x00\x7f\x80\xff", 4)), "007f80ff");
  EXPECT_EQ(HexLower(std::string_view()), "");
}

TEST(HexTest, DecodesEitherCase) {
  auto decoded = HexDecode("007F80ff");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, std::string("\x00\x7f\x80\xff", 4));
  EXPECT_EQ(HexDecode("").value_or("x"), "");
}

TEST(HexTest, RejectsOddLengthAndNonHex) {
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_EQ(HexDecode("abc").error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(HexDecode("zz").has_value());
  EXPECT_FALSE(HexDecode("0g").has_value());
}

TEST(HexTest, RoundTrips) {
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all.push_back(static_cast<char>(i));
  }
  EXPECT_EQ(HexDecode(HexLower(all)).value_or(""), all);
}

TEST(ConstantTimeEqualsTest, ComparesContentsAndSizes) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

}  // namespace
}  // namespace portcullis::crypto
