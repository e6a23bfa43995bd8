// The request an authorization decision is about: who, what action, which
// resource, and the request context (condition keys).
//
// Context keys compare case-insensitively (AWS: condition key names are not case
// sensitive); RequestContext stores them lowercased with a hash so lookups on the
// evaluation hot path are a few integer compares. Values are strings, as IAM
// receives them; a multivalued key holds a list (ForAnyValue/ForAllValues).
// Thread-safety: a const Request may be read from many threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::eval {

// A 64-bit hash of the ASCII-lowercased bytes of `s`; equal for strings that differ
// only in ASCII case. Reads eight bytes at a time.
std::uint64_t HashKeyIgnoreCase(std::string_view s);

struct ContextEntry {
  std::string key;        // as given
  std::string key_lower;  // lookup key
  std::uint64_t hash = 0;
  std::vector<std::string> values;
  bool multivalued = false;
};

class RequestContext {
 public:
  // Sets a single-valued key (replacing any earlier value of the same key).
  void Set(std::string_view key, std::string value);
  // Sets a multivalued key; an empty list is an empty set, not an absent key.
  void SetMulti(std::string_view key, std::vector<std::string> values);
  // Removes `key` if present.
  void Erase(std::string_view key);

  // Returns the entry for `key` (any case) or nullptr. The pointer lives until the
  // next mutation.
  const ContextEntry* Find(std::string_view key) const;

  // As Find, with the key already lowercased and hashed (the hot path).
  const ContextEntry* FindHashed(std::string_view key_lower, std::uint64_t hash) const {
    // Open addressing over slots_ (a power of two, at most half full).
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      std::int32_t e = slots_[i];
      if (e < 0) {
        return nullptr;
      }
      const ContextEntry& entry = entries_[static_cast<std::size_t>(e)];
      if (entry.hash == hash && entry.key_lower == key_lower) {
        return &entry;
      }
    }
  }

  const std::vector<ContextEntry>& entries() const { return entries_; }

 private:
  ContextEntry& Slot(std::string_view key);

  void Reindex();

  std::vector<ContextEntry> entries_;
  // Index of entries_ by hash: -1 for an empty slot. Never empty, so lookups on a
  // default-constructed context need no branch.
  std::vector<std::int32_t> slots_ = std::vector<std::int32_t>(4, -1);
};

struct Request {
  // The caller: an IAM user ARN, an assumed-role session ARN
  // (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), a federated-user ARN, an
  // account root ARN, a service principal ("ec2.amazonaws.com"), or empty for an
  // anonymous caller.
  std::string principal;
  // The caller's 12-digit account; derived from `principal` when empty.
  std::string principal_account;
  std::string action;    // "s3:GetObject"; case-insensitive
  std::string resource;  // an ARN or "*"
  // The account owning the resource; empty means the principal's account.
  std::string resource_account;
  RequestContext context;
};

}  // namespace portcullis::eval
