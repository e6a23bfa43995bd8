// SigV4 canonicalisation: URI encoding, path normalisation, canonical query string,
// canonical header values and the canonical request, following AWS's "Create a canonical
// request" (Signature Version 4 signing process, IAM User Guide) and the S3 exceptions of
// "Signature Calculations for the Authorization Header" (Amazon S3 API Reference).
//
// Pure functions over borrowed inputs; results are owned by the caller. Thread-safe.
// Nothing here fails: malformed percent-escapes are kept as literal bytes (and so encoded
// as `%25`), which can only make a signature not match.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portcullis::auth::sigv4 {

// One HTTP header as received: the name in any case, the value as on the wire (it may
// contain obs-fold line breaks). Both views must outlive the call they are passed to.
struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// Returns `bytes` percent-encoded as SigV4 wants: every byte except the RFC 3986
// unreserved set (A-Z a-z 0-9 - . _ ~) becomes `%XX` with uppercase hex; '/' is kept when
// `keep_slash` (paths) and encoded otherwise (query keys and values).
std::string UriEncode(std::string_view bytes, bool keep_slash);

// Returns `text` with each valid `%XX` escape decoded. '+' stays '+' (SigV4 signers never
// send it for a space); an invalid escape is kept as is.
std::string PercentDecode(std::string_view text);

// Returns the path with dot segments removed (RFC 3986 5.2.4) and empty segments
// ("//") collapsed, as AWS normalises paths for services other than S3. The result starts
// with '/', and ends with '/' when `raw_path` did and any segment remains.
std::string NormalizePath(std::string_view raw_path);

// Returns the canonical URI of a raw request path (what follows the method on the request
// line, before '?'). Services other than S3: the normalised raw path URI-encoded once more
// (AWS: "each path segment must be URI-encoded twice" - the client encoded it once to send
// it). S3 (`s3` true): the path is not normalised; it is decoded and encoded once.
std::string CanonicalUri(std::string_view raw_path, bool s3);

// Returns the query parameters of a raw query string (without '?'), split on '&' and the
// first '=', percent-decoded, in their original order. Empty components are skipped; a
// component without '=' has an empty value.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view raw_query);

// Returns the canonical query string: each name and value decoded, then URI-encoded (with
// '/' encoded), sorted by encoded name then encoded value, joined as `n=v&n=v`. A parameter
// named `X-Amz-Signature` is left out when `presigned` (AWS: the signature is not signed).
std::string CanonicalQuery(std::string_view raw_query, bool presigned);

// Returns a header value trimmed of leading and trailing whitespace with each run of
// inner whitespace (spaces, tabs, obs-fold line breaks) replaced by one space.
std::string CanonicalHeaderValue(std::string_view value);

// Everything the canonical request is made of. Views must outlive the call.
struct CanonicalRequestInput {
  std::string_view method;
  std::string_view raw_path;
  std::string_view raw_query;
  std::span<const HeaderField> headers;
  // As listed in SignedHeaders (lowercase, in the order given there).
  std::span<const std::string> signed_headers;
  // Hex SHA-256 of the payload, or "UNSIGNED-PAYLOAD".
  std::string_view payload_hash;
  bool s3 = false;
  bool presigned = false;
};

// Returns the canonical request:
//   method \n canonical URI \n canonical query \n canonical headers \n signed headers \n hash
// where each signed header contributes `name:value\n`, repeated headers' values joined with
// ',' in the order received; a signed header absent from the request contributes `name:`.
std::string CanonicalRequest(const CanonicalRequestInput& input);

}  // namespace portcullis::auth::sigv4
