// Tests of the server certificate operations (server_certificates.cc).
#include <gtest/gtest.h>
#include <string>

#include "crypto/test_credentials.h"
#include "store/records.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kNotAfter = kStartEpochSeconds + 90 * kDay;

struct Issued {
  std::string key;
  std::string cert;
};

crypto::TestCertificateOptions ValidOptions() {
  crypto::TestCertificateOptions o;
  o.not_before = kStartEpochSeconds - kDay;
  o.not_after = kNotAfter;
  return o;
}

Issued SelfSigned(const std::string& key) {
  return {key, crypto::CertificatePemForTest(key, ValidOptions())};
}

const std::string& RsaKey() {
  static const std::string kKey = crypto::NewRsaKeyPemForTest(2048);
  return kKey;
}

class ServerCertificatesTest : public IamApiTest {
 protected:
  Result<protocol::Value> Upload(const std::string& name, const Issued& issued, Params extra = {}) {
    Params p = {{"ServerCertificateName", name},
                {"CertificateBody", issued.cert},
                {"PrivateKey", issued.key}};
    p.insert(p.end(), extra.begin(), extra.end());
    return Call("UploadServerCertificate", p);
  }
};

TEST_F(ServerCertificatesTest, UploadGetUpdateListDelete) {
  const Issued issued = SelfSigned(RsaKey());
  auto up = Upload(
      "web", issued,
      {{"Path", "/cloudfront/"}, {"Tags.member.1.Key", "env"}, {"Tags.member.1.Value", "prod"}});
  ASSERT_TRUE(up.has_value()) << up.error().message;
  EXPECT_EQ(TextAt(*up, "ServerCertificateMetadata.Arn"),
            "arn:aws:iam::123456789012:server-certificate/cloudfront/web");
  EXPECT_EQ(TextAt(*up, "ServerCertificateMetadata.ServerCertificateId").substr(0, 4), "ASCA");
  EXPECT_EQ(TextAt(*up, "ServerCertificateMetadata.Path"), "/cloudfront/");
  EXPECT_EQ(At(*up, "ServerCertificateMetadata.Expiration")->number(), kNotAfter * 1000);
  EXPECT_EQ(TextAt(*up, "Tags.0.Key"), "env");

  const protocol::Value got = MustCall("GetServerCertificate", {{"ServerCertificateName", "WEB"}});
  EXPECT_EQ(TextAt(got, "ServerCertificate.CertificateBody"), issued.cert);
  EXPECT_EQ(At(got, "ServerCertificate.CertificateChain"), nullptr);
  EXPECT_EQ(TextAt(got, "ServerCertificate.Tags.0.Value"), "prod");

  // The stored record: sealed key, names the lead's tagging reads.
  auto txn = store().BeginRead();
  ASSERT_TRUE(txn.has_value());
  auto stored = (*txn)->GetResource(store::ResourceKind::kServerCertificate, kAccountId, "web");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->path, "/cloudfront/");
  EXPECT_NE(stored->body.find("\"ServerCertificateName\":\"web\""), std::string::npos);
  EXPECT_NE(
      stored->body.find("\"Arn\":\"arn:aws:iam::123456789012:server-certificate/cloudfront/web\""),
      std::string::npos);
  EXPECT_EQ(stored->body.find("PRIVATE KEY"), std::string::npos);
  txn->reset();

  EXPECT_AWS_ERROR(Upload("Web", issued), "EntityAlreadyExists",
                   "The Server Certificate with name Web already exists.");
  MustCall("UpdateServerCertificate", {{"ServerCertificateName", "web"},
                                       {"NewServerCertificateName", "www"},
                                       {"NewPath", "/edge/"}});
  EXPECT_AWS_ERROR(Call("GetServerCertificate", {{"ServerCertificateName", "web"}}), "NoSuchEntity",
                   "The Server Certificate with name web cannot be found.");
  const protocol::Value renamed =
      MustCall("GetServerCertificate", {{"ServerCertificateName", "www"}});
  EXPECT_EQ(TextAt(renamed, "ServerCertificate.ServerCertificateMetadata.Arn"),
            "arn:aws:iam::123456789012:server-certificate/edge/www");
  EXPECT_EQ(TextAt(renamed, "ServerCertificate.ServerCertificateMetadata.ServerCertificateId"),
            TextAt(*up, "ServerCertificateMetadata.ServerCertificateId"));

  ASSERT_TRUE(Upload("api", SelfSigned(crypto::NewEcKeyPemForTest("P-256"))).has_value());
  EXPECT_AWS_ERROR(Call("UpdateServerCertificate",
                        {{"ServerCertificateName", "api"}, {"NewServerCertificateName", "WWW"}}),
                   "EntityAlreadyExists");
  const protocol::Value list = MustCall("ListServerCertificates");
  ASSERT_EQ(SizeAt(list, "ServerCertificateMetadataList"), 2U);
  EXPECT_EQ(TextAt(list, "ServerCertificateMetadataList.0.ServerCertificateName"), "api");
  EXPECT_EQ(SizeAt(MustCall("ListServerCertificates", {{"PathPrefix", "/edge/"}}),
                   "ServerCertificateMetadataList"),
            1U);
  MustCall("DeleteServerCertificate", {{"ServerCertificateName", "WWW"}});
  EXPECT_AWS_ERROR(Call("DeleteServerCertificate", {{"ServerCertificateName", "www"}}),
                   "NoSuchEntity");
  EXPECT_EQ(SizeAt(MustCall("ListServerCertificates"), "ServerCertificateMetadataList"), 1U);
}

TEST_F(ServerCertificatesTest, ChecksCertificateKeyAndChain) {
  const Issued rsa = SelfSigned(RsaKey());
  EXPECT_AWS_ERROR(Upload("c", {rsa.key, "garbage"}), "MalformedCertificate",
                   "Unable to parse certificate. Please ensure the certificate is in PEM format.");
  EXPECT_AWS_ERROR(Upload("c", {"garbage", rsa.cert}), "MalformedCertificate");
  EXPECT_AWS_ERROR(Upload("c", {crypto::NewEcKeyPemForTest("P-256"), rsa.cert}), "KeyPairMismatch");
  EXPECT_AWS_ERROR(Upload("c", SelfSigned(crypto::NewEcKeyPemForTest("P-521"))),
                   "MalformedCertificate");
  crypto::TestCertificateOptions expired = ValidOptions();
  expired.not_after = kStartEpochSeconds - 1;
  EXPECT_AWS_ERROR(Upload("c", {rsa.key, crypto::CertificatePemForTest(rsa.key, expired)}),
                   "MalformedCertificate");

  // A chain: leaf <- intermediate <- root.
  const std::string root_key = crypto::NewEcKeyPemForTest("P-256");
  crypto::TestCertificateOptions ca = ValidOptions();
  ca.ca = true;
  ca.common_name = "root";
  const std::string root = crypto::CertificatePemForTest(root_key, ca);
  const std::string mid_key = crypto::NewEcKeyPemForTest("P-256");
  ca.common_name = "intermediate";
  ca.issuer_certificate_pem = root;
  ca.issuer_key_pem = root_key;
  const std::string mid = crypto::CertificatePemForTest(mid_key, ca);
  crypto::TestCertificateOptions leaf_options = ValidOptions();
  leaf_options.issuer_certificate_pem = mid;
  leaf_options.issuer_key_pem = mid_key;
  const Issued leaf{RsaKey(), crypto::CertificatePemForTest(RsaKey(), leaf_options)};

  EXPECT_AWS_ERROR(Upload("c", leaf, {{"CertificateChain", root + mid}}), "MalformedCertificate",
                   "~The index within the chain of the invalid certificate is: 0");
  EXPECT_AWS_ERROR(Upload("c", leaf, {{"CertificateChain", mid + mid}}), "MalformedCertificate",
                   "~The index within the chain of the invalid certificate is: 1");
  EXPECT_AWS_ERROR(Upload("c", leaf, {{"CertificateChain", "nope"}}), "MalformedCertificate");
  auto up = Upload("c", leaf, {{"CertificateChain", mid + root}});
  ASSERT_TRUE(up.has_value()) << up.error().message;
  EXPECT_EQ(TextAt(MustCall("GetServerCertificate", {{"ServerCertificateName", "c"}}),
                   "ServerCertificate.CertificateChain"),
            mid + root);
}

TEST_F(ServerCertificatesTest, QuotaOfTwentyPerAccount) {
  const Issued issued = SelfSigned(RsaKey());
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(Upload("c" + std::to_string(i), issued).has_value());
  }
  EXPECT_AWS_ERROR(Upload("c20", issued), "LimitExceeded",
                   "Cannot exceed quota for ServerCertificatesPerAccount: 20");
}

TEST_F(ServerCertificatesTest, AuthorizesOnTheCertificateArn) {
  MustCall("CreateUser", {{"UserName", "alice"}});
  AllowUser(
      "alice",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*ServerCertificate*",)"
      R"("Resource":"arn:aws:iam::123456789012:server-certificate/team/*"}]})");
  const Issued issued = SelfSigned(RsaKey());
  const Params ok = {{"ServerCertificateName", "a"},
                     {"Path", "/team/"},
                     {"CertificateBody", issued.cert},
                     {"PrivateKey", issued.key}};
  MustCallAs(UserCaller("alice"), "UploadServerCertificate", ok);
  EXPECT_AWS_ERROR(CallAs(UserCaller("alice"), "UploadServerCertificate",
                          {{"ServerCertificateName", "b"},
                           {"CertificateBody", issued.cert},
                           {"PrivateKey", issued.key}}),
                   "AccessDenied");
  // Renaming needs the permission on the new ARN too.
  EXPECT_AWS_ERROR(CallAs(UserCaller("alice"), "UpdateServerCertificate",
                          {{"ServerCertificateName", "a"}, {"NewPath", "/other/"}}),
                   "AccessDenied");
  MustCallAs(UserCaller("alice"), "UpdateServerCertificate",
             {{"ServerCertificateName", "a"}, {"NewServerCertificateName", "a2"}});
  MustCallAs(UserCaller("alice"), "GetServerCertificate", {{"ServerCertificateName", "a2"}});
}

}  // namespace
}  // namespace portcullis::api::iam::testing
