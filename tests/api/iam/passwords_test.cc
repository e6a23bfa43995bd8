// Tests of the IAM password operations (passwords.cc): login profiles, ChangePassword and
// the account password policy, with its enforcement and reuse prevention.
#include <chrono>
#include <gtest/gtest.h>
#include <string>

#include "crypto/password_hash.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

constexpr const char* kGood = "Correct-Horse-42";
constexpr const char* kGood2 = "Battery-Staple-43";

class PasswordsTest : public IamApiTest {
 protected:
  store::LoginProfile StoredProfile(const std::string& user) {
    auto txn = store().BeginRead();
    EXPECT_TRUE(txn.has_value());
    auto profile = (*txn)->GetLoginProfile(kAccountId, user);
    EXPECT_TRUE(profile.has_value()) << user;
    return profile.has_value() ? *profile : store::LoginProfile{};
  }
};

TEST_F(PasswordsTest, CreateGetUpdateDeleteLoginProfile) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const protocol::Value created =
      MustCall("CreateLoginProfile",
               {{"UserName", "bob"}, {"Password", kGood}, {"PasswordResetRequired", "true"}});
  EXPECT_EQ(TextAt(created, "LoginProfile.UserName"), "bob");
  ASSERT_NE(At(created, "LoginProfile.CreateDate"), nullptr);
  EXPECT_EQ(created.DebugString().find(kGood), std::string::npos);

  const store::LoginProfile stored = StoredProfile("bob");
  EXPECT_EQ(stored.password_hash.rfind("$argon2id$", 0), 0U);
  EXPECT_TRUE(crypto::VerifyPassword(kGood, stored.password_hash));
  EXPECT_TRUE(stored.password_reset_required);

  EXPECT_TRUE(IsAwsError(Call("CreateLoginProfile", {{"UserName", "bob"}, {"Password", kGood}}),
                         "EntityAlreadyExists", "Login Profile for user bob already exists."));
  EXPECT_TRUE(IsAwsError(Call("CreateLoginProfile", {{"UserName", "nobody"}, {"Password", kGood}}),
                         "NoSuchEntity", "The user with name nobody cannot be found."));

  const protocol::Value got = MustCall("GetLoginProfile", {{"UserName", "bob"}});
  EXPECT_EQ(TextAt(got, "LoginProfile.UserName"), "bob");
  ASSERT_NE(At(got, "LoginProfile.PasswordResetRequired"), nullptr);
  EXPECT_TRUE(At(got, "LoginProfile.PasswordResetRequired")->boolean());

  MustCall("UpdateLoginProfile",
           {{"UserName", "bob"}, {"Password", kGood2}, {"PasswordResetRequired", "false"}});
  const store::LoginProfile updated = StoredProfile("bob");
  EXPECT_TRUE(crypto::VerifyPassword(kGood2, updated.password_hash));
  EXPECT_FALSE(updated.password_reset_required);

  EXPECT_TRUE(IsAwsError(Call("DeleteUser", {{"UserName", "bob"}}), "DeleteConflict",
                         "Cannot delete entity, must delete login profile first."));
  MustCall("DeleteLoginProfile", {{"UserName", "bob"}});
  EXPECT_TRUE(IsAwsError(Call("GetLoginProfile", {{"UserName", "bob"}}), "NoSuchEntity",
                         "Login Profile for User bob cannot be found."));
  EXPECT_TRUE(IsAwsError(Call("DeleteLoginProfile", {{"UserName", "bob"}}), "NoSuchEntity",
                         "Login Profile for User bob cannot be found."));
  EXPECT_TRUE(IsAwsError(Call("UpdateLoginProfile", {{"UserName", "bob"}, {"Password", kGood}}),
                         "NoSuchEntity", "Login Profile for User bob cannot be found."));
  MustCall("DeleteUser", {{"UserName", "bob"}});
}

TEST_F(PasswordsTest, DefaultPolicyWithoutAccountPolicy) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  // AWS's default policy: 8 characters, three of four classes.
  EXPECT_TRUE(IsAwsError(Call("CreateLoginProfile", {{"UserName", "bob"}, {"Password", "Ab1"}}),
                         "PasswordPolicyViolation"));
  EXPECT_TRUE(
      IsAwsError(Call("CreateLoginProfile", {{"UserName", "bob"}, {"Password", "abcdefgh12"}}),
                 "PasswordPolicyViolation"));
  MustCall("CreateLoginProfile", {{"UserName", "bob"}, {"Password", "abcdefgH12"}});
}

TEST_F(PasswordsTest, PolicyRanges) {
  for (const auto& [member, value] : Params{{"MinimumPasswordLength", "5"},
                                            {"MinimumPasswordLength", "129"},
                                            {"MaxPasswordAge", "0"},
                                            {"MaxPasswordAge", "1096"},
                                            {"PasswordReusePrevention", "0"},
                                            {"PasswordReusePrevention", "25"}}) {
    EXPECT_TRUE(
        IsAwsError(Call("UpdateAccountPasswordPolicy", {{member, value}}), "ValidationError"))
        << member << "=" << value;
  }
  EXPECT_TRUE(IsAwsError(Call("GetAccountPasswordPolicy"), "NoSuchEntity"));
}

TEST_F(PasswordsTest, AccountPasswordPolicy) {
  EXPECT_TRUE(IsAwsError(Call("GetAccountPasswordPolicy"), "NoSuchEntity",
                         "The Password Policy with domain name ACCOUNT cannot be found."));
  EXPECT_TRUE(IsAwsError(Call("DeleteAccountPasswordPolicy"), "NoSuchEntity",
                         "The Password Policy with domain name ACCOUNT cannot be found."));
  MustCall("UpdateAccountPasswordPolicy", {{"MinimumPasswordLength", "12"},
                                           {"RequireSymbols", "true"},
                                           {"RequireNumbers", "true"},
                                           {"MaxPasswordAge", "90"},
                                           {"PasswordReusePrevention", "3"}});
  const protocol::Value got = MustCall("GetAccountPasswordPolicy");
  EXPECT_EQ(At(got, "PasswordPolicy.MinimumPasswordLength")->number(), 12);
  EXPECT_TRUE(At(got, "PasswordPolicy.RequireSymbols")->boolean());
  EXPECT_TRUE(At(got, "PasswordPolicy.RequireNumbers")->boolean());
  EXPECT_FALSE(At(got, "PasswordPolicy.RequireUppercaseCharacters")->boolean());
  EXPECT_FALSE(At(got, "PasswordPolicy.AllowUsersToChangePassword")->boolean());
  EXPECT_TRUE(At(got, "PasswordPolicy.ExpirePasswords")->boolean());
  EXPECT_EQ(At(got, "PasswordPolicy.MaxPasswordAge")->number(), 90);
  EXPECT_EQ(At(got, "PasswordPolicy.PasswordReusePrevention")->number(), 3);

  // Replacing the policy resets members left out to their defaults.
  MustCall("UpdateAccountPasswordPolicy", {{"AllowUsersToChangePassword", "true"}});
  const protocol::Value replaced = MustCall("GetAccountPasswordPolicy");
  EXPECT_EQ(At(replaced, "PasswordPolicy.MinimumPasswordLength")->number(), 6);
  EXPECT_FALSE(At(replaced, "PasswordPolicy.ExpirePasswords")->boolean());
  EXPECT_EQ(At(replaced, "PasswordPolicy.MaxPasswordAge"), nullptr);
  MustCall("DeleteAccountPasswordPolicy");
  EXPECT_TRUE(IsAwsError(Call("GetAccountPasswordPolicy"), "NoSuchEntity"));
}

TEST_F(PasswordsTest, PolicyIsEnforced) {
  MustCall(
      "UpdateAccountPasswordPolicy",
      {{"MinimumPasswordLength", "12"}, {"RequireSymbols", "true"}, {"RequireNumbers", "true"}});
  MustCall("CreateUser", {{"UserName", "bob"}});
  EXPECT_TRUE(IsAwsError(Call("CreateLoginProfile", {{"UserName", "bob"}, {"Password", "short-1"}}),
                         "PasswordPolicyViolation",
                         "Password does not conform to the account password policy."));
  EXPECT_TRUE(IsAwsError(
      Call("CreateLoginProfile", {{"UserName", "bob"}, {"Password", "longbutnosymbol1"}}),
      "PasswordPolicyViolation"));
  MustCall("CreateLoginProfile", {{"UserName", "bob"}, {"Password", "long-with-symbol-1"}});
}

TEST_F(PasswordsTest, ReusePrevention) {
  MustCall("UpdateAccountPasswordPolicy", {{"PasswordReusePrevention", "2"}});
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateLoginProfile", {{"UserName", "bob"}, {"Password", "first-pass"}});
  EXPECT_TRUE(
      IsAwsError(Call("UpdateLoginProfile", {{"UserName", "bob"}, {"Password", "first-pass"}}),
                 "PasswordPolicyViolation"));
  MustCall("UpdateLoginProfile", {{"UserName", "bob"}, {"Password", "second-pass"}});
  EXPECT_TRUE(
      IsAwsError(Call("UpdateLoginProfile", {{"UserName", "bob"}, {"Password", "first-pass"}}),
                 "PasswordPolicyViolation"));
  MustCall("UpdateLoginProfile", {{"UserName", "bob"}, {"Password", "third-pass"}});
  // Only the last two passwords are remembered.
  MustCall("UpdateLoginProfile", {{"UserName", "bob"}, {"Password", "first-pass"}});
}

TEST_F(PasswordsTest, ChangePassword) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateLoginProfile",
           {{"UserName", "bob"}, {"Password", kGood}, {"PasswordResetRequired", "true"}});
  const auth::Caller bob = UserCaller("bob");
  // No permission and no AllowUsersToChangePassword: AccessDenied.
  EXPECT_TRUE(
      IsAwsError(CallAs(bob, "ChangePassword", {{"OldPassword", kGood}, {"NewPassword", kGood2}}),
                 "AccessDenied"));
  AllowUser("bob",
            AllowDocument("iam:ChangePassword", "arn:aws:iam::123456789012:user/${aws:username}"));
  EXPECT_TRUE(IsAwsError(
      CallAs(bob, "ChangePassword", {{"OldPassword", "wrong-Old-1"}, {"NewPassword", kGood2}}),
      "AccessDenied"));
  EXPECT_TRUE(
      IsAwsError(CallAs(bob, "ChangePassword", {{"OldPassword", kGood}, {"NewPassword", "weak"}}),
                 "PasswordPolicyViolation"));
  MustCallAs(bob, "ChangePassword", {{"OldPassword", kGood}, {"NewPassword", kGood2}});
  const store::LoginProfile changed = StoredProfile("bob");
  EXPECT_TRUE(crypto::VerifyPassword(kGood2, changed.password_hash));
  EXPECT_FALSE(changed.password_reset_required);

  EXPECT_TRUE(IsAwsError(Call("ChangePassword", {{"OldPassword", kGood}, {"NewPassword", kGood2}}),
                         "InvalidUserType"));
}

TEST_F(PasswordsTest, AllowUsersToChangePasswordGrantsChangePassword) {
  MustCall("UpdateAccountPasswordPolicy", {{"AllowUsersToChangePassword", "true"}});
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateLoginProfile", {{"UserName", "bob"}, {"Password", kGood}});
  MustCallAs(UserCaller("bob"), "ChangePassword",
             {{"OldPassword", kGood}, {"NewPassword", kGood2}});
  // Other operations still need permissions.
  EXPECT_TRUE(IsAwsError(CallAs(UserCaller("bob"), "GetLoginProfile", {{"UserName", "bob"}}),
                         "AccessDenied"));
}

TEST_F(PasswordsTest, AccessDeniedWithoutPermission) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateUser", {{"UserName", "eve"}});
  const auth::Caller eve = UserCaller("eve");
  EXPECT_TRUE(
      IsAwsError(CallAs(eve, "CreateLoginProfile", {{"UserName", "bob"}, {"Password", kGood}}),
                 "AccessDenied"));
  EXPECT_TRUE(IsAwsError(CallAs(eve, "UpdateAccountPasswordPolicy", {}), "AccessDenied"));
  EXPECT_TRUE(IsAwsError(CallAs(eve, "GetAccountPasswordPolicy", {}), "AccessDenied"));
}

TEST_F(PasswordsTest, UserNameDefaultsToTheCallingUser) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  AllowUser("bob", AllowDocument("iam:*LoginProfile"));
  const auth::Caller bob = UserCaller("bob");
  MustCallAs(bob, "CreateLoginProfile", {{"Password", kGood}});
  EXPECT_EQ(TextAt(MustCallAs(bob, "GetLoginProfile", {}), "LoginProfile.UserName"), "bob");
  MustCallAs(bob, "DeleteLoginProfile", {});
  EXPECT_TRUE(IsAwsError(Call("GetLoginProfile", {}), "ValidationError"));
}

TEST_F(PasswordsTest, HardExpiryRefusesChangingAnExpiredPassword) {
  MustCall(
      "UpdateAccountPasswordPolicy",
      {{"AllowUsersToChangePassword", "true"}, {"MaxPasswordAge", "1"}, {"HardExpiry", "true"}});
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateLoginProfile", {{"UserName", "bob"}, {"Password", kGood}});
  const auth::Caller bob = UserCaller("bob");
  MustCallAs(bob, "ChangePassword", {{"OldPassword", kGood}, {"NewPassword", kGood2}});
  clock_.Advance(std::chrono::hours(49));
  EXPECT_TRUE(
      IsAwsError(CallAs(bob, "ChangePassword", {{"OldPassword", kGood2}, {"NewPassword", kGood}}),
                 "AccessDenied", "~expired"));
  // Without HardExpiry the user may still change an expired password.
  MustCall("UpdateAccountPasswordPolicy",
           {{"AllowUsersToChangePassword", "true"}, {"MaxPasswordAge", "1"}});
  MustCallAs(bob, "ChangePassword", {{"OldPassword", kGood2}, {"NewPassword", kGood}});
  // The change starts a new age.
  const store::LoginProfile profile = StoredProfile("bob");
  EXPECT_EQ(profile.password_last_changed,
            std::chrono::floor<std::chrono::milliseconds>(clock_.Now()));
}

}  // namespace
}  // namespace portcullis::api::iam::testing
