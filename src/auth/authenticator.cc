// Authenticator: see authenticator.h.
//
// The cache maps an access key id to what the store said about it (status, opened
// secret, the Caller it signs as), stamped with the store generation read before the
// snapshot it came from. On the hot path (generation unchanged) a request takes a
// shared lock, copies one shared_ptr and runs no store transaction. The first request of
// each minute per key writes the key's last use (one write transaction, outside every
// lock, best effort), so GetAccessKeyLastUsed shows it as soon as that request returns.
#include "auth/authenticator.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "auth/session_token.h"
#include "auth/sigv4/errors.h"
#include "auth/sigv4/s3_query_v2.h"
#include "store/records.h"

namespace portcullis::auth {
namespace {

// Above this many cached keys the cache is emptied and refilled on demand.
constexpr std::size_t kMaxCachedKeys = 100000;
// How often a key's last use is written.
constexpr std::chrono::milliseconds kLastUsedInterval = std::chrono::minutes(1);

struct StringHash {
  using is_transparent = void;

  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

struct KeyEntry {
  std::uint64_t generation = 0;
  sigv4::KeyStatus status = sigv4::KeyStatus::kNotFound;
  std::string secret;  // set for kActive
  Caller caller;       // set for kActive (without session_token)
  // Milliseconds since the epoch of the last recorded use; shared by the entries of one
  // key so a rebuilt entry does not record again within the minute.
  std::shared_ptr<std::atomic<std::int64_t>> last_recorded;
};

}  // namespace

struct Authenticator::Impl {
  using VerifyFn = std::function<Result<sigv4::Authenticated>(std::chrono::sys_seconds now,
                                                              const sigv4::SecretLookupFn& lookup)>;

  store::IdentityStore& store;
  const crypto::SecretBox& box;
  const Clock& clock;
  SessionTokenCodec tokens{box};

  std::shared_mutex mu;
  std::unordered_map<std::string, std::shared_ptr<const KeyEntry>, StringHash, std::equal_to<>>
      keys;  // guarded by mu
  // Last-recorded stamps by key id, kept across cache rebuilds (not across Clear()).
  std::unordered_map<std::string, std::shared_ptr<std::atomic<std::int64_t>>, StringHash,
                     std::equal_to<>>
      stamps;  // guarded by mu

  Impl(store::IdentityStore& s, const crypto::SecretBox& b, const Clock& c)
      : store(s), box(b), clock(c) {}

  std::shared_ptr<const KeyEntry> Find(std::string_view key_id, std::uint64_t generation) {
    std::shared_lock lock(mu);
    auto it = keys.find(key_id);
    if (it != keys.end() && it->second->generation == generation) {
      return it->second;
    }
    return nullptr;
  }

  Result<std::shared_ptr<const KeyEntry>> Load(std::string_view key_id, std::uint64_t generation) {
    auto entry = std::make_shared<KeyEntry>();
    entry->generation = generation;
    IAM_ASSIGN_OR_RETURN(std::unique_ptr<store::ReadTxn> txn, store.BeginRead());
    auto key = txn->GetAccessKey(key_id);
    if (!key.has_value()) {
      if (key.error().code != ErrorCode::kNotFound) {
        return MakeError(std::move(key).error());
      }
    } else if (key->status == store::AccessKeyStatus::kInactive) {
      entry->status = sigv4::KeyStatus::kInactive;
    } else {
      Caller& caller = entry->caller;
      caller.account_id = key->account_id;
      caller.access_key_id = key->id;
      bool found = true;
      if (key->user_name.empty()) {
        caller.type = PrincipalType::kRoot;
        caller.arn = "arn:aws:iam::" + key->account_id + ":root";
        caller.principal_id = key->account_id;
      } else {
        auto user = txn->GetUser(key->account_id, key->user_name);
        if (!user.has_value()) {
          if (user.error().code != ErrorCode::kNotFound) {
            return MakeError(std::move(user).error());
          }
          found = false;  // the key of a deleted user
        } else {
          caller.type = PrincipalType::kUser;
          caller.arn = user->arn;
          caller.principal_id = user->id;
          caller.user_name = user->name;
        }
      }
      if (found) {
        auto secret = box.Open(key->sealed_secret, key->id);
        if (!secret.has_value()) {
          // The message names no secret; the key cannot sign.
          return MakeError(ErrorCode::kInternal, "sealed secret of an access key does not open");
        }
        entry->secret = *std::move(secret);
        entry->status = sigv4::KeyStatus::kActive;
      }
    }
    std::shared_ptr<const KeyEntry> result;
    std::unique_lock lock(mu);
    if (keys.size() >= kMaxCachedKeys) {
      keys.clear();
    }
    if (stamps.size() >= kMaxCachedKeys) {
      stamps.clear();
    }
    if (entry->status == sigv4::KeyStatus::kActive) {
      auto& stamp = stamps[std::string(key_id)];
      if (!stamp) {
        stamp = std::make_shared<std::atomic<std::int64_t>>(INT64_MIN);
      }
      entry->last_recorded = stamp;
    }
    result = entry;
    auto it = keys.find(key_id);
    if (it == keys.end()) {
      keys.emplace(std::string(key_id), result);
    } else if (it->second->generation <= generation) {
      it->second = result;
    }
    return result;
  }

  // Verifies with `verify`, which gets the time and the secret lookup (temporary keys from
  // their session token, long-term keys from the cache or the store), and builds the Caller.
  Result<Caller> Run(const VerifyFn& verify, sigv4::Authenticated* signature_out) {
    const std::chrono::system_clock::time_point now = clock.Now();
    std::shared_ptr<const KeyEntry> entry;
    std::optional<SessionCredentials> temporary;
    auto lookup =
        [this, &entry, &temporary, now](
            std::string_view access_key_id,
            std::optional<std::string_view> session_token) -> Result<sigv4::SecretLookup> {
      if (session_token.has_value()) {
        // AWS: a long-term (AKIA) key with X-Amz-Security-Token, or a token that is not
        // ours, is InvalidClientTokenId; an expired one is ExpiredToken.
        if (!access_key_id.starts_with("ASIA")) {
          return sigv4::SecretLookup{};
        }
        auto opened = tokens.Open(*session_token, now);
        if (!opened.has_value() || opened->access_key_id != access_key_id) {
          return sigv4::SecretLookup{};
        }
        if (now >= opened->caller.session->expires_at) {
          return MakeError(
              sigv4::AuthError(sigv4::kExpiredToken, std::string(sigv4::kExpiredTokenMessage)));
        }
        sigv4::SecretLookup found;
        found.status = sigv4::KeyStatus::kActive;
        found.secret_access_key = opened->secret_access_key;
        temporary = *std::move(opened);
        return found;
      }
      const std::uint64_t generation = store.Generation();
      entry = Find(access_key_id, generation);
      if (!entry) {
        IAM_ASSIGN_OR_RETURN(entry, Load(access_key_id, generation));
      }
      sigv4::SecretLookup found;
      found.status = entry->status;
      if (entry->status == sigv4::KeyStatus::kActive) {
        found.secret_access_key = entry->secret;
      }
      return found;
    };
    IAM_ASSIGN_OR_RETURN(sigv4::Authenticated signer,
                         verify(std::chrono::floor<std::chrono::seconds>(now), lookup));
    if (temporary.has_value()) {
      Caller caller = std::move(temporary->caller);
      caller.access_key_id = signer.access_key_id;
      caller.session_token = signer.session_token;
      if (signature_out != nullptr) {
        *signature_out = std::move(signer);
      }
      return caller;
    }
    if (!entry || entry->status != sigv4::KeyStatus::kActive) {
      // INVARIANT: verification succeeds only after the lookup found an active key.
      return MakeError(sigv4::AuthError(sigv4::kInvalidClientTokenId,
                                        std::string(sigv4::kInvalidClientTokenIdMessage)));
    }
    MaybeRecordUse(*entry, signer, now);
    Caller caller = entry->caller;
    caller.session_token = signer.session_token;
    if (signature_out != nullptr) {
      *signature_out = std::move(signer);
    }
    return caller;
  }

  void MaybeRecordUse(const KeyEntry& entry, const sigv4::Authenticated& signer,
                      std::chrono::system_clock::time_point now) {
    if (!entry.last_recorded) {
      return;
    }
    const std::int64_t now_ms =
        std::chrono::floor<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::int64_t last = entry.last_recorded->load(std::memory_order_relaxed);
    if (last != INT64_MIN && now_ms - last < kLastUsedInterval.count()) {
      return;
    }
    if (!entry.last_recorded->compare_exchange_strong(last, now_ms, std::memory_order_relaxed)) {
      return;  // another thread records this minute's use
    }
    // Best effort: a failed write (writer busy, key deleted meanwhile) loses one record.
    auto txn = store.BeginWrite();
    if (!txn.has_value()) {
      return;
    }
    const store::Timestamp when{std::chrono::milliseconds(now_ms)};
    if ((*txn)
            ->RecordAccessKeyUse(signer.access_key_id, when, signer.service, signer.region)
            .has_value()) {
      (void)(*txn)->Commit();
    }
  }
};

Authenticator::Authenticator(store::IdentityStore& store, const crypto::SecretBox& box,
                             const Clock& clock)
    : impl_(std::make_unique<Impl>(store, box, clock)) {}

Authenticator::~Authenticator() = default;

void Authenticator::Clear() {
  std::unique_lock lock(impl_->mu);
  impl_->keys.clear();
  impl_->stamps.clear();
}

Result<Caller> Authenticator::Authenticate(const sigv4::HttpRequest& request,
                                           std::optional<std::string> expected_service,
                                           sigv4::Authenticated* signature_out) {
  sigv4::VerifyOptions options;
  options.expected_service = std::move(expected_service);
  return impl_->Run(
      [&request, &options](std::chrono::sys_seconds now, const sigv4::SecretLookupFn& lookup) {
        return sigv4::Verify(request, now, lookup, options);
      },
      signature_out);
}

Result<Caller> Authenticator::AuthenticateS3QueryV2(const sigv4::HttpRequest& request,
                                                    sigv4::Authenticated* signature_out) {
  return impl_->Run(
      [&request](std::chrono::sys_seconds now, const sigv4::SecretLookupFn& lookup) {
        return sigv4::VerifyS3QueryV2(request, now, lookup);
      },
      signature_out);
}

}  // namespace portcullis::auth
