// libFuzzer target for the SigV4 parsers and canonicaliser (auth/sigv4/).
//
// Each input is used three ways: as an Authorization header value, as a raw query string
// (presigned-URL parameters and the canonical query), and as a raw HTTP request in the
// test suite's .sreq shape (request line, headers with obs-fold, blank line, body) given to
// the verifier at the suite's time with a lookup that knows every key. Properties checked,
// aborting on a violation:
//  - NormalizePath is idempotent and its result starts with '/';
//  - PercentDecode(UriEncode(x)) == x, and UriEncode emits only unreserved bytes, '%XX'
//    and (for paths) '/';
//  - CanonicalHeaderValue is idempotent and has no leading/trailing/double spaces;
//  - every verifier error carries one of AWS's codes (errors.h).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4/authorization.h"
#include "auth/sigv4/canonical.h"
#include "auth/sigv4/errors.h"
#include "auth/sigv4/signing.h"
#include "auth/sigv4/verifier.h"

namespace {

namespace sigv4 = portcullis::auth::sigv4;

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "sigv4_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void CheckEncoding(std::string_view input) {
  for (const bool keep_slash : {false, true}) {
    const std::string encoded = sigv4::UriEncode(input, keep_slash);
    for (std::size_t i = 0; i < encoded.size(); ++i) {
      const char c = encoded[i];
      if (c == '%') {
        if (i + 2 >= encoded.size()) {
          Fail("truncated escape", encoded);
        }
        i += 2;
      } else if (!IsUnreserved(c) && !(keep_slash && c == '/')) {
        Fail("UriEncode emitted a reserved byte", encoded);
      }
    }
    if (sigv4::PercentDecode(encoded) != input) {
      Fail("PercentDecode(UriEncode(x)) != x", input);
    }
  }
}

void CheckPath(std::string_view input) {
  const std::string once = sigv4::NormalizePath(input);
  if (once.empty() || once.front() != '/') {
    Fail("NormalizePath result does not start with '/'", once);
  }
  if (sigv4::NormalizePath(once) != once) {
    Fail("NormalizePath is not idempotent", input);
  }
  (void)sigv4::CanonicalUri(input, false);
  (void)sigv4::CanonicalUri(input, true);
}

void CheckHeaderValue(std::string_view input) {
  const std::string value = sigv4::CanonicalHeaderValue(input);
  if (sigv4::CanonicalHeaderValue(value) != value) {
    Fail("CanonicalHeaderValue is not idempotent", input);
  }
  if (!value.empty() && (value.front() == ' ' || value.back() == ' ')) {
    Fail("CanonicalHeaderValue left outer spaces", value);
  }
  if (value.find("  ") != std::string::npos) {
    Fail("CanonicalHeaderValue left a double space", value);
  }
}

// The .sreq shape: "METHOD target VERSION", header lines (continuations start with a space
// or tab), an empty line, the body.
struct ParsedRequest {
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

ParsedRequest ParseRequest(std::string_view text) {
  ParsedRequest req;
  std::size_t pos = text.find('\n');
  const std::string_view line = text.substr(0, pos);
  const std::size_t first = line.find(' ');
  const std::size_t last = line.rfind(' ');
  req.method = std::string(line.substr(0, first));
  if (first != std::string_view::npos && last > first) {
    const std::string_view target = line.substr(first + 1, last - first - 1);
    const std::size_t question = target.find('?');
    req.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) {
      req.query = std::string(target.substr(question + 1));
    }
  }
  while (pos != std::string_view::npos) {
    const std::size_t start = pos + 1;
    pos = text.find('\n', start);
    const std::string_view header =
        text.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
    if (header.empty()) {
      if (pos != std::string_view::npos) {
        req.body = std::string(text.substr(pos + 1));
      }
      break;
    }
    if ((header.front() == ' ' || header.front() == '\t') && !req.headers.empty()) {
      req.headers.back().second.append("\n").append(header);
      continue;
    }
    const std::size_t colon = header.find(':');
    req.headers.emplace_back(
        std::string(header.substr(0, colon)),
        colon == std::string_view::npos ? std::string() : std::string(header.substr(colon + 1)));
  }
  return req;
}

void CheckVerify(std::string_view input) {
  const ParsedRequest req = ParseRequest(input);
  std::vector<sigv4::HeaderField> fields;
  fields.reserve(req.headers.size());
  for (const auto& [name, value] : req.headers) {
    fields.push_back({name, value});
  }
  const sigv4::HttpRequest request{req.method, req.path, req.query, fields, req.body, std::nullopt};
  static const auto kNow = sigv4::ParseAmzDate("20150830T123600Z").value();
  const sigv4::SecretLookupFn lookup =
      [](std::string_view key_id,
         std::optional<std::string_view>) -> portcullis::Result<sigv4::SecretLookup> {
    if (key_id == "INACTIVE") {
      return sigv4::SecretLookup{sigv4::KeyStatus::kInactive, ""};
    }
    return sigv4::SecretLookup{sigv4::KeyStatus::kActive,
                               "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
  };
  sigv4::VerifyOptions options;
  options.explain_mismatch = (input.size() % 2) == 0;
  auto result = sigv4::Verify(request, kNow, lookup, options);
  if (!result.has_value() && sigv4::HttpStatusForAwsCode(result.error().aws_code) == 0) {
    Fail("verifier error without an AWS code", result.error().message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)sigv4::ParseAuthorizationHeader(input, true);
  (void)sigv4::ParseAuthorizationHeader(input, false);
  (void)sigv4::ParsePresignedQuery(input);
  (void)sigv4::ParseCredential(input);
  (void)sigv4::CanonicalQuery(input, true);
  (void)sigv4::ParseAmzDate(input);
  (void)sigv4::ParseHttpDate(input);
  CheckEncoding(input);
  CheckPath(input);
  CheckHeaderValue(input);
  CheckVerify(input);
  return 0;
}
