// StringMap<V>: an unordered_map keyed by std::string that can be probed with a
// std::string_view without building a std::string (C++20 heterogeneous lookup).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace portcullis::eval {

struct StringViewHash {
  using is_transparent = void;

  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <class V>
using StringMap = std::unordered_map<std::string, V, StringViewHash, std::equal_to<>>;

}  // namespace portcullis::eval
