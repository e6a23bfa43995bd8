#include "eval/request.h"

#include <algorithm>
#include <utility>

#include "common/strings.h"

namespace portcullis::eval {

std::uint64_t HashKeyIgnoreCase(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(AsciiToLower(c));
    h *= 1099511628211ULL;
  }
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
}

const ContextEntry* RequestContext::Find(std::string_view key) const {
  std::string lower = AsciiLower(key);
  return FindHashed(lower, HashKeyIgnoreCase(lower));
}

}  // namespace portcullis::eval
