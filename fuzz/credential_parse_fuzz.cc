// libFuzzer target for the certificate and key readers (crypto/pem.h, crypto/x509.h,
// crypto/ssh_key.h): what UploadSSHPublicKey, UploadSigningCertificate and
// UploadServerCertificate read from a request.
//
// Each input is read as text by every reader, and its raw bytes are also wrapped as the
// DER inside a CERTIFICATE, PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY, PUBLIC KEY and
// RSA PUBLIC KEY block and as the blob of an "ssh-rsa" line, so the DER and blob decoders
// are reached without committing keys as seeds. Properties checked, aborting on a
// violation:
//  - a certificate read back from CertificatePem() has the same DER and validity;
//  - an SSH key read back from its OpenSSH and its PEM forms has the same blob, size and
//    fingerprint;
//  - ParseSshPublicKey errors are kInvalidArgument or kFailedPrecondition only.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "crypto/pem.h"
#include "crypto/ssh_key.h"
#include "crypto/x509.h"

namespace {

namespace crypto = portcullis::crypto;
using portcullis::ErrorCode;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
  }
}

void Certificates(std::string_view text) {
  auto cert = crypto::ParseCertificatePem(text);
  if (cert.has_value()) {
    auto again = crypto::ParseCertificatePem(crypto::CertificatePem(*cert));
    Check(again.has_value(), "CertificatePem reads back");
    Check(again->der == cert->der && again->not_after == cert->not_after &&
              again->not_before == cert->not_before,
          "CertificatePem round trip");
    (void)crypto::IsIssuedBy(*cert, *cert);
  }
  auto chain = crypto::ParseCertificateChainPem(text, 8);
  if (chain.has_value() && chain->size() >= 2) {
    (void)crypto::IsIssuedBy((*chain)[0], (*chain)[1]);
  }
  auto key = crypto::ParsePrivateKeyPem(text);
  if (key.has_value() && cert.has_value()) {
    (void)crypto::KeyMatchesCertificate(*key, *cert);
  }
}

void SshKeys(std::string_view text) {
  auto key = crypto::ParseSshPublicKey(text);
  if (!key.has_value()) {
    Check(key.error().code == ErrorCode::kInvalidArgument ||
              key.error().code == ErrorCode::kFailedPrecondition,
          "ParseSshPublicKey error codes");
    return;
  }
  for (const std::string& form : {key->openssh, key->pem}) {
    auto again = crypto::ParseSshPublicKey(form);
    Check(again.has_value(), "SSH key forms read back");
    Check(again->blob == key->blob && again->bits == key->bits &&
              again->fingerprint == key->fingerprint,
          "SSH key round trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Certificates(text);
  SshKeys(text);
  if (size > 4096) {
    return 0;
  }
  for (const char* label : {"CERTIFICATE", "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"}) {
    Certificates(crypto::WritePemBlock(label, text));
  }
  for (const char* label : {"PUBLIC KEY", "RSA PUBLIC KEY"}) {
    SshKeys(crypto::WritePemBlock(label, text));
  }
  SshKeys("ssh-rsa " + portcullis::EncodeBase64(text));
  return 0;
}
