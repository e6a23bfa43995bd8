#include "crypto/crypto.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "common/strings.h"

namespace portcullis::crypto {

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest out{};
  // SHA256() cannot fail for in-memory input; it returns its output pointer.
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

namespace {

constexpr std::size_t kSha256BlockSize = 64;

// A SHA-256 EVP_MD fetched once and a digest context per thread, reused across calls.
// OpenSSL 3's one-shot HMAC() fetches the algorithm and allocates a MAC context on every
// call, which costs tens of microseconds; SigV4 verification runs five HMACs per request.
class Sha256Hasher {
 public:
  Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
    // INVARIANT: only allocation failure makes this fail, where nothing can go on.
    if (ctx_ == nullptr)
      std::abort();
  }

  ~Sha256Hasher() { EVP_MD_CTX_free(ctx_); }

  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  // Digest of the concatenation of `a` and `b`.
  Sha256Digest Digest(const unsigned char* a, std::size_t a_size, const unsigned char* b,
                      std::size_t b_size) {
    static EVP_MD* const kMd = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    Sha256Digest out{};
    unsigned int out_len = 0;
    if (kMd == nullptr || EVP_DigestInit_ex(ctx_, kMd, nullptr) != 1 ||
        EVP_DigestUpdate(ctx_, a, a_size) != 1 || EVP_DigestUpdate(ctx_, b, b_size) != 1 ||
        EVP_DigestFinal_ex(ctx_, out.data(), &out_len) != 1 || out_len != kSha256Size) {
      std::abort();  // INVARIANT: SHA-256 over memory fails only without memory
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

Sha256Hasher& ThreadHasher() {
  thread_local Sha256Hasher hasher;
  return hasher;
}

}  // namespace

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  // RFC 2104: H((K ^ opad) || H((K ^ ipad) || data)), K padded to the block size (hashed
  // first when longer).
  Sha256Hasher& hasher = ThreadHasher();
  std::array<unsigned char, kSha256BlockSize> block{};
  if (key.size() > kSha256BlockSize) {
    const Sha256Digest hashed =
        hasher.Digest(reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr, 0);
    std::copy(hashed.begin(), hashed.end(), block.begin());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  std::array<unsigned char, kSha256BlockSize> pad{};
  for (std::size_t i = 0; i < kSha256BlockSize; ++i) {
    pad[i] = static_cast<unsigned char>(block[i] ^ 0x36U);
  }
  const Sha256Digest inner = hasher.Digest(
      pad.data(), pad.size(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
  for (std::size_t i = 0; i < kSha256BlockSize; ++i) {
    pad[i] = static_cast<unsigned char>(block[i] ^ 0x5CU);
  }
  OPENSSL_cleanse(block.data(), block.size());
  Sha256Digest out = hasher.Digest(pad.data(), pad.size(), inner.data(), inner.size());
  OPENSSL_cleanse(pad.data(), pad.size());
  return out;
}

Sha1Digest HmacSha1(std::string_view key, std::string_view data) {
  // The one-shot HMAC() is fine here: SigV2 is rare and runs one HMAC per request.
  Sha1Digest out{};
  unsigned int out_len = 0;
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &out_len) == nullptr ||
      out_len != kSha1Size) {
    std::abort();  // INVARIANT: HMAC over memory fails only without memory
  }
  return out;
}

std::string HexLower(std::string_view bytes) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.resize(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4U];
    out[2 * i + 1] = kDigits[b & 0x0FU];
  }
  return out;
}

Result<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "hex text has an odd length");
  }
  std::string out;
  out.resize(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = HexDigitValue(hex[2 * i]);
    const int lo = HexDigitValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return MakeError(ErrorCode::kInvalidArgument, "hex text has a non-hex character");
    }
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  if (a.empty()) {
    return true;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace portcullis::crypto
