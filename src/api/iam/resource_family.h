// Helpers the operation families stored as store::Resource share (OIDC and SAML
// providers first): store errors mapped to the family's AWS errors, ARN input members,
// quotas and random ids.
// Thread-safety: pure functions of their arguments and the store.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/operation_context.h"
#include "api/protocol/value.h"
#include "common/error.h"
#include "store/identity_store.h"
#include "store/records.h"

namespace portcullis::api::iam {

// LimitExceeded "Cannot exceed quota for QUOTA_NAME: QUOTA".
Error QuotaExceeded(std::string_view quota_name, std::size_t quota);

// `length` random characters of [A-Z0-9], each equally likely (CSPRNG).
std::string RandomUpperAlnum(std::size_t length);

// `result` (a store Result or Status) with kNotFound replaced by `not_found`.
template <class R>
R NotFoundAs(R result, const Error& not_found) {
  if (!result.has_value() && result.error().code == ErrorCode::kNotFound) {
    return tl::unexpected<Error>(not_found);
  }
  return result;
}

// Input member `member`, checked to be an ARN arn:aws:iam::<12 digits>:<resource_type>/...;
// InvalidInput "ARN X is not valid." otherwise.
[[nodiscard]] Result<std::string> IamArnMember(const protocol::Value& input,
                                               std::string_view member,
                                               std::string_view resource_type);

// Authorizes `create_action` on new resource `arn` with the request's tags as
// condition context, and `tag_action` too when there are tags.
[[nodiscard]] Status AuthorizeCreateWithTags(const OperationContext& ctx,
                                             std::string_view create_action,
                                             std::string_view tag_action, std::string_view arn,
                                             const std::vector<store::Tag>& tags);

}  // namespace portcullis::api::iam
