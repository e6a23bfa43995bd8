// SqlObjectStore: the one ObjectStore implementation, over a SQLite metadata database and
// a BlobStore for bodies. The disk backend pairs a database file (WAL, synchronous=FULL)
// with DiskBlobStore; the memory backend an in-memory database with MemoryBlobStore.
//
// Locking (see object_store.h for the contract):
//  - writer_mu_ serializes metadata write transactions on the writer connection; body I/O
//    never happens under it.
//  - Reads use pooled read-only connections (disk) or the writer connection under
//    writer_mu_ (memory, whose database is private to one connection).
//  - files_mu_ (shared) is held from looking a body's id up to opening it; removing
//    bodies of replaced or deleted objects takes it exclusively, after the commit. So a
//    body is never removed between a reader finding it and opening it, and once open it
//    stays readable (open descriptor / shared string).
// Lock order: files_mu_ before writer_mu_ / pool_mu_; bodies are removed with no other
// lock held.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <sys/file.h>
#include <unordered_set>
#include <utility>
#include <vector>

#include "store/sqlite/connection.h"

#include "objects/blob_store.h"
#include "objects/embedded_migrations.h"
#include "objects/errors.h"
#include "objects/object_store.h"

namespace portcullis::objects {
namespace {

using store::Migration;
using store::sqlite::Connection;
using store::sqlite::Query;

constexpr std::string_view kDirectoryName = "s3";
constexpr std::string_view kDatabaseFileName = "objects.db";
constexpr std::string_view kObjectsDirectoryName = "objects";
constexpr std::string_view kLockFileName = "LOCK";
constexpr int kListBatch = 1000;
constexpr std::size_t kCopyBufferSize = std::size_t{1} << 20;

std::int64_t ToMs(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

TimePoint FromMs(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

// ---- string lists: <decimal length>:<bytes> ... -------------------------------------

void AppendItem(std::string& out, std::string_view item) {
  out += std::to_string(item.size());
  out += ':';
  out += item;
}

std::string EncodePairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (const auto& [first, second] : pairs) {
    AppendItem(out, first);
    AppendItem(out, second);
  }
  return out;
}

std::string EncodeMap(const std::map<std::string, std::string>& map) {
  std::string out;
  for (const auto& [first, second] : map) {
    AppendItem(out, first);
    AppendItem(out, second);
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> DecodePairs(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 19) {
      return MakeError(ErrorCode::kInternal, "corrupt string list in the objects database");
    }
    std::size_t size = 0;
    for (const char c : text.substr(0, colon)) {
      if (c < '0' || c > '9') {
        return MakeError(ErrorCode::kInternal, "corrupt string list in the objects database");
      }
      size = size * 10 + static_cast<std::size_t>(c - '0');
    }
    text.remove_prefix(colon + 1);
    if (size > text.size()) {
      return MakeError(ErrorCode::kInternal, "corrupt string list in the objects database");
    }
    items.emplace_back(text.substr(0, size));
    text.remove_prefix(size);
  }
  if (items.size() % 2 != 0) {
    return MakeError(ErrorCode::kInternal, "corrupt string list in the objects database");
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::size_t i = 0; i < items.size(); i += 2) {
    pairs.emplace_back(std::move(items[i]), std::move(items[i + 1]));
  }
  return pairs;
}

// ---- errors -----------------------------------------------------------------------

tl::unexpected<Error> NoSuchBucket(std::string_view bucket) {
  return MakeS3Error(ErrorCode::kNotFound, "NoSuchBucket",
                     "the specified bucket `" + std::string(bucket) + "` does not exist");
}

tl::unexpected<Error> NoSuchKey(std::string_view key) {
  return MakeS3Error(ErrorCode::kNotFound, "NoSuchKey",
                     "the specified key `" + std::string(key) + "` does not exist");
}

tl::unexpected<Error> NoSuchUpload(std::string_view upload_id) {
  return MakeS3Error(
      ErrorCode::kNotFound, "NoSuchUpload",
      "the specified multipart upload `" + std::string(upload_id) + "` does not exist");
}

tl::unexpected<Error> InvalidRange() {
  return MakeS3Error(ErrorCode::kInvalidArgument, "InvalidRange",
                     "the requested range is not satisfiable");
}

Status ValidateAttributes(const ObjectAttributes& attributes) {
  IAM_RETURN_IF_ERROR(ValidateObjectTags(attributes.tags));
  std::size_t metadata_bytes = 0;
  for (const auto& [name, value] : attributes.user_metadata) {
    metadata_bytes += name.size() + value.size();
  }
  if (metadata_bytes > kMaxUserMetadataBytes) {
    return MakeS3Error(ErrorCode::kInvalidArgument, "MetadataTooLarge",
                       "your metadata headers exceed the maximum allowed metadata size");
  }
  return OkStatus();
}

// The smallest string greater than every string starting with `prefix`; nullopt when
// there is none (all bytes 0xFF).
std::optional<std::string> PrefixSuccessor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) {
    prefix.pop_back();
  }
  if (prefix.empty()) {
    return std::nullopt;
  }
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

// The common prefix `key` rolls up into under `prefix` and `delimiter`, or nullopt.
std::optional<std::string> RollUp(std::string_view key, std::string_view prefix,
                                  std::string_view delimiter) {
  if (delimiter.empty() || !key.starts_with(prefix)) {
    return std::nullopt;
  }
  const std::size_t pos = key.find(delimiter, prefix.size());
  if (pos == std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(key.substr(0, pos + delimiter.size()));
}

// The first key a listing resumes at (inclusive) after `marker`, or nullopt when nothing
// can follow. A marker that is itself a common prefix skips every key under it.
std::optional<std::string> ResumePoint(const std::string& marker, std::string_view prefix,
                                       std::string_view delimiter) {
  std::string lower(prefix);
  if (marker.empty()) {
    return lower;
  }
  std::optional<std::string> after = marker + '\0';
  const std::optional<std::string> rolled = RollUp(marker, prefix, delimiter);
  if (rolled.has_value() && *rolled == marker) {
    after = PrefixSuccessor(marker);
  }
  if (!after.has_value()) {
    return std::nullopt;
  }
  return std::max(lower, *after);
}

int ClampMax(int value) {
  return std::clamp(value, 0, kMaxListKeys);
}

std::string StripQuotes(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  std::string out(etag);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

std::string HexDecode(std::string_view hex) {
  auto nibble = [](char c) -> unsigned {
    if (c >= '0' && c <= '9') {
      return static_cast<unsigned>(c - '0');
    }
    return static_cast<unsigned>(c - 'a' + 10);
  };
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>((nibble(hex[i]) << 4U) | nibble(hex[i + 1]));
  }
  return out;
}

// ---- rows -------------------------------------------------------------------------

constexpr std::string_view kAttributeColumns =
    "content_type, content_encoding, content_language, cache_control, content_disposition, "
    "expires, user_metadata, tags, checksum_crc32, checksum_crc32c, checksum_sha256";

constexpr std::string_view kAttributePlaceholders = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

void BindAttributes(Query& q, const ObjectAttributes& a) {
  q.Bind(a.content_type)
      .Bind(a.content_encoding)
      .Bind(a.content_language)
      .Bind(a.cache_control)
      .Bind(a.content_disposition)
      .Bind(a.expires)
      .Bind(EncodeMap(a.user_metadata))
      .Bind(EncodePairs(a.tags))
      .Bind(a.checksums.crc32)
      .Bind(a.checksums.crc32c)
      .Bind(a.checksums.sha256);
}

Result<ObjectAttributes> ReadAttributes(const Query& q, int first) {
  ObjectAttributes a;
  a.content_type = q.Text(first);
  a.content_encoding = q.Text(first + 1);
  a.content_language = q.Text(first + 2);
  a.cache_control = q.Text(first + 3);
  a.content_disposition = q.Text(first + 4);
  a.expires = q.Text(first + 5);
  IAM_ASSIGN_OR_RETURN(auto metadata, DecodePairs(q.Text(first + 6)));
  a.user_metadata = {metadata.begin(), metadata.end()};
  IAM_ASSIGN_OR_RETURN(a.tags, DecodePairs(q.Text(first + 7)));
  a.checksums.crc32 = q.Text(first + 8);
  a.checksums.crc32c = q.Text(first + 9);
  a.checksums.sha256 = q.Text(first + 10);
  return a;
}

constexpr std::string_view kObjectColumns =
    "key, file_id, size, etag, parts_count, modified_ms, content_type, content_encoding, "
    "content_language, cache_control, content_disposition, expires, user_metadata, tags, "
    "checksum_crc32, checksum_crc32c, checksum_sha256";

struct ObjectRow {
  ObjectInfo info;
  std::string file_id;
};

Result<ObjectRow> ReadObjectRow(const Query& q, std::string_view bucket) {
  ObjectRow row;
  row.info.bucket = std::string(bucket);
  row.info.key = q.Text(0);
  row.file_id = q.Text(1);
  row.info.size = static_cast<std::uint64_t>(q.Int(2));
  row.info.etag = q.Text(3);
  row.info.parts_count = static_cast<int>(q.Int(4));
  row.info.last_modified = FromMs(q.Int(5));
  IAM_ASSIGN_OR_RETURN(row.info.attributes, ReadAttributes(q, 6));
  return row;
}

constexpr std::string_view kUploadColumns =
    "upload_id, bucket, key, initiated_ms, content_type, content_encoding, content_language, "
    "cache_control, content_disposition, expires, user_metadata, tags, checksum_crc32, "
    "checksum_crc32c, checksum_sha256";

Result<MultipartUpload> ReadUploadRow(const Query& q) {
  MultipartUpload upload;
  upload.upload_id = q.Text(0);
  upload.bucket = q.Text(1);
  upload.key = q.Text(2);
  upload.initiated = FromMs(q.Int(3));
  IAM_ASSIGN_OR_RETURN(upload.attributes, ReadAttributes(q, 4));
  return upload;
}

Result<bool> BucketExists(Connection& conn, std::string_view bucket) {
  IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("SELECT 1 FROM buckets WHERE name = ?1"));
  q.Bind(bucket);
  return q.Step();
}

Status RequireBucket(Connection& conn, std::string_view bucket) {
  IAM_ASSIGN_OR_RETURN(bool exists, BucketExists(conn, bucket));
  if (!exists) {
    return NoSuchBucket(bucket);
  }
  return OkStatus();
}

Result<ObjectRow> LookupObject(Connection& conn, std::string_view bucket, std::string_view key) {
  {
    IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("SELECT " + std::string(kObjectColumns) +
                                               " FROM objects WHERE bucket = ?1 AND key = ?2"));
    q.Bind(bucket).Bind(key);
    IAM_ASSIGN_OR_RETURN(bool found, q.Step());
    if (found) {
      return ReadObjectRow(q, bucket);
    }
  }
  IAM_RETURN_IF_ERROR(RequireBucket(conn, bucket));
  return NoSuchKey(key);
}

Result<MultipartUpload> LookupUpload(Connection& conn, std::string_view bucket,
                                     std::string_view key, std::string_view upload_id) {
  {
    IAM_ASSIGN_OR_RETURN(
        Query q, conn.Prepare("SELECT " + std::string(kUploadColumns) +
                              " FROM uploads WHERE upload_id = ?1 AND bucket = ?2 AND key = ?3"));
    q.Bind(upload_id).Bind(bucket).Bind(key);
    IAM_ASSIGN_OR_RETURN(bool found, q.Step());
    if (found) {
      return ReadUploadRow(q);
    }
  }
  IAM_RETURN_IF_ERROR(RequireBucket(conn, bucket));
  return NoSuchUpload(upload_id);
}

// The file ids of an upload's parts.
Result<std::vector<std::string>> PartFileIds(Connection& conn, std::string_view upload_id) {
  IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("SELECT file_id FROM parts WHERE upload_id = ?1"));
  q.Bind(upload_id);
  std::vector<std::string> ids;
  while (true) {
    IAM_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return ids;
    }
    ids.push_back(q.Text(0));
  }
}

// ---- migrations -------------------------------------------------------------------

Status ApplyPendingMigrations(Connection& conn, const Clock& clock) {
  IAM_RETURN_IF_ERROR(
      conn.Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name "
                "TEXT NOT NULL, applied_ms INTEGER NOT NULL)"));
  std::int64_t current = 0;
  {
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn.Prepare("SELECT coalesce(max(version), 0) FROM schema_version"));
    IAM_RETURN_IF_ERROR(q.Step());
    current = q.Int(0);
  }
  const std::span<const Migration> migrations = EmbeddedObjectMigrations();
  if (current > static_cast<std::int64_t>(migrations.size())) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "objects database schema version " + std::to_string(current) +
                         " is newer than this binary's " + std::to_string(migrations.size()));
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) {
      continue;
    }
    Status applied = conn.Exec(migration.sql);
    if (!applied.has_value()) {
      return tl::unexpected(std::move(applied).error().WithContext(
          "applying objects migration " + std::to_string(migration.version)));
    }
    IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("INSERT INTO schema_version (version, name, "
                                               "applied_ms) VALUES (?1, ?2, ?3)"));
    q.Bind(std::int64_t{migration.version}).Bind(migration.name).Bind(ToMs(clock.Now()));
    IAM_RETURN_IF_ERROR(q.Run());
  }
  return OkStatus();
}

Status Migrate(Connection& conn, const Clock& clock) {
  IAM_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  Status status = ApplyPendingMigrations(conn, clock);
  if (!status.has_value()) {
    (void)conn.Exec("ROLLBACK");
    return status;
  }
  return conn.Exec("COMMIT");
}

// ---- the store --------------------------------------------------------------------

class SqlObjectStore final : public ObjectStore {
 public:
  SqlObjectStore(const Clock& clock, ObjectStoreOptions options, std::unique_ptr<BlobStore> blobs,
                 std::unique_ptr<Connection> writer, std::filesystem::path database_file,
                 int lock_fd)
      : clock_(clock),
        options_(std::move(options)),
        blobs_(std::move(blobs)),
        writer_(std::move(writer)),
        database_file_(std::move(database_file)),
        lock_fd_(lock_fd) {}

  SqlObjectStore(const SqlObjectStore&) = delete;
  SqlObjectStore& operator=(const SqlObjectStore&) = delete;
  SqlObjectStore(SqlObjectStore&&) = delete;
  SqlObjectStore& operator=(SqlObjectStore&&) = delete;

  ~SqlObjectStore() override {
    idle_readers_.clear();
    writer_.reset();
    if (lock_fd_ >= 0) {
      ::close(lock_fd_);  // releases the flock
    }
  }

  // Removes temporary files and bodies no row names. Called once, before sharing.
  Status CollectGarbage() {
    std::unordered_set<std::string> referenced;
    {
      IAM_ASSIGN_OR_RETURN(Query q, writer_->Prepare("SELECT file_id FROM objects UNION ALL "
                                                     "SELECT file_id FROM parts"));
      while (true) {
        IAM_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) {
          break;
        }
        referenced.insert(q.Text(0));
      }
    }
    IAM_ASSIGN_OR_RETURN(std::size_t removed, blobs_->CollectGarbage([&](std::string_view id) {
      return referenced.contains(std::string(id));
    }));
    (void)removed;
    return OkStatus();
  }

  // ---- buckets ----

  Result<Bucket> CreateBucket(std::string_view name, std::string_view owner_account_id,
                              std::string_view region) override {
    IAM_RETURN_IF_ERROR(ValidateBucketName(name));
    Bucket bucket{std::string(name), std::string(owner_account_id), std::string(region),
                  std::chrono::floor<std::chrono::milliseconds>(clock_.Now())};
    return Write([&](Connection& conn) -> Result<Bucket> {
      {
        IAM_ASSIGN_OR_RETURN(Query q,
                             conn.Prepare("SELECT owner_account_id FROM buckets WHERE name = ?1"));
        q.Bind(name);
        IAM_ASSIGN_OR_RETURN(bool found, q.Step());
        if (found) {
          if (q.Text(0) == owner_account_id) {
            return MakeS3Error(ErrorCode::kAlreadyExists, "BucketAlreadyOwnedByYou",
                               "your previous request to create the named bucket `" +
                                   std::string(name) + "` succeeded and you already own it");
          }
          return MakeS3Error(
              ErrorCode::kAlreadyExists, "BucketAlreadyExists",
              "the requested bucket name `" + std::string(name) + "` is not available");
        }
      }
      IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("INSERT INTO buckets (name, owner_account_id, "
                                                 "region, created_ms) VALUES (?1, ?2, ?3, ?4)"));
      q.Bind(name).Bind(owner_account_id).Bind(region).Bind(ToMs(bucket.created));
      IAM_RETURN_IF_ERROR(q.Run());
      return bucket;
    });
  }

  Result<Bucket> GetBucket(std::string_view name) override {
    return Read([&](Connection& conn) -> Result<Bucket> {
      IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("SELECT name, owner_account_id, region, "
                                                 "created_ms FROM buckets WHERE name = ?1"));
      q.Bind(name);
      IAM_ASSIGN_OR_RETURN(bool found, q.Step());
      if (!found) {
        return NoSuchBucket(name);
      }
      return Bucket{q.Text(0), q.Text(1), q.Text(2), FromMs(q.Int(3))};
    });
  }

  Result<std::vector<Bucket>> ListBuckets(std::string_view owner_account_id) override {
    return Read([&](Connection& conn) -> Result<std::vector<Bucket>> {
      IAM_ASSIGN_OR_RETURN(
          Query q, conn.Prepare("SELECT name, owner_account_id, region, created_ms FROM buckets "
                                "WHERE owner_account_id = ?1 ORDER BY name"));
      q.Bind(owner_account_id);
      std::vector<Bucket> buckets;
      while (true) {
        IAM_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) {
          return buckets;
        }
        buckets.push_back(Bucket{q.Text(0), q.Text(1), q.Text(2), FromMs(q.Int(3))});
      }
    });
  }

  Status DeleteBucket(std::string_view name) override {
    return Write([&](Connection& conn) -> Status {
      IAM_RETURN_IF_ERROR(RequireBucket(conn, name));
      IAM_ASSIGN_OR_RETURN(
          Query q, conn.Prepare("SELECT EXISTS (SELECT 1 FROM objects WHERE bucket = ?1) OR "
                                "EXISTS (SELECT 1 FROM uploads WHERE bucket = ?1)"));
      q.Bind(name);
      IAM_RETURN_IF_ERROR(q.Step());
      if (q.Int(0) != 0) {
        return MakeS3Error(
            ErrorCode::kFailedPrecondition, "BucketNotEmpty",
            "the bucket `" + std::string(name) + "` you tried to delete is not empty");
      }
      IAM_ASSIGN_OR_RETURN(Query del, conn.Prepare("DELETE FROM buckets WHERE name = ?1"));
      del.Bind(name);
      return del.Run();
    });
  }

  Status PutBucketPolicy(std::string_view bucket, std::string_view policy) override {
    return UpdateBucketColumn(bucket, "UPDATE buckets SET policy = ?2 WHERE name = ?1",
                              [&](Query& q) { q.Bind(policy); });
  }

  Result<std::string> GetBucketPolicy(std::string_view bucket) override {
    return Read([&](Connection& conn) -> Result<std::string> {
      IAM_ASSIGN_OR_RETURN(
          Query q, conn.Prepare("SELECT policy IS NULL, policy FROM buckets WHERE name = ?1"));
      q.Bind(bucket);
      IAM_ASSIGN_OR_RETURN(bool found, q.Step());
      if (!found) {
        return NoSuchBucket(bucket);
      }
      if (q.Int(0) != 0) {
        return MakeS3Error(ErrorCode::kNotFound, "NoSuchBucketPolicy",
                           "the bucket policy does not exist");
      }
      return q.Text(1);
    });
  }

  Status DeleteBucketPolicy(std::string_view bucket) override {
    return UpdateBucketColumn(bucket, "UPDATE buckets SET policy = NULL WHERE name = ?1",
                              [](Query&) {});
  }

  Status PutPublicAccessBlock(std::string_view bucket, const PublicAccessBlock& config) override {
    const std::int64_t bits =
        (config.block_public_acls ? 1 : 0) | (config.ignore_public_acls ? 2 : 0) |
        (config.block_public_policy ? 4 : 0) | (config.restrict_public_buckets ? 8 : 0);
    return UpdateBucketColumn(bucket, "UPDATE buckets SET public_access_block = ?2 WHERE name = ?1",
                              [&](Query& q) { q.Bind(bits); });
  }

  Result<PublicAccessBlock> GetPublicAccessBlock(std::string_view bucket) override {
    return Read([&](Connection& conn) -> Result<PublicAccessBlock> {
      IAM_ASSIGN_OR_RETURN(Query q,
                           conn.Prepare("SELECT public_access_block FROM buckets WHERE name = ?1"));
      q.Bind(bucket);
      IAM_ASSIGN_OR_RETURN(bool found, q.Step());
      if (!found) {
        return NoSuchBucket(bucket);
      }
      const std::optional<std::int64_t> bits = q.OptionalInt(0);
      if (!bits.has_value()) {
        return MakeS3Error(ErrorCode::kNotFound, "NoSuchPublicAccessBlockConfiguration",
                           "the public access block configuration was not found");
      }
      return PublicAccessBlock{(*bits & 1) != 0, (*bits & 2) != 0, (*bits & 4) != 0,
                               (*bits & 8) != 0};
    });
  }

  Status DeletePublicAccessBlock(std::string_view bucket) override {
    return UpdateBucketColumn(
        bucket, "UPDATE buckets SET public_access_block = NULL WHERE name = ?1", [](Query&) {});
  }

  // ---- objects ----

  Result<std::unique_ptr<ObjectBodyWriter>> NewBodyWriter() override {
    IAM_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, blobs_->NewWriter(this));
    return std::unique_ptr<ObjectBodyWriter>(std::move(writer));
  }

  Result<ObjectInfo> PutObject(std::string_view bucket, std::string_view key,
                               const ObjectAttributes& attributes,
                               std::unique_ptr<ObjectBodyWriter> body) override {
    IAM_RETURN_IF_ERROR(ValidateObjectKey(key));
    IAM_RETURN_IF_ERROR(ValidateAttributes(attributes));
    IAM_ASSIGN_OR_RETURN(BlobWriter * writer, OwnWriter(body.get()));
    ObjectInfo info;
    info.bucket = std::string(bucket);
    info.key = std::string(key);
    info.size = writer->size();
    info.etag = HexEncode(writer->Md5());
    info.attributes = attributes;
    IAM_ASSIGN_OR_RETURN(std::string file_id, Seal(*writer));
    return CommitObject(std::move(info), file_id, {});
  }

  Result<ObjectInfo> GetObjectInfo(std::string_view bucket, std::string_view key) override {
    IAM_ASSIGN_OR_RETURN(ObjectRow row,
                         Read([&](Connection& conn) { return LookupObject(conn, bucket, key); }));
    return std::move(row.info);
  }

  Result<OpenedObject> OpenObject(std::string_view bucket, std::string_view key,
                                  const std::optional<ByteRange>& range) override {
    std::shared_lock<std::shared_mutex> files(files_mu_);
    IAM_ASSIGN_OR_RETURN(ObjectRow row,
                         Read([&](Connection& conn) { return LookupObject(conn, bucket, key); }));
    OpenedObject opened;
    opened.length = row.info.size;
    if (range.has_value()) {
      opened.is_range = true;
      const std::uint64_t size = row.info.size;
      if (range->suffix_length.has_value()) {
        if (*range->suffix_length == 0 || size == 0) {
          return InvalidRange();
        }
        opened.length = std::min(*range->suffix_length, size);
        opened.offset = size - opened.length;
      } else {
        if (!range->first.has_value() || *range->first >= size) {
          return InvalidRange();
        }
        const std::uint64_t last = std::min(range->last.value_or(size - 1), size - 1);
        if (last < *range->first) {
          return InvalidRange();
        }
        opened.offset = *range->first;
        opened.length = last - *range->first + 1;
      }
    }
    IAM_ASSIGN_OR_RETURN(opened.body, blobs_->Open(row.file_id, opened.offset, opened.length));
    opened.info = std::move(row.info);
    return opened;
  }

  Result<bool> DeleteObject(std::string_view bucket, std::string_view key) override {
    IAM_ASSIGN_OR_RETURN(std::optional<std::string> removed,
                         Write([&](Connection& conn) -> Result<std::optional<std::string>> {
                           IAM_RETURN_IF_ERROR(RequireBucket(conn, bucket));
                           return DeleteObjectRow(conn, bucket, key);
                         }));
    if (!removed.has_value()) {
      return false;
    }
    RemoveBlobs({*removed});
    return true;
  }

  Result<ObjectInfo> CopyObject(const CopyObjectRequest& request) override {
    IAM_RETURN_IF_ERROR(ValidateObjectKey(request.key));
    if (request.source_bucket == request.bucket && request.source_key == request.key &&
        request.metadata_directive == CopyDirective::kCopy &&
        request.tagging_directive == CopyDirective::kCopy) {
      return MakeS3Error(ErrorCode::kInvalidArgument, "InvalidRequest",
                         "this copy request is illegal because it is trying to copy an object "
                         "to itself without changing the object's metadata");
    }
    ObjectRow source;
    std::unique_ptr<ObjectBody> body;
    {
      std::shared_lock<std::shared_mutex> files(files_mu_);
      IAM_ASSIGN_OR_RETURN(source, Read([&](Connection& conn) -> Result<ObjectRow> {
                             IAM_RETURN_IF_ERROR(RequireBucket(conn, request.bucket));
                             return LookupObject(conn, request.source_bucket, request.source_key);
                           }));
      IAM_ASSIGN_OR_RETURN(body, blobs_->Open(source.file_id, 0, source.info.size));
    }
    const bool copy_metadata = request.metadata_directive == CopyDirective::kCopy;
    ObjectInfo info;
    info.bucket = request.bucket;
    info.key = request.key;
    info.attributes = copy_metadata ? source.info.attributes : request.attributes;
    info.attributes.tags = request.tagging_directive == CopyDirective::kCopy
                               ? source.info.attributes.tags
                               : request.attributes.tags;
    if (!copy_metadata && request.attributes.checksums == ObjectChecksums{}) {
      info.attributes.checksums = source.info.attributes.checksums;  // the same bytes
    }
    IAM_RETURN_IF_ERROR(ValidateAttributes(info.attributes));
    IAM_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, blobs_->NewWriter(this));
    IAM_RETURN_IF_ERROR(CopyBody(*body, *writer));
    info.size = writer->size();
    info.etag = HexEncode(writer->Md5());
    IAM_ASSIGN_OR_RETURN(std::string file_id, Seal(*writer));
    return CommitObject(std::move(info), file_id, {});
  }

  Result<ListObjectsResult> ListObjects(const ListObjectsRequest& request) override {
    return Read([&](Connection& conn) -> Result<ListObjectsResult> {
      IAM_RETURN_IF_ERROR(RequireBucket(conn, request.bucket));
      ListObjectsResult result;
      ListingCursor cursor{request.prefix, request.delimiter, ClampMax(request.max_keys)};
      if (cursor.max == 0) {
        return result;
      }
      std::optional<std::string> lower =
          ResumePoint(request.marker, request.prefix, request.delimiter);
      std::string last;
      // INVARIANT: every key >= *lower under the prefix is still to be listed.
      while (lower.has_value()) {
        IAM_ASSIGN_OR_RETURN(lower, ScanObjects(conn, request, *lower, cursor, result, last));
      }
      result.is_truncated = cursor.truncated;
      if (result.is_truncated) {
        result.next_marker = last;
      }
      return result;
    });
  }

  Status PutObjectTags(std::string_view bucket, std::string_view key, const TagSet& tags) override {
    IAM_RETURN_IF_ERROR(ValidateObjectTags(tags));
    return Write([&](Connection& conn) -> Status {
      IAM_RETURN_IF_ERROR(LookupObject(conn, bucket, key));
      IAM_ASSIGN_OR_RETURN(
          Query q, conn.Prepare("UPDATE objects SET tags = ?3 WHERE bucket = ?1 AND key = ?2"));
      q.Bind(bucket).Bind(key).Bind(EncodePairs(tags));
      return q.Run();
    });
  }

  Result<TagSet> GetObjectTags(std::string_view bucket, std::string_view key) override {
    IAM_ASSIGN_OR_RETURN(ObjectInfo info, GetObjectInfo(bucket, key));
    return std::move(info.attributes.tags);
  }

  Status DeleteObjectTags(std::string_view bucket, std::string_view key) override {
    return PutObjectTags(bucket, key, {});
  }

  // ---- multipart uploads ----

  Result<MultipartUpload> CreateMultipartUpload(std::string_view bucket, std::string_view key,
                                                const ObjectAttributes& attributes) override {
    IAM_RETURN_IF_ERROR(ValidateObjectKey(key));
    IAM_RETURN_IF_ERROR(ValidateAttributes(attributes));
    MultipartUpload upload;
    upload.bucket = std::string(bucket);
    upload.key = std::string(key);
    upload.initiated = std::chrono::floor<std::chrono::milliseconds>(clock_.Now());
    upload.attributes = attributes;
    // Ids sort in initiation order: the time in hex (12 digits), then 20 random digits.
    const auto ms = static_cast<std::uint64_t>(ToMs(upload.initiated));
    std::string time_hex(12, '0');
    for (std::size_t i = 0; i < time_hex.size(); ++i) {
      time_hex[time_hex.size() - 1 - i] = "0123456789abcdef"[(ms >> (4 * i)) & 0xFU];
    }
    upload.upload_id = time_hex + RandomHexId().substr(0, 20);
    Status created = Write([&](Connection& conn) -> Status {
      IAM_RETURN_IF_ERROR(RequireBucket(conn, bucket));
      IAM_ASSIGN_OR_RETURN(
          Query q, conn.Prepare("INSERT INTO uploads (upload_id, bucket, key, initiated_ms, " +
                                std::string(kAttributeColumns) + ") VALUES (?, ?, ?, ?, " +
                                std::string(kAttributePlaceholders) + ")"));
      q.Bind(upload.upload_id).Bind(bucket).Bind(key).Bind(ToMs(upload.initiated));
      BindAttributes(q, attributes);
      return q.Run();
    });
    IAM_RETURN_IF_ERROR(created);
    return upload;
  }

  Result<PartInfo> UploadPart(std::string_view bucket, std::string_view key,
                              std::string_view upload_id, int part_number,
                              std::unique_ptr<ObjectBodyWriter> body) override {
    if (part_number < 1 || part_number > kMaxPartNumber) {
      return MakeS3Error(ErrorCode::kInvalidArgument, "InvalidArgument",
                         "part number must be an integer between 1 and 10000, inclusive");
    }
    IAM_ASSIGN_OR_RETURN(BlobWriter * writer, OwnWriter(body.get()));
    PartInfo part;
    part.part_number = part_number;
    part.size = writer->size();
    part.etag = HexEncode(writer->Md5());
    part.last_modified = std::chrono::floor<std::chrono::milliseconds>(clock_.Now());
    IAM_ASSIGN_OR_RETURN(std::string file_id, Seal(*writer));
    Result<std::optional<std::string>> replaced =
        Write([&](Connection& conn) -> Result<std::optional<std::string>> {
          IAM_RETURN_IF_ERROR(LookupUpload(conn, bucket, key, upload_id));
          std::optional<std::string> old;
          {
            IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("SELECT file_id FROM parts WHERE "
                                                       "upload_id = ?1 AND part_number = ?2"));
            q.Bind(upload_id).Bind(std::int64_t{part_number});
            IAM_ASSIGN_OR_RETURN(bool found, q.Step());
            if (found) {
              old = q.Text(0);
            }
          }
          IAM_ASSIGN_OR_RETURN(Query q,
                               conn.Prepare("INSERT OR REPLACE INTO parts (upload_id, "
                                            "part_number, file_id, size, md5, "
                                            "modified_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
          q.Bind(upload_id)
              .Bind(std::int64_t{part_number})
              .Bind(file_id)
              .Bind(static_cast<std::int64_t>(part.size))
              .Bind(part.etag)
              .Bind(ToMs(part.last_modified));
          IAM_RETURN_IF_ERROR(q.Run());
          return old;
        });
    if (!replaced.has_value()) {
      RemoveBlobs({file_id});
      return tl::unexpected(std::move(replaced).error());
    }
    if (replaced->has_value()) {
      RemoveBlobs({**replaced});
    }
    return part;
  }

  Result<ListPartsResult> ListParts(const ListPartsRequest& request) override {
    return Read([&](Connection& conn) -> Result<ListPartsResult> {
      ListPartsResult result;
      IAM_ASSIGN_OR_RETURN(result.upload,
                           LookupUpload(conn, request.bucket, request.key, request.upload_id));
      const int max_parts = ClampMax(request.max_parts);
      IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("SELECT part_number, size, md5, modified_ms "
                                                 "FROM parts WHERE upload_id = ?1 AND "
                                                 "part_number > ?2 ORDER BY part_number LIMIT ?3"));
      q.Bind(request.upload_id)
          .Bind(std::int64_t{request.part_number_marker})
          .Bind(std::int64_t{max_parts} + 1);
      while (true) {
        IAM_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) {
          break;
        }
        if (static_cast<int>(result.parts.size()) == max_parts) {
          result.is_truncated = true;
          break;
        }
        result.parts.push_back(PartInfo{static_cast<int>(q.Int(0)),
                                        static_cast<std::uint64_t>(q.Int(1)), q.Text(2),
                                        FromMs(q.Int(3))});
      }
      if (result.is_truncated && !result.parts.empty()) {
        result.next_part_number_marker = result.parts.back().part_number;
      }
      return result;
    });
  }

  Result<ListUploadsResult> ListMultipartUploads(const ListUploadsRequest& request) override {
    return Read([&](Connection& conn) -> Result<ListUploadsResult> {
      IAM_RETURN_IF_ERROR(RequireBucket(conn, request.bucket));
      ListUploadsResult result;
      ListingCursor cursor{request.prefix, request.delimiter, ClampMax(request.max_uploads)};
      if (cursor.max == 0) {
        return result;
      }
      // The position to list after: (key, upload id), exclusive; (k, "") lists every
      // upload of k.
      UploadPosition position;
      if (!request.key_marker.empty() && !request.upload_id_marker.empty()) {
        position = request.key_marker < request.prefix
                       ? UploadPosition{request.prefix, ""}
                       : UploadPosition{request.key_marker, request.upload_id_marker};
      } else {
        std::optional<std::string> lower =
            ResumePoint(request.key_marker, request.prefix, request.delimiter);
        if (!lower.has_value()) {
          return result;
        }
        position = UploadPosition{std::move(*lower), ""};
      }
      bool more = true;
      while (more) {
        IAM_ASSIGN_OR_RETURN(more, ScanUploads(conn, request, position, cursor, result));
      }
      result.is_truncated = cursor.truncated;
      if (!result.is_truncated) {
        result.next_key_marker.clear();
        result.next_upload_id_marker.clear();
      }
      return result;
    });
  }

  Result<ObjectInfo> CompleteMultipartUpload(std::string_view bucket, std::string_view key,
                                             std::string_view upload_id,
                                             std::span<const CompletedPart> parts) override {
    if (parts.empty()) {
      return MakeS3Error(ErrorCode::kInvalidArgument, "MalformedXML",
                         "you must specify at least one part");
    }
    for (std::size_t i = 1; i < parts.size(); ++i) {
      if (parts[i].part_number <= parts[i - 1].part_number) {
        return MakeS3Error(ErrorCode::kInvalidArgument, "InvalidPartOrder",
                           "the list of parts was not in ascending order");
      }
    }
    MultipartUpload upload;
    IAM_ASSIGN_OR_RETURN(std::vector<ChosenPart> chosen,
                         ChooseParts(bucket, key, upload_id, parts, upload));
    IAM_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, blobs_->NewWriter(this));
    std::vector<std::string> md5s;
    md5s.reserve(chosen.size());
    for (ChosenPart& part : chosen) {
      IAM_RETURN_IF_ERROR(CopyBody(*part.body, *writer));
      part.body.reset();
      md5s.push_back(HexDecode(part.md5_hex));
    }
    ObjectInfo info;
    info.bucket = std::string(bucket);
    info.key = std::string(key);
    info.size = writer->size();
    info.etag = MultipartEtag(md5s);
    info.parts_count = static_cast<int>(chosen.size());
    info.attributes = upload.attributes;
    IAM_ASSIGN_OR_RETURN(std::string file_id, Seal(*writer));
    return CommitObject(std::move(info), file_id, [&](Connection& conn) {
      return FinishUpload(conn, bucket, key, upload_id, parts, chosen);
    });
  }

  Status AbortMultipartUpload(std::string_view bucket, std::string_view key,
                              std::string_view upload_id) override {
    IAM_ASSIGN_OR_RETURN(std::vector<std::string> files,
                         Write([&](Connection& conn) -> Result<std::vector<std::string>> {
                           IAM_RETURN_IF_ERROR(LookupUpload(conn, bucket, key, upload_id));
                           return DeleteUploadRows(conn, upload_id);
                         }));
    RemoveBlobs(files);
    return OkStatus();
  }

 private:
  using ExtraWrite = std::function<Result<std::vector<std::string>>(Connection&)>;

  // A read connection: pooled (disk), or the writer under writer_mu_ (memory).
  class ReadLease {
   public:
    ReadLease(SqlObjectStore& store, std::unique_ptr<Connection> pooled)
        : store_(store), pooled_(std::move(pooled)) {}

    explicit ReadLease(SqlObjectStore& store) : store_(store), writer_lock_(store.writer_mu_) {}

    ReadLease(const ReadLease&) = delete;
    ReadLease& operator=(const ReadLease&) = delete;
    ReadLease(ReadLease&&) = delete;
    ReadLease& operator=(ReadLease&&) = delete;

    ~ReadLease() {
      if (pooled_ != nullptr) {
        store_.ReturnReader(std::move(pooled_));
      }
    }

    Connection& connection() { return pooled_ != nullptr ? *pooled_ : *store_.writer_; }

   private:
    SqlObjectStore& store_;
    std::unique_ptr<Connection> pooled_;
    std::unique_lock<std::mutex> writer_lock_;
  };

  Result<std::unique_ptr<ReadLease>> AcquireReader() {
    if (database_file_.empty()) {
      return std::make_unique<ReadLease>(*this);
    }
    {
      std::lock_guard<std::mutex> lock(pool_mu_);
      if (!idle_readers_.empty()) {
        std::unique_ptr<Connection> conn = std::move(idle_readers_.back());
        idle_readers_.pop_back();
        return std::make_unique<ReadLease>(*this, std::move(conn));
      }
    }
    IAM_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                         Connection::Open(database_file_, /*read_only=*/true,
                                          static_cast<int>(options_.busy_timeout.count())));
    return std::make_unique<ReadLease>(*this, std::move(conn));
  }

  void ReturnReader(std::unique_ptr<Connection> conn) {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (static_cast<int>(idle_readers_.size()) < options_.max_idle_readers) {
      idle_readers_.push_back(std::move(conn));
    }
  }

  // Rolls keys up under a prefix and delimiter and counts entries against a maximum, for
  // the listings; keys must come in order.
  struct ListingCursor {
    enum class Entry : std::uint8_t { kPastPrefix, kFull, kCommonPrefix, kKey };

    std::string_view prefix;
    std::string_view delimiter;
    int max = 0;
    int count = 0;
    bool truncated = false;

    // Classifies the next key; sets `common` for kCommonPrefix.
    Entry Next(std::string_view key, std::string& common) {
      if (!key.starts_with(prefix)) {
        return Entry::kPastPrefix;
      }
      if (count == max) {
        truncated = true;
        return Entry::kFull;
      }
      ++count;
      std::optional<std::string> rolled = RollUp(key, prefix, delimiter);
      if (rolled.has_value()) {
        common = std::move(*rolled);
        return Entry::kCommonPrefix;
      }
      return Entry::kKey;
    }
  };

  // Lists one batch of keys from `lower` (inclusive) into `result`; `last` becomes the
  // last entry added. Returns where the next batch starts, or nullopt when done.
  Result<std::optional<std::string>> ScanObjects(Connection& conn,
                                                 const ListObjectsRequest& request,
                                                 const std::string& lower, ListingCursor& cursor,
                                                 ListObjectsResult& result, std::string& last) {
    IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("SELECT " + std::string(kObjectColumns) +
                                               " FROM objects WHERE bucket = ?1 AND key >= ?2 "
                                               "ORDER BY key LIMIT ?3"));
    q.Bind(request.bucket).Bind(lower).Bind(std::int64_t{kListBatch});
    int rows = 0;
    while (true) {
      IAM_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) {
        break;
      }
      ++rows;
      std::string key = q.Text(0);
      std::string common;
      switch (cursor.Next(key, common)) {
        case ListingCursor::Entry::kPastPrefix:
        case ListingCursor::Entry::kFull:
          return std::nullopt;
        case ListingCursor::Entry::kCommonPrefix:
          last = common;
          result.common_prefixes.push_back(std::move(common));
          return PrefixSuccessor(last);  // one seek past everything under it
        case ListingCursor::Entry::kKey: {
          IAM_ASSIGN_OR_RETURN(ObjectRow object, ReadObjectRow(q, request.bucket));
          result.objects.push_back(std::move(object.info));
          last = std::move(key);
          break;
        }
      }
    }
    if (rows < kListBatch) {
      return std::nullopt;
    }
    return last + '\0';  // the last row was a key: the smallest string after it
  }

  struct UploadPosition {
    std::string key;
    std::string upload_id;
  };

  // Lists one batch of uploads after `position` into `result`, moving `position`.
  // Returns whether more may follow.
  Result<bool> ScanUploads(Connection& conn, const ListUploadsRequest& request,
                           UploadPosition& position, ListingCursor& cursor,
                           ListUploadsResult& result) {
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn.Prepare("SELECT " + std::string(kUploadColumns) +
                                      " FROM uploads WHERE bucket = ?1 AND (key, upload_id) > "
                                      "(?2, ?3) ORDER BY key, upload_id LIMIT ?4"));
    q.Bind(request.bucket)
        .Bind(position.key)
        .Bind(position.upload_id)
        .Bind(std::int64_t{kListBatch});
    int rows = 0;
    while (true) {
      IAM_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) {
        break;
      }
      ++rows;
      std::string common;
      switch (cursor.Next(q.Text(2), common)) {
        case ListingCursor::Entry::kPastPrefix:
        case ListingCursor::Entry::kFull:
          return false;
        case ListingCursor::Entry::kCommonPrefix: {
          result.next_key_marker = common;
          result.next_upload_id_marker.clear();
          std::optional<std::string> successor = PrefixSuccessor(common);
          result.common_prefixes.push_back(std::move(common));
          if (!successor.has_value()) {
            return false;
          }
          position = UploadPosition{std::move(*successor), ""};
          return true;
        }
        case ListingCursor::Entry::kKey: {
          IAM_ASSIGN_OR_RETURN(MultipartUpload upload, ReadUploadRow(q));
          result.next_key_marker = upload.key;
          result.next_upload_id_marker = upload.upload_id;
          position = UploadPosition{upload.key, upload.upload_id};
          result.uploads.push_back(std::move(upload));
          break;
        }
      }
    }
    return rows == kListBatch;
  }

  struct ChosenPart {
    std::string file_id;
    std::uint64_t size = 0;
    std::string md5_hex;
    std::unique_ptr<ObjectBody> body;
  };

  // Finds the parts a completion names, checks their ETags and sizes, and opens them.
  // Fills `upload`.
  Result<std::vector<ChosenPart>> ChooseParts(std::string_view bucket, std::string_view key,
                                              std::string_view upload_id,
                                              std::span<const CompletedPart> parts,
                                              MultipartUpload& upload) {
    std::vector<ChosenPart> chosen;
    std::shared_lock<std::shared_mutex> files(files_mu_);
    Status found = Read([&](Connection& conn) -> Status {
      IAM_ASSIGN_OR_RETURN(upload, LookupUpload(conn, bucket, key, upload_id));
      for (const CompletedPart& part : parts) {
        IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("SELECT file_id, size, md5 FROM parts "
                                                   "WHERE upload_id = ?1 AND part_number = ?2"));
        q.Bind(upload_id).Bind(std::int64_t{part.part_number});
        IAM_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row || q.Text(2) != StripQuotes(part.etag)) {
          return MakeS3Error(ErrorCode::kInvalidArgument, "InvalidPart",
                             "one or more of the specified parts could not be found or its "
                             "entity tag did not match: part " +
                                 std::to_string(part.part_number));
        }
        chosen.push_back(
            ChosenPart{q.Text(0), static_cast<std::uint64_t>(q.Int(1)), q.Text(2), nullptr});
      }
      return OkStatus();
    });
    IAM_RETURN_IF_ERROR(found);
    for (std::size_t i = 0; i + 1 < chosen.size(); ++i) {
      if (chosen[i].size < options_.min_part_size) {
        return MakeS3Error(ErrorCode::kInvalidArgument, "EntityTooSmall",
                           "your proposed upload is smaller than the minimum allowed size: "
                           "part " +
                               std::to_string(parts[i].part_number));
      }
    }
    for (ChosenPart& part : chosen) {
      IAM_ASSIGN_OR_RETURN(part.body, blobs_->Open(part.file_id, 0, part.size));
    }
    return chosen;
  }

  // In the completing transaction: checks the upload and its chosen parts are as they were
  // read, deletes them, and returns every part file of the upload.
  Result<std::vector<std::string>> FinishUpload(Connection& conn, std::string_view bucket,
                                                std::string_view key, std::string_view upload_id,
                                                std::span<const CompletedPart> parts,
                                                const std::vector<ChosenPart>& chosen) {
    IAM_RETURN_IF_ERROR(LookupUpload(conn, bucket, key, upload_id));
    for (std::size_t i = 0; i < parts.size(); ++i) {
      IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("SELECT file_id FROM parts WHERE "
                                                 "upload_id = ?1 AND part_number = ?2"));
      q.Bind(upload_id).Bind(std::int64_t{parts[i].part_number});
      IAM_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row || q.Text(0) != chosen[i].file_id) {
        return MakeS3Error(ErrorCode::kAborted, "InternalError",
                           "a part changed while the upload completed; retry");
      }
    }
    return DeleteUploadRows(conn, upload_id);
  }

  // Appends all of `body` to `writer`.
  static Status CopyBody(ObjectBody& body, BlobWriter& writer) {
    std::vector<char> buffer(kCopyBufferSize);
    while (true) {
      IAM_ASSIGN_OR_RETURN(std::size_t n, body.Read(buffer));
      if (n == 0) {
        return OkStatus();
      }
      IAM_RETURN_IF_ERROR(writer.Append(std::string_view(buffer.data(), n)));
    }
  }

  // Runs `fn` in a read transaction (one snapshot).
  template <class Fn>
  auto Read(Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
    IAM_ASSIGN_OR_RETURN(std::unique_ptr<ReadLease> lease, AcquireReader());
    Connection& conn = lease->connection();
    IAM_RETURN_IF_ERROR(conn.Exec("BEGIN"));
    auto result = fn(conn);
    (void)conn.Exec("COMMIT");
    return result;
  }

  // Runs `fn` in a write transaction, committed when it succeeds.
  template <class Fn>
  auto Write(Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
    std::lock_guard<std::mutex> lock(writer_mu_);
    IAM_RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE"));
    auto result = fn(*writer_);
    if (!result.has_value()) {
      (void)writer_->Exec("ROLLBACK");
      return result;
    }
    Status committed = writer_->Exec("COMMIT");
    if (!committed.has_value()) {
      (void)writer_->Exec("ROLLBACK");
      return tl::unexpected(std::move(committed).error());
    }
    return result;
  }

  template <class Bind>
  Status UpdateBucketColumn(std::string_view bucket, std::string_view sql, Bind bind) {
    return Write([&](Connection& conn) -> Status {
      IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare(sql));
      q.Bind(bucket);
      bind(q);
      IAM_RETURN_IF_ERROR(q.Run());
      if (conn.Changes() == 0) {
        return NoSuchBucket(bucket);
      }
      return OkStatus();
    });
  }

  Result<BlobWriter*> OwnWriter(ObjectBodyWriter* body) {
    auto* writer = dynamic_cast<BlobWriter*>(body);
    if (writer == nullptr || writer->owner() != this) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "the body writer does not come from this store's NewBodyWriter");
    }
    return writer;
  }

  // Makes the body durable, then runs the test hook (a simulated crash leaves the file).
  Result<std::string> Seal(BlobWriter& writer) {
    IAM_ASSIGN_OR_RETURN(std::string file_id, writer.Seal());
    if (options_.before_commit_hook_for_test) {
      IAM_RETURN_IF_ERROR(options_.before_commit_hook_for_test());
    }
    return file_id;
  }

  // Removes the object row of `key`; returns its file id when there was one.
  Result<std::optional<std::string>> DeleteObjectRow(Connection& conn, std::string_view bucket,
                                                     std::string_view key) {
    std::optional<std::string> old;
    {
      IAM_ASSIGN_OR_RETURN(
          Query q, conn.Prepare("SELECT file_id FROM objects WHERE bucket = ?1 AND key = ?2"));
      q.Bind(bucket).Bind(key);
      IAM_ASSIGN_OR_RETURN(bool found, q.Step());
      if (!found) {
        return old;
      }
      old = q.Text(0);
    }
    IAM_ASSIGN_OR_RETURN(Query q,
                         conn.Prepare("DELETE FROM objects WHERE bucket = ?1 AND key = ?2"));
    q.Bind(bucket).Bind(key);
    IAM_RETURN_IF_ERROR(q.Run());
    return old;
  }

  // Deletes an upload and its parts; returns the parts' file ids.
  Result<std::vector<std::string>> DeleteUploadRows(Connection& conn, std::string_view upload_id) {
    IAM_ASSIGN_OR_RETURN(std::vector<std::string> files, PartFileIds(conn, upload_id));
    {
      IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("DELETE FROM parts WHERE upload_id = ?1"));
      q.Bind(upload_id);
      IAM_RETURN_IF_ERROR(q.Run());
    }
    IAM_ASSIGN_OR_RETURN(Query q, conn.Prepare("DELETE FROM uploads WHERE upload_id = ?1"));
    q.Bind(upload_id);
    IAM_RETURN_IF_ERROR(q.Run());
    return files;
  }

  // Commits the row of a sealed body `file_id` (replacing any object of the key), runs
  // `extra` in the same transaction, then removes the replaced body and the files
  // `extra` returned. On failure the new body is removed.
  Result<ObjectInfo> CommitObject(ObjectInfo info, const std::string& file_id,
                                  const ExtraWrite& extra) {
    info.last_modified = std::chrono::floor<std::chrono::milliseconds>(clock_.Now());
    Result<std::vector<std::string>> obsolete =
        Write([&](Connection& conn) -> Result<std::vector<std::string>> {
          IAM_RETURN_IF_ERROR(RequireBucket(conn, info.bucket));
          std::vector<std::string> files;
          if (extra) {
            IAM_ASSIGN_OR_RETURN(files, extra(conn));
          }
          IAM_ASSIGN_OR_RETURN(std::optional<std::string> old,
                               DeleteObjectRow(conn, info.bucket, info.key));
          if (old.has_value()) {
            files.push_back(std::move(*old));
          }
          IAM_ASSIGN_OR_RETURN(
              Query q,
              conn.Prepare("INSERT INTO objects (bucket, key, file_id, size, etag, "
                           "parts_count, modified_ms, " +
                           std::string(kAttributeColumns) + ") VALUES (?, ?, ?, ?, ?, ?, ?, " +
                           std::string(kAttributePlaceholders) + ")"));
          q.Bind(info.bucket)
              .Bind(info.key)
              .Bind(file_id)
              .Bind(static_cast<std::int64_t>(info.size))
              .Bind(info.etag)
              .Bind(std::int64_t{info.parts_count})
              .Bind(ToMs(info.last_modified));
          BindAttributes(q, info.attributes);
          IAM_RETURN_IF_ERROR(q.Run());
          return files;
        });
    if (!obsolete.has_value()) {
      RemoveBlobs({file_id});
      return tl::unexpected(std::move(obsolete).error());
    }
    RemoveBlobs(*obsolete);
    return info;
  }

  void RemoveBlobs(const std::vector<std::string>& ids) {
    if (ids.empty()) {
      return;
    }
    std::unique_lock<std::shared_mutex> files(files_mu_);
    for (const std::string& id : ids) {
      blobs_->Remove(id);
    }
  }

  const Clock& clock_;
  const ObjectStoreOptions options_;
  const std::unique_ptr<BlobStore> blobs_;
  std::shared_mutex files_mu_;
  std::mutex writer_mu_;
  std::unique_ptr<Connection> writer_;         // guarded by writer_mu_
  const std::filesystem::path database_file_;  // empty: in-memory database
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by pool_mu_
  int lock_fd_;
};

Status CreatePrivateDirectory(const std::filesystem::path& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    return MakeError(ErrorCode::kUnavailable,
                     "creating directory `" + directory.string() + "`: " + ec.message());
  }
  std::filesystem::permissions(directory, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenDiskObjectStore(const std::filesystem::path& data_dir,
                                                         const Clock& clock,
                                                         ObjectStoreOptions options) {
  const std::filesystem::path root = data_dir / std::string(kDirectoryName);
  const std::filesystem::path objects = root / std::string(kObjectsDirectoryName);
  IAM_RETURN_IF_ERROR(CreatePrivateDirectory(data_dir));
  IAM_RETURN_IF_ERROR(CreatePrivateDirectory(root));
  IAM_RETURN_IF_ERROR(CreatePrivateDirectory(objects));
  // One process at a time: garbage collection would remove another's files in flight.
  const std::filesystem::path lock_file = root / std::string(kLockFileName);
  const int lock_fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) {
    return MakeError(ErrorCode::kUnavailable, "opening `" + lock_file.string() + "`");
  }
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return MakeError(ErrorCode::kUnavailable,
                     "the object store in `" + root.string() + "` is in use by another process");
  }
  const std::filesystem::path file = root / std::string(kDatabaseFileName);
  const int busy_ms = static_cast<int>(options.busy_timeout.count());
  Result<std::unique_ptr<Connection>> writer = Connection::Open(file, false, busy_ms);
  Status ready = writer.has_value() ? OkStatus() : Status(tl::unexpected(writer.error()));
  if (ready.has_value()) {
    ready = (*writer)->Exec("PRAGMA journal_mode = WAL");
  }
  if (ready.has_value()) {
    ready = (*writer)->Exec("PRAGMA synchronous = FULL");
  }
  if (ready.has_value()) {
    ready = Migrate(**writer, clock);
  }
  if (!ready.has_value()) {
    ::close(lock_fd);
    return tl::unexpected(std::move(ready).error());
  }
  auto store = std::make_unique<SqlObjectStore>(
      clock, std::move(options), NewDiskBlobStore(objects), std::move(*writer), file, lock_fd);
  IAM_RETURN_IF_ERROR(store->CollectGarbage());
  return std::unique_ptr<ObjectStore>(std::move(store));
}

Result<std::unique_ptr<ObjectStore>> NewMemoryObjectStore(const Clock& clock,
                                                          ObjectStoreOptions options) {
  IAM_ASSIGN_OR_RETURN(
      std::unique_ptr<Connection> writer,
      Connection::Open(":memory:", false, static_cast<int>(options.busy_timeout.count())));
  IAM_RETURN_IF_ERROR(Migrate(*writer, clock));
  return std::unique_ptr<ObjectStore>(
      std::make_unique<SqlObjectStore>(clock, std::move(options), NewMemoryBlobStore(),
                                       std::move(writer), std::filesystem::path(), -1));
}

// ---- helpers of object_store.h ----

Result<std::string> ReadAll(ObjectBody& body) {
  std::string out;
  std::array<char, std::size_t{64} * 1024> buffer{};
  while (true) {
    IAM_ASSIGN_OR_RETURN(std::size_t n, body.Read(buffer));
    if (n == 0) {
      return out;
    }
    out.append(buffer.data(), n);
  }
}

Result<ObjectInfo> PutObjectFromString(ObjectStore& store, std::string_view bucket,
                                       std::string_view key, const ObjectAttributes& attributes,
                                       std::string_view data) {
  IAM_ASSIGN_OR_RETURN(std::unique_ptr<ObjectBodyWriter> writer, store.NewBodyWriter());
  IAM_RETURN_IF_ERROR(writer->Append(data));
  return store.PutObject(bucket, key, attributes, std::move(writer));
}

Result<ObjectInfo> PutObjectFromReader(ObjectStore& store, std::string_view bucket,
                                       std::string_view key, const ObjectAttributes& attributes,
                                       const BodyReader& read) {
  IAM_ASSIGN_OR_RETURN(std::unique_ptr<ObjectBodyWriter> writer, store.NewBodyWriter());
  std::vector<char> buffer(kCopyBufferSize);
  while (true) {
    IAM_ASSIGN_OR_RETURN(std::size_t n, read(buffer));
    if (n == 0) {
      break;
    }
    IAM_RETURN_IF_ERROR(writer->Append(std::string_view(buffer.data(), n)));
  }
  return store.PutObject(bucket, key, attributes, std::move(writer));
}

}  // namespace portcullis::objects
