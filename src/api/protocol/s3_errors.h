// S3's error responses: the one table from S3 error codes to their HTTP status and
// default message, and the XML body S3 answers errors with:
//   <?xml version="1.0" encoding="UTF-8"?>
//   <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>
//   <Resource>/bucket/key</Resource><RequestId>id</RequestId></Error>
// (no namespace, unlike the Query protocol's ErrorResponse). HEAD responses carry no body.
//
// AWS: Amazon S3 API Reference, "Error responses" / "List of error codes".
// Thread-safety: pure functions over static data.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace portcullis::api::protocol {

struct S3ErrorInfo {
  std::string_view code;
  int http_status = 400;
  std::string_view message;  // S3's usual message
};

// The table entry of `code`; an unknown code answers 400 with an empty message, except
// that a code of an s3 model exception shape is looked up in the model by the caller.
S3ErrorInfo LookupS3Error(std::string_view code);

// The S3 code an Error answers with: its aws_code when set, else the code of its
// ErrorCode (kInvalidArgument -> InvalidArgument, kNotFound -> NoSuchKey,
// kAlreadyExists -> BucketAlreadyExists, kFailedPrecondition -> PreconditionFailed,
// kAborted -> OperationAborted, kResourceExhausted -> SlowDown, kUnauthenticated ->
// InvalidAccessKeyId, kPermissionDenied -> AccessDenied, kUnavailable ->
// ServiceUnavailable, kInternal -> InternalError).
std::string_view S3ErrorCodeOf(const Error& error);

struct S3ErrorResponse {
  int http_status = 400;
  std::string body;  // empty for HEAD and for 304 Not Modified
};

// Encodes an error. An empty `message` takes the table's message. `extra` elements
// (BucketName, Key, Condition, ...) go after Message, in order. `resource` and
// `request_id` are written when not empty.
S3ErrorResponse EncodeS3Error(std::string_view code, std::string_view message,
                              std::string_view resource, std::string_view request_id,
                              bool head = false,
                              const std::vector<std::pair<std::string, std::string>>& extra = {});

// The same for an Error (S3ErrorCodeOf, its message).
S3ErrorResponse EncodeS3Error(const Error& error, std::string_view resource,
                              std::string_view request_id, bool head = false);

// An Error carrying S3 code `code` (kInvalidArgument unless the code's status says
// otherwise: 403 -> kPermissionDenied, 404 -> kNotFound, 409 -> kAlreadyExists,
// 412 -> kFailedPrecondition, 5xx -> kInternal).
Error MakeS3Error(std::string_view code, std::string message);

}  // namespace portcullis::api::protocol
