#include "store/sqlite/connection.h"

#include <sqlite3.h>
#include <utility>

#include "store/records.h"

namespace portcullis::store::sqlite {

Error SqliteError(int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error{ErrorCode::kAborted, std::move(message), std::nullopt, {}, {}};
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return AlreadyExistsError(std::move(message));
      }
      return Error{ErrorCode::kFailedPrecondition, std::move(message), std::nullopt, {}, {}};
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return Error{ErrorCode::kUnavailable, std::move(message), std::nullopt, {}, {}};
    default:
      return Error{ErrorCode::kInternal, std::move(message), std::nullopt, {}, {}};
  }
}

Query::Query(Query&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      next_(other.next_),
      bind_rc_(other.bind_rc_) {}

Query::~Query() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Query& Query::Bind(std::string_view text) {
  const int rc =
      sqlite3_bind_text64(stmt_, next_++, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) {
    bind_rc_ = rc;
  }
  return *this;
}

Query& Query::Bind(std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, next_++, value);
  if (bind_rc_ == SQLITE_OK) {
    bind_rc_ = rc;
  }
  return *this;
}

Query& Query::Bind(const std::optional<std::int64_t>& value) {
  if (value.has_value()) {
    return Bind(*value);
  }
  const int rc = sqlite3_bind_null(stmt_, next_++);
  if (bind_rc_ == SQLITE_OK) {
    bind_rc_ = rc;
  }
  return *this;
}

Query& Query::BindBlob(const std::vector<std::uint8_t>& bytes) {
  // A zero-length blob still binds a blob, not NULL.
  static constexpr std::uint8_t kEmpty = 0;
  const int rc = sqlite3_bind_blob64(stmt_, next_++, bytes.empty() ? &kEmpty : bytes.data(),
                                     bytes.size(), SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) {
    bind_rc_ = rc;
  }
  return *this;
}

Result<bool> Query::Step() {
  if (bind_rc_ != SQLITE_OK) {
    return tl::unexpected(SqliteError(bind_rc_, "binding a parameter"));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return tl::unexpected(SqliteError(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_)));
}

Status Query::Run() {
  while (true) {
    IAM_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) {
      return OkStatus();
    }
  }
}

std::string Query::Text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr) {
    return {};
  }
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

std::int64_t Query::Int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::optional<std::int64_t> Query::OptionalInt(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) {
    return std::nullopt;
  }
  return sqlite3_column_int64(stmt_, column);
}

std::vector<std::uint8_t> Query::Blob(int column) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) {
    return {};
  }
  return {data, data + size};
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::filesystem::path& file,
                                                     bool read_only, int busy_timeout_ms) {
  sqlite3* db = nullptr;
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(db);
    Error error = SqliteError(rc, "opening `" + file.string() + "`");
    error.code = ErrorCode::kUnavailable;
    return tl::unexpected(std::move(error));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) {
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db_);
}

Status Connection::Exec(std::string_view sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : "";
    sqlite3_free(message);
    return tl::unexpected(SqliteError(sqlite3_extended_errcode(db_), text));
  }
  return OkStatus();
}

std::int64_t Connection::Changes() const {
  return sqlite3_changes64(db_);
}

Result<Query> Connection::Prepare(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      return tl::unexpected(SqliteError(
          rc, std::string("preparing `") + std::string(sql) + "`: " + sqlite3_errmsg(db_)));
    }
    it = statements_.emplace(std::string(sql), stmt).first;
  }
  return Query(db_, it->second);
}

}  // namespace portcullis::store::sqlite
