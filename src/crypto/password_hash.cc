#include "crypto/password_hash.h"

#include <sodium.h>

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
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return tl::unexpected(
        Error{ErrorCode::kInternal, "password hashing ran out of memory", std::nullopt, {}, {}});
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view password, std::string_view encoded_hash) {
  if (!EnsureSodium() || encoded_hash.size() >= crypto_pwhash_STRBYTES) {
    return false;
  }
  // crypto_pwhash_str_verify wants a NUL-terminated string.
  char stored[crypto_pwhash_STRBYTES] = {};
  encoded_hash.copy(stored, encoded_hash.size());
  const bool ok = crypto_pwhash_str_verify(stored, password.data(), password.size()) == 0;
  sodium_memzero(stored, sizeof stored);
  return ok;
}

}  // namespace portcullis::crypto
