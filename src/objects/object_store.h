// ObjectStore: the storage layer of Portcullis's S3-compatible store. Buckets, objects
// (no versioning), object tags, bucket policies, Block Public Access settings and
// multipart uploads, with S3's error codes; nothing of HTTP, SigV4 or policy evaluation.
//
// Backends (built by the factories at the end):
//  - OpenDiskObjectStore: the default. <data_dir>/s3/objects.db is a SQLite database of
//    its own (WAL, synchronous=FULL, numbered migrations of src/objects/migrations/) that
//    never touches the identity store's; bodies live in <data_dir>/s3/objects/, one file
//    per object or part, named by a random id. Bucket names and keys never reach the
//    filesystem, so no name can escape the data directory whatever bytes it holds.
//  - NewMemoryObjectStore: for tests; bodies in memory, metadata in an in-memory SQLite
//    database, so both backends share the listing and multipart logic.
//
// Durability (disk backend): a body is written to `tmp-<id>` in the objects directory,
// fsynced, renamed to `<id>` and the directory fsynced before the metadata row that names
// it commits; the file of an overwritten or deleted object is removed after that commit.
// A crash at any point leaves the old object or the new one, whole; files no row names
// and temporary files are removed when the store next opens. An acknowledged write
// (a returned success) survives a crash or power loss.
//
// Multipart uploads: each part is stored like an object body. Completing an upload
// concatenates the chosen parts into one new body file (fsynced, as above) and then
// drops the parts, so a completed object reads like any other.
//
// Listing follows ListObjectsV2 / ListObjects: keys in UTF-8 binary (byte) order, prefix,
// delimiter with CommonPrefixes rolled up and counted against max-keys, an exclusive
// `marker` to resume after. NextMarker is the last key or common prefix returned; a marker
// equal to a common prefix skips every key under it. Continuation tokens for V2 are
// EncodeContinuationToken(next_marker). Listings run as SQL range scans in batches.
//
// Errors: Error::aws_code carries S3's code: NoSuchBucket, NoSuchKey, NoSuchUpload,
// BucketNotEmpty, BucketAlreadyExists, BucketAlreadyOwnedByYou, InvalidBucketName,
// EntityTooSmall, InvalidPart, InvalidPartOrder, InvalidRange, InvalidTag,
// MetadataTooLarge, KeyTooLongError, NoSuchBucketPolicy,
// NoSuchPublicAccessBlockConfiguration, InvalidArgument, InvalidRequest, MalformedXML.
// ErrorCode: kNotFound (NoSuch*), kAlreadyExists (Bucket*), kFailedPrecondition
// (BucketNotEmpty), kInvalidArgument (the rest of the request errors), kAborted (busy;
// retry), kUnavailable / kInternal (I/O, corruption).
//
// ETags are returned without quotes (the HTTP layer adds them); ETags given back by
// callers (CompleteMultipartUpload) may carry quotes.
//
// Thread-safety: every ObjectStore method may be called from many threads at once.
// Writes are serialized only for their short metadata commit; body I/O (writing,
// fsync, concatenating parts, reading) runs outside any store-wide lock. A reader that
// opened a body keeps reading the version it opened even if the key is overwritten or
// deleted meanwhile. One ObjectBodyWriter or ObjectBody must be used by one thread at a
// time. Only one process may open a data directory's store at a time.
// Ownership: writers and bodies borrow the store and must be destroyed before it; the
// Clock must outlive the store. Results are values the caller owns.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/error.h"

namespace portcullis::objects {

using TimePoint = std::chrono::system_clock::time_point;

// AWS: Amazon S3 User Guide, "Uploading and copying objects using multipart upload"
// (Amazon S3 multipart upload limits).
inline constexpr std::uint64_t kDefaultMinPartSize = std::uint64_t{5} * 1024 * 1024;
inline constexpr int kMaxPartNumber = 10000;
inline constexpr int kMaxListKeys = 1000;
inline constexpr std::size_t kMaxKeyBytes = 1024;
inline constexpr std::size_t kMaxTags = 10;
inline constexpr std::size_t kMaxTagKeyChars = 128;
inline constexpr std::size_t kMaxTagValueChars = 256;
inline constexpr std::size_t kMaxUserMetadataBytes = 2048;

// ---- Validation (pure functions) -------------------------------------------------

// Checks `name` against AWS's general purpose bucket naming rules (Amazon S3 User Guide,
// "General purpose bucket naming rules"): 3-63 characters of a-z, 0-9, '.', '-'; begins
// and ends with a letter or digit; no two adjacent periods; not an IPv4 address form;
// no "xn--", "sthree-", "amzn-s3-demo-" prefix; no "-s3alias", "--ol-s3", ".mrap",
// "--x-s3", "--table-s3" suffix. InvalidBucketName (kInvalidArgument) otherwise.
[[nodiscard]] Status ValidateBucketName(std::string_view name);

// Keys are 1..1024 bytes (AWS: "Naming Amazon S3 objects"). KeyTooLongError or
// InvalidArgument (empty) otherwise. Any other bytes are accepted.
[[nodiscard]] Status ValidateObjectKey(std::string_view key);

// AWS: "Categorizing your storage using tags": at most 10 tags, unique keys, a key of
// 1..128 and a value of 0..256 Unicode characters. InvalidTag otherwise.
using TagSet = std::vector<std::pair<std::string, std::string>>;
[[nodiscard]] Status ValidateObjectTags(const TagSet& tags);

// V2 continuation tokens: base64 of the marker to resume after; opaque to clients.
std::string EncodeContinuationToken(std::string_view next_marker);
// InvalidArgument ("The continuation token provided is incorrect") when not one of ours.
[[nodiscard]] Result<std::string> DecodeContinuationToken(std::string_view token);

// Returns the S3 multipart ETag of parts with the given binary MD5 digests:
// hex(MD5(md5_1 || md5_2 || ...)) + "-" + count.
std::string MultipartEtag(std::span<const std::string> binary_part_md5s);

// ---- Records ----------------------------------------------------------------------

struct Bucket {
  std::string name;
  std::string owner_account_id;
  std::string region;  // LocationConstraint; "" means us-east-1 as on AWS
  TimePoint created;
};

// AWS: PutPublicAccessBlock, PublicAccessBlockConfiguration.
struct PublicAccessBlock {
  bool block_public_acls = false;
  bool ignore_public_acls = false;
  bool block_public_policy = false;
  bool restrict_public_buckets = false;

  bool operator==(const PublicAccessBlock&) const = default;
};

// Checksums the caller verified against the body (base64 as in x-amz-checksum-*); the
// store keeps and returns them, it does not compute them.
struct ObjectChecksums {
  std::string crc32;
  std::string crc32c;
  std::string sha256;

  bool operator==(const ObjectChecksums&) const = default;
};

// What a PUT, CopyObject (REPLACE) or CreateMultipartUpload sets besides the body.
struct ObjectAttributes {
  std::string content_type;  // "" answers binary/octet-stream at the HTTP layer
  std::string content_encoding;
  std::string content_language;
  std::string cache_control;
  std::string content_disposition;
  std::string expires;                               // the header text as given
  std::map<std::string, std::string> user_metadata;  // x-amz-meta-* without the prefix
  TagSet tags;
  ObjectChecksums checksums;

  bool operator==(const ObjectAttributes&) const = default;
};

struct ObjectInfo {
  std::string bucket;
  std::string key;
  std::uint64_t size = 0;
  std::string etag;  // hex MD5, or hex-N for multipart objects; unquoted
  TimePoint last_modified;
  ObjectAttributes attributes;
  int parts_count = 0;  // 0 unless completed from a multipart upload
};

// A Range request, as parsed by the HTTP layer: "bytes=first-last", "bytes=first-" or
// "bytes=-suffix_length".
struct ByteRange {
  std::optional<std::uint64_t> first;
  std::optional<std::uint64_t> last;
  std::optional<std::uint64_t> suffix_length;
};

struct ListObjectsRequest {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  // Lists only keys after this one (StartAfter, Marker, or a decoded continuation token).
  std::string marker;
  int max_keys = kMaxListKeys;  // clamped to 0..1000
};

struct ListObjectsResult {
  std::vector<ObjectInfo> objects;           // key order
  std::vector<std::string> common_prefixes;  // key order
  bool is_truncated = false;
  // The last key or common prefix returned, when truncated; "" otherwise.
  std::string next_marker;

  // KeyCount of ListObjectsV2.
  int key_count() const { return static_cast<int>(objects.size() + common_prefixes.size()); }
};

struct MultipartUpload {
  std::string upload_id;
  std::string bucket;
  std::string key;
  TimePoint initiated;
  ObjectAttributes attributes;
};

struct PartInfo {
  int part_number = 0;
  std::uint64_t size = 0;
  std::string etag;  // hex MD5, unquoted
  TimePoint last_modified;
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;  // quoted or not
};

struct ListPartsRequest {
  std::string bucket;
  std::string key;
  std::string upload_id;
  int part_number_marker = 0;  // list parts after this number
  int max_parts = kMaxListKeys;
};

struct ListPartsResult {
  MultipartUpload upload;
  std::vector<PartInfo> parts;
  bool is_truncated = false;
  int next_part_number_marker = 0;  // last part returned
};

struct ListUploadsRequest {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::string key_marker;        // uploads of later keys (and see upload_id_marker)
  std::string upload_id_marker;  // with key_marker: also key_marker's later uploads
  int max_uploads = kMaxListKeys;
};

struct ListUploadsResult {
  std::vector<MultipartUpload> uploads;  // key order, then initiation order
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

enum class CopyDirective : std::uint8_t { kCopy, kReplace };

struct CopyObjectRequest {
  std::string source_bucket;
  std::string source_key;
  std::string bucket;
  std::string key;
  CopyDirective metadata_directive = CopyDirective::kCopy;
  CopyDirective tagging_directive = CopyDirective::kCopy;
  // With kReplace: the new attributes (their tags count only for tagging kReplace).
  ObjectAttributes attributes;
};

// ---- Bodies -----------------------------------------------------------------------

// A body being written (an object's or a part's), before the store commits it. Append
// what arrives; the bytes go to a temporary file (disk) as they come. Hand it to
// PutObject / UploadPart to commit it; destroying it uncommitted deletes what it wrote.
class ObjectBodyWriter {
 public:
  ObjectBodyWriter() = default;
  ObjectBodyWriter(const ObjectBodyWriter&) = delete;
  ObjectBodyWriter& operator=(const ObjectBodyWriter&) = delete;
  ObjectBodyWriter(ObjectBodyWriter&&) = delete;
  ObjectBodyWriter& operator=(ObjectBodyWriter&&) = delete;
  virtual ~ObjectBodyWriter() = default;

  // kUnavailable on an I/O error (the writer is then unusable).
  [[nodiscard]] virtual Status Append(std::string_view bytes) = 0;
  // Bytes appended so far.
  virtual std::uint64_t size() const = 0;
  // The binary (16-byte) MD5 of the bytes appended so far, e.g. to check Content-MD5.
  virtual std::string Md5() const = 0;
};

// An opened object body: the resolved range of one version of an object.
class ObjectBody {
 public:
  ObjectBody() = default;
  ObjectBody(const ObjectBody&) = delete;
  ObjectBody& operator=(const ObjectBody&) = delete;
  ObjectBody(ObjectBody&&) = delete;
  ObjectBody& operator=(ObjectBody&&) = delete;
  virtual ~ObjectBody() = default;

  // Reads up to out.size() bytes of the range into `out`; returns how many (0: the
  // range is done). kUnavailable on an I/O error.
  [[nodiscard]] virtual Result<std::size_t> Read(std::span<char> out) = 0;
};

struct OpenedObject {
  ObjectInfo info;
  std::uint64_t offset = 0;  // first byte of the range
  std::uint64_t length = 0;  // bytes in the range
  bool is_range = false;     // a range was asked for (206 Partial Content)
  std::unique_ptr<ObjectBody> body;
};

// Reads a body to its end into a string (tests, small objects).
[[nodiscard]] Result<std::string> ReadAll(ObjectBody& body);

// ---- The store --------------------------------------------------------------------

class ObjectStore {
 public:
  ObjectStore() = default;
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;
  ObjectStore(ObjectStore&&) = delete;
  ObjectStore& operator=(ObjectStore&&) = delete;
  virtual ~ObjectStore() = default;

  // Buckets. CreateBucket validates the name (InvalidBucketName); a taken name answers
  // BucketAlreadyOwnedByYou when `owner_account_id` owns it, BucketAlreadyExists
  // otherwise (names are global across accounts).
  [[nodiscard]] virtual Result<Bucket> CreateBucket(std::string_view name,
                                                    std::string_view owner_account_id,
                                                    std::string_view region) = 0;
  // NoSuchBucket when missing.
  [[nodiscard]] virtual Result<Bucket> GetBucket(std::string_view name) = 0;
  // The account's buckets in name order.
  [[nodiscard]] virtual Result<std::vector<Bucket>> ListBuckets(
      std::string_view owner_account_id) = 0;
  // NoSuchBucket; BucketNotEmpty while objects or multipart uploads exist.
  [[nodiscard]] virtual Status DeleteBucket(std::string_view name) = 0;

  // Bucket policy text, stored as given (the service validates it). Get answers
  // NoSuchBucketPolicy when none; Delete is idempotent. NoSuchBucket for all three.
  [[nodiscard]] virtual Status PutBucketPolicy(std::string_view bucket,
                                               std::string_view policy) = 0;
  [[nodiscard]] virtual Result<std::string> GetBucketPolicy(std::string_view bucket) = 0;
  [[nodiscard]] virtual Status DeleteBucketPolicy(std::string_view bucket) = 0;

  // Block Public Access at bucket level. Get answers NoSuchPublicAccessBlockConfiguration
  // when none was put; Delete is idempotent. NoSuchBucket for all three.
  [[nodiscard]] virtual Status PutPublicAccessBlock(std::string_view bucket,
                                                    const PublicAccessBlock& config) = 0;
  [[nodiscard]] virtual Result<PublicAccessBlock> GetPublicAccessBlock(std::string_view bucket) = 0;
  [[nodiscard]] virtual Status DeletePublicAccessBlock(std::string_view bucket) = 0;

  // Objects.
  // A new writer for a body (a temporary file in the objects directory on disk).
  [[nodiscard]] virtual Result<std::unique_ptr<ObjectBodyWriter>> NewBodyWriter() = 0;
  // Commits `body` (from this store's NewBodyWriter) as `key`, replacing any object of
  // that key atomically. NoSuchBucket; KeyTooLongError; InvalidTag; MetadataTooLarge.
  [[nodiscard]] virtual Result<ObjectInfo> PutObject(std::string_view bucket, std::string_view key,
                                                     const ObjectAttributes& attributes,
                                                     std::unique_ptr<ObjectBodyWriter> body) = 0;
  // NoSuchBucket, NoSuchKey.
  [[nodiscard]] virtual Result<ObjectInfo> GetObjectInfo(std::string_view bucket,
                                                         std::string_view key) = 0;
  // Opens the object (or `range` of it). NoSuchBucket, NoSuchKey; InvalidRange when the
  // range starts at or past the end (or is a zero suffix, or the object is empty).
  [[nodiscard]] virtual Result<OpenedObject> OpenObject(std::string_view bucket,
                                                        std::string_view key,
                                                        const std::optional<ByteRange>& range) = 0;
  // Deletes the object if present; returns whether it was. NoSuchBucket.
  [[nodiscard]] virtual Result<bool> DeleteObject(std::string_view bucket,
                                                  std::string_view key) = 0;
  // Copies within or between buckets. Attributes come from the source (kCopy) or the
  // request (kReplace), tags likewise by tagging_directive. NoSuchBucket (either),
  // NoSuchKey (source); InvalidRequest for a copy onto itself with kCopy metadata.
  [[nodiscard]] virtual Result<ObjectInfo> CopyObject(const CopyObjectRequest& request) = 0;
  [[nodiscard]] virtual Result<ListObjectsResult> ListObjects(
      const ListObjectsRequest& request) = 0;

  // Object tags: replace, read, remove. NoSuchBucket, NoSuchKey; InvalidTag.
  [[nodiscard]] virtual Status PutObjectTags(std::string_view bucket, std::string_view key,
                                             const TagSet& tags) = 0;
  [[nodiscard]] virtual Result<TagSet> GetObjectTags(std::string_view bucket,
                                                     std::string_view key) = 0;
  [[nodiscard]] virtual Status DeleteObjectTags(std::string_view bucket, std::string_view key) = 0;

  // Multipart uploads. Every call but Create answers NoSuchUpload when the upload does
  // not exist in that bucket under that key.
  [[nodiscard]] virtual Result<MultipartUpload> CreateMultipartUpload(
      std::string_view bucket, std::string_view key, const ObjectAttributes& attributes) = 0;
  // Stores part `part_number` (1..10000, else InvalidArgument), replacing an earlier one.
  [[nodiscard]] virtual Result<PartInfo> UploadPart(std::string_view bucket, std::string_view key,
                                                    std::string_view upload_id, int part_number,
                                                    std::unique_ptr<ObjectBodyWriter> body) = 0;
  [[nodiscard]] virtual Result<ListPartsResult> ListParts(const ListPartsRequest& request) = 0;
  [[nodiscard]] virtual Result<ListUploadsResult> ListMultipartUploads(
      const ListUploadsRequest& request) = 0;
  // Assembles the listed parts into the object. MalformedXML (no parts); InvalidPartOrder
  // (not ascending); InvalidPart (unknown part or ETag mismatch); EntityTooSmall (a part
  // but the last under the minimum part size). The ETag is MultipartEtag of the parts.
  [[nodiscard]] virtual Result<ObjectInfo> CompleteMultipartUpload(
      std::string_view bucket, std::string_view key, std::string_view upload_id,
      std::span<const CompletedPart> parts) = 0;
  [[nodiscard]] virtual Status AbortMultipartUpload(std::string_view bucket, std::string_view key,
                                                    std::string_view upload_id) = 0;
};

// Convenience: writes `data` to a new body writer of `store` and puts it.
[[nodiscard]] Result<ObjectInfo> PutObjectFromString(ObjectStore& store, std::string_view bucket,
                                                     std::string_view key,
                                                     const ObjectAttributes& attributes,
                                                     std::string_view data);

// Convenience: fills a new body writer from `read` (which returns bytes read into its
// buffer, 0 at the end) and puts it.
using BodyReader = std::function<Result<std::size_t>(std::span<char>)>;
[[nodiscard]] Result<ObjectInfo> PutObjectFromReader(ObjectStore& store, std::string_view bucket,
                                                     std::string_view key,
                                                     const ObjectAttributes& attributes,
                                                     const BodyReader& read);

struct ObjectStoreOptions {
  // Minimum size of every part but the last at CompleteMultipartUpload.
  std::uint64_t min_part_size = kDefaultMinPartSize;
  // How long a metadata statement waits for a SQLite lock.
  std::chrono::milliseconds busy_timeout = std::chrono::seconds(5);
  // Idle read connections kept open for reuse (disk backend).
  int max_idle_readers = 8;
  // Test-only: called after a new body file is durably in place and before its metadata
  // commits. An error return simulates a crash there: the call fails and the file is left
  // behind, as a crash would leave it.
  std::function<Status()> before_commit_hook_for_test;
};

// Opens (creating when missing, mode 0700) <data_dir>/s3/, its database and objects
// directory; applies pending migrations; removes temporary files and files no metadata
// row names. kUnavailable when they cannot be opened; kFailedPrecondition when the
// database's schema is newer than this binary.
[[nodiscard]] Result<std::unique_ptr<ObjectStore>> OpenDiskObjectStore(
    const std::filesystem::path& data_dir, const Clock& clock, ObjectStoreOptions options = {});

[[nodiscard]] Result<std::unique_ptr<ObjectStore>> NewMemoryObjectStore(
    const Clock& clock, ObjectStoreOptions options = {});

}  // namespace portcullis::objects
