-- 0001_initial: buckets, objects, multipart uploads and their parts.
-- Times are milliseconds since the Unix epoch. Keys are TEXT compared with the BINARY
-- collation (memcmp): UTF-8 binary order, as S3 lists them. file_id names a body file in
-- the objects directory (or a blob of the memory backend). String lists (user metadata,
-- tags) are encoded as <decimal length>:<bytes> items, byte-exact.

CREATE TABLE buckets (
  name TEXT PRIMARY KEY,
  owner_account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  policy TEXT,
  public_access_block INTEGER  -- NULL: none; else bits 1 BlockPublicAcls, 2 IgnorePublicAcls,
                               -- 4 BlockPublicPolicy, 8 RestrictPublicBuckets
) WITHOUT ROWID;

CREATE INDEX buckets_by_owner ON buckets (owner_account_id, name);

CREATE TABLE objects (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  file_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  parts_count INTEGER NOT NULL DEFAULT 0,
  modified_ms INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  content_encoding TEXT NOT NULL,
  content_language TEXT NOT NULL,
  cache_control TEXT NOT NULL,
  content_disposition TEXT NOT NULL,
  expires TEXT NOT NULL,
  user_metadata TEXT NOT NULL,
  tags TEXT NOT NULL,
  checksum_crc32 TEXT NOT NULL,
  checksum_crc32c TEXT NOT NULL,
  checksum_sha256 TEXT NOT NULL,
  PRIMARY KEY (bucket, key)
) WITHOUT ROWID;

CREATE TABLE uploads (
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  initiated_ms INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  content_encoding TEXT NOT NULL,
  content_language TEXT NOT NULL,
  cache_control TEXT NOT NULL,
  content_disposition TEXT NOT NULL,
  expires TEXT NOT NULL,
  user_metadata TEXT NOT NULL,
  tags TEXT NOT NULL,
  checksum_crc32 TEXT NOT NULL,
  checksum_crc32c TEXT NOT NULL,
  checksum_sha256 TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX uploads_by_key ON uploads (bucket, key, upload_id);

CREATE TABLE parts (
  upload_id TEXT NOT NULL,
  part_number INTEGER NOT NULL,
  file_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  md5 TEXT NOT NULL,  -- hex
  modified_ms INTEGER NOT NULL,
  PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
