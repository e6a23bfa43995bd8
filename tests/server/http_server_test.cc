#include "server/http_server.h"

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <cstdint>
#include <future>
#include <gtest/gtest.h>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "common/clock.h"
#include "crypto/secret_box.h"
#include "server/router.h"
#include "server/runtime.h"

namespace portcullis::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// A server on a loopback port, run on its own thread.
class RunningServer {
 public:
  RunningServer(HttpServerOptions options, HttpHandler handler) {
    options.address = "127.0.0.1";
    options.port = 0;
    auto server = HttpServer::Create(options, std::move(handler));
    EXPECT_TRUE(server.has_value()) << server.error().ToString();
    server_ = std::move(*server);
    done_ = std::async(std::launch::async, [this] { server_->Run(); });
  }

  ~RunningServer() {
    server_->Stop();
    done_.wait();
  }

  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;
  RunningServer(RunningServer&&) = delete;
  RunningServer& operator=(RunningServer&&) = delete;

  std::uint16_t port() const { return server_->port(); }

  HttpServer& server() { return *server_; }

  // True when Run() returned within `timeout`.
  bool StoppedWithin(std::chrono::milliseconds timeout) {
    return done_.wait_for(timeout) == std::future_status::ready;
  }

 private:
  std::unique_ptr<HttpServer> server_;
  std::future<void> done_;
};

HttpResponseMessage Ok(const HttpRequestMessage& req, const ConnectionInfo& conn) {
  HttpResponseMessage res{http::status::ok, req.version()};
  res.body() = std::string(req.target()) + " from " + conn.peer_ip;
  res.prepare_payload();
  return res;
}

class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  void Send(const HttpRequestMessage& req) { http::write(socket_, req); }

  HttpResponseMessage Receive(boost::system::error_code* ec_out = nullptr) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    boost::system::error_code ec;
    http::read(socket_, buffer_, parser, ec);
    if (ec_out != nullptr) {
      *ec_out = ec;
    }
    return parser.release();
  }

  // The answer to a HEAD request: its header only, whatever its Content-Length says.
  HttpResponseMessage ReceiveHead() {
    http::response_parser<http::string_body> parser;
    parser.skip(true);
    http::read(socket_, buffer_, parser);
    return parser.release();
  }

  HttpResponseMessage RoundTrip(const std::string& target, http::verb method = http::verb::get) {
    HttpRequestMessage req{method, target, 11};
    req.set(http::field::host, "localhost");
    Send(req);
    return method == http::verb::head ? ReceiveHead() : Receive();
  }

  void SendRaw(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }

  // Whether the server closed the connection (reads EOF) within the socket's time.
  bool ClosedByPeer() {
    std::array<char, 16> byte{};
    boost::system::error_code ec;
    socket_.read_some(net::buffer(byte), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

TEST(HttpServerTest, HealthLiveRoundTripThroughTheRouter) {
  FakeClock clock(std::chrono::system_clock::now());
  const auto box = crypto::SecretBox::FromKeyForTest(std::array<std::uint8_t, 32>{7});
  RuntimeOptions options;
  options.store = StoreKind::kMemory;
  auto runtime = OpenRuntime(options, box, clock);
  ASSERT_TRUE(runtime.has_value()) << runtime.error().ToString();
  Router router(RouterOptions{false, options, {}}, std::move(*runtime), box, clock, nullptr);
  RunningServer running({}, [&router](const HttpRequestMessage& req, const ConnectionInfo& c) {
    return router.Handle(req, c);
  });
  Client client(running.port());
  auto res = client.RoundTrip("/health/live");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "ok\n");
  auto ready = client.RoundTrip("/health/ready");  // same connection: keep-alive
  EXPECT_EQ(ready.result(), http::status::ok);
  auto api = client.RoundTrip("/?Action=ListUsers&Version=2010-05-08");
  EXPECT_EQ(api.result(), http::status::forbidden);
  EXPECT_NE(api.body().find("MissingAuthenticationToken"), std::string::npos);
}

TEST(HttpServerTest, KeepAliveAndPeerAddress) {
  RunningServer running({}, Ok);
  Client client(running.port());
  for (int i = 0; i < 3; ++i) {
    auto res = client.RoundTrip("/n" + std::to_string(i));
    EXPECT_EQ(res.body(), "/n" + std::to_string(i) + " from 127.0.0.1");
    EXPECT_TRUE(res.keep_alive());
  }
}

TEST(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  RunningServer running({}, Ok);
  Client client(running.port());
  client.SendRaw("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.Receive().body(), "/a from 127.0.0.1");
  EXPECT_EQ(client.Receive().body(), "/b from 127.0.0.1");
}

TEST(HttpServerTest, HeaderLimitAnswers431) {
  HttpServerOptions options;
  options.max_header_bytes = 2048;
  RunningServer running(options, Ok);
  Client client(running.port());
  HttpRequestMessage req{http::verb::get, "/", 11};
  req.set(http::field::host, "localhost");
  req.set("X-Big", std::string(4096, 'a'));
  client.Send(req);
  auto res = client.Receive();
  EXPECT_EQ(res.result(), http::status::request_header_fields_too_large);
  EXPECT_FALSE(res.keep_alive());
}

TEST(HttpServerTest, BodyLimitAnswers413) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  RunningServer running(options, Ok);
  Client client(running.port());
  HttpRequestMessage req{http::verb::post, "/", 11};
  req.set(http::field::host, "localhost");
  req.body() = std::string(4096, 'a');
  req.prepare_payload();
  boost::system::error_code ec;
  client.SendRaw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n");
  auto res = client.Receive(&ec);
  EXPECT_EQ(res.result(), http::status::payload_too_large);
}

// Answers 200 with the size of the request body.
HttpResponseMessage BodySize(const HttpRequestMessage& req, const ConnectionInfo&) {
  HttpResponseMessage res{http::status::ok, req.version()};
  res.body() = std::to_string(req.body().size());
  res.prepare_payload();
  return res;
}

// The body limit the request's `X-Limit` header asks for, else `fallback`.
std::size_t LimitFromHeader(const http::request_header<>& header, std::size_t fallback) {
  const auto value = header["X-Limit"];
  return value.empty() ? fallback : std::stoul(std::string(value));
}

// A POST header with a Content-Length of `length`, optionally `X-Limit` and
// `Expect: 100-continue`; no body.
std::string PostHeader(std::size_t length, std::string_view limit, bool expect_continue) {
  std::string header =
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(length) + "\r\n";
  if (!limit.empty()) {
    header += "X-Limit: " + std::string(limit) + "\r\n";
  }
  if (expect_continue) {
    header += "Expect: 100-continue\r\n";
  }
  return header + "\r\n";
}

TEST(HttpServerTest, BodyLimitForRaisesTheLimit) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  options.body_limit_for = [](const http::request_header<>& header) {
    return LimitFromHeader(header, 1024);
  };
  RunningServer running(options, BodySize);
  {
    Client client(running.port());
    client.SendRaw(PostHeader(8192, "65536", false) + std::string(8192, 'a'));
    auto res = client.Receive();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), "8192");
    // The same connection, with 100-continue.
    client.SendRaw(PostHeader(8192, "65536", true));
    EXPECT_EQ(client.Receive().result(), http::status::continue_);
    client.SendRaw(std::string(8192, 'b'));
    res = client.Receive();
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), "8192");
    EXPECT_TRUE(res.keep_alive());
  }
  {  // Without the header the default (1024) holds.
    Client client(running.port());
    client.SendRaw(PostHeader(8192, "", false));
    auto res = client.Receive();
    EXPECT_EQ(res.result(), http::status::payload_too_large);
    EXPECT_FALSE(res.keep_alive());
  }
  {  // Beyond the raised limit: 413 instead of 100 Continue.
    Client client(running.port());
    client.SendRaw(PostHeader(65537, "65536", true));
    EXPECT_EQ(client.Receive().result(), http::status::payload_too_large);
    EXPECT_TRUE(client.ClosedByPeer());
  }
}

TEST(HttpServerTest, BodyLimitForLowersTheLimit) {
  HttpServerOptions options;  // max_body_bytes: 1 MiB
  std::atomic<int> calls{0};
  options.body_limit_for = [&calls,
                            max = options.max_body_bytes](const http::request_header<>& header) {
    ++calls;
    return LimitFromHeader(header, max);
  };
  RunningServer running(options, BodySize);
  {
    Client client(running.port());
    client.SendRaw(PostHeader(16, "16", false) + std::string(16, 'a'));
    EXPECT_EQ(client.Receive().body(), "16");
    client.SendRaw(PostHeader(100, "", false) + std::string(100, 'a'));
    EXPECT_EQ(client.Receive().body(), "100");
    client.SendRaw(PostHeader(17, "16", false));
    auto res = client.Receive();
    EXPECT_EQ(res.result(), http::status::payload_too_large);
    EXPECT_FALSE(res.keep_alive());
  }
  {  // 413 instead of 100 Continue.
    Client client(running.port());
    client.SendRaw(PostHeader(17, "16", true));
    EXPECT_EQ(client.Receive().result(), http::status::payload_too_large);
    EXPECT_TRUE(client.ClosedByPeer());
  }
  {  // Within the limit, 100-continue still works.
    Client client(running.port());
    client.SendRaw(PostHeader(16, "16", true));
    EXPECT_EQ(client.Receive().result(), http::status::continue_);
    client.SendRaw(std::string(16, 'c'));
    EXPECT_EQ(client.Receive().body(), "16");
  }
  {  // A chunked body is cut off when it grows beyond the limit.
    Client client(running.port());
    client.SendRaw(
        "POST / HTTP/1.1\r\nHost: x\r\nX-Limit: 16\r\nTransfer-Encoding: chunked\r\n\r\n"
        "10\r\n" +
        std::string(16, 'd') + "\r\n1\r\ne\r\n0\r\n\r\n");
    EXPECT_EQ(client.Receive().result(), http::status::payload_too_large);
  }
  {  // A chunked body within the limit.
    Client client(running.port());
    client.SendRaw(
        "POST / HTTP/1.1\r\nHost: x\r\nX-Limit: 16\r\nTransfer-Encoding: chunked\r\n\r\n"
        "8\r\n" +
        std::string(8, 'd') + "\r\n8\r\n" + std::string(8, 'e') + "\r\n0\r\n\r\n");
    EXPECT_EQ(client.Receive().body(), "16");
  }
  EXPECT_EQ(calls.load(), 7);
}

// Byte `i` of the streamed test bodies: not periodic at any piece size.
char PatternByte(std::uint64_t i) {
  return static_cast<char>((i * 2654435761U) >> 13U);
}

std::string Pattern(std::uint64_t length) {
  std::string bytes(length, '\0');
  for (std::uint64_t i = 0; i < length; ++i) {
    bytes[i] = PatternByte(i);
  }
  return bytes;
}

// What a streamed test body's source saw, shared with the test.
struct StreamLog {
  std::atomic<int> calls{0};
  std::atomic<std::size_t> largest_request{0};
};

// A handler whose every answer streams `length` pattern bytes, at most 100003 at a time
// (fewer than asked: the server must ask again). With `fail_at`, the source fails once it
// has produced that many bytes; with `short_at`, it ends there (returns 0).
HttpHandler StreamingHandler(std::uint64_t length, std::shared_ptr<StreamLog> log,
                             std::optional<std::uint64_t> fail_at = std::nullopt,
                             std::optional<std::uint64_t> short_at = std::nullopt) {
  return [=](const HttpRequestMessage& req, const ConnectionInfo&) {
    HttpResponse res(HttpResponseMessage{http::status::ok, req.version()});
    res.message.set(http::field::content_type, "application/octet-stream");
    res.message.set(http::field::etag, "\"pattern\"");
    res.message.body() = "ignored";
    res.stream_length = length;
    res.stream = [log, fail_at, short_at,
                  offset = std::uint64_t{0}](std::span<char> out) mutable -> Result<std::size_t> {
      ++log->calls;
      log->largest_request = std::max(log->largest_request.load(), out.size());
      if (fail_at.has_value() && offset >= *fail_at) {
        return MakeError(ErrorCode::kUnavailable, "disk went away");
      }
      if (short_at.has_value() && offset >= *short_at) {
        return std::size_t{0};
      }
      const std::size_t n = std::min<std::size_t>(out.size(), 100003);
      for (std::size_t i = 0; i < n; ++i) {
        out[i] = PatternByte(offset + i);
      }
      offset += n;
      return n;
    };
    return res;
  };
}

// A GET for `target`.
HttpRequestMessage Get(const std::string& target) {
  HttpRequestMessage req{http::verb::get, target, 11};
  req.set(http::field::host, "localhost");
  return req;
}

TEST(HttpServerTest, StreamedResponseArrivesWholeAndByteExact) {
  const std::uint64_t length = std::uint64_t{5} * 1024 * 1024 + 123;
  auto log = std::make_shared<StreamLog>();
  RunningServer running({}, StreamingHandler(length, log));
  Client client(running.port());
  auto res = client.RoundTrip("/object");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_length], std::to_string(length));
  EXPECT_EQ(res[http::field::etag], "\"pattern\"");
  EXPECT_EQ(res[http::field::content_type], "application/octet-stream");
  EXPECT_TRUE(res.keep_alive());
  ASSERT_EQ(res.body().size(), length);
  EXPECT_TRUE(res.body() == Pattern(length));  // not EXPECT_EQ: 5 MiB in a failure message
  EXPECT_GT(log->calls.load(), static_cast<int>(length / kStreamPiece));
  EXPECT_LE(log->largest_request.load(), kStreamPiece);
}

TEST(HttpServerTest, KeepAliveAfterStreamedResponses) {
  const std::uint64_t length = std::uint64_t{600} * 1024;
  auto log = std::make_shared<StreamLog>();
  RunningServer running({}, StreamingHandler(length, log));
  Client client(running.port());
  for (int i = 0; i < 3; ++i) {
    auto res = client.RoundTrip("/object");
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_TRUE(res.keep_alive());
    EXPECT_TRUE(res.body() == Pattern(length)) << "response " << i;
  }
  // Pipelined: both answers arrive whole, in order.
  client.SendRaw("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(client.Receive().body() == Pattern(length));
  EXPECT_TRUE(client.Receive().body() == Pattern(length));
  // `Connection: close` from the client: answered whole, then closed.
  auto req = Get("/object");
  req.keep_alive(false);
  client.Send(req);
  auto last = client.Receive();
  EXPECT_FALSE(last.keep_alive());
  EXPECT_TRUE(last.body() == Pattern(length));
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST(HttpServerTest, EmptyStreamIsNotRead) {
  auto log = std::make_shared<StreamLog>();
  RunningServer running({}, StreamingHandler(0, log));
  Client client(running.port());
  auto res = client.RoundTrip("/empty");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_length], "0");
  EXPECT_EQ(res.body(), "");
  EXPECT_EQ(client.RoundTrip("/again").result(), http::status::ok);
  EXPECT_EQ(log->calls.load(), 0);
}

TEST(HttpServerTest, HeadOfStreamedResponseHasItsLengthAndNoBody) {
  const std::uint64_t length = std::uint64_t{3} * 1024 * 1024;
  auto log = std::make_shared<StreamLog>();
  RunningServer running({}, StreamingHandler(length, log));
  Client client(running.port());
  for (int i = 0; i < 2; ++i) {
    auto head = client.RoundTrip("/object", http::verb::head);
    EXPECT_EQ(head.result(), http::status::ok);
    EXPECT_EQ(head[http::field::content_length], std::to_string(length));
    EXPECT_EQ(head[http::field::etag], "\"pattern\"");
    EXPECT_EQ(head.body(), "");
    EXPECT_TRUE(head.keep_alive());
  }
  EXPECT_EQ(log->calls.load(), 0);
  // The connection carries on: had a body been sent, this would read it as a response.
  auto res = client.RoundTrip("/object");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_TRUE(res.body() == Pattern(length));
}

TEST(HttpServerTest, HeadOfPlainResponseStillHasTheBodyLength) {
  RunningServer running({}, Ok);
  Client client(running.port());
  auto head = client.RoundTrip("/abc", http::verb::head);
  EXPECT_EQ(head[http::field::content_length],
            std::to_string(std::string_view("/abc from 127.0.0.1").size()));
  EXPECT_EQ(head.body(), "");
  EXPECT_EQ(client.RoundTrip("/abc").body(), "/abc from 127.0.0.1");
}

TEST(HttpServerTest, StreamFailingMidwayClosesTheConnection) {
  const std::uint64_t length = std::uint64_t{2} * 1024 * 1024;
  const std::uint64_t fail_at = std::uint64_t{1} * 1024 * 1024;
  for (const bool ends_short : {false, true}) {
    SCOPED_TRACE(ends_short ? "ends short" : "fails");
    auto log = std::make_shared<StreamLog>();
    RunningServer running({}, ends_short ? StreamingHandler(length, log, std::nullopt, fail_at)
                                         : StreamingHandler(length, log, fail_at));
    Client client(running.port());
    client.Send(Get("/object"));
    boost::system::error_code ec;
    auto res = client.Receive(&ec);
    EXPECT_TRUE(ec);  // the body ended before its Content-Length
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res[http::field::content_length], std::to_string(length));
    // What arrived is the stream's, and no more than it produced.
    EXPECT_LT(res.body().size(), length);
    EXPECT_LE(res.body().size(), fail_at + 100003);
    EXPECT_TRUE(res.body() == Pattern(res.body().size()));
    EXPECT_TRUE(client.ClosedByPeer());
  }
}

TEST(HttpServerTest, StreamFailingAtOnceAnswers500) {
  auto log = std::make_shared<StreamLog>();
  RunningServer running({}, StreamingHandler(1024, log, std::uint64_t{0}));
  Client client(running.port());
  auto res = client.RoundTrip("/object");
  EXPECT_EQ(res.result(), http::status::internal_server_error);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST(HttpServerTest, ShutdownLetsAStreamedResponseFinish) {
  const std::uint64_t length = std::uint64_t{4} * 1024 * 1024;
  auto log = std::make_shared<StreamLog>();
  HttpHandler streaming = StreamingHandler(length, log);
  std::atomic<HttpServer*> server{nullptr};
  std::atomic<bool> stop_sent{false};
  // Stops the server while the stream is being read (from the second piece on).
  RunningServer running({}, [&](const HttpRequestMessage& req, const ConnectionInfo& c) {
    HttpResponse res = streaming(req, c);
    res.stream = [&, inner = std::move(res.stream)](std::span<char> out) {
      if (log->calls.load() == 1 && !stop_sent.exchange(true)) {
        server.load()->Stop();
      }
      return inner(out);
    };
    return res;
  });
  server.store(&running.server());
  Client client(running.port());
  auto res = client.RoundTrip("/object");
  EXPECT_TRUE(stop_sent.load());
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_TRUE(res.body() == Pattern(length));
  EXPECT_TRUE(client.ClosedByPeer());
  EXPECT_TRUE(running.StoppedWithin(std::chrono::seconds(5)));
}

TEST(HttpServerTest, MalformedRequestAnswers400) {
  RunningServer running({}, Ok);
  Client client(running.port());
  client.SendRaw("NOT A REQUEST\r\n\r\n");
  EXPECT_EQ(client.Receive().result(), http::status::bad_request);
}

TEST(HttpServerTest, ExpectContinueIsHonoured) {
  RunningServer running({}, [](const HttpRequestMessage& req, const ConnectionInfo&) {
    HttpResponseMessage res{http::status::ok, req.version()};
    res.body() = req.body();
    res.prepare_payload();
    return res;
  });
  Client client(running.port());
  client.SendRaw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto interim = client.Receive();
  EXPECT_EQ(interim.result(), http::status::continue_);
  client.SendRaw("hello");
  EXPECT_EQ(client.Receive().body(), "hello");
}

TEST(HttpServerTest, IdleConnectionsAreClosed) {
  HttpServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(100);
  RunningServer running(options, Ok);
  Client client(running.port());
  EXPECT_EQ(client.RoundTrip("/").result(), http::status::ok);
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST(HttpServerTest, ShutdownLetsTheInFlightRequestFinish) {
  std::promise<void> entered;
  std::atomic<bool> finished{false};
  RunningServer running({}, [&](const HttpRequestMessage& req, const ConnectionInfo& c) {
    entered.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    finished = true;
    return Ok(req, c);
  });
  Client idle(running.port());  // an idle keep-alive connection is closed at once
  Client busy(running.port());
  HttpRequestMessage req{http::verb::get, "/slow", 11};
  req.set(http::field::host, "localhost");
  busy.Send(req);
  entered.get_future().wait();
  running.server().Stop();
  auto res = busy.Receive();
  EXPECT_TRUE(finished.load());
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(idle.ClosedByPeer());
  EXPECT_TRUE(running.StoppedWithin(std::chrono::seconds(5)));
  // No more connections are accepted.
  net::io_context ioc;
  tcp::socket socket(ioc);
  boost::system::error_code ec;
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), running.port()), ec);
  EXPECT_TRUE(ec);
}

TEST(HttpServerTest, BadAddressesAreErrors) {
  HttpServerOptions options;
  options.address = "not-an-address";
  auto server = HttpServer::Create(options, Ok);
  ASSERT_FALSE(server.has_value());
  EXPECT_EQ(server.error().code, ErrorCode::kInvalidArgument);

  RunningServer running({}, Ok);
  HttpServerOptions taken;
  taken.address = "127.0.0.1";
  taken.port = running.port();
  auto second = HttpServer::Create(taken, Ok);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace portcullis::server
