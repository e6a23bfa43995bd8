// Parsers for the two places a SigV4 signature travels: the Authorization header
// (`AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=<64 hex>`) and a presigned query string
// (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
// X-Amz-Signature, X-Amz-Security-Token).
//
// The parsers check syntax only; the verifier (verifier.h) checks the scope against the
// request date, the clock and the signature. Errors carry AWS's code (IncompleteSignature)
// and message (errors.h). Pure functions over borrowed input; results own their strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace portcullis::auth::sigv4 {

// At most this many names in SignedHeaders (a bound for hostile input; SDKs sign a few).
inline constexpr std::size_t kMaxSignedHeaders = 64;
// X-Amz-Expires bounds (AWS: 1 second to 7 days).
inline constexpr std::int64_t kMaxPresignedExpiresSeconds = 604800;

// `AKID/20150830/us-east-1/service/aws4_request`, split.
struct Credential {
  std::string access_key_id;
  std::string date;
  std::string region;
  std::string service;
  std::string terminator;

  // `date/region/service/terminator`.
  std::string Scope() const;
};

struct SignatureParams {
  Credential credential;
  // Verbatim from the request, in its order (SDKs send them lowercase and sorted).
  std::vector<std::string> signed_headers;
  std::string signature;
};

// Splits a credential into its five '/'-separated elements. Errors: kInvalidArgument with
// aws_code IncompleteSignature when there are not exactly five or the key id is empty.
[[nodiscard]] Result<Credential> ParseCredential(std::string_view text);

// Parses an Authorization header value. `has_date` says whether the request carries
// X-Amz-Date or Date: AWS reports a missing date in the same message as missing
// parameters. Errors (aws_code IncompleteSignature): a part without '=', a missing or
// repeated Credential/SignedHeaders/Signature, an algorithm other than AWS4-HMAC-SHA256,
// a malformed credential, more than kMaxSignedHeaders signed headers or an empty name.
[[nodiscard]] Result<SignatureParams> ParseAuthorizationHeader(std::string_view value,
                                                               bool has_date);

struct PresignedParams {
  SignatureParams params;
  std::string amz_date;
  // X-Amz-Expires when given.
  std::optional<std::int64_t> expires_seconds;
  std::optional<std::string> session_token;
  // X-Amz-Content-Sha256 when given (some SDKs presign UNSIGNED-PAYLOAD this way).
  std::optional<std::string> content_sha256;
};

// Returns whether a raw query string carries any presigned-URL parameter (X-Amz-Algorithm,
// X-Amz-Credential or X-Amz-Signature).
bool HasPresignedParams(std::string_view raw_query);

// Parses the presigned-URL parameters of a raw query string (percent-decoded). Errors
// (aws_code IncompleteSignature): a required parameter missing or repeated, another
// algorithm, a malformed credential, date or expiry, too many signed headers.
[[nodiscard]] Result<PresignedParams> ParsePresignedQuery(std::string_view raw_query);

}  // namespace portcullis::auth::sigv4
