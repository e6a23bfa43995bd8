// Checks an S3 request body's declared digests while the server reads it: Content-MD5
// (RFC 1864; Amazon S3 API Reference, PutObject), one x-amz-checksum-* header ("Checking
// object integrity", Amazon S3 User Guide) and the hex x-amz-content-sha256 the verifier
// left to the caller (Authenticated::payload_sha256_to_check). It always computes the MD5
// S3 uses as a single-part object's ETag.
//
// Feed it the payload bytes: the raw body for kSha256/kUnsigned payloads, or the bytes an
// AwsChunkedDecoder (aws_chunked.h) emits for aws-chunked ones (a trailer checksum is the
// decoder's business; a checksum sent as a header is checked here either way).
//
// Errors: from the headers alone (Create) - InvalidDigest "The Content-MD5 you specified is
// not valid." for a Content-MD5 that is not base64 of 16 bytes; InvalidRequest for a
// malformed checksum value ("Value for x-amz-checksum-crc32 header is invalid."), more
// than one x-amz-checksum-* header, an x-amz-checksum-<unknown> header, or
// x-amz-sdk-checksum-algorithm without a checksum header or trailer. At the end (Finish) -
// XAmzContentSHA256Mismatch, BadDigest "The Content-MD5 you specified did not match what we
// received." and BadDigest "The CRC32 you specified did not match the calculated checksum.",
// checked in that order.
//
// Thread-safety: one verifier per request, used by one thread at a time.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "auth/sigv4/canonical.h"
#include "auth/sigv4/verifier.h"
#include "common/error.h"
#include "crypto/checksums.h"

namespace portcullis::auth::sigv4 {

// The digests of a body that passed every check.
struct BodyDigests {
  // Raw MD5 (hex of it, quoted, is the ETag of a single-part upload).
  std::string md5;
  std::uint64_t length = 0;
  // The x-amz-checksum-* header that was verified, with its base64 value.
  std::optional<crypto::DigestAlgorithm> checksum_algorithm;
  std::string checksum_base64;
};

class BodyVerifier {
 public:
  // Reads Content-MD5 and x-amz-checksum-* from `headers` and the deferred SHA-256 from
  // `authenticated`. Errors: see the header comment.
  [[nodiscard]] static Result<BodyVerifier> Create(std::span<const HeaderField> headers,
                                                   const Authenticated& authenticated);

  // Adds the next payload bytes.
  void Update(std::string_view bytes);

  // Ends the body and compares. Call once.
  [[nodiscard]] Result<BodyDigests> Finish();

 private:
  BodyVerifier() = default;

  crypto::PayloadDigest md5_{crypto::DigestAlgorithm::kMd5};
  std::optional<crypto::PayloadDigest> sha256_;
  std::optional<crypto::PayloadDigest> checksum_;
  std::optional<std::string> expected_md5_;
  std::string expected_sha256_hex_;
  std::string expected_checksum_;
  std::string checksum_base64_;
  std::uint64_t length_ = 0;
};

}  // namespace portcullis::auth::sigv4
