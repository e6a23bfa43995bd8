// The payload digests against published check values: the CRC catalogue's "123456789"
// checks, RFC 3720 B.4's CRC32C vectors, FIPS 180 / RFC 1321 examples, and incremental
// feeding equal to one-shot.
#include "crypto/checksums.h"

#include <gtest/gtest.h>
#include <string>

#include "common/base64.h"
#include "crypto/crypto.h"

namespace portcullis::crypto {
namespace {

std::string Hex(std::string_view bytes) {
  return HexLower(bytes);
}

TEST(ChecksumsTest, CrcCheckValues) {
  // Greg Cook's CRC catalogue: the CRC of ASCII "123456789".
  EXPECT_EQ(Crc32(0, "123456789"), 0xcbf43926U);
  EXPECT_EQ(Crc32c(0, "123456789"), 0xe3069283U);
  EXPECT_EQ(Crc64Nvme(0, "123456789"), 0xae8b14860a799888ULL);
  EXPECT_EQ(Crc32(0, ""), 0U);
  EXPECT_EQ(Crc32c(0, ""), 0U);
  EXPECT_EQ(Crc64Nvme(0, ""), 0ULL);
}

TEST(ChecksumsTest, Crc32cRfc3720Vectors) {
  // RFC 3720 B.4: 32 bytes of zeros, of 0xff, ascending and descending.
  std::string zeros(32, '\0');
  std::string ones(32, '\xff');
  std::string ascending;
  std::string descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(Crc32c(0, zeros), 0x8a9136aaU);
  EXPECT_EQ(Crc32c(0, ones), 0x62a8ab43U);
  EXPECT_EQ(Crc32c(0, ascending), 0x46dd794eU);
  EXPECT_EQ(Crc32c(0, descending), 0x113fdb5cU);
}

TEST(ChecksumsTest, CryptographicDigests) {
  EXPECT_EQ(Hex(ComputeDigest(DigestAlgorithm::kSha256, "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(ComputeDigest(DigestAlgorithm::kSha1, "abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Hex(ComputeDigest(DigestAlgorithm::kMd5, "")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Hex(ComputeDigest(DigestAlgorithm::kMd5, "abc")), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(ChecksumsTest, CrcDigestsAreBigEndianAsS3EncodesThem) {
  EXPECT_EQ(Hex(ComputeDigest(DigestAlgorithm::kCrc32, "123456789")), "cbf43926");
  EXPECT_EQ(Hex(ComputeDigest(DigestAlgorithm::kCrc32c, "123456789")), "e3069283");
  EXPECT_EQ(Hex(ComputeDigest(DigestAlgorithm::kCrc64Nvme, "123456789")), "ae8b14860a799888");
  // S3's x-amz-checksum-crc32 of "Hello, world!" style values: base64 of the 4 bytes.
  EXPECT_EQ(EncodeBase64(ComputeDigest(DigestAlgorithm::kCrc32, "")), "AAAAAA==");
}

TEST(ChecksumsTest, IncrementalEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 5000; ++i) {
    data.push_back(static_cast<char>((i * 131) & 0xff));
  }
  for (const DigestAlgorithm algorithm :
       {DigestAlgorithm::kCrc32, DigestAlgorithm::kCrc32c, DigestAlgorithm::kCrc64Nvme,
        DigestAlgorithm::kSha1, DigestAlgorithm::kSha256, DigestAlgorithm::kMd5}) {
    const std::string expected = ComputeDigest(algorithm, data);
    EXPECT_EQ(expected.size(), DigestSize(algorithm));
    for (const std::size_t step : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
      PayloadDigest digest(algorithm);
      for (std::size_t at = 0; at < data.size(); at += step) {
        digest.Update(std::string_view(data).substr(at, step));
      }
      EXPECT_EQ(digest.Final(), expected) << DigestName(algorithm) << " step " << step;
    }
    PayloadDigest moved_from(algorithm);
    moved_from.Update(data.substr(0, 100));
    PayloadDigest moved = std::move(moved_from);
    moved.Update(data.substr(100));
    EXPECT_EQ(moved.Final(), expected);
  }
}

TEST(ChecksumsTest, Names) {
  EXPECT_EQ(ParseDigestName("crc64nvme"), DigestAlgorithm::kCrc64Nvme);
  EXPECT_EQ(ParseDigestName("SHA256"), DigestAlgorithm::kSha256);
  EXPECT_FALSE(ParseDigestName("crc16").has_value());
  EXPECT_EQ(DigestName(DigestAlgorithm::kCrc32c), "CRC32C");
}

}  // namespace
}  // namespace portcullis::crypto
