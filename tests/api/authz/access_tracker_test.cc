// AccessTracker: recording without store writes, persisting with a job or at shutdown,
// and merging stored with remembered activity.
#include "api/authz/access_tracker.h"

#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <utility>

#include "api/authz/authorizer.h"
#include "api/request_info.h"
#include "auth/caller.h"
#include "common/clock.h"
#include "store/identity_store.h"
#include "store/memory/memory_store.h"
#include "store/records.h"

namespace portcullis::api::authz {
namespace {

constexpr std::string_view kAccount = "123456789012";
constexpr std::string_view kAlice = "arn:aws:iam::123456789012:user/team/Alice";
constexpr std::chrono::system_clock::time_point kStart{std::chrono::seconds(1767225600)};

std::int64_t Ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class AccessTrackerTest : public ::testing::Test {
 protected:
  AccessTrackerTest() {
    auto txn = store_->BeginWrite();
    EXPECT_TRUE(txn.has_value());
    store::Account account;
    account.id = std::string(kAccount);
    EXPECT_TRUE((*txn)->PutAccount(account).has_value());
    EXPECT_TRUE((*txn)->Commit().has_value());
  }

  Result<AccountActivity> Read(AccessTracker& tracker) {
    auto txn = store_->BeginRead();
    if (!txn.has_value()) {
      return tl::unexpected<Error>(txn.error());
    }
    return tracker.Activity(**txn, kAccount);
  }

  FakeClock clock_{kStart};
  std::unique_ptr<store::IdentityStore> store_ = store::memory::NewMemoryStore(clock_).value();
};

TEST_F(AccessTrackerTest, RecordsTheLatestAttemptWithoutWritingTheStore) {
  AccessTracker tracker(*store_);
  const std::uint64_t before = store_->Generation();
  tracker.Record(kAccount, kAlice, "iam:GetUser", "us-east-1", kStart);
  tracker.Record(kAccount, kAlice, "IAM:GetUser", "eu-west-1", kStart + std::chrono::seconds(5));
  tracker.Record(kAccount, kAlice, "iam:GetUser", "us-west-2", kStart);  // older: ignored
  tracker.Record(kAccount, "arn:aws:iam::123456789012:root", "iam:GetUser", "", kStart);
  EXPECT_EQ(store_->Generation(), before);
  auto activity = Read(tracker);
  ASSERT_TRUE(activity.has_value());
  ASSERT_EQ(activity->size(), 1U);
  const LastAccess& last = activity->at("user/alice").at("iam:GetUser");
  EXPECT_EQ(last.time_ms, Ms(kStart + std::chrono::seconds(5)));
  EXPECT_EQ(last.region, "eu-west-1");
}

TEST_F(AccessTrackerTest, PersistsAtShutdownAndMergesWithMemory) {
  {
    AccessTracker first(*store_);
    first.Record(kAccount, kAlice, "iam:GetUser", "us-east-1", kStart);
    first.Record(kAccount, kAlice, "s3:GetObject", "us-east-1", kStart);
  }  // destroyed: persisted
  AccessTracker second(*store_);
  second.Record(kAccount, kAlice, "iam:GetUser", "eu-west-1", kStart + std::chrono::minutes(1));
  auto activity = Read(second);
  ASSERT_TRUE(activity.has_value());
  EXPECT_EQ(activity->at("user/alice").at("s3:GetObject").time_ms, Ms(kStart));
  EXPECT_EQ(activity->at("user/alice").at("iam:GetUser").region, "eu-west-1");

  // After Persist, shutdown (PersistAll) has nothing new to write.
  auto txn = store_->BeginWrite();
  ASSERT_TRUE(txn.has_value());
  ASSERT_TRUE(second.Persist(**txn, kAccount).has_value());
  ASSERT_TRUE((*txn)->Commit().has_value());
  txn = {};
  const std::uint64_t generation = store_->Generation();
  ASSERT_TRUE(second.PersistAll().has_value());
  EXPECT_EQ(store_->Generation(), generation);
  AccessTracker third(*store_);
  activity = Read(third);
  ASSERT_TRUE(activity.has_value());
  EXPECT_EQ(activity->at("user/alice").at("iam:GetUser").region, "eu-west-1");
}

TEST_F(AccessTrackerTest, TheAuthorizerRecordsAllowedAndDeniedAttempts) {
  Authorizer authorizer(*store_, EnforcementMode::kEnforce);
  auth::Caller caller;
  caller.type = auth::PrincipalType::kUser;
  caller.account_id = std::string(kAccount);
  caller.arn = std::string(kAlice);
  caller.user_name = "Alice";
  RequestInfo info{"req-1", "203.0.113.7", "test", true, "us-east-1", kStart};
  // Alice does not exist: denied, still recorded.
  EXPECT_FALSE(
      authorizer.Authorize(caller, info, AuthzRequest{"iam:ListUsers", "*", {}}).has_value());
  auto activity = Read(authorizer.access_tracker());
  ASSERT_TRUE(activity.has_value());
  EXPECT_EQ(activity->at("user/alice").at("iam:ListUsers").time_ms, Ms(kStart));
}

}  // namespace
}  // namespace portcullis::api::authz
