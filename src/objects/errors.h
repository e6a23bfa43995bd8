// Internal helpers of the objects library: S3-coded errors and hex. Not part of the API.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace portcullis::objects {

inline tl::unexpected<Error> MakeS3Error(ErrorCode code, std::string_view aws_code,
                                         std::string message) {
  return tl::unexpected<Error>(
      Error{code, std::move(message), std::nullopt, {}, std::string(aws_code)});
}

// Lowercase hexadecimal of `bytes`.
inline std::string HexEncode(std::string_view bytes) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out += kDigits[byte >> 4U];
    out += kDigits[byte & 0x0FU];
  }
  return out;
}

}  // namespace portcullis::objects
