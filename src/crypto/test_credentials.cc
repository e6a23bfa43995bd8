#include "crypto/test_credentials.h"

#include <array>
#include <cstdlib>
#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string>

namespace portcullis::crypto {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};

struct ExtDeleter {
  void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

template <class T>
T* Check(T* p) {
  if (p == nullptr) {
    std::abort();
  }
  return p;
}

void Check(int ok) {
  if (ok <= 0) {
    std::abort();
  }
}

std::unique_ptr<BIO, BioDeleter> ReadBio(std::string_view text) {
  return std::unique_ptr<BIO, BioDeleter>(
      Check(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))));
}

std::string Drain(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return {data, static_cast<std::size_t>(len)};
}

std::string PrivatePem(EVP_PKEY* key) {
  std::unique_ptr<BIO, BioDeleter> bio(Check(BIO_new(BIO_s_mem())));
  Check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr));
  return Drain(bio.get());
}

PkeyPtr ReadKey(std::string_view pem) {
  auto bio = ReadBio(pem);
  return PkeyPtr(Check(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)));
}

X509Ptr ReadCert(std::string_view pem) {
  auto bio = ReadBio(pem);
  return X509Ptr(Check(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)));
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtDeleter> ext(
      Check(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)));
  Check(X509_add_ext(cert, ext.get(), -1));
}

}  // namespace

std::string NewRsaKeyPemForTest(int bits) {
  PkeyPtr key(Check(EVP_RSA_gen(static_cast<unsigned int>(bits))));
  return PrivatePem(key.get());
}

std::string NewEcKeyPemForTest(std::string_view curve) {
  const std::string name(curve);
  PkeyPtr key(Check(EVP_EC_gen(name.c_str())));
  return PrivatePem(key.get());
}

std::string NewEd25519KeyPemForTest() {
  PkeyPtr key(Check(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")));
  return PrivatePem(key.get());
}

std::string PublicKeyPemForTest(std::string_view key_pem) {
  PkeyPtr key = ReadKey(key_pem);
  std::unique_ptr<BIO, BioDeleter> bio(Check(BIO_new(BIO_s_mem())));
  Check(PEM_write_bio_PUBKEY(bio.get(), key.get()));
  return Drain(bio.get());
}

std::string CertificatePemForTest(std::string_view key_pem, const TestCertificateOptions& options) {
  PkeyPtr key = ReadKey(key_pem);
  const bool self_signed = options.issuer_certificate_pem.empty();
  PkeyPtr signing_key = self_signed ? ReadKey(key_pem) : ReadKey(options.issuer_key_pem);
  X509Ptr issuer = self_signed ? nullptr : ReadCert(options.issuer_certificate_pem);

  X509Ptr cert(Check(X509_new()));
  Check(X509_set_version(cert.get(), 2));
  std::array<unsigned char, 16> serial_bytes{};
  Check(RAND_bytes(serial_bytes.data(), static_cast<int>(serial_bytes.size())));
  serial_bytes[0] &= 0x7fU;
  BIGNUM* serial =
      Check(BN_bin2bn(serial_bytes.data(), static_cast<int>(serial_bytes.size()), nullptr));
  Check(BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get())) != nullptr ? 1 : 0);
  BN_free(serial);
  Check(ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(options.not_before)) !=
                nullptr
            ? 1
            : 0);
  Check(ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(options.not_after)) !=
                nullptr
            ? 1
            : 0);
  Check(X509_set_pubkey(cert.get(), key.get()));
  X509_NAME* name = X509_get_subject_name(cert.get());
  Check(X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(options.common_name.c_str()),
      -1, -1, 0));
  Check(X509_set_issuer_name(cert.get(), self_signed ? name : X509_get_subject_name(issuer.get())));
  X509* issuer_cert = self_signed ? cert.get() : issuer.get();
  AddExtension(cert.get(), issuer_cert, NID_subject_key_identifier, "hash");
  if (options.ca) {
    AddExtension(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert.get(), issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  }
  Check(X509_sign(
      cert.get(), signing_key.get(),
      EVP_PKEY_get_base_id(signing_key.get()) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256()));
  std::unique_ptr<BIO, BioDeleter> bio(Check(BIO_new(BIO_s_mem())));
  Check(PEM_write_bio_X509(bio.get(), cert.get()));
  return Drain(bio.get());
}

}  // namespace portcullis::crypto
