// The Authorizer against a memory store: effective policy sets, AWS's AccessDenied
// messages, the request context, caching and invalidation, enforcement modes.
#include "api/authz/authorizer.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api/request_info.h"
#include "auth/caller.h"
#include "common/clock.h"
#include "eval/compiled_policy.h"
#include "policy/parse.h"
#include "store/identity_store.h"
#include "store/memory/memory_store.h"
#include "store/records.h"

namespace portcullis::api::authz {
namespace {

using store::PrincipalKind;

constexpr std::string_view kAccountId = "123456789012";
constexpr std::string_view kAlice = "arn:aws:iam::123456789012:user/alice";

// 2026-01-01T00:00:00Z.
constexpr std::chrono::system_clock::time_point kStart{std::chrono::seconds(1767225600)};

std::string Allow(std::string_view action, std::string_view resource = "*",
                  std::string_view extra = "") {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":")" +
         std::string(action) + R"(","Resource":")" + std::string(resource) + "\"" +
         std::string(extra) + "}]}";
}

std::string Deny(std::string_view action, std::string_view resource = "*") {
  return R"({"Version":"2012-10-17","Statement":[{"Sid":"NoWay","Effect":"Deny","Action":")" +
         std::string(action) + R"(","Resource":")" + std::string(resource) + "\"}]}";
}

// A 17-character suffix of [A-Z2-7] for ids, from a counter.
std::string IdSuffix(int n) {
  std::string s(17, 'A');
  for (int i = 16; i >= 0 && n > 0; --i, n /= 26) {
    s[static_cast<std::size_t>(i)] = static_cast<char>('A' + n % 26);
  }
  return s;
}

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

class AuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write([](store::WriteTxn& txn) {
      ASSERT_TRUE(txn.PutAccount(store::Account{std::string(kAccountId), "", {}}).has_value());
    });
    AddUser("bob");
  }

  void Write(const std::function<void(store::WriteTxn&)>& change) {
    auto txn = store_->BeginWrite().value();
    change(*txn);
    ASSERT_TRUE(txn->Commit().has_value());
  }

  void AddUser(const std::string& name, std::vector<store::Tag> tags = {},
               std::string boundary = "") {
    Write([&](store::WriteTxn& txn) {
      store::User user;
      user.account_id = kAccountId;
      user.name = name;
      user.id = "AIDA" + IdSuffix(++ids_);
      user.arn = "arn:aws:iam::123456789012:user/" + name;
      user.tags = std::move(tags);
      user.permissions_boundary_arn = std::move(boundary);
      ASSERT_TRUE(txn.PutUser(user).has_value()) << name;
    });
  }

  void SetBoundary(const std::string& user_name, const std::string& arn) {
    Write([&](store::WriteTxn& txn) {
      store::User user = txn.GetUser(kAccountId, user_name).value();
      user.permissions_boundary_arn = arn;
      ASSERT_TRUE(txn.UpdateUser(user).has_value());
    });
  }

  void PutInline(store::PrincipalKind kind, const std::string& owner, const std::string& name,
                 const std::string& document) {
    Write([&](store::WriteTxn& txn) {
      ASSERT_TRUE(txn.PutInlinePolicy(store::InlinePolicy{
                                          store::PrincipalRef{kind, std::string(kAccountId), owner},
                                          name, document})
                      .has_value());
    });
  }

  void UserPolicy(const std::string& user, const std::string& document,
                  const std::string& name = "p") {
    PutInline(store::PrincipalKind::kUser, user, name, document);
  }

  // Creates a customer managed policy with `document` as v1; returns its ARN.
  std::string ManagedPolicy(const std::string& name, const std::string& document) {
    std::string arn = "arn:aws:iam::123456789012:policy/" + name;
    Write([&](store::WriteTxn& txn) {
      store::ManagedPolicy policy;
      policy.account_id = kAccountId;
      policy.name = name;
      policy.id = "ANPA" + IdSuffix(++ids_);
      policy.arn = arn;
      ASSERT_TRUE(txn.PutManagedPolicy(policy).has_value());
      store::PolicyVersion version;
      version.policy_arn = arn;
      version.version_id = "v1";
      version.document = document;
      ASSERT_TRUE(txn.PutPolicyVersion(version).has_value());
    });
    return arn;
  }

  void Attach(store::PrincipalKind kind, const std::string& owner, const std::string& arn) {
    Write([&](store::WriteTxn& txn) {
      ASSERT_TRUE(txn.AttachPolicy(store::PrincipalRef{kind, std::string(kAccountId), owner}, arn)
                      .has_value());
    });
  }

  void Detach(store::PrincipalKind kind, const std::string& owner, const std::string& arn) {
    Write([&](store::WriteTxn& txn) {
      ASSERT_TRUE(txn.DetachPolicy(store::PrincipalRef{kind, std::string(kAccountId), owner}, arn)
                      .has_value());
    });
  }

  void PutVersion(const std::string& arn, const std::string& id, const std::string& document) {
    Write([&](store::WriteTxn& txn) {
      store::PolicyVersion version;
      version.policy_arn = arn;
      version.version_id = id;
      version.document = document;
      ASSERT_TRUE(txn.PutPolicyVersion(version).has_value());
    });
  }

  void SetDefault(const std::string& arn, const std::string& id) {
    Write([&](store::WriteTxn& txn) {
      ASSERT_TRUE(txn.SetDefaultPolicyVersion(arn, id).has_value());
    });
  }

  void DeleteUserPolicy(const std::string& user, const std::string& name) {
    Write([&](store::WriteTxn& txn) {
      ASSERT_TRUE(
          txn.DeleteInlinePolicy(
                 store::PrincipalRef{PrincipalKind::kUser, std::string(kAccountId), user}, name)
              .has_value());
    });
  }

  void RemoveFromGroup(const std::string& group, const std::string& user) {
    Write([&](store::WriteTxn& txn) {
      ASSERT_TRUE(txn.RemoveUserFromGroup(kAccountId, group, user).has_value());
    });
  }

  bool Allowed(const std::string& user, std::string_view action,
               std::string_view resource = kAlice) {
    return Check(User(user), action, resource).has_value();
  }

  void AddGroup(const std::string& name, const std::vector<std::string>& members) {
    Write([&](store::WriteTxn& txn) {
      store::Group group;
      group.account_id = kAccountId;
      group.name = name;
      group.id = "AGPA" + IdSuffix(++ids_);
      group.arn = "arn:aws:iam::123456789012:group/" + name;
      ASSERT_TRUE(txn.PutGroup(group).has_value());
      for (const std::string& m : members) {
        ASSERT_TRUE(txn.AddUserToGroup(kAccountId, name, m).has_value());
      }
    });
  }

  static auth::Caller User(const std::string& name) {
    auth::Caller caller;
    caller.type = auth::PrincipalType::kUser;
    caller.account_id = kAccountId;
    caller.arn = "arn:aws:iam::123456789012:user/" + name;
    caller.user_name = name;
    caller.access_key_id = "AKIAEXAMPLEEXAMPLE22";
    return caller;
  }

  static auth::Caller Root() {
    auth::Caller caller;
    caller.type = auth::PrincipalType::kRoot;
    caller.account_id = kAccountId;
    caller.arn = "arn:aws:iam::123456789012:root";
    caller.principal_id = kAccountId;
    return caller;
  }

  Status Check(const auth::Caller& caller, std::string_view action,
               std::string_view resource = kAlice,
               std::vector<std::pair<std::string, std::vector<std::string>>> context = {}) {
    AuthzRequest request{action, resource, std::move(context)};
    return authz_.Authorize(caller, info_, request);
  }

  static void ExpectDenied(const Status& status, const std::string& message) {
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(status.error().aws_code, "AccessDenied");
    EXPECT_EQ(status.error().message, message);
  }

  FakeClock clock_{kStart};
  std::unique_ptr<store::IdentityStore> store_ = store::memory::NewMemoryStore(clock_).value();
  Authorizer authz_{*store_, EnforcementMode::kEnforce};
  RequestInfo info_{"req-1", "203.0.113.7", "aws-cli/2.9.19", true, "us-east-1", kStart};
  int ids_ = 0;
};

TEST(ParseEnforcementModeTest, ParsesTheThreeModes) {
  EXPECT_EQ(ParseEnforcementMode("enforce").value(), EnforcementMode::kEnforce);
  EXPECT_EQ(ParseEnforcementMode("soft").value(), EnforcementMode::kSoft);
  EXPECT_EQ(ParseEnforcementMode("off").value(), EnforcementMode::kOff);
  for (std::string_view bad : {"", "Enforce", "on", "strict"}) {
    auto mode = ParseEnforcementMode(bad);
    ASSERT_FALSE(mode.has_value()) << bad;
    EXPECT_EQ(mode.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST_F(AuthorizerTest, RootIsAllowedWithoutPolicies) {
  EXPECT_TRUE(Check(Root(), "iam:CreateUser").has_value());
  EXPECT_TRUE(Check(Root(), "iam:DeleteAccountPasswordPolicy", "*").has_value());
}

TEST_F(AuthorizerTest, NoPolicyIsAnImplicitDenyWithAwsMessage) {
  ExpectDenied(Check(User("bob"), "iam:CreateUser"),
               "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
               "iam:CreateUser on resource: arn:aws:iam::123456789012:user/alice because no "
               "identity-based policy allows the iam:CreateUser action");
}

TEST_F(AuthorizerTest, InlineUserPolicyAllows) {
  UserPolicy("bob", Allow("iam:CreateUser"));
  EXPECT_TRUE(Check(User("bob"), "iam:CreateUser").has_value());
  EXPECT_FALSE(Check(User("bob"), "iam:DeleteUser").has_value());
}

TEST_F(AuthorizerTest, ExplicitDenyWinsWithAwsMessage) {
  UserPolicy("bob", Allow("iam:*"), "all");
  UserPolicy("bob", Deny("iam:CreateUser"), "none");
  ExpectDenied(Check(User("bob"), "iam:CreateUser"),
               "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
               "iam:CreateUser on resource: arn:aws:iam::123456789012:user/alice with an "
               "explicit deny in an identity-based policy");
  EXPECT_TRUE(Check(User("bob"), "iam:GetUser").has_value());
}

TEST_F(AuthorizerTest, ResourceIsMatched) {
  UserPolicy("bob", Allow("iam:GetUser", "arn:aws:iam::123456789012:user/a*"));
  EXPECT_TRUE(Check(User("bob"), "iam:GetUser", kAlice).has_value());
  EXPECT_FALSE(
      Check(User("bob"), "iam:GetUser", "arn:aws:iam::123456789012:user/carl").has_value());
}

TEST_F(AuthorizerTest, AttachedManagedPolicyAllows) {
  const std::string arn = ManagedPolicy("IamRead", Allow("iam:Get*"));
  EXPECT_FALSE(Check(User("bob"), "iam:GetUser").has_value());
  Attach(PrincipalKind::kUser, "bob", arn);
  EXPECT_TRUE(Check(User("bob"), "iam:GetUser").has_value());
  Detach(PrincipalKind::kUser, "bob", arn);
  EXPECT_FALSE(Check(User("bob"), "iam:GetUser").has_value());
}

TEST_F(AuthorizerTest, AwsManagedPolicyOverTheCustomerSizeLimitApplies) {
  // AWS managed policies (ReadOnlyAccess, ...) exceed the 6,144-character customer limit.
  std::string actions;
  for (int i = 0; i < 600; ++i) {
    actions += "\"svc" + std::to_string(i) + ":DescribeSomething\",";
  }
  const std::string document =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[)" + actions +
      R"("iam:GetUser"],"Resource":"*"}]})";
  ASSERT_GT(document.size(), 6144u);
  const std::string arn = "arn:aws:iam::aws:policy/BigReadOnly";
  Write([&](store::WriteTxn& txn) {
    store::ManagedPolicy policy;
    policy.account_id = "aws";
    policy.name = "BigReadOnly";
    policy.id = "ANPA" + IdSuffix(++ids_);
    policy.arn = arn;
    ASSERT_TRUE(txn.PutManagedPolicy(policy).has_value());
  });
  PutVersion(arn, "v1", document);
  Attach(PrincipalKind::kUser, "bob", arn);
  EXPECT_TRUE(Allowed("bob", "iam:GetUser"));
  EXPECT_TRUE(Allowed("bob", "svc599:DescribeSomething", "*"));
  EXPECT_FALSE(Allowed("bob", "iam:CreateUser"));
}

TEST_F(AuthorizerTest, DefaultVersionIsTheOneThatCounts) {
  const std::string arn = ManagedPolicy("Changing", Allow("iam:GetUser"));
  Attach(PrincipalKind::kUser, "bob", arn);
  EXPECT_TRUE(Allowed("bob", "iam:GetUser"));
  PutVersion(arn, "v2", Allow("iam:ListUsers"));
  // A new version that is not the default changes nothing.
  EXPECT_TRUE(Allowed("bob", "iam:GetUser"));
  EXPECT_FALSE(Allowed("bob", "iam:ListUsers"));
  SetDefault(arn, "v2");
  EXPECT_FALSE(Allowed("bob", "iam:GetUser"));
  EXPECT_TRUE(Allowed("bob", "iam:ListUsers"));
}

TEST_F(AuthorizerTest, GroupInlineAndAttachedPoliciesApply) {
  AddUser("carl");
  AddGroup("admins", {"bob", "carl"});
  PutInline(PrincipalKind::kGroup, "admins", "s3", Allow("s3:*"));
  Attach(PrincipalKind::kGroup, "admins", ManagedPolicy("IamRead", Allow("iam:Get*")));
  for (const char* user : {"bob", "carl"}) {
    EXPECT_TRUE(Allowed(user, "s3:GetObject", "arn:aws:s3:::bucket/key")) << user;
    EXPECT_TRUE(Allowed(user, "iam:GetUser")) << user;
    EXPECT_FALSE(Allowed(user, "iam:CreateUser")) << user;
  }
}

TEST_F(AuthorizerTest, DenyAllOnAMemberOverridesTheGroupAtOnce) {
  AddUser("carl");
  AddGroup("admins", {"bob", "carl"});
  Attach(PrincipalKind::kGroup, "admins", ManagedPolicy("IamRead", Allow("iam:Get*")));
  EXPECT_TRUE(Allowed("carl", "iam:GetUser"));
  UserPolicy("carl", Deny("*"), "deny-all");
  ExpectDenied(Check(User("carl"), "iam:GetUser"),
               "User: arn:aws:iam::123456789012:user/carl is not authorized to perform: "
               "iam:GetUser on resource: arn:aws:iam::123456789012:user/alice with an explicit "
               "deny in an identity-based policy");
  EXPECT_TRUE(Allowed("bob", "iam:GetUser"));
  DeleteUserPolicy("carl", "deny-all");
  EXPECT_TRUE(Allowed("carl", "iam:GetUser"));
}

TEST_F(AuthorizerTest, RemovingTheGroupPolicyOrMembershipRevokesAccess) {
  AddUser("carl");
  AddGroup("admins", {"bob", "carl"});
  PutInline(PrincipalKind::kGroup, "admins", "s3", Allow("s3:*"));
  const std::string arn = ManagedPolicy("IamRead", Allow("iam:Get*"));
  Attach(PrincipalKind::kGroup, "admins", arn);
  EXPECT_TRUE(Allowed("bob", "iam:GetUser"));
  Detach(PrincipalKind::kGroup, "admins", arn);
  EXPECT_FALSE(Allowed("bob", "iam:GetUser"));
  RemoveFromGroup("admins", "bob");
  EXPECT_FALSE(Allowed("bob", "s3:GetObject", "arn:aws:s3:::bucket/key"));
  EXPECT_TRUE(Allowed("carl", "s3:GetObject", "arn:aws:s3:::bucket/key"));
}

TEST_F(AuthorizerTest, PermissionsBoundaryLimitsIdentityPolicies) {
  UserPolicy("bob", Allow("iam:*"));
  const std::string boundary = ManagedPolicy("Boundary", Allow("iam:Get*"));
  SetBoundary("bob", boundary);
  EXPECT_TRUE(Check(User("bob"), "iam:GetUser").has_value());
  ExpectDenied(Check(User("bob"), "iam:CreateUser"),
               "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
               "iam:CreateUser on resource: arn:aws:iam::123456789012:user/alice because no "
               "permissions boundary allows the iam:CreateUser action");
  // The boundary alone grants nothing.
  Write([](store::WriteTxn& txn) {
    ASSERT_TRUE(
        txn.DeleteInlinePolicy(
               store::PrincipalRef{PrincipalKind::kUser, std::string(kAccountId), "bob"}, "p")
            .has_value());
  });
  ExpectDenied(Check(User("bob"), "iam:GetUser"),
               "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
               "iam:GetUser on resource: arn:aws:iam::123456789012:user/alice because no "
               "identity-based policy allows the iam:GetUser action");
}

TEST_F(AuthorizerTest, ExplicitDenyInABoundary) {
  UserPolicy("bob", Allow("iam:*"));
  const std::string boundary = ManagedPolicy(
      "Boundary",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},)"
      R"({"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}]})");
  SetBoundary("bob", boundary);
  EXPECT_TRUE(Check(User("bob"), "iam:CreateUser").has_value());
  ExpectDenied(Check(User("bob"), "iam:DeleteUser"),
               "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
               "iam:DeleteUser on resource: arn:aws:iam::123456789012:user/alice with an "
               "explicit deny in a permissions boundary");
}

// The resource's policy (a bucket policy) as ResourceSide::policy.
std::shared_ptr<const eval::CompiledPolicy> ResourcePolicy(const std::string& statement) {
  policy::ParseOptions options;
  options.kind = policy::PolicyKind::kResource;
  return eval::ParseAndCompilePolicy(R"({"Version":"2012-10-17","Statement":[)" + statement + "]}",
                                     "resource", options)
      .value();
}

TEST_F(AuthorizerTest, DenialMessagesNameTheResourcePolicy) {
  UserPolicy("bob", Allow("s3:*"));
  const std::string object = "arn:aws:s3:::team-bucket/a.txt";
  // AWS: "with an explicit deny in a resource-based policy" when the bucket policy denies.
  const auto denies =
      ResourcePolicy(R"({"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"})");
  const ResourceSide same_account{denies.get(), kAccountId};
  ExpectDenied(
      authz_.Authorize(User("bob"), info_, AuthzRequest{"s3:GetObject", object, {}}, &same_account),
      "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
      "s3:GetObject on resource: arn:aws:s3:::team-bucket/a.txt with an explicit deny "
      "in a resource-based policy");
  // Across accounts, the identity policy allowing and the resource policy not: "because no
  // resource-based policy allows".
  const auto other =
      ResourcePolicy(R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},)"
                     R"("Action":"s3:PutObject","Resource":"*"})");
  const ResourceSide other_account{other.get(), "210987654321"};
  ExpectDenied(authz_.Authorize(User("bob"), info_, AuthzRequest{"s3:GetObject", object, {}},
                                &other_account),
               "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
               "s3:GetObject on resource: arn:aws:s3:::team-bucket/a.txt because no "
               "resource-based policy allows the s3:GetObject action");
  EXPECT_TRUE(
      authz_.Authorize(User("bob"), info_, AuthzRequest{"s3:PutObject", object, {}}, &other_account)
          .has_value());
}

TEST_F(AuthorizerTest, MissingBoundaryPolicyAllowsNothing) {
  UserPolicy("bob", Allow("iam:*"));
  SetBoundary("bob", "arn:aws:iam::123456789012:policy/Gone");
  EXPECT_FALSE(Check(User("bob"), "iam:GetUser").has_value());
}

TEST_F(AuthorizerTest, UnparseableStoredDocumentCountsAsAbsent) {
  UserPolicy("bob", "{ this is not a policy", "broken");
  UserPolicy("bob", Allow("iam:GetUser"), "good");
  EXPECT_TRUE(Check(User("bob"), "iam:GetUser").has_value());
  auto denied = Check(User("bob"), "iam:CreateUser");
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().message.find("this is not"), std::string::npos);
}

TEST_F(AuthorizerTest, UnknownUserIsDenied) {
  ExpectDenied(Check(User("ghost"), "iam:GetUser"),
               "User: arn:aws:iam::123456789012:user/ghost is not authorized to perform: "
               "iam:GetUser on resource: arn:aws:iam::123456789012:user/alice because no "
               "identity-based policy allows the iam:GetUser action");
}

TEST_F(AuthorizerTest, PrincipalContextKeys) {
  AddUser("tagged", {{"team", "blue"}, {"Level", "7"}});
  const std::string document =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser",)"
      R"("Resource":"arn:aws:iam::123456789012:user/${aws:username}","Condition":{)"
      R"("StringEquals":{"aws:PrincipalTag/team":"blue","aws:PrincipalType":"User",)"
      R"("aws:PrincipalAccount":"123456789012",)"
      R"("aws:PrincipalArn":"arn:aws:iam::123456789012:user/tagged"},)"
      R"("StringLike":{"aws:userid":"AIDA*"},)"
      R"("NumericGreaterThanEquals":{"aws:PrincipalTag/level":"5"}}}]})";
  UserPolicy("tagged", document);
  EXPECT_TRUE(
      Check(User("tagged"), "iam:GetUser", "arn:aws:iam::123456789012:user/tagged").has_value());
  EXPECT_FALSE(Check(User("tagged"), "iam:GetUser", kAlice).has_value());
  // Another tag value: the cached set is rebuilt with the new context.
  Write([](store::WriteTxn& txn) {
    store::User user = txn.GetUser(kAccountId, "tagged").value();
    user.tags = {{"team", "red"}, {"Level", "7"}};
    ASSERT_TRUE(txn.UpdateUser(user).has_value());
  });
  EXPECT_FALSE(
      Check(User("tagged"), "iam:GetUser", "arn:aws:iam::123456789012:user/tagged").has_value());
}

TEST_F(AuthorizerTest, RequestContextKeys) {
  const std::string document =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser",)"
      R"("Resource":"*","Condition":{)"
      R"("IpAddress":{"aws:SourceIp":"203.0.113.0/24"},)"
      R"("Bool":{"aws:SecureTransport":"true"},)"
      R"("StringLike":{"aws:UserAgent":"aws-cli/*"},)"
      R"("StringEquals":{"aws:RequestedRegion":"us-east-1"},)"
      R"("DateGreaterThanEquals":{"aws:CurrentTime":"2026-01-01T00:00:00Z"},)"
      R"("DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:01Z"},)"
      R"("NumericEquals":{"aws:EpochTime":"1767225600"}}}]})";
  UserPolicy("bob", document);
  EXPECT_TRUE(Check(User("bob"), "iam:GetUser").has_value());

  RequestInfo saved = info_;
  info_.source_ip = "198.51.100.1";
  EXPECT_FALSE(Check(User("bob"), "iam:GetUser").has_value());
  info_ = saved;
  info_.secure_transport = false;
  EXPECT_FALSE(Check(User("bob"), "iam:GetUser").has_value());
  info_ = saved;
  info_.user_agent = "Boto3/1.26";
  EXPECT_FALSE(Check(User("bob"), "iam:GetUser").has_value());
  info_ = saved;
  info_.region = "eu-west-1";
  EXPECT_FALSE(Check(User("bob"), "iam:GetUser").has_value());
  info_ = saved;
  info_.time = kStart + std::chrono::seconds(5);
  EXPECT_FALSE(Check(User("bob"), "iam:GetUser").has_value());
  info_ = saved;
  EXPECT_TRUE(Check(User("bob"), "iam:GetUser").has_value());
}

TEST_F(AuthorizerTest, OperationContextKeys) {
  const std::string document =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:AttachUserPolicy",)"
      R"("Resource":"*","Condition":{"ArnEquals":{)"
      R"("iam:PolicyARN":"arn:aws:iam::aws:policy/ReadOnlyAccess"},)"
      R"("ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}}]})";
  UserPolicy("bob", document);
  EXPECT_TRUE(Check(User("bob"), "iam:AttachUserPolicy", kAlice,
                    {{"iam:PolicyARN", {"arn:aws:iam::aws:policy/ReadOnlyAccess"}},
                     {"aws:TagKeys", {"a", "b"}}})
                  .has_value());
  EXPECT_FALSE(Check(User("bob"), "iam:AttachUserPolicy", kAlice,
                     {{"iam:PolicyARN", {"arn:aws:iam::aws:policy/AdministratorAccess"}}})
                   .has_value());
  EXPECT_FALSE(Check(User("bob"), "iam:AttachUserPolicy", kAlice,
                     {{"iam:PolicyARN", {"arn:aws:iam::aws:policy/ReadOnlyAccess"}},
                      {"aws:TagKeys", {"a", "c"}}})
                   .has_value());
}

TEST_F(AuthorizerTest, MultiFactorAuthKeysOnlyWhenTheCallerProvedMfa) {
  const std::string document =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser",)"
      R"("Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},)"
      R"("NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]})";
  UserPolicy("bob", document);
  // Long-term keys carry no MFA keys: the condition does not match.
  EXPECT_FALSE(Check(User("bob"), "iam:GetUser").has_value());

  auth::Caller with_mfa = User("bob");
  with_mfa.mfa_authenticated_at = kStart - std::chrono::seconds(600);
  EXPECT_TRUE(Check(with_mfa, "iam:GetUser").has_value());
  // The cached context of the last request is not reused across MFA states.
  EXPECT_FALSE(Check(User("bob"), "iam:GetUser").has_value());
  with_mfa.mfa_authenticated_at = kStart - std::chrono::seconds(3600);
  EXPECT_FALSE(Check(with_mfa, "iam:GetUser").has_value());
  with_mfa.mfa_authenticated_at = kStart - std::chrono::seconds(3599);
  EXPECT_TRUE(Check(with_mfa, "iam:GetUser").has_value());
}

TEST_F(AuthorizerTest, BoolIfExistsFalseDeniesLongTermKeysAndNotMfaSessions) {
  // AWS: IAM User Guide, "Configuring MFA-protected API access": deny when
  // aws:MultiFactorAuthPresent is false or absent (BoolIfExists ... false).
  const std::string document =
      R"({"Version":"2012-10-17","Statement":[)"
      R"({"Effect":"Allow","Action":"iam:*","Resource":"*"},)"
      R"({"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*",)"
      R"("Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]})";
  UserPolicy("bob", document);
  ExpectDenied(Check(User("bob"), "iam:DeleteUser"),
               "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
               "iam:DeleteUser on resource: arn:aws:iam::123456789012:user/alice with an explicit "
               "deny in an identity-based policy");
  EXPECT_TRUE(Check(User("bob"), "iam:GetUser").has_value());
  auth::Caller with_mfa = User("bob");
  with_mfa.mfa_authenticated_at = kStart;
  EXPECT_TRUE(Check(with_mfa, "iam:DeleteUser").has_value());
}

TEST_F(AuthorizerTest, ContextOfOneRequestDoesNotLeakIntoTheNext) {
  const std::string document =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:TagUser",)"
      R"("Resource":"*","Condition":{"Null":{"aws:RequestTag/env":"true"}}}]})";
  UserPolicy("bob", document);
  EXPECT_FALSE(
      Check(User("bob"), "iam:TagUser", kAlice, {{"aws:RequestTag/env", {"prod"}}}).has_value());
  EXPECT_TRUE(Check(User("bob"), "iam:TagUser", kAlice).has_value());
}

TEST_F(AuthorizerTest, ManagedPolicySharedAcrossUsersIsCompiledOnce) {
  const std::string arn = ManagedPolicy("Shared", Allow("iam:GetUser"));
  std::vector<std::string> users;
  for (int i = 0; i < 50; ++i) {
    users.push_back("user" + std::to_string(i));
    AddUser(users.back());
    Attach(PrincipalKind::kUser, users.back(), arn);
  }
  for (const std::string& u : users) {
    ASSERT_TRUE(Check(User(u), "iam:GetUser").has_value()) << u;
  }
  EXPECT_EQ(authz_.CompiledPolicyCountForTest(), 1u);
  EXPECT_EQ(authz_.CompileCountForTest(), 1u);
  // The hot path: no rebuild while the generation stands.
  for (const std::string& u : users) {
    ASSERT_TRUE(Check(User(u), "iam:GetUser").has_value()) << u;
  }
  EXPECT_EQ(authz_.CompileCountForTest(), 1u);
}

TEST_F(AuthorizerTest, HotPathTakesNoStoreTransaction) {
  CountingStore counting(*store_);
  Authorizer authz(counting, EnforcementMode::kEnforce);
  UserPolicy("bob", Allow("iam:GetUser"));
  const AuthzRequest request{"iam:GetUser", kAlice, {}};
  ASSERT_TRUE(authz.Authorize(User("bob"), info_, request).has_value());
  const int reads = counting.reads();
  for (int i = 0; i < 20; ++i) {
    info_.time = kStart + std::chrono::milliseconds(300 * i);
    ASSERT_TRUE(authz.Authorize(User("bob"), info_, request).has_value());
  }
  EXPECT_EQ(counting.reads(), reads);
  // A committed change rebuilds once.
  UserPolicy("bob", Allow("iam:ListUsers"), "more");
  ASSERT_TRUE(authz.Authorize(User("bob"), info_, request).has_value());
  ASSERT_TRUE(authz.Authorize(User("bob"), info_, request).has_value());
  EXPECT_EQ(counting.reads(), reads + 1);
}

TEST_F(AuthorizerTest, ClearDropsTheCaches) {
  UserPolicy("bob", Allow("iam:GetUser"));
  ASSERT_TRUE(Check(User("bob"), "iam:GetUser").has_value());
  authz_.Clear();
  EXPECT_EQ(authz_.CompiledPolicyCountForTest(), 0u);
  EXPECT_TRUE(Check(User("bob"), "iam:GetUser").has_value());
}

// "request | principal | action | resource | decision | statement, ..."
std::string Describe(const SoftDeny& d) {
  std::string out = d.request_id + " | " + d.principal_arn + " | " + d.action + " | " +
                    d.resource_arn + " | " + d.decision + " |";
  for (const std::string& statement : d.statements) {
    out += " " + statement;
  }
  return out;
}

TEST_F(AuthorizerTest, SoftModeAllowsAndReportsAnExplicitDeny) {
  std::vector<SoftDeny> reports;
  Authorizer soft(*store_, EnforcementMode::kSoft,
                  [&reports](const SoftDeny& d) { reports.push_back(d); });
  EXPECT_EQ(soft.mode(), EnforcementMode::kSoft);
  UserPolicy("bob", Allow("iam:*"), "all");
  UserPolicy("bob", Deny("iam:DeleteUser"), "nodelete");
  const AuthzRequest request{"iam:DeleteUser", kAlice, {}};
  EXPECT_TRUE(soft.Authorize(User("bob"), info_, request).has_value());
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(Describe(reports[0]),
            "req-1 | arn:aws:iam::123456789012:user/bob | iam:DeleteUser | "
            "arn:aws:iam::123456789012:user/alice | ExplicitDeny | user/bob:nodelete#NoWay");
}

TEST_F(AuthorizerTest, SoftModeReportsImplicitDenyAndNotAllows) {
  std::vector<SoftDeny> reports;
  Authorizer soft(*store_, EnforcementMode::kSoft,
                  [&reports](const SoftDeny& d) { reports.push_back(d); });
  UserPolicy("bob", Allow("iam:GetUser"));
  const AuthzRequest allowed{"iam:GetUser", kAlice, {}};
  EXPECT_TRUE(soft.Authorize(User("bob"), info_, allowed).has_value());
  EXPECT_TRUE(reports.empty());
  const AuthzRequest other{"s3:GetObject", "arn:aws:s3:::b/k", {}};
  EXPECT_TRUE(soft.Authorize(User("bob"), info_, other).has_value());
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].decision, "ImplicitDeny");
  EXPECT_TRUE(reports[0].statements.empty());
  // Without a sink soft mode still allows.
  Authorizer quiet(*store_, EnforcementMode::kSoft);
  EXPECT_TRUE(quiet.Authorize(User("bob"), info_, other).has_value());
}

TEST_F(AuthorizerTest, OffModeAllowsEverything) {
  Authorizer off(*store_, EnforcementMode::kOff);
  AuthzRequest request{"iam:DeleteUser", kAlice, {}};
  EXPECT_TRUE(off.Authorize(User("bob"), info_, request).has_value());
  EXPECT_TRUE(off.Authorize(User("ghost"), info_, request).has_value());
}

TEST_F(AuthorizerTest, ConcurrentAuthorizeWhileTheStoreChanges) {
  UserPolicy("bob", Allow("iam:GetUser"));
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  readers.reserve(3);
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        AuthzRequest request{"iam:GetUser", kAlice, {}};
        if (!authz_.Authorize(User("bob"), info_, request).has_value()) {
          ++failures;
        }
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    UserPolicy("bob", Allow("iam:ListUsers"), "extra" + std::to_string(i % 3));
  }
  stop = true;
  for (std::thread& t : readers) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace portcullis::api::authz
