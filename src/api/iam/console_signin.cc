#include "api/iam/console_signin.h"

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/mfa.h"
#include "crypto/password_hash.h"
#include "crypto/secret_box.h"

namespace portcullis::api::iam {
namespace {

constexpr std::size_t kMaxMemberBytes = 512;

struct SignInState {
  int failures = 0;
  std::int64_t locked_until_ms = 0;
};

std::int64_t Millis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

SignInState ReadState(const store::Resource& resource) {
  SignInState state;
  const nlohmann::json j =
      nlohmann::json::parse(resource.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return state;
  }
  if (auto it = j.find("Failures"); it != j.end() && it->is_number_integer()) {
    state.failures = it->get<int>();
  }
  if (auto it = j.find("LockedUntil"); it != j.end() && it->is_number_integer()) {
    state.locked_until_ms = it->get<std::int64_t>();
  }
  return state;
}

std::string WriteState(const SignInState& state) {
  nlohmann::json j = nlohmann::json::object();
  j["Failures"] = state.failures;
  j["LockedUntil"] = state.locked_until_ms;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The stored state of `user_name`, or nullopt when there is none.
Result<std::optional<store::Resource>> FindState(store::ReadTxn& txn, std::string_view account_id,
                                                 std::string_view user_name) {
  auto found =
      txn.GetResource(store::ResourceKind::kSignInState, account_id, store::NameKey(user_name));
  if (found.has_value()) {
    return std::optional<store::Resource>(*std::move(found));
  }
  if (found.error().code == ErrorCode::kNotFound) {
    return std::optional<store::Resource>();
  }
  return MakeError(std::move(found).error());
}

Status SaveState(store::WriteTxn& txn, std::string_view account_id, const std::string& user_name,
                 const SignInState& state) {
  IAM_ASSIGN_OR_RETURN(auto existing, FindState(txn, account_id, user_name));
  store::Resource resource;
  resource.kind = store::ResourceKind::kSignInState;
  resource.account_id = std::string(account_id);
  resource.key = store::NameKey(user_name);
  resource.user_name = user_name;
  resource.body = WriteState(state);
  if (existing.has_value()) {
    IAM_RETURN_IF_ERROR(txn.UpdateResource(std::move(resource)));
  } else {
    IAM_RETURN_IF_ERROR(txn.PutResource(std::move(resource)));
  }
  return OkStatus();
}

// Counts one failed attempt of `user_name`; the kSignInMaxFailures-th locks it out.
Status RecordFailure(store::WriteTxn& txn, std::string_view account_id,
                     const std::string& user_name, std::chrono::system_clock::time_point now) {
  IAM_ASSIGN_OR_RETURN(auto existing, FindState(txn, account_id, user_name));
  SignInState state = existing.has_value() ? ReadState(*existing) : SignInState{};
  if (state.locked_until_ms != 0 && state.locked_until_ms <= Millis(now)) {
    state = SignInState{};  // an expired lockout starts the count afresh
  }
  state.failures += 1;
  if (state.failures >= kSignInMaxFailures) {
    state.failures = 0;
    state.locked_until_ms = Millis(now + kSignInLockout);
  }
  return SaveState(txn, account_id, user_name, state);
}

// An argon2id hash of nothing anyone knows, verified against when there is no real hash,
// so that an unknown account, user or login profile takes as long as a wrong password.
const std::string& DummyHash() {
  static const std::string kHash = [] {
    std::string secret(32, '\0');
    crypto::RandomBytes(reinterpret_cast<std::uint8_t*>(secret.data()), secret.size());
    return crypto::HashPassword(secret).value_or(std::string());
  }();
  return kHash;
}

bool IsAccountId(std::string_view text) {
  if (text.size() != 12) {
    return false;
  }
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

// The account `account` names (its id, or an alias), or nullopt.
Result<std::optional<std::string>> ResolveAccount(store::ReadTxn& txn, std::string_view account) {
  if (IsAccountId(account)) {
    auto found = txn.GetAccount(account);
    if (found.has_value()) {
      return std::optional<std::string>(found->id);
    }
    if (found.error().code == ErrorCode::kNotFound) {
      return std::optional<std::string>();
    }
    return MakeError(std::move(found).error());
  }
  IAM_ASSIGN_OR_RETURN(const std::vector<store::Account> accounts, txn.ListAccounts());
  for (const store::Account& a : accounts) {
    auto alias = txn.GetResource(store::ResourceKind::kAccountAlias, a.id, account);
    if (alias.has_value()) {
      return std::optional<std::string>(a.id);
    }
    if (alias.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(alias).error());
    }
  }
  return std::optional<std::string>();
}

ConsoleSignInResult Refused(std::string reason, std::optional<auth::Caller> identity = {}) {
  ConsoleSignInResult result;
  result.reason = std::move(reason);
  result.identity = std::move(identity);
  return result;
}

auth::Caller IdentityOf(const store::User& user) {
  auth::Caller caller;
  caller.type = auth::PrincipalType::kUser;
  caller.account_id = user.account_id;
  caller.arn = user.arn;
  caller.principal_id = user.id;
  caller.user_name = user.name;
  return caller;
}

// What the read phase found.
struct Found {
  std::optional<store::User> user;
  std::optional<store::LoginProfile> profile;
  std::optional<store::PasswordPolicy> policy;
  SignInState state;
  bool has_mfa = false;
};

Result<Found> ReadPhase(store::IdentityStore& store, const ConsoleSignInRequest& request) {
  Found found;
  IAM_ASSIGN_OR_RETURN(auto txn, store.BeginRead());
  IAM_ASSIGN_OR_RETURN(const std::optional<std::string> account_id,
                       ResolveAccount(*txn, request.account));
  if (!account_id.has_value()) {
    return found;
  }
  auto user = txn->GetUser(*account_id, request.user);
  if (!user.has_value()) {
    if (user.error().code == ErrorCode::kNotFound) {
      return found;
    }
    return MakeError(std::move(user).error());
  }
  found.user = *std::move(user);
  auto profile = txn->GetLoginProfile(*account_id, found.user->name);
  if (profile.has_value()) {
    found.profile = *std::move(profile);
  } else if (profile.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(profile).error());
  }
  auto policy = txn->GetPasswordPolicy(*account_id);
  if (policy.has_value()) {
    found.policy = *std::move(policy);
  } else if (policy.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(policy).error());
  }
  IAM_ASSIGN_OR_RETURN(auto state, FindState(*txn, *account_id, found.user->name));
  if (state.has_value()) {
    found.state = ReadState(*state);
  }
  IAM_ASSIGN_OR_RETURN(const auto devices,
                       EnabledMfaDevices(*txn, *account_id, MfaOwner{false, found.user->name}));
  found.has_mfa = !devices.empty();
  return found;
}

// Counts one failed attempt of `user` in its own transaction.
Status CountFailure(store::IdentityStore& store, const store::User& user,
                    std::chrono::system_clock::time_point now) {
  return WithWriteTxn(store, [&](store::WriteTxn& txn) -> Status {
    return RecordFailure(txn, user.account_id, user.name, now);
  });
}

enum class Expiry : std::uint8_t { kNone, kSoft, kHard };

// Whether the password is older than the policy's MaxPasswordAge, and whether HardExpiry
// keeps the user from changing it (AWS: only an administrator can then reset it).
Expiry PasswordExpiry(const Found& found, std::chrono::system_clock::time_point now) {
  if (!found.policy.has_value() || found.policy->max_password_age <= 0) {
    return Expiry::kNone;
  }
  const auto expires =
      found.profile->password_last_changed + std::chrono::days(found.policy->max_password_age);
  if (std::chrono::floor<std::chrono::milliseconds>(now) < expires) {
    return Expiry::kNone;
  }
  return found.policy->hard_expiry ? Expiry::kHard : Expiry::kSoft;
}

// Whether one of the user's enabled devices accepts `code` (recording its step).
Result<bool> AcceptAnyDevice(store::WriteTxn& txn, const crypto::SecretBox& box, const Clock& clock,
                             const store::User& user, const std::string& code) {
  IAM_ASSIGN_OR_RETURN(const auto devices,
                       EnabledMfaDevices(txn, user.account_id, MfaOwner{false, user.name}));
  for (const store::Resource& device : devices) {
    IAM_ASSIGN_OR_RETURN(const bool accepted, AcceptMfaCode(txn, box, clock, device, code));
    if (accepted) {
      return true;
    }
  }
  return false;
}

// A successful sign-in in `txn`: the failure count cleared, PasswordLastUsed set.
Status RecordSuccess(store::WriteTxn& txn, const store::User& user,
                     std::chrono::system_clock::time_point now) {
  IAM_ASSIGN_OR_RETURN(auto state, FindState(txn, user.account_id, user.name));
  if (state.has_value()) {
    IAM_RETURN_IF_ERROR(
        txn.DeleteResource(store::ResourceKind::kSignInState, user.account_id, state->key));
  }
  IAM_ASSIGN_OR_RETURN(store::User stored, txn.GetUser(user.account_id, user.name));
  stored.password_last_used = std::chrono::floor<std::chrono::milliseconds>(now);
  IAM_RETURN_IF_ERROR(txn.UpdateUser(std::move(stored)));
  return OkStatus();
}

// The last step, in one transaction: when `has_mfa`, `code` must be accepted by one of
// the user's devices (else the failure is counted and the answer is false); then the
// success is recorded.
Result<bool> FinishSignIn(store::IdentityStore& store, const crypto::SecretBox& box,
                          const Clock& clock, const store::User& user, bool has_mfa,
                          const std::string& code, std::chrono::system_clock::time_point now) {
  bool mfa_ok = !has_mfa;
  Status written = WithWriteTxn(store, [&](store::WriteTxn& txn) -> Status {
    mfa_ok = !has_mfa;
    if (has_mfa) {
      IAM_ASSIGN_OR_RETURN(mfa_ok, AcceptAnyDevice(txn, box, clock, user, code));
      if (!mfa_ok) {
        return RecordFailure(txn, user.account_id, user.name, now);
      }
    }
    return RecordSuccess(txn, user, now);
  });
  IAM_RETURN_IF_ERROR(written);
  return mfa_ok;
}

}  // namespace

Result<ConsoleSignInRequest> ParseConsoleSignInRequest(std::string_view body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "the request body is not a JSON object");
  }
  auto member = [&](const char* name, bool required) -> Result<std::optional<std::string>> {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) {
      if (required) {
        return MakeError(ErrorCode::kInvalidArgument, std::string("missing member `") + name + "`");
      }
      return std::optional<std::string>();
    }
    if (!it->is_string()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string("member `") + name + "` is not a string");
    }
    const auto& text = it->get_ref<const std::string&>();
    if (text.empty() || text.size() > kMaxMemberBytes) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string("member `") + name + "` must have 1 to 512 bytes");
    }
    return std::optional<std::string>(text);
  };
  ConsoleSignInRequest request;
  IAM_ASSIGN_OR_RETURN(auto account, member("account", true));
  IAM_ASSIGN_OR_RETURN(auto user, member("user", true));
  IAM_ASSIGN_OR_RETURN(auto password, member("password", true));
  IAM_ASSIGN_OR_RETURN(request.mfa_code, member("mfaCode", false));
  request.account = std::move(*account);
  request.user = std::move(*user);
  request.password = std::move(*password);
  return request;
}

Result<ConsoleSignInResult> ConsoleSignIn(store::IdentityStore& store,
                                          authz::Authorizer& authorizer,
                                          const crypto::SecretBox& box, const Clock& clock,
                                          const RequestInfo& info,
                                          const ConsoleSignInRequest& request) {
  const auto now = clock.Now();
  IAM_ASSIGN_OR_RETURN(Found found, ReadPhase(store, request));
  if (!found.user.has_value() || !found.profile.has_value()) {
    (void)crypto::VerifyPassword(request.password, DummyHash());
    if (!found.user.has_value()) {
      return Refused("InvalidCredentials");
    }
    IAM_RETURN_IF_ERROR(CountFailure(store, *found.user, now));
    return Refused("InvalidCredentials", IdentityOf(*found.user));
  }
  const store::User& user = *found.user;
  const auth::Caller identity = IdentityOf(user);
  if (found.state.locked_until_ms > Millis(now)) {
    return Refused("LockedOut", identity);
  }
  if (!crypto::VerifyPassword(request.password, found.profile->password_hash)) {
    IAM_RETURN_IF_ERROR(CountFailure(store, user, now));
    return Refused("InvalidCredentials", identity);
  }
  const Expiry expiry = PasswordExpiry(found, now);
  if (expiry == Expiry::kHard) {
    return Refused("PasswordExpired", identity);
  }
  if (found.has_mfa && !request.mfa_code.has_value()) {
    return Refused("MfaRequired", identity);
  }
  IAM_ASSIGN_OR_RETURN(const bool denied,
                       authorizer.ExplicitlyDenied(
                           identity, info, authz::AuthzRequest{kConsoleLoginAction, user.arn, {}}));
  if (denied) {
    return Refused("AccessDenied", identity);
  }
  IAM_ASSIGN_OR_RETURN(const bool mfa_ok,
                       FinishSignIn(store, box, clock, user, found.has_mfa,
                                    request.mfa_code.value_or(std::string()), now));
  if (!mfa_ok) {
    return Refused("InvalidMfaCode", identity);
  }
  ConsoleSignInResult result;
  result.ok = true;
  result.identity = identity;
  result.mfa_used = found.has_mfa;
  result.password_reset_required =
      found.profile->password_reset_required || expiry == Expiry::kSoft;
  return result;
}

std::string RenderConsoleSignInResult(const ConsoleSignInResult& result) {
  nlohmann::json j = nlohmann::json::object();
  if (result.ok) {
    j["result"] = "ok";
    if (result.identity.has_value()) {
      j["accountId"] = result.identity->account_id;
      j["userName"] = result.identity->user_name;
      j["arn"] = result.identity->arn;
    }
    j["mfaAuthenticated"] = result.mfa_used;
    j["passwordResetRequired"] = result.password_reset_required;
  } else {
    j["result"] = "denied";
    j["reason"] = result.reason;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace portcullis::api::iam
