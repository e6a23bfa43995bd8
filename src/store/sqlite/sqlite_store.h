// SqliteStore: the default IdentityStore, one SQLite database in a data directory.
//
// Layout: <data_dir>/portcullis.db (plus SQLite's -wal and -shm files beside it). The
// database runs in WAL mode with synchronous=FULL, so a committed write survives a crash
// or power loss; foreign keys are enforced. At open the numbered migrations embedded from
// src/store/migrations/ are applied, in one transaction, to bring the schema_version
// table up to date.
//
// Concurrency: one writer connection, guarded in process by a WriterGate; BeginWrite
// starts `BEGIN IMMEDIATE` and answers kAborted when the writer stays busy past the busy
// timeout (in this process or another). Readers take a read-only connection from a pool
// and see one snapshot for the transaction's life; they never block the writer.
// Ownership: the Clock must outlive the store; transactions must be destroyed before it.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string_view>

#include "common/clock.h"
#include "common/error.h"
#include "store/identity_store.h"

namespace portcullis::store::sqlite {

inline constexpr std::string_view kDatabaseFileName = "portcullis.db";

struct SqliteOptions {
  // How long a write waits for the writer, and any statement waits for a SQLite lock.
  std::chrono::milliseconds busy_timeout = std::chrono::seconds(5);
  // Idle read connections kept open for reuse.
  int max_idle_readers = 8;
};

// Opens (creating when missing, mode 0700) the data directory `data_dir` and its
// database, and applies pending migrations. kUnavailable if the directory or database
// cannot be opened; kFailedPrecondition if the database's schema is newer than this
// binary's migrations; kAborted if another process holds the writer lock past the busy
// timeout.
[[nodiscard]] Result<std::unique_ptr<IdentityStore>> OpenSqliteStore(
    const std::filesystem::path& data_dir, const Clock& clock, const SqliteOptions& options = {});

// The highest migration version this binary carries.
int LatestSchemaVersion();

}  // namespace portcullis::store::sqlite
