#include "auth/sigv4/body_verifier.h"

#include <utility>

#include "auth/sigv4/errors.h"
#include "auth/sigv4/payload.h"
#include "common/base64.h"
#include "common/strings.h"
#include "crypto/crypto.h"

namespace portcullis::auth::sigv4 {
namespace {

tl::unexpected<Error> Fail(std::string_view aws_code, std::string message) {
  return MakeError(AuthError(aws_code, std::move(message)));
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// An x-amz-checksum-<name> header naming no algorithm S3 computes. x-amz-checksum-algorithm,
// -type and -mode are other request headers (CreateMultipartUpload, GetObject).
bool IsUnknownChecksumHeader(std::string_view name) {
  constexpr std::string_view kPrefix = "x-amz-checksum-";
  if (name.size() < kPrefix.size() || !EqualsIgnoreCase(name.substr(0, kPrefix.size()), kPrefix)) {
    return false;
  }
  const std::string_view suffix = name.substr(kPrefix.size());
  return !EqualsIgnoreCase(suffix, "algorithm") && !EqualsIgnoreCase(suffix, "type") &&
         !EqualsIgnoreCase(suffix, "mode");
}

}  // namespace

Result<BodyVerifier> BodyVerifier::Create(std::span<const HeaderField> headers,
                                          const Authenticated& authenticated) {
  BodyVerifier verifier;
  bool seen_md5 = false;
  bool sdk_algorithm = false;
  for (const HeaderField& header : headers) {
    if (EqualsIgnoreCase(header.name, "content-md5")) {
      const std::string_view value = Trim(header.value);
      std::optional<std::string> raw = DecodeBase64(value);
      if (seen_md5 || !raw.has_value() || raw->size() != 16 || value.size() != 24) {
        return Fail(kInvalidDigest, std::string(kInvalidDigestMessage));
      }
      seen_md5 = true;
      verifier.expected_md5_ = std::move(*raw);
      continue;
    }
    if (EqualsIgnoreCase(header.name, "x-amz-sdk-checksum-algorithm")) {
      sdk_algorithm = true;
      continue;
    }
    const auto algorithm = ChecksumAlgorithmForHeader(header.name);
    if (!algorithm.has_value()) {
      if (IsUnknownChecksumHeader(header.name)) {
        return Fail(kInvalidRequest,
                    "The algorithm type you specified in x-amz-checksum- header is invalid.");
      }
      continue;
    }
    if (verifier.checksum_.has_value()) {
      return Fail(kInvalidRequest,
                  "Expecting a single x-amz-checksum- header. Multiple checksum Types are not "
                  "allowed.");
    }
    const std::string_view value = Trim(header.value);
    IAM_ASSIGN_OR_RETURN(verifier.expected_checksum_,
                         DecodeChecksumValue(*algorithm, value, /*trailer=*/false));
    verifier.checksum_base64_ = std::string(value);
    verifier.checksum_.emplace(*algorithm);
  }
  // AWS: the SDK's algorithm header needs the checksum it names, as a header or a trailer.
  if (sdk_algorithm && !verifier.checksum_.has_value() && !HasTrailer(authenticated.payload_mode)) {
    return Fail(kInvalidRequest,
                "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or "
                "x-amz-trailer headers were found.");
  }
  if (authenticated.payload_sha256_to_check.has_value()) {
    verifier.expected_sha256_hex_ = *authenticated.payload_sha256_to_check;
    verifier.sha256_.emplace(crypto::DigestAlgorithm::kSha256);
  }
  return verifier;
}

void BodyVerifier::Update(std::string_view bytes) {
  md5_.Update(bytes);
  if (sha256_.has_value()) {
    sha256_->Update(bytes);
  }
  if (checksum_.has_value()) {
    checksum_->Update(bytes);
  }
  length_ += bytes.size();
}

Result<BodyDigests> BodyVerifier::Finish() {
  BodyDigests out;
  out.length = length_;
  out.md5 = md5_.Final();
  if (sha256_.has_value() &&
      !crypto::ConstantTimeEquals(crypto::HexLower(sha256_->Final()), expected_sha256_hex_)) {
    return Fail(kXAmzContentSha256Mismatch, std::string(kXAmzContentSha256MismatchMessage));
  }
  if (expected_md5_.has_value() && !crypto::ConstantTimeEquals(*expected_md5_, out.md5)) {
    return Fail(kBadDigest, std::string(kBadDigestMessage));
  }
  if (checksum_.has_value()) {
    const crypto::DigestAlgorithm algorithm = checksum_->algorithm();
    IAM_RETURN_IF_ERROR(CompareChecksum(algorithm, expected_checksum_, checksum_->Final()));
    out.checksum_algorithm = algorithm;
    out.checksum_base64 = checksum_base64_;
  }
  return out;
}

}  // namespace portcullis::auth::sigv4
