#include "policy/parse.h"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

#include "policy/json.h"

namespace portcullis::policy {
namespace {

constexpr const char* kMalformed = "MalformedPolicyDocument";

Result<PolicyDocument> Parse(std::string_view text, PolicyKind kind = PolicyKind::kIdentity,
                             bool limit = true) {
  return ParsePolicy(text, ParseOptions{kind, limit});
}

// One statement in a 2012-10-17 policy.
std::string Policy(const std::string& statement, const std::string& version = "2012-10-17") {
  return R"({"Version":")" + version + R"(","Statement":[)" + statement + "]}";
}

std::string Identity(const std::string& extra) {
  return Policy(R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"*")" + extra + "}");
}

std::string Trust(const std::string& extra) {
  return Policy(R"({"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"})" + extra + "}");
}

std::string ResourcePolicy(const std::string& extra) {
  return Policy(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject",)"
                R"("Resource":"arn:aws:s3:::b/*")" +
                extra + "}");
}

// The JSON path step for `key`: `.key` for [A-Za-z0-9_]+, `['key']` otherwise.
std::string Step(const std::string& key) {
  const bool plain = !key.empty() && key.find_first_not_of(
                                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789_") == std::string::npos;
  return plain ? "." + key : "['" + key + "']";
}

// Asserts that `text` fails for `kind` with `message` at `path`; returns the error.
Error ExpectMalformed(std::string_view text, PolicyKind kind, const std::string& message,
                      const std::string& path) {
  Result<PolicyDocument> doc = Parse(text, kind);
  EXPECT_FALSE(doc.has_value()) << text;
  if (doc.has_value()) {
    return Error{};
  }
  EXPECT_EQ(doc.error().code, ErrorCode::kInvalidArgument) << text;
  EXPECT_EQ(doc.error().aws_code, kMalformed) << text;
  EXPECT_EQ(doc.error().message, message) << text;
  EXPECT_TRUE(doc.error().location.has_value()) << text;
  if (doc.error().location.has_value()) {
    EXPECT_EQ(doc.error().location->path, path) << text;
  }
  return doc.error();
}

PolicyDocument ExpectOk(std::string_view text, PolicyKind kind = PolicyKind::kIdentity) {
  Result<PolicyDocument> doc = Parse(text, kind);
  EXPECT_TRUE(doc.has_value()) << text << "\n" << (doc ? "" : doc.error().ToString());
  return doc.has_value() ? *std::move(doc) : PolicyDocument{};
}

// ---------------------------------------------------------------------------
// Kind names.

TEST(PolicyKindTest, NamesRoundTrip) {
  for (PolicyKind kind : {PolicyKind::kIdentity, PolicyKind::kResource, PolicyKind::kTrust,
                          PolicyKind::kBoundary, PolicyKind::kSession, PolicyKind::kScp}) {
    EXPECT_EQ(PolicyKindFromName(PolicyKindName(kind)), kind);
  }
  EXPECT_EQ(PolicyKindName(PolicyKind::kScp), "scp");
  EXPECT_FALSE(PolicyKindFromName("Identity").has_value());
}

// ---------------------------------------------------------------------------
// Document level.

TEST(ParsePolicyTest, ParsesAFullIdentityPolicy) {
  const PolicyDocument doc = ExpectOk(R"({
  "Version": "2012-10-17",
  "Id": "my policy",
  "Statement": [
    {"Sid": "One", "Effect": "Allow", "Action": ["s3:Get*", "s3:List*"],
     "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
     "Condition": {"StringEquals": {"aws:username": ["a", "b"]}, "Bool": {"aws:SecureTransport": true}}},
    {"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:iam::*:user/x"}
  ]
})");
  EXPECT_EQ(doc.version, PolicyVersion::k2012_10_17);
  EXPECT_TRUE(doc.version_present);
  EXPECT_EQ(doc.id, "my policy");
  ASSERT_EQ(doc.statements.size(), 2U);
  const Statement& first = doc.statements[0];
  EXPECT_EQ(first.sid, "One");
  EXPECT_EQ(first.effect, Effect::kAllow);
  EXPECT_EQ(first.actions, (std::vector<std::string>{"s3:Get*", "s3:List*"}));
  EXPECT_FALSE(first.not_action);
  EXPECT_TRUE(first.has_resource);
  EXPECT_FALSE(first.not_resource);
  EXPECT_EQ(first.resources.size(), 2U);
  EXPECT_FALSE(first.principal.has_value());
  ASSERT_EQ(first.conditions.size(), 2U);
  EXPECT_EQ(first.conditions[0].operator_name, "StringEquals");
  EXPECT_EQ(first.conditions[0].key, "aws:username");
  EXPECT_EQ(first.conditions[0].values, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(first.conditions[0].location.path,
            "$.Statement[0].Condition.StringEquals['aws:username']");
  EXPECT_EQ(first.conditions[0].location.line, 7U);
  EXPECT_EQ(first.conditions[1].op.base, BaseOperator::kBool);
  EXPECT_EQ(first.conditions[1].values, (std::vector<std::string>{"true"}));
  EXPECT_EQ(first.location.path, "$.Statement[0]");
  EXPECT_EQ(first.location.line, 5U);
  EXPECT_EQ(first.location.column, 5U);
  const Statement& second = doc.statements[1];
  EXPECT_FALSE(second.sid.has_value());
  EXPECT_EQ(second.effect, Effect::kDeny);
  EXPECT_TRUE(second.not_action);
  EXPECT_TRUE(second.not_resource);
  EXPECT_EQ(second.index, 1U);
}

TEST(ParsePolicyTest, StatementMayBeASingleObject) {
  const PolicyDocument doc = ExpectOk(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})");
  ASSERT_EQ(doc.statements.size(), 1U);
  EXPECT_EQ(doc.statements[0].location.path, "$.Statement");
  EXPECT_EQ(doc.statements[0].actions, std::vector<std::string>{"*"});
}

TEST(ParsePolicyTest, VersionAbsentMeans2008) {
  const PolicyDocument doc =
      ExpectOk(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})");
  EXPECT_EQ(doc.version, PolicyVersion::k2008_10_17);
  EXPECT_FALSE(doc.version_present);
  const PolicyDocument old =
      ExpectOk(Policy(R"({"Effect":"Allow","Action":"*","Resource":"*"})", "2008-10-17"));
  EXPECT_EQ(old.version, PolicyVersion::k2008_10_17);
  EXPECT_TRUE(old.version_present);
}

TEST(ParsePolicyTest, RejectsUnknownVersion) {
  for (const char* version : {"2012-10-18", "2012-10-17 ", "", "2021-01-01"}) {
    ExpectMalformed(Policy(R"({"Effect":"Allow","Action":"*","Resource":"*"})", version),
                    PolicyKind::kIdentity, "The policy failed legacy parsing", "$.Version");
  }
  ExpectMalformed(
      R"({"Version":20121017,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})",
      PolicyKind::kIdentity, "Syntax errors in policy.", "$.Version");
}

TEST(ParsePolicyTest, DocumentShapeErrors) {
  ExpectMalformed("[]", PolicyKind::kIdentity, "Syntax errors in policy.", "$");
  ExpectMalformed(R"({"Version":"2012-10-17"})", PolicyKind::kIdentity,
                  "Missing required field Statement", "$");
  ExpectMalformed(R"({"Version":"2012-10-17","Statement":[]})", PolicyKind::kIdentity,
                  "Syntax errors in policy.", "$.Statement");
  ExpectMalformed(R"({"Version":"2012-10-17","Statement":"x"})", PolicyKind::kIdentity,
                  "Syntax errors in policy.", "$.Statement");
  ExpectMalformed(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},3]})",
      PolicyKind::kIdentity, "Syntax errors in policy.", "$.Statement[1]");
  ExpectMalformed(R"({"Version":"2012-10-17","Id":7,"Statement":[]})", PolicyKind::kIdentity,
                  "Syntax errors in policy.", "$.Id");
  ExpectMalformed(R"({"Version":"2012-10-17","Foo":1,"Statement":[]})", PolicyKind::kIdentity,
                  "Unknown field Foo", "$.Foo");
  ExpectMalformed(R"({"version":"2012-10-17","Statement":[]})", PolicyKind::kIdentity,
                  "Unknown field version", "$.version");
}

TEST(ParsePolicyTest, UnknownStatementFieldHasLineAndColumn) {
  const Error error =
      ExpectMalformed(R"({
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Allow", "Action": "*",
     "Resources": "*"}
  ]
})",
                      PolicyKind::kIdentity, "Unknown field Resources", "$.Statement[1].Resources");
  ASSERT_TRUE(error.location.has_value());
  EXPECT_EQ(error.location->line, 6U);
  EXPECT_EQ(error.location->column, 19U);
  EXPECT_EQ(error.location->offset, std::string_view(R"({
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Allow", "Action": "*",
     "Resources": )")
                                        .size());
}

TEST(ParsePolicyTest, JsonSyntaxErrorsKeepTheirLocation) {
  Result<PolicyDocument> doc = Parse("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [,]\n}");
  ASSERT_FALSE(doc.has_value());
  EXPECT_EQ(doc.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(doc.error().aws_code, kMalformed);
  ASSERT_TRUE(doc.error().location.has_value());
  EXPECT_EQ(doc.error().location->line, 3U);
  EXPECT_EQ(doc.error().location->column, 17U);
}

TEST(ParsePolicyTest, DuplicateKeysAreRejectedByTheReader) {
  Result<PolicyDocument> doc = Parse(
      R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}})");
  ASSERT_FALSE(doc.has_value());
  EXPECT_EQ(doc.error().aws_code, kMalformed);
  ASSERT_TRUE(doc.error().location.has_value());
  EXPECT_EQ(doc.error().location->line, 1U);
  Result<PolicyDocument> dup_condition =
      Parse(Identity(R"(,"Condition":{"StringEquals":{"aws:username":"a","aws:username":"b"}})"));
  ASSERT_FALSE(dup_condition.has_value());
  EXPECT_EQ(dup_condition.error().aws_code, kMalformed);
}

// ---------------------------------------------------------------------------
// Statement elements.

TEST(ParsePolicyTest, RequiredStatementFields) {
  ExpectMalformed(Policy(R"({"Action":"*","Resource":"*"})"), PolicyKind::kIdentity,
                  "Missing required field Effect", "$.Statement[0]");
  ExpectMalformed(Policy(R"({"Effect":"Allow","Resource":"*"})"), PolicyKind::kIdentity,
                  "Missing required field Action", "$.Statement[0]");
  ExpectMalformed(Policy(R"({"Effect":"Allow","Action":"*"})"), PolicyKind::kIdentity,
                  "Policy statement must contain resources.", "$.Statement[0]");
  ExpectMalformed(Policy(R"({"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"})"),
                  PolicyKind::kIdentity, "statement must not contain both `Action` and `NotAction`",
                  "$.Statement[0].NotAction");
  ExpectMalformed(Identity(R"(,"NotResource":"*")"), PolicyKind::kIdentity,
                  "statement must not contain both `Resource` and `NotResource`",
                  "$.Statement[0].NotResource");
}

TEST(ParsePolicyTest, EffectIsExactCase) {
  ExpectOk(Policy(R"({"Effect":"Deny","Action":"*","Resource":"*"})"));
  for (const char* effect : {"allow", "ALLOW", "deny", "Permit", ""}) {
    ExpectMalformed(
        Policy(R"({"Effect":")" + std::string(effect) + R"(","Action":"*","Resource":"*"})"),
        PolicyKind::kIdentity, "The policy failed legacy parsing", "$.Statement[0].Effect");
  }
  ExpectMalformed(ResourcePolicy("").replace(ResourcePolicy("").find("Allow"), 5, "allow"),
                  PolicyKind::kResource, "Invalid effect: allow", "$.Statement[0].Effect");
  ExpectMalformed(Policy(R"({"Effect":true,"Action":"*","Resource":"*"})"), PolicyKind::kIdentity,
                  "Syntax errors in policy.", "$.Statement[0].Effect");
}

TEST(ParsePolicyTest, SidRulesForIamPolicies) {
  ExpectOk(Policy(R"({"Sid":"Abc123","Effect":"Allow","Action":"*","Resource":"*"})"));
  ExpectOk(Policy(R"({"Sid":"","Effect":"Allow","Action":"*","Resource":"*"})"));
  ExpectMalformed(Policy(R"({"Sid":"has space","Effect":"Allow","Action":"*","Resource":"*"})"),
                  PolicyKind::kIdentity,
                  "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies "
                  "the regular expression [0-9A-Za-z]*",
                  "$.Statement[0].Sid");
  ExpectMalformed(Policy(R"({"Sid":1,"Effect":"Allow","Action":"*","Resource":"*"})"),
                  PolicyKind::kIdentity, "Syntax errors in policy.", "$.Statement[0].Sid");
  const std::string dup = Policy(R"({"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},)"
                                 R"({"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"})");
  ExpectMalformed(dup, PolicyKind::kIdentity,
                  "Statement IDs (SID) in a single policy must be unique.", "$.Statement[1].Sid");
  ExpectMalformed(dup, PolicyKind::kBoundary,
                  "Statement IDs (SID) in a single policy must be unique.", "$.Statement[1].Sid");
  // Empty Sids do not collide.
  ExpectOk(Policy(R"({"Sid":"","Effect":"Allow","Action":"*","Resource":"*"},)"
                  R"({"Sid":"","Effect":"Deny","Action":"*","Resource":"*"})"));
}

TEST(ParsePolicyTest, SidRulesForResourceAndScpPolicies) {
  const std::string odd = R"({"Sid":"Allow read-only #1","Effect":"Allow","Principal":"*",)"
                          R"("Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},)"
                          R"({"Sid":"Allow read-only #1","Effect":"Deny","Principal":"*",)"
                          R"("Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})";
  ExpectOk(Policy(odd), PolicyKind::kResource);
  ExpectOk(Policy(R"({"Sid":"Deny all-regions","Effect":"Deny","Action":"*","Resource":"*"})"),
           PolicyKind::kScp);
}

TEST(ParsePolicyTest, ActionForms) {
  const PolicyDocument doc = ExpectOk(
      Policy(R"({"Effect":"Allow","Action":["*","s3:*","S3:getobject","ec2:Describe*","iam:?et*",)"
             R"("s3-object-lambda:Get*","*:Get*"],"Resource":"*"})"));
  EXPECT_EQ(doc.statements[0].actions.size(), 7U);
  EXPECT_EQ(doc.statements[0].actions[2], "S3:getobject");
}

TEST(ParsePolicyTest, ActionErrors) {
  const std::string vendor =
      "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
  for (const char* action : {"GetObject", ":GetObject", "s3:", "", "s 3:Get", "iam.CreateUser"}) {
    ExpectMalformed(
        Policy(R"({"Effect":"Allow","Action":")" + std::string(action) + R"(","Resource":"*"})"),
        PolicyKind::kIdentity, vendor, "$.Statement[0].Action");
  }
  ExpectMalformed(
      Policy(R"({"Effect":"Allow","Action":["s3:Get","s3:Get:Object"],"Resource":"*"})"),
      PolicyKind::kIdentity, "Actions/Condition can contain only one colon.",
      "$.Statement[0].Action[1]");
  ExpectMalformed(Policy(R"({"Effect":"Allow","Action":[],"Resource":"*"})"), PolicyKind::kIdentity,
                  "Syntax errors in policy.", "$.Statement[0].Action");
  ExpectMalformed(Policy(R"({"Effect":"Allow","Action":["s3:Get",7],"Resource":"*"})"),
                  PolicyKind::kIdentity, "Syntax errors in policy.", "$.Statement[0].Action[1]");
  ExpectMalformed(Policy(R"({"Effect":"Allow","Action":{"a":"s3:Get"},"Resource":"*"})"),
                  PolicyKind::kIdentity, "Syntax errors in policy.", "$.Statement[0].Action");
  ExpectMalformed(Policy(R"({"Effect":"Allow","NotAction":"s3:Get Object","Resource":"*"})"),
                  PolicyKind::kIdentity,
                  "action `s3:Get Object` contains a space or control character",
                  "$.Statement[0].NotAction");
}

TEST(ParsePolicyTest, ResourceForms) {
  const PolicyDocument doc = ExpectOk(Policy(
      R"({"Effect":"Allow","Action":"s3:*","Resource":["*","arn:aws:s3:::b/*",)"
      R"("arn:aws:ec2:*:*:instance/*","arn:aws:dynamodb:us-east-1:123456789012:table/t"]})"));
  EXPECT_EQ(doc.statements[0].resources.size(), 4U);
  ExpectMalformed(Policy(R"({"Effect":"Allow","Action":"s3:*","Resource":["*","my-bucket"]})"),
                  PolicyKind::kIdentity, "Resource my-bucket must be in ARN format or \"*\".",
                  "$.Statement[0].Resource[1]");
  ExpectMalformed(Policy(R"({"Effect":"Allow","Action":"s3:*","Resource":""})"),
                  PolicyKind::kIdentity, "Resource  must be in ARN format or \"*\".",
                  "$.Statement[0].Resource");
  ExpectMalformed(Policy(R"({"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3"})"),
                  PolicyKind::kIdentity, "Resource arn:aws:s3 must be in ARN format or \"*\".",
                  "$.Statement[0].NotResource");
  ExpectMalformed(Policy(R"({"Effect":"Allow","Action":"s3:*","Resource":[]})"),
                  PolicyKind::kIdentity, "Syntax errors in policy.", "$.Statement[0].Resource");
}

// ---------------------------------------------------------------------------
// Policy kinds.

TEST(ParsePolicyTest, IdentityLikeKindsRejectPrincipal) {
  for (PolicyKind kind :
       {PolicyKind::kIdentity, PolicyKind::kBoundary, PolicyKind::kSession, PolicyKind::kScp}) {
    ExpectOk(Identity(""), kind);
    ExpectMalformed(Identity(R"(,"Principal":"*")"), kind,
                    "Policy document should not specify a principal.", "$.Statement[0].Principal");
    ExpectMalformed(Identity(R"(,"NotPrincipal":{"AWS":"123456789012"})"), kind,
                    "Policy document should not specify a principal.",
                    "$.Statement[0].NotPrincipal");
    ExpectMalformed(Policy(R"({"Effect":"Allow","Action":"*"})"), kind,
                    "Policy statement must contain resources.", "$.Statement[0]");
  }
}

TEST(ParsePolicyTest, ResourcePolicyRules) {
  const PolicyDocument doc = ExpectOk(ResourcePolicy(""), PolicyKind::kResource);
  ASSERT_TRUE(doc.statements[0].principal.has_value());
  EXPECT_TRUE(doc.statements[0].principal->any);
  ExpectMalformed(Identity(""), PolicyKind::kResource, "Missing required field Principal",
                  "$.Statement[0]");
  ExpectMalformed(Policy(R"({"Effect":"Allow","Principal":"*","Action":"s3:*"})"),
                  PolicyKind::kResource, "Policy statement must contain resources.",
                  "$.Statement[0]");
  const PolicyDocument not_principal =
      ExpectOk(Policy(R"({"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"},)"
                      R"("Action":"s3:*","Resource":"*"})"),
               PolicyKind::kResource);
  EXPECT_TRUE(not_principal.statements[0].not_principal);
  ExpectMalformed(
      Policy(
          R"({"Effect":"Deny","Principal":"*","NotPrincipal":"*","Action":"s3:*","Resource":"*"})"),
      PolicyKind::kResource, "statement must not contain both `Principal` and `NotPrincipal`",
      "$.Statement[0].NotPrincipal");
}

TEST(ParsePolicyTest, TrustPolicyRules) {
  const PolicyDocument doc = ExpectOk(Trust(R"(,"Action":"sts:AssumeRole")"), PolicyKind::kTrust);
  EXPECT_FALSE(doc.statements[0].has_resource);
  EXPECT_EQ(doc.statements[0].principal->service, std::vector<std::string>{"ec2.amazonaws.com"});
  for (const char* action :
       {"sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
        "sts:TagSession", "sts:SetSourceIdentity", "sts:SetContext", "sts:*", "sts:AssumeRole*",
        "STS:assumerole", "*", "sts:Tag*"}) {
    ExpectOk(Trust(R"(,"Action":")" + std::string(action) + "\""), PolicyKind::kTrust);
  }
  for (const char* action : {"s3:GetObject", "sts:GetCallerIdentity", "iam:*", "sts:Get*"}) {
    ExpectMalformed(
        Trust(R"(,"Action":["sts:AssumeRole",")" + std::string(action) + "\"]"), PolicyKind::kTrust,
        "AssumeRole policy may only specify STS AssumeRole actions.", "$.Statement[0].Action[1]");
  }
  ExpectMalformed(Trust(R"(,"Action":"sts:AssumeRole","Resource":"*")"), PolicyKind::kTrust,
                  "Has prohibited field Resource", "$.Statement[0].Resource");
  ExpectMalformed(Trust(R"(,"Action":"sts:AssumeRole","NotResource":"*")"), PolicyKind::kTrust,
                  "Has prohibited field NotResource", "$.Statement[0].NotResource");
  ExpectMalformed(Policy(R"({"Effect":"Allow","Action":"sts:AssumeRole"})"), PolicyKind::kTrust,
                  "Missing required field Principal", "$.Statement[0]");
  ExpectMalformed(
      Policy(
          R"({"Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"})"),
      PolicyKind::kTrust, "Has prohibited field NotPrincipal", "$.Statement[0].NotPrincipal");
}

// ---------------------------------------------------------------------------
// Principals.

TEST(ParsePolicyTest, PrincipalForms) {
  const PolicyDocument doc = ExpectOk(
      Policy(
          R"({"Effect":"Allow","Principal":{"AWS":["*","123456789012",)"
          R"("arn:aws:iam::123456789012:root","arn:aws:iam::123456789012:user/path/alice",)"
          R"("arn:aws:iam::123456789012:role/app","arn:aws-cn:iam::123456789012:role/x",)"
          R"("arn:aws:sts::123456789012:assumed-role/app/session-1",)"
          R"("arn:aws:sts::123456789012:federated-user/bob"],)"
          R"("Service":"lambda.amazonaws.com",)"
          R"("Federated":["cognito-identity.amazonaws.com",)"
          R"("arn:aws:iam::123456789012:saml-provider/Okta",)"
          R"("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"],)"
          R"("CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},)"
          R"("Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})"),
      PolicyKind::kResource);
  const PrincipalSpec& spec = *doc.statements[0].principal;
  EXPECT_FALSE(spec.any);
  EXPECT_EQ(spec.aws.size(), 8U);
  EXPECT_EQ(spec.aws[0], "*");
  EXPECT_EQ(spec.service.size(), 1U);
  EXPECT_EQ(spec.federated.size(), 3U);
  EXPECT_EQ(spec.canonical_user.size(), 1U);
}

TEST(ParsePolicyTest, InvalidPrincipals) {
  const std::string bad = "Invalid principal in policy";
  const auto with = [](const std::string& principal) {
    return Policy(R"({"Effect":"Allow","Principal":)" + principal +
                  R"(,"Action":"s3:GetObject","Resource":"*"})");
  };
  for (const char* aws : {"12345678901", "1234567890123", "alice",
                          "arn:aws:iam::123456789012:group/g", "arn:aws:iam::123456789012:user/*",
                          "arn:aws:iam::12345:root", "arn:aws:iam:us-east-1:123456789012:root",
                          "arn:aws:s3:::bucket", "arn:aws:sts::123456789012:assumed-role/app",
                          "arn:aws:iam::123456789012:role/", "arn:aws:iam::*:root", ""}) {
    ExpectMalformed(with(R"({"AWS":["123456789012",")" + std::string(aws) + "\"]}"),
                    PolicyKind::kResource, bad, "$.Statement[0].Principal.AWS[1]");
  }
  ExpectMalformed(with(R"("alice")"), PolicyKind::kResource, bad, "$.Statement[0].Principal");
  ExpectMalformed(with("{}"), PolicyKind::kResource, bad, "$.Statement[0].Principal");
  ExpectMalformed(with(R"({"Users":"x"})"), PolicyKind::kResource, bad,
                  "$.Statement[0].Principal.Users");
  ExpectMalformed(with(R"({"Service":"not a host"})"), PolicyKind::kResource, bad,
                  "$.Statement[0].Principal.Service");
  ExpectMalformed(with(R"({"CanonicalUser":"abc"})"), PolicyKind::kResource, bad,
                  "$.Statement[0].Principal.CanonicalUser");
  ExpectMalformed(with(R"({"AWS":[]})"), PolicyKind::kResource, "Syntax errors in policy.",
                  "$.Statement[0].Principal.AWS");
  // CanonicalUser is an S3 bucket policy principal only.
  ExpectMalformed(Policy(R"({"Effect":"Allow","Principal":{"CanonicalUser":)"
                         R"("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},)"
                         R"("Action":"sts:AssumeRole"})"),
                  PolicyKind::kTrust, bad, "$.Statement[0].Principal.CanonicalUser");
}

// ---------------------------------------------------------------------------
// Conditions.

TEST(ParsePolicyTest, ConditionValueForms) {
  const PolicyDocument doc =
      ExpectOk(Identity(R"(,"Condition":{"NumericLessThan":{"s3:max-keys":10},)"
                        R"("ForAnyValue:StringLike":{"aws:TagKeys":["a*",true,1.5e3]},)"
                        R"("StringEqualsIfExists":{"aws:PrincipalTag/Team":"x"}})"));
  const auto& conditions = doc.statements[0].conditions;
  ASSERT_EQ(conditions.size(), 3U);
  EXPECT_EQ(conditions[0].values, std::vector<std::string>{"10"});
  EXPECT_EQ(conditions[1].values, (std::vector<std::string>{"a*", "true", "1.5e3"}));
  EXPECT_EQ(conditions[1].op.set, SetQualifier::kForAnyValue);
  EXPECT_EQ(conditions[1].location.path,
            "$.Statement[0].Condition['ForAnyValue:StringLike']['aws:TagKeys']");
  EXPECT_TRUE(conditions[2].op.if_exists);
  ExpectOk(Identity(R"(,"Condition":{})"));
  ExpectOk(Identity(R"(,"Condition":{"StringEquals":{}})"));
}

TEST(ParsePolicyTest, ConditionShapeErrors) {
  const std::string syntax = "Syntax errors in policy.";
  ExpectMalformed(Identity(R"(,"Condition":[])"), PolicyKind::kIdentity, syntax,
                  "$.Statement[0].Condition");
  ExpectMalformed(Identity(R"(,"Condition":{"StringEquals":"x"})"), PolicyKind::kIdentity, syntax,
                  "$.Statement[0].Condition.StringEquals");
  ExpectMalformed(Identity(R"(,"Condition":{"StringEquals":{"aws:username":[]}})"),
                  PolicyKind::kIdentity, syntax,
                  "$.Statement[0].Condition.StringEquals['aws:username']");
  ExpectMalformed(Identity(R"(,"Condition":{"StringEquals":{"aws:username":null}})"),
                  PolicyKind::kIdentity, syntax,
                  "$.Statement[0].Condition.StringEquals['aws:username']");
  ExpectMalformed(Identity(R"(,"Condition":{"StringEquals":{"aws:username":["a",{}]}})"),
                  PolicyKind::kIdentity, syntax,
                  "$.Statement[0].Condition.StringEquals['aws:username'][1]");
}

TEST(ParsePolicyTest, BadOperatorsAreRejectedWithLocation) {
  const Error error = ExpectMalformed(
      "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\","
      "\"Resource\":\"*\",\n\"Condition\":{\"StringEqualz\":{\"aws:username\":\"a\"}}}}",
      PolicyKind::kIdentity, "Invalid Condition type : StringEqualz",
      "$.Statement.Condition.StringEqualz");
  ASSERT_TRUE(error.location.has_value());
  EXPECT_EQ(error.location->line, 2U);
  EXPECT_EQ(error.location->column, 29U);
  for (const char* op : {"NullIfExists", "stringequals", "ForAnyValue:Foo", "IfExists"}) {
    ExpectMalformed(
        Identity(R"(,"Condition":{")" + std::string(op) + R"(":{"aws:username":"true"}})"),
        PolicyKind::kIdentity, "Invalid Condition type : " + std::string(op),
        "$.Statement[0].Condition" + Step(op));
  }
}

TEST(ParsePolicyTest, ConditionKeys) {
  const std::string vendor =
      "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
  for (const char* key : {"username", ":username", "aws:", ""}) {
    ExpectMalformed(
        Identity(R"(,"Condition":{"StringEquals":{")" + std::string(key) + R"(":"a"}})"),
        PolicyKind::kIdentity, vendor, "$.Statement[0].Condition.StringEquals" + Step(key));
  }
  ExpectOk(Identity(R"(,"Condition":{"StringEquals":{"aws:RequestTag/a:b c":"x",)"
                    R"("oidc.eks.us-east-1.amazonaws.com/id/ABC:sub":"y"}})"));
  const std::string long_key = "aws:" + std::string(300, 'k');
  ExpectMalformed(Identity(R"(,"Condition":{"StringEquals":{")" + long_key + R"(":"a"}})"),
                  PolicyKind::kIdentity, "condition key is longer than 256 characters",
                  "$.Statement[0].Condition.StringEquals['" + long_key + "']");
}

struct ValueCase {
  const char* op;
  const char* value;  // JSON text
  bool ok;
};

TEST(ParsePolicyTest, ConditionValueTypes) {
  const std::vector<ValueCase> cases = {
      {"Bool", "true", true},
      {"Bool", "\"false\"", true},
      {"Bool", "\"TRUE\"", true},
      {"Bool", "\"yes\"", false},
      {"Bool", "1", false},
      {"Null", "\"true\"", true},
      {"Null", "false", true},
      {"Null", "\"maybe\"", false},
      {"NumericEquals", "10", true},
      {"NumericLessThan", "\"-1.25\"", true},
      {"NumericGreaterThanEquals", "\"1e3\"", true},
      {"NumericEquals", "\"ten\"", false},
      {"NumericEquals", "\"1,5\"", false},
      {"NumericEquals", "true", false},
      {"DateLessThan", "\"2025-06-30T23:59:59Z\"", true},
      {"DateGreaterThan", "\"2025-01-01\"", true},
      {"DateEquals", "\"2025-01-01T10:00+02:00\"", true},
      {"DateEquals", "\"2025-01-01T10:00:00.123Z\"", true},
      {"DateEquals", "\"1735689600\"", true},
      {"DateEquals", "1735689600", true},
      {"DateEquals", "\"2025-13-01\"", false},
      {"DateEquals", "\"2025-1\"", false},
      {"DateEquals", "\"yesterday\"", false},
      {"IpAddress", "\"192.0.2.0/24\"", true},
      {"NotIpAddress", "\"2001:db8::/32\"", true},
      {"IpAddress", "\"10.0.0.1\"", true},
      {"IpAddress", "\"300.0.0.1\"", false},
      {"IpAddress", "\"10.0.0.0/33\"", false},
      {"BinaryEquals", "\"QmluYXJ5VmFsdWVJbkJhc2U2NA==\"", true},
      {"BinaryEquals", "\"not base64!\"", false},
      {"BinaryEquals", "\"abcde\"", false},
      {"StringEquals", "12", true},
      {"ArnLike", "\"arn:aws:iam::*:role/x\"", true},
      {"ForAllValues:NumericEquals", "[\"1\",\"x\"]", false},
  };
  for (const ValueCase& c : cases) {
    const std::string text =
        Identity(R"(,"Condition":{")" + std::string(c.op) + R"(":{"aws:key":)" + c.value + "}}");
    Result<PolicyDocument> doc = Parse(text);
    EXPECT_EQ(doc.has_value(), c.ok) << c.op << " " << c.value;
    if (!c.ok && !doc.has_value()) {
      EXPECT_EQ(doc.error().aws_code, kMalformed);
      ASSERT_TRUE(doc.error().location.has_value());
      EXPECT_TRUE(doc.error().location->path.starts_with("$.Statement[0].Condition" + Step(c.op) +
                                                         "['aws:key']"))
          << doc.error().location->path;
    }
  }
  ExpectMalformed(Identity(R"(,"Condition":{"Bool":{"aws:SecureTransport":"yes"}})"),
                  PolicyKind::kIdentity, "`Bool` needs `true` or `false`, not `yes`",
                  "$.Statement[0].Condition.Bool['aws:SecureTransport']");
}

// ---------------------------------------------------------------------------
// Policy variables.

TEST(ParsePolicyTest, PolicyVariablesIn2012) {
  const PolicyDocument doc = ExpectOk(
      Policy(R"({"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/${aws:username}/*",)"
             R"("arn:aws:s3:::b-${aws:PrincipalTag/team, 'company-wide'}",)"
             R"("arn:aws:s3:::b/${*}${?}${$}"],)"
             R"("Condition":{"StringLike":{"s3:prefix":"home/${aws:username}/*"},)"
             R"("NumericLessThan":{"s3:max-keys":"${aws:Foo}"},)"
             R"("DateLessThan":{"aws:CurrentTime":"${aws:EpochTime}"}}})"));
  EXPECT_EQ(doc.statements[0].resources[1],
            "arn:aws:s3:::b-${aws:PrincipalTag/team, 'company-wide'}");
  for (const char* bad : {"${aws:username", "${}", "${username}", "${aws:a b}", "${aws:x, default}",
                          "${aws:x, 'd'", "${aws:x${y}}", "${**}"}) {
    Result<PolicyDocument> bad_doc =
        Parse(Policy(R"({"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/)" +
                     std::string(bad) + "\"}"));
    ASSERT_FALSE(bad_doc.has_value()) << bad;
    EXPECT_EQ(bad_doc.error().aws_code, kMalformed);
    EXPECT_TRUE(bad_doc.error().message.starts_with("invalid policy variable `${"))
        << bad_doc.error().message;
    EXPECT_EQ(bad_doc.error().location->path, "$.Statement[0].Resource");
  }
  ExpectMalformed(Identity(R"(,"Condition":{"StringEquals":{"aws:username":["a","${aws:x"]}})"),
                  PolicyKind::kIdentity, "invalid policy variable `${aws:x`",
                  "$.Statement[0].Condition.StringEquals['aws:username'][1]");
  // Null cannot take a policy variable.
  ExpectMalformed(Identity(R"(,"Condition":{"Null":{"aws:username":"${aws:x}"}})"),
                  PolicyKind::kIdentity, "`Null` needs `true` or `false`, not `${aws:x}`",
                  "$.Statement[0].Condition.Null['aws:username']");
}

TEST(ParsePolicyTest, PolicyVariablesAreLiteralIn2008) {
  for (const char* version : {"2008-10-17", ""}) {
    const std::string statement =
        R"({"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username",)"
        R"("Condition":{"StringEquals":{"aws:username":"${"}}})";
    const std::string text =
        *version == '\0' ? R"({"Statement":[)" + statement + "]}" : Policy(statement, version);
    const PolicyDocument doc = ExpectOk(text);
    EXPECT_EQ(doc.statements[0].resources[0], "arn:aws:s3:::b/${aws:username");
  }
  // Without variables, type checks apply to the literal text.
  ExpectMalformed(Policy(R"({"Effect":"Allow","Action":"*","Resource":"*",)"
                         R"("Condition":{"NumericEquals":{"s3:max-keys":"${aws:x}"}}})",
                         "2008-10-17"),
                  PolicyKind::kIdentity, "`NumericEquals` needs a number, not `${aws:x}`",
                  "$.Statement[0].Condition.NumericEquals['s3:max-keys']");
}

// ---------------------------------------------------------------------------
// Size limits.

// A policy whose non-whitespace size is exactly `size` characters, padded with
// `spaces` spaces that IAM does not count.
std::string PolicyOfSize(std::size_t size, std::size_t spaces = 0) {
  const std::string head =
      R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::)";
  const std::string tail = R"("}})";
  std::string text = head + std::string(size - head.size() - tail.size(), 'a') + tail;
  return text + std::string(spaces, ' ');
}

TEST(ParsePolicyTest, SizeLimitPerKind) {
  struct Limit {
    PolicyKind kind;
    std::size_t limit;
    bool whitespace_counts;
  };

  for (const Limit& l :
       {Limit{PolicyKind::kIdentity, 6144, false}, Limit{PolicyKind::kBoundary, 6144, false},
        Limit{PolicyKind::kSession, 2048, true}, Limit{PolicyKind::kScp, 5120, true}}) {
    EXPECT_TRUE(Parse(PolicyOfSize(l.limit), l.kind).has_value()) << l.limit;
    Result<PolicyDocument> over = Parse(PolicyOfSize(l.limit + 1), l.kind);
    ASSERT_FALSE(over.has_value());
    EXPECT_EQ(over.error().code, ErrorCode::kResourceExhausted);
    EXPECT_EQ(over.error().aws_code, "LimitExceeded");
    EXPECT_EQ(over.error().message,
              "Cannot exceed quota for PolicySize: " + std::to_string(l.limit));
    EXPECT_TRUE(Parse(PolicyOfSize(l.limit + 1), l.kind, false).has_value());
    EXPECT_EQ(Parse(PolicyOfSize(l.limit, 10), l.kind).has_value(), !l.whitespace_counts);
  }
}

TEST(ParsePolicyTest, SizeLimitForTrustAndResource) {
  const std::string trust_head = R"({"Statement":{"Effect":"Allow","Principal":{"Service":")";
  const std::string trust_tail = R"(.amazonaws.com"},"Action":"sts:AssumeRole"}})";
  const auto trust = [&](std::size_t size) {
    return trust_head + std::string(size - trust_head.size() - trust_tail.size(), 'a') + trust_tail;
  };
  EXPECT_TRUE(Parse(trust(2048) + "   \n", PolicyKind::kTrust).has_value());
  Result<PolicyDocument> over = Parse(trust(2049), PolicyKind::kTrust);
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().message, "Cannot exceed quota for PolicySize: 2048");

  const std::string head =
      R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::)";
  const std::string tail = R"("}})";
  const auto resource = [&](std::size_t size) {
    return head + std::string(size - head.size() - tail.size(), 'a') + tail;
  };
  EXPECT_TRUE(Parse(resource(20480), PolicyKind::kResource).has_value());
  EXPECT_FALSE(Parse(resource(20480) + " ", PolicyKind::kResource).has_value());
}

TEST(ParsePolicyTest, SizeLimitCountsCharactersNotBytes) {
  // U+00E9 is two UTF-8 bytes but one character.
  std::string text = PolicyOfSize(6144);
  const std::size_t at = text.find("aaaa");
  text.replace(at, 1, "\xC3\xA9");
  EXPECT_TRUE(Parse(text, PolicyKind::kIdentity).has_value());
}

TEST(ParsePolicyTest, HostileInputIsBoundedWithoutSizeLimit) {
  const std::string huge = PolicyOfSize((1U << 20) + 10);
  Result<PolicyDocument> doc = Parse(huge, PolicyKind::kIdentity, false);
  ASSERT_FALSE(doc.has_value());
  EXPECT_EQ(doc.error().aws_code, kMalformed);
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  EXPECT_FALSE(Parse(deep, PolicyKind::kIdentity, false).has_value());
}

// ---------------------------------------------------------------------------
// The shared benchmark workload.

TEST(ParsePolicyTest, SmallWorkloadPoliciesParse) {
  const char* root = std::getenv("IAM_SOURCE_DIR");
  if (root == nullptr) {
    GTEST_SKIP() << "IAM_SOURCE_DIR not set";
  }
  std::ifstream in(std::string(root) + "/../shared/bench/small.workload.json");
  if (!in) {
    GTEST_SKIP() << "small.workload.json not found";
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  Result<JsonValue> workload = ParseJson(buffer.str(), JsonLimits{.max_bytes = 64U << 20,
                                                                  .max_depth = 64,
                                                                  .max_string_bytes = 1U << 20,
                                                                  .max_elements = 1U << 22});
  ASSERT_TRUE(workload.has_value()) << workload.error().ToString();
  std::size_t parsed = 0;
  for (const auto& [set, kind] : {std::pair{"policies", PolicyKind::kIdentity},
                                  std::pair{"resourcePolicies", PolicyKind::kResource}}) {
    const JsonValue* policies = workload->Find(set);
    ASSERT_NE(policies, nullptr) << set;
    for (const auto& [name, policy] : policies->members()) {
      Result<PolicyDocument> doc = Parse(SerializeJson(policy), kind, false);
      EXPECT_TRUE(doc.has_value()) << name << ": " << (doc ? "" : doc.error().ToString());
      ++parsed;
    }
  }
  EXPECT_EQ(parsed, 51U + 23U);
}

}  // namespace
}  // namespace portcullis::policy
