// S3Service: Portcullis's S3-compatible object store behind S3's REST-XML protocol. The
// server authenticates the request (SigV4 header or presigned URL; or none: anonymous) and
// hands it here with its body; the service routes it with the s3 model (api/protocol/
// s3_codec.h), reads the payload (signed, UNSIGNED-PAYLOAD, aws-chunked with chunk
// signatures or a checksum trailer: auth/sigv4/aws_chunked.h, body_verifier.h), decodes the
// input, authorizes every action the operation needs (s3_actions.h) with the caller's
// identity policies and the bucket's policy through the Authorizer (anonymous callers
// against the bucket policy alone: s3_evaluate.h), applies Block Public Access
// (public_access.h), runs the operation on the ObjectStore (objects/object_store.h) and
// encodes S3's answer or S3's XML error.
//
// Operations (docs/compatibility.md, S3 section): buckets (Create, Head, Delete, List,
// GetBucketLocation), objects (Put, Get with Range and conditional headers, Head, Delete,
// DeleteObjects, Copy, ListObjects, ListObjectsV2, object tagging), multipart uploads
// (Create, UploadPart, Complete, Abort, ListParts, ListMultipartUploads), bucket policies
// (Put, Get, Delete, GetBucketPolicyStatus) and bucket-level Block Public Access (Put, Get,
// Delete). Any other operation of the model answers NotImplemented.
//
// AWS behaviours kept (Amazon S3 API Reference, each operation's page):
//  - a missing object answers NoSuchKey only when the caller may s3:ListBucket the bucket,
//    AccessDenied otherwise;
//  - a missing bucket answers NoSuchBucket before authorization (its owner is unknown);
//  - the bucket owner's root user may always manage the bucket policy; another account's
//    identity gets MethodNotAllowed for the three policy operations (bucket_policy.h);
//  - ETags are quoted MD5 hex (multipart: MD5 of the part MD5s, "-N").
//
// Ownership: the ObjectStore, IdentityStore and Authorizer are borrowed and must outlive
// the service. Thread-safety: Handle may run concurrently from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/authz/authorizer.h"
#include "api/request_info.h"
#include "api/s3/bucket_policy.h"
#include "auth/caller.h"
#include "auth/sigv4/canonical.h"
#include "auth/sigv4/verifier.h"
#include "store/identity_store.h"

#include "objects/object_store.h"

namespace portcullis::api::s3 {

struct S3ServiceOptions {
  // Host names of the server ("localhost", "s3.localhost"): `<bucket>.<name>` is
  // virtual-hosted-style addressing.
  std::vector<std::string> host_names = {"localhost", "s3.localhost"};
  // The largest object a single PutObject or UploadPart may carry (EntityTooLarge beyond).
  // AWS: 5 GiB.
  std::uint64_t max_object_bytes = std::uint64_t{5} * 1024 * 1024 * 1024;
};

// One S3 request as the HTTP layer read it. Every view must stay valid for the call.
struct S3Call {
  std::string_view method;  // "GET"
  std::string_view target;  // raw request-target: "/bucket/key?uploads"
  std::string_view host;    // the Host header
  std::span<const auth::sigv4::HeaderField> headers;
  // The body as received (HTTP chunked transfer coding undone; aws-chunked still framed).
  std::string_view body;
  // Who signed; both null for an anonymous request.
  const auth::Caller* caller = nullptr;
  const auth::sigv4::Authenticated* signature = nullptr;
};

// The answer. When `stream` is set the body is read from it (stream_length bytes) instead
// of `body`.
struct S3Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::unique_ptr<objects::ObjectBody> stream;
  std::uint64_t stream_length = 0;
  // For the audit log and metrics: the operation (empty when routing failed), the bucket
  // and key, and the error answered (empty on success).
  std::string operation;
  std::string bucket;
  std::string key;
  std::string error_code;
  std::string error_message;
  // For an internal error: what happened, for the server's log only (never sent).
  std::string internal_detail;
};

class S3Service {
 public:
  S3Service(objects::ObjectStore& objects, store::IdentityStore& identities,
            authz::Authorizer& authorizer, S3ServiceOptions options = {});
  ~S3Service();
  S3Service(const S3Service&) = delete;
  S3Service& operator=(const S3Service&) = delete;
  S3Service(S3Service&&) = delete;
  S3Service& operator=(S3Service&&) = delete;

  S3Reply Handle(const S3Call& call, const RequestInfo& info);

  // Builds the S3 XML error reply for an Error that happened before Handle (authentication).
  static S3Reply ErrorReply(const Error& error, std::string_view resource,
                            std::string_view request_id, bool head);

  const S3ServiceOptions& options() const { return options_; }

  // Whether the service answers S3 operation `operation` (the model's name).
  static bool Implements(std::string_view operation);

  struct Request;  // s3_service.cc: one request's state

 private:
  // The compiled policy of `bucket` when its text is `text` (cached per bucket).
  Result<std::shared_ptr<const BucketPolicy>> CompiledPolicy(std::string_view bucket,
                                                             std::string_view text);

  objects::ObjectStore& objects_;
  store::IdentityStore& identities_;
  authz::Authorizer& authorizer_;
  S3ServiceOptions options_;
  std::mutex policy_mutex_;
  std::map<std::string, std::shared_ptr<const BucketPolicy>, std::less<>> policies_;

  friend struct Request;
};

// The canonical user id S3 shows as an account's Owner ID: 64 hex digits derived from the
// account id (stable; Portcullis keeps no ACL grants).
std::string CanonicalUserId(std::string_view account_id);

}  // namespace portcullis::api::s3
