// StsService: the STS API (model sts 2011-06-15). This slice implements
// GetCallerIdentity, which needs no permission (AWS: "No permissions are required to
// perform this operation"); the temporary-credential operations come with the STS
// issue and answer NotImplemented naming the operation until then.
// Thread-safety: Invoke may run concurrently.
#pragma once

#include <string_view>

#include "api/service.h"

namespace portcullis::api::sts {

class StsService final : public Service {
 public:
  const protocol::ServiceModel& model() const override;

  [[nodiscard]] Result<protocol::Value> Invoke(const protocol::Operation& operation,
                                               const protocol::Value& input,
                                               const auth::Caller& caller,
                                               const RequestInfo& info) override;

  // True when `operation_name` is implemented (the compatibility table uses it).
  static bool Implements(std::string_view operation_name);
};

}  // namespace portcullis::api::sts
