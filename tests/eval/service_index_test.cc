// ServiceIndex through CompiledPolicy::Candidates: which statements an action's
// service prefix selects, in which order, and with which names.
#include "eval/service_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

#include "eval/compiled_policy.h"
#include "eval/request.h"
#include "policy/parse.h"

namespace portcullis::eval {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::shared_ptr<const CompiledPolicy> Compile(const std::string& statements) {
  policy::ParseOptions options;
  options.kind = policy::PolicyKind::kIdentity;
  auto compiled = ParseAndCompilePolicy(
      R"({"Version":"2012-10-17","Statement":[)" + statements + "]}", "p", options);
  EXPECT_TRUE(compiled.has_value()) << (compiled.has_value() ? "" : compiled.error().ToString());
  return compiled.has_value() ? *compiled : nullptr;
}

std::string Allow(const std::string& action_json, const std::string& element = "Action") {
  return R"({"Effect":"Allow",")" + element + R"(":)" + action_json + R"(,"Resource":"*"})";
}

const std::vector<Candidate>& For(const CompiledPolicy& p, const std::string& service) {
  return p.Candidates(service, HashKeyIgnoreCase(service));
}

// Statement indexes of the candidates, in order.
std::vector<std::uint32_t> Indexes(const std::vector<Candidate>& candidates) {
  std::vector<std::uint32_t> out;
  for (const Candidate& c : candidates) {
    out.push_back(c.statement->index);
  }
  return out;
}

TEST(ServiceIndexTest, NamedServiceGetsItsStatementsAndTheGlobalOnesInOrder) {
  auto p = Compile(Allow(R"("s3:GetObject")") + "," +             // 0
                   Allow(R"("ec2:RunInstances")") + "," +         // 1
                   Allow(R"("*")") + "," +                        // 2
                   Allow(R"(["s3:Put*","iam:GetUser"])") + "," +  // 3
                   Allow(R"("s*:List*")") + "," +                 // 4
                   Allow(R"("S3:DeleteObject")"));                // 5
  ASSERT_NE(p, nullptr);
  EXPECT_THAT(Indexes(For(*p, "s3")), ElementsAre(0, 2, 3, 4, 5));
  EXPECT_THAT(Indexes(For(*p, "ec2")), ElementsAre(1, 2, 4));
  EXPECT_THAT(Indexes(For(*p, "iam")), ElementsAre(2, 3, 4));
  for (const Candidate& c : For(*p, "s3")) {
    EXPECT_EQ(c.policy, p.get());
    EXPECT_EQ(c.statement, &p->statements()[c.statement->index]);
  }
}

TEST(ServiceIndexTest, UnnamedServiceFallsBackToTheGlobalList) {
  auto p = Compile(Allow(R"("s3:GetObject")") + "," + Allow(R"("*")") + "," +
                   Allow(R"("dynamo*:Get*")") + "," + Allow(R"("kms:Decrypt")", "NotAction"));
  ASSERT_NE(p, nullptr);
  EXPECT_THAT(Indexes(For(*p, "lambda")), ElementsAre(1, 2, 3));
  EXPECT_THAT(Indexes(For(*p, "")), ElementsAre(1, 2, 3));
  for (const Candidate& c : For(*p, "lambda")) {
    EXPECT_EQ(c.actions, nullptr);
  }
}

TEST(ServiceIndexTest, NoGlobalStatementsMeansNoFallbackCandidates) {
  auto p = Compile(Allow(R"("s3:GetObject")") + "," + Allow(R"("ec2:Describe*")"));
  ASSERT_NE(p, nullptr);
  EXPECT_THAT(For(*p, "lambda"), IsEmpty());
  EXPECT_THAT(Indexes(For(*p, "ec2")), ElementsAre(1));
}

TEST(ServiceIndexTest, CandidatesCarryTheirNamesForTheService) {
  auto p =
      Compile(Allow(R"(["s3:GetObject","s3:Put*","ec2:RunInstances"])") + "," + Allow(R"("s3:*")"));
  ASSERT_NE(p, nullptr);
  const auto& s3 = For(*p, "s3");
  ASSERT_EQ(s3.size(), 2u);
  ASSERT_NE(s3[0].actions, nullptr);
  EXPECT_FALSE(s3[0].actions->all);
  EXPECT_THAT(s3[0].actions->exact, ElementsAre("getobject"));
  ASSERT_EQ(s3[0].actions->exact_hashes.size(), 1u);
  EXPECT_EQ(s3[0].actions->exact_hashes[0], HashKeyIgnoreCase("getobject"));
  EXPECT_EQ(s3[0].actions->globs.size(), 1u);
  EXPECT_TRUE(s3[0].actions->Matches("getobject", HashKeyIgnoreCase("getobject")));
  EXPECT_TRUE(s3[0].actions->Matches("putobjectacl", HashKeyIgnoreCase("putobjectacl")));
  EXPECT_FALSE(s3[0].actions->Matches("deleteobject", HashKeyIgnoreCase("deleteobject")));
  ASSERT_NE(s3[1].actions, nullptr);
  EXPECT_TRUE(s3[1].actions->all);

  const auto& ec2 = For(*p, "ec2");
  ASSERT_EQ(ec2.size(), 1u);
  ASSERT_NE(ec2[0].actions, nullptr);
  EXPECT_THAT(ec2[0].actions->exact, ElementsAre("runinstances"));
}

TEST(ServiceIndexTest, NotActionStatementsAppearUnderEveryServiceWithTheirNames) {
  auto p = Compile(Allow(R"("s3:GetObject")") + "," +
                   Allow(R"(["iam:*","s3:DeleteBucket"])", "NotAction") + "," +
                   Allow(R"("ec2:RunInstances")"));
  ASSERT_NE(p, nullptr);
  const CompiledStatement& not_action = p->statements()[1];
  ASSERT_TRUE(not_action.not_action);

  const auto& s3 = For(*p, "s3");
  EXPECT_THAT(Indexes(s3), ElementsAre(0, 1));
  ASSERT_NE(s3[1].actions, nullptr);
  EXPECT_THAT(s3[1].actions->exact, ElementsAre("deletebucket"));

  const auto& iam = For(*p, "iam");
  EXPECT_THAT(Indexes(iam), ElementsAre(1));
  ASSERT_NE(iam[0].actions, nullptr);
  EXPECT_TRUE(iam[0].actions->all);

  const auto& ec2 = For(*p, "ec2");
  EXPECT_THAT(Indexes(ec2), ElementsAre(1, 2));
  EXPECT_EQ(ec2[0].actions, nullptr);
  EXPECT_THAT(Indexes(For(*p, "sqs")), ElementsAre(1));

  // The names are the excluded ones: matching is inverted.
  auto matches = [&](const std::string& action, const Candidate& c) {
    const std::string name = action.substr(action.find(':') + 1);
    return c.statement->MatchesAction(action, name, HashKeyIgnoreCase(name), c.actions);
  };
  EXPECT_FALSE(matches("s3:deletebucket", s3[1]));
  EXPECT_TRUE(matches("s3:getobject", s3[1]));
  EXPECT_FALSE(matches("iam:getuser", iam[0]));
  EXPECT_TRUE(matches("ec2:runinstances", ec2[0]));
}

TEST(ServiceIndexTest, AStatementBothGlobalAndNamedIsListedOnce) {
  auto p =
      Compile(Allow(R"(["s3:GetObject","*"])") + "," + Allow(R"(["s3:ListBucket","s*:Get*"])"));
  ASSERT_NE(p, nullptr);
  EXPECT_THAT(Indexes(For(*p, "s3")), ElementsAre(0, 1));
  EXPECT_THAT(Indexes(For(*p, "sqs")), ElementsAre(0, 1));
  EXPECT_THAT(Indexes(For(*p, "ec2")), ElementsAre(0, 1));
  // The entry under "s3" keeps the s3 names of the second statement.
  const auto& s3 = For(*p, "s3");
  ASSERT_NE(s3[1].actions, nullptr);
  EXPECT_THAT(s3[1].actions->exact, ElementsAre("listbucket"));
}

TEST(ServiceIndexTest, ManyServicesAreAllFound) {
  std::string statements;
  std::vector<std::string> services;
  for (int i = 0; i < 50; ++i) {
    services.push_back("svc" + std::to_string(i));
    statements += (i > 0 ? "," : "") + Allow("\"" + services.back() + ":Do\"");
  }
  auto p = Compile(statements);
  ASSERT_NE(p, nullptr);
  for (int i = 0; i < 50; ++i) {
    EXPECT_THAT(Indexes(For(*p, services[static_cast<std::size_t>(i)])),
                ElementsAre(static_cast<std::uint32_t>(i)))
        << services[static_cast<std::size_t>(i)];
  }
  EXPECT_THAT(For(*p, "svc50"), IsEmpty());
}

TEST(ServiceIndexTest, DirectUseAcrossPolicies) {
  auto a = Compile(Allow(R"("s3:GetObject")") + "," + Allow(R"("*")"));
  auto b = Compile(Allow(R"("s3:PutObject")"));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ServiceIndex index;
  EXPECT_TRUE(index.empty());
  index.Add(*a, 0);
  index.Add(*b, 1);
  index.Build();
  EXPECT_FALSE(index.empty());
  const auto& s3 = index.Lookup("s3", HashKeyIgnoreCase("s3"));
  ASSERT_EQ(s3.size(), 3u);
  EXPECT_EQ(s3[0].policy, a.get());
  EXPECT_EQ(s3[1].policy, a.get());
  EXPECT_EQ(s3[2].policy, b.get());
  EXPECT_EQ(s3[2].policy_index, 1u);
  const auto& other = index.Lookup("ec2", HashKeyIgnoreCase("ec2"));
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].statement, &a->statements()[1]);
}

}  // namespace
}  // namespace portcullis::eval
