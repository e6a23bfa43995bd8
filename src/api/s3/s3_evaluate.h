// Evaluating S3 authorization requests with the engine (eval/evaluator.h), for callers that
// do not go through api::authz::Authorizer: anonymous requests, tests and tools.
//
// An authenticated request goes through the Authorizer, which fills the global keys and
// applies the enforcement mode:
//   authorizer.Authorize(caller, info,
//                        AuthzRequest{r.action, r.resource_arn, r.context},
//                        &ResourceSide{policy ? policy->compiled.get() : nullptr, owner});
// An anonymous request has no identity and no identity policies: the engine's anonymous
// caller (eval::Request::principal empty) is matched only by Principal "*" (or {"AWS":
// "*"}, or a NotPrincipal that does not name it), so the bucket policy alone decides,
// as in AWS ("public access" through a bucket policy). RestrictPublicBuckets is applied
// before any evaluation (public_access.h).
//
// Thread-safety: pure functions; the compiled policies are immutable.
#pragma once

#include <string_view>

#include "api/s3/bucket_policy.h"
#include "api/s3/public_access.h"
#include "api/s3/s3_actions.h"
#include "eval/decision.h"
#include "eval/evaluator.h"
#include "eval/request.h"

namespace portcullis::api::s3 {

// The engine request for `authz` made by `principal` (an IAM ARN; empty: anonymous) of
// `principal_account` (empty: derived from the ARN; empty for anonymous) on a resource
// owned by `resource_owner`: `base` (the global aws:* keys) plus authz's own keys.
eval::Request MakeEvalRequest(const S3AuthorizationRequest& authz, std::string_view principal,
                              std::string_view principal_account, std::string_view resource_owner,
                              const eval::RequestContext& base);

// The bucket a request is decided against: its owner, its policy (null: none) and its
// Block Public Access settings. Borrowed.
struct BucketAccess {
  std::string_view owner_account;
  const BucketPolicy* policy = nullptr;
  PublicAccessBlock public_access_block;
};

// Decides an anonymous request against the bucket policy only: ImplicitDeny without a
// policy, or when RestrictPublicBuckets applies (the policy is public); otherwise the
// engine's verdict for the anonymous caller, with the matched statements. `base` holds
// the global keys the server knows for an unsigned request (aws:SourceIp,
// aws:SecureTransport, aws:CurrentTime, aws:EpochTime, aws:UserAgent, ...).
eval::Decision EvaluateAnonymous(const S3AuthorizationRequest& authz, const BucketAccess& bucket,
                                 const eval::RequestContext& base);

// Decides every request of `requests` for an anonymous caller; Allow only when each is
// allowed. Returns the first decision that is not Allow (or the last Allow).
eval::Decision EvaluateAnonymousAll(const std::vector<S3AuthorizationRequest>& requests,
                                    const BucketAccess& bucket, const eval::RequestContext& base);

}  // namespace portcullis::api::s3
