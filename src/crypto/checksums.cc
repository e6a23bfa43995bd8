#include "crypto/checksums.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <limits>
#include <openssl/evp.h>
#include <utility>

#include "common/strings.h"

namespace portcullis::crypto {
namespace {

// Byte-at-a-time tables of the reflected CRCs: table[i] is the CRC register after shifting
// in byte i.
template <typename Word>
constexpr std::array<Word, 256> ReflectedTable(Word polynomial) {
  std::array<Word, 256> table{};
  for (std::size_t i = 0; i < 256; ++i) {
    Word crc = static_cast<Word>(i);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1U) != 0 ? static_cast<Word>((crc >> 1) ^ polynomial)
                            : static_cast<Word>(crc >> 1);
    }
    table[i] = crc;
  }
  return table;
}

// CRC-32C: Castagnoli 0x1edc6f41, reflected 0x82f63b78 (RFC 3720 B.4).
constexpr auto kCrc32cTable = ReflectedTable<std::uint32_t>(0x82f63b78U);
// CRC-64/NVME: 0xad93d23594c93659, reflected 0x9a6c9329ac4bc9b5 (NVM Express Command Set).
constexpr auto kCrc64NvmeTable = ReflectedTable<std::uint64_t>(0x9a6c9329ac4bc9b5ULL);

template <typename Word>
Word ReflectedCrc(const std::array<Word, 256>& table, Word crc, std::string_view data) {
  crc = static_cast<Word>(~crc);
  for (const char c : data) {
    crc = static_cast<Word>(table[(crc ^ static_cast<unsigned char>(c)) & 0xffU] ^ (crc >> 8));
  }
  return static_cast<Word>(~crc);
}

const EVP_MD* EvpFor(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kSha1:
      return EVP_sha1();
    case DigestAlgorithm::kSha256:
      return EVP_sha256();
    case DigestAlgorithm::kMd5:
      return EVP_md5();
    default:
      return nullptr;
  }
}

std::string BigEndian(std::uint64_t value, std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[size - 1 - i] = static_cast<char>(value & 0xffU);
    value >>= 8;
  }
  return out;
}

}  // namespace

std::size_t DigestSize(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kCrc32:
    case DigestAlgorithm::kCrc32c:
      return 4;
    case DigestAlgorithm::kCrc64Nvme:
      return 8;
    case DigestAlgorithm::kSha1:
      return 20;
    case DigestAlgorithm::kSha256:
      return 32;
    case DigestAlgorithm::kMd5:
      return 16;
  }
  return 0;
}

std::string_view DigestName(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kCrc32:
      return "CRC32";
    case DigestAlgorithm::kCrc32c:
      return "CRC32C";
    case DigestAlgorithm::kCrc64Nvme:
      return "CRC64NVME";
    case DigestAlgorithm::kSha1:
      return "SHA1";
    case DigestAlgorithm::kSha256:
      return "SHA256";
    case DigestAlgorithm::kMd5:
      return "MD5";
  }
  return "";
}

std::optional<DigestAlgorithm> ParseDigestName(std::string_view name) {
  for (const DigestAlgorithm algorithm :
       {DigestAlgorithm::kCrc32, DigestAlgorithm::kCrc32c, DigestAlgorithm::kCrc64Nvme,
        DigestAlgorithm::kSha1, DigestAlgorithm::kSha256, DigestAlgorithm::kMd5}) {
    if (EqualsIgnoreCase(name, DigestName(algorithm))) {
      return algorithm;
    }
  }
  return std::nullopt;
}

std::uint32_t Crc32(std::uint32_t crc, std::string_view data) {
  uLong value = crc;
  // zlib takes uInt lengths; feed at most 1 GiB at a time.
  constexpr std::size_t kStep = std::size_t{1} << 30;
  while (!data.empty()) {
    const std::size_t n = std::min(data.size(), kStep);
    value = crc32(value, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<std::uint32_t>(value);
}

std::uint32_t Crc32c(std::uint32_t crc, std::string_view data) {
  return ReflectedCrc(kCrc32cTable, crc, data);
}

std::uint64_t Crc64Nvme(std::uint64_t crc, std::string_view data) {
  return ReflectedCrc(kCrc64NvmeTable, crc, data);
}

PayloadDigest::PayloadDigest(DigestAlgorithm algorithm) : algorithm_(algorithm) {
  const EVP_MD* md = EvpFor(algorithm);
  if (md != nullptr) {
    ctx_ = EVP_MD_CTX_new();
    // INVARIANT: only allocation failure makes these fail, where nothing can go on.
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, md, nullptr) != 1) {
      std::abort();
    }
  }
}

PayloadDigest::~PayloadDigest() {
  EVP_MD_CTX_free(ctx_);
}

PayloadDigest::PayloadDigest(PayloadDigest&& other) noexcept
    : algorithm_(other.algorithm_), crc_(other.crc_), ctx_(std::exchange(other.ctx_, nullptr)) {}

PayloadDigest& PayloadDigest::operator=(PayloadDigest&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(ctx_);
    algorithm_ = other.algorithm_;
    crc_ = other.crc_;
    ctx_ = std::exchange(other.ctx_, nullptr);
  }
  return *this;
}

void PayloadDigest::Update(std::string_view data) {
  switch (algorithm_) {
    case DigestAlgorithm::kCrc32:
      crc_ = Crc32(static_cast<std::uint32_t>(crc_), data);
      return;
    case DigestAlgorithm::kCrc32c:
      crc_ = Crc32c(static_cast<std::uint32_t>(crc_), data);
      return;
    case DigestAlgorithm::kCrc64Nvme:
      crc_ = Crc64Nvme(crc_, data);
      return;
    default:
      if (ctx_ == nullptr || EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) {
        std::abort();  // INVARIANT: Update after Final, or no memory
      }
      return;
  }
}

std::string PayloadDigest::Final() {
  const std::size_t size = DigestSize(algorithm_);
  if (ctx_ == nullptr) {
    return BigEndian(crc_, size);
  }
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int out_len = 0;
  if (EVP_DigestFinal_ex(ctx_, reinterpret_cast<unsigned char*>(out.data()), &out_len) != 1 ||
      out_len != size) {
    std::abort();  // INVARIANT: a digest over memory fails only without memory
  }
  EVP_MD_CTX_free(ctx_);
  ctx_ = nullptr;
  out.resize(out_len);
  return out;
}

std::string ComputeDigest(DigestAlgorithm algorithm, std::string_view data) {
  PayloadDigest digest(algorithm);
  digest.Update(data);
  return digest.Final();
}

}  // namespace portcullis::crypto
