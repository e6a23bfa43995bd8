// Condition operators through whole policies (compile, then Evaluate), plus the
// template and masked-glob primitives of eval/conditions.h.
#include "eval/conditions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "eval/compiled_policy.h"
#include "eval/evaluator.h"
#include "eval/request.h"
#include "policy/parse.h"

namespace portcullis::eval {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::shared_ptr<const CompiledPolicy> CompileIdentity(const std::string& text) {
  policy::ParseOptions options;
  options.kind = policy::PolicyKind::kIdentity;
  auto compiled = ParseAndCompilePolicy(text, "p", options);
  EXPECT_TRUE(compiled.has_value())
      << (compiled.has_value() ? "" : compiled.error().ToString()) << "\n"
      << text;
  return compiled.has_value() ? *compiled : nullptr;
}

// An identity policy allowing s3:GetObject on * under `condition` (a JSON object).
std::string PolicyWith(const std::string& condition) {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",)"
         R"("Resource":"*","Condition":)" +
         condition + "}]}";
}

struct ContextValue {
  std::string key;
  std::vector<std::string> values;
  bool multi = false;
};

RequestContext MakeContext(const std::vector<ContextValue>& values) {
  RequestContext ctx;
  for (const ContextValue& v : values) {
    if (v.multi) {
      ctx.SetMulti(v.key, v.values);
    } else {
      ctx.Set(v.key, v.values.at(0));
    }
  }
  return ctx;
}

Request MakeRequest(RequestContext ctx) {
  Request r;
  r.principal = "arn:aws:iam::111122223333:user/alice";
  r.action = "s3:GetObject";
  r.resource = "arn:aws:s3:::bucket/key";
  r.context = std::move(ctx);
  return r;
}

struct Case {
  std::string condition;
  std::vector<ContextValue> context;
  bool holds;
};

// Runs one case both through Evaluate and through EvaluateCondition on every
// clause of the compiled statement; both must agree with `holds`.
void Check(const Case& c) {
  SCOPED_TRACE(c.condition);
  auto policy = CompileIdentity(PolicyWith(c.condition));
  ASSERT_NE(policy, nullptr);
  Request request = MakeRequest(MakeContext(c.context));
  CompiledPolicySet set(PolicySetInput{{policy}, nullptr, {}, {}});
  for (bool explain : {true, false}) {
    Decision d = Evaluate(request, set, nullptr, EvaluateOptions{explain});
    EXPECT_EQ(d.verdict, c.holds ? Verdict::kAllow : Verdict::kImplicitDeny)
        << "explain=" << explain;
  }
  bool all = true;
  std::vector<std::string_view> missing;
  for (const CompiledCondition& cond : policy->statements().at(0).conditions) {
    all = EvaluateCondition(cond, request.context, MissingKeySink{&missing}) && all;
  }
  EXPECT_EQ(all, c.holds);
}

void CheckAll(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    Check(c);
  }
}

const std::vector<ContextValue> kNone = {};

ContextValue V(std::string key, std::string value) {
  return {std::move(key), {std::move(value)}};
}

ContextValue M(std::string key, std::vector<std::string> values) {
  return {std::move(key), std::move(values), true};
}

TEST(ConditionsTest, StringOperators) {
  CheckAll({
      {R"({"StringEquals":{"aws:username":"alice"}})", {V("aws:username", "alice")}, true},
      {R"({"StringEquals":{"aws:username":"alice"}})", {V("AWS:UserName", "alice")}, true},
      {R"({"StringEquals":{"aws:username":"alice"}})", {V("aws:username", "Alice")}, false},
      {R"({"StringEquals":{"aws:username":"alice"}})", kNone, false},
      {R"({"StringEquals":{"aws:username":["bob","alice"]}})", {V("aws:username", "alice")}, true},
      {R"({"StringNotEquals":{"aws:username":"alice"}})", {V("aws:username", "bob")}, true},
      {R"({"StringNotEquals":{"aws:username":"alice"}})", {V("aws:username", "alice")}, false},
      {R"({"StringNotEquals":{"aws:username":["a","b"]}})", {V("aws:username", "b")}, false},
      // AWS: a negated operator holds when the key is absent.
      {R"({"StringNotEquals":{"aws:username":"alice"}})", kNone, true},
      {R"({"StringEqualsIgnoreCase":{"aws:username":"ALICE"}})",
       {V("aws:username", "aLiCe")},
       true},
      {R"({"StringEqualsIgnoreCase":{"aws:username":"ALICE"}})",
       {V("aws:username", "alicia")},
       false},
      {R"({"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}})",
       {V("aws:username", "alice")},
       false},
      {R"({"StringLike":{"s3:prefix":"home/*/docs?"}})", {V("s3:prefix", "home/al/docs1")}, true},
      {R"({"StringLike":{"s3:prefix":"home/*/docs?"}})", {V("s3:prefix", "home/al/docs")}, false},
      {R"({"StringLike":{"s3:prefix":"home/*"}})", {V("s3:prefix", "HOME/x")}, false},
      {R"({"StringNotLike":{"s3:prefix":"tmp/*"}})", {V("s3:prefix", "home/x")}, true},
      {R"({"StringNotLike":{"s3:prefix":"tmp/*"}})", {V("s3:prefix", "tmp/x")}, false},
      {R"({"StringNotLike":{"s3:prefix":"tmp/*"}})", kNone, true},
  });
}

TEST(ConditionsTest, NumericOperators) {
  CheckAll({
      {R"({"NumericEquals":{"s3:max-keys":"10"}})", {V("s3:max-keys", "10")}, true},
      {R"({"NumericEquals":{"s3:max-keys":"10"}})", {V("s3:max-keys", "10.0")}, true},
      {R"({"NumericEquals":{"s3:max-keys":"10"}})", {V("s3:max-keys", "11")}, false},
      {R"({"NumericEquals":{"s3:max-keys":"10"}})", {V("s3:max-keys", "ten")}, false},
      {R"({"NumericNotEquals":{"s3:max-keys":"10"}})", {V("s3:max-keys", "11")}, true},
      {R"({"NumericNotEquals":{"s3:max-keys":"10"}})", {V("s3:max-keys", "10")}, false},
      {R"({"NumericLessThan":{"s3:max-keys":"10"}})", {V("s3:max-keys", "9")}, true},
      {R"({"NumericLessThan":{"s3:max-keys":"10"}})", {V("s3:max-keys", "10")}, false},
      {R"({"NumericLessThanEquals":{"s3:max-keys":"10"}})", {V("s3:max-keys", "10")}, true},
      {R"({"NumericGreaterThan":{"s3:max-keys":"10"}})", {V("s3:max-keys", "10.5")}, true},
      {R"({"NumericGreaterThan":{"s3:max-keys":"10"}})", {V("s3:max-keys", "-11")}, false},
      {R"({"NumericGreaterThanEquals":{"s3:max-keys":"10"}})", {V("s3:max-keys", "10")}, true},
      {R"({"NumericGreaterThanEquals":{"s3:max-keys":"10"}})", kNone, false},
  });
}

TEST(ConditionsTest, DateOperators) {
  const std::string t = "aws:CurrentTime";
  CheckAll({
      {R"({"DateEquals":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}})",
       {V(t, "2024-01-01T00:00:00Z")},
       true},
      {R"({"DateNotEquals":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}})",
       {V(t, "2024-01-01T00:00:01Z")},
       true},
      {R"({"DateLessThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}})",
       {V(t, "2023-12-31T23:59:59Z")},
       true},
      {R"({"DateLessThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}})",
       {V(t, "2024-01-01T00:00:00Z")},
       false},
      {R"({"DateLessThanEquals":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}})",
       {V(t, "2024-01-01T00:00:00Z")},
       true},
      {R"({"DateGreaterThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}})",
       {V(t, "2024-06-01T00:00:00Z")},
       true},
      {R"({"DateGreaterThanEquals":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}})",
       {V(t, "2023-06-01T00:00:00Z")},
       false},
      {R"({"DateGreaterThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}})",
       {V(t, "not a date")},
       false},
  });
}

TEST(ConditionsTest, BoolIpBinaryAndArnOperators) {
  CheckAll({
      {R"({"Bool":{"aws:SecureTransport":"true"}})", {V("aws:SecureTransport", "true")}, true},
      {R"({"Bool":{"aws:SecureTransport":"true"}})", {V("aws:SecureTransport", "TRUE")}, true},
      {R"({"Bool":{"aws:SecureTransport":"true"}})", {V("aws:SecureTransport", "false")}, false},
      {R"({"Bool":{"aws:SecureTransport":"false"}})", kNone, false},
      {R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}})", {V("aws:SourceIp", "10.1.2.3")}, true},
      {R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}})", {V("aws:SourceIp", "11.1.2.3")}, false},
      {R"({"IpAddress":{"aws:SourceIp":"2001:db8::/32"}})",
       {V("aws:SourceIp", "2001:db8::1")},
       true},
      {R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}})", {V("aws:SourceIp", "garbage")}, false},
      {R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}})", {V("aws:SourceIp", "11.1.2.3")}, true},
      {R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}})", {V("aws:SourceIp", "10.9.9.9")}, false},
      {R"({"BinaryEquals":{"test:k":"QmluYXJ5"}})", {V("test:k", "QmluYXJ5")}, true},
      {R"({"BinaryEquals":{"test:k":"QmluYXJ5"}})", {V("test:k", "QmluYXJ6")}, false},
      {R"({"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:topic"}})",
       {V("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic")},
       true},
      {R"({"ArnLike":{"aws:SourceArn":"arn:aws:s3:::bucket-*"}})",
       {V("aws:SourceArn", "arn:aws:s3:::bucket-1")},
       true},
      {R"({"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}})",
       {V("aws:SourceArn", "arn:aws:sns:eu-west-1:444455556666:topic")},
       false},
      {R"({"ArnNotEquals":{"aws:SourceArn":"arn:aws:s3:::a"}})",
       {V("aws:SourceArn", "arn:aws:s3:::b")},
       true},
      {R"({"ArnNotLike":{"aws:SourceArn":"arn:aws:s3:::a*"}})",
       {V("aws:SourceArn", "arn:aws:s3:::abc")},
       false},
  });
}

TEST(ConditionsTest, IfExistsHoldsWhenTheKeyIsAbsent) {
  CheckAll({
      {R"({"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}})", kNone, true},
      {R"({"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}})",
       {V("ec2:InstanceType", "t2.micro")},
       true},
      {R"({"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}})",
       {V("ec2:InstanceType", "m5.large")},
       false},
      {R"({"NumericLessThanIfExists":{"s3:max-keys":"5"}})", kNone, true},
      {R"({"NumericLessThanIfExists":{"s3:max-keys":"5"}})", {V("s3:max-keys", "6")}, false},
      {R"({"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}})", kNone, true},
      {R"({"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:s3:::x*"}})", kNone, true},
      {R"({"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}})", kNone, true},
      {R"({"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}})",
       {V("aws:MultiFactorAuthPresent", "false")},
       false},
  });
}

TEST(ConditionsTest, SetQualifiers) {
  const std::string k = "aws:TagKeys";
  CheckAll({
      {R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}})", {M(k, {"x", "b"})}, true},
      {R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}})", {M(k, {"x", "y"})}, false},
      {R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}})", {M(k, {})}, false},
      {R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}})", kNone, false},
      {R"({"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["a"]}})", kNone, true},
      {R"({"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}})", {M(k, {"a", "b"})}, true},
      {R"({"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}})", {M(k, {"a", "c"})}, false},
      // AWS: ForAllValues holds for an empty set and for an absent key.
      {R"({"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}})", {M(k, {})}, true},
      {R"({"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}})", kNone, true},
      {R"({"ForAllValues:StringLike":{"aws:TagKeys":["team-*"]}})",
       {M(k, {"team-a", "team-b"})},
       true},
      {R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a"]}})", {M(k, {"a", "b"})}, true},
      {R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a"]}})", {M(k, {"a"})}, false},
      {R"({"ForAllValues:StringNotEquals":{"aws:TagKeys":["a"]}})", {M(k, {"b", "c"})}, true},
      {R"({"ForAllValues:StringNotEquals":{"aws:TagKeys":["a"]}})", {M(k, {"b", "a"})}, false},
      // A single-valued key is a set of one.
      {R"({"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}})", {V(k, "a")}, true},
      // Without a qualifier, a multivalued key holds if any of its values matches.
      {R"({"StringEquals":{"aws:TagKeys":"b"}})", {M(k, {"a", "b"})}, true},
  });
}

TEST(ConditionsTest, NullOperator) {
  CheckAll({
      {R"({"Null":{"aws:TokenIssueTime":"true"}})", kNone, true},
      {R"({"Null":{"aws:TokenIssueTime":"true"}})", {V("aws:TokenIssueTime", "x")}, false},
      {R"({"Null":{"aws:TokenIssueTime":"false"}})", {V("aws:tokenissuetime", "x")}, true},
      {R"({"Null":{"aws:TokenIssueTime":"false"}})", kNone, false},
      // An empty set counts as no value.
      {R"({"Null":{"aws:TagKeys":"true"}})", {M("aws:TagKeys", {})}, true},
  });
}

TEST(ConditionsTest, EveryClauseAndEveryKeyMustHold) {
  CheckAll({
      {R"({"StringEquals":{"test:a":"1","test:b":"2"}})",
       {V("test:a", "1"), V("test:b", "2")},
       true},
      {R"({"StringEquals":{"test:a":"1","test:b":"2"}})",
       {V("test:a", "1"), V("test:b", "3")},
       false},
      {R"({"StringEquals":{"test:a":"1"},"NumericLessThan":{"test:n":"3"}})",
       {V("test:a", "1"), V("test:n", "2")},
       true},
      {R"({"StringEquals":{"test:a":"1"},"NumericLessThan":{"test:n":"3"}})",
       {V("test:a", "1"), V("test:n", "4")},
       false},
  });
}

TEST(ConditionsTest, PolicyVariablesInConditionValues) {
  CheckAll({
      {R"({"StringEquals":{"s3:prefix":"home/${aws:username}"}})",
       {V("s3:prefix", "home/alice"), V("aws:username", "alice")},
       true},
      {R"({"StringEquals":{"s3:prefix":"home/${aws:username}"}})",
       {V("s3:prefix", "home/alice"), V("aws:username", "bob")},
       false},
      {R"({"StringEquals":{"s3:prefix":"home/${aws:username}"}})",
       {V("s3:prefix", "home/")},
       false},
      {R"({"StringEquals":{"s3:prefix":"home/${aws:username, 'guest'}"}})",
       {V("s3:prefix", "home/guest")},
       true},
      // A substituted value is literal in StringLike: `*` from the context is no wildcard.
      {R"({"StringLike":{"s3:prefix":"home/${aws:username}/*"}})",
       {V("s3:prefix", "home/a*/x"), V("aws:username", "a*")},
       true},
      {R"({"StringLike":{"s3:prefix":"home/${aws:username}/*"}})",
       {V("s3:prefix", "home/abc/x"), V("aws:username", "a*")},
       false},
      {R"({"StringLike":{"s3:prefix":"${*}x"}})", {V("s3:prefix", "*x")}, true},
      {R"({"StringLike":{"s3:prefix":"${*}x"}})", {V("s3:prefix", "ax")}, false},
      // AWS: a value whose variable has no value matches nothing, so a negated
      // operator over it holds.
      {R"({"StringNotEquals":{"s3:prefix":"home/${aws:username}"}})",
       {V("s3:prefix", "home/")},
       true},
  });
}

TEST(ConditionsTest, MissingKeysAreReportedAsWritten) {
  auto policy = CompileIdentity(PolicyWith(
      R"({"StringEquals":{"aws:PrincipalTag/Team":"a","s3:Prefix":"home/${aws:UserName}"}})"));
  ASSERT_NE(policy, nullptr);
  RequestContext ctx;
  ctx.Set("s3:prefix", "home/x");
  std::vector<std::string_view> missing;
  for (const CompiledCondition& c : policy->statements()[0].conditions) {
    EXPECT_FALSE(EvaluateCondition(c, ctx, MissingKeySink{&missing}));
  }
  EXPECT_THAT(missing, ::testing::UnorderedElementsAre("aws:PrincipalTag/Team", "aws:UserName"));

  // A null sink collects nothing and changes nothing.
  for (const CompiledCondition& c : policy->statements()[0].conditions) {
    EXPECT_FALSE(EvaluateCondition(c, ctx, MissingKeySink{}));
  }
}

TEST(MissingKeySinkTest, DeduplicatesIgnoringCase) {
  std::vector<std::string_view> keys;
  MissingKeySink sink{&keys};
  sink.Add("aws:UserName");
  sink.Add("AWS:USERNAME");
  sink.Add("s3:prefix");
  EXPECT_THAT(keys, ElementsAre("aws:UserName", "s3:prefix"));
  MissingKeySink{}.Add("ignored");
}

TEST(RenderTemplateTest, SubstitutesVariablesAndDefaults) {
  auto t = ParseTemplate("home/${aws:username}/${aws:PrincipalTag/team, 'none'}/x");
  ASSERT_TRUE(t.has_value());
  RequestContext ctx;
  ctx.Set("AWS:UserName", "al*ce");
  std::string out;
  std::vector<bool> mask;
  ASSERT_TRUE(RenderTemplate(*t, ctx, out, &mask, MissingKeySink{}));
  EXPECT_EQ(out, "home/al*ce/none/x");
  ASSERT_EQ(mask.size(), out.size());
  std::string flags;
  for (bool b : mask) {
    flags.push_back(b ? '1' : '0');
  }
  // "home/" literal pattern text, the substituted "al*ce", "/", the default "none", "/x".
  EXPECT_EQ(flags, "00000111110111100");

  ctx.Set("aws:PrincipalTag/team", "blue");
  ASSERT_TRUE(RenderTemplate(*t, ctx, out, nullptr, MissingKeySink{}));
  EXPECT_EQ(out, "home/al*ce/blue/x");
}

TEST(RenderTemplateTest, FailsOnAnAbsentVariableWithoutDefault) {
  auto t = ParseTemplate("${aws:username}-${aws:userid}");
  ASSERT_TRUE(t.has_value());
  RequestContext ctx;
  ctx.Set("aws:userid", "AIDA");
  std::string out = "stale";
  std::vector<std::string_view> missing;
  EXPECT_FALSE(RenderTemplate(*t, ctx, out, nullptr, MissingKeySink{&missing}));
  EXPECT_THAT(missing, ElementsAre("aws:username"));

  // A multivalued key is not a value for a variable.
  ctx.SetMulti("aws:username", {"a", "b"});
  EXPECT_FALSE(RenderTemplate(*t, ctx, out, nullptr, MissingKeySink{}));
  ctx.Set("aws:username", "a");
  EXPECT_TRUE(RenderTemplate(*t, ctx, out, nullptr, MissingKeySink{}));
  EXPECT_EQ(out, "a-AIDA");
}

TEST(RenderTemplateTest, SpecialCharactersAreLiteral) {
  auto t = ParseTemplate("a${*}b${?}c${$}d");
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->has_escaped_wildcard);
  std::string out;
  std::vector<bool> mask;
  ASSERT_TRUE(RenderTemplate(*t, RequestContext{}, out, &mask, MissingKeySink{}));
  EXPECT_EQ(out, "a*b?c$d");
  EXPECT_EQ(mask, (std::vector<bool>{false, true, false, true, false, true, false}));

  auto dollar = ParseTemplate("price${$}");
  ASSERT_TRUE(dollar.has_value());
  EXPECT_FALSE(dollar->has_escaped_wildcard);
  EXPECT_FALSE(ParseTemplate("no variables here").has_value());
}

std::vector<bool> Mask(std::string_view flags) {
  std::vector<bool> m;
  for (char c : flags) {
    m.push_back(c == '1');
  }
  return m;
}

TEST(MaskedGlobMatchTest, MaskedStarAndQuestionMarkAreLiteral) {
  EXPECT_TRUE(MaskedGlobMatch("a*c", Mask("000"), "abbbc"));
  EXPECT_FALSE(MaskedGlobMatch("a*c", Mask("010"), "abbbc"));
  EXPECT_TRUE(MaskedGlobMatch("a*c", Mask("010"), "a*c"));
  EXPECT_TRUE(MaskedGlobMatch("a?c", Mask("000"), "abc"));
  EXPECT_FALSE(MaskedGlobMatch("a?c", Mask("010"), "abc"));
  EXPECT_TRUE(MaskedGlobMatch("a?c", Mask("010"), "a?c"));
  // An empty mask means no byte is literal; a short mask covers only its prefix.
  EXPECT_TRUE(MaskedGlobMatch("*", {}, "anything"));
  EXPECT_TRUE(MaskedGlobMatch("**x", Mask("1"), "*abcx"));
  EXPECT_FALSE(MaskedGlobMatch("**x", Mask("1"), "abcx"));
  // A trailing literal star must be matched, not skipped.
  EXPECT_FALSE(MaskedGlobMatch("ab*", Mask("001"), "ab"));
  EXPECT_TRUE(MaskedGlobMatch("ab*", Mask("001"), "ab*"));
  EXPECT_TRUE(MaskedGlobMatch("", {}, ""));
  EXPECT_FALSE(MaskedGlobMatch("", {}, "x"));
}

TEST(MaskedArnMatchTest, WildcardsStayInsideTheirArnSegment) {
  const std::string p = "arn:aws:s3:::bucket/*";
  EXPECT_TRUE(MaskedArnMatch(p, std::vector<bool>(p.size(), false), "arn:aws:s3:::bucket/a/b"));
  std::vector<bool> literal_star(p.size(), false);
  literal_star.back() = true;
  EXPECT_FALSE(MaskedArnMatch(p, literal_star, "arn:aws:s3:::bucket/a"));
  EXPECT_TRUE(MaskedArnMatch(p, literal_star, "arn:aws:s3:::bucket/*"));

  // `*` in the region segment does not reach into the account segment.
  const std::string q = "arn:aws:sns:*:111122223333:topic";
  EXPECT_TRUE(MaskedArnMatch(q, {}, "arn:aws:sns:us-east-1:111122223333:topic"));
  EXPECT_FALSE(MaskedArnMatch(q, {}, "arn:aws:sns:us-east-1:444455556666:topic"));

  // A lone "*" matches anything unless it is a substituted (literal) star.
  EXPECT_TRUE(MaskedArnMatch("*", {}, "arn:aws:s3:::x"));
  EXPECT_TRUE(MaskedArnMatch("*", Mask("0"), "arn:aws:s3:::x"));
  EXPECT_FALSE(MaskedArnMatch("*", Mask("1"), "arn:aws:s3:::x"));
  EXPECT_TRUE(MaskedArnMatch("*", Mask("1"), "*"));

  // The mask is addressed by byte offset in the whole pattern, across segments.
  const std::string r = "arn:aws:s3:::b/?/x";
  std::vector<bool> m(r.size(), false);
  m[r.find('?')] = true;
  EXPECT_FALSE(MaskedArnMatch(r, m, "arn:aws:s3:::b/a/x"));
  EXPECT_TRUE(MaskedArnMatch(r, m, "arn:aws:s3:::b/?/x"));
}

TEST(ConditionsTest, ResourceVariablesAreLiteralInResources) {
  auto policy = CompileIdentity(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",)"
      R"("Resource":"arn:aws:s3:::bucket/${aws:username}/*"}]})");
  ASSERT_NE(policy, nullptr);
  CompiledPolicySet set(PolicySetInput{{policy}, nullptr, {}, {}});
  Request r = MakeRequest({});
  r.context.Set("aws:username", "*");
  r.resource = "arn:aws:s3:::bucket/bob/file";
  EXPECT_EQ(Evaluate(r, set).verdict, Verdict::kImplicitDeny);
  r.resource = "arn:aws:s3:::bucket/*/file";
  EXPECT_EQ(Evaluate(r, set).verdict, Verdict::kAllow);
  r.context.Set("aws:username", "bob");
  r.resource = "arn:aws:s3:::bucket/bob/file";
  EXPECT_EQ(Evaluate(r, set).verdict, Verdict::kAllow);
  r.context.Erase("aws:username");
  Decision d = Evaluate(r, set);
  EXPECT_EQ(d.verdict, Verdict::kImplicitDeny);
  EXPECT_THAT(d.missing_context_keys, ElementsAre("aws:username"));
  EXPECT_THAT(Evaluate(r, set, nullptr, EvaluateOptions{false}).missing_context_keys, IsEmpty());
}

}  // namespace
}  // namespace portcullis::eval
