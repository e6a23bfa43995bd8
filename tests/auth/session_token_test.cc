#include "auth/session_token.h"

#include <array>
#include <chrono>
#include <gtest/gtest.h>
#include <memory>
#include <string>

#include "crypto/secret_box.h"

namespace portcullis::auth {
namespace {

constexpr std::chrono::system_clock::time_point kNow{std::chrono::seconds(1767225600)};

crypto::SecretBox Box(std::uint8_t fill) {
  std::array<std::uint8_t, crypto::kMasterKeySize> key{};
  key.fill(fill);
  return crypto::SecretBox::FromKeyForTest(key);
}

SessionCredentials Federated() {
  SessionCredentials c;
  c.access_key_id = "ASIAFEDFEDFEDFEDFED2";
  c.secret_access_key = "s3cr3t";
  c.caller.type = PrincipalType::kFederatedUser;
  c.caller.account_id = "123456789012";
  c.caller.arn = "arn:aws:sts::123456789012:federated-user/carol";
  c.caller.principal_id = "123456789012:carol";
  c.caller.user_name = "bob";
  c.caller.mfa_authenticated_at = kNow - std::chrono::seconds(30);
  auto s = std::make_shared<Session>();
  s->session_name = "carol";
  s->source_user_name = "bob";
  s->source_arn = "arn:aws:iam::123456789012:user/bob";
  s->source_identity = "carol@example.com";
  s->policies = {R"({"Version":"2012-10-17","Statement":[]})"};
  s->policy_arns = {"arn:aws:iam::aws:policy/ReadOnlyAccess"};
  s->tags = {{"team", "blue"}, {"cost", "42"}};
  s->transitive_tag_keys = {"team"};
  s->issued_at = kNow;
  s->expires_at = kNow + std::chrono::hours(12);
  s->chained = true;
  c.caller.session = std::move(s);
  return c;
}

TEST(SessionTokenTest, RoundTripsEveryClaim) {
  const crypto::SecretBox box = Box(1);
  SessionTokenCodec codec(box);
  const std::string token = codec.Issue(Federated(), kNow);
  EXPECT_TRUE(token.starts_with(kSessionTokenPrefix));
  EXPECT_EQ(token.find("s3cr3t"), std::string::npos);
  auto opened = codec.Open(token, kNow + std::chrono::hours(1));
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  const SessionCredentials want = Federated();
  EXPECT_EQ(opened->access_key_id, want.access_key_id);
  EXPECT_EQ(opened->secret_access_key, "s3cr3t");
  EXPECT_EQ(opened->caller.type, PrincipalType::kFederatedUser);
  EXPECT_EQ(opened->caller.arn, want.caller.arn);
  EXPECT_EQ(opened->caller.principal_id, want.caller.principal_id);
  EXPECT_EQ(opened->caller.user_name, "bob");
  EXPECT_EQ(opened->caller.mfa_authenticated_at, want.caller.mfa_authenticated_at);
  const Session& s = *opened->caller.session;
  EXPECT_EQ(s.source_identity, "carol@example.com");
  EXPECT_EQ(s.policies, want.caller.session->policies);
  EXPECT_EQ(s.policy_arns, want.caller.session->policy_arns);
  EXPECT_EQ(s.tags, want.caller.session->tags);
  EXPECT_EQ(s.transitive_tag_keys, want.caller.session->transitive_tag_keys);
  EXPECT_EQ(s.issued_at, kNow);
  EXPECT_EQ(s.expires_at, kNow + std::chrono::hours(12));
  EXPECT_TRUE(s.chained);
}

TEST(SessionTokenTest, KeyRingOpensRecentEpochsOnly) {
  const crypto::SecretBox box = Box(1);
  SessionTokenCodec codec(box);
  const std::string token = codec.Issue(Federated(), kNow);
  EXPECT_TRUE(codec.Open(token, kNow + std::chrono::hours(24 * kRingPreviousEpochs)).has_value());
  EXPECT_FALSE(
      codec.Open(token, kNow + std::chrono::hours(24 * (kRingPreviousEpochs + 1))).has_value());
  EXPECT_TRUE(codec.Open(token, kNow - std::chrono::hours(1)).has_value());
  EXPECT_FALSE(codec.Open(token, kNow - std::chrono::hours(48)).has_value());
}

TEST(SessionTokenTest, RefusesTamperingForeignKeysAndGarbage) {
  const crypto::SecretBox box = Box(1);
  const crypto::SecretBox other = Box(2);
  SessionTokenCodec codec(box);
  const std::string token = codec.Issue(Federated(), kNow);
  EXPECT_FALSE(SessionTokenCodec(other).Open(token, kNow).has_value());
  for (std::size_t i = kSessionTokenPrefix.size(); i + 3 < token.size(); i += 7) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(codec.Open(t, kNow).has_value()) << i;
  }
  EXPECT_FALSE(codec.Open("", kNow).has_value());
  EXPECT_FALSE(codec.Open("PCST1", kNow).has_value());
  EXPECT_FALSE(codec.Open("PCST1!!!!", kNow).has_value());
  EXPECT_FALSE(codec.Open("FQoGZXIvYXdzEXAMPLE", kNow).has_value());
}

}  // namespace
}  // namespace portcullis::auth
