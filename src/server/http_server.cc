#include "server/http_server.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <csignal>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/logging.h"

namespace portcullis::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

// Bytes read at once while waiting for the first byte of a request.
constexpr std::size_t kFirstReadBytes = 4096;

HttpResponseMessage PlainResponse(http::status status, unsigned version, std::string body) {
  HttpResponseMessage res{status, version};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body() = std::move(body);
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

std::string PeerIp(const tcp::socket& socket) {
  error_code ec;
  const tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) {
    return "";
  }
  net::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
  }
  std::string text = address.to_string(ec);
  return ec ? std::string() : text;
}

// A streamed response being written: its header and the piece in flight, the serializer
// that keeps its place, and the stream the pieces come from.
struct StreamedResponse {
  explicit StreamedResponse(HttpResponse&& response)
      : message(std::move(response.message.base())),
        source(std::move(response.stream)),
        remaining(response.stream_length) {}

  StreamedResponse(const StreamedResponse&) = delete;
  StreamedResponse& operator=(const StreamedResponse&) = delete;
  StreamedResponse(StreamedResponse&&) = delete;
  StreamedResponse& operator=(StreamedResponse&&) = delete;
  ~StreamedResponse() = default;

  http::response<http::buffer_body> message;
  http::response_serializer<http::buffer_body> serializer{message};
  std::function<Result<std::size_t>(std::span<char>)> source;
  std::uint64_t remaining;  // bytes not yet read from `source`
  std::vector<char> piece;
};

}  // namespace

class Session;

struct HttpServer::Impl {
  explicit Impl(const HttpServerOptions& opts, HttpHandler h)
      : options(opts),
        handler(std::move(h)),
        ioc(opts.threads < 1 ? 1 : opts.threads),
        strand(net::make_strand(ioc)),
        acceptor(strand),
        signals(strand),
        drain_timer(strand),
        retry_timer(strand) {}

  void StartAccept();
  void OnAccept(const error_code& ec, tcp::socket socket);
  void DoStop(std::string_view reason);
  void FinishIfDrained();
  void SessionGone(const Session* session);

  // Declared before `ioc` so they outlive the handlers that the io_context destroys.
  HttpServerOptions options;
  HttpHandler handler;
  // Set at once by Stop() (so responses being built say `Connection: close`), and by
  // DoStop; stop_started (on `strand`) makes DoStop run once.
  std::atomic<bool> stopping{false};
  bool stop_started = false;
  std::mutex sessions_mutex;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions;  // by sessions_mutex
  std::uint16_t bound_port = 0;

  net::io_context ioc;
  net::strand<net::io_context::executor_type> strand;
  tcp::acceptor acceptor;
  net::signal_set signals;
  net::steady_timer drain_timer;
  net::steady_timer retry_timer;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer::Impl& server, tcp::socket&& socket)
      : server_(server), stream_(std::move(socket)) {
    info_.peer_ip = PeerIp(stream_.socket());
    error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  ~Session() {
    try {
      server_.SessionGone(this);
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
      // Only a failed lock or allocation gets here; the drain timer then ends the wait.
    }
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&&) = delete;
  Session& operator=(Session&&) = delete;

  void Start() {
    {
      const std::lock_guard<std::mutex> lock(server_.sessions_mutex);
      server_.sessions.emplace(this, weak_from_this());
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
  }

  // Runs on the session's strand: an idle connection closes now; a busy one after its
  // response.
  void OnServerStop() {
    if (idle_wait_) {
      error_code ec;
      stream_.socket().cancel(ec);
    }
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

 private:
  void WaitForRequest() {
    if (server_.stopping.load()) {
      Close();
      return;
    }
    if (buffer_.size() > 0) {  // a pipelined request is already here
      ReadHeader();
      return;
    }
    idle_wait_ = true;
    stream_.expires_after(first_ ? server_.options.read_timeout : server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = shared_from_this()](const error_code& ec, std::size_t n) {
                              self->OnFirstBytes(ec, n);
                            });
  }

  void OnFirstBytes(const error_code& ec, std::size_t n) {
    idle_wait_ = false;
    if (ec) {
      Close();
      return;
    }
    buffer_.commit(n);
    ReadHeader();
  }

  void ReadHeader() {
    first_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
        server_.options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    if (server_.options.body_limit_for) {
      // Beast checks Content-Length against the limit while parsing the header; the
      // per-request limit is only known after it, so OnHeader checks then. (Not
      // boost::none: Boost 1.74 compares `length > none` as true and so refuses any body.)
      parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    } else {
      parser_->body_limit(server_.options.max_body_bytes);
    }
    stream_.expires_after(server_.options.read_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](const error_code& ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(const error_code& ec) {
    if (ec) {
      OnReadError(ec);
      return;
    }
    const auto& req = parser_->get();
    if (server_.options.body_limit_for) {
      std::size_t limit = 0;
      try {
        limit = server_.options.body_limit_for(req);
      } catch (const std::exception& e) {
        log::Error("body limit callback threw", {{"error", e.what()}});
        Write(PlainResponse(http::status::internal_server_error, req.version(), "internal error\n"),
              true);
        return;
      }
      // Set before any body byte is parsed (Beast requires it); bounds a chunked body.
      parser_->body_limit(std::uint64_t{limit});
      if (const auto length = parser_->content_length(); length.has_value() && *length > limit) {
        OnReadError(http::error::body_limit);
        return;
      }
    }
    const auto expect = req[http::field::expect];
    if (beast::iequals(expect, "100-continue") && !parser_->is_done()) {
      continue_ = std::make_unique<http::response<http::empty_body>>(http::status::continue_,
                                                                     req.version());
      http::async_write(stream_, *continue_,
                        [self = shared_from_this()](const error_code& wec, std::size_t) {
                          self->continue_.reset();
                          if (wec) {
                            self->Close();
                            return;
                          }
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) {
      OnRequest();
      return;
    }
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](const error_code& ec, std::size_t) {
                       if (ec) {
                         self->OnReadError(ec);
                         return;
                       }
                       self->OnRequest();
                     });
  }

  void OnReadError(const error_code& ec) {
    const unsigned version = parser_.has_value() ? parser_->get().version() : 11;
    if (ec == http::error::header_limit) {
      Write(PlainResponse(http::status::request_header_fields_too_large, version,
                          "request header fields too large\n"),
            true);
      return;
    }
    if (ec == http::error::body_limit) {
      Write(PlainResponse(http::status::payload_too_large, version, "payload too large\n"), true);
      return;
    }
    if (&ec.category() == &http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      Write(PlainResponse(http::status::bad_request, version, "bad request\n"), true);
      return;
    }
    // Timeouts, resets and a peer that left mid-request: nothing to answer.
    Close();
  }

  void OnRequest() {
    HttpRequestMessage request = parser_->release();
    parser_.reset();
    HttpResponse response;
    try {
      response = server_.handler(request, info_);
    } catch (const std::exception& e) {
      // Handlers do not throw; this is the last seam before the io_context.
      log::Error("request handler threw", {{"error", e.what()}});
      response =
          PlainResponse(http::status::internal_server_error, request.version(), "internal error\n");
    }
    response.message.version(request.version());
    const bool keep = request.keep_alive() && !server_.stopping.load();
    if (response.stream && request.method() != http::verb::head) {
      WriteStreamed(std::move(response), !keep);
      return;
    }
    if (request.method() == http::verb::head) {
      // HEAD: the headers of the GET answer, no body (a stream is not read).
      const std::uint64_t length =
          response.stream ? response.stream_length : response.message.body().size();
      response.message.body().clear();
      response.message.content_length(length);
    }
    response.message.keep_alive(keep);
    Write(std::move(response.message), !keep);
  }

  void Write(HttpResponseMessage response, bool close_after) {
    response_ = std::move(response);
    if (close_after) {
      response_.keep_alive(false);
    }
    close_after_ = close_after;
    stream_.expires_after(server_.options.write_timeout);
    http::async_write(
        stream_, response_,
        [self = shared_from_this()](const error_code& ec, std::size_t) { self->OnWrite(ec); });
  }

  void OnWrite(const error_code& ec) {
    if (ec || close_after_ || response_.need_eof()) {
      Close();
      return;
    }
    response_ = {};
    WaitForRequest();
  }

  // Writes the header of `response` and then its stream, piece by piece. The first piece
  // is read before anything is written, so a stream that fails at once is answered 500.
  void WriteStreamed(HttpResponse response, bool close_after) {
    streamed_ = std::make_unique<StreamedResponse>(std::move(response));
    auto& message = streamed_->message;
    message.content_length(streamed_->remaining);
    message.keep_alive(!close_after);
    close_after_ = close_after;
    message.body().data = nullptr;
    message.body().size = 0;
    message.body().more = false;
    if (streamed_->remaining > 0) {
      streamed_->piece.resize(
          static_cast<std::size_t>(std::min<std::uint64_t>(kStreamPiece, streamed_->remaining)));
      if (!ReadPiece()) {
        const unsigned version = message.version();
        streamed_.reset();
        Write(PlainResponse(http::status::internal_server_error, version, "internal error\n"),
              true);
        return;
      }
    }
    WriteStreamedPiece();
  }

  // Reads the next piece of the stream and points the body at it. False (logged) when the
  // stream failed, ended before stream_length, or claimed more bytes than it was given.
  bool ReadPiece() {
    StreamedResponse& streamed = *streamed_;
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(streamed.piece.size(), streamed.remaining));
    Result<std::size_t> got = 0;
    try {
      got = streamed.source(std::span<char>(streamed.piece.data(), want));
    } catch (const std::exception& e) {
      got = MakeError(ErrorCode::kInternal, std::string("the stream threw: ") + e.what());
    }
    if (!got.has_value()) {
      log::Error("response stream failed", {{"error", got.error().ToString()}});
      return false;
    }
    if (*got == 0) {
      log::Error("response stream ended before its length",
                 {{"missing_bytes", std::to_string(streamed.remaining)}});
      return false;
    }
    if (*got > want) {
      log::Error("response stream claimed more bytes than it was given room for",
                 {{"claimed", std::to_string(*got)}, {"room", std::to_string(want)}});
      return false;
    }
    streamed.remaining -= *got;
    streamed.message.body().data = streamed.piece.data();
    streamed.message.body().size = *got;
    streamed.message.body().more = streamed.remaining > 0;
    return true;
  }

  void WriteStreamedPiece() {
    stream_.expires_after(server_.options.write_timeout);
    http::async_write(stream_, streamed_->serializer,
                      [self = shared_from_this()](const error_code& ec, std::size_t) {
                        self->OnStreamedPiece(ec);
                      });
  }

  void OnStreamedPiece(const error_code& ec) {
    if (ec == http::error::need_buffer) {  // the piece is out and more is to come
      if (!ReadPiece()) {
        streamed_.reset();
        Close();  // the client sees a body shorter than its Content-Length
        return;
      }
      WriteStreamedPiece();
      return;
    }
    const bool need_eof = streamed_->message.need_eof();
    streamed_.reset();
    if (ec || close_after_ || need_eof) {
      Close();
      return;
    }
    WaitForRequest();
  }

  void Close() {
    error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  HttpServer::Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::unique_ptr<http::response<http::empty_body>> continue_;
  HttpResponseMessage response_;
  std::unique_ptr<StreamedResponse> streamed_;  // while a streamed response is written
  ConnectionInfo info_;
  bool idle_wait_ = false;
  bool first_ = true;
  bool close_after_ = false;
};

void HttpServer::Impl::StartAccept() {
  acceptor.async_accept(net::make_strand(ioc), [this](const error_code& ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void HttpServer::Impl::OnAccept(const error_code& ec, tcp::socket socket) {
  if (stopping.load() || ec == net::error::operation_aborted) {
    return;
  }
  if (ec) {
    // Out of descriptors and the like: wait a little rather than spin.
    log::Warn("accept failed", {{"error", ec.message()}});
    retry_timer.expires_after(std::chrono::milliseconds(100));
    retry_timer.async_wait([this](const error_code& tec) {
      if (!tec && !stopping.load()) {
        StartAccept();
      }
    });
    return;
  }
  std::make_shared<Session>(*this, std::move(socket))->Start();
  StartAccept();
}

// Runs on `strand`.
void HttpServer::Impl::DoStop(std::string_view reason) {
  stopping.store(true);
  if (stop_started) {
    return;
  }
  stop_started = true;
  log::Info("shutting down", {{"reason", reason}});
  error_code ec;
  acceptor.close(ec);
  retry_timer.cancel();
  std::vector<std::shared_ptr<Session>> live;
  {
    const std::lock_guard<std::mutex> lock(sessions_mutex);
    for (auto& [ptr, weak] : sessions) {
      if (auto session = weak.lock()) {
        live.push_back(std::move(session));
      }
    }
  }
  if (live.empty()) {
    FinishIfDrained();
    return;
  }
  for (auto& session : live) {
    auto executor = session->executor();
    net::post(executor, [s = std::move(session)] { s->OnServerStop(); });
  }
  drain_timer.expires_after(options.shutdown_timeout);
  drain_timer.async_wait([this](const error_code& tec) {
    if (!tec) {
      log::Warn("shutdown timeout: dropping connections still open");
      ioc.stop();
    }
  });
}

// Runs on `strand`: nothing left to wait for.
void HttpServer::Impl::FinishIfDrained() {
  error_code ec;
  drain_timer.cancel();
  retry_timer.cancel();
  signals.cancel(ec);
}

void HttpServer::Impl::SessionGone(const Session* session) {
  bool empty = false;
  {
    const std::lock_guard<std::mutex> lock(sessions_mutex);
    sessions.erase(session);
    empty = sessions.empty();
  }
  if (empty && stopping.load() && !ioc.stopped()) {
    net::post(strand, [this] { FinishIfDrained(); });
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::Create(const HttpServerOptions& options,
                                                       HttpHandler handler) {
  error_code ec;
  const net::ip::address address = net::ip::make_address(options.address, ec);
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "listen address `" + options.address + "` is not an IP address");
  }
  auto impl = std::make_unique<Impl>(options, std::move(handler));
  const tcp::endpoint endpoint(address, options.port);
  auto fail = [&](std::string_view what) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot " + std::string(what) + " " + options.address + ":" +
                         std::to_string(options.port) + ": " + ec.message());
  };
  impl->acceptor.open(endpoint.protocol(), ec);
  if (ec) {
    return fail("open a socket for");
  }
  impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) {
    return fail("set SO_REUSEADDR on");
  }
  impl->acceptor.bind(endpoint, ec);
  if (ec) {
    return fail("listen on");
  }
  impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail("listen on");
  }
  const tcp::endpoint local = impl->acceptor.local_endpoint(ec);
  if (ec) {
    return fail("read the address of");
  }
  impl->bound_port = local.port();
  if (options.handle_signals) {
    impl->signals.add(SIGINT, ec);
    impl->signals.add(SIGTERM, ec);
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const {
  return impl_->bound_port;
}

bool HttpServer::stopping() const {
  return impl_->stopping.load();
}

void HttpServer::Stop() {
  Impl* impl = impl_.get();
  impl->stopping.store(true);
  net::post(impl->strand, [impl] { impl->DoStop("stop requested"); });
}

void HttpServer::Run() {
  Impl* impl = impl_.get();
  net::post(impl->strand, [impl] {
    if (impl->stopping.load()) {
      impl->DoStop("stop requested");
      return;
    }
    impl->StartAccept();
    if (impl->options.handle_signals) {
      impl->signals.async_wait([impl](const error_code& ec, int signal_number) {
        if (ec) {
          return;
        }
        // A second signal stops at once (registered first: DoStop may cancel it).
        impl->signals.async_wait([impl](const error_code& ec2, int) {
          if (!ec2) {
            log::Warn("second signal: stopping now");
            impl->ioc.stop();
          }
        });
        impl->DoStop(signal_number == SIGINT ? "SIGINT" : "SIGTERM");
      });
    }
  });
  auto run_loop = [impl] {
    for (;;) {
      try {
        impl->ioc.run();
        return;
      } catch (const std::exception& e) {
        // Nothing in the server throws by design; keep serving if something did.
        log::Error("io loop caught an exception", {{"error", e.what()}});
      }
    }
  };
  std::vector<std::thread> pool;
  const int threads = impl->options.threads < 1 ? 1 : impl->options.threads;
  pool.reserve(static_cast<std::size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) {
    pool.emplace_back(run_loop);
  }
  run_loop();
  for (auto& t : pool) {
    t.join();
  }
}

}  // namespace portcullis::server
