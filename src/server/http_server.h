// HttpServer: the HTTP/1.1 listener (Boost.Beast over Asio). A pool of threads runs one
// io_context; connections are accepted asynchronously, each served on its own strand
// with keep-alive. Every complete request is handed to the Handler, whose response is
// written back.
//
// Limits: a request whose header block exceeds max_header_bytes is answered 431, a body
// beyond its limit 413 (both then close the connection); a malformed request 400. The body
// limit is max_body_bytes, or, when body_limit_for is set, what it returns for the request's
// header: it is asked once the header is read, before `100 Continue` is answered and before
// any body byte is read, so a Content-Length beyond the limit is answered 413 at once (the
// client waiting on `Expect: 100-continue` never sends the body); a chunked body is cut off
// with 413 when it grows beyond the limit.
// A request must arrive within read_timeout (from its first byte, or from the accept),
// a response leave within write_timeout (a streamed one: each piece); a keep-alive
// connection waits idle_timeout for the next request. `Expect: 100-continue` is honoured.
//
// Responses: the Handler returns an HttpResponse: a message with its body, or a header
// with HttpResponse::stream, a body of stream_length bytes read in pieces of kStreamPiece
// bytes and written one by one (Beast's buffer_body serializer), with Content-Length set
// to stream_length. A stream that fails (or ends short) before any byte was written is
// answered 500; after, the connection is closed, so the client sees a body shorter than
// its Content-Length, never bytes that are not the object's. The answer to HEAD is the
// GET answer's header, Content-Length included (body size, or stream_length), with no
// body; the stream is then not read.
//
// Shutdown (Stop(), or SIGTERM/SIGINT when handle_signals): stop accepting, close idle
// connections, let requests being read or handled finish (their responses carry
// `Connection: close`) and responses being written, streamed ones too, finish; then
// Run() returns. If that takes longer than shutdown_timeout, the remaining connections
// are dropped (a stream mid-way is then cut off).
//
// Ownership: the Handler is copied in and called from the pool's threads.
// Thread-safety: Stop() may be called from any thread; Run() once.
#pragma once

#include <atomic>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "common/error.h"

namespace portcullis::server {

class Session;

using HttpRequestMessage = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponseMessage = boost::beast::http::response<boost::beast::http::string_body>;

struct ConnectionInfo {
  std::string peer_ip;  // no port; IPv4-mapped IPv6 addresses as IPv4
  bool secure = false;  // TLS (not yet offered)
};

// A response, and optionally a body streamed after it instead of message.body().
// (The NOLINT: the implicit move assignment is noexcept as Beast's fields' is, whose body
// clang-tidy sees a throw in.)
struct HttpResponse {  // NOLINT(bugprone-exception-escape)
  HttpResponse() = default;

  // Implicit, so that every handler returning an HttpResponseMessage keeps compiling.
  HttpResponse(HttpResponseMessage m)  // NOLINT(google-explicit-constructor)
      : message(std::move(m)) {}

  HttpResponseMessage message;
  // When set: the body is read from here in pieces (returns bytes written into the span,
  // 0 at the end, or an Error) and sent with Content-Length = stream_length; message.body()
  // is ignored. For a HEAD request the stream is not read, and Content-Length still says
  // stream_length. Called on the connection's strand (one call at a time, never after the
  // response is done); destroyed when the response is done or the connection dropped.
  // Never asked for more than stream_length bytes in all; must not throw.
  std::function<Result<std::size_t>(std::span<char> out)> stream;
  std::uint64_t stream_length = 0;
};

// Builds the response to `request`. Must not throw (a throw is answered 500 anyway).
using HttpHandler =
    std::function<HttpResponse(const HttpRequestMessage& request, const ConnectionInfo&)>;

// The size of the pieces a streamed body is read and written in.
inline constexpr std::size_t kStreamPiece = std::size_t{256} * 1024;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  int threads = 1;
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  // When set, replaces max_body_bytes per request (see the top of this file). Called on the
  // connection's strand from the pool's threads; must not throw (a throw is answered 500).
  std::function<std::size_t(const boost::beast::http::request_header<>& header)> body_limit_for;
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
  std::chrono::milliseconds write_timeout = std::chrono::seconds(30);
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(30);
  bool handle_signals = false;
};

class HttpServer {
 public:
  // Binds and listens. kInvalidArgument for an address that does not parse;
  // kUnavailable when the address cannot be bound (in use, not local, no permission).
  [[nodiscard]] static Result<std::unique_ptr<HttpServer>> Create(const HttpServerOptions& options,
                                                                  HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  HttpServer(HttpServer&&) = delete;
  HttpServer& operator=(HttpServer&&) = delete;

  // The bound port (the kernel's choice when options.port was 0).
  std::uint16_t port() const;

  // Serves until shutdown completes; runs the pool (the calling thread is one of it).
  void Run();

  // Starts a graceful shutdown. Idempotent.
  void Stop();

  // Whether a shutdown was requested (by Stop or a signal).
  bool stopping() const;

 private:
  friend class Session;  // http_server.cc: one connection
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace portcullis::server
