// Tests of the console sign-in check (console_signin.cc) on the fixture's fixed clock.
#include "api/iam/console_signin.h"

#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "crypto/totp.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

constexpr std::string_view kPassword = "Correct-Horse-9!";

class ConsoleSignInTest : public IamApiTest {
 protected:
  void SetUp() override {
    MustCall("CreateUser", {{"UserName", "alice"}});
    MustCall("CreateLoginProfile", {{"UserName", "alice"}, {"Password", std::string(kPassword)}});
  }

  ConsoleSignInResult SignIn(std::string_view password, std::optional<std::string> code = {},
                             std::string_view account = kAccountId,
                             std::string_view user = "alice") {
    ConsoleSignInRequest request;
    request.account = std::string(account);
    request.user = std::string(user);
    request.password = std::string(password);
    request.mfa_code = std::move(code);
    auto result = ConsoleSignIn(store(), *authorizer_, box_, clock_, Info(), request);
    EXPECT_TRUE(result.has_value()) << result.error().ToString();
    return result.value_or(ConsoleSignInResult{});
  }

  // Gives alice an enabled MFA device; returns its seed.
  std::string EnableMfa() {
    const protocol::Value out =
        MustCall("CreateVirtualMFADevice", {{"VirtualMFADeviceName", "alice-phone"}});
    const std::string seed =
        crypto::Base32Decode(TextAt(out, "VirtualMFADevice.Base32StringSeed")).value_or("");
    const std::int64_t t = crypto::TotpStep(clock_.Now());
    MustCall("EnableMFADevice", {{"UserName", "alice"},
                                 {"SerialNumber", "arn:aws:iam::123456789012:mfa/alice-phone"},
                                 {"AuthenticationCode1", crypto::TotpCode(seed, t - 1)},
                                 {"AuthenticationCode2", crypto::TotpCode(seed, t)}});
    return seed;
  }
};

TEST_F(ConsoleSignInTest, ParsesTheRequest) {
  auto ok = ParseConsoleSignInRequest(
      R"({"account":"123456789012","user":"alice","password":"p","mfaCode":"123456"})");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->user, "alice");
  EXPECT_EQ(ok->mfa_code, "123456");
  EXPECT_FALSE(ParseConsoleSignInRequest(R"({"account":"1","user":"a"})").has_value());
  EXPECT_FALSE(ParseConsoleSignInRequest(R"({"account":1,"user":"a","password":"p"})").has_value());
  EXPECT_FALSE(ParseConsoleSignInRequest(R"([])").has_value());
  EXPECT_FALSE(ParseConsoleSignInRequest("not json").has_value());
  auto bad = ParseConsoleSignInRequest(R"({"account":"1","user":"a","password":""})");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "member `password` must have 1 to 512 bytes");
}

TEST_F(ConsoleSignInTest, SucceedsAndRecordsPasswordLastUsed) {
  const ConsoleSignInResult result = SignIn(kPassword);
  ASSERT_TRUE(result.ok) << result.reason;
  EXPECT_EQ(RenderConsoleSignInResult(result),
            R"({"accountId":"123456789012","arn":"arn:aws:iam::123456789012:user/alice",)"
            R"("mfaAuthenticated":false,"passwordResetRequired":false,"result":"ok",)"
            R"("userName":"alice"})");
  const protocol::Value user = MustCall("GetUser", {{"UserName", "alice"}});
  EXPECT_NE(At(user, "User.PasswordLastUsed"), nullptr);
}

TEST_F(ConsoleSignInTest, WrongPasswordUnknownUserAndUnknownAccountLookAlike) {
  EXPECT_EQ(SignIn("wrong").reason, "InvalidCredentials");
  EXPECT_EQ(SignIn(kPassword, {}, kAccountId, "nobody").reason, "InvalidCredentials");
  EXPECT_EQ(SignIn(kPassword, {}, "999999999999").reason, "InvalidCredentials");
  EXPECT_EQ(SignIn(kPassword, {}, "no-such-alias").reason, "InvalidCredentials");
  MustCall("CreateUser", {{"UserName", "noprofile"}});
  EXPECT_EQ(SignIn(kPassword, {}, kAccountId, "noprofile").reason, "InvalidCredentials");
  EXPECT_EQ(RenderConsoleSignInResult(SignIn("wrong")),
            R"({"reason":"InvalidCredentials","result":"denied"})");
}

TEST_F(ConsoleSignInTest, AnAccountAliasNamesTheAccount) {
  WriteStore([&](store::WriteTxn& txn) -> Status {
    store::Resource alias;
    alias.kind = store::ResourceKind::kAccountAlias;
    alias.account_id = std::string(kAccountId);
    alias.key = "example-corp";
    IAM_RETURN_IF_ERROR(txn.PutResource(std::move(alias)));
    return OkStatus();
  });
  EXPECT_TRUE(SignIn(kPassword, {}, "example-corp").ok);
}

TEST_F(ConsoleSignInTest, FiveFailuresLockTheUserOutForFifteenMinutes) {
  for (int i = 0; i < kSignInMaxFailures; ++i) {
    EXPECT_EQ(SignIn("wrong").reason, "InvalidCredentials") << i;
  }
  EXPECT_EQ(SignIn(kPassword).reason, "LockedOut");
  clock_.Advance(std::chrono::minutes(14));
  EXPECT_EQ(SignIn(kPassword).reason, "LockedOut");
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_TRUE(SignIn(kPassword).ok);
  // A success clears the count: four failures do not lock.
  for (int i = 0; i < kSignInMaxFailures - 1; ++i) {
    EXPECT_EQ(SignIn("wrong").reason, "InvalidCredentials");
  }
  EXPECT_TRUE(SignIn(kPassword).ok);
  // The state is deleted with the user.
  EXPECT_EQ(SignIn("wrong").reason, "InvalidCredentials");
  MustCall("DeleteLoginProfile", {{"UserName", "alice"}});
  MustCall("DeleteUser", {{"UserName", "alice"}});
}

TEST_F(ConsoleSignInTest, MfaIsRequiredAndCodesAreGoodOnce) {
  const std::string seed = EnableMfa();
  const std::int64_t t = crypto::TotpStep(clock_.Now());
  EXPECT_EQ(SignIn(kPassword).reason, "MfaRequired");
  EXPECT_EQ(SignIn("wrong", crypto::TotpCode(seed, t + 1)).reason, "InvalidCredentials");
  // The codes EnableMFADevice used are spent.
  EXPECT_EQ(SignIn(kPassword, crypto::TotpCode(seed, t)).reason, "InvalidMfaCode");
  const ConsoleSignInResult ok = SignIn(kPassword, crypto::TotpCode(seed, t + 1));
  ASSERT_TRUE(ok.ok) << ok.reason;
  EXPECT_TRUE(ok.mfa_used);
  EXPECT_EQ(SignIn(kPassword, crypto::TotpCode(seed, t + 1)).reason, "InvalidMfaCode");
}

TEST_F(ConsoleSignInTest, HardExpiryRefusesAnExpiredPassword) {
  MustCall("UpdateAccountPasswordPolicy", {{"MaxPasswordAge", "30"}});
  clock_.Advance(std::chrono::hours(24 * 31));
  const ConsoleSignInResult soft = SignIn(kPassword);
  ASSERT_TRUE(soft.ok);
  EXPECT_TRUE(soft.password_reset_required);
  MustCall("UpdateAccountPasswordPolicy", {{"MaxPasswordAge", "30"}, {"HardExpiry", "true"}});
  EXPECT_EQ(SignIn(kPassword).reason, "PasswordExpired");
}

TEST_F(ConsoleSignInTest, AnExplicitDenyOfTheSourceAddressRefuses) {
  // Info() comes from 127.0.0.1.
  const std::string deny_others =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*",)"
      R"("Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]})";
  MustCall("PutUserPolicy",
           {{"UserName", "alice"}, {"PolicyName", "ip"}, {"PolicyDocument", deny_others}});
  EXPECT_EQ(SignIn(kPassword).reason, "AccessDenied");
  const std::string deny_elsewhere =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*",)"
      R"("Condition":{"NotIpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]})";
  MustCall("PutUserPolicy",
           {{"UserName", "alice"}, {"PolicyName", "ip"}, {"PolicyDocument", deny_elsewhere}});
  EXPECT_TRUE(SignIn(kPassword).ok);
}

}  // namespace
}  // namespace portcullis::api::iam::testing
