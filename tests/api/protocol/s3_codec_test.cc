#include "api/protocol/s3_codec.h"

#include <gtest/gtest.h>
#include <string>
#include <utility>
#include <vector>

#include "api/protocol/s3_errors.h"
#include "api/protocol/service_model.h"

namespace portcullis::api::protocol {
namespace {

// An HTTP request as botocore sends it; owns the strings the S3HttpRequest views.
struct Req {
  std::string method;
  std::string target;
  std::string host = "localhost:9000";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  S3HttpRequest View() const {
    S3HttpRequest r;
    r.method = method;
    r.target = target;
    r.host = host;
    for (const auto& [name, value] : headers) {
      r.headers.push_back({name, value});
    }
    r.body = body;
    return r;
  }
};

S3RouteOptions Options() {
  S3RouteOptions o;
  o.host_names = {"localhost", "s3.localhost", "example.test", "s3.example.test"};
  return o;
}

Result<S3Request> Decode(const Req& req) {
  return DecodeS3Request(S3Model(), req.View(), Options());
}

std::string OpOf(const Req& req) {
  Result<S3Route> r = RouteS3Request(S3Model(), req.View(), Options());
  if (!r.has_value()) {
    return "error:" + r.error().aws_code;
  }
  return r->operation->name;
}

std::string ErrorOf(const Req& req) {
  Result<S3Request> r = Decode(req);
  return r.has_value() ? std::string("ok") : r.error().aws_code;
}

TEST(S3ModelTest, LoadsRestFields) {
  const ServiceModel& m = S3Model();
  EXPECT_EQ(m.protocol(), "rest-xml");
  EXPECT_GE(m.operations().size(), 100U);
  const Operation* put = m.FindOperation("PutObject");
  ASSERT_NE(put, nullptr);
  EXPECT_EQ(put->http_method, "PUT");
  EXPECT_EQ(put->request_uri, "/{Bucket}/{Key+}");
  EXPECT_EQ(put->input->payload, "Body");
  const Member* meta = put->input->FindMember("Metadata");
  ASSERT_NE(meta, nullptr);
  EXPECT_EQ(meta->location, MemberLocation::kHeaders);
  EXPECT_EQ(meta->wire_name, "x-amz-meta-");
  EXPECT_TRUE(put->input->FindMember("Body")->streaming);
  EXPECT_EQ(m.FindOperation("DeleteObject")->response_code, 204);
  const Member* config =
      m.FindShape("CreateBucketRequest")->FindMember("CreateBucketConfiguration");
  ASSERT_TRUE(config->xml_namespace.has_value());
  EXPECT_EQ(config->xml_namespace->uri, kS3XmlNamespace);
  const Member* type = m.FindShape("Grantee")->FindMember("Type");
  EXPECT_TRUE(type->xml_attribute);
  EXPECT_EQ(type->wire_name, "xsi:type");
  EXPECT_TRUE(m.FindOperation("GetBucketLifecycle")->deprecated);
}

// The request an operation's own template describes, with its required query keys and
// headers.
Req CanonicalRequest(const Operation& op) {
  Req req;
  req.method = op.http_method;
  std::string path = op.request_path;
  if (path == "/{Bucket}") {
    path = "/bucket";
  } else if (path == "/{Bucket}/{Key+}") {
    path = "/bucket/some/key";
  }
  std::string query;
  for (const auto& [name, value] : op.request_query) {
    query += query.empty() ? "" : "&";
    query += name;
    if (value.has_value()) {
      query += "=";
      query += *value;
    }
  }
  for (const Member& m : op.input->members) {
    if (m.required && m.location == MemberLocation::kQueryString) {
      query += query.empty() ? "" : "&";
      query += m.wire_name;
      query += "=1";
    } else if (m.required && m.location == MemberLocation::kHeader) {
      req.headers.emplace_back(m.wire_name, "1");
    }
  }
  req.target = query.empty() ? path : path + "?" + query;
  return req;
}

// Every routable operation's own request routes back to it: the model's templates never
// tie.
TEST(S3RoutingTest, EveryOperationRoutesToItself) {
  int checked = 0;
  for (const auto& [name, op] : S3Model().operations()) {
    if (op.deprecated || !op.host_prefix.empty() || name == "ListDirectoryBuckets") {
      continue;
    }
    const Req req = CanonicalRequest(op);
    EXPECT_EQ(OpOf(req), name) << req.method << " " << req.target;
    ++checked;
  }
  EXPECT_GE(checked, 100);
}

TEST(S3RoutingTest, SpecificTemplatesWin) {
  EXPECT_EQ(OpOf({"GET", "/", "localhost:9000", {}, ""}), "ListBuckets");
  EXPECT_EQ(OpOf({"GET", "/b", "localhost", {}, ""}), "ListObjects");
  EXPECT_EQ(OpOf({"GET", "/b/", "localhost", {}, ""}), "ListObjects");
  EXPECT_EQ(OpOf({"GET", "/b?list-type=2&prefix=a", "localhost", {}, ""}), "ListObjectsV2");
  EXPECT_EQ(OpOf({"GET", "/b?list-type=1", "localhost", {}, ""}), "ListObjects");
  EXPECT_EQ(OpOf({"GET", "/b?location", "localhost", {}, ""}), "GetBucketLocation");
  EXPECT_EQ(OpOf({"GET", "/b?uploads", "localhost", {}, ""}), "ListMultipartUploads");
  EXPECT_EQ(OpOf({"POST", "/b?delete", "localhost", {}, ""}), "DeleteObjects");
  EXPECT_EQ(OpOf({"PUT", "/b", "localhost", {}, ""}), "CreateBucket");
  EXPECT_EQ(OpOf({"HEAD", "/b", "localhost", {}, ""}), "HeadBucket");
  EXPECT_EQ(OpOf({"DELETE", "/b", "localhost", {}, ""}), "DeleteBucket");
  EXPECT_EQ(OpOf({"PUT", "/b?policy", "localhost", {}, ""}), "PutBucketPolicy");
  EXPECT_EQ(OpOf({"GET", "/b?policyStatus", "localhost", {}, ""}), "GetBucketPolicyStatus");
  EXPECT_EQ(OpOf({"PUT", "/b/k", "localhost", {}, ""}), "PutObject");
  EXPECT_EQ(OpOf({"PUT", "/b/k", "localhost", {{"X-Amz-Copy-Source", "src/k"}}, ""}), "CopyObject");
  EXPECT_EQ(OpOf({"PUT", "/b/k?partNumber=1&uploadId=u", "localhost", {}, ""}), "UploadPart");
  EXPECT_EQ(OpOf({"PUT",
                  "/b/k?partNumber=1&uploadId=u",
                  "localhost",
                  {{"x-amz-copy-source", "src/k"}},
                  ""}),
            "UploadPartCopy");
  EXPECT_EQ(OpOf({"POST", "/b/k?uploads", "localhost", {}, ""}), "CreateMultipartUpload");
  EXPECT_EQ(OpOf({"POST", "/b/k?uploadId=u", "localhost", {}, ""}), "CompleteMultipartUpload");
  EXPECT_EQ(OpOf({"DELETE", "/b/k?uploadId=u", "localhost", {}, ""}), "AbortMultipartUpload");
  EXPECT_EQ(OpOf({"GET", "/b/k?uploadId=u", "localhost", {}, ""}), "ListParts");
  EXPECT_EQ(OpOf({"GET", "/b/k", "localhost", {}, ""}), "GetObject");
  EXPECT_EQ(OpOf({"HEAD", "/b/k", "localhost", {}, ""}), "HeadObject");
  EXPECT_EQ(OpOf({"DELETE", "/b/k?tagging", "localhost", {}, ""}), "DeleteObjectTagging");
  EXPECT_EQ(OpOf({"PUT", "/b?lifecycle", "localhost", {}, ""}), "PutBucketLifecycleConfiguration");
}

TEST(S3RoutingTest, VirtualHostedStyle) {
  Req req{"GET", "/dir/a%20b.txt", "my.bucket.s3.localhost:9000", {}, ""};
  Result<S3Route> r = RouteS3Request(S3Model(), req.View(), Options());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->operation->name, "GetObject");
  EXPECT_EQ(r->bucket, "my.bucket");
  EXPECT_EQ(r->key, "dir/a b.txt");
  EXPECT_TRUE(r->virtual_hosted);

  req = {"GET", "/?list-type=2", "bkt.localhost", {}, ""};
  r = RouteS3Request(S3Model(), req.View(), Options());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->operation->name, "ListObjectsV2");
  EXPECT_EQ(r->bucket, "bkt");

  // A Host that is not one of ours (an IP address) is path style.
  req = {"GET", "/bkt/k", "127.0.0.1:9000", {}, ""};
  r = RouteS3Request(S3Model(), req.View(), Options());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->bucket, "bkt");
  EXPECT_EQ(r->key, "k");
  EXPECT_FALSE(r->virtual_hosted);
  // IPv6 literals and an absent Host are path style.
  req = {"GET", "/bkt/k", "[::1]:9000", {}, ""};
  EXPECT_EQ(RouteS3Request(S3Model(), req.View(), Options())->bucket, "bkt");
  req = {"GET", "/bkt/k", "", {}, ""};
  EXPECT_EQ(RouteS3Request(S3Model(), req.View(), Options())->bucket, "bkt");
  // The longest of our names wins: bucket `b` under s3.example.test, not `b.s3`.
  req = {"GET", "/k", "B.s3.example.test", {}, ""};
  r = RouteS3Request(S3Model(), req.View(), Options());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->bucket, "b");
  EXPECT_EQ(r->key, "k");
  // The server's own name is path style too.
  req = {"GET", "/", "s3.localhost:9000", {}, ""};
  EXPECT_EQ(OpOf(req), "ListBuckets");
}

TEST(S3RoutingTest, KeysAreDecodedAndBounded) {
  Req req{"GET", "/b/a/%2Fb//c%2B+d%E2%82%AC", "localhost", {}, ""};
  Result<S3Route> r = RouteS3Request(S3Model(), req.View(), Options());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->key, "a//b//c++d\xE2\x82\xAC");

  req.target = "/b/" + std::string(1024, 'k');
  EXPECT_TRUE(RouteS3Request(S3Model(), req.View(), Options()).has_value());
  req.target = "/b/" + std::string(1025, 'k');
  EXPECT_EQ(OpOf(req), "error:KeyTooLongError");
  req.target = "/b/a%00b";
  EXPECT_EQ(OpOf(req), "error:InvalidArgument");
  req.target = "/b/a%zz";
  EXPECT_EQ(OpOf(req), "error:InvalidURI");
  req.target = "/b/a%F";
  EXPECT_EQ(OpOf(req), "error:InvalidURI");
  req.target = "/b/%FF%FE";
  EXPECT_EQ(OpOf(req), "error:InvalidURI");
  req.target = "http://x/b";
  EXPECT_EQ(OpOf(req), "error:InvalidURI");
}

TEST(S3RoutingTest, UnknownRouteIsNotImplemented) {
  Req req{"PATCH", "/b/k?foo", "localhost", {}, ""};
  Result<S3Route> r = RouteS3Request(S3Model(), req.View(), Options());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().aws_code, "NotImplemented");
  EXPECT_NE(r.error().message.find("PATCH /{Bucket}/{Key}?foo"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(LookupS3Error("NotImplemented").http_status, 501);
  EXPECT_EQ(OpOf({"POST", "/", "localhost", {}, ""}), "error:NotImplemented");
}

TEST(S3DecodeTest, CreateBucketWithLocationConstraint) {
  Req req{"PUT",
          "/my-bucket",
          "localhost",
          {{"x-amz-acl", "private"}, {"Content-Length", "153"}},
          "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
          "<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"};
  Result<S3Request> r = Decode(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->route.operation->name, "CreateBucket");
  EXPECT_EQ(r->input.DebugString(),
            R"({"ACL":"private","Bucket":"my-bucket",)"
            R"("CreateBucketConfiguration":{"LocationConstraint":"eu-west-1"}})");
  // Without a body (us-east-1) the payload is simply absent.
  req.body.clear();
  r = Decode(req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->input.Find("CreateBucketConfiguration"), nullptr);
  // A canned ACL outside the enum.
  req.headers = {{"x-amz-acl", "everyone"}};
  EXPECT_EQ(ErrorOf(req), "InvalidArgument");
}

TEST(S3DecodeTest, PutObjectHeadersAndMetadata) {
  Req req{"PUT",
          "/b/photos/2026/cat.jpg",
          "localhost",
          {{"Content-Type", "image/jpeg"},
           {"Content-Length", "5"},
           {"Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="},
           {"x-amz-meta-Owner", "  alice "},
           {"X-Amz-Meta-color", "blue"},
           {"x-amz-storage-class", "STANDARD"},
           {"x-amz-tagging", "a=1&b=2"}},
          "hello"};
  Result<S3Request> r = Decode(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->route.operation->name, "PutObject");
  EXPECT_EQ(r->streaming_member, "Body");
  EXPECT_EQ(r->input.Find("Body"), nullptr);
  EXPECT_EQ(r->input.Find("Key")->text(), "photos/2026/cat.jpg");
  EXPECT_EQ(r->input.Find("ContentLength")->number(), 5);
  EXPECT_EQ(r->input.Find("ContentMD5")->text(), "XUFAKrxLKna5cZ2REBfFkg==");
  EXPECT_EQ(r->input.Find("ContentType")->text(), "image/jpeg");
  EXPECT_EQ(r->input.Find("Tagging")->text(), "a=1&b=2");
  EXPECT_EQ(r->input.Find("Metadata")->DebugString(), R"({"owner":"alice","color":"blue"})");

  req.headers = {{"Content-Length", "x"}};
  EXPECT_EQ(ErrorOf(req), "InvalidArgument");
  req.headers = {{"x-amz-storage-class", "CHEAP"}};
  EXPECT_EQ(ErrorOf(req), "InvalidArgument");
}

TEST(S3DecodeTest, GetObjectConditionsAndRange) {
  Req req{"GET",
          "/b/k?versionId=v1&response-content-type=text%2Fplain&partNumber=2",
          "localhost",
          {{"Range", "bytes=0-9"},
           {"If-Match", "\"abc\""},
           {"If-None-Match", "\"def\""},
           {"If-Modified-Since", "Sat, 28 Nov 2026 09:40:44 GMT"},
           {"If-Unmodified-Since", "2026-11-28T09:40:44Z"}},
          ""};
  Result<S3Request> r = Decode(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->route.operation->name, "GetObject");
  EXPECT_EQ(r->input.Find("Range")->text(), "bytes=0-9");
  EXPECT_EQ(r->input.Find("IfMatch")->text(), "\"abc\"");
  EXPECT_EQ(r->input.Find("IfNoneMatch")->text(), "\"def\"");
  std::int64_t want = 0;
  ASSERT_TRUE(ParseIso8601("2026-11-28T09:40:44Z", &want));
  EXPECT_EQ(r->input.Find("IfModifiedSince")->number(), want);
  EXPECT_EQ(r->input.Find("IfUnmodifiedSince")->number(), want);
  EXPECT_EQ(r->input.Find("ResponseContentType")->text(), "text/plain");
  EXPECT_EQ(r->input.Find("VersionId")->text(), "v1");
  EXPECT_EQ(r->input.Find("PartNumber")->number(), 2);
  // RFC 7232: an invalid conditional date is ignored, not an error.
  req.headers = {{"If-Modified-Since", "yesterday"}};
  r = Decode(req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->input.Find("IfModifiedSince"), nullptr);
  req.headers = {{"x-amz-object-lock-retain-until-date", "yesterday"}};
  req.method = "PUT";
  EXPECT_EQ(ErrorOf(req), "InvalidArgument");
}

TEST(S3DecodeTest, ListObjectsV2Parameters) {
  Req req{"GET",
          "/b?list-type=2&prefix=photos%2F2026+x&delimiter=%2F&continuation-token=tok%3D%3D"
          "&max-keys=50&start-after=a&fetch-owner=true&encoding-type=url",
          "localhost",
          {},
          ""};
  Result<S3Request> r = Decode(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->input.DebugString(),
            R"({"Bucket":"b","Delimiter":"/","EncodingType":"url","MaxKeys":50,)"
            R"("Prefix":"photos/2026 x","ContinuationToken":"tok==","FetchOwner":true,)"
            R"("StartAfter":"a"})");
  req.target = "/b?list-type=2&max-keys=many";
  EXPECT_EQ(ErrorOf(req), "InvalidArgument");
  req.target = "/b?list-type=2&max-keys=99999999999";
  EXPECT_EQ(ErrorOf(req), "InvalidArgument");
  req.target = "/b?list-type=2&encoding-type=base64";
  EXPECT_EQ(ErrorOf(req), "InvalidArgument");
  req.target = "/b?list-type=2&prefix=";
  r = Decode(req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->input.Find("Prefix")->text(), "");
}

TEST(S3DecodeTest, DeleteObjectsXml) {
  Req req{"POST",
          "/b?delete",
          "localhost",
          {{"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}},
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>a&amp;b</Key>"
          "</Object><Object><Key>c</Key><VersionId>v</VersionId></Object><Quiet>true</Quiet>"
          "</Delete>"};
  Result<S3Request> r = Decode(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->input.Find("Delete")->DebugString(),
            R"({"Objects":[{"Key":"a&b"},{"Key":"c","VersionId":"v"}],"Quiet":true})");
  EXPECT_EQ(r->input.Find("ContentMD5"), nullptr);  // DeleteObjects has no ContentMD5 member

  // A key of one space survives; numbers and booleans may carry whitespace.
  req.body = "<Delete><Object><Key> </Key></Object><Quiet>\n true </Quiet></Delete>";
  r = Decode(req);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->input.Find("Delete")->DebugString(), R"({"Objects":[{"Key":" "}],"Quiet":true})");
  // An undeclared entity stays text; a second root element is malformed.
  req.body = "<Delete><Object><Key>a</Key></Object></Delete><Delete/>";
  EXPECT_EQ(ErrorOf(req), "MalformedXML");
  req.body = "<Delete><Object><Key>a</Key></Object>";
  EXPECT_EQ(ErrorOf(req), "MalformedXML");
  req.body = "<Remove><Object><Key>a</Key></Object></Remove>";
  EXPECT_EQ(ErrorOf(req), "MalformedXML");
  req.body = "<Delete><Object><VersionId>a</VersionId></Object></Delete>";  // Key required
  EXPECT_EQ(ErrorOf(req), "MalformedXML");
  req.body =
      "<!DOCTYPE Delete [<!ENTITY x \"xxxxxxxx\">]><Delete><Object><Key>&x;</Key></Object>"
      "</Delete>";
  EXPECT_EQ(ErrorOf(req), "MalformedXML");
  req.body = "<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>";
  EXPECT_EQ(ErrorOf(req), "MalformedXML");
  req.body.clear();
  EXPECT_EQ(ErrorOf(req), "MissingRequestBodyError");
  req.body = std::string(kMaxS3XmlBodyBytes + 1, ' ');
  EXPECT_EQ(ErrorOf(req), "MaxMessageLengthExceeded");
}

TEST(S3DecodeTest, MultipartUpload) {
  Req create{"POST", "/b/big.bin?uploads", "localhost", {{"Content-Type", "application/zip"}}, ""};
  Result<S3Request> r = Decode(create);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->route.operation->name, "CreateMultipartUpload");
  EXPECT_EQ(r->input.Find("ContentType")->text(), "application/zip");

  Req part{"PUT",
           "/b/big.bin?partNumber=3&uploadId=UP%2B1",
           "localhost",
           {{"Content-Length", "4"}, {"x-amz-checksum-crc32", "AAAAAA=="}},
           "data"};
  r = Decode(part);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->route.operation->name, "UploadPart");
  EXPECT_EQ(r->streaming_member, "Body");
  EXPECT_EQ(r->input.Find("PartNumber")->number(), 3);
  EXPECT_EQ(r->input.Find("UploadId")->text(), "UP+1");
  EXPECT_EQ(r->input.Find("ChecksumCRC32")->text(), "AAAAAA==");
  part.target = "/b/big.bin?partNumber=three&uploadId=u";
  EXPECT_EQ(ErrorOf(part), "InvalidArgument");

  Req complete{"POST",
               "/b/big.bin?uploadId=u1",
               "localhost",
               {},
               "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
               "<Part><ETag>\"e1\"</ETag><PartNumber>1</PartNumber></Part>"
               "<Part><ETag>\"e2\"</ETag><PartNumber>2</PartNumber>"
               "<ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>"};
  r = Decode(complete);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->route.operation->name, "CompleteMultipartUpload");
  EXPECT_EQ(r->input.Find("MultipartUpload")->DebugString(),
            R"({"Parts":[{"ETag":"\"e1\"","PartNumber":1},)"
            R"({"ETag":"\"e2\"","ChecksumCRC32":"AAAAAA==","PartNumber":2}]})");
  complete.body =
      "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part>"
      "</CompleteMultipartUpload>";
  EXPECT_EQ(ErrorOf(complete), "MalformedXML");

  r = Decode({"DELETE", "/b/big.bin?uploadId=u1", "localhost", {}, ""});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->route.operation->name, "AbortMultipartUpload");
  EXPECT_EQ(r->input.Find("UploadId")->text(), "u1");

  r = Decode(
      {"GET", "/b/big.bin?uploadId=u1&max-parts=10&part-number-marker=2", "localhost", {}, ""});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->route.operation->name, "ListParts");
  EXPECT_EQ(r->input.Find("MaxParts")->number(), 10);
  EXPECT_EQ(r->input.Find("PartNumberMarker")->DebugString(), "2");

  r = Decode({"GET",
              "/b?uploads&prefix=x&key-marker=k&upload-id-marker=u&max-uploads=5",
              "localhost",
              {},
              ""});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->route.operation->name, "ListMultipartUploads");
  EXPECT_EQ(r->input.DebugString(), R"({"Bucket":"b","KeyMarker":"k","MaxUploads":5,"Prefix":"x",)"
                                    R"("UploadIdMarker":"u"})");
}

TEST(S3DecodeTest, BucketPolicyAndPublicAccessBlock) {
  const std::string policy = R"({"Version":"2012-10-17","Statement":[]})";
  Result<S3Request> r =
      Decode({"PUT", "/b?policy", "localhost", {{"Content-MD5", "abc="}}, policy});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->route.operation->name, "PutBucketPolicy");
  EXPECT_EQ(r->input.Find("Policy")->text(), policy);
  EXPECT_EQ(ErrorOf({"PUT", "/b?policy", "localhost", {}, ""}), "MissingRequestBodyError");
  EXPECT_EQ(OpOf({"GET", "/b?policy", "localhost", {}, ""}), "GetBucketPolicy");
  EXPECT_EQ(OpOf({"DELETE", "/b?policy", "localhost", {}, ""}), "DeleteBucketPolicy");

  r = Decode({"PUT",
              "/b?publicAccessBlock",
              "localhost",
              {},
              "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
              "<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls>"
              "<BlockPublicPolicy>TRUE</BlockPublicPolicy>"
              "<RestrictPublicBuckets>false</RestrictPublicBuckets>"
              "</PublicAccessBlockConfiguration>"});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->route.operation->name, "PutPublicAccessBlock");
  EXPECT_EQ(r->input.Find("PublicAccessBlockConfiguration")->DebugString(),
            R"({"BlockPublicAcls":true,"IgnorePublicAcls":false,"BlockPublicPolicy":true,)"
            R"("RestrictPublicBuckets":false})");
  EXPECT_EQ(OpOf({"GET", "/b?publicAccessBlock", "localhost", {}, ""}), "GetPublicAccessBlock");
  EXPECT_EQ(OpOf({"DELETE", "/b?publicAccessBlock", "localhost", {}, ""}),
            "DeletePublicAccessBlock");
}

TEST(S3DecodeTest, ObjectTaggingCopyAndHead) {
  Result<S3Request> r =
      Decode({"PUT",
              "/b/k?tagging&versionId=v",
              "localhost",
              {},
              "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>"
              "<Tag><Key>env</Key><Value>prod</Value></Tag><Tag><Key>t</Key><Value></Value></Tag>"
              "</TagSet></Tagging>"});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->route.operation->name, "PutObjectTagging");
  EXPECT_EQ(r->input.Find("Tagging")->DebugString(),
            R"({"TagSet":[{"Key":"env","Value":"prod"},{"Key":"t","Value":""}]})");
  EXPECT_EQ(r->input.Find("VersionId")->text(), "v");
  EXPECT_EQ(OpOf({"GET", "/b/k?tagging", "localhost", {}, ""}), "GetObjectTagging");

  r = Decode({"PUT",
              "/b/copy",
              "localhost",
              {{"x-amz-copy-source", "src-bucket/a%20b?versionId=1"},
               {"x-amz-metadata-directive", "REPLACE"},
               {"x-amz-copy-source-if-match", "\"e\""}},
              ""});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->route.operation->name, "CopyObject");
  EXPECT_EQ(r->input.Find("CopySource")->text(), "src-bucket/a%20b?versionId=1");
  EXPECT_EQ(r->input.Find("MetadataDirective")->text(), "REPLACE");
  EXPECT_EQ(r->input.Find("CopySourceIfMatch")->text(), "\"e\"");

  r = Decode({"HEAD", "/b/k", "localhost", {{"If-None-Match", "\"e\""}}, ""});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->route.operation->name, "HeadObject");
  EXPECT_EQ(r->input.Find("IfNoneMatch")->text(), "\"e\"");
  r = Decode({"HEAD", "/b", "localhost", {}, ""});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->route.operation->name, "HeadBucket");
}

Value Str(const char* s) {
  return Value::String(s);
}

const Operation& Op(const char* name) {
  const Operation* op = S3Model().FindOperation(name);
  EXPECT_NE(op, nullptr) << name;
  return *op;
}

std::string HeaderOf(const S3Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) {
      return v;
    }
  }
  return "<none>";
}

TEST(S3EncodeTest, ListObjectsV2) {
  Value out = Value::Structure();
  out.Set("IsTruncated", Value::Boolean(true));
  Value contents = Value::List();
  Value object = Value::Structure();
  object.Set("Key", Str("a<b"));
  object.Set("LastModified", Value::TimestampMillis(1764322844000));
  object.Set("ETag", Str("\"e\""));
  object.Set("Size", Value::Integer(5));
  object.Set("StorageClass", Str("STANDARD"));
  contents.Append(object);
  contents.Append(object);
  out.Set("Contents", contents);
  out.Set("Name", Str("b"));
  out.Set("Prefix", Str(""));
  out.Set("MaxKeys", Value::Integer(2));
  Value prefixes = Value::List();
  Value prefix = Value::Structure();
  prefix.Set("Prefix", Str("dir/"));
  prefixes.Append(prefix);
  out.Set("CommonPrefixes", prefixes);
  out.Set("KeyCount", Value::Integer(3));
  out.Set("NextContinuationToken", Str("n"));
  const S3Response r = EncodeS3Response(S3Model(), Op("ListObjectsV2"), out);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/xml");
  const std::string obj =
      "<Contents><Key>a&lt;b</Key><LastModified>2025-11-28T09:40:44Z</LastModified>"
      "<ETag>&quot;e&quot;</ETag><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents>";
  EXPECT_EQ(r.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult "
            "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><IsTruncated>true</IsTruncated>" +
                obj + obj +
                "<Name>b</Name><Prefix></Prefix><MaxKeys>2</MaxKeys><CommonPrefixes><Prefix>dir/"
                "</Prefix></CommonPrefixes><KeyCount>3</KeyCount><NextContinuationToken>n"
                "</NextContinuationToken></ListBucketResult>");
}

TEST(S3EncodeTest, GetObjectHeadersAndStreamingBody) {
  Value out = Value::Structure();
  out.Set("LastModified", Value::TimestampMillis(1764322844000));
  out.Set("ContentLength", Value::Integer(10));
  out.Set("ETag", Str("\"e\""));
  out.Set("ContentType", Str("text/plain"));
  out.Set("ContentRange", Str("bytes 0-9/20"));
  Value meta = Value::Map();
  meta.Set("owner", Str("alice\r\nx-evil: 1"));
  out.Set("Metadata", meta);
  out.Set("TagCount", Value::Integer(2));
  S3Response r = EncodeS3Response(S3Model(), Op("GetObject"), out);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.streaming_body);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(HeaderOf(r, "Last-Modified"), "Fri, 28 Nov 2025 09:40:44 GMT");
  EXPECT_EQ(HeaderOf(r, "Content-Length"), "10");
  EXPECT_EQ(HeaderOf(r, "ETag"), "\"e\"");
  EXPECT_EQ(HeaderOf(r, "x-amz-meta-owner"), "alice  x-evil: 1");
  EXPECT_EQ(HeaderOf(r, "x-amz-tagging-count"), "2");
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/plain");

  out.Set("Body", Value::Blob("0123456789"));
  r = EncodeS3Response(S3Model(), Op("GetObject"), out);
  EXPECT_FALSE(r.streaming_body);
  EXPECT_EQ(r.body, "0123456789");

  r = EncodeS3Response(S3Model(), Op("HeadObject"), out, /*head=*/true);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(HeaderOf(r, "Content-Length"), "10");
}

TEST(S3EncodeTest, PayloadsStatusAndRoots) {
  Value status = Value::Structure();
  Value ps = Value::Structure();
  ps.Set("IsPublic", Value::Boolean(true));
  status.Set("PolicyStatus", ps);
  S3Response r = EncodeS3Response(S3Model(), Op("GetBucketPolicyStatus"), status);
  EXPECT_EQ(r.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PolicyStatus "
            "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><IsPublic>true</IsPublic>"
            "</PolicyStatus>");

  Value policy = Value::Structure();
  policy.Set("Policy", Str(R"({"Version":"2012-10-17"})"));
  r = EncodeS3Response(S3Model(), Op("GetBucketPolicy"), policy);
  EXPECT_EQ(r.body, R"({"Version":"2012-10-17"})");

  Value location = Value::Structure();
  location.Set("LocationConstraint", Str("eu-west-1"));
  r = EncodeS3Response(S3Model(), Op("GetBucketLocation"), location);
  EXPECT_EQ(r.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint "
            "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">eu-west-1</LocationConstraint>");

  r = EncodeS3Response(S3Model(), Op("DeleteObject"), Value::Structure());
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());

  Value created = Value::Structure();
  created.Set("Location", Str("/b"));
  r = EncodeS3Response(S3Model(), Op("CreateBucket"), created);
  EXPECT_EQ(HeaderOf(r, "Location"), "/b");
  EXPECT_TRUE(r.body.empty());

  Value copy = Value::Structure();
  Value result = Value::Structure();
  result.Set("ETag", Str("\"e\""));
  result.Set("LastModified", Value::TimestampMillis(1764322844123));
  copy.Set("CopyObjectResult", result);
  r = EncodeS3Response(S3Model(), Op("CopyObject"), copy);
  EXPECT_EQ(r.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyObjectResult "
            "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><ETag>&quot;e&quot;</ETag>"
            "<LastModified>2025-11-28T09:40:44.123Z</LastModified></CopyObjectResult>");

  EXPECT_EQ(S3OutputRootElement(Op("CreateMultipartUpload")), "InitiateMultipartUploadResult");
  EXPECT_EQ(S3OutputRootElement(Op("ListBuckets")), "ListAllMyBucketsResult");
  EXPECT_EQ(S3OutputRootElement(Op("GetObjectTagging")), "Tagging");
}

TEST(S3ErrorsTest, TableAndBody) {
  EXPECT_EQ(LookupS3Error("NoSuchBucket").http_status, 404);
  EXPECT_EQ(LookupS3Error("NoSuchKey").http_status, 404);
  EXPECT_EQ(LookupS3Error("AccessDenied").http_status, 403);
  EXPECT_EQ(LookupS3Error("BucketAlreadyOwnedByYou").http_status, 409);
  EXPECT_EQ(LookupS3Error("BucketNotEmpty").http_status, 409);
  EXPECT_EQ(LookupS3Error("InvalidBucketName").http_status, 400);
  EXPECT_EQ(LookupS3Error("PreconditionFailed").http_status, 412);
  EXPECT_EQ(LookupS3Error("NotModified").http_status, 304);
  EXPECT_EQ(LookupS3Error("InvalidRange").http_status, 416);
  EXPECT_EQ(LookupS3Error("SignatureDoesNotMatch").http_status, 403);
  EXPECT_EQ(LookupS3Error("MethodNotAllowed").http_status, 405);
  EXPECT_EQ(LookupS3Error("SomethingElse").http_status, 400);

  S3ErrorResponse e = EncodeS3Error("NoSuchKey", "", "/b/k<", "REQ1");
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
            "<Message>The specified key does not exist.</Message><Resource>/b/k&lt;</Resource>"
            "<RequestId>REQ1</RequestId></Error>");
  e = EncodeS3Error("NoSuchKey", "", "/b/k", "REQ1", /*head=*/true);
  EXPECT_EQ(e.http_status, 404);
  EXPECT_TRUE(e.body.empty());
  e = EncodeS3Error("NotModified", "", "/b/k", "REQ1");
  EXPECT_EQ(e.http_status, 304);
  EXPECT_TRUE(e.body.empty());

  const Error denied{ErrorCode::kPermissionDenied, "Access Denied", std::nullopt, {}, {}};
  e = EncodeS3Error(denied, "/b", "R");
  EXPECT_EQ(e.http_status, 403);
  EXPECT_NE(e.body.find("<Code>AccessDenied</Code>"), std::string::npos);
  const Error made = MakeS3Error("NoSuchBucket", "The specified bucket does not exist");
  EXPECT_EQ(made.code, ErrorCode::kNotFound);
  EXPECT_EQ(S3ErrorCodeOf(made), "NoSuchBucket");
  // NotImplemented is an answer to the client, not an internal fault (S3Service hides the
  // detail of kInternal errors behind InternalError 500).
  EXPECT_NE(MakeS3Error("NotImplemented", "no").code, ErrorCode::kInternal);
  EXPECT_EQ(MakeS3Error("InternalError", "").code, ErrorCode::kInternal);
  EXPECT_EQ(MakeS3Error("ServiceUnavailable", "").code, ErrorCode::kUnavailable);
}

TEST(S3HttpDateTest, RoundTrip) {
  std::int64_t t = 0;
  ASSERT_TRUE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT", &t));
  EXPECT_EQ(t, 784111777000);
  EXPECT_EQ(FormatHttpDate(t), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 UTC", &t));
  EXPECT_FALSE(ParseHttpDate("Sun, 31 Feb 1994 08:49:37 GMT", &t));
  EXPECT_FALSE(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", &t));
}

}  // namespace
}  // namespace portcullis::api::protocol
