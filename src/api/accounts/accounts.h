// Accounts and their root credentials.
//
// A server holds many 12-digit accounts. CreateAccount adds one with a root access key
// (AKIA..., secret sealed with the SecretBox; the plaintext is returned once, to print).
// Bootstrap runs at every start: when the store has no account it creates the first one
// (id and root credentials from the options when given, for development) and returns
// its credentials so the server prints them once; otherwise it makes sure fixed
// development credentials, when given, exist and are active, and returns nothing to
// print.
// Thread-safety: each call runs its own write transaction.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "crypto/secret_box.h"
#include "store/identity_store.h"

namespace portcullis::api::accounts {

struct RootCredentials {
  std::string account_id;
  std::string access_key_id;
  std::string secret_access_key;  // plaintext: print once, never log
};

struct CreateAccountOptions {
  std::string account_id;         // empty: a random 12-digit id
  std::string alias;              // empty: none
  std::string access_key_id;      // empty: a random AKIA... id
  std::string secret_access_key;  // empty: a random 40-character secret
};

// kAlreadyExists when the account id or the access key id is taken; kInvalidArgument
// for an account id that is not 12 digits, a key id that is not 16 to 128 characters of
// [A-Z0-9], or a secret shorter than 16 characters.
[[nodiscard]] Result<RootCredentials> CreateAccount(store::IdentityStore& store,
                                                    const crypto::SecretBox& box,
                                                    const CreateAccountOptions& options);

struct BootstrapOptions {
  std::string account_id;         // PORTCULLIS_ACCOUNT_ID
  std::string access_key_id;      // PORTCULLIS_ROOT_ACCESS_KEY_ID
  std::string secret_access_key;  // PORTCULLIS_ROOT_SECRET_ACCESS_KEY
};

struct BootstrapResult {
  std::string first_account_id;
  // Set only when this call created the first account with generated credentials.
  std::optional<RootCredentials> created;
};

[[nodiscard]] Result<BootstrapResult> Bootstrap(store::IdentityStore& store,
                                                const crypto::SecretBox& box,
                                                const BootstrapOptions& options);

}  // namespace portcullis::api::accounts
