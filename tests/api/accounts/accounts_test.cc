// CreateAccount and Bootstrap against a memory store.
#include "api/accounts/accounts.h"

#include <array>
#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <string>

#include "common/clock.h"
#include "crypto/secret_box.h"
#include "store/identity_store.h"
#include "store/memory/memory_store.h"
#include "store/records.h"

namespace portcullis::api::accounts {
namespace {

constexpr std::string_view kDevKeyId = "AKIADEVDEVDEVDEVDEV2";
constexpr std::string_view kDevSecret = "devSecretdevSecretdevSecretdevSecretdevS";

crypto::SecretBox TestBox() {
  std::array<std::uint8_t, crypto::kMasterKeySize> key{};
  key.fill(3);
  return crypto::SecretBox::FromKeyForTest(key);
}

bool IsDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

class AccountsTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::ReadTxn> Read() { return store_->BeginRead().value(); }

  std::vector<store::Account> Accounts() { return Read()->ListAccounts().value(); }

  store::AccessKey Key(std::string_view id) { return Read()->GetAccessKey(id).value(); }

  std::string Secret(const store::AccessKey& key) {
    return box_.Open(key.sealed_secret, key.id).value();
  }

  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1767225600))};
  crypto::SecretBox box_ = TestBox();
  std::unique_ptr<store::IdentityStore> store_ = store::memory::NewMemoryStore(clock_).value();
};

TEST_F(AccountsTest, CreateAccountWithGeneratedIdAndKey) {
  auto creds = CreateAccount(*store_, box_, {});
  ASSERT_TRUE(creds.has_value()) << creds.error().message;
  EXPECT_EQ(creds->account_id.size(), 12u);
  EXPECT_TRUE(IsDigits(creds->account_id));
  EXPECT_EQ(creds->access_key_id.substr(0, 4), "AKIA");
  EXPECT_EQ(creds->access_key_id.size(), 20u);
  EXPECT_EQ(creds->secret_access_key.size(), 40u);

  ASSERT_EQ(Accounts().size(), 1u);
  EXPECT_EQ(Accounts()[0].id, creds->account_id);
  const store::AccessKey key = Key(creds->access_key_id);
  EXPECT_EQ(key.account_id, creds->account_id);
  EXPECT_EQ(key.user_name, "");
  EXPECT_EQ(key.status, store::AccessKeyStatus::kActive);
  // Sealed, bound to the key id, never in plaintext.
  const std::string sealed(key.sealed_secret.begin(), key.sealed_secret.end());
  EXPECT_EQ(sealed.find(creds->secret_access_key), std::string::npos);
  EXPECT_EQ(Secret(key), creds->secret_access_key);
  EXPECT_FALSE(box_.Open(key.sealed_secret, "AKIAOTHEROTHEROTHER2").has_value());
}

TEST_F(AccountsTest, CreateAccountWithGivenValues) {
  CreateAccountOptions options;
  options.account_id = "123456789012";
  options.alias = "dev";
  options.access_key_id = kDevKeyId;
  options.secret_access_key = kDevSecret;
  auto creds = CreateAccount(*store_, box_, options);
  ASSERT_TRUE(creds.has_value()) << creds.error().message;
  EXPECT_EQ(creds->account_id, "123456789012");
  EXPECT_EQ(creds->access_key_id, kDevKeyId);
  EXPECT_EQ(creds->secret_access_key, kDevSecret);
  EXPECT_EQ(Read()->GetAccount("123456789012").value().alias, "dev");
  EXPECT_EQ(Secret(Key(kDevKeyId)), kDevSecret);
}

TEST_F(AccountsTest, TakenAccountIdOrKeyIdIsAlreadyExists) {
  CreateAccountOptions options;
  options.account_id = "123456789012";
  options.access_key_id = kDevKeyId;
  ASSERT_TRUE(CreateAccount(*store_, box_, options).has_value());

  CreateAccountOptions same_account;
  same_account.account_id = "123456789012";
  auto again = CreateAccount(*store_, box_, same_account);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);

  CreateAccountOptions same_key;
  same_key.account_id = "210987654321";
  same_key.access_key_id = kDevKeyId;
  auto key_taken = CreateAccount(*store_, box_, same_key);
  ASSERT_FALSE(key_taken.has_value());
  EXPECT_EQ(key_taken.error().code, ErrorCode::kAlreadyExists);
  // Nothing of the failed call was written.
  EXPECT_EQ(Accounts().size(), 1u);
}

TEST_F(AccountsTest, InvalidValuesAreInvalidArgument) {
  auto expect_invalid = [this](const CreateAccountOptions& options) {
    auto result = CreateAccount(*store_, box_, options);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << result.error().message;
    if (!options.secret_access_key.empty()) {
      EXPECT_EQ(result.error().message.find(options.secret_access_key), std::string::npos);
    }
  };
  expect_invalid({"12345678901", "", "", ""});
  expect_invalid({"1234567890123", "", "", ""});
  expect_invalid({"12345678901a", "", "", ""});
  expect_invalid({"", "", "AKIA1234567890", ""});        // 14 characters
  expect_invalid({"", "", "AKIAabcdefghijklmnop", ""});  // lowercase
  expect_invalid({"", "", std::string(129, 'A'), ""});   // too long
  expect_invalid({"", "", "", "shortsecret12"});         // under 16
  EXPECT_TRUE(Accounts().empty());
}

TEST_F(AccountsTest, BootstrapCreatesTheFirstAccountOnceAndPrintsItOnce) {
  auto first = Bootstrap(*store_, box_, {});
  ASSERT_TRUE(first.has_value()) << first.error().message;
  ASSERT_TRUE(first->created.has_value());
  EXPECT_EQ(first->first_account_id, first->created->account_id);
  EXPECT_EQ(first->first_account_id.size(), 12u);
  EXPECT_EQ(Secret(Key(first->created->access_key_id)), first->created->secret_access_key);

  auto second = Bootstrap(*store_, box_, {});
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_FALSE(second->created.has_value());
  EXPECT_EQ(second->first_account_id, first->first_account_id);
  EXPECT_EQ(Accounts().size(), 1u);
}

TEST_F(AccountsTest, BootstrapWithFixedDevelopmentCredentials) {
  BootstrapOptions options{"123456789012", std::string(kDevKeyId), std::string(kDevSecret)};
  auto first = Bootstrap(*store_, box_, options);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->first_account_id, "123456789012");
  // Credentials the operator gave are not printed back.
  EXPECT_FALSE(first->created.has_value());
  EXPECT_EQ(Secret(Key(kDevKeyId)), kDevSecret);
  EXPECT_EQ(Key(kDevKeyId).account_id, "123456789012");

  // Later starts: idempotent.
  const std::uint64_t generation = store_->Generation();
  auto again = Bootstrap(*store_, box_, options);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->first_account_id, "123456789012");
  EXPECT_EQ(store_->Generation(), generation);  // nothing written
  EXPECT_EQ(Accounts().size(), 1u);
}

TEST_F(AccountsTest, BootstrapReactivatesAndRestoresTheDevelopmentKey) {
  BootstrapOptions options{"123456789012", std::string(kDevKeyId), std::string(kDevSecret)};
  ASSERT_TRUE(Bootstrap(*store_, box_, options).has_value());
  {
    auto txn = store_->BeginWrite().value();
    ASSERT_TRUE(
        txn->UpdateAccessKeyStatus(kDevKeyId, store::AccessKeyStatus::kInactive).has_value());
    ASSERT_TRUE(txn->Commit().has_value());
  }
  ASSERT_TRUE(Bootstrap(*store_, box_, options).has_value());
  EXPECT_EQ(Key(kDevKeyId).status, store::AccessKeyStatus::kActive);

  {
    auto txn = store_->BeginWrite().value();
    ASSERT_TRUE(txn->DeleteAccessKey(kDevKeyId).has_value());
    ASSERT_TRUE(txn->Commit().has_value());
  }
  ASSERT_TRUE(Bootstrap(*store_, box_, options).has_value());
  EXPECT_EQ(Secret(Key(kDevKeyId)), kDevSecret);

  // A changed development secret replaces the stored one.
  BootstrapOptions changed = options;
  changed.secret_access_key = "anotherSecretanotherSecretanotherSecret0";
  ASSERT_TRUE(Bootstrap(*store_, box_, changed).has_value());
  EXPECT_EQ(Secret(Key(kDevKeyId)), changed.secret_access_key);
  EXPECT_EQ(Key(kDevKeyId).status, store::AccessKeyStatus::kActive);
}

TEST_F(AccountsTest, BootstrapAddsDevelopmentKeyToAnExistingFirstAccount) {
  auto first = Bootstrap(*store_, box_, {});
  ASSERT_TRUE(first.has_value());
  BootstrapOptions options{"", std::string(kDevKeyId), std::string(kDevSecret)};
  auto again = Bootstrap(*store_, box_, options);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_FALSE(again->created.has_value());
  EXPECT_EQ(Key(kDevKeyId).account_id, first->first_account_id);
  EXPECT_EQ(Key(kDevKeyId).user_name, "");
}

TEST_F(AccountsTest, BootstrapWithAccountIdOnlyGeneratesCredentials) {
  BootstrapOptions options;
  options.account_id = "123456789012";
  auto first = Bootstrap(*store_, box_, options);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  ASSERT_TRUE(first->created.has_value());
  EXPECT_EQ(first->created->account_id, "123456789012");
}

TEST_F(AccountsTest, BootstrapRejectsHalfGivenCredentials) {
  BootstrapOptions options;
  options.access_key_id = kDevKeyId;
  auto result = Bootstrap(*store_, box_, options);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Accounts().empty());
}

TEST_F(AccountsTest, BootstrapRefusesADevelopmentKeyOfAnotherAccount) {
  CreateAccountOptions other;
  other.account_id = "210987654321";
  other.access_key_id = kDevKeyId;
  ASSERT_TRUE(CreateAccount(*store_, box_, other).has_value());
  CreateAccountOptions first;
  first.account_id = "100000000000";
  ASSERT_TRUE(CreateAccount(*store_, box_, first).has_value());
  BootstrapOptions options{"100000000000", std::string(kDevKeyId), std::string(kDevSecret)};
  auto result = Bootstrap(*store_, box_, options);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(result.error().message.find(kDevSecret), std::string::npos);
}

}  // namespace
}  // namespace portcullis::api::accounts
