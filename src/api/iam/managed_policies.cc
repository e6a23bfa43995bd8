// Placeholder until the family lands: registers no operation, so its operations answer
// NotImplemented.
#include "api/iam/operation_context.h"

namespace portcullis::api::iam {

void RegisterManagedPolicyOperations(HandlerTable& /*table*/) {}

}  // namespace portcullis::api::iam
