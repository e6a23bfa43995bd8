// StsService: the STS API (model sts 2011-06-15): temporary credentials.
//
// The operations live in one file per family (sts_common.h). Implemented:
// GetCallerIdentity (no permission needed, every caller kind), AssumeRole
// (the role's trust policy evaluated with the caller as principal, same and cross
// account; session name, duration, chaining, ExternalId, MFA, session policies, session
// tags, source identity), GetSessionToken (optionally with MFA), GetFederationToken,
// GetAccessKeyInfo and DecodeAuthorizationMessage (Portcullis encodes no authorization
// messages, so every message is invalid), AssumeRoleWithWebIdentity and
// GetWebIdentityToken (docs/federation.md). Credentials are ASIA... keys with a sealed
// session token (auth/session_token.h). The SAML, root and delegated-token operations
// answer NotImplemented naming the operation.
// Thread-safety: Invoke may run concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/authz/authorizer.h"
#include "api/directory/directory.h"
#include "api/federation/jwks_source.h"
#include "api/service.h"
#include "auth/session_token.h"
#include "common/clock.h"
#include "crypto/secret_box.h"
#include "store/identity_store.h"

namespace portcullis::api::sts {

// Authenticates a directory user (directory::Authenticate; tests substitute their own).
using DirectoryAuthenticateFn =
    Result<directory::DirectoryIdentity> (*)(const directory::DirectoryOptions& options,
                                             std::string_view username, std::string_view password);

// Server settings the STS operations read. Each family adds its own members here.
struct StsOptions {
  // AssumeRoleWithLDAPIdentity (directory_identity.cc): the directory (ldap_* settings;
  // unset url: the operation is refused) and, for tests, a stand-in for the LDAP client.
  directory::DirectoryOptions directory;
  DirectoryAuthenticateFn authenticate_directory_for_test = nullptr;
  // AssumeRoleWithWebIdentity (web_identity.cc): where the issuers' signing keys come from
  // (the oidc_jwks_dir and oidc_fetch_timeout settings; shared, as it caches). Null: a
  // process-wide source that fetches from loopback issuers only.
  std::shared_ptr<federation::JwksSource> web_identity_keys;
};

// What an STS operation handler gets besides its input.
struct StsContext {
  store::IdentityStore& store;
  authz::Authorizer& authorizer;
  const crypto::SecretBox& box;
  const auth::SessionTokenCodec& tokens;
  const Clock& clock;
  const auth::Caller& caller;
  const RequestInfo& info;
  const StsOptions& options;
};

using StsHandler = Result<protocol::Value> (*)(StsContext& ctx, const protocol::Value& input);

class StsService final : public Service {
 public:
  // Borrows everything; all must outlive the service.
  StsService(store::IdentityStore& store, authz::Authorizer& authorizer,
             const crypto::SecretBox& box, const Clock& clock, StsOptions options = {});

  const protocol::ServiceModel& model() const override;

  [[nodiscard]] Result<protocol::Value> Invoke(const protocol::Operation& operation,
                                               const protocol::Value& input,
                                               const auth::Caller& caller,
                                               const RequestInfo& info) override;

  // True when `operation_name` is implemented (the compatibility table uses it).
  static bool Implements(std::string_view operation_name);

 private:
  store::IdentityStore& store_;
  authz::Authorizer& authorizer_;
  const crypto::SecretBox& box_;
  const Clock& clock_;
  auth::SessionTokenCodec tokens_;
  StsOptions options_;
};

// The account encoded in a temporary access key id (ASIA...), or nullopt.
std::optional<std::string> AccountOfTemporaryKey(std::string_view access_key_id);

}  // namespace portcullis::api::sts
