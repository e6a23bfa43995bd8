#include "crypto/pem.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string>

namespace portcullis::crypto {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

bool IsPemSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view TrimLeft(std::string_view text) {
  while (!text.empty() && IsPemSpace(text.front())) {
    text.remove_prefix(1);
  }
  return text;
}

Error PemError(std::string message) {
  ERR_clear_error();
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::nullopt, {}, {}};
}

}  // namespace

Result<std::vector<PemBlock>> ReadPemBlocks(std::string_view text, std::size_t max_blocks) {
  std::vector<PemBlock> blocks;
  std::string_view rest = TrimLeft(text);
  if (rest.empty()) {
    return MakeError(PemError("no PEM block"));
  }
  if (rest.size() > static_cast<std::size_t>(INT_MAX)) {
    return MakeError(PemError("PEM text too large"));
  }
  while (!rest.empty()) {
    // The BEGIN line must be whole: OpenSSL's reader would skip a broken one, and the
    // lines after it, up to the next block.
    std::string_view begin_line = rest.substr(0, rest.find('\n'));
    if (!begin_line.empty() && begin_line.back() == '\r') {
      begin_line.remove_suffix(1);
    }
    if (begin_line.substr(0, 11) != "-----BEGIN " || begin_line.size() < 16 ||
        begin_line.substr(begin_line.size() - 5) != "-----") {
      return MakeError(PemError("text outside PEM blocks"));
    }
    if (blocks.size() >= max_blocks) {
      return MakeError(PemError("more than " + std::to_string(max_blocks) + " PEM blocks"));
    }
    std::unique_ptr<BIO, BioDeleter> bio(
        BIO_new_mem_buf(rest.data(), static_cast<int>(rest.size())));
    if (bio == nullptr) {
      return MakeError(PemError("out of memory"));
    }
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
      return MakeError(PemError("malformed PEM block"));
    }
    PemBlock block;
    block.name = name;
    block.header = header;
    block.data.assign(reinterpret_cast<const char*>(data), static_cast<std::size_t>(len));
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    blocks.push_back(std::move(block));
    char* remaining = nullptr;
    const long remaining_len = BIO_get_mem_data(bio.get(), &remaining);
    const std::size_t consumed = rest.size() - static_cast<std::size_t>(remaining_len);
    rest = TrimLeft(rest.substr(consumed));
  }
  return blocks;
}

std::string WritePemBlock(std::string_view name, std::string_view data) {
  std::string out = "-----BEGIN " + std::string(name) + "-----\n";
  constexpr std::size_t kLineBytes = 48;  // 64 base64 characters
  for (std::size_t i = 0; i < data.size(); i += kLineBytes) {
    const std::size_t n = std::min(kLineBytes, data.size() - i);
    std::string line(4 * ((n + 2) / 3) + 1, '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(line.data()),
                                        reinterpret_cast<const unsigned char*>(data.data() + i),
                                        static_cast<int>(n));
    line.resize(static_cast<std::size_t>(written));
    out += line;
    out += '\n';
  }
  out += "-----END " + std::string(name) + "-----\n";
  return out;
}

}  // namespace portcullis::crypto
