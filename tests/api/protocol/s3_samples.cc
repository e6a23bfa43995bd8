// The C++ half of parse_s3_with_botocore.py, the cross-check of the S3 codec against
// botocore's RestXMLSerializer and RestXMLParser:
//  - `s3_samples encode` writes sample responses as JSON lines: {"operation", "status",
//    "headers": [[name, value]...], "body_b64", "streaming", "expected"} where `expected`
//    is the encoded Value as JSON (timestamps {"$ts": ISO 8601}, blobs {"$b64": ...});
//    error samples carry "operation": null and "error": {code, message, request_id}.
//  - `s3_samples decode` reads requests as JSON lines {"id", "method", "target", "host",
//    "headers", "body_b64"} on stdin and writes {"id", "operation", "input",
//    "streaming_member"} or {"id", "error": code, "message"} per line.
#include <cstdio>
#include <exception>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/protocol/query_codec.h"
#include "api/protocol/s3_codec.h"
#include "api/protocol/s3_errors.h"
#include "api/protocol/service_model.h"

namespace {

namespace protocol = portcullis::api::protocol;
using protocol::Value;
using Json = nlohmann::ordered_json;

Json ToJson(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kStructure:
    case Value::Kind::kMap: {
      Json out = Json::object();
      for (std::size_t i = 0; i < v.names().size(); ++i) {
        out[v.names()[i]] = ToJson(v.children()[i]);
      }
      return out;
    }
    case Value::Kind::kList: {
      Json out = Json::array();
      for (const Value& item : v.children()) {
        out.push_back(ToJson(item));
      }
      return out;
    }
    case Value::Kind::kString:
      return v.text();
    case Value::Kind::kInteger:
      return v.number();
    case Value::Kind::kBoolean:
      return v.boolean();
    case Value::Kind::kTimestamp:
      return Json{{"$ts", protocol::FormatIso8601(v.number())}};
    case Value::Kind::kBlob:
      return Json{{"$b64", protocol::Base64Encode(v.text())}};
  }
  return nullptr;
}

Value Str(const char* s) {
  return Value::String(s);
}

Value Owner() {
  Value owner = Value::Structure();
  owner.Set("DisplayName", Str("alice"));
  owner.Set("ID", Str("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"));
  return owner;
}

constexpr std::int64_t kTime = 1764322844000;

bool Emit(const char* op_name, const Value& output, bool head = false) {
  const protocol::Operation* op = protocol::S3Model().FindOperation(op_name);
  if (op == nullptr) {
    std::fprintf(stderr, "no operation %s\n", op_name);
    return false;
  }
  const protocol::S3Response r = protocol::EncodeS3Response(protocol::S3Model(), *op, output, head);
  Json headers = Json::array();
  for (const auto& [name, value] : r.headers) {
    headers.push_back({name, value});
  }
  Json line = {{"operation", op_name},
               {"status", r.status},
               {"headers", headers},
               {"body_b64", protocol::Base64Encode(r.body)},
               {"streaming", r.streaming_body},
               {"expected", ToJson(output)}};
  std::printf("%s\n", line.dump().c_str());
  return true;
}

void EmitError(const char* code, const char* message, bool head) {
  const protocol::S3ErrorResponse e =
      protocol::EncodeS3Error(code, message, "/bucket/key", "4442587FB7D0A2F9", head);
  Json line = {{"operation", nullptr},
               {"status", e.http_status},
               {"headers", Json::array()},
               {"body_b64", protocol::Base64Encode(e.body)},
               {"streaming", false},
               {"head", head},
               {"error", {{"code", code}, {"message", message}}}};
  std::printf("%s\n", line.dump().c_str());
}

bool EmitBucketAndObjectSamples() {
  Value list_buckets = Value::Structure();
  Value buckets = Value::List();
  for (const char* name : {"alpha", "beta"}) {
    Value b = Value::Structure();
    b.Set("Name", Str(name));
    b.Set("CreationDate", Value::TimestampMillis(kTime));
    buckets.Append(b);
  }
  list_buckets.Set("Buckets", buckets);
  list_buckets.Set("Owner", Owner());
  bool ok = Emit("ListBuckets", list_buckets);

  Value list = Value::Structure();
  list.Set("IsTruncated", Value::Boolean(true));
  Value contents = Value::List();
  for (const char* key : {"a <&> b", "photos/\xc3\xa9t\xc3\xa9.jpg"}) {
    Value o = Value::Structure();
    o.Set("Key", Str(key));
    o.Set("LastModified", Value::TimestampMillis(kTime + 123));
    o.Set("ETag", Str("\"d41d8cd98f00b204e9800998ecf8427e\""));
    o.Set("Size", Value::Integer(1234567890123));
    o.Set("StorageClass", Str("STANDARD"));
    o.Set("Owner", Owner());
    contents.Append(o);
  }
  list.Set("Contents", contents);
  list.Set("Name", Str("bucket"));
  list.Set("Prefix", Str("p"));
  list.Set("Delimiter", Str("/"));
  list.Set("MaxKeys", Value::Integer(2));
  Value prefixes = Value::List();
  for (const char* p : {"p/a/", "p/b/"}) {
    Value cp = Value::Structure();
    cp.Set("Prefix", Str(p));
    prefixes.Append(cp);
  }
  list.Set("CommonPrefixes", prefixes);
  list.Set("KeyCount", Value::Integer(4));
  list.Set("ContinuationToken", Str("c1"));
  list.Set("NextContinuationToken", Str("c2"));
  list.Set("StartAfter", Str("a"));
  ok = Emit("ListObjectsV2", list) && ok;

  Value get = Value::Structure();
  get.Set("Body", Value::Blob(std::string("hello\0world", 11)));
  get.Set("AcceptRanges", Str("bytes"));
  get.Set("LastModified", Value::TimestampMillis(kTime));
  get.Set("ContentLength", Value::Integer(11));
  get.Set("ETag", Str("\"e\""));
  get.Set("ContentRange", Str("bytes 0-10/20"));
  get.Set("ContentType", Str("text/plain"));
  Value meta = Value::Map();
  meta.Set("owner", Str("alice"));
  meta.Set("color", Str("blue"));
  get.Set("Metadata", meta);
  get.Set("TagCount", Value::Integer(2));
  get.Set("DeleteMarker", Value::Boolean(false));
  ok = Emit("GetObject", get) && ok;

  Value head = get;
  head.Set("Body", Value::Blob(""));
  Value head_output = Value::Structure();
  for (std::size_t i = 0; i < get.names().size(); ++i) {
    if (get.names()[i] != "Body" && get.names()[i] != "TagCount" &&
        get.names()[i] != "ContentRange") {
      head_output.Set(get.names()[i], get.children()[i]);
    }
  }
  ok = Emit("HeadObject", head_output, /*head=*/true) && ok;

  Value put = Value::Structure();
  put.Set("ETag", Str("\"5d41402abc4b2a76b9719d911017c592\""));
  put.Set("ChecksumCRC32", Str("NhCmhg=="));
  put.Set("VersionId", Str("null"));
  ok = Emit("PutObject", put) && ok;

  Value copy = Value::Structure();
  Value result = Value::Structure();
  result.Set("ETag", Str("\"e\""));
  result.Set("LastModified", Value::TimestampMillis(kTime));
  copy.Set("CopyObjectResult", result);
  copy.Set("CopySourceVersionId", Str("v1"));
  ok = Emit("CopyObject", copy) && ok;

  Value deleted = Value::Structure();
  Value done = Value::List();
  Value d = Value::Structure();
  d.Set("Key", Str("a"));
  done.Append(d);
  deleted.Set("Deleted", done);
  Value errors = Value::List();
  Value e = Value::Structure();
  e.Set("Key", Str("b"));
  e.Set("Code", Str("AccessDenied"));
  e.Set("Message", Str("Access Denied"));
  errors.Append(e);
  deleted.Set("Errors", errors);
  ok = Emit("DeleteObjects", deleted) && ok;
  return ok;
}

bool EmitMultipartAndConfigSamples() {
  Value create = Value::Structure();
  create.Set("Bucket", Str("bucket"));
  create.Set("Key", Str("big.bin"));
  create.Set("UploadId", Str("VXBsb2FkIElE"));
  bool ok = Emit("CreateMultipartUpload", create);

  Value complete = Value::Structure();
  complete.Set("Location", Str("http://localhost/bucket/big.bin"));
  complete.Set("Bucket", Str("bucket"));
  complete.Set("Key", Str("big.bin"));
  complete.Set("ETag", Str("\"3858f62230ac3c915f300c664312c11f-9\""));
  ok = Emit("CompleteMultipartUpload", complete) && ok;

  Value parts = Value::Structure();
  parts.Set("Bucket", Str("bucket"));
  parts.Set("Key", Str("big.bin"));
  parts.Set("UploadId", Str("u"));
  parts.Set("PartNumberMarker", Value::Integer(0));
  parts.Set("NextPartNumberMarker", Value::Integer(2));
  parts.Set("MaxParts", Value::Integer(2));
  parts.Set("IsTruncated", Value::Boolean(true));
  Value list = Value::List();
  for (int n = 1; n <= 2; ++n) {
    Value p = Value::Structure();
    p.Set("PartNumber", Value::Integer(n));
    p.Set("LastModified", Value::TimestampMillis(kTime));
    p.Set("ETag", Str("\"e\""));
    p.Set("Size", Value::Integer(5242880));
    list.Append(p);
  }
  parts.Set("Parts", list);
  parts.Set("Owner", Owner());
  parts.Set("StorageClass", Str("STANDARD"));
  ok = Emit("ListParts", parts) && ok;

  Value uploads = Value::Structure();
  uploads.Set("Bucket", Str("bucket"));
  uploads.Set("KeyMarker", Str(""));
  uploads.Set("MaxUploads", Value::Integer(1000));
  uploads.Set("IsTruncated", Value::Boolean(false));
  Value ul = Value::List();
  Value u = Value::Structure();
  u.Set("UploadId", Str("u"));
  u.Set("Key", Str("big.bin"));
  u.Set("Initiated", Value::TimestampMillis(kTime));
  u.Set("StorageClass", Str("STANDARD"));
  u.Set("Owner", Owner());
  ul.Append(u);
  uploads.Set("Uploads", ul);
  ok = Emit("ListMultipartUploads", uploads) && ok;

  Value tagging = Value::Structure();
  tagging.Set("VersionId", Str("v"));
  Value tags = Value::List();
  Value t = Value::Structure();
  t.Set("Key", Str("env"));
  t.Set("Value", Str("prod & test"));
  tags.Append(t);
  tagging.Set("TagSet", tags);
  ok = Emit("GetObjectTagging", tagging) && ok;

  Value policy = Value::Structure();
  policy.Set("Policy", Str(R"({"Version":"2012-10-17","Statement":[]})"));
  ok = Emit("GetBucketPolicy", policy) && ok;

  Value status = Value::Structure();
  Value ps = Value::Structure();
  ps.Set("IsPublic", Value::Boolean(true));
  status.Set("PolicyStatus", ps);
  ok = Emit("GetBucketPolicyStatus", status) && ok;

  Value pab = Value::Structure();
  Value conf = Value::Structure();
  conf.Set("BlockPublicAcls", Value::Boolean(true));
  conf.Set("IgnorePublicAcls", Value::Boolean(false));
  conf.Set("BlockPublicPolicy", Value::Boolean(true));
  conf.Set("RestrictPublicBuckets", Value::Boolean(false));
  pab.Set("PublicAccessBlockConfiguration", conf);
  ok = Emit("GetPublicAccessBlock", pab) && ok;

  Value acl = Value::Structure();
  acl.Set("Owner", Owner());
  Value grants = Value::List();
  Value grant = Value::Structure();
  Value grantee = Value::Structure();
  grantee.Set("ID", Str("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"));
  grantee.Set("Type", Str("CanonicalUser"));
  grant.Set("Grantee", grantee);
  grant.Set("Permission", Str("FULL_CONTROL"));
  grants.Append(grant);
  acl.Set("Grants", grants);
  ok = Emit("GetBucketAcl", acl) && ok;

  Value location = Value::Structure();
  location.Set("LocationConstraint", Str("eu-west-1"));
  ok = Emit("GetBucketLocation", location) && ok;

  Value created = Value::Structure();
  created.Set("Location", Str("/bucket"));
  ok = Emit("CreateBucket", created) && ok;
  ok = Emit("DeleteObject", Value::Structure()) && ok;
  return ok;
}

int Encode() {
  bool ok = EmitBucketAndObjectSamples();
  ok = EmitMultipartAndConfigSamples() && ok;
  EmitError("NoSuchKey", "The specified key does not exist.", false);
  EmitError("AccessDenied", "Access Denied", false);
  EmitError("BucketAlreadyOwnedByYou", "", false);
  EmitError("NoSuchBucket", "", true);
  return ok ? 0 : 1;
}

int Decode() {
  protocol::S3RouteOptions options;
  options.host_names = {"localhost"};
  std::string line;
  while (std::getline(std::cin, line)) {
    const Json in = Json::parse(line);
    std::string body;
    if (!protocol::Base64Decode(in.at("body_b64").get<std::string>(), &body)) {
      return 1;
    }
    std::vector<std::pair<std::string, std::string>> headers;
    for (const Json& h : in.at("headers")) {
      headers.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
    }
    const std::string method = in.at("method").get<std::string>();
    const std::string target = in.at("target").get<std::string>();
    const std::string host = in.at("host").get<std::string>();
    protocol::S3HttpRequest request;
    request.method = method;
    request.target = target;
    request.host = host;
    for (const auto& [name, value] : headers) {
      request.headers.push_back({name, value});
    }
    request.body = body;
    Json out = {{"id", in.at("id")}};
    auto decoded = protocol::DecodeS3Request(protocol::S3Model(), request, options);
    if (decoded.has_value()) {
      out["operation"] = decoded->route.operation->name;
      out["input"] = ToJson(decoded->input);
      out["streaming_member"] = decoded->streaming_member;
    } else {
      out["error"] = decoded.error().aws_code;
      out["message"] = decoded.error().message;
    }
    std::printf("%s\n", out.dump().c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "encode") {
      return Encode();
    }
    if (mode == "decode") {
      return Decode();
    }
    std::fprintf(stderr, "usage: s3_samples encode|decode\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "s3_samples: %s\n", e.what());
    return 1;
  }
}
