// The user a credential operation is about (access keys, SSH public keys, signing
// certificates, service-specific credentials): the UserName member's user, or, without
// one, the caller (an IAM user, or the account's root user where AWS allows it).
// Thread-safety: pure functions of their arguments and the store.
#pragma once

#include <string>
#include <string_view>

#include "api/iam/operation_context.h"
#include "api/protocol/value.h"
#include "common/error.h"

namespace portcullis::api::iam {

struct CredentialOwner {
  std::string user_name;  // as stored; empty: the account's root user
  std::string arn;        // the resource to authorize against
  bool exists = true;     // false: no such user (NoSuchEntity after authorization)
};

// Resolves the optional UserName member of `input`: given, that user of the caller's
// account; absent, the caller (root: user_name empty).
[[nodiscard]] Result<CredentialOwner> CredentialOwnerFrom(const OperationContext& ctx,
                                                          const protocol::Value& input);

// Authorizes `action` on the owner's ARN, then answers NoSuchEntity when there is no such
// user (so a caller without permission cannot tell whether the user exists).
[[nodiscard]] Status AuthorizeCredentialOwner(const OperationContext& ctx, std::string_view action,
                                              const CredentialOwner& owner);

// The three families of other credentials; RegisterCredentialOperations
// (credential_owner.cc) calls them.
void RegisterSshPublicKeyOperations(HandlerTable& table);        // ssh_public_keys.cc
void RegisterSigningCertificateOperations(HandlerTable& table);  // signing_certificates.cc
void RegisterServerCertificateOperations(HandlerTable& table);   // server_certificates.cc

}  // namespace portcullis::api::iam
