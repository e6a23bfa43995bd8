// S3 payload signing modes and checksum headers: how the x-amz-content-sha256 header of an
// S3 request says its body is signed (Amazon S3 API Reference, "Signature Calculations for
// the Authorization Header" and its "Transferring Payload in Multiple Chunks" and
// "trailing headers" pages), the context chunk and trailer signatures chain from, and the
// x-amz-checksum-* header names and value checks of "Checking object integrity" (Amazon S3
// User Guide).
//
// Errors carry S3's codes (errors.h): InvalidArgument for an unknown x-amz-content-sha256,
// InvalidRequest for a malformed checksum value, BadDigest for a checksum that does not
// match. Pure functions and plain values; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "crypto/checksums.h"
#include "crypto/crypto.h"

namespace portcullis::auth::sigv4 {

inline constexpr std::string_view kStreamingSignedPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingSignedPayloadTrailer =
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedPayloadTrailer =
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
// SigV4a (ECDSA) streaming: recognised, not supported.
inline constexpr std::string_view kStreamingEcdsaPayload =
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingEcdsaPayloadTrailer =
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER";

// The string-to-sign algorithms of chunk and trailer signatures.
inline constexpr std::string_view kChunkAlgorithm = "AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kTrailerAlgorithm = "AWS4-HMAC-SHA256-TRAILER";

// S3 chunks other than the last must carry at least this many bytes (signed streaming).
inline constexpr std::uint64_t kMinChunkSize = 8192;

enum class PayloadMode : std::uint8_t {
  // A hex SHA-256 of the body (or, outside S3, the body's hash itself).
  kSha256,
  // UNSIGNED-PAYLOAD.
  kUnsigned,
  // STREAMING-AWS4-HMAC-SHA256-PAYLOAD: aws-chunked, each chunk signed.
  kStreamingSigned,
  // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: signed chunks and a signed trailer.
  kStreamingSignedTrailer,
  // STREAMING-UNSIGNED-PAYLOAD-TRAILER: aws-chunked without signatures, with a trailer.
  kStreamingUnsignedTrailer,
};

// Whether the body is aws-chunked (Content-Encoding: aws-chunked).
bool IsStreaming(PayloadMode mode);
// Whether chunks carry chunk-signature extensions.
bool HasChunkSignatures(PayloadMode mode);
// Whether the body ends with trailing headers.
bool HasTrailer(PayloadMode mode);

// Classifies an S3 request's x-amz-content-sha256 value. A 64-character lowercase or
// uppercase hex string is kSha256. Errors: InvalidArgument with S3's message listing the
// accepted values for anything else, NotImplemented for the SigV4a (ECDSA) variants.
[[nodiscard]] Result<PayloadMode> ParseS3ContentSha256(std::string_view value);

// What a signed aws-chunked body's signatures chain from: the request's signing key (as
// secret as the access key for its date, region and service: never log it), its
// X-Amz-Date, credential scope, and the request's own (seed) signature.
struct StreamingSigningContext {
  crypto::Sha256Digest signing_key{};
  std::string amz_date;
  std::string scope;
  std::string seed_signature;
};

// The string to sign of one chunk: "AWS4-HMAC-SHA256-PAYLOAD" \n date \n scope \n
// previous signature \n hex(SHA-256("")) \n hex(SHA-256(chunk data)).
std::string ChunkStringToSign(const StreamingSigningContext& context,
                              std::string_view previous_signature,
                              std::string_view chunk_sha256_hex);

// The string to sign of the trailer: "AWS4-HMAC-SHA256-TRAILER" \n date \n scope \n
// previous signature \n hex(SHA-256(canonical trailer)), where the canonical trailer is
// each trailing header but x-amz-trailer-signature as `name:value\n`.
std::string TrailerStringToSign(const StreamingSigningContext& context,
                                std::string_view previous_signature,
                                std::string_view canonical_trailer);

// The checksum algorithm an `x-amz-checksum-<alg>` header or trailer name (any case) names:
// crc32, crc32c, crc64nvme, sha1, sha256. nullopt for any other name.
std::optional<crypto::DigestAlgorithm> ChecksumAlgorithmForHeader(std::string_view name);

// `x-amz-checksum-<alg>` in lowercase.
std::string ChecksumHeaderName(crypto::DigestAlgorithm algorithm);

// Decodes a checksum header's base64 value into the raw digest. Errors: InvalidRequest
// "Value for x-amz-checksum-<alg> header is invalid." (or "trailing header" when `trailer`)
// when it is not base64 of exactly DigestSize bytes.
[[nodiscard]] Result<std::string> DecodeChecksumValue(crypto::DigestAlgorithm algorithm,
                                                      std::string_view base64_value, bool trailer);

// Compares a declared raw digest with the computed one. Errors: BadDigest "The <ALG> you
// specified did not match the calculated checksum." when they differ.
[[nodiscard]] Status CompareChecksum(crypto::DigestAlgorithm algorithm, std::string_view declared,
                                     std::string_view computed);

}  // namespace portcullis::auth::sigv4
