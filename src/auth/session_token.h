// Session tokens: the X-Amz-Security-Token of temporary credentials (ASIA... keys).
//
// A token is self-contained: it carries the session's claims (auth::Session, the
// principal it signs as, MFA time) and the temporary secret access key, sealed with an
// AEAD (crypto::SecretBox, XChaCha20-Poly1305) under a key of the session-token key
// ring. Any server holding the same master key opens it without a store lookup.
//
// Key ring: the key of epoch E (E = whole days since the Unix epoch, UTC) is derived
// from the master key (SecretBox::Derive("sts-session-token", E)); a token is sealed
// under the current epoch's key and names its epoch in the clear. Tokens of the current
// epoch, the kRingPreviousEpochs before it (the longest session, 36 hours, fits) and one
// epoch ahead (clock skew between nodes) open; others are refused. So keys rotate daily
// with no state to share, and a token can never outlive its key by more than a day.
//
// Wire form: "PCST1" + base64(epoch as 4 bytes big-endian || sealed claims); the sealed
// claims' associated data binds them to the version and epoch. The claims are JSON.
// Thread-safety: SessionTokenCodec is immutable; Issue/Open may run concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/caller.h"
#include "common/error.h"
#include "crypto/secret_box.h"

namespace portcullis::auth {

inline constexpr std::string_view kSessionTokenPrefix = "PCST1";
inline constexpr std::int64_t kRingPreviousEpochs = 2;

// What a token holds: who the session is and the temporary secret.
struct SessionCredentials {
  Caller caller;  // type, account_id, arn, principal_id, user_name, mfa, session
  std::string access_key_id;
  std::string secret_access_key;
};

class SessionTokenCodec {
 public:
  // Borrows `master`, which must outlive the codec.
  explicit SessionTokenCodec(const crypto::SecretBox& master) : master_(master) {}

  // Seals `credentials` (caller.session must be set) under the key of `now`'s epoch.
  [[nodiscard]] std::string Issue(const SessionCredentials& credentials,
                                  std::chrono::system_clock::time_point now) const;

  // Opens `token`: kInvalidArgument when it is not a token this key ring sealed (bad
  // form, unknown epoch, tampered). Expiry is not checked here (the caller compares
  // session->expires_at with its clock).
  [[nodiscard]] Result<SessionCredentials> Open(std::string_view token,
                                                std::chrono::system_clock::time_point now) const;

 private:
  const crypto::SecretBox& master_;
};

}  // namespace portcullis::auth
