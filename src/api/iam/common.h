// Helpers every IAM operation family shares: reading input members, building ARNs,
// converting store records to the model's output shapes, paging, policy documents on
// the wire, and AWS's error messages for missing and duplicate entities.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/operation_context.h"
#include "api/protocol/value.h"
#include "common/error.h"
#include "policy/parse.h"
#include "store/identity_store.h"
#include "store/records.h"

namespace portcullis::api::iam {

using protocol::Value;

// Input members. Missing members give the default (the codec has already enforced the
// model's required members, lengths and patterns).
std::string_view StringMember(const Value& input, std::string_view name,
                              std::string_view fallback = {});
std::optional<std::string> OptionalStringMember(const Value& input, std::string_view name);
std::optional<std::int64_t> IntegerMember(const Value& input, std::string_view name);
std::optional<bool> BooleanMember(const Value& input, std::string_view name);

// ListOptions from Marker, MaxItems and (when `path_prefix_member` is not empty) the
// named path-prefix member. A marker this server did not issue makes the store answer
// kInvalidArgument, which goes out as InvalidInput.
store::ListOptions ListOptionsFrom(const Value& input,
                                   std::string_view path_prefix_member = "PathPrefix");

// Sets IsTruncated and, when truncated, Marker on `out`.
template <class T>
void SetPageFields(const store::Page<T>& page, Value* out) {
  out->Set("IsTruncated", Value::Boolean(page.is_truncated));
  if (page.is_truncated)
    out->Set("Marker", Value::String(page.next_marker));
}

// ARNs: arn:aws:iam::ACCOUNT:user/PATH/NAME (path "/" gives user/NAME).
std::string IamArn(std::string_view account_id, std::string_view resource_type,
                   std::string_view path, std::string_view name);
std::string UserArn(std::string_view account_id, std::string_view path, std::string_view name);
std::string GroupArn(std::string_view account_id, std::string_view path, std::string_view name);
std::string RoleArn(std::string_view account_id, std::string_view path, std::string_view name);
std::string PolicyArn(std::string_view account_id, std::string_view path, std::string_view name);
std::string RootArn(std::string_view account_id);

Value TimestampValue(store::Timestamp t);

// Output shapes (the model's User, Group, Role, Policy, PolicyVersion,
// AccessKeyMetadata structures).
Value UserValue(const store::User& user);
Value GroupValue(const store::Group& group);
Value RoleValue(const store::Role& role);
Value ManagedPolicyValue(const store::ManagedPolicy& policy);
Value PolicyVersionValue(const store::PolicyVersion& version);  // Document URL-encoded
Value AccessKeyMetadataValue(const store::AccessKey& key);
Value TagListValue(const std::vector<store::Tag>& tags);

// IAM returns policy documents URL-encoded (RFC 3986: unreserved characters kept);
// the SDKs decode them.
std::string UrlEncodeDocument(std::string_view document);

// Parses and validates `document` as a policy of `kind`; MalformedPolicyDocument with
// AWS's wording on failure. Also applies the size quota `max_chars` (characters not
// counting whitespace, as AWS counts them) when not zero: LimitExceeded.
[[nodiscard]] Status ValidatePolicyDocument(std::string_view document, policy::PolicyKind kind,
                                            std::size_t max_chars = 0);

// AWS's NoSuchEntity messages: "The user with name X cannot be found.",
// "The group with name X cannot be found.", "Policy arn:... does not exist or is not
// attachable.", ...
Error NoSuchEntity(std::string message);
Error EntityAlreadyExists(std::string message);
Error DeleteConflict(std::string message);
Error LimitExceeded(std::string message);
Error InvalidInput(std::string message);
Error MalformedPolicyDocument(std::string message);

// "The user with name X cannot be found." / "The group with name X cannot be found."
Error UserNotFound(std::string_view name);
Error GroupNotFound(std::string_view name);
// "User with name X already exists."
Error UserExists(std::string_view name);
// A store error about user `name`: kNotFound becomes UserNotFound, kAlreadyExists
// UserExists; others pass through.
Error UserError(Error error, std::string_view name);
// A listing's store error: a marker the store did not issue (kInvalidArgument without an
// AWS code) goes out as InvalidInput; others pass through.
Error ListError(Error error);

// The ARN to authorize against for user (group) `name` of the caller's account: the
// stored one's, or, when there is no such entity, the one path "/" gives, as AWS names
// it in AccessDenied (so a caller without permission cannot tell whether it exists).
[[nodiscard]] Result<std::string> UserArnForAuthz(const OperationContext& ctx,
                                                  std::string_view name);
[[nodiscard]] Result<std::string> GroupArnForAuthz(const OperationContext& ctx,
                                                   std::string_view name);
[[nodiscard]] Result<std::string> RoleArnForAuthz(const OperationContext& ctx,
                                                  std::string_view name);

// Instance profiles: the ARN, AWS's NoSuchEntity and EntityAlreadyExists, store errors
// mapped to them, and the ARN to authorize against (the stored one's, or the one path "/"
// gives when there is no such profile).
std::string InstanceProfileArn(std::string_view account_id, std::string_view path,
                               std::string_view name);
Error InstanceProfileNotFound(std::string_view name);
Error InstanceProfileExists(std::string_view name);
Error InstanceProfileError(Error error, std::string_view name);
[[nodiscard]] Result<std::string> InstanceProfileArnForAuthz(const OperationContext& ctx,
                                                             std::string_view name);

// "The role with name X cannot be found." / "Role with name X already exists."
Error RoleNotFound(std::string_view name);
Error RoleExists(std::string_view name);
// A store error about role `name`: kNotFound becomes RoleNotFound, kAlreadyExists
// RoleExists; others pass through.
Error RoleError(Error error, std::string_view name);

// The model's AttachedPermissionsBoundary structure for boundary policy `arn`.
Value PermissionsBoundaryValue(const std::string& arn);

// Tags of the input's `Tags` list; InvalidInput for a reserved aws: key or duplicate keys
// (AWS compares tag keys without regard to case).
[[nodiscard]] Result<std::vector<store::Tag>> InputTags(const Value& input);

// aws:RequestTag/KEY and aws:TagKeys for a request that tags a new resource.
std::vector<std::pair<std::string, std::vector<std::string>>> RequestTagContext(
    const std::vector<store::Tag>& tags);

// The model's InstanceProfile structure, its roles as listings show them (no tags,
// boundary or RoleLastUsed); `with_tags` adds the profile's tags (GetInstanceProfile).
// Defined in instance_profiles.cc.
[[nodiscard]] Result<Value> InstanceProfileValue(store::ReadTxn& txn,
                                                 const store::InstanceProfile& profile,
                                                 bool with_tags);

// UnmodifiableEntity "Cannot perform the operation on the protected role 'NAME' - this
// role is only modifiable by AWS" when `role` is service-linked (path /aws-service-role/).
// Defined in service_linked_roles.cc.
[[nodiscard]] Status CheckNotServiceLinked(const store::Role& role);

// A permissions boundary must be an attachable managed policy of the account or an AWS
// managed policy: NoSuchEntity "Scope ARN: ARN does not exist or is not attachable."
[[nodiscard]] Status CheckPermissionsBoundary(store::ReadTxn& txn, std::string_view account_id,
                                              const std::string& boundary);

// Counts every item a paged store listing returns: `list(const store::ListOptions&)`
// answers Result<store::Page<T>> (the quota checks).
template <class List>
Result<int> CountAll(List&& list) {
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  int count = 0;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(auto page, list(options));
    count += static_cast<int>(page.items.size());
    if (!page.is_truncated) {
      return count;
    }
    options.marker = page.next_marker;
  }
}

// Runs `body(WriteTxn&)`, which returns a Result<T>, in a write transaction and commits
// it; retries (up to 3 attempts) when the store answers kAborted. An error from `body`
// abandons the transaction.
template <class Body>
auto WithWriteTxn(store::IdentityStore& store, Body&& body)
    -> decltype(body(std::declval<store::WriteTxn&>())) {
  constexpr int kAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    auto txn = store.BeginWrite();
    if (!txn.has_value()) {
      if (txn.error().code == ErrorCode::kAborted && attempt < kAttempts)
        continue;
      return tl::unexpected<Error>(std::move(txn).error());
    }
    auto result = body(**txn);
    if (!result.has_value())
      return result;
    auto committed = (*txn)->Commit();
    if (!committed.has_value()) {
      if (committed.error().code == ErrorCode::kAborted && attempt < kAttempts)
        continue;
      return tl::unexpected<Error>(std::move(committed).error());
    }
    return result;
  }
}

// Identity providers and service-specific credentials
// Every resource of `kind` in the account that `filter` selects, in key order (the
// store's pages read to the end).
[[nodiscard]] Result<std::vector<store::Resource>> ListAllResources(
    store::ReadTxn& txn, store::ResourceKind kind, std::string_view account_id,
    const store::ResourceFilter& filter = {});

// Inserts `resource`, new in its account: `exists` when its key is taken, LimitExceeded
// "Cannot exceed quota for QUOTA_NAME: QUOTA" when the account already holds `quota`
// resources of its kind. Returns the resource as stored.
[[nodiscard]] Result<store::Resource> PutNewAccountResource(store::WriteTxn& txn,
                                                            store::Resource resource, int quota,
                                                            std::string_view quota_name,
                                                            const Error& exists);

// STS: an operation whose UserName defaults to the calling user, called without one by a
// role session or a federated user: ValidationError "Must specify userName when calling
// with non-User credentials" (AWS's answer); OK for users and root.
[[nodiscard]] Status RequireUserCredentials(const auth::Caller& caller);

// STS: RoleLastUsed. AssumeRole records the role's last use (one resource of kind
// kRoleLastUsed per role, keyed by role id, body {"LastUsedDate": ms, "Region": "..."});
// GetRole shows it.
[[nodiscard]] Status RecordRoleUse(store::WriteTxn& txn, const store::Role& role,
                                   store::Timestamp when, std::string_view region);
// Drops `role`'s last-use record (DeleteRole, DeleteServiceLinkedRole); none is fine.
[[nodiscard]] Status ForgetRoleUse(store::WriteTxn& txn, const store::Role& role);

// The RoleLastUsed structure of `role` (empty when never assumed).
[[nodiscard]] Result<Value> RoleLastUsedValue(store::ReadTxn& txn, const store::Role& role);

}  // namespace portcullis::api::iam
