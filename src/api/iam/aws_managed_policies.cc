// Placeholder until the AWS managed policy data lands: seeds nothing.
#include "api/iam/aws_managed_policies.h"

namespace portcullis::api::iam {

Status SeedAwsManagedPolicies(store::WriteTxn& /*txn*/) {
  return OkStatus();
}

}  // namespace portcullis::api::iam
