#include "objects/blob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <system_error>
#include <utility>
#include <vector>

#include "objects/errors.h"

namespace portcullis::objects {
namespace {

constexpr std::string_view kTempPrefix = "tmp-";

Error IoError(std::string_view what, int error_number) {
  return Error{ErrorCode::kUnavailable,
               std::string(what) + ": " + std::generic_category().message(error_number),
               std::nullopt,
               {},
               "InternalError"};
}

bool IsBlobId(std::string_view name) {
  return name.size() == 32 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Status FsyncDirectory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return tl::unexpected(IoError("opening the objects directory", errno));
  }
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) {
    return tl::unexpected(IoError("syncing the objects directory", saved));
  }
  return OkStatus();
}

class DiskBlobWriter final : public BlobWriter {
 public:
  DiskBlobWriter(const void* owner, std::filesystem::path directory, std::string id, int fd)
      : BlobWriter(owner), directory_(std::move(directory)), id_(std::move(id)), fd_(fd) {}

  DiskBlobWriter(const DiskBlobWriter&) = delete;
  DiskBlobWriter& operator=(const DiskBlobWriter&) = delete;
  DiskBlobWriter(DiskBlobWriter&&) = delete;
  DiskBlobWriter& operator=(DiskBlobWriter&&) = delete;

  ~DiskBlobWriter() override {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    if (!sealed_) {
      ::unlink(TempPath().c_str());
    }
  }

  Result<std::string> Seal() override {
    if (fd_ < 0 || sealed_) {
      return tl::unexpected(Error{
          ErrorCode::kInternal, "body writer already sealed or failed", std::nullopt, {}, {}});
    }
    if (::fsync(fd_) != 0) {
      return tl::unexpected(IoError("syncing a body file", errno));
    }
    const int rc = ::close(std::exchange(fd_, -1));
    if (rc != 0) {
      return tl::unexpected(IoError("closing a body file", errno));
    }
    if (::rename(TempPath().c_str(), (directory_ / id_).c_str()) != 0) {
      return tl::unexpected(IoError("renaming a body file", errno));
    }
    sealed_ = true;
    Status synced = FsyncDirectory(directory_);
    if (!synced.has_value()) {
      ::unlink((directory_ / id_).c_str());
      return tl::unexpected(std::move(synced).error());
    }
    return id_;
  }

 protected:
  Status Write(std::string_view bytes) override {
    if (fd_ < 0 || sealed_) {
      return tl::unexpected(Error{
          ErrorCode::kInternal, "body writer already sealed or failed", std::nullopt, {}, {}});
    }
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        const int saved = errno;
        ::close(std::exchange(fd_, -1));
        return tl::unexpected(IoError("writing a body file", saved));
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return OkStatus();
  }

 private:
  std::filesystem::path TempPath() const { return directory_ / (std::string(kTempPrefix) + id_); }

  std::filesystem::path directory_;
  std::string id_;
  int fd_;
  bool sealed_ = false;
};

class DiskBody final : public ObjectBody {
 public:
  DiskBody(int fd, std::uint64_t offset, std::uint64_t length)
      : fd_(fd), offset_(offset), remaining_(length) {}

  DiskBody(const DiskBody&) = delete;
  DiskBody& operator=(const DiskBody&) = delete;
  DiskBody(DiskBody&&) = delete;
  DiskBody& operator=(DiskBody&&) = delete;

  ~DiskBody() override { ::close(fd_); }

  Result<std::size_t> Read(std::span<char> out) override {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), remaining_));
    if (want == 0) {
      return 0;
    }
    while (true) {
      const ssize_t n = ::pread(fd_, out.data(), want, static_cast<off_t>(offset_));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        return tl::unexpected(IoError("reading a body file", errno));
      }
      if (n == 0) {
        return tl::unexpected(Error{ErrorCode::kInternal,
                                    "a body file is shorter than recorded",
                                    std::nullopt,
                                    {},
                                    "InternalError"});
      }
      offset_ += static_cast<std::uint64_t>(n);
      remaining_ -= static_cast<std::uint64_t>(n);
      return static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_;
  std::uint64_t offset_;
  std::uint64_t remaining_;
};

class DiskBlobStore final : public BlobStore {
 public:
  explicit DiskBlobStore(std::filesystem::path directory) : directory_(std::move(directory)) {}

  Result<std::unique_ptr<BlobWriter>> NewWriter(const void* owner) override {
    std::string id = RandomHexId();
    const std::filesystem::path temp = directory_ / (std::string(kTempPrefix) + id);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      return tl::unexpected(IoError("creating a body file", errno));
    }
    return std::make_unique<DiskBlobWriter>(owner, directory_, std::move(id), fd);
  }

  Result<std::unique_ptr<ObjectBody>> Open(std::string_view id, std::uint64_t offset,
                                           std::uint64_t length) override {
    const int fd = ::open((directory_ / std::string(id)).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      Error error = IoError("opening body file `" + std::string(id) + "`", errno);
      error.code = ErrorCode::kInternal;
      return tl::unexpected(std::move(error));
    }
    return std::make_unique<DiskBody>(fd, offset, length);
  }

  void Remove(std::string_view id) override { ::unlink((directory_ / std::string(id)).c_str()); }

  Result<std::size_t> CollectGarbage(
      const std::function<bool(std::string_view)>& referenced) override {
    std::error_code ec;
    std::vector<std::filesystem::path> doomed;
    for (std::filesystem::directory_iterator it(directory_, ec), end; !ec && it != end;
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.starts_with(kTempPrefix) || !IsBlobId(name) || !referenced(name)) {
        doomed.push_back(it->path());
      }
    }
    if (ec) {
      return tl::unexpected(IoError("listing the objects directory", ec.value()));
    }
    for (const auto& path : doomed) {
      std::filesystem::remove_all(path, ec);
    }
    if (!doomed.empty()) {
      IAM_RETURN_IF_ERROR(FsyncDirectory(directory_));
    }
    return doomed.size();
  }

 private:
  std::filesystem::path directory_;
};

// ---- memory ------------------------------------------------------------------------

using SharedBytes = std::shared_ptr<const std::string>;

class MemoryBlobStore;

class MemoryBlobWriter final : public BlobWriter {
 public:
  MemoryBlobWriter(const void* owner, MemoryBlobStore& store) : BlobWriter(owner), store_(store) {}

  Result<std::string> Seal() override;

 protected:
  Status Write(std::string_view bytes) override {
    bytes_.append(bytes);
    return OkStatus();
  }

 private:
  MemoryBlobStore& store_;
  std::string bytes_;
  bool sealed_ = false;
};

class MemoryBody final : public ObjectBody {
 public:
  MemoryBody(SharedBytes bytes, std::uint64_t offset, std::uint64_t length)
      : bytes_(std::move(bytes)), offset_(offset), remaining_(length) {}

  Result<std::size_t> Read(std::span<char> out) override {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), remaining_));
    std::memcpy(out.data(), bytes_->data() + offset_, n);
    offset_ += n;
    remaining_ -= n;
    return n;
  }

 private:
  SharedBytes bytes_;
  std::uint64_t offset_;
  std::uint64_t remaining_;
};

class MemoryBlobStore final : public BlobStore {
 public:
  Result<std::unique_ptr<BlobWriter>> NewWriter(const void* owner) override {
    return std::make_unique<MemoryBlobWriter>(owner, *this);
  }

  Result<std::unique_ptr<ObjectBody>> Open(std::string_view id, std::uint64_t offset,
                                           std::uint64_t length) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = blobs_.find(id);
    if (it == blobs_.end()) {
      return tl::unexpected(Error{ErrorCode::kInternal,
                                  "missing blob `" + std::string(id) + "`",
                                  std::nullopt,
                                  {},
                                  "InternalError"});
    }
    if (offset + length > it->second->size()) {
      return tl::unexpected(Error{ErrorCode::kInternal,
                                  "a blob is shorter than recorded",
                                  std::nullopt,
                                  {},
                                  "InternalError"});
    }
    return std::make_unique<MemoryBody>(it->second, offset, length);
  }

  void Remove(std::string_view id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = blobs_.find(id);
    if (it != blobs_.end()) {
      blobs_.erase(it);
    }
  }

  Result<std::size_t> CollectGarbage(
      const std::function<bool(std::string_view)>& referenced) override {
    std::lock_guard<std::mutex> lock(mu_);
    return std::erase_if(blobs_, [&](const auto& entry) { return !referenced(entry.first); });
  }

  std::string Add(std::string bytes) {
    std::string id = RandomHexId();
    std::lock_guard<std::mutex> lock(mu_);
    blobs_.emplace(id, std::make_shared<const std::string>(std::move(bytes)));
    return id;
  }

 private:
  std::mutex mu_;
  std::map<std::string, SharedBytes, std::less<>> blobs_;  // guarded by mu_
};

Result<std::string> MemoryBlobWriter::Seal() {
  if (sealed_) {
    return tl::unexpected(
        Error{ErrorCode::kInternal, "body writer already sealed", std::nullopt, {}, {}});
  }
  sealed_ = true;
  return store_.Add(std::move(bytes_));
}

}  // namespace

std::string RandomHexId() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    std::abort();  // the CSPRNG cannot fail once seeded; without it ids could collide
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

BlobWriter::BlobWriter(const void* owner) : owner_(owner), md5_(EVP_MD_CTX_new()) {
  if (md5_ == nullptr || EVP_DigestInit_ex(md5_, EVP_md5(), nullptr) != 1) {
    std::abort();  // out of memory
  }
}

BlobWriter::~BlobWriter() {
  EVP_MD_CTX_free(md5_);
}

Status BlobWriter::Append(std::string_view bytes) {
  IAM_RETURN_IF_ERROR(Write(bytes));
  EVP_DigestUpdate(md5_, bytes.data(), bytes.size());
  size_ += bytes.size();
  return OkStatus();
}

std::string BlobWriter::Md5() const {
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (copy == nullptr || EVP_MD_CTX_copy_ex(copy, md5_) != 1 ||
      EVP_DigestFinal_ex(copy, digest.data(), &size) != 1) {
    std::abort();  // out of memory
  }
  EVP_MD_CTX_free(copy);
  return {reinterpret_cast<const char*>(digest.data()), size};
}

std::unique_ptr<BlobStore> NewDiskBlobStore(std::filesystem::path directory) {
  return std::make_unique<DiskBlobStore>(std::move(directory));
}

std::unique_ptr<BlobStore> NewMemoryBlobStore() {
  return std::make_unique<MemoryBlobStore>();
}

}  // namespace portcullis::objects
