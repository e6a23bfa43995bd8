// Password hashing: argon2id encoding, verification, salts, malformed hashes.
#include "crypto/password_hash.h"

#include <gtest/gtest.h>
#include <string>

namespace portcullis::crypto {
namespace {

TEST(PasswordHashTest, HashIsArgon2idAndVerifies) {
  auto hash = HashPassword("correct horse battery staple");
  ASSERT_TRUE(hash.has_value());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(VerifyPassword("correct horse battery staple", *hash));
}

TEST(PasswordHashTest, WrongPasswordDoesNotVerify) {
  auto hash = HashPassword("Secret-Pa55");
  ASSERT_TRUE(hash.has_value());
  EXPECT_FALSE(VerifyPassword("Secret-Pa56", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
  EXPECT_FALSE(VerifyPassword("secret-pa55", *hash));
}

TEST(PasswordHashTest, SaltsDiffer) {
  auto a = HashPassword("same password");
  auto b = HashPassword("same password");
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword("same password", *a));
  EXPECT_TRUE(VerifyPassword("same password", *b));
}

TEST(PasswordHashTest, EmptyAndBinaryPasswords) {
  auto empty = HashPassword("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(VerifyPassword("", *empty));
  const std::string binary("a\0b", 3);
  auto hash = HashPassword(binary);
  ASSERT_TRUE(hash.has_value());
  EXPECT_TRUE(VerifyPassword(binary, *hash));
  EXPECT_FALSE(VerifyPassword("a", *hash));
}

TEST(PasswordHashTest, MalformedHashesDoNotVerify) {
  EXPECT_FALSE(VerifyPassword("x", ""));
  EXPECT_FALSE(VerifyPassword("x", "$argon2id$garbage"));
  EXPECT_FALSE(VerifyPassword("x", std::string(1000, 'a')));
}

}  // namespace
}  // namespace portcullis::crypto
