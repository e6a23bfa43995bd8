// MemoryStore: an IdentityStore held in process memory, for tests and tools.
//
// Reads see an immutable snapshot (a shared_ptr to the state at BeginRead); a write
// transaction works on a private copy of the state and publishes it on Commit, so
// readers never block and never see partial writes. One write transaction at a time:
// BeginWrite waits up to `busy_timeout`, then answers kAborted. Nothing survives the
// store object. Behaviour (errors, ordering, markers) matches SqliteStore; one test suite
// runs against both.
#pragma once

#include <chrono>
#include <memory>

#include "common/clock.h"
#include "common/error.h"
#include "store/identity_store.h"

namespace portcullis::store::memory {

// Returns an empty store. `clock` stamps creation times and must outlive the store.
[[nodiscard]] Result<std::unique_ptr<IdentityStore>> NewMemoryStore(
    const Clock& clock, std::chrono::milliseconds busy_timeout = std::chrono::seconds(5));

}  // namespace portcullis::store::memory
