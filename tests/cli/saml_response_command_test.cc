// `portcullis idp saml-response`: the printed response verifies against the certificate
// and carries the flags' attributes; bad flags are usage errors.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

#include "api/federation/saml_response.h"
#include "cli/cli.h"
#include "common/base64.h"
#include "crypto/test_credentials.h"

namespace portcullis::cli {
namespace {

namespace fs = std::filesystem;
namespace federation = api::federation;

class SamlResponseCommandTest : public ::testing::Test {
 protected:
  SamlResponseCommandTest() {
    dir_ =
        fs::temp_directory_path() /
        ("saml-cli-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir_);
    key_pem_ = crypto::NewRsaKeyPemForTest(2048);
    crypto::TestCertificateOptions options;
    options.not_before = 1'700'000'000;
    options.not_after = 4'000'000'000;
    cert_pem_ = crypto::CertificatePemForTest(key_pem_, options);
    std::ofstream(dir_ / "k.pem") << key_pem_;
    std::ofstream(dir_ / "c.pem") << cert_pem_;
  }

  ~SamlResponseCommandTest() override { fs::remove_all(dir_); }

  SamlResponseCommandTest(const SamlResponseCommandTest&) = delete;
  SamlResponseCommandTest& operator=(const SamlResponseCommandTest&) = delete;

  int Run(std::vector<std::string> extra) {
    std::vector<std::string> args = {"portcullis",
                                     "idp",
                                     "saml-response",
                                     "--key-file",
                                     (dir_ / "k.pem").string(),
                                     "--cert-file",
                                     (dir_ / "c.pem").string(),
                                     "--issuer",
                                     "https://idp.example.com/saml",
                                     "--subject",
                                     "alice",
                                     "--role",
                                     "arn:aws:iam::123456789012:role/r,"
                                     "arn:aws:iam::123456789012:saml-provider/p",
                                     "--session-name",
                                     "alice"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<const char*> argv;
    for (const std::string& a : args) {
      argv.push_back(a.c_str());
    }
    out_.str("");
    err_.str("");
    return RunCli(static_cast<int>(argv.size()), argv.data(), out_, err_);
  }

  std::string CertificateDer() const {
    std::string b64;
    std::istringstream in(cert_pem_);
    for (std::string line; std::getline(in, line);) {
      if (!line.starts_with("-----")) {
        b64 += line;
      }
    }
    return DecodeBase64(b64).value_or(std::string());
  }

  fs::path dir_;
  std::string key_pem_;
  std::string cert_pem_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(SamlResponseCommandTest, PrintsAResponseThatVerifies) {
  ASSERT_EQ(Run({"--tag", "team=blue", "--duration", "1800", "--sign", "both"}), kExitOk)
      << err_.str();
  std::string b64 = out_.str();
  while (!b64.empty() && b64.back() == '\n') {
    b64.pop_back();
  }
  auto xml = DecodeBase64(b64);
  ASSERT_TRUE(xml.has_value());
  federation::SamlVerifyOptions options;
  options.signing_certificates.push_back(CertificateDer());
  options.expected_issuer = "https://idp.example.com/saml";
  options.now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto verified = federation::VerifySamlResponse(*xml, options);
  ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
  EXPECT_TRUE(verified->response_signed && verified->assertion_signed);
  EXPECT_EQ(verified->subject, "alice");
  ASSERT_NE(verified->Find("https://aws.amazon.com/SAML/Attributes/PrincipalTag:team"), nullptr);
  ASSERT_NE(verified->Find(federation::kAwsSessionDurationAttribute), nullptr);
  EXPECT_EQ(verified->Find(federation::kAwsSessionDurationAttribute)->values.at(0), "1800");
}

TEST_F(SamlResponseCommandTest, BadFlagsAndFiles) {
  EXPECT_EQ(Run({"--tag", "novalue"}), kExitUsage);
  EXPECT_EQ(Run({"--sign", "nothing"}), kExitUsage);
  EXPECT_EQ(Run({"--issue-instant", "yesterday"}), kExitUsage);
  std::ofstream(dir_ / "c.pem") << crypto::CertificatePemForTest(crypto::NewRsaKeyPemForTest(2048),
                                                                 crypto::TestCertificateOptions{});
  EXPECT_EQ(Run({}), kExitInvalidInput);
  EXPECT_NE(err_.str().find("not for this key"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace portcullis::cli
