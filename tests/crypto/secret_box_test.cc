// SecretBox: sealing secrets at rest, and the master key file's creation and permissions.
#include "crypto/secret_box.h"

#include <unistd.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace portcullis::crypto {
namespace {

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kKeyId = "AKIAIOSFODNN7EXAMPLE";

SecretBox BoxFilledWith(std::uint8_t fill) {
  std::array<std::uint8_t, kMasterKeySize> key{};
  key.fill(fill);
  return SecretBox::FromKeyForTest(key);
}

// A fresh directory under the test temp dir, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "secret_box_test_XXXXXX");
    char* made = ::mkdtemp(templ.data());
    EXPECT_NE(made, nullptr);
    path_ = templ;
  }

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;

  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(SecretBoxTest, SealOpenRoundTrip) {
  const SecretBox box = BoxFilledWith(1);
  const std::vector<std::uint8_t> sealed = box.Seal(kSecret, kKeyId);
  auto opened = box.Open(sealed, kKeyId);
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  EXPECT_EQ(*opened, kSecret);
}

TEST(SecretBoxTest, SealedFormHidesThePlaintextAndUsesAFreshNonce) {
  const SecretBox box = BoxFilledWith(1);
  const std::vector<std::uint8_t> a = box.Seal(kSecret, kKeyId);
  const std::vector<std::uint8_t> b = box.Seal(kSecret, kKeyId);
  EXPECT_NE(a, b);
  const std::string bytes(a.begin(), a.end());
  EXPECT_EQ(bytes.find(kSecret), std::string::npos);
  // Version byte, 24-byte nonce, ciphertext, 16-byte tag.
  EXPECT_EQ(a.size(), 1 + 24 + kSecret.size() + 16);
}

TEST(SecretBoxTest, EmptyPlaintextRoundTrips) {
  const SecretBox box = BoxFilledWith(1);
  auto opened = box.Open(box.Seal("", kKeyId), kKeyId);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, "");
}

TEST(SecretBoxTest, WrongAssociatedDataDoesNotOpen) {
  const SecretBox box = BoxFilledWith(1);
  const std::vector<std::uint8_t> sealed = box.Seal(kSecret, kKeyId);
  auto opened = box.Open(sealed, "AKIAOTHEROTHEROTHER2");
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
  EXPECT_EQ(opened.error().message.find(kSecret), std::string::npos);
}

TEST(SecretBoxTest, WrongKeyDoesNotOpen) {
  const std::vector<std::uint8_t> sealed = BoxFilledWith(1).Seal(kSecret, kKeyId);
  EXPECT_FALSE(BoxFilledWith(2).Open(sealed, kKeyId).has_value());
}

TEST(SecretBoxTest, AnyTamperedByteDoesNotOpen) {
  const SecretBox box = BoxFilledWith(1);
  const std::vector<std::uint8_t> sealed = box.Seal(kSecret, kKeyId);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    std::vector<std::uint8_t> tampered = sealed;
    tampered[i] ^= 0x01;
    EXPECT_FALSE(box.Open(tampered, kKeyId).has_value()) << "byte " << i;
  }
}

TEST(SecretBoxTest, TruncatedOrEmptyDoesNotOpen) {
  const SecretBox box = BoxFilledWith(1);
  std::vector<std::uint8_t> sealed = box.Seal(kSecret, kKeyId);
  sealed.pop_back();
  EXPECT_FALSE(box.Open(sealed, kKeyId).has_value());
  EXPECT_FALSE(box.Open({}, kKeyId).has_value());
}

TEST(SecretBoxTest, FromBase64AcceptsA32ByteKeyOnly) {
  // 32 bytes of 0x01 in base64.
  const std::string key32 = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
  auto box = SecretBox::FromBase64(key32);
  ASSERT_TRUE(box.has_value()) << box.error().message;
  // Same key as BoxFilledWith(1): what one seals the other opens.
  auto opened = box->Open(BoxFilledWith(1).Seal(kSecret, kKeyId), kKeyId);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, kSecret);
  EXPECT_FALSE(SecretBox::FromBase64("AQEB").has_value());
  EXPECT_FALSE(SecretBox::FromBase64("not base64 at all!").has_value());
}

TEST(SecretBoxTest, KeyFileIsCreatedWithMode0600AndReadBack) {
  TempDir dir;
  const std::filesystem::path path = dir.path() / "master.key";
  auto created = SecretBox::FromKeyFile(path, /*create=*/true);
  ASSERT_TRUE(created.has_value()) << created.error().message;

  struct stat st {};

  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);

  // The same file gives the same key.
  auto reopened = SecretBox::FromKeyFile(path, /*create=*/false);
  ASSERT_TRUE(reopened.has_value()) << reopened.error().message;
  auto opened = reopened->Open(created->Seal(kSecret, kKeyId), kKeyId);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, kSecret);

  // Creating again does not overwrite the key.
  auto again = SecretBox::FromKeyFile(path, /*create=*/true);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->Open(created->Seal(kSecret, kKeyId), kKeyId).has_value());
}

TEST(SecretBoxTest, MissingKeyFileWithoutCreateIsAnError) {
  TempDir dir;
  EXPECT_FALSE(SecretBox::FromKeyFile(dir.path() / "absent.key", false).has_value());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "absent.key"));
}

// Whether FromKeyFile refuses the key file once chmod-ed to `mode`, naming the reason.
bool RefusedWithMode(const std::filesystem::path& path, mode_t mode) {
  if (::chmod(path.c_str(), mode) != 0) {
    return false;
  }
  auto box = SecretBox::FromKeyFile(path, false);
  return !box.has_value() && box.error().message.find("readable") != std::string::npos;
}

TEST(SecretBoxTest, WorldOrGroupReadableKeyFileIsRefused) {
  TempDir dir;
  const std::filesystem::path path = dir.path() / "master.key";
  ASSERT_TRUE(SecretBox::FromKeyFile(path, true).has_value());
  for (const mode_t mode : {mode_t{0644}, mode_t{0640}, mode_t{0604}}) {
    EXPECT_TRUE(RefusedWithMode(path, mode)) << std::oct << mode;
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_TRUE(SecretBox::FromKeyFile(path, false).has_value());
}

TEST(SecretBoxTest, MalformedKeyFileIsRefused) {
  TempDir dir;
  const std::filesystem::path path = dir.path() / "master.key";
  {
    std::ofstream out(path);
    out << "too short\n";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_FALSE(SecretBox::FromKeyFile(path, false).has_value());
}

}  // namespace
}  // namespace portcullis::crypto
