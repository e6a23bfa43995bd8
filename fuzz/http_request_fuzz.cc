// libFuzzer target for the whole HTTP request path: raw bytes are parsed as an HTTP/1.1
// request by Beast's parser (with the server's header and body limits) and, when a
// complete request comes out, answered by the server's Router: routing, health and
// dev-mode reset endpoints, SigV4 authentication, the Query decoder, the IAM and STS
// services, error encoding and the audit log's redaction, on a memory store.
//
// The clock is fixed at 2026-01-01T00:00:00Z and the root credentials are fixed, so the
// signed seeds in corpus/http_request/ (made by fuzz/make_http_seeds.py) authenticate and
// mutations of their unsigned parts reach the operations.
//
// Properties checked, aborting on a violation: the Router answers every parsed request
// with a status from 200 to 599, and every 4xx/5xx API answer has a body.
#include <array>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "common/clock.h"
#include "crypto/secret_box.h"
#include "server/logging.h"
#include "server/router.h"
#include "server/runtime.h"

namespace {

namespace http = boost::beast::http;
namespace server = portcullis::server;

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "http_request_fuzz: %s\n", what);
  std::abort();
}

struct World {
  portcullis::FakeClock clock{std::chrono::system_clock::time_point{} +
                              std::chrono::seconds(1767225600)};
  portcullis::crypto::SecretBox box =
      portcullis::crypto::SecretBox::FromKeyForTest(std::array<std::uint8_t, 32>{9});
  std::unique_ptr<server::Router> router;

  World() {
    server::log::InitLogging(server::LogFormat::kText, "off");  // resets log warnings
    server::RouterOptions options;
    options.dev_mode = true;
    options.runtime.store = server::StoreKind::kMemory;
    options.runtime.bootstrap.account_id = "123456789012";
    options.runtime.bootstrap.access_key_id = "AKIAFUZZROOTKEY00001";
    options.runtime.bootstrap.secret_access_key = "fuzzRootSecretKey/0123456789abcdefghijAB";
    auto runtime = server::OpenRuntime(options.runtime, box, clock);
    if (!runtime.has_value())
      Fail("OpenRuntime");
    router = std::make_unique<server::Router>(options, std::move(*runtime), box, clock,
                                              /*audit=*/nullptr);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  http::request_parser<http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(kMaxBodyBytes);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done())
    return 0;
  const auto request = parser.release();
  server::ConnectionInfo connection;
  connection.peer_ip = "127.0.0.1";
  const server::HttpResponse answer = world.router->Handle(request, connection);
  const auto& response = answer.message;
  const unsigned status = response.result_int();
  if (status < 200 || status > 599)
    Fail("status outside 200..599");
  if (status >= 400 && response.body().empty() && request.method() != http::verb::head) {
    Fail("error answer without a body");
  }
  return 0;
}
