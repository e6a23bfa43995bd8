// AssumeRoleWithWebIdentity (api/sts/web_identity.cc) against a memory store, with an IAM
// OIDC provider whose keys come from a JWKS directory (oidc_jwks_dir) and tokens signed
// at run time.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <string_view>

#include "api/federation/jwks_source.h"
#include "api/federation/jwt.h"
#include "api/protocol/query_codec.h"
#include "api/sts/outbound_web_identity.h"
#include "api/sts/sts_service.h"
#include "auth/session_token.h"

#include "../iam/iam_test_util.h"

namespace portcullis::api::sts {
namespace {

using federation::JwtAlgorithm;
using federation::JwtSigner;
using iam::testing::kAccountId;
using iam::testing::Params;
using iam::testing::TextAt;
using protocol::Value;

constexpr std::string_view kIssuer = "https://idp.example.com/tenant";
constexpr std::string_view kProviderArn =
    "arn:aws:iam::123456789012:oidc-provider/idp.example.com/tenant";
constexpr std::string_view kRoleArn = "arn:aws:iam::123456789012:role/web";

std::filesystem::path MakeJwksDir() {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("portcullis-webid-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
       "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::create_directories(dir);
  return dir;
}

StsOptions OptionsFor(const std::filesystem::path& dir) {
  StsOptions options;
  federation::JwksSourceOptions jwks;
  jwks.dir = dir;
  jwks.fetch_loopback = false;
  options.web_identity_keys = std::make_shared<federation::JwksSource>(jwks);
  return options;
}

class WebIdentityTest : public iam::testing::IamApiTest {
 protected:
  WebIdentityTest()
      : dir_(MakeJwksDir()),
        sts_(*store_, *authorizer_, box_, clock_, OptionsFor(dir_)),
        signer_(*JwtSigner::Generate(JwtAlgorithm::kEs256, "k1")) {
    std::ofstream(dir_ / (federation::PercentEncodeIssuer(kIssuer) + ".json"))
        << R"({"keys":[)" << signer_.PublicJwkJson() << "]}";
    MustCall("CreateOpenIDConnectProvider", {{"Url", std::string(kIssuer)},
                                             {"ClientIDList.member.1", "app"},
                                             {"ThumbprintList.member.1", std::string(40, 'a')}});
    CreateRole(Trust(R"("StringEquals":{"idp.example.com/tenant:sub":"alice"})"));
  }

  ~WebIdentityTest() override { std::filesystem::remove_all(dir_); }

  WebIdentityTest(const WebIdentityTest&) = delete;
  WebIdentityTest& operator=(const WebIdentityTest&) = delete;
  WebIdentityTest(WebIdentityTest&&) = delete;
  WebIdentityTest& operator=(WebIdentityTest&&) = delete;

  static std::string Trust(std::string_view condition,
                           std::string_view actions = R"("sts:AssumeRoleWithWebIdentity")") {
    return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":")" +
           std::string(kProviderArn) + R"("},"Action":[)" + std::string(actions) +
           R"(],"Condition":{)" + std::string(condition) + "}}]}";
  }

  void CreateRole(const std::string& trust) {
    MustCall("CreateRole", {{"RoleName", "web"}, {"AssumeRolePolicyDocument", trust}});
    MustCall(
        "PutRolePolicy",
        {{"RoleName", "web"}, {"PolicyName", "p"}, {"PolicyDocument", AllowDocument("iam:List*")}});
  }

  std::int64_t Now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch())
        .count();
  }

  std::string Token(std::string_view sub = "alice", std::string_view aud = R"("app")",
                    std::int64_t exp_in = 600, std::string_view extra = "",
                    const JwtSigner* signer = nullptr) const {
    const std::string claims = R"({"iss":")" + std::string(kIssuer) + R"(","sub":")" +
                               std::string(sub) + R"(","aud":)" + std::string(aud) + R"(,"exp":)" +
                               std::to_string(Now() + exp_in) + std::string(extra) + "}";
    auto token = (signer != nullptr ? *signer : signer_).Sign(claims);
    EXPECT_TRUE(token.has_value());
    return token.value_or("");
  }

  Result<Value> Assume(const std::string& token, Params extra = {}) {
    Params params = {{"RoleArn", std::string(kRoleArn)},
                     {"RoleSessionName", "alice-s"},
                     {"WebIdentityToken", token}};
    params.insert(params.end(), extra.begin(), extra.end());
    std::string form = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15";
    for (const auto& [k, v] : params) {
      form += "&" + iam::testing::FormEncode(k) + "=" + iam::testing::FormEncode(v);
    }
    auto decoded = protocol::DecodeQueryRequest(sts_.model(), form);
    if (!decoded.has_value()) {
      return tl::unexpected<Error>(std::move(decoded).error());
    }
    return sts_.Invoke(*decoded->operation, decoded->input, auth::Caller{}, Info());
  }

  Result<Value> Sts(const auth::Caller& caller, std::string_view op, const Params& params) {
    std::string form = "Action=" + std::string(op) + "&Version=2011-06-15";
    for (const auto& [k, v] : params) {
      form += "&" + iam::testing::FormEncode(k) + "=" + iam::testing::FormEncode(v);
    }
    auto decoded = protocol::DecodeQueryRequest(sts_.model(), form);
    if (!decoded.has_value()) {
      return tl::unexpected<Error>(std::move(decoded).error());
    }
    return sts_.Invoke(*decoded->operation, decoded->input, caller, Info());
  }

  auth::Caller SessionOf(const Value& out) {
    auto opened =
        auth::SessionTokenCodec(box_).Open(TextAt(out, "Credentials.SessionToken"), clock_.Now());
    EXPECT_TRUE(opened.has_value());
    if (!opened.has_value()) {
      return {};
    }
    auth::Caller caller = opened->caller;
    caller.session_token = TextAt(out, "Credentials.SessionToken");
    return caller;
  }

  std::filesystem::path dir_;
  StsService sts_;
  JwtSigner signer_;
};

TEST_F(WebIdentityTest, ValidTokenBuysARoleSession) {
  auto out = Assume(Token(), {{"DurationSeconds", "900"}});
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_EQ(TextAt(*out, "AssumedRoleUser.Arn"),
            "arn:aws:sts::123456789012:assumed-role/web/alice-s");
  EXPECT_EQ(TextAt(*out, "SubjectFromWebIdentityToken"), "alice");
  EXPECT_EQ(TextAt(*out, "Audience"), "app");
  EXPECT_EQ(TextAt(*out, "Provider"), kProviderArn);
  auto opened =
      auth::SessionTokenCodec(box_).Open(TextAt(*out, "Credentials.SessionToken"), clock_.Now());
  ASSERT_TRUE(opened.has_value());
  ASSERT_NE(opened->caller.session, nullptr);
  EXPECT_EQ(opened->caller.session->source_arn, kProviderArn);
  EXPECT_EQ(opened->caller.session->expires_at - opened->caller.session->issued_at,
            std::chrono::seconds(900));
  // An audience array: one member is enough.
  EXPECT_TRUE(Assume(Token("alice", R"(["other","app"])")).has_value());
}

TEST_F(WebIdentityTest, RefusesBadTokens) {
  const JwtSigner other = *JwtSigner::Generate(JwtAlgorithm::kEs256, "k1");
  EXPECT_AWS_ERROR(Assume(Token("alice", R"("app")", 600, "", &other)), "InvalidIdentityToken",
                   "The web identity token's signature is invalid.");
  EXPECT_AWS_ERROR(Assume(Token("alice", R"("app")", -10)), "ExpiredTokenException");
  EXPECT_AWS_ERROR(Assume(Token("alice", R"("nope")")), "InvalidIdentityToken",
                   "Incorrect token audience");
  EXPECT_AWS_ERROR(
      Assume(Token("alice", R"("app")", 600, R"(,"nbf":)" + std::to_string(Now() + 60))),
      "InvalidIdentityToken");
  EXPECT_AWS_ERROR(Assume(Token("bob")), "AccessDenied",
                   "Not authorized to perform sts:AssumeRoleWithWebIdentity");
  EXPECT_AWS_ERROR(Assume("e30.e30.c2ln"), "InvalidIdentityToken");
  const std::string none = federation::Base64UrlEncode(R"({"alg":"none"})") + "." +
                           federation::Base64UrlEncode(R"({"iss":"x","sub":"a","exp":1})") + ".";
  EXPECT_AWS_ERROR(Assume(none), "InvalidIdentityToken");
}

TEST_F(WebIdentityTest, UnknownIssuerAndMissingKeys) {
  MustCall("DeleteOpenIDConnectProvider",
           {{"OpenIDConnectProviderArn", std::string(kProviderArn)}});
  EXPECT_AWS_ERROR(
      Assume(Token()), "InvalidIdentityToken",
      "No OpenIDConnect provider found in your account for https://idp.example.com/tenant");
  MustCall("CreateOpenIDConnectProvider", {{"Url", std::string(kIssuer)},
                                           {"ClientIDList.member.1", "app"},
                                           {"ThumbprintList.member.1", std::string(40, 'a')}});
  std::filesystem::remove(dir_ / (federation::PercentEncodeIssuer(kIssuer) + ".json"));
  EXPECT_AWS_ERROR(Assume(Token()), "IDPCommunicationError");
}

TEST_F(WebIdentityTest, MissingRoleIsAccessDenied) {
  auto out = Assume(Token(), {});
  ASSERT_TRUE(out.has_value());
  MustCall("DeleteRolePolicy", {{"RoleName", "web"}, {"PolicyName", "p"}});
  MustCall("DeleteRole", {{"RoleName", "web"}});
  EXPECT_AWS_ERROR(Assume(Token()), "AccessDenied");
}

TEST_F(WebIdentityTest, SessionTagsNeedTagSession) {
  const std::string tags =
      R"(,"https://aws.amazon.com/tags":{"principal_tags":{"team":["blue"]},"transitive_tag_keys":["team"]})";
  EXPECT_AWS_ERROR(Assume(Token("alice", R"("app")", 600, tags)), "AccessDenied");
  MustCall(
      "UpdateAssumeRolePolicy",
      {{"RoleName", "web"},
       {"PolicyDocument",
        Trust(
            R"("StringEquals":{"idp.example.com/tenant:sub":"alice","aws:RequestTag/team":"blue"})",
            R"("sts:AssumeRoleWithWebIdentity","sts:TagSession")")}});
  auto out = Assume(Token("alice", R"("app")", 600, tags));
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  auto opened =
      auth::SessionTokenCodec(box_).Open(TextAt(*out, "Credentials.SessionToken"), clock_.Now());
  ASSERT_TRUE(opened.has_value());
  ASSERT_EQ(opened->caller.session->tags.size(), 1U);
  EXPECT_EQ(opened->caller.session->tags[0].second, "blue");
  EXPECT_EQ(opened->caller.session->transitive_tag_keys, std::vector<std::string>{"team"});
  EXPECT_NE(iam::testing::At(*out, "PackedPolicySize"), nullptr);
  // A transitive key that is not a tag.
  EXPECT_AWS_ERROR(
      Assume(Token(
          "alice", R"("app")", 600,
          R"(,"https://aws.amazon.com/tags":{"principal_tags":{},"transitive_tag_keys":["x"]})")),
      "InvalidIdentityToken");
}

TEST_F(WebIdentityTest, DurationAndSessionPolicies) {
  EXPECT_AWS_ERROR(
      Assume(Token(), {{"DurationSeconds", "7200"}}), "ValidationError",
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  auto out = Assume(Token(), {{"Policy", AllowDocument("iam:ListRoles")}});
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  EXPECT_NE(iam::testing::At(*out, "PackedPolicySize"), nullptr);
}

TEST_F(WebIdentityTest, GetWebIdentityTokenNeedsOutboundFederation) {
  const Params params = {{"Audience.member.1", "svc"}, {"SigningAlgorithm", "RS256"}};
  EXPECT_AWS_ERROR(Sts(Root(), "GetWebIdentityToken", params),
                   "OutboundWebIdentityFederationDisabledException");
  const std::string issuer =
      TextAt(MustCall("EnableOutboundWebIdentityFederation"), "IssuerIdentifier");
  EXPECT_AWS_ERROR(Sts(Root(), "GetWebIdentityToken",
                       {{"Audience.member.1", "svc"}, {"SigningAlgorithm", "HS256"}}),
                   "ValidationError");
  EXPECT_AWS_ERROR(
      Sts(Root(), "GetWebIdentityToken",
          {{"Audience.member.1", "svc"}, {"SigningAlgorithm", "RS256"}, {"DurationSeconds", "30"}}),
      "ValidationError");
  MustCall("CreateUser", {{"UserName", "bob"}});
  EXPECT_AWS_ERROR(Sts(UserCaller("bob"), "GetWebIdentityToken", params), "AccessDenied");

  Params timed = params;
  timed.emplace_back("DurationSeconds", "120");
  timed.emplace_back("Tags.member.1.Key", "team");
  timed.emplace_back("Tags.member.1.Value", "blue");
  auto out = Sts(Root(), "GetWebIdentityToken", timed);
  ASSERT_TRUE(out.has_value()) << out.error().ToString();
  auto jwt = federation::ParseJwt(TextAt(*out, "WebIdentityToken"));
  ASSERT_TRUE(jwt.has_value()) << jwt.error().ToString();
  EXPECT_EQ(jwt->alg, JwtAlgorithm::kRs256);
  EXPECT_EQ(jwt->claims.iss, issuer);
  EXPECT_EQ(jwt->claims.sub, "arn:aws:iam::123456789012:root");
  EXPECT_EQ(jwt->claims.aud, std::vector<std::string>{"svc"});
  EXPECT_EQ(*jwt->claims.exp - *jwt->claims.iat, 120);
  auto jwks_json = OutboundJwksJson(*store_, box_, kAccountId);
  ASSERT_TRUE(jwks_json.has_value()) << jwks_json.error().ToString();
  auto jwks = federation::ParseJwks(*jwks_json);
  ASSERT_TRUE(jwks.has_value());
  EXPECT_TRUE(federation::VerifyJwtSignature(*jwt, *jwks).has_value());
  // The key persists: the next token has the same kid.
  auto again = Sts(Root(), "GetWebIdentityToken", params);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(federation::ParseJwt(TextAt(*again, "WebIdentityToken"))->kid, jwt->kid);
  // ES384 tokens too; the JWKS then holds both keys.
  auto es = Sts(Root(), "GetWebIdentityToken",
                {{"Audience.member.1", "svc"}, {"SigningAlgorithm", "ES384"}});
  ASSERT_TRUE(es.has_value()) << es.error().ToString();
  EXPECT_NE(OutboundJwksJson(*store_, box_, kAccountId)->find("P-384"), std::string::npos);
  auto discovery = OutboundDiscoveryJson(*store_, kAccountId, "http://127.0.0.1:1");
  ASSERT_TRUE(discovery.has_value());
  EXPECT_NE(discovery->find(issuer), std::string::npos);
  EXPECT_FALSE(OutboundJwksJson(*store_, box_, iam::testing::kOtherAccountId).has_value());
}

TEST_F(WebIdentityTest, OutboundTokenRoundTripsAndCannotOutliveItsSession) {
  const std::string issuer =
      TextAt(MustCall("EnableOutboundWebIdentityFederation"), "IssuerIdentifier");
  auto token = Sts(Root(), "GetWebIdentityToken",
                   {{"Audience.member.1", "app"}, {"SigningAlgorithm", "RS256"}});
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  // This account trusts its own issuer, with its published keys in oidc_jwks_dir.
  std::ofstream(dir_ / (federation::PercentEncodeIssuer(issuer) + ".json"))
      << *OutboundJwksJson(*store_, box_, kAccountId);
  MustCall("CreateOpenIDConnectProvider", {{"Url", issuer},
                                           {"ClientIDList.member.1", "app"},
                                           {"ThumbprintList.member.1", std::string(40, 'a')}});
  const std::string host = issuer.substr(8);
  MustCall(
      "UpdateAssumeRolePolicy",
      {{"RoleName", "web"},
       {"PolicyDocument",
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/)" +
            host + R"("},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{")" +
            host + R"(:sub":"arn:aws:iam::123456789012:root"}}}]})"}});
  MustCall("PutRolePolicy", {{"RoleName", "web"},
                             {"PolicyName", "p"},
                             {"PolicyDocument", AllowDocument("sts:GetWebIdentityToken")}});
  auto session = Assume(TextAt(*token, "WebIdentityToken"), {{"DurationSeconds", "900"}});
  ASSERT_TRUE(session.has_value()) << session.error().ToString();
  const auth::Caller caller = SessionOf(*session);
  EXPECT_AWS_ERROR(Sts(caller, "GetWebIdentityToken",
                       {{"Audience.member.1", "svc"},
                        {"SigningAlgorithm", "RS256"},
                        {"DurationSeconds", "3600"}}),
                   "SessionDurationEscalationException");
  auto inner = Sts(caller, "GetWebIdentityToken",
                   {{"Audience.member.1", "svc"}, {"SigningAlgorithm", "RS256"}});
  ASSERT_TRUE(inner.has_value()) << inner.error().ToString();
  EXPECT_EQ(federation::ParseJwt(TextAt(*inner, "WebIdentityToken"))->claims.sub,
            "arn:aws:sts::123456789012:assumed-role/web/alice-s");
}

}  // namespace
}  // namespace portcullis::api::sts
