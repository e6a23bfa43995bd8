// Incremental payload digests for S3: the additional checksums of AWS's "Checking object
// integrity" (Amazon S3 User Guide) - CRC32 (zlib), CRC32C (Castagnoli, RFC 3720 B.4),
// CRC64NVME (the NVM Express reflected CRC-64, polynomial 0xad93d23594c93659), SHA-1 and
// SHA-256 - and MD5 for Content-MD5 (RFC 1864) and ETags.
//
// A PayloadDigest is fed bytes with Update() as they arrive and gives the digest once with
// Final(): the raw digest bytes, big-endian for the CRCs, which is what S3 base64-encodes
// into x-amz-checksum-* headers and trailers. SHA-1, SHA-256 and MD5 go through OpenSSL 3's
// EVP interface; the CRCs are zlib's crc32 and table-driven code here.
//
// Thread-safety: a PayloadDigest is a value owned by one thread at a time (move-only);
// the free functions are pure. No function fails: OpenSSL fails for these digests only
// without memory, where the process aborts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace portcullis::crypto {

enum class DigestAlgorithm : std::uint8_t {
  kCrc32,
  kCrc32c,
  kCrc64Nvme,
  kSha1,
  kSha256,
  kMd5,
};

// The digest's size in bytes (4, 4, 8, 20, 32, 16).
std::size_t DigestSize(DigestAlgorithm algorithm);

// The upper-case name AWS uses in messages and x-amz-checksum-algorithm: "CRC32",
// "CRC32C", "CRC64NVME", "SHA1", "SHA256", "MD5".
std::string_view DigestName(DigestAlgorithm algorithm);

// Parses DigestName's names (case-insensitively). Returns nullopt for anything else.
std::optional<DigestAlgorithm> ParseDigestName(std::string_view name);

// CRC-32 (ISO-HDLC, as zlib and gzip): continue `crc` (0 to start) over `data`.
std::uint32_t Crc32(std::uint32_t crc, std::string_view data);
// CRC-32C (Castagnoli, iSCSI): continue `crc` (0 to start) over `data`.
std::uint32_t Crc32c(std::uint32_t crc, std::string_view data);
// CRC-64/NVME: continue `crc` (0 to start) over `data`.
std::uint64_t Crc64Nvme(std::uint64_t crc, std::string_view data);

// An incremental digest of one algorithm.
class PayloadDigest {
 public:
  explicit PayloadDigest(DigestAlgorithm algorithm);
  ~PayloadDigest();
  PayloadDigest(PayloadDigest&& other) noexcept;
  PayloadDigest& operator=(PayloadDigest&& other) noexcept;
  PayloadDigest(const PayloadDigest&) = delete;
  PayloadDigest& operator=(const PayloadDigest&) = delete;

  DigestAlgorithm algorithm() const { return algorithm_; }

  // Adds `data`. Must not be called after Final().
  void Update(std::string_view data);

  // Returns the raw digest (DigestSize bytes; CRCs big-endian). Call once.
  std::string Final();

 private:
  DigestAlgorithm algorithm_;
  std::uint64_t crc_ = 0;
  evp_md_ctx_st* ctx_ = nullptr;
};

// One-shot: the raw digest of `data`.
std::string ComputeDigest(DigestAlgorithm algorithm, std::string_view data);

}  // namespace portcullis::crypto
