// Tests of the signing certificate operations (signing_certificates.cc).
#include <gtest/gtest.h>
#include <string>

#include "crypto/test_credentials.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

constexpr std::int64_t kDay = 86400;

// A fresh self-signed certificate valid at the fixture's clock.
std::string NewCertificate(std::int64_t not_before = kStartEpochSeconds - kDay,
                           std::int64_t not_after = kStartEpochSeconds + 365 * kDay) {
  crypto::TestCertificateOptions o;
  o.not_before = not_before;
  o.not_after = not_after;
  return crypto::CertificatePemForTest(crypto::NewEcKeyPemForTest("P-256"), o);
}

class SigningCertificatesTest : public IamApiTest {
 protected:
  void SetUp() override {
    IamApiTest::SetUp();
    MustCall("CreateUser", {{"UserName", "alice"}});
  }
};

TEST_F(SigningCertificatesTest, UploadUpdateListDelete) {
  const std::string body = NewCertificate();
  const protocol::Value up =
      MustCall("UploadSigningCertificate", {{"UserName", "alice"}, {"CertificateBody", body}});
  const std::string id = TextAt(up, "Certificate.CertificateId");
  EXPECT_EQ(id.size(), 32U);
  EXPECT_EQ(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), std::string::npos);
  EXPECT_EQ(TextAt(up, "Certificate.UserName"), "alice");
  EXPECT_EQ(TextAt(up, "Certificate.Status"), "Active");
  EXPECT_EQ(TextAt(up, "Certificate.CertificateBody"), body);

  MustCall("UpdateSigningCertificate",
           {{"UserName", "alice"}, {"CertificateId", id}, {"Status", "Inactive"}});
  const protocol::Value list = MustCall("ListSigningCertificates", {{"UserName", "alice"}});
  ASSERT_EQ(SizeAt(list, "Certificates"), 1U);
  EXPECT_EQ(TextAt(list, "Certificates.0.Status"), "Inactive");
  EXPECT_EQ(TextAt(list, "Certificates.0.CertificateBody"), body);
  // Without UserName: the caller's own (still authorized on the caller's ARN).
  EXPECT_AWS_ERROR(CallAs(UserCaller("alice"), "ListSigningCertificates"), "AccessDenied");
  AllowUser(
      "alice",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
      R"("Action":"iam:ListSigningCertificates","Resource":"arn:aws:iam::123456789012:user/alice"}]})");
  EXPECT_EQ(SizeAt(MustCallAs(UserCaller("alice"), "ListSigningCertificates"), "Certificates"), 1U);

  MustCall("DeleteUserPolicy", {{"UserName", "alice"}, {"PolicyName", "test-allow"}});
  EXPECT_AWS_ERROR(Call("DeleteUser", {{"UserName", "alice"}}), "DeleteConflict");
  MustCall("DeleteSigningCertificate", {{"UserName", "alice"}, {"CertificateId", id}});
  EXPECT_AWS_ERROR(Call("DeleteSigningCertificate", {{"UserName", "alice"}, {"CertificateId", id}}),
                   "NoSuchEntity", "The Certificate with id " + id + " cannot be found.");
  MustCall("DeleteUser", {{"UserName", "alice"}});
}

TEST_F(SigningCertificatesTest, RootHasItsOwn) {
  const protocol::Value up =
      MustCall("UploadSigningCertificate", {{"CertificateBody", NewCertificate()}});
  EXPECT_EQ(At(up, "Certificate.UserName"), nullptr);
  const std::string id = TextAt(up, "Certificate.CertificateId");
  EXPECT_EQ(SizeAt(MustCall("ListSigningCertificates"), "Certificates"), 1U);
  EXPECT_EQ(SizeAt(MustCall("ListSigningCertificates", {{"UserName", "alice"}}), "Certificates"),
            0U);
  EXPECT_AWS_ERROR(Call("DeleteSigningCertificate", {{"UserName", "alice"}, {"CertificateId", id}}),
                   "NoSuchEntity");
  MustCall("UpdateSigningCertificate", {{"CertificateId", id}, {"Status", "Inactive"}});
  MustCall("DeleteSigningCertificate", {{"CertificateId", id}});
}

TEST_F(SigningCertificatesTest, MalformedExpiredDuplicateAndTheQuota) {
  EXPECT_AWS_ERROR(Call("UploadSigningCertificate",
                        {{"UserName", "alice"}, {"CertificateBody", "not a certificate"}}),
                   "MalformedCertificate",
                   "Unable to parse certificate. Please ensure the certificate is in PEM format.");
  EXPECT_AWS_ERROR(Call("UploadSigningCertificate",
                        {{"UserName", "alice"},
                         {"CertificateBody", NewCertificate(kStartEpochSeconds - 10 * kDay,
                                                            kStartEpochSeconds - kDay)}}),
                   "MalformedCertificate");
  crypto::TestCertificateOptions ed;
  ed.not_before = kStartEpochSeconds - kDay;
  ed.not_after = kStartEpochSeconds + kDay;
  EXPECT_AWS_ERROR(Call("UploadSigningCertificate",
                        {{"UserName", "alice"},
                         {"CertificateBody",
                          crypto::CertificatePemForTest(crypto::NewEd25519KeyPemForTest(), ed)}}),
                   "InvalidCertificate");

  const std::string body = NewCertificate();
  MustCall("UploadSigningCertificate", {{"UserName", "alice"}, {"CertificateBody", body}});
  MustCall("CreateUser", {{"UserName", "bob"}});
  EXPECT_AWS_ERROR(
      Call("UploadSigningCertificate", {{"UserName", "bob"}, {"CertificateBody", body}}),
      "DuplicateCertificate");
  MustCall("UploadSigningCertificate",
           {{"UserName", "alice"}, {"CertificateBody", NewCertificate()}});
  EXPECT_AWS_ERROR(Call("UploadSigningCertificate",
                        {{"UserName", "alice"}, {"CertificateBody", NewCertificate()}}),
                   "LimitExceeded", "Cannot exceed quota for CertificatesPerUser: 2");
  EXPECT_AWS_ERROR(Call("UploadSigningCertificate",
                        {{"UserName", "nobody"}, {"CertificateBody", NewCertificate()}}),
                   "NoSuchEntity");
}

TEST_F(SigningCertificatesTest, AuthorizesOnTheUser) {
  EXPECT_AWS_ERROR(CallAs(UserCaller("alice"), "UploadSigningCertificate",
                          {{"CertificateBody", NewCertificate()}}),
                   "AccessDenied");
  AllowUser(
      "alice",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*SigningCertificate*",)"
      R"("Resource":"arn:aws:iam::123456789012:user/${aws:username}"}]})");
  MustCallAs(UserCaller("alice"), "UploadSigningCertificate",
             {{"CertificateBody", NewCertificate()}});
  EXPECT_EQ(SizeAt(MustCall("ListSigningCertificates", {{"UserName", "alice"}}), "Certificates"),
            1U);
}

}  // namespace
}  // namespace portcullis::api::iam::testing
