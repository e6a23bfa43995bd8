// The STS operations against a memory store, through the codec as the server calls them:
// AssumeRole (trust policy, cross account, duration, chaining, ExternalId, session
// policies and tags), GetSessionToken, GetFederationToken, GetAccessKeyInfo,
// DecodeAuthorizationMessage; and what the resulting sessions may do in IAM.
#include "api/sts/sts_service.h"

#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "api/protocol/query_codec.h"
#include "auth/session_token.h"

#include "../iam/iam_test_util.h"

namespace portcullis::api::sts {
namespace {

using iam::testing::At;
using iam::testing::kAccountId;
using iam::testing::kOtherAccountId;
using iam::testing::Params;
using iam::testing::TextAt;
using protocol::Value;

std::string TrustDocument(std::string_view principal, std::string_view extra = "",
                          std::string_view actions = R"("sts:AssumeRole")") {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":")" +
         std::string(principal) + R"("},"Action":[)" + std::string(actions) + "]" +
         std::string(extra) + "}]}";
}

class StsServiceTest : public iam::testing::IamApiTest {
 protected:
  StsServiceTest() : sts_(*store_, *authorizer_, box_, clock_) {
    MustCall("CreateUser", {{"UserName", "bob"}});
    bob_arn_ = "arn:aws:iam::123456789012:user/bob";
  }

  Result<Value> Sts(const auth::Caller& caller, std::string_view op, const Params& params = {}) {
    std::string form = "Action=" + iam::testing::FormEncode(op) + "&Version=2011-06-15";
    for (const auto& [k, v] : params) {
      form += "&" + iam::testing::FormEncode(k) + "=" + iam::testing::FormEncode(v);
    }
    auto decoded = protocol::DecodeQueryRequest(sts_.model(), form);
    if (!decoded.has_value()) {
      return tl::unexpected<Error>(std::move(decoded).error());
    }
    return sts_.Invoke(*decoded->operation, decoded->input, caller, Info());
  }

  // The Caller the credentials in `out` sign as (as the Authenticator builds it).
  auth::Caller SessionOf(const Value& out) {
    auto opened =
        auth::SessionTokenCodec(box_).Open(TextAt(out, "Credentials.SessionToken"), clock_.Now());
    EXPECT_TRUE(opened.has_value());
    if (!opened.has_value()) {
      return {};
    }
    EXPECT_EQ(opened->access_key_id, TextAt(out, "Credentials.AccessKeyId"));
    EXPECT_EQ(opened->secret_access_key, TextAt(out, "Credentials.SecretAccessKey"));
    auth::Caller caller = opened->caller;
    caller.session_token = TextAt(out, "Credentials.SessionToken");
    return caller;
  }

  void CreateRole(std::string_view name, const std::string& trust,
                  const std::string& policy = AllowDocument("iam:List*")) {
    MustCall("CreateRole", {{"RoleName", std::string(name)}, {"AssumeRolePolicyDocument", trust}});
    MustCall("PutRolePolicy",
             {{"RoleName", std::string(name)}, {"PolicyName", "p"}, {"PolicyDocument", policy}});
  }

  StsService sts_;
  std::string bob_arn_;
};

TEST_F(StsServiceTest, GetCallerIdentityReturnsTheSigner) {
  auto out = Sts(UserCaller("bob"), "GetCallerIdentity");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(TextAt(*out, "Arn"), bob_arn_);
  EXPECT_EQ(TextAt(*out, "Account"), kAccountId);
}

TEST_F(StsServiceTest, AssumeRoleTrustedUserGetsARoleSessionLimitedToTheRole) {
  CreateRole("ops", TrustDocument(bob_arn_));
  auto out = Sts(UserCaller("bob"), "AssumeRole",
                 {{"RoleArn", "arn:aws:iam::123456789012:role/ops"}, {"RoleSessionName", "s1"}});
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(TextAt(*out, "AssumedRoleUser.Arn"), "arn:aws:sts::123456789012:assumed-role/ops/s1");
  const Value role = MustCall("GetRole", {{"RoleName", "ops"}});
  const std::string role_id = TextAt(role, "Role.RoleId");
  EXPECT_EQ(TextAt(role, "Role.RoleLastUsed.Region"), "us-east-1");
  ASSERT_NE(At(role, "Role.RoleLastUsed.LastUsedDate"), nullptr);
  EXPECT_EQ(TextAt(*out, "AssumedRoleUser.AssumedRoleId"), role_id + ":s1");
  const std::string key_id = TextAt(*out, "Credentials.AccessKeyId");
  EXPECT_EQ(key_id.size(), 20U);
  EXPECT_TRUE(key_id.starts_with("ASIA"));
  EXPECT_EQ(AccountOfTemporaryKey(key_id), std::string(kAccountId));

  auth::Caller session = SessionOf(*out);
  EXPECT_EQ(session.type, auth::PrincipalType::kAssumedRole);
  auto identity = Sts(session, "GetCallerIdentity");
  ASSERT_TRUE(identity.has_value());
  EXPECT_EQ(TextAt(*identity, "UserId"), role_id + ":s1");
  EXPECT_TRUE(CallAs(session, "ListUsers").has_value());
  EXPECT_AWS_ERROR(CallAs(session, "GetUser"), "ValidationError",
                   "Must specify userName when calling with non-User credentials");
  EXPECT_AWS_ERROR(CallAs(session, "ListAccessKeys"), "ValidationError");
  EXPECT_AWS_ERROR(CallAs(session, "CreateUser", {{"UserName", "eve"}}), "AccessDenied",
                   "User: arn:aws:sts::123456789012:assumed-role/ops/s1 is not authorized to "
                   "perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/eve "
                   "because no identity-based policy allows the iam:CreateUser action");
}

TEST_F(StsServiceTest, RoleLastUsedShowsInAuthorizationDetailsAndGoesWithTheRole) {
  CreateRole("ops", TrustDocument(bob_arn_));
  ASSERT_TRUE(Sts(UserCaller("bob"), "AssumeRole",
                  {{"RoleArn", "arn:aws:iam::123456789012:role/ops"}, {"RoleSessionName", "s1"}})
                  .has_value());
  const Value details = MustCall("GetAccountAuthorizationDetails", {{"Filter.member.1", "Role"}});
  EXPECT_EQ(TextAt(details, "RoleDetailList.0.RoleLastUsed.Region"), "us-east-1");
  const std::string role_id = TextAt(MustCall("GetRole", {{"RoleName", "ops"}}), "Role.RoleId");
  auto used_record = [&]() {
    auto txn = store_->BeginRead();
    return txn.has_value() &&
           (*txn)->GetResource(store::ResourceKind::kRoleLastUsed, kAccountId, role_id).has_value();
  };
  EXPECT_TRUE(used_record());
  MustCall("DeleteRolePolicy", {{"RoleName", "ops"}, {"PolicyName", "p"}});
  MustCall("DeleteRole", {{"RoleName", "ops"}});
  EXPECT_FALSE(used_record());
}

TEST_F(StsServiceTest, AssumeRoleDeniedByTrustPolicyAnswersAwsMessage) {
  CreateRole("ops", TrustDocument("arn:aws:iam::123456789012:user/alice"));
  EXPECT_EQ(At(MustCall("GetRole", {{"RoleName", "ops"}}), "Role.RoleLastUsed.Region"), nullptr);
  EXPECT_AWS_ERROR(
      Sts(UserCaller("bob"), "AssumeRole",
          {{"RoleArn", "arn:aws:iam::123456789012:role/ops"}, {"RoleSessionName", "s1"}}),
      "AccessDenied",
      "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on "
      "resource: arn:aws:iam::123456789012:role/ops");
  EXPECT_AWS_ERROR(
      Sts(UserCaller("bob"), "AssumeRole",
          {{"RoleArn", "arn:aws:iam::123456789012:role/nope"}, {"RoleSessionName", "s1"}}),
      "AccessDenied");
  EXPECT_AWS_ERROR(
      Sts(Root(), "AssumeRole",
          {{"RoleArn", "arn:aws:iam::123456789012:role/ops"}, {"RoleSessionName", "s1"}}),
      "AccessDenied", "Roles may not be assumed by root accounts.");
}

TEST_F(StsServiceTest, AssumeRoleTrustingTheAccountNeedsAnIdentityPolicy) {
  CreateRole("ops", TrustDocument("arn:aws:iam::123456789012:root"));
  const Params params = {{"RoleArn", "arn:aws:iam::123456789012:role/ops"},
                         {"RoleSessionName", "s1"}};
  EXPECT_AWS_ERROR(Sts(UserCaller("bob"), "AssumeRole", params), "AccessDenied");
  AllowUser("bob", AllowDocument("sts:AssumeRole"));
  EXPECT_TRUE(Sts(UserCaller("bob"), "AssumeRole", params).has_value());
}

TEST_F(StsServiceTest, AssumeRoleAcrossAccountsNeedsTrustAndIdentityPolicy) {
  accounts::CreateAccountOptions options;
  options.account_id = std::string(kOtherAccountId);
  ASSERT_TRUE(accounts::CreateAccount(*store_, box_, options).has_value());
  const auth::Caller other_root = RootOf(kOtherAccountId);
  const std::string trust = TrustDocument("arn:aws:iam::123456789012:root");
  ASSERT_TRUE(
      CallAs(other_root, "CreateRole", {{"RoleName", "xacct"}, {"AssumeRolePolicyDocument", trust}})
          .has_value());
  ASSERT_TRUE(CallAs(other_root, "PutRolePolicy",
                     {{"RoleName", "xacct"},
                      {"PolicyName", "p"},
                      {"PolicyDocument", AllowDocument("iam:ListRoles")}})
                  .has_value());
  const Params params = {{"RoleArn", "arn:aws:iam::210987654321:role/xacct"},
                         {"RoleSessionName", "xa"}};
  EXPECT_AWS_ERROR(Sts(UserCaller("bob"), "AssumeRole", params), "AccessDenied");
  AllowUser("bob", AllowDocument("sts:AssumeRole", "arn:aws:iam::210987654321:role/xacct"));
  auto out = Sts(UserCaller("bob"), "AssumeRole", params);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  auth::Caller session = SessionOf(*out);
  EXPECT_EQ(session.account_id, kOtherAccountId);
  EXPECT_EQ(session.arn, "arn:aws:sts::210987654321:assumed-role/xacct/xa");
  auto roles = CallAs(session, "ListRoles");
  ASSERT_TRUE(roles.has_value()) << roles.error().ToString();
  EXPECT_EQ(TextAt(*roles, "Roles.0.RoleName"), "xacct");
}

TEST_F(StsServiceTest, DurationWithinTheRoleMaximumAndOneHourWhenChaining) {
  CreateRole("ops", TrustDocument(bob_arn_));
  const std::string chain_trust = TrustDocument("arn:aws:sts::123456789012:assumed-role/ops/s1");
  CreateRole("next", chain_trust);
  const Params base = {{"RoleArn", "arn:aws:iam::123456789012:role/ops"},
                       {"RoleSessionName", "s1"}};
  Params longer = base;
  longer.emplace_back("DurationSeconds", "7200");
  EXPECT_AWS_ERROR(
      Sts(UserCaller("bob"), "AssumeRole", longer), "ValidationError",
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  MustCall("UpdateRole", {{"RoleName", "ops"}, {"MaxSessionDuration", "43200"}});
  MustCall("UpdateRole", {{"RoleName", "next"}, {"MaxSessionDuration", "43200"}});
  auto out = Sts(UserCaller("bob"), "AssumeRole", longer);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  const auth::Caller session = SessionOf(*out);
  EXPECT_EQ(session.session->expires_at, clock_.Now() + std::chrono::hours(2));
  Params chained = {{"RoleArn", "arn:aws:iam::123456789012:role/next"},
                    {"RoleSessionName", "s2"},
                    {"DurationSeconds", "3601"}};
  EXPECT_AWS_ERROR(Sts(session, "AssumeRole", chained), "ValidationError",
                   "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                   "assumed by role chaining.");
  chained.back().second = "3600";
  auto next = Sts(session, "AssumeRole", chained);
  ASSERT_TRUE(next.has_value()) << next.error().ToString();
  EXPECT_TRUE(SessionOf(*next).session->chained);
  Params short_one = base;
  short_one.emplace_back("DurationSeconds", "899");
  EXPECT_FALSE(Sts(UserCaller("bob"), "AssumeRole", short_one).has_value());
}

TEST_F(StsServiceTest, ExternalIdIsReadByTheTrustPolicy) {
  CreateRole("ops",
             TrustDocument(bob_arn_, R"(,"Condition":{"StringEquals":{"sts:ExternalId":"x-42"}})"));
  Params params = {{"RoleArn", "arn:aws:iam::123456789012:role/ops"}, {"RoleSessionName", "s1"}};
  EXPECT_AWS_ERROR(Sts(UserCaller("bob"), "AssumeRole", params), "AccessDenied");
  params.emplace_back("ExternalId", "x-41");
  EXPECT_AWS_ERROR(Sts(UserCaller("bob"), "AssumeRole", params), "AccessDenied");
  params.back().second = "x-42";
  EXPECT_TRUE(Sts(UserCaller("bob"), "AssumeRole", params).has_value());
}

TEST_F(StsServiceTest, SessionPolicyNarrowsTheRole) {
  CreateRole("ops", TrustDocument(bob_arn_));
  auto out = Sts(UserCaller("bob"), "AssumeRole",
                 {{"RoleArn", "arn:aws:iam::123456789012:role/ops"},
                  {"RoleSessionName", "s1"},
                  {"Policy", AllowDocument("iam:ListUsers")}});
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_NE(At(*out, "PackedPolicySize"), nullptr);
  const auth::Caller session = SessionOf(*out);
  EXPECT_TRUE(CallAs(session, "ListUsers").has_value());
  EXPECT_AWS_ERROR(CallAs(session, "ListRoles"), "AccessDenied");
}

TEST_F(StsServiceTest, SessionTagsNeedTagSessionAndReachPrincipalTag) {
  const std::string role_policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers",)"
      R"("Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]})";
  CreateRole("ops", TrustDocument(bob_arn_), role_policy);
  const Params params = {{"RoleArn", "arn:aws:iam::123456789012:role/ops"},
                         {"RoleSessionName", "s1"},
                         {"Tags.member.1.Key", "team"},
                         {"Tags.member.1.Value", "blue"}};
  EXPECT_AWS_ERROR(Sts(UserCaller("bob"), "AssumeRole", params), "AccessDenied",
                   "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
                   "sts:TagSession on resource: arn:aws:iam::123456789012:role/ops");
  MustCall(
      "UpdateAssumeRolePolicy",
      {{"RoleName", "ops"},
       {"PolicyDocument", TrustDocument(bob_arn_, "", R"("sts:AssumeRole","sts:TagSession")")}});
  auto out = Sts(UserCaller("bob"), "AssumeRole", params);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_TRUE(CallAs(SessionOf(*out), "ListUsers").has_value());
  auto untagged =
      Sts(UserCaller("bob"), "AssumeRole",
          {{"RoleArn", "arn:aws:iam::123456789012:role/ops"}, {"RoleSessionName", "s2"}});
  ASSERT_TRUE(untagged.has_value());
  EXPECT_AWS_ERROR(CallAs(SessionOf(*untagged), "ListUsers"), "AccessDenied");
}

TEST_F(StsServiceTest, ExpiredRoleSessionsCannotBeUsedAfterTheRoleIsDeleted) {
  CreateRole("ops", TrustDocument(bob_arn_));
  auto out = Sts(UserCaller("bob"), "AssumeRole",
                 {{"RoleArn", "arn:aws:iam::123456789012:role/ops"}, {"RoleSessionName", "s1"}});
  ASSERT_TRUE(out.has_value());
  const auth::Caller session = SessionOf(*out);
  MustCall("DeleteRolePolicy", {{"RoleName", "ops"}, {"PolicyName", "p"}});
  MustCall("DeleteRole", {{"RoleName", "ops"}});
  EXPECT_AWS_ERROR(CallAs(session, "ListUsers"), "AccessDenied");
}

TEST_F(StsServiceTest, SourceIdentityNeedsSetSourceIdentityAndPersistsAcrossChaining) {
  CreateRole("ops", TrustDocument(bob_arn_));
  Params params = {{"RoleArn", "arn:aws:iam::123456789012:role/ops"},
                   {"RoleSessionName", "s1"},
                   {"SourceIdentity", "bob@example.com"}};
  EXPECT_AWS_ERROR(Sts(UserCaller("bob"), "AssumeRole", params), "AccessDenied",
                   "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
                   "sts:SetSourceIdentity on resource: arn:aws:iam::123456789012:role/ops");
  MustCall("UpdateAssumeRolePolicy",
           {{"RoleName", "ops"},
            {"PolicyDocument",
             TrustDocument(bob_arn_, "", R"("sts:AssumeRole","sts:SetSourceIdentity")")}});
  auto out = Sts(UserCaller("bob"), "AssumeRole", params);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(TextAt(*out, "SourceIdentity"), "bob@example.com");
  const auth::Caller session = SessionOf(*out);
  EXPECT_EQ(session.session->source_identity, "bob@example.com");
  // Chained: the source identity passes on and cannot change.
  CreateRole("next", TrustDocument("arn:aws:iam::123456789012:role/ops"));
  auto next = Sts(session, "AssumeRole",
                  {{"RoleArn", "arn:aws:iam::123456789012:role/next"}, {"RoleSessionName", "s2"}});
  ASSERT_TRUE(next.has_value()) << next.error().ToString();
  EXPECT_EQ(TextAt(*next, "SourceIdentity"), "bob@example.com");
  EXPECT_AWS_ERROR(Sts(session, "AssumeRole",
                       {{"RoleArn", "arn:aws:iam::123456789012:role/next"},
                        {"RoleSessionName", "s3"},
                        {"SourceIdentity", "eve"}}),
                   "AccessDenied");
}

TEST_F(StsServiceTest, ManagedSessionPolicyArnsNarrowTheRole) {
  CreateRole("ops", TrustDocument(bob_arn_));
  const std::string arn = PutManagedPolicyInStore("only-roles", AllowDocument("iam:ListRoles"));
  auto out = Sts(UserCaller("bob"), "AssumeRole",
                 {{"RoleArn", "arn:aws:iam::123456789012:role/ops"},
                  {"RoleSessionName", "s1"},
                  {"PolicyArns.member.1.arn", arn}});
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  const auth::Caller session = SessionOf(*out);
  EXPECT_EQ(session.session->policy_arns, std::vector<std::string>{arn});
  EXPECT_TRUE(CallAs(session, "ListRoles").has_value());
  EXPECT_AWS_ERROR(CallAs(session, "ListUsers"), "AccessDenied");
}

TEST_F(StsServiceTest, DenyOnTokenIssueTimeRevokesOlderSessions) {
  CreateRole("ops", TrustDocument(bob_arn_));
  const Params params = {{"RoleArn", "arn:aws:iam::123456789012:role/ops"},
                         {"RoleSessionName", "s1"}};
  auto old_session = Sts(UserCaller("bob"), "AssumeRole", params);
  ASSERT_TRUE(old_session.has_value());
  clock_.Advance(std::chrono::minutes(10));
  // AWS's "Revoke active sessions": deny sessions issued before now.
  MustCall(
      "PutRolePolicy",
      {{"RoleName", "ops"},
       {"PolicyName", "revoke"},
       {"PolicyDocument", R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*",)"
                          R"("Resource":"*","Condition":{"DateLessThan":)"
                          R"({"aws:TokenIssueTime":"2026-01-01T00:05:00Z"}}}]})"}});
  EXPECT_AWS_ERROR(CallAs(SessionOf(*old_session), "ListUsers"), "AccessDenied");
  auto new_session = Sts(UserCaller("bob"), "AssumeRole", params);
  ASSERT_TRUE(new_session.has_value());
  EXPECT_TRUE(CallAs(SessionOf(*new_session), "ListUsers").has_value());
}

TEST_F(StsServiceTest, GetSessionTokenWithoutMfaCannotCallIam) {
  AllowUser("bob", AllowDocument("iam:*"));
  auto out = Sts(UserCaller("bob"), "GetSessionToken", {{"DurationSeconds", "900"}});
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  const auth::Caller session = SessionOf(*out);
  EXPECT_EQ(session.type, auth::PrincipalType::kUser);
  EXPECT_EQ(session.arn, bob_arn_);
  EXPECT_EQ(session.session->expires_at, clock_.Now() + std::chrono::seconds(900));
  EXPECT_AWS_ERROR(CallAs(session, "ListUsers"), "InvalidClientTokenId");
  EXPECT_AWS_ERROR(Sts(session, "GetSessionToken"), "AccessDenied",
                   "Cannot call GetSessionToken with session credentials");
  EXPECT_AWS_ERROR(
      Sts(UserCaller("bob"), "GetSessionToken",
          {{"SerialNumber", "arn:aws:iam::123456789012:mfa/none"}, {"TokenCode", "123456"}}),
      "AccessDenied",
      "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA "
      "serial number is valid and associated with this user.");
  // Root sessions last at most an hour.
  auto root = Sts(Root(), "GetSessionToken", {{"DurationSeconds", "7200"}});
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(SessionOf(*root).session->expires_at, clock_.Now() + std::chrono::hours(1));
}

TEST_F(StsServiceTest, FederatedUserGetsTheIntersectionWithThePassedPolicy) {
  AllowUser("bob", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)"
                   R"(["sts:GetFederationToken","iam:List*"],"Resource":"*"}]})");
  auto bare = Sts(UserCaller("bob"), "GetFederationToken", {{"Name", "carol"}});
  ASSERT_TRUE(bare.has_value()) << bare.error().ToString();
  EXPECT_EQ(TextAt(*bare, "FederatedUser.Arn"), "arn:aws:sts::123456789012:federated-user/carol");
  EXPECT_EQ(TextAt(*bare, "FederatedUser.FederatedUserId"), "123456789012:carol");
  auth::Caller carol = SessionOf(*bare);
  EXPECT_EQ(carol.type, auth::PrincipalType::kFederatedUser);
  auto identity = Sts(carol, "GetCallerIdentity");
  ASSERT_TRUE(identity.has_value());
  EXPECT_EQ(TextAt(*identity, "Arn"), "arn:aws:sts::123456789012:federated-user/carol");
  EXPECT_AWS_ERROR(
      Sts(carol, "AssumeRole",
          {{"RoleArn", "arn:aws:iam::123456789012:role/x"}, {"RoleSessionName", "s1"}}),
      "AccessDenied");
  EXPECT_AWS_ERROR(Sts(UserCaller("bob"), "GetFederationToken",
                       {{"Name", "carol"}, {"DurationSeconds", "129601"}}),
                   "ValidationError");
}

TEST_F(StsServiceTest, GetAccessKeyInfoAndDecodeAuthorizationMessage) {
  auto info = Sts(Root(), "GetAccessKeyInfo", {{"AccessKeyId", root_credentials_.access_key_id}});
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(TextAt(*info, "Account"), kAccountId);
  auto out = Sts(Root(), "GetSessionToken");
  ASSERT_TRUE(out.has_value());
  auto temp =
      Sts(Root(), "GetAccessKeyInfo", {{"AccessKeyId", TextAt(*out, "Credentials.AccessKeyId")}});
  ASSERT_TRUE(temp.has_value());
  EXPECT_EQ(TextAt(*temp, "Account"), kAccountId);
  EXPECT_AWS_ERROR(Sts(UserCaller("bob"), "GetAccessKeyInfo",
                       {{"AccessKeyId", root_credentials_.access_key_id}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(Sts(Root(), "DecodeAuthorizationMessage", {{"EncodedMessage", "abc"}}),
                   "InvalidAuthorizationMessageException");
}

}  // namespace
}  // namespace portcullis::api::sts

namespace portcullis::api::sts {
namespace {

TEST_F(StsServiceTest, AssumeRootValidatesThenAnswersThatNoOrganizationExists) {
  const std::string audit = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials";
  MustCall("CreateUser", {{"UserName", "carl"}});
  MustCall("PutUserPolicy", {{"UserName", "bob"},
                             {"PolicyName", "root"},
                             {"PolicyDocument", AllowDocument("sts:AssumeRoot")}});
  EXPECT_AWS_ERROR(Sts(UserCaller("bob"), "AssumeRoot",
                       {{"TargetPrincipal", "222233334444"},
                        {"TaskPolicyArn.arn", audit},
                        {"DurationSeconds", "901"}}),
                   "ValidationError",
                   "1 validation error detected: Value '901' at 'durationSeconds' failed to "
                   "satisfy constraint: Member must have value less than or equal to 900");
  EXPECT_AWS_ERROR(
      Sts(UserCaller("bob"), "AssumeRoot",
          {{"TargetPrincipal", "not-an-account"}, {"TaskPolicyArn.arn", audit}}),
      "ValidationError",
      "The specified target principal not-an-account is not a valid account ID or root user ARN.");
  EXPECT_AWS_ERROR(Sts(UserCaller("bob"), "AssumeRoot",
                       {{"TargetPrincipal", "222233334444"},
                        {"TaskPolicyArn.arn", "arn:aws:iam::aws:policy/AdministratorAccess"}}),
                   "ValidationError",
                   "The specified task policy ARN arn:aws:iam::aws:policy/AdministratorAccess is "
                   "not one of the AWS managed policies for privileged root tasks.");
  EXPECT_AWS_ERROR(Sts(Root(), "AssumeRoot",
                       {{"TargetPrincipal", "222233334444"}, {"TaskPolicyArn.arn", audit}}),
                   "AccessDenied", "AssumeRoot cannot be called with root user credentials.");
  // Allowed by policy (account id or root ARN), but there is no organization.
  for (const std::string target : {"222233334444", "arn:aws:iam::222233334444:root"}) {
    EXPECT_AWS_ERROR(
        Sts(UserCaller("bob"), "AssumeRoot",
            {{"TargetPrincipal", target}, {"TaskPolicyArn.arn", audit}}),
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRoot on "
        "resource: arn:aws:iam::222233334444:root because the account is not a member of an "
        "organization with centralized root access enabled");
  }
  // Without the permission: the engine's AccessDenied.
  EXPECT_AWS_ERROR(Sts(UserCaller("carl"), "AssumeRoot",
                       {{"TargetPrincipal", "222233334444"}, {"TaskPolicyArn.arn", audit}}),
                   "AccessDenied",
                   "User: arn:aws:iam::123456789012:user/carl is not authorized to perform: "
                   "sts:AssumeRoot on resource: arn:aws:iam::222233334444:root because no "
                   "identity-based policy allows the sts:AssumeRoot action");
}

TEST_F(StsServiceTest, GetDelegatedAccessTokenHasNoTradeInTokenToExchange) {
  MustCall("CreateUser", {{"UserName", "carl"}});
  EXPECT_AWS_ERROR(Sts(UserCaller("carl"), "GetDelegatedAccessToken", {{"TradeInToken", "abc"}}),
                   "AccessDenied",
                   "User: arn:aws:iam::123456789012:user/carl is not authorized to perform: "
                   "sts:GetDelegatedAccessToken on resource: * because no identity-based policy "
                   "allows the sts:GetDelegatedAccessToken action");
  MustCall("PutUserPolicy", {{"UserName", "bob"},
                             {"PolicyName", "trade"},
                             {"PolicyDocument", AllowDocument("sts:GetDelegatedAccessToken")}});
  EXPECT_AWS_ERROR(Sts(UserCaller("bob"), "GetDelegatedAccessToken", {{"TradeInToken", "abc"}}),
                   "ExpiredTradeInTokenException");
}

}  // namespace
}  // namespace portcullis::api::sts
