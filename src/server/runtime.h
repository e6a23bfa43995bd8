// Runtime: everything a request needs that a dev-mode reset rebuilds: the identity
// store, the Authenticator, the Authorizer and the services (IamService, StsService).
//
// OpenRuntime opens the store (SQLite in the data directory, or an empty memory store),
// seeds the AWS managed policies and runs accounts::Bootstrap. It also opens the S3 object
// store (<data_dir>/s3, or in memory): only one process may hold it, so a second server on
// the same data directory serves IAM and STS and answers S3 requests ServiceUnavailable.
// WipeRuntimeState deletes the SQLite database files (the runtime using them must be destroyed
// first). Ownership: the SecretBox and the Clock are borrowed and must outlive the Runtime.
// Thread-safety: the parts are thread-safe; the Runtime is not replaced while a request
// uses it (the Router's lock sees to that).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "api/accounts/accounts.h"
#include "api/authz/authorizer.h"
#include "api/iam/iam_service.h"
#include "api/s3/s3_service.h"
#include "api/service.h"
#include "api/sts/sts_service.h"
#include "auth/authenticator.h"
#include "common/clock.h"
#include "common/error.h"
#include "crypto/secret_box.h"
#include "server/config.h"
#include "store/identity_store.h"

#include "objects/object_store.h"
#include "workload/workload_service.h"

namespace portcullis::server {

struct RuntimeOptions {
  StoreKind store = StoreKind::kSqlite;
  std::filesystem::path data_dir;
  api::authz::EnforcementMode enforcement = api::authz::EnforcementMode::kEnforce;
  std::function<void(const api::authz::SoftDeny&)> on_soft_deny;
  api::accounts::BootstrapOptions bootstrap;
  api::iam::IamQuotas iam_quotas;
  api::sts::StsOptions sts;
  api::s3::S3ServiceOptions s3;
};

class Runtime {
 public:
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  Runtime(Runtime&&) = delete;
  Runtime& operator=(Runtime&&) = delete;

  store::IdentityStore& store() { return *store_; }

  auth::Authenticator& authenticator() { return *authenticator_; }

  api::authz::Authorizer& authorizer() { return *authorizer_; }

  api::iam::IamService& iam() { return *iam_; }

  // Workload credentials (docs/workload-credentials.md); a reset drops their cache.
  workload::WorkloadService& workloads() { return *workloads_; }

  // The S3 service, or nullptr when its object store could not be opened (another
  // process holds the data directory's S3 store; s3_unavailable() says why).
  api::s3::S3Service* s3() { return s3_.get(); }

  const std::string& s3_unavailable() const { return s3_unavailable_; }

  // The service a SigV4 scope names ("iam", "sts"), or nullptr when Portcullis has none.
  api::Service* FindService(std::string_view name);

  // What Bootstrap reported at open.
  const api::accounts::BootstrapResult& bootstrap() const { return bootstrap_; }

 private:
  friend Result<std::unique_ptr<Runtime>> OpenRuntime(const RuntimeOptions& options,
                                                      const crypto::SecretBox& box,
                                                      const Clock& clock);
  Runtime() = default;

  // Destroyed in reverse: services before the store they borrow.
  std::unique_ptr<store::IdentityStore> store_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<api::authz::Authorizer> authorizer_;
  std::unique_ptr<api::iam::IamService> iam_;
  std::unique_ptr<api::sts::StsService> sts_;
  std::unique_ptr<workload::WorkloadService> workloads_;
  std::unique_ptr<objects::ObjectStore> objects_;
  std::unique_ptr<api::s3::S3Service> s3_;
  std::string s3_unavailable_;
  api::accounts::BootstrapResult bootstrap_;
};

// Opens the store, seeds AWS managed policies and bootstraps the first account. Errors
// from the store, the seeding or Bootstrap, with context.
[[nodiscard]] Result<std::unique_ptr<Runtime>> OpenRuntime(const RuntimeOptions& options,
                                                           const crypto::SecretBox& box,
                                                           const Clock& clock);

// Opens the store alone (for `portcullis account create`).
[[nodiscard]] Result<std::unique_ptr<store::IdentityStore>> OpenStore(const RuntimeOptions& options,
                                                                      const Clock& clock);

// Deletes the persistent state of `options` (SQLite: the database and its -wal/-shm
// files, and the S3 store's directory; memory: nothing). kUnavailable when a file cannot be
// removed.
[[nodiscard]] Status WipeRuntimeState(const RuntimeOptions& options);

}  // namespace portcullis::server
