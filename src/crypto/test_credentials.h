// Key pairs and X.509 certificates made on the fly for tests (unit tests, fuzz seeds and
// the test identity provider `portcullis idp`, whose SAML signing key lives as long as the
// process), so no private key is ever committed. Nothing in `portcullis serve` calls these.
// Pure functions (fresh randomness each call); any thread. They abort on an OpenSSL
// failure, which only memory exhaustion causes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace portcullis::crypto {

// A new RSA key of `bits` bits, as unencrypted PKCS#8 PEM ("PRIVATE KEY").
std::string NewRsaKeyPemForTest(int bits);
// A new EC key on `curve` ("P-256", "P-384", ...), as unencrypted PKCS#8 PEM.
std::string NewEcKeyPemForTest(std::string_view curve);
// A new Ed25519 key, as unencrypted PKCS#8 PEM.
std::string NewEd25519KeyPemForTest();
// The public half of `key_pem` as SubjectPublicKeyInfo PEM ("PUBLIC KEY").
std::string PublicKeyPemForTest(std::string_view key_pem);

struct TestCertificateOptions {
  std::string common_name = "portcullis.test";
  std::int64_t not_before = 0;  // seconds since the epoch
  std::int64_t not_after = 0;
  bool ca = false;  // adds basicConstraints CA:TRUE and keyCertSign
  // The issuer; both empty: self-signed with the subject's key.
  std::string issuer_certificate_pem;
  std::string issuer_key_pem;
};

// A certificate for the public half of `key_pem`, as PEM ("CERTIFICATE").
std::string CertificatePemForTest(std::string_view key_pem, const TestCertificateOptions& options);

}  // namespace portcullis::crypto
