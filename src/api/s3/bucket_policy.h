// Bucket policies: validating a PutBucketPolicy document as S3 does, and the compiled form
// the S3 service keeps per bucket.
//
// ValidateBucketPolicy() reads the document with the policy reader as a resource policy
// (policy/parse.h, PolicyKind::kResource: Principal or NotPrincipal required,
// CanonicalUser allowed, any Sid, 20,480 bytes) and adds S3's own rules, answering with
// S3's error (code MalformedPolicy, HTTP 400) and S3's messages:
//   - the first byte must be '{': "Policies must be valid JSON and the first byte must be '{'"
//   - JSON syntax and element type errors: "This policy contains invalid Json"
//   - no Statement: "Missing required field Statement"; an empty list:
//     "Could not parse the policy: Statement is empty!"
//   - Principal/NotPrincipal malformed, or naming a principal that `principal_exists`
//     rejects: "Invalid principal in policy"
//   - Action/NotAction not "*", not s3:, or naming no known S3 action:
//     "Policy has invalid action"
//   - Resource/NotResource not `arn:aws:s3:::BUCKET` or `arn:aws:s3:::BUCKET/...` for this
//     bucket: "Policy has invalid resource"
//   - an Action that applies to none of the statement's resources (s3:GetObject on the
//     bucket ARN, s3:ListBucket on objects, s3:ListAllMyBuckets anywhere):
//     "Action does not apply to any resource(s) in statement"
//   - a condition key without a vendor prefix: "Policy has an invalid condition key"
//   - other reader errors (Effect, operators, unknown fields) keep the reader's message
//   - over 20 KB: "Policy exceeds the maximum allowed document size."
// (versitygw and MinIO answer with the same texts; AWS: S3 User Guide, "Bucket policies";
// Service Authorization Reference for the S3 actions and their resource types.)
//
// Thread-safety: pure functions; BucketPolicy is immutable once made and may be shared.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "eval/compiled_policy.h"
#include "policy/ast.h"

namespace portcullis::api::s3 {

// Which S3 resource an action applies to (Service Authorization Reference, resource types).
enum class S3ResourceType : std::uint8_t {
  kObject,  // arn:aws:s3:::bucket/key
  kBucket,  // arn:aws:s3:::bucket
  kOther,   // neither (account-level: s3:ListAllMyBuckets, jobs, access points, ...)
};

// The resource type of S3 action `name` (the part after "s3:", any case), or nullopt when
// it is not a known S3 action.
std::optional<S3ResourceType> S3ActionResourceType(std::string_view name);

// Every known S3 action name after "s3:", lowercase, sorted.
const std::vector<std::string_view>& S3ActionNames();

struct BucketPolicyOptions {
  // Returns whether an AWS principal ARN (user, role, or an account root) names an
  // existing principal; AWS refuses a bucket policy naming one that does not exist. Empty:
  // no existence check. Account ids, "*", service and federated principals are not asked.
  std::function<bool(std::string_view arn)> principal_exists;
};

// A validated bucket policy: the text as given, its parsed and compiled forms, and whether
// it is public (public_access.h).
struct BucketPolicy {
  std::string text;
  policy::PolicyDocument document;
  std::shared_ptr<const eval::CompiledPolicy> compiled;  // never null
  bool is_public = false;
};

// Validates `text` as the policy of bucket `bucket` and compiles it (policy id
// "bucket-policy:BUCKET"). Errors: kInvalidArgument, aws_code "MalformedPolicy", with the
// messages above and the reader's location when it has one.
[[nodiscard]] Result<std::shared_ptr<const BucketPolicy>> ValidateBucketPolicy(
    std::string_view text, std::string_view bucket, const BucketPolicyOptions& options = {});

// AWS (PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy API reference, Permissions):
// the root user of the bucket owner's account may always manage the bucket policy, even
// when the policy denies it, so that an owner cannot lock itself out. Returns whether
// `operation` is one of the three and `caller_arn` is `arn:aws:iam::BUCKET_OWNER:root`; the
// service then skips authorization.
bool OwnerRootMayManageBucketPolicy(std::string_view operation, std::string_view caller_arn,
                                    std::string_view bucket_owner);

// AWS (same section): the three operations by an identity of another account than the
// bucket owner's fail with 405 even when its policies allow them: kFailedPrecondition,
// aws_code "MethodNotAllowed", "The specified method is not allowed against this
// resource.". Called after a successful authorization; OK for other operations.
[[nodiscard]] Status CheckBucketPolicyCallerAccount(std::string_view operation,
                                                    std::string_view caller_account,
                                                    std::string_view bucket_owner);

}  // namespace portcullis::api::s3
