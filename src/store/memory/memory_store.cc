#include "store/memory/memory_store.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "store/writer_gate.h"

namespace portcullis::store::memory {
namespace {

struct AccessKeyRow {
  AccessKey key;        // user_name is resolved from user_id on every read
  std::string user_id;  // empty: root key
};

using InlineKey = std::tuple<PrincipalKind, std::string, std::string>;      // kind, id, name
using AttachmentKey = std::tuple<PrincipalKind, std::string, std::string>;  // kind, id, arn
using ResourceKey = std::tuple<std::string, ResourceKind, std::string>;     // account, kind, key

// INVARIANT: every id referenced by a membership, attachment, inline policy, access key
// or version names an existing row.
// login_profiles, password_history (newest first) and password_policies hold the login
// profiles and the password policy.
// Instance profiles: instance_profiles is keyed by id (role_names left empty);
// profile_roles holds (profile id, role id) pairs.
struct State {
  std::map<std::string, Account> accounts;                                 // by id
  std::map<std::string, User> users;                                       // by id
  std::map<std::string, Group> groups;                                     // by id
  std::map<std::string, Role> roles;                                       // by id
  std::map<std::string, ManagedPolicy> policies;                           // by ARN
  std::map<std::pair<std::string, std::int64_t>, PolicyVersion> versions;  // ARN, number
  std::map<std::string, LoginProfile> login_profiles;                      // by user id
  std::map<std::string, std::vector<std::string>> password_history;        // by user id
  std::map<std::string, PasswordPolicy> password_policies;                 // by account id
  std::map<InlineKey, std::string> inline_policies;                        // -> document
  std::map<std::string, AccessKeyRow> access_keys;                         // by id
  std::map<std::string, InstanceProfile> instance_profiles;                // Instance profiles
  std::set<std::pair<std::string, std::string>> profile_roles;             // Instance profiles
  std::set<std::pair<std::string, std::string>> members;                   // group, user id
  std::set<AttachmentKey> attachments;
  // Resources: user_name is resolved from user_id on every read.
  std::map<ResourceKey, std::pair<Resource, std::string>> resources;  // -> (record, user id)
};

template <class T>
Result<Page<T>> Paginate(std::vector<T> items, const std::function<std::string(const T&)>& key,
                         const ListOptions& options) {
  IAM_RETURN_IF_ERROR(ValidateListOptions(options));
  std::sort(items.begin(), items.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
  Page<T> page;
  for (T& item : items) {
    if (!options.marker.empty() && key(item) <= options.marker) {
      continue;
    }
    if (page.items.size() == static_cast<std::size_t>(options.max_items)) {
      page.is_truncated = true;
      page.next_marker = key(page.items.back());
      break;
    }
    page.items.push_back(std::move(item));
  }
  return page;
}

bool PathMatches(std::string_view path, const ListOptions& options) {
  return path.substr(0, options.path_prefix.size()) == options.path_prefix;
}

template <class T>
std::string NameKeyOf(const T& record) {
  return NameKey(record.name);
}

template <class Map>
auto FindByName(Map& rows, std::string_view account_id, std::string_view name)
    -> decltype(&rows.begin()->second) {
  const std::string key = NameKey(name);
  for (auto& [id, row] : rows) {
    if (row.account_id == account_id && NameKey(row.name) == key) {
      return &row;
    }
  }
  return nullptr;
}

Error Finished() {
  return Error{ErrorCode::kFailedPrecondition, "transaction is finished", std::nullopt, {}, {}};
}

std::string Describe(const PrincipalRef& principal) {
  return std::string(PrincipalKindName(principal.kind)) + " `" + principal.name + "`";
}

// The read half, shared by both transaction kinds over whichever state they see.
template <class Base>
class Reader : public Base {
 public:
  Result<Account> GetAccount(std::string_view account_id) override {
    const State& s = state();
    auto it = s.accounts.find(std::string(account_id));
    if (it == s.accounts.end()) {
      return tl::unexpected(NotFoundError("account `" + std::string(account_id) + "` not found"));
    }
    return it->second;
  }

  Result<std::vector<Account>> ListAccounts() override {
    std::vector<Account> out;
    for (const auto& [id, account] : state().accounts) {
      out.push_back(account);
    }
    return out;
  }

  Result<User> GetUser(std::string_view account_id, std::string_view name) override {
    IAM_ASSIGN_OR_RETURN(const User* user, FindUser(account_id, name));
    return *user;
  }

  Result<Page<User>> ListUsers(std::string_view account_id, const ListOptions& options) override {
    return ListNamed(state().users, account_id, options);
  }

  Result<Group> GetGroup(std::string_view account_id, std::string_view name) override {
    IAM_ASSIGN_OR_RETURN(const Group* group, FindGroup(account_id, name));
    return *group;
  }

  Result<Page<Group>> ListGroups(std::string_view account_id, const ListOptions& options) override {
    return ListNamed(state().groups, account_id, options);
  }

  Result<Role> GetRole(std::string_view account_id, std::string_view name) override {
    IAM_ASSIGN_OR_RETURN(const Role* role, FindRole(account_id, name));
    return *role;
  }

  Result<Page<Role>> ListRoles(std::string_view account_id, const ListOptions& options) override {
    return ListNamed(state().roles, account_id, options);
  }

  Result<ManagedPolicy> GetManagedPolicy(std::string_view arn) override {
    IAM_ASSIGN_OR_RETURN(const ManagedPolicy* policy, FindPolicy(arn));
    return WithCounts(*policy);
  }

  Result<Page<ManagedPolicy>> ListManagedPolicies(std::string_view account_id,
                                                  const PolicyListOptions& options) override {
    std::vector<ManagedPolicy> items;
    for (const auto& [arn, policy] : state().policies) {
      if (policy.account_id != account_id || !PathMatches(policy.path, options)) {
        continue;
      }
      ManagedPolicy counted = WithCounts(policy);
      if (options.only_attached && counted.attachment_count == 0) {
        continue;
      }
      items.push_back(std::move(counted));
    }
    return Paginate<ManagedPolicy>(std::move(items), NameKeyOf<ManagedPolicy>, options);
  }

  Result<PolicyVersion> GetPolicyVersion(std::string_view policy_arn,
                                         std::string_view version_id) override {
    IAM_ASSIGN_OR_RETURN(const ManagedPolicy* policy, FindPolicy(policy_arn));
    IAM_ASSIGN_OR_RETURN(std::int64_t number, ParsePolicyVersionId(version_id));
    auto it = state().versions.find({policy->arn, number});
    if (it == state().versions.end()) {
      return tl::unexpected(NotFoundError("policy version `" + std::string(version_id) + "` of `" +
                                          policy->arn + "` not found"));
    }
    PolicyVersion version = it->second;
    version.is_default = version.version_id == policy->default_version_id;
    return version;
  }

  Result<Page<PolicyVersion>> ListPolicyVersions(std::string_view policy_arn,
                                                 const ListOptions& options) override {
    IAM_ASSIGN_OR_RETURN(const ManagedPolicy* policy, FindPolicy(policy_arn));
    std::int64_t after = 0;
    if (!options.marker.empty()) {
      IAM_ASSIGN_OR_RETURN(after, ParsePolicyVersionId(options.marker));
    }
    IAM_RETURN_IF_ERROR(ValidateListOptions(options));
    Page<PolicyVersion> page;
    for (const auto& [key, version] : state().versions) {
      if (key.first != policy->arn || key.second <= after) {
        continue;
      }
      if (page.items.size() == static_cast<std::size_t>(options.max_items)) {
        page.is_truncated = true;
        page.next_marker = page.items.back().version_id;
        break;
      }
      page.items.push_back(version);
      page.items.back().is_default = version.version_id == policy->default_version_id;
    }
    return page;
  }

  Result<InlinePolicy> GetInlinePolicy(const PrincipalRef& principal,
                                       std::string_view name) override {
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(principal));
    auto it = state().inline_policies.find({principal.kind, id, std::string(name)});
    if (it == state().inline_policies.end()) {
      return tl::unexpected(NotFoundError("inline policy `" + std::string(name) + "` of " +
                                          Describe(principal) + " not found"));
    }
    return InlinePolicy{principal, std::string(name), it->second};
  }

  Result<Page<InlinePolicy>> ListInlinePolicies(const PrincipalRef& principal,
                                                const ListOptions& options) override {
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(principal));
    std::vector<InlinePolicy> items;
    for (const auto& [key, document] : state().inline_policies) {
      if (std::get<0>(key) == principal.kind && std::get<1>(key) == id) {
        items.push_back(InlinePolicy{principal, std::get<2>(key), document});
      }
    }
    return Paginate<InlinePolicy>(
        std::move(items), [](const InlinePolicy& p) { return p.name; }, options);
  }

  Result<AccessKey> GetAccessKey(std::string_view key_id) override {
    auto it = state().access_keys.find(std::string(key_id));
    if (it == state().access_keys.end()) {
      return tl::unexpected(NotFoundError("access key `" + std::string(key_id) + "` not found"));
    }
    return Resolve(it->second);
  }

  Result<Page<AccessKey>> ListAccessKeys(std::string_view account_id, std::string_view user_name,
                                         const ListOptions& options) override {
    std::string user_id;
    if (user_name.empty()) {
      IAM_RETURN_IF_ERROR(GetAccount(account_id));
    } else {
      IAM_ASSIGN_OR_RETURN(const User* user, FindUser(account_id, user_name));
      user_id = user->id;
    }
    std::vector<AccessKey> items;
    for (const auto& [id, row] : state().access_keys) {
      if (row.key.account_id == account_id && row.user_id == user_id) {
        items.push_back(Resolve(row));
      }
    }
    return Paginate<AccessKey>(
        std::move(items), [](const AccessKey& k) { return k.id; }, options);
  }

  // Resources
  Result<Resource> GetResource(ResourceKind kind, std::string_view account_id,
                               std::string_view key) override {
    const auto it =
        state().resources.find(ResourceKey{std::string(account_id), kind, std::string(key)});
    if (it == state().resources.end()) {
      return tl::unexpected(NotFoundError(std::string(ResourceKindName(kind)) + " `" +
                                          std::string(key) + "` not found"));
    }
    return ResolveResource(it->second);
  }

  Result<Page<Resource>> ListResources(ResourceKind kind, std::string_view account_id,
                                       const ResourceFilter& filter,
                                       const ListOptions& options) override {
    std::optional<std::string> user_id;
    if (filter.user_name.has_value()) {
      user_id.emplace();
      if (!filter.user_name->empty()) {
        IAM_ASSIGN_OR_RETURN(const User* user, FindUser(account_id, *filter.user_name));
        *user_id = user->id;
      }
    }
    std::vector<Resource> items;
    for (const auto& [key, row] : state().resources) {
      if (std::get<0>(key) == account_id && std::get<1>(key) == kind &&
          (!user_id.has_value() || row.second == *user_id) &&
          PathMatches(row.first.path, options)) {
        items.push_back(ResolveResource(row));
      }
    }
    return Paginate<Resource>(
        std::move(items), [](const Resource& r) { return r.key; }, options);
  }

  Resource ResolveResource(const std::pair<Resource, std::string>& row) const {
    Resource resource = row.first;
    resource.user_name = row.second.empty() ? std::string() : state().users.at(row.second).name;
    return resource;
  }

  // Instance profiles
  Result<InstanceProfile> GetInstanceProfile(std::string_view account_id,
                                             std::string_view name) override {
    IAM_ASSIGN_OR_RETURN(const InstanceProfile* profile, FindProfile(account_id, name));
    return WithRoles(*profile);
  }

  Result<Page<InstanceProfile>> ListInstanceProfiles(std::string_view account_id,
                                                     const ListOptions& options) override {
    std::vector<InstanceProfile> items;
    for (const auto& [id, row] : state().instance_profiles) {
      if (row.account_id == account_id && PathMatches(row.path, options)) {
        items.push_back(WithRoles(row));
      }
    }
    return Paginate<InstanceProfile>(std::move(items), NameKeyOf<InstanceProfile>, options);
  }

  Result<Page<InstanceProfile>> ListInstanceProfilesForRole(std::string_view account_id,
                                                            std::string_view role_name,
                                                            const ListOptions& options) override {
    IAM_ASSIGN_OR_RETURN(const Role* role, FindRole(account_id, role_name));
    std::vector<InstanceProfile> items;
    for (const auto& [profile_id, role_id] : state().profile_roles) {
      if (role_id == role->id) {
        items.push_back(WithRoles(state().instance_profiles.at(profile_id)));
      }
    }
    ListOptions all_paths = options;
    all_paths.path_prefix.clear();
    return Paginate<InstanceProfile>(std::move(items), NameKeyOf<InstanceProfile>, all_paths);
  }

  Result<const InstanceProfile*> FindProfile(std::string_view account_id,
                                             std::string_view name) const {
    const InstanceProfile* profile = FindByName(state().instance_profiles, account_id, name);
    if (profile == nullptr) {
      return tl::unexpected(
          NotFoundError("instance profile `" + std::string(name) + "` not found"));
    }
    return profile;
  }

  InstanceProfile WithRoles(InstanceProfile profile) const {
    profile.role_names.clear();
    for (const auto& [profile_id, role_id] : state().profile_roles) {
      if (profile_id == profile.id) {
        profile.role_names.push_back(state().roles.at(role_id).name);
      }
    }
    std::sort(profile.role_names.begin(), profile.role_names.end(),
              [](const std::string& a, const std::string& b) { return NameKey(a) < NameKey(b); });
    return profile;
  }

  // Login profiles and the password policy
  Result<LoginProfile> GetLoginProfile(std::string_view account_id,
                                       std::string_view user_name) override {
    IAM_ASSIGN_OR_RETURN(const User* user, FindUser(account_id, user_name));
    auto it = state().login_profiles.find(user->id);
    if (it == state().login_profiles.end()) {
      return tl::unexpected(NotFoundError("login profile of user `" + user->name + "` not found"));
    }
    LoginProfile profile = it->second;
    profile.user_name = user->name;
    return profile;
  }

  Result<std::vector<std::string>> GetPasswordHistory(std::string_view account_id,
                                                      std::string_view user_name) override {
    IAM_ASSIGN_OR_RETURN(const User* user, FindUser(account_id, user_name));
    auto it = state().password_history.find(user->id);
    if (it == state().password_history.end()) {
      return std::vector<std::string>();
    }
    return it->second;
  }

  Result<PasswordPolicy> GetPasswordPolicy(std::string_view account_id) override {
    auto it = state().password_policies.find(std::string(account_id));
    if (it == state().password_policies.end()) {
      return tl::unexpected(
          NotFoundError("account `" + std::string(account_id) + "` has no password policy"));
    }
    return it->second;
  }

  Result<Page<Group>> ListGroupsForUser(std::string_view account_id, std::string_view user_name,
                                        const ListOptions& options) override {
    IAM_ASSIGN_OR_RETURN(const User* user, FindUser(account_id, user_name));
    std::vector<Group> items;
    for (const auto& [group_id, user_id] : state().members) {
      if (user_id == user->id) {
        items.push_back(state().groups.at(group_id));
      }
    }
    return Paginate<Group>(std::move(items), NameKeyOf<Group>, options);
  }

  Result<Page<User>> ListGroupMembers(std::string_view account_id, std::string_view group_name,
                                      const ListOptions& options) override {
    IAM_ASSIGN_OR_RETURN(const Group* group, FindGroup(account_id, group_name));
    std::vector<User> items;
    for (const auto& [group_id, user_id] : state().members) {
      if (group_id == group->id) {
        items.push_back(state().users.at(user_id));
      }
    }
    return Paginate<User>(std::move(items), NameKeyOf<User>, options);
  }

  Result<Page<ManagedPolicy>> ListAttachedPolicies(const PrincipalRef& principal,
                                                   const ListOptions& options) override {
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(principal));
    std::vector<ManagedPolicy> items;
    for (const auto& [kind, principal_id, arn] : state().attachments) {
      const ManagedPolicy& policy = state().policies.at(arn);
      if (kind == principal.kind && principal_id == id && PathMatches(policy.path, options)) {
        items.push_back(WithCounts(policy));
      }
    }
    return Paginate<ManagedPolicy>(
        std::move(items), [](const ManagedPolicy& p) { return p.arn; }, options);
  }

  Result<std::vector<PolicyEntity>> ListPolicyEntities(std::string_view policy_arn) override {
    IAM_ASSIGN_OR_RETURN(const ManagedPolicy* policy, FindPolicy(policy_arn));
    std::vector<PolicyEntity> out;
    for (const auto& [kind, principal_id, arn] : state().attachments) {
      if (arn != policy->arn) {
        continue;
      }
      switch (kind) {
        case PrincipalKind::kUser:
          out.push_back({kind, state().users.at(principal_id).name, principal_id});
          break;
        case PrincipalKind::kGroup:
          out.push_back({kind, state().groups.at(principal_id).name, principal_id});
          break;
        case PrincipalKind::kRole:
          out.push_back({kind, state().roles.at(principal_id).name, principal_id});
          break;
      }
    }
    std::sort(out.begin(), out.end(), [](const PolicyEntity& a, const PolicyEntity& b) {
      return std::make_pair(a.kind, NameKey(a.name)) < std::make_pair(b.kind, NameKey(b.name));
    });
    return out;
  }

 protected:
  virtual const State& state() const = 0;

  Result<const User*> FindUser(std::string_view account_id, std::string_view name) const {
    const User* user = FindByName(state().users, account_id, name);
    if (user == nullptr) {
      return tl::unexpected(NotFoundError("user `" + std::string(name) + "` not found"));
    }
    return user;
  }

  Result<const Group*> FindGroup(std::string_view account_id, std::string_view name) const {
    const Group* group = FindByName(state().groups, account_id, name);
    if (group == nullptr) {
      return tl::unexpected(NotFoundError("group `" + std::string(name) + "` not found"));
    }
    return group;
  }

  Result<const Role*> FindRole(std::string_view account_id, std::string_view name) const {
    const Role* role = FindByName(state().roles, account_id, name);
    if (role == nullptr) {
      return tl::unexpected(NotFoundError("role `" + std::string(name) + "` not found"));
    }
    return role;
  }

  Result<const ManagedPolicy*> FindPolicy(std::string_view arn) const {
    auto it = state().policies.find(std::string(arn));
    if (it == state().policies.end()) {
      return tl::unexpected(NotFoundError("policy `" + std::string(arn) + "` not found"));
    }
    return &it->second;
  }

  Result<std::string> PrincipalId(const PrincipalRef& principal) const {
    switch (principal.kind) {
      case PrincipalKind::kUser: {
        IAM_ASSIGN_OR_RETURN(const User* user, FindUser(principal.account_id, principal.name));
        return user->id;
      }
      case PrincipalKind::kGroup: {
        IAM_ASSIGN_OR_RETURN(const Group* group, FindGroup(principal.account_id, principal.name));
        return group->id;
      }
      case PrincipalKind::kRole: {
        IAM_ASSIGN_OR_RETURN(const Role* role, FindRole(principal.account_id, principal.name));
        return role->id;
      }
    }
    return tl::unexpected(
        Error{ErrorCode::kInvalidArgument, "unknown principal kind", std::nullopt, {}, {}});
  }

  ManagedPolicy WithCounts(ManagedPolicy policy) const {
    policy.attachment_count = 0;
    for (const auto& [kind, principal_id, arn] : state().attachments) {
      if (arn == policy.arn) {
        ++policy.attachment_count;
      }
    }
    policy.permissions_boundary_usage_count = 0;
    for (const auto& [id, user] : state().users) {
      if (user.permissions_boundary_arn == policy.arn) {
        ++policy.permissions_boundary_usage_count;
      }
    }
    for (const auto& [id, role] : state().roles) {
      if (role.permissions_boundary_arn == policy.arn) {
        ++policy.permissions_boundary_usage_count;
      }
    }
    return policy;
  }

  AccessKey Resolve(const AccessKeyRow& row) const {
    AccessKey key = row.key;
    key.user_name = row.user_id.empty() ? std::string() : state().users.at(row.user_id).name;
    return key;
  }

 private:
  template <class T>
  Result<Page<T>> ListNamed(const std::map<std::string, T>& rows, std::string_view account_id,
                            const ListOptions& options) const {
    std::vector<T> items;
    for (const auto& [id, row] : rows) {
      if (row.account_id == account_id && PathMatches(row.path, options)) {
        items.push_back(row);
      }
    }
    return Paginate<T>(std::move(items), NameKeyOf<T>, options);
  }
};

class MemoryStore;

class MemoryReadTxn final : public Reader<ReadTxn> {
 public:
  explicit MemoryReadTxn(std::shared_ptr<const State> snapshot) : snapshot_(std::move(snapshot)) {}

 protected:
  const State& state() const override { return *snapshot_; }

 private:
  std::shared_ptr<const State> snapshot_;
};

class MemoryStore final : public IdentityStore {
 public:
  MemoryStore(const Clock& clock, std::chrono::milliseconds busy_timeout)
      : clock_(clock), busy_timeout_(busy_timeout), state_(std::make_shared<const State>()) {}

  Result<std::unique_ptr<ReadTxn>> BeginRead() override {
    return std::make_unique<MemoryReadTxn>(Snapshot());
  }

  Result<std::unique_ptr<WriteTxn>> BeginWrite() override;

  std::uint64_t Generation() const override { return generation_.load(std::memory_order_acquire); }

  std::shared_ptr<const State> Snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return state_;
  }

  void Publish(std::shared_ptr<const State> state, bool bump_generation) {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = std::move(state);
    if (bump_generation) {
      generation_.fetch_add(1, std::memory_order_acq_rel);
    }
  }

  Timestamp Now() const { return std::chrono::floor<std::chrono::milliseconds>(clock_.Now()); }

 private:
  const Clock& clock_;
  const std::chrono::milliseconds busy_timeout_;
  mutable std::mutex mu_;
  std::shared_ptr<const State> state_;  // guarded by mu_
  WriterGate writer_;
  std::atomic<std::uint64_t> generation_{0};
};

class MemoryWriteTxn final : public Reader<WriteTxn> {
 public:
  MemoryWriteTxn(MemoryStore& store, WriterLease writer)
      : store_(store),
        writer_(std::move(writer)),
        work_(std::make_shared<State>(*store.Snapshot())) {}

  Result<Account> PutAccount(Account account) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateAccount(account));
    if (s().accounts.count(account.id) != 0) {
      return tl::unexpected(AlreadyExistsError("account `" + account.id + "` already exists"));
    }
    Stamp(account.created);
    s().accounts[account.id] = account;
    return account;
  }

  Result<Account> UpdateAccount(Account account) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(Account old, GetAccount(account.id));
    account.created = old.created;
    s().accounts[account.id] = account;
    return account;
  }

  Result<User> PutUser(User user) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateUser(user));
    IAM_RETURN_IF_ERROR(CheckNew(s().users, "user", user));
    Stamp(user.created);
    s().users[user.id] = user;
    return user;
  }

  Result<User> UpdateUser(User user) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateUser(user));
    IAM_RETURN_IF_ERROR(CheckUpdate(s().users, "user", user));
    s().users[user.id] = user;
    return user;
  }

  Status DeleteUser(std::string_view account_id, std::string_view name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(const User* user, FindUser(account_id, name));
    const std::string id = user->id;
    for (const auto& [key_id, row] : s().access_keys) {
      if (row.user_id == id) {
        return tl::unexpected(
            DeleteConflictError("cannot delete user `" + user->name + "`: it has access keys"));
      }
    }
    for (const auto& [group_id, user_id] : s().members) {
      if (user_id == id) {
        return tl::unexpected(DeleteConflictError("cannot delete user `" + user->name +
                                                  "`: it is a member of groups"));
      }
    }
    if (s().login_profiles.count(id) != 0) {
      return tl::unexpected(
          DeleteConflictError("cannot delete user `" + user->name + "`: it has a login profile"));
    }
    IAM_RETURN_IF_ERROR(CheckNoPolicies(PrincipalKind::kUser, id, "user", user->name));
    for (const auto& [key, row] : s().resources) {
      if (row.second == id && ResourceKindBlocksUserDeletion(std::get<1>(key))) {
        return tl::unexpected(
            DeleteConflictError("cannot delete user `" + user->name + "`: it has " +
                                std::string(ResourceKindName(std::get<1>(key))) + "s"));
      }
    }
    std::erase_if(s().resources, [&](const auto& entry) { return entry.second.second == id; });
    s().password_history.erase(id);
    s().users.erase(id);
    return OkStatus();
  }

  Result<Group> PutGroup(Group group) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateGroup(group));
    IAM_RETURN_IF_ERROR(CheckNew(s().groups, "group", group));
    Stamp(group.created);
    s().groups[group.id] = group;
    return group;
  }

  Result<Group> UpdateGroup(Group group) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateGroup(group));
    IAM_RETURN_IF_ERROR(CheckUpdate(s().groups, "group", group));
    s().groups[group.id] = group;
    return group;
  }

  Status DeleteGroup(std::string_view account_id, std::string_view name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(const Group* group, FindGroup(account_id, name));
    const std::string id = group->id;
    for (const auto& [group_id, user_id] : s().members) {
      if (group_id == id) {
        return tl::unexpected(
            DeleteConflictError("cannot delete group `" + group->name + "`: it has members"));
      }
    }
    IAM_RETURN_IF_ERROR(CheckNoPolicies(PrincipalKind::kGroup, id, "group", group->name));
    s().groups.erase(id);
    return OkStatus();
  }

  Result<Role> PutRole(Role role) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateRole(role));
    IAM_RETURN_IF_ERROR(CheckNew(s().roles, "role", role));
    Stamp(role.created);
    s().roles[role.id] = role;
    return role;
  }

  Result<Role> UpdateRole(Role role) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateRole(role));
    IAM_RETURN_IF_ERROR(CheckUpdate(s().roles, "role", role));
    s().roles[role.id] = role;
    return role;
  }

  Status DeleteRole(std::string_view account_id, std::string_view name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(const Role* role, FindRole(account_id, name));
    const std::string id = role->id;
    IAM_RETURN_IF_ERROR(CheckNoPolicies(PrincipalKind::kRole, id, "role", role->name));
    IAM_RETURN_IF_ERROR(CheckNotInInstanceProfile(id, role->name));
    s().roles.erase(id);
    return OkStatus();
  }

  Result<ManagedPolicy> PutManagedPolicy(ManagedPolicy policy) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateManagedPolicy(policy));
    if (policy.account_id != "aws") {
      IAM_RETURN_IF_ERROR(GetAccount(policy.account_id));
    }
    if (FindByName(s().policies, policy.account_id, policy.name) != nullptr) {
      return tl::unexpected(AlreadyExistsError("policy `" + policy.name + "` already exists"));
    }
    for (const auto& [arn, other] : s().policies) {
      if (arn == policy.arn || other.id == policy.id) {
        return tl::unexpected(AlreadyExistsError("policy `" + policy.arn + "` already exists"));
      }
    }
    Stamp(policy.created);
    if (policy.updated == Timestamp{}) {
      policy.updated = policy.created;
    }
    policy.attachment_count = 0;
    policy.permissions_boundary_usage_count = 0;
    s().policies[policy.arn] = policy;
    return WithCounts(policy);
  }

  Result<ManagedPolicy> UpdateManagedPolicy(ManagedPolicy policy) override {
    IAM_RETURN_IF_ERROR(Writable());
    auto it = s().policies.find(policy.arn);
    if (it == s().policies.end()) {
      return tl::unexpected(NotFoundError("policy `" + policy.arn + "` not found"));
    }
    it->second.description = policy.description;
    it->second.is_attachable = policy.is_attachable;
    it->second.tags = std::move(policy.tags);
    it->second.updated = store_.Now();
    return WithCounts(it->second);
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
    for (const auto& [key, version] : s().versions) {
      if (key.first == policy.arn && version.version_id != policy.default_version_id) {
        return tl::unexpected(DeleteConflictError("cannot delete policy `" + policy.arn +
                                                  "`: it has non-default versions"));
      }
    }
    std::erase_if(s().versions, [&](const auto& entry) { return entry.first.first == arn; });
    s().policies.erase(policy.arn);
    return OkStatus();
  }

  Result<PolicyVersion> PutPolicyVersion(PolicyVersion version) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidatePolicyVersion(version));
    IAM_ASSIGN_OR_RETURN(std::int64_t number, ParsePolicyVersionId(version.version_id));
    auto it = s().policies.find(version.policy_arn);
    if (it == s().policies.end()) {
      return tl::unexpected(NotFoundError("policy `" + version.policy_arn + "` not found"));
    }
    if (s().versions.count({version.policy_arn, number}) != 0) {
      return tl::unexpected(AlreadyExistsError("policy version `" + version.version_id + "` of `" +
                                               version.policy_arn + "` already exists"));
    }
    Stamp(version.created);
    version.is_default = false;
    s().versions[{version.policy_arn, number}] = version;
    it->second.updated = version.created;
    version.is_default = version.version_id == it->second.default_version_id;
    return version;
  }

  Status DeletePolicyVersion(std::string_view policy_arn, std::string_view version_id) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(PolicyVersion version, GetPolicyVersion(policy_arn, version_id));
    IAM_RETURN_IF_ERROR(CheckPolicyVersionDeletable(version));
    IAM_ASSIGN_OR_RETURN(std::int64_t number, ParsePolicyVersionId(version_id));
    s().versions.erase({version.policy_arn, number});
    return OkStatus();
  }

  Status SetDefaultPolicyVersion(std::string_view policy_arn,
                                 std::string_view version_id) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(PolicyVersion version, GetPolicyVersion(policy_arn, version_id));
    ManagedPolicy& policy = s().policies.at(version.policy_arn);
    policy.default_version_id = version.version_id;
    policy.updated = store_.Now();
    return OkStatus();
  }

  Status PutInlinePolicy(InlinePolicy policy) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateInlinePolicy(policy));
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(policy.principal));
    s().inline_policies[{policy.principal.kind, id, policy.name}] = std::move(policy.document);
    return OkStatus();
  }

  Status DeleteInlinePolicy(const PrincipalRef& principal, std::string_view name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(GetInlinePolicy(principal, name));
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(principal));
    s().inline_policies.erase({principal.kind, id, std::string(name)});
    return OkStatus();
  }

  Result<AccessKey> PutAccessKey(AccessKey key) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateAccessKey(key));
    IAM_RETURN_IF_ERROR(GetAccount(key.account_id));
    AccessKeyRow row;
    if (!key.user_name.empty()) {
      IAM_ASSIGN_OR_RETURN(const User* user, FindUser(key.account_id, key.user_name));
      row.user_id = user->id;
      key.user_name = user->name;
    }
    if (s().access_keys.count(key.id) != 0) {
      return tl::unexpected(AlreadyExistsError("access key `" + key.id + "` already exists"));
    }
    Stamp(key.created);
    row.key = key;
    s().access_keys[key.id] = std::move(row);
    return key;
  }

  Status UpdateAccessKeyStatus(std::string_view key_id, AccessKeyStatus status) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(AccessKeyRow * row, FindKey(key_id));
    row->key.status = status;
    return OkStatus();
  }

  Status RecordAccessKeyUse(std::string_view key_id, Timestamp when, std::string_view service,
                            std::string_view region) override {
    IAM_RETURN_IF_ERROR(WritableForUsage());
    IAM_ASSIGN_OR_RETURN(AccessKeyRow * row, FindKey(key_id));
    row->key.last_used = when;
    row->key.last_used_service = service;
    row->key.last_used_region = region;
    return OkStatus();
  }

  Status DeleteAccessKey(std::string_view key_id) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(FindKey(key_id));
    s().access_keys.erase(std::string(key_id));
    return OkStatus();
  }

  // Instance profiles
  Result<InstanceProfile> PutInstanceProfile(InstanceProfile profile) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateInstanceProfile(profile));
    IAM_RETURN_IF_ERROR(CheckNew(s().instance_profiles, "instance profile", profile));
    Stamp(profile.created);
    profile.role_names.clear();
    s().instance_profiles[profile.id] = profile;
    return profile;
  }

  Result<InstanceProfile> UpdateInstanceProfileTags(std::string_view account_id,
                                                    std::string_view name,
                                                    std::vector<Tag> tags) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(const InstanceProfile* found, FindProfile(account_id, name));
    InstanceProfile& profile = s().instance_profiles.at(found->id);
    profile.tags = std::move(tags);
    return WithRoles(profile);
  }

  // Resources
  Result<Resource> PutResource(Resource resource) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateResource(resource));
    IAM_RETURN_IF_ERROR(GetAccount(resource.account_id));
    IAM_ASSIGN_OR_RETURN(std::string user_id, ResourceUserId(resource));
    const ResourceKey key{resource.account_id, resource.kind, resource.key};
    if (s().resources.count(key) != 0) {
      return tl::unexpected(AlreadyExistsError(std::string(ResourceKindName(resource.kind)) + " `" +
                                               resource.key + "` already exists"));
    }
    Stamp(resource.created);
    resource.updated = store_.Now();
    s().resources[key] = {resource, user_id};
    return resource;
  }

  Result<Resource> UpdateResource(Resource resource) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateResource(resource));
    const ResourceKey key{resource.account_id, resource.kind, resource.key};
    auto it = s().resources.find(key);
    if (it == s().resources.end()) {
      return tl::unexpected(NotFoundError(std::string(ResourceKindName(resource.kind)) + " `" +
                                          resource.key + "` not found"));
    }
    IAM_ASSIGN_OR_RETURN(std::string user_id, ResourceUserId(resource));
    resource.created = it->second.first.created;
    resource.updated = store_.Now();
    it->second = {resource, user_id};
    return resource;
  }

  Status DeleteResource(ResourceKind kind, std::string_view account_id,
                        std::string_view key) override {
    IAM_RETURN_IF_ERROR(Writable());
    if (s().resources.erase(ResourceKey{std::string(account_id), kind, std::string(key)}) == 0) {
      return tl::unexpected(NotFoundError(std::string(ResourceKindName(kind)) + " `" +
                                          std::string(key) + "` not found"));
    }
    return OkStatus();
  }

  // The id of the resource's user (empty when it names none); spells user_name as stored.
  Result<std::string> ResourceUserId(Resource& resource) {
    if (resource.user_name.empty()) {
      return std::string();
    }
    IAM_ASSIGN_OR_RETURN(const User* user, FindUser(resource.account_id, resource.user_name));
    resource.user_name = user->name;
    return user->id;
  }

  Status DeleteInstanceProfile(std::string_view account_id, std::string_view name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(const InstanceProfile* profile, FindProfile(account_id, name));
    const std::string id = profile->id;
    for (const auto& [profile_id, role_id] : s().profile_roles) {
      if (profile_id == id) {
        return tl::unexpected(DeleteConflictError("cannot delete instance profile `" +
                                                  profile->name + "`: it has roles"));
      }
    }
    s().instance_profiles.erase(id);
    return OkStatus();
  }

  Status AddRoleToInstanceProfile(std::string_view account_id, std::string_view profile_name,
                                  std::string_view role_name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(const InstanceProfile* profile, FindProfile(account_id, profile_name));
    IAM_ASSIGN_OR_RETURN(const Role* role, FindRole(account_id, role_name));
    if (!s().profile_roles.insert({profile->id, role->id}).second) {
      return tl::unexpected(AlreadyExistsError(
          "role `" + role->name + "` is already in instance profile `" + profile->name + "`"));
    }
    return OkStatus();
  }

  Status RemoveRoleFromInstanceProfile(std::string_view account_id, std::string_view profile_name,
                                       std::string_view role_name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(const InstanceProfile* profile, FindProfile(account_id, profile_name));
    IAM_ASSIGN_OR_RETURN(const Role* role, FindRole(account_id, role_name));
    if (s().profile_roles.erase({profile->id, role->id}) == 0) {
      return tl::unexpected(NotFoundError("role `" + role->name + "` is not in instance profile `" +
                                          profile->name + "`"));
    }
    return OkStatus();
  }

  Status CheckNotInInstanceProfile(const std::string& role_id, const std::string& name) const {
    for (const auto& [profile_id, member_id] : state().profile_roles) {
      if (member_id == role_id) {
        return tl::unexpected(
            DeleteConflictError("cannot delete role `" + name + "`: it is in instance profiles"));
      }
    }
    return OkStatus();
  }

  // Login profiles and the password policy
  Result<LoginProfile> PutLoginProfile(LoginProfile profile) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateLoginProfile(profile));
    IAM_ASSIGN_OR_RETURN(const User* user, FindUser(profile.account_id, profile.user_name));
    if (s().login_profiles.count(user->id) != 0) {
      return tl::unexpected(
          AlreadyExistsError("login profile of user `" + user->name + "` already exists"));
    }
    profile.user_name = user->name;
    Stamp(profile.created);
    if (profile.password_last_changed == Timestamp{}) {
      profile.password_last_changed = profile.created;
    }
    s().login_profiles[user->id] = profile;
    return profile;
  }

  Result<LoginProfile> UpdateLoginProfile(LoginProfile profile) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidateLoginProfile(profile));
    IAM_ASSIGN_OR_RETURN(const User* user, FindUser(profile.account_id, profile.user_name));
    auto it = s().login_profiles.find(user->id);
    if (it == s().login_profiles.end()) {
      return tl::unexpected(NotFoundError("login profile of user `" + user->name + "` not found"));
    }
    profile.user_name = user->name;
    profile.created = it->second.created;
    Stamp(profile.password_last_changed);
    it->second = profile;
    return profile;
  }

  Status DeleteLoginProfile(std::string_view account_id, std::string_view user_name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(const User* user, FindUser(account_id, user_name));
    if (s().login_profiles.erase(user->id) == 0) {
      return tl::unexpected(NotFoundError("login profile of user `" + user->name + "` not found"));
    }
    return OkStatus();
  }

  Status RecordPasswordHistory(std::string_view account_id, std::string_view user_name,
                               std::string_view password_hash, int keep) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(const User* user, FindUser(account_id, user_name));
    std::vector<std::string>& history = s().password_history[user->id];
    history.insert(history.begin(), std::string(password_hash));
    history.resize(std::min(history.size(), static_cast<std::size_t>(std::max(keep, 0))));
    if (history.empty()) {
      s().password_history.erase(user->id);
    }
    return OkStatus();
  }

  Result<PasswordPolicy> PutPasswordPolicy(PasswordPolicy policy) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_RETURN_IF_ERROR(ValidatePasswordPolicy(policy));
    IAM_RETURN_IF_ERROR(GetAccount(policy.account_id));
    s().password_policies[policy.account_id] = policy;
    return policy;
  }

  Status DeletePasswordPolicy(std::string_view account_id) override {
    IAM_RETURN_IF_ERROR(Writable());
    if (s().password_policies.erase(std::string(account_id)) == 0) {
      return tl::unexpected(
          NotFoundError("account `" + std::string(account_id) + "` has no password policy"));
    }
    return OkStatus();
  }

  Status AddUserToGroup(std::string_view account_id, std::string_view group_name,
                        std::string_view user_name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(const Group* group, FindGroup(account_id, group_name));
    IAM_ASSIGN_OR_RETURN(const User* user, FindUser(account_id, user_name));
    if (!s().members.insert({group->id, user->id}).second) {
      return tl::unexpected(AlreadyExistsError(
          "user `" + user->name + "` is already a member of group `" + group->name + "`"));
    }
    return OkStatus();
  }

  Status RemoveUserFromGroup(std::string_view account_id, std::string_view group_name,
                             std::string_view user_name) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(const Group* group, FindGroup(account_id, group_name));
    IAM_ASSIGN_OR_RETURN(const User* user, FindUser(account_id, user_name));
    if (s().members.erase({group->id, user->id}) == 0) {
      return tl::unexpected(NotFoundError("user `" + user->name + "` is not a member of group `" +
                                          group->name + "`"));
    }
    return OkStatus();
  }

  Status AttachPolicy(const PrincipalRef& principal, std::string_view policy_arn) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(principal));
    IAM_ASSIGN_OR_RETURN(const ManagedPolicy* policy, FindPolicy(policy_arn));
    if (!s().attachments.insert({principal.kind, id, policy->arn}).second) {
      return tl::unexpected(AlreadyExistsError("policy `" + policy->arn +
                                               "` is already attached to " + Describe(principal)));
    }
    return OkStatus();
  }

  Status DetachPolicy(const PrincipalRef& principal, std::string_view policy_arn) override {
    IAM_RETURN_IF_ERROR(Writable());
    IAM_ASSIGN_OR_RETURN(std::string id, PrincipalId(principal));
    IAM_ASSIGN_OR_RETURN(const ManagedPolicy* policy, FindPolicy(policy_arn));
    if (s().attachments.erase({principal.kind, id, policy->arn}) == 0) {
      return tl::unexpected(
          NotFoundError("policy `" + policy->arn + "` is not attached to " + Describe(principal)));
    }
    return OkStatus();
  }

  Status Commit() override {
    if (done_) {
      return tl::unexpected(Finished());
    }
    done_ = true;
    store_.Publish(work_, changed_identities_);
    return OkStatus();
  }

 protected:
  const State& state() const override { return *work_; }

 private:
  State& s() { return *work_; }

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

  template <class T>
  Status CheckNew(const std::map<std::string, T>& rows, std::string_view what, const T& row) {
    IAM_RETURN_IF_ERROR(GetAccount(row.account_id));
    if (FindByName(rows, row.account_id, row.name) != nullptr) {
      return tl::unexpected(
          AlreadyExistsError(std::string(what) + " `" + row.name + "` already exists"));
    }
    for (const auto& [id, other] : rows) {
      if (id == row.id || other.arn == row.arn) {
        return tl::unexpected(AlreadyExistsError(std::string(what) + " id `" + row.id +
                                                 "` or arn `" + row.arn + "` is taken"));
      }
    }
    return OkStatus();
  }

  // Checks an update of the row with `row.id`, and keeps its creation time.
  template <class T>
  Status CheckUpdate(const std::map<std::string, T>& rows, std::string_view what, T& row) {
    auto it = rows.find(row.id);
    if (it == rows.end() || it->second.account_id != row.account_id) {
      return tl::unexpected(
          NotFoundError(std::string(what) + " with id `" + row.id + "` not found"));
    }
    const std::string key = NameKey(row.name);
    for (const auto& [id, other] : rows) {
      if (id == row.id) {
        continue;
      }
      if ((other.account_id == row.account_id && NameKey(other.name) == key) ||
          other.arn == row.arn) {
        return tl::unexpected(
            AlreadyExistsError(std::string(what) + " `" + row.name + "` already exists"));
      }
    }
    row.created = it->second.created;
    return OkStatus();
  }

  Status CheckNoPolicies(PrincipalKind kind, const std::string& id, std::string_view what,
                         const std::string& name) const {
    for (const auto& [key, document] : state().inline_policies) {
      if (std::get<0>(key) == kind && std::get<1>(key) == id) {
        return tl::unexpected(DeleteConflictError("cannot delete " + std::string(what) + " `" +
                                                  name + "`: it has inline policies"));
      }
    }
    for (const auto& [attached_kind, principal_id, arn] : state().attachments) {
      if (attached_kind == kind && principal_id == id) {
        return tl::unexpected(DeleteConflictError("cannot delete " + std::string(what) + " `" +
                                                  name + "`: it has attached policies"));
      }
    }
    return OkStatus();
  }

  Result<AccessKeyRow*> FindKey(std::string_view key_id) {
    auto it = s().access_keys.find(std::string(key_id));
    if (it == s().access_keys.end()) {
      return tl::unexpected(NotFoundError("access key `" + std::string(key_id) + "` not found"));
    }
    return &it->second;
  }

  MemoryStore& store_;
  WriterLease writer_;
  std::shared_ptr<State> work_;
  bool done_ = false;
  bool changed_identities_ = false;  // see Writable()
};

Result<std::unique_ptr<WriteTxn>> MemoryStore::BeginWrite() {
  WriterLease lease = writer_.Acquire(busy_timeout_);
  if (!lease.held()) {
    return tl::unexpected(
        Error{ErrorCode::kAborted, "store is busy: another write is open", std::nullopt, {}, {}});
  }
  return std::make_unique<MemoryWriteTxn>(*this, std::move(lease));
}

}  // namespace

Result<std::unique_ptr<IdentityStore>> NewMemoryStore(const Clock& clock,
                                                      std::chrono::milliseconds busy_timeout) {
  return std::make_unique<MemoryStore>(clock, busy_timeout);
}

}  // namespace portcullis::store::memory
