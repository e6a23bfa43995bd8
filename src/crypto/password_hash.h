// Password hashing for IAM users' console passwords: argon2id through libsodium's
// crypto_pwhash_str, with libsodium's "interactive" limits (opslimit 2, 64 MiB), the
// cost libsodium recommends for interactive logins. The stored form is the standard
// encoded string ("$argon2id$v=19$m=65536,t=2,p=1$salt$hash"), which carries its own
// salt and parameters, so raising the limits later still verifies old hashes.
//
// Verification recomputes the hash and compares in constant time
// (crypto_pwhash_str_verify). Neither a password nor a hash is ever put into an error.
// Thread-safety: pure functions; safe to call concurrently.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace portcullis::crypto {

// The encoded argon2id hash of `password` under a fresh random salt. kInternal when
// libsodium cannot allocate the memory the hash needs.
[[nodiscard]] Result<std::string> HashPassword(std::string_view password);

// True when `password` matches `encoded_hash` (as HashPassword produced it); false for
// a wrong password or a malformed hash.
[[nodiscard]] bool VerifyPassword(std::string_view password, std::string_view encoded_hash);

}  // namespace portcullis::crypto
