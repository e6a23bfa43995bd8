#include "crypto/ssh_key.h"

#include <array>
#include <cstdint>
#include <memory>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/pem.h"

namespace portcullis::crypto {
namespace {

struct BnDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};

struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};

using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

constexpr std::string_view kRsaType = "ssh-rsa";

Error Unrecognized(std::string message) {
  ERR_clear_error();
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::nullopt, {}, {}};
}

Error InvalidKey(std::string message) {
  ERR_clear_error();
  return Error{ErrorCode::kFailedPrecondition, std::move(message), std::nullopt, {}, {}};
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 1U << 20U) {
    return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::size_t padding = 0;
  if (text.back() == '=') {
    ++padding;
    if (text[text.size() - 2] == '=') {
      ++padding;
    }
  }
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string Base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

void PutString(std::string& out, std::string_view s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  out.push_back(static_cast<char>(n >> 24U));
  out.push_back(static_cast<char>((n >> 16U) & 0xffU));
  out.push_back(static_cast<char>((n >> 8U) & 0xffU));
  out.push_back(static_cast<char>(n & 0xffU));
  out.append(s);
}

// RFC 4251 mpint of a non-negative number: big-endian, a leading zero byte when the high
// bit is set, zero as the empty string.
void PutMpint(std::string& out, const BIGNUM& bn) {
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(&bn)), '\0');
  BN_bn2bin(&bn, reinterpret_cast<unsigned char*>(bytes.data()));
  if (!bytes.empty() && (static_cast<unsigned char>(bytes.front()) & 0x80U) != 0) {
    bytes.insert(bytes.begin(), '\0');
  }
  PutString(out, bytes);
}

// Reads an RFC 4251 string from the front of `in`.
std::optional<std::string_view> GetString(std::string_view& in) {
  if (in.size() < 4) {
    return std::nullopt;
  }
  const std::uint32_t n = (static_cast<std::uint32_t>(static_cast<unsigned char>(in[0])) << 24U) |
                          (static_cast<std::uint32_t>(static_cast<unsigned char>(in[1])) << 16U) |
                          (static_cast<std::uint32_t>(static_cast<unsigned char>(in[2])) << 8U) |
                          static_cast<std::uint32_t>(static_cast<unsigned char>(in[3]));
  in.remove_prefix(4);
  if (n > in.size()) {
    return std::nullopt;
  }
  std::string_view s = in.substr(0, n);
  in.remove_prefix(n);
  return s;
}

BnPtr GetMpint(std::string_view& in) {
  auto bytes = GetString(in);
  if (!bytes.has_value() ||
      (!bytes->empty() && (static_cast<unsigned char>(bytes->front()) & 0x80U) != 0)) {
    return nullptr;  // absent or negative
  }
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()),
                         static_cast<int>(bytes->size()), nullptr));
}

std::string Md5Fingerprint(std::string_view blob) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(blob.data(), blob.size(), md.data(), &len, EVP_md5(), nullptr);
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    if (i != 0) {
      out.push_back(':');
    }
    out.push_back(kHex[md[i] >> 4U]);
    out.push_back(kHex[md[i] & 0xfU]);
  }
  return out;
}

// Checks n and e and fills every field of the key from them.
Result<SshPublicKey> FromModulusAndExponent(const BIGNUM& n, const BIGNUM& e) {
  const int bits = BN_num_bits(&n);
  if (bits < kMinSshRsaBits || bits > kMaxSshRsaBits) {
    return MakeError(InvalidKey("the RSA modulus has " + std::to_string(bits) +
                                " bits; 2048 to 16384 are accepted"));
  }
  if (BN_is_odd(&n) == 0) {
    return MakeError(InvalidKey("the RSA modulus is even"));
  }
  if (BN_is_odd(&e) == 0 || BN_num_bits(&e) < 2 || BN_cmp(&e, &n) >= 0) {
    return MakeError(InvalidKey("the RSA public exponent is not acceptable"));
  }
  SshPublicKey key;
  key.bits = bits;
  PutString(key.blob, kRsaType);
  PutMpint(key.blob, e);
  PutMpint(key.blob, n);
  key.openssh = std::string(kRsaType) + " " + Base64Encode(key.blob);
  key.fingerprint = Md5Fingerprint(key.blob);

  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
    return MakeError(InvalidKey("the RSA key cannot be built"));
  }
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld.get()));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return MakeError(InvalidKey("the RSA key cannot be built"));
  }
  PkeyPtr pkey(raw);
  unsigned char* der = nullptr;
  const int der_len = i2d_PUBKEY(pkey.get(), &der);
  if (der_len <= 0) {
    return MakeError(InvalidKey("the RSA key cannot be encoded"));
  }
  key.pem = WritePemBlock("PUBLIC KEY", std::string_view(reinterpret_cast<const char*>(der),
                                                         static_cast<std::size_t>(der_len)));
  OPENSSL_free(der);
  ERR_clear_error();
  return key;
}

Result<SshPublicKey> FromPem(std::string_view text) {
  auto blocks = ReadPemBlocks(text, 1);
  if (!blocks.has_value()) {
    return MakeError(Unrecognized(blocks.error().message));
  }
  const PemBlock& block = blocks->front();
  const auto* begin = reinterpret_cast<const unsigned char*>(block.data.data());
  const auto* p = begin;
  const auto len = static_cast<long>(block.data.size());
  PkeyPtr pkey;
  if (block.name == "PUBLIC KEY") {
    pkey.reset(d2i_PUBKEY(nullptr, &p, len));
  } else if (block.name == "RSA PUBLIC KEY") {
    pkey.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, len));
  } else {
    return MakeError(Unrecognized("not a PEM public key"));
  }
  if (pkey == nullptr || p != begin + block.data.size()) {
    return MakeError(InvalidKey("malformed PEM public key"));
  }
  if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) {
    return MakeError(Unrecognized("not an RSA public key"));
  }
  BIGNUM* n_raw = nullptr;
  BIGNUM* e_raw = nullptr;
  const bool got_n = EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_N, &n_raw) == 1;
  BnPtr n(n_raw);
  const bool got_e = EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E, &e_raw) == 1;
  BnPtr e(e_raw);
  if (!got_n || !got_e) {
    return MakeError(InvalidKey("malformed RSA public key"));
  }
  return FromModulusAndExponent(*n, *e);
}

Result<SshPublicKey> FromOpenSsh(std::string_view text) {
  std::vector<std::string_view> fields;
  while (!text.empty() && fields.size() < 2) {
    std::size_t end = 0;
    while (end < text.size() && !IsSpace(text[end])) {
      ++end;
    }
    fields.push_back(text.substr(0, end));
    text = Trim(text.substr(end));
  }
  // What remains is the comment.
  if (fields.size() < 2 || fields[0] != kRsaType) {
    return MakeError(Unrecognized("not an ssh-rsa public key"));
  }
  auto blob = Base64Decode(fields[1]);
  if (!blob.has_value()) {
    return MakeError(Unrecognized("the key is not valid base64"));
  }
  std::string_view in = *blob;
  auto type = GetString(in);
  if (!type.has_value() || *type != kRsaType) {
    return MakeError(InvalidKey("the key blob is not an ssh-rsa key"));
  }
  BnPtr e = GetMpint(in);
  BnPtr n = e != nullptr ? GetMpint(in) : nullptr;
  if (n == nullptr || !in.empty()) {
    return MakeError(InvalidKey("malformed ssh-rsa key blob"));
  }
  IAM_ASSIGN_OR_RETURN(SshPublicKey key, FromModulusAndExponent(*n, *e));
  if (key.blob != *blob) {
    return MakeError(InvalidKey("the ssh-rsa key blob is not in canonical form"));
  }
  return key;
}

}  // namespace

Result<SshPublicKey> ParseSshPublicKey(std::string_view text) {
  text = Trim(text);
  if (text.substr(0, 11) == "-----BEGIN ") {
    return FromPem(text);
  }
  return FromOpenSsh(text);
}

}  // namespace portcullis::crypto
