// Authenticator: turns a SigV4-signed HTTP request (or an S3 Signature Version 2 presigned
// one) into a Caller.
//
// Verifies the signature (sigv4::Verify) with the secret of the signing access key,
// which it finds in the identity store and opens with the SecretBox; an unknown or
// Inactive key answers InvalidClientTokenId; a key whose user no longer exists likewise.
// A temporary key (ASIA...) signs with the secret its session token carries
// (auth/session_token.h): no store lookup; an expired token answers ExpiredToken.
// On success it records the key's last use (GetAccessKeyLastUsed: time, service, region)
// at most once a minute per key, so reads stay reads. It also keeps a small cache of
// opened secrets keyed by access key id, validated against the store generation, so a
// hot key is not unsealed per request; an Inactive or deleted key stops authenticating
// at once (the generation bump invalidates the cache entry).
// Thread-safety: Authenticate may run concurrently from many threads.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "auth/caller.h"
#include "auth/sigv4/verifier.h"
#include "common/clock.h"
#include "common/error.h"
#include "crypto/secret_box.h"
#include "store/identity_store.h"

namespace portcullis::auth {

class Authenticator {
 public:
  // Borrows all three; they must outlive the Authenticator.
  Authenticator(store::IdentityStore& store, const crypto::SecretBox& box, const Clock& clock);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;
  Authenticator(Authenticator&&) = delete;
  Authenticator& operator=(Authenticator&&) = delete;

  // Verifies `request`; `expected_service` as sigv4::VerifyOptions. Errors carry AWS's
  // codes (MissingAuthenticationToken, IncompleteSignature, SignatureDoesNotMatch,
  // InvalidClientTokenId, RequestExpired, ...), with the signer's scope where known.
  [[nodiscard]] Result<Caller> Authenticate(const sigv4::HttpRequest& request,
                                            std::optional<std::string> expected_service,
                                            sigv4::Authenticated* signature_out = nullptr);

  // Verifies an S3 Signature Version 2 presigned request (sigv4::VerifyS3QueryV2) with the
  // same key and session lookup as Authenticate. Errors: AuthorizationQueryParametersError,
  // AccessDenied "Request has expired", InvalidClientTokenId, ExpiredToken,
  // SignatureDoesNotMatch.
  [[nodiscard]] Result<Caller> AuthenticateS3QueryV2(const sigv4::HttpRequest& request,
                                                     sigv4::Authenticated* signature_out = nullptr);

  // Drops cached secrets (the dev-mode reset calls it).
  void Clear();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace portcullis::auth
