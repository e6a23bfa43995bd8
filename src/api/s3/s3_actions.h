// What an S3 operation must be authorized for: the S3 operation (its wire name and the
// facts of the request) -> the list of {action, resource ARN, condition keys} requests that
// must all be allowed before the operation runs.
//
// Follows the Amazon S3 User Guide, "Required permissions for Amazon S3 API operations",
// the S3 API reference's "Permissions" section of each operation, and the Service
// Authorization Reference, "Actions, resources, and condition keys for Amazon S3" (which
// condition keys each action carries). Resource ARNs are `arn:aws:s3:::BUCKET` and
// `arn:aws:s3:::BUCKET/KEY` with the key as stored (not percent-encoded); s3:ListAllMyBuckets
// is asked on `arn:aws:s3:::*`, which both `"Resource": "*"` and the S3 User Guide's
// `"Resource": "arn:aws:s3:::*"` match.
//
// Condition keys filled (only when the request carries the fact):
//   every action    s3:authType ("REST-HEADER", "REST-QUERY-STRING", "POST"),
//                   s3:signatureversion ("AWS4-HMAC-SHA256", "AWS" for Signature
//                   Version 2), s3:signatureAge (ms),
//                   s3:x-amz-content-sha256, s3:TlsVersion (TLS only), s3:ResourceAccount;
//                   none of the signature keys for an anonymous request
//   s3:ListBucket   s3:prefix, s3:delimiter, s3:max-keys (ListObjects, ListObjectsV2)
//   s3:CreateBucket s3:LocationConstraint, s3:x-amz-acl, s3:x-amz-grant-*,
//                   s3:x-amz-object-ownership
//   s3:PutObject    s3:x-amz-acl, s3:x-amz-grant-*, s3:x-amz-server-side-encryption,
//                   s3:x-amz-server-side-encryption-aws-kms-key-id, s3:x-amz-storage-class,
//                   s3:x-amz-website-redirect-location, s3:x-amz-copy-source and
//                   s3:x-amz-metadata-directive (CopyObject), s3:object-lock-*, s3:if-match,
//                   s3:if-none-match, s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys
//                   (x-amz-tagging, or the tags a CopyObject copies)
//   object reads    s3:ExistingObjectTag/<key> (GetObject, HeadObject, the tagging actions,
//                   the copy source) from the tags the caller looked up; AWS does not
//                   support the key on s3:PutObject and s3:DeleteObject, so it is not set
//   *Version*       s3:versionid
// The global aws:* keys are not filled here: the Authorizer adds them (api/authz).
//
// Thread-safety: pure functions. Ownership: inputs are borrowed for the call; results own
// their strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace portcullis::api::s3 {

// How the request proved its identity (s3:authType).
enum class AuthType : std::uint8_t {
  kAnonymous,    // unsigned: no signature keys are set
  kHeader,       // Authorization header (REST-HEADER)
  kQueryString,  // presigned URL (REST-QUERY-STRING)
  kPost,         // browser POST upload with a signed policy (POST)
};

// Tag key -> value, in request order.
using Tags = std::vector<std::pair<std::string, std::string>>;

// Name/value pairs borrowed from the request (decoded query parameters, headers).
using Fields = std::vector<std::pair<std::string_view, std::string_view>>;

// One key of a DeleteObjects request body.
struct ObjectToDelete {
  std::string_view key;
  std::string_view version_id;  // empty: the current version
};

// The facts of one S3 request that authorization depends on. Everything is borrowed for
// the duration of the call.
struct S3RequestFacts {
  std::string_view operation;  // the S3 model's operation name: "PutObject", "ListObjectsV2"
  std::string_view bucket;     // empty for ListBuckets
  std::string_view key;        // the object key as stored (decoded); empty for bucket operations
  Fields query;                // decoded query parameters (prefix, delimiter, versionId, ...)
  Fields headers;              // request headers; names compare ignoring case
  AuthType auth_type = AuthType::kHeader;
  bool signature_v2 = false;     // signed with S3's Signature Version 2 (s3:signatureversion "AWS")
  std::string_view tls_version;  // "1.2", "1.3"; empty when not over TLS
  std::optional<std::int64_t> signature_age_ms;  // s3:signatureAge, when known
  // The account that owns `bucket` (s3:ResourceAccount); for CreateBucket, the caller's.
  std::string_view bucket_owner;
  // The tags of the existing object the operation reads or retags; null when the object
  // does not exist or was not looked up.
  const Tags* existing_object_tags = nullptr;
  // PutObjectTagging: the tag set of the request body.
  const Tags* request_tags = nullptr;
  // DeleteObjects: the keys of the request body.
  std::vector<ObjectToDelete> objects_to_delete;
  // CreateBucket: the body's LocationConstraint (empty: none, us-east-1).
  std::string_view location_constraint;
  // CopyObject and UploadPartCopy: the owner of the source bucket and the source
  // object's tags (null when not looked up).
  std::string_view source_bucket_owner;
  const Tags* source_object_tags = nullptr;
};

// One authorization request. `context` has the shape of api::authz::AuthzRequest::context
// (a key with one value is single-valued, with several multivalued).
struct S3AuthorizationRequest {
  std::string action;        // "s3:GetObject"
  std::string resource_arn;  // "arn:aws:s3:::bucket/key"
  // The bucket whose policy and owner decide, or empty when no bucket policy applies (the
  // resource belongs to the caller's account): ListBuckets, CreateBucket.
  std::string bucket;
  std::vector<std::pair<std::string, std::vector<std::string>>> context;

  // The values of context key `key` (exact name) or nullptr; for tests and logs.
  const std::vector<std::string>* Find(std::string_view key) const;
};

// The requests `facts` needs, in the order they should be checked (all must be allowed).
// Errors: kInvalidArgument with aws_code "InvalidArgument" for a malformed x-amz-tagging
// or x-amz-copy-source header (AWS's messages); kInvalidArgument with aws_code
// "NotImplemented" for an operation not in the table.
[[nodiscard]] Result<std::vector<S3AuthorizationRequest>> AuthorizationRequestsFor(
    const S3RequestFacts& facts);

// The operation names AuthorizationRequestsFor knows, sorted.
std::vector<std::string_view> KnownOperations();

// "arn:aws:s3:::bucket" and "arn:aws:s3:::bucket/key".
std::string BucketArn(std::string_view bucket);
std::string ObjectArn(std::string_view bucket, std::string_view key);

// Parses the x-amz-tagging header: URL query parameters "k1=v1&k2=v2", percent-encoded,
// '+' for a space; a key without '=' has an empty value. Errors: kInvalidArgument,
// aws_code "InvalidArgument", AWS's message, for bad escapes, an empty or duplicate key.
[[nodiscard]] Result<Tags> ParseTaggingHeader(std::string_view header);

// The x-amz-copy-source header, decoded.
struct CopySource {
  std::string bucket;
  std::string key;
  std::string version_id;  // empty: the current version
};

// Parses x-amz-copy-source: "[/]bucket/key[?versionId=ID]", percent-encoded. Errors:
// kInvalidArgument, aws_code "InvalidArgument", "Copy Source must mention the source bucket
// and key: sourcebucket/sourcekey" (AWS's message), for an empty bucket or key, a bad
// escape or an access point ARN.
[[nodiscard]] Result<CopySource> ParseCopySource(std::string_view header);

}  // namespace portcullis::api::s3
