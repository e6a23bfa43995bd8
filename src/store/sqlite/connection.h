// Connection and Query: a thin seam over one sqlite3 handle and its prepared statements.
//
// A Connection owns its handle and caches every statement it prepares (keyed by SQL
// text); a Query borrows a cached statement and resets it when destroyed, so a statement
// is reused without re-parsing. SQLite result codes become portcullis Errors here:
// busy/locked -> kAborted, unique/primary-key violations -> kAlreadyExists (aws_code
// EntityAlreadyExists), other constraints -> kFailedPrecondition, I/O and full disk ->
// kUnavailable, the rest -> kInternal.
// Thread-safety: a Connection (and its Queries) must be used by one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace portcullis::store::sqlite {

// Returns the Error for SQLite result code `rc` (extended codes understood).
Error SqliteError(int rc, std::string_view what);

class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query(Query&& other) noexcept;
  Query& operator=(Query&&) = delete;
  ~Query();

  // Bind the next positional parameter (1, 2, ...).
  Query& Bind(std::string_view text);
  Query& Bind(std::int64_t value);
  Query& Bind(const std::optional<std::int64_t>& value);  // nullopt binds NULL
  Query& BindBlob(const std::vector<std::uint8_t>& bytes);

  // Steps once: true when a row is ready, false when done.
  [[nodiscard]] Result<bool> Step();
  // Steps to the end, ignoring rows.
  [[nodiscard]] Status Run();

  std::string Text(int column) const;
  std::int64_t Int(int column) const;
  std::optional<std::int64_t> OptionalInt(int column) const;
  std::vector<std::uint8_t> Blob(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int next_ = 1;
  int bind_rc_ = 0;  // first failed bind, reported by Step
};

class Connection {
 public:
  // Opens `file` (created if `read_only` is false) with extended result codes and the
  // busy timeout set. kUnavailable if it cannot be opened.
  [[nodiscard]] static Result<std::unique_ptr<Connection>> Open(const std::filesystem::path& file,
                                                                bool read_only,
                                                                int busy_timeout_ms);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) = delete;
  Connection& operator=(Connection&&) = delete;
  ~Connection();

  // Runs one or more statements without parameters.
  [[nodiscard]] Status Exec(std::string_view sql);
  // Returns a Query over the cached statement for `sql` (one statement). The Query must
  // be destroyed before the next Prepare of the same text and before the Connection.
  [[nodiscard]] Result<Query> Prepare(std::string_view sql);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t Changes() const;

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
};

}  // namespace portcullis::store::sqlite
