// Typed records of the identity store: accounts, users, groups, roles, managed policies
// and their versions, inline policies, access keys; plus the page and list-option types
// that every List method shares, and the validation both backends apply before writing.
//
// Records are plain values. Names of users, groups, roles and managed policies are
// unique per account without regard to ASCII case (AWS: "Names are not distinguished by
// case", IAM API reference, CreateUser UserName); `NameKey` is the folded form used for
// uniqueness, ordering and markers. Access-key secrets appear only sealed
// (`AccessKey::sealed_secret`): the store never sees a plaintext secret.
// Thread-safety: plain values; no shared state.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace portcullis::store {

// Wall-clock time as the store keeps it: milliseconds since the Unix epoch. A record
// whose creation time is the epoch (`Timestamp{}`) is stamped by the store's Clock.
using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

struct Tag {
  std::string key;
  std::string value;

  bool operator==(const Tag&) const = default;
};

struct Account {
  std::string id;  // 12 decimal digits
  std::string alias;
  Timestamp created;

  bool operator==(const Account&) const = default;
};

struct User {
  std::string account_id;
  std::string name;
  std::string path = "/";
  std::string id;  // AIDA...
  std::string arn;
  Timestamp created;
  std::optional<Timestamp> password_last_used;
  std::string permissions_boundary_arn;  // empty: none
  std::vector<Tag> tags;

  bool operator==(const User&) const = default;
};

struct Group {
  std::string account_id;
  std::string name;
  std::string path = "/";
  std::string id;  // AGPA...
  std::string arn;
  Timestamp created;

  bool operator==(const Group&) const = default;
};

struct Role {
  std::string account_id;
  std::string name;
  std::string path = "/";
  std::string id;  // AROA...
  std::string arn;
  Timestamp created;
  std::string assume_role_policy_document;
  std::string description;
  std::int32_t max_session_duration = 3600;  // seconds
  std::string permissions_boundary_arn;      // empty: none
  std::vector<Tag> tags;

  bool operator==(const Role&) const = default;
};

// A customer managed policy (account_id is the owning account) or an AWS managed policy
// (account_id "aws", ARN arn:aws:iam::aws:policy/...).
struct ManagedPolicy {
  std::string account_id;
  std::string name;
  std::string path = "/";
  std::string id;  // ANPA...
  std::string arn;
  std::string description;
  std::string default_version_id = "v1";
  bool is_attachable = true;
  Timestamp created;
  Timestamp updated;
  std::vector<Tag> tags;  // customer managed policies only
  // Computed by the store on every read; ignored on writes.
  std::int32_t attachment_count = 0;
  std::int32_t permissions_boundary_usage_count = 0;

  bool operator==(const ManagedPolicy&) const = default;
};

struct PolicyVersion {
  std::string policy_arn;
  std::string version_id;  // "v1", "v2", ...
  std::string document;
  Timestamp created;
  // Computed by the store on every read (version_id == the policy's default).
  bool is_default = false;

  bool operator==(const PolicyVersion&) const = default;
};

// The identities that hold policies. Values are persisted.
enum class PrincipalKind : std::uint8_t { kUser = 0, kGroup = 1, kRole = 2 };

// Returns "user", "group" or "role".
std::string_view PrincipalKindName(PrincipalKind kind);

// Names a user, group or role of an account.
struct PrincipalRef {
  PrincipalKind kind = PrincipalKind::kUser;
  std::string account_id;
  std::string name;

  bool operator==(const PrincipalRef&) const = default;
};

struct InlinePolicy {
  PrincipalRef principal;
  std::string name;
  std::string document;

  bool operator==(const InlinePolicy&) const = default;
};

// Values are persisted.
enum class AccessKeyStatus : std::uint8_t { kActive = 0, kInactive = 1 };

struct AccessKey {
  std::string id;  // AKIA...
  std::string account_id;
  std::string user_name;  // empty: the account's root credentials
  AccessKeyStatus status = AccessKeyStatus::kActive;
  Timestamp created;
  std::optional<Timestamp> last_used;
  std::string last_used_service;
  std::string last_used_region;
  std::vector<std::uint8_t> sealed_secret;  // AEAD output; never the plaintext

  bool operator==(const AccessKey&) const = default;
};

// Instance profiles
// An instance profile of an account: a container for at most one role (the API layer
// enforces AWS's quota; the store allows more). `role_names` is filled on every read,
// ordered by NameKey; writes ignore it (AddRoleToInstanceProfile changes it).
struct InstanceProfile {
  std::string account_id;
  std::string name;
  std::string path = "/";
  std::string id;  // AIPA...
  std::string arn;
  Timestamp created;
  std::vector<Tag> tags;
  std::vector<std::string> role_names;

  bool operator==(const InstanceProfile&) const = default;
};

// Login profiles and the password policy
// A user's console password: only its argon2id hash (crypto/password_hash.h) is stored.
struct LoginProfile {
  std::string account_id;
  std::string user_name;
  std::string password_hash;        // encoded argon2id; never the plaintext
  Timestamp created;                // stamped when the epoch
  Timestamp password_last_changed;  // stamped with `created` when the epoch
  bool password_reset_required = false;

  bool operator==(const LoginProfile&) const = default;
};

// An account's password policy (UpdateAccountPasswordPolicy). Zero max_password_age and
// password_reuse_prevention mean "not set".
struct PasswordPolicy {
  std::string account_id;
  std::int32_t minimum_password_length = 6;  // 6..128
  bool require_symbols = false;
  bool require_numbers = false;
  bool require_uppercase_characters = false;
  bool require_lowercase_characters = false;
  bool allow_users_to_change_password = false;
  std::int32_t max_password_age = 0;           // days, 1..1095; 0: passwords never expire
  std::int32_t password_reuse_prevention = 0;  // 1..24; 0: no reuse prevention
  bool hard_expiry = false;

  bool operator==(const PasswordPolicy&) const = default;
};

// Resources
// The smaller records of an account, kept in one shape so that every backend stores them
// the same way: MFA devices, SSH public keys, signing and server certificates,
// service-specific credentials, OIDC and SAML providers, account aliases, generated
// reports, console sign-in state and account settings. The API layer that owns a kind
// owns its `body` (JSON the store never reads) and chooses its `key`. Values of the kind
// are persisted: append only.
enum class ResourceKind : std::uint8_t {
  kMfaDevice = 1,                  // key: serial number (ARN); user: the assigned user
  kSshPublicKey = 2,               // key: key id; user: the owner
  kSigningCertificate = 3,         // key: certificate id; user: the owner
  kServerCertificate = 4,          // key: NameKey(name); path filtered
  kServiceSpecificCredential = 5,  // key: credential id; user: the owner
  kOidcProvider = 6,               // key: provider ARN
  kSamlProvider = 7,               // key: provider ARN
  kAccountAlias = 8,               // key: the alias
  kReport = 9,                     // key: report kind or job id
  kSignInState = 10,               // key: NameKey(user name) or "root"; user: the user
  kAccountSetting = 11,            // key: setting name
  kRoleLastUsed = 12,              // key: role id (AROA...); body: last AssumeRole
  kWorkload = 13,                  // key: workload id (i-...); body: workload/workload.h
};

// Returns a lower-case name of the kind for messages ("MFA device", "SSH public key", ...).
std::string_view ResourceKindName(ResourceKind kind);

// Whether a resource of this kind that names a user keeps the user from being deleted
// (DeleteConflict). Kinds that do not block are deleted with the user.
bool ResourceKindBlocksUserDeletion(ResourceKind kind);

struct Resource {
  ResourceKind kind = ResourceKind::kAccountSetting;
  std::string account_id;
  std::string key;        // unique per (account, kind); compared exactly; 1..512 bytes
  std::string user_name;  // the user it belongs to (any ASCII case); empty: the account
  std::string path = "/";
  std::string body;  // owned by the API layer; the store keeps it as given
  std::vector<Tag> tags;
  Timestamp created;  // stamped when the epoch
  Timestamp updated;  // stamped with the store clock on every write

  bool operator==(const Resource&) const = default;
};

// Which resources of a kind ListResources answers.
struct ResourceFilter {
  // nullopt: all; empty: only those that belong to no user; else that user's (any case).
  std::optional<std::string> user_name;
};

// One principal a managed policy is attached to (ListEntitiesForPolicy).
struct PolicyEntity {
  PrincipalKind kind = PrincipalKind::kUser;
  std::string name;
  std::string id;

  bool operator==(const PolicyEntity&) const = default;
};

// One page of a listing. `next_marker` is set when `is_truncated`; pass it back as
// ListOptions::marker to read the next page.
template <class T>
struct Page {
  std::vector<T> items;
  bool is_truncated = false;
  std::string next_marker;
};

inline constexpr int kDefaultMaxItems = 100;
inline constexpr int kMaxMaxItems = 1000;

struct ListOptions {
  std::string path_prefix;  // empty or "/": everything (ignored where AWS has no paths)
  std::string marker;       // empty: from the start
  int max_items = kDefaultMaxItems;
};

struct PolicyListOptions : ListOptions {
  bool only_attached = false;
};

// Returns `name` with ASCII letters lowered: the key for name uniqueness and ordering.
std::string NameKey(std::string_view name);

// Returns the N of a version id "vN" (N >= 1), or kInvalidArgument.
[[nodiscard]] Result<std::int64_t> ParsePolicyVersionId(std::string_view version_id);

// Field checks both backends run before a write; each returns kInvalidArgument naming
// the field. They check shape (account id digits, id prefixes, paths), not AWS quotas.
[[nodiscard]] Status ValidateAccount(const Account& account);
[[nodiscard]] Status ValidateUser(const User& user);
[[nodiscard]] Status ValidateGroup(const Group& group);
[[nodiscard]] Status ValidateRole(const Role& role);
[[nodiscard]] Status ValidateManagedPolicy(const ManagedPolicy& policy);
[[nodiscard]] Status ValidatePolicyVersion(const PolicyVersion& version);
[[nodiscard]] Status ValidateInlinePolicy(const InlinePolicy& policy);
[[nodiscard]] Status ValidateAccessKey(const AccessKey& key);
// Login profiles and the password policy
[[nodiscard]] Status ValidateLoginProfile(const LoginProfile& profile);
[[nodiscard]] Status ValidatePasswordPolicy(const PasswordPolicy& policy);
// Instance profiles
[[nodiscard]] Status ValidateInstanceProfile(const InstanceProfile& profile);
[[nodiscard]] Status ValidateListOptions(const ListOptions& options);
// Resources
[[nodiscard]] Status ValidateResource(const Resource& resource);

// Both backends' rule for DeletePolicyVersion: the default version cannot be
// deleted (kFailedPrecondition, DeleteConflict).
[[nodiscard]] Status CheckPolicyVersionDeletable(const PolicyVersion& version);

// Errors with the AWS code the API layer answers with.
Error NotFoundError(std::string message);        // kNotFound, NoSuchEntity
Error AlreadyExistsError(std::string message);   // kAlreadyExists, EntityAlreadyExists
Error DeleteConflictError(std::string message);  // kFailedPrecondition, DeleteConflict

}  // namespace portcullis::store
