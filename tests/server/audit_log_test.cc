#include "server/audit_log.h"

#include <array>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/protocol/service_model.h"

namespace portcullis::server {
namespace {

using api::protocol::Value;

constexpr std::array<std::string_view, 10> kSecrets = {"hunter2-password",
                                                       "old-pass-value",
                                                       "new-pass-value",
                                                       "PRIVATE-KEY-PEM",
                                                       "wJalrXUtnFEMI/K7MDENG",
                                                       "saml-assertion-b64",
                                                       "web-identity-jwt",
                                                       "908172",
                                                       "563412",
                                                       "client-secret-value"};

Value SecretLaden() {
  Value input = Value::Structure();
  input.Set("UserName", Value::String("alice"));
  input.Set("Password", Value::String(std::string(kSecrets[0])));
  input.Set("OldPassword", Value::String(std::string(kSecrets[1])));
  input.Set("NewPassword", Value::String(std::string(kSecrets[2])));
  input.Set("PrivateKey", Value::String(std::string(kSecrets[3])));
  input.Set("SecretAccessKey", Value::String(std::string(kSecrets[4])));
  input.Set("SAMLAssertion", Value::String(std::string(kSecrets[5])));
  input.Set("WebIdentityToken", Value::String(std::string(kSecrets[6])));
  input.Set("AuthenticationCode1", Value::String(std::string(kSecrets[7])));
  input.Set("AuthenticationCode2", Value::String(std::string(kSecrets[8])));
  Value nested = Value::Structure();
  nested.Set("ClientSecret", Value::String(std::string(kSecrets[9])));
  nested.Set("Name", Value::String("kept"));
  Value list = Value::List();
  list.Append(std::move(nested));
  input.Set("Providers", std::move(list));
  input.Set("MaxItems", Value::Integer(10));
  input.Set("PasswordResetRequired", Value::Boolean(true));
  return input;
}

void ExpectNoSecrets(const std::string& line) {
  for (std::string_view secret : kSecrets) {
    EXPECT_EQ(line.find(secret), std::string::npos) << secret << " in " << line;
  }
}

auth::Caller Alice() {
  auth::Caller caller;
  caller.type = auth::PrincipalType::kUser;
  caller.account_id = "123456789012";
  caller.arn = "arn:aws:iam::123456789012:user/alice";
  caller.principal_id = "AIDAEXAMPLEEXAMPLE123";
  caller.user_name = "alice";
  caller.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  return caller;
}

TEST(AuditLogTest, SecretsNeverAppear) {
  const Value input = SecretLaden();
  const auth::Caller caller = Alice();
  AuditEvent event;
  event.time = std::chrono::system_clock::time_point(std::chrono::seconds(1'795'000'000));
  event.service = "iam";
  event.event_name = "CreateLoginProfile";
  event.caller = &caller;
  event.parameters = &input;
  event.request_id = "req-1";
  const std::string line = RenderAuditEvent(event);
  ExpectNoSecrets(line);
  const auto json = nlohmann::json::parse(line);
  const auto& params = json["requestParameters"];
  EXPECT_EQ(params["userName"], "alice");
  EXPECT_EQ(params["maxItems"], 10);
  EXPECT_FALSE(params.contains("password"));
  EXPECT_FALSE(params.contains("passwordResetRequired"));  // contains "Password"
  EXPECT_EQ(params["providers"][0]["name"], "kept");
  EXPECT_FALSE(params["providers"][0].contains("clientSecret"));
}

TEST(AuditLogTest, SensitiveShapesOfTheModelAreDropped) {
  // CreateLoginProfile's Password has the model's sensitive passwordType shape.
  const auto& model = api::protocol::IamModel();
  const auto* op = model.FindOperation("CreateLoginProfile");
  ASSERT_NE(op, nullptr);
  Value input = Value::Structure();
  input.Set("UserName", Value::String("alice"));
  input.Set("Password", Value::String("s3cr3t-Passw0rd!"));
  AuditEvent event;
  event.service = "iam";
  event.event_name = op->name;
  event.parameters = &input;
  event.input_shape = op->input;
  const std::string line = RenderAuditEvent(event);
  EXPECT_EQ(line.find("s3cr3t"), std::string::npos) << line;
  EXPECT_NE(line.find("\"userName\":\"alice\""), std::string::npos) << line;
}

TEST(AuditLogTest, CloudTrailShape) {
  const auth::Caller caller = Alice();
  Value input = Value::Structure();
  input.Set("UserName", Value::String("bob"));
  AuditEvent event;
  event.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'795'000'000'123));
  event.service = "iam";
  event.event_name = "DeleteUser";
  event.region = "eu-west-1";
  event.source_ip = "10.0.0.7";
  event.user_agent = "aws-cli/2.9.19";
  event.request_id = "4a1b0cde-0000-4000-8000-000000000001";
  event.caller = &caller;
  event.parameters = &input;
  event.error_code = "AccessDenied";
  event.error_message = "User: arn:aws:iam::123456789012:user/alice is not authorized";
  const auto json = nlohmann::json::parse(RenderAuditEvent(event));
  EXPECT_EQ(json["eventVersion"], "1.08");
  EXPECT_EQ(json["eventTime"], "2026-11-18T11:06:40Z");
  EXPECT_EQ(json["eventSource"], "iam.amazonaws.com");
  EXPECT_EQ(json["eventName"], "DeleteUser");
  EXPECT_EQ(json["awsRegion"], "eu-west-1");
  EXPECT_EQ(json["sourceIPAddress"], "10.0.0.7");
  EXPECT_EQ(json["userAgent"], "aws-cli/2.9.19");
  EXPECT_EQ(json["userIdentity"]["type"], "IAMUser");
  EXPECT_EQ(json["userIdentity"]["principalId"], "AIDAEXAMPLEEXAMPLE123");
  EXPECT_EQ(json["userIdentity"]["arn"], "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(json["userIdentity"]["accountId"], "123456789012");
  EXPECT_EQ(json["userIdentity"]["accessKeyId"], "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(json["userIdentity"]["userName"], "alice");
  EXPECT_EQ(json["requestParameters"]["userName"], "bob");
  EXPECT_EQ(json["errorCode"], "AccessDenied");
  EXPECT_EQ(json["requestID"], "4a1b0cde-0000-4000-8000-000000000001");
  EXPECT_EQ(json["eventID"].get<std::string>().size(), 36U);
  EXPECT_EQ(json["eventType"], "AwsApiCall");
  EXPECT_EQ(json["readOnly"], false);
  EXPECT_EQ(json["recipientAccountId"], "123456789012");
}

TEST(AuditLogTest, SuccessHasNoErrorFieldsAndReadsAreReadOnly) {
  AuditEvent event;
  event.service = "iam";
  event.event_name = "ListUsers";
  const auto json = nlohmann::json::parse(RenderAuditEvent(event));
  EXPECT_FALSE(json.contains("errorCode"));
  EXPECT_FALSE(json.contains("errorMessage"));
  EXPECT_EQ(json["readOnly"], true);
  EXPECT_TRUE(json["userIdentity"].is_null());
}

TEST(AuditLogTest, S3DataEventsAndAnonymousCallers) {
  AuditEvent event;
  event.service = "s3";
  event.event_name = "GetObject";
  event.data_event = true;
  event.anonymous = true;
  const auto json = nlohmann::json::parse(RenderAuditEvent(event));
  EXPECT_EQ(json["eventSource"], "s3.amazonaws.com");
  EXPECT_EQ(json["eventCategory"], "Data");
  EXPECT_EQ(json["managementEvent"], false);
  EXPECT_EQ(json["userIdentity"]["accountId"], "ANONYMOUS_PRINCIPAL");
  EXPECT_EQ(json["userIdentity"]["type"], "AWSAccount");
  event.data_event = false;
  event.anonymous = false;
  const auto management = nlohmann::json::parse(RenderAuditEvent(event));
  EXPECT_EQ(management["eventCategory"], "Management");
  EXPECT_EQ(management["managementEvent"], true);
  EXPECT_TRUE(management["userIdentity"].is_null());
}

TEST(AuditLogTest, InvalidUtf8DoesNotBreakTheLine) {
  AuditEvent event;
  event.service = "iam";
  event.event_name = "GetUser";
  event.user_agent = std::string("bad\xff\xfe agent\nnext");
  const std::string line = RenderAuditEvent(event);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded());
}

TEST(AuditLogTest, NamesAndCase) {
  EXPECT_TRUE(IsSecretMemberName("Password"));
  EXPECT_TRUE(IsSecretMemberName("SecretAccessKey"));
  EXPECT_TRUE(IsSecretMemberName("clientsecret"));
  EXPECT_TRUE(IsSecretMemberName("AuthenticationCode2"));
  EXPECT_FALSE(IsSecretMemberName("UserName"));
  EXPECT_FALSE(IsSecretMemberName("AccessKeyId"));
  EXPECT_EQ(LowerCamel("UserName"), "userName");
  EXPECT_EQ(LowerCamel("SAMLProviderArn"), "sAMLProviderArn");
  EXPECT_EQ(LowerCamel(""), "");
}

TEST(AuditLogTest, ConcurrentAppendsStayWholeLines) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("portcullis-audit-test-" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(path);
  {
    auto log = AuditLog::OpenFile(path);
    ASSERT_TRUE(log.has_value()) << log.error().ToString();
    const Value input = SecretLaden();
    std::vector<std::thread> threads;
    threads.reserve(4);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          AuditEvent event;
          event.service = "iam";
          event.event_name = "CreateUser";
          event.request_id = std::to_string(t) + "-" + std::to_string(i);
          event.parameters = &input;
          (*log)->Record(event);
        }
      });
    }
    for (auto& th : threads) {
      th.join();
    }
  }
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    auto json = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << line;
    for (std::string_view secret : kSecrets) {
      ASSERT_EQ(line.find(secret), std::string::npos);
    }
  }
  EXPECT_EQ(lines, 800);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace portcullis::server
