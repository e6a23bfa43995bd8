// Accounts and their root credentials: see accounts.h.
#include "api/accounts/accounts.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "api/ids.h"
#include "store/records.h"

namespace portcullis::api::accounts {
namespace {

constexpr std::size_t kAccountIdLength = 12;
constexpr std::size_t kMinAccessKeyIdLength = 16;
constexpr std::size_t kMaxAccessKeyIdLength = 128;
constexpr std::size_t kMinSecretLength = 16;
// Attempts at drawing a random account id that is not taken.
constexpr int kRandomIdAttempts = 8;

bool IsDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsUpperAlnum(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

Status ValidateOptions(const CreateAccountOptions& options) {
  if (!options.account_id.empty() &&
      (options.account_id.size() != kAccountIdLength || !IsDigits(options.account_id))) {
    return MakeError(ErrorCode::kInvalidArgument, "account id must be 12 digits");
  }
  if (!options.access_key_id.empty() && (options.access_key_id.size() < kMinAccessKeyIdLength ||
                                         options.access_key_id.size() > kMaxAccessKeyIdLength ||
                                         !IsUpperAlnum(options.access_key_id))) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "access key id must be 16 to 128 characters of [A-Z0-9]");
  }
  if (!options.secret_access_key.empty() && options.secret_access_key.size() < kMinSecretLength) {
    // The secret itself never appears in the message.
    return MakeError(ErrorCode::kInvalidArgument,
                     "secret access key must be at least 16 characters");
  }
  return OkStatus();
}

store::AccessKey RootKey(const crypto::SecretBox& box, std::string_view account_id,
                         std::string_view key_id, std::string_view secret) {
  store::AccessKey key;
  key.id = std::string(key_id);
  key.account_id = std::string(account_id);
  key.status = store::AccessKeyStatus::kActive;
  key.sealed_secret = box.Seal(secret, key_id);
  return key;
}

// Inserts the account and its root key in `txn`. The caller commits.
Result<RootCredentials> CreateIn(store::WriteTxn& txn, const crypto::SecretBox& box,
                                 const CreateAccountOptions& options) {
  IAM_RETURN_IF_ERROR(ValidateOptions(options));
  RootCredentials creds;
  creds.access_key_id = options.access_key_id.empty() ? NewAccessKeyId() : options.access_key_id;
  creds.secret_access_key =
      options.secret_access_key.empty() ? NewSecretAccessKey() : options.secret_access_key;

  if (options.account_id.empty()) {
    for (int i = 0; i < kRandomIdAttempts && creds.account_id.empty(); ++i) {
      std::string candidate = NewAccountId();
      auto existing = txn.GetAccount(candidate);
      if (existing.has_value()) {
        continue;
      }
      if (existing.error().code != ErrorCode::kNotFound) {
        return MakeError(std::move(existing).error());
      }
      creds.account_id = std::move(candidate);
    }
    if (creds.account_id.empty()) {
      return MakeError(ErrorCode::kInternal, "no free account id found");
    }
  } else {
    creds.account_id = options.account_id;
  }

  auto key_taken = txn.GetAccessKey(creds.access_key_id);
  if (key_taken.has_value()) {
    return MakeError(store::AlreadyExistsError("access key id is already in use"));
  }
  if (key_taken.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(key_taken).error());
  }

  store::Account account;
  account.id = creds.account_id;
  account.alias = options.alias;
  IAM_RETURN_IF_ERROR(txn.PutAccount(std::move(account)));
  IAM_RETURN_IF_ERROR(txn.PutAccessKey(
      RootKey(box, creds.account_id, creds.access_key_id, creds.secret_access_key)));
  return creds;
}

// Makes sure the fixed development root key exists for `account_id`, is Active and
// holds the given secret. Returns whether it changed anything (the caller commits).
Result<bool> EnsureDevelopmentKey(store::WriteTxn& txn, const crypto::SecretBox& box,
                                  std::string_view account_id, const BootstrapOptions& options) {
  auto existing = txn.GetAccessKey(options.access_key_id);
  if (!existing.has_value()) {
    if (existing.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(existing).error());
    }
    IAM_RETURN_IF_ERROR(txn.PutAccessKey(
        RootKey(box, account_id, options.access_key_id, options.secret_access_key)));
    return true;
  }
  if (existing->account_id != account_id || !existing->user_name.empty()) {
    return MakeError(
        store::AlreadyExistsError("root access key id is in use by another account or user"));
  }
  auto opened = box.Open(existing->sealed_secret, existing->id);
  const bool secret_matches = opened.has_value() && *opened == options.secret_access_key;
  if (!secret_matches) {
    // The development secret changed between starts (or the master key did): reseal.
    IAM_RETURN_IF_ERROR(txn.DeleteAccessKey(existing->id));
    IAM_RETURN_IF_ERROR(txn.PutAccessKey(
        RootKey(box, account_id, options.access_key_id, options.secret_access_key)));
    return true;
  }
  if (existing->status != store::AccessKeyStatus::kActive) {
    IAM_RETURN_IF_ERROR(txn.UpdateAccessKeyStatus(existing->id, store::AccessKeyStatus::kActive));
    return true;
  }
  return false;
}

}  // namespace

Result<RootCredentials> CreateAccount(store::IdentityStore& store, const crypto::SecretBox& box,
                                      const CreateAccountOptions& options) {
  IAM_RETURN_IF_ERROR(ValidateOptions(options));
  IAM_ASSIGN_OR_RETURN(std::unique_ptr<store::WriteTxn> txn, store.BeginWrite());
  IAM_ASSIGN_OR_RETURN(RootCredentials creds, CreateIn(*txn, box, options));
  IAM_RETURN_IF_ERROR(txn->Commit());
  return creds;
}

Result<BootstrapResult> Bootstrap(store::IdentityStore& store, const crypto::SecretBox& box,
                                  const BootstrapOptions& options) {
  const bool fixed_credentials = !options.access_key_id.empty();
  if (fixed_credentials != !options.secret_access_key.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "root access key id and secret access key must be given together");
  }
  CreateAccountOptions create;
  create.account_id = options.account_id;
  create.access_key_id = options.access_key_id;
  create.secret_access_key = options.secret_access_key;
  IAM_RETURN_IF_ERROR(ValidateOptions(create));

  IAM_ASSIGN_OR_RETURN(std::unique_ptr<store::WriteTxn> txn, store.BeginWrite());
  IAM_ASSIGN_OR_RETURN(std::vector<store::Account> accounts, txn->ListAccounts());

  BootstrapResult result;
  if (accounts.empty()) {
    IAM_ASSIGN_OR_RETURN(RootCredentials creds, CreateIn(*txn, box, create));
    IAM_RETURN_IF_ERROR(txn->Commit());
    result.first_account_id = creds.account_id;
    if (!fixed_credentials) {
      result.created = std::move(creds);
    }
    return result;
  }

  // The first account: the configured one when it exists, else the lowest id.
  std::string first = accounts.front().id;
  if (!options.account_id.empty()) {
    auto configured = std::find_if(accounts.begin(), accounts.end(), [&](const store::Account& a) {
      return a.id == options.account_id;
    });
    if (configured != accounts.end()) {
      first = configured->id;
    }
  }
  result.first_account_id = first;
  if (!fixed_credentials) {
    return result;  // nothing to change; the transaction rolls back
  }

  IAM_ASSIGN_OR_RETURN(const bool changed, EnsureDevelopmentKey(*txn, box, first, options));
  if (changed) {
    IAM_RETURN_IF_ERROR(txn->Commit());
  }
  return result;
}

}  // namespace portcullis::api::accounts
