// StsService: see sts_service.h. The operations live in one file per family
// (sts_common.h lists them); this file only dispatches.
#include "api/sts/sts_service.h"

#include <string>

#include "api/sts/sts_common.h"

namespace portcullis::api::sts {
namespace {

const StsHandlerMap& Handlers() {
  static const StsHandlerMap handlers = [] {
    StsHandlerMap map;
    RegisterCallerInfo(map);
    RegisterAssumeRole(map);
    RegisterSessionTokens(map);
    RegisterPrivilegedSessions(map);
    RegisterSaml(map);
    RegisterDirectoryIdentity(map);
    RegisterWebIdentity(map);
    RegisterOutboundWebIdentity(map);
    return map;
  }();
  return handlers;
}

}  // namespace

StsService::StsService(store::IdentityStore& store, authz::Authorizer& authorizer,
                       const crypto::SecretBox& box, const Clock& clock, StsOptions options)
    : store_(store),
      authorizer_(authorizer),
      box_(box),
      clock_(clock),
      tokens_(box),
      options_(std::move(options)) {}

const protocol::ServiceModel& StsService::model() const {
  return protocol::StsModel();
}

bool StsService::Implements(std::string_view operation_name) {
  return Handlers().contains(std::string(operation_name));
}

Result<protocol::Value> StsService::Invoke(const protocol::Operation& operation,
                                           const protocol::Value& input, const auth::Caller& caller,
                                           const RequestInfo& info) {
  const StsHandlerMap& handlers = Handlers();
  auto it = handlers.find(operation.name);
  if (it != handlers.end()) {
    StsContext ctx{store_, authorizer_, box_, tokens_, clock_, caller, info, options_};
    return it->second(ctx, input);
  }
  Error error;
  error.code = ErrorCode::kInternal;
  error.message = "Portcullis does not implement the STS operation " + operation.name + " yet";
  error.aws_code = "NotImplemented";
  return MakeError(std::move(error));
}

}  // namespace portcullis::api::sts
