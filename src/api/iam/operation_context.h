// What an IAM operation handler gets besides its input: the store, the authorizer, the
// secret box and the clock, and the request's caller and facts. One per request.
//
// Handlers are plain functions registered by family (users.cc, groups.cc, ...) into a
// HandlerTable keyed by the model's operation name; IamService dispatches through it.
// Thread-safety: a context is used by one request on one thread.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/authz/authorizer.h"
#include "api/protocol/value.h"
#include "api/request_info.h"
#include "auth/caller.h"
#include "common/clock.h"
#include "common/error.h"
#include "crypto/secret_box.h"
#include "store/identity_store.h"

namespace portcullis::api::iam {

// Quotas AWS lets an account raise (Service Quotas); the rest are fixed where they are
// checked. Defaults are AWS's.
struct IamQuotas {
  int roles_per_account = 1000;  // AWS: default 1,000, adjustable up to 5,000
};

struct OperationContext {
  store::IdentityStore& store;
  authz::Authorizer& authorizer;
  const crypto::SecretBox& box;
  const Clock& clock;
  const auth::Caller& caller;
  const RequestInfo& info;
  const IamQuotas& quotas;

  // The caller's account: where names are looked up and resources are created.
  const std::string& account_id() const { return caller.account_id; }

  // Authorizes `action` on `resource_arn` (see authz::Authorizer).
  [[nodiscard]] Status Authorize(
      std::string_view action, std::string_view resource_arn,
      std::vector<std::pair<std::string, std::vector<std::string>>> context = {}) const;
};

using OperationHandler = Result<protocol::Value> (*)(OperationContext& ctx,
                                                     const protocol::Value& input);

using HandlerTable = std::unordered_map<std::string, OperationHandler>;

// One registration function per family; each adds its operations to `table`.
void RegisterUserOperations(HandlerTable& table);           // users.cc
void RegisterGroupOperations(HandlerTable& table);          // groups.cc
void RegisterAccessKeyOperations(HandlerTable& table);      // access_keys.cc
void RegisterInlinePolicyOperations(HandlerTable& table);   // inline_policies.cc
void RegisterManagedPolicyOperations(HandlerTable& table);  // managed_policies.cc
void RegisterAttachmentOperations(HandlerTable& table);     // attachments.cc
void RegisterAccountOperations(HandlerTable& table);        // account.cc
void RegisterPasswordOperations(HandlerTable& table);       // passwords.cc

// Roles and instance profiles.
void RegisterRoleOperations(HandlerTable& table);               // roles.cc
void RegisterInstanceProfileOperations(HandlerTable& table);    // instance_profiles.cc
void RegisterServiceLinkedRoleOperations(HandlerTable& table);  // service_linked_roles.cc
void RegisterTagAndBoundaryOperations(HandlerTable& table);     // tags_and_boundaries.cc
void RegisterPolicySimulatorOperations(HandlerTable& table);    // policy_simulator.cc
void RegisterMfaDeviceOperations(HandlerTable& table);          // mfa_devices.cc
void RegisterCredentialOperations(HandlerTable& table);  // SSH keys, signing/server certificates

// Identity providers and service-specific credentials.
void RegisterOidcProviderOperations(HandlerTable& table);  // oidc_providers.cc
void RegisterSamlProviderOperations(HandlerTable& table);  // saml_providers.cc
void RegisterServiceSpecificCredentialOperations(
    HandlerTable& table);  // service_specific_credentials.cc
void RegisterAccountReportOperations(
    HandlerTable& table);  // account_aliases.cc (account_reports.h)

}  // namespace portcullis::api::iam
