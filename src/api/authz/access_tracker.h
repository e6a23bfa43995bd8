// AccessTracker: which actions each IAM user and role of an account attempted, when and
// in which region: the data behind IAM's access advisor (GenerateServiceLastAccessedDetails
// and friends).
//
// AWS: IAM User Guide, "Refining permissions in AWS using last accessed information": the
// data "includes all attempts to access an AWS API, not just the successful ones", so the
// authorizer records every request it is asked about for a user (or, later, a role
// session), whether it allows it or not. The root user is not tracked (access advisor
// reports on users, groups, roles and policies only).
//
// Persistence: recording happens on the request path and must not write the store (every
// committed write bumps the store generation and invalidates the authorizer's caches). The
// tracker keeps the latest access per (principal, action) in memory and writes an
// account's activity into the store only when asked: in the write transaction that stores
// an access-advisor job (Persist), and once per account with unsaved activity when the
// tracker is destroyed at shutdown (PersistAll). The stored form is one kReport resource
// per account, key "access-activity"; reads merge it with memory, keeping the later access
// of each action, so several nodes sharing one store also converge. Activity recorded since
// the last persist is lost when the process dies without shutting down; AWS itself only
// promises that recent activity "usually appears within four hours".
//
// Thread-safety: every member may be called concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"
#include "store/identity_store.h"

namespace portcullis::api::authz {

// The last attempt of one action.
struct LastAccess {
  std::int64_t time_ms = 0;  // epoch milliseconds
  std::string region;        // the request's SigV4 region; may be empty

  bool operator==(const LastAccess&) const = default;
};

// principal key ("user/<NameKey>" or "role/<NameKey>") -> action ("iam:GetUser", service
// prefix in lower case) -> last attempt.
using AccountActivity = std::map<std::string, std::map<std::string, LastAccess>>;

// The key the tracker files principal ARN `arn` under: "user/<NameKey(name)>" for
// arn:aws:iam::ACCOUNT:user/PATH/NAME, "role/<NameKey(name)>" for a role or an assumed-role
// session (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION); empty for anything else.
std::string PrincipalKey(std::string_view arn);

class AccessTracker {
 public:
  // Borrows `store`, which must outlive the tracker.
  explicit AccessTracker(store::IdentityStore& store);
  // Persists every account with unsaved activity (PersistAll); errors are dropped.
  ~AccessTracker();
  AccessTracker(const AccessTracker&) = delete;
  AccessTracker& operator=(const AccessTracker&) = delete;
  AccessTracker(AccessTracker&&) = delete;
  AccessTracker& operator=(AccessTracker&&) = delete;

  // Records that principal `principal_arn` of `account_id` attempted `action` at `time` in
  // `region`. Principals PrincipalKey does not know are ignored. Never touches the store.
  void Record(std::string_view account_id, std::string_view principal_arn, std::string_view action,
              std::string_view region, std::chrono::system_clock::time_point time);

  // The account's activity: what `txn` holds merged with what memory holds.
  [[nodiscard]] Result<AccountActivity> Activity(store::ReadTxn& txn, std::string_view account_id);

  // Writes the account's merged activity into `txn` when memory holds any for it, and
  // marks it persisted; the caller commits. Memory keeps everything, so what a
  // transaction that fails to commit held is written again by the next Persist.
  [[nodiscard]] Status Persist(store::WriteTxn& txn, std::string_view account_id);

  // Persists, each in its own write transaction, every account with unsaved activity.
  [[nodiscard]] Status PersistAll();

  // Forgets everything held in memory (not what is stored).
  void Clear();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The key of the stored activity (kReport resources).
inline constexpr std::string_view kAccessActivityKey = "access-activity";

}  // namespace portcullis::api::authz
