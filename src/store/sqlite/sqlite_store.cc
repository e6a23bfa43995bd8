#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <utility>
#include <vector>

#include "store/sqlite/connection.h"
#include "store/sqlite/embedded_migrations.h"
#include "store/writer_gate.h"

namespace portcullis::store::sqlite {
namespace {

std::int64_t ToMs(Timestamp t) {
  return t.time_since_epoch().count();
}

std::optional<std::int64_t> ToMs(const std::optional<Timestamp>& t) {
  if (!t.has_value()) {
    return std::nullopt;
  }
  return ToMs(*t);
}

Timestamp FromMs(std::int64_t ms) {
  return Timestamp(std::chrono::milliseconds(ms));
}

std::optional<Timestamp> FromMs(const std::optional<std::int64_t>& ms) {
  if (!ms.has_value()) {
    return std::nullopt;
  }
  return FromMs(*ms);
}

Error Finished() {
  return Error{ErrorCode::kFailedPrecondition, "transaction is finished", std::nullopt, {}, {}};
}

std::string Describe(const PrincipalRef& principal) {
  return std::string(PrincipalKindName(principal.kind)) + " `" + principal.name + "`";
}

std::int64_t KindValue(PrincipalKind kind) {
  return static_cast<std::int64_t>(kind);
}

// Fetches up to max_items + 1 rows; the extra row only tells that the page is truncated.
template <class T, class RowFn, class KeyFn>
Result<Page<T>> CollectPage(Query& query, int max_items, RowFn row, KeyFn key) {
  Page<T> page;
  while (true) {
    IAM_ASSIGN_OR_RETURN(bool more, query.Step());
    if (!more) {
      break;
    }
    page.items.push_back(row(query));
  }
  if (page.items.size() > static_cast<std::size_t>(max_items)) {
    page.items.pop_back();
    page.is_truncated = true;
    page.next_marker = key(page.items.back());
  }
  return page;
}

constexpr std::string_view kUserCols =
    "id, account_id, name, path, arn, created_ms, password_last_used_ms, "
    "permissions_boundary_arn";

User ReadUser(const Query& q) {
  User user;
  user.id = q.Text(0);
  user.account_id = q.Text(1);
  user.name = q.Text(2);
  user.path = q.Text(3);
  user.arn = q.Text(4);
  user.created = FromMs(q.Int(5));
  user.password_last_used = FromMs(q.OptionalInt(6));
  user.permissions_boundary_arn = q.Text(7);
  return user;
}

constexpr std::string_view kGroupCols = "id, account_id, name, path, arn, created_ms";

Group ReadGroup(const Query& q) {
  Group group;
  group.id = q.Text(0);
  group.account_id = q.Text(1);
  group.name = q.Text(2);
  group.path = q.Text(3);
  group.arn = q.Text(4);
  group.created = FromMs(q.Int(5));
  return group;
}

constexpr std::string_view kRoleCols =
    "id, account_id, name, path, arn, created_ms, assume_role_policy_document, description, "
    "max_session_duration, permissions_boundary_arn";

Role ReadRole(const Query& q) {
  Role role;
  role.id = q.Text(0);
  role.account_id = q.Text(1);
  role.name = q.Text(2);
  role.path = q.Text(3);
  role.arn = q.Text(4);
  role.created = FromMs(q.Int(5));
  role.assume_role_policy_document = q.Text(6);
  role.description = q.Text(7);
  role.max_session_duration = static_cast<std::int32_t>(q.Int(8));
  role.permissions_boundary_arn = q.Text(9);
  return role;
}

constexpr std::string_view kPolicyCols =
    "p.arn, p.id, p.account_id, p.name, p.path, p.description, p.default_version_id, "
    "p.is_attachable, p.created_ms, p.updated_ms, "
    "(SELECT count(*) FROM policy_attachments a WHERE a.policy_arn = p.arn), "
    "(SELECT count(*) FROM users u WHERE u.permissions_boundary_arn = p.arn) + "
    "(SELECT count(*) FROM roles r WHERE r.permissions_boundary_arn = p.arn)";

ManagedPolicy ReadPolicy(const Query& q) {
  ManagedPolicy policy;
  policy.arn = q.Text(0);
  policy.id = q.Text(1);
  policy.account_id = q.Text(2);
  policy.name = q.Text(3);
  policy.path = q.Text(4);
  policy.description = q.Text(5);
  policy.default_version_id = q.Text(6);
  policy.is_attachable = q.Int(7) != 0;
  policy.created = FromMs(q.Int(8));
  policy.updated = FromMs(q.Int(9));
  policy.attachment_count = static_cast<std::int32_t>(q.Int(10));
  policy.permissions_boundary_usage_count = static_cast<std::int32_t>(q.Int(11));
  return policy;
}

constexpr std::string_view kVersionCols =
    "v.policy_arn, v.version_id, v.document, v.created_ms, "
    "v.version_id = p.default_version_id";

PolicyVersion ReadVersion(const Query& q) {
  PolicyVersion version;
  version.policy_arn = q.Text(0);
  version.version_id = q.Text(1);
  version.document = q.Text(2);
  version.created = FromMs(q.Int(3));
  version.is_default = q.Int(4) != 0;
  return version;
}

constexpr std::string_view kKeyCols =
    "k.id, k.account_id, coalesce(u.name, ''), k.status, k.created_ms, k.last_used_ms, "
    "k.last_used_service, k.last_used_region, k.sealed_secret";

AccessKey ReadKey(const Query& q) {
  AccessKey key;
  key.id = q.Text(0);
  key.account_id = q.Text(1);
  key.user_name = q.Text(2);
  key.status = q.Int(3) == 0 ? AccessKeyStatus::kActive : AccessKeyStatus::kInactive;
  key.created = FromMs(q.Int(4));
  key.last_used = FromMs(q.OptionalInt(5));
  key.last_used_service = q.Text(6);
  key.last_used_region = q.Text(7);
  key.sealed_secret = q.Blob(8);
  return key;
}

// Instance profiles
constexpr std::string_view kProfileCols = "id, account_id, name, path, arn, created_ms";

InstanceProfile ReadProfile(const Query& q) {
  InstanceProfile profile;
  profile.id = q.Text(0);
  profile.account_id = q.Text(1);
  profile.name = q.Text(2);
  profile.path = q.Text(3);
  profile.arn = q.Text(4);
  profile.created = FromMs(q.Int(5));
  return profile;
}

// Resources
constexpr std::string_view kResourceCols =
    "r.account_id, r.kind, r.key, coalesce(u.name, ''), r.path, r.body, r.created_ms, "
    "r.updated_ms";

Resource ReadResource(const Query& q) {
  Resource resource;
  resource.account_id = q.Text(0);
  resource.kind = static_cast<ResourceKind>(q.Int(1));
  resource.key = q.Text(2);
  resource.user_name = q.Text(3);
  resource.path = q.Text(4);
  resource.body = q.Text(5);
  resource.created = FromMs(q.Int(6));
  resource.updated = FromMs(q.Int(7));
  return resource;
}

std::string Sql(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) {
    out += part;
  }
  return out;
}

// The read half, shared by both transaction kinds over their connection.
template <class Base>
class Reader : public Base {
 public:
  Result<Account> GetAccount(std::string_view account_id) override {
    IAM_ASSIGN_OR_RETURN(
        Query q, conn().Prepare("SELECT id, alias, created_ms FROM accounts WHERE id = ?1"));
    q.Bind(account_id);
    IAM_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) {
      return tl::unexpected(NotFoundError("account `" + std::string(account_id) + "` not found"));
    }
    return Account{q.Text(0), q.Text(1), FromMs(q.Int(2))};
  }

  Result<std::vector<Account>> ListAccounts() override {
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn().Prepare("SELECT id, alias, created_ms FROM accounts ORDER BY id"));
    std::vector<Account> out;
    while (true) {
      IAM_ASSIGN_OR_RETURN(bool more, q.Step());
      if (!more) {
        return out;
      }
      out.push_back(Account{q.Text(0), q.Text(1), FromMs(q.Int(2))});
    }
  }

  Result<User> GetUser(std::string_view account_id, std::string_view name) override {
    static const std::string kSql =
        Sql({"SELECT ", kUserCols, " FROM users WHERE account_id = ?1 AND name_key = ?2"});
    IAM_ASSIGN_OR_RETURN(User user, GetOne<User>(kSql, account_id, name, ReadUser, "user"));
    IAM_RETURN_IF_ERROR(LoadTags(PrincipalKind::kUser, user.id, user.tags));
    return user;
  }

  Result<Page<User>> ListUsers(std::string_view account_id, const ListOptions& options) override {
    static const std::string kSql =
        Sql({"SELECT ", kUserCols, " FROM users WHERE account_id = ?1 AND ",
             "substr(path, 1, length(?2)) = ?2 AND name_key > ?3 ORDER BY name_key LIMIT ?4"});
    IAM_ASSIGN_OR_RETURN(Page<User> page, ListNamed<User>(kSql, account_id, options, ReadUser));
    IAM_RETURN_IF_ERROR(LoadUserTags(page.items));
    return page;
  }

  Result<Group> GetGroup(std::string_view account_id, std::string_view name) override {
    static const std::string kSql =
        Sql({"SELECT ", kGroupCols, " FROM groups WHERE account_id = ?1 AND name_key = ?2"});
    return GetOne<Group>(kSql, account_id, name, ReadGroup, "group");
  }

  Result<Page<Group>> ListGroups(std::string_view account_id, const ListOptions& options) override {
    static const std::string kSql =
        Sql({"SELECT ", kGroupCols, " FROM groups WHERE account_id = ?1 AND ",
             "substr(path, 1, length(?2)) = ?2 AND name_key > ?3 ORDER BY name_key LIMIT ?4"});
    return ListNamed<Group>(kSql, account_id, options, ReadGroup);
  }

  Result<Role> GetRole(std::string_view account_id, std::string_view name) override {
    static const std::string kSql =
        Sql({"SELECT ", kRoleCols, " FROM roles WHERE account_id = ?1 AND name_key = ?2"});
    IAM_ASSIGN_OR_RETURN(Role role, GetOne<Role>(kSql, account_id, name, ReadRole, "role"));
    IAM_RETURN_IF_ERROR(LoadTags(PrincipalKind::kRole, role.id, role.tags));
    return role;
  }

  Result<Page<Role>> ListRoles(std::string_view account_id, const ListOptions& options) override {
    static const std::string kSql =
        Sql({"SELECT ", kRoleCols, " FROM roles WHERE account_id = ?1 AND ",
             "substr(path, 1, length(?2)) = ?2 AND name_key > ?3 ORDER BY name_key LIMIT ?4"});
    IAM_ASSIGN_OR_RETURN(Page<Role> page, ListNamed<Role>(kSql, account_id, options, ReadRole));
    for (Role& role : page.items) {
      IAM_RETURN_IF_ERROR(LoadTags(PrincipalKind::kRole, role.id, role.tags));
    }
    return page;
  }

  Result<ManagedPolicy> GetManagedPolicy(std::string_view arn) override {
    static const std::string kSql =
        Sql({"SELECT ", kPolicyCols, " FROM policies p WHERE p.arn = ?1"});
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSql));
    q.Bind(arn);
    IAM_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) {
      return tl::unexpected(NotFoundError("policy `" + std::string(arn) + "` not found"));
    }
    ManagedPolicy policy = ReadPolicy(q);
    IAM_RETURN_IF_ERROR(LoadPolicyTags(policy));
    return policy;
  }

  // Tags are kept for customer managed policies only.
  Status LoadPolicyTags(ManagedPolicy& policy) {
    policy.tags.clear();
    if (policy.account_id == "aws") {
      return OkStatus();
    }
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("SELECT key, value FROM policy_tags WHERE "
                                                 "policy_arn = ?1 ORDER BY position"));
    q.Bind(policy.arn);
    while (true) {
      IAM_ASSIGN_OR_RETURN(bool more, q.Step());
      if (!more) {
        return OkStatus();
      }
      policy.tags.push_back(Tag{q.Text(0), q.Text(1)});
    }
  }

  Status LoadPolicyTags(std::vector<ManagedPolicy>& policies) {
    for (ManagedPolicy& policy : policies) {
      IAM_RETURN_IF_ERROR(LoadPolicyTags(policy));
    }
    return OkStatus();
  }

  // Resources
  Result<Resource> GetResource(ResourceKind kind, std::string_view account_id,
                               std::string_view key) override {
    static const std::string kSql =
        Sql({"SELECT ", kResourceCols, " FROM resources r LEFT JOIN users u ON u.id = r.user_id ",
             "WHERE r.account_id = ?1 AND r.kind = ?2 AND r.key = ?3"});
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSql));
    q.Bind(account_id).Bind(static_cast<std::int64_t>(kind)).Bind(key);
    IAM_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) {
      return tl::unexpected(NotFoundError(std::string(ResourceKindName(kind)) + " `" +
                                          std::string(key) + "` not found"));
    }
    Resource resource = ReadResource(q);
    IAM_RETURN_IF_ERROR(LoadResourceTags(resource));
    return resource;
  }

  Result<Page<Resource>> ListResources(ResourceKind kind, std::string_view account_id,
                                       const ResourceFilter& filter,
                                       const ListOptions& options) override {
    // ?4: 0 all, 1 no user, 2 the user ?5.
    static const std::string kSql =
        Sql({"SELECT ", kResourceCols, " FROM resources r LEFT JOIN users u ON u.id = r.user_id ",
             "WHERE r.account_id = ?1 AND r.kind = ?2 AND r.key > ?3 AND ",
             "(?4 = 0 OR (?4 = 1 AND r.user_id IS NULL) OR (?4 = 2 AND r.user_id = ?5)) AND ",
             "substr(r.path, 1, length(?6)) = ?6 ORDER BY r.key LIMIT ?7"});
    IAM_RETURN_IF_ERROR(ValidateListOptions(options));
    std::int64_t mode = 0;
    std::string user_id;
    if (filter.user_name.has_value()) {
      mode = 1;
      if (!filter.user_name->empty()) {
        mode = 2;
        IAM_ASSIGN_OR_RETURN(User user, GetUser(account_id, *filter.user_name));
        user_id = user.id;
      }
    }
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSql));
    q.Bind(account_id)
        .Bind(static_cast<std::int64_t>(kind))
        .Bind(options.marker)
        .Bind(mode)
        .Bind(user_id)
        .Bind(options.path_prefix)
        .Bind(std::int64_t{options.max_items + 1});
    IAM_ASSIGN_OR_RETURN(Page<Resource> page,
                         CollectPage<Resource>(q, options.max_items, ReadResource,
                                               [](const Resource& r) { return r.key; }));
    for (Resource& resource : page.items) {
      IAM_RETURN_IF_ERROR(LoadResourceTags(resource));
    }
    return page;
  }

  Status LoadResourceTags(Resource& resource) {
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("SELECT key, value FROM resource_tags WHERE "
                                                 "account_id = ?1 AND kind = ?2 AND "
                                                 "resource_key = ?3 ORDER BY position"));
    q.Bind(resource.account_id).Bind(static_cast<std::int64_t>(resource.kind)).Bind(resource.key);
    resource.tags.clear();
    while (true) {
      IAM_ASSIGN_OR_RETURN(bool more, q.Step());
      if (!more) {
        return OkStatus();
      }
      resource.tags.push_back(Tag{q.Text(0), q.Text(1)});
    }
  }

  Result<Page<ManagedPolicy>> ListManagedPolicies(std::string_view account_id,
                                                  const PolicyListOptions& options) override {
    static const std::string kSql =
        Sql({"SELECT ", kPolicyCols, " FROM policies p WHERE p.account_id = ?1 AND ",
             "substr(p.path, 1, length(?2)) = ?2 AND p.name_key > ?3 AND ",
             "(?4 = 0 OR EXISTS (SELECT 1 FROM policy_attachments a WHERE a.policy_arn = p.arn)) ",
             "ORDER BY p.name_key LIMIT ?5"});
    IAM_RETURN_IF_ERROR(ValidateListOptions(options));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSql));
    q.Bind(account_id)
        .Bind(options.path_prefix)
        .Bind(options.marker)
        .Bind(std::int64_t{options.only_attached ? 1 : 0})
        .Bind(std::int64_t{options.max_items + 1});
    IAM_ASSIGN_OR_RETURN(
        Page<ManagedPolicy> page,
        CollectPage<ManagedPolicy>(q, options.max_items, ReadPolicy,
                                   [](const ManagedPolicy& p) { return NameKey(p.name); }));
    IAM_RETURN_IF_ERROR(LoadPolicyTags(page.items));
    return page;
  }

  Result<PolicyVersion> GetPolicyVersion(std::string_view policy_arn,
                                         std::string_view version_id) override {
    static const std::string kSql =
        Sql({"SELECT ", kVersionCols, " FROM policy_versions v JOIN policies p ",
             "ON p.arn = v.policy_arn WHERE v.policy_arn = ?1 AND v.version_number = ?2"});
    IAM_RETURN_IF_ERROR(GetManagedPolicy(policy_arn));
    IAM_ASSIGN_OR_RETURN(std::int64_t number, ParsePolicyVersionId(version_id));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSql));
    q.Bind(policy_arn).Bind(number);
    IAM_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) {
      return tl::unexpected(NotFoundError("policy version `" + std::string(version_id) + "` of `" +
                                          std::string(policy_arn) + "` not found"));
    }
    return ReadVersion(q);
  }

  Result<Page<PolicyVersion>> ListPolicyVersions(std::string_view policy_arn,
                                                 const ListOptions& options) override {
    static const std::string kSql =
        Sql({"SELECT ", kVersionCols, " FROM policy_versions v JOIN policies p ",
             "ON p.arn = v.policy_arn WHERE v.policy_arn = ?1 AND v.version_number > ?2 ",
             "ORDER BY v.version_number LIMIT ?3"});
    IAM_RETURN_IF_ERROR(GetManagedPolicy(policy_arn));
    std::int64_t after = 0;
    if (!options.marker.empty()) {
      IAM_ASSIGN_OR_RETURN(after, ParsePolicyVersionId(options.marker));
    }
    IAM_RETURN_IF_ERROR(ValidateListOptions(options));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSql));
    q.Bind(policy_arn).Bind(after).Bind(std::int64_t{options.max_items + 1});
    return CollectPage<PolicyVersion>(q, options.max_items, ReadVersion,
                                      [](const PolicyVersion& v) { return v.version_id; });
  }

  Result<InlinePolicy> GetInlinePolicy(const PrincipalRef& principal,
                                       std::string_view name) override {
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(principal));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("SELECT document FROM inline_policies WHERE "
                                                 "principal_kind = ?1 AND principal_id = ?2 AND "
                                                 "name = ?3"));
    q.Bind(KindValue(principal.kind)).Bind(id).Bind(name);
    IAM_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) {
      return tl::unexpected(NotFoundError("inline policy `" + std::string(name) + "` of " +
                                          Describe(principal) + " not found"));
    }
    return InlinePolicy{principal, std::string(name), q.Text(0)};
  }

  Result<Page<InlinePolicy>> ListInlinePolicies(const PrincipalRef& principal,
                                                const ListOptions& options) override {
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(principal));
    IAM_RETURN_IF_ERROR(ValidateListOptions(options));
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn().Prepare("SELECT name, document FROM inline_policies WHERE "
                                        "principal_kind = ?1 AND principal_id = ?2 AND name > ?3 "
                                        "ORDER BY name LIMIT ?4"));
    q.Bind(KindValue(principal.kind))
        .Bind(id)
        .Bind(options.marker)
        .Bind(std::int64_t{options.max_items + 1});
    return CollectPage<InlinePolicy>(
        q, options.max_items,
        [&](const Query& row) {
          return InlinePolicy{principal, row.Text(0), row.Text(1)};
        },
        [](const InlinePolicy& p) { return p.name; });
  }

  Result<AccessKey> GetAccessKey(std::string_view key_id) override {
    static const std::string kSql =
        Sql({"SELECT ", kKeyCols,
             " FROM access_keys k LEFT JOIN users u ON u.id = k.user_id "
             "WHERE k.id = ?1"});
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSql));
    q.Bind(key_id);
    IAM_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) {
      return tl::unexpected(NotFoundError("access key `" + std::string(key_id) + "` not found"));
    }
    return ReadKey(q);
  }

  Result<Page<AccessKey>> ListAccessKeys(std::string_view account_id, std::string_view user_name,
                                         const ListOptions& options) override {
    static const std::string kSql =
        Sql({"SELECT ", kKeyCols,
             " FROM access_keys k LEFT JOIN users u ON u.id = k.user_id "
             "WHERE k.account_id = ?1 AND k.user_id IS ?2 AND k.id > ?3 ORDER BY k.id LIMIT ?4"});
    std::optional<std::string> user_id;
    if (user_name.empty()) {
      IAM_RETURN_IF_ERROR(GetAccount(account_id));
    } else {
      IAM_ASSIGN_OR_RETURN(user_id,
                           PrincipalId(PrincipalRef{PrincipalKind::kUser, std::string(account_id),
                                                    std::string(user_name)}));
    }
    IAM_RETURN_IF_ERROR(ValidateListOptions(options));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSql));
    q.Bind(account_id);
    if (user_id.has_value()) {
      q.Bind(*user_id);
    } else {
      q.Bind(std::optional<std::int64_t>());
    }
    q.Bind(options.marker).Bind(std::int64_t{options.max_items + 1});
    return CollectPage<AccessKey>(q, options.max_items, ReadKey,
                                  [](const AccessKey& k) { return k.id; });
  }

  // Instance profiles
  Result<InstanceProfile> GetInstanceProfile(std::string_view account_id,
                                             std::string_view name) override {
    static const std::string kSql = Sql({"SELECT ", kProfileCols, " FROM instance_profiles ",
                                         "WHERE account_id = ?1 AND name_key = ?2"});
    IAM_ASSIGN_OR_RETURN(
        InstanceProfile profile,
        GetOne<InstanceProfile>(kSql, account_id, name, ReadProfile, "instance profile"));
    IAM_RETURN_IF_ERROR(LoadProfileDetails(profile));
    return profile;
  }

  Result<Page<InstanceProfile>> ListInstanceProfiles(std::string_view account_id,
                                                     const ListOptions& options) override {
    static const std::string kSql =
        Sql({"SELECT ", kProfileCols, " FROM instance_profiles WHERE account_id = ?1 AND ",
             "substr(path, 1, length(?2)) = ?2 AND name_key > ?3 ORDER BY name_key LIMIT ?4"});
    IAM_ASSIGN_OR_RETURN(Page<InstanceProfile> page,
                         ListNamed<InstanceProfile>(kSql, account_id, options, ReadProfile));
    for (InstanceProfile& profile : page.items) {
      IAM_RETURN_IF_ERROR(LoadProfileDetails(profile));
    }
    return page;
  }

  Result<Page<InstanceProfile>> ListInstanceProfilesForRole(std::string_view account_id,
                                                            std::string_view role_name,
                                                            const ListOptions& options) override {
    static const std::string kSql =
        Sql({"SELECT p.id, p.account_id, p.name, p.path, p.arn, p.created_ms ",
             "FROM instance_profiles p JOIN instance_profile_roles r ON r.profile_id = p.id ",
             "WHERE r.role_id = ?1 AND p.name_key > ?2 ORDER BY p.name_key LIMIT ?3"});
    IAM_ASSIGN_OR_RETURN(const std::string role_id,
                         PrincipalId(PrincipalRef{PrincipalKind::kRole, std::string(account_id),
                                                  std::string(role_name)}));
    IAM_RETURN_IF_ERROR(ValidateListOptions(options));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSql));
    q.Bind(role_id).Bind(options.marker).Bind(std::int64_t{options.max_items + 1});
    IAM_ASSIGN_OR_RETURN(
        Page<InstanceProfile> page,
        CollectPage<InstanceProfile>(q, options.max_items, ReadProfile,
                                     [](const InstanceProfile& p) { return NameKey(p.name); }));
    for (InstanceProfile& profile : page.items) {
      IAM_RETURN_IF_ERROR(LoadProfileDetails(profile));
    }
    return page;
  }

  // Fills the profile's tags and role names.
  Status LoadProfileDetails(InstanceProfile& profile) {
    {
      IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("SELECT key, value FROM instance_profile_tags "
                                                   "WHERE profile_id = ?1 ORDER BY position"));
      q.Bind(profile.id);
      profile.tags.clear();
      while (true) {
        IAM_ASSIGN_OR_RETURN(bool more, q.Step());
        if (!more) {
          break;
        }
        profile.tags.push_back(Tag{q.Text(0), q.Text(1)});
      }
    }
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("SELECT r.name FROM roles r JOIN "
                                                 "instance_profile_roles m ON m.role_id = r.id "
                                                 "WHERE m.profile_id = ?1 ORDER BY r.name_key"));
    q.Bind(profile.id);
    profile.role_names.clear();
    while (true) {
      IAM_ASSIGN_OR_RETURN(bool more, q.Step());
      if (!more) {
        return OkStatus();
      }
      profile.role_names.push_back(q.Text(0));
    }
  }

  // Login profiles and the password policy
  Result<LoginProfile> GetLoginProfile(std::string_view account_id,
                                       std::string_view user_name) override {
    IAM_ASSIGN_OR_RETURN(User user, GetUser(account_id, user_name));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("SELECT password_hash, created_ms, "
                                                 "password_last_changed_ms, "
                                                 "password_reset_required FROM login_profiles "
                                                 "WHERE user_id = ?1"));
    q.Bind(user.id);
    IAM_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) {
      return tl::unexpected(NotFoundError("login profile of user `" + user.name + "` not found"));
    }
    LoginProfile profile;
    profile.account_id = user.account_id;
    profile.user_name = user.name;
    profile.password_hash = q.Text(0);
    profile.created = FromMs(q.Int(1));
    profile.password_last_changed = FromMs(q.Int(2));
    profile.password_reset_required = q.Int(3) != 0;
    return profile;
  }

  Result<std::vector<std::string>> GetPasswordHistory(std::string_view account_id,
                                                      std::string_view user_name) override {
    IAM_ASSIGN_OR_RETURN(std::string user_id,
                         PrincipalId(PrincipalRef{PrincipalKind::kUser, std::string(account_id),
                                                  std::string(user_name)}));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("SELECT password_hash FROM password_history "
                                                 "WHERE user_id = ?1 ORDER BY position"));
    q.Bind(user_id);
    std::vector<std::string> hashes;
    for (;;) {
      IAM_ASSIGN_OR_RETURN(bool more, q.Step());
      if (!more) {
        return hashes;
      }
      hashes.push_back(q.Text(0));
    }
  }

  Result<PasswordPolicy> GetPasswordPolicy(std::string_view account_id) override {
    IAM_ASSIGN_OR_RETURN(
        Query q, conn().Prepare("SELECT minimum_password_length, require_symbols, "
                                "require_numbers, require_uppercase_characters, "
                                "require_lowercase_characters, allow_users_to_change_password, "
                                "max_password_age, password_reuse_prevention, hard_expiry "
                                "FROM password_policies WHERE account_id = ?1"));
    q.Bind(account_id);
    IAM_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) {
      return tl::unexpected(
          NotFoundError("account `" + std::string(account_id) + "` has no password policy"));
    }
    PasswordPolicy policy;
    policy.account_id = std::string(account_id);
    policy.minimum_password_length = static_cast<std::int32_t>(q.Int(0));
    policy.require_symbols = q.Int(1) != 0;
    policy.require_numbers = q.Int(2) != 0;
    policy.require_uppercase_characters = q.Int(3) != 0;
    policy.require_lowercase_characters = q.Int(4) != 0;
    policy.allow_users_to_change_password = q.Int(5) != 0;
    policy.max_password_age = static_cast<std::int32_t>(q.Int(6));
    policy.password_reuse_prevention = static_cast<std::int32_t>(q.Int(7));
    policy.hard_expiry = q.Int(8) != 0;
    return policy;
  }

  Result<Page<Group>> ListGroupsForUser(std::string_view account_id, std::string_view user_name,
                                        const ListOptions& options) override {
    static const std::string kSql =
        Sql({"SELECT g.id, g.account_id, g.name, g.path, g.arn, g.created_ms FROM groups g "
             "JOIN group_members m ON m.group_id = g.id WHERE m.user_id = ?1 AND g.name_key > ?2 "
             "ORDER BY g.name_key LIMIT ?3"});
    IAM_ASSIGN_OR_RETURN(std::string user_id,
                         PrincipalId(PrincipalRef{PrincipalKind::kUser, std::string(account_id),
                                                  std::string(user_name)}));
    IAM_RETURN_IF_ERROR(ValidateListOptions(options));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSql));
    q.Bind(user_id).Bind(options.marker).Bind(std::int64_t{options.max_items + 1});
    return CollectPage<Group>(q, options.max_items, ReadGroup,
                              [](const Group& g) { return NameKey(g.name); });
  }

  Result<Page<User>> ListGroupMembers(std::string_view account_id, std::string_view group_name,
                                      const ListOptions& options) override {
    static const std::string kSql =
        Sql({"SELECT u.id, u.account_id, u.name, u.path, u.arn, u.created_ms, ",
             "u.password_last_used_ms, u.permissions_boundary_arn FROM users u "
             "JOIN group_members m ON m.user_id = u.id WHERE m.group_id = ?1 AND u.name_key > ?2 "
             "ORDER BY u.name_key LIMIT ?3"});
    IAM_ASSIGN_OR_RETURN(std::string group_id,
                         PrincipalId(PrincipalRef{PrincipalKind::kGroup, std::string(account_id),
                                                  std::string(group_name)}));
    IAM_RETURN_IF_ERROR(ValidateListOptions(options));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSql));
    q.Bind(group_id).Bind(options.marker).Bind(std::int64_t{options.max_items + 1});
    IAM_ASSIGN_OR_RETURN(Page<User> page,
                         CollectPage<User>(q, options.max_items, ReadUser,
                                           [](const User& u) { return NameKey(u.name); }));
    IAM_RETURN_IF_ERROR(LoadUserTags(page.items));
    return page;
  }

  Result<Page<ManagedPolicy>> ListAttachedPolicies(const PrincipalRef& principal,
                                                   const ListOptions& options) override {
    static const std::string kSql =
        Sql({"SELECT ", kPolicyCols,
             " FROM policies p JOIN policy_attachments t ON t.policy_arn = p.arn ",
             "WHERE t.principal_kind = ?1 AND t.principal_id = ?2 AND p.arn > ?3 AND ",
             "substr(p.path, 1, length(?5)) = ?5 ORDER BY p.arn LIMIT ?4"});
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(principal));
    IAM_RETURN_IF_ERROR(ValidateListOptions(options));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSql));
    q.Bind(KindValue(principal.kind))
        .Bind(id)
        .Bind(options.marker)
        .Bind(std::int64_t{options.max_items + 1})
        .Bind(options.path_prefix);
    IAM_ASSIGN_OR_RETURN(Page<ManagedPolicy> page,
                         CollectPage<ManagedPolicy>(q, options.max_items, ReadPolicy,
                                                    [](const ManagedPolicy& p) { return p.arn; }));
    IAM_RETURN_IF_ERROR(LoadPolicyTags(page.items));
    return page;
  }

  Result<std::vector<PolicyEntity>> ListPolicyEntities(std::string_view policy_arn) override {
    IAM_RETURN_IF_ERROR(GetManagedPolicy(policy_arn));
    IAM_ASSIGN_OR_RETURN(
        Query q, conn().Prepare(
                     "SELECT a.principal_kind, coalesce(u.name, g.name, r.name), a.principal_id, "
                     "coalesce(u.name_key, g.name_key, r.name_key) AS k FROM policy_attachments a "
                     "LEFT JOIN users u ON a.principal_kind = 0 AND u.id = a.principal_id "
                     "LEFT JOIN groups g ON a.principal_kind = 1 AND g.id = a.principal_id "
                     "LEFT JOIN roles r ON a.principal_kind = 2 AND r.id = a.principal_id "
                     "WHERE a.policy_arn = ?1 ORDER BY a.principal_kind, k"));
    q.Bind(policy_arn);
    std::vector<PolicyEntity> out;
    while (true) {
      IAM_ASSIGN_OR_RETURN(bool more, q.Step());
      if (!more) {
        return out;
      }
      out.push_back(PolicyEntity{static_cast<PrincipalKind>(q.Int(0)), q.Text(1), q.Text(2)});
    }
  }

 protected:
  virtual Connection& conn() = 0;

  // Returns the id of the named user, group or role, or kNotFound.
  Result<std::string> PrincipalId(const PrincipalRef& principal) {
    static const std::array<std::string, 3> kSqls = {
        "SELECT id FROM users WHERE account_id = ?1 AND name_key = ?2",
        "SELECT id FROM groups WHERE account_id = ?1 AND name_key = ?2",
        "SELECT id FROM roles WHERE account_id = ?1 AND name_key = ?2",
    };
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSqls[static_cast<int>(principal.kind) % 3]));
    q.Bind(principal.account_id).Bind(NameKey(principal.name));
    IAM_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) {
      return tl::unexpected(NotFoundError(Describe(principal) + " not found"));
    }
    return q.Text(0);
  }

  // Returns whether `sql` (one `?1` parameter) yields a row.
  Result<bool> Exists(std::string_view sql, std::string_view param) {
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(sql));
    q.Bind(param);
    return q.Step();
  }

  Status LoadTags(PrincipalKind kind, const std::string& id, std::vector<Tag>& tags) {
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn().Prepare(kind == PrincipalKind::kRole
                                            ? "SELECT key, value FROM role_tags WHERE role_id = ?1 "
                                              "ORDER BY position"
                                            : "SELECT key, value FROM user_tags WHERE user_id = ?1 "
                                              "ORDER BY position"));
    q.Bind(id);
    tags.clear();
    while (true) {
      IAM_ASSIGN_OR_RETURN(bool more, q.Step());
      if (!more) {
        return OkStatus();
      }
      tags.push_back(Tag{q.Text(0), q.Text(1)});
    }
  }

 private:
  template <class T, class RowFn>
  Result<T> GetOne(const std::string& sql, std::string_view account_id, std::string_view name,
                   RowFn row, std::string_view what) {
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(sql));
    q.Bind(account_id).Bind(NameKey(name));
    IAM_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) {
      return tl::unexpected(
          NotFoundError(std::string(what) + " `" + std::string(name) + "` not found"));
    }
    return row(q);
  }

  template <class T, class RowFn>
  Result<Page<T>> ListNamed(const std::string& sql, std::string_view account_id,
                            const ListOptions& options, RowFn row) {
    IAM_RETURN_IF_ERROR(ValidateListOptions(options));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(sql));
    q.Bind(account_id)
        .Bind(options.path_prefix)
        .Bind(options.marker)
        .Bind(std::int64_t{options.max_items + 1});
    return CollectPage<T>(q, options.max_items, row,
                          [](const T& item) { return NameKey(item.name); });
  }

  Status LoadUserTags(std::vector<User>& users) {
    for (User& user : users) {
      IAM_RETURN_IF_ERROR(LoadTags(PrincipalKind::kUser, user.id, user.tags));
    }
    return OkStatus();
  }
};

class SqliteStore;

class SqliteReadTxn final : public Reader<ReadTxn> {
 public:
  SqliteReadTxn(SqliteStore& store, std::unique_ptr<Connection> conn)
      : store_(store), conn_(std::move(conn)) {}

  SqliteReadTxn(const SqliteReadTxn&) = delete;
  SqliteReadTxn& operator=(const SqliteReadTxn&) = delete;
  SqliteReadTxn(SqliteReadTxn&&) = delete;
  SqliteReadTxn& operator=(SqliteReadTxn&&) = delete;
  ~SqliteReadTxn() override;

 protected:
  Connection& conn() override { return *conn_; }

 private:
  SqliteStore& store_;
  std::unique_ptr<Connection> conn_;
};

class SqliteStore final : public IdentityStore {
 public:
  SqliteStore(std::filesystem::path file, const Clock& clock, const SqliteOptions& options,
              std::unique_ptr<Connection> writer)
      : file_(std::move(file)), clock_(clock), options_(options), writer_conn_(std::move(writer)) {}

  Result<std::unique_ptr<ReadTxn>> BeginRead() override {
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard<std::mutex> lock(readers_mu_);
      if (!idle_readers_.empty()) {
        conn = std::move(idle_readers_.back());
        idle_readers_.pop_back();
      }
    }
    if (conn == nullptr) {
      IAM_ASSIGN_OR_RETURN(conn, Connection::Open(file_, /*read_only=*/true, BusyMs()));
    }
    IAM_RETURN_IF_ERROR(conn->Exec("BEGIN"));
    return std::make_unique<SqliteReadTxn>(*this, std::move(conn));
  }

  Result<std::unique_ptr<WriteTxn>> BeginWrite() override;

  std::uint64_t Generation() const override { return generation_.load(std::memory_order_acquire); }

  void ReturnReader(std::unique_ptr<Connection> conn) {
    if (!conn->Exec("ROLLBACK").has_value()) {
      return;  // a connection in an unknown state is closed, not reused
    }
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (static_cast<int>(idle_readers_.size()) < options_.max_idle_readers) {
      idle_readers_.push_back(std::move(conn));
    }
  }

  void BumpGeneration() { generation_.fetch_add(1, std::memory_order_acq_rel); }

  Timestamp Now() const { return std::chrono::floor<std::chrono::milliseconds>(clock_.Now()); }

  int BusyMs() const { return static_cast<int>(options_.busy_timeout.count()); }

 private:
  const std::filesystem::path file_;
  const Clock& clock_;
  const SqliteOptions options_;
  WriterGate writer_gate_;
  std::unique_ptr<Connection> writer_conn_;  // used only by the holder of a writer lease
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mu_
  std::atomic<std::uint64_t> generation_{0};

  friend class SqliteWriteTxn;
};

SqliteReadTxn::~SqliteReadTxn() {
  store_.ReturnReader(std::move(conn_));
}

class SqliteWriteTxn final : public Reader<WriteTxn> {
 public:
  SqliteWriteTxn(SqliteStore& store, WriterLease lease) : store_(store), lease_(std::move(lease)) {}

  SqliteWriteTxn(const SqliteWriteTxn&) = delete;
  SqliteWriteTxn& operator=(const SqliteWriteTxn&) = delete;
  SqliteWriteTxn(SqliteWriteTxn&&) = delete;
  SqliteWriteTxn& operator=(SqliteWriteTxn&&) = delete;

  ~SqliteWriteTxn() override {
    if (!done_) {
      // A failed rollback leaves SQLite to roll back on the next BEGIN or at close.
      (void)conn().Exec("ROLLBACK");
    }
  }

  Result<Account> PutAccount(Account account) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateAccount(account));
    IAM_ASSIGN_OR_RETURN(bool taken, Exists("SELECT 1 FROM accounts WHERE id = ?1", account.id));
    if (taken) {
      return tl::unexpected(AlreadyExistsError("account `" + account.id + "` already exists"));
    }
    Stamp(account.created);
    IAM_ASSIGN_OR_RETURN(
        Query q,
        conn().Prepare("INSERT INTO accounts (id, alias, created_ms) VALUES (?1, ?2, ?3)"));
    q.Bind(account.id).Bind(account.alias).Bind(ToMs(account.created));
    IAM_RETURN_IF_ERROR(q.Run());
    return account;
  }

  Result<Account> UpdateAccount(Account account) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(Account old, GetAccount(account.id));
    account.created = old.created;
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("UPDATE accounts SET alias = ?2 WHERE id = ?1"));
    q.Bind(account.id).Bind(account.alias);
    IAM_RETURN_IF_ERROR(q.Run());
    return account;
  }

  Result<User> PutUser(User user) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateUser(user));
    IAM_RETURN_IF_ERROR(CheckNew(PrincipalKind::kUser, user.account_id, user.name));
    Stamp(user.created);
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn().Prepare("INSERT INTO users (id, account_id, name, name_key, path, "
                                        "arn, created_ms, password_last_used_ms, "
                                        "permissions_boundary_arn) VALUES (?1, ?2, ?3, ?4, ?5, "
                                        "?6, ?7, ?8, ?9)"));
    q.Bind(user.id)
        .Bind(user.account_id)
        .Bind(user.name)
        .Bind(NameKey(user.name))
        .Bind(user.path)
        .Bind(user.arn)
        .Bind(ToMs(user.created))
        .Bind(ToMs(user.password_last_used))
        .Bind(user.permissions_boundary_arn);
    IAM_RETURN_IF_ERROR(Taken(q.Run(), "user", user.id, user.arn));
    IAM_RETURN_IF_ERROR(SaveTags(PrincipalKind::kUser, user.id, user.tags));
    return user;
  }

  Result<User> UpdateUser(User user) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateUser(user));
    IAM_ASSIGN_OR_RETURN(user.created,
                         CheckUpdate(PrincipalKind::kUser, user.account_id, user.id, user.name));
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn().Prepare("UPDATE users SET name = ?2, name_key = ?3, path = ?4, "
                                        "arn = ?5, password_last_used_ms = ?6, "
                                        "permissions_boundary_arn = ?7 WHERE id = ?1"));
    q.Bind(user.id)
        .Bind(user.name)
        .Bind(NameKey(user.name))
        .Bind(user.path)
        .Bind(user.arn)
        .Bind(ToMs(user.password_last_used))
        .Bind(user.permissions_boundary_arn);
    IAM_RETURN_IF_ERROR(Taken(q.Run(), "user", user.id, user.arn));
    IAM_RETURN_IF_ERROR(SaveTags(PrincipalKind::kUser, user.id, user.tags));
    return user;
  }

  Status DeleteUser(std::string_view account_id, std::string_view name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(User user, GetUser(account_id, name));
    IAM_ASSIGN_OR_RETURN(bool keys,
                         Exists("SELECT 1 FROM access_keys WHERE user_id = ?1", user.id));
    if (keys) {
      return tl::unexpected(
          DeleteConflictError("cannot delete user `" + user.name + "`: it has access keys"));
    }
    IAM_ASSIGN_OR_RETURN(bool groups,
                         Exists("SELECT 1 FROM group_members WHERE user_id = ?1", user.id));
    if (groups) {
      return tl::unexpected(
          DeleteConflictError("cannot delete user `" + user.name + "`: it is a member of groups"));
    }
    IAM_ASSIGN_OR_RETURN(bool profile,
                         Exists("SELECT 1 FROM login_profiles WHERE user_id = ?1", user.id));
    if (profile) {
      return tl::unexpected(
          DeleteConflictError("cannot delete user `" + user.name + "`: it has a login profile"));
    }
    IAM_RETURN_IF_ERROR(CheckNoPolicies(PrincipalKind::kUser, user.id, user.name));
    {
      IAM_ASSIGN_OR_RETURN(Query owned, conn().Prepare("SELECT kind FROM resources WHERE "
                                                       "user_id = ?1 ORDER BY kind"));
      owned.Bind(user.id);
      while (true) {
        IAM_ASSIGN_OR_RETURN(bool more, owned.Step());
        if (!more) {
          break;
        }
        const auto kind = static_cast<ResourceKind>(owned.Int(0));
        if (ResourceKindBlocksUserDeletion(kind)) {
          return tl::unexpected(DeleteConflictError("cannot delete user `" + user.name +
                                                    "`: it has " +
                                                    std::string(ResourceKindName(kind)) + "s"));
        }
      }
    }
    IAM_RETURN_IF_ERROR(
        DeleteById("DELETE FROM resource_tags WHERE (account_id, kind, "
                   "resource_key) IN (SELECT account_id, kind, key FROM "
                   "resources WHERE user_id = ?1)",
                   user.id));
    IAM_RETURN_IF_ERROR(DeleteById("DELETE FROM resources WHERE user_id = ?1", user.id));
    return DeleteById("DELETE FROM users WHERE id = ?1", user.id);
  }

  Result<Group> PutGroup(Group group) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateGroup(group));
    IAM_RETURN_IF_ERROR(CheckNew(PrincipalKind::kGroup, group.account_id, group.name));
    Stamp(group.created);
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn().Prepare("INSERT INTO groups (id, account_id, name, name_key, path, "
                                        "arn, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    q.Bind(group.id)
        .Bind(group.account_id)
        .Bind(group.name)
        .Bind(NameKey(group.name))
        .Bind(group.path)
        .Bind(group.arn)
        .Bind(ToMs(group.created));
    IAM_RETURN_IF_ERROR(Taken(q.Run(), "group", group.id, group.arn));
    return group;
  }

  Result<Group> UpdateGroup(Group group) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateGroup(group));
    IAM_ASSIGN_OR_RETURN(
        group.created, CheckUpdate(PrincipalKind::kGroup, group.account_id, group.id, group.name));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("UPDATE groups SET name = ?2, name_key = ?3, "
                                                 "path = ?4, arn = ?5 WHERE id = ?1"));
    q.Bind(group.id).Bind(group.name).Bind(NameKey(group.name)).Bind(group.path).Bind(group.arn);
    IAM_RETURN_IF_ERROR(Taken(q.Run(), "group", group.id, group.arn));
    return group;
  }

  Status DeleteGroup(std::string_view account_id, std::string_view name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(Group group, GetGroup(account_id, name));
    IAM_ASSIGN_OR_RETURN(bool members,
                         Exists("SELECT 1 FROM group_members WHERE group_id = ?1", group.id));
    if (members) {
      return tl::unexpected(
          DeleteConflictError("cannot delete group `" + group.name + "`: it has members"));
    }
    IAM_RETURN_IF_ERROR(CheckNoPolicies(PrincipalKind::kGroup, group.id, group.name));
    return DeleteById("DELETE FROM groups WHERE id = ?1", group.id);
  }

  Result<Role> PutRole(Role role) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateRole(role));
    IAM_RETURN_IF_ERROR(CheckNew(PrincipalKind::kRole, role.account_id, role.name));
    Stamp(role.created);
    IAM_ASSIGN_OR_RETURN(
        Query q, conn().Prepare("INSERT INTO roles (id, account_id, name, name_key, path, arn, "
                                "created_ms, assume_role_policy_document, description, "
                                "max_session_duration, permissions_boundary_arn) VALUES (?1, ?2, "
                                "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
    q.Bind(role.id)
        .Bind(role.account_id)
        .Bind(role.name)
        .Bind(NameKey(role.name))
        .Bind(role.path)
        .Bind(role.arn)
        .Bind(ToMs(role.created))
        .Bind(role.assume_role_policy_document)
        .Bind(role.description)
        .Bind(std::int64_t{role.max_session_duration})
        .Bind(role.permissions_boundary_arn);
    IAM_RETURN_IF_ERROR(Taken(q.Run(), "role", role.id, role.arn));
    IAM_RETURN_IF_ERROR(SaveTags(PrincipalKind::kRole, role.id, role.tags));
    return role;
  }

  Result<Role> UpdateRole(Role role) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateRole(role));
    IAM_ASSIGN_OR_RETURN(role.created,
                         CheckUpdate(PrincipalKind::kRole, role.account_id, role.id, role.name));
    IAM_ASSIGN_OR_RETURN(
        Query q, conn().Prepare("UPDATE roles SET name = ?2, name_key = ?3, path = ?4, arn = ?5, "
                                "assume_role_policy_document = ?6, description = ?7, "
                                "max_session_duration = ?8, permissions_boundary_arn = ?9 "
                                "WHERE id = ?1"));
    q.Bind(role.id)
        .Bind(role.name)
        .Bind(NameKey(role.name))
        .Bind(role.path)
        .Bind(role.arn)
        .Bind(role.assume_role_policy_document)
        .Bind(role.description)
        .Bind(std::int64_t{role.max_session_duration})
        .Bind(role.permissions_boundary_arn);
    IAM_RETURN_IF_ERROR(Taken(q.Run(), "role", role.id, role.arn));
    IAM_RETURN_IF_ERROR(SaveTags(PrincipalKind::kRole, role.id, role.tags));
    return role;
  }

  Status DeleteRole(std::string_view account_id, std::string_view name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(Role role, GetRole(account_id, name));
    IAM_RETURN_IF_ERROR(CheckNoPolicies(PrincipalKind::kRole, role.id, role.name));
    IAM_RETURN_IF_ERROR(CheckNotInInstanceProfile(role.id, role.name));
    return DeleteById("DELETE FROM roles WHERE id = ?1", role.id);
  }

  Result<ManagedPolicy> PutManagedPolicy(ManagedPolicy policy) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateManagedPolicy(policy));
    if (policy.account_id != "aws") {
      IAM_RETURN_IF_ERROR(GetAccount(policy.account_id));
    }
    IAM_ASSIGN_OR_RETURN(Query find, conn().Prepare("SELECT 1 FROM policies WHERE account_id = "
                                                    "?1 AND name_key = ?2"));
    find.Bind(policy.account_id).Bind(NameKey(policy.name));
    IAM_ASSIGN_OR_RETURN(bool taken, find.Step());
    if (taken) {
      return tl::unexpected(AlreadyExistsError("policy `" + policy.name + "` already exists"));
    }
    Stamp(policy.created);
    if (policy.updated == Timestamp{}) {
      policy.updated = policy.created;
    }
    IAM_ASSIGN_OR_RETURN(
        Query q, conn().Prepare("INSERT INTO policies (arn, id, account_id, name, name_key, path, "
                                "description, default_version_id, is_attachable, created_ms, "
                                "updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                                "?11)"));
    q.Bind(policy.arn)
        .Bind(policy.id)
        .Bind(policy.account_id)
        .Bind(policy.name)
        .Bind(NameKey(policy.name))
        .Bind(policy.path)
        .Bind(policy.description)
        .Bind(policy.default_version_id)
        .Bind(std::int64_t{policy.is_attachable ? 1 : 0})
        .Bind(ToMs(policy.created))
        .Bind(ToMs(policy.updated));
    IAM_RETURN_IF_ERROR(Taken(q.Run(), "policy", policy.id, policy.arn));
    IAM_RETURN_IF_ERROR(SavePolicyTags(policy));
    return GetManagedPolicy(policy.arn);
  }

  Result<ManagedPolicy> UpdateManagedPolicy(ManagedPolicy policy) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(GetManagedPolicy(policy.arn));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("UPDATE policies SET description = ?2, "
                                                 "is_attachable = ?3, updated_ms = ?4 WHERE "
                                                 "arn = ?1"));
    q.Bind(policy.arn)
        .Bind(policy.description)
        .Bind(std::int64_t{policy.is_attachable ? 1 : 0})
        .Bind(ToMs(store_.Now()));
    IAM_RETURN_IF_ERROR(q.Run());
    IAM_RETURN_IF_ERROR(SavePolicyTags(policy));
    return GetManagedPolicy(policy.arn);
  }

  Status DeleteManagedPolicy(std::string_view arn) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(ManagedPolicy policy, GetManagedPolicy(arn));
    if (policy.attachment_count > 0) {
      return tl::unexpected(DeleteConflictError("cannot delete policy `" + policy.arn +
                                                "`: it is attached to entities"));
    }
    if (policy.permissions_boundary_usage_count > 0) {
      return tl::unexpected(DeleteConflictError("cannot delete policy `" + policy.arn +
                                                "`: it is used as a permissions boundary"));
    }
    IAM_ASSIGN_OR_RETURN(Query others,
                         conn().Prepare("SELECT 1 FROM policy_versions WHERE policy_arn = ?1 AND "
                                        "version_id <> ?2"));
    others.Bind(policy.arn).Bind(policy.default_version_id);
    IAM_ASSIGN_OR_RETURN(bool has_others, others.Step());
    if (has_others) {
      return tl::unexpected(DeleteConflictError("cannot delete policy `" + policy.arn +
                                                "`: it has non-default versions"));
    }
    return DeleteById("DELETE FROM policies WHERE arn = ?1", policy.arn);
  }

  Result<PolicyVersion> PutPolicyVersion(PolicyVersion version) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidatePolicyVersion(version));
    IAM_ASSIGN_OR_RETURN(std::int64_t number, ParsePolicyVersionId(version.version_id));
    IAM_ASSIGN_OR_RETURN(ManagedPolicy policy, GetManagedPolicy(version.policy_arn));
    Stamp(version.created);
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn().Prepare("INSERT INTO policy_versions (policy_arn, version_number, "
                                        "version_id, document, created_ms) VALUES (?1, ?2, ?3, "
                                        "?4, ?5)"));
    q.Bind(version.policy_arn)
        .Bind(number)
        .Bind(version.version_id)
        .Bind(version.document)
        .Bind(ToMs(version.created));
    Status inserted = q.Run();
    if (!inserted.has_value()) {
      if (inserted.error().code == ErrorCode::kAlreadyExists) {
        return tl::unexpected(AlreadyExistsError("policy version `" + version.version_id +
                                                 "` of `" + version.policy_arn +
                                                 "` already exists"));
      }
      return tl::unexpected(std::move(inserted).error());
    }
    IAM_RETURN_IF_ERROR(Touch(policy.arn, version.created));
    version.is_default = version.version_id == policy.default_version_id;
    return version;
  }

  Status DeletePolicyVersion(std::string_view policy_arn, std::string_view version_id) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(PolicyVersion version, GetPolicyVersion(policy_arn, version_id));
    IAM_RETURN_IF_ERROR(CheckPolicyVersionDeletable(version));
    IAM_ASSIGN_OR_RETURN(std::int64_t number, ParsePolicyVersionId(version_id));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("DELETE FROM policy_versions WHERE policy_arn = "
                                                 "?1 AND version_number = ?2"));
    q.Bind(version.policy_arn).Bind(number);
    return q.Run();
  }

  Status SetDefaultPolicyVersion(std::string_view policy_arn,
                                 std::string_view version_id) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(PolicyVersion version, GetPolicyVersion(policy_arn, version_id));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("UPDATE policies SET default_version_id = ?2, "
                                                 "updated_ms = ?3 WHERE arn = ?1"));
    q.Bind(version.policy_arn).Bind(version.version_id).Bind(ToMs(store_.Now()));
    return q.Run();
  }

  Status PutInlinePolicy(InlinePolicy policy) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateInlinePolicy(policy));
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(policy.principal));
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn().Prepare("INSERT INTO inline_policies (principal_kind, "
                                        "principal_id, name, document) VALUES (?1, ?2, ?3, ?4) "
                                        "ON CONFLICT (principal_kind, principal_id, name) DO "
                                        "UPDATE SET document = excluded.document"));
    q.Bind(KindValue(policy.principal.kind)).Bind(id).Bind(policy.name).Bind(policy.document);
    return q.Run();
  }

  Status DeleteInlinePolicy(const PrincipalRef& principal, std::string_view name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(GetInlinePolicy(principal, name));
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(principal));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("DELETE FROM inline_policies WHERE "
                                                 "principal_kind = ?1 AND principal_id = ?2 AND "
                                                 "name = ?3"));
    q.Bind(KindValue(principal.kind)).Bind(id).Bind(name);
    return q.Run();
  }

  Result<AccessKey> PutAccessKey(AccessKey key) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateAccessKey(key));
    IAM_RETURN_IF_ERROR(GetAccount(key.account_id));
    std::optional<std::string> user_id;
    if (!key.user_name.empty()) {
      IAM_ASSIGN_OR_RETURN(User user, GetUser(key.account_id, key.user_name));
      user_id = user.id;
      key.user_name = user.name;
    }
    IAM_ASSIGN_OR_RETURN(bool taken, Exists("SELECT 1 FROM access_keys WHERE id = ?1", key.id));
    if (taken) {
      return tl::unexpected(AlreadyExistsError("access key `" + key.id + "` already exists"));
    }
    Stamp(key.created);
    IAM_ASSIGN_OR_RETURN(
        Query q, conn().Prepare("INSERT INTO access_keys (id, account_id, user_id, status, "
                                "created_ms, last_used_ms, last_used_service, last_used_region, "
                                "sealed_secret) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    q.Bind(key.id).Bind(key.account_id);
    if (user_id.has_value()) {
      q.Bind(*user_id);
    } else {
      q.Bind(std::optional<std::int64_t>());
    }
    q.Bind(static_cast<std::int64_t>(key.status))
        .Bind(ToMs(key.created))
        .Bind(ToMs(key.last_used))
        .Bind(key.last_used_service)
        .Bind(key.last_used_region)
        .BindBlob(key.sealed_secret);
    IAM_RETURN_IF_ERROR(q.Run());
    return key;
  }

  Status UpdateAccessKeyStatus(std::string_view key_id, AccessKeyStatus status) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(GetAccessKey(key_id));
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn().Prepare("UPDATE access_keys SET status = ?2 WHERE id = ?1"));
    q.Bind(key_id).Bind(static_cast<std::int64_t>(status));
    return q.Run();
  }

  Status RecordAccessKeyUse(std::string_view key_id, Timestamp when, std::string_view service,
                            std::string_view region) override {
    IAM_RETURN_IF_ERROR(WritableForUsage());
    IAM_RETURN_IF_ERROR(GetAccessKey(key_id));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("UPDATE access_keys SET last_used_ms = ?2, "
                                                 "last_used_service = ?3, last_used_region = ?4 "
                                                 "WHERE id = ?1"));
    q.Bind(key_id).Bind(ToMs(when)).Bind(service).Bind(region);
    return q.Run();
  }

  Status DeleteAccessKey(std::string_view key_id) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(GetAccessKey(key_id));
    return DeleteById("DELETE FROM access_keys WHERE id = ?1", key_id);
  }

  // Instance profiles
  Result<InstanceProfile> PutInstanceProfile(InstanceProfile profile) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateInstanceProfile(profile));
    IAM_RETURN_IF_ERROR(GetAccount(profile.account_id));
    const auto existing = GetInstanceProfile(profile.account_id, profile.name);
    if (existing.has_value()) {
      return tl::unexpected(
          AlreadyExistsError("instance profile `" + profile.name + "` already exists"));
    }
    if (existing.error().code != ErrorCode::kNotFound) {
      return tl::unexpected(existing.error());
    }
    Stamp(profile.created);
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("INSERT INTO instance_profiles (id, account_id, "
                                                 "name, name_key, path, arn, created_ms) "
                                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    q.Bind(profile.id)
        .Bind(profile.account_id)
        .Bind(profile.name)
        .Bind(NameKey(profile.name))
        .Bind(profile.path)
        .Bind(profile.arn)
        .Bind(ToMs(profile.created));
    IAM_RETURN_IF_ERROR(Taken(q.Run(), "instance profile", profile.id, profile.arn));
    std::int64_t position = 0;
    for (const Tag& tag : profile.tags) {
      IAM_ASSIGN_OR_RETURN(Query t, conn().Prepare("INSERT INTO instance_profile_tags "
                                                   "(profile_id, position, key, value) "
                                                   "VALUES (?1, ?2, ?3, ?4)"));
      t.Bind(profile.id).Bind(position++).Bind(tag.key).Bind(tag.value);
      IAM_RETURN_IF_ERROR(t.Run());
    }
    profile.role_names.clear();
    return profile;
  }

  Result<InstanceProfile> UpdateInstanceProfileTags(std::string_view account_id,
                                                    std::string_view name,
                                                    std::vector<Tag> tags) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(InstanceProfile profile, GetInstanceProfile(account_id, name));
    IAM_RETURN_IF_ERROR(
        DeleteById("DELETE FROM instance_profile_tags WHERE profile_id = ?1", profile.id));
    std::int64_t position = 0;
    for (const Tag& tag : tags) {
      IAM_ASSIGN_OR_RETURN(Query t, conn().Prepare("INSERT INTO instance_profile_tags "
                                                   "(profile_id, position, key, value) "
                                                   "VALUES (?1, ?2, ?3, ?4)"));
      t.Bind(profile.id).Bind(position++).Bind(tag.key).Bind(tag.value);
      IAM_RETURN_IF_ERROR(t.Run());
    }
    return GetInstanceProfile(account_id, name);
  }

  // Resources
  Result<Resource> PutResource(Resource resource) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateResource(resource));
    IAM_RETURN_IF_ERROR(GetAccount(resource.account_id));
    IAM_ASSIGN_OR_RETURN(std::string user_id, ResourceUserId(resource));
    const auto existing = GetResource(resource.kind, resource.account_id, resource.key);
    if (existing.has_value()) {
      return tl::unexpected(AlreadyExistsError(std::string(ResourceKindName(resource.kind)) + " `" +
                                               resource.key + "` already exists"));
    }
    if (existing.error().code != ErrorCode::kNotFound) {
      return tl::unexpected(existing.error());
    }
    Stamp(resource.created);
    resource.updated = store_.Now();
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("INSERT INTO resources (account_id, kind, key, "
                                                 "user_id, path, body, created_ms, updated_ms) "
                                                 "VALUES (?1, ?2, ?3, NULLIF(?4, ''), ?5, ?6, "
                                                 "?7, ?8)"));
    q.Bind(resource.account_id)
        .Bind(static_cast<std::int64_t>(resource.kind))
        .Bind(resource.key)
        .Bind(user_id)
        .Bind(resource.path)
        .Bind(resource.body)
        .Bind(ToMs(resource.created))
        .Bind(ToMs(resource.updated));
    IAM_RETURN_IF_ERROR(q.Run());
    IAM_RETURN_IF_ERROR(SaveResourceTags(resource));
    return resource;
  }

  Result<Resource> UpdateResource(Resource resource) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateResource(resource));
    IAM_ASSIGN_OR_RETURN(Resource old,
                         GetResource(resource.kind, resource.account_id, resource.key));
    IAM_ASSIGN_OR_RETURN(std::string user_id, ResourceUserId(resource));
    resource.created = old.created;
    resource.updated = store_.Now();
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("UPDATE resources SET user_id = NULLIF(?4, ''), "
                                                 "path = ?5, body = ?6, updated_ms = ?7 WHERE "
                                                 "account_id = ?1 AND kind = ?2 AND key = ?3"));
    q.Bind(resource.account_id)
        .Bind(static_cast<std::int64_t>(resource.kind))
        .Bind(resource.key)
        .Bind(user_id)
        .Bind(resource.path)
        .Bind(resource.body)
        .Bind(ToMs(resource.updated));
    IAM_RETURN_IF_ERROR(q.Run());
    IAM_RETURN_IF_ERROR(SaveResourceTags(resource));
    return resource;
  }

  Status DeleteResource(ResourceKind kind, std::string_view account_id,
                        std::string_view key) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(GetResource(kind, account_id, key));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("DELETE FROM resources WHERE account_id = ?1 "
                                                 "AND kind = ?2 AND key = ?3"));
    q.Bind(account_id).Bind(static_cast<std::int64_t>(kind)).Bind(key);
    return q.Run();
  }

  Status DeleteInstanceProfile(std::string_view account_id, std::string_view name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(InstanceProfile profile, GetInstanceProfile(account_id, name));
    if (!profile.role_names.empty()) {
      return tl::unexpected(DeleteConflictError("cannot delete instance profile `" + profile.name +
                                                "`: it has roles"));
    }
    return DeleteById("DELETE FROM instance_profiles WHERE id = ?1", profile.id);
  }

  Status AddRoleToInstanceProfile(std::string_view account_id, std::string_view profile_name,
                                  std::string_view role_name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(InstanceProfile profile, GetInstanceProfile(account_id, profile_name));
    IAM_ASSIGN_OR_RETURN(Role role, GetRole(account_id, role_name));
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn().Prepare("INSERT INTO instance_profile_roles (profile_id, "
                                        "role_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING"));
    q.Bind(profile.id).Bind(role.id);
    return RunLink(q,
                   AlreadyExistsError("role `" + role.name + "` is already in instance profile `" +
                                      profile.name + "`"));
  }

  Status RemoveRoleFromInstanceProfile(std::string_view account_id, std::string_view profile_name,
                                       std::string_view role_name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(InstanceProfile profile, GetInstanceProfile(account_id, profile_name));
    IAM_ASSIGN_OR_RETURN(Role role, GetRole(account_id, role_name));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("DELETE FROM instance_profile_roles WHERE "
                                                 "profile_id = ?1 AND role_id = ?2"));
    q.Bind(profile.id).Bind(role.id);
    return RunLink(q, NotFoundError("role `" + role.name + "` is not in instance profile `" +
                                    profile.name + "`"));
  }

  Status CheckNotInInstanceProfile(const std::string& role_id, const std::string& name) {
    IAM_ASSIGN_OR_RETURN(
        const bool member,
        Exists("SELECT 1 FROM instance_profile_roles WHERE role_id = ?1", role_id));
    if (member) {
      return tl::unexpected(
          DeleteConflictError("cannot delete role `" + name + "`: it is in instance profiles"));
    }
    return OkStatus();
  }

  // Login profiles and the password policy
  Result<LoginProfile> PutLoginProfile(LoginProfile profile) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateLoginProfile(profile));
    IAM_ASSIGN_OR_RETURN(User user, GetUser(profile.account_id, profile.user_name));
    IAM_ASSIGN_OR_RETURN(bool taken,
                         Exists("SELECT 1 FROM login_profiles WHERE user_id = ?1", user.id));
    if (taken) {
      return tl::unexpected(
          AlreadyExistsError("login profile of user `" + user.name + "` already exists"));
    }
    profile.user_name = user.name;
    Stamp(profile.created);
    if (profile.password_last_changed == Timestamp{}) {
      profile.password_last_changed = profile.created;
    }
    IAM_ASSIGN_OR_RETURN(
        Query q, conn().Prepare("INSERT INTO login_profiles (user_id, password_hash, created_ms, "
                                "password_last_changed_ms, password_reset_required) "
                                "VALUES (?1, ?2, ?3, ?4, ?5)"));
    q.Bind(user.id)
        .Bind(profile.password_hash)
        .Bind(ToMs(profile.created))
        .Bind(ToMs(profile.password_last_changed))
        .Bind(std::int64_t{profile.password_reset_required ? 1 : 0});
    IAM_RETURN_IF_ERROR(q.Run());
    return profile;
  }

  Result<LoginProfile> UpdateLoginProfile(LoginProfile profile) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateLoginProfile(profile));
    IAM_ASSIGN_OR_RETURN(LoginProfile old, GetLoginProfile(profile.account_id, profile.user_name));
    IAM_ASSIGN_OR_RETURN(
        std::string user_id,
        PrincipalId(PrincipalRef{PrincipalKind::kUser, profile.account_id, profile.user_name}));
    profile.user_name = old.user_name;
    profile.created = old.created;
    Stamp(profile.password_last_changed);
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn().Prepare("UPDATE login_profiles SET password_hash = ?2, "
                                        "password_last_changed_ms = ?3, "
                                        "password_reset_required = ?4 WHERE user_id = ?1"));
    q.Bind(user_id)
        .Bind(profile.password_hash)
        .Bind(ToMs(profile.password_last_changed))
        .Bind(std::int64_t{profile.password_reset_required ? 1 : 0});
    IAM_RETURN_IF_ERROR(q.Run());
    return profile;
  }

  Status DeleteLoginProfile(std::string_view account_id, std::string_view user_name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(GetLoginProfile(account_id, user_name));
    IAM_ASSIGN_OR_RETURN(std::string user_id,
                         PrincipalId(PrincipalRef{PrincipalKind::kUser, std::string(account_id),
                                                  std::string(user_name)}));
    return DeleteById("DELETE FROM login_profiles WHERE user_id = ?1", user_id);
  }

  Status RecordPasswordHistory(std::string_view account_id, std::string_view user_name,
                               std::string_view password_hash, int keep) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(std::string user_id,
                         PrincipalId(PrincipalRef{PrincipalKind::kUser, std::string(account_id),
                                                  std::string(user_name)}));
    // Shift every entry down one position (through negatives, so the primary key never
    // collides), insert the newest at 0, and drop what is past `keep`.
    IAM_ASSIGN_OR_RETURN(Query shift, conn().Prepare("UPDATE password_history SET position = "
                                                     "-(position + 1) WHERE user_id = ?1"));
    shift.Bind(user_id);
    IAM_RETURN_IF_ERROR(shift.Run());
    IAM_ASSIGN_OR_RETURN(Query flip, conn().Prepare("UPDATE password_history SET position = "
                                                    "-position WHERE user_id = ?1"));
    flip.Bind(user_id);
    IAM_RETURN_IF_ERROR(flip.Run());
    IAM_ASSIGN_OR_RETURN(Query insert,
                         conn().Prepare("INSERT INTO password_history (user_id, position, "
                                        "password_hash) VALUES (?1, 0, ?2)"));
    insert.Bind(user_id).Bind(password_hash);
    IAM_RETURN_IF_ERROR(insert.Run());
    IAM_ASSIGN_OR_RETURN(Query trim, conn().Prepare("DELETE FROM password_history WHERE "
                                                    "user_id = ?1 AND position >= ?2"));
    trim.Bind(user_id).Bind(std::int64_t{std::max(keep, 0)});
    return trim.Run();
  }

  Result<PasswordPolicy> PutPasswordPolicy(PasswordPolicy policy) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidatePasswordPolicy(policy));
    IAM_RETURN_IF_ERROR(GetAccount(policy.account_id));
    IAM_ASSIGN_OR_RETURN(
        Query q, conn().Prepare("INSERT OR REPLACE INTO password_policies (account_id, "
                                "minimum_password_length, require_symbols, require_numbers, "
                                "require_uppercase_characters, require_lowercase_characters, "
                                "allow_users_to_change_password, max_password_age, "
                                "password_reuse_prevention, hard_expiry) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    const auto flag = [](bool b) { return std::int64_t{b ? 1 : 0}; };
    q.Bind(policy.account_id)
        .Bind(std::int64_t{policy.minimum_password_length})
        .Bind(flag(policy.require_symbols))
        .Bind(flag(policy.require_numbers))
        .Bind(flag(policy.require_uppercase_characters))
        .Bind(flag(policy.require_lowercase_characters))
        .Bind(flag(policy.allow_users_to_change_password))
        .Bind(std::int64_t{policy.max_password_age})
        .Bind(std::int64_t{policy.password_reuse_prevention})
        .Bind(flag(policy.hard_expiry));
    IAM_RETURN_IF_ERROR(q.Run());
    return policy;
  }

  Status DeletePasswordPolicy(std::string_view account_id) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(GetPasswordPolicy(account_id));
    return DeleteById("DELETE FROM password_policies WHERE account_id = ?1", account_id);
  }

  Status AddUserToGroup(std::string_view account_id, std::string_view group_name,
                        std::string_view user_name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(Group group, GetGroup(account_id, group_name));
    IAM_ASSIGN_OR_RETURN(User user, GetUser(account_id, user_name));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("INSERT INTO group_members (group_id, user_id) "
                                                 "VALUES (?1, ?2) ON CONFLICT DO NOTHING"));
    q.Bind(group.id).Bind(user.id);
    return RunLink(q, AlreadyExistsError("user `" + user.name + "` is already a member of group `" +
                                         group.name + "`"));
  }

  Status RemoveUserFromGroup(std::string_view account_id, std::string_view group_name,
                             std::string_view user_name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(Group group, GetGroup(account_id, group_name));
    IAM_ASSIGN_OR_RETURN(User user, GetUser(account_id, user_name));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("DELETE FROM group_members WHERE group_id = ?1 "
                                                 "AND user_id = ?2"));
    q.Bind(group.id).Bind(user.id);
    return RunLink(
        q, NotFoundError("user `" + user.name + "` is not a member of group `" + group.name + "`"));
  }

  Status AttachPolicy(const PrincipalRef& principal, std::string_view policy_arn) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(principal));
    IAM_ASSIGN_OR_RETURN(ManagedPolicy policy, GetManagedPolicy(policy_arn));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("INSERT INTO policy_attachments (principal_kind, "
                                                 "principal_id, policy_arn) VALUES (?1, ?2, ?3) ON "
                                                 "CONFLICT DO NOTHING"));
    q.Bind(KindValue(principal.kind)).Bind(id).Bind(policy.arn);
    return RunLink(q, AlreadyExistsError("policy `" + policy.arn + "` is already attached to " +
                                         Describe(principal)));
  }

  Status DetachPolicy(const PrincipalRef& principal, std::string_view policy_arn) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(principal));
    IAM_ASSIGN_OR_RETURN(ManagedPolicy policy, GetManagedPolicy(policy_arn));
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("DELETE FROM policy_attachments WHERE "
                                                 "principal_kind = ?1 AND principal_id = ?2 AND "
                                                 "policy_arn = ?3"));
    q.Bind(KindValue(principal.kind)).Bind(id).Bind(policy.arn);
    return RunLink(
        q, NotFoundError("policy `" + policy.arn + "` is not attached to " + Describe(principal)));
  }

  Status Commit() override {
    if (done_) {
      return tl::unexpected(Finished());
    }
    Status committed = conn().Exec("COMMIT");
    if (!committed.has_value()) {
      // The destructor rolls back what COMMIT could not write.
      return committed;
    }
    done_ = true;
    if (changed_identities_) {
      store_.BumpGeneration();
    }
    return OkStatus();
  }

 protected:
  Connection& conn() override { return *store_.writer_conn_; }

 private:
  // Every change but a usage record (RecordAccessKeyUse) marks the transaction as one
  // that bumps the generation on commit.
  Status Writable() {
    IAM_RETURN_IF_ERROR(WritableForUsage());
    changed_identities_ = true;
    return OkStatus();
  }

  Status WritableForUsage() const {
    if (done_) {
      return tl::unexpected(Finished());
    }
    return OkStatus();
  }

  void Stamp(Timestamp& created) const {
    if (created == Timestamp{}) {
      created = store_.Now();
    }
  }

  std::int64_t Changes() { return conn().Changes(); }

  // Runs `q`, an INSERT ... ON CONFLICT DO NOTHING or a DELETE of one link (membership,
  // attachment, profile role), and answers `unchanged` when it changed no row: the link
  // was already there, or there was none to remove.
  Status RunLink(Query& q, Error unchanged) {
    IAM_RETURN_IF_ERROR(q.Run());
    if (Changes() == 0) {
      return tl::unexpected(std::move(unchanged));
    }
    return OkStatus();
  }

  // Checks that the account exists and the name is free in it.
  Status CheckNew(PrincipalKind kind, const std::string& account_id, const std::string& name) {
    IAM_RETURN_IF_ERROR(GetAccount(account_id));
    const Result<std::string> existing = PrincipalId(PrincipalRef{kind, account_id, name});
    if (existing.has_value()) {
      return tl::unexpected(AlreadyExistsError(std::string(PrincipalKindName(kind)) + " `" + name +
                                               "` already exists"));
    }
    if (existing.error().code != ErrorCode::kNotFound) {
      return tl::unexpected(existing.error());
    }
    return OkStatus();
  }

  // Checks an update of the row with `id`; returns its creation time.
  Result<Timestamp> CheckUpdate(PrincipalKind kind, const std::string& account_id,
                                const std::string& id, const std::string& name) {
    static const std::array<std::string, 3> kSqls = {
        "SELECT created_ms FROM users WHERE id = ?1 AND account_id = ?2",
        "SELECT created_ms FROM groups WHERE id = ?1 AND account_id = ?2",
        "SELECT created_ms FROM roles WHERE id = ?1 AND account_id = ?2",
    };
    Timestamp created;
    {
      IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(kSqls[static_cast<int>(kind) % 3]));
      q.Bind(id).Bind(account_id);
      IAM_ASSIGN_OR_RETURN(bool found, q.Step());
      if (!found) {
        return tl::unexpected(NotFoundError(std::string(PrincipalKindName(kind)) + " with id `" +
                                            id + "` not found"));
      }
      created = FromMs(q.Int(0));
    }
    const Result<std::string> existing = PrincipalId(PrincipalRef{kind, account_id, name});
    if (existing.has_value() && *existing != id) {
      return tl::unexpected(AlreadyExistsError(std::string(PrincipalKindName(kind)) + " `" + name +
                                               "` already exists"));
    }
    return created;
  }

  // Maps a unique violation of an insert or update to a message naming id and ARN.
  static Status Taken(Status status, std::string_view what, const std::string& id,
                      const std::string& arn) {
    if (!status.has_value() && status.error().code == ErrorCode::kAlreadyExists) {
      return tl::unexpected(
          AlreadyExistsError(std::string(what) + " id `" + id + "` or arn `" + arn + "` is taken"));
    }
    return status;
  }

  Status CheckNoPolicies(PrincipalKind kind, const std::string& id, const std::string& name) {
    IAM_ASSIGN_OR_RETURN(Query inline_q,
                         conn().Prepare("SELECT 1 FROM inline_policies WHERE principal_kind = ?1 "
                                        "AND principal_id = ?2"));
    inline_q.Bind(KindValue(kind)).Bind(id);
    IAM_ASSIGN_OR_RETURN(bool has_inline, inline_q.Step());
    if (has_inline) {
      return tl::unexpected(DeleteConflictError("cannot delete " +
                                                std::string(PrincipalKindName(kind)) + " `" + name +
                                                "`: it has inline policies"));
    }
    IAM_ASSIGN_OR_RETURN(Query attached_q,
                         conn().Prepare("SELECT 1 FROM policy_attachments WHERE principal_kind = "
                                        "?1 AND principal_id = ?2"));
    attached_q.Bind(KindValue(kind)).Bind(id);
    IAM_ASSIGN_OR_RETURN(bool has_attached, attached_q.Step());
    if (has_attached) {
      return tl::unexpected(DeleteConflictError("cannot delete " +
                                                std::string(PrincipalKindName(kind)) + " `" + name +
                                                "`: it has attached policies"));
    }
    return OkStatus();
  }

  // The id of the resource's user (empty when it names none); spells user_name as stored.
  Result<std::string> ResourceUserId(Resource& resource) {
    if (resource.user_name.empty()) {
      return std::string();
    }
    IAM_ASSIGN_OR_RETURN(User user, GetUser(resource.account_id, resource.user_name));
    resource.user_name = user.name;
    return user.id;
  }

  Status SaveResourceTags(const Resource& resource) {
    {
      IAM_ASSIGN_OR_RETURN(Query clear, conn().Prepare("DELETE FROM resource_tags WHERE "
                                                       "account_id = ?1 AND kind = ?2 AND "
                                                       "resource_key = ?3"));
      clear.Bind(resource.account_id)
          .Bind(static_cast<std::int64_t>(resource.kind))
          .Bind(resource.key);
      IAM_RETURN_IF_ERROR(clear.Run());
    }
    std::int64_t position = 0;
    for (const Tag& tag : resource.tags) {
      IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("INSERT INTO resource_tags (account_id, kind, "
                                                   "resource_key, position, key, value) VALUES "
                                                   "(?1, ?2, ?3, ?4, ?5, ?6)"));
      q.Bind(resource.account_id)
          .Bind(static_cast<std::int64_t>(resource.kind))
          .Bind(resource.key)
          .Bind(position++)
          .Bind(tag.key)
          .Bind(tag.value);
      IAM_RETURN_IF_ERROR(q.Run());
    }
    return OkStatus();
  }

  Status SavePolicyTags(const ManagedPolicy& policy) {
    IAM_RETURN_IF_ERROR(DeleteById("DELETE FROM policy_tags WHERE policy_arn = ?1", policy.arn));
    std::int64_t position = 0;
    for (const Tag& tag : policy.tags) {
      IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare("INSERT INTO policy_tags (policy_arn, "
                                                   "position, key, value) VALUES (?1, ?2, ?3, "
                                                   "?4)"));
      q.Bind(policy.arn).Bind(position++).Bind(tag.key).Bind(tag.value);
      IAM_RETURN_IF_ERROR(q.Run());
    }
    return OkStatus();
  }

  Status SaveTags(PrincipalKind kind, const std::string& id, const std::vector<Tag>& tags) {
    const bool role = kind == PrincipalKind::kRole;
    {
      IAM_ASSIGN_OR_RETURN(Query clear,
                           conn().Prepare(role ? "DELETE FROM role_tags WHERE role_id = ?1"
                                               : "DELETE FROM user_tags WHERE user_id = ?1"));
      clear.Bind(id);
      IAM_RETURN_IF_ERROR(clear.Run());
    }
    std::int64_t position = 0;
    for (const Tag& tag : tags) {
      IAM_ASSIGN_OR_RETURN(
          Query q, conn().Prepare(role ? "INSERT INTO role_tags (role_id, position, key, value) "
                                         "VALUES (?1, ?2, ?3, ?4)"
                                       : "INSERT INTO user_tags (user_id, position, key, value) "
                                         "VALUES (?1, ?2, ?3, ?4)"));
      q.Bind(id).Bind(position++).Bind(tag.key).Bind(tag.value);
      IAM_RETURN_IF_ERROR(q.Run());
    }
    return OkStatus();
  }

  // Sets the policy's update time.
  Status Touch(const std::string& arn, Timestamp when) {
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn().Prepare("UPDATE policies SET updated_ms = ?2 WHERE arn = ?1"));
    q.Bind(arn).Bind(ToMs(when));
    return q.Run();
  }

  Status DeleteById(std::string_view sql, std::string_view id) {
    IAM_ASSIGN_OR_RETURN(Query q, conn().Prepare(sql));
    q.Bind(id);
    return q.Run();
  }

  SqliteStore& store_;
  WriterLease lease_;  // released after the destructor body has rolled back
  bool done_ = false;
  bool changed_identities_ = false;  // see Writable()
};

Result<std::unique_ptr<WriteTxn>> SqliteStore::BeginWrite() {
  WriterLease lease = writer_gate_.Acquire(options_.busy_timeout);
  if (!lease.held()) {
    return tl::unexpected(
        Error{ErrorCode::kAborted, "store is busy: another write is open", std::nullopt, {}, {}});
  }
  IAM_RETURN_IF_ERROR(writer_conn_->Exec("BEGIN IMMEDIATE"));
  return std::make_unique<SqliteWriteTxn>(*this, std::move(lease));
}

// Returns the highest version recorded in schema_version (0 for a new database).
Result<std::int64_t> CurrentSchemaVersion(Connection& conn) {
  IAM_RETURN_IF_ERROR(conn.Exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT "
      "NULL, applied_ms INTEGER NOT NULL)"));
  IAM_ASSIGN_OR_RETURN(Query q,
                       conn.Prepare("SELECT coalesce(max(version), 0) FROM schema_version"));
  IAM_RETURN_IF_ERROR(q.Step());
  return q.Int(0);
}

Status ApplyMigration(Connection& conn, const Migration& migration, const Clock& clock) {
  Status applied = conn.Exec(migration.sql);
  if (!applied.has_value()) {
    return tl::unexpected(std::move(applied).error().WithContext(
        "applying migration " + std::to_string(migration.version) + " `" +
        std::string(migration.name) + "`"));
  }
  IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("INSERT INTO schema_version (version, name, "
                                             "applied_ms) VALUES (?1, ?2, ?3)"));
  q.Bind(std::int64_t{migration.version})
      .Bind(migration.name)
      .Bind(ToMs(std::chrono::floor<std::chrono::milliseconds>(clock.Now())));
  return q.Run();
}

Status ApplyPendingMigrations(Connection& conn, const Clock& clock) {
  const std::span<const Migration> migrations = EmbeddedMigrations();
  IAM_ASSIGN_OR_RETURN(std::int64_t current, CurrentSchemaVersion(conn));
  if (current > static_cast<std::int64_t>(migrations.size())) {
    return tl::unexpected(Error{ErrorCode::kFailedPrecondition,
                                "database schema version " + std::to_string(current) +
                                    " is newer than this binary's " +
                                    std::to_string(migrations.size()),
                                std::nullopt,
                                {},
                                {}});
  }
  for (const Migration& migration : migrations) {
    if (migration.version > current) {
      IAM_RETURN_IF_ERROR(ApplyMigration(conn, migration, clock));
    }
  }
  return OkStatus();
}

// Applies every embedded migration newer than the database's schema_version, in one
// transaction on the writer connection.
Status Migrate(Connection& conn, const Clock& clock) {
  IAM_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  Status status = ApplyPendingMigrations(conn, clock);
  if (!status.has_value()) {
    (void)conn.Exec("ROLLBACK");
    return status;
  }
  return conn.Exec("COMMIT");
}

}  // namespace

int LatestSchemaVersion() {
  return static_cast<int>(EmbeddedMigrations().size());
}

Result<std::unique_ptr<IdentityStore>> OpenSqliteStore(const std::filesystem::path& data_dir,
                                                       const Clock& clock,
                                                       const SqliteOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return tl::unexpected(
        Error{ErrorCode::kUnavailable,
              "creating data directory `" + data_dir.string() + "`: " + ec.message(),
              std::nullopt,
              {},
              {}});
  }
  std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  // A directory owned by someone else keeps its mode; the database file is still ours.
  const std::filesystem::path file = data_dir / std::string(kDatabaseFileName);
  const int busy_ms = static_cast<int>(options.busy_timeout.count());
  IAM_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                       Connection::Open(file, /*read_only=*/false, busy_ms));
  IAM_RETURN_IF_ERROR(writer->Exec("PRAGMA journal_mode = WAL"));
  IAM_RETURN_IF_ERROR(writer->Exec("PRAGMA synchronous = FULL"));
  IAM_RETURN_IF_ERROR(writer->Exec("PRAGMA foreign_keys = ON"));
  IAM_RETURN_IF_ERROR(Migrate(*writer, clock));
  return std::make_unique<SqliteStore>(file, clock, options, std::move(writer));
}

}  // namespace portcullis::store::sqlite
