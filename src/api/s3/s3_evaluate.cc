#include "api/s3/s3_evaluate.h"

#include <string>

namespace portcullis::api::s3 {

eval::Request MakeEvalRequest(const S3AuthorizationRequest& authz, std::string_view principal,
                              std::string_view principal_account, std::string_view resource_owner,
                              const eval::RequestContext& base) {
  eval::Request request;
  request.principal = std::string(principal);
  request.principal_account = std::string(principal_account);
  request.action = authz.action;
  request.resource = authz.resource_arn;
  // S3 ARNs carry no account: the owner says whether the request is cross-account.
  request.resource_account = std::string(resource_owner);
  request.context = base;
  for (const auto& [key, values] : authz.context) {
    if (values.size() == 1) {
      request.context.Set(key, values.front());
    } else {
      request.context.SetMulti(key, values);
    }
  }
  return request;
}

eval::Decision EvaluateAnonymous(const S3AuthorizationRequest& authz, const BucketAccess& bucket,
                                 const eval::RequestContext& base) {
  eval::Decision decision;
  if (bucket.policy == nullptr ||
      RestrictPublicBucketsDenies(bucket.public_access_block, bucket.policy->is_public,
                                  CallerScope{true, false, {}}, bucket.owner_account)) {
    return decision;  // ImplicitDeny
  }
  const eval::Request request = MakeEvalRequest(authz, "", "", bucket.owner_account, base);
  static const eval::CompiledPolicySet kNoIdentity;
  eval::Evaluate(request, kNoIdentity, bucket.policy->compiled.get(), eval::EvaluateOptions{},
                 decision);
  return decision;
}

eval::Decision EvaluateAnonymousAll(const std::vector<S3AuthorizationRequest>& requests,
                                    const BucketAccess& bucket, const eval::RequestContext& base) {
  eval::Decision decision;
  for (const S3AuthorizationRequest& authz : requests) {
    decision = EvaluateAnonymous(authz, bucket, base);
    if (decision.verdict != eval::Verdict::kAllow) {
      return decision;
    }
  }
  return decision;
}

}  // namespace portcullis::api::s3
