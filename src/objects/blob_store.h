// BlobStore: where object and part bodies live, named by random ids; internal to the
// objects library. DiskBlobStore keeps one file per body in a directory (temporary files
// `tmp-<id>`, durable files `<id>`); MemoryBlobStore keeps immutable strings.
//
// A body is written through a BlobWriter (which hashes MD5 and counts bytes as they
// come) and made durable by Seal(): on disk fsync the file, rename it to its id, fsync
// the directory. Durable blobs never change; Open() reads a range of one, and keeps
// reading it after Remove() (an open file descriptor, a shared string).
// Thread-safety: a BlobStore may be used from many threads; one BlobWriter or body by
// one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <openssl/evp.h>
#include <string>
#include <string_view>

#include "common/error.h"

#include "objects/object_store.h"

namespace portcullis::objects {

// Returns 32 random lowercase hex characters (OpenSSL's CSPRNG).
std::string RandomHexId();

class BlobWriter : public ObjectBodyWriter {
 public:
  // `owner` identifies the store that made the writer.
  explicit BlobWriter(const void* owner);
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;
  BlobWriter(BlobWriter&&) = delete;
  BlobWriter& operator=(BlobWriter&&) = delete;
  ~BlobWriter() override;

  Status Append(std::string_view bytes) final;

  std::uint64_t size() const final { return size_; }

  std::string Md5() const final;

  const void* owner() const { return owner_; }

  // Makes the body durable under a new id and returns the id. Once only.
  [[nodiscard]] virtual Result<std::string> Seal() = 0;

 protected:
  [[nodiscard]] virtual Status Write(std::string_view bytes) = 0;

 private:
  const void* owner_;
  EVP_MD_CTX* md5_;
  std::uint64_t size_ = 0;
};

class BlobStore {
 public:
  BlobStore() = default;
  BlobStore(const BlobStore&) = delete;
  BlobStore& operator=(const BlobStore&) = delete;
  BlobStore(BlobStore&&) = delete;
  BlobStore& operator=(BlobStore&&) = delete;
  virtual ~BlobStore() = default;

  [[nodiscard]] virtual Result<std::unique_ptr<BlobWriter>> NewWriter(const void* owner) = 0;
  // A body reading `length` bytes from `offset` of blob `id`. kInternal when the blob is
  // missing (the metadata names it, so that is corruption).
  [[nodiscard]] virtual Result<std::unique_ptr<ObjectBody>> Open(std::string_view id,
                                                                 std::uint64_t offset,
                                                                 std::uint64_t length) = 0;
  // Best effort: a blob left behind is collected at the next open.
  virtual void Remove(std::string_view id) = 0;
  // Removes temporary files and every blob for which `referenced(id)` is false.
  // Returns how many were removed.
  [[nodiscard]] virtual Result<std::size_t> CollectGarbage(
      const std::function<bool(std::string_view)>& referenced) = 0;
};

// `directory` must exist.
std::unique_ptr<BlobStore> NewDiskBlobStore(std::filesystem::path directory);
std::unique_ptr<BlobStore> NewMemoryBlobStore();

}  // namespace portcullis::objects
