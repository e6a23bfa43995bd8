// libFuzzer target for the aws-chunked decoder (auth/sigv4/aws_chunked.h) and the S3
// x-amz-content-sha256 / checksum-value parsers (auth/sigv4/payload.h).
//
// Input layout: byte 0 picks the options - bits 0-1 the mode (signed, signed trailer,
// unsigned trailer), bit 2 whether x-amz-decoded-content-length is set (bytes 2-3, little
// endian), bits 3-5 the announced trailer checksum (none, CRC32, CRC32C, CRC64NVME, SHA1,
// SHA256); byte 1 a cut point; the rest is the body. Chunks are signed with AWS's example
// key and seed (the corpus holds validly signed bodies) and may be as small as one byte.
// Properties checked, aborting on a violation:
//  - every error carries one of errors.h's AWS codes;
//  - the decoded bytes are never more than the body's;
//  - a complete body's decoded total equals x-amz-decoded-content-length when set;
//  - feeding the body whole, in two pieces at the cut, or byte by byte gives the same
//    outcome (code) and the same decoded bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/sigv4/aws_chunked.h"
#include "auth/sigv4/errors.h"
#include "auth/sigv4/payload.h"
#include "auth/sigv4/signing.h"

namespace {

namespace sigv4 = portcullis::auth::sigv4;
namespace crypto = portcullis::crypto;

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "aws_chunked_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

struct Outcome {
  std::string payload;
  std::string code;  // empty on success
  std::uint64_t decoded_length = 0;
};

void CheckError(const portcullis::Error& error) {
  if (sigv4::HttpStatusForAwsCode(error.aws_code) == 0) {
    Fail("an error without an AWS code", error.message);
  }
}

Outcome Run(const sigv4::AwsChunkedOptions& options, std::string_view body, std::size_t piece) {
  Outcome out;
  auto decoder = sigv4::AwsChunkedDecoder::Create(options);
  if (!decoder.has_value()) {
    Fail("Create failed", decoder.error().message);
  }
  const sigv4::PayloadSink sink = [&](std::string_view bytes) -> portcullis::Status {
    out.payload.append(bytes);
    return portcullis::OkStatus();
  };
  std::size_t at = 0;
  while (at < body.size()) {
    const std::size_t n = piece == 0 ? body.size() - at : std::min(piece, body.size() - at);
    const portcullis::Status fed = decoder->Feed(body.substr(at, n), sink);
    if (!fed.has_value()) {
      CheckError(fed.error());
      out.code = fed.error().aws_code;
      return out;
    }
    at += n;
  }
  auto finished = decoder->Finish();
  if (!finished.has_value()) {
    CheckError(finished.error());
    out.code = finished.error().aws_code;
    return out;
  }
  out.decoded_length = finished->decoded_length;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::uint8_t flags = data[0];
  const std::size_t cut = data[1];
  const std::string_view body = input.substr(4);

  sigv4::AwsChunkedOptions options;
  switch (flags & 3U) {
    case 0:
      options.mode = sigv4::PayloadMode::kStreamingSigned;
      break;
    case 1:
      options.mode = sigv4::PayloadMode::kStreamingSignedTrailer;
      break;
    default:
      options.mode = sigv4::PayloadMode::kStreamingUnsignedTrailer;
      break;
  }
  static const sigv4::StreamingSigningContext kContext{
      sigv4::DeriveSigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1",
                              "s3"),
      "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
      "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"};
  options.signing = kContext;
  options.min_chunk_size = 1;
  if ((flags & 4U) != 0) {
    options.decoded_content_length =
        static_cast<std::uint64_t>(data[2]) | (static_cast<std::uint64_t>(data[3]) << 8);
  }
  static constexpr crypto::DigestAlgorithm kAlgorithms[] = {
      crypto::DigestAlgorithm::kCrc32, crypto::DigestAlgorithm::kCrc32c,
      crypto::DigestAlgorithm::kCrc64Nvme, crypto::DigestAlgorithm::kSha1,
      crypto::DigestAlgorithm::kSha256};
  const unsigned checksum = (flags >> 3) & 7U;
  if (checksum >= 1 && checksum <= 5) {
    options.trailer_checksum = kAlgorithms[checksum - 1];
  }

  const Outcome whole = Run(options, body, 0);
  if (whole.payload.size() > body.size()) {
    Fail("decoded more bytes than the body has", body);
  }
  if (whole.code.empty()) {
    if (options.decoded_content_length.has_value() &&
        whole.decoded_length != *options.decoded_content_length) {
      Fail("complete body with another decoded length", body);
    }
    if (whole.decoded_length != whole.payload.size()) {
      Fail("decoded_length differs from the bytes sunk", body);
    }
  }
  const Outcome split = Run(options, body, cut == 0 ? 1 : cut);
  if (split.code != whole.code || split.payload != whole.payload) {
    Fail("feeding in pieces changed the outcome", body);
  }
  if (body.size() <= 512) {
    const Outcome bytewise = Run(options, body, 1);
    if (bytewise.code != whole.code || bytewise.payload != whole.payload) {
      Fail("feeding byte by byte changed the outcome", body);
    }
  }

  // The header-value parsers on the same bytes.
  (void)sigv4::ParseS3ContentSha256(body);
  for (const crypto::DigestAlgorithm algorithm : kAlgorithms) {
    auto value = sigv4::DecodeChecksumValue(algorithm, body, (flags & 0x40U) != 0);
    if (value.has_value() && value->size() != crypto::DigestSize(algorithm)) {
      Fail("a checksum value of the wrong size was accepted", body);
    }
  }
  return 0;
}
