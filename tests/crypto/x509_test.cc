// X.509 certificates and private keys in PEM (crypto/x509.h), on keys and certificates
// made by the test itself.
#include "crypto/x509.h"

#include <chrono>
#include <gtest/gtest.h>
#include <string>

#include "crypto/test_credentials.h"

namespace portcullis::crypto {
namespace {

std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::int64_t kDay = 86400;

const std::string& RsaKey() {
  static const std::string kKey = NewRsaKeyPemForTest(2048);
  return kKey;
}

TestCertificateOptions Valid() {
  TestCertificateOptions o;
  o.not_before = Now() - kDay;
  o.not_after = Now() + 30 * kDay;
  return o;
}

TEST(X509Test, ReadsACertificateAndItsValidity) {
  TestCertificateOptions o = Valid();
  o.not_after = 4102444800;  // 2100-01-01T00:00:00Z
  const std::string pem = CertificatePemForTest(RsaKey(), o);
  auto cert = ParseCertificatePem("\n  " + pem + "\n\n");
  ASSERT_TRUE(cert.has_value()) << cert.error().message;
  EXPECT_EQ(cert->not_after, 4102444800);
  EXPECT_EQ(cert->not_before, o.not_before);
  EXPECT_EQ(cert->public_key_type, "RSA");
  EXPECT_EQ(cert->public_key_bits, 2048);
  EXPECT_EQ(CertificatePem(*cert), pem);
}

TEST(X509Test, RejectsWhatIsNotExactlyOneCertificate) {
  const std::string pem = CertificatePemForTest(RsaKey(), Valid());
  EXPECT_FALSE(ParseCertificatePem("").has_value());
  EXPECT_FALSE(ParseCertificatePem("hello").has_value());
  EXPECT_FALSE(ParseCertificatePem("junk\n" + pem).has_value());
  EXPECT_FALSE(ParseCertificatePem(pem + "junk").has_value());
  EXPECT_FALSE(ParseCertificatePem(pem + pem).has_value());
  // A broken BEGIN line: OpenSSL alone would skip to the next block.
  EXPECT_FALSE(ParseCertificatePem("-----BEGIN CERTIFICATE\n" + pem).has_value());
  EXPECT_FALSE(ParseCertificatePem(RsaKey()).has_value());  // a key, not a certificate
  // A line of base64 dropped: the DER's lengths no longer hold.
  std::string corrupt = pem;
  const std::size_t line = corrupt.find('\n', corrupt.size() / 2);
  corrupt.erase(line, corrupt.find('\n', line + 1) - line);
  EXPECT_FALSE(ParseCertificatePem(corrupt).has_value());
  const std::string truncated =
      "-----BEGIN CERTIFICATE-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n"
      "-----END CERTIFICATE-----\n";
  auto e = ParseCertificatePem(truncated);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
}

TEST(X509Test, ChainsAreCheckedInOrder) {
  const std::string root_key = NewEcKeyPemForTest("P-256");
  TestCertificateOptions root_options = Valid();
  root_options.ca = true;
  root_options.common_name = "root";
  const std::string root = CertificatePemForTest(root_key, root_options);
  const std::string mid_key = NewEcKeyPemForTest("P-256");
  TestCertificateOptions mid_options = root_options;
  mid_options.common_name = "intermediate";
  mid_options.issuer_certificate_pem = root;
  mid_options.issuer_key_pem = root_key;
  const std::string mid = CertificatePemForTest(mid_key, mid_options);
  TestCertificateOptions leaf_options = Valid();
  leaf_options.issuer_certificate_pem = mid;
  leaf_options.issuer_key_pem = mid_key;
  const std::string leaf_pem = CertificatePemForTest(RsaKey(), leaf_options);

  auto leaf = ParseCertificatePem(leaf_pem);
  auto chain = ParseCertificateChainPem(mid + "\n" + root);
  ASSERT_TRUE(leaf.has_value());
  ASSERT_TRUE(chain.has_value());
  ASSERT_EQ(chain->size(), 2U);
  EXPECT_TRUE(IsIssuedBy(*leaf, (*chain)[0]));
  EXPECT_TRUE(IsIssuedBy((*chain)[0], (*chain)[1]));
  EXPECT_TRUE(IsIssuedBy((*chain)[1], (*chain)[1]));  // the root is self-signed
  EXPECT_FALSE(IsIssuedBy(*leaf, (*chain)[1]));
  EXPECT_FALSE(IsIssuedBy((*chain)[1], (*chain)[0]));

  // Same issuer name, another key: the signature does not verify.
  const std::string impostor_key = NewEcKeyPemForTest("P-256");
  auto impostor = ParseCertificatePem(CertificatePemForTest(impostor_key, mid_options));
  ASSERT_TRUE(impostor.has_value());
  EXPECT_FALSE(IsIssuedBy(*leaf, *impostor));

  EXPECT_FALSE(ParseCertificateChainPem(mid + "junk" + root).has_value());
  EXPECT_FALSE(ParseCertificateChainPem(mid + root, 1).has_value());
}

TEST(X509Test, PrivateKeysOfEveryPemFormAndTheirMatch) {
  auto cert = ParseCertificatePem(CertificatePemForTest(RsaKey(), Valid()));
  ASSERT_TRUE(cert.has_value());
  auto key = ParsePrivateKeyPem(RsaKey());
  ASSERT_TRUE(key.has_value()) << key.error().message;
  EXPECT_EQ(key->type, "RSA");
  EXPECT_EQ(key->bits, 2048);
  EXPECT_TRUE(KeyMatchesCertificate(*key, *cert));

  const std::string ec_pem = NewEcKeyPemForTest("P-384");
  auto ec = ParsePrivateKeyPem(ec_pem);
  ASSERT_TRUE(ec.has_value()) << ec.error().message;
  EXPECT_EQ(ec->type, "EC");
  EXPECT_EQ(ec->bits, 384);
  EXPECT_EQ(ec->curve, "secp384r1");
  EXPECT_FALSE(KeyMatchesCertificate(*ec, *cert));
  auto ec_cert = ParseCertificatePem(CertificatePemForTest(ec_pem, Valid()));
  ASSERT_TRUE(ec_cert.has_value());
  EXPECT_TRUE(KeyMatchesCertificate(*ec, *ec_cert));
  EXPECT_EQ(ec_cert->public_key_type, "EC");

  auto ed = ParsePrivateKeyPem(NewEd25519KeyPemForTest());
  ASSERT_TRUE(ed.has_value());
  EXPECT_EQ(ed->type, "ED25519");
}

TEST(X509Test, RejectsEncryptedAndMalformedKeys) {
  EXPECT_FALSE(ParsePrivateKeyPem("").has_value());
  EXPECT_FALSE(ParsePrivateKeyPem(CertificatePemForTest(RsaKey(), Valid())).has_value());
  const std::string encrypted =
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n"
      "-----END ENCRYPTED PRIVATE KEY-----\n";
  auto e = ParsePrivateKeyPem(encrypted);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
  const std::string legacy_encrypted =
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
      "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n"
      "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END RSA PRIVATE KEY-----\n";
  EXPECT_FALSE(ParsePrivateKeyPem(legacy_encrypted).has_value());
  EXPECT_FALSE(ParsePrivateKeyPem(RsaKey() + RsaKey()).has_value());
}

}  // namespace
}  // namespace portcullis::crypto
