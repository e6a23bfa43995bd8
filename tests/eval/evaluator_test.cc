// Evaluate(): the evaluation logic of evaluator.h, one rule per test, plus the
// explain/no-explain equivalence, Decision reuse and concurrent evaluation.
#include "eval/evaluator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "eval/compiled_policy.h"
#include "eval/decision.h"
#include "eval/request.h"
#include "policy/parse.h"

namespace portcullis::eval {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using PolicyPtr = std::shared_ptr<const CompiledPolicy>;

constexpr const char* kAlice = "arn:aws:iam::111122223333:user/alice";
constexpr const char* kRole = "arn:aws:iam::111122223333:role/app";
constexpr const char* kSession = "arn:aws:sts::111122223333:assumed-role/app/s1";
constexpr const char* kRoot = "arn:aws:iam::111122223333:root";
constexpr const char* kFederated = "arn:aws:sts::111122223333:federated-user/fed";
constexpr const char* kBucket = "arn:aws:s3:::bucket";
constexpr const char* kObject = "arn:aws:s3:::bucket/key";
constexpr const char* kKey =
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

PolicyPtr Compile(const std::string& text, policy::PolicyKind kind = policy::PolicyKind::kIdentity,
                  std::string id = "p") {
  policy::ParseOptions options;
  options.kind = kind;
  auto compiled = ParseAndCompilePolicy(text, std::move(id), options);
  EXPECT_TRUE(compiled.has_value())
      << (compiled.has_value() ? "" : compiled.error().ToString()) << "\n"
      << text;
  return compiled.has_value() ? *compiled : nullptr;
}

std::string Doc(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}

// One statement without Principal.
std::string St(const std::string& effect, const std::string& action,
               const std::string& resource = "*", const std::string& sid = "") {
  std::string s =
      R"({"Effect":")" + effect + R"(","Action":)" + action + R"(,"Resource":")" + resource + "\"";
  if (!sid.empty()) {
    s += R"(,"Sid":")" + sid + "\"";
  }
  return s + "}";
}

PolicyPtr Identity(const std::string& statements, std::string id = "identity") {
  return Compile(Doc(statements), policy::PolicyKind::kIdentity, std::move(id));
}

// A resource policy allowing (or denying) `action` to `principal` (a JSON value).
PolicyPtr ResourcePolicy(const std::string& principal, const std::string& action,
                         const std::string& effect = "Allow", const std::string& resource = "*") {
  return Compile(Doc(R"({"Sid":"R","Effect":")" + effect + R"(","Principal":)" + principal +
                     R"(,"Action":")" + action + R"(","Resource":")" + resource + "\"}"),
                 policy::PolicyKind::kResource, "resource");
}

PolicyPtr Trust(const std::string& principal) {
  return Compile(Doc(R"({"Sid":"T","Effect":"Allow","Principal":)" + principal +
                     R"(,"Action":"sts:AssumeRole"})"),
                 policy::PolicyKind::kTrust, "trust");
}

Request Req(std::string principal, std::string action, std::string resource = kObject,
            std::string resource_account = "") {
  Request r;
  r.principal = std::move(principal);
  r.action = std::move(action);
  r.resource = std::move(resource);
  r.resource_account = std::move(resource_account);
  return r;
}

struct Set {
  Set() = default;

  // NOLINTNEXTLINE(google-explicit-constructor): tables list sets as braced lists
  Set(std::vector<PolicyPtr> identity_in, PolicyPtr boundary_in = nullptr,
      std::vector<PolicyPtr> session_in = {}, std::vector<PolicyPtr> scp_in = {})
      : identity(std::move(identity_in)),
        boundary(std::move(boundary_in)),
        session(std::move(session_in)),
        scp(std::move(scp_in)) {}

  std::vector<PolicyPtr> identity;
  PolicyPtr boundary;
  std::vector<PolicyPtr> session;
  std::vector<PolicyPtr> scp;

  CompiledPolicySet Build() const {
    return CompiledPolicySet(PolicySetInput{identity, boundary, session, scp});
  }
};

Verdict V(const Request& r, const Set& s, const PolicyPtr& resource = nullptr) {
  return Evaluate(r, s.Build(), resource.get()).verdict;
}

const PolicyPtr kNoResource = nullptr;

TEST(EvaluatorTest, ReadsContextKeyPrefixSeesConditionKeysAndVariables) {
  auto set_of = [](const std::string& statements, bool as_boundary = false) {
    PolicySetInput input;
    if (as_boundary) {
      input.permissions_boundary = Compile(Doc(statements), policy::PolicyKind::kBoundary);
    } else {
      input.identity.push_back(Compile(Doc(statements)));
    }
    return CompiledPolicySet(std::move(input));
  };
  EXPECT_FALSE(set_of(R"({"Effect":"Allow","Action":"*","Resource":"*"})")
                   .ReadsContextKeyPrefix("aws:resourcetag/"));
  EXPECT_TRUE(
      set_of(
          R"({"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"AWS:ResourceTag/team":"red"}}})")
          .ReadsContextKeyPrefix("aws:resourcetag/"));
  EXPECT_TRUE(
      set_of(
          R"({"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}})")
          .ReadsContextKeyPrefix("aws:resourcetag/"));
  EXPECT_TRUE(
      set_of(R"({"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::${aws:ResourceTag/b}"})")
          .ReadsContextKeyPrefix("aws:resourcetag/"));
  EXPECT_TRUE(
      set_of(
          R"({"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"iam:ResourceTag/team":"red"}}})",
          true)
          .ReadsContextKeyPrefix("iam:resourcetag/"));
  EXPECT_FALSE(
      set_of(
          R"({"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}})")
          .ReadsContextKeyPrefix("aws:resourcetag/"));
}

TEST(EvaluatorTest, NoPoliciesIsImplicitDeny) {
  Decision d = Evaluate(Req(kAlice, "s3:GetObject"), CompiledPolicySet{});
  EXPECT_EQ(d.verdict, Verdict::kImplicitDeny);
  EXPECT_THAT(d.matched, IsEmpty());
  EXPECT_THAT(d.missing_context_keys, IsEmpty());
}

TEST(EvaluatorTest, IdentityAllowAndActionCase) {
  Set s{{Identity(St("Allow", R"("s3:GetObject")"))}};
  EXPECT_EQ(V(Req(kAlice, "s3:GetObject"), s), Verdict::kAllow);
  EXPECT_EQ(V(Req(kAlice, "S3:getobject"), s), Verdict::kAllow);
  EXPECT_EQ(V(Req(kAlice, "s3:PutObject"), s), Verdict::kImplicitDeny);
  EXPECT_EQ(V(Req(kAlice, "ec2:GetObject"), s), Verdict::kImplicitDeny);
}

TEST(EvaluatorTest, ExplicitDenyWinsEverywhere) {
  const std::string allow_all = St("Allow", R"("*")");
  const std::string deny_get = St("Deny", R"("s3:GetObject")");
  Request r = Req(kAlice, "s3:GetObject");
  // Deny in the same identity policy, another identity policy, the boundary, a
  // session policy, an SCP and the resource policy.
  EXPECT_EQ(V(r, Set{{Identity(allow_all + "," + deny_get)}}), Verdict::kExplicitDeny);
  EXPECT_EQ(V(r, Set{{Identity(allow_all), Identity(deny_get)}}), Verdict::kExplicitDeny);
  EXPECT_EQ(V(r, Set{{Identity(allow_all)}, Identity(allow_all + "," + deny_get)}),
            Verdict::kExplicitDeny);
  EXPECT_EQ(V(r, Set{{Identity(allow_all)}, nullptr, {Identity(allow_all + "," + deny_get)}}),
            Verdict::kExplicitDeny);
  EXPECT_EQ(V(r, Set{{Identity(allow_all)}, nullptr, {}, {Identity(allow_all + "," + deny_get)}}),
            Verdict::kExplicitDeny);
  EXPECT_EQ(V(r, Set{{Identity(allow_all)}}, ResourcePolicy(R"("*")", "s3:GetObject", "Deny")),
            Verdict::kExplicitDeny);
  // A Deny that does not match the action leaves the Allow.
  EXPECT_EQ(V(Req(kAlice, "s3:PutObject"), Set{{Identity(allow_all + "," + deny_get)}}),
            Verdict::kAllow);
}

TEST(EvaluatorTest, PermissionsBoundaryIntersects) {
  Set s{{Identity(St("Allow", R"("s3:*")"))}, Identity(St("Allow", R"(["s3:GetObject","ec2:*"])"))};
  EXPECT_EQ(V(Req(kAlice, "s3:GetObject"), s), Verdict::kAllow);
  EXPECT_EQ(V(Req(kAlice, "s3:PutObject"), s), Verdict::kImplicitDeny);      // boundary lacks it
  EXPECT_EQ(V(Req(kAlice, "ec2:RunInstances"), s), Verdict::kImplicitDeny);  // identity lacks it
}

TEST(EvaluatorTest, SessionPoliciesIntersect) {
  Set s{{Identity(St("Allow", R"("s3:*")"))},
        nullptr,
        {Identity(St("Allow", R"("s3:GetObject")")), Identity(St("Allow", R"("s3:ListBucket")"))}};
  // Any one session policy allowing is enough.
  EXPECT_EQ(V(Req(kSession, "s3:GetObject"), s), Verdict::kAllow);
  EXPECT_EQ(V(Req(kSession, "s3:ListBucket", kBucket), s), Verdict::kAllow);
  EXPECT_EQ(V(Req(kSession, "s3:PutObject"), s), Verdict::kImplicitDeny);
  // A session policy grants nothing by itself.
  Set only_session{{}, nullptr, {Identity(St("Allow", R"("*")"))}};
  EXPECT_EQ(V(Req(kSession, "s3:GetObject"), only_session), Verdict::kImplicitDeny);
}

TEST(EvaluatorTest, EveryScpLevelMustAllow) {
  PolicyPtr full = Identity(St("Allow", R"("*")"), "FullAWSAccess");
  PolicyPtr s3_only = Identity(St("Allow", R"("s3:*")"), "S3Only");
  PolicyPtr none = Identity(St("Allow", R"("iam:GetUser")"), "IamOnly");
  std::vector<PolicyPtr> identity = {Identity(St("Allow", R"("*")"))};
  Request s3 = Req(kAlice, "s3:GetObject");
  Request ec2 = Req(kAlice, "ec2:RunInstances");
  EXPECT_EQ(V(s3, Set{identity, nullptr, {}, {full, s3_only}}), Verdict::kAllow);
  EXPECT_EQ(V(ec2, Set{identity, nullptr, {}, {full, s3_only}}), Verdict::kImplicitDeny);
  EXPECT_EQ(V(s3, Set{identity, nullptr, {}, {full, s3_only, none}}), Verdict::kImplicitDeny);
  // An SCP allow grants nothing without an identity allow.
  EXPECT_EQ(V(s3, Set{{}, nullptr, {}, {full}}), Verdict::kImplicitDeny);
  // SCPs limit the root user too.
  EXPECT_EQ(V(Req(kRoot, "ec2:RunInstances"), Set{{}, nullptr, {}, {s3_only}}),
            Verdict::kImplicitDeny);
}

TEST(EvaluatorTest, ResourcePolicyNamingTheUserGrantsDirectly) {
  PolicyPtr bucket = ResourcePolicy(std::string("{\"AWS\":\"") + kAlice + "\"}", "s3:GetObject");
  PolicyPtr restrictive = Identity(St("Allow", R"("sts:*")"));
  Request r = Req(kAlice, "s3:GetObject");
  EXPECT_EQ(V(r, Set{}, bucket), Verdict::kAllow);
  // Not limited by a boundary's implicit deny (AWS: boundaries page).
  EXPECT_EQ(V(r, Set{{}, restrictive}, bucket), Verdict::kAllow);
  // Another user is not named.
  EXPECT_EQ(V(Req("arn:aws:iam::111122223333:user/bob", "s3:GetObject"), Set{}, bucket),
            Verdict::kImplicitDeny);
  // A different action is not granted.
  EXPECT_EQ(V(Req(kAlice, "s3:PutObject"), Set{}, bucket), Verdict::kImplicitDeny);
}

TEST(EvaluatorTest, ResourcePolicyRoleArnVersusSessionArn) {
  PolicyPtr restrictive = Identity(St("Allow", R"("sts:*")"));
  Request r = Req(kSession, "s3:GetObject");
  PolicyPtr names_role = ResourcePolicy(std::string("{\"AWS\":\"") + kRole + "\"}", "s3:GetObject");
  PolicyPtr names_session =
      ResourcePolicy(std::string("{\"AWS\":\"") + kSession + "\"}", "s3:GetObject");
  EXPECT_EQ(V(r, Set{}, names_role), Verdict::kAllow);
  EXPECT_EQ(V(r, Set{}, names_session), Verdict::kAllow);
  // The role ARN grant is limited by the boundary and session policies...
  EXPECT_EQ(V(r, Set{{}, restrictive}, names_role), Verdict::kImplicitDeny);
  EXPECT_EQ(V(r, Set{{}, nullptr, {restrictive}}, names_role), Verdict::kImplicitDeny);
  // ...the session ARN grant is not.
  EXPECT_EQ(V(r, Set{{}, restrictive}, names_session), Verdict::kAllow);
  EXPECT_EQ(V(r, Set{{}, nullptr, {restrictive}}, names_session), Verdict::kAllow);
  // aws:PrincipalArn names the role when the session ARN alone would not (a role path).
  PolicyPtr names_pathed =
      ResourcePolicy(R"({"AWS":"arn:aws:iam::111122223333:role/team/app"})", "s3:GetObject");
  Request pathed = r;
  EXPECT_EQ(V(pathed, Set{}, names_pathed), Verdict::kImplicitDeny);
  pathed.context.Set("aws:PrincipalArn", "arn:aws:iam::111122223333:role/team/app");
  EXPECT_EQ(V(pathed, Set{}, names_pathed), Verdict::kAllow);
  // A user is never matched through a role ARN.
  EXPECT_EQ(V(Req(kAlice, "s3:GetObject"), Set{}, names_role), Verdict::kImplicitDeny);
}

TEST(EvaluatorTest, ResourcePolicyNamingTheAccountDelegatesToIdentity) {
  PolicyPtr by_root = ResourcePolicy(std::string("{\"AWS\":\"") + kRoot + "\"}", "s3:GetObject");
  PolicyPtr by_id = ResourcePolicy(R"({"AWS":"111122223333"})", "s3:GetObject");
  Request r = Req(kAlice, "s3:GetObject");
  for (const PolicyPtr& resource : {by_root, by_id}) {
    EXPECT_EQ(V(r, Set{}, resource), Verdict::kImplicitDeny);
    EXPECT_EQ(V(r, Set{{Identity(St("Allow", R"("s3:GetObject")"))}}, resource), Verdict::kAllow);
  }
}

TEST(EvaluatorTest, CrossAccountNeedsBothSides) {
  const std::string other = "444455556666";
  Request r = Req(kAlice, "s3:GetObject", "arn:aws:s3:::theirs/key", other);
  std::vector<PolicyPtr> identity = {Identity(St("Allow", R"("s3:GetObject")"))};
  PolicyPtr trusts_account = ResourcePolicy(R"({"AWS":"111122223333"})", "s3:GetObject");
  PolicyPtr trusts_user =
      ResourcePolicy(std::string("{\"AWS\":\"") + kAlice + "\"}", "s3:GetObject");
  PolicyPtr trusts_other = ResourcePolicy(R"({"AWS":"999988887777"})", "s3:GetObject");
  EXPECT_EQ(V(r, Set{identity}), Verdict::kImplicitDeny);
  EXPECT_EQ(V(r, Set{}, trusts_user), Verdict::kImplicitDeny);
  EXPECT_EQ(V(r, Set{identity}, trusts_account), Verdict::kAllow);
  EXPECT_EQ(V(r, Set{identity}, trusts_user), Verdict::kAllow);
  EXPECT_EQ(V(r, Set{identity}, ResourcePolicy(R"("*")", "s3:GetObject")), Verdict::kAllow);
  EXPECT_EQ(V(r, Set{identity}, trusts_other), Verdict::kImplicitDeny);
  // The identity side is still limited by the boundary.
  EXPECT_EQ(V(r, Set{identity, Identity(St("Allow", R"("sts:*")"))}, trusts_user),
            Verdict::kImplicitDeny);
  // The root user of another account is no exception.
  EXPECT_EQ(V(Req(kRoot, "s3:GetObject", "arn:aws:s3:::theirs/key", other), Set{}),
            Verdict::kImplicitDeny);
}

TEST(EvaluatorTest, KmsKeyPolicyMustAllow) {
  std::vector<PolicyPtr> identity = {Identity(St("Allow", R"("kms:Decrypt")"))};
  Request r = Req(kAlice, "kms:Decrypt", kKey);
  // Same account, yet an identity allow alone is not enough for a KMS key.
  EXPECT_EQ(V(r, Set{identity}), Verdict::kImplicitDeny);
  EXPECT_EQ(V(r, Set{identity}, ResourcePolicy(R"({"AWS":"444455556666"})", "kms:Decrypt")),
            Verdict::kImplicitDeny);
  // A key policy naming the account lets identity policies count.
  PolicyPtr account = ResourcePolicy(std::string("{\"AWS\":\"") + kRoot + "\"}", "kms:*");
  EXPECT_EQ(V(r, Set{identity}, account), Verdict::kAllow);
  EXPECT_EQ(V(r, Set{}, account), Verdict::kImplicitDeny);
  // A key policy naming the user allows directly.
  EXPECT_EQ(V(r, Set{}, ResourcePolicy(std::string("{\"AWS\":\"") + kAlice + "\"}", "kms:Decrypt")),
            Verdict::kAllow);
  // Not a key ARN (an alias): ordinary same-account rules.
  EXPECT_EQ(
      V(Req(kAlice, "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:alias/a"), Set{identity}),
      Verdict::kAllow);
}

TEST(EvaluatorTest, TrustPolicyMustAllowAssumeRole) {
  std::vector<PolicyPtr> identity = {Identity(St("Allow", R"("sts:AssumeRole")"))};
  Request r = Req(kAlice, "sts:AssumeRole", kRole);
  EXPECT_EQ(V(r, Set{identity}), Verdict::kImplicitDeny);
  EXPECT_EQ(V(r, Set{identity}, Trust(R"({"Service":"ec2.amazonaws.com"})")),
            Verdict::kImplicitDeny);
  EXPECT_EQ(V(r, Set{identity}, Trust(std::string("{\"AWS\":\"") + kRoot + "\"}")),
            Verdict::kAllow);
  EXPECT_EQ(V(r, Set{}, Trust(std::string("{\"AWS\":\"") + kRoot + "\"}")), Verdict::kImplicitDeny);
  EXPECT_EQ(V(r, Set{}, Trust(std::string("{\"AWS\":\"") + kAlice + "\"}")), Verdict::kAllow);
}

// TODO: enable when the evaluator stops treating a service principal (no account)
// as a cross-account caller; it then needs an identity Allow it can never have, so
// no trust or resource policy can grant an AWS service anything. AWS: "Policy
// evaluation logic", resource-based policies granting service principals.
TEST(EvaluatorTest, TrustPolicyNamingAServiceGrantsIt) {
  EXPECT_EQ(V(Req("ec2.amazonaws.com", "sts:AssumeRole", kRole), Set{},
              Trust(R"({"Service":"ec2.amazonaws.com"})")),
            Verdict::kAllow);
  EXPECT_EQ(V(Req("cloudtrail.amazonaws.com", "s3:PutObject", kObject), Set{},
              ResourcePolicy(R"({"Service":"cloudtrail.amazonaws.com"})", "s3:PutObject")),
            Verdict::kAllow);
}

TEST(EvaluatorTest, GetCallerIdentityIsAlwaysAllowed) {
  Request r = Req(kAlice, "sts:GetCallerIdentity", "*");
  EXPECT_EQ(V(r, Set{}), Verdict::kAllow);
  EXPECT_EQ(V(r, Set{{Identity(St("Deny", R"("*")"))}}), Verdict::kAllow);
  EXPECT_EQ(V(r, Set{{}, nullptr, {}, {Identity(St("Deny", R"("sts:*")"))}}), Verdict::kAllow);
  EXPECT_EQ(V(Req(kAlice, "STS:getcalleridentity", "*"), Set{}), Verdict::kAllow);
  EXPECT_EQ(V(Req(kAlice, "sts:GetSessionToken", "*"), Set{}), Verdict::kImplicitDeny);
}

TEST(EvaluatorTest, RootUserHasFullAccessToItsAccount) {
  Request r = Req(kRoot, "s3:DeleteBucket", kBucket);
  EXPECT_EQ(V(r, Set{}), Verdict::kAllow);
  EXPECT_EQ(V(r, Set{}, ResourcePolicy(R"({"AWS":"444455556666"})", "s3:GetObject")),
            Verdict::kAllow);
  EXPECT_EQ(V(r, Set{{Identity(St("Deny", R"("s3:DeleteBucket")"))}}), Verdict::kExplicitDeny);
  EXPECT_EQ(V(r, Set{}, ResourcePolicy(R"("*")", "s3:DeleteBucket", "Deny")),
            Verdict::kExplicitDeny);
}

TEST(EvaluatorTest, FederatedUserNeedsASessionPolicy) {
  std::vector<PolicyPtr> identity = {Identity(St("Allow", R"("s3:*")"))};
  Request r = Req(kFederated, "s3:GetObject");
  EXPECT_EQ(V(r, Set{identity}), Verdict::kImplicitDeny);
  EXPECT_EQ(V(r, Set{identity, nullptr, {Identity(St("Allow", R"("s3:GetObject")"))}}),
            Verdict::kAllow);
  // A resource policy naming the federated user grants directly.
  EXPECT_EQ(
      V(r, Set{}, ResourcePolicy(std::string("{\"AWS\":\"") + kFederated + "\"}", "s3:GetObject")),
      Verdict::kAllow);
}

TEST(EvaluatorTest, MatchedListsTheDecidingStatements) {
  PolicyPtr first = Identity(St("Allow", R"("s3:*")", "*", "AllowS3") + "," +
                                 St("Deny", R"("s3:DeleteObject")", "*", "NoDelete") + "," +
                                 St("Allow", R"("s3:GetObject")", "*", "AllowGet"),
                             "first");
  PolicyPtr second =
      Identity(St("Deny", R"("s3:Delete*")", "*") + "," + St("Allow", R"("*")"), "second");
  CompiledPolicySet set(PolicySetInput{{first, second}, nullptr, {}, {}});

  Decision allow = Evaluate(Req(kAlice, "s3:GetObject"), set);
  ASSERT_EQ(allow.verdict, Verdict::kAllow);
  ASSERT_EQ(allow.matched.size(), 3u);
  EXPECT_EQ(allow.matched[0].type, PolicyType::kIdentity);
  EXPECT_EQ(allow.matched[0].policy_index, 0u);
  EXPECT_EQ(allow.matched[0].policy_id, "first");
  EXPECT_EQ(allow.matched[0].sid, "AllowS3");
  EXPECT_EQ(allow.matched[0].statement_index, 0u);
  EXPECT_EQ(allow.matched[0].effect, policy::Effect::kAllow);
  EXPECT_EQ(allow.matched[1].sid, "AllowGet");
  EXPECT_EQ(allow.matched[1].statement_index, 2u);
  EXPECT_EQ(allow.matched[2].policy_index, 1u);
  EXPECT_EQ(allow.matched[2].policy_id, "second");
  EXPECT_EQ(allow.matched[2].sid, "");
  EXPECT_EQ(allow.matched[2].statement_index, 1u);

  // An explicit deny lists only the Deny statements, in every policy.
  Decision deny = Evaluate(Req(kAlice, "s3:DeleteObject"), set);
  ASSERT_EQ(deny.verdict, Verdict::kExplicitDeny);
  ASSERT_EQ(deny.matched.size(), 2u);
  EXPECT_EQ(deny.matched[0].sid, "NoDelete");
  EXPECT_EQ(deny.matched[0].effect, policy::Effect::kDeny);
  EXPECT_EQ(deny.matched[1].policy_id, "second");
  EXPECT_EQ(deny.matched[1].statement_index, 0u);
  EXPECT_EQ(deny.matched[1].effect, policy::Effect::kDeny);

  // An implicit deny keeps the Allow statements that were not enough.
  CompiledPolicySet bounded(
      PolicySetInput{{first}, Identity(St("Allow", R"("ec2:*")"), "boundary"), {}, {}});
  Decision implicit = Evaluate(Req(kAlice, "s3:GetObject"), bounded);
  ASSERT_EQ(implicit.verdict, Verdict::kImplicitDeny);
  ASSERT_EQ(implicit.matched.size(), 2u);
  EXPECT_EQ(implicit.matched[0].sid, "AllowS3");
  EXPECT_EQ(implicit.matched[1].sid, "AllowGet");

  // Other policy types are named as such, with their list positions.
  PolicyPtr scp = Identity(St("Allow", R"("*")", "*", "Full"), "scp");
  CompiledPolicySet typed(PolicySetInput{{first},
                                         Identity(St("Allow", R"("s3:GetObject")", "*", "B"), "b"),
                                         {Identity(St("Allow", R"("*")", "*", "S"), "s")},
                                         {scp, scp}});
  Decision all = Evaluate(Req(kSession, "s3:GetObject"), typed,
                          ResourcePolicy(R"("*")", "s3:GetObject").get());
  ASSERT_EQ(all.verdict, Verdict::kAllow);
  std::vector<std::pair<PolicyType, std::uint32_t>> seen;
  for (const MatchedStatement& m : all.matched) {
    seen.emplace_back(m.type, m.policy_index);
  }
  EXPECT_THAT(seen, UnorderedElementsAre(
                        std::pair{PolicyType::kIdentity, 0u}, std::pair{PolicyType::kIdentity, 0u},
                        std::pair{PolicyType::kPermissionsBoundary, 0u},
                        std::pair{PolicyType::kSession, 0u}, std::pair{PolicyType::kScp, 0u},
                        std::pair{PolicyType::kScp, 1u}, std::pair{PolicyType::kResource, 0u}));
  EXPECT_EQ(PolicyTypeName(PolicyType::kPermissionsBoundary), "permissionsBoundary");
  EXPECT_EQ(VerdictName(Verdict::kExplicitDeny), "ExplicitDeny");
}

TEST(EvaluatorTest, MissingContextKeysNameAbsentKeysOnce) {
  PolicyPtr p = Identity(
      R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":)"
      R"({"StringEquals":{"aws:PrincipalTag/Team":"blue"},"Bool":{"aws:SecureTransport":"true"}}},)"
      R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":)"
      R"({"StringEquals":{"AWS:PRINCIPALTAG/TEAM":"red"}}},)"
      R"({"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":)"
      R"({"StringEquals":{"ec2:Region":"x"}}})");
  CompiledPolicySet set(PolicySetInput{{p}, nullptr, {}, {}});
  Request r = Req(kAlice, "s3:GetObject");
  Decision d = Evaluate(r, set);
  EXPECT_EQ(d.verdict, Verdict::kImplicitDeny);
  // Keys of statements for other actions are not consulted.
  EXPECT_THAT(d.missing_context_keys, ElementsAre("aws:PrincipalTag/Team"));
  r.context.Set("aws:principaltag/team", "blue");
  d = Evaluate(r, set);
  EXPECT_EQ(d.verdict, Verdict::kImplicitDeny);
  EXPECT_THAT(d.missing_context_keys, ElementsAre("aws:SecureTransport"));
  r.context.Set("aws:SecureTransport", "true");
  d = Evaluate(r, set);
  EXPECT_EQ(d.verdict, Verdict::kAllow);
  EXPECT_THAT(d.missing_context_keys, IsEmpty());
}

// A table of requests whose verdict must not depend on EvaluateOptions::explain.
struct TableCase {
  std::string name;
  Request request;
  Set set;
  PolicyPtr resource;
};

std::vector<TableCase> Table() {
  PolicyPtr allow_all = Identity(St("Allow", R"("*")"));
  PolicyPtr allow_s3 = Identity(St("Allow", R"("s3:*")") + "," + St("Allow", R"("s3:Get*")"));
  PolicyPtr deny_put = Identity(St("Deny", R"("s3:PutObject")") + "," + St("Allow", R"("*")"));
  PolicyPtr not_action = Identity(R"({"Effect":"Allow","NotAction":"iam:*","Resource":"*"})");
  PolicyPtr conditional = Identity(
      R"({"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"test:k":"v"}}})");
  PolicyPtr sts_only = Identity(St("Allow", R"("sts:*")"));
  PolicyPtr bucket_alice = ResourcePolicy(std::string("{\"AWS\":\"") + kAlice + "\"}", "s3:*");
  PolicyPtr bucket_role = ResourcePolicy(std::string("{\"AWS\":\"") + kRole + "\"}", "s3:*");
  PolicyPtr bucket_account = ResourcePolicy(R"({"AWS":"111122223333"})", "s3:*");
  PolicyPtr key_account = ResourcePolicy(std::string("{\"AWS\":\"") + kRoot + "\"}", "kms:*");
  Request with_k = Req(kAlice, "s3:GetObject");
  with_k.context.Set("test:k", "v");
  const std::string other = "444455556666";
  return {
      {"empty", Req(kAlice, "s3:GetObject"), {}, nullptr},
      {"allow", Req(kAlice, "s3:GetObject"), {{allow_all, allow_s3}}, nullptr},
      {"deny", Req(kAlice, "s3:PutObject"), {{allow_s3, deny_put}}, nullptr},
      {"not_action_allows", Req(kAlice, "ec2:RunInstances"), {{not_action}}, nullptr},
      {"not_action_excludes", Req(kAlice, "iam:CreateUser"), {{not_action}}, nullptr},
      {"condition_missing", Req(kAlice, "s3:GetObject"), {{conditional}}, nullptr},
      {"condition_met", with_k, {{conditional}}, nullptr},
      {"boundary_blocks", Req(kAlice, "s3:GetObject"), {{allow_all}, sts_only}, nullptr},
      {"boundary_allows", Req(kAlice, "s3:GetObject"), {{allow_all}, allow_s3}, nullptr},
      {"session_blocks",
       Req(kSession, "s3:GetObject"),
       {{allow_all}, nullptr, {sts_only}},
       nullptr},
      {"scp_blocks",
       Req(kAlice, "s3:GetObject"),
       {{allow_all}, nullptr, {}, {allow_all, sts_only}},
       nullptr},
      {"scp_deny", Req(kAlice, "s3:PutObject"), {{allow_all}, nullptr, {}, {deny_put}}, nullptr},
      {"resource_direct", Req(kAlice, "s3:GetObject"), {{}, sts_only}, bucket_alice},
      {"resource_role", Req(kSession, "s3:GetObject"), {{}, sts_only}, bucket_role},
      {"resource_role_free", Req(kSession, "s3:GetObject"), {}, bucket_role},
      {"resource_account", Req(kAlice, "s3:GetObject"), {}, bucket_account},
      {"cross_ok",
       Req(kAlice, "s3:GetObject", "arn:aws:s3:::t/k", other),
       {{allow_s3}},
       bucket_alice},
      {"cross_no_resource",
       Req(kAlice, "s3:GetObject", "arn:aws:s3:::t/k", other),
       {{allow_s3}},
       nullptr},
      {"kms_identity_only", Req(kAlice, "kms:Decrypt", kKey), {{allow_all}}, nullptr},
      {"kms_account", Req(kAlice, "kms:Decrypt", kKey), {{allow_all}}, key_account},
      {"trust",
       Req(kAlice, "sts:AssumeRole", kRole),
       {{allow_all}},
       Trust(std::string("{\"AWS\":\"") + kRoot + "\"}")},
      {"caller_identity", Req(kAlice, "sts:GetCallerIdentity", "*"), {{deny_put}}, nullptr},
      {"root", Req(kRoot, "s3:PutObject"), {}, nullptr},
      {"root_denied", Req(kRoot, "s3:PutObject"), {{deny_put}}, nullptr},
      {"federated", Req(kFederated, "s3:GetObject"), {{allow_all}}, nullptr},
      {"federated_session",
       Req(kFederated, "s3:GetObject"),
       {{allow_all}, nullptr, {allow_s3}},
       nullptr},
      {"anonymous", Req("", "s3:GetObject"), {}, ResourcePolicy(R"("*")", "s3:GetObject")},
  };
}

TEST(EvaluatorTest, ExplainDoesNotChangeTheVerdict) {
  for (const TableCase& c : Table()) {
    CompiledPolicySet set = c.set.Build();
    Decision explained = Evaluate(c.request, set, c.resource.get(), EvaluateOptions{true});
    Decision fast = Evaluate(c.request, set, c.resource.get(), EvaluateOptions{false});
    EXPECT_EQ(explained.verdict, fast.verdict) << c.name;
    EXPECT_THAT(fast.matched, IsEmpty()) << c.name;
    EXPECT_THAT(fast.missing_context_keys, IsEmpty()) << c.name;
  }
}

TEST(EvaluatorTest, TableVerdicts) {
  const std::vector<std::pair<std::string, Verdict>> expected = {
      {"empty", Verdict::kImplicitDeny},
      {"allow", Verdict::kAllow},
      {"deny", Verdict::kExplicitDeny},
      {"not_action_allows", Verdict::kAllow},
      {"not_action_excludes", Verdict::kImplicitDeny},
      {"condition_missing", Verdict::kImplicitDeny},
      {"condition_met", Verdict::kAllow},
      {"boundary_blocks", Verdict::kImplicitDeny},
      {"boundary_allows", Verdict::kAllow},
      {"session_blocks", Verdict::kImplicitDeny},
      {"scp_blocks", Verdict::kImplicitDeny},
      {"scp_deny", Verdict::kExplicitDeny},
      {"resource_direct", Verdict::kAllow},
      {"resource_role", Verdict::kImplicitDeny},
      {"resource_role_free", Verdict::kAllow},
      {"resource_account", Verdict::kImplicitDeny},
      {"cross_ok", Verdict::kAllow},
      {"cross_no_resource", Verdict::kImplicitDeny},
      {"kms_identity_only", Verdict::kImplicitDeny},
      {"kms_account", Verdict::kAllow},
      {"trust", Verdict::kAllow},
      {"caller_identity", Verdict::kAllow},
      {"root", Verdict::kAllow},
      {"root_denied", Verdict::kExplicitDeny},
      {"federated", Verdict::kImplicitDeny},
      {"federated_session", Verdict::kAllow},
      {"anonymous", Verdict::kAllow},
  };
  std::vector<TableCase> table = Table();
  ASSERT_EQ(table.size(), expected.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    ASSERT_EQ(table[i].name, expected[i].first);
    EXPECT_EQ(Evaluate(table[i].request, table[i].set.Build(), table[i].resource.get()).verdict,
              expected[i].second)
        << table[i].name;
  }
}

TEST(EvaluatorTest, OneDecisionReusedAcrossCallsMatchesFreshOnes) {
  std::vector<TableCase> table = Table();
  Decision reused;
  // Run the table twice in opposite orders, alternating explain, so every case
  // starts from another case's leftovers.
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t n = 0; n < table.size(); ++n) {
      const TableCase& c = table[pass == 0 ? n : table.size() - 1 - n];
      CompiledPolicySet set = c.set.Build();
      for (bool explain : {true, false, true}) {
        Evaluate(c.request, set, c.resource.get(), EvaluateOptions{explain}, reused);
        Decision fresh = Evaluate(c.request, set, c.resource.get(), EvaluateOptions{explain});
        EXPECT_EQ(reused.verdict, fresh.verdict) << c.name;
        EXPECT_EQ(reused.matched.size(), fresh.matched.size()) << c.name;
        for (std::size_t i = 0; i < reused.matched.size() && i < fresh.matched.size(); ++i) {
          EXPECT_EQ(reused.matched[i].policy_id, fresh.matched[i].policy_id) << c.name;
          EXPECT_EQ(reused.matched[i].statement_index, fresh.matched[i].statement_index) << c.name;
          EXPECT_EQ(reused.matched[i].type, fresh.matched[i].type) << c.name;
        }
        EXPECT_EQ(reused.missing_context_keys, fresh.missing_context_keys) << c.name;
      }
    }
  }
}

// A resource policy whose only statement applies to nothing must not change the
// verdict: the caller is described the same way with or without one.
TEST(EvaluatorTest, InertResourcePolicyChangesNothing) {
  PolicyPtr inert = ResourcePolicy(R"({"AWS":"arn:aws:iam::000000000000:user/nobody"})",
                                   "nothing:Nothing", "Allow", "arn:aws:s3:::nothing");
  for (const TableCase& c : Table()) {
    if (c.resource != nullptr) {
      continue;
    }
    CompiledPolicySet set = c.set.Build();
    EXPECT_EQ(Evaluate(c.request, set).verdict, Evaluate(c.request, set, inert.get()).verdict)
        << c.name;
  }
}

// TODO: enable when the evaluator describes the caller the same way without a
// resource policy: it then takes any principal containing ":federated-user/" for a
// GetFederationToken user. IAM paths may contain ':' (IAM API reference, Path).
TEST(EvaluatorTest, UserWhosePathLooksFederatedIsAUser) {
  const std::string user = "arn:aws:iam::111122223333:user/division:federated-user/bob";
  Set s{{Identity(St("Allow", R"("s3:GetObject")"))}};
  PolicyPtr inert = ResourcePolicy(R"({"AWS":"arn:aws:iam::000000000000:user/nobody"})",
                                   "nothing:Nothing", "Allow", "arn:aws:s3:::nothing");
  EXPECT_EQ(V(Req(user, "s3:GetObject"), s), Verdict::kAllow);
  EXPECT_EQ(V(Req(user, "s3:GetObject"), s, inert), Verdict::kAllow);
}

TEST(EvaluatorTest, NullPoliciesAreDropped) {
  CompiledPolicySet set(PolicySetInput{
      {nullptr, Identity(St("Allow", R"("*")")), nullptr}, nullptr, {nullptr}, {nullptr}});
  EXPECT_EQ(set.policies().identity.size(), 1u);
  EXPECT_TRUE(set.policies().session.empty());
  EXPECT_TRUE(set.policies().scp.empty());
  EXPECT_EQ(Evaluate(Req(kSession, "s3:GetObject"), set).verdict, Verdict::kAllow);
}

TEST(EvaluatorTest, ConcurrentEvaluationAgrees) {
  std::vector<TableCase> table = Table();
  // One shared set for all threads, plus the table's own sets (also shared).
  PolicyPtr conditional = Identity(
      R"({"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucket/${aws:username}/*"},)"
      R"({"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*","Condition":)"
      R"({"StringLike":{"s3:prefix":"keep*"}}})");
  CompiledPolicySet shared(
      PolicySetInput{{conditional, Identity(St("Allow", R"("ec2:*")"))}, nullptr, {}, {}});
  std::vector<CompiledPolicySet> sets;
  sets.reserve(table.size());
  for (const TableCase& c : table) {
    sets.push_back(c.set.Build());
  }
  auto run = [&](std::vector<Verdict>& verdicts, std::vector<std::size_t>& matched) {
    Decision d;
    for (int round = 0; round < 200; ++round) {
      for (std::size_t i = 0; i < table.size(); ++i) {
        Evaluate(table[i].request, sets[i], table[i].resource.get(),
                 EvaluateOptions{round % 2 == 0}, d);
        verdicts.push_back(d.verdict);
        matched.push_back(d.matched.size());
      }
      for (const char* user : {"alice", "bob"}) {
        Request r = Req(kAlice, round % 3 == 0 ? "s3:DeleteObject" : "s3:GetObject",
                        std::string("arn:aws:s3:::bucket/") + user + "/f");
        r.context.Set("aws:username", "alice");
        r.context.Set("s3:prefix", round % 5 == 0 ? "keep/x" : "tmp/x");
        Evaluate(r, shared, nullptr, EvaluateOptions{round % 2 == 1}, d);
        verdicts.push_back(d.verdict);
        matched.push_back(d.matched.size());
      }
    }
  };
  constexpr int kThreads = 4;
  std::vector<std::vector<Verdict>> verdicts(kThreads);
  std::vector<std::vector<std::size_t>> matched(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(run, std::ref(verdicts[t]), std::ref(matched[t]));
  }
  for (std::thread& t : threads) {
    t.join();
  }
  std::vector<Verdict> expected_verdicts;
  std::vector<std::size_t> expected_matched;
  run(expected_verdicts, expected_matched);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(verdicts[t], expected_verdicts) << "thread " << t;
    EXPECT_EQ(matched[t], expected_matched) << "thread " << t;
  }
}

}  // namespace
}  // namespace portcullis::eval
