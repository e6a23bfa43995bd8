// An incremental decoder of S3's aws-chunked request bodies (Content-Encoding: aws-chunked),
// as the Amazon S3 API Reference describes them in "Signature Calculations for the
// Authorization Header: Transferring Payload in Multiple Chunks (Chunked Upload)" and
// "Signature calculations for trailing headers (chunked uploads)":
//
//   hex-size[;chunk-signature=<64 hex>] CRLF data CRLF      (repeated, size > 0)
//   0[;chunk-signature=<64 hex>] CRLF                         (the final chunk)
//   *(trailer-name:value CRLF)                                (trailer modes)
//   [x-amz-trailer-signature:<64 hex> CRLF]                   (signed trailer mode)
//   CRLF
//
// Bytes are fed as they arrive, split anywhere; decoded payload bytes go to a sink. In the
// signed modes each chunk's signature is checked when its data ends, chained from the
// request's (seed) signature; the final chunk's and the trailer's signature too. Payload
// bytes reach the sink BEFORE their chunk's signature is checked (nothing is buffered in
// proportion to a chunk's size): the caller must discard what the sink received unless
// Finish() succeeds. The trailer's x-amz-checksum-* (the one x-amz-trailer names) is checked
// against the decoded bytes, and the decoded total against x-amz-decoded-content-length.
//
// Memory: at most kMaxChunkLine bytes of a chunk-size line and kMaxTrailerBytes of trailer
// are buffered; a claimed chunk size only bounds a counter.
//
// Errors (errors.h codes and S3's messages; a detail for logs goes into Error::context):
// malformed framing, a truncated body or bytes after the end -> IncompleteBody "The request
// body terminated unexpectedly"; a decoded total other than x-amz-decoded-content-length ->
// IncompleteBody "You did not provide the number of bytes specified by the Content-Length
// HTTP header."; a non-final chunk under 8192 bytes -> InvalidChunkSizeError; a wrong or
// missing chunk/trailer signature -> SignatureDoesNotMatch; a malformed trailer, a checksum
// trailer other than the announced one or the announced one missing -> MalformedTrailerError;
// a malformed checksum value -> InvalidRequest; a mismatching one -> BadDigest. After an
// error the decoder stays failed and returns the same error.
//
// Thread-safety: one decoder per request, used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4/canonical.h"
#include "auth/sigv4/payload.h"
#include "auth/sigv4/verifier.h"
#include "common/error.h"
#include "crypto/checksums.h"

namespace portcullis::auth::sigv4 {

// A chunk-size line longer than this (with its extension) is malformed.
inline constexpr std::size_t kMaxChunkLine = 256;
// All trailer lines together may not exceed this.
inline constexpr std::size_t kMaxTrailerBytes = 4096;

struct AwsChunkedOptions {
  PayloadMode mode = PayloadMode::kStreamingSigned;
  // Required in the signed modes (Authenticated::streaming).
  std::optional<StreamingSigningContext> signing;
  // x-amz-decoded-content-length; when set the decoded total must equal it.
  std::optional<std::uint64_t> decoded_content_length;
  // The checksum x-amz-trailer announces; the trailer must then carry it.
  std::optional<crypto::DigestAlgorithm> trailer_checksum;
  // Non-final chunks must carry at least this many bytes (S3: 8192, every mode).
  std::uint64_t min_chunk_size = kMinChunkSize;
};

// Builds the options for an authenticated S3 request with a streaming payload mode from
// its headers: x-amz-decoded-content-length (required: MissingContentLength otherwise;
// InvalidArgument when not a decimal number) and x-amz-trailer (required in trailer modes:
// InvalidRequest when missing or not one x-amz-checksum-* name).
[[nodiscard]] Result<AwsChunkedOptions> AwsChunkedOptionsFor(const Authenticated& authenticated,
                                                             std::span<const HeaderField> headers);

// What a complete body held.
struct AwsChunkedResult {
  std::uint64_t decoded_length = 0;
  // The verified trailer checksum, when there was one.
  std::optional<crypto::DigestAlgorithm> checksum_algorithm;
  // Its base64 value as sent (S3 returns it in responses).
  std::string checksum_base64;
};

// Receives decoded payload bytes; an Error it returns stops decoding and is passed on.
using PayloadSink = std::function<Status(std::string_view bytes)>;

class AwsChunkedDecoder {
 public:
  // Errors: kInvalidArgument (no aws_code) when a signed mode lacks `signing` or the mode is
  // not a streaming one - a caller bug, not a client error.
  [[nodiscard]] static Result<AwsChunkedDecoder> Create(AwsChunkedOptions options);

  // Decodes `bytes`, the next part of the body, sending payload bytes to `sink`.
  [[nodiscard]] Status Feed(std::string_view bytes, const PayloadSink& sink);

  // Whether the final CRLF was seen (the body is complete).
  bool done() const { return state_ == State::kDone; }

  // Ends the body: IncompleteBody when it is not complete; the decoded total and trailer
  // checksum otherwise.
  [[nodiscard]] Result<AwsChunkedResult> Finish();

 private:
  enum class State : std::uint8_t {
    kSizeLine,
    kData,
    kDataCr,
    kDataLf,
    kTrailerLine,
    kDone,
    kFailed,
  };

  explicit AwsChunkedDecoder(AwsChunkedOptions options);

  Status FailWith(Error error);
  // Each consumes a prefix of `bytes` in the current state.
  Status ConsumeLine(std::string_view& bytes);
  Status ConsumeData(std::string_view& bytes, const PayloadSink& sink);
  Status ConsumeCrlf(std::string_view& bytes);
  Status OnSizeLine();
  Status OnChunkEnd();
  Status OnTrailerLine();
  Status OnTrailerEnd();
  Status CheckSignature(std::string_view string_to_sign, std::string_view claimed);

  AwsChunkedOptions options_;
  State state_ = State::kSizeLine;
  std::optional<Error> error_;
  std::string line_;
  std::uint64_t chunk_remaining_ = 0;
  std::optional<std::uint64_t> previous_chunk_size_;
  std::uint64_t decoded_total_ = 0;
  std::string chunk_signature_;
  std::string previous_signature_;
  std::optional<crypto::PayloadDigest> chunk_hash_;
  std::optional<crypto::PayloadDigest> checksum_;
  std::size_t trailer_bytes_ = 0;
  std::vector<std::pair<std::string, std::string>> trailers_;
  std::optional<std::string> trailer_signature_;
  AwsChunkedResult result_;
};

}  // namespace portcullis::auth::sigv4
