// AWS managed policies (arn:aws:iam::aws:policy/...): their documents as AWS publishes
// them, embedded as data, and the seeding of the store with them (account "aws"), so
// they are listed under Scope=AWS, readable with GetPolicy/GetPolicyVersion and
// attachable like customer managed policies.
// Thread-safety: SeedAwsManagedPolicies runs inside the caller's write transaction.
#pragma once

#include "common/error.h"
#include "store/identity_store.h"

namespace portcullis::api::iam {

// Inserts every embedded AWS managed policy that the store does not hold yet (and
// updates the default version of those whose document changed). Idempotent; the server
// calls it at every start and after a dev-mode reset.
[[nodiscard]] Status SeedAwsManagedPolicies(store::WriteTxn& txn);

}  // namespace portcullis::api::iam
