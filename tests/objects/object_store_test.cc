// One suite for both ObjectStore backends: each case runs on the in-memory store and on
// the disk store in a fresh temporary data directory. Crash-safety cases run on disk only.

#include "objects/object_store.h"

#include <stdlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <openssl/evp.h>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace portcullis::objects {
namespace {

constexpr char kOwner[] = "111122223333";
constexpr char kOther[] = "444455556666";
constexpr char kBucket[] = "photos";
constexpr std::uint64_t kTestMinPartSize = 1024;

enum class Backend { kMemory, kDisk };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kMemory ? "Memory" : "Disk";
}

std::string Md5(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_md5(), nullptr);
  return {reinterpret_cast<const char*>(digest.data()), size};
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += kDigits[static_cast<unsigned char>(c) >> 4U];
    out += kDigits[static_cast<unsigned char>(c) & 0xFU];
  }
  return out;
}

#define ASSERT_OK(expr)                                           \
  do {                                                            \
    auto&& assert_ok_result_ = (expr);                            \
    ASSERT_TRUE(assert_ok_result_.has_value())                    \
        << #expr << ": " << assert_ok_result_.error().ToString(); \
  } while (false)

#define EXPECT_AWS_ERROR(expr, code)                                                 \
  do {                                                                               \
    auto&& aws_result_ = (expr);                                                     \
    ASSERT_FALSE(aws_result_.has_value()) << #expr << " succeeded";                  \
    EXPECT_EQ(aws_result_.error().aws_code, code) << aws_result_.error().ToString(); \
  } while (false)

class ObjectStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "objects_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ / "data";
    options_.min_part_size = kTestMinPartSize;
    Open();
    ASSERT_OK(store_->CreateBucket(kBucket, kOwner, ""));
  }

  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  bool disk() const { return GetParam() == Backend::kDisk; }

  void Open() {
    store_.reset();
    auto store = disk() ? OpenDiskObjectStore(dir_, clock_, options_)
                        : NewMemoryObjectStore(clock_, options_);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
  }

  std::filesystem::path ObjectsDir() const { return dir_ / "s3" / "objects"; }

  std::set<std::string> FilesOnDisk() const {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(ObjectsDir())) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  Result<ObjectInfo> Put(std::string_view key, std::string_view data,
                         const ObjectAttributes& attributes = {},
                         std::string_view bucket = kBucket) {
    return PutObjectFromString(*store_, bucket, key, attributes, data);
  }

  std::string Get(std::string_view key, std::optional<ByteRange> range = std::nullopt,
                  std::string_view bucket = kBucket) {
    auto opened = store_->OpenObject(bucket, key, range);
    EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
    if (!opened.has_value()) {
      return "<error>";
    }
    auto data = ReadAll(*opened->body);
    EXPECT_TRUE(data.has_value());
    EXPECT_EQ(data->size(), opened->length);
    return data.value_or("<error>");
  }

  Result<PartInfo> UploadPart(const MultipartUpload& upload, int number, std::string_view data) {
    auto writer = store_->NewBodyWriter();
    if (!writer.has_value()) {
      return tl::unexpected(writer.error());
    }
    IAM_RETURN_IF_ERROR((*writer)->Append(data));
    return store_->UploadPart(upload.bucket, upload.key, upload.upload_id, number,
                              std::move(*writer));
  }

  // Every key and common prefix of a listing paged `page` at a time through markers.
  std::vector<std::string> ListAll(std::string prefix, std::string delimiter, int page) {
    std::vector<std::string> all;
    std::string marker;
    for (int guard = 0; guard < 100000; ++guard) {
      ListObjectsRequest request{kBucket, prefix, delimiter, marker, page};
      auto result = store_->ListObjects(request);
      EXPECT_TRUE(result.has_value());
      if (!result.has_value()) {
        break;
      }
      std::vector<std::string> entries;
      for (const auto& object : result->objects) {
        entries.push_back(object.key);
      }
      for (const auto& common : result->common_prefixes) {
        entries.push_back("P:" + common);
      }
      std::sort(entries.begin(), entries.end(), [](const std::string& a, const std::string& b) {
        return a.substr(a.starts_with("P:") ? 2 : 0) < b.substr(b.starts_with("P:") ? 2 : 0);
      });
      EXPECT_LE(result->key_count(), page);
      all.insert(all.end(), entries.begin(), entries.end());
      if (!result->is_truncated) {
        EXPECT_TRUE(result->next_marker.empty());
        break;
      }
      // Through the opaque V2 token, as the service will.
      auto decoded = DecodeContinuationToken(EncodeContinuationToken(result->next_marker));
      EXPECT_TRUE(decoded.has_value());
      marker = *decoded;
    }
    return all;
  }

  std::filesystem::path root_;
  std::filesystem::path dir_;
  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  ObjectStoreOptions options_;
  std::unique_ptr<ObjectStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, ObjectStoreTest,
                         ::testing::Values(Backend::kMemory, Backend::kDisk), BackendName);

// What only the disk backend has: durability, crash recovery, the directory lock.
class DiskObjectStoreTest : public ObjectStoreTest {};

INSTANTIATE_TEST_SUITE_P(Disk, DiskObjectStoreTest, ::testing::Values(Backend::kDisk), BackendName);

// ---- validation ---------------------------------------------------------------------

TEST(BucketNameTest, FollowsGeneralPurposeRules) {
  for (const char* good : {"abc", "my-bucket", "my.bucket.1", "0bucket", "a1b2c3",
                           "docexamplebucket1", "123", "bucket-xn--x", "s3alias-x"}) {
    EXPECT_TRUE(ValidateBucketName(good).has_value()) << good;
  }
  const std::string long_name(64, 'a');
  for (const std::string& bad : {std::string("ab"),
                                 long_name,
                                 std::string("My-Bucket"),
                                 std::string("-bucket"),
                                 std::string("bucket-"),
                                 std::string(".bucket"),
                                 std::string("bucket."),
                                 std::string("my..bucket"),
                                 std::string("192.168.5.4"),
                                 std::string("xn--bucket"),
                                 std::string("sthree-bucket"),
                                 std::string("amzn-s3-demo-bucket"),
                                 std::string("bucket-s3alias"),
                                 std::string("bucket--ol-s3"),
                                 std::string("bucket.mrap"),
                                 std::string("bucket--x-s3"),
                                 std::string("bucket--table-s3"),
                                 std::string("my_bucket"),
                                 std::string("my bucket"),
                                 std::string("../etc"),
                                 std::string("a/b/c"),
                                 std::string("bucket\xc3\xa9")}) {
    auto status = ValidateBucketName(bad);
    ASSERT_FALSE(status.has_value()) << bad;
    EXPECT_EQ(status.error().aws_code, "InvalidBucketName") << bad;
  }
  EXPECT_TRUE(ValidateBucketName(std::string(63, 'a')).has_value());
  EXPECT_TRUE(ValidateBucketName("192.168.5.4a").has_value());
}

TEST(ObjectTagsTest, FollowsS3Limits) {
  EXPECT_TRUE(ValidateObjectTags({}).has_value());
  TagSet ten;
  for (int i = 0; i < 10; ++i) {
    ten.emplace_back("k" + std::to_string(i), "v");
  }
  EXPECT_TRUE(ValidateObjectTags(ten).has_value());
  ten.emplace_back("k10", "v");
  EXPECT_EQ(ValidateObjectTags(ten).error().aws_code, "InvalidTag");
  EXPECT_TRUE(ValidateObjectTags({{std::string(128, 'k'), std::string(256, 'v')}}).has_value());
  EXPECT_FALSE(ValidateObjectTags({{std::string(129, 'k'), "v"}}).has_value());
  EXPECT_FALSE(ValidateObjectTags({{"k", std::string(257, 'v')}}).has_value());
  EXPECT_FALSE(ValidateObjectTags({{"", "v"}}).has_value());
  EXPECT_FALSE(ValidateObjectTags({{"k", "1"}, {"k", "2"}}).has_value());
  // Limits count characters, not bytes: 128 two-byte characters fit.
  std::string accented;
  for (int i = 0; i < 128; ++i) {
    accented += "\xc3\xa9";
  }
  EXPECT_TRUE(ValidateObjectTags({{accented, accented + accented}}).has_value());
}

TEST(ContinuationTokenTest, RoundTripsAndRejectsGarbage) {
  const std::string key = "a/\xe2\x98\x83/\x01z";
  auto decoded = DecodeContinuationToken(EncodeContinuationToken(key));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, key);
  EXPECT_EQ(DecodeContinuationToken("not base64!").error().aws_code, "InvalidArgument");
  EXPECT_FALSE(DecodeContinuationToken("").has_value());
}

// ---- buckets ------------------------------------------------------------------------

TEST_P(ObjectStoreTest, BucketsAreGlobalAndOwned) {
  auto bucket = store_->GetBucket(kBucket);
  ASSERT_OK(bucket);
  EXPECT_EQ(bucket->owner_account_id, kOwner);
  EXPECT_EQ(bucket->region, "");
  EXPECT_EQ(bucket->created, clock_.Now());

  EXPECT_AWS_ERROR(store_->CreateBucket(kBucket, kOwner, ""), "BucketAlreadyOwnedByYou");
  EXPECT_AWS_ERROR(store_->CreateBucket(kBucket, kOther, "eu-west-1"), "BucketAlreadyExists");
  EXPECT_AWS_ERROR(store_->CreateBucket("Bad_Name", kOwner, ""), "InvalidBucketName");

  ASSERT_OK(store_->CreateBucket("zeta", kOwner, "eu-west-1"));
  ASSERT_OK(store_->CreateBucket("alpha", kOwner, ""));
  ASSERT_OK(store_->CreateBucket("others", kOther, "us-west-2"));
  auto mine = store_->ListBuckets(kOwner);
  ASSERT_OK(mine);
  std::vector<std::string> names;
  for (const auto& b : *mine) {
    names.push_back(b.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", kBucket, "zeta"}));
  auto theirs = store_->ListBuckets(kOther);
  ASSERT_OK(theirs);
  ASSERT_EQ(theirs->size(), 1U);
  EXPECT_EQ((*theirs)[0].region, "us-west-2");

  ASSERT_OK(store_->DeleteBucket("zeta"));
  EXPECT_AWS_ERROR(store_->GetBucket("zeta"), "NoSuchBucket");
  EXPECT_AWS_ERROR(store_->DeleteBucket("zeta"), "NoSuchBucket");
  // The name is free again, for anyone.
  ASSERT_OK(store_->CreateBucket("zeta", kOther, ""));
}

TEST_P(ObjectStoreTest, DeleteBucketRefusesObjectsAndUploads) {
  ASSERT_OK(Put("a", "x"));
  EXPECT_AWS_ERROR(store_->DeleteBucket(kBucket), "BucketNotEmpty");
  ASSERT_OK(store_->DeleteObject(kBucket, "a"));
  auto upload = store_->CreateMultipartUpload(kBucket, "big", {});
  ASSERT_OK(upload);
  EXPECT_AWS_ERROR(store_->DeleteBucket(kBucket), "BucketNotEmpty");
  ASSERT_OK(store_->AbortMultipartUpload(kBucket, "big", upload->upload_id));
  ASSERT_OK(store_->DeleteBucket(kBucket));
}

TEST_P(ObjectStoreTest, BucketPolicyAndPublicAccessBlock) {
  EXPECT_AWS_ERROR(store_->GetBucketPolicy(kBucket), "NoSuchBucketPolicy");
  ASSERT_OK(store_->PutBucketPolicy(kBucket, R"({"Version":"2012-10-17","Statement":[]})"));
  auto policy = store_->GetBucketPolicy(kBucket);
  ASSERT_OK(policy);
  EXPECT_EQ(*policy, R"({"Version":"2012-10-17","Statement":[]})");
  ASSERT_OK(store_->DeleteBucketPolicy(kBucket));
  ASSERT_OK(store_->DeleteBucketPolicy(kBucket));
  EXPECT_AWS_ERROR(store_->GetBucketPolicy(kBucket), "NoSuchBucketPolicy");
  EXPECT_AWS_ERROR(store_->PutBucketPolicy("nope", "{}"), "NoSuchBucket");
  EXPECT_AWS_ERROR(store_->GetBucketPolicy("nope"), "NoSuchBucket");
  EXPECT_AWS_ERROR(store_->DeleteBucketPolicy("nope"), "NoSuchBucket");

  EXPECT_AWS_ERROR(store_->GetPublicAccessBlock(kBucket), "NoSuchPublicAccessBlockConfiguration");
  for (int bits = 0; bits < 16; ++bits) {
    const PublicAccessBlock config{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0,
                                   (bits & 8) != 0};
    ASSERT_OK(store_->PutPublicAccessBlock(kBucket, config));
    auto got = store_->GetPublicAccessBlock(kBucket);
    ASSERT_OK(got);
    EXPECT_EQ(*got, config);
  }
  ASSERT_OK(store_->DeletePublicAccessBlock(kBucket));
  EXPECT_AWS_ERROR(store_->GetPublicAccessBlock(kBucket), "NoSuchPublicAccessBlockConfiguration");
  EXPECT_AWS_ERROR(store_->PutPublicAccessBlock("nope", {}), "NoSuchBucket");
}

// ---- objects ------------------------------------------------------------------------

TEST_P(ObjectStoreTest, PutGetRoundTripsBodyAndAttributes) {
  ObjectAttributes attributes;
  attributes.content_type = "text/plain";
  attributes.content_encoding = "gzip";
  attributes.content_language = "en";
  attributes.cache_control = "max-age=60";
  attributes.content_disposition = "attachment; filename=\"a.txt\"";
  attributes.expires = "Wed, 21 Oct 2015 07:28:00 GMT";
  attributes.user_metadata = {{"color", "blue"}, {"odd", std::string("a:1:b\0c", 7)}, {"e", ""}};
  attributes.tags = {{"project", "x"}, {"stage", ""}};
  attributes.checksums = {"AAAAAA==", "BBBBBB==", "sha256base64="};
  const std::string data = "hello, world";
  auto info = Put("docs/a.txt", data, attributes);
  ASSERT_OK(info);
  EXPECT_EQ(info->size, data.size());
  EXPECT_EQ(info->etag, Hex(Md5(data)));
  EXPECT_EQ(info->parts_count, 0);

  auto head = store_->GetObjectInfo(kBucket, "docs/a.txt");
  ASSERT_OK(head);
  EXPECT_EQ(head->attributes, attributes);
  EXPECT_EQ(head->etag, info->etag);
  EXPECT_EQ(head->size, data.size());
  EXPECT_EQ(head->last_modified, clock_.Now());
  EXPECT_EQ(Get("docs/a.txt"), data);

  auto tags = store_->GetObjectTags(kBucket, "docs/a.txt");
  ASSERT_OK(tags);
  EXPECT_EQ(*tags, attributes.tags);

  // Overwrite: the new object replaces the old one whole.
  clock_.Advance(std::chrono::seconds(5));
  ASSERT_OK(Put("docs/a.txt", "v2"));
  auto second = store_->GetObjectInfo(kBucket, "docs/a.txt");
  ASSERT_OK(second);
  EXPECT_EQ(second->attributes, ObjectAttributes{});
  EXPECT_EQ(second->last_modified, clock_.Now());
  EXPECT_EQ(Get("docs/a.txt"), "v2");
  if (disk()) {
    EXPECT_EQ(FilesOnDisk().size(), 1U);  // the replaced body is gone
  }
}

TEST_P(ObjectStoreTest, EmptyObjectsAndMissingThings) {
  auto info = Put("empty", "");
  ASSERT_OK(info);
  EXPECT_EQ(info->etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Get("empty"), "");
  EXPECT_AWS_ERROR(store_->OpenObject(kBucket, "empty", ByteRange{0, 0, std::nullopt}),
                   "InvalidRange");
  EXPECT_AWS_ERROR(store_->GetObjectInfo(kBucket, "missing"), "NoSuchKey");
  EXPECT_AWS_ERROR(store_->OpenObject(kBucket, "missing", std::nullopt), "NoSuchKey");
  EXPECT_AWS_ERROR(store_->GetObjectInfo("nope", "x"), "NoSuchBucket");
  EXPECT_AWS_ERROR(Put("x", "y", {}, "nope"), "NoSuchBucket");
  EXPECT_AWS_ERROR(store_->DeleteObject("nope", "x"), "NoSuchBucket");
  EXPECT_AWS_ERROR(Put("", "y"), "InvalidArgument");
  EXPECT_AWS_ERROR(Put(std::string(1025, 'k'), "y"), "KeyTooLongError");
  if (disk()) {
    EXPECT_EQ(FilesOnDisk().size(), 1U);  // failed puts left nothing behind
  }
}

TEST_P(ObjectStoreTest, DeleteIsIdempotent) {
  ASSERT_OK(Put("k", "v"));
  auto first = store_->DeleteObject(kBucket, "k");
  ASSERT_OK(first);
  EXPECT_TRUE(*first);
  auto second = store_->DeleteObject(kBucket, "k");
  ASSERT_OK(second);
  EXPECT_FALSE(*second);
  EXPECT_AWS_ERROR(store_->GetObjectInfo(kBucket, "k"), "NoSuchKey");
  if (disk()) {
    EXPECT_TRUE(FilesOnDisk().empty());
  }
}

TEST_P(ObjectStoreTest, RangesResolveAsHttpSays) {
  const std::string data = "0123456789";
  ASSERT_OK(Put("r", data));
  EXPECT_EQ(Get("r", ByteRange{2, 5, std::nullopt}), "2345");
  EXPECT_EQ(Get("r", ByteRange{7, std::nullopt, std::nullopt}), "789");
  EXPECT_EQ(Get("r", ByteRange{7, 100, std::nullopt}), "789");
  EXPECT_EQ(Get("r", ByteRange{std::nullopt, std::nullopt, 3}), "789");
  EXPECT_EQ(Get("r", ByteRange{std::nullopt, std::nullopt, 30}), data);
  EXPECT_EQ(Get("r", ByteRange{9, 9, std::nullopt}), "9");
  auto opened = store_->OpenObject(kBucket, "r", ByteRange{2, 5, std::nullopt});
  ASSERT_OK(opened);
  EXPECT_TRUE(opened->is_range);
  EXPECT_EQ(opened->offset, 2U);
  EXPECT_EQ(opened->length, 4U);
  EXPECT_EQ(opened->info.size, 10U);
  EXPECT_AWS_ERROR(store_->OpenObject(kBucket, "r", ByteRange{10, std::nullopt, std::nullopt}),
                   "InvalidRange");
  EXPECT_AWS_ERROR(store_->OpenObject(kBucket, "r", ByteRange{std::nullopt, std::nullopt, 0}),
                   "InvalidRange");
  EXPECT_AWS_ERROR(store_->OpenObject(kBucket, "r", ByteRange{5, 4, std::nullopt}), "InvalidRange");
}

TEST_P(ObjectStoreTest, OpenBodySurvivesOverwriteAndDelete) {
  const std::string old_data(100000, 'o');
  ASSERT_OK(Put("k", old_data));
  auto opened = store_->OpenObject(kBucket, "k", std::nullopt);
  ASSERT_OK(opened);
  ASSERT_OK(Put("k", "new"));
  ASSERT_OK(store_->DeleteObject(kBucket, "k"));
  auto data = ReadAll(*opened->body);
  ASSERT_OK(data);
  EXPECT_EQ(*data, old_data);
}

TEST_P(ObjectStoreTest, NamesNeverReachTheFilesystem) {
  const std::vector<std::string> keys = {"../../../../etc/passwd",
                                         "..",
                                         ".",
                                         "/absolute",
                                         "a//b",
                                         "\x01\x02\x7f",
                                         "\xff\xfe\x80 not utf-8",
                                         "with\nnewline",
                                         "back\\slash",
                                         std::string(1024, '/'),
                                         std::string(1024, 'k')};
  for (const std::string& key : keys) {
    ASSERT_OK(Put(key, "body of " + key));
  }
  for (const std::string& key : keys) {
    EXPECT_EQ(Get(key), "body of " + key);
  }
  if (disk()) {
    // Only id-named files, all inside the objects directory; nothing above it.
    for (const std::string& name : FilesOnDisk()) {
      EXPECT_EQ(name.size(), 32U) << name;
    }
    std::set<std::string> top;
    for (const auto& entry : std::filesystem::directory_iterator(root_)) {
      top.insert(entry.path().filename().string());
    }
    EXPECT_EQ(top, std::set<std::string>{"data"});
  }
}

TEST_P(ObjectStoreTest, UserMetadataIsLimited) {
  ObjectAttributes attributes;
  attributes.user_metadata["big"] = std::string(2045, 'x');
  ASSERT_OK(Put("ok", "x", attributes));
  attributes.user_metadata["big"] = std::string(2046, 'x');
  EXPECT_AWS_ERROR(Put("too-big", "x", attributes), "MetadataTooLarge");
}

TEST_P(ObjectStoreTest, ObjectTags) {
  ASSERT_OK(Put("k", "v"));
  const TagSet tags = {{"a", "1"}, {"b\xc3\xa9", "\xe2\x98\x83"}};
  ASSERT_OK(store_->PutObjectTags(kBucket, "k", tags));
  auto got = store_->GetObjectTags(kBucket, "k");
  ASSERT_OK(got);
  EXPECT_EQ(*got, tags);
  ASSERT_OK(store_->DeleteObjectTags(kBucket, "k"));
  got = store_->GetObjectTags(kBucket, "k");
  ASSERT_OK(got);
  EXPECT_TRUE(got->empty());
  EXPECT_AWS_ERROR(store_->PutObjectTags(kBucket, "k", {{"k", "1"}, {"k", "2"}}), "InvalidTag");
  EXPECT_AWS_ERROR(store_->PutObjectTags(kBucket, "missing", tags), "NoSuchKey");
  EXPECT_AWS_ERROR(store_->GetObjectTags("nope", "k"), "NoSuchBucket");
  ObjectAttributes attributes;
  attributes.tags = {{std::string(129, 'k'), ""}};
  EXPECT_AWS_ERROR(Put("k2", "v", attributes), "InvalidTag");
}

TEST_P(ObjectStoreTest, CopyObject) {
  ObjectAttributes attributes;
  attributes.content_type = "image/png";
  attributes.user_metadata = {{"m", "1"}};
  attributes.tags = {{"t", "1"}};
  attributes.checksums.crc32 = "crc==";
  ASSERT_OK(Put("src", "payload", attributes));
  ASSERT_OK(store_->CreateBucket("backup", kOther, ""));

  CopyObjectRequest copy{
      kBucket, "src", "backup", "dst", CopyDirective::kCopy, CopyDirective::kCopy, {}};
  auto copied = store_->CopyObject(copy);
  ASSERT_OK(copied);
  EXPECT_EQ(copied->etag, Hex(Md5("payload")));
  EXPECT_EQ(copied->attributes, attributes);
  EXPECT_EQ(Get("dst", std::nullopt, "backup"), "payload");

  ObjectAttributes replacement;
  replacement.content_type = "text/plain";
  replacement.tags = {{"new", "tag"}};
  copy = {kBucket,    "src", kBucket, "src", CopyDirective::kReplace, CopyDirective::kCopy,
          replacement};
  auto replaced = store_->CopyObject(copy);
  ASSERT_OK(replaced);
  EXPECT_EQ(replaced->attributes.content_type, "text/plain");
  EXPECT_TRUE(replaced->attributes.user_metadata.empty());
  EXPECT_EQ(replaced->attributes.tags, attributes.tags);            // tagging COPY
  EXPECT_EQ(replaced->attributes.checksums, attributes.checksums);  // same bytes
  EXPECT_EQ(Get("src"), "payload");

  copy = {kBucket,    "src", kBucket, "third", CopyDirective::kCopy, CopyDirective::kReplace,
          replacement};
  auto retagged = store_->CopyObject(copy);
  ASSERT_OK(retagged);
  EXPECT_EQ(retagged->attributes.tags, replacement.tags);
  EXPECT_EQ(retagged->attributes.content_type, "text/plain");

  copy = {kBucket, "src", kBucket, "src", CopyDirective::kCopy, CopyDirective::kCopy, {}};
  EXPECT_AWS_ERROR(store_->CopyObject(copy), "InvalidRequest");
  copy = {kBucket, "missing", kBucket, "x", CopyDirective::kCopy, CopyDirective::kCopy, {}};
  EXPECT_AWS_ERROR(store_->CopyObject(copy), "NoSuchKey");
  copy = {"nope", "src", kBucket, "x", CopyDirective::kCopy, CopyDirective::kCopy, {}};
  EXPECT_AWS_ERROR(store_->CopyObject(copy), "NoSuchBucket");
  copy = {kBucket, "src", "nope", "x", CopyDirective::kCopy, CopyDirective::kCopy, {}};
  EXPECT_AWS_ERROR(store_->CopyObject(copy), "NoSuchBucket");
}

TEST_P(ObjectStoreTest, PutFromReaderStreams) {
  std::string expected;
  int calls = 0;
  auto info = PutObjectFromReader(*store_, kBucket, "streamed", {},
                                  [&](std::span<char> out) -> Result<std::size_t> {
                                    if (calls == 5) {
                                      return 0;
                                    }
                                    const std::size_t n = std::min<std::size_t>(out.size(), 3000);
                                    std::fill_n(out.begin(), n, static_cast<char>('a' + calls));
                                    expected.append(n, static_cast<char>('a' + calls));
                                    ++calls;
                                    return n;
                                  });
  ASSERT_OK(info);
  EXPECT_EQ(info->etag, Hex(Md5(expected)));
  EXPECT_EQ(Get("streamed"), expected);
}

TEST_P(ObjectStoreTest, RejectsAnotherStoresWriter) {
  auto other = NewMemoryObjectStore(clock_);
  ASSERT_OK(other);
  auto writer = (*other)->NewBodyWriter();
  ASSERT_OK(writer);
  auto put = store_->PutObject(kBucket, "k", {}, std::move(*writer));
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(ObjectStoreTest, AbandonedWriterLeavesNothing) {
  {
    auto writer = store_->NewBodyWriter();
    ASSERT_OK(writer);
    ASSERT_OK((*writer)->Append("partial"));
    EXPECT_EQ((*writer)->size(), 7U);
    EXPECT_EQ((*writer)->Md5(), Md5("partial"));
  }
  if (disk()) {
    EXPECT_TRUE(FilesOnDisk().empty());
  }
}

// ---- listing ------------------------------------------------------------------------

TEST_P(ObjectStoreTest, ListsInBinaryKeyOrder) {
  const std::vector<std::string> keys = {"b",
                                         "a",
                                         "B",
                                         "a/b",
                                         "a\xc3\xa9",
                                         "z",
                                         "\xe2\x98\x83",
                                         "a-b",
                                         "A",
                                         "aa",
                                         std::string("\x01", 1)};
  for (const auto& key : keys) {
    ASSERT_OK(Put(key, key));
  }
  std::vector<std::string> expected = keys;
  std::sort(expected.begin(), expected.end());  // std::string compares bytes unsigned
  EXPECT_EQ(ListAll("", "", 1000), expected);
  EXPECT_EQ(ListAll("", "", 1), expected);
  EXPECT_EQ(ListAll("", "", 3), expected);
  auto result = store_->ListObjects({kBucket, "", "", "", 1000});
  ASSERT_OK(result);
  EXPECT_EQ(result->objects.front().key, "\x01");
  EXPECT_EQ(result->objects.back().key, "\xe2\x98\x83");
  EXPECT_EQ(result->objects[0].size, 1U);
  EXPECT_EQ(result->objects[0].etag, Hex(Md5("\x01")));
  EXPECT_AWS_ERROR(store_->ListObjects({"nope", "", "", "", 1000}), "NoSuchBucket");
}

TEST_P(ObjectStoreTest, ListsWithPrefixAndDelimiter) {
  for (const char* key : {"photos/2024/jan/a.jpg", "photos/2024/jan/b.jpg", "photos/2024/feb/c.jpg",
                          "photos/2025/d.jpg", "photos/e.jpg", "photos/", "photosx", "readme",
                          "docs/a", "docs/b/c", "z/"}) {
    ASSERT_OK(Put(key, "x"));
  }
  EXPECT_EQ(ListAll("", "/", 1000),
            (std::vector<std::string>{"P:docs/", "P:photos/", "photosx", "readme", "P:z/"}));
  EXPECT_EQ(
      ListAll("photos/", "/", 1000),
      (std::vector<std::string>{"photos/", "P:photos/2024/", "P:photos/2025/", "photos/e.jpg"}));
  EXPECT_EQ(ListAll("photos/2024/", "/", 1000),
            (std::vector<std::string>{"P:photos/2024/feb/", "P:photos/2024/jan/"}));
  EXPECT_EQ(ListAll("photos", "", 1000),
            (std::vector<std::string>{"photos/", "photos/2024/feb/c.jpg", "photos/2024/jan/a.jpg",
                                      "photos/2024/jan/b.jpg", "photos/2025/d.jpg", "photos/e.jpg",
                                      "photosx"}));
  // A multi-character delimiter.
  EXPECT_EQ(ListAll("photos/", "/jan/", 1000),
            (std::vector<std::string>{"photos/", "photos/2024/feb/c.jpg", "P:photos/2024/jan/",
                                      "photos/2025/d.jpg", "photos/e.jpg"}));
  // Paging one entry at a time gives the same entries, common prefixes counted as keys.
  for (int page : {1, 2, 3}) {
    EXPECT_EQ(ListAll("", "/", page), ListAll("", "/", 1000)) << page;
    EXPECT_EQ(ListAll("photos/", "/", page), ListAll("photos/", "/", 1000)) << page;
  }
  auto first = store_->ListObjects({kBucket, "", "/", "", 2});
  ASSERT_OK(first);
  EXPECT_TRUE(first->is_truncated);
  EXPECT_EQ(first->key_count(), 2);
  EXPECT_EQ(first->next_marker, "photos/");  // a common prefix: resuming skips it whole
  auto second = store_->ListObjects({kBucket, "", "/", first->next_marker, 2});
  ASSERT_OK(second);
  ASSERT_EQ(second->objects.size(), 2U);
  EXPECT_EQ(second->objects[0].key, "photosx");
  EXPECT_EQ(ListAll("nothing-here", "/", 5), std::vector<std::string>{});
}

TEST_P(ObjectStoreTest, StartAfterAndMaxKeys) {
  for (const char* key : {"a", "b/1", "b/2", "c", "d"}) {
    ASSERT_OK(Put(key, "x"));
  }
  auto none = store_->ListObjects({kBucket, "", "", "", 0});
  ASSERT_OK(none);
  EXPECT_EQ(none->key_count(), 0);
  EXPECT_FALSE(none->is_truncated);
  auto clamped = store_->ListObjects({kBucket, "", "", "", 5000});
  ASSERT_OK(clamped);
  EXPECT_EQ(clamped->key_count(), 5);
  auto negative = store_->ListObjects({kBucket, "", "", "", -3});
  ASSERT_OK(negative);
  EXPECT_EQ(negative->key_count(), 0);

  // StartAfter inside a common prefix lists the rest of it as that prefix again.
  auto after = store_->ListObjects({kBucket, "", "/", "b/1", 10});
  ASSERT_OK(after);
  ASSERT_EQ(after->common_prefixes, std::vector<std::string>{"b/"});
  ASSERT_EQ(after->objects.size(), 2U);
  EXPECT_EQ(after->objects[0].key, "c");
  // StartAfter a key that does not exist, before the prefix, after everything.
  auto between = store_->ListObjects({kBucket, "", "", "bb", 10});
  ASSERT_OK(between);
  EXPECT_EQ(between->objects.front().key, "c");
  auto before_prefix = store_->ListObjects({kBucket, "c", "", "a", 10});
  ASSERT_OK(before_prefix);
  EXPECT_EQ(before_prefix->key_count(), 1);
  auto past = store_->ListObjects({kBucket, "", "", "zzz", 10});
  ASSERT_OK(past);
  EXPECT_EQ(past->key_count(), 0);
  EXPECT_FALSE(past->is_truncated);
  // Exactly max-keys entries: not truncated.
  auto exact = store_->ListObjects({kBucket, "", "/", "", 4});
  ASSERT_OK(exact);
  EXPECT_EQ(exact->key_count(), 4);
  EXPECT_FALSE(exact->is_truncated);
}

TEST_P(ObjectStoreTest, ListsManyKeysAcrossBatches) {
  std::vector<std::string> expected;
  for (int i = 0; i < 1200; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "dir%d/key%05d", i % 3, i);
    ASSERT_OK(Put(key, ""));
    expected.emplace_back(key);
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ListAll("", "", 1000), expected);
  EXPECT_EQ(ListAll("", "/", 1000), (std::vector<std::string>{"P:dir0/", "P:dir1/", "P:dir2/"}));
  auto page = store_->ListObjects({kBucket, "dir1/", "", "", 1000});
  ASSERT_OK(page);
  EXPECT_EQ(page->key_count(), 400);
  EXPECT_FALSE(page->is_truncated);
}

TEST_P(ObjectStoreTest, ListsEdgeBytes) {
  // Prefix ending in 0xFF bytes; delimiter after the prefix; 1024-byte keys.
  const std::string ff = "p\xff\xff";
  const std::string long_key = std::string(1022, 'L') + "/x";
  for (const std::string& key : {ff + "a/1", ff + "a/2", ff + "b", std::string("q"), long_key}) {
    ASSERT_OK(Put(key, "x"));
  }
  EXPECT_EQ(ListAll(ff, "/", 1), (std::vector<std::string>{"P:" + ff + "a/", ff + "b"}));
  const std::string long_prefix = std::string(1022, 'L') + "/";
  EXPECT_EQ(ListAll("", "/", 1),
            (std::vector<std::string>{"P:" + long_prefix, "P:" + ff + "a/", ff + "b", "q"}));
  // Common prefixes ending in 0xFF bytes, and one with no successor at all.
  const std::string only_ff = "\xff";
  ASSERT_OK(Put(only_ff + "a", "x"));
  EXPECT_EQ(ListAll("", only_ff, 1),
            (std::vector<std::string>{long_prefix + "x", "P:p" + only_ff, "q", "P:" + only_ff}));
  EXPECT_EQ(ListAll("p", only_ff, 1), (std::vector<std::string>{"P:p" + only_ff}));
}

// ---- multipart ----------------------------------------------------------------------

TEST_P(ObjectStoreTest, MultipartUploadAssemblesWithAwsEtag) {
  ObjectAttributes attributes;
  attributes.content_type = "video/mp4";
  attributes.user_metadata = {{"origin", "camera"}};
  auto upload = store_->CreateMultipartUpload(kBucket, "movie.mp4", attributes);
  ASSERT_OK(upload);
  EXPECT_EQ(upload->upload_id.size(), 32U);
  const std::string part1(kTestMinPartSize, '1');
  const std::string part2(kTestMinPartSize + 7, '2');
  const std::string part3 = "tail";
  auto p1 = UploadPart(*upload, 1, part1);
  ASSERT_OK(p1);
  EXPECT_EQ(p1->etag, Hex(Md5(part1)));
  ASSERT_OK(UploadPart(*upload, 2, "will be replaced"));
  auto p2 = UploadPart(*upload, 2, part2);
  ASSERT_OK(p2);
  auto p3 = UploadPart(*upload, 5, part3);
  ASSERT_OK(p3);
  ASSERT_OK(UploadPart(*upload, 7, "not used"));

  const std::vector<CompletedPart> parts = {
      {1, "\"" + p1->etag + "\""}, {2, p2->etag}, {5, p3->etag}};
  auto info = store_->CompleteMultipartUpload(kBucket, "movie.mp4", upload->upload_id, parts);
  ASSERT_OK(info);
  const std::string expected_etag = Hex(Md5(Md5(part1) + Md5(part2) + Md5(part3))) + "-3";
  EXPECT_EQ(info->etag, expected_etag);
  EXPECT_EQ(info->parts_count, 3);
  EXPECT_EQ(info->size, part1.size() + part2.size() + part3.size());
  EXPECT_EQ(info->attributes, attributes);
  EXPECT_EQ(Get("movie.mp4"), part1 + part2 + part3);
  EXPECT_EQ(Get("movie.mp4", ByteRange{kTestMinPartSize - 2, kTestMinPartSize + 1, std::nullopt}),
            "1122");
  auto head = store_->GetObjectInfo(kBucket, "movie.mp4");
  ASSERT_OK(head);
  EXPECT_EQ(head->etag, expected_etag);
  EXPECT_EQ(head->parts_count, 3);

  // The upload is gone, with its parts (the unused one too).
  EXPECT_AWS_ERROR(store_->ListParts({kBucket, "movie.mp4", upload->upload_id, 0, 1000}),
                   "NoSuchUpload");
  EXPECT_AWS_ERROR(store_->CompleteMultipartUpload(kBucket, "movie.mp4", upload->upload_id, parts),
                   "NoSuchUpload");
  if (disk()) {
    EXPECT_EQ(FilesOnDisk().size(), 1U);
  }
  ASSERT_OK(store_->DeleteObject(kBucket, "movie.mp4"));
  ASSERT_OK(store_->DeleteBucket(kBucket));
}

TEST(MultipartEtagTest, MatchesAwsForm) {
  // Two parts whose MD5s are known: MD5("") and MD5("a").
  const std::string md5_empty = Md5("");
  const std::string md5_a = Md5("a");
  EXPECT_EQ(Hex(md5_a), "0cc175b9c0f1b6a831c399e269772661");
  const std::vector<std::string> parts = {md5_empty, md5_a};
  EXPECT_EQ(MultipartEtag(parts), Hex(Md5(md5_empty + md5_a)) + "-2");
}

TEST_P(ObjectStoreTest, CompleteChecksPartsOrderAndSizes) {
  auto upload = store_->CreateMultipartUpload(kBucket, "k", {});
  ASSERT_OK(upload);
  const std::string big(kTestMinPartSize, 'b');
  auto p1 = UploadPart(*upload, 1, "small");
  ASSERT_OK(p1);
  auto p2 = UploadPart(*upload, 2, big);
  ASSERT_OK(p2);
  auto p3 = UploadPart(*upload, 3, big);
  ASSERT_OK(p3);
  auto complete = [&](std::vector<CompletedPart> parts) {
    return store_->CompleteMultipartUpload(kBucket, "k", upload->upload_id, parts);
  };
  EXPECT_AWS_ERROR(complete({}), "MalformedXML");
  EXPECT_AWS_ERROR(complete({{2, p2->etag}, {1, p1->etag}}), "InvalidPartOrder");
  EXPECT_AWS_ERROR(complete({{2, p2->etag}, {2, p2->etag}}), "InvalidPartOrder");
  EXPECT_AWS_ERROR(complete({{2, p2->etag}, {4, p2->etag}}), "InvalidPart");
  EXPECT_AWS_ERROR(complete({{2, p3->etag.substr(1) + "0"}}), "InvalidPart");
  EXPECT_AWS_ERROR(complete({{1, p1->etag}, {2, p2->etag}}), "EntityTooSmall");
  EXPECT_AWS_ERROR(store_->CompleteMultipartUpload(kBucket, "other", upload->upload_id,
                                                   std::vector<CompletedPart>{{2, p2->etag}}),
                   "NoSuchUpload");
  // The last part may be small; quoted upper-case ETags match too.
  std::string upper = p2->etag;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char c) { return static_cast<char>(std::toupper(c)); });
  ASSERT_OK(UploadPart(*upload, 4, "end"));
  auto done = complete({{2, "\"" + upper + "\""}, {3, p3->etag}, {4, Hex(Md5("end"))}});
  ASSERT_OK(done);
  EXPECT_EQ(Get("k"), big + big + "end");
}

TEST_P(ObjectStoreTest, DefaultMinimumPartSizeIsFiveMebibytes) {
  options_ = ObjectStoreOptions{};
  Open();
  if (!disk()) {
    ASSERT_OK(store_->CreateBucket(kBucket, kOwner, ""));
  }
  auto upload = store_->CreateMultipartUpload(kBucket, "k", {});
  ASSERT_OK(upload);
  const std::string almost(kDefaultMinPartSize - 1, 'a');
  auto p1 = UploadPart(*upload, 1, almost);
  ASSERT_OK(p1);
  auto p2 = UploadPart(*upload, 2, "b");
  ASSERT_OK(p2);
  EXPECT_AWS_ERROR(
      store_->CompleteMultipartUpload(kBucket, "k", upload->upload_id,
                                      std::vector<CompletedPart>{{1, p1->etag}, {2, p2->etag}}),
      "EntityTooSmall");
  auto p1_full = UploadPart(*upload, 1, almost + "a");
  ASSERT_OK(p1_full);
  ASSERT_OK(store_->CompleteMultipartUpload(
      kBucket, "k", upload->upload_id,
      std::vector<CompletedPart>{{1, p1_full->etag}, {2, p2->etag}}));
}

TEST_P(ObjectStoreTest, UploadPartChecksNumbersAndUploads) {
  auto upload = store_->CreateMultipartUpload(kBucket, "k", {});
  ASSERT_OK(upload);
  EXPECT_AWS_ERROR(UploadPart(*upload, 0, "x"), "InvalidArgument");
  EXPECT_AWS_ERROR(UploadPart(*upload, 10001, "x"), "InvalidArgument");
  ASSERT_OK(UploadPart(*upload, 10000, "x"));
  MultipartUpload wrong = *upload;
  wrong.key = "other";
  EXPECT_AWS_ERROR(UploadPart(wrong, 1, "x"), "NoSuchUpload");
  wrong = *upload;
  wrong.upload_id = "0000";
  EXPECT_AWS_ERROR(UploadPart(wrong, 1, "x"), "NoSuchUpload");
  wrong = *upload;
  wrong.bucket = "nope";
  EXPECT_AWS_ERROR(UploadPart(wrong, 1, "x"), "NoSuchBucket");
  ASSERT_OK(store_->AbortMultipartUpload(kBucket, "k", upload->upload_id));
  EXPECT_AWS_ERROR(store_->AbortMultipartUpload(kBucket, "k", upload->upload_id), "NoSuchUpload");
  EXPECT_AWS_ERROR(UploadPart(*upload, 1, "x"), "NoSuchUpload");
  EXPECT_AWS_ERROR(store_->CreateMultipartUpload("nope", "k", {}), "NoSuchBucket");
  if (disk()) {
    EXPECT_TRUE(FilesOnDisk().empty());
  }
}

TEST_P(ObjectStoreTest, ListPartsPages) {
  auto upload = store_->CreateMultipartUpload(kBucket, "k", {});
  ASSERT_OK(upload);
  for (int n : {3, 1, 2, 10, 7}) {
    ASSERT_OK(UploadPart(*upload, n, std::string(static_cast<std::size_t>(n), 'x')));
  }
  std::vector<int> seen;
  int marker = 0;
  while (true) {
    auto page = store_->ListParts({kBucket, "k", upload->upload_id, marker, 2});
    ASSERT_OK(page);
    EXPECT_EQ(page->upload.upload_id, upload->upload_id);
    for (const auto& part : page->parts) {
      seen.push_back(part.part_number);
      EXPECT_EQ(part.size, static_cast<std::uint64_t>(part.part_number));
      EXPECT_EQ(part.etag, Hex(Md5(std::string(part.size, 'x'))));
    }
    if (!page->is_truncated) {
      break;
    }
    marker = page->next_part_number_marker;
  }
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 7, 10}));
  auto none = store_->ListParts({kBucket, "k", upload->upload_id, 0, 0});
  ASSERT_OK(none);
  EXPECT_TRUE(none->parts.empty());
}

TEST_P(ObjectStoreTest, ListMultipartUploads) {
  std::vector<MultipartUpload> uploads;
  for (const char* key : {"b/2", "a", "b/1", "a", "c", "b/1"}) {
    clock_.Advance(std::chrono::seconds(1));
    auto upload = store_->CreateMultipartUpload(kBucket, key, {});
    ASSERT_OK(upload);
    uploads.push_back(*upload);
  }
  auto all = store_->ListMultipartUploads({kBucket, "", "", "", "", 1000});
  ASSERT_OK(all);
  std::vector<std::string> order;
  for (const auto& u : all->uploads) {
    order.push_back(u.key + "#" + u.upload_id);
  }
  // Key order, then initiation order.
  EXPECT_EQ(order,
            (std::vector<std::string>{"a#" + uploads[1].upload_id, "a#" + uploads[3].upload_id,
                                      "b/1#" + uploads[2].upload_id, "b/1#" + uploads[5].upload_id,
                                      "b/2#" + uploads[0].upload_id, "c#" + uploads[4].upload_id}));
  EXPECT_FALSE(all->is_truncated);

  auto rolled = store_->ListMultipartUploads({kBucket, "", "/", "", "", 1000});
  ASSERT_OK(rolled);
  EXPECT_EQ(rolled->common_prefixes, std::vector<std::string>{"b/"});
  EXPECT_EQ(rolled->uploads.size(), 3U);

  auto prefixed = store_->ListMultipartUploads({kBucket, "b/", "", "", "", 1000});
  ASSERT_OK(prefixed);
  EXPECT_EQ(prefixed->uploads.size(), 3U);

  // Paging two at a time through key and upload-id markers.
  std::vector<std::string> paged;
  std::string key_marker;
  std::string id_marker;
  while (true) {
    auto page = store_->ListMultipartUploads({kBucket, "", "", key_marker, id_marker, 2});
    ASSERT_OK(page);
    for (const auto& u : page->uploads) {
      paged.push_back(u.key + "#" + u.upload_id);
    }
    if (!page->is_truncated) {
      break;
    }
    key_marker = page->next_key_marker;
    id_marker = page->next_upload_id_marker;
  }
  EXPECT_EQ(paged, order);
  // A key marker alone skips every upload of that key.
  auto after_a = store_->ListMultipartUploads({kBucket, "", "", "a", "", 1000});
  ASSERT_OK(after_a);
  EXPECT_EQ(after_a->uploads.front().key, "b/1");
  // Paging with a delimiter, one entry at a time.
  std::vector<std::string> rolled_paged;
  key_marker.clear();
  id_marker.clear();
  while (true) {
    auto page = store_->ListMultipartUploads({kBucket, "", "/", key_marker, id_marker, 1});
    ASSERT_OK(page);
    for (const auto& u : page->uploads) {
      rolled_paged.push_back(u.key);
    }
    for (const auto& p : page->common_prefixes) {
      rolled_paged.push_back("P:" + p);
    }
    if (!page->is_truncated) {
      break;
    }
    key_marker = page->next_key_marker;
    id_marker = page->next_upload_id_marker;
  }
  EXPECT_EQ(rolled_paged, (std::vector<std::string>{"a", "a", "P:b/", "c"}));
}

// ---- durability and crash safety (disk) ----------------------------------------------

TEST_P(DiskObjectStoreTest, DataSurvivesReopen) {
  ObjectAttributes attributes;
  attributes.user_metadata = {{"k", "v"}};
  ASSERT_OK(Put("kept", "body", attributes));
  ASSERT_OK(store_->PutBucketPolicy(kBucket, "{}"));
  auto upload = store_->CreateMultipartUpload(kBucket, "mp", {});
  ASSERT_OK(upload);
  ASSERT_OK(UploadPart(*upload, 1, "part"));
  Open();
  EXPECT_EQ(Get("kept"), "body");
  auto info = store_->GetObjectInfo(kBucket, "kept");
  ASSERT_OK(info);
  EXPECT_EQ(info->attributes, attributes);
  auto parts = store_->ListParts({kBucket, "mp", upload->upload_id, 0, 10});
  ASSERT_OK(parts);
  ASSERT_EQ(parts->parts.size(), 1U);
  EXPECT_EQ(FilesOnDisk().size(), 2U);
}

TEST_P(DiskObjectStoreTest, CrashBeforeCommitKeepsOldObjectAndCollectsTheNewFile) {
  ASSERT_OK(Put("k", "old"));
  const std::set<std::string> before = FilesOnDisk();
  std::atomic<bool> crash{true};
  options_.before_commit_hook_for_test = [&]() -> Status {
    if (crash) {
      return MakeError(ErrorCode::kUnavailable, "simulated crash");
    }
    return OkStatus();
  };
  Open();
  EXPECT_FALSE(Put("k", "new").has_value());
  EXPECT_EQ(FilesOnDisk().size(), 2U);  // the new body file was left behind, as by a crash
  EXPECT_EQ(Get("k"), "old");
  // Leftovers of other crashes: a temporary file, an unreferenced id file, junk.
  std::ofstream(ObjectsDir() / "tmp-0123456789abcdef0123456789abcdef") << "half";
  std::ofstream(ObjectsDir() / "0123456789abcdef0123456789abcdef") << "orphan";
  std::ofstream(ObjectsDir() / "stray") << "junk";
  crash = false;
  Open();
  EXPECT_EQ(FilesOnDisk(), before);
  EXPECT_EQ(Get("k"), "old");
  ASSERT_OK(Put("k", "new"));
  EXPECT_EQ(Get("k"), "new");
  EXPECT_EQ(FilesOnDisk().size(), 1U);
}

TEST_P(DiskObjectStoreTest, SecondProcessCannotOpenTheSameDirectory) {
  auto second = OpenDiskObjectStore(dir_, clock_, options_);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
}

// ---- concurrency --------------------------------------------------------------------

TEST_P(ObjectStoreTest, ReadersSeeWholeObjectsWhileWritersReplaceThem) {
  const std::string a(64 * 1024, 'a');
  const std::string b(32 * 1024, 'b');
  ASSERT_OK(Put("hot", a));
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 40; ++i) {
        if (!Put("hot", ((i + w) % 2 == 0) ? a : b).has_value()) {
          ++failures;
        }
        if (!Put("other" + std::to_string(w) + "-" + std::to_string(i), "x").has_value()) {
          ++failures;
        }
      }
    });
  }
  for (int r = 0; r < 3; ++r) {
    threads.emplace_back([&] {
      while (!stop) {
        auto opened = store_->OpenObject(kBucket, "hot", std::nullopt);
        if (!opened.has_value()) {
          ++failures;
          continue;
        }
        auto data = ReadAll(*opened->body);
        if (!data.has_value() || (*data != a && *data != b) ||
            (opened->info.etag != Hex(Md5(*data)))) {
          ++failures;
        }
        auto listed = store_->ListObjects({kBucket, "", "", "", 1000});
        if (!listed.has_value()) {
          ++failures;
        }
      }
    });
  }
  threads[0].join();
  threads[1].join();
  stop = true;
  for (std::size_t i = 2; i < threads.size(); ++i) {
    threads[i].join();
  }
  EXPECT_EQ(failures.load(), 0);
  auto listed = store_->ListObjects({kBucket, "other", "", "", 1000});
  ASSERT_OK(listed);
  EXPECT_EQ(listed->key_count(), 80);
  if (disk()) {
    EXPECT_EQ(FilesOnDisk().size(), 81U);
  }
}

}  // namespace
}  // namespace portcullis::objects
