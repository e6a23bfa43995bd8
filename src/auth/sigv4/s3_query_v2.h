// S3's Signature Version 2 query-string authentication: presigned URLs of the form
//   /bucket/key?AWSAccessKeyId=AKID&Signature=<base64, percent-encoded>&Expires=<epoch s>
// as botocore's HmacV1QueryAuth makes them (Debian's boto3 1.29 presigns S3 URLs this way
// unless told signature_version="s3v4"): x-amz-security-token for temporary credentials, and
// any x-amz-*, Content-Type and Content-MD5 header the signer had moved into the query.
// AWS: Amazon S3 API Reference, "Signing and authenticating REST requests (AWS signature
// version 2)", "Query string request authentication alternative".
//
//   StringToSign = VERB \n Content-MD5 \n Content-Type \n Expires \n
//                  CanonicalizedAmzHeaders CanonicalizedResource
//   Signature    = base64(HMAC-SHA1(secret, StringToSign))
//
// Content-MD5 and Content-Type: the request header, else the query parameter of that name
// (lowercase, as botocore moves it). CanonicalizedAmzHeaders: `name:value\n` per x-amz-*
// name, lowercase, sorted, values trimmed and repeats joined with ','; a name's values come
// from the request's headers when it has one of that name, else from the query parameters.
// CanonicalizedResource: the raw (percent-encoded) path as sent, path-style, then
// `?name[=value]&...` for the sub-resource parameters botocore lists (acl, partNumber,
// uploadId, versionId, response-content-type, tagging, ...) and publicAccessBlock and
// policyStatus (operations of their own on a bucket path), sorted by name, values
// percent-decoded. Two more resources botocore signs are accepted, both naming what the
// request does: `/bucket/` for a path of one segment `/bucket` (botocore's auth path of
// bucket operations), and the path followed by `?` and the query's first parameter when
// that is an operation's literal (`/bucket?list-type=2`, `/bucket/key?tagging?tagging`:
// botocore signs the request URI template's query and then the sub-resources again).
// Virtual-hosted-style requests (bucket in the Host) are not verified.
//
// Checks, in order: the three parameters present once each and not empty
// (AuthorizationQueryParametersError), Expires an integer (AuthorizationQueryParametersError)
// and not past (AccessDenied "Request has expired"), the key (InvalidClientTokenId when the
// lookup says it is unknown or inactive; the router answers S3's InvalidAccessKeyId), and
// the signature, compared in constant time (SignatureDoesNotMatch).
//
// Thread-safety: reentrant; the lookup is called at most once, on the calling thread.
#pragma once

#include <chrono>
#include <string_view>

#include "auth/sigv4/verifier.h"
#include "common/error.h"

namespace portcullis::auth::sigv4 {

// Returns whether a raw query string carries a Signature Version 2 parameter
// (AWSAccessKeyId or Signature).
bool HasS3QueryV2Params(std::string_view raw_query);

// Verifies a SigV2 presigned S3 request at time `now`. On success: service "s3",
// presigned, signature_v2, payload_mode kUnsigned, session_token from
// x-amz-security-token, request_time `now`, no region. Errors carry aws_code as above (or
// whatever `lookup` returned).
[[nodiscard]] Result<Authenticated> VerifyS3QueryV2(const HttpRequest& request,
                                                    std::chrono::sys_seconds now,
                                                    const SecretLookupFn& lookup);

}  // namespace portcullis::auth::sigv4
