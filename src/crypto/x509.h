// X.509 certificates and private keys in PEM, read with OpenSSL 3: the checks IAM makes
// before it stores a signing or server certificate (the certificate parses, its key pair
// matches, its chain certifies it in order).
//
// Everything here is a pure function of its arguments and may be called from any thread.
// Inputs are untrusted bytes (request members): parsing never prompts for a passphrase
// (an encrypted private key is an error), bounds nothing beyond what OpenSSL bounds, and
// no exception crosses this API. Results are owned by the caller.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace portcullis::crypto {

// One X.509 certificate as read from PEM.
struct Certificate {
  std::string der;              // the DER encoding (identity: equal DER, same certificate)
  std::int64_t not_before = 0;  // validity, seconds since the Unix epoch
  std::int64_t not_after = 0;
  std::string public_key_type;  // "RSA", "EC", or another OpenSSL key type name
  int public_key_bits = 0;
};

// Reads exactly one "CERTIFICATE" PEM block; blank space may surround it. Errors:
// kInvalidArgument when there is no such block, its base64 or DER does not decode, or
// anything but white space follows it.
[[nodiscard]] Result<Certificate> ParseCertificatePem(std::string_view pem);

// Reads one or more "CERTIFICATE" PEM blocks in order (a certificate chain); only white
// space may come between and around them. Errors as ParseCertificatePem; at most
// `max_certificates` (kInvalidArgument beyond).
[[nodiscard]] Result<std::vector<Certificate>> ParseCertificateChainPem(
    std::string_view pem, std::size_t max_certificates = 64);

// Returns the PEM form of `cert` (64-column base64, trailing newline).
std::string CertificatePem(const Certificate& cert);

// Whether `issuer` certifies `subject`: the issuer name (and key identifiers, when
// present) match and `subject`'s signature verifies with `issuer`'s public key.
bool IsIssuedBy(const Certificate& subject, const Certificate& issuer);

// An unencrypted private key as read from PEM ("PRIVATE KEY", "RSA PRIVATE KEY" or
// "EC PRIVATE KEY"; an "EC PARAMETERS" block before it is skipped).
struct PrivateKey {
  std::string type;  // "RSA", "EC", or another OpenSSL key type name
  int bits = 0;
  std::string curve;  // EC only: the group's name ("prime256v1", "secp384r1", ...)
  std::string der;    // PKCS#8 DER (secret: callers seal it, never log it)
};

// Reads one unencrypted private key and checks its consistency (the pairwise check).
// Errors: kInvalidArgument when there is none, it is encrypted, or it does not decode;
// kFailedPrecondition when it decodes but fails the consistency check.
[[nodiscard]] Result<PrivateKey> ParsePrivateKeyPem(std::string_view pem);

// Whether `key` is the private half of `cert`'s public key.
bool KeyMatchesCertificate(const PrivateKey& key, const Certificate& cert);

}  // namespace portcullis::crypto
