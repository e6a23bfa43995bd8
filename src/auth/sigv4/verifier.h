// The SigV4 verifier: given an HTTP request as received, the current time and a way to
// find the secret for an access key id, decides whether the request is signed by that key
// (Authorization header or presigned query string) and returns who signed it, or an Error
// carrying AWS's error code (errors.h: aws_code, HTTP status via HttpStatusForAwsCode) and
// AWS's message.
//
// What is checked, in order: exactly one auth mechanism (else MissingAuthenticationToken
// or IncompleteSignature); the parameters' syntax (IncompleteSignature); the request date
// (X-Amz-Date, or Date when X-Amz-Date is absent) against the credential scope's date and
// the scope's terminator, region and (optionally) service (SignatureDoesNotMatch); 'host'
// is signed; the clock skew (at most 15 minutes either way, SignatureDoesNotMatch with
// AWS's "Signature expired" / "Signature not yet current" messages) or a presigned URL's
// X-Amz-Expires (RequestExpired); the key (InvalidClientTokenId when the lookup says it is
// unknown or inactive); the x-amz-content-sha256 header against the body when both are
// known (XAmzContentSHA256Mismatch for S3, SignatureDoesNotMatch otherwise); and the
// signature, compared in constant time (SignatureDoesNotMatch).
//
// S3 (credential scope service "s3"; payload.h): before the key lookup, x-amz-content-sha256
// is classified - required with the Authorization header (InvalidRequest "Missing required
// header for this request: x-amz-content-sha256"), UNSIGNED-PAYLOAD when a presigned URL
// has none (as botocore's presigner signs it), InvalidArgument for an unknown value. The
// canonical request ends with the literal for UNSIGNED-PAYLOAD and the STREAMING-* modes;
// a hex hash is checked against the body (or, with `body_streamed`, handed back in
// Authenticated::payload_sha256_to_check for the caller to check after reading the body,
// see body_verifier.h). For signed streaming modes Authenticated::streaming carries what
// the aws-chunked decoder (aws_chunked.h) verifies chunk signatures with.
//
// Thread-safety: Verify is reentrant; the lookup callback is called at most once per call,
// on the calling thread. The request's views must stay valid for the duration of the call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4/canonical.h"
#include "auth/sigv4/payload.h"
#include "common/error.h"

namespace portcullis::auth::sigv4 {

// An HTTP request as received, borrowed.
struct HttpRequest {
  std::string_view method;
  // The request target's path as on the request line (still percent-encoded).
  std::string_view raw_path;
  // What follows '?' in the request target (without it); empty when there is none.
  std::string_view raw_query;
  // Every header, in the order received; names in any case; repeated names allowed.
  std::span<const HeaderField> headers;
  // The body, when `payload_hash` is not given.
  std::string_view body;
  // Lowercase hex SHA-256 of the body when the caller already has it (or streams the
  // body); when set, `body` is not hashed or read.
  std::optional<std::string_view> payload_hash;
  // S3 only: the body has not been read yet (the server streams it after authenticating).
  // A hex x-amz-content-sha256 is then signed as declared and returned in
  // Authenticated::payload_sha256_to_check instead of being compared with `body`.
  bool body_streamed = false;
};

enum class KeyStatus : std::uint8_t {
  kNotFound,
  kInactive,
  kActive,
};

// What a secret lookup found. `secret_access_key` is meaningful only for kActive.
struct SecretLookup {
  KeyStatus status = KeyStatus::kNotFound;
  std::string secret_access_key;
};

// Finds the secret for an access key id; `session_token` is the X-Amz-Security-Token the
// request carries, if any (a temporary key's secret comes from its token). An Error it
// returns is passed through unchanged (for instance kUnavailable when the store is down).
using SecretLookupFn = std::function<Result<SecretLookup>(
    std::string_view access_key_id, std::optional<std::string_view> session_token)>;

struct VerifyOptions {
  // AWS allows 15 minutes of clock skew either way.
  std::chrono::seconds max_skew{std::chrono::minutes{15}};
  // When set, the credential scope's service must equal it (e.g. "iam", "sts").
  std::optional<std::string> expected_service;
  // Append the canonical request and string to sign to a SignatureDoesNotMatch message,
  // as AWS's Query services do ("The Canonical String for this request should have
  // been ..."). Off by default: the request's own header values then reach the client.
  bool explain_mismatch = false;
};

// Who signed a request.
struct Authenticated {
  std::string access_key_id;
  std::string region;
  std::string service;
  // From the X-Amz-Security-Token header or query parameter, signed or not.
  std::optional<std::string> session_token;
  // The time the request says it was signed at.
  std::chrono::sys_seconds request_time;
  bool presigned = false;
  // Signed with S3's Signature Version 2 (s3_query_v2.h) rather than SigV4: S3's
  // s3:signatureversion is then "AWS".
  bool signature_v2 = false;
  std::vector<std::string> signed_headers;
  // S3: how x-amz-content-sha256 says the body is signed; kSha256 for other services.
  PayloadMode payload_mode = PayloadMode::kSha256;
  // S3 with HttpRequest::body_streamed and a hex x-amz-content-sha256: the lowercase hex
  // SHA-256 the body must have (XAmzContentSHA256Mismatch otherwise; BodyVerifier checks it).
  std::optional<std::string> payload_sha256_to_check;
  // S3 signed streaming modes: what the chunk and trailer signatures chain from. Holds the
  // request's derived signing key: keep it no longer than the request.
  std::optional<StreamingSigningContext> streaming;
};

// Verifies `request` at time `now`. Returns the signer, or an Error whose aws_code is one
// of errors.h's codes (or whatever `lookup` returned). See the header comment for the
// order of checks.
[[nodiscard]] Result<Authenticated> Verify(const HttpRequest& request, std::chrono::sys_seconds now,
                                           const SecretLookupFn& lookup,
                                           const VerifyOptions& options = {});

}  // namespace portcullis::auth::sigv4
