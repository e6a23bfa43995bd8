// SSH public keys (crypto/ssh_key.h): OpenSSH and PEM forms, fingerprints, sizes.
#include "crypto/ssh_key.h"

#include <gtest/gtest.h>
#include <string>

#include "crypto/test_credentials.h"

namespace portcullis::crypto {
namespace {

// A 2048-bit RSA public key and what ssh-keygen says of it
// (`ssh-keygen -l -E md5 -f key.pub`): public material only.
constexpr std::string_view kOpenSsh =
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCrqS5y8VqKnL9TWjUIYy4HCiTiNs3Z6PU9cBAI6UZEhCkS/hai"
    "rmmUcbtJmVRFOq/yOsClshUr/Q9QzhNIAr2qxmTYc3mVRgP3qvWiu31l2gSGMIW/r4cUWhzRAVlgBQ2e2j99nBKE"
    "BU9xT8dYgsuVMgN6dchYjVC2gWaiMfWKsxIqjmlp/+rS4LjBhhxmre0DPokoKPn5XgWuRofvw2haTqTkBAelAm3U"
    "Jp0i8rDH75zdmU8hd1NY2walvz7DDjSITjFr/tzHdvzSTWiZuXjvJaVjntA5FE4XNHdIpcNZu3NQohx7/gGeC/dD"
    "BAzf7NFpkME1CRnni7iJ8GgtTyT1 test@example";

const std::string& RsaKey() {
  static const std::string kKey = NewRsaKeyPemForTest(2048);
  return kKey;
}

TEST(SshKeyTest, ReadsOpenSshAndPemFormsOfOneKey) {
  auto from_pem = ParseSshPublicKey(PublicKeyPemForTest(RsaKey()));
  ASSERT_TRUE(from_pem.has_value()) << from_pem.error().message;
  EXPECT_EQ(from_pem->bits, 2048);
  EXPECT_EQ(from_pem->openssh.substr(0, 12), "ssh-rsa AAAA");
  EXPECT_EQ(from_pem->fingerprint.size(), 47U);

  auto from_ssh = ParseSshPublicKey("  " + from_pem->openssh + " me@host\n");
  ASSERT_TRUE(from_ssh.has_value()) << from_ssh.error().message;
  EXPECT_EQ(from_ssh->blob, from_pem->blob);
  EXPECT_EQ(from_ssh->fingerprint, from_pem->fingerprint);
  EXPECT_EQ(from_ssh->pem, from_pem->pem);
  EXPECT_EQ(from_ssh->pem, PublicKeyPemForTest(RsaKey()));

  auto round_trip = ParseSshPublicKey(from_ssh->pem);
  ASSERT_TRUE(round_trip.has_value());
  EXPECT_EQ(round_trip->openssh, from_ssh->openssh);
}

TEST(SshKeyTest, FingerprintIsMd5OfTheBlobAsSshKeygenPrintsIt) {
  auto key = ParseSshPublicKey(kOpenSsh);
  ASSERT_TRUE(key.has_value()) << key.error().message;
  EXPECT_EQ(key->bits, 2048);
  EXPECT_EQ(key->fingerprint, "9a:34:53:f2:59:2b:ba:b9:98:dc:4c:21:d0:6f:92:ac");
  EXPECT_EQ(key->openssh + " test@example", kOpenSsh);
}

TEST(SshKeyTest, UnrecognizedEncodings) {
  for (const std::string& text :
       {std::string(), std::string("hello"), std::string("ssh-rsa"),
        std::string(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKzvfE+qS09w+okgrO0gY7jryF0lSCxdEO/O0UaUhuZe"),
        std::string("ssh-rsa not*base64"), std::string("ssh-rsa AAAA="),
        PublicKeyPemForTest(NewEcKeyPemForTest("P-256")), RsaKey()}) {
    auto key = ParseSshPublicKey(text);
    ASSERT_FALSE(key.has_value()) << text;
    EXPECT_EQ(key.error().code, ErrorCode::kInvalidArgument) << text;
  }
}

TEST(SshKeyTest, InvalidKeys) {
  // A 1024-bit key is too small.
  auto small = ParseSshPublicKey(PublicKeyPemForTest(NewRsaKeyPemForTest(1024)));
  ASSERT_FALSE(small.has_value());
  EXPECT_EQ(small.error().code, ErrorCode::kFailedPrecondition);
  // A blob naming another type, a truncated blob, trailing bytes.
  for (std::string_view text :
       {"ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIKzvfE+qS09w+okgrO0gY7jryF0lSCxdEO/O0UaUhuZe",
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDM", "ssh-rsa AAAAB3NzaC1yc2E="}) {
    auto key = ParseSshPublicKey(text);
    ASSERT_FALSE(key.has_value()) << text;
    EXPECT_EQ(key.error().code, ErrorCode::kFailedPrecondition) << text;
  }
}

}  // namespace
}  // namespace portcullis::crypto
