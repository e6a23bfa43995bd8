#include "crypto/crypto.h"

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

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  Sha256Digest out{};
  unsigned int out_len = 0;
  // An empty key is valid HMAC input; OpenSSL wants a non-null pointer for it.
  static constexpr std::array<unsigned char, 1> kEmpty = {0};
  const auto* key_bytes =
      key.empty() ? kEmpty.data() : reinterpret_cast<const unsigned char*>(key.data());
  const unsigned char* result =
      HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &out_len);
  // INVARIANT: HMAC with SHA-256 only fails on allocation failure, where nothing can go on.
  if (result == nullptr || out_len != kSha256Size) {
    std::abort();
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
