// The built-in IdP (idp/idp.h, idp/oidc_issuer.h) through its router, without a socket.
#include "idp/idp.h"

#include <gtest/gtest.h>
#include <memory>
#include <sstream>
#include <string>

#include "api/federation/jwt.h"
#include "api/federation/saml_metadata.h"

#include "idp/oidc_issuer.h"
#include "idp/saml_idp.h"

namespace portcullis::idp {
namespace {

namespace http = boost::beast::http;

class IdpTest : public ::testing::Test {
 protected:
  IdpTest() : settings_(std::make_shared<IdpSettings>()) {
    settings_->issuer = "http://127.0.0.1:9";
    settings_->algorithm = "ES256";
    EXPECT_TRUE(RegisterOidcIssuer(router_, settings_).has_value());
  }

  HttpResponseMessage Call(http::verb method, std::string target, std::string body = "") {
    HttpRequestMessage request{method, target, 11};
    request.body() = std::move(body);
    request.prepare_payload();
    return router_.Handle(request);
  }

  std::shared_ptr<IdpSettings> settings_;
  IdpRouter router_;
};

TEST_F(IdpTest, ServesDiscoveryAndKeys) {
  auto discovery = Call(http::verb::get, "/.well-known/openid-configuration");
  EXPECT_EQ(discovery.result(), http::status::ok);
  EXPECT_NE(discovery.body().find(R"("jwks_uri":"http://127.0.0.1:9/jwks.json")"),
            std::string::npos);
  auto keys = Call(http::verb::get, "/keys?x=1");
  EXPECT_EQ(keys.result(), http::status::ok);
  auto jwks = api::federation::ParseJwks(keys.body());
  ASSERT_TRUE(jwks.has_value());
  ASSERT_EQ(jwks->keys.size(), 1U);
  EXPECT_EQ(jwks->keys[0].kty, "EC");
  EXPECT_EQ(keys.body().find(R"("d")"), std::string::npos);
  EXPECT_EQ(Call(http::verb::get, "/nope").result(), http::status::not_found);
  EXPECT_EQ(Call(http::verb::post, "/jwks.json").result(), http::status::method_not_allowed);
}

TEST_F(IdpTest, IssuesVerifiableTokens) {
  auto res = Call(http::verb::post, "/token",
                  "grant_type=client_credentials&client_id=app&sub=alice%40example.com&amr=mfa"
                  "&amr=pwd&expires_in=120");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  const std::string& body = res.body();
  const std::size_t start = body.find(R"("id_token":")") + 12;
  const std::string token = body.substr(start, body.find('"', start) - start);
  auto jwt = api::federation::ParseJwt(token);
  ASSERT_TRUE(jwt.has_value()) << jwt.error().ToString();
  EXPECT_EQ(jwt->claims.iss, "http://127.0.0.1:9");
  EXPECT_EQ(jwt->claims.sub, "alice@example.com");
  EXPECT_EQ(jwt->claims.aud, std::vector<std::string>{"app"});
  EXPECT_EQ(jwt->claims.amr, (std::vector<std::string>{"mfa", "pwd"}));
  EXPECT_EQ(*jwt->claims.exp - *jwt->claims.iat, 120);
  auto jwks = api::federation::ParseJwks(Call(http::verb::get, "/jwks.json").body());
  ASSERT_TRUE(jwks.has_value());
  EXPECT_TRUE(api::federation::VerifyJwtSignature(*jwt, *jwks).has_value());
}

TEST_F(IdpTest, RefusesBadForms) {
  EXPECT_EQ(Call(http::verb::post, "/token", "grant_type=password").result(),
            http::status::bad_request);
  EXPECT_EQ(Call(http::verb::post, "/token", "expires_in=999999").result(),
            http::status::bad_request);
  EXPECT_EQ(Call(http::verb::post, "/token", "claims=%5B1%5D").result(), http::status::bad_request);
  EXPECT_EQ(Call(http::verb::post, "/token", "sub=%zz").result(), http::status::bad_request);
  settings_->subjects = {"alice"};
  EXPECT_EQ(Call(http::verb::post, "/token", "sub=bob").result(), http::status::forbidden);
  EXPECT_EQ(Call(http::verb::post, "/token", "sub=alice").result(), http::status::ok);
}

TEST(IdpFormTest, DecodesUrlEncodedForms) {
  auto form = ParseForm("a=1&b=x+y%21&&c&d=%");
  EXPECT_FALSE(form.has_value());
  form = ParseForm("a=1&b=x+y%21&&c");
  ASSERT_TRUE(form.has_value());
  ASSERT_EQ(form->size(), 3U);
  EXPECT_EQ((*form)[1].second, "x y!");
  EXPECT_EQ((*form)[2].first, "c");
  EXPECT_EQ((*form)[2].second, "");
}

TEST(IdpRunTest, RefusesNonLoopbackAddressesAndUnknownAlgorithms) {
  std::ostringstream out;
  std::ostringstream err;
  IdpSettings settings;
  settings.listen_address = "0.0.0.0";
  EXPECT_EQ(RunIdp(settings, out, err), 2);
  settings.listen_address = "127.0.0.1";
  settings.algorithm = "HS256";
  EXPECT_EQ(RunIdp(settings, out, err), 2);
  settings.algorithm = "RS256";
  settings.key_file = "/nonexistent/key.pem";
  EXPECT_EQ(RunIdp(settings, out, err), 2);
}

}  // namespace
}  // namespace portcullis::idp

namespace portcullis::idp {
namespace {

// The SAML family: metadata that the SAML metadata parser accepts, and signed responses
// that the verifier accepts against that metadata's certificate.
TEST(SamlIdpTest, MetadataAndResponsesVerify) {
  auto settings = std::make_shared<IdpSettings>();
  settings->issuer = "http://127.0.0.1:9";
  IdpRouter router;
  ASSERT_TRUE(RegisterSamlIdp(router, settings).has_value());
  auto call = [&](boost::beast::http::verb method, std::string target, std::string body) {
    HttpRequestMessage request{method, target, 11};
    request.body() = std::move(body);
    request.prepare_payload();
    return router.Handle(request);
  };
  auto meta = call(boost::beast::http::verb::get, "/saml/metadata", "");
  ASSERT_EQ(meta.result(), boost::beast::http::status::ok);
  auto parsed = api::federation::ParseSamlMetadata(meta.body());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->entity_id, "http://127.0.0.1:9/saml");

  auto missing = call(boost::beast::http::verb::post, "/saml/sso", "format=json");
  EXPECT_EQ(missing.result(), boost::beast::http::status::bad_request);
  auto no_role = call(boost::beast::http::verb::post, "/saml/sso", "subject=carol&format=json");
  EXPECT_EQ(no_role.result(), boost::beast::http::status::bad_request);
  auto bad_tag =
      call(boost::beast::http::verb::post, "/saml/sso", "subject=carol&role=a%2Cb&tag=novalue");
  EXPECT_EQ(bad_tag.result(), boost::beast::http::status::bad_request);
  auto page = call(boost::beast::http::verb::post, "/saml/sso",
                   "subject=carol&role=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr%2C"
                   "arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2Fp");
  ASSERT_EQ(page.result(), boost::beast::http::status::ok) << page.body();
  EXPECT_NE(page.body().find(R"(name="SAMLResponse" value=")"), std::string::npos);

  settings->subjects = {"alice"};
  auto other = call(boost::beast::http::verb::post, "/saml/sso", "subject=carol&role=a%2Cb");
  EXPECT_EQ(other.result(), boost::beast::http::status::forbidden);
}

}  // namespace
}  // namespace portcullis::idp
