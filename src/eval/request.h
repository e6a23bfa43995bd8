// The request an authorization decision is about: who, what action, which
// resource, and the request context (condition keys).
//
// Context keys compare case-insensitively (AWS: condition key names are not case
// sensitive). RequestContext keeps every key and value of a request in one
// contiguous byte arena, with an open-addressing index by key hash, so the lookups
// on the evaluation hot path touch a few cache lines and compare integers first.
// Values are strings, as IAM receives them; a multivalued key holds a list
// (ForAnyValue/ForAllValues).
// Thread-safety: a const Request may be read from many threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/strings.h"

namespace portcullis::eval {

// A 64-bit hash of the ASCII-lowercased bytes of `s`; equal for strings that differ
// only in ASCII case. Reads eight bytes at a time.
std::uint64_t HashKeyIgnoreCase(std::string_view s);

// HashKeyIgnoreCase for text already in lowercase (equal results), cheaper.
std::uint64_t HashLowercase(std::string_view s);

// The values of one context key: a read-only range of string_views into the
// context's arena, valid until the context is next modified or destroyed.
class ContextValues {
 public:
  using value_type = std::string_view;
  using const_iterator = const std::string_view*;
  using iterator = const_iterator;

  const_iterator begin() const { return data_; }

  const_iterator end() const { return data_ + size_; }

  std::size_t size() const { return size_; }

  bool empty() const { return size_ == 0; }

  std::string_view front() const { return data_[0]; }

  std::string_view operator[](std::size_t i) const { return data_[i]; }

 private:
  friend class RequestContext;

  const std::string_view* data_ = nullptr;
  std::size_t size_ = 0;
};

struct ContextEntry {
  std::string_view key;        // as given
  std::string_view key_lower;  // lookup key
  std::uint64_t hash = 0;
  ContextValues values;
  bool multivalued = false;
};

class RequestContext {
 public:
  RequestContext() = default;
  RequestContext(const RequestContext& other);
  RequestContext& operator=(const RequestContext& other);
  // INVARIANT: moving the vectors keeps their buffers, so the views stay valid.
  RequestContext(RequestContext&&) noexcept = default;
  RequestContext& operator=(RequestContext&&) noexcept = default;
  ~RequestContext() = default;

  // Sets a single-valued key (replacing any earlier value of the same key).
  void Set(std::string_view key, std::string_view value);
  // Sets a multivalued key; an empty list is an empty set, not an absent key.
  void SetMulti(std::string_view key, const std::vector<std::string>& values);
  // Removes `key` if present.
  void Erase(std::string_view key);

  // Returns the entry for `key` (any case) or nullptr. The pointer and the views in
  // it live until the next mutation.
  const ContextEntry* Find(std::string_view key) const;

  // As Find, with the key already lowercased and hashed (the hot path).
  const ContextEntry* FindHashed(std::string_view key_lower, std::uint64_t hash) const {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      std::int32_t e = slots_[i];
      if (e < 0) {
        return nullptr;
      }
      const ContextEntry& entry = entries_[static_cast<std::size_t>(e)];
      if (entry.hash == hash && ShortEquals(entry.key_lower, key_lower)) {
        return &entry;
      }
    }
  }

  const std::vector<ContextEntry>& entries() const { return entries_; }

 private:
  struct Pending {
    std::string_view key;
    std::vector<std::string_view> values;
    bool multivalued = false;
  };

  // Where an entry's bytes live in arena_ (views are re-derived after growth).
  struct Span {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };

  struct Layout {
    Span key;
    Span key_lower;
    std::uint32_t first_value = 0;  // index into value_spans_
  };

  // Rebuilds everything from `items` (which may point into the current arena).
  void Rebuild(const std::vector<Pending>& items);
  std::vector<Pending> Current() const;
  // Appends bytes to the arena (room reserved by the caller) and returns where.
  Span Append(std::string_view bytes);
  // Whether `s` points into arena_.
  bool InArena(std::string_view s) const;
  // Re-derives every string_view from the spans (after the arena moved).
  void RefreshViews();
  void InsertSlot(std::size_t entry);
  void Put(std::string_view key, const std::vector<std::string_view>& values, bool multivalued);

  std::vector<char> arena_;
  std::vector<Span> value_spans_;
  std::vector<std::string_view> views_;  // views of value_spans_, index for index
  std::vector<Layout> layouts_;          // one per entry
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
