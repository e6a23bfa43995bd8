#include "server/router.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/console_signin.h"
#include "api/ids.h"
#include "api/protocol/query_codec.h"
#include "api/request_info.h"
#include "api/sts/outbound_web_identity.h"
#include "auth/sigv4/authorization.h"
#include "auth/sigv4/s3_query_v2.h"
#include "auth/sigv4/verifier.h"
#include "common/strings.h"
#include "server/client_address.h"
#include "server/logging.h"

namespace portcullis::server {
namespace {

namespace http = boost::beast::http;
using api::protocol::ServiceModel;

std::string_view View(boost::beast::string_view s) {
  return {s.data(), s.size()};
}

boost::beast::string_view BView(std::string_view s) {
  return {s.data(), s.size()};
}

HttpResponseMessage TextResponse(http::status status, std::string body,
                                 std::string_view content_type = "text/plain; charset=utf-8") {
  HttpResponseMessage res{status, 11};
  res.set(http::field::content_type, BView(content_type));
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// What the credential scope says about the signer, before verification.
struct ScopeHint {
  std::string service;
  std::string region;
  std::string access_key_id;
};

std::optional<ScopeHint> ReadScope(std::span<const auth::sigv4::HeaderField> headers,
                                   std::string_view raw_query) {
  std::optional<std::string_view> authorization;
  bool has_date = false;
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.name, "authorization")) {
      authorization = h.value;
    } else if (EqualsIgnoreCase(h.name, "x-amz-date") || EqualsIgnoreCase(h.name, "date")) {
      has_date = true;
    }
  }
  if (authorization.has_value()) {
    auto parsed = auth::sigv4::ParseAuthorizationHeader(*authorization, has_date);
    if (!parsed.has_value()) {
      return std::nullopt;
    }
    return ScopeHint{parsed->credential.service, parsed->credential.region,
                     parsed->credential.access_key_id};
  }
  if (auth::sigv4::HasPresignedParams(raw_query)) {
    auto parsed = auth::sigv4::ParsePresignedQuery(raw_query);
    if (!parsed.has_value()) {
      return std::nullopt;
    }
    return ScopeHint{parsed->params.credential.service, parsed->params.credential.region,
                     parsed->params.credential.access_key_id};
  }
  return std::nullopt;
}

bool HasAuthorization(std::span<const auth::sigv4::HeaderField> headers) {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.name, "authorization")) {
      return true;
    }
  }
  return false;
}

// The `Action` of a form, for audit lines of requests that did not decode.
std::string FormAction(std::string_view form) {
  auto pairs = api::protocol::ParseQueryForm(form);
  if (!pairs.has_value()) {
    return "";
  }
  std::string action;
  for (auto& [key, value] : *pairs) {
    if (key == "Action") {
      action = std::move(value);
    }
  }
  return action;
}

}  // namespace

RequestTarget SplitRequestTarget(std::string_view target) {
  const std::size_t question = target.find('?');
  return {target.substr(0, question),
          question == std::string_view::npos ? std::string_view() : target.substr(question + 1)};
}

std::vector<auth::sigv4::HeaderField> HeaderFields(
    const boost::beast::http::request_header<>& header) {
  std::vector<auth::sigv4::HeaderField> headers;
  headers.reserve(16);
  for (const auto& field : header) {
    headers.push_back({View(field.name_string()), View(field.value())});
  }
  return headers;
}

bool IsS3Request(const boost::beast::http::request_header<>& header, std::string* region) {
  const std::vector<auth::sigv4::HeaderField> headers = HeaderFields(header);
  const RequestTarget split_target = SplitRequestTarget(View(header.target()));
  const std::string_view path = split_target.path;
  const std::string_view raw_query = split_target.query;
  if (HasAuthorization(headers) || auth::sigv4::HasPresignedParams(raw_query)) {
    const std::optional<ScopeHint> scope = ReadScope(headers, raw_query);
    if (!scope.has_value() || scope->service != "s3") {
      return false;
    }
    if (region != nullptr) {
      *region = scope->region;
    }
    return true;
  }
  // Unsigned: the Query API is a POST to "/" or carries an Action parameter; any other
  // request is S3 (anonymous access to a public bucket). An S3 Signature Version 2
  // presigned URL (AWSAccessKeyId/Signature/Expires) is S3 whatever its method and path.
  if (raw_query.starts_with("Action=") || raw_query.find("&Action=") != std::string_view::npos) {
    return false;
  }
  if (auth::sigv4::HasS3QueryV2Params(raw_query)) {
    return true;
  }
  return !(header.method() == http::verb::post && path == "/");
}

std::string FormatHttpDate(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::array<char, 32> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                              kDays.at(static_cast<std::size_t>(tm.tm_wday) % 7).data(), tm.tm_mday,
                              kMonths.at(static_cast<std::size_t>(tm.tm_mon) % 12).data(),
                              tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return {buf.data(), n > 0 ? static_cast<std::size_t>(n) : 0};
}

// Counters for /metrics. Relaxed atomics: each is read on its own, not as a snapshot.
struct Router::Metrics {
  // Upper bounds of the latency histogram's buckets, in microseconds.
  static constexpr std::array<std::int64_t, 10> kBucketMicros = {
      250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 1000000};

  std::array<std::atomic<std::uint64_t>, 6> by_class{};                    // index: status / 100
  std::array<std::atomic<std::uint64_t>, kBucketMicros.size()> buckets{};  // not cumulative
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> micros_sum{0};
  std::atomic<std::uint64_t> resets{0};

  void Record(unsigned status, std::int64_t micros) {
    by_class.at(std::min<std::size_t>(status / 100, by_class.size() - 1))
        .fetch_add(1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < kBucketMicros.size(); ++i) {
      if (micros <= kBucketMicros.at(i)) {
        buckets.at(i).fetch_add(1, std::memory_order_relaxed);
        break;
      }
    }
    count.fetch_add(1, std::memory_order_relaxed);
    micros_sum.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(micros, 0)),
                         std::memory_order_relaxed);
  }
};

Router::Router(RouterOptions options, std::unique_ptr<Runtime> runtime,
               const crypto::SecretBox& box, const Clock& clock, AuditLog* audit)
    : options_(std::move(options)),
      box_(box),
      clock_(clock),
      audit_(audit),
      runtime_(std::move(runtime)),
      metrics_(std::make_unique<Metrics>()) {}

Router::~Router() = default;

void Router::RecordMetric(unsigned status, std::chrono::steady_clock::time_point started) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  metrics_->Record(status, micros);
}

api::RequestInfo Router::NewRequestInfo(const HttpRequestMessage& request,
                                        const ConnectionInfo& connection) const {
  api::RequestInfo info;
  info.request_id = api::NewRequestId();
  info.source_ip = SourceIp(request, connection);
  info.user_agent = std::string(View(request[http::field::user_agent]));
  info.secure_transport = connection.secure;
  info.time = clock_.Now();
  return info;
}

AuditEvent Router::NewAuditEvent(const api::RequestInfo& info, std::string service,
                                 std::string event_name) {
  AuditEvent event;
  event.time = info.time;
  event.service = std::move(service);
  event.event_name = std::move(event_name);
  event.region = info.region;
  event.source_ip = info.source_ip;
  event.user_agent = info.user_agent;
  event.request_id = info.request_id;
  return event;
}

std::string Router::SourceIp(const HttpRequestMessage& request,
                             const ConnectionInfo& connection) const {
  if (options_.trusted_proxies.empty()) {
    return connection.peer_ip;
  }
  std::vector<std::string_view> forwarded;
  for (const auto& field : request) {
    if (EqualsIgnoreCase(View(field.name_string()), "x-forwarded-for")) {
      forwarded.push_back(View(field.value()));
    }
  }
  return ClientAddress(connection.peer_ip, forwarded, options_.trusted_proxies);
}

HttpResponse Router::Handle(const HttpRequestMessage& request, const ConnectionInfo& connection) {
  const std::string_view target = View(request.target());
  const std::string_view path = target.substr(0, target.find('?'));
  const bool get = request.method() == http::verb::get || request.method() == http::verb::head;

  if (path == "/health/live") {
    if (!get) {
      return TextResponse(http::status::method_not_allowed, "method not allowed\n");
    }
    return TextResponse(http::status::ok, "ok\n");
  }
  if (path == "/metrics") {
    if (!get) {
      return TextResponse(http::status::method_not_allowed, "method not allowed\n");
    }
    return HandleMetrics();
  }
  if (path == "/health/ready" || path == "/healthz") {
    if (!get) {
      return TextResponse(http::status::method_not_allowed, "method not allowed\n");
    }
    return HandleReady(request);
  }
  if (path == "/moto-api/reset" || path == "/_portcullis/reset") {
    if (!options_.dev_mode) {
      return TextResponse(http::status::not_found, "not found\n");
    }
    if (request.method() != http::verb::post) {
      return TextResponse(http::status::method_not_allowed, "method not allowed\n");
    }
    return HandleReset(request);
  }
  if (path == "/_portcullis/workloads" || path.starts_with("/_portcullis/workloads/")) {
    return HandleWorkloads(request, connection);
  }
  if (path == "/_portcullis/workload/credentials") {
    if (!get) {
      return TextResponse(http::status::method_not_allowed, "method not allowed\n");
    }
    return HandleWorkloadCredentials(request, connection);
  }
  if (path == "/_portcullis/console/signin") {
    if (request.method() != http::verb::post) {
      return TextResponse(http::status::method_not_allowed, "method not allowed\n");
    }
    return HandleConsoleSignIn(request, connection);
  }
  if (path.starts_with("/_portcullis/oidc/")) {
    if (!get) {
      return TextResponse(http::status::method_not_allowed, "method not allowed\n");
    }
    return HandleOutboundOidc(request, path);
  }
  if (std::string region; IsS3Request(request, &region)) {
    return HandleS3(request, connection, region);
  }
  return HandleApi(request, connection);
}

// GetWebIdentityToken's published keys (api/sts/outbound_web_identity.h):
// /_portcullis/oidc/ACCOUNT/.well-known/openid-configuration and /_portcullis/oidc/ACCOUNT/jwks.
HttpResponseMessage Router::HandleOutboundOidc(const HttpRequestMessage& request,
                                               std::string_view path) {
  std::string_view rest = path.substr(std::string_view("/_portcullis/oidc/").size());
  const std::size_t slash = rest.find('/');
  const std::string_view account = rest.substr(0, slash);
  const std::string_view what =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  const bool digits =
      account.size() == 12 &&
      std::all_of(account.begin(), account.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || (what != "/jwks" && what != "/.well-known/openid-configuration")) {
    return TextResponse(http::status::not_found, "not found\n");
  }
  const std::shared_lock<std::shared_mutex> lock(runtime_mutex_);
  if (runtime_ == nullptr) {
    return TextResponse(http::status::service_unavailable, "store unavailable\n");
  }
  const std::string host(View(request[http::field::host]));
  auto body = what == "/jwks"
                  ? api::sts::OutboundJwksJson(runtime_->store(), box_, account)
                  : api::sts::OutboundDiscoveryJson(runtime_->store(), account, "http://" + host);
  if (!body.has_value()) {
    if (body.error().code == ErrorCode::kNotFound) {
      return TextResponse(http::status::not_found, "not found\n");
    }
    log::Warn("outbound oidc document failed", {{"error", body.error().ToString()}});
    return TextResponse(http::status::internal_server_error, "internal error\n");
  }
  return TextResponse(http::status::ok, *std::move(body), "application/json");
}

HttpResponseMessage Router::HandleConsoleSignIn(const HttpRequestMessage& request,
                                                const ConnectionInfo& connection) {
  const auto started = std::chrono::steady_clock::now();
  api::RequestInfo info = NewRequestInfo(request, connection);

  // AWS: CloudTrail records console sign-ins as ConsoleLogin from signin.amazonaws.com.
  AuditEvent event = NewAuditEvent(info, "signin", "ConsoleLogin");

  std::optional<api::iam::ConsoleSignInResult> result;
  auto respond = [&](http::status status, std::string body) {
    HttpResponseMessage res{status, request.version()};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.set("x-amzn-RequestId", info.request_id);
    res.body() = std::move(body);
    res.prepare_payload();
    if (result.has_value() && result->identity.has_value()) {
      event.caller = &*result->identity;
    }
    if (audit_ != nullptr) {
      audit_->Record(event);
    }
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
    metrics_->Record(static_cast<unsigned>(status), micros);
    return res;
  };

  auto parsed = api::iam::ParseConsoleSignInRequest(request.body());
  if (!parsed.has_value()) {
    event.error_code = "MalformedRequest";
    event.error_message = parsed.error().message;
    return respond(http::status::bad_request, R"({"result":"error","reason":"MalformedRequest"})");
  }
  const std::shared_lock<std::shared_mutex> lock(runtime_mutex_);
  if (runtime_ == nullptr) {
    event.error_code = "ServiceUnavailable";
    return respond(http::status::service_unavailable,
                   R"({"result":"error","reason":"ServiceUnavailable"})");
  }
  auto signed_in = api::iam::ConsoleSignIn(runtime_->store(), runtime_->authorizer(), box_, clock_,
                                           info, *parsed);
  if (!signed_in.has_value()) {
    log::Error("console sign-in failed",
               {{"request_id", info.request_id}, {"error", signed_in.error().ToString()}});
    event.error_code = "ServiceFailure";
    return respond(http::status::internal_server_error,
                   R"({"result":"error","reason":"ServiceFailure"})");
  }
  result = std::move(*signed_in);
  if (!result->ok) {
    event.error_code = result->reason;
    event.error_message = "Failed authentication";
    return respond(http::status::unauthorized, api::iam::RenderConsoleSignInResult(*result));
  }
  return respond(http::status::ok, api::iam::RenderConsoleSignInResult(*result));
}

HttpResponseMessage Router::HandleReady(const HttpRequestMessage& /*request*/) {
  const std::shared_lock<std::shared_mutex> lock(runtime_mutex_);
  if (runtime_ == nullptr) {
    return TextResponse(http::status::service_unavailable, "store unavailable\n");
  }
  auto txn = runtime_->store().BeginRead();
  if (!txn.has_value()) {
    log::Warn("readiness check failed", {{"error", txn.error().ToString()}});
    return TextResponse(http::status::service_unavailable, "store unavailable\n");
  }
  return TextResponse(http::status::ok, "ok\n");
}

HttpResponseMessage Router::HandleMetrics() {
  const Metrics& m = *metrics_;
  std::string out;
  out.reserve(2048);
  auto line = [&out](std::string_view name, std::string_view labels, std::uint64_t value) {
    out += name;
    out += labels;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
  };
  out += "# HELP portcullis_api_requests_total AWS API requests answered, by status class.\n";
  out += "# TYPE portcullis_api_requests_total counter\n";
  static constexpr std::array<std::string_view, 4> kClasses = {"2xx", "3xx", "4xx", "5xx"};
  for (std::size_t i = 0; i < kClasses.size(); ++i) {
    const std::string labels = "{code=\"" + std::string(kClasses.at(i)) + "\"}";
    line("portcullis_api_requests_total", labels,
         m.by_class.at(i + 2).load(std::memory_order_relaxed));
  }
  out += "# HELP portcullis_api_request_duration_seconds Time to answer AWS API requests.\n";
  out += "# TYPE portcullis_api_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < Metrics::kBucketMicros.size(); ++i) {
    cumulative += m.buckets.at(i).load(std::memory_order_relaxed);
    const auto micros = Metrics::kBucketMicros.at(i);
    std::string le = std::to_string(micros / 1000000) + "." +
                     std::to_string(1000000 + (micros % 1000000)).substr(1);
    while (le.back() == '0') {
      le.pop_back();
    }
    if (le.back() == '.') {
      le.pop_back();
    }
    line("portcullis_api_request_duration_seconds_bucket", "{le=\"" + le + "\"}", cumulative);
  }
  const std::uint64_t count = m.count.load(std::memory_order_relaxed);
  line("portcullis_api_request_duration_seconds_bucket", "{le=\"+Inf\"}", count);
  const std::uint64_t sum = m.micros_sum.load(std::memory_order_relaxed);
  out += "portcullis_api_request_duration_seconds_sum " + std::to_string(sum / 1000000) + "." +
         std::to_string(1000000 + (sum % 1000000)).substr(1) + "\n";
  line("portcullis_api_request_duration_seconds_count", "", count);
  out += "# HELP portcullis_resets_total Development-mode resets.\n";
  out += "# TYPE portcullis_resets_total counter\n";
  line("portcullis_resets_total", "", m.resets.load(std::memory_order_relaxed));
  {
    const std::shared_lock<std::shared_mutex> lock(runtime_mutex_);
    if (runtime_ != nullptr) {
      out += "# HELP portcullis_store_generation Committed write transactions since open.\n";
      out += "# TYPE portcullis_store_generation gauge\n";
      line("portcullis_store_generation", "", runtime_->store().Generation());
    }
  }
  return TextResponse(http::status::ok, std::move(out), "text/plain; version=0.0.4");
}

HttpResponseMessage Router::HandleReset(const HttpRequestMessage& /*request*/) {
  const std::unique_lock<std::shared_mutex> lock(runtime_mutex_);
  runtime_.reset();
  auto wiped = WipeRuntimeState(options_.runtime);
  if (!wiped.has_value()) {
    log::Error("reset failed", {{"error", wiped.error().ToString()}});
    return TextResponse(http::status::internal_server_error, R"({"status": "error"})",
                        "application/json");
  }
  auto opened = OpenRuntime(options_.runtime, box_, clock_);
  if (!opened.has_value()) {
    log::Error("reset failed", {{"error", opened.error().ToString()}});
    return TextResponse(http::status::internal_server_error, R"({"status": "error"})",
                        "application/json");
  }
  runtime_ = std::move(*opened);
  metrics_->resets.fetch_add(1, std::memory_order_relaxed);
  const auto& boot = runtime_->bootstrap();
  log::Warn("dev mode: all state reset", {{"account_id", boot.first_account_id}});
  if (boot.created.has_value()) {
    // Generated credentials cannot be printed here; with fixed ones the suite knows them.
    log::Warn(
        "reset created new random root credentials; set PORTCULLIS_ROOT_ACCESS_KEY_ID "
        "and PORTCULLIS_ROOT_SECRET_ACCESS_KEY to keep them across resets",
        {{"access_key_id", boot.created->access_key_id}});
  }
  return TextResponse(http::status::ok, R"({"status": "ok"})", "application/json");
}

HttpResponseMessage Router::HandleApi(const HttpRequestMessage& request,
                                      const ConnectionInfo& connection) {
  const auto started = std::chrono::steady_clock::now();
  const RequestTarget split_target = SplitRequestTarget(View(request.target()));
  const std::string_view raw_path = split_target.path;
  const std::string_view raw_query = split_target.query;
  const std::vector<auth::sigv4::HeaderField> headers = HeaderFields(request);

  api::RequestInfo info = NewRequestInfo(request, connection);

  // POST carries the form in its body; GET (and a POST without a body) in the query.
  const std::string_view form = request.method() == http::verb::post && !request.body().empty()
                                    ? std::string_view(request.body())
                                    : raw_query;

  const std::optional<ScopeHint> scope = ReadScope(headers, raw_query);
  std::string service = scope.has_value() ? scope->service : std::string();
  if (scope.has_value()) {
    info.region = scope->region;
  }
  bool unsigned_by_action = false;
  if (!scope.has_value() && !HasAuthorization(headers) &&
      !auth::sigv4::HasPresignedParams(raw_query)) {
    // AWS: AssumeRoleWithWebIdentity and AssumeRoleWithSAML are unsigned STS calls; so is
    // Portcullis's AssumeRoleWithLDAPIdentity (the directory password is the proof).
    const std::string action = FormAction(form);
    if (action == "AssumeRoleWithWebIdentity" || action == "AssumeRoleWithSAML" ||
        action == "AssumeRoleWithLDAPIdentity") {
      service = "sts";
      unsigned_by_action = true;
    }
  }

  AuditEvent event = NewAuditEvent(info, service.empty() ? "iam" : service, "");
  if (scope.has_value()) {
    event.access_key_id = scope->access_key_id;
  }

  const ServiceModel& iam_model = api::protocol::IamModel();
  const ServiceModel* model = &iam_model;
  std::optional<api::protocol::QueryRequest> decoded;
  std::optional<auth::Caller> caller;

  auto finish = [&](http::status status, std::string body) {
    HttpResponseMessage res{status, request.version()};
    res.set(http::field::content_type, "text/xml");
    res.set("x-amzn-RequestId", info.request_id);
    res.set(http::field::date, FormatHttpDate(info.time));
    res.body() = std::move(body);
    res.prepare_payload();
    if (event.event_name.empty()) {
      event.event_name = FormAction(form);
    }
    if (audit_ != nullptr) {
      audit_->Record(event);
    }
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
    metrics_->Record(static_cast<unsigned>(status), micros);
    if (log::Enabled(log::Level::kDebug)) {
      log::Debug("request", {{"request_id", info.request_id},
                             {"method", View(request.method_string())},
                             {"path", raw_path},
                             {"service", event.service},
                             {"action", event.event_name},
                             {"status", std::to_string(static_cast<unsigned>(status))},
                             {"error", event.error_code.value_or("")},
                             {"source_ip", info.source_ip},
                             {"micros", std::to_string(micros)}});
    }
    return res;
  };
  auto fail = [&](const Error& error) {
    auto encoded = api::protocol::EncodeError(*model, error, info.request_id);
    event.error_code = api::protocol::ResolveAwsError(error, model).code;
    event.error_message = error.message;
    return finish(static_cast<http::status>(encoded.http_status), std::move(encoded.body));
  };

  if (service.empty()) {
    service = "iam";
  }
  if (service == "sts") {
    model = &api::protocol::StsModel();
  }

  const std::shared_lock<std::shared_mutex> lock(runtime_mutex_);
  if (runtime_ == nullptr) {
    return fail(Error{ErrorCode::kUnavailable,
                      "the server's state is unavailable after a failed reset",
                      std::nullopt,
                      {},
                      "ServiceUnavailable"});
  }
  Runtime& runtime = *runtime_;
  api::Service* target_service = runtime.FindService(service);
  if (target_service == nullptr) {
    return fail(Error{ErrorCode::kInternal,
                      "Portcullis does not implement the " + service + " service yet",
                      std::nullopt,
                      {},
                      "NotImplemented"});
  }
  model = &target_service->model();

  if (unsigned_by_action) {
    // AWS: these STS calls carry no signature; the operation checks its own token.
    caller.emplace();
  } else {
    const auth::sigv4::HttpRequest http_request{
        View(request.method_string()), raw_path, raw_query, headers, request.body(), std::nullopt};
    auto authenticated = runtime.authenticator().Authenticate(http_request, service);
    if (!authenticated.has_value()) {
      return fail(authenticated.error());
    }
    caller = std::move(*authenticated);
    event.caller = &*caller;
  }

  auto query = api::protocol::DecodeQueryRequest(*model, form);
  if (!query.has_value()) {
    return fail(query.error());
  }
  decoded = std::move(*query);
  event.event_name = decoded->operation->name;
  event.parameters = &decoded->input;
  event.input_shape = decoded->operation->input;

  auto output = target_service->Invoke(*decoded->operation, decoded->input, *caller, info);
  if (!output.has_value()) {
    return fail(output.error());
  }
  return finish(http::status::ok, api::protocol::EncodeQueryResponse(*model, *decoded->operation,
                                                                     *output, info.request_id));
}

}  // namespace portcullis::server
