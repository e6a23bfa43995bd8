// The AWS Query protocol codec, driven by a ServiceModel: decodes an
// application/x-www-form-urlencoded request (POST body or query string) into a typed
// Value for the operation's input shape, validating it as AWS does, and encodes an
// operation's output Value and errors as the XML the AWS SDKs parse.
//
// Wire layout (botocore's QuerySerializer / QueryParser): members by name
// (locationName if given), nested structures as `A.B`, lists as `Name.member.N`
// (flattened: `Name.N`), maps as `Name.entry.N.key` / `.value`, N counting from 1; an
// empty list is sent as `Name=`. See docs/protocol.md for the limits.
//
// Thread-safety: pure functions; the model must outlive the call.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/protocol/aws_errors.h"
#include "api/protocol/service_model.h"
#include "api/protocol/value.h"
#include "common/error.h"

namespace portcullis::api::protocol {

// Limits on untrusted requests.
inline constexpr std::size_t kMaxQueryParameters = 2000;  // key=value pairs
inline constexpr std::size_t kMaxQueryKeyLength = 512;    // bytes, after decoding
inline constexpr std::size_t kMaxQueryKeySegments = 16;   // `.`-separated parts
inline constexpr std::size_t kMaxListIndex = 1000;        // N in `Name.member.N`
inline constexpr int kMaxShapeDepth = 32;                 // nested shapes

struct QueryRequest {
  const Operation* operation = nullptr;  // points into the model
  Value input;                           // a Structure (empty if the op has no input)
};

// Splits a form body into percent-decoded (key, value) pairs in order, '+' as space.
// An invalid escape (`%zz`, a trailing `%`) stays as written. Returns
// ValidationError (kInvalidArgument) past kMaxQueryParameters pairs.
[[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> ParseQueryForm(
    std::string_view form);

// Decodes and validates a Query request. Errors (all kInvalidArgument; aws_code says
// what goes on the wire, the message is AWS's):
//  - MissingAction: no `Action`;
//  - InvalidAction: "Could not find operation X for version V" when the model has no
//    operation X or V is not the model's version (NO_VERSION_SPECIFIED when absent);
//  - ValidationError: "N validation error(s) detected: Value 'v' at 'userName' failed to
//    satisfy constraint: Member must ..." for missing required members ("Value null
//    at ... Member must not be null"), lengths, counts, ranges, patterns, enums, and
//    values that are not numbers, booleans, timestamps or base64; and for requests past
//    the limits above.
// Unknown parameters are ignored; of a repeated key, the last value wins. Invalid UTF-8
// in values is replaced by U+FFFD.
[[nodiscard]] Result<QueryRequest> DecodeQueryRequest(const ServiceModel& model,
                                                      std::string_view form);

// Encodes a successful response: <OpResponse xmlns="..."><OpResult>...</OpResult>
// <ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></OpResponse>.
// Members of `output` that the output shape does not name are not written; a member
// is written in the shape's member order. `output` should be a Structure.
std::string EncodeQueryResponse(const ServiceModel& model, const Operation& operation,
                                const Value& output, std::string_view request_id);

// Encodes IAM/STS's error body: <ErrorResponse xmlns="ns"><Error><Type>Sender</Type>
// <Code>c</Code><Message>m</Message></Error><RequestId>id</RequestId></ErrorResponse>.
std::string EncodeErrorResponse(std::string_view xml_namespace, FaultType type,
                                std::string_view code, std::string_view message,
                                std::string_view request_id);
std::string EncodeErrorResponse(const ServiceModel& model, FaultType type, std::string_view code,
                                std::string_view message, std::string_view request_id);

// An error body and its HTTP status, resolved through aws_errors.h.
struct EncodedError {
  int http_status = 400;
  std::string body;
};

EncodedError EncodeError(const ServiceModel& model, const Error& error,
                         std::string_view request_id);

// Appends `text` to `out` escaped for XML character data and attribute values; invalid
// UTF-8 and characters XML 1.0 cannot carry become U+FFFD; CR is kept as &#xD;.
void AppendXmlEscaped(std::string_view text, std::string* out);

// Base64 (RFC 4648, padded) encode/decode. Decode returns false on bad input.
std::string Base64Encode(std::string_view bytes);
bool Base64Decode(std::string_view text, std::string* bytes);

}  // namespace portcullis::api::protocol
