// AWS's authentication error codes as data, with the HTTP status AWS answers them with,
// and builders for the Errors the SigV4 verifier returns.
//
// An Error from this library carries `aws_code` (one of the k* codes below) and, as its
// `message`, AWS's own message text for that case: it is what the Query/XML error body
// says, so unlike internal diagnostics it keeps AWS's capitalisation and punctuation.
// Thread-safe; plain values.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace portcullis::auth::sigv4 {

// AWS: IAM API Reference, "Common Error Types".
inline constexpr std::string_view kIncompleteSignature = "IncompleteSignature";
inline constexpr std::string_view kInvalidClientTokenId = "InvalidClientTokenId";
inline constexpr std::string_view kSignatureDoesNotMatch = "SignatureDoesNotMatch";
inline constexpr std::string_view kMissingAuthenticationToken = "MissingAuthenticationToken";
inline constexpr std::string_view kRequestExpired = "RequestExpired";
inline constexpr std::string_view kExpiredToken = "ExpiredToken";
// AWS: S3 API Reference, "Error Responses" (the payload hash header disagrees with the body).
inline constexpr std::string_view kXAmzContentSha256Mismatch = "XAmzContentSHA256Mismatch";
// AWS: S3 API Reference, "Error Responses": payload and checksum errors (payload.h,
// aws_chunked.h, body_verifier.h).
inline constexpr std::string_view kInvalidRequest = "InvalidRequest";
inline constexpr std::string_view kInvalidArgument = "InvalidArgument";
inline constexpr std::string_view kIncompleteBody = "IncompleteBody";
inline constexpr std::string_view kInvalidChunkSizeError = "InvalidChunkSizeError";
inline constexpr std::string_view kBadDigest = "BadDigest";
inline constexpr std::string_view kInvalidDigest = "InvalidDigest";
inline constexpr std::string_view kMissingContentLength = "MissingContentLength";
inline constexpr std::string_view kMalformedTrailerError = "MalformedTrailerError";
// AWS: S3 API Reference, "Error Responses": S3's Signature Version 2 query-string
// authentication (s3_query_v2.h).
inline constexpr std::string_view kAccessDenied = "AccessDenied";
inline constexpr std::string_view kAuthorizationQueryParametersError =
    "AuthorizationQueryParametersError";

// Returns the HTTP status AWS answers `aws_code` with (400, 403 or 411), or 0 for a code that
// is not one of the above.
int HttpStatusForAwsCode(std::string_view aws_code);

// Returns an Error with `aws_code`, the ErrorCode that matches it (kInvalidArgument for
// 400 codes, kUnauthenticated for 403 ones) and `message` verbatim.
Error AuthError(std::string_view aws_code, std::string message);

// AWS's messages.
inline constexpr std::string_view kSignatureDoesNotMatchMessage =
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details.";
inline constexpr std::string_view kInvalidClientTokenIdMessage =
    "The security token included in the request is invalid.";
inline constexpr std::string_view kMissingAuthenticationTokenMessage =
    "Request is missing Authentication Token";
inline constexpr std::string_view kRequestExpiredMessage = "Request has expired.";
inline constexpr std::string_view kExpiredTokenMessage =
    "The security token included in the request is expired";
inline constexpr std::string_view kIncompleteBodyMessage =
    "You did not provide the number of bytes specified by the Content-Length HTTP header.";
inline constexpr std::string_view kBodyTerminatedMessage =
    "The request body terminated unexpectedly";
inline constexpr std::string_view kMalformedTrailerMessage =
    "The request contained trailing data that was not well-formed or did not conform to our "
    "published schema.";
inline constexpr std::string_view kInvalidChunkSizeMessage =
    "Only the last chunk is allowed to have a size less than 8192 bytes";
inline constexpr std::string_view kBadDigestMessage =
    "The Content-MD5 you specified did not match what we received.";
inline constexpr std::string_view kInvalidDigestMessage =
    "The Content-MD5 you specified is not valid.";
inline constexpr std::string_view kXAmzContentSha256MismatchMessage =
    "The provided 'x-amz-content-sha256' header does not match what was computed.";
inline constexpr std::string_view kMissingContentSha256Message =
    "Missing required header for this request: x-amz-content-sha256";
inline constexpr std::string_view kMissingContentLengthMessage =
    "You must provide the Content-Length HTTP header.";
inline constexpr std::string_view kS3QueryExpiredMessage = "Request has expired";
inline constexpr std::string_view kS3QueryParametersMessage =
    "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
    "parameters";

}  // namespace portcullis::auth::sigv4
