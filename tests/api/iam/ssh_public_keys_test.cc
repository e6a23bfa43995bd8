// Tests of the SSH public key operations (ssh_public_keys.cc).
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "crypto/ssh_key.h"
#include "crypto/test_credentials.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

// A fresh 2048-bit RSA public key in OpenSSH form.
std::string NewOpenSshKey() {
  auto key =
      crypto::ParseSshPublicKey(crypto::PublicKeyPemForTest(crypto::NewRsaKeyPemForTest(2048)));
  EXPECT_TRUE(key.has_value());
  return key.has_value() ? key->openssh : std::string();
}

class SshPublicKeysTest : public IamApiTest {
 protected:
  void SetUp() override {
    IamApiTest::SetUp();
    MustCall("CreateUser", {{"UserName", "alice"}});
  }
};

TEST_F(SshPublicKeysTest, UploadGetUpdateListDelete) {
  const std::string body = NewOpenSshKey();
  const protocol::Value up =
      MustCall("UploadSSHPublicKey", {{"UserName", "ALICE"}, {"SSHPublicKeyBody", body + " me"}});
  const std::string id = TextAt(up, "SSHPublicKey.SSHPublicKeyId");
  EXPECT_EQ(id.size(), 20U);
  EXPECT_EQ(id.substr(0, 4), "APKA");
  EXPECT_EQ(TextAt(up, "SSHPublicKey.UserName"), "alice");
  EXPECT_EQ(TextAt(up, "SSHPublicKey.Status"), "Active");
  EXPECT_EQ(TextAt(up, "SSHPublicKey.SSHPublicKeyBody"), body);
  EXPECT_EQ(TextAt(up, "SSHPublicKey.Fingerprint"), crypto::ParseSshPublicKey(body)->fingerprint);

  const protocol::Value pem = MustCall(
      "GetSSHPublicKey", {{"UserName", "alice"}, {"SSHPublicKeyId", id}, {"Encoding", "PEM"}});
  EXPECT_EQ(TextAt(pem, "SSHPublicKey.SSHPublicKeyBody").substr(0, 26),
            "-----BEGIN PUBLIC KEY-----");
  const protocol::Value ssh = MustCall(
      "GetSSHPublicKey", {{"UserName", "alice"}, {"SSHPublicKeyId", id}, {"Encoding", "SSH"}});
  EXPECT_EQ(TextAt(ssh, "SSHPublicKey.SSHPublicKeyBody"), body);

  MustCall("UpdateSSHPublicKey",
           {{"UserName", "alice"}, {"SSHPublicKeyId", id}, {"Status", "Inactive"}});
  const protocol::Value list = MustCall("ListSSHPublicKeys", {{"UserName", "alice"}});
  ASSERT_EQ(SizeAt(list, "SSHPublicKeys"), 1U);
  EXPECT_EQ(TextAt(list, "SSHPublicKeys.0.Status"), "Inactive");
  EXPECT_EQ(TextAt(list, "SSHPublicKeys.0.SSHPublicKeyId"), id);

  // Without UserName: the caller's own (still authorized on the caller's ARN).
  EXPECT_AWS_ERROR(CallAs(UserCaller("alice"), "ListSSHPublicKeys"), "AccessDenied");
  AllowUser(
      "alice",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
      R"("Action":"iam:ListSSHPublicKeys","Resource":"arn:aws:iam::123456789012:user/alice"}]})");
  EXPECT_EQ(SizeAt(MustCallAs(UserCaller("alice"), "ListSSHPublicKeys"), "SSHPublicKeys"), 1U);
  EXPECT_EQ(SizeAt(MustCall("ListSSHPublicKeys"), "SSHPublicKeys"), 0U);  // root has none

  MustCall("DeleteUserPolicy", {{"UserName", "alice"}, {"PolicyName", "test-allow"}});
  EXPECT_AWS_ERROR(Call("DeleteUser", {{"UserName", "alice"}}), "DeleteConflict");
  MustCall("DeleteSSHPublicKey", {{"UserName", "alice"}, {"SSHPublicKeyId", id}});
  EXPECT_AWS_ERROR(
      Call("GetSSHPublicKey", {{"UserName", "alice"}, {"SSHPublicKeyId", id}, {"Encoding", "SSH"}}),
      "NoSuchEntity", "The Public Key with id " + id + " cannot be found.");
  MustCall("DeleteUser", {{"UserName", "alice"}});
}

TEST_F(SshPublicKeysTest, KeysOfOtherUsersAreInvisible) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const std::string id =
      TextAt(MustCall("UploadSSHPublicKey",
                      {{"UserName", "alice"}, {"SSHPublicKeyBody", NewOpenSshKey()}}),
             "SSHPublicKey.SSHPublicKeyId");
  EXPECT_AWS_ERROR(
      Call("GetSSHPublicKey", {{"UserName", "bob"}, {"SSHPublicKeyId", id}, {"Encoding", "SSH"}}),
      "NoSuchEntity");
  EXPECT_AWS_ERROR(Call("DeleteSSHPublicKey", {{"UserName", "bob"}, {"SSHPublicKeyId", id}}),
                   "NoSuchEntity");
  EXPECT_AWS_ERROR(Call("UpdateSSHPublicKey",
                        {{"UserName", "bob"}, {"SSHPublicKeyId", id}, {"Status", "Inactive"}}),
                   "NoSuchEntity");
  EXPECT_AWS_ERROR(Call("ListSSHPublicKeys", {{"UserName", "nobody"}}), "NoSuchEntity",
                   "The user with name nobody cannot be found.");
  EXPECT_AWS_ERROR(
      Call("UploadSSHPublicKey", {{"UserName", "nobody"}, {"SSHPublicKeyBody", NewOpenSshKey()}}),
      "NoSuchEntity");
}

TEST_F(SshPublicKeysTest, BadKeysDuplicatesAndTheQuota) {
  EXPECT_AWS_ERROR(Call("UploadSSHPublicKey",
                        {{"UserName", "alice"}, {"SSHPublicKeyBody", "ssh-dss AAAAB3NzaC1kc3M="}}),
                   "UnrecognizedPublicKeyEncoding");
  // A truncated blob: the encoding is read, the key is not valid.
  EXPECT_AWS_ERROR(Call("UploadSSHPublicKey",
                        {{"UserName", "alice"}, {"SSHPublicKeyBody", "ssh-rsa AAAAB3NzaC1yc2E="}}),
                   "InvalidPublicKey");
  // Too small (1024 bits), sent as PEM.
  EXPECT_AWS_ERROR(
      Call("UploadSSHPublicKey",
           {{"UserName", "alice"},
            {"SSHPublicKeyBody", crypto::PublicKeyPemForTest(crypto::NewRsaKeyPemForTest(1024))}}),
      "InvalidPublicKey");
  const std::string body = NewOpenSshKey();
  MustCall("UploadSSHPublicKey", {{"UserName", "alice"}, {"SSHPublicKeyBody", body}});
  EXPECT_AWS_ERROR(
      Call("UploadSSHPublicKey",
           {{"UserName", "alice"}, {"SSHPublicKeyBody", crypto::ParseSshPublicKey(body)->pem}}),
      "DuplicateSSHPublicKey");
  for (int i = 1; i < 5; ++i) {
    MustCall("UploadSSHPublicKey", {{"UserName", "alice"}, {"SSHPublicKeyBody", NewOpenSshKey()}});
  }
  EXPECT_AWS_ERROR(
      Call("UploadSSHPublicKey", {{"UserName", "alice"}, {"SSHPublicKeyBody", NewOpenSshKey()}}),
      "LimitExceeded");
  EXPECT_EQ(SizeAt(MustCall("ListSSHPublicKeys", {{"UserName", "alice"}}), "SSHPublicKeys"), 5U);
}

TEST_F(SshPublicKeysTest, AuthorizesOnTheUser) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const std::string body = NewOpenSshKey();
  EXPECT_AWS_ERROR(CallAs(UserCaller("bob"), "UploadSSHPublicKey",
                          {{"UserName", "alice"}, {"SSHPublicKeyBody", body}}),
                   "AccessDenied");
  AllowUser(
      "bob",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*SSHPublicKey*",)"
      R"("Resource":"arn:aws:iam::123456789012:user/alice"}]})");
  MustCallAs(UserCaller("bob"), "UploadSSHPublicKey",
             {{"UserName", "alice"}, {"SSHPublicKeyBody", body}});
  EXPECT_EQ(SizeAt(MustCallAs(UserCaller("bob"), "ListSSHPublicKeys", {{"UserName", "alice"}}),
                   "SSHPublicKeys"),
            1U);
}

}  // namespace
}  // namespace portcullis::api::iam::testing
