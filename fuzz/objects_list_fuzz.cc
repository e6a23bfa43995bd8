// Fuzzes the object store's listing (objects/object_store.h) against a naive reference:
// random keys over a small alphabet (with '/', 0xFF and 0x01 bytes), a random prefix,
// delimiter, marker and max-keys, on the in-memory backend. A page must equal the
// reference's page, and paging through NextMarker must list every entry exactly once.
// The name, tag and continuation-token checks get the raw bytes too.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"

#include "objects/object_store.h"

namespace {

using portcullis::objects::ListObjectsRequest;
using portcullis::objects::ListObjectsResult;

std::string Word(FuzzedDataProvider& input, std::size_t max_size) {
  static constexpr char kAlphabet[] = {'a', 'b', '/', '\xff', '\x01'};
  std::string raw = input.ConsumeRandomLengthString(max_size);
  for (char& c : raw) {
    c = kAlphabet[static_cast<unsigned char>(c) % sizeof(kAlphabet)];
  }
  return raw;
}

// One listing entry: a key, or a common prefix marked with a leading '\0' flag byte.
using Entries = std::vector<std::string>;

Entries Reference(const std::set<std::string>& keys, const std::string& prefix,
                  const std::string& delimiter, const std::string& marker) {
  Entries entries;
  for (const std::string& key : keys) {
    if (!key.starts_with(prefix) || key <= marker) {
      continue;
    }
    std::size_t pos = std::string::npos;
    if (!delimiter.empty()) {
      pos = key.find(delimiter, prefix.size());
    }
    if (pos == std::string::npos) {
      entries.push_back("K" + key);
      continue;
    }
    const std::string common = key.substr(0, pos + delimiter.size());
    if (common == marker || (!entries.empty() && entries.back() == "P" + common)) {
      continue;
    }
    entries.push_back("P" + common);
  }
  return entries;
}

Entries Flatten(const ListObjectsResult& result) {
  Entries entries;
  for (const auto& object : result.objects) {
    entries.push_back("K" + object.key);
  }
  for (const auto& common : result.common_prefixes) {
    entries.push_back("P" + common);
  }
  std::sort(entries.begin(), entries.end(),
            [](const std::string& a, const std::string& b) { return a.substr(1) < b.substr(1); });
  return entries;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  (void)portcullis::objects::ValidateBucketName(raw);
  (void)portcullis::objects::DecodeContinuationToken(raw);
  (void)portcullis::objects::ValidateObjectTags({{raw, raw}});

  FuzzedDataProvider input(data, size);
  static portcullis::FakeClock clock{std::chrono::system_clock::time_point()};
  auto store = portcullis::objects::NewMemoryObjectStore(clock);
  if (!store.has_value() || !(*store)->CreateBucket("fuzz", "111122223333", "").has_value()) {
    std::abort();
  }
  const std::string prefix = Word(input, 3);
  const std::string delimiter = Word(input, 2);
  const std::string marker = Word(input, 4);
  const int max_keys = input.ConsumeIntegralInRange(0, 6);
  std::set<std::string> keys;
  while (input.remaining_bytes() > 0 && keys.size() < 40) {
    std::string key = Word(input, 8);
    if (key.empty()) {
      continue;
    }
    if (!portcullis::objects::PutObjectFromString(**store, "fuzz", key, {}, "").has_value()) {
      std::abort();
    }
    keys.insert(key);
  }

  const Entries expected = Reference(keys, prefix, delimiter, marker);
  auto page =
      (*store)->ListObjects(ListObjectsRequest{"fuzz", prefix, delimiter, marker, max_keys});
  if (!page.has_value()) {
    std::abort();
  }
  const Entries got = Flatten(*page);
  const std::size_t want =
      std::min<std::size_t>(expected.size(), static_cast<std::size_t>(max_keys));
  if (got != Entries(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(want))) {
    std::abort();
  }
  if (page->is_truncated != (max_keys > 0 && expected.size() > want)) {
    std::abort();
  }

  // Paging from the start through NextMarker lists the reference exactly once.
  if (max_keys > 0) {
    const Entries all = Reference(keys, prefix, delimiter, "");
    Entries paged;
    std::string next;
    for (int guard = 0; guard < 100; ++guard) {
      auto result =
          (*store)->ListObjects(ListObjectsRequest{"fuzz", prefix, delimiter, next, max_keys});
      if (!result.has_value()) {
        std::abort();
      }
      const Entries entries = Flatten(*result);
      paged.insert(paged.end(), entries.begin(), entries.end());
      if (!result->is_truncated) {
        break;
      }
      next = result->next_marker;
    }
    if (paged != all) {
      std::abort();
    }
  }
  return 0;
}
