// Account-wide reads: GetAccountSummary and GetAccountAuthorizationDetails.
//
// AWS: IAM API reference, GetAccountSummary (SummaryMap keys and the quotas of "IAM and
// AWS STS quotas") and GetAccountAuthorizationDetails (users, groups, roles and managed
// policies with their inline and attached policies; documents URL-encoded; AWS managed
// policies only when something in the account uses them).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/account_reports.h"
#include "api/iam/common.h"
#include "api/iam/operation_context.h"

namespace portcullis::api::iam {
namespace {

using store::PrincipalKind;
using store::PrincipalRef;

// Reads every page of a listing: `list(options)` returns Result<Page<T>>.
template <class T, class List>
Result<std::vector<T>> ReadAll(List&& list) {
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  std::vector<T> out;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(store::Page<T> page, list(options));
    for (auto& item : page.items) {
      out.push_back(std::move(item));
    }
    if (!page.is_truncated) {
      break;
    }
    options.marker = page.next_marker;
  }
  return out;
}

Result<std::vector<store::ManagedPolicy>> Policies(store::ReadTxn& txn, std::string_view owner) {
  store::PolicyListOptions options;
  options.max_items = store::kMaxMaxItems;
  std::vector<store::ManagedPolicy> out;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(store::Page<store::ManagedPolicy> page,
                         txn.ListManagedPolicies(owner, options));
    for (auto& item : page.items) {
      out.push_back(std::move(item));
    }
    if (!page.is_truncated) {
      break;
    }
    options.marker = page.next_marker;
  }
  return out;
}

struct Principals {
  std::vector<store::User> users;
  std::vector<store::Group> groups;
  std::vector<store::Role> roles;
};

Result<Principals> AllPrincipals(store::ReadTxn& txn, std::string_view account_id) {
  Principals p;
  IAM_ASSIGN_OR_RETURN(p.users, ReadAll<store::User>([&](const store::ListOptions& o) {
                         return txn.ListUsers(account_id, o);
                       }));
  IAM_ASSIGN_OR_RETURN(p.groups, ReadAll<store::Group>([&](const store::ListOptions& o) {
                         return txn.ListGroups(account_id, o);
                       }));
  IAM_ASSIGN_OR_RETURN(p.roles, ReadAll<store::Role>([&](const store::ListOptions& o) {
                         return txn.ListRoles(account_id, o);
                       }));
  return p;
}

Result<std::vector<store::ManagedPolicy>> AttachedTo(store::ReadTxn& txn, const PrincipalRef& ref) {
  return ReadAll<store::ManagedPolicy>(
      [&](const store::ListOptions& o) { return txn.ListAttachedPolicies(ref, o); });
}

// Per AWS managed policy ARN: how many principals of the account attach it and use it as
// a boundary.
struct Usage {
  std::int32_t attachments = 0;
  std::int32_t boundaries = 0;
};

Result<std::map<std::string, Usage>> UsageIn(store::ReadTxn& txn, std::string_view account_id,
                                             const Principals& p) {
  std::map<std::string, Usage> usage;
  auto count = [&](PrincipalKind kind, const std::string& name) -> Status {
    IAM_ASSIGN_OR_RETURN(std::vector<store::ManagedPolicy> attached,
                         AttachedTo(txn, PrincipalRef{kind, std::string(account_id), name}));
    for (const auto& policy : attached) {
      ++usage[policy.arn].attachments;
    }
    return OkStatus();
  };
  for (const auto& u : p.users) {
    IAM_RETURN_IF_ERROR(count(PrincipalKind::kUser, u.name));
    if (!u.permissions_boundary_arn.empty()) {
      ++usage[u.permissions_boundary_arn].boundaries;
    }
  }
  for (const auto& g : p.groups) {
    IAM_RETURN_IF_ERROR(count(PrincipalKind::kGroup, g.name));
  }
  for (const auto& r : p.roles) {
    IAM_RETURN_IF_ERROR(count(PrincipalKind::kRole, r.name));
    if (!r.permissions_boundary_arn.empty()) {
      ++usage[r.permissions_boundary_arn].boundaries;
    }
  }
  return usage;
}

void Put(Value& map, std::string_view key, std::int64_t value) {
  map.Set(std::string(key), Value::Integer(value));
}

// The counts GetAccountSummary takes from the account's resources.
struct ResourceCounts {
  std::int64_t mfa_devices = 0;          // every MFA device, assigned or not
  std::int64_t mfa_devices_in_use = 0;   // enabled (assigned to a user or the root user)
  bool root_mfa = false;                 // an enabled device assigned to the root user
  std::int64_t providers = 0;            // OIDC and SAML providers
  std::int64_t server_certificates = 0;  //
  bool root_signing_certificates = false;
  std::int64_t instance_profiles = 0;
};

Result<std::vector<store::Resource>> AllOf(store::ReadTxn& txn, store::ResourceKind kind,
                                           std::string_view account_id) {
  return ReadAll<store::Resource>([&](const store::ListOptions& o) {
    return txn.ListResources(kind, account_id, store::ResourceFilter{}, o);
  });
}

Result<ResourceCounts> CountResources(store::ReadTxn& txn, std::string_view account_id) {
  ResourceCounts c;
  IAM_ASSIGN_OR_RETURN(auto devices, AllOf(txn, store::ResourceKind::kMfaDevice, account_id));
  for (const store::Resource& d : devices) {
    ++c.mfa_devices;
    auto body = nlohmann::json::parse(d.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.value("Enabled", false)) {
      continue;
    }
    ++c.mfa_devices_in_use;
    if (d.user_name.empty() && body.value("AssignedTo", "") == "root") {
      c.root_mfa = true;
    }
  }
  IAM_ASSIGN_OR_RETURN(auto oidc, AllOf(txn, store::ResourceKind::kOidcProvider, account_id));
  IAM_ASSIGN_OR_RETURN(auto saml, AllOf(txn, store::ResourceKind::kSamlProvider, account_id));
  c.providers = static_cast<std::int64_t>(oidc.size() + saml.size());
  IAM_ASSIGN_OR_RETURN(auto servers,
                       AllOf(txn, store::ResourceKind::kServerCertificate, account_id));
  c.server_certificates = static_cast<std::int64_t>(servers.size());
  IAM_ASSIGN_OR_RETURN(auto certs,
                       AllOf(txn, store::ResourceKind::kSigningCertificate, account_id));
  c.root_signing_certificates =
      std::any_of(certs.begin(), certs.end(), [](const auto& r) { return r.user_name.empty(); });
  IAM_ASSIGN_OR_RETURN(c.instance_profiles, CountAll([&](const store::ListOptions& o) {
                         return txn.ListInstanceProfiles(account_id, o);
                       }));
  return c;
}

Result<Value> GetAccountSummary(OperationContext& ctx, const Value& /*input*/) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetAccountSummary", "*"));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(Principals p, AllPrincipals(*txn, ctx.account_id()));
  IAM_ASSIGN_OR_RETURN(std::vector<store::ManagedPolicy> local, Policies(*txn, ctx.account_id()));
  IAM_ASSIGN_OR_RETURN(auto usage, UsageIn(*txn, ctx.account_id(), p));
  std::int64_t attachments = 0;
  for (const auto& [arn, u] : usage) {
    attachments += u.attachments;
  }
  IAM_ASSIGN_OR_RETURN(std::vector<store::AccessKey> root_keys,
                       ReadAll<store::AccessKey>([&](const store::ListOptions& o) {
                         return txn->ListAccessKeys(ctx.account_id(), "", o);
                       }));
  IAM_ASSIGN_OR_RETURN(ResourceCounts counts, CountResources(*txn, ctx.account_id()));
  IAM_ASSIGN_OR_RETURN(const int token_version, GlobalEndpointTokenVersion(*txn, ctx.account_id()));
  Value out = Value::Structure();
  Value& map = out.Set("SummaryMap", Value::Map());
  // AWS: the keys AWS returns, in the order of its documentation's example; the quotas
  // are AWS's defaults. AccountPasswordPresent (in the model's key list) is left out, as
  // AWS's own replies leave it out.
  Put(map, "GroupPolicySizeQuota", 5120);
  Put(map, "InstanceProfilesQuota", 1000);
  Put(map, "Policies", static_cast<std::int64_t>(local.size()));
  Put(map, "GroupsPerUserQuota", 10);
  Put(map, "InstanceProfiles", counts.instance_profiles);
  Put(map, "AttachedPoliciesPerUserQuota", 10);
  Put(map, "Users", static_cast<std::int64_t>(p.users.size()));
  Put(map, "PoliciesQuota", 1500);
  Put(map, "Providers", counts.providers);
  Put(map, "AccountMFAEnabled", counts.root_mfa ? 1 : 0);
  Put(map, "AccessKeysPerUserQuota", 2);
  Put(map, "AssumeRolePolicySizeQuota", 2048);
  Put(map, "PolicyVersionsInUseQuota", 10000);
  Put(map, "GlobalEndpointTokenVersion", token_version);
  Put(map, "VersionsPerPolicyQuota", 5);
  Put(map, "AttachedPoliciesPerGroupQuota", 10);
  Put(map, "PolicySizeQuota", 6144);
  Put(map, "Groups", static_cast<std::int64_t>(p.groups.size()));
  Put(map, "AccountSigningCertificatesPresent", counts.root_signing_certificates ? 1 : 0);
  Put(map, "UsersQuota", 5000);
  Put(map, "ServerCertificatesQuota", 20);
  Put(map, "MFADevices", counts.mfa_devices);
  Put(map, "UserPolicySizeQuota", 2048);
  Put(map, "PolicyVersionsInUse", attachments);
  Put(map, "ServerCertificates", counts.server_certificates);
  Put(map, "Roles", static_cast<std::int64_t>(p.roles.size()));
  Put(map, "RolesQuota", 1000);
  Put(map, "SigningCertificatesPerUserQuota", 2);
  Put(map, "MFADevicesInUse", counts.mfa_devices_in_use);
  Put(map, "RolePolicySizeQuota", 10240);
  Put(map, "AttachedPoliciesPerRoleQuota", 10);
  Put(map, "AccountAccessKeysPresent", root_keys.empty() ? 0 : 1);
  Put(map, "GroupsQuota", 300);
  return out;
}

// GetAccountAuthorizationDetails rows in reply order: users, groups, roles, customer
// managed policies, AWS managed policies; each ordered by NameKey. The marker is the
// key of the last row returned.
enum class Section : std::uint8_t { kUser = 0, kGroup, kRole, kLocalPolicy, kAwsPolicy };

struct Row {
  Section section;
  std::size_t index;  // into the section's vector
  std::string key;    // "S|namekey"
};

std::string RowKey(Section section, std::string_view name) {
  return std::to_string(static_cast<int>(section)) + "|" + store::NameKey(name);
}

Value AttachedList(const std::vector<store::ManagedPolicy>& attached) {
  Value list = Value::List();
  for (const auto& policy : attached) {
    Value& v = list.Append(Value::Structure());
    v.Set("PolicyName", Value::String(policy.name));
    v.Set("PolicyArn", Value::String(policy.arn));
  }
  return list;
}

Result<Value> InlineList(store::ReadTxn& txn, const PrincipalRef& ref) {
  IAM_ASSIGN_OR_RETURN(std::vector<store::InlinePolicy> policies,
                       ReadAll<store::InlinePolicy>([&](const store::ListOptions& o) {
                         return txn.ListInlinePolicies(ref, o);
                       }));
  Value list = Value::List();
  for (const auto& policy : policies) {
    Value& v = list.Append(Value::Structure());
    v.Set("PolicyName", Value::String(policy.name));
    v.Set("PolicyDocument", Value::String(UrlEncodeDocument(policy.document)));
  }
  return list;
}

Result<Value> UserDetail(store::ReadTxn& txn, const store::User& user) {
  const PrincipalRef ref{PrincipalKind::kUser, user.account_id, user.name};
  Value v = Value::Structure();
  v.Set("Path", Value::String(user.path));
  v.Set("UserName", Value::String(user.name));
  v.Set("UserId", Value::String(user.id));
  v.Set("Arn", Value::String(user.arn));
  v.Set("CreateDate", TimestampValue(user.created));
  IAM_ASSIGN_OR_RETURN(Value inline_list, InlineList(txn, ref));
  v.Set("UserPolicyList", std::move(inline_list));
  IAM_ASSIGN_OR_RETURN(std::vector<store::Group> groups,
                       ReadAll<store::Group>([&](const store::ListOptions& o) {
                         return txn.ListGroupsForUser(user.account_id, user.name, o);
                       }));
  Value& group_list = v.Set("GroupList", Value::List());
  for (const auto& group : groups) {
    group_list.Append(Value::String(group.name));
  }
  IAM_ASSIGN_OR_RETURN(std::vector<store::ManagedPolicy> attached, AttachedTo(txn, ref));
  v.Set("AttachedManagedPolicies", AttachedList(attached));
  if (!user.permissions_boundary_arn.empty()) {
    v.Set("PermissionsBoundary", PermissionsBoundaryValue(user.permissions_boundary_arn));
  }
  if (!user.tags.empty()) {
    v.Set("Tags", TagListValue(user.tags));
  }
  return v;
}

Result<Value> GroupDetail(store::ReadTxn& txn, const store::Group& group) {
  const PrincipalRef ref{PrincipalKind::kGroup, group.account_id, group.name};
  Value v = Value::Structure();
  v.Set("Path", Value::String(group.path));
  v.Set("GroupName", Value::String(group.name));
  v.Set("GroupId", Value::String(group.id));
  v.Set("Arn", Value::String(group.arn));
  v.Set("CreateDate", TimestampValue(group.created));
  IAM_ASSIGN_OR_RETURN(Value inline_list, InlineList(txn, ref));
  v.Set("GroupPolicyList", std::move(inline_list));
  IAM_ASSIGN_OR_RETURN(std::vector<store::ManagedPolicy> attached, AttachedTo(txn, ref));
  v.Set("AttachedManagedPolicies", AttachedList(attached));
  return v;
}

Result<Value> RoleDetail(store::ReadTxn& txn, const store::Role& role) {
  const PrincipalRef ref{PrincipalKind::kRole, role.account_id, role.name};
  Value v = Value::Structure();
  v.Set("Path", Value::String(role.path));
  v.Set("RoleName", Value::String(role.name));
  v.Set("RoleId", Value::String(role.id));
  v.Set("Arn", Value::String(role.arn));
  v.Set("CreateDate", TimestampValue(role.created));
  if (!role.assume_role_policy_document.empty()) {
    v.Set("AssumeRolePolicyDocument",
          Value::String(UrlEncodeDocument(role.assume_role_policy_document)));
  }
  Value& profiles = v.Set("InstanceProfileList", Value::List());
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(store::Page<store::InstanceProfile> page,
                         txn.ListInstanceProfilesForRole(role.account_id, role.name, options));
    for (const store::InstanceProfile& profile : page.items) {
      IAM_ASSIGN_OR_RETURN(Value p, InstanceProfileValue(txn, profile, true));
      profiles.Append(std::move(p));
    }
    if (!page.is_truncated) {
      break;
    }
    options.marker = page.next_marker;
  }
  IAM_ASSIGN_OR_RETURN(Value inline_list, InlineList(txn, ref));
  v.Set("RolePolicyList", std::move(inline_list));
  IAM_ASSIGN_OR_RETURN(std::vector<store::ManagedPolicy> attached, AttachedTo(txn, ref));
  v.Set("AttachedManagedPolicies", AttachedList(attached));
  if (!role.permissions_boundary_arn.empty()) {
    v.Set("PermissionsBoundary", PermissionsBoundaryValue(role.permissions_boundary_arn));
  }
  if (!role.tags.empty()) {
    v.Set("Tags", TagListValue(role.tags));
  }
  IAM_ASSIGN_OR_RETURN(Value last_used, RoleLastUsedValue(txn, role));
  v.Set("RoleLastUsed", std::move(last_used));
  return v;
}

Result<Value> PolicyDetail(store::ReadTxn& txn, const store::ManagedPolicy& policy) {
  Value v = Value::Structure();
  v.Set("PolicyName", Value::String(policy.name));
  v.Set("PolicyId", Value::String(policy.id));
  v.Set("Arn", Value::String(policy.arn));
  v.Set("Path", Value::String(policy.path));
  v.Set("DefaultVersionId", Value::String(policy.default_version_id));
  v.Set("AttachmentCount", Value::Integer(policy.attachment_count));
  v.Set("PermissionsBoundaryUsageCount", Value::Integer(policy.permissions_boundary_usage_count));
  v.Set("IsAttachable", Value::Boolean(policy.is_attachable));
  if (!policy.description.empty()) {
    v.Set("Description", Value::String(policy.description));
  }
  v.Set("CreateDate", TimestampValue(policy.created));
  v.Set("UpdateDate", TimestampValue(policy.updated));
  IAM_ASSIGN_OR_RETURN(std::vector<store::PolicyVersion> versions,
                       ReadAll<store::PolicyVersion>([&](const store::ListOptions& o) {
                         return txn.ListPolicyVersions(policy.arn, o);
                       }));
  Value& list = v.Set("PolicyVersionList", Value::List());
  for (const auto& version : versions) {
    list.Append(PolicyVersionValue(version));
  }
  return v;
}

// What GetAccountAuthorizationDetails reports, before paging.
struct Details {
  Principals principals;
  std::vector<store::ManagedPolicy> local;
  std::vector<store::ManagedPolicy> aws;  // those the account uses, with its own counts
  std::vector<Row> rows;
};

// The AWS managed policies that principals of the account attach or use as a boundary.
Result<std::vector<store::ManagedPolicy>> AwsPoliciesInUse(store::ReadTxn& txn,
                                                           std::string_view account_id,
                                                           const Principals& p) {
  IAM_ASSIGN_OR_RETURN(std::vector<store::ManagedPolicy> all, Policies(txn, "aws"));
  IAM_ASSIGN_OR_RETURN(auto usage, UsageIn(txn, account_id, p));
  std::vector<store::ManagedPolicy> out;
  for (auto& policy : all) {
    auto it = usage.find(policy.arn);
    if (it == usage.end()) {
      continue;
    }
    // The store's counts cover every account; report the account's own.
    policy.attachment_count = it->second.attachments;
    policy.permissions_boundary_usage_count = it->second.boundaries;
    out.push_back(std::move(policy));
  }
  return out;
}

template <class T>
void AddRows(Section section, const std::vector<T>& items, std::vector<Row>* rows) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    rows->push_back({section, i, RowKey(section, items[i].name)});
  }
}

Result<Details> Collect(store::ReadTxn& txn, std::string_view account_id,
                        const std::set<std::string>& filter) {
  auto wanted = [&](std::string_view name) {
    return filter.empty() || filter.count(std::string(name)) != 0;
  };
  Details d;
  IAM_ASSIGN_OR_RETURN(d.principals, AllPrincipals(txn, account_id));
  if (wanted("LocalManagedPolicy")) {
    IAM_ASSIGN_OR_RETURN(d.local, Policies(txn, account_id));
  }
  if (wanted("AWSManagedPolicy")) {
    IAM_ASSIGN_OR_RETURN(d.aws, AwsPoliciesInUse(txn, account_id, d.principals));
  }
  if (wanted("User")) {
    AddRows(Section::kUser, d.principals.users, &d.rows);
  }
  if (wanted("Group")) {
    AddRows(Section::kGroup, d.principals.groups, &d.rows);
  }
  if (wanted("Role")) {
    AddRows(Section::kRole, d.principals.roles, &d.rows);
  }
  AddRows(Section::kLocalPolicy, d.local, &d.rows);
  AddRows(Section::kAwsPolicy, d.aws, &d.rows);
  return d;
}

// The reply's four lists.
struct DetailLists {
  Value users = Value::List();
  Value groups = Value::List();
  Value roles = Value::List();
  Value policies = Value::List();

  Status Add(store::ReadTxn& txn, const Details& d, const Row& row) {
    Result<Value> v;
    Value* list = &policies;
    switch (row.section) {
      case Section::kUser:
        v = UserDetail(txn, d.principals.users[row.index]);
        list = &users;
        break;
      case Section::kGroup:
        v = GroupDetail(txn, d.principals.groups[row.index]);
        list = &groups;
        break;
      case Section::kRole:
        v = RoleDetail(txn, d.principals.roles[row.index]);
        list = &roles;
        break;
      case Section::kLocalPolicy:
        v = PolicyDetail(txn, d.local[row.index]);
        break;
      case Section::kAwsPolicy:
        v = PolicyDetail(txn, d.aws[row.index]);
        break;
    }
    if (!v.has_value()) {
      return tl::unexpected(std::move(v).error());
    }
    list->Append(std::move(*v));
    return OkStatus();
  }
};

bool ValidMarker(const std::string& marker) {
  return marker.empty() ||
         (marker.size() >= 2 && marker[0] >= '0' && marker[0] <= '4' && marker[1] == '|');
}

Result<Value> GetAccountAuthorizationDetails(OperationContext& ctx, const Value& input) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetAccountAuthorizationDetails", "*"));
  std::set<std::string> filter;
  if (const Value* list = input.Find("Filter")) {
    for (const Value& item : list->children()) {
      filter.insert(item.text());
    }
  }
  const store::ListOptions options = ListOptionsFrom(input, {});
  if (!ValidMarker(options.marker)) {
    return tl::unexpected(InvalidInput("Invalid Marker."));
  }
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(Details details, Collect(*txn, ctx.account_id(), filter));
  DetailLists lists;
  std::size_t listed = 0;
  bool truncated = false;
  std::string last;
  for (const Row& row : details.rows) {
    if (!options.marker.empty() && row.key <= options.marker) {
      continue;
    }
    if (listed == static_cast<std::size_t>(options.max_items)) {
      truncated = true;
      break;
    }
    IAM_RETURN_IF_ERROR(lists.Add(*txn, details, row));
    last = row.key;
    ++listed;
  }
  Value out = Value::Structure();
  out.Set("UserDetailList", std::move(lists.users));
  out.Set("GroupDetailList", std::move(lists.groups));
  out.Set("RoleDetailList", std::move(lists.roles));
  out.Set("Policies", std::move(lists.policies));
  out.Set("IsTruncated", Value::Boolean(truncated));
  if (truncated) {
    out.Set("Marker", Value::String(last));
  }
  return out;
}

}  // namespace

void RegisterAccountOperations(HandlerTable& table) {
  table["GetAccountSummary"] = &GetAccountSummary;
  table["GetAccountAuthorizationDetails"] = &GetAccountAuthorizationDetails;
}

}  // namespace portcullis::api::iam
