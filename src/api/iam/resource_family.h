// Helpers the operation families stored as store::Resource share (OIDC and SAML
// providers, SSH public keys, signing and server certificates, service-specific
// credentials) and, for their owners, access keys: store errors mapped to the family's
// AWS errors, the owner check, ARN input members, quotas and random ids.
// Thread-safety: pure functions of their arguments and the store.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/credential_owner.h"
#include "api/iam/operation_context.h"
#include "api/protocol/value.h"
#include "common/error.h"
#include "store/identity_store.h"
#include "store/records.h"

namespace portcullis::api::iam {

// LimitExceeded "Cannot exceed quota for QUOTA_NAME: QUOTA".
Error QuotaExceeded(std::string_view quota_name, std::size_t quota);

// `length` random characters of [A-Z0-9], each equally likely (CSPRNG).
std::string RandomUpperAlnum(std::size_t length);

// `result` (a store Result or Status) with kNotFound replaced by `not_found`.
template <class R>
R NotFoundAs(R result, const Error& not_found) {
  if (!result.has_value() && result.error().code == ErrorCode::kNotFound) {
    return tl::unexpected<Error>(not_found);
  }
  return result;
}

// Input member `member`, checked to be an ARN arn:aws:iam::<12 digits>:<resource_type>/...;
// InvalidInput "ARN X is not valid." otherwise.
[[nodiscard]] Result<std::string> IamArnMember(const protocol::Value& input,
                                               std::string_view member,
                                               std::string_view resource_type);

// Authorizes `create_action` on new resource `arn` with the request's tags as
// condition context, and `tag_action` too when there are tags.
[[nodiscard]] Status AuthorizeCreateWithTags(const OperationContext& ctx,
                                             std::string_view create_action,
                                             std::string_view tag_action, std::string_view arn,
                                             const std::vector<store::Tag>& tags);

// User credentials (SSH public keys, signing certificates, service-specific credentials,
// access keys) and certificates.

// An error AWS names `aws_code` (MalformedCertificate, DuplicateSSHPublicKey, ...).
Error AwsCodeError(ErrorCode code, std::string aws_code, std::string message);

// Whether the root user (CredentialOwner with no user_name) can own resources of a kind.
enum class RootOwner { kNever, kMay };

// Resource `key` of `kind` when it belongs to `owner`; `not_found` otherwise, so
// resources of other users stay invisible.
[[nodiscard]] Result<store::Resource> OwnedResource(store::ReadTxn& txn, store::ResourceKind kind,
                                                    std::string_view account_id,
                                                    const CredentialOwner& owner,
                                                    std::string_view key, RootOwner root,
                                                    const Error& not_found);

// Deletes resource `key` of `kind` when it belongs to `owner` (`not_found` otherwise), in
// a write transaction of its own.
[[nodiscard]] Status DeleteOwnedResource(const OperationContext& ctx, store::ResourceKind kind,
                                         const CredentialOwner& owner, std::string_view key,
                                         RootOwner root, const Error& not_found);

// A store error about a credential of user `user_name`: kNotFound (no such user) becomes
// UserNotFound unless the owner is the root user; others pass through.
Error CredentialOwnerError(Error error, std::string_view user_name);

// One page of `user_name`'s resources of `kind`: UserNotFound for a missing user, a
// marker the store did not issue as InvalidInput (ListError).
[[nodiscard]] Result<store::Page<store::Resource>> UserResourcePage(
    store::ReadTxn& txn, store::ResourceKind kind, std::string_view account_id,
    const std::string& user_name, const store::ListOptions& options);

// InvalidInput "Status must be Active or Inactive." for any other credential status.
[[nodiscard]] Status CheckActiveOrInactive(std::string_view status);

}  // namespace portcullis::api::iam
