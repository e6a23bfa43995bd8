// The aws-chunked decoder: AWS's published chunked-upload example (Amazon S3 API Reference,
// "Signature Calculations for the Authorization Header: Transferring Payload in Multiple
// Chunks", PUT examplebucket/chunkObject.txt, 66560 bytes of 'a'), bodies signed here with
// the library's primitives (signed chunks, signed trailer, unsigned trailer), every split
// point, and each malformed or tampered case with S3's error code.
#include "auth/sigv4/aws_chunked.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <string>
#include <vector>

#include "auth/sigv4/errors.h"
#include "auth/sigv4/signing.h"
#include "auth/sigv4/verifier.h"
#include "common/base64.h"
#include "crypto/checksums.h"
#include "crypto/crypto.h"

namespace portcullis::auth::sigv4 {
namespace {

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kSeed =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
constexpr std::string_view kChunk1 =
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
constexpr std::string_view kChunk2 =
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
constexpr std::string_view kFinal =
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";

StreamingSigningContext AwsExampleContext() {
  return StreamingSigningContext{DeriveSigningKey(kSecret, "20130524", "us-east-1", "s3"),
                                 "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
                                 std::string(kSeed)};
}

std::string AwsExampleBody() {
  return "10000;chunk-signature=" + std::string(kChunk1) + "\r\n" + std::string(65536, 'a') +
         "\r\n400;chunk-signature=" + std::string(kChunk2) + "\r\n" + std::string(1024, 'a') +
         "\r\n0;chunk-signature=" + std::string(kFinal) + "\r\n\r\n";
}

AwsChunkedOptions AwsExampleOptions() {
  AwsChunkedOptions options;
  options.mode = PayloadMode::kStreamingSigned;
  options.signing = AwsExampleContext();
  options.decoded_content_length = 66560;
  return options;
}

struct Decoded {
  std::string payload;
  Result<AwsChunkedResult> result;
};

// Decodes `body` fed in pieces cut at `cuts` (ascending offsets).
Decoded DecodeWithCuts(const AwsChunkedOptions& options, std::string_view body,
                       const std::vector<std::size_t>& cuts) {
  auto decoder = AwsChunkedDecoder::Create(options);
  EXPECT_TRUE(decoder.has_value());
  Decoded out{"", AwsChunkedResult{}};
  const PayloadSink sink = [&](std::string_view bytes) -> Status {
    out.payload.append(bytes);
    return OkStatus();
  };
  std::size_t at = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(body.size());
  for (const std::size_t end : ends) {
    const Status fed = decoder->Feed(body.substr(at, end - at), sink);
    if (!fed.has_value()) {
      out.result = MakeError(fed.error());
      return out;
    }
    at = end;
  }
  out.result = decoder->Finish();
  return out;
}

Decoded Decode(const AwsChunkedOptions& options, std::string_view body) {
  return DecodeWithCuts(options, body, {});
}

void ExpectCode(const Decoded& decoded, std::string_view code) {
  ASSERT_FALSE(decoded.result.has_value()) << "expected " << code;
  EXPECT_EQ(decoded.result.error().aws_code, code) << decoded.result.error().message;
}

// A signed aws-chunked body of `payload` cut into `sizes` (the rest, if any, in one more
// chunk), optionally with a signed trailer carrying `trailer` (name:value lines).
std::string SignedBody(const StreamingSigningContext& context, std::string_view payload,
                       const std::vector<std::size_t>& sizes,
                       const std::string* trailer = nullptr) {
  std::string body;
  std::string previous = context.seed_signature;
  std::size_t at = 0;
  auto chunk = [&](std::string_view data) {
    const std::string hash = crypto::HexLower(crypto::Sha256(data));
    const std::string signature =
        Signature(context.signing_key, ChunkStringToSign(context, previous, hash));
    char size[32];
    std::snprintf(size, sizeof size, "%zx", data.size());
    body.append(size).append(";chunk-signature=").append(signature).append("\r\n");
    if (!data.empty()) {
      body.append(data).append("\r\n");
    }
    previous = signature;
  };
  for (const std::size_t size : sizes) {
    chunk(payload.substr(at, size));
    at += size;
  }
  if (at < payload.size()) {
    chunk(payload.substr(at));
  }
  chunk("");
  if (trailer != nullptr) {
    const std::string signature =
        Signature(context.signing_key, TrailerStringToSign(context, previous, *trailer));
    std::string lines = *trailer;
    std::string wire;
    for (std::size_t start = 0; start < lines.size();) {
      const std::size_t end = lines.find('\n', start);
      wire.append(lines.substr(start, end - start)).append("\r\n");
      start = end + 1;
    }
    body.append(wire).append("x-amz-trailer-signature:").append(signature).append("\r\n");
  }
  body.append("\r\n");
  return body;
}

std::string Base64Checksum(crypto::DigestAlgorithm algorithm, std::string_view data) {
  return EncodeBase64(crypto::ComputeDigest(algorithm, data));
}

TEST(AwsChunkedTest, AwsExampleSeedAndChunkSignatures) {
  // The seed signature: the example's Authorization header, verified by Verify.
  const std::vector<std::pair<std::string, std::string>> owned = {
      {"Host", "s3.amazonaws.com"},
      {"x-amz-date", "20130524T000000Z"},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
       "x-amz-decoded-content-length;x-amz-storage-class,Signature=" +
           std::string(kSeed)},
      {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
      {"Content-Encoding", "aws-chunked"},
      {"x-amz-decoded-content-length", "66560"},
      {"Content-Length", "66824"}};
  std::vector<HeaderField> headers;
  for (const auto& [name, value] : owned) {
    headers.push_back({name, value});
  }
  const std::string body = AwsExampleBody();
  ASSERT_EQ(body.size(), 66824U);
  const HttpRequest request{"PUT", "/examplebucket/chunkObject.txt", "", headers, "", {}, true};
  const SecretLookupFn lookup = [](std::string_view,
                                   std::optional<std::string_view>) -> Result<SecretLookup> {
    return SecretLookup{KeyStatus::kActive, std::string(kSecret)};
  };
  auto who = Verify(request, ParseAmzDate("20130524T000000Z").value(), lookup);
  ASSERT_TRUE(who.has_value()) << who.error().message;
  EXPECT_EQ(who->payload_mode, PayloadMode::kStreamingSigned);
  ASSERT_TRUE(who->streaming.has_value());
  EXPECT_EQ(who->streaming->seed_signature, kSeed);
  EXPECT_EQ(who->streaming->scope, "20130524/us-east-1/s3/aws4_request");

  // Each chunk signature, computed from the primitives.
  const StreamingSigningContext& context = *who->streaming;
  const std::string sig1 = Signature(
      context.signing_key,
      ChunkStringToSign(context, kSeed, crypto::HexLower(crypto::Sha256(std::string(65536, 'a')))));
  EXPECT_EQ(sig1, kChunk1);
  const std::string sig2 = Signature(
      context.signing_key,
      ChunkStringToSign(context, sig1, crypto::HexLower(crypto::Sha256(std::string(1024, 'a')))));
  EXPECT_EQ(sig2, kChunk2);
  EXPECT_EQ(Signature(context.signing_key,
                      ChunkStringToSign(context, sig2, crypto::HexLower(crypto::Sha256("")))),
            kFinal);

  // The whole body through the decoder, options from the request's headers.
  auto options = AwsChunkedOptionsFor(*who, headers);
  ASSERT_TRUE(options.has_value()) << options.error().message;
  EXPECT_EQ(options->decoded_content_length, 66560U);
  const Decoded decoded = Decode(*options, body);
  ASSERT_TRUE(decoded.result.has_value()) << decoded.result.error().message;
  EXPECT_EQ(decoded.payload, std::string(66560, 'a'));
  EXPECT_EQ(decoded.result->decoded_length, 66560U);
}

TEST(AwsChunkedTest, AwsExampleByteAtATimeAndAtEveryFramingBoundary) {
  const std::string body = AwsExampleBody();
  // One byte at a time.
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < body.size(); ++i) {
    every.push_back(i);
  }
  const Decoded bytewise = DecodeWithCuts(AwsExampleOptions(), body, every);
  ASSERT_TRUE(bytewise.result.has_value()) << bytewise.result.error().message;
  EXPECT_EQ(bytewise.payload, std::string(66560, 'a'));
  // Two pieces, cut anywhere in the framing (and a few places in the data).
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    const bool framing = cut < 100 || (cut > 65620 && cut < 65740) || cut + 200 > body.size();
    if (!framing && cut % 4099 != 0) {
      continue;
    }
    const Decoded split = DecodeWithCuts(AwsExampleOptions(), body, {cut});
    ASSERT_TRUE(split.result.has_value()) << "cut " << cut << ": " << split.result.error().message;
    ASSERT_EQ(split.payload.size(), 66560U) << "cut " << cut;
  }
}

TEST(AwsChunkedTest, EverySplitOfASmallSignedBody) {
  const StreamingSigningContext context = AwsExampleContext();
  const std::string payload = "0123456789abcdefghij";
  AwsChunkedOptions options;
  options.mode = PayloadMode::kStreamingSigned;
  options.signing = context;
  options.decoded_content_length = payload.size();
  options.min_chunk_size = 1;
  const std::string body = SignedBody(context, payload, {7, 9});
  for (std::size_t a = 0; a <= body.size(); ++a) {
    for (std::size_t b = a; b <= body.size(); b += 3) {
      const Decoded decoded = DecodeWithCuts(options, body, {a, b});
      ASSERT_TRUE(decoded.result.has_value()) << a << "," << b;
      ASSERT_EQ(decoded.payload, payload) << a << "," << b;
    }
  }
}

TEST(AwsChunkedTest, TamperedChunksAreSignatureMismatches) {
  const std::string body = AwsExampleBody();
  {
    std::string tampered = body;
    tampered[body.find("\r\n") + 2 + 100] = 'b';  // chunk 1 data
    ExpectCode(Decode(AwsExampleOptions(), tampered), kSignatureDoesNotMatch);
  }
  {
    std::string tampered = body;
    tampered[body.rfind(kChunk2) + 5] ^= 1;  // chunk 2 signature: '2' -> '3'
    ExpectCode(Decode(AwsExampleOptions(), tampered), kSignatureDoesNotMatch);
  }
  {
    std::string tampered = body;
    tampered.replace(tampered.rfind(kFinal), 64, std::string(kChunk2));  // final signature
    ExpectCode(Decode(AwsExampleOptions(), tampered), kSignatureDoesNotMatch);
  }
  {
    // Another seed (another request's signature) does not verify the chunks.
    AwsChunkedOptions options = AwsExampleOptions();
    options.signing->seed_signature = std::string(kChunk1);
    ExpectCode(Decode(options, body), kSignatureDoesNotMatch);
  }
  {
    // Chunk signature missing in a signed mode.
    std::string tampered = body;
    tampered.replace(0, 5 + 1 + 16 + 64, "10000");
    ExpectCode(Decode(AwsExampleOptions(), tampered), kSignatureDoesNotMatch);
  }
  {
    // Dropping the final chunk: the body is incomplete.
    std::string truncated = body.substr(0, body.rfind("0;chunk-signature="));
    ExpectCode(Decode(AwsExampleOptions(), truncated), kIncompleteBody);
  }
}

TEST(AwsChunkedTest, MalformedFramingIsIncompleteBody) {
  const StreamingSigningContext context = AwsExampleContext();
  AwsChunkedOptions options;
  options.mode = PayloadMode::kStreamingUnsignedTrailer;
  options.decoded_content_length = 5;
  const std::vector<std::string> bad = {
      "",                                         // nothing
      "5\r\nhello\r\n",                           // no final chunk
      "5\r\nhello\r\n0\r\n",                      // no final CRLF
      "5\nhello\r\n0\r\n\r\n",                    // LF without CR
      "5\r\nhelloX\r\n0\r\n\r\n",                 // data longer than its size
      "6\r\nhello\r\n0\r\n\r\n",                  // size beyond x-amz-decoded-content-length
      "g\r\nhello\r\n0\r\n\r\n",                  // not hex
      "\r\nhello\r\n0\r\n\r\n",                   // empty size
      "00000000000000005\r\nhello\r\n0\r\n\r\n",  // 17 digits
      "5\r\nhello\r\n0\r\n\r\nextra",             // bytes after the end
      "3\r\nhel\r\n0\r\n\r\n",                    // fewer than declared
      std::string(300, '0') + "5\r\nhello\r\n0\r\n\r\n",  // size line too long
  };
  for (const std::string& body : bad) {
    SCOPED_TRACE(body.substr(0, 40));
    const Decoded decoded = Decode(options, body);
    ExpectCode(decoded, kIncompleteBody);
    if (!decoded.result.has_value()) {
      const std::string& message = decoded.result.error().message;
      EXPECT_TRUE(message == kBodyTerminatedMessage || message == kIncompleteBodyMessage)
          << message;
    }
  }
  ExpectCode(Decode(options, "5\r\nhello\r\n0\r\nno-colon\r\n\r\n"), kMalformedTrailerError);
  // A huge claimed size allocates nothing: it only fails against the declared length.
  options.decoded_content_length = std::nullopt;
  auto decoder = AwsChunkedDecoder::Create(options);
  ASSERT_TRUE(decoder.has_value());
  const PayloadSink sink = [](std::string_view) -> Status { return OkStatus(); };
  EXPECT_TRUE(decoder->Feed("ffffffffffffffff\r\nabc", sink).has_value());
  EXPECT_FALSE(decoder->done());
  EXPECT_EQ(decoder->Finish().error().aws_code, kIncompleteBody);
  // A trailer that never ends is bounded.
  auto endless = AwsChunkedDecoder::Create(options);
  ASSERT_TRUE(endless.has_value());
  Status fed = endless->Feed("0\r\n", sink);
  for (int i = 0; i < 1000 && fed.has_value(); ++i) {
    fed = endless->Feed("x-amz-meta:aaaaaaaaaa\r\n", sink);
  }
  ASSERT_FALSE(fed.has_value());
  EXPECT_EQ(fed.error().aws_code, kMalformedTrailerError);
  // After an error the decoder stays failed.
  EXPECT_FALSE(endless->Feed("\r\n", sink).has_value());
  EXPECT_FALSE(endless->Finish().has_value());
  (void)context;
}

TEST(AwsChunkedTest, SmallNonFinalSignedChunkIsInvalidChunkSize) {
  const StreamingSigningContext context = AwsExampleContext();
  const std::string payload(9000, 'x');
  AwsChunkedOptions options;
  options.mode = PayloadMode::kStreamingSigned;
  options.signing = context;
  options.decoded_content_length = payload.size();
  ExpectCode(Decode(options, SignedBody(context, payload, {100})), kInvalidChunkSizeError);
  // The last data chunk may be small.
  const Decoded ok = Decode(options, SignedBody(context, payload, {8192}));
  ASSERT_TRUE(ok.result.has_value()) << ok.result.error().message;
  EXPECT_EQ(ok.payload, payload);
  // Unsigned chunks too (S3 checks every mode).
  AwsChunkedOptions unsigned_options;
  unsigned_options.mode = PayloadMode::kStreamingUnsignedTrailer;
  unsigned_options.decoded_content_length = 8;
  ExpectCode(Decode(unsigned_options, "4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n"),
             kInvalidChunkSizeError);
}

TEST(AwsChunkedTest, UnsignedTrailerAsBotocoreSendsIt) {
  const std::string payload = "Hello from botocore\n";
  for (const crypto::DigestAlgorithm algorithm :
       {crypto::DigestAlgorithm::kCrc32, crypto::DigestAlgorithm::kCrc32c,
        crypto::DigestAlgorithm::kCrc64Nvme, crypto::DigestAlgorithm::kSha1,
        crypto::DigestAlgorithm::kSha256}) {
    SCOPED_TRACE(std::string(crypto::DigestName(algorithm)));
    AwsChunkedOptions options;
    options.mode = PayloadMode::kStreamingUnsignedTrailer;
    options.decoded_content_length = payload.size();
    options.trailer_checksum = algorithm;
    const std::string value = Base64Checksum(algorithm, payload);
    const std::string body =
        "14\r\n" + payload + "\r\n0\r\n" + ChecksumHeaderName(algorithm) + ":" + value + "\r\n\r\n";
    const Decoded decoded = Decode(options, body);
    ASSERT_TRUE(decoded.result.has_value()) << decoded.result.error().message;
    EXPECT_EQ(decoded.payload, payload);
    EXPECT_EQ(decoded.result->checksum_algorithm, algorithm);
    EXPECT_EQ(decoded.result->checksum_base64, value);

    // Another body's checksum: BadDigest with S3's message.
    const std::string wrong = "14\r\n" + payload + "\r\n0\r\n" + ChecksumHeaderName(algorithm) +
                              ":" + Base64Checksum(algorithm, "other") + "\r\n\r\n";
    const Decoded bad = Decode(options, wrong);
    ExpectCode(bad, kBadDigest);
    EXPECT_EQ(bad.result.error().message, "The " + std::string(crypto::DigestName(algorithm)) +
                                              " you specified did not match the calculated "
                                              "checksum.");
    // Not base64 of the right size: InvalidRequest.
    const Decoded malformed = Decode(options, "14\r\n" + payload + "\r\n0\r\n" +
                                                  ChecksumHeaderName(algorithm) + ":AAAA\r\n\r\n");
    ExpectCode(malformed, kInvalidRequest);
    EXPECT_EQ(malformed.result.error().message,
              "Value for " + ChecksumHeaderName(algorithm) + " trailing header is invalid.");
    // Announced but not sent.
    ExpectCode(Decode(options, "14\r\n" + payload + "\r\n0\r\n\r\n"), kMalformedTrailerError);
    // Another checksum than announced.
    const crypto::DigestAlgorithm other = algorithm == crypto::DigestAlgorithm::kSha1
                                              ? crypto::DigestAlgorithm::kCrc32
                                              : crypto::DigestAlgorithm::kSha1;
    ExpectCode(Decode(options, "14\r\n" + payload + "\r\n0\r\n" + ChecksumHeaderName(other) + ":" +
                                   Base64Checksum(other, payload) + "\r\n\r\n"),
               kMalformedTrailerError);
  }
}

TEST(AwsChunkedTest, SignedTrailer) {
  const StreamingSigningContext context = AwsExampleContext();
  const std::string payload(10000, 'q');
  const std::string crc = Base64Checksum(crypto::DigestAlgorithm::kCrc32c, payload);
  AwsChunkedOptions options;
  options.mode = PayloadMode::kStreamingSignedTrailer;
  options.signing = context;
  options.decoded_content_length = payload.size();
  options.trailer_checksum = crypto::DigestAlgorithm::kCrc32c;
  const std::string trailer = "x-amz-checksum-crc32c:" + crc + "\n";
  const std::string body = SignedBody(context, payload, {8192}, &trailer);
  const Decoded decoded = Decode(options, body);
  ASSERT_TRUE(decoded.result.has_value()) << decoded.result.error().message;
  EXPECT_EQ(decoded.payload, payload);
  EXPECT_EQ(decoded.result->checksum_base64, crc);
  for (std::size_t cut = 0; cut <= body.size(); cut += body.size() > 200 ? 7 : 1) {
    ASSERT_TRUE(DecodeWithCuts(options, body, {cut}).result.has_value()) << cut;
  }

  // The trailer is signed: another checksum value (even a correct-looking one) fails.
  std::string tampered = body;
  const std::size_t at = tampered.find("x-amz-checksum-crc32c:") + 22;
  tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
  ExpectCode(Decode(options, tampered), kSignatureDoesNotMatch);
  // Without the trailer signature.
  std::string unsigned_trailer = body.substr(0, body.find("x-amz-trailer-signature:")) + "\r\n";
  ExpectCode(Decode(options, unsigned_trailer), kSignatureDoesNotMatch);
}

TEST(AwsChunkedTest, SinkErrorsStopDecoding) {
  auto decoder = AwsChunkedDecoder::Create(AwsExampleOptions());
  ASSERT_TRUE(decoder.has_value());
  const PayloadSink full = [](std::string_view) -> Status {
    return MakeError(ErrorCode::kResourceExhausted, "disk full");
  };
  const Status fed = decoder->Feed(AwsExampleBody(), full);
  ASSERT_FALSE(fed.has_value());
  EXPECT_EQ(fed.error().code, ErrorCode::kResourceExhausted);
}

TEST(AwsChunkedTest, CreateNeedsAStreamingModeAndSigningContext) {
  AwsChunkedOptions options;
  options.mode = PayloadMode::kUnsigned;
  EXPECT_FALSE(AwsChunkedDecoder::Create(options).has_value());
  options.mode = PayloadMode::kStreamingSigned;
  EXPECT_FALSE(AwsChunkedDecoder::Create(options).has_value());
  options.mode = PayloadMode::kStreamingUnsignedTrailer;
  EXPECT_TRUE(AwsChunkedDecoder::Create(options).has_value());
}

}  // namespace
}  // namespace portcullis::auth::sigv4

namespace portcullis::auth::sigv4 {
namespace {

// The fuzz seeds (fuzz/make_aws_chunked_seeds.py) are signed by Python's hmac/hashlib/zlib:
// an independent signer and checksummer. Each decodes completely under the fuzzer's options.
TEST(AwsChunkedTest, FuzzSeedsSignedByPythonDecode) {
  const std::filesystem::path dir =
      std::filesystem::path(IAM_SOURCE_DIR) / "fuzz" / "corpus" / "aws_chunked";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GE(input.size(), 4U);
    SCOPED_TRACE(entry.path().filename().string());
    const auto flags = static_cast<std::uint8_t>(input[0]);
    AwsChunkedOptions options;
    options.mode = (flags & 3U) == 0   ? PayloadMode::kStreamingSigned
                   : (flags & 3U) == 1 ? PayloadMode::kStreamingSignedTrailer
                                       : PayloadMode::kStreamingUnsignedTrailer;
    options.signing = AwsExampleContext();
    options.min_chunk_size = 1;
    if ((flags & 4U) != 0) {
      options.decoded_content_length =
          static_cast<std::uint8_t>(input[2]) |
          (static_cast<std::uint64_t>(static_cast<std::uint8_t>(input[3])) << 8);
    }
    const unsigned checksum = (flags >> 3) & 7U;
    const crypto::DigestAlgorithm algorithms[] = {
        crypto::DigestAlgorithm::kCrc32, crypto::DigestAlgorithm::kCrc32c,
        crypto::DigestAlgorithm::kCrc64Nvme, crypto::DigestAlgorithm::kSha1,
        crypto::DigestAlgorithm::kSha256};
    if (checksum >= 1 && checksum <= 5) {
      options.trailer_checksum = algorithms[checksum - 1];
    }
    const Decoded decoded = Decode(options, std::string_view(input).substr(4));
    EXPECT_TRUE(decoded.result.has_value()) << decoded.result.error().message;
    ++seen;
  }
  EXPECT_GE(seen, 5);
}

}  // namespace
}  // namespace portcullis::auth::sigv4
