#include "workload/workload_service.h"

#include <array>
#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <string>

#include "api/authz/authorizer.h"
#include "common/clock.h"
#include "crypto/secret_box.h"
#include "store/memory/memory_store.h"

namespace portcullis::workload {
namespace {

constexpr std::string_view kAccount = "123456789012";
constexpr std::string_view kEc2Trust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
    R"("Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
constexpr std::string_view kLambdaTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
    R"("Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

class WorkloadServiceTest : public ::testing::Test {
 protected:
  WorkloadServiceTest()
      : clock_(std::chrono::sys_days(std::chrono::year(2026) / 11 / 28) + std::chrono::hours(3)),
        box_(crypto::SecretBox::FromKeyForTest(std::array<std::uint8_t, 32>{7, 7, 7})) {}

  void SetUp() override {
    store_ = std::move(store::memory::NewMemoryStore(clock_).value());
    authorizer_ =
        std::make_unique<api::authz::Authorizer>(*store_, api::authz::EnforcementMode::kEnforce);
    service_ = std::make_unique<WorkloadService>(*store_, *authorizer_, box_, clock_);
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.has_value());
    store::Account account;
    account.id = std::string(kAccount);
    ASSERT_TRUE((*txn)->PutAccount(account).has_value());
    AddRole(**txn, "web", kEc2Trust);
    AddRole(**txn, "lambda", kLambdaTrust);
    AddProfile(**txn, "web-profile", "web");
    AddProfile(**txn, "lambda-profile", "lambda");
    AddProfile(**txn, "empty-profile", "");
    ASSERT_TRUE((*txn)->Commit().has_value());
    root_.type = auth::PrincipalType::kRoot;
    root_.account_id = std::string(kAccount);
    root_.arn = "arn:aws:iam::123456789012:root";
    root_.principal_id = std::string(kAccount);
    info_.request_id = "req";
    info_.source_ip = "127.0.0.1";
    info_.time = clock_.Now();
  }

  static void AddRole(store::WriteTxn& txn, std::string_view name, std::string_view trust) {
    store::Role role;
    role.account_id = std::string(kAccount);
    role.name = std::string(name);
    role.id = "AROA" + std::string(name.size() < 4 ? 4 : 0, 'X') + "ROLEID" + std::string(name);
    role.arn = "arn:aws:iam::123456789012:role/" + std::string(name);
    role.assume_role_policy_document = std::string(trust);
    ASSERT_TRUE(txn.PutRole(role).has_value());
  }

  static void AddProfile(store::WriteTxn& txn, std::string_view name, std::string_view role) {
    store::InstanceProfile profile;
    profile.account_id = std::string(kAccount);
    profile.name = std::string(name);
    profile.id = "AIPAPROFILE" + std::string(name.substr(0, 3));
    profile.arn = "arn:aws:iam::123456789012:instance-profile/" + std::string(name);
    ASSERT_TRUE(txn.PutInstanceProfile(profile).has_value());
    if (!role.empty()) {
      ASSERT_TRUE(txn.AddRoleToInstanceProfile(kAccount, name, role).has_value());
    }
  }

  FakeClock clock_;
  crypto::SecretBox box_;
  std::unique_ptr<store::IdentityStore> store_;
  std::unique_ptr<api::authz::Authorizer> authorizer_;
  std::unique_ptr<WorkloadService> service_;
  auth::Caller root_;
  api::RequestInfo info_;
};

TEST_F(WorkloadServiceTest, RegisterAuthenticateAndIssue) {
  auto reg = service_->Register(root_, info_, "web-profile", "");
  ASSERT_TRUE(reg.has_value()) << reg.error().ToString();
  EXPECT_TRUE(reg->token.starts_with("pcw1.123456789012.i-"));
  EXPECT_EQ(reg->workload.id.size(), 19U);
  EXPECT_EQ(reg->workload.role_arn, "arn:aws:iam::123456789012:role/web");
  // Only the hash is stored.
  auto stored = store_->BeginRead().value()->GetResource(store::ResourceKind::kWorkload, kAccount,
                                                         reg->workload.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->body.find(reg->token), std::string::npos);
  EXPECT_EQ(stored->body.find(reg->token.substr(reg->token.size() - 64)), std::string::npos);

  auto w = service_->Authenticate(reg->token);
  ASSERT_TRUE(w.has_value()) << w.error().ToString();
  auto creds = service_->Credentials(*w, info_);
  ASSERT_TRUE(creds.has_value()) << creds.error().ToString();
  EXPECT_TRUE(creds->access_key_id.starts_with("ASIA"));
  EXPECT_EQ(creds->assumed_role_arn,
            "arn:aws:sts::123456789012:assumed-role/web/" + reg->workload.id);
  EXPECT_EQ(creds->expiration - clock_.Now(), std::chrono::seconds(kCredentialSeconds));
}

TEST_F(WorkloadServiceTest, WrongTokensAreRefused) {
  auto reg = service_->Register(root_, info_, "web-profile", "");
  ASSERT_TRUE(reg.has_value());
  std::string tampered = reg->token;
  tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
  for (const std::string& bad :
       {tampered, std::string(""), std::string("pcw1."), std::string("pcw1.123456789012.i-x.y"),
        std::string("pcw1.1234.") + reg->workload.id + ".00",
        std::string("Bearer ") + reg->token}) {
    auto w = service_->Authenticate(bad);
    ASSERT_FALSE(w.has_value()) << bad;
    EXPECT_EQ(w.error().aws_code, "InvalidClientTokenId");
  }
}

TEST_F(WorkloadServiceTest, CredentialsRotateBeforeExpiry) {
  auto reg = service_->Register(root_, info_, "web-profile", "");
  ASSERT_TRUE(reg.has_value());
  auto first = service_->Credentials(reg->workload, info_);
  ASSERT_TRUE(first.has_value());
  clock_.Advance(std::chrono::hours(4));
  auto same = service_->Credentials(reg->workload, info_);
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->access_key_id, first->access_key_id);
  // Less than kRefreshSeconds left: fresh credentials, before the old ones expire.
  clock_.Advance(std::chrono::hours(1) + std::chrono::minutes(1));
  ASSERT_LT(clock_.Now(), first->expiration);
  auto fresh = service_->Credentials(reg->workload, info_);
  ASSERT_TRUE(fresh.has_value());
  EXPECT_NE(fresh->access_key_id, first->access_key_id);
  EXPECT_GT(fresh->expiration, first->expiration);
}

TEST_F(WorkloadServiceTest, RegistrationErrors) {
  auto missing = service_->Register(root_, info_, "nope", "");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().aws_code, "NoSuchEntity");
  auto empty = service_->Register(root_, info_, "empty-profile", "");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().aws_code, "ValidationError");
  auto bad_ip = service_->Register(root_, info_, "web-profile", "localhost");
  ASSERT_FALSE(bad_ip.has_value());
  EXPECT_EQ(bad_ip.error().aws_code, "ValidationError");
  // A user with no policy may not pass the role.
  auth::Caller user;
  user.type = auth::PrincipalType::kUser;
  user.account_id = std::string(kAccount);
  user.arn = "arn:aws:iam::123456789012:user/nobody";
  user.user_name = "nobody";
  auto denied = service_->Register(user, info_, "web-profile", "");
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().aws_code, "AccessDenied");
}

TEST_F(WorkloadServiceTest, TrustPolicyMustAllowEc2) {
  auto reg = service_->Register(root_, info_, "lambda-profile", "");
  ASSERT_TRUE(reg.has_value());
  auto creds = service_->Credentials(reg->workload, info_);
  ASSERT_FALSE(creds.has_value());
  EXPECT_EQ(creds.error().aws_code, "AccessDenied");
  EXPECT_NE(creds.error().message.find("ec2.amazonaws.com"), std::string::npos);
}

TEST_F(WorkloadServiceTest, ImdsAddressesAndTokens) {
  auto reg = service_->Register(root_, info_, "web-profile", "127.0.0.1");
  ASSERT_TRUE(reg.has_value()) << reg.error().ToString();
  auto again = service_->Register(root_, info_, "web-profile", "127.0.0.1");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().aws_code, "EntityAlreadyExists");
  auto found = service_->FindByImdsAddress("127.0.0.1");
  ASSERT_TRUE(found.has_value());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, reg->workload.id);
  auto none = service_->FindByImdsAddress("127.0.0.2");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());

  const std::string token = service_->IssueImdsToken(reg->workload, "127.0.0.1", 60);
  EXPECT_TRUE(service_->CheckImdsToken(token, reg->workload, "127.0.0.1"));
  EXPECT_FALSE(service_->CheckImdsToken(token, reg->workload, "127.0.0.2"));
  EXPECT_FALSE(service_->CheckImdsToken("", reg->workload, "127.0.0.1"));
  EXPECT_FALSE(service_->CheckImdsToken(token.substr(1), reg->workload, "127.0.0.1"));
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_FALSE(service_->CheckImdsToken(token, reg->workload, "127.0.0.1"));
}

TEST_F(WorkloadServiceTest, Deregister) {
  auto reg = service_->Register(root_, info_, "web-profile", "");
  ASSERT_TRUE(reg.has_value());
  ASSERT_TRUE(service_->Deregister(root_, info_, reg->workload.id).has_value());
  auto w = service_->Authenticate(reg->token);
  ASSERT_FALSE(w.has_value());
  auto gone = service_->Deregister(root_, info_, reg->workload.id);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().aws_code, "NoSuchEntity");
}

}  // namespace
}  // namespace portcullis::workload
