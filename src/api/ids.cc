#include "api/ids.h"

#include <array>
#include <cstdint>

#include "crypto/secret_box.h"

namespace portcullis::api {
namespace {

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Appends `count` characters drawn uniformly from `alphabet` (whose size divides 256).
void AppendRandom(std::string_view alphabet, std::size_t count, std::string* out) {
  std::array<std::uint8_t, 64> bytes{};
  crypto::RandomBytes(bytes.data(), count);
  for (std::size_t i = 0; i < count; ++i) {
    out->push_back(alphabet[bytes[i] % alphabet.size()]);
  }
}

}  // namespace

std::string NewUniqueId(std::string_view prefix) {
  std::string id(prefix);
  AppendRandom(kBase32, 17, &id);
  return id;
}

std::string NewAccessKeyId() {
  std::string id(kAccessKeyIdPrefix);
  AppendRandom(kBase32, 16, &id);
  return id;
}

std::string NewSecretAccessKey() {
  std::string secret;
  AppendRandom(kSecretAlphabet, 40, &secret);
  return secret;
}

std::string NewAccountId() {
  std::string id;
  std::array<std::uint8_t, 24> bytes{};
  crypto::RandomBytes(bytes.data(), bytes.size());
  // Rejection sampling keeps the digits uniform.
  for (std::uint8_t b : bytes) {
    if (id.size() == 12)
      break;
    if (b >= 250)
      continue;
    const char digit = static_cast<char>('0' + b % 10);
    if (id.empty() && digit == '0')
      continue;
    id.push_back(digit);
  }
  while (id.size() < 12)
    id.push_back('1');  // 24 draws all rejected: vanishingly rare
  return id;
}

std::string NewRequestId() {
  std::array<std::uint8_t, 16> b{};
  crypto::RandomBytes(b.data(), b.size());
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0F]);
  }
  return out;
}

}  // namespace portcullis::api
