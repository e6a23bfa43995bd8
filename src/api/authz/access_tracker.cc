// AccessTracker: see access_tracker.h.
//
// Memory: account id -> principal ARN -> action -> last attempt, under one mutex. The hot
// path (Record) looks entries up by string_view and allocates only for a principal or
// action it has not seen before. ARNs become principal keys only when activity is read or
// persisted.
#include "api/authz/access_tracker.h"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/records.h"

namespace portcullis::api::authz {
namespace {

// Above this many (principal, action) entries in memory, new ones are dropped until the
// next persist frees memory; bounds what a flood of distinct actions can cost.
constexpr std::size_t kMaxEntries = 1000000;

struct StringHash {
  using is_transparent = void;

  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

struct AccountState {
  bool dirty = false;
  StringMap<StringMap<LastAccess>> principals;  // by ARN
};

// Keeps the later of `into` and `from`.
void MergeInto(LastAccess& into, const LastAccess& from) {
  if (from.time_ms > into.time_ms) {
    into = from;
  }
}

AccountActivity Parse(const std::string& body) {
  AccountActivity out;
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return out;
  }
  auto principals = json.find("principals");
  if (principals == json.end() || !principals->is_object()) {
    return out;
  }
  for (const auto& [principal, actions] : principals->items()) {
    if (!actions.is_object()) {
      continue;
    }
    for (const auto& [action, access] : actions.items()) {
      if (!access.is_object()) {
        continue;
      }
      LastAccess last;
      if (auto t = access.find("t"); t != access.end() && t->is_number_integer()) {
        last.time_ms = t->get<std::int64_t>();
      }
      if (auto r = access.find("r"); r != access.end() && r->is_string()) {
        last.region = r->get<std::string>();
      }
      MergeInto(out[principal][action], last);
    }
  }
  return out;
}

std::string Serialize(const AccountActivity& activity) {
  nlohmann::json principals = nlohmann::json::object();
  for (const auto& [principal, actions] : activity) {
    nlohmann::json a = nlohmann::json::object();
    for (const auto& [action, last] : actions) {
      a[action] = {{"t", last.time_ms}, {"r", last.region}};
    }
    principals[principal] = std::move(a);
  }
  nlohmann::json body = {{"principals", std::move(principals)}};
  return body.dump();
}

// "IAM:GetUser" -> "iam:GetUser".
std::string NormalizeAction(std::string_view action) {
  std::string out(action);
  const std::size_t colon = out.find(':');
  for (std::size_t i = 0; i < colon && i < out.size(); ++i) {
    const char c = out[i];
    if (c >= 'A' && c <= 'Z') {
      out[i] = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace

std::string PrincipalKey(std::string_view arn) {
  // arn:PARTITION:SERVICE::ACCOUNT:RESOURCE
  std::size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string_view::npos) {
      return {};
    }
    ++pos;
  }
  const std::string_view service = arn.substr(0, pos);
  const std::string_view resource = arn.substr(pos);
  auto last_segment = [](std::string_view r) { return r.substr(r.rfind('/') + 1); };
  if (service.find(":iam:") != std::string_view::npos) {
    if (resource.starts_with("user/")) {
      return "user/" + store::NameKey(last_segment(resource));
    }
    if (resource.starts_with("role/")) {
      return "role/" + store::NameKey(last_segment(resource));
    }
    return {};
  }
  if (service.find(":sts:") != std::string_view::npos && resource.starts_with("assumed-role/")) {
    std::string_view rest = resource.substr(std::string_view("assumed-role/").size());
    return "role/" + store::NameKey(rest.substr(0, rest.find('/')));
  }
  return {};
}

struct AccessTracker::Impl {
  store::IdentityStore& store;
  std::mutex mu;
  StringMap<AccountState> accounts;  // guarded by mu
  std::size_t entries = 0;           // guarded by mu

  explicit Impl(store::IdentityStore& s) : store(s) {}

  // The account's in-memory activity by principal key; clears its dirty flag when `take`.
  AccountActivity MemoryActivity(std::string_view account_id, bool take, bool* was_dirty) {
    AccountActivity out;
    std::lock_guard lock(mu);
    auto it = accounts.find(account_id);
    if (it == accounts.end()) {
      *was_dirty = false;
      return out;
    }
    *was_dirty = it->second.dirty;
    if (take) {
      it->second.dirty = false;
    }
    for (const auto& [arn, actions] : it->second.principals) {
      const std::string key = PrincipalKey(arn);
      for (const auto& [action, last] : actions) {
        MergeInto(out[key][action], last);
      }
    }
    return out;
  }

  static Result<AccountActivity> Stored(store::ReadTxn& txn, std::string_view account_id) {
    auto stored = txn.GetResource(store::ResourceKind::kReport, account_id, kAccessActivityKey);
    if (stored.has_value()) {
      return Parse(stored->body);
    }
    if (stored.error().code == ErrorCode::kNotFound) {
      return AccountActivity{};
    }
    return MakeError(std::move(stored).error());
  }
};

AccessTracker::AccessTracker(store::IdentityStore& store) : impl_(std::make_unique<Impl>(store)) {}

AccessTracker::~AccessTracker() {
  // Shutdown: what cannot be saved now is lost, as after a crash.
  (void)PersistAll();
}

void AccessTracker::Record(std::string_view account_id, std::string_view principal_arn,
                           std::string_view action, std::string_view region,
                           std::chrono::system_clock::time_point time) {
  const std::int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::lock_guard lock(impl_->mu);
  auto account = impl_->accounts.find(account_id);
  if (account == impl_->accounts.end()) {
    account = impl_->accounts.emplace(std::string(account_id), AccountState{}).first;
  }
  auto principal = account->second.principals.find(principal_arn);
  if (principal == account->second.principals.end()) {
    if (PrincipalKey(principal_arn).empty()) {
      return;
    }
    principal =
        account->second.principals.emplace(std::string(principal_arn), StringMap<LastAccess>{})
            .first;
  }
  std::string normalized;
  if (std::any_of(action.begin(), action.begin() + std::min(action.find(':'), action.size()),
                  [](char c) { return c >= 'A' && c <= 'Z'; })) {
    normalized = NormalizeAction(action);
    action = normalized;
  }
  auto entry = principal->second.find(action);
  if (entry == principal->second.end()) {
    if (impl_->entries >= kMaxEntries) {
      return;
    }
    ++impl_->entries;
    entry = principal->second.emplace(std::string(action), LastAccess{}).first;
  }
  if (ms >= entry->second.time_ms) {
    entry->second.time_ms = ms;
    if (entry->second.region != region) {
      entry->second.region.assign(region);
    }
    account->second.dirty = true;
  }
}

Result<AccountActivity> AccessTracker::Activity(store::ReadTxn& txn, std::string_view account_id) {
  IAM_ASSIGN_OR_RETURN(AccountActivity out, Impl::Stored(txn, account_id));
  bool dirty = false;
  for (const auto& [principal, actions] : impl_->MemoryActivity(account_id, false, &dirty)) {
    for (const auto& [action, last] : actions) {
      MergeInto(out[principal][action], last);
    }
  }
  return out;
}

Status AccessTracker::Persist(store::WriteTxn& txn, std::string_view account_id) {
  bool dirty = false;
  AccountActivity memory = impl_->MemoryActivity(account_id, true, &dirty);
  // Written even when nothing is new since the last Persist: a transaction retried after
  // kAborted must write it again.
  if (memory.empty()) {
    return OkStatus();
  }
  IAM_ASSIGN_OR_RETURN(AccountActivity merged, Impl::Stored(txn, account_id));
  for (const auto& [principal, actions] : memory) {
    for (const auto& [action, last] : actions) {
      MergeInto(merged[principal][action], last);
    }
  }
  store::Resource resource;
  resource.kind = store::ResourceKind::kReport;
  resource.account_id = std::string(account_id);
  resource.key = std::string(kAccessActivityKey);
  resource.body = Serialize(merged);
  auto existing = txn.GetResource(resource.kind, account_id, resource.key);
  if (existing.has_value()) {
    IAM_RETURN_IF_ERROR(txn.UpdateResource(std::move(resource)));
    return OkStatus();
  }
  if (existing.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(existing).error());
  }
  IAM_RETURN_IF_ERROR(txn.PutResource(std::move(resource)));
  return OkStatus();
}

Status AccessTracker::PersistAll() {
  std::vector<std::string> dirty;
  {
    std::lock_guard lock(impl_->mu);
    for (const auto& [account_id, state] : impl_->accounts) {
      if (state.dirty) {
        dirty.push_back(account_id);
      }
    }
  }
  for (const std::string& account_id : dirty) {
    IAM_ASSIGN_OR_RETURN(auto txn, impl_->store.BeginWrite());
    auto account = txn->GetAccount(account_id);
    if (!account.has_value()) {
      continue;  // the account is gone (or unreadable): nothing to keep
    }
    IAM_RETURN_IF_ERROR(Persist(*txn, account_id));
    IAM_RETURN_IF_ERROR(txn->Commit());
  }
  return OkStatus();
}

void AccessTracker::Clear() {
  std::lock_guard lock(impl_->mu);
  impl_->accounts.clear();
  impl_->entries = 0;
}

}  // namespace portcullis::api::authz
