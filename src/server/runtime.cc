#include "server/runtime.h"

#include <string>
#include <system_error>
#include <utility>

#include "api/iam/aws_managed_policies.h"
#include "server/logging.h"
#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"

namespace portcullis::server {

Runtime::~Runtime() = default;

api::Service* Runtime::FindService(std::string_view name) {
  if (name == "iam") {
    return iam_.get();
  }
  if (name == "sts") {
    return sts_.get();
  }
  return nullptr;
}

Result<std::unique_ptr<store::IdentityStore>> OpenStore(const RuntimeOptions& options,
                                                        const Clock& clock) {
  if (options.store == StoreKind::kMemory) {
    return store::memory::NewMemoryStore(clock);
  }
  auto opened = store::sqlite::OpenSqliteStore(options.data_dir, clock);
  if (!opened.has_value()) {
    return MakeError(std::move(opened).error().WithContext("while opening the store in `" +
                                                           options.data_dir.string() + "`"));
  }
  return std::move(*opened);
}

Result<std::unique_ptr<Runtime>> OpenRuntime(const RuntimeOptions& options,
                                             const crypto::SecretBox& box, const Clock& clock) {
  std::unique_ptr<Runtime> runtime(new Runtime());
  IAM_ASSIGN_OR_RETURN(runtime->store_, OpenStore(options, clock));
  {
    IAM_ASSIGN_OR_RETURN(auto txn, runtime->store_->BeginWrite());
    auto seeded = api::iam::SeedAwsManagedPolicies(*txn);
    if (!seeded.has_value()) {
      return MakeError(std::move(seeded).error().WithContext("while seeding AWS managed policies"));
    }
    auto committed = txn->Commit();
    if (!committed.has_value()) {
      return MakeError(
          std::move(committed).error().WithContext("while seeding AWS managed policies"));
    }
  }
  auto boot = api::accounts::Bootstrap(*runtime->store_, box, options.bootstrap);
  if (!boot.has_value()) {
    return MakeError(std::move(boot).error().WithContext("while bootstrapping the first account"));
  }
  runtime->bootstrap_ = std::move(*boot);
  runtime->authenticator_ = std::make_unique<auth::Authenticator>(*runtime->store_, box, clock);
  runtime->authorizer_ = std::make_unique<api::authz::Authorizer>(
      *runtime->store_, options.enforcement, options.on_soft_deny);
  runtime->iam_ = std::make_unique<api::iam::IamService>(*runtime->store_, *runtime->authorizer_,
                                                         box, clock, options.iam_quotas);
  runtime->sts_ = std::make_unique<api::sts::StsService>(*runtime->store_, *runtime->authorizer_,
                                                         box, clock, options.sts);
  runtime->workloads_ = std::make_unique<workload::WorkloadService>(
      *runtime->store_, *runtime->authorizer_, box, clock);
  auto objects = options.store == StoreKind::kMemory
                     ? objects::NewMemoryObjectStore(clock)
                     : objects::OpenDiskObjectStore(options.data_dir, clock);
  if (objects.has_value()) {
    runtime->objects_ = std::move(*objects);
    runtime->s3_ = std::make_unique<api::s3::S3Service>(*runtime->objects_, *runtime->store_,
                                                        *runtime->authorizer_, options.s3);
  } else {
    runtime->s3_unavailable_ = objects.error().ToString();
    log::Warn("the S3 store is unavailable; S3 requests answer ServiceUnavailable",
              {{"error", runtime->s3_unavailable_}});
  }
  return runtime;
}

Status WipeRuntimeState(const RuntimeOptions& options) {
  if (options.store == StoreKind::kMemory) {
    return OkStatus();
  }
  const std::string base(store::sqlite::kDatabaseFileName);
  for (const std::string& name : {base, base + "-wal", base + "-shm", base + "-journal"}) {
    std::error_code ec;
    std::filesystem::remove(options.data_dir / name, ec);
    if (ec) {
      return MakeError(
          ErrorCode::kUnavailable,
          "cannot remove `" + (options.data_dir / name).string() + "`: " + ec.message());
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(options.data_dir / "s3", ec);
  if (ec) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot remove `" + (options.data_dir / "s3").string() + "`: " + ec.message());
  }
  return OkStatus();
}

}  // namespace portcullis::server
