// JWT/JWS/JWKS (api/federation/jwt.h) and the key sources (jwks_source.h), with keys
// generated at run time.
#include "api/federation/jwt.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>

#include "api/federation/jwks_source.h"

namespace portcullis::api::federation {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

std::string Claims(std::string_view extra = "", std::int64_t exp = kNow + 600) {
  return R"({"iss":"https://idp.example.com","sub":"alice","aud":"client-1","iat":)" +
         std::to_string(kNow) + R"(,"exp":)" + std::to_string(exp) + std::string(extra) + "}";
}

std::string JwksOf(const JwtSigner& signer) {
  return R"({"keys":[)" + signer.PublicJwkJson() + "]}";
}

JwtSigner MakeSigner(JwtAlgorithm alg, std::string kid = "k1") {
  auto signer = JwtSigner::Generate(alg, std::move(kid));
  EXPECT_TRUE(signer.has_value());
  return *std::move(signer);
}

// The token with its payload replaced by `payload` (signature kept).
std::string WithPayload(const std::string& token, std::string_view payload) {
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.find('.', dot1 + 1);
  return token.substr(0, dot1 + 1) + Base64UrlEncode(payload) + token.substr(dot2);
}

Status ParseAndVerify(const std::string& token, const std::string& jwks_json) {
  IAM_ASSIGN_OR_RETURN(Jwt jwt, ParseJwt(token));
  IAM_ASSIGN_OR_RETURN(Jwks jwks, ParseJwks(jwks_json));
  return VerifyJwtSignature(jwt, jwks);
}

class JwtAlgTest : public ::testing::TestWithParam<JwtAlgorithm> {};

TEST_P(JwtAlgTest, ValidTokenVerifiesAndReadsClaims) {
  const JwtSigner signer = MakeSigner(GetParam());
  auto token = signer.Sign(Claims(R"(,"amr":["mfa","pwd"],"nbf":1)"));
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  auto jwt = ParseJwt(*token);
  ASSERT_TRUE(jwt.has_value()) << jwt.error().ToString();
  EXPECT_EQ(jwt->alg, GetParam());
  EXPECT_EQ(jwt->kid, "k1");
  EXPECT_EQ(jwt->claims.iss, "https://idp.example.com");
  EXPECT_EQ(jwt->claims.sub, "alice");
  EXPECT_EQ(jwt->claims.aud, std::vector<std::string>{"client-1"});
  EXPECT_EQ(jwt->claims.amr, (std::vector<std::string>{"mfa", "pwd"}));
  EXPECT_EQ(jwt->claims.exp, kNow + 600);
  auto jwks = ParseJwks(JwksOf(signer));
  ASSERT_TRUE(jwks.has_value()) << jwks.error().ToString();
  ASSERT_EQ(jwks->keys.size(), 1U);
  EXPECT_TRUE(VerifyJwtSignature(*jwt, *jwks).has_value());
  EXPECT_TRUE(CheckJwtTimes(jwt->claims, kNow, 0).has_value());
}

TEST_P(JwtAlgTest, TamperedPayloadFails) {
  const JwtSigner signer = MakeSigner(GetParam());
  auto token = signer.Sign(Claims());
  ASSERT_TRUE(token.has_value());
  const std::string forged = WithPayload(
      *token,
      R"({"iss":"https://idp.example.com","sub":"root","aud":"client-1","exp":1900000000})");
  auto verified = ParseAndVerify(forged, JwksOf(signer));
  ASSERT_FALSE(verified.has_value());
  EXPECT_EQ(verified.error().code, ErrorCode::kUnauthenticated);
}

TEST_P(JwtAlgTest, WrongKeyFails) {
  const JwtSigner signer = MakeSigner(GetParam());
  const JwtSigner other = MakeSigner(GetParam());  // same kid, other key
  auto token = signer.Sign(Claims());
  ASSERT_TRUE(token.has_value());
  auto verified = ParseAndVerify(*token, JwksOf(other));
  ASSERT_FALSE(verified.has_value());
  EXPECT_EQ(verified.error().code, ErrorCode::kUnauthenticated);
}

TEST_P(JwtAlgTest, PemRoundTripKeepsTheKey) {
  const JwtSigner signer = MakeSigner(GetParam());
  auto pem = signer.PrivateKeyPem();
  ASSERT_TRUE(pem.has_value());
  auto reloaded = JwtSigner::FromPem(*pem, "k1");
  ASSERT_TRUE(reloaded.has_value()) << reloaded.error().ToString();
  EXPECT_EQ(reloaded->alg(), GetParam());
  EXPECT_EQ(reloaded->PublicJwkJson(), signer.PublicJwkJson());
  auto token = reloaded->Sign(Claims());
  ASSERT_TRUE(token.has_value());
  EXPECT_TRUE(ParseAndVerify(*token, JwksOf(signer)).has_value());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, JwtAlgTest,
                         ::testing::Values(JwtAlgorithm::kRs256, JwtAlgorithm::kEs256));

TEST(JwtTest, Es384SignsButIsNotAccepted) {
  const JwtSigner signer = MakeSigner(JwtAlgorithm::kEs384);
  EXPECT_NE(signer.PublicJwkJson().find(R"("crv":"P-384")"), std::string::npos);
  auto token = signer.Sign(Claims());
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  auto signature = Base64UrlDecode(token->substr(token->rfind('.') + 1));
  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(signature->size(), 96U);
  // Inbound tokens are RS256 or ES256 only.
  EXPECT_FALSE(ParseJwt(*token).has_value());
  auto pem = signer.PrivateKeyPem();
  ASSERT_TRUE(pem.has_value());
  auto reloaded = JwtSigner::FromPem(*pem, "k1");
  ASSERT_TRUE(reloaded.has_value());
  EXPECT_EQ(reloaded->alg(), JwtAlgorithm::kEs384);
}

TEST(JwtTest, KeyOfAnotherTypeIsNotUsed) {
  const JwtSigner rsa = MakeSigner(JwtAlgorithm::kRs256, "");
  const JwtSigner ec = MakeSigner(JwtAlgorithm::kEs256, "");
  auto token = rsa.Sign(Claims());
  ASSERT_TRUE(token.has_value());
  auto verified = ParseAndVerify(*token, JwksOf(ec));
  ASSERT_FALSE(verified.has_value());
  EXPECT_EQ(verified.error().code, ErrorCode::kNotFound);
  // Without a kid, the only key of the right type is chosen.
  const std::string both = R"({"keys":[)" + ec.PublicJwkJson() + "," + rsa.PublicJwkJson() + "]}";
  EXPECT_TRUE(ParseAndVerify(*token, both).has_value());
}

TEST(JwtTest, KidSelectsTheKey) {
  const JwtSigner a = MakeSigner(JwtAlgorithm::kEs256, "a");
  const JwtSigner b = MakeSigner(JwtAlgorithm::kEs256, "b");
  const std::string both = R"({"keys":[)" + a.PublicJwkJson() + "," + b.PublicJwkJson() + "]}";
  auto token = b.Sign(Claims());
  ASSERT_TRUE(token.has_value());
  EXPECT_TRUE(ParseAndVerify(*token, both).has_value());
  const JwtSigner c = MakeSigner(JwtAlgorithm::kEs256, "c");
  auto unknown = c.Sign(Claims());
  ASSERT_TRUE(unknown.has_value());
  auto verified = ParseAndVerify(*unknown, both);
  ASSERT_FALSE(verified.has_value());
  EXPECT_EQ(verified.error().code, ErrorCode::kNotFound);
}

std::string Unsigned(std::string_view header, std::string_view payload, std::string_view sig) {
  return Base64UrlEncode(header) + "." + Base64UrlEncode(payload) + "." + Base64UrlEncode(sig);
}

TEST(JwtTest, RefusesOtherAlgorithms) {
  for (const char* alg : {"none", "HS256", "RS384", "PS256", "ES512", "EdDSA"}) {
    auto jwt = ParseJwt(Unsigned(R"({"alg":")" + std::string(alg) + R"("})", Claims(), "sig"));
    ASSERT_FALSE(jwt.has_value()) << alg;
    EXPECT_EQ(jwt.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(jwt.error().message.find("not supported"), std::string::npos) << alg;
  }
  // alg none with an empty signature, the classic forgery.
  EXPECT_FALSE(
      ParseJwt(Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode(Claims()) + ".")
          .has_value());
  EXPECT_FALSE(
      ParseJwt(Base64UrlEncode(R"({"alg":"RS256"})") + "." + Base64UrlEncode(Claims()) + ".")
          .has_value());
  EXPECT_FALSE(
      ParseJwt(Unsigned(R"({"alg":"RS256","crit":["b64"]})", Claims(), "sig")).has_value());
}

TEST(JwtTest, RefusesMalformedTokens) {
  const std::string good_header = R"({"alg":"RS256"})";
  for (const std::string& token : {
           std::string(""),
           std::string("abc"),
           std::string("a.b"),
           std::string("a.b.c.d"),
           Unsigned("not json", Claims(), "s"),
           Unsigned(good_header, "[1]", "s"),
           Unsigned(good_header, R"({"sub":"a","exp":1})", "s"),            // no iss
           Unsigned(good_header, R"({"iss":"https://x","exp":1})", "s"),    // no sub
           Unsigned(good_header, R"({"iss":"https://x","sub":"a"})", "s"),  // no exp
           Unsigned(good_header, Claims(R"(,"aud":[1])"), "s"),
           Unsigned(good_header, Claims(R"(,"nbf":"soon")"), "s"),
           Unsigned(good_header, std::string(40, '[') + std::string(40, ']'), "s"),
           Base64UrlEncode(good_header) + "=." + Base64UrlEncode(Claims()) + ".c2ln",
           std::string(kMaxJwtBytes + 1, 'a'),
       }) {
    auto jwt = ParseJwt(token);
    EXPECT_FALSE(jwt.has_value()) << token;
    if (!jwt.has_value()) {
      EXPECT_EQ(jwt.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

TEST(JwtTest, ReadsAudienceArraysAndSessionTags) {
  auto jwt = ParseJwt(Unsigned(
      R"({"alg":"ES256"})",
      Claims(
          R"(,"aud":["a","b"],"azp":"a","https://aws.amazon.com/tags":{"principal_tags":{"team":["blue"],"cc":["7"]},"transitive_tag_keys":["team"]},"https://aws.amazon.com/source_identity":"alice")"),
      "s"));
  ASSERT_TRUE(jwt.has_value()) << jwt.error().ToString();
  EXPECT_EQ(jwt->claims.aud, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(jwt->claims.azp, "a");
  EXPECT_TRUE(jwt->claims.has_session_tags);
  EXPECT_EQ(jwt->claims.principal_tags.size(), 2U);
  EXPECT_EQ(jwt->claims.transitive_tag_keys, std::vector<std::string>{"team"});
  EXPECT_EQ(jwt->claims.source_identity, "alice");
}

TEST(JwtTest, TimesAreChecked) {
  JwtClaims claims;
  claims.exp = kNow - 1;
  auto expired = CheckJwtTimes(claims, kNow, 0);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(CheckJwtTimes(claims, kNow, 5).has_value());
  claims.exp = kNow + 100;
  claims.nbf = kNow + 50;
  auto early = CheckJwtTimes(claims, kNow, 0);
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(CheckJwtTimes(claims, kNow + 50, 0).has_value());
}

TEST(JwksTest, SkipsUnusableKeysAndRefusesMalformedSets) {
  auto jwks = ParseJwks(
      R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"AA"},{"kty":"EC","crv":"P-384","x":"AA","y":"AA"},)"
      R"({"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"},{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}]})");
  ASSERT_TRUE(jwks.has_value()) << jwks.error().ToString();
  ASSERT_EQ(jwks->keys.size(), 1U);
  EXPECT_EQ(jwks->keys[0].kid, "r");
  for (const std::string& bad :
       {std::string("[]"), std::string("{}"), std::string(R"({"keys":{}})"),
        std::string(R"({"keys":[1]})"),
        std::string(R"({"keys":[{"kty":"RSA","n":"!!","e":"AQAB"}]})"),
        std::string(R"({"keys":[{"kty":"EC","crv":"P-256","x":"AA"}]})"),
        std::string(R"({"keys":[)") + std::string(100, '[') + std::string(100, ']') + "]}"}) {
    EXPECT_FALSE(ParseJwks(bad).has_value()) << bad;
  }
  std::string many = R"({"keys":[)";
  for (std::size_t i = 0; i <= kMaxJwksKeys; ++i) {
    many += std::string(i == 0 ? "" : ",") + R"({"kty":"RSA","n":"AQAB","e":"AQAB"})";
  }
  EXPECT_FALSE(ParseJwks(many + "]}").has_value());
}

TEST(JwksTest, SmallRsaKeysAreRefused) {
  // A 512-bit modulus: parsed, but refused when verifying.
  const std::string n(64, '\xC1');
  const std::string jwks =
      R"({"keys":[{"kty":"RSA","n":")" + Base64UrlEncode(n) + R"(","e":"AQAB"}]})";
  const std::string token = Unsigned(R"({"alg":"RS256"})", Claims(), std::string(64, '\x01'));
  auto verified = ParseAndVerify(token, jwks);
  ASSERT_FALSE(verified.has_value());
  EXPECT_EQ(verified.error().code, ErrorCode::kInvalidArgument);
}

TEST(Base64UrlTest, RoundTripsAndRefusesPadding) {
  for (const std::string& s :
       {std::string(""), std::string("a"), std::string("ab"), std::string("\xfb\xff\xfe", 3)}) {
    const std::string encoded = Base64UrlEncode(s);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
    EXPECT_EQ(Base64UrlDecode(encoded), s);
  }
  EXPECT_FALSE(Base64UrlDecode("YQ==").has_value());
  EXPECT_FALSE(Base64UrlDecode("+/8").has_value());
  EXPECT_FALSE(Base64UrlDecode("Y").has_value());
}

TEST(JwksSourceTest, ReadsTheConfiguredDirectory) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("portcullis-jwks-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  const JwtSigner signer = MakeSigner(JwtAlgorithm::kEs256);
  const std::string issuer = "https://idp.example.com/tenant";
  EXPECT_EQ(PercentEncodeIssuer(issuer), "https%3A%2F%2Fidp.example.com%2Ftenant");
  {
    std::ofstream out(dir / (PercentEncodeIssuer(issuer) + ".json"));
    out << JwksOf(signer);
  }
  JwksSource source(
      JwksSourceOptions{dir, false, std::chrono::seconds(1), std::chrono::minutes(5)});
  auto jwks = source.Get(issuer, "k1", std::chrono::system_clock::now());
  ASSERT_TRUE(jwks.has_value()) << jwks.error().ToString();
  EXPECT_EQ(jwks->keys.size(), 1U);
  auto other = source.Get("https://other.example.com", "", std::chrono::system_clock::now());
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
  std::filesystem::remove_all(dir);
}

TEST(JwksSourceTest, FetchesOnlyFromLoopback) {
  EXPECT_TRUE(IsLoopbackUrl("http://127.0.0.1:8080"));
  EXPECT_TRUE(IsLoopbackUrl("http://[::1]:8080/x"));
  EXPECT_TRUE(IsLoopbackUrl("https://localhost/x"));
  EXPECT_FALSE(IsLoopbackUrl("http://127.0.0.1.example.com"));
  EXPECT_FALSE(IsLoopbackUrl("http://user@127.0.0.1"));
  EXPECT_FALSE(IsLoopbackUrl("ftp://127.0.0.1"));
  auto remote = HttpGetLoopback("http://example.com/", std::chrono::seconds(1), 100);
  ASSERT_FALSE(remote.has_value());
  EXPECT_EQ(remote.error().code, ErrorCode::kInvalidArgument);
  JwksSource source(JwksSourceOptions{});
  auto jwks = source.Get("https://accounts.example.com", "", std::chrono::system_clock::now());
  ASSERT_FALSE(jwks.has_value());
  EXPECT_EQ(jwks.error().code, ErrorCode::kNotFound);
  // Nothing listens on port 1: the fetch fails as unavailable.
  auto refused = source.Get("http://127.0.0.1:1", "", std::chrono::system_clock::now());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace portcullis::api::federation
