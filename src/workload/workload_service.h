// Workload credentials: role credentials for code that runs with an instance profile and
// holds no stored key (docs/workload-credentials.md).
//
// A workload is registered to an instance profile of its account by a principal allowed
// iam:PassRole on the profile's role (AWS's rule for giving a role to an instance) and is
// given a bearer token, shown once; the store keeps only the token's SHA-256 (the token
// holds 256 random bits, so a fast hash is enough). It is a store::Resource of kind
// kWorkload keyed by its id ("i-" + 17 hex digits, like an EC2 instance id), body JSON
// {"InstanceProfileName", "RoleArn", "TokenSha256", "ImdsSourceIp", "CreatedBy"}.
//
// Credentials: a session of the profile's current role named for the workload id
// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/i-...), lasting kCredentialSeconds, issued only
// when the role's trust policy allows ec2.amazonaws.com (or ecs-tasks.amazonaws.com)
// sts:AssumeRole. They are cached per workload and the same credentials are answered
// until less than kRefreshSeconds remain; then fresh ones are issued (rotation before
// expiry: the SDKs refresh 15 and 10 minutes before). A role change in the profile
// issues fresh ones at once.
//
// IMDS: the instance metadata listener knows which workload asks by the connection's
// peer address, which a workload may claim at registration (ImdsSourceIp; one workload
// per address across the server). IMDSv2 session tokens are sealed (SecretBox derived
// for "imds-token") over the workload, the peer address and the expiry: stateless.
// Thread-safety: every member may run concurrently (the cache has its own mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "api/authz/authorizer.h"
#include "api/request_info.h"
#include "auth/caller.h"
#include "auth/session_token.h"
#include "common/clock.h"
#include "common/error.h"
#include "crypto/secret_box.h"
#include "store/identity_store.h"

namespace portcullis::workload {

inline constexpr std::int64_t kCredentialSeconds = std::int64_t{6} * 3600;
inline constexpr std::int64_t kRefreshSeconds = 3600;
inline constexpr std::int64_t kMaxImdsTokenSeconds = 21600;
inline constexpr std::string_view kTokenPrefix = "pcw1.";

struct Workload {
  std::string account_id;
  std::string id;  // i-0123456789abcdef0
  std::string instance_profile_name;
  std::string role_arn;  // the profile's role at registration (deregistration checks it)
  std::string token_sha256;
  std::string imds_source_ip;  // empty: not served by the IMDS listener
  std::string created_by;
  store::Timestamp created;
};

struct Registration {
  Workload workload;
  std::string token;  // shown once
  std::string instance_profile_arn;
};

struct RoleCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string token;
  std::chrono::system_clock::time_point expiration;
  std::chrono::system_clock::time_point issued;
  std::string role_arn;
  std::string role_name;
  std::string assumed_role_arn;
  std::string instance_profile_arn;
  std::string instance_profile_id;
};

class WorkloadService {
 public:
  // Borrows everything; all must outlive the service.
  WorkloadService(store::IdentityStore& store, api::authz::Authorizer& authorizer,
                  const crypto::SecretBox& box, const Clock& clock);

  // Registers a workload to instance profile `profile_name` of the caller's account.
  // NoSuchEntity (profile), ValidationError (profile without a role, trust policy that
  // does not allow ec2.amazonaws.com, bad address), AccessDenied (iam:PassRole),
  // EntityAlreadyExists (address claimed by another workload).
  [[nodiscard]] Result<Registration> Register(const auth::Caller& caller,
                                              const api::RequestInfo& info,
                                              std::string_view profile_name,
                                              std::string_view imds_source_ip);

  // Deletes workload `id` of the caller's account: NoSuchEntity, AccessDenied
  // (iam:PassRole on the role it was registered with).
  [[nodiscard]] Status Deregister(const auth::Caller& caller, const api::RequestInfo& info,
                                  std::string_view id);

  // The workload a bearer token names; kUnauthenticated (aws_code
  // InvalidClientTokenId) for any token that is not a current one.
  [[nodiscard]] Result<Workload> Authenticate(std::string_view bearer_token);

  // The workload that claimed `peer_ip` for the IMDS listener, if any.
  [[nodiscard]] Result<std::optional<Workload>> FindByImdsAddress(std::string_view peer_ip);

  // The workload's current role credentials (cached; see the header comment).
  [[nodiscard]] Result<RoleCredentials> Credentials(const Workload& workload,
                                                    const api::RequestInfo& info);

  // IMDSv2 session tokens bound to `workload` and `peer_ip`, valid `ttl_seconds`.
  std::string IssueImdsToken(const Workload& workload, std::string_view peer_ip,
                             std::int64_t ttl_seconds) const;
  bool CheckImdsToken(std::string_view token, const Workload& workload,
                      std::string_view peer_ip) const;

  // A new workload id: "i-" + 17 lower-case hex digits.
  static std::string NewWorkloadId();

 private:
  [[nodiscard]] Status AuthorizePassRole(const auth::Caller& caller, const api::RequestInfo& info,
                                         const std::string& role_arn);
  store::IdentityStore& store_;
  api::authz::Authorizer& authorizer_;
  const crypto::SecretBox& box_;
  const Clock& clock_;
  auth::SessionTokenCodec tokens_;
  crypto::SecretBox imds_box_;
  std::mutex mutex_;
  std::map<std::string, RoleCredentials, std::less<>> cache_;  // guarded by mutex_
};

// Workload <-> store::Resource.
store::Resource ToResource(const Workload& workload);
[[nodiscard]] Result<Workload> FromResource(const store::Resource& resource);

}  // namespace portcullis::workload
