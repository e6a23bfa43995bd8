// "Public" bucket policies and S3 Block Public Access.
//
// IsPublicPolicy() follows the S3 User Guide, "Blocking public access to your Amazon S3
// storage", section "The meaning of 'public'", and the S3 API reference's
// PublicAccessBlockConfiguration: a policy is public unless every Allow statement either
//   - names fixed principals only (Principal without "*": accounts, ARNs, services,
//     federated or canonical users), or
//   - carries a condition that limits it to fixed values (no `*`/`?` wildcard, no policy
//     variable) of one of: aws:SourceIp (IpAddress, CIDRs other than /0), aws:SourceArn,
//     aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:SourceAccount,
//     aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:userid (outside the
//     pattern "AROLEID:*", which counts as fixed), s3:DataAccessPointArn (the access point
//     name may be a wildcard when the account is fixed), s3:DataAccessPointAccount,
//     s3:x-amz-server-side-encryption-aws-kms-key-id, or
//   - grants none of the "bad actions" that expose data (s3:Get*, s3:List*, s3:Put*,
//     s3:Delete*, s3:AbortMultipartUpload, s3:RestoreObject).
// A limiting condition uses a positive operator (StringEquals, StringEqualsIgnoreCase,
// StringLike, ArnEquals, ArnLike; IpAddress for aws:SourceIp), optionally ForAnyValue:, and
// not …IfExists or ForAllValues: (both hold when the key is absent, as it is for an
// anonymous caller). NotPrincipal in an Allow grants everyone else: public. Deny statements
// never make a policy public.
//
// Block Public Access (bucket level; the four settings of PutPublicAccessBlock):
//   BlockPublicPolicy     PutBucketPolicy with a public policy is refused (AccessDenied).
//   RestrictPublicBuckets while the bucket policy is public, only AWS service principals
//                         and principals of the bucket owner's account are served: the
//                         policy's grants to anonymous callers and to other accounts (even
//                         to accounts it names explicitly) do not apply.
//   BlockPublicAcls       requests setting a public canned ACL are refused.
//   IgnorePublicAcls      public ACLs are ignored (Portcullis keeps no ACL grants).
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "common/error.h"
#include "policy/ast.h"

namespace portcullis::api::s3 {

// The bucket's PublicAccessBlock configuration; all false when none is set.
struct PublicAccessBlock {
  bool block_public_acls = false;
  bool ignore_public_acls = false;
  bool block_public_policy = false;
  bool restrict_public_buckets = false;
};

// Whether `doc` is public as described above.
bool IsPublicPolicy(const policy::PolicyDocument& doc);

// Whether statement `statement` of a policy makes it public (an Allow as described above).
bool IsPublicStatement(const policy::Statement& statement, policy::PolicyVersion version);

// PutBucketPolicy under BlockPublicPolicy: kPermissionDenied, aws_code "AccessDenied",
// "User: CALLER is not authorized to perform: s3:PutBucketPolicy on resource:
// "arn:aws:s3:::BUCKET" because public policies are blocked by the BlockPublicPolicy block
// public access setting." when the new policy is public and the setting is on; OK
// otherwise.
[[nodiscard]] Status CheckBlockPublicPolicy(const PublicAccessBlock& settings,
                                            bool new_policy_is_public, std::string_view caller_arn,
                                            std::string_view bucket);

// Who is asking, for RestrictPublicBuckets.
struct CallerScope {
  bool anonymous = false;
  bool service_principal = false;  // an AWS service principal ("cloudtrail.amazonaws.com")
  std::string_view account;        // the caller's account; empty when anonymous
};

// Whether RestrictPublicBuckets refuses this caller: the setting is on, the bucket policy
// is public, and the caller is anonymous or of another account than `bucket_owner` and is
// not a service principal. The S3 service answers AccessDenied without evaluating.
bool RestrictPublicBucketsDenies(const PublicAccessBlock& settings, bool policy_is_public,
                                 const CallerScope& caller, std::string_view bucket_owner);

// Whether a canned ACL (x-amz-acl) grants public access: "public-read",
// "public-read-write", "authenticated-read" (AWS: BlockPublicAcls refuses these).
bool IsPublicCannedAcl(std::string_view acl);

// BlockPublicAcls on a request with `canned_acl` (empty: none): kPermissionDenied,
// aws_code "AccessDenied", "Access Denied" when the ACL is public and the setting is on.
[[nodiscard]] Status CheckBlockPublicAcls(const PublicAccessBlock& settings,
                                          std::string_view canned_acl);

}  // namespace portcullis::api::s3
