// The tags of the IAM resource an operation acts on, as the condition keys AWS fills
// from them: aws:ResourceTag/KEY and iam:ResourceTag/KEY (IAM User Guide, "Controlling
// access to IAM resources using tags": users, roles, customer managed policies, instance
// profiles, MFA devices, OIDC and SAML providers and server certificates carry tags that
// conditions can read). OperationContext::Authorize adds them to every authorization.
// Thread-safety: pure functions of their arguments and the store snapshot.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "store/identity_store.h"

namespace portcullis::api::iam {

// The tags of the resource named by `arn` when it is a taggable IAM resource of
// `account_id` that exists; empty otherwise (another account's, a wildcard, a resource
// not created yet, a kind without tags).
[[nodiscard]] Result<std::vector<store::Tag>> IamResourceTags(store::ReadTxn& txn,
                                                              std::string_view account_id,
                                                              std::string_view arn);

// aws:ResourceTag/KEY and iam:ResourceTag/KEY for each tag.
std::vector<std::pair<std::string, std::vector<std::string>>> ResourceTagContext(
    const std::vector<store::Tag>& tags);

}  // namespace portcullis::api::iam
