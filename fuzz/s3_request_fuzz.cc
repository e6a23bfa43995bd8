// libFuzzer target for the S3 REST-XML codec (api/protocol/s3_codec.h) on the embedded
// s3 model: routing and input decoding over arbitrary method, target, Host, headers and
// body.
//
// Input layout: line 1 the method, line 2 the request-target, line 3 the Host, then
// `name: value` header lines up to an empty line; the rest is the body.
//
// Properties checked on every input, aborting on a violation:
//  - a rejected request carries an S3 error code and a message, and its error body is
//    valid UTF-8;
//  - an accepted request names an operation of the request's method, a key of at most
//    kMaxS3KeyBytes without NUL, and the same route when its bucket and key are sent
//    again path-style with every byte percent-encoded; its input encodes as a response
//    of the operation without crashing.
// Time and memory are bounded by the codec's limits (kMaxS3QueryParameters,
// kMaxS3XmlBodyBytes, kMaxS3XmlDepth, kMaxS3HeaderListItems).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "api/protocol/model_pattern.h"
#include "api/protocol/s3_codec.h"
#include "api/protocol/s3_errors.h"
#include "api/protocol/service_model.h"

namespace {

namespace protocol = portcullis::api::protocol;

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "s3_request_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

std::string_view NextLine(std::string_view* rest) {
  const std::size_t nl = rest->find('\n');
  const std::string_view line = rest->substr(0, nl);
  *rest = nl == std::string_view::npos ? std::string_view() : rest->substr(nl + 1);
  return line;
}

std::string Encoded(std::string_view s) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[u >> 4]);
    out.push_back(kHex[u & 15]);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  protocol::S3HttpRequest request;
  request.method = NextLine(&rest);
  request.target = NextLine(&rest);
  request.host = NextLine(&rest);
  while (!rest.empty()) {
    const std::string_view line = NextLine(&rest);
    if (line.empty()) {
      break;
    }
    const std::size_t colon = line.find(':');
    request.headers.push_back({line.substr(0, colon), colon == std::string_view::npos
                                                          ? std::string_view()
                                                          : line.substr(colon + 1)});
  }
  request.body = rest;

  const protocol::ServiceModel& model = protocol::S3Model();
  protocol::S3RouteOptions options;
  options.host_names = {"localhost", "s3.localhost"};

  auto decoded = protocol::DecodeS3Request(model, request, options);
  if (!decoded.has_value()) {
    const auto& error = decoded.error();
    if (error.aws_code.empty() || error.message.empty()) {
      Fail("error without an S3 code or message", error.ToString());
    }
    const auto encoded = protocol::EncodeS3Error(error, "/resource", "fuzz");
    if (protocol::SanitizeUtf8(encoded.body) != encoded.body) {
      Fail("error body is not valid UTF-8", encoded.body);
    }
    return 0;
  }
  const protocol::S3Route& route = decoded->route;
  if (route.operation->http_method != request.method) {
    Fail("operation of another method", route.operation->name);
  }
  if (route.key.size() > protocol::kMaxS3KeyBytes || route.key.find('\0') != std::string::npos) {
    Fail("key past the limits", route.key);
  }

  std::string target = "/";
  if (!route.bucket.empty()) {
    target += Encoded(route.bucket);
    if (!route.key.empty()) {
      target += "/" + Encoded(route.key);
    }
  }
  const std::size_t q = request.target.find('?');
  if (q != std::string_view::npos) {
    target += request.target.substr(q);
  }
  protocol::S3HttpRequest again = request;
  again.target = target;
  again.host = "127.0.0.1";
  auto second = protocol::RouteS3Request(model, again, options);
  if (!second.has_value()) {
    Fail("path-style request is rejected", target + "\n" + second.error().ToString());
  }
  if (second->operation != route.operation || second->bucket != route.bucket ||
      second->key != route.key) {
    Fail("path-style request routes differently", target);
  }
  const auto response = protocol::EncodeS3Response(model, *route.operation, decoded->input);
  if (response.status < 200 || response.status > 299) {
    Fail("unexpected status", route.operation->name);
  }
  return 0;
}
