#include "auth/sigv4/errors.h"

#include <array>
#include <utility>

namespace portcullis::auth::sigv4 {
namespace {

struct AwsAuthCode {
  std::string_view code;
  int http_status;
};

constexpr std::array<AwsAuthCode, 17> kCodes = {{
    {kIncompleteSignature, 400},
    {kInvalidClientTokenId, 403},
    {kSignatureDoesNotMatch, 403},
    {kMissingAuthenticationToken, 403},
    {kRequestExpired, 400},
    {kExpiredToken, 403},
    {kXAmzContentSha256Mismatch, 400},
    {kInvalidRequest, 400},
    {kInvalidArgument, 400},
    {kIncompleteBody, 400},
    {kInvalidChunkSizeError, 400},
    {kBadDigest, 400},
    {kInvalidDigest, 400},
    {kMissingContentLength, 411},
    {kMalformedTrailerError, 400},
    {kAccessDenied, 403},
    {kAuthorizationQueryParametersError, 400},
}};

}  // namespace

int HttpStatusForAwsCode(std::string_view aws_code) {
  for (const AwsAuthCode& entry : kCodes) {
    if (entry.code == aws_code) {
      return entry.http_status;
    }
  }
  return 0;
}

Error AuthError(std::string_view aws_code, std::string message) {
  Error error;
  error.code = HttpStatusForAwsCode(aws_code) == 403 ? ErrorCode::kUnauthenticated
                                                     : ErrorCode::kInvalidArgument;
  error.message = std::move(message);
  error.aws_code = std::string(aws_code);
  return error;
}

}  // namespace portcullis::auth::sigv4
