// SecretBox: seals and opens secrets at rest (access-key secrets) with an AEAD
// (libsodium's XChaCha20-Poly1305-IETF) under a 32-byte master key kept outside the
// database: a key file (created with mode 0600 on first start) or an environment
// variable holding the key in base64.
//
// Sealed form: version byte || 24-byte random nonce || ciphertext+tag. The associated
// data binds a sealed secret to its record (the access key id), so a sealed value copied
// to another record does not open.
// Thread-safety: immutable after construction; Seal/Open may run concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace portcullis::crypto {

inline constexpr std::size_t kMasterKeySize = 32;

class SecretBox {
 public:
  // Reads the key file at `path`; when it does not exist and `create` is true, writes a
  // new random key there with mode 0600 (refusing to use an existing file that others
  // can read). The file holds the key in base64 followed by a newline.
  [[nodiscard]] static Result<SecretBox> FromKeyFile(const std::filesystem::path& path,
                                                     bool create);
  // The key in base64 (as PORTCULLIS_MASTER_KEY carries it).
  [[nodiscard]] static Result<SecretBox> FromBase64(std::string_view key_base64);
  static SecretBox FromKeyForTest(const std::array<std::uint8_t, kMasterKeySize>& key);

  // A SecretBox under a key derived from this one (keyed BLAKE2b of `label` and `id`):
  // the same master key derives the same key on every node. The STS session-token key
  // ring uses it (auth/session_token.h).
  SecretBox Derive(std::string_view label, std::uint64_t id) const;

  [[nodiscard]] std::vector<std::uint8_t> Seal(std::string_view plaintext,
                                               std::string_view associated_data) const;
  // kInternal ("sealed secret does not open") when the key, the data or the associated
  // data differ from sealing time.
  [[nodiscard]] Result<std::string> Open(const std::vector<std::uint8_t>& sealed,
                                         std::string_view associated_data) const;

 private:
  explicit SecretBox(const std::array<std::uint8_t, kMasterKeySize>& key) : key_(key) {}

  std::array<std::uint8_t, kMasterKeySize> key_{};
};

// Fills `out` with cryptographically secure random bytes.
void RandomBytes(std::uint8_t* out, std::size_t size);

}  // namespace portcullis::crypto
