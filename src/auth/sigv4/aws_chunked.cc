#include "auth/sigv4/aws_chunked.h"

#include <algorithm>
#include <utility>

#include "auth/sigv4/errors.h"
#include "auth/sigv4/signing.h"
#include "common/base64.h"
#include "common/strings.h"
#include "crypto/crypto.h"

namespace portcullis::auth::sigv4 {
namespace {

constexpr std::string_view kChunkSignatureKey = "chunk-signature=";
constexpr std::string_view kTrailerSignatureName = "x-amz-trailer-signature";
// More trailing headers than this is malformed (S3 sends one checksum and a signature).
constexpr std::size_t kMaxTrailers = 16;
// At most 16 hex digits: a 64-bit size.
constexpr std::size_t kMaxSizeDigits = 16;

// S3 answers a body it cannot frame as IncompleteBody; `what` goes into the context
// (logs), not the message the client sees.
Error Malformed(std::string_view what) {
  Error error = AuthError(kIncompleteBody, std::string(kBodyTerminatedMessage));
  error.context.push_back("aws-chunked: " + std::string(what));
  return error;
}

// A decoded total other than x-amz-decoded-content-length.
Error LengthMismatch(std::string_view what) {
  Error error = AuthError(kIncompleteBody, std::string(kIncompleteBodyMessage));
  error.context.push_back("aws-chunked: " + std::string(what));
  return error;
}

Error MalformedTrailer(std::string_view what) {
  Error error = AuthError(kMalformedTrailerError, std::string(kMalformedTrailerMessage));
  error.context.push_back("aws-chunked: " + std::string(what));
  return error;
}

Error SignatureMismatch() {
  return AuthError(kSignatureDoesNotMatch, std::string(kSignatureDoesNotMatchMessage));
}

std::optional<int> HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return std::nullopt;
}

bool IsLowerHex64(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
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

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::optional<std::string_view> OneHeader(std::span<const HeaderField> headers,
                                          std::string_view name, bool* repeated) {
  std::optional<std::string_view> found;
  *repeated = false;
  for (const HeaderField& header : headers) {
    if (EqualsIgnoreCase(header.name, name)) {
      if (found.has_value()) {
        *repeated = true;
      }
      found = Trim(header.value);
    }
  }
  return found;
}

}  // namespace

Result<AwsChunkedOptions> AwsChunkedOptionsFor(const Authenticated& authenticated,
                                               std::span<const HeaderField> headers) {
  AwsChunkedOptions options;
  options.mode = authenticated.payload_mode;
  if (!IsStreaming(options.mode)) {
    return MakeError(ErrorCode::kInvalidArgument, "the request's payload is not aws-chunked");
  }
  options.signing = authenticated.streaming;
  bool repeated = false;
  const auto length = OneHeader(headers, "x-amz-decoded-content-length", &repeated);
  if (!length.has_value()) {
    return MakeError(AuthError(kMissingContentLength, std::string(kMissingContentLengthMessage)));
  }
  std::uint64_t value = 0;
  const bool numeric =
      !length->empty() && length->size() <= 19 &&
      std::all_of(length->begin(), length->end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!numeric || repeated) {
    return MakeError(AuthError(kInvalidArgument, "Invalid x-amz-decoded-content-length header."));
  }
  for (const char c : *length) {
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  options.decoded_content_length = value;
  const auto trailer = OneHeader(headers, "x-amz-trailer", &repeated);
  if (HasTrailer(options.mode)) {
    if (!trailer.has_value() || repeated) {
      return MakeError(
          AuthError(kInvalidRequest, "Missing required header for this request: x-amz-trailer"));
    }
    const auto algorithm = ChecksumAlgorithmForHeader(*trailer);
    if (!algorithm.has_value()) {
      return MakeError(AuthError(kInvalidRequest,
                                 "The value specified in the x-amz-trailer "
                                 "header is not supported"));
    }
    options.trailer_checksum = algorithm;
  }
  return options;
}

AwsChunkedDecoder::AwsChunkedDecoder(AwsChunkedOptions options) : options_(std::move(options)) {
  if (options_.signing.has_value()) {
    previous_signature_ = options_.signing->seed_signature;
  }
  if (options_.trailer_checksum.has_value()) {
    checksum_.emplace(*options_.trailer_checksum);
  }
}

Result<AwsChunkedDecoder> AwsChunkedDecoder::Create(AwsChunkedOptions options) {
  if (!IsStreaming(options.mode)) {
    return MakeError(ErrorCode::kInvalidArgument, "aws-chunked decoding needs a streaming mode");
  }
  if (HasChunkSignatures(options.mode) && !options.signing.has_value()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "signed aws-chunked decoding needs a signing "
                     "context");
  }
  return AwsChunkedDecoder(std::move(options));
}

Status AwsChunkedDecoder::FailWith(Error error) {
  state_ = State::kFailed;
  error_ = error;
  return MakeError(std::move(error));
}

Status AwsChunkedDecoder::CheckSignature(std::string_view string_to_sign,
                                         std::string_view claimed) {
  const std::string expected = Signature(options_.signing->signing_key, string_to_sign);
  if (!crypto::ConstantTimeEquals(expected, claimed)) {
    return FailWith(SignatureMismatch());
  }
  return OkStatus();
}

Status AwsChunkedDecoder::Feed(std::string_view bytes, const PayloadSink& sink) {
  while (!bytes.empty()) {
    switch (state_) {
      case State::kFailed:
        return MakeError(*error_);
      case State::kDone:
        return FailWith(Malformed("bytes after the final chunk"));
      case State::kSizeLine:
      case State::kTrailerLine:
        IAM_RETURN_IF_ERROR(ConsumeLine(bytes));
        break;
      case State::kData:
        IAM_RETURN_IF_ERROR(ConsumeData(bytes, sink));
        break;
      case State::kDataCr:
      case State::kDataLf:
        IAM_RETURN_IF_ERROR(ConsumeCrlf(bytes));
        break;
    }
  }
  return OkStatus();
}

Status AwsChunkedDecoder::ConsumeLine(std::string_view& bytes) {
  const std::size_t newline = bytes.find('\n');
  const std::size_t take = newline == std::string_view::npos ? bytes.size() : newline;
  const bool size_line = state_ == State::kSizeLine;
  const std::size_t limit =
      size_line ? kMaxChunkLine : kMaxTrailerBytes - std::min(trailer_bytes_, kMaxTrailerBytes);
  if (line_.size() + take > limit) {
    return FailWith(size_line ? Malformed("chunk-size line too long")
                              : MalformedTrailer("trailer too long"));
  }
  line_.append(bytes.substr(0, take));
  if (newline == std::string_view::npos) {
    bytes = {};
    return OkStatus();
  }
  bytes.remove_prefix(newline + 1);
  if (line_.empty() || line_.back() != '\r') {
    return FailWith(Malformed("a line does not end in CRLF"));
  }
  line_.pop_back();
  if (!size_line) {
    trailer_bytes_ += line_.size() + 2;
  }
  IAM_RETURN_IF_ERROR(size_line ? OnSizeLine() : OnTrailerLine());
  line_.clear();
  return OkStatus();
}

Status AwsChunkedDecoder::ConsumeData(std::string_view& bytes, const PayloadSink& sink) {
  const auto take =
      static_cast<std::size_t>(std::min<std::uint64_t>(chunk_remaining_, bytes.size()));
  const std::string_view piece = bytes.substr(0, take);
  if (chunk_hash_.has_value()) {
    chunk_hash_->Update(piece);
  }
  if (checksum_.has_value()) {
    checksum_->Update(piece);
  }
  if (const Status sunk = sink(piece); !sunk.has_value()) {
    return FailWith(sunk.error());
  }
  decoded_total_ += take;
  chunk_remaining_ -= take;
  bytes.remove_prefix(take);
  if (chunk_remaining_ == 0) {
    IAM_RETURN_IF_ERROR(OnChunkEnd());
    state_ = State::kDataCr;
  }
  return OkStatus();
}

Status AwsChunkedDecoder::ConsumeCrlf(std::string_view& bytes) {
  const char expected = state_ == State::kDataCr ? '\r' : '\n';
  if (bytes.front() != expected) {
    return FailWith(Malformed("chunk data is not followed by CRLF"));
  }
  bytes.remove_prefix(1);
  state_ = state_ == State::kDataCr ? State::kDataLf : State::kSizeLine;
  return OkStatus();
}

Status AwsChunkedDecoder::OnSizeLine() {
  const std::string_view line = line_;
  const std::size_t semicolon = line.find(';');
  const std::string_view size_text = line.substr(0, semicolon);
  if (size_text.empty() || size_text.size() > kMaxSizeDigits) {
    return FailWith(Malformed("invalid chunk size"));
  }
  std::uint64_t size = 0;
  for (const char c : size_text) {
    const std::optional<int> digit = HexValue(c);
    if (!digit.has_value()) {
      return FailWith(Malformed("invalid chunk size"));
    }
    size = (size << 4) | static_cast<std::uint64_t>(*digit);
  }
  const bool signed_chunks = HasChunkSignatures(options_.mode);
  if (signed_chunks) {
    const std::string_view extension =
        semicolon == std::string_view::npos ? std::string_view{} : line.substr(semicolon + 1);
    if (!extension.starts_with(kChunkSignatureKey) ||
        !IsLowerHex64(extension.substr(kChunkSignatureKey.size()))) {
      return FailWith(SignatureMismatch());
    }
    chunk_signature_ = std::string(extension.substr(kChunkSignatureKey.size()));
  }
  // Unsigned chunks: chunk extensions (RFC 9112 7.1.1) are ignored.
  if (size == 0) {
    if (signed_chunks) {
      static const std::string kEmptyHash = crypto::HexLower(crypto::Sha256(""));
      IAM_RETURN_IF_ERROR(CheckSignature(
          ChunkStringToSign(*options_.signing, previous_signature_, kEmptyHash), chunk_signature_));
      previous_signature_ = chunk_signature_;
    }
    state_ = State::kTrailerLine;
    return OkStatus();
  }
  if (previous_chunk_size_.has_value() && *previous_chunk_size_ < options_.min_chunk_size) {
    return FailWith(AuthError(kInvalidChunkSizeError, std::string(kInvalidChunkSizeMessage)));
  }
  if (options_.decoded_content_length.has_value() &&
      size > *options_.decoded_content_length - decoded_total_) {
    return FailWith(LengthMismatch("more bytes than x-amz-decoded-content-length"));
  }
  previous_chunk_size_ = size;
  chunk_remaining_ = size;
  if (signed_chunks) {
    chunk_hash_.emplace(crypto::DigestAlgorithm::kSha256);
  }
  state_ = State::kData;
  return OkStatus();
}

Status AwsChunkedDecoder::OnChunkEnd() {
  if (!chunk_hash_.has_value()) {
    return OkStatus();
  }
  const std::string hash = crypto::HexLower(chunk_hash_->Final());
  chunk_hash_.reset();
  IAM_RETURN_IF_ERROR(CheckSignature(
      ChunkStringToSign(*options_.signing, previous_signature_, hash), chunk_signature_));
  previous_signature_ = chunk_signature_;
  return OkStatus();
}

Status AwsChunkedDecoder::OnTrailerLine() {
  if (line_.empty()) {
    return OnTrailerEnd();
  }
  if (!HasTrailer(options_.mode)) {
    return FailWith(MalformedTrailer("trailing headers in a payload without a trailer"));
  }
  if (trailer_signature_.has_value() || trailers_.size() >= kMaxTrailers) {
    return FailWith(MalformedTrailer("unexpected trailing header"));
  }
  const std::string_view line = line_;
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return FailWith(MalformedTrailer("a trailing header without a name"));
  }
  std::string name = Lower(Trim(line.substr(0, colon)));
  std::string value(Trim(line.substr(colon + 1)));
  if (name == kTrailerSignatureName) {
    if (options_.mode != PayloadMode::kStreamingSignedTrailer || !IsLowerHex64(value)) {
      return FailWith(SignatureMismatch());
    }
    trailer_signature_ = std::move(value);
    return OkStatus();
  }
  trailers_.emplace_back(std::move(name), std::move(value));
  return OkStatus();
}

Status AwsChunkedDecoder::OnTrailerEnd() {
  if (options_.mode == PayloadMode::kStreamingSignedTrailer) {
    if (!trailer_signature_.has_value()) {
      return FailWith(SignatureMismatch());
    }
    std::string canonical;
    for (const auto& [name, value] : trailers_) {
      canonical.append(name).append(":").append(value).append("\n");
    }
    IAM_RETURN_IF_ERROR(
        CheckSignature(TrailerStringToSign(*options_.signing, previous_signature_, canonical),
                       *trailer_signature_));
  }
  const std::string* declared = nullptr;
  for (const auto& [name, value] : trailers_) {
    const auto algorithm = ChecksumAlgorithmForHeader(name);
    if (!algorithm.has_value()) {
      continue;
    }
    if (algorithm != options_.trailer_checksum || declared != nullptr) {
      return FailWith(MalformedTrailer(name + " was not announced by x-amz-trailer"));
    }
    declared = &value;
  }
  if (options_.trailer_checksum.has_value()) {
    const crypto::DigestAlgorithm algorithm = *options_.trailer_checksum;
    if (declared == nullptr) {
      return FailWith(MalformedTrailer(ChecksumHeaderName(algorithm) +
                                       " announced by x-amz-trailer is missing"));
    }
    auto raw = DecodeChecksumValue(algorithm, *declared, /*trailer=*/true);
    if (!raw.has_value()) {
      return FailWith(raw.error());
    }
    const Status compared = CompareChecksum(algorithm, *raw, checksum_->Final());
    if (!compared.has_value()) {
      return FailWith(compared.error());
    }
    result_.checksum_algorithm = algorithm;
    result_.checksum_base64 = *declared;
  }
  if (options_.decoded_content_length.has_value() &&
      decoded_total_ != *options_.decoded_content_length) {
    return FailWith(LengthMismatch("fewer bytes than x-amz-decoded-content-length"));
  }
  result_.decoded_length = decoded_total_;
  state_ = State::kDone;
  return OkStatus();
}

Result<AwsChunkedResult> AwsChunkedDecoder::Finish() {
  if (state_ == State::kFailed) {
    return MakeError(*error_);
  }
  if (state_ != State::kDone) {
    state_ = State::kFailed;
    error_ = Malformed("the body ended before the final chunk");
    return MakeError(*error_);
  }
  return result_;
}

}  // namespace portcullis::auth::sigv4
