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

RequestContext::RequestContext(const RequestContext& other)
    : arena_(other.arena_),
      value_spans_(other.value_spans_),
      layouts_(other.layouts_),
      entries_(other.entries_),
      slots_(other.slots_) {
  RefreshViews();
}

RequestContext& RequestContext::operator=(const RequestContext& other) {
  if (this != &other) {
    arena_ = other.arena_;
    value_spans_ = other.value_spans_;
    layouts_ = other.layouts_;
    entries_ = other.entries_;
    slots_ = other.slots_;
    RefreshViews();
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
  // INVARIANT: the caller reserved room, so the arena does not move here.
  Span span{static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(bytes.size())};
  arena_.insert(arena_.end(), bytes.begin(), bytes.end());
  return span;
}

bool RequestContext::InArena(std::string_view s) const {
  return !arena_.empty() && s.data() >= arena_.data() && s.data() < arena_.data() + arena_.size();
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
  // Views into this context's own arena would dangle when it grows: copy them out.
  if (InArena(key) || std::any_of(values.begin(), values.end(),
                                  [this](std::string_view v) { return InArena(v); })) {
    std::string owned_key(key);
    std::vector<std::string> owned(values.begin(), values.end());
    Put(owned_key, std::vector<std::string_view>(owned.begin(), owned.end()), multivalued);
    return;
  }
  std::size_t bytes = 2 * key.size();
  for (std::string_view v : values) {
    bytes += v.size();
  }
  const char* arena_before = arena_.data();
  arena_.reserve(arena_.size() + bytes);
  bool arena_moved = arena_.data() != arena_before;
  Span key_span = Append(key);
  Span lower_span = Append(key);
  for (std::size_t i = 0; i < key.size(); ++i) {
    char& c = arena_[lower_span.offset + i];
    c = AsciiToLower(c);
  }
  std::string_view lower(arena_.data() + lower_span.offset, key.size());
  std::uint64_t hash = HashLowercase(lower);
  if (arena_moved) {
    RefreshViews();  // FindHashed reads the entries' key views
  }
  const ContextEntry* existing = FindHashed(lower, hash);
  std::size_t index =
      existing != nullptr ? static_cast<std::size_t>(existing - entries_.data()) : entries_.size();
  // Replaced values stay in the arena unreferenced; contexts are short-lived.
  auto first = static_cast<std::uint32_t>(value_spans_.size());
  const std::string_view* views_before = views_.data();
  for (std::string_view v : values) {
    Span span = Append(v);
    value_spans_.push_back(span);
    views_.emplace_back(arena_.data() + span.offset, span.size);
  }
  if (existing == nullptr) {
    entries_.emplace_back();
    layouts_.emplace_back();
  }
  layouts_[index] = Layout{key_span, lower_span, first};
  ContextEntry& e = entries_[index];
  e.key = std::string_view(arena_.data() + key_span.offset, key_span.size);
  e.key_lower = lower;
  e.hash = hash;
  e.values.data_ = views_.data() + first;
  e.values.size_ = values.size();
  e.multivalued = multivalued;
  if (views_.data() != views_before) {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      entries_[i].values.data_ = views_.data() + layouts_[i].first_value;
    }
  }
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
