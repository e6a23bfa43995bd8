// libFuzzer target for S3 Signature Version 2 presigned URLs (auth/sigv4/s3_query_v2.h).
//
// Each input is a request: "METHOD target VERSION", header lines "name: value", an empty
// line (anything after it is ignored: the verifier reads no body). It is verified at the
// seeds' clock (1700000000, when botocore signed them) with a lookup that knows
// AKIAIOSFODNN7EXAMPLE with the seeds' secret, calls INACTIVE inactive and every other key
// unknown. Properties checked, aborting on a violation:
//  - every error carries one of AWS's codes (errors.h), and the lookup is called at most once;
//  - an accepted request has the three parameters (HasS3QueryV2Params), names the key the
//    lookup saw, and is marked s3 / presigned / signature_v2 / UNSIGNED-PAYLOAD;
//  - an accepted request is refused as expired (AccessDenied) past any possible Expires,
//    without a lookup.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/sigv4/errors.h"
#include "auth/sigv4/s3_query_v2.h"
#include "auth/sigv4/verifier.h"

namespace {

namespace sigv4 = portcullis::auth::sigv4;

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "s3_query_v2_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

struct ParsedRequest {
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
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
      break;
    }
    const std::size_t colon = header.find(':');
    req.headers.emplace_back(
        std::string(header.substr(0, colon)),
        colon == std::string_view::npos ? std::string() : std::string(header.substr(colon + 1)));
  }
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)sigv4::HasS3QueryV2Params(input);

  const ParsedRequest req = ParseRequest(input);
  std::vector<sigv4::HeaderField> fields;
  fields.reserve(req.headers.size());
  for (const auto& [name, value] : req.headers) {
    fields.push_back({name, value});
  }
  const sigv4::HttpRequest request{req.method, req.path, req.query, fields, "", std::nullopt};
  int calls = 0;
  std::string seen_key;
  const sigv4::SecretLookupFn lookup =
      [&calls, &seen_key](
          std::string_view key_id,
          std::optional<std::string_view>) -> portcullis::Result<sigv4::SecretLookup> {
    ++calls;
    seen_key = std::string(key_id);
    if (key_id == "INACTIVE") {
      return sigv4::SecretLookup{sigv4::KeyStatus::kInactive, ""};
    }
    if (key_id != "AKIAIOSFODNN7EXAMPLE") {
      return sigv4::SecretLookup{};
    }
    return sigv4::SecretLookup{sigv4::KeyStatus::kActive,
                               "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
  };
  const std::chrono::sys_seconds now{std::chrono::seconds{1700000000}};
  auto result = sigv4::VerifyS3QueryV2(request, now, lookup);
  if (calls > 1) {
    Fail("lookup called more than once", input);
  }
  if (!result.has_value()) {
    if (sigv4::HttpStatusForAwsCode(result.error().aws_code) == 0) {
      Fail("error without an AWS code", result.error().message);
    }
    return 0;
  }
  if (!sigv4::HasS3QueryV2Params(req.query) || result->access_key_id != seen_key ||
      result->service != "s3" || !result->presigned || !result->signature_v2 ||
      result->payload_mode != sigv4::PayloadMode::kUnsigned || result->request_time != now) {
    Fail("accepted request with unexpected fields", input);
  }
  // Expires has at most 15 digits: every accepted URL has expired by 10^15 s later.
  calls = 0;
  auto late = sigv4::VerifyS3QueryV2(request, now + std::chrono::seconds{1000000000000000}, lookup);
  if (late.has_value() || late.error().aws_code != sigv4::kAccessDenied || calls != 0) {
    Fail("accepted request not expired later", input);
  }
  return 0;
}
