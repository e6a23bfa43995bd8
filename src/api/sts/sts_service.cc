#include "api/sts/sts_service.h"

#include <string>
#include <utility>

namespace portcullis::api::sts {

using protocol::Value;

const protocol::ServiceModel& StsService::model() const {
  return protocol::StsModel();
}

bool StsService::Implements(std::string_view operation_name) {
  return operation_name == "GetCallerIdentity";
}

Result<Value> StsService::Invoke(const protocol::Operation& operation, const Value& /*input*/,
                                 const auth::Caller& caller, const RequestInfo& /*info*/) {
  if (operation.name == "GetCallerIdentity") {
    Value out = Value::Structure();
    out.Set("UserId", Value::String(caller.principal_id));
    out.Set("Account", Value::String(caller.account_id));
    out.Set("Arn", Value::String(caller.arn));
    return out;
  }
  Error error;
  error.code = ErrorCode::kInternal;
  error.message = "Portcullis does not implement the STS operation " + operation.name + " yet";
  error.aws_code = "NotImplemented";
  return MakeError(std::move(error));
}

}  // namespace portcullis::api::sts
