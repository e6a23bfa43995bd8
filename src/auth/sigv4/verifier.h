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
  std::vector<std::string> signed_headers;
};

// Verifies `request` at time `now`. Returns the signer, or an Error whose aws_code is one
// of errors.h's codes (or whatever `lookup` returned). See the header comment for the
// order of checks.
[[nodiscard]] Result<Authenticated> Verify(const HttpRequest& request, std::chrono::sys_seconds now,
                                           const SecretLookupFn& lookup,
                                           const VerifyOptions& options = {});

}  // namespace portcullis::auth::sigv4
