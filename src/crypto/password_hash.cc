#include "crypto/password_hash.h"

#include <sodium.h>

#include <array>
#include <optional>
#include <string>

namespace portcullis::crypto {
namespace {

bool EnsureSodium() {
  // sodium_init is idempotent and thread-safe; it fails only without a randomness source.
  static const int kInit = sodium_init();
  return kInit >= 0;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  if (!EnsureSodium()) {
    return tl::unexpected(
        Error{ErrorCode::kInternal, "libsodium failed to initialize", std::nullopt, {}, {}});
  }
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return tl::unexpected(
        Error{ErrorCode::kInternal, "password hashing ran out of memory", std::nullopt, {}, {}});
  }
  return std::string(out.data());
}

bool VerifyPassword(std::string_view password, std::string_view encoded_hash) {
  if (!EnsureSodium() || encoded_hash.size() >= crypto_pwhash_STRBYTES) {
    return false;
  }
  // crypto_pwhash_str_verify wants a NUL-terminated string.
  std::array<char, crypto_pwhash_STRBYTES> stored{};
  encoded_hash.copy(stored.data(), encoded_hash.size());
  const bool ok = crypto_pwhash_str_verify(stored.data(), password.data(), password.size()) == 0;
  sodium_memzero(stored.data(), stored.size());
  return ok;
}

}  // namespace portcullis::crypto
