// IdentityStore: the one interface to persistent identity data (accounts, users, groups,
// roles, managed and inline policies, access keys, memberships, attachments).
//
// Work happens in transactions. BeginRead() gives a ReadTxn that sees one consistent
// snapshot; BeginWrite() gives a WriteTxn (at most one at a time per store) whose changes
// become visible, durably, only when Commit() succeeds. Destroying a WriteTxn without
// Commit() rolls it back. Every committed WriteTxn that changed anything but usage
// records (RecordAccessKeyUse) bumps Generation(), so caches of derived state (compiled
// policy sets, opened secrets) can tell they are stale and are not thrown away by the
// last-use writes of ordinary traffic.
//
// Errors, shared by every backend:
//   kNotFound (aws_code NoSuchEntity)             the named record does not exist
//   kAlreadyExists (aws_code EntityAlreadyExists) a name, id or ARN is taken
//   kFailedPrecondition (aws_code DeleteConflict) a delete would orphan dependents
//   kInvalidArgument                              a malformed field, marker or MaxItems
//   kAborted                                      the store is busy; retry the transaction
//   kInternal / kUnavailable                      I/O or corruption; not retryable
// After any error other than kNotFound, kAlreadyExists, kFailedPrecondition or
// kInvalidArgument a WriteTxn must be abandoned (destroyed) without Commit().
//
// Ownership: transactions borrow the store and must be destroyed before it. Results are
// values the caller owns; string_view inputs need only live for the call.
// Thread-safety: the store may be used from many threads; one transaction must be used
// by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "store/records.h"

namespace portcullis::store {

class ReadTxn {
 public:
  ReadTxn() = default;
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;
  ReadTxn(ReadTxn&&) = delete;
  ReadTxn& operator=(ReadTxn&&) = delete;
  virtual ~ReadTxn() = default;

  [[nodiscard]] virtual Result<Account> GetAccount(std::string_view account_id) = 0;
  // Every account, ordered by id.
  [[nodiscard]] virtual Result<std::vector<Account>> ListAccounts() = 0;

  // Users, groups and roles are named by account and name (any ASCII case). Lists are
  // ordered by NameKey(name) and filtered by ListOptions::path_prefix.
  [[nodiscard]] virtual Result<User> GetUser(std::string_view account_id,
                                             std::string_view name) = 0;
  [[nodiscard]] virtual Result<Page<User>> ListUsers(std::string_view account_id,
                                                     const ListOptions& options) = 0;
  [[nodiscard]] virtual Result<Group> GetGroup(std::string_view account_id,
                                               std::string_view name) = 0;
  [[nodiscard]] virtual Result<Page<Group>> ListGroups(std::string_view account_id,
                                                       const ListOptions& options) = 0;
  [[nodiscard]] virtual Result<Role> GetRole(std::string_view account_id,
                                             std::string_view name) = 0;
  [[nodiscard]] virtual Result<Page<Role>> ListRoles(std::string_view account_id,
                                                     const ListOptions& options) = 0;

  // Managed policies are named by ARN; ListManagedPolicies lists one owner's ("aws" for
  // AWS managed policies) ordered by NameKey(name).
  [[nodiscard]] virtual Result<ManagedPolicy> GetManagedPolicy(std::string_view arn) = 0;
  [[nodiscard]] virtual Result<Page<ManagedPolicy>> ListManagedPolicies(
      std::string_view account_id, const PolicyListOptions& options) = 0;
  [[nodiscard]] virtual Result<PolicyVersion> GetPolicyVersion(std::string_view policy_arn,
                                                               std::string_view version_id) = 0;
  // Ordered by version number; kNotFound if the policy does not exist.
  [[nodiscard]] virtual Result<Page<PolicyVersion>> ListPolicyVersions(
      std::string_view policy_arn, const ListOptions& options) = 0;

  // Inline policies of a user, group or role; names compare exactly. kNotFound if the
  // principal does not exist. Lists are ordered by policy name.
  [[nodiscard]] virtual Result<InlinePolicy> GetInlinePolicy(const PrincipalRef& principal,
                                                             std::string_view name) = 0;
  [[nodiscard]] virtual Result<Page<InlinePolicy>> ListInlinePolicies(
      const PrincipalRef& principal, const ListOptions& options) = 0;

  // Access keys are found by id alone (the SigV4 path). ListAccessKeys lists one user's
  // keys (user_name empty: the account's root keys), ordered by id.
  [[nodiscard]] virtual Result<AccessKey> GetAccessKey(std::string_view key_id) = 0;
  [[nodiscard]] virtual Result<Page<AccessKey>> ListAccessKeys(std::string_view account_id,
                                                               std::string_view user_name,
                                                               const ListOptions& options) = 0;

  // Instance profiles
  // Named by account and name (any ASCII case); lists are ordered by NameKey(name).
  // ListInstanceProfiles filters by ListOptions::path_prefix; ListInstanceProfilesForRole
  // answers kNotFound if the role does not exist.
  [[nodiscard]] virtual Result<InstanceProfile> GetInstanceProfile(std::string_view account_id,
                                                                   std::string_view name) = 0;
  [[nodiscard]] virtual Result<Page<InstanceProfile>> ListInstanceProfiles(
      std::string_view account_id, const ListOptions& options) = 0;
  [[nodiscard]] virtual Result<Page<InstanceProfile>> ListInstanceProfilesForRole(
      std::string_view account_id, std::string_view role_name, const ListOptions& options) = 0;

  // Login profiles and the password policy
  // The login profile of a user (named in any ASCII case); kNotFound if the user or its
  // profile does not exist.
  [[nodiscard]] virtual Result<LoginProfile> GetLoginProfile(std::string_view account_id,
                                                             std::string_view user_name) = 0;
  // The hashes of the user's previous passwords, newest first (at most the number the
  // last RecordPasswordHistory kept); kNotFound if the user does not exist.
  [[nodiscard]] virtual Result<std::vector<std::string>> GetPasswordHistory(
      std::string_view account_id, std::string_view user_name) = 0;
  // kNotFound when the account has no password policy.
  [[nodiscard]] virtual Result<PasswordPolicy> GetPasswordPolicy(std::string_view account_id) = 0;

  // Resources
  // kNotFound if the account has no resource of that kind and key.
  [[nodiscard]] virtual Result<Resource> GetResource(ResourceKind kind, std::string_view account_id,
                                                     std::string_view key) = 0;
  // Ordered by key and filtered by the filter and ListOptions::path_prefix; markers are
  // keys. kNotFound if the filter names a user that does not exist.
  [[nodiscard]] virtual Result<Page<Resource>> ListResources(ResourceKind kind,
                                                             std::string_view account_id,
                                                             const ResourceFilter& filter,
                                                             const ListOptions& options) = 0;

  // Membership, ordered by NameKey of the listed side; kNotFound if the named side does
  // not exist.
  [[nodiscard]] virtual Result<Page<Group>> ListGroupsForUser(std::string_view account_id,
                                                              std::string_view user_name,
                                                              const ListOptions& options) = 0;
  [[nodiscard]] virtual Result<Page<User>> ListGroupMembers(std::string_view account_id,
                                                            std::string_view group_name,
                                                            const ListOptions& options) = 0;

  // Managed policies attached to a principal, ordered by ARN and filtered by the
  // policies' path; kNotFound if the principal does not exist.
  [[nodiscard]] virtual Result<Page<ManagedPolicy>> ListAttachedPolicies(
      const PrincipalRef& principal, const ListOptions& options) = 0;
  // Every principal the policy is attached to, ordered by kind then NameKey(name).
  // Unpaginated: the API layer pages it.
  [[nodiscard]] virtual Result<std::vector<PolicyEntity>> ListPolicyEntities(
      std::string_view policy_arn) = 0;
};

class WriteTxn : public ReadTxn {
 public:
  // Put* inserts (kAlreadyExists if the name, id or ARN is taken) and returns the record
  // as stored (creation time stamped when it was the epoch). Update* replaces the record
  // with the same id (kNotFound if none), keeping its creation time; renames are checked
  // for uniqueness. Delete* removes by name (kNotFound if none) unless dependents block
  // it (kFailedPrecondition, aws_code DeleteConflict):
  //   user:   access keys, group memberships, inline or attached policies, login profile
  //   group:  members, inline or attached policies
  //   role:   inline or attached policies, membership of an instance profile
  //   policy: attachments, use as a permissions boundary, non-default versions
  [[nodiscard]] virtual Result<Account> PutAccount(Account account) = 0;
  [[nodiscard]] virtual Result<Account> UpdateAccount(Account account) = 0;

  [[nodiscard]] virtual Result<User> PutUser(User user) = 0;
  [[nodiscard]] virtual Result<User> UpdateUser(User user) = 0;
  [[nodiscard]] virtual Status DeleteUser(std::string_view account_id, std::string_view name) = 0;

  [[nodiscard]] virtual Result<Group> PutGroup(Group group) = 0;
  [[nodiscard]] virtual Result<Group> UpdateGroup(Group group) = 0;
  [[nodiscard]] virtual Status DeleteGroup(std::string_view account_id, std::string_view name) = 0;

  [[nodiscard]] virtual Result<Role> PutRole(Role role) = 0;
  [[nodiscard]] virtual Result<Role> UpdateRole(Role role) = 0;
  [[nodiscard]] virtual Status DeleteRole(std::string_view account_id, std::string_view name) = 0;

  // Inserts a policy without versions; add its first version with PutPolicyVersion.
  [[nodiscard]] virtual Result<ManagedPolicy> PutManagedPolicy(ManagedPolicy policy) = 0;
  // Replaces description, is_attachable and tags of the policy with the same ARN and sets
  // its update time; name, path, id and default version stay.
  [[nodiscard]] virtual Result<ManagedPolicy> UpdateManagedPolicy(ManagedPolicy policy) = 0;
  [[nodiscard]] virtual Status DeleteManagedPolicy(std::string_view arn) = 0;

  // Adds a version (kAlreadyExists if the version id is taken; kNotFound if the policy
  // does not exist) and sets the policy's update time to the version's creation time
  // (stamped now when it is the epoch; AWS managed policies carry their published
  // dates). Does not change the default.
  [[nodiscard]] virtual Result<PolicyVersion> PutPolicyVersion(PolicyVersion version) = 0;
  // kFailedPrecondition (DeleteConflict) for the default version.
  [[nodiscard]] virtual Status DeletePolicyVersion(std::string_view policy_arn,
                                                   std::string_view version_id) = 0;
  // kNotFound if the version does not exist.
  [[nodiscard]] virtual Status SetDefaultPolicyVersion(std::string_view policy_arn,
                                                       std::string_view version_id) = 0;

  // Inserts or replaces (AWS PutUserPolicy replaces a policy of the same name).
  [[nodiscard]] virtual Status PutInlinePolicy(InlinePolicy policy) = 0;
  [[nodiscard]] virtual Status DeleteInlinePolicy(const PrincipalRef& principal,
                                                  std::string_view name) = 0;

  // kNotFound if the owning user (or account, for root keys) does not exist.
  [[nodiscard]] virtual Result<AccessKey> PutAccessKey(AccessKey key) = 0;
  [[nodiscard]] virtual Status UpdateAccessKeyStatus(std::string_view key_id,
                                                     AccessKeyStatus status) = 0;
  // Records the last use of a key (GetAccessKeyLastUsed). A transaction that only records
  // uses does not bump the generation.
  [[nodiscard]] virtual Status RecordAccessKeyUse(std::string_view key_id, Timestamp when,
                                                  std::string_view service,
                                                  std::string_view region) = 0;
  [[nodiscard]] virtual Status DeleteAccessKey(std::string_view key_id) = 0;

  // Instance profiles
  // PutInstanceProfile inserts with its tags (role_names ignored); DeleteInstanceProfile
  // answers DeleteConflict while the profile holds a role. AddRoleToInstanceProfile
  // answers kAlreadyExists if the role is already in the profile (it does not limit how
  // many roles a profile holds); RemoveRoleFromInstanceProfile kNotFound if it is not.
  // Deleting a role that is in a profile is a DeleteConflict.
  [[nodiscard]] virtual Result<InstanceProfile> PutInstanceProfile(InstanceProfile profile) = 0;
  // Replaces the tags of the profile with the same account and name (kNotFound if none).
  [[nodiscard]] virtual Result<InstanceProfile> UpdateInstanceProfileTags(
      std::string_view account_id, std::string_view name, std::vector<Tag> tags) = 0;
  [[nodiscard]] virtual Status DeleteInstanceProfile(std::string_view account_id,
                                                     std::string_view name) = 0;
  [[nodiscard]] virtual Status AddRoleToInstanceProfile(std::string_view account_id,
                                                        std::string_view profile_name,
                                                        std::string_view role_name) = 0;
  [[nodiscard]] virtual Status RemoveRoleFromInstanceProfile(std::string_view account_id,
                                                             std::string_view profile_name,
                                                             std::string_view role_name) = 0;

  // Login profiles and the password policy
  // PutLoginProfile: kNotFound if the user does not exist, kAlreadyExists if it has a
  // profile. UpdateLoginProfile replaces hash, reset flag and last-changed time, keeping
  // the creation time (kNotFound if none). A user with a login profile cannot be deleted
  // (DeleteConflict); deleting a user also deletes its password history.
  [[nodiscard]] virtual Result<LoginProfile> PutLoginProfile(LoginProfile profile) = 0;
  [[nodiscard]] virtual Result<LoginProfile> UpdateLoginProfile(LoginProfile profile) = 0;
  [[nodiscard]] virtual Status DeleteLoginProfile(std::string_view account_id,
                                                  std::string_view user_name) = 0;
  // Adds `password_hash` as the user's newest previous password and keeps the newest
  // `keep` entries (0 clears the history); kNotFound if the user does not exist.
  [[nodiscard]] virtual Status RecordPasswordHistory(std::string_view account_id,
                                                     std::string_view user_name,
                                                     std::string_view password_hash, int keep) = 0;
  // Inserts or replaces the account's policy; kNotFound if the account does not exist.
  [[nodiscard]] virtual Result<PasswordPolicy> PutPasswordPolicy(PasswordPolicy policy) = 0;
  // kNotFound when the account has no password policy.
  [[nodiscard]] virtual Status DeletePasswordPolicy(std::string_view account_id) = 0;

  // Resources
  // PutResource inserts (kAlreadyExists if the key is taken; kNotFound if the account or
  // the named user does not exist) and returns it as stored: user_name spelled as the
  // user's name, created and updated stamped. UpdateResource replaces user_name, path,
  // body and tags of the resource with the same kind, account and key (kNotFound if
  // none), keeping its creation time. Deleting a user is a DeleteConflict while a
  // resource of a kind that ResourceKindBlocksUserDeletion names it; the user's other
  // resources are deleted with it.
  [[nodiscard]] virtual Result<Resource> PutResource(Resource resource) = 0;
  [[nodiscard]] virtual Result<Resource> UpdateResource(Resource resource) = 0;
  [[nodiscard]] virtual Status DeleteResource(ResourceKind kind, std::string_view account_id,
                                              std::string_view key) = 0;

  // kAlreadyExists if already a member / already attached; kNotFound if either side
  // does not exist or, for removal, if there is no such membership or attachment.
  [[nodiscard]] virtual Status AddUserToGroup(std::string_view account_id,
                                              std::string_view group_name,
                                              std::string_view user_name) = 0;
  [[nodiscard]] virtual Status RemoveUserFromGroup(std::string_view account_id,
                                                   std::string_view group_name,
                                                   std::string_view user_name) = 0;
  [[nodiscard]] virtual Status AttachPolicy(const PrincipalRef& principal,
                                            std::string_view policy_arn) = 0;
  [[nodiscard]] virtual Status DetachPolicy(const PrincipalRef& principal,
                                            std::string_view policy_arn) = 0;

  // Makes every change durable and visible, and bumps the store's generation. After
  // Commit() (successful or not) the transaction accepts no more calls but its
  // destruction, which releases the writer: destroy it promptly. kAborted: nothing was
  // written; retry.
  [[nodiscard]] virtual Status Commit() = 0;
};

class IdentityStore {
 public:
  IdentityStore() = default;
  IdentityStore(const IdentityStore&) = delete;
  IdentityStore& operator=(const IdentityStore&) = delete;
  IdentityStore(IdentityStore&&) = delete;
  IdentityStore& operator=(IdentityStore&&) = delete;
  virtual ~IdentityStore() = default;

  // A snapshot for reading. kAborted or kUnavailable when no snapshot can be had.
  [[nodiscard]] virtual Result<std::unique_ptr<ReadTxn>> BeginRead() = 0;
  // The one write transaction; waits up to the store's busy timeout for the current one
  // to finish, then answers kAborted.
  [[nodiscard]] virtual Result<std::unique_ptr<WriteTxn>> BeginWrite() = 0;
  // A number that grows by at least one with every committed WriteTxn of this store
  // object that changed more than usage records. Starts at 0 when the store is opened.
  virtual std::uint64_t Generation() const = 0;
};

}  // namespace portcullis::store
