#include "crypto/secret_box.h"

#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "common/base64.h"

namespace portcullis::crypto {
namespace {

constexpr std::uint8_t kSealVersion = 1;
constexpr std::size_t kNonceSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagSize = crypto_aead_xchacha20poly1305_ietf_ABYTES;

static_assert(kMasterKeySize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

void EnsureSodium() {
  // sodium_init is idempotent and thread-safe; it fails only without a randomness source.
  static const int kInit = sodium_init();
  (void)kInit;
}

Error KeyError(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::nullopt, {}, {}};
}

Result<std::array<std::uint8_t, kMasterKeySize>> DecodeKey(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  auto decoded = DecodeBase64(text);
  if (!decoded.has_value() || decoded->size() != kMasterKeySize) {
    return MakeError(KeyError("master key must be 32 bytes in base64"));
  }
  std::array<std::uint8_t, kMasterKeySize> key{};
  std::memcpy(key.data(), decoded->data(), kMasterKeySize);
  return key;
}

}  // namespace

void RandomBytes(std::uint8_t* out, std::size_t size) {
  EnsureSodium();
  randombytes_buf(out, size);
}

SecretBox SecretBox::FromKeyForTest(const std::array<std::uint8_t, kMasterKeySize>& key) {
  EnsureSodium();
  return SecretBox(key);
}

Result<SecretBox> SecretBox::FromBase64(std::string_view key_base64) {
  EnsureSodium();
  IAM_ASSIGN_OR_RETURN(auto key, DecodeKey(key_base64));
  return SecretBox(key);
}

Result<SecretBox> SecretBox::FromKeyFile(const std::filesystem::path& path, bool create) {
  EnsureSodium();

  struct stat st {};

  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT || !create) {
      return MakeError(
          KeyError("cannot read master key file `" + path.string() + "`: " + std::strerror(errno)));
    }
    std::array<std::uint8_t, kMasterKeySize> key{};
    randombytes_buf(key.data(), key.size());
    const std::string encoded =
        EncodeBase64(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
    // Create with 0600 from the start (O_EXCL: never overwrite a key).
    const mode_t old_mask = ::umask(077);
    std::FILE* f = std::fopen(path.c_str(), "wx");
    ::umask(old_mask);
    if (f == nullptr) {
      return MakeError(KeyError("cannot create master key file `" + path.string() +
                                "`: " + std::strerror(errno)));
    }
    const bool ok = std::fwrite(encoded.data(), 1, encoded.size(), f) == encoded.size() &&
                    std::fputc('\n', f) != EOF && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
    std::fclose(f);
    if (!ok)
      return MakeError(KeyError("cannot write master key file `" + path.string() + "`"));
    return SecretBox(key);
  }
  if ((st.st_mode & 077) != 0) {
    return MakeError(KeyError("master key file `" + path.string() +
                              "` is readable by group or others; chmod 600 it"));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return MakeError(KeyError("cannot read master key file `" + path.string() + "`"));
  }
  IAM_ASSIGN_OR_RETURN(auto key, DecodeKey(buffer.str()));
  return SecretBox(key);
}

SecretBox SecretBox::Derive(std::string_view label, std::uint64_t id) const {
  std::string message(label);
  message.push_back('\0');
  for (int shift = 56; shift >= 0; shift -= 8) {
    message.push_back(static_cast<char>((id >> shift) & 0xff));
  }
  std::array<std::uint8_t, kMasterKeySize> derived{};
  crypto_generichash(derived.data(), derived.size(),
                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                     key_.data(), key_.size());
  return SecretBox(derived);
}

std::vector<std::uint8_t> SecretBox::Seal(std::string_view plaintext,
                                          std::string_view associated_data) const {
  std::vector<std::uint8_t> out(1 + kNonceSize + plaintext.size() + kTagSize);
  out[0] = kSealVersion;
  std::uint8_t* nonce = out.data() + 1;
  randombytes_buf(nonce, kNonceSize);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + 1 + kNonceSize, &written,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(associated_data.data()), associated_data.size(),
      nullptr, nonce, key_.data());
  out.resize(1 + kNonceSize + written);
  return out;
}

Result<std::string> SecretBox::Open(const std::vector<std::uint8_t>& sealed,
                                    std::string_view associated_data) const {
  if (sealed.size() < 1 + kNonceSize + kTagSize || sealed[0] != kSealVersion) {
    return MakeError(ErrorCode::kInternal, "sealed secret does not open");
  }
  const std::size_t cipher_size = sealed.size() - 1 - kNonceSize;
  std::string plain(cipher_size - kTagSize, '\0');
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &written, nullptr,
          sealed.data() + 1 + kNonceSize, cipher_size,
          reinterpret_cast<const unsigned char*>(associated_data.data()), associated_data.size(),
          sealed.data() + 1, key_.data()) != 0) {
    return MakeError(ErrorCode::kInternal, "sealed secret does not open");
  }
  plain.resize(written);
  return plain;
}

}  // namespace portcullis::crypto
