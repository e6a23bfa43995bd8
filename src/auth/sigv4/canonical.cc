#include "auth/sigv4/canonical.h"

#include <algorithm>
#include <cstddef>

#include "common/strings.h"

namespace portcullis::auth::sigv4 {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

}  // namespace

std::string UriEncode(std::string_view bytes, bool keep_slash) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4U]);
      out.push_back(kHex[c & 0x0FU]);
    }
  }
  return out;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = HexDigitValue(text[i + 1]);
      const int lo = HexDigitValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>((hi << 4) | lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string NormalizePath(std::string_view raw_path) {
  std::vector<std::string_view> segments;
  std::size_t pos = 0;
  while (pos <= raw_path.size()) {
    std::size_t slash = raw_path.find('/', pos);
    if (slash == std::string_view::npos) {
      slash = raw_path.size();
    }
    const std::string_view segment = raw_path.substr(pos, slash - pos);
    if (segment == "..") {
      if (!segments.empty()) {
        segments.pop_back();
      }
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    pos = slash + 1;
  }
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) {
      out.push_back('/');
    }
    out.append(segments[i]);
  }
  if (!segments.empty() && !raw_path.empty() && raw_path.back() == '/') {
    out.push_back('/');
  }
  return out;
}

std::string CanonicalUri(std::string_view raw_path, bool s3) {
  if (s3) {
    // AWS: S3 neither normalises nor double-encodes the path.
    std::string encoded = UriEncode(PercentDecode(raw_path), /*keep_slash=*/true);
    if (encoded.empty() || encoded.front() != '/') {
      encoded.insert(encoded.begin(), '/');
    }
    return encoded;
  }
  return UriEncode(NormalizePath(raw_path), /*keep_slash=*/true);
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t pos = 0;
  while (pos <= raw_query.size()) {
    std::size_t amp = raw_query.find('&', pos);
    if (amp == std::string_view::npos) {
      amp = raw_query.size();
    }
    const std::string_view component = raw_query.substr(pos, amp - pos);
    if (!component.empty()) {
      const std::size_t eq = component.find('=');
      if (eq == std::string_view::npos) {
        params.emplace_back(PercentDecode(component), std::string());
      } else {
        params.emplace_back(PercentDecode(component.substr(0, eq)),
                            PercentDecode(component.substr(eq + 1)));
      }
    }
    pos = amp + 1;
  }
  return params;
}

std::string CanonicalQuery(std::string_view raw_query, bool presigned) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (auto& [name, value] : ParseQuery(raw_query)) {
    if (presigned && name == "X-Amz-Signature") {
      continue;
    }
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (i > 0) {
      out.push_back('&');
    }
    out.append(encoded[i].first);
    out.push_back('=');
    out.append(encoded[i].second);
  }
  return out;
}

std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (const char c : value) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(c);
  }
  return out;
}

std::string CanonicalRequest(const CanonicalRequestInput& input) {
  std::string out;
  out.reserve(256 + input.raw_path.size() + input.raw_query.size());
  out.append(input.method);
  out.push_back('\n');
  out.append(CanonicalUri(input.raw_path, input.s3));
  out.push_back('\n');
  out.append(CanonicalQuery(input.raw_query, input.presigned));
  out.push_back('\n');
  for (const std::string& name : input.signed_headers) {
    out.append(name);
    out.push_back(':');
    bool first = true;
    for (const HeaderField& header : input.headers) {
      if (!EqualsIgnoreCase(header.name, name)) {
        continue;
      }
      if (!first) {
        out.push_back(',');
      }
      first = false;
      out.append(CanonicalHeaderValue(header.value));
    }
    out.push_back('\n');
  }
  out.push_back('\n');
  for (std::size_t i = 0; i < input.signed_headers.size(); ++i) {
    if (i > 0) {
      out.push_back(';');
    }
    out.append(input.signed_headers[i]);
  }
  out.push_back('\n');
  out.append(input.payload_hash);
  return out;
}

}  // namespace portcullis::auth::sigv4
