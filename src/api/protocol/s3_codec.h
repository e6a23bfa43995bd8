// The S3 REST-XML protocol codec, driven by the s3 ServiceModel (S3Model()): finds the
// operation an HTTP request asks for (routing), decodes its input into a typed Value from
// the URI labels, query string, headers and XML body, and encodes an operation's output
// Value as S3 answers (status, headers, XML or raw body). Nothing per operation is
// hand-written: every member's place comes from the model's `location`, `locationName`,
// `payload`, `flattened`, `xmlAttribute`, `xmlNamespace` and `timestampFormat`.
//
// Wire layout follows botocore's RestXMLSerializer / RestXMLParser and the Amazon S3 API
// Reference ("Making requests using the REST API", "Virtual hosting of buckets"):
//  - path-style `/bucket/key` and virtual-hosted-style `bucket.<server host>/key`;
//  - requestUri templates `/{Bucket}/{Key+}?uploads`: the literal query keys of the template
//    and the operation's required querystring/header members select the operation, the
//    most specific match wins (GET /b?list-type=2 is ListObjectsV2, GET /b ListObjects;
//    PUT /b/k with x-amz-copy-source is CopyObject, else PutObject);
//  - header timestamps are RFC 7231 dates unless the shape says otherwise, query and XML
//    timestamps ISO 8601; `headers` maps (x-amz-meta-*) carry the suffix, lowercased.
// Errors of decoding carry an S3 error code in Error::aws_code (s3_errors.h has the
// status of each): NotImplemented (no route), InvalidURI, KeyTooLongError,
// InvalidArgument, MalformedXML, MissingRequestBodyError, InvalidRequest.
//
// Thread-safety: pure functions; the model must outlive the call and every string_view
// of an S3HttpRequest must stay valid for the call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/protocol/service_model.h"
#include "api/protocol/value.h"
#include "common/error.h"

namespace portcullis::api::protocol {

// Limits on untrusted requests.
inline constexpr std::size_t kMaxS3KeyBytes = 1024;         // object key, UTF-8 bytes
inline constexpr std::size_t kMaxS3XmlBodyBytes = 2 << 20;  // XML request bodies
inline constexpr std::size_t kMaxS3QueryParameters = 200;   // key=value pairs
inline constexpr std::size_t kMaxS3HeaderListItems = 100;   // comma-separated header lists
inline constexpr int kMaxS3XmlDepth = 32;                   // element nesting
inline constexpr std::string_view kS3XmlNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";

struct HttpHeaderView {
  std::string_view name;  // any case
  std::string_view value;
};

// A request as the HTTP layer received it.
struct S3HttpRequest {
  std::string_view method;  // "GET"
  std::string_view target;  // raw request-target: "/bucket/a%20b?list-type=2"
  std::string_view host;    // the Host header ("bucket.s3.local:9000"); may be empty
  std::vector<HttpHeaderView> headers;
  // The payload, already de-chunked. For operations with a streaming blob payload
  // (PutObject, UploadPart) the codec never reads it: the caller streams the body.
  std::string_view body;
};

struct S3RouteOptions {
  // The server's own host names ("s3.localhost", "localhost"): a Host of
  // `<bucket>.<name>[:port]` is virtual-hosted style. Any other Host is path style.
  std::vector<std::string> host_names;
};

struct S3Route {
  const Operation* operation = nullptr;  // points into the model
  std::string bucket;                    // decoded; empty for ListBuckets
  std::string key;                       // decoded; empty for bucket operations
  bool virtual_hosted = false;
  // The query parameters, percent-decoded ('+' is a space), in order.
  std::vector<std::pair<std::string, std::string>> query;
};

// Finds the operation. Errors: NotImplemented ("... is not implemented: GET /?foo") when no
// operation matches the method and path shape; InvalidURI when the path is not
// origin-form or holds an invalid escape, NUL or invalid UTF-8; KeyTooLongError past
// kMaxS3KeyBytes; InvalidArgument past kMaxS3QueryParameters. Deprecated operations and
// those needing a host prefix (WriteGetObjectResponse) or S3 Express's control endpoint
// only (ListDirectoryBuckets) are never chosen.
[[nodiscard]] Result<S3Route> RouteS3Request(const ServiceModel& model,
                                             const S3HttpRequest& request,
                                             const S3RouteOptions& options);

struct S3Request {
  S3Route route;
  Value input;  // a Structure of the operation's input shape
  // The name of the streaming blob payload member ("Body") when the operation has one;
  // then `input` does not hold it and the caller reads request.body / the stream.
  std::string streaming_member;
};

// Decodes the input of the routed operation: URI labels, query parameters, headers and
// the body (structure payloads parsed as XML, at most kMaxS3XmlBodyBytes, no DTD; string
// and non-streaming blob payloads taken as they are). Validates required members
// (InvalidArgument / MissingRequestBodyError for an absent XML payload), enums,
// integers, booleans and timestamps (InvalidArgument), and the XML (MalformedXML).
[[nodiscard]] Result<Value> DecodeS3Input(const ServiceModel& model, const S3Route& route,
                                          const S3HttpRequest& request);

// RouteS3Request then DecodeS3Input.
[[nodiscard]] Result<S3Request> DecodeS3Request(const ServiceModel& model,
                                                const S3HttpRequest& request,
                                                const S3RouteOptions& options);

struct S3Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The output's payload is a streaming blob that `output` did not carry: the caller
  // sends the object's bytes as the body.
  bool streaming_body = false;
};

// Encodes a successful response: the status from the operation's http.responseCode
// (default 200); header members as headers (timestamps as RFC 7231 dates, `headers`
// maps with their prefix); the body as the payload member (XML for a structure, the
// text or bytes for a string or blob) or, without a payload, the body members in an
// XML document whose root is S3's element name (ListBucketResult, ...) in
// kS3XmlNamespace. An XML body adds Content-Type: application/xml. With `head` (a HEAD
// request) the body stays empty. Members the shape does not name are not written.
S3Response EncodeS3Response(const ServiceModel& model, const Operation& operation,
                            const Value& output, bool head = false);

// The root element S3 writes for `operation`'s output when the output has no payload
// member (botocore's JSON models drop Smithy's @xmlName): "ListBucketResult" for
// ListObjectsV2, ...; otherwise the output shape's name with "Output" made "Result".
std::string S3OutputRootElement(const Operation& operation);

// Percent-decodes `in`; '+' becomes a space when `plus_is_space`. Returns false on an
// invalid escape.
bool S3PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

// RFC 7231 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the form of S3's date headers.
std::string FormatHttpDate(std::int64_t epoch_millis);
// Parses an IMF-fixdate (also RFC 850 and asctime forms are not accepted). Returns false
// on anything else.
bool ParseHttpDate(std::string_view text, std::int64_t* epoch_millis);

}  // namespace portcullis::api::protocol
