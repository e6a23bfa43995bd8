// Authorizer: see authorizer.h.
//
// Caches, both guarded by one shared_mutex (readers on the hot path take it shared; a
// rebuild reads the store and compiles without holding it):
//  - principals: principal ARN -> the compiled policy set and the principal's fixed
//    context keys, stamped with the store generation read before the snapshot it was
//    built from. A stamp older than the store's generation rebuilds the entry.
//  - policies: one compiled policy per source (managed policy ARN and version, or the
//    owner and name of an inline policy) with the document it was compiled from, so
//    1000 users attached to one policy compile it once; a changed document recompiles.
#include "api/authz/authorizer.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "eval/compiled_policy.h"
#include "eval/decision.h"
#include "eval/evaluator.h"
#include "eval/request.h"
#include "policy/parse.h"
#include "store/records.h"

namespace portcullis::api::authz {
namespace {

// Above these sizes the caches are emptied and refilled on demand.
constexpr std::size_t kMaxPrincipals = 100000;
constexpr std::size_t kMaxPolicies = 100000;
// Listing page size when reading a principal's policies.
constexpr int kPageSize = store::kMaxMaxItems;

struct StringHash {
  using is_transparent = void;

  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

struct PrincipalEntry {
  std::uint64_t generation = 0;
  bool found = false;  // false: the user no longer exists (deny everything)
  eval::CompiledPolicySet policies;
  // aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalAccount,
  // aws:PrincipalType, aws:PrincipalTag/*.
  eval::RequestContext base_context;
  // Some policy reads aws:ResourceTag/* or iam:ResourceTag/* (ReadsResourceTags).
  bool reads_resource_tags = false;
};

struct PolicyEntry {
  std::string document;
  std::shared_ptr<const eval::CompiledPolicy> compiled;  // null: did not parse
};

// 2026-11-28T02:36:25Z.
using TextBuffer = std::array<char, 32>;

// ISO 8601 UTC with seconds, into `out`; returns the text.
std::string_view FormatIso8601(std::chrono::system_clock::time_point time, TextBuffer& out) {
  auto secs = std::chrono::floor<std::chrono::seconds>(time);
  auto days = std::chrono::floor<std::chrono::days>(secs);
  std::chrono::year_month_day ymd{days};
  std::chrono::hh_mm_ss<std::chrono::seconds> hms{secs - days};
  const int n = std::snprintf(
      out.data(), out.size(), "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", static_cast<int>(ymd.year()),
      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
      static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
      static_cast<long>(hms.seconds().count()));
  return {out.data(), n > 0 ? static_cast<std::size_t>(n) : 0};
}

std::string StatementName(const eval::MatchedStatement& m) {
  std::string out(m.policy_id);
  out += '#';
  if (!m.sid.empty()) {
    out += m.sid;
  } else {
    out += std::to_string(m.statement_index);
  }
  return out;
}

// What a thread's last request context was built from.
struct ContextKey {
  std::shared_ptr<const PrincipalEntry> entry;  // keeps the address unique while held
  std::string source_ip;
  std::string user_agent;
  std::string region;
  std::int64_t epoch = 0;
  std::optional<std::int64_t> mfa_epoch;
  bool secure = false;
  bool valid = false;

  bool Matches(const std::shared_ptr<const PrincipalEntry>& e, const RequestInfo& info,
               std::int64_t epoch_seconds, std::optional<std::int64_t> mfa_seconds) const {
    return valid && entry == e && epoch == epoch_seconds && mfa_epoch == mfa_seconds &&
           secure == info.secure_transport && source_ip == info.source_ip &&
           user_agent == info.user_agent && region == info.region;
  }

  void Set(const std::shared_ptr<const PrincipalEntry>& e, const RequestInfo& info,
           std::int64_t epoch_seconds, std::optional<std::int64_t> mfa_seconds) {
    entry = e;
    mfa_epoch = mfa_seconds;
    source_ip.assign(info.source_ip);
    user_agent.assign(info.user_agent);
    region.assign(info.region);
    epoch = epoch_seconds;
    secure = info.secure_transport;
    valid = true;
  }

  void Reset() {
    valid = false;
    entry.reset();
  }
};

// The principal's keys, then the request's: connection, time, region, MFA (when the
// caller proved it at `mfa_epoch`), operation keys.
void BuildContext(const PrincipalEntry& entry, const RequestInfo& info, std::int64_t epoch,
                  std::optional<std::int64_t> mfa_epoch, const AuthzRequest& request,
                  eval::RequestContext& ctx) {
  ctx = entry.base_context;
  if (!info.source_ip.empty()) {
    ctx.Set("aws:SourceIp", info.source_ip);
  }
  if (!info.user_agent.empty()) {
    ctx.Set("aws:UserAgent", info.user_agent);
  }
  ctx.Set("aws:SecureTransport", info.secure_transport ? "true" : "false");
  TextBuffer buffer{};
  ctx.Set("aws:CurrentTime", FormatIso8601(info.time, buffer));
  const int epoch_len =
      std::snprintf(buffer.data(), buffer.size(), "%lld", static_cast<long long>(epoch));
  ctx.Set("aws:EpochTime",
          std::string_view(buffer.data(), epoch_len > 0 ? static_cast<std::size_t>(epoch_len) : 0));
  if (!info.region.empty()) {
    ctx.Set("aws:RequestedRegion", info.region);
  }
  if (mfa_epoch.has_value()) {
    // AWS: aws:MultiFactorAuthAge is the seconds since the MFA authentication; both keys
    // are absent for long-term credentials.
    ctx.Set("aws:MultiFactorAuthPresent", "true");
    const std::int64_t age = epoch > *mfa_epoch ? epoch - *mfa_epoch : 0;
    const int age_len =
        std::snprintf(buffer.data(), buffer.size(), "%lld", static_cast<long long>(age));
    ctx.Set("aws:MultiFactorAuthAge",
            std::string_view(buffer.data(), age_len > 0 ? static_cast<std::size_t>(age_len) : 0));
  }
  for (const auto& [key, values] : request.context) {
    if (values.size() == 1) {
      ctx.Set(key, values.front());
    } else {
      ctx.SetMulti(key, values);
    }
  }
}

// The policy type an AccessDenied message names (IAM User Guide, "Troubleshoot access
// denied error messages"). An explicit deny: the type of the first matched Deny. An
// implicit deny where an identity policy allowed: the first type that did not allow as
// well (the permissions boundary, then the session policies, then, across accounts, the
// resource's policy). Otherwise: the identity-based policies.
eval::PolicyType DeniedBy(eval::Verdict verdict, const eval::Decision& decision,
                          const eval::PolicySetInput& policies, bool cross_account) {
  const auto& matched = decision.matched;
  auto matched_with = [&matched](eval::PolicyType type, policy::Effect effect) {
    return std::any_of(matched.begin(), matched.end(), [&](const eval::MatchedStatement& m) {
      return m.type == type && m.effect == effect;
    });
  };
  if (verdict == eval::Verdict::kExplicitDeny) {
    for (const eval::MatchedStatement& m : matched) {
      if (m.effect == policy::Effect::kDeny) {
        return m.type;
      }
    }
    return eval::PolicyType::kIdentity;
  }
  if (!matched_with(eval::PolicyType::kIdentity, policy::Effect::kAllow)) {
    return eval::PolicyType::kIdentity;
  }
  if (policies.permissions_boundary != nullptr &&
      !matched_with(eval::PolicyType::kPermissionsBoundary, policy::Effect::kAllow)) {
    return eval::PolicyType::kPermissionsBoundary;
  }
  if (!policies.session.empty() &&
      !matched_with(eval::PolicyType::kSession, policy::Effect::kAllow)) {
    return eval::PolicyType::kSession;
  }
  if (cross_account && !matched_with(eval::PolicyType::kResource, policy::Effect::kAllow)) {
    return eval::PolicyType::kResource;
  }
  return eval::PolicyType::kIdentity;
}

std::string_view PolicyTypePhrase(eval::PolicyType type) {
  switch (type) {
    case eval::PolicyType::kResource:
      return "resource-based policy";
    case eval::PolicyType::kPermissionsBoundary:
      return "permissions boundary";
    case eval::PolicyType::kSession:
      return "session policy";
    case eval::PolicyType::kScp:
      return "service control policy";
    case eval::PolicyType::kIdentity:
      break;
  }
  return "identity-based policy";
}

SoftDeny MakeSoftDeny(const auth::Caller& caller, const RequestInfo& info,
                      const AuthzRequest& request, eval::Verdict verdict,
                      const eval::Decision& decision) {
  SoftDeny soft;
  soft.request_id = info.request_id;
  soft.principal_arn = caller.arn;
  soft.action = std::string(request.action);
  soft.resource_arn = std::string(request.resource_arn);
  soft.decision = std::string(eval::VerdictName(verdict));
  for (const eval::MatchedStatement& m : decision.matched) {
    soft.statements.push_back(StatementName(m));
  }
  return soft;
}

// AWS: IAM User Guide, "Troubleshoot access denied error messages".
Error AccessDenied(const auth::Caller& caller, const AuthzRequest& request, eval::Verdict verdict,
                   eval::PolicyType denied_by) {
  std::string message = "User: " + caller.arn +
                        " is not authorized to perform: " + std::string(request.action) +
                        " on resource: " + std::string(request.resource_arn);
  const std::string_view phrase = PolicyTypePhrase(denied_by);
  if (verdict == eval::Verdict::kExplicitDeny) {
    message += " with an explicit deny in ";
    message += denied_by == eval::PolicyType::kIdentity ? "an " : "a ";
  } else {
    message += " because no ";
  }
  message += phrase;
  if (verdict != eval::Verdict::kExplicitDeny) {
    message += " allows the ";
    message += request.action;
    message += " action";
  }
  return Error{ErrorCode::kPermissionDenied, std::move(message), std::nullopt, {}, "AccessDenied"};
}

// The stored name and permissions boundary ARN (empty for groups) of group or role `ref`.
Result<std::pair<std::string, std::string>> StoredNameAndBoundary(store::ReadTxn& txn,
                                                                  const store::PrincipalRef& ref) {
  if (ref.kind == store::PrincipalKind::kGroup) {
    IAM_ASSIGN_OR_RETURN(store::Group group, txn.GetGroup(ref.account_id, ref.name));
    return std::pair<std::string, std::string>(std::move(group.name), std::string());
  }
  IAM_ASSIGN_OR_RETURN(store::Role role, txn.GetRole(ref.account_id, ref.name));
  return std::pair<std::string, std::string>(std::move(role.name),
                                             std::move(role.permissions_boundary_arn));
}

}  // namespace

Result<EnforcementMode> ParseEnforcementMode(std::string_view text) {
  if (text == "enforce") {
    return EnforcementMode::kEnforce;
  }
  if (text == "soft") {
    return EnforcementMode::kSoft;
  }
  if (text == "off") {
    return EnforcementMode::kOff;
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "enforcement mode must be `enforce`, `soft` or `off`");
}

struct Authorizer::Impl {
  store::IdentityStore& store;
  EnforcementMode mode;
  std::function<void(const SoftDeny&)> on_soft_deny;

  std::shared_mutex mu;
  std::unordered_map<std::string, std::shared_ptr<const PrincipalEntry>, StringHash,
                     std::equal_to<>>
      principals;  // guarded by mu
  std::unordered_map<std::string, std::shared_ptr<const PolicyEntry>, StringHash,
                     std::equal_to<>>
      policies;  // guarded by mu
  std::atomic<std::size_t> compile_count{0};
  AccessTracker tracker;

  Impl(store::IdentityStore& s, EnforcementMode m, std::function<void(const SoftDeny&)> sink)
      : store(s), mode(m), on_soft_deny(std::move(sink)), tracker(s) {}

  std::shared_ptr<const PrincipalEntry> FindPrincipal(std::string_view arn,
                                                      std::uint64_t generation) {
    std::shared_lock lock(mu);
    auto it = principals.find(arn);
    if (it != principals.end() && it->second->generation == generation) {
      return it->second;
    }
    return nullptr;
  }

  // Returns the compiled policy for `key`, compiling `document` when the cache has no
  // entry for it or one built from another document. Null when it does not parse.
  std::shared_ptr<const eval::CompiledPolicy> Compile(const std::string& key, std::string document,
                                                      std::string id, policy::PolicyKind kind) {
    {
      std::shared_lock lock(mu);
      auto it = policies.find(key);
      if (it != policies.end() && it->second->document == document) {
        return it->second->compiled;
      }
    }
    auto entry = std::make_shared<PolicyEntry>();
    policy::ParseOptions options;
    options.kind = kind;
    options.enforce_size_limit = false;
    compile_count.fetch_add(1, std::memory_order_relaxed);
    auto compiled = eval::ParseAndCompilePolicy(document, std::move(id), options);
    if (compiled.has_value()) {
      entry->compiled = *std::move(compiled);
    }
    // A document that no longer parses counts as absent; its text is not logged.
    entry->document = std::move(document);
    std::shared_ptr<const eval::CompiledPolicy> result = entry->compiled;
    std::unique_lock lock(mu);
    if (policies.size() >= kMaxPolicies) {
      policies.clear();
    }
    policies.insert_or_assign(key, std::move(entry));
    return result;
  }

  // Appends the principal's inline policies to `out`.
  Status AddInline(store::ReadTxn& txn, const store::PrincipalRef& ref, std::string_view owner,
                   std::vector<std::shared_ptr<const eval::CompiledPolicy>>& out) {
    store::ListOptions options;
    options.max_items = kPageSize;
    while (true) {
      IAM_ASSIGN_OR_RETURN(store::Page<store::InlinePolicy> page,
                           txn.ListInlinePolicies(ref, options));
      for (store::InlinePolicy& p : page.items) {
        std::string id = std::string(owner) + ":" + p.name;
        std::string key = "inline\n" + ref.account_id + "\n" + id;
        auto compiled =
            Compile(key, std::move(p.document), std::move(id), policy::PolicyKind::kIdentity);
        if (compiled) {
          out.push_back(std::move(compiled));
        }
      }
      if (!page.is_truncated) {
        return OkStatus();
      }
      options.marker = page.next_marker;
    }
  }

  // The default version of a managed policy, compiled; null when it is gone or broken.
  Result<std::shared_ptr<const eval::CompiledPolicy>> CompileManaged(
      store::ReadTxn& txn, const store::ManagedPolicy& policy, policy::PolicyKind kind) {
    auto version = txn.GetPolicyVersion(policy.arn, policy.default_version_id);
    if (!version.has_value()) {
      if (version.error().code == ErrorCode::kNotFound) {
        return std::shared_ptr<const eval::CompiledPolicy>();
      }
      return MakeError(std::move(version).error());
    }
    std::string key = "managed\n" + policy.arn + "\n" + policy.id + "\n" +
                      policy.default_version_id + "\n" + std::string(PolicyKindName(kind));
    return Compile(key, std::move(version->document), policy.arn, kind);
  }

  // Appends the principal's attached managed policies to `out`.
  Status AddAttached(store::ReadTxn& txn, const store::PrincipalRef& ref,
                     std::vector<std::shared_ptr<const eval::CompiledPolicy>>& out) {
    store::ListOptions options;
    options.max_items = kPageSize;
    while (true) {
      IAM_ASSIGN_OR_RETURN(store::Page<store::ManagedPolicy> page,
                           txn.ListAttachedPolicies(ref, options));
      for (const store::ManagedPolicy& p : page.items) {
        IAM_ASSIGN_OR_RETURN(auto compiled, CompileManaged(txn, p, policy::PolicyKind::kIdentity));
        if (compiled) {
          out.push_back(std::move(compiled));
        }
      }
      if (!page.is_truncated) {
        return OkStatus();
      }
      options.marker = page.next_marker;
    }
  }

  // Appends the inline and attached policies of the user and of each of its groups.
  Status AddUserPolicies(store::ReadTxn& txn, const store::User& user,
                         std::vector<std::shared_ptr<const eval::CompiledPolicy>>& out) {
    const store::PrincipalRef ref{store::PrincipalKind::kUser, user.account_id, user.name};
    IAM_RETURN_IF_ERROR(AddInline(txn, ref, "user/" + user.name, out));
    IAM_RETURN_IF_ERROR(AddAttached(txn, ref, out));
    store::ListOptions options;
    options.max_items = kPageSize;
    while (true) {
      IAM_ASSIGN_OR_RETURN(store::Page<store::Group> groups,
                           txn.ListGroupsForUser(user.account_id, user.name, options));
      for (const store::Group& g : groups.items) {
        const store::PrincipalRef gref{store::PrincipalKind::kGroup, g.account_id, g.name};
        IAM_RETURN_IF_ERROR(AddInline(txn, gref, "group/" + g.name, out));
        IAM_RETURN_IF_ERROR(AddAttached(txn, gref, out));
      }
      if (!groups.is_truncated) {
        return OkStatus();
      }
      options.marker = groups.next_marker;
    }
  }

  // The permissions boundary `boundary_arn` of a user or role, compiled; null when it has
  // none. A boundary policy that is gone or no longer parses allows nothing.
  Result<std::shared_ptr<const eval::CompiledPolicy>> Boundary(store::ReadTxn& txn,
                                                               const std::string& boundary_arn) {
    std::shared_ptr<const eval::CompiledPolicy> compiled;
    if (boundary_arn.empty()) {
      return compiled;
    }
    auto boundary = txn.GetManagedPolicy(boundary_arn);
    if (boundary.has_value()) {
      IAM_ASSIGN_OR_RETURN(compiled, CompileManaged(txn, *boundary, policy::PolicyKind::kBoundary));
    } else if (boundary.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(boundary).error());
    }
    if (!compiled) {
      // NotAction "*" matches no action.
      auto none = eval::ParseAndCompilePolicy(
          R"({"Version":"2012-10-17","Statement":)"
          R"([{"Effect":"Allow","NotAction":"*","Resource":"*"}]})",
          boundary_arn, policy::ParseOptions{policy::PolicyKind::kBoundary, false});
      if (none.has_value()) {
        compiled = *std::move(none);
      }
    }
    return compiled;
  }

  // aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType
  // and aws:PrincipalTag/*.
  static void SetPrincipalKeys(const store::User& user, eval::RequestContext& ctx) {
    ctx.Set("aws:username", user.name);
    ctx.Set("aws:userid", user.id);
    ctx.Set("aws:PrincipalArn", user.arn);
    ctx.Set("aws:PrincipalAccount", user.account_id);
    ctx.Set("aws:PrincipalType", "User");
    for (const store::Tag& tag : user.tags) {
      ctx.Set("aws:PrincipalTag/" + tag.key, tag.value);
    }
  }

  // The session policies of `session` (documents and ARNs) into `out`. A policy ARN that
  // is gone allows nothing (the session stays limited).
  Status AddSessionPolicies(store::ReadTxn& txn, const auth::Session& session,
                            std::vector<std::shared_ptr<const eval::CompiledPolicy>>& out) {
    for (std::size_t i = 0; i < session.policies.size(); ++i) {
      const std::string& doc = session.policies[i];
      auto compiled =
          Compile("session\n" + doc, doc, "session-policy", policy::PolicyKind::kSession);
      out.push_back(compiled ? compiled : AllowNothing("session-policy"));
    }
    for (const std::string& arn : session.policy_arns) {
      std::shared_ptr<const eval::CompiledPolicy> compiled;
      auto managed = txn.GetManagedPolicy(arn);
      if (managed.has_value()) {
        IAM_ASSIGN_OR_RETURN(compiled, CompileManaged(txn, *managed, policy::PolicyKind::kSession));
      } else if (managed.error().code != ErrorCode::kNotFound) {
        return MakeError(std::move(managed).error());
      }
      out.push_back(compiled ? compiled : AllowNothing(arn));
    }
    return OkStatus();
  }

  static std::shared_ptr<const eval::CompiledPolicy> AllowNothing(const std::string& id) {
    auto none =
        eval::ParseAndCompilePolicy(R"({"Version":"2012-10-17","Statement":)"
                                    R"([{"Effect":"Allow","NotAction":"*","Resource":"*"}]})",
                                    id, policy::ParseOptions{policy::PolicyKind::kSession, false});
    return none.has_value() ? *std::move(none) : nullptr;
  }

  // The keys every session adds: aws:TokenIssueTime, aws:SourceIdentity, session tags
  // (over the principal's own) and aws:MultiFactorAuthPresent "false" (BuildContext sets
  // "true" when the session proved MFA).
  static void SetSessionKeys(const auth::Session& session, eval::RequestContext& ctx) {
    TextBuffer buffer{};
    ctx.Set("aws:TokenIssueTime", FormatIso8601(session.issued_at, buffer));
    if (!session.source_identity.empty()) {
      ctx.Set("aws:SourceIdentity", session.source_identity);
    }
    for (const auto& [key, value] : session.tags) {
      ctx.Set("aws:PrincipalTag/" + key, value);
    }
    ctx.Set("aws:MultiFactorAuthPresent", "false");
  }

  // An assumed-role session: the role's policies, boundary and tags.
  Status BuildRoleSession(store::ReadTxn& txn, const auth::Caller& caller, PrincipalEntry& entry) {
    const auth::Session& session = *caller.session;
    auto role = txn.GetRole(caller.account_id, session.role_name);
    if (!role.has_value()) {
      if (role.error().code != ErrorCode::kNotFound) {
        return MakeError(std::move(role).error());
      }
      return OkStatus();  // the role is gone: its sessions can do nothing
    }
    if (!session.role_id.empty() && role->id != session.role_id) {
      return OkStatus();  // a new role of the same name is not the session's
    }
    entry.found = true;
    eval::PolicySetInput input;
    const store::PrincipalRef ref{store::PrincipalKind::kRole, role->account_id, role->name};
    IAM_RETURN_IF_ERROR(AddInline(txn, ref, "role/" + role->name, input.identity));
    IAM_RETURN_IF_ERROR(AddAttached(txn, ref, input.identity));
    IAM_ASSIGN_OR_RETURN(input.permissions_boundary, Boundary(txn, role->permissions_boundary_arn));
    IAM_RETURN_IF_ERROR(AddSessionPolicies(txn, session, input.session));
    entry.policies = eval::CompiledPolicySet(std::move(input));
    eval::RequestContext& ctx = entry.base_context;
    ctx.Set("aws:userid", caller.principal_id);
    ctx.Set("aws:PrincipalArn", role->arn);
    ctx.Set("aws:PrincipalAccount", role->account_id);
    ctx.Set("aws:PrincipalType", "AssumedRole");
    for (const store::Tag& tag : role->tags) {
      ctx.Set("aws:PrincipalTag/" + tag.key, tag.value);
    }
    SetSessionKeys(session, ctx);
    return OkStatus();
  }

  // A GetSessionToken session (acts as its user) or a federated user (its user's
  // policies within the session policies).
  Status BuildUserSession(store::ReadTxn& txn, const auth::Caller& caller, PrincipalEntry& entry) {
    const auth::Session& session = *caller.session;
    const std::string& user_name = caller.type == auth::PrincipalType::kFederatedUser
                                       ? session.source_user_name
                                       : caller.user_name;
    if (user_name.empty()) {
      // A federated user of the root user: everything, within the session policies.
      const auto root = RootEntry(caller);
      entry.found = true;
      eval::PolicySetInput input = root->policies.policies();
      IAM_RETURN_IF_ERROR(AddSessionPolicies(txn, session, input.session));
      entry.policies = eval::CompiledPolicySet(std::move(input));
      entry.base_context.Set("aws:userid", caller.principal_id);
      entry.base_context.Set("aws:PrincipalArn", caller.arn);
      entry.base_context.Set("aws:PrincipalAccount", caller.account_id);
      entry.base_context.Set("aws:PrincipalType", "FederatedUser");
      SetSessionKeys(session, entry.base_context);
      return OkStatus();
    }
    auto user = txn.GetUser(caller.account_id, user_name);
    if (!user.has_value()) {
      if (user.error().code != ErrorCode::kNotFound) {
        return MakeError(std::move(user).error());
      }
      return OkStatus();
    }
    entry.found = true;
    eval::PolicySetInput input;
    IAM_RETURN_IF_ERROR(AddUserPolicies(txn, *user, input.identity));
    IAM_ASSIGN_OR_RETURN(input.permissions_boundary, Boundary(txn, user->permissions_boundary_arn));
    if (caller.type == auth::PrincipalType::kFederatedUser) {
      IAM_RETURN_IF_ERROR(AddSessionPolicies(txn, session, input.session));
    }
    entry.policies = eval::CompiledPolicySet(std::move(input));
    eval::RequestContext& ctx = entry.base_context;
    SetPrincipalKeys(*user, ctx);
    if (caller.type == auth::PrincipalType::kFederatedUser) {
      ctx.Erase("aws:username");
      ctx.Set("aws:userid", caller.principal_id);
      ctx.Set("aws:PrincipalArn", caller.arn);
      ctx.Set("aws:PrincipalType", "FederatedUser");
    }
    SetSessionKeys(session, ctx);
    return OkStatus();
  }

  // The root user's identity side when a resource policy is evaluated: everything.
  std::shared_ptr<const PrincipalEntry> RootEntry(const auth::Caller& caller) {
    auto entry = std::make_shared<PrincipalEntry>();
    entry->found = true;
    auto all = eval::ParseAndCompilePolicy(
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})",
        "root", policy::ParseOptions{policy::PolicyKind::kIdentity, false});
    eval::PolicySetInput input;
    if (all.has_value()) {
      input.identity.push_back(*std::move(all));
    }
    entry->policies = eval::CompiledPolicySet(std::move(input));
    entry->base_context.Set("aws:userid", caller.account_id);
    entry->base_context.Set("aws:PrincipalArn", caller.arn);
    entry->base_context.Set("aws:PrincipalAccount", caller.account_id);
    entry->base_context.Set("aws:PrincipalType", "Account");
    return entry;
  }

  // Reads the caller's policies in one snapshot and caches the compiled set under `key`.
  Result<std::shared_ptr<const PrincipalEntry>> Build(const auth::Caller& caller,
                                                      const std::string& key,
                                                      std::uint64_t generation) {
    IAM_ASSIGN_OR_RETURN(std::unique_ptr<store::ReadTxn> txn, store.BeginRead());
    auto entry = std::make_shared<PrincipalEntry>();
    entry->generation = generation;
    if (caller.session && caller.type == auth::PrincipalType::kAssumedRole) {
      IAM_RETURN_IF_ERROR(BuildRoleSession(*txn, caller, *entry));
    } else if (caller.session && (caller.type == auth::PrincipalType::kFederatedUser ||
                                  caller.type == auth::PrincipalType::kUser)) {
      IAM_RETURN_IF_ERROR(BuildUserSession(*txn, caller, *entry));
    } else {
      auto user = txn->GetUser(caller.account_id, caller.user_name);
      if (user.has_value()) {
        entry->found = true;
        eval::PolicySetInput input;
        IAM_RETURN_IF_ERROR(AddUserPolicies(*txn, *user, input.identity));
        IAM_ASSIGN_OR_RETURN(input.permissions_boundary,
                             Boundary(*txn, user->permissions_boundary_arn));
        entry->policies = eval::CompiledPolicySet(std::move(input));
        SetPrincipalKeys(*user, entry->base_context);
      } else if (user.error().code != ErrorCode::kNotFound) {
        return MakeError(std::move(user).error());
      }
    }
    entry->reads_resource_tags = entry->policies.ReadsContextKeyPrefix("aws:resourcetag/") ||
                                 entry->policies.ReadsContextKeyPrefix("iam:resourcetag/");
    std::shared_ptr<const PrincipalEntry> result = entry;
    std::unique_lock lock(mu);
    if (principals.size() >= kMaxPrincipals) {
      principals.clear();
    }
    auto it = principals.find(key);
    if (it == principals.end()) {
      principals.emplace(key, result);
    } else if (it->second->generation <= generation) {
      it->second = result;  // a concurrent build from an older snapshot loses
    }
    return result;
  }

  // The caller's cache entry, built when missing or stale.
  Result<std::shared_ptr<const PrincipalEntry>> EntryFor(const auth::Caller& caller) {
    const std::string& key =
        caller.session && caller.session_token.has_value() ? *caller.session_token : caller.arn;
    const std::uint64_t generation = store.Generation();
    std::shared_ptr<const PrincipalEntry> entry = FindPrincipal(key, generation);
    if (!entry) {
      IAM_ASSIGN_OR_RETURN(entry, Build(caller, key, generation));
    }
    return entry;
  }
};

Authorizer::Authorizer(store::IdentityStore& store, EnforcementMode mode,
                       std::function<void(const SoftDeny&)> on_soft_deny)
    : impl_(std::make_unique<Impl>(store, mode, std::move(on_soft_deny))) {}

Authorizer::~Authorizer() = default;

EnforcementMode Authorizer::mode() const {
  return impl_->mode;
}

void Authorizer::Clear() {
  std::unique_lock lock(impl_->mu);
  impl_->principals.clear();
  impl_->policies.clear();
}

AccessTracker& Authorizer::access_tracker() {
  return impl_->tracker;
}

std::size_t Authorizer::CompiledPolicyCountForTest() const {
  std::shared_lock lock(impl_->mu);
  return impl_->policies.size();
}

std::size_t Authorizer::CompileCountForTest() const {
  return impl_->compile_count.load(std::memory_order_relaxed);
}

Result<eval::PolicySetInput> Authorizer::PoliciesOf(store::ReadTxn& txn,
                                                    const store::PrincipalRef& ref) {
  Impl& impl = *impl_;
  eval::PolicySetInput input;
  std::string boundary_arn;
  if (ref.kind == store::PrincipalKind::kUser) {
    IAM_ASSIGN_OR_RETURN(store::User user, txn.GetUser(ref.account_id, ref.name));
    IAM_RETURN_IF_ERROR(impl.AddUserPolicies(txn, user, input.identity));
    boundary_arn = std::move(user.permissions_boundary_arn);
  } else {
    IAM_ASSIGN_OR_RETURN(auto stored, StoredNameAndBoundary(txn, ref));
    const store::PrincipalRef own{ref.kind, ref.account_id, stored.first};
    const std::string owner = std::string(store::PrincipalKindName(ref.kind)) + "/" + stored.first;
    IAM_RETURN_IF_ERROR(impl.AddInline(txn, own, owner, input.identity));
    IAM_RETURN_IF_ERROR(impl.AddAttached(txn, own, input.identity));
    boundary_arn = std::move(stored.second);
  }
  IAM_ASSIGN_OR_RETURN(input.permissions_boundary, impl.Boundary(txn, boundary_arn));
  return input;
}

Status Authorizer::Authorize(const auth::Caller& caller, const RequestInfo& info,
                             const AuthzRequest& request, const ResourceSide* resource) {
  const eval::CompiledPolicy* resource_policy = resource != nullptr ? resource->policy : nullptr;
  Impl& impl = *impl_;
  if (caller.type != auth::PrincipalType::kRoot) {
    impl.tracker.Record(caller.account_id, caller.arn, request.action, info.region, info.time);
  }
  if (impl.mode == EnforcementMode::kOff) {
    return OkStatus();
  }
  if (caller.session && request.action.size() > 4 &&
      EqualsIgnoreCase(request.action.substr(0, 4), "iam:") &&
      (caller.type == auth::PrincipalType::kFederatedUser ||
       ((caller.type == auth::PrincipalType::kUser || caller.type == auth::PrincipalType::kRoot) &&
        !caller.mfa_authenticated_at.has_value()))) {
    // AWS: STS API Reference, GetSessionToken ("cannot call any IAM API operations unless
    // MFA authentication information is included") and GetFederationToken ("cannot call
    // any IAM operations"); IAM answers InvalidClientTokenId.
    return MakeError(Error{ErrorCode::kUnauthenticated,
                           "The security token included in the request is invalid.",
                           std::nullopt,
                           {},
                           "InvalidClientTokenId"});
  }
  std::shared_ptr<const PrincipalEntry> entry;
  if (caller.type == auth::PrincipalType::kRoot) {
    if (resource_policy == nullptr) {
      // The root user is not limited by identity policies (no SCPs yet).
      return OkStatus();
    }
    entry = impl.RootEntry(caller);
  } else {
    IAM_ASSIGN_OR_RETURN(entry, impl.EntryFor(caller));
  }

  // One Request and Decision per thread: their buffers are reused across calls, and
  // when a thread serves the same principal again with the same connection facts in the
  // same second (and no operation keys), the context built last time is reused as is.
  thread_local eval::Request req;
  thread_local eval::Decision decision;
  thread_local ContextKey last;
  req.principal.assign(caller.arn);
  req.principal_account.assign(caller.account_id);
  req.action.assign(request.action);
  req.resource.assign(request.resource_arn);
  req.resource_account.assign(resource != nullptr && !resource->account.empty()
                                  ? resource->account
                                  : std::string_view(caller.account_id));
  const std::int64_t epoch =
      std::chrono::floor<std::chrono::seconds>(info.time.time_since_epoch()).count();
  std::optional<std::int64_t> mfa_epoch;
  if (caller.mfa_authenticated_at.has_value()) {
    mfa_epoch =
        std::chrono::floor<std::chrono::seconds>(caller.mfa_authenticated_at->time_since_epoch())
            .count();
  }
  if (!request.context.empty() || !last.Matches(entry, info, epoch, mfa_epoch)) {
    BuildContext(*entry, info, epoch, mfa_epoch, request, req.context);
    if (request.context.empty()) {
      last.Set(entry, info, epoch, mfa_epoch);
    } else {
      last.Reset();
    }
  }

  eval::Verdict verdict = eval::Verdict::kImplicitDeny;
  if (entry->found) {
    eval::Evaluate(req, entry->policies, resource_policy, eval::EvaluateOptions{false}, decision);
    verdict = decision.verdict;
    if (verdict == eval::Verdict::kAllow) {
      return OkStatus();
    }
    // Denied: evaluate again, explaining, to name what decided it.
    eval::Evaluate(req, entry->policies, resource_policy, eval::EvaluateOptions{true}, decision);
    verdict = decision.verdict;
  } else {
    decision.Clear();
  }

  if (impl.mode == EnforcementMode::kSoft) {
    if (impl.on_soft_deny) {
      impl.on_soft_deny(MakeSoftDeny(caller, info, request, verdict, decision));
    }
    return OkStatus();
  }
  return MakeError(
      AccessDenied(caller, request, verdict,
                   DeniedBy(verdict, decision, entry->policies.policies(),
                            req.resource_account != std::string_view(caller.account_id))));
}

Status Authorizer::AuthorizeFederated(std::string_view principal, const RequestInfo& info,
                                      const AuthzRequest& request, const ResourceSide& resource) {
  Impl& impl = *impl_;
  if (impl.mode == EnforcementMode::kOff) {
    return OkStatus();
  }
  static const PrincipalEntry kNoIdentity;  // no policies, no principal keys
  eval::Request req;
  req.principal = std::string(principal);
  req.principal_account = std::string(resource.account);
  req.action = std::string(request.action);
  req.resource = std::string(request.resource_arn);
  req.resource_account = std::string(resource.account);
  const std::int64_t epoch =
      std::chrono::floor<std::chrono::seconds>(info.time.time_since_epoch()).count();
  BuildContext(kNoIdentity, info, epoch, std::nullopt, request, req.context);
  eval::Decision decision;
  if (resource.policy != nullptr) {
    eval::Evaluate(req, kNoIdentity.policies, resource.policy, eval::EvaluateOptions{true},
                   decision);
  }
  if (resource.policy != nullptr && decision.verdict == eval::Verdict::kAllow) {
    return OkStatus();
  }
  if (impl.mode == EnforcementMode::kSoft) {
    if (impl.on_soft_deny) {
      auth::Caller who;
      who.arn = std::string(principal);
      impl.on_soft_deny(MakeSoftDeny(who, info, request, decision.verdict, decision));
    }
    return OkStatus();
  }
  return MakeError(Error{ErrorCode::kPermissionDenied,
                         "Not authorized to perform " + std::string(request.action),
                         std::nullopt,
                         {},
                         "AccessDenied"});
}

bool Authorizer::ReadsResourceTags(const auth::Caller& caller) {
  if (caller.type == auth::PrincipalType::kRoot || impl_->mode == EnforcementMode::kOff) {
    return false;
  }
  auto entry = impl_->EntryFor(caller);
  // On an error, say yes: Authorize will meet the same error.
  return !entry.has_value() || (*entry)->reads_resource_tags;
}

Result<bool> Authorizer::ExplicitlyDenied(const auth::Caller& caller, const RequestInfo& info,
                                          const AuthzRequest& request) {
  Impl& impl = *impl_;
  if (caller.type == auth::PrincipalType::kRoot) {
    return false;
  }
  IAM_ASSIGN_OR_RETURN(std::shared_ptr<const PrincipalEntry> entry, impl.EntryFor(caller));
  if (!entry->found) {
    return false;
  }
  eval::Request req;
  req.principal = caller.arn;
  req.principal_account = caller.account_id;
  req.action = std::string(request.action);
  req.resource = std::string(request.resource_arn);
  req.resource_account = caller.account_id;
  const std::int64_t epoch =
      std::chrono::floor<std::chrono::seconds>(info.time.time_since_epoch()).count();
  BuildContext(*entry, info, epoch, std::nullopt, request, req.context);
  eval::Decision decision;
  eval::Evaluate(req, entry->policies, nullptr, eval::EvaluateOptions{false}, decision);
  return decision.verdict == eval::Verdict::kExplicitDeny;
}

}  // namespace portcullis::api::authz
