// S3 Signature Version 2 presigned URLs: botocore's own URLs verify; tampering, expiry,
// malformed parameters and unknown keys answer S3's codes and messages.
#include "auth/sigv4/s3_query_v2.h"

#include <array>
#include <chrono>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/sigv4/errors.h"

namespace portcullis::auth::sigv4 {
namespace {

constexpr std::string_view kKeyId = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kTempKeyId = "ASIAIOSFODNN7EXAMPLE";
constexpr std::string_view kTempSecret = "tempSecretKey/EXAMPLE";
constexpr std::string_view kToken = "FQoGZXIvYXdz+token/==";

// The clock the vectors were signed at (Expires = this + ExpiresIn).
constexpr std::chrono::sys_seconds kSignedAt{std::chrono::seconds{1700000000}};

struct Vector {
  std::string_view name;
  std::string_view method;
  std::string_view path;
  std::string_view query;
};

// Made by botocore 1.29.27 (Debian's boto3: generate_presigned_url with the default config,
// path-style, clock fixed at 1700000000):
//   /usr/bin/python3 tests/auth/sigv4/make_s3_query_v2_vectors.py
constexpr std::array<Vector, 10> kVectors = {{
    {"get_object", "GET", "/examplebucket/photos/puppy.jpg",
     "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=%2B%2BbNiLEbPROs7ztUbNcG7G2uLWs%3D&Expires="
     "1700003600"},
    {"special_key", "GET", "/examplebucket/a%20b/%C3%BC%2B%25%3D%26%3F.txt",
     "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=1DWYeRoddkdjzVFxkuy%2B8K8GLJA%3D&Expires="
     "1700003600"},
    {"overrides", "GET", "/examplebucket/k",
     "versionId=v%201&response-content-type=text%2Fplain%3B%20charset%3Dutf-8&response-content-"
     "disposition=attachment&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature="
     "04t23W2yxnvKJjiKH4rxiJ5Pm8w%3D&Expires=1700000060"},
    {"put_headers", "PUT", "/examplebucket/k",
     "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=chDW5laVucLIWXzSJ1h4MxJS5mQ%3D&content-type="
     "text%2Fplain&content-md5=1B2M2Y8AsgTpgAmY7PhCfg%3D%3D&x-amz-acl=public-read&x-amz-meta-"
     "owner=me&Expires=1700000600"},
    {"upload_part", "PUT", "/examplebucket/k",
     "partNumber=2&uploadId=up%2F1&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=Mk%"
     "2BIpAj0X2Zra8v7GqfTXEiM%2Fhw%3D&Expires=1700000600"},
    {"list_objects", "GET", "/examplebucket",
     "prefix=p&encoding-type=url&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature="
     "HEosBWTG6N4I6z9G86kyPXrpnBU%3D&Expires=1700000600"},
    {"list_objects_v2", "GET", "/examplebucket",
     "list-type=2&encoding-type=url&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature="
     "2cPB3cdnkfaUpmxHTnfb9pLToG4%3D&Expires=1700000600"},
    {"get_object_tagging", "GET", "/examplebucket/k",
     "tagging&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=ReFm%2FfRS1p5knAXsbEN64Y4fAig%3D&"
     "Expires=1700000600"},
    {"list_buckets", "GET", "/",
     "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=AS9GosHV18e6Ebu62KRhR4grplg%3D&Expires="
     "1700000600"},
    {"delete_object", "DELETE", "/examplebucket/k",
     "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=6WzBwNckkvvD04OdInzqa%2FynDeo%3D&Expires="
     "1700000600"},
}};

// The same script: temporary credentials (token in the query) ...
constexpr Vector kSessionTokenVector = {
    "session_token", "GET", "/examplebucket/photos/puppy.jpg",
    "AWSAccessKeyId=ASIAIOSFODNN7EXAMPLE&Signature=axgz2TTbyDc8nFIX1ftIIEhBhhU%3D&x-amz-security-"
    "token=FQoGZXIvYXdz%2Btoken%2F%3D%3D&Expires=1700003600"};
// ... and HmacV1QueryAuth.get_signature over headers X-Amz-Meta-A: " one ", x-amz-meta-a:
// two, Content-Type: image/png, sent as headers.
constexpr Vector kRepeatedHeadersVector = {
    "repeated_headers", "PUT", "/examplebucket/k",
    "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1700000600&Signature=GPeiCXLkx0JTE4766T%"
    "2Bn4jP2cqM%3D"};

struct Lookup {
  KeyStatus status = KeyStatus::kActive;
  int calls = 0;
  std::optional<std::string> seen_token;

  SecretLookupFn Fn() {
    return [this](std::string_view key_id,
                  std::optional<std::string_view> token) -> Result<SecretLookup> {
      ++calls;
      seen_token = token.has_value() ? std::optional<std::string>(*token) : std::nullopt;
      if (key_id == kTempKeyId && token == kToken) {
        return SecretLookup{status, std::string(kTempSecret)};
      }
      if (key_id != kKeyId || token.has_value()) {
        return SecretLookup{KeyStatus::kNotFound, ""};
      }
      return SecretLookup{status, std::string(kSecret)};
    };
  }
};

struct TestRequest {
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;

  explicit TestRequest(const Vector& v) : method(v.method), path(v.path), query(v.query) {}
};

Result<Authenticated> VerifyV2(const TestRequest& req, Lookup& lookup,
                               std::chrono::sys_seconds now = kSignedAt) {
  std::vector<HeaderField> fields;
  fields.reserve(req.headers.size());
  for (const auto& [name, value] : req.headers) {
    fields.push_back({name, value});
  }
  const HttpRequest request{req.method, req.path, req.query, fields, "", std::nullopt};
  return VerifyS3QueryV2(request, now, lookup.Fn());
}

Result<Authenticated> VerifyV2(const TestRequest& req, std::chrono::sys_seconds now = kSignedAt) {
  Lookup lookup;
  return VerifyV2(req, lookup, now);
}

void ExpectError(const Result<Authenticated>& result, std::string_view aws_code, int status,
                 std::string_view message) {
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().aws_code, aws_code) << result.error().message;
  EXPECT_EQ(HttpStatusForAwsCode(result.error().aws_code), status);
  EXPECT_EQ(result.error().message, message);
}

void ExpectMismatch(const Result<Authenticated>& result) {
  ExpectError(result, kSignatureDoesNotMatch, 403, kSignatureDoesNotMatchMessage);
}

const Vector& Find(std::string_view name) {
  for (const Vector& v : kVectors) {
    if (v.name == name) {
      return v;
    }
  }
  ADD_FAILURE() << "no vector " << name;
  return kVectors[0];
}

TEST(S3QueryV2Test, BotocoreUrlsVerify) {
  for (const Vector& v : kVectors) {
    Lookup lookup;
    const auto result = VerifyV2(TestRequest(v), lookup);
    if (!result.has_value()) {
      ADD_FAILURE() << v.name << ": " << result.error().message;
      continue;
    }
    EXPECT_EQ(result->access_key_id, kKeyId) << v.name;
    EXPECT_EQ(result->service, "s3");
    EXPECT_EQ(result->region, "");
    EXPECT_TRUE(result->presigned);
    EXPECT_TRUE(result->signature_v2);
    EXPECT_EQ(result->payload_mode, PayloadMode::kUnsigned);
    EXPECT_EQ(result->request_time, kSignedAt);
    EXPECT_FALSE(result->session_token.has_value());
    EXPECT_EQ(lookup.calls, 1);
    EXPECT_FALSE(lookup.seen_token.has_value());
  }
}

TEST(S3QueryV2Test, TemporaryCredentialsPassTheQueryTokenToTheLookup) {
  Lookup lookup;
  const auto result = VerifyV2(TestRequest(kSessionTokenVector), lookup);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->access_key_id, kTempKeyId);
  EXPECT_EQ(result->session_token, kToken);
  EXPECT_EQ(lookup.seen_token, kToken);

  // The token is signed: another one (here: none) does not verify with the same secret.
  TestRequest req(kSessionTokenVector);
  req.headers = {{"X-Amz-Security-Token", std::string(kToken)}};
  EXPECT_TRUE(VerifyV2(req).has_value());  // the same token as a header
  req.query =
      "AWSAccessKeyId=ASIAIOSFODNN7EXAMPLE&Signature=axgz2TTbyDc8nFIX1ftIIEhBhhU%3D&"
      "Expires=1700003600";
  req.headers.clear();
  ExpectError(VerifyV2(req), kInvalidClientTokenId, 403, kInvalidClientTokenIdMessage);
}

TEST(S3QueryV2Test, RepeatedAmzHeadersAreJoinedAndContentTypeComesFromTheHeader) {
  TestRequest req(kRepeatedHeadersVector);
  req.headers = {{"X-Amz-Meta-A", " one "}, {"x-amz-meta-a", "two"}, {"Content-Type", "image/png"}};
  ASSERT_TRUE(VerifyV2(req).has_value());
  req.headers[2].second = "image/jpeg";
  ExpectMismatch(VerifyV2(req));
  req.headers[2].second = "image/png";
  req.headers.pop_back();
  req.headers.pop_back();  // one value only
  ExpectMismatch(VerifyV2(req));
}

TEST(S3QueryV2Test, HeadersMovedToTheQueryAreSigned) {
  const Vector& v = Find("put_headers");
  // Sent again as headers with the same values: still the signed values.
  TestRequest req(v);
  req.headers = {{"Content-Type", "text/plain"},
                 {"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="},
                 {"x-amz-acl", "public-read"}};
  EXPECT_TRUE(VerifyV2(req).has_value());
  // A header that differs from the signed query value wins, and so fails.
  req.headers[0].second = "text/html";
  ExpectMismatch(VerifyV2(req));
  req = TestRequest(v);
  req.headers = {{"x-amz-acl", "private"}};
  ExpectMismatch(VerifyV2(req));
  // An x-amz-* header the signer did not sign.
  req = TestRequest(v);
  req.headers = {{"x-amz-storage-class", "GLACIER"}};
  ExpectMismatch(VerifyV2(req));
  // A changed or dropped query value.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"x-amz-acl=public-read", "x-amz-acl=public-read-write"},
           {"&x-amz-meta-owner=me", ""},
           {"content-type=text%2Fplain", "content-type=text%2Fhtml"},
           {"&content-md5=1B2M2Y8AsgTpgAmY7PhCfg%3D%3D", ""}}) {
    req = TestRequest(v);
    req.query.replace(req.query.find(from), from.size(), to);
    ExpectMismatch(VerifyV2(req));
  }
}

TEST(S3QueryV2Test, TamperedRequestsDoNotMatch) {
  TestRequest req(Find("get_object"));
  req.path = "/examplebucket/photos/kitten.jpg";
  ExpectMismatch(VerifyV2(req));
  req = TestRequest(Find("get_object"));
  req.path = "/otherbucket/photos/puppy.jpg";
  ExpectMismatch(VerifyV2(req));
  req = TestRequest(Find("get_object"));
  req.method = "DELETE";
  ExpectMismatch(VerifyV2(req));
  req = TestRequest(Find("get_object"));
  req.query.replace(req.query.find("1700003600"), 10, "1700007200");  // a later Expires
  ExpectMismatch(VerifyV2(req));
  req = TestRequest(Find("get_object"));
  req.query.replace(req.query.find("%2B%2Bb"), 7, "%2B%2Bc");
  ExpectMismatch(VerifyV2(req));
  // The special key's path must be the raw one sent: another encoding of the same key fails.
  req = TestRequest(Find("special_key"));
  req.path = "/examplebucket/a%20b/%C3%BC+%25%3D%26%3F.txt";
  ExpectMismatch(VerifyV2(req));
}

TEST(S3QueryV2Test, WrongSecretDoesNotMatch) {
  const auto lookup = [](std::string_view,
                         std::optional<std::string_view>) -> Result<SecretLookup> {
    return SecretLookup{KeyStatus::kActive, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ"};
  };
  const TestRequest req(Find("get_object"));
  std::vector<HeaderField> none;
  const HttpRequest request{req.method, req.path, req.query, none, "", std::nullopt};
  ExpectMismatch(VerifyS3QueryV2(request, kSignedAt, lookup));
}

TEST(S3QueryV2Test, SubResourcesAreSigned) {
  // Changing, adding or dropping a signed sub-resource fails.
  TestRequest req(Find("overrides"));
  req.query.replace(req.query.find("text%2Fplain"), 12, "text%2Fhtml");
  ExpectMismatch(VerifyV2(req));
  req = TestRequest(Find("overrides"));
  req.query.replace(req.query.find("versionId=v%201&"), 16, "");
  ExpectMismatch(VerifyV2(req));
  req = TestRequest(Find("overrides"));
  req.query += "&response-cache-control=no-cache";
  ExpectMismatch(VerifyV2(req));
  req = TestRequest(Find("upload_part"));
  req.query.replace(req.query.find("partNumber=2"), 12, "partNumber=3");
  ExpectMismatch(VerifyV2(req));
  for (const char* extra : {"&versionId=v2", "&acl", "&tagging", "&uploads", "&uploadId=x",
                            "&publicAccessBlock", "&policyStatus", "&policy"}) {
    req = TestRequest(Find("get_object"));
    req.query += extra;
    ExpectMismatch(VerifyV2(req));
    // A bucket URL cannot be turned into another bucket operation either.
    req = TestRequest(Find("list_objects"));
    req.query = std::string(extra).substr(1) + "&" + req.query;
    ExpectMismatch(VerifyV2(req));
  }
  // Parameters that are no sub-resource are not signed (as in AWS's Signature Version 2).
  req = TestRequest(Find("get_object"));
  req.query += "&foo=bar";
  EXPECT_TRUE(VerifyV2(req).has_value());
}

TEST(S3QueryV2Test, ResponseOverridesAreDecodedAndSortedInTheResource) {
  // The overrides vector signs
  // "/examplebucket/k?response-content-disposition=attachment&response-content-type=text/plain;
  // charset=utf-8&versionId=v 1": the order of the parameters in the URL does not matter.
  TestRequest req(Find("overrides"));
  req.query =
      "response-content-disposition=attachment&versionId=v%201&AWSAccessKeyId="
      "AKIAIOSFODNN7EXAMPLE&response-content-type=text%2Fplain%3B%20charset%3Dutf-8&Signature="
      "04t23W2yxnvKJjiKH4rxiJ5Pm8w%3D&Expires=1700000060";
  EXPECT_TRUE(VerifyV2(req, kSignedAt + std::chrono::seconds{60}).has_value());
}

TEST(S3QueryV2Test, UnencodedPlusAndSlashInTheSignatureAreAccepted) {
  TestRequest req(Find("upload_part"));
  req.query.replace(req.query.find("Mk%2BIpAj0X2Zra8v7GqfTXEiM%2Fhw%3D"), 34,
                    "Mk+IpAj0X2Zra8v7GqfTXEiM/hw=");
  EXPECT_TRUE(VerifyV2(req).has_value());
}

TEST(S3QueryV2Test, ExpiresIsInclusiveThenAccessDenied) {
  const TestRequest req(Find("get_object"));  // Expires=1700003600
  const std::chrono::sys_seconds expires{std::chrono::seconds{1700003600}};
  EXPECT_TRUE(VerifyV2(req, expires).has_value());
  Lookup lookup;
  ExpectError(VerifyV2(req, lookup, expires + std::chrono::seconds{1}), kAccessDenied, 403,
              "Request has expired");
  EXPECT_EQ(lookup.calls, 0);  // no key lookup for an expired URL
}

TEST(S3QueryV2Test, MissingOrMalformedParameters) {
  const std::string_view message = kS3QueryParametersMessage;
  const std::string sig = "Signature=%2B%2BbNiLEbPROs7ztUbNcG7G2uLWs%3D";
  const std::string key = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE";
  const std::string expires = "Expires=1700003600";
  TestRequest req(Find("get_object"));
  for (const std::string& query :
       {key + "&" + sig, key + "&" + expires, sig + "&" + expires, key + "&" + sig + "&Expires=",
        "AWSAccessKeyId=&" + sig + "&" + expires, key + "&Signature=&" + expires,
        key + "&" + key + "&" + sig + "&" + expires, key + "&" + sig + "&" + sig + "&" + expires,
        key + "&" + sig + "&" + expires + "&" + expires}) {
    req.query = query;
    Lookup lookup;
    ExpectError(VerifyV2(req, lookup), kAuthorizationQueryParametersError, 400, message);
    EXPECT_EQ(lookup.calls, 0) << query;
  }
  for (const std::string_view bad : {"soon", "-1", "1700003600.5", "1e9", "1234567890123456"}) {
    req.query = key + "&" + sig + "&Expires=" + std::string(bad);
    ExpectError(VerifyV2(req), kAuthorizationQueryParametersError, 400,
                "Invalid date (should be seconds since epoch): " + std::string(bad));
  }
}

TEST(S3QueryV2Test, UnknownOrInactiveKeyIsInvalidClientTokenId) {
  TestRequest req(Find("get_object"));
  req.query.replace(req.query.find("AKIAIOSFODNN7EXAMPLE"), 20, "AKIAIOSFODNN7EXAMPLF");
  ExpectError(VerifyV2(req), kInvalidClientTokenId, 403, kInvalidClientTokenIdMessage);
  Lookup inactive;
  inactive.status = KeyStatus::kInactive;
  ExpectError(VerifyV2(TestRequest(Find("get_object")), inactive), kInvalidClientTokenId, 403,
              kInvalidClientTokenIdMessage);
}

TEST(S3QueryV2Test, LookupErrorsPassThrough) {
  const auto lookup = [](std::string_view,
                         std::optional<std::string_view>) -> Result<SecretLookup> {
    return MakeError(ErrorCode::kUnavailable, "store is down");
  };
  const TestRequest req(Find("get_object"));
  std::vector<HeaderField> none;
  const HttpRequest request{req.method, req.path, req.query, none, "", std::nullopt};
  const auto result = VerifyS3QueryV2(request, kSignedAt, lookup);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
}

TEST(S3QueryV2Test, HasS3QueryV2Params) {
  EXPECT_TRUE(HasS3QueryV2Params("AWSAccessKeyId=AKID&Signature=x&Expires=1"));
  EXPECT_TRUE(HasS3QueryV2Params("versionId=1&Signature=x"));
  EXPECT_TRUE(HasS3QueryV2Params("AWSAccessKeyId=AKID"));
  EXPECT_FALSE(HasS3QueryV2Params(""));
  EXPECT_FALSE(HasS3QueryV2Params("Expires=1700000000"));
  EXPECT_FALSE(HasS3QueryV2Params("response-expires=x&list-type=2"));
  EXPECT_FALSE(HasS3QueryV2Params("X-Amz-Signature=abc&X-Amz-Credential=x"));
  EXPECT_FALSE(HasS3QueryV2Params("awsaccesskeyid=AKID&signature=x"));
}

}  // namespace
}  // namespace portcullis::auth::sigv4
