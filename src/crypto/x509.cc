#include "crypto/x509.h"

#include <array>
#include <ctime>
#include <memory>
#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string>
#include <utility>

#include "crypto/pem.h"

namespace portcullis::crypto {
namespace {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

struct P8Deleter {
  void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};

using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

Error Invalid(std::string message) {
  ERR_clear_error();
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::nullopt, {}, {}};
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Result<std::int64_t> EpochSeconds(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return MakeError(Invalid("malformed certificate validity time"));
  }
  const std::int64_t days =
      DaysFromCivil(static_cast<std::int64_t>(tm.tm_year) + 1900,
                    static_cast<unsigned>(tm.tm_mon + 1), static_cast<unsigned>(tm.tm_mday));
  return days * 86400 + std::int64_t{tm.tm_hour} * 3600 + std::int64_t{tm.tm_min} * 60 + tm.tm_sec;
}

// Decodes DER that must be consumed entirely.
X509Ptr DecodeCertificate(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (x != nullptr && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return nullptr;
  }
  return x;
}

Result<Certificate> CertificateFromBlock(const PemBlock& block) {
  if (block.name != "CERTIFICATE" || !block.header.empty()) {
    return MakeError(Invalid("not a CERTIFICATE PEM block"));
  }
  X509Ptr x = DecodeCertificate(block.data);
  if (x == nullptr) {
    return MakeError(Invalid("malformed X.509 certificate"));
  }
  Certificate cert;
  cert.der = block.data;
  IAM_ASSIGN_OR_RETURN(cert.not_before, EpochSeconds(X509_get0_notBefore(x.get())));
  IAM_ASSIGN_OR_RETURN(cert.not_after, EpochSeconds(X509_get0_notAfter(x.get())));
  if (EVP_PKEY* key = X509_get0_pubkey(x.get()); key != nullptr) {
    const char* type = EVP_PKEY_get0_type_name(key);
    cert.public_key_type = type != nullptr ? type : "";
    cert.public_key_bits = EVP_PKEY_get_bits(key);
  }
  ERR_clear_error();
  return cert;
}

PkeyPtr DecodePrivateKey(const PemBlock& block) {
  const auto* begin = reinterpret_cast<const unsigned char*>(block.data.data());
  const auto* p = begin;
  const auto len = static_cast<long>(block.data.size());
  PkeyPtr key;
  if (block.name == "PRIVATE KEY") {
    key.reset(d2i_AutoPrivateKey(nullptr, &p, len));
  } else if (block.name == "RSA PRIVATE KEY") {
    key.reset(d2i_PrivateKey(EVP_PKEY_RSA, nullptr, &p, len));
  } else if (block.name == "EC PRIVATE KEY") {
    key.reset(d2i_PrivateKey(EVP_PKEY_EC, nullptr, &p, len));
  }
  if (key != nullptr && p != begin + block.data.size()) {
    return nullptr;
  }
  return key;
}

PkeyPtr DecodePkcs8(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return PkeyPtr(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
}

}  // namespace

Result<Certificate> ParseCertificatePem(std::string_view pem) {
  IAM_ASSIGN_OR_RETURN(auto blocks, ReadPemBlocks(pem, 1));
  return CertificateFromBlock(blocks.front());
}

Result<std::vector<Certificate>> ParseCertificateChainPem(std::string_view pem,
                                                          std::size_t max_certificates) {
  IAM_ASSIGN_OR_RETURN(auto blocks, ReadPemBlocks(pem, max_certificates));
  std::vector<Certificate> chain;
  chain.reserve(blocks.size());
  for (const PemBlock& block : blocks) {
    IAM_ASSIGN_OR_RETURN(Certificate cert, CertificateFromBlock(block));
    chain.push_back(std::move(cert));
  }
  return chain;
}

std::string CertificatePem(const Certificate& cert) {
  return WritePemBlock("CERTIFICATE", cert.der);
}

bool IsIssuedBy(const Certificate& subject, const Certificate& issuer) {
  X509Ptr s = DecodeCertificate(subject.der);
  X509Ptr i = DecodeCertificate(issuer.der);
  bool ok = false;
  if (s != nullptr && i != nullptr && X509_check_issued(i.get(), s.get()) == X509_V_OK) {
    EVP_PKEY* key = X509_get0_pubkey(i.get());
    ok = key != nullptr && X509_verify(s.get(), key) == 1;
  }
  ERR_clear_error();
  return ok;
}

Result<PrivateKey> ParsePrivateKeyPem(std::string_view pem) {
  IAM_ASSIGN_OR_RETURN(auto blocks, ReadPemBlocks(pem, 2));
  const PemBlock* key_block = nullptr;
  for (const PemBlock& block : blocks) {
    if (block.name == "EC PARAMETERS" && key_block == nullptr) {
      continue;
    }
    if (key_block != nullptr) {
      return MakeError(Invalid("more than one PEM block besides EC PARAMETERS"));
    }
    key_block = &block;
  }
  if (key_block == nullptr) {
    return MakeError(Invalid("no private key PEM block"));
  }
  if (key_block->name == "ENCRYPTED PRIVATE KEY" ||
      key_block->header.find("ENCRYPTED") != std::string::npos) {
    return MakeError(Invalid("the private key is encrypted"));
  }
  if (!key_block->header.empty()) {
    return MakeError(Invalid("unexpected PEM headers"));
  }
  PkeyPtr key = DecodePrivateKey(*key_block);
  if (key == nullptr) {
    return MakeError(Invalid("malformed private key"));
  }
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (ctx == nullptr || EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    ERR_clear_error();
    return MakeError(ErrorCode::kFailedPrecondition, "the private key fails its consistency check");
  }
  PrivateKey out;
  const char* type = EVP_PKEY_get0_type_name(key.get());
  out.type = type != nullptr ? type : "";
  out.bits = EVP_PKEY_get_bits(key.get());
  std::array<char, 80> group{};
  std::size_t group_len = 0;
  if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.data(),
                                     group.size(), &group_len) == 1) {
    out.curve.assign(group.data(), group_len);
  }
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, P8Deleter> p8(EVP_PKEY2PKCS8(key.get()));
  unsigned char* der = nullptr;
  const int der_len = p8 != nullptr ? i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der) : -1;
  if (der_len <= 0) {
    ERR_clear_error();
    return MakeError(Invalid("private key cannot be encoded as PKCS#8"));
  }
  out.der.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(der_len));
  OPENSSL_clear_free(der, static_cast<std::size_t>(der_len));
  ERR_clear_error();
  return out;
}

bool KeyMatchesCertificate(const PrivateKey& key, const Certificate& cert) {
  X509Ptr x = DecodeCertificate(cert.der);
  PkeyPtr k = DecodePkcs8(key.der);
  const bool ok = x != nullptr && k != nullptr && X509_check_private_key(x.get(), k.get()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace portcullis::crypto
