// SSH public keys as IAM takes them for CodeCommit: an OpenSSH one-line "ssh-rsa" key
// (RFC 4253 section 6.6 blob in base64, optional comment) or a PEM RSA public key
// ("PUBLIC KEY" or "RSA PUBLIC KEY"), read with OpenSSL 3.
//
// Pure functions; any thread. Inputs are untrusted bytes; no exception crosses this API.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace portcullis::crypto {

// AWS: "The minimum bit-length of the public key is 2048 bits, and the maximum length is
// 16384 bits" (IAM User Guide, "Use SSH keys and SSH with CodeCommit").
inline constexpr int kMinSshRsaBits = 2048;
inline constexpr int kMaxSshRsaBits = 16384;

struct SshPublicKey {
  std::string blob;         // the RFC 4253 "ssh-rsa" blob (string e, mpint e, mpint n)
  int bits = 0;             // the modulus size
  std::string openssh;      // "ssh-rsa BASE64" (no comment)
  std::string pem;          // "-----BEGIN PUBLIC KEY-----" SubjectPublicKeyInfo PEM
  std::string fingerprint;  // MD5 of the blob, lower-case hex pairs joined by ':'
};

// Reads `text` (surrounding white space ignored). Errors:
// - kInvalidArgument: not an encoding this reads (another key type such as ssh-ed25519,
//   bad base64, no PEM public key block): AWS's UnrecognizedPublicKeyEncoding;
// - kFailedPrecondition: the encoding is read but the key is not acceptable (a blob that
//   does not decode or names another type, a modulus outside kMinSshRsaBits..
//   kMaxSshRsaBits, an even or too small exponent): AWS's InvalidPublicKey.
[[nodiscard]] Result<SshPublicKey> ParseSshPublicKey(std::string_view text);

}  // namespace portcullis::crypto
