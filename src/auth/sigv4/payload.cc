#include "auth/sigv4/payload.h"

#include <array>
#include <utility>

#include "auth/sigv4/errors.h"
#include "auth/sigv4/signing.h"
#include "common/base64.h"
#include "common/strings.h"

namespace portcullis::auth::sigv4 {
namespace {

tl::unexpected<Error> Fail(std::string_view aws_code, std::string message) {
  return MakeError(AuthError(aws_code, std::move(message)));
}

bool IsHex64(std::string_view text) {
  if (text.size() != 64) {
    return false;
  }
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

constexpr std::string_view kChecksumPrefix = "x-amz-checksum-";

constexpr std::array<crypto::DigestAlgorithm, 5> kChecksumAlgorithms = {
    crypto::DigestAlgorithm::kCrc32, crypto::DigestAlgorithm::kCrc32c,
    crypto::DigestAlgorithm::kCrc64Nvme, crypto::DigestAlgorithm::kSha1,
    crypto::DigestAlgorithm::kSha256};

}  // namespace

bool IsStreaming(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer ||
         mode == PayloadMode::kStreamingUnsignedTrailer;
}

bool HasChunkSignatures(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer;
}

bool HasTrailer(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSignedTrailer ||
         mode == PayloadMode::kStreamingUnsignedTrailer;
}

Result<PayloadMode> ParseS3ContentSha256(std::string_view value) {
  if (value == kUnsignedPayload) {
    return PayloadMode::kUnsigned;
  }
  if (value == kStreamingSignedPayload) {
    return PayloadMode::kStreamingSigned;
  }
  if (value == kStreamingSignedPayloadTrailer) {
    return PayloadMode::kStreamingSignedTrailer;
  }
  if (value == kStreamingUnsignedPayloadTrailer) {
    return PayloadMode::kStreamingUnsignedTrailer;
  }
  if (IsHex64(value)) {
    return PayloadMode::kSha256;
  }
  if (value == kStreamingEcdsaPayload || value == kStreamingEcdsaPayloadTrailer) {
    return Fail(kInvalidArgument,
                "SigV4a (AWS4-ECDSA-P256-SHA256) streaming payloads are not supported.");
  }
  return Fail(kInvalidArgument,
              "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
              "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
              "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, "
              "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.");
}

std::string ChunkStringToSign(const StreamingSigningContext& context,
                              std::string_view previous_signature,
                              std::string_view chunk_sha256_hex) {
  static const std::string kEmptyHash = crypto::HexLower(crypto::Sha256(""));
  std::string out(kChunkAlgorithm);
  out.append("\n")
      .append(context.amz_date)
      .append("\n")
      .append(context.scope)
      .append("\n")
      .append(previous_signature)
      .append("\n")
      .append(kEmptyHash)
      .append("\n")
      .append(chunk_sha256_hex);
  return out;
}

std::string TrailerStringToSign(const StreamingSigningContext& context,
                                std::string_view previous_signature,
                                std::string_view canonical_trailer) {
  std::string out(kTrailerAlgorithm);
  out.append("\n")
      .append(context.amz_date)
      .append("\n")
      .append(context.scope)
      .append("\n")
      .append(previous_signature)
      .append("\n")
      .append(crypto::HexLower(crypto::Sha256(canonical_trailer)));
  return out;
}

std::optional<crypto::DigestAlgorithm> ChecksumAlgorithmForHeader(std::string_view name) {
  if (name.size() <= kChecksumPrefix.size() ||
      !EqualsIgnoreCase(name.substr(0, kChecksumPrefix.size()), kChecksumPrefix)) {
    return std::nullopt;
  }
  const std::string_view suffix = name.substr(kChecksumPrefix.size());
  for (const crypto::DigestAlgorithm algorithm : kChecksumAlgorithms) {
    if (EqualsIgnoreCase(suffix, crypto::DigestName(algorithm))) {
      return algorithm;
    }
  }
  return std::nullopt;
}

std::string ChecksumHeaderName(crypto::DigestAlgorithm algorithm) {
  std::string name(kChecksumPrefix);
  for (const char c : crypto::DigestName(algorithm)) {
    name.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  return name;
}

Result<std::string> DecodeChecksumValue(crypto::DigestAlgorithm algorithm,
                                        std::string_view base64_value, bool trailer) {
  std::optional<std::string> raw = DecodeBase64(base64_value);
  // S3 sends and expects padded base64; DecodeBase64 also takes it unpadded.
  if (!raw.has_value() || raw->size() != crypto::DigestSize(algorithm) ||
      base64_value.size() != (crypto::DigestSize(algorithm) + 2) / 3 * 4) {
    return Fail(kInvalidRequest, "Value for " + ChecksumHeaderName(algorithm) +
                                     (trailer ? " trailing header" : " header") + " is invalid.");
  }
  return std::move(*raw);
}

Status CompareChecksum(crypto::DigestAlgorithm algorithm, std::string_view declared,
                       std::string_view computed) {
  if (!crypto::ConstantTimeEquals(declared, computed)) {
    return Fail(kBadDigest, "The " + std::string(crypto::DigestName(algorithm)) +
                                " you specified did not match the calculated checksum.");
  }
  return OkStatus();
}

}  // namespace portcullis::auth::sigv4
