// The Authorization-header and presigned-query parsers and the verifier's error paths,
// with AWS's codes, statuses and messages.
#include "auth/sigv4/verifier.h"

#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "auth/sigv4/authorization.h"
#include "auth/sigv4/errors.h"
#include "auth/sigv4/signing.h"
#include "crypto/crypto.h"

namespace portcullis::auth::sigv4 {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::string_view kKeyId = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

std::chrono::sys_seconds At(std::string_view amz_date) {
  return ParseAmzDate(amz_date).value();
}

// A request under construction; owns its strings.
struct TestRequest {
  std::string method = "POST";
  std::string path = "/";
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::vector<HeaderField> Fields() const {
    std::vector<HeaderField> fields;
    for (const auto& [name, value] : headers) {
      fields.push_back({name, value});
    }
    return fields;
  }
};

std::string SignatureFor(const TestRequest& req, const std::vector<std::string>& signed_headers,
                         std::string_view amz_date, std::string_view scope_date,
                         std::string_view region, std::string_view service,
                         std::string_view payload_hash, bool presigned,
                         std::string_view secret = kSecret) {
  const std::vector<HeaderField> fields = req.Fields();
  const CanonicalRequestInput input{req.method,     req.path,     req.query,       fields,
                                    signed_headers, payload_hash, service == "s3", presigned};
  const std::string canonical = CanonicalRequest(input);
  const std::string sts =
      StringToSign(amz_date, CredentialScope(scope_date, region, service), canonical);
  return Signature(DeriveSigningKey(secret, scope_date, region, service), sts);
}

// A signed IAM ListUsers request at `amz_date`.
TestRequest SignedIamRequest(std::string_view amz_date = "20150830T123600Z",
                             std::string_view service = "iam") {
  TestRequest req;
  req.headers = {{"Host", "iam.amazonaws.com"},
                 {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                 {"X-Amz-Date", std::string(amz_date)}};
  req.body = "Action=ListUsers&Version=2010-05-08";
  const std::vector<std::string> signed_headers = {"content-type", "host", "x-amz-date"};
  const std::string date(amz_date.substr(0, 8));
  const std::string signature =
      SignatureFor(req, signed_headers, amz_date, date, "us-east-1", service,
                   crypto::HexLower(crypto::Sha256(req.body)), false);
  req.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + std::string(kKeyId) +
                                                "/" + date + "/us-east-1/" + std::string(service) +
                                                "/aws4_request, SignedHeaders=content-type;host;"
                                                "x-amz-date, Signature=" +
                                                signature);
  return req;
}

struct Lookup {
  KeyStatus status = KeyStatus::kActive;
  int calls = 0;
  std::optional<std::string> seen_token;

  SecretLookupFn Fn() {
    return [this](std::string_view key_id,
                  std::optional<std::string_view> token) -> Result<SecretLookup> {
      ++calls;
      if (token.has_value()) {
        seen_token = std::string(*token);
      }
      if (key_id != kKeyId) {
        return SecretLookup{KeyStatus::kNotFound, ""};
      }
      return SecretLookup{status, std::string(kSecret)};
    };
  }
};

Result<Authenticated> RunVerify(const TestRequest& req, std::chrono::sys_seconds now,
                                const SecretLookupFn& lookup, const VerifyOptions& options = {}) {
  const std::vector<HeaderField> fields = req.Fields();
  const HttpRequest request{req.method, req.path, req.query, fields, req.body, std::nullopt};
  return Verify(request, now, lookup, options);
}

void ExpectError(const Result<Authenticated>& result, std::string_view aws_code, int status,
                 std::string_view message) {
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().aws_code, aws_code) << result.error().message;
  EXPECT_EQ(HttpStatusForAwsCode(result.error().aws_code), status);
  EXPECT_EQ(result.error().message, message);
}

std::string* FindHeader(TestRequest& req, std::string_view name) {
  for (auto& [n, v] : req.headers) {
    if (n == name) {
      return &v;
    }
  }
  return nullptr;
}

// --- Authorization header parser --------------------------------------------------------

TEST(ParseAuthorizationHeaderTest, ParsesWithAndWithoutSpaces) {
  for (const char* value : {"AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, "
                            "SignedHeaders=host;x-amz-date, Signature=abcd",
                            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request,"
                            "SignedHeaders=host;x-amz-date,Signature=abcd"}) {
    auto params = ParseAuthorizationHeader(value, true);
    ASSERT_TRUE(params.has_value()) << params.error().message;
    EXPECT_EQ(params->credential.access_key_id, "AKID");
    EXPECT_EQ(params->credential.date, "20150830");
    EXPECT_EQ(params->credential.region, "us-east-1");
    EXPECT_EQ(params->credential.service, "iam");
    EXPECT_EQ(params->credential.Scope(), "20150830/us-east-1/iam/aws4_request");
    EXPECT_EQ(params->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
    EXPECT_EQ(params->signature, "abcd");
  }
}

TEST(ParseAuthorizationHeaderTest, ListsWhatIsMissingAsAwsDoes) {
  auto result = ParseAuthorizationHeader("token", false);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().aws_code, kIncompleteSignature);
  EXPECT_EQ(HttpStatusForAwsCode(kIncompleteSignature), 400);
  EXPECT_EQ(result.error().message,
            "Authorization header requires 'Credential' parameter. Authorization header "
            "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
            "parameter. Authorization header requires existence of either a 'X-Amz-Date' or "
            "a 'Date' header. Authorization=token");
  auto no_signature = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/iam/aws4_request, SignedHeaders=host",
      true);
  ASSERT_FALSE(no_signature.has_value());
  EXPECT_EQ(no_signature.error().message,
            "Authorization header requires 'Signature' parameter. "
            "Authorization=AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=host");
}

TEST(ParseAuthorizationHeaderTest, RejectsAPartWithoutEquals) {
  const std::string value =
      "AWS4-HMAC-SHA256 Credential= AKID /20150830/us-east-1/iam/aws4_request, "
      "SignedHeaders=host, Signature=abcd, junk";
  auto result = ParseAuthorizationHeader(value, true);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().aws_code, kIncompleteSignature);
  EXPECT_EQ(result.error().message,
            "'junk' not a valid key=value pair (missing equal-sign) in Authorization header: '" +
                value + "'.");
}

TEST(ParseAuthorizationHeaderTest, RejectsMalformedCredentialAlgorithmAndHeaders) {
  auto short_credential = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1, SignedHeaders=host, Signature=a", true);
  ASSERT_FALSE(short_credential.has_value());
  EXPECT_EQ(short_credential.error().message,
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            "keyid/date/region/service/term, got 'AKID/20150830/us-east-1'");
  auto algorithm = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA512 Credential=A/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, "
      "Signature=a",
      true);
  ASSERT_FALSE(algorithm.has_value());
  EXPECT_EQ(algorithm.error().aws_code, kIncompleteSignature);
  auto empty_name = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/iam/aws4_request, SignedHeaders=host;;x, "
      "Signature=a",
      true);
  ASSERT_FALSE(empty_name.has_value());
  auto duplicate = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, "
      "Signature=a, Signature=b",
      true);
  ASSERT_FALSE(duplicate.has_value());
  std::string many = "h0";
  for (std::size_t i = 1; i <= kMaxSignedHeaders; ++i) {
    many += ";h" + std::to_string(i);
  }
  auto too_many = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/iam/aws4_request, SignedHeaders=" + many +
          ", Signature=a",
      true);
  ASSERT_FALSE(too_many.has_value());
}

// --- Presigned query parser ---------------------------------------------------------------

TEST(ParsePresignedQueryTest, ParsesDecodedParameters) {
  auto params = ParsePresignedQuery(
      "Action=GetCallerIdentity&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20150830"
      "%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&"
      "X-Amz-SignedHeaders=host&X-Amz-Signature=abcd&X-Amz-Security-Token=tok%2Ben");
  ASSERT_TRUE(params.has_value()) << params.error().message;
  EXPECT_EQ(params->params.credential.service, "sts");
  EXPECT_EQ(params->amz_date, "20150830T123600Z");
  EXPECT_EQ(params->expires_seconds, 60);
  EXPECT_EQ(params->session_token, "tok+en");
  EXPECT_EQ(params->params.signature, "abcd");
}

TEST(ParsePresignedQueryTest, ReportsMissingAndInvalidParameters) {
  auto missing = ParsePresignedQuery("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=a");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().aws_code, kIncompleteSignature);
  EXPECT_EQ(missing.error().message,
            "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string "
            "parameters must include 'X-Amz-Date'. AWS query-string parameters must include "
            "'X-Amz-SignedHeaders'. Re-examine the query-string parameters.");
  const std::string base =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=A/20150830/us-east-1/sts/aws4_request&"
      "X-Amz-SignedHeaders=host&X-Amz-Signature=a&X-Amz-Date=20150830T123600Z";
  EXPECT_TRUE(ParsePresignedQuery(base).has_value());
  EXPECT_FALSE(ParsePresignedQuery(base + "&X-Amz-Expires=604801").has_value());
  EXPECT_FALSE(ParsePresignedQuery(base + "&X-Amz-Expires=-1").has_value());
  EXPECT_FALSE(ParsePresignedQuery(base + "&X-Amz-Expires=1e3").has_value());
  EXPECT_FALSE(ParsePresignedQuery(base + "&X-Amz-Date=20150830T123600Z").has_value());
  auto bad_date = ParsePresignedQuery(
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=A/20150830/us-east-1/sts/aws4_request&"
      "X-Amz-SignedHeaders=host&X-Amz-Signature=a&X-Amz-Date=2015-08-30");
  ASSERT_FALSE(bad_date.has_value());
  auto sha1 = ParsePresignedQuery(
      "X-Amz-Algorithm=AWS4-HMAC-SHA1&X-Amz-Credential=A/20150830/us-east-1/sts/aws4_request&"
      "X-Amz-SignedHeaders=host&X-Amz-Signature=a&X-Amz-Date=20150830T123600Z");
  ASSERT_FALSE(sha1.has_value());
  EXPECT_EQ(sha1.error().message, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
}

// --- Verifier -----------------------------------------------------------------------------

TEST(VerifyTest, AcceptsASignedRequest) {
  Lookup lookup;
  auto result = RunVerify(SignedIamRequest(), At("20150830T123600Z"), lookup.Fn());
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->access_key_id, kKeyId);
  EXPECT_EQ(result->region, "us-east-1");
  EXPECT_EQ(result->service, "iam");
  EXPECT_FALSE(result->session_token.has_value());
  EXPECT_EQ(result->request_time, At("20150830T123600Z"));
  EXPECT_EQ(lookup.calls, 1);
}

TEST(VerifyTest, MissingAuthentication) {
  Lookup lookup;
  TestRequest req;
  req.headers = {{"Host", "iam.amazonaws.com"}};
  ExpectError(RunVerify(req, At("20150830T123600Z"), lookup.Fn()), kMissingAuthenticationToken, 403,
              "Request is missing Authentication Token");
  EXPECT_EQ(lookup.calls, 0);
}

TEST(VerifyTest, OnlyOneMechanism) {
  Lookup lookup;
  TestRequest req = SignedIamRequest();
  req.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256";
  auto result = RunVerify(req, At("20150830T123600Z"), lookup.Fn());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().aws_code, kIncompleteSignature);
  TestRequest twice = SignedIamRequest();
  twice.headers.push_back(twice.headers.back());
  EXPECT_EQ(RunVerify(twice, At("20150830T123600Z"), lookup.Fn()).error().aws_code,
            kIncompleteSignature);
}

TEST(VerifyTest, UnknownAndInactiveKeys) {
  Lookup lookup;
  TestRequest req = SignedIamRequest();
  std::string* auth = FindHeader(req, "Authorization");
  auth->replace(auth->find(kKeyId), kKeyId.size(), "AKIAUNKNOWN");
  ExpectError(RunVerify(req, At("20150830T123600Z"), lookup.Fn()), kInvalidClientTokenId, 403,
              "The security token included in the request is invalid.");
  lookup.status = KeyStatus::kInactive;
  ExpectError(RunVerify(SignedIamRequest(), At("20150830T123600Z"), lookup.Fn()),
              kInvalidClientTokenId, 403, "The security token included in the request is invalid.");
}

TEST(VerifyTest, LookupErrorsPassThrough) {
  const SecretLookupFn failing = [](std::string_view,
                                    std::optional<std::string_view>) -> Result<SecretLookup> {
    return MakeError(ErrorCode::kUnavailable, "store is down");
  };
  auto result = RunVerify(SignedIamRequest(), At("20150830T123600Z"), failing);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(result.error().message, "store is down");
}

TEST(VerifyTest, WrongSecretIsASignatureMismatch) {
  const SecretLookupFn other = [](std::string_view,
                                  std::optional<std::string_view>) -> Result<SecretLookup> {
    return SecretLookup{KeyStatus::kActive, "another secret"};
  };
  ExpectError(RunVerify(SignedIamRequest(), At("20150830T123600Z"), other), kSignatureDoesNotMatch,
              403,
              "The request signature we calculated does not match the signature you provided. "
              "Check your AWS Secret Access Key and signing method. Consult the service "
              "documentation for details.");
  VerifyOptions explain;
  explain.explain_mismatch = true;
  auto explained = RunVerify(SignedIamRequest(), At("20150830T123600Z"), other, explain);
  ASSERT_FALSE(explained.has_value());
  EXPECT_NE(explained.error().message.find(
                "\n\nThe Canonical String for this request should have been\n'POST\n/\n\n"),
            std::string::npos)
      << explained.error().message;
  EXPECT_NE(explained.error().message.find("The String-to-Sign should have been\n'AWS4-HMAC-"
                                           "SHA256\n20150830T123600Z\n"),
            std::string::npos);
}

TEST(VerifyTest, ClockSkewBothWays) {
  Lookup lookup;
  const TestRequest req = SignedIamRequest();
  EXPECT_TRUE(RunVerify(req, At("20150830T125100Z"), lookup.Fn()).has_value());
  EXPECT_TRUE(RunVerify(req, At("20150830T122100Z"), lookup.Fn()).has_value());
  ExpectError(RunVerify(req, At("20150830T125101Z"), lookup.Fn()), kSignatureDoesNotMatch, 403,
              "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
              "(20150830T125101Z - 15 min.)");
  ExpectError(RunVerify(req, At("20150830T122059Z"), lookup.Fn()), kSignatureDoesNotMatch, 403,
              "Signature not yet current: 20150830T123600Z is still later than "
              "20150830T123559Z (20150830T122059Z + 15 min.)");
  EXPECT_EQ(lookup.calls, 2);
}

TEST(VerifyTest, ScopeChecks) {
  Lookup lookup;
  VerifyOptions sts_only;
  sts_only.expected_service = "sts";
  ExpectError(RunVerify(SignedIamRequest(), At("20150830T123600Z"), lookup.Fn(), sts_only),
              kSignatureDoesNotMatch, 403,
              "Credential should be scoped to correct service: 'sts'. ");

  TestRequest wrong_day = SignedIamRequest();
  std::string* auth = FindHeader(wrong_day, "Authorization");
  auth->replace(auth->find("/20150830/"), 10, "/20150831/");
  ExpectError(RunVerify(wrong_day, At("20150830T123600Z"), lookup.Fn()), kSignatureDoesNotMatch,
              403,
              "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
              "from HTTP: '20150831' != '20150830', from '20150830T123600Z'.");

  TestRequest terminator = SignedIamRequest();
  auth = FindHeader(terminator, "Authorization");
  auth->replace(auth->find("aws4_request"), 12, "aws4_reqest");
  ExpectError(RunVerify(terminator, At("20150830T123600Z"), lookup.Fn()), kSignatureDoesNotMatch,
              403,
              "Credential should be scoped with a valid terminator: 'aws4_request', not "
              "'aws4_reqest'. ");

  TestRequest region = SignedIamRequest();
  auth = FindHeader(region, "Authorization");
  auth->replace(auth->find("us-east-1"), 9, "US_EAST_1");
  ExpectError(RunVerify(region, At("20150830T123600Z"), lookup.Fn()), kSignatureDoesNotMatch, 403,
              "Credential should be scoped to a valid region, not 'US_EAST_1'. ");
}

TEST(VerifyTest, HostMustBeSigned) {
  Lookup lookup;
  TestRequest req = SignedIamRequest();
  std::string* auth = FindHeader(req, "Authorization");
  auth->replace(auth->find("content-type;host;x-amz-date"), 28, "content-type;x-amz-date");
  ExpectError(RunVerify(req, At("20150830T123600Z"), lookup.Fn()), kSignatureDoesNotMatch, 403,
              "'Host' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST(VerifyTest, MalformedDate) {
  Lookup lookup;
  TestRequest req = SignedIamRequest();
  *FindHeader(req, "X-Amz-Date") = "2015-08-30T12:36:00Z";
  ExpectError(RunVerify(req, At("20150830T123600Z"), lookup.Fn()), kIncompleteSignature, 400,
              "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See "
              "http://en.wikipedia.org/wiki/ISO_8601");
}

TEST(VerifyTest, AcceptsDateWhenXAmzDateIsAbsent) {
  Lookup lookup;
  TestRequest req;
  req.method = "GET";
  req.query = "Action=ListUsers&Version=2010-05-08";
  req.headers = {{"Host", "iam.amazonaws.com"}, {"Date", "Sun, 30 Aug 2015 12:36:00 GMT"}};
  const std::vector<std::string> signed_headers = {"date", "host"};
  const std::string signature =
      SignatureFor(req, signed_headers, "20150830T123600Z", "20150830", "us-east-1", "iam",
                   crypto::HexLower(crypto::Sha256("")), false);
  req.headers.emplace_back(
      "Authorization",
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20150830/us-east-1/iam/aws4_request, "
      "SignedHeaders=date;host, Signature=" +
          signature);
  auto result = RunVerify(req, At("20150830T123600Z"), lookup.Fn());
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->request_time, At("20150830T123600Z"));

  req.headers[1].second = "30 Aug 2015 12:36:00";
  EXPECT_EQ(RunVerify(req, At("20150830T123600Z"), lookup.Fn()).error().aws_code,
            kIncompleteSignature);
  req.headers.erase(req.headers.begin() + 1);
  auto no_date = RunVerify(req, At("20150830T123600Z"), lookup.Fn());
  ASSERT_FALSE(no_date.has_value());
  EXPECT_NE(no_date.error().message.find(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                "header."),
            std::string::npos);
}

TEST(VerifyTest, SessionTokenReachesTheLookupAndTheResult) {
  Lookup lookup;
  TestRequest req = SignedIamRequest();
  // AWS: the token may be added after signing (post-sts-header-after).
  req.headers.emplace_back("X-Amz-Security-Token", "session-token");
  auto result = RunVerify(req, At("20150830T123600Z"), lookup.Fn());
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->session_token, "session-token");
  EXPECT_EQ(lookup.seen_token, "session-token");
}

TEST(VerifyTest, UnsignedPayload) {
  Lookup lookup;
  TestRequest req;
  req.headers = {{"Host", "iam.amazonaws.com"},
                 {"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"},
                 {"X-Amz-Date", "20150830T123600Z"}};
  req.body = "Action=ListUsers&Version=2010-05-08";
  const std::vector<std::string> signed_headers = {"host", "x-amz-content-sha256", "x-amz-date"};
  const std::string signature = SignatureFor(req, signed_headers, "20150830T123600Z", "20150830",
                                             "us-east-1", "iam", "UNSIGNED-PAYLOAD", false);
  req.headers.emplace_back(
      "Authorization",
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20150830/us-east-1/iam/aws4_request, "
      "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" +
          signature);
  EXPECT_TRUE(RunVerify(req, At("20150830T123600Z"), lookup.Fn()).has_value());
  req.body += "&Extra=1";  // The body is not signed.
  EXPECT_TRUE(RunVerify(req, At("20150830T123600Z"), lookup.Fn()).has_value());
}

TEST(VerifyTest, DeclaredPayloadHashMustMatchTheBody) {
  Lookup lookup;
  for (const std::string service : {"iam", "s3"}) {
    TestRequest req;
    req.method = "PUT";
    req.path = "/bucket/key";
    req.body = "hello";
    const std::string hash = crypto::HexLower(crypto::Sha256(req.body));
    req.headers = {
        {"Host", "h"}, {"x-amz-content-sha256", hash}, {"x-amz-date", "20150830T123600Z"}};
    const std::vector<std::string> signed_headers = {"host", "x-amz-content-sha256", "x-amz-date"};
    const std::string signature = SignatureFor(req, signed_headers, "20150830T123600Z", "20150830",
                                               "us-east-1", service, hash, false);
    req.headers.emplace_back(
        "Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20150830/us-east-1/" +
                             service +
                             "/aws4_request, SignedHeaders=host;x-amz-content-sha256;"
                             "x-amz-date, Signature=" +
                             signature);
    EXPECT_TRUE(RunVerify(req, At("20150830T123600Z"), lookup.Fn()).has_value()) << service;
    req.body = "hellO";
    auto result = RunVerify(req, At("20150830T123600Z"), lookup.Fn());
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().aws_code,
              service == "s3" ? kXAmzContentSha256Mismatch : kSignatureDoesNotMatch);
  }
}

TEST(VerifyTest, CallerSuppliedPayloadHash) {
  Lookup lookup;
  const TestRequest req = SignedIamRequest();
  const std::vector<HeaderField> fields = req.Fields();
  const std::string hash = crypto::HexLower(crypto::Sha256(req.body));
  const HttpRequest request{req.method, req.path, req.query, fields, "ignored", hash};
  EXPECT_TRUE(Verify(request, At("20150830T123600Z"), lookup.Fn()).has_value());
}

// A presigned STS GetCallerIdentity URL, signed here with the library's primitives.
TestRequest PresignedRequest(std::string_view expires = "60", std::string_view token = "") {
  TestRequest req;
  req.method = "GET";
  req.headers = {{"Host", "sts.amazonaws.com"}};
  req.query =
      "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
      "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&"
      "X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host";
  if (!expires.empty()) {
    req.query += "&X-Amz-Expires=" + std::string(expires);
  }
  if (!token.empty()) {
    req.query += "&X-Amz-Security-Token=" + std::string(token);
  }
  const std::string signature =
      SignatureFor(req, {"host"}, "20150830T123600Z", "20150830", "us-east-1", "sts",
                   crypto::HexLower(crypto::Sha256("")), true);
  req.query += "&X-Amz-Signature=" + signature;
  return req;
}

TEST(VerifyPresignedTest, AcceptsWithinExpiry) {
  Lookup lookup;
  auto result = RunVerify(PresignedRequest("60", "tok"), At("20150830T123650Z"), lookup.Fn());
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_TRUE(result->presigned);
  EXPECT_EQ(result->service, "sts");
  EXPECT_EQ(result->session_token, "tok");
}

TEST(VerifyPresignedTest, ExpiresAfterXAmzExpires) {
  Lookup lookup;
  ExpectError(RunVerify(PresignedRequest("60"), At("20150830T123701Z"), lookup.Fn()),
              kRequestExpired, 400, "Request has expired.");
  ExpectError(RunVerify(PresignedRequest("60"), At("20150830T120000Z"), lookup.Fn()),
              kSignatureDoesNotMatch, 403,
              "Signature not yet current: 20150830T123600Z is still later than "
              "20150830T121500Z (20150830T120000Z + 15 min.)");
  // Without X-Amz-Expires the 15-minute window applies.
  EXPECT_TRUE(RunVerify(PresignedRequest(""), At("20150830T124500Z"), lookup.Fn()).has_value());
  EXPECT_EQ(RunVerify(PresignedRequest(""), At("20150830T125200Z"), lookup.Fn()).error().aws_code,
            kSignatureDoesNotMatch);
}

TEST(VerifyPresignedTest, TamperedQueryIsAMismatch) {
  Lookup lookup;
  TestRequest req = PresignedRequest();
  req.query.replace(req.query.find("GetCallerIdentity"), 17, "GetSessionToken00");
  ExpectError(RunVerify(req, At("20150830T123600Z"), lookup.Fn()), kSignatureDoesNotMatch, 403,
              std::string(kSignatureDoesNotMatchMessage));
}

TEST(VerifyPresignedTest, AwsS3DocumentedPresignedUrl) {
  // Amazon S3 API Reference, "Authenticating Requests: Using Query Parameters": the example
  // presigned GET of examplebucket/test.txt (AWS's example credentials).
  TestRequest req;
  req.method = "GET";
  req.path = "/test.txt";
  req.headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  req.query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-"
      "east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-"
      "SignedHeaders=host&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
  Lookup lookup;
  auto result = RunVerify(req, At("20130524T120000Z"), lookup.Fn());
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->service, "s3");
}

TEST(VerifyTest, AwsS3DocumentedGetObject) {
  // Amazon S3 API Reference, "Signature Calculations for the Authorization Header",
  // example GET Object with a Range header.
  TestRequest req;
  req.method = "GET";
  req.path = "/test.txt";
  req.headers = {
      {"Host", "examplebucket.s3.amazonaws.com"},
      {"Range", "bytes=0-9"},
      {"x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"x-amz-date", "20130524T000000Z"},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
       "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"}};
  Lookup lookup;
  auto result = RunVerify(req, At("20130524T000000Z"), lookup.Fn());
  ASSERT_TRUE(result.has_value()) << result.error().message;
}

}  // namespace
}  // namespace portcullis::auth::sigv4
