// Service: one AWS service (iam, sts) behind the Query protocol. The server decodes a
// request with the service's model, authenticates its signer, and calls Invoke; the
// service validates what the model cannot express, authorizes the call through
// authz::Authorizer, does it, and returns the output structure the codec encodes.
//
// Errors are portcullis::Error values whose aws_code (or ErrorCode default) names the
// AWS error; the server encodes them with the model's status table. An operation the
// model has but the service does not implement answers NotImplemented naming it.
// Thread-safety: Invoke may run concurrently from many threads.
#pragma once

#include "api/protocol/service_model.h"
#include "api/protocol/value.h"
#include "api/request_info.h"
#include "auth/caller.h"
#include "common/error.h"

namespace portcullis::api {

class Service {
 public:
  Service() = default;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  Service(Service&&) = delete;
  Service& operator=(Service&&) = delete;
  virtual ~Service() = default;

  virtual const protocol::ServiceModel& model() const = 0;

  [[nodiscard]] virtual Result<protocol::Value> Invoke(const protocol::Operation& operation,
                                                       const protocol::Value& input,
                                                       const auth::Caller& caller,
                                                       const RequestInfo& info) = 0;
};

}  // namespace portcullis::api
