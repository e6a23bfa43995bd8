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

ContextEntry& RequestContext::Slot(std::string_view key) {
  std::string lower = AsciiLower(key);
  std::uint64_t hash = HashKeyIgnoreCase(lower);
  for (ContextEntry& e : entries_) {
    if (e.hash == hash && e.key_lower == lower) {
      e.key = std::string(key);
      return e;
    }
  }
  ContextEntry& e = entries_.emplace_back();
  e.key = std::string(key);
  e.key_lower = std::move(lower);
  e.hash = hash;
  Reindex();
  return e;
}

void RequestContext::Set(std::string_view key, std::string value) {
  ContextEntry& e = Slot(key);
  e.values.clear();
  e.values.push_back(std::move(value));
  e.multivalued = false;
}

void RequestContext::SetMulti(std::string_view key, std::vector<std::string> values) {
  ContextEntry& e = Slot(key);
  e.values = std::move(values);
  e.multivalued = true;
}

void RequestContext::Erase(std::string_view key) {
  std::string lower = AsciiLower(key);
  std::erase_if(entries_, [&](const ContextEntry& e) { return e.key_lower == lower; });
  Reindex();
}

void RequestContext::Reindex() {
  std::size_t size = 4;
  while (size < entries_.size() * 2) {
    size *= 2;
  }
  slots_.assign(size, -1);
  std::size_t mask = size - 1;
  for (std::size_t e = 0; e < entries_.size(); ++e) {
    std::size_t i = entries_[e].hash & mask;
    while (slots_[i] >= 0) {
      i = (i + 1) & mask;
    }
    slots_[i] = static_cast<std::int32_t>(e);
  }
}

const ContextEntry* RequestContext::Find(std::string_view key) const {
  std::string lower = AsciiLower(key);
  return FindHashed(lower, HashKeyIgnoreCase(lower));
}

}  // namespace portcullis::eval
