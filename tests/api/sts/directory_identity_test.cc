// AssumeRoleWithLDAPIdentity (the Portcullis extension) through the codec, with a stand-in
// for the LDAP client: trust policies over ldap:groups / ldap:dn / ldap:username with the
// principal arn:aws:iam::ACCOUNT:ldap-provider/NAME, one error for unknown users and wrong
// passwords, IDPCommunicationError, and the session the credentials open. The real
// directory (slapd) is exercised by tests/e2e/test_directory_federation.py.
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "api/protocol/query_codec.h"
#include "api/sts/sts_service.h"
#include "auth/session_token.h"

#include "../iam/iam_test_util.h"

namespace portcullis::api::sts {
namespace {

using iam::testing::Params;
using iam::testing::TextAt;
using protocol::Value;

int g_directory_calls = 0;

// alice (password "right") is in admins and devs; bob ("right") in devs; "down" is a
// directory outage; everything else is rejected.
Result<directory::DirectoryIdentity> FakeDirectory(const directory::DirectoryOptions& /*o*/,
                                                   std::string_view username,
                                                   std::string_view password) {
  ++g_directory_calls;
  if (username == "down") {
    return MakeError(ErrorCode::kUnavailable, "directory bind failed: Can't contact LDAP server");
  }
  if (password != "right") {
    return MakeError(ErrorCode::kUnauthenticated, "rejected");
  }
  directory::DirectoryIdentity id;
  if (username == "alice") {
    id.dn = "uid=alice,ou=people,dc=example,dc=org";
    id.groups = {"admins", "devs"};
    id.group_dns = {"cn=admins,ou=groups,dc=example,dc=org", "cn=devs,ou=groups,dc=example,dc=org"};
    return id;
  }
  if (username == "bob") {
    id.dn = "uid=bob,ou=people,dc=example,dc=org";
    id.groups = {"devs"};
    id.group_dns = {"cn=devs,ou=groups,dc=example,dc=org"};
    return id;
  }
  return MakeError(ErrorCode::kUnauthenticated, "rejected");
}

StsOptions DirectoryStsOptions() {
  StsOptions o;
  o.directory.url = "ldap://127.0.0.1:1";
  o.directory.name = "corp";
  o.directory.user_dn_template = "uid={username},ou=people,dc=example,dc=org";
  o.authenticate_directory_for_test = &FakeDirectory;
  return o;
}

constexpr std::string_view kAdminTrust = R"({"Version":"2012-10-17","Statement":[{
  "Effect":"Allow",
  "Principal":{"Federated":"arn:aws:iam::123456789012:ldap-provider/corp"},
  "Action":"sts:AssumeRoleWithLDAPIdentity",
  "Condition":{"ForAnyValue:StringEquals":{"ldap:groups":"admins"}}}]})";

class DirectoryIdentityTest : public iam::testing::IamApiTest {
 protected:
  DirectoryIdentityTest() : sts_(*store_, *authorizer_, box_, clock_, DirectoryStsOptions()) {
    g_directory_calls = 0;
  }

  Result<Value> Exchange(const Params& params) {
    std::string form = "Action=AssumeRoleWithLDAPIdentity&Version=2011-06-15";
    for (const auto& [k, v] : params) {
      form += "&" + iam::testing::FormEncode(k) + "=" + iam::testing::FormEncode(v);
    }
    auto decoded = protocol::DecodeQueryRequest(sts_.model(), form);
    if (!decoded.has_value()) {
      return tl::unexpected<Error>(std::move(decoded).error());
    }
    return sts_.Invoke(*decoded->operation, decoded->input, auth::Caller{}, Info());
  }

  Params Login(std::string user, std::string password, std::string role = "admin") {
    return {{"RoleArn", "arn:aws:iam::123456789012:role/" + role},
            {"RoleSessionName", "s1"},
            {"LDAPUsername", std::move(user)},
            {"LDAPPassword", std::move(password)}};
  }

  void CreateRole(std::string_view name, std::string_view trust) {
    MustCall("CreateRole",
             {{"RoleName", std::string(name)}, {"AssumeRolePolicyDocument", std::string(trust)}});
    MustCall("PutRolePolicy", {{"RoleName", std::string(name)},
                               {"PolicyName", "p"},
                               {"PolicyDocument", AllowDocument("iam:ListUsers")}});
  }

  StsService sts_;
};

TEST_F(DirectoryIdentityTest, TheOperationComesFromTheExtensionModel) {
  const protocol::Operation* op = sts_.model().FindOperation("AssumeRoleWithLDAPIdentity");
  ASSERT_NE(op, nullptr);
  EXPECT_TRUE(op->extension);
  EXPECT_FALSE(sts_.model().FindOperation("AssumeRole")->extension);
  const protocol::Member* password = op->input->FindMember("LDAPPassword");
  ASSERT_NE(password, nullptr);
  EXPECT_TRUE(password->shape->sensitive);
}

TEST_F(DirectoryIdentityTest, GroupMemberGetsASessionOfTheRole) {
  CreateRole("admin", kAdminTrust);
  auto out = Exchange(Login("alice", "right"));
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(TextAt(*out, "AssumedRoleUser.Arn"), "arn:aws:sts::123456789012:assumed-role/admin/s1");
  EXPECT_EQ(TextAt(*out, "SubjectDN"), "uid=alice,ou=people,dc=example,dc=org");
  EXPECT_EQ(TextAt(*out, "Groups.0"), "admins");
  EXPECT_EQ(TextAt(*out, "Provider"), "arn:aws:iam::123456789012:ldap-provider/corp");
  auto opened =
      auth::SessionTokenCodec(box_).Open(TextAt(*out, "Credentials.SessionToken"), clock_.Now());
  ASSERT_TRUE(opened.has_value());
  auth::Caller session = opened->caller;
  ASSERT_TRUE(session.session);
  EXPECT_EQ(session.session->source_arn, "arn:aws:iam::123456789012:ldap-provider/corp/alice");
  EXPECT_TRUE(CallAs(session, "ListUsers").has_value());
  EXPECT_AWS_ERROR(CallAs(session, "ListRoles"), "AccessDenied");
}

TEST_F(DirectoryIdentityTest, TrustConditionsSeeDnUsernameAndGroupDns) {
  CreateRole("dev", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
    "Principal":{"Federated":"arn:aws:iam::123456789012:ldap-provider/corp"},
    "Action":"sts:AssumeRoleWithLDAPIdentity",
    "Condition":{"StringLike":{"ldap:dn":"*,ou=people,dc=example,dc=org"},
                 "StringEquals":{"ldap:username":"bob","ldap:directory":"corp"},
                 "ForAnyValue:StringEquals":{"ldap:group_dns":"cn=devs,ou=groups,dc=example,dc=org"}}}]})");
  EXPECT_TRUE(Exchange(Login("bob", "right", "dev")).has_value());
  EXPECT_AWS_ERROR(Exchange(Login("alice", "right", "dev")), "AccessDenied");
}

TEST_F(DirectoryIdentityTest, NonMemberIsDenied) {
  CreateRole("admin", kAdminTrust);
  EXPECT_AWS_ERROR(Exchange(Login("bob", "right")), "AccessDenied",
                   "Not authorized to perform sts:AssumeRoleWithLDAPIdentity");
}

TEST_F(DirectoryIdentityTest, AnotherDirectoryOrAccountIsNotTrusted) {
  CreateRole("admin", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
    "Principal":{"Federated":"arn:aws:iam::123456789012:ldap-provider/other"},
    "Action":"sts:AssumeRoleWithLDAPIdentity"}]})");
  EXPECT_AWS_ERROR(Exchange(Login("alice", "right")), "AccessDenied");
}

TEST_F(DirectoryIdentityTest, WrongPasswordAndUnknownUserGetOneAnswer) {
  CreateRole("admin", kAdminTrust);
  const std::string message = "The directory rejected the username or password.";
  EXPECT_AWS_ERROR(Exchange(Login("alice", "wrong")), "IDPRejectedClaim", message);
  EXPECT_AWS_ERROR(Exchange(Login("nobody", "right")), "IDPRejectedClaim", message);
  // Before the role is looked at: a missing role answers the same to a wrong password.
  EXPECT_AWS_ERROR(Exchange(Login("alice", "wrong", "missing")), "IDPRejectedClaim", message);
  EXPECT_AWS_ERROR(Exchange(Login("alice", "right", "missing")), "AccessDenied");
}

TEST_F(DirectoryIdentityTest, EmptyPasswordNeverReachesTheDirectory) {
  CreateRole("admin", kAdminTrust);
  auto out = Exchange(Login("alice", ""));
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(g_directory_calls, 0);
}

TEST_F(DirectoryIdentityTest, OutageIsIdpCommunicationError) {
  CreateRole("admin", kAdminTrust);
  EXPECT_AWS_ERROR(Exchange(Login("down", "right")), "IDPCommunicationError");
}

TEST_F(DirectoryIdentityTest, InputsAreValidated) {
  CreateRole("admin", kAdminTrust);
  Params p = Login("alice", "right");
  p.push_back({"DirectoryName", "elsewhere"});
  EXPECT_AWS_ERROR(Exchange(p), "ValidationError", "Unknown directory: elsewhere");
  p = Login("alice", "right");
  p[1].second = "bad name";
  EXPECT_AWS_ERROR(Exchange(p), "ValidationError");
  p = Login("alice", "right");
  p[0].second = "arn:aws:iam::123456789012:user/alice";
  EXPECT_AWS_ERROR(Exchange(p), "ValidationError");
  p = Login("alice", "right");
  p.push_back({"DurationSeconds", "100"});
  EXPECT_AWS_ERROR(Exchange(p), "ValidationError");
  EXPECT_EQ(g_directory_calls, 0);  // all refused before the directory is asked
}

TEST_F(DirectoryIdentityTest, UnconfiguredServerRefuses) {
  StsService plain(*store_, *authorizer_, box_, clock_);
  auto decoded = protocol::DecodeQueryRequest(
      plain.model(),
      "Action=AssumeRoleWithLDAPIdentity&Version=2011-06-15&RoleArn=arn:aws:iam::123456789012:"
      "role/admin&RoleSessionName=s1&LDAPUsername=alice&LDAPPassword=right");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_AWS_ERROR(plain.Invoke(*decoded->operation, decoded->input, auth::Caller{}, Info()),
                   "ValidationError", "No LDAP directory is configured on this server.");
}

}  // namespace
}  // namespace portcullis::api::sts
