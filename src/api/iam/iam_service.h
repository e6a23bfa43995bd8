// IamService: the IAM API (model iam 2010-05-08) over the identity store. Dispatches a
// decoded request to its operation handler; an operation of the model with no handler
// answers NotImplemented ("Portcullis does not implement the IAM operation X yet", HTTP
// 501), never a wrong success.
// Thread-safety: Invoke may run concurrently; the table is built once.
#pragma once

#include "api/authz/authorizer.h"
#include "api/iam/operation_context.h"
#include "api/service.h"
#include "common/clock.h"
#include "crypto/secret_box.h"
#include "store/identity_store.h"

namespace portcullis::api::iam {

class IamService final : public Service {
 public:
  // Borrows everything; all must outlive the service.
  IamService(store::IdentityStore& store, authz::Authorizer& authorizer,
             const crypto::SecretBox& box, const Clock& clock, IamQuotas quotas = {});

  const protocol::ServiceModel& model() const override;

  [[nodiscard]] Result<protocol::Value> Invoke(const protocol::Operation& operation,
                                               const protocol::Value& input,
                                               const auth::Caller& caller,
                                               const RequestInfo& info) override;

  // True when `operation_name` has a handler (the compatibility table uses it).
  bool Implements(std::string_view operation_name) const;

 private:
  store::IdentityStore& store_;
  authz::Authorizer& authorizer_;
  const crypto::SecretBox& box_;
  const Clock& clock_;
  const IamQuotas quotas_;
  HandlerTable handlers_;
};

}  // namespace portcullis::api::iam
