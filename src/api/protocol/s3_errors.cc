#include "api/protocol/s3_errors.h"

#include <algorithm>
#include <array>

#include "api/protocol/query_codec.h"

namespace portcullis::api::protocol {

namespace {

// AWS: Amazon S3 API Reference, "List of error codes" (status and description), plus
// the checksum and Block Public Access codes of the operations' pages. Sorted by code.
constexpr std::array<S3ErrorInfo, 70> kS3Errors = {{
    {"AccessDenied", 403, "Access Denied"},
    {"AccountProblem", 403,
     "There is a problem with your AWS account that prevents the action from completing "
     "successfully."},
    {"AllAccessDisabled", 403, "All access to this Amazon S3 resource has been disabled."},
    {"AuthorizationHeaderMalformed", 400, "The authorization header you provided is invalid."},
    {"AuthorizationQueryParametersError", 400,
     "The authorization query parameters you provided are invalid."},
    {"BadDigest", 400, "The Content-MD5 you specified did not match what we received."},
    {"BucketAlreadyExists", 409,
     "The requested bucket name is not available. The bucket namespace is shared by all "
     "users of the system. Please select a different name and try again."},
    {"BucketAlreadyOwnedByYou", 409,
     "Your previous request to create the named bucket succeeded and you already own it."},
    {"BucketNotEmpty", 409, "The bucket you tried to delete is not empty"},
    {"ConditionalRequestConflict", 409,
     "A conflicting operation occurred. If using PutObject you can retry the request. If "
     "using multipart upload you should initiate another CreateMultipartUpload request and "
     "re-upload each part."},
    {"EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed object size."},
    {"EntityTooSmall", 400,
     "Your proposed upload is smaller than the minimum allowed object size."},
    {"ExpiredToken", 400, "The provided token has expired."},
    {"IllegalLocationConstraintException", 400,
     "The unspecified location constraint is incompatible for the region specific endpoint "
     "this request was sent to."},
    {"IncompleteBody", 400,
     "You did not provide the number of bytes specified by the Content-Length HTTP header."},
    {"InternalError", 500, "We encountered an internal error. Please try again."},
    {"InvalidAccessKeyId", 403,
     "The AWS Access Key Id you provided does not exist in our records."},
    {"InvalidArgument", 400, "Invalid Argument"},
    {"InvalidBucketName", 400, "The specified bucket is not valid."},
    {"InvalidBucketState", 409, "The request is not valid with the current state of the bucket."},
    {"InvalidDigest", 400, "The Content-MD5 you specified is not valid."},
    {"InvalidLocationConstraint", 400, "The specified location constraint is not valid."},
    {"InvalidObjectState", 403, "The operation is not valid for the current state of the object."},
    {"InvalidPart", 400,
     "One or more of the specified parts could not be found.  The part may not have been "
     "uploaded, or the specified entity tag may not match the part's entity tag."},
    {"InvalidPartOrder", 400,
     "The list of parts was not in ascending order. Parts must be ordered by part number."},
    {"InvalidPolicyDocument", 400,
     "The content of the form does not meet the conditions specified in the policy "
     "document."},
    {"InvalidRange", 416, "The requested range is not satisfiable"},
    {"InvalidRequest", 400, "Invalid Request"},
    {"InvalidSecurity", 403, "The provided security credentials are not valid."},
    {"InvalidStorageClass", 400, "The storage class you specified is not valid."},
    {"InvalidTag", 400, "The tag provided was not a valid tag."},
    {"InvalidToken", 400, "The provided token is malformed or otherwise invalid."},
    {"InvalidURI", 400, "Couldn't parse the specified URI."},
    {"KeyTooLongError", 400, "Your key is too long"},
    {"MalformedACLError", 400,
     "The XML you provided was not well-formed or did not validate against our published "
     "schema."},
    {"MalformedPolicy", 400, "Policies must be valid JSON and the first byte must be '{'"},
    {"MalformedXML", 400,
     "The XML you provided was not well-formed or did not validate against our published "
     "schema."},
    {"MaxMessageLengthExceeded", 400, "Your request was too big."},
    {"MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size."},
    {"MethodNotAllowed", 405, "The specified method is not allowed against this resource."},
    {"MissingContentLength", 411, "You must provide the Content-Length HTTP header."},
    {"MissingRequestBodyError", 400, "Request Body is empty"},
    {"MissingSecurityHeader", 400, "Your request is missing a required header."},
    {"NoSuchBucket", 404, "The specified bucket does not exist"},
    {"NoSuchBucketPolicy", 404, "The bucket policy does not exist"},
    {"NoSuchCORSConfiguration", 404, "The CORS configuration does not exist"},
    {"NoSuchKey", 404, "The specified key does not exist."},
    {"NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist."},
    {"NoSuchPublicAccessBlockConfiguration", 404,
     "The public access block configuration was not found"},
    {"NoSuchTagSet", 404, "The TagSet does not exist"},
    {"NoSuchUpload", 404,
     "The specified upload does not exist. The upload ID may be invalid, or the upload may "
     "have been aborted or completed."},
    {"NoSuchVersion", 404,
     "The version ID specified in the request does not match an existing version."},
    {"NoSuchWebsiteConfiguration", 404,
     "The specified bucket does not have a website configuration"},
    {"NotImplemented", 501, "A header you provided implies functionality that is not implemented."},
    {"NotModified", 304, "Not Modified"},
    {"OperationAborted", 409,
     "A conflicting conditional operation is currently in progress against this resource. "
     "Try again."},
    {"OwnershipControlsNotFoundError", 404, "The bucket ownership controls were not found"},
    {"PermanentRedirect", 301,
     "The bucket you are attempting to access must be addressed using the specified "
     "endpoint. Please send all future requests to this endpoint."},
    {"PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold"},
    {"RequestTimeTooSkewed", 403,
     "The difference between the request time and the current time is too large."},
    {"RequestTimeout", 400,
     "Your socket connection to the server was not read from or written to within the "
     "timeout period."},
    {"ServerSideEncryptionConfigurationNotFoundError", 404,
     "The server side encryption configuration was not found"},
    {"ServiceUnavailable", 503, "Please reduce your request rate."},
    {"SignatureDoesNotMatch", 403,
     "The request signature we calculated does not match the signature you provided. Check "
     "your key and signing method."},
    {"SlowDown", 503, "Please reduce your request rate."},
    {"TemporaryRedirect", 307, "Please re-send this request to the specified temporary endpoint."},
    {"TooManyBuckets", 400, "You have attempted to create more buckets than allowed."},
    {"UnexpectedContent", 400, "This request does not support content."},
    {"UnresolvableGrantByEmailAddress", 400,
     "The email address you provided does not match any account on record."},
    {"XAmzContentSHA256Mismatch", 400,
     "The provided 'x-amz-content-sha256' header does not match what was computed."},
}};

void AppendElement(std::string_view name, std::string_view text, std::string* out) {
  out->push_back('<');
  out->append(name);
  out->push_back('>');
  AppendXmlEscaped(text, out);
  out->append("</");
  out->append(name);
  out->push_back('>');
}

}  // namespace

S3ErrorInfo LookupS3Error(std::string_view code) {
  const auto it =
      std::lower_bound(kS3Errors.begin(), kS3Errors.end(), code,
                       [](const S3ErrorInfo& e, std::string_view c) { return e.code < c; });
  if (it != kS3Errors.end() && it->code == code) {
    return *it;
  }
  return {code, 400, ""};
}

std::string_view S3ErrorCodeOf(const Error& error) {
  if (!error.aws_code.empty()) {
    return error.aws_code;
  }
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case ErrorCode::kNotFound:
      return "NoSuchKey";
    case ErrorCode::kAlreadyExists:
      return "BucketAlreadyExists";
    case ErrorCode::kFailedPrecondition:
      return "PreconditionFailed";
    case ErrorCode::kAborted:
      return "OperationAborted";
    case ErrorCode::kResourceExhausted:
      return "SlowDown";
    case ErrorCode::kUnauthenticated:
      return "InvalidAccessKeyId";
    case ErrorCode::kPermissionDenied:
      return "AccessDenied";
    case ErrorCode::kUnavailable:
      return "ServiceUnavailable";
    case ErrorCode::kInternal:
      return "InternalError";
  }
  return "InternalError";
}

S3ErrorResponse EncodeS3Error(std::string_view code, std::string_view message,
                              std::string_view resource, std::string_view request_id, bool head,
                              const std::vector<std::pair<std::string, std::string>>& extra) {
  const S3ErrorInfo info = LookupS3Error(code);
  S3ErrorResponse out;
  out.http_status = info.http_status;
  // AWS: HEAD responses and 304 carry no body.
  if (head || info.http_status == 304) {
    return out;
  }
  out.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>";
  AppendElement("Code", code, &out.body);
  AppendElement("Message", message.empty() ? info.message : message, &out.body);
  for (const auto& [name, text] : extra) {
    AppendElement(name, text, &out.body);
  }
  if (!resource.empty()) {
    AppendElement("Resource", resource, &out.body);
  }
  if (!request_id.empty()) {
    AppendElement("RequestId", request_id, &out.body);
  }
  out.body += "</Error>";
  return out;
}

S3ErrorResponse EncodeS3Error(const Error& error, std::string_view resource,
                              std::string_view request_id, bool head) {
  return EncodeS3Error(S3ErrorCodeOf(error), error.message, resource, request_id, head);
}

Error MakeS3Error(std::string_view code, std::string message) {
  const int status = LookupS3Error(code).http_status;
  ErrorCode error_code = ErrorCode::kInvalidArgument;
  if (status == 403) {
    error_code = ErrorCode::kPermissionDenied;
  } else if (status == 404) {
    error_code = ErrorCode::kNotFound;
  } else if (status == 409) {
    error_code = ErrorCode::kAlreadyExists;
  } else if (status == 412 || status == 304) {
    error_code = ErrorCode::kFailedPrecondition;
  } else if (status == 503) {
    error_code = ErrorCode::kUnavailable;
  } else if (status >= 500 && code != "NotImplemented") {
    // NotImplemented (501) answers what the client asked for: not a fault whose detail the
    // service hides behind InternalError.
    error_code = ErrorCode::kInternal;
  }
  Error e{error_code, std::move(message), std::nullopt, {}, {}};
  e.aws_code = std::string(code);
  return e;
}

}  // namespace portcullis::api::protocol
