// The Authenticator against a memory store: requests signed with the SigV4 primitives,
// keys sealed with a test SecretBox.
#include "auth/authenticator.h"

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "auth/session_token.h"
#include "auth/sigv4/canonical.h"
#include "auth/sigv4/errors.h"
#include "auth/sigv4/s3_query_v2.h"
#include "auth/sigv4/signing.h"
#include "common/base64.h"
#include "common/clock.h"
#include "crypto/crypto.h"
#include "crypto/secret_box.h"
#include "store/identity_store.h"
#include "store/memory/memory_store.h"
#include "store/records.h"

namespace portcullis::auth {
namespace {

constexpr std::string_view kAccountId = "123456789012";
constexpr std::string_view kRootKeyId = "AKIAROOTROOTROOTROOT";
constexpr std::string_view kRootSecret = "rootSecretrootSecretrootSecretrootSecret";
constexpr std::string_view kBobKeyId = "AKIABOBBOBBOBBOBBOB2";
constexpr std::string_view kBobSecret = "bobSecretbobSecretbobSecretbobSecretbobS";
constexpr std::string_view kBobId = "AIDABOBBOBBOBBOBBOB23";
constexpr std::string_view kBobArn = "arn:aws:iam::123456789012:user/dev/bob";

// 2026-01-01T00:00:00Z.
constexpr std::chrono::system_clock::time_point kStart{std::chrono::seconds(1767225600)};

crypto::SecretBox TestBox(std::uint8_t fill = 7) {
  std::array<std::uint8_t, crypto::kMasterKeySize> key{};
  key.fill(fill);
  return crypto::SecretBox::FromKeyForTest(key);
}

// A signed request; owns its strings.
struct Signed {
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<sigv4::HeaderField> fields;
  std::string body = "Action=GetUser&Version=2010-05-08";

  sigv4::HttpRequest Request() {
    fields.clear();
    for (const auto& [name, value] : headers) {
      fields.push_back({name, value});
    }
    return sigv4::HttpRequest{"POST", "/", "", fields, body, std::nullopt};
  }
};

Signed Sign(std::string_view key_id, std::string_view secret,
            std::chrono::system_clock::time_point at, std::string_view region = "us-east-1",
            std::optional<std::string> token = std::nullopt) {
  Signed s;
  const std::string amz_date = sigv4::FormatAmzDate(std::chrono::floor<std::chrono::seconds>(at));
  const std::string date = amz_date.substr(0, 8);
  s.headers = {{"Host", "iam.amazonaws.com"},
               {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"X-Amz-Date", amz_date}};
  std::vector<std::string> signed_headers = {"content-type", "host", "x-amz-date"};
  if (token.has_value()) {
    s.headers.emplace_back("X-Amz-Security-Token", *token);
    signed_headers.emplace_back("x-amz-security-token");
  }
  std::vector<sigv4::HeaderField> fields;
  for (const auto& [name, value] : s.headers) {
    fields.push_back({name, value});
  }
  const std::string payload_hash = crypto::HexLower(crypto::Sha256(s.body));
  const sigv4::CanonicalRequestInput input{"POST",         "/",          "",    fields,
                                           signed_headers, payload_hash, false, false};
  const std::string canonical = sigv4::CanonicalRequest(input);
  const std::string scope = sigv4::CredentialScope(date, region, "iam");
  const std::string signature =
      sigv4::Signature(sigv4::DeriveSigningKey(secret, date, region, "iam"),
                       sigv4::StringToSign(amz_date, scope, canonical));
  std::string names;
  for (const std::string& h : signed_headers) {
    names += names.empty() ? h : ";" + h;
  }
  s.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + std::string(key_id) +
                                              "/" + scope + ", SignedHeaders=" + names +
                                              ", Signature=" + signature);
  return s;
}

// Forwards to a real store but answers kNotFound for every user: a key whose user is gone.
class UserlessReadTxn : public store::ReadTxn {
 public:
  explicit UserlessReadTxn(std::unique_ptr<store::ReadTxn> inner) : inner_(std::move(inner)) {}

  Result<store::Account> GetAccount(std::string_view id) override { return inner_->GetAccount(id); }

  Result<std::vector<store::Account>> ListAccounts() override { return inner_->ListAccounts(); }

  Result<store::User> GetUser(std::string_view, std::string_view) override {
    return MakeError(store::NotFoundError("no such user"));
  }

  Result<store::Page<store::User>> ListUsers(std::string_view a,
                                             const store::ListOptions& o) override {
    return inner_->ListUsers(a, o);
  }

  Result<store::Group> GetGroup(std::string_view a, std::string_view n) override {
    return inner_->GetGroup(a, n);
  }

  Result<store::Page<store::Group>> ListGroups(std::string_view a,
                                               const store::ListOptions& o) override {
    return inner_->ListGroups(a, o);
  }

  Result<store::Role> GetRole(std::string_view a, std::string_view n) override {
    return inner_->GetRole(a, n);
  }

  Result<store::Page<store::Role>> ListRoles(std::string_view a,
                                             const store::ListOptions& o) override {
    return inner_->ListRoles(a, o);
  }

  Result<store::ManagedPolicy> GetManagedPolicy(std::string_view arn) override {
    return inner_->GetManagedPolicy(arn);
  }

  Result<store::Page<store::ManagedPolicy>> ListManagedPolicies(
      std::string_view a, const store::PolicyListOptions& o) override {
    return inner_->ListManagedPolicies(a, o);
  }

  Result<store::PolicyVersion> GetPolicyVersion(std::string_view arn, std::string_view v) override {
    return inner_->GetPolicyVersion(arn, v);
  }

  Result<store::Page<store::PolicyVersion>> ListPolicyVersions(
      std::string_view arn, const store::ListOptions& o) override {
    return inner_->ListPolicyVersions(arn, o);
  }

  Result<store::InlinePolicy> GetInlinePolicy(const store::PrincipalRef& p,
                                              std::string_view n) override {
    return inner_->GetInlinePolicy(p, n);
  }

  Result<store::Page<store::InlinePolicy>> ListInlinePolicies(
      const store::PrincipalRef& p, const store::ListOptions& o) override {
    return inner_->ListInlinePolicies(p, o);
  }

  Result<store::AccessKey> GetAccessKey(std::string_view id) override {
    return inner_->GetAccessKey(id);
  }

  Result<store::Page<store::AccessKey>> ListAccessKeys(std::string_view a, std::string_view u,
                                                       const store::ListOptions& o) override {
    return inner_->ListAccessKeys(a, u, o);
  }

  // Instance profiles
  Result<store::InstanceProfile> GetInstanceProfile(std::string_view a,
                                                    std::string_view n) override {
    return inner_->GetInstanceProfile(a, n);
  }

  Result<store::Page<store::InstanceProfile>> ListInstanceProfiles(
      std::string_view a, const store::ListOptions& o) override {
    return inner_->ListInstanceProfiles(a, o);
  }

  Result<store::Page<store::InstanceProfile>> ListInstanceProfilesForRole(
      std::string_view a, std::string_view r, const store::ListOptions& o) override {
    return inner_->ListInstanceProfilesForRole(a, r, o);
  }

  // Login profiles and the password policy
  Result<store::LoginProfile> GetLoginProfile(std::string_view a, std::string_view u) override {
    return inner_->GetLoginProfile(a, u);
  }

  Result<std::vector<std::string>> GetPasswordHistory(std::string_view a,
                                                      std::string_view u) override {
    return inner_->GetPasswordHistory(a, u);
  }

  Result<store::PasswordPolicy> GetPasswordPolicy(std::string_view a) override {
    return inner_->GetPasswordPolicy(a);
  }

  // Resources
  Result<store::Resource> GetResource(store::ResourceKind k, std::string_view a,
                                      std::string_view key) override {
    return inner_->GetResource(k, a, key);
  }

  Result<store::Page<store::Resource>> ListResources(store::ResourceKind k, std::string_view a,
                                                     const store::ResourceFilter& f,
                                                     const store::ListOptions& o) override {
    return inner_->ListResources(k, a, f, o);
  }

  Result<store::Page<store::Group>> ListGroupsForUser(std::string_view a, std::string_view u,
                                                      const store::ListOptions& o) override {
    return inner_->ListGroupsForUser(a, u, o);
  }

  Result<store::Page<store::User>> ListGroupMembers(std::string_view a, std::string_view g,
                                                    const store::ListOptions& o) override {
    return inner_->ListGroupMembers(a, g, o);
  }

  Result<store::Page<store::ManagedPolicy>> ListAttachedPolicies(
      const store::PrincipalRef& p, const store::ListOptions& o) override {
    return inner_->ListAttachedPolicies(p, o);
  }

  Result<std::vector<store::PolicyEntity>> ListPolicyEntities(std::string_view arn) override {
    return inner_->ListPolicyEntities(arn);
  }

 private:
  std::unique_ptr<store::ReadTxn> inner_;
};

class UserlessStore : public store::IdentityStore {
 public:
  explicit UserlessStore(store::IdentityStore& inner) : inner_(inner) {}

  Result<std::unique_ptr<store::ReadTxn>> BeginRead() override {
    IAM_ASSIGN_OR_RETURN(std::unique_ptr<store::ReadTxn> txn, inner_.BeginRead());
    return std::unique_ptr<store::ReadTxn>(std::make_unique<UserlessReadTxn>(std::move(txn)));
  }

  Result<std::unique_ptr<store::WriteTxn>> BeginWrite() override { return inner_.BeginWrite(); }

  std::uint64_t Generation() const override { return inner_.Generation(); }

 private:
  store::IdentityStore& inner_;
};

// Forwards to a real store and counts the transactions begun.
class CountingStore : public store::IdentityStore {
 public:
  explicit CountingStore(store::IdentityStore& inner) : inner_(inner) {}

  Result<std::unique_ptr<store::ReadTxn>> BeginRead() override {
    ++reads_;
    return inner_.BeginRead();
  }

  Result<std::unique_ptr<store::WriteTxn>> BeginWrite() override {
    ++writes_;
    return inner_.BeginWrite();
  }

  std::uint64_t Generation() const override { return inner_.Generation(); }

  int reads() const { return reads_.load(); }

  int writes() const { return writes_.load(); }

 private:
  store::IdentityStore& inner_;
  std::atomic<int> reads_{0};
  std::atomic<int> writes_{0};
};

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto txn = store_->BeginWrite().value();
    ASSERT_TRUE(txn->PutAccount(store::Account{std::string(kAccountId), "", {}}).has_value());
    store::User bob;
    bob.account_id = kAccountId;
    bob.name = "bob";
    bob.path = "/dev/";
    bob.id = kBobId;
    bob.arn = kBobArn;
    ASSERT_TRUE(txn->PutUser(bob).has_value());
    ASSERT_TRUE(txn->PutAccessKey(Key(kRootKeyId, kRootSecret, "")).has_value());
    ASSERT_TRUE(txn->PutAccessKey(Key(kBobKeyId, kBobSecret, "bob")).has_value());
    ASSERT_TRUE(txn->Commit().has_value());
  }

  store::AccessKey Key(std::string_view id, std::string_view secret, std::string_view user) {
    store::AccessKey key;
    key.id = id;
    key.account_id = kAccountId;
    key.user_name = user;
    key.sealed_secret = box_.Seal(secret, id);
    return key;
  }

  Result<Caller> Auth(Signed s, std::optional<std::string> service = "iam",
                      sigv4::Authenticated* out = nullptr) {
    return authn_.Authenticate(s.Request(), std::move(service), out);
  }

  void Write(const std::function<void(store::WriteTxn&)>& change) {
    auto txn = store_->BeginWrite().value();
    change(*txn);
    ASSERT_TRUE(txn->Commit().has_value());
  }

  store::AccessKey ReadKey(std::string_view id) {
    return store_->BeginRead().value()->GetAccessKey(id).value();
  }

  static void ExpectAwsError(const Result<Caller>& result, std::string_view code) {
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().aws_code, code) << result.error().message;
  }

  FakeClock clock_{kStart};
  crypto::SecretBox box_ = TestBox();
  std::unique_ptr<store::IdentityStore> store_ = store::memory::NewMemoryStore(clock_).value();
  Authenticator authn_{*store_, box_, clock_};
};

TEST_F(AuthenticatorTest, RootKeySignsAsTheAccountRoot) {
  sigv4::Authenticated signer;
  auto caller = Auth(Sign(kRootKeyId, kRootSecret, kStart), "iam", &signer);
  ASSERT_TRUE(caller.has_value()) << caller.error().message;
  EXPECT_EQ(caller->type, PrincipalType::kRoot);
  EXPECT_EQ(caller->account_id, kAccountId);
  EXPECT_EQ(caller->arn, "arn:aws:iam::123456789012:root");
  EXPECT_EQ(caller->principal_id, kAccountId);
  EXPECT_EQ(caller->user_name, "");
  EXPECT_EQ(caller->access_key_id, kRootKeyId);
  EXPECT_FALSE(caller->session_token.has_value());
  EXPECT_EQ(signer.access_key_id, kRootKeyId);
  EXPECT_EQ(signer.service, "iam");
  EXPECT_EQ(signer.region, "us-east-1");
}

TEST_F(AuthenticatorTest, UserKeySignsAsTheUser) {
  auto caller = Auth(Sign(kBobKeyId, kBobSecret, kStart));
  ASSERT_TRUE(caller.has_value()) << caller.error().message;
  EXPECT_EQ(caller->type, PrincipalType::kUser);
  EXPECT_EQ(caller->arn, kBobArn);
  EXPECT_EQ(caller->principal_id, kBobId);
  EXPECT_EQ(caller->user_name, "bob");
  EXPECT_EQ(caller->account_id, kAccountId);
  EXPECT_EQ(caller->access_key_id, kBobKeyId);
}

TEST_F(AuthenticatorTest, RepeatedRequestsUseTheCache) {
  for (int i = 0; i < 3; ++i) {
    auto caller = Auth(Sign(kBobKeyId, kBobSecret, kStart));
    ASSERT_TRUE(caller.has_value()) << caller.error().message;
    EXPECT_EQ(caller->arn, kBobArn);
  }
}

TEST_F(AuthenticatorTest, HotPathTakesNoStoreTransaction) {
  CountingStore counting(*store_);
  Authenticator authn(counting, box_, clock_);
  Signed s = Sign(kBobKeyId, kBobSecret, kStart);
  ASSERT_TRUE(authn.Authenticate(s.Request(), "iam").has_value());
  const int reads = counting.reads();
  const int writes = counting.writes();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(authn.Authenticate(s.Request(), "iam").has_value());
  }
  // The first request's last-use write bumped the generation: one reload.
  EXPECT_LE(counting.reads(), reads + 1);
  EXPECT_EQ(counting.writes(), writes);
}

TEST_F(AuthenticatorTest, WrongSecretIsSignatureDoesNotMatch) {
  auto caller = Auth(Sign(kBobKeyId, kRootSecret, kStart));
  ExpectAwsError(caller, sigv4::kSignatureDoesNotMatch);
  EXPECT_EQ(caller.error().message, sigv4::kSignatureDoesNotMatchMessage);
  // No secret reaches the message.
  EXPECT_EQ(caller.error().message.find(kBobSecret), std::string::npos);
  EXPECT_EQ(caller.error().message.find(kRootSecret), std::string::npos);
}

TEST_F(AuthenticatorTest, UnknownKeyIsInvalidClientTokenId) {
  auto caller = Auth(Sign("AKIAUNKNOWNUNKNOWN22", kBobSecret, kStart));
  ExpectAwsError(caller, sigv4::kInvalidClientTokenId);
  EXPECT_EQ(caller.error().message, "The security token included in the request is invalid.");
}

TEST_F(AuthenticatorTest, InactiveKeyStopsAtOnceAndActiveRestores) {
  ASSERT_TRUE(Auth(Sign(kBobKeyId, kBobSecret, kStart)).has_value());
  Write([](store::WriteTxn& txn) {
    ASSERT_TRUE(
        txn.UpdateAccessKeyStatus(kBobKeyId, store::AccessKeyStatus::kInactive).has_value());
  });
  ExpectAwsError(Auth(Sign(kBobKeyId, kBobSecret, kStart)), sigv4::kInvalidClientTokenId);
  Write([](store::WriteTxn& txn) {
    ASSERT_TRUE(txn.UpdateAccessKeyStatus(kBobKeyId, store::AccessKeyStatus::kActive).has_value());
  });
  EXPECT_TRUE(Auth(Sign(kBobKeyId, kBobSecret, kStart)).has_value());
}

TEST_F(AuthenticatorTest, DeletedKeyStopsAtOnce) {
  ASSERT_TRUE(Auth(Sign(kBobKeyId, kBobSecret, kStart)).has_value());
  Write([](store::WriteTxn& txn) { ASSERT_TRUE(txn.DeleteAccessKey(kBobKeyId).has_value()); });
  ExpectAwsError(Auth(Sign(kBobKeyId, kBobSecret, kStart)), sigv4::kInvalidClientTokenId);
}

TEST_F(AuthenticatorTest, RenamedUserSignsUnderItsNewNameAtOnce) {
  ASSERT_TRUE(Auth(Sign(kBobKeyId, kBobSecret, kStart)).has_value());
  Write([](store::WriteTxn& txn) {
    store::User bob = txn.GetUser(kAccountId, "bob").value();
    bob.name = "robert";
    bob.arn = "arn:aws:iam::123456789012:user/dev/robert";
    ASSERT_TRUE(txn.UpdateUser(bob).has_value());
  });
  auto caller = Auth(Sign(kBobKeyId, kBobSecret, kStart));
  ASSERT_TRUE(caller.has_value()) << caller.error().message;
  EXPECT_EQ(caller->user_name, "robert");
  EXPECT_EQ(caller->arn, "arn:aws:iam::123456789012:user/dev/robert");
}

TEST(AuthenticatorDeletedUserTest, KeyOfADeletedUserIsInvalidClientTokenId) {
  // The stores refuse to delete a user that has keys; a store that lost the user row
  // (or a race between GetAccessKey and GetUser) must still not authenticate.
  FakeClock clock{kStart};
  crypto::SecretBox box = TestBox();
  auto inner = store::memory::NewMemoryStore(clock).value();
  {
    auto txn = inner->BeginWrite().value();
    ASSERT_TRUE(txn->PutAccount(store::Account{std::string(kAccountId), "", {}}).has_value());
    store::User bob;
    bob.account_id = kAccountId;
    bob.name = "bob";
    bob.id = kBobId;
    bob.arn = kBobArn;
    ASSERT_TRUE(txn->PutUser(bob).has_value());
    store::AccessKey key;
    key.id = kBobKeyId;
    key.account_id = kAccountId;
    key.user_name = "bob";
    key.sealed_secret = box.Seal(kBobSecret, kBobKeyId);
    ASSERT_TRUE(txn->PutAccessKey(key).has_value());
    ASSERT_TRUE(txn->Commit().has_value());
  }
  UserlessStore store(*inner);
  Authenticator authn(store, box, clock);
  Signed s = Sign(kBobKeyId, kBobSecret, kStart);
  auto caller = authn.Authenticate(s.Request(), "iam");
  ASSERT_FALSE(caller.has_value());
  EXPECT_EQ(caller.error().aws_code, sigv4::kInvalidClientTokenId);
}

TEST_F(AuthenticatorTest, ClockSkewBeyondFifteenMinutesIsRejected) {
  ExpectAwsError(Auth(Sign(kBobKeyId, kBobSecret, kStart - std::chrono::minutes(16))),
                 sigv4::kSignatureDoesNotMatch);
  ExpectAwsError(Auth(Sign(kBobKeyId, kBobSecret, kStart + std::chrono::minutes(16))),
                 sigv4::kSignatureDoesNotMatch);
  EXPECT_TRUE(Auth(Sign(kBobKeyId, kBobSecret, kStart - std::chrono::minutes(14))).has_value());
  clock_.Advance(std::chrono::minutes(20));
  ExpectAwsError(Auth(Sign(kBobKeyId, kBobSecret, kStart)), sigv4::kSignatureDoesNotMatch);
}

TEST_F(AuthenticatorTest, SecurityTokenWithALongTermKeyIsInvalidClientTokenId) {
  ExpectAwsError(Auth(Sign(kBobKeyId, kBobSecret, kStart, "us-east-1", "FQoGZXIvYXdzEXAMPLE")),
                 sigv4::kInvalidClientTokenId);
}

// Temporary credentials of an assumed-role session, valid for an hour from kStart.
SessionCredentials RoleSession(std::string_view key_id) {
  SessionCredentials c;
  c.access_key_id = key_id;
  c.secret_access_key = "tempSecrettempSecrettempSecrettempSecret";
  c.caller.type = PrincipalType::kAssumedRole;
  c.caller.account_id = kAccountId;
  c.caller.arn = "arn:aws:sts::123456789012:assumed-role/ops/s1";
  c.caller.principal_id = "AROAOPSOPSOPSOPSOPS23:s1";
  auto session = std::make_shared<Session>();
  session->role_arn = "arn:aws:iam::123456789012:role/ops";
  session->role_name = "ops";
  session->session_name = "s1";
  session->issued_at = kStart;
  session->expires_at = kStart + std::chrono::hours(1);
  c.caller.session = std::move(session);
  return c;
}

TEST_F(AuthenticatorTest, SessionTokenSignsAsTheSessionWithoutAStoreLookup) {
  const SessionCredentials creds = RoleSession("ASIATEMPTEMPTEMPTEM2");
  const std::string token = SessionTokenCodec(box_).Issue(creds, kStart);
  CountingStore counting(*store_);
  Authenticator authn(counting, box_, clock_);
  auto caller = authn.Authenticate(
      Sign(creds.access_key_id, creds.secret_access_key, kStart, "us-east-1", token).Request(),
      "iam");
  ASSERT_TRUE(caller.has_value()) << caller.error().message;
  EXPECT_EQ(caller->type, PrincipalType::kAssumedRole);
  EXPECT_EQ(caller->arn, "arn:aws:sts::123456789012:assumed-role/ops/s1");
  EXPECT_EQ(caller->access_key_id, "ASIATEMPTEMPTEMPTEM2");
  ASSERT_TRUE(caller->session);
  EXPECT_EQ(caller->session->role_name, "ops");
  EXPECT_EQ(caller->session_token, token);
  EXPECT_EQ(counting.reads(), 0);
}

TEST_F(AuthenticatorTest, ExpiredSessionTokenIsExpiredToken) {
  const SessionCredentials creds = RoleSession("ASIATEMPTEMPTEMPTEM2");
  const std::string token = SessionTokenCodec(box_).Issue(creds, kStart);
  clock_.Advance(std::chrono::hours(1));
  auto result =
      Auth(Sign(creds.access_key_id, creds.secret_access_key, clock_.Now(), "us-east-1", token));
  ExpectAwsError(result, sigv4::kExpiredToken);
  EXPECT_EQ(result.error().message, "The security token included in the request is expired");
  EXPECT_EQ(sigv4::HttpStatusForAwsCode(sigv4::kExpiredToken), 403);
}

TEST_F(AuthenticatorTest, TamperedOrForeignSessionTokenIsInvalidClientTokenId) {
  const SessionCredentials creds = RoleSession("ASIATEMPTEMPTEMPTEM2");
  std::string token = SessionTokenCodec(box_).Issue(creds, kStart);
  std::string tampered = token;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  ExpectAwsError(
      Auth(Sign(creds.access_key_id, creds.secret_access_key, kStart, "us-east-1", tampered)),
      sigv4::kInvalidClientTokenId);
  // Sealed under another master key.
  const crypto::SecretBox other = TestBox(9);
  const std::string foreign = SessionTokenCodec(other).Issue(creds, kStart);
  ExpectAwsError(
      Auth(Sign(creds.access_key_id, creds.secret_access_key, kStart, "us-east-1", foreign)),
      sigv4::kInvalidClientTokenId);
  // The token of another temporary key.
  ExpectAwsError(
      Auth(Sign("ASIAOTHEROTHEROTHER2", creds.secret_access_key, kStart, "us-east-1", token)),
      sigv4::kInvalidClientTokenId);
  // A temporary key without its token.
  ExpectAwsError(Auth(Sign(creds.access_key_id, creds.secret_access_key, kStart)),
                 sigv4::kInvalidClientTokenId);
  // The right token, the wrong secret.
  ExpectAwsError(Auth(Sign(creds.access_key_id, kBobSecret, kStart, "us-east-1", token)),
                 sigv4::kSignatureDoesNotMatch);
}

TEST_F(AuthenticatorTest, SessionTokenOpensOnAnotherAuthenticatorWithTheSameMasterKey) {
  const SessionCredentials creds = RoleSession("ASIATEMPTEMPTEMPTEM2");
  const std::string token = SessionTokenCodec(box_).Issue(creds, kStart);
  const crypto::SecretBox same = TestBox();
  auto other_store = store::memory::NewMemoryStore(clock_).value();
  Authenticator other(*other_store, same, clock_);
  auto caller = other.Authenticate(
      Sign(creds.access_key_id, creds.secret_access_key, kStart, "us-east-1", token).Request(),
      "iam");
  ASSERT_TRUE(caller.has_value()) << caller.error().message;
  EXPECT_EQ(caller->principal_id, "AROAOPSOPSOPSOPSOPS23:s1");
}

TEST_F(AuthenticatorTest, WrongServiceIsRejected) {
  ASSERT_FALSE(Auth(Sign(kBobKeyId, kBobSecret, kStart), "sts").has_value());
}

TEST_F(AuthenticatorTest, MissingAuthenticationToken) {
  Signed s;
  s.headers = {{"Host", "iam.amazonaws.com"}};
  ExpectAwsError(Auth(s), sigv4::kMissingAuthenticationToken);
}

TEST_F(AuthenticatorTest, SecretSealedForAnotherKeyDoesNotAuthenticate) {
  // A sealed secret copied to another record does not open there.
  Write([this](store::WriteTxn& txn) {
    store::AccessKey copy = Key("AKIACOPYCOPYCOPYCOPY", kBobSecret, "bob");
    copy.sealed_secret = box_.Seal(kBobSecret, kBobKeyId);
    ASSERT_TRUE(txn.PutAccessKey(copy).has_value());
  });
  auto caller = Auth(Sign("AKIACOPYCOPYCOPYCOPY", kBobSecret, kStart));
  ASSERT_FALSE(caller.has_value());
  EXPECT_EQ(caller.error().message.find(kBobSecret), std::string::npos);
}

TEST_F(AuthenticatorTest, RecordsLastUseAtMostOnceAMinute) {
  ASSERT_TRUE(Auth(Sign(kBobKeyId, kBobSecret, kStart, "eu-west-1")).has_value());
  store::AccessKey key = ReadKey(kBobKeyId);
  ASSERT_TRUE(key.last_used.has_value());
  EXPECT_EQ(*key.last_used, std::chrono::floor<std::chrono::milliseconds>(kStart));
  EXPECT_EQ(key.last_used_service, "iam");
  EXPECT_EQ(key.last_used_region, "eu-west-1");

  clock_.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(Auth(Sign(kBobKeyId, kBobSecret, clock_.Now(), "us-west-2")).has_value());
  EXPECT_EQ(ReadKey(kBobKeyId).last_used_region, "eu-west-1");

  clock_.Advance(std::chrono::seconds(31));
  ASSERT_TRUE(Auth(Sign(kBobKeyId, kBobSecret, clock_.Now(), "us-west-2")).has_value());
  key = ReadKey(kBobKeyId);
  EXPECT_EQ(key.last_used_region, "us-west-2");
  EXPECT_EQ(*key.last_used, std::chrono::floor<std::chrono::milliseconds>(clock_.Now()));
}

TEST_F(AuthenticatorTest, FailedRequestsDoNotRecordUse) {
  ASSERT_FALSE(Auth(Sign(kBobKeyId, kRootSecret, kStart)).has_value());
  EXPECT_FALSE(ReadKey(kBobKeyId).last_used.has_value());
}

TEST_F(AuthenticatorTest, ClearKeepsWorking) {
  ASSERT_TRUE(Auth(Sign(kBobKeyId, kBobSecret, kStart)).has_value());
  authn_.Clear();
  EXPECT_TRUE(Auth(Sign(kBobKeyId, kBobSecret, kStart)).has_value());
}

TEST_F(AuthenticatorTest, ConcurrentRequests) {
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        const bool root = (i % 2) == 0;
        if (Auth(root ? Sign(kRootKeyId, kRootSecret, kStart) : Sign(kBobKeyId, kBobSecret, kStart))
                .has_value()) {
          ++ok;
        }
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 200);
}

// --- S3 Signature Version 2 presigned URLs ------------------------------------------------

// A SigV2 presigned GET of /bucket/key, built by hand from AWS's StringToSign (not by the
// verifier's code): GET\n\n\nExpires\n[x-amz-security-token:T\n]/bucket/key.
struct PresignedV2 {
  std::string query;
  std::vector<sigv4::HeaderField> none;

  sigv4::HttpRequest Request() const {
    return sigv4::HttpRequest{"GET", "/bucket/key", query, none, "", std::nullopt};
  }
};

PresignedV2 PresignV2(std::string_view key_id, std::string_view secret,
                      std::chrono::system_clock::time_point expires,
                      std::optional<std::string> token = std::nullopt) {
  const std::string epoch = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count());
  std::string to_sign = "GET\n\n\n" + epoch + "\n";
  if (token.has_value()) {
    to_sign += "x-amz-security-token:" + *token + "\n";
  }
  to_sign += "/bucket/key";
  const std::string signature = EncodeBase64(crypto::AsBytes(crypto::HmacSha1(secret, to_sign)));
  PresignedV2 p;
  p.query = "AWSAccessKeyId=" + std::string(key_id) +
            "&Signature=" + sigv4::UriEncode(signature, false) + "&Expires=" + epoch;
  if (token.has_value()) {
    p.query += "&x-amz-security-token=" + sigv4::UriEncode(*token, false);
  }
  return p;
}

TEST_F(AuthenticatorTest, S3QueryV2SignsAsTheUserAndRecordsUse) {
  sigv4::Authenticated signer;
  auto caller = authn_.AuthenticateS3QueryV2(
      PresignV2(kBobKeyId, kBobSecret, kStart + std::chrono::minutes(5)).Request(), &signer);
  ASSERT_TRUE(caller.has_value()) << caller.error().message;
  EXPECT_EQ(caller->type, PrincipalType::kUser);
  EXPECT_EQ(caller->arn, kBobArn);
  EXPECT_EQ(caller->access_key_id, kBobKeyId);
  EXPECT_FALSE(caller->session_token.has_value());
  EXPECT_TRUE(signer.signature_v2);
  EXPECT_TRUE(signer.presigned);
  EXPECT_EQ(signer.service, "s3");
  EXPECT_EQ(signer.request_time, std::chrono::floor<std::chrono::seconds>(kStart));
  const store::AccessKey key = ReadKey(kBobKeyId);
  ASSERT_TRUE(key.last_used.has_value());
  EXPECT_EQ(key.last_used_service, "s3");

  auto root = authn_.AuthenticateS3QueryV2(
      PresignV2(kRootKeyId, kRootSecret, kStart + std::chrono::minutes(5)).Request());
  ASSERT_TRUE(root.has_value()) << root.error().message;
  EXPECT_EQ(root->type, PrincipalType::kRoot);
}

TEST_F(AuthenticatorTest, S3QueryV2RejectsWrongSecretInactiveAndUnknownKeys) {
  const auto expires = kStart + std::chrono::minutes(5);
  ExpectAwsError(authn_.AuthenticateS3QueryV2(PresignV2(kBobKeyId, kRootSecret, expires).Request()),
                 sigv4::kSignatureDoesNotMatch);
  ExpectAwsError(authn_.AuthenticateS3QueryV2(
                     PresignV2("AKIAUNKNOWNUNKNOWN22", kBobSecret, expires).Request()),
                 sigv4::kInvalidClientTokenId);
  Write([](store::WriteTxn& txn) {
    ASSERT_TRUE(
        txn.UpdateAccessKeyStatus(kBobKeyId, store::AccessKeyStatus::kInactive).has_value());
  });
  ExpectAwsError(authn_.AuthenticateS3QueryV2(PresignV2(kBobKeyId, kBobSecret, expires).Request()),
                 sigv4::kInvalidClientTokenId);
  EXPECT_FALSE(ReadKey(kBobKeyId).last_used.has_value());
}

TEST_F(AuthenticatorTest, S3QueryV2ExpiredUrlIsAccessDenied) {
  auto result = authn_.AuthenticateS3QueryV2(
      PresignV2(kBobKeyId, kBobSecret, kStart - std::chrono::seconds(1)).Request());
  ExpectAwsError(result, sigv4::kAccessDenied);
  EXPECT_EQ(result.error().message, "Request has expired");
}

TEST_F(AuthenticatorTest, S3QueryV2WithTemporaryCredentials) {
  const SessionCredentials creds = RoleSession("ASIATEMPTEMPTEMPTEM2");
  const std::string token = SessionTokenCodec(box_).Issue(creds, kStart);
  CountingStore counting(*store_);
  Authenticator authn(counting, box_, clock_);
  const PresignedV2 url = PresignV2(creds.access_key_id, creds.secret_access_key,
                                    kStart + std::chrono::hours(2), token);
  auto caller = authn.AuthenticateS3QueryV2(url.Request());
  ASSERT_TRUE(caller.has_value()) << caller.error().message;
  EXPECT_EQ(caller->type, PrincipalType::kAssumedRole);
  EXPECT_EQ(caller->arn, "arn:aws:sts::123456789012:assumed-role/ops/s1");
  EXPECT_EQ(caller->access_key_id, "ASIATEMPTEMPTEMPTEM2");
  EXPECT_EQ(caller->session_token, token);
  EXPECT_EQ(counting.reads(), 0);

  // The URL outlives the session: the token's expiry still applies.
  clock_.Advance(std::chrono::hours(1));
  ExpectAwsError(authn.AuthenticateS3QueryV2(url.Request()), sigv4::kExpiredToken);
  // A long-term key with a token is not a session.
  ExpectAwsError(
      authn.AuthenticateS3QueryV2(
          PresignV2(kBobKeyId, kBobSecret, kStart + std::chrono::hours(2), token).Request()),
      sigv4::kInvalidClientTokenId);
}

}  // namespace
}  // namespace portcullis::auth
