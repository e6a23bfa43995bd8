#include "server/router.h"

#include <array>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "auth/sigv4/canonical.h"
#include "auth/sigv4/signing.h"
#include "common/clock.h"
#include "crypto/crypto.h"
#include "crypto/secret_box.h"

namespace portcullis::server {
namespace {

namespace http = boost::beast::http;
namespace sigv4 = auth::sigv4;

constexpr std::string_view kAccount = "123456789012";
constexpr std::string_view kKeyId = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

std::string View(boost::beast::string_view s) {
  return {s.data(), s.size()};
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest()
      : clock_(std::chrono::sys_days(std::chrono::year(2026) / 11 / 28) + std::chrono::hours(3)),
        box_(crypto::SecretBox::FromKeyForTest(std::array<std::uint8_t, 32>{1, 2, 3})) {}

  void Build(bool dev_mode) {
    RuntimeOptions options;
    options.store = StoreKind::kMemory;
    options.bootstrap = {std::string(kAccount), std::string(kKeyId), std::string(kSecret)};
    auto runtime = OpenRuntime(options, box_, clock_);
    ASSERT_TRUE(runtime.has_value()) << runtime.error().ToString();
    audit_path_ = std::filesystem::temp_directory_path() /
                  ("portcullis-router-test-" + std::to_string(::getpid()) + ".log");
    std::filesystem::remove(audit_path_);
    auto audit = AuditLog::OpenFile(audit_path_);
    ASSERT_TRUE(audit.has_value());
    audit_ = std::move(*audit);
    router_ = std::make_unique<Router>(RouterOptions{dev_mode, options, {}}, std::move(*runtime),
                                       box_, clock_, audit_.get());
  }

  void TearDown() override {
    router_.reset();
    audit_.reset();
    std::filesystem::remove(audit_path_);
  }

  HttpResponseMessage Get(const std::string& target) {
    HttpRequestMessage req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    return router_->Handle(req, ConnectionInfo{"127.0.0.1", false}).message;
  }

  HttpResponseMessage Post(const std::string& target, const std::string& body = "") {
    HttpRequestMessage req{http::verb::post, target, 11};
    req.set(http::field::host, "localhost");
    req.body() = body;
    req.prepare_payload();
    return router_->Handle(req, ConnectionInfo{"127.0.0.1", false}).message;
  }

  // A request signed as the AWS SDKs sign Query calls.
  HttpResponseMessage Signed(const std::string& form, std::string_view service = "iam",
                             std::string_view key_id = kKeyId, std::string_view secret = kSecret,
                             bool as_get = false) {
    const std::string amz_date =
        sigv4::FormatAmzDate(std::chrono::floor<std::chrono::seconds>(clock_.Now()));
    const std::string date = amz_date.substr(0, 8);
    const std::string body = as_get ? "" : form;
    const std::string query = as_get ? form : "";
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Host", "localhost"},
        {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
        {"X-Amz-Date", amz_date}};
    const std::vector<std::string> signed_headers = {"content-type", "host", "x-amz-date"};
    std::vector<sigv4::HeaderField> fields;
    fields.reserve(headers.size());
    for (const auto& [name, value] : headers) {
      fields.push_back({name, value});
    }
    const std::string payload_hash = crypto::HexLower(crypto::Sha256(body));
    const sigv4::CanonicalRequestInput input{as_get ? "GET" : "POST", "/",          query, fields,
                                             signed_headers,          payload_hash, false, false};
    const std::string scope = sigv4::CredentialScope(date, "us-east-1", service);
    const std::string signature =
        sigv4::Signature(sigv4::DeriveSigningKey(secret, date, "us-east-1", service),
                         sigv4::StringToSign(amz_date, scope, sigv4::CanonicalRequest(input)));
    HttpRequestMessage req{as_get ? http::verb::get : http::verb::post,
                           query.empty() ? "/" : "/?" + query, 11};
    for (const auto& [name, value] : headers) {
      req.set(name, value);
    }
    req.set(http::field::user_agent, "router-test/1.0");
    req.set(http::field::authorization, "AWS4-HMAC-SHA256 Credential=" + std::string(key_id) + "/" +
                                            scope +
                                            ", SignedHeaders=content-type;host;x-amz-date, "
                                            "Signature=" +
                                            signature);
    req.body() = body;
    req.prepare_payload();
    return router_->Handle(req, ConnectionInfo{"192.0.2.9", false}).message;
  }

  std::vector<nlohmann::json> AuditLines() {
    audit_->Flush();
    std::vector<nlohmann::json> out;
    std::ifstream in(audit_path_);
    std::string line;
    while (std::getline(in, line)) {
      out.push_back(nlohmann::json::parse(line));
    }
    return out;
  }

  FakeClock clock_;
  crypto::SecretBox box_;
  std::filesystem::path audit_path_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Router> router_;
};

void ExpectAwsHeaders(const HttpResponseMessage& res) {
  EXPECT_EQ(View(res[http::field::content_type]), "text/xml");
  EXPECT_EQ(View(res["x-amzn-RequestId"]).size(), 36U);
  EXPECT_EQ(View(res[http::field::date]), "Sat, 28 Nov 2026 03:00:00 GMT");
  EXPECT_EQ(View(res[http::field::content_length]), std::to_string(res.body().size()));
}

TEST_F(RouterTest, HealthEndpoints) {
  Build(false);
  auto live = Get("/health/live");
  EXPECT_EQ(live.result(), http::status::ok);
  EXPECT_EQ(live.body(), "ok\n");
  EXPECT_EQ(Get("/health/ready").result(), http::status::ok);
  EXPECT_EQ(Get("/healthz").result(), http::status::ok);
  EXPECT_EQ(Post("/health/live").result(), http::status::method_not_allowed);
}

TEST_F(RouterTest, ResetIsNotFoundWithoutDevMode) {
  Build(false);
  EXPECT_EQ(Post("/moto-api/reset").result(), http::status::not_found);
  EXPECT_EQ(Post("/_portcullis/reset").result(), http::status::not_found);
}

TEST_F(RouterTest, UnsignedRequestIsMissingAuthenticationTokenWhateverTheAction) {
  Build(false);
  auto res = Post("/", "Action=NoSuchThing&Version=2010-05-08");
  EXPECT_EQ(res.result(), http::status::forbidden);
  EXPECT_NE(res.body().find("<Code>MissingAuthenticationToken</Code>"), std::string::npos)
      << res.body();
  EXPECT_NE(res.body().find("xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\""),
            std::string::npos);
  ExpectAwsHeaders(res);
  EXPECT_NE(res.body().find(View(res["x-amzn-RequestId"])), std::string::npos);
}

TEST_F(RouterTest, SignedGetUserAnswersTheRoot) {
  Build(false);
  auto res = Signed("Action=GetUser&Version=2010-05-08");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  ExpectAwsHeaders(res);
  EXPECT_NE(res.body().find("<GetUserResponse"), std::string::npos);
  EXPECT_NE(res.body().find("arn:aws:iam::123456789012:root"), std::string::npos) << res.body();
}

TEST_F(RouterTest, SignedGetWithQueryString) {
  Build(false);
  auto res = Signed("Action=ListUsers&Version=2010-05-08", "iam", kKeyId, kSecret, true);
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_NE(res.body().find("<ListUsersResponse"), std::string::npos);
}

TEST_F(RouterTest, AuthenticationErrors) {
  Build(false);
  auto bad_secret = Signed("Action=GetUser&Version=2010-05-08", "iam", kKeyId,
                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(bad_secret.result(), http::status::forbidden);
  EXPECT_NE(bad_secret.body().find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos);
  auto unknown = Signed("Action=GetUser&Version=2010-05-08", "iam", "AKIAUNKNOWNUNKNOWN00");
  EXPECT_EQ(unknown.result(), http::status::forbidden);
  EXPECT_NE(unknown.body().find("<Code>InvalidClientTokenId</Code>"), std::string::npos);
}

TEST_F(RouterTest, DecodeErrorsComeAfterAuthentication) {
  Build(false);
  auto res = Signed("Action=NoSuchThing&Version=2010-05-08");
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_NE(res.body().find("<Code>InvalidAction</Code>"), std::string::npos) << res.body();
  auto missing = Signed("Action=CreateUser&Version=2010-05-08");
  EXPECT_EQ(missing.result(), http::status::bad_request);
  EXPECT_NE(missing.body().find("<Code>ValidationError</Code>"), std::string::npos);
}

TEST_F(RouterTest, ServiceWithoutImplementationIsNamed) {
  Build(false);
  auto res = Signed("Action=DescribeInstances", "ec2");
  EXPECT_EQ(res.result(), http::status::not_implemented);
  EXPECT_NE(res.body().find("<Code>NotImplemented</Code>"), std::string::npos);
  EXPECT_NE(res.body().find("Portcullis does not implement the ec2 service yet"),
            std::string::npos);
}

TEST_F(RouterTest, S3ScopeGoesToS3) {
  Build(false);
  // Signed for s3 without x-amz-content-sha256: S3's own authentication error, in S3's XML
  // form (no Query protocol ErrorResponse).
  auto res = Signed("Action=ListBuckets", "s3");
  EXPECT_EQ(res.result(), http::status::bad_request) << res.body();
  EXPECT_NE(res.body().find("<Error><Code>InvalidRequest</Code>"), std::string::npos) << res.body();
  EXPECT_EQ(res.body().find("ErrorResponse"), std::string::npos) << res.body();
  EXPECT_FALSE(res["x-amz-request-id"].empty());
}

TEST_F(RouterTest, StsScopeGoesToSts) {
  Build(false);
  auto res = Signed("Action=GetCallerIdentity&Version=2011-06-15", "sts");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_NE(res.body().find("<GetCallerIdentityResponse"), std::string::npos);
  EXPECT_NE(res.body().find("https://sts.amazonaws.com/doc/2011-06-15/"), std::string::npos);
  EXPECT_NE(res.body().find("arn:aws:iam::123456789012:root"), std::string::npos) << res.body();
  // An STS action under an iam scope is not an IAM operation.
  auto wrong = Signed("Action=GetCallerIdentity&Version=2011-06-15", "iam");
  EXPECT_EQ(wrong.result(), http::status::bad_request);
  EXPECT_NE(wrong.body().find("<Code>InvalidAction</Code>"), std::string::npos);
}

TEST_F(RouterTest, UnsignedWebIdentityCallGoesToSts) {
  Build(false);
  auto res = Post("/",
                  "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws"
                  "%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s&"
                  "WebIdentityToken=eyJ0eXAiOiJKV1QifQ.e30.sig");
  EXPECT_NE(res.body().find("https://sts.amazonaws.com/doc/2011-06-15/"), std::string::npos)
      << res.body();
  EXPECT_EQ(res.body().find("MissingAuthenticationToken"), std::string::npos) << res.body();
  const auto lines = AuditLines();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0]["eventSource"], "sts.amazonaws.com");
  EXPECT_EQ(lines[0]["eventName"], "AssumeRoleWithWebIdentity");
  EXPECT_FALSE(lines[0]["requestParameters"].contains("webIdentityToken"));
}

TEST_F(RouterTest, DevModeResetWipesStateAndKeepsRootCredentials) {
  Build(true);
  ASSERT_EQ(Signed("Action=CreateUser&Version=2010-05-08&UserName=alice").result(),
            http::status::ok);
  ASSERT_EQ(Signed("Action=GetUser&Version=2010-05-08&UserName=alice").result(), http::status::ok);
  auto reset = Post("/moto-api/reset");
  EXPECT_EQ(reset.result(), http::status::ok);
  EXPECT_EQ(reset.body(), R"({"status": "ok"})");
  EXPECT_EQ(View(reset[http::field::content_type]), "application/json");
  auto gone = Signed("Action=GetUser&Version=2010-05-08&UserName=alice");
  EXPECT_EQ(gone.result(), http::status::not_found) << gone.body();
  EXPECT_NE(gone.body().find("<Code>NoSuchEntity</Code>"), std::string::npos);
  // The bootstrap root key still signs, and AWS managed policies are seeded again.
  auto policy = Signed(
      "Action=GetPolicy&Version=2010-05-08&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2F"
      "AdministratorAccess");
  EXPECT_EQ(policy.result(), http::status::ok) << policy.body();
  EXPECT_EQ(Post("/_portcullis/reset").result(), http::status::ok);
  EXPECT_EQ(Get("/moto-api/reset").result(), http::status::method_not_allowed);
  EXPECT_EQ(Get("/health/ready").result(), http::status::ok);
}

TEST_F(RouterTest, EveryApiRequestIsAudited) {
  Build(false);
  (void)Post("/", "Action=GetUser&Version=2010-05-08");
  (void)Signed("Action=CreateUser&Version=2010-05-08&UserName=bob");
  (void)Get("/health/live");
  const auto lines = AuditLines();
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0]["eventName"], "GetUser");
  EXPECT_EQ(lines[0]["errorCode"], "MissingAuthenticationToken");
  EXPECT_TRUE(lines[0]["userIdentity"].is_null());
  EXPECT_EQ(lines[1]["eventName"], "CreateUser");
  EXPECT_EQ(lines[1]["sourceIPAddress"], "192.0.2.9");
  EXPECT_EQ(lines[1]["userAgent"], "router-test/1.0");
  EXPECT_EQ(lines[1]["userIdentity"]["type"], "Root");
  EXPECT_EQ(lines[1]["userIdentity"]["accessKeyId"], std::string(kKeyId));
  EXPECT_EQ(lines[1]["requestParameters"]["userName"], "bob");
  EXPECT_EQ(lines[1]["recipientAccountId"], std::string(kAccount));
  EXPECT_FALSE(lines[1].contains("errorCode"));
}

TEST_F(RouterTest, MetricsCountApiRequests) {
  Build(true);
  (void)Post("/", "Action=GetUser&Version=2010-05-08");  // 403
  (void)Signed("Action=GetUser&Version=2010-05-08");     // 200
  (void)Signed("Action=CreateUser&Version=2010-05-08");  // 400
  (void)Post("/moto-api/reset");
  auto res = Get("/metrics");
  ASSERT_EQ(res.result(), http::status::ok);
  const std::string& text = res.body();
  EXPECT_NE(text.find("portcullis_api_requests_total{code=\"2xx\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("portcullis_api_requests_total{code=\"4xx\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("portcullis_api_request_duration_seconds_bucket{le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("portcullis_api_request_duration_seconds_bucket{le=\"0.00025\"}"),
            std::string::npos);
  EXPECT_NE(text.find("portcullis_api_request_duration_seconds_bucket{le=\"1\"}"),
            std::string::npos);
  EXPECT_NE(text.find("portcullis_api_request_duration_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("portcullis_resets_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("portcullis_store_generation "), std::string::npos);
}

TEST(HttpDateTest, Imf) {
  EXPECT_EQ(FormatHttpDate(std::chrono::system_clock::time_point(std::chrono::seconds(0))),
            "Thu, 01 Jan 1970 00:00:00 GMT");
}

}  // namespace
}  // namespace portcullis::server
