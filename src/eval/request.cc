#include "eval/request.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/strings.h"

namespace portcullis::eval {

namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHigh = 0x8080808080808080ULL;

// Sets bit 5 of the bytes in 'A'..'Z' (ASCII only; bytes >= 0x80 are left alone).
inline std::uint64_t LowerWord(std::uint64_t w) {
  std::uint64_t ascii = ~w & kHigh;
  std::uint64_t ge_a = ((w & ~kHigh) + kOnes * (0x80 - 'A')) & ascii;
  std::uint64_t gt_z = ((w & ~kHigh) + kOnes * (0x80 - 'Z' - 1)) & ascii;
  return w | ((ge_a & ~gt_z) >> 2);
}

// Eight bytes at a time; `kLower` lowercases each word first.
template <bool kLower>
std::uint64_t HashWords(std::string_view s) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
  auto mix = [&h](std::uint64_t w) {
    if constexpr (kLower) {
      w = LowerWord(w);
    }
    h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  };
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, 8);
    mix(w);
  }
  if (i < s.size()) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    mix(w);
  }
  h ^= h >> 29;
  h *= 0x94D049BB133111EBULL;
  h ^= h >> 32;
  return h;
}

}  // namespace

std::uint64_t HashKeyIgnoreCase(std::string_view s) {
  return HashWords<true>(s);
}

std::uint64_t HashLowercase(std::string_view s) {
  return HashWords<false>(s);
}

RequestContext::RequestContext(const RequestContext& other) {
  Rebuild(other.Current());
}

RequestContext& RequestContext::operator=(const RequestContext& other) {
  if (this != &other) {
    Rebuild(other.Current());
  }
  return *this;
}

std::vector<RequestContext::Pending> RequestContext::Current() const {
  std::vector<Pending> items;
  items.reserve(entries_.size() + 1);
  for (const ContextEntry& e : entries_) {
    items.push_back(Pending{e.key, {e.values.begin(), e.values.end()}, e.multivalued});
  }
  return items;
}

RequestContext::Span RequestContext::Append(std::string_view bytes) {
  Span span{static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(bytes.size())};
  const char* before = arena_.data();
  arena_.insert(arena_.end(), bytes.begin(), bytes.end());
  if (arena_.data() != before) {
    RefreshViews();
  }
  return span;
}

void RequestContext::RefreshViews() {
  const char* base = arena_.data();
  views_.resize(value_spans_.size());
  for (std::size_t i = 0; i < value_spans_.size(); ++i) {
    views_[i] = std::string_view(base + value_spans_[i].offset, value_spans_[i].size);
  }
  for (std::size_t e = 0; e < entries_.size(); ++e) {
    const Layout& l = layouts_[e];
    entries_[e].key = std::string_view(base + l.key.offset, l.key.size);
    entries_[e].key_lower = std::string_view(base + l.key_lower.offset, l.key_lower.size);
    entries_[e].values.data_ = views_.data() + l.first_value;
  }
}

void RequestContext::InsertSlot(std::size_t entry) {
  if ((entries_.size()) * 2 > slots_.size()) {
    std::size_t size = slots_.size() * 2;
    slots_.assign(size, -1);
    for (std::size_t e = 0; e < entries_.size(); ++e) {
      if (e != entry) {
        InsertSlot(e);
      }
    }
  }
  std::size_t mask = slots_.size() - 1;
  std::size_t i = entries_[entry].hash & mask;
  while (slots_[i] >= 0) {
    i = (i + 1) & mask;
  }
  slots_[i] = static_cast<std::int32_t>(entry);
}

void RequestContext::Rebuild(const std::vector<Pending>& items) {
  // Copy the inputs first: they may point into arena_.
  std::vector<std::string> keys;
  std::vector<std::vector<std::string>> values;
  for (const Pending& p : items) {
    keys.emplace_back(p.key);
    values.emplace_back(p.values.begin(), p.values.end());
  }
  arena_.clear();
  value_spans_.clear();
  views_.clear();
  layouts_.clear();
  entries_.clear();
  slots_.assign(4, -1);
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::vector<std::string_view> v(values[i].begin(), values[i].end());
    Put(keys[i], v, items[i].multivalued);
  }
}

void RequestContext::Put(std::string_view key, const std::vector<std::string_view>& values,
                         bool multivalued) {
  std::string lower = AsciiLower(key);
  std::uint64_t hash = HashKeyIgnoreCase(lower);
  // The caller's views may point into arena_: copy them out before appending.
  std::vector<std::string> owned(values.begin(), values.end());
  std::string owned_key(key);
  const ContextEntry* existing = FindHashed(lower, hash);
  std::size_t index =
      existing != nullptr ? static_cast<std::size_t>(existing - entries_.data()) : entries_.size();
  if (existing == nullptr) {
    entries_.emplace_back();
    layouts_.emplace_back();
    entries_.back().hash = hash;
  }
  // Replaced values stay in the arena unreferenced; contexts are short-lived.
  layouts_[index].key = Append(owned_key);
  layouts_[index].key_lower = Append(lower);
  layouts_[index].first_value = static_cast<std::uint32_t>(value_spans_.size());
  for (const std::string& v : owned) {
    Span span = Append(v);
    value_spans_.push_back(span);
  }
  entries_[index].values.size_ = owned.size();
  entries_[index].multivalued = multivalued;
  RefreshViews();
  if (existing == nullptr) {
    InsertSlot(index);
  }
}

void RequestContext::Set(std::string_view key, std::string_view value) {
  Put(key, std::vector<std::string_view>{value}, false);
}

void RequestContext::SetMulti(std::string_view key, const std::vector<std::string>& values) {
  Put(key, std::vector<std::string_view>(values.begin(), values.end()), true);
}

void RequestContext::Erase(std::string_view key) {
  std::vector<Pending> items = Current();
  std::string lower = AsciiLower(key);
  std::erase_if(items, [&](const Pending& p) { return AsciiLower(p.key) == lower; });
  Rebuild(items);
}

const ContextEntry* RequestContext::Find(std::string_view key) const {
  std::string lower = AsciiLower(key);
  return FindHashed(lower, HashKeyIgnoreCase(lower));
}

}  // namespace portcullis::eval
