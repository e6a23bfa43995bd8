#include "eval/request.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/strings.h"

namespace portcullis::eval {

std::uint64_t HashKeyIgnoreCase(std::string_view s) {
  // Eight bytes at a time: lowercase ASCII letters with a SWAR mask, then mix.
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
  auto mix = [&h](std::uint64_t w) {
    // Set bit 5 of bytes in 'A'..'Z' (ASCII only; bytes >= 0x80 are left alone).
    std::uint64_t ascii = ~w & kHigh;
    std::uint64_t ge_a = ((w & ~kHigh) + kOnes * (0x80 - 'A')) & ascii;
    std::uint64_t gt_z = ((w & ~kHigh) + kOnes * (0x80 - 'Z' - 1)) & ascii;
    std::uint64_t upper = ge_a & ~gt_z;
    w |= upper >> 2;
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

void RequestContext::Rebuild(const std::vector<Pending>& items) {
  std::size_t bytes = 0;
  std::size_t count = 0;
  for (const Pending& p : items) {
    bytes += 2 * p.key.size();
    for (std::string_view v : p.values) {
      bytes += v.size();
    }
    count += p.values.size();
  }
  std::vector<char> arena;
  arena.reserve(bytes);
  std::vector<std::string_view> views;
  views.reserve(count);
  std::vector<ContextEntry> entries(items.size());
  // Copy bytes first (the arena does not reallocate: reserved), then make views.
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Pending& p = items[i];
    ContextEntry& e = entries[i];
    const char* key = arena.data() + arena.size();
    arena.insert(arena.end(), p.key.begin(), p.key.end());
    const char* lower = arena.data() + arena.size();
    for (char c : p.key) {
      arena.push_back(AsciiToLower(c));
    }
    e.key = std::string_view(key, p.key.size());
    e.key_lower = std::string_view(lower, p.key.size());
    e.hash = HashKeyIgnoreCase(e.key_lower);
    e.multivalued = p.multivalued;
    e.values.size_ = p.values.size();
    for (std::string_view v : p.values) {
      const char* start = arena.data() + arena.size();
      arena.insert(arena.end(), v.begin(), v.end());
      views.emplace_back(start, v.size());
    }
  }
  std::size_t next = 0;
  for (ContextEntry& e : entries) {
    e.values.data_ = views.data() + next;
    next += e.values.size_;
  }
  std::size_t size = 4;
  while (size < entries.size() * 2) {
    size *= 2;
  }
  std::vector<std::int32_t> slots(size, -1);
  for (std::size_t e = 0; e < entries.size(); ++e) {
    std::size_t i = entries[e].hash & (size - 1);
    while (slots[i] >= 0) {
      i = (i + 1) & (size - 1);
    }
    slots[i] = static_cast<std::int32_t>(e);
  }
  // INVARIANT: moving the vectors keeps their buffers, so the views stay valid.
  arena_ = std::move(arena);
  views_ = std::move(views);
  entries_ = std::move(entries);
  slots_ = std::move(slots);
}

void RequestContext::Put(std::string_view key, std::vector<std::string_view> values,
                         bool multivalued) {
  std::vector<Pending> items = Current();
  std::uint64_t hash = HashKeyIgnoreCase(key);
  std::string lower = AsciiLower(key);
  auto same = [&](const Pending& p) {
    return p.key.size() == key.size() && HashKeyIgnoreCase(p.key) == hash &&
           AsciiLower(p.key) == lower;
  };
  std::erase_if(items, same);
  items.push_back(Pending{key, std::move(values), multivalued});
  Rebuild(items);
}

void RequestContext::Set(std::string_view key, std::string_view value) {
  Put(key, {value}, false);
}

void RequestContext::SetMulti(std::string_view key, const std::vector<std::string>& values) {
  Put(key, {values.begin(), values.end()}, true);
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
