// The Router's workload-credential endpoints: registration, the container credentials
// endpoint and the instance metadata (IMDSv2) listener. docs/workload-credentials.md.
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/ids.h"
#include "api/protocol/aws_errors.h"
#include "api/protocol/service_model.h"
#include "api/protocol/value.h"
#include "api/request_info.h"
#include "auth/sigv4/verifier.h"
#include "common/strings.h"
#include "server/logging.h"
#include "server/router.h"

namespace portcullis::server {
namespace {

namespace http = boost::beast::http;
using Json = nlohmann::json;

constexpr std::string_view kWorkloadsPath = "/_portcullis/workloads";
constexpr std::string_view kImdsTokenTtlHeader = "x-aws-ec2-metadata-token-ttl-seconds";
constexpr std::string_view kImdsTokenHeader = "x-aws-ec2-metadata-token";

std::string_view View(boost::beast::string_view s) {
  return {s.data(), s.size()};
}

std::optional<std::string_view> Header(const HttpRequestMessage& request, std::string_view name) {
  for (const auto& field : request) {
    if (EqualsIgnoreCase(View(field.name_string()), name)) {
      return View(field.value());
    }
  }
  return std::nullopt;
}

HttpResponseMessage Respond(const HttpRequestMessage& request, http::status status,
                            std::string body, std::string_view content_type) {
  HttpResponseMessage res{status, request.version()};
  res.set(http::field::content_type,
          boost::beast::string_view(content_type.data(), content_type.size()));
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string Iso8601Seconds(std::chrono::system_clock::time_point t) {
  return api::protocol::FormatIso8601(
      std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count() * 1000);
}

// An error as {"Code": ..., "Message": ...} with its HTTP status.
std::pair<http::status, std::string> ErrorBody(const Error& error) {
  const auto resolved = api::protocol::ResolveAwsError(error, &api::protocol::IamModel());
  Json body{{"Code", resolved.code}, {"Message", error.message}};
  return {static_cast<http::status>(resolved.http_status), body.dump()};
}

}  // namespace

HttpResponseMessage Router::HandleWorkloads(const HttpRequestMessage& request,
                                            const ConnectionInfo& connection) {
  const auto started = std::chrono::steady_clock::now();
  const RequestTarget split_target = SplitRequestTarget(View(request.target()));
  const std::string_view raw_path = split_target.path;
  const std::string_view raw_query = split_target.query;
  std::string_view id = raw_path.substr(kWorkloadsPath.size());
  if (!id.empty()) {
    id.remove_prefix(1);  // the '/'
  }
  const bool registering = request.method() == http::verb::post && id.empty();
  const bool deregistering = request.method() == http::verb::delete_ && !id.empty();
  if (!registering && !deregistering) {
    return Respond(request, http::status::method_not_allowed, "method not allowed\n",
                   "text/plain; charset=utf-8");
  }

  api::RequestInfo info = NewRequestInfo(request, connection);

  AuditEvent event =
      NewAuditEvent(info, "iam", registering ? "RegisterWorkload" : "DeregisterWorkload");
  std::optional<auth::Caller> caller;

  auto finish = [&](http::status status, std::string body) {
    HttpResponseMessage res = Respond(request, status, std::move(body), "application/json");
    res.set("x-amzn-RequestId", info.request_id);
    if (caller.has_value()) {
      event.caller = &*caller;
    }
    if (audit_ != nullptr) {
      audit_->Record(event);
    }
    RecordMetric(static_cast<unsigned>(status), started);
    return res;
  };
  auto fail = [&](const Error& error) {
    auto [status, body] = ErrorBody(error);
    event.error_code = api::protocol::ResolveAwsError(error, &api::protocol::IamModel()).code;
    event.error_message = error.message;
    return finish(status, std::move(body));
  };

  const std::shared_lock<std::shared_mutex> lock(runtime_mutex_);
  if (runtime_ == nullptr) {
    return fail(Error{ErrorCode::kUnavailable,
                      "the server's state is unavailable",
                      std::nullopt,
                      {},
                      "ServiceUnavailable"});
  }
  const std::vector<auth::sigv4::HeaderField> headers = HeaderFields(request);
  const auth::sigv4::HttpRequest http_request{
      View(request.method_string()), raw_path, raw_query, headers, request.body(), std::nullopt};
  auto authenticated = runtime_->authenticator().Authenticate(http_request, "iam");
  if (!authenticated.has_value()) {
    return fail(authenticated.error());
  }
  caller = std::move(*authenticated);
  workload::WorkloadService& workloads = runtime_->workloads();

  if (deregistering) {
    auto removed = workloads.Deregister(*caller, info, id);
    if (!removed.has_value()) {
      return fail(removed.error());
    }
    return finish(http::status::ok, Json{{"WorkloadId", std::string(id)}}.dump());
  }

  const Json body = Json::parse(request.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("InstanceProfileName") ||
      !body["InstanceProfileName"].is_string() ||
      (body.contains("ImdsSourceIp") && !body["ImdsSourceIp"].is_string())) {
    return fail(Error{ErrorCode::kInvalidArgument,
                      "the body must be a JSON object with a string InstanceProfileName and "
                      "optionally a string ImdsSourceIp",
                      std::nullopt,
                      {},
                      "ValidationError"});
  }
  const std::string profile = body["InstanceProfileName"].get<std::string>();
  const std::string address = body.value("ImdsSourceIp", "");
  auto registered = workloads.Register(*caller, info, profile, address);
  if (!registered.has_value()) {
    return fail(registered.error());
  }
  const workload::Workload& w = registered->workload;
  Json out{{"WorkloadId", w.id},
           {"Token", registered->token},
           {"InstanceProfileName", w.instance_profile_name},
           {"InstanceProfileArn", registered->instance_profile_arn},
           {"RoleArn", w.role_arn},
           {"CredentialsPath", "/_portcullis/workload/credentials"}};
  if (!w.imds_source_ip.empty()) {
    out["ImdsSourceIp"] = w.imds_source_ip;
  }
  return finish(http::status::ok, out.dump());
}

HttpResponseMessage Router::HandleWorkloadCredentials(const HttpRequestMessage& request,
                                                      const ConnectionInfo& connection) {
  const auto started = std::chrono::steady_clock::now();
  api::RequestInfo info = NewRequestInfo(request, connection);

  AuditEvent event = NewAuditEvent(info, "sts", "GetWorkloadCredentials");
  auto finish = [&](http::status status, std::string body) {
    HttpResponseMessage res = Respond(request, status, std::move(body), "application/json");
    res.set("x-amzn-RequestId", info.request_id);
    if (audit_ != nullptr) {
      audit_->Record(event);
    }
    RecordMetric(static_cast<unsigned>(status), started);
    return res;
  };
  auto fail = [&](const Error& error) {
    auto [status, body] = ErrorBody(error);
    event.error_code = api::protocol::ResolveAwsError(error, &api::protocol::IamModel()).code;
    event.error_message = error.message;
    return finish(status, std::move(body));
  };

  const std::shared_lock<std::shared_mutex> lock(runtime_mutex_);
  if (runtime_ == nullptr) {
    return fail(Error{ErrorCode::kUnavailable,
                      "the server's state is unavailable",
                      std::nullopt,
                      {},
                      "ServiceUnavailable"});
  }
  // The SDKs send AWS_CONTAINER_AUTHORIZATION_TOKEN verbatim; "Bearer " is accepted too.
  std::string_view token = Header(request, "authorization").value_or("");
  if (token.size() > 7 && EqualsIgnoreCase(token.substr(0, 7), "bearer ")) {
    token.remove_prefix(7);
  }
  if (token.empty()) {
    return fail(Error{ErrorCode::kUnauthenticated,
                      "an Authorization header with the workload "
                      "token is required",
                      std::nullopt,
                      {},
                      "MissingAuthenticationToken"});
  }
  workload::WorkloadService& workloads = runtime_->workloads();
  auto w = workloads.Authenticate(token);
  if (!w.has_value()) {
    return fail(w.error());
  }
  auto creds = workloads.Credentials(*w, info);
  if (!creds.has_value()) {
    return fail(creds.error());
  }
  event.access_key_id = creds->access_key_id;
  Json out{{"AccessKeyId", creds->access_key_id},
           {"SecretAccessKey", creds->secret_access_key},
           {"Token", creds->token},
           {"Expiration", Iso8601Seconds(creds->expiration)},
           {"RoleArn", creds->role_arn}};
  return finish(http::status::ok, out.dump());
}

HttpResponseMessage Router::HandleImds(const HttpRequestMessage& request,
                                       const ConnectionInfo& connection) {
  const std::string_view target = View(request.target());
  const std::string_view path = target.substr(0, target.find('?'));
  const bool get = request.method() == http::verb::get || request.method() == http::verb::head;
  auto text = [&](http::status status, std::string body) {
    return Respond(request, status, std::move(body), "text/plain");
  };
  // AWS: IMDSv2 refuses token requests that carry X-Forwarded-For (so a proxy on the
  // instance cannot relay them); here every request does, and the peer address is the
  // only identity the listener believes.
  if (Header(request, "x-forwarded-for").has_value()) {
    return text(http::status::forbidden, "Forbidden");
  }
  if (!get && request.method() != http::verb::put) {
    return text(http::status::method_not_allowed, "Method Not Allowed");
  }
  const std::shared_lock<std::shared_mutex> lock(runtime_mutex_);
  if (runtime_ == nullptr) {
    return text(http::status::service_unavailable, "Service Unavailable");
  }
  workload::WorkloadService& workloads = runtime_->workloads();
  auto found = workloads.FindByImdsAddress(connection.peer_ip);
  if (!found.has_value()) {
    log::Error("imds: workload lookup failed", {{"error", found.error().ToString()}});
    return text(http::status::internal_server_error, "Internal Server Error");
  }
  if (!found->has_value()) {
    return text(http::status::not_found, "Not Found");
  }
  const workload::Workload& w = **found;

  if (path == "/latest/api/token") {
    if (request.method() != http::verb::put) {
      return text(http::status::method_not_allowed, "Method Not Allowed");
    }
    const std::string_view ttl_text = Header(request, kImdsTokenTtlHeader).value_or("");
    std::int64_t ttl = 0;
    const auto parsed = std::from_chars(ttl_text.data(), ttl_text.data() + ttl_text.size(), ttl);
    if (ttl_text.empty() || parsed.ec != std::errc() ||
        parsed.ptr != ttl_text.data() + ttl_text.size() || ttl < 1 ||
        ttl > workload::kMaxImdsTokenSeconds) {
      return text(http::status::bad_request, "Bad Request");
    }
    HttpResponseMessage res =
        text(http::status::ok, workloads.IssueImdsToken(w, connection.peer_ip, ttl));
    res.set(boost::beast::string_view(kImdsTokenTtlHeader.data(), kImdsTokenTtlHeader.size()),
            std::to_string(ttl));
    return res;
  }
  if (!get) {
    return text(http::status::method_not_allowed, "Method Not Allowed");
  }
  // IMDSv2 only: every read needs a session token.
  const std::string_view token = Header(request, kImdsTokenHeader).value_or("");
  if (!workloads.CheckImdsToken(token, w, connection.peer_ip)) {
    return text(http::status::unauthorized, "Unauthorized");
  }

  api::RequestInfo info;
  info.request_id = api::NewRequestId();
  info.source_ip = connection.peer_ip;
  info.time = clock_.Now();
  const std::string role_name = w.role_arn.substr(w.role_arn.rfind('/') + 1);
  constexpr std::string_view kCredentials = "/latest/meta-data/iam/security-credentials";

  if (path == "/latest/meta-data" || path == "/latest/meta-data/") {
    return text(http::status::ok, "iam/\ninstance-id");
  }
  if (path == "/latest/meta-data/instance-id") {
    return text(http::status::ok, w.id);
  }
  if (path == "/latest/meta-data/iam" || path == "/latest/meta-data/iam/") {
    return text(http::status::ok, "info\nsecurity-credentials/");
  }
  auto creds = workloads.Credentials(w, info);
  if (path == "/latest/meta-data/iam/info") {
    if (!creds.has_value()) {
      return text(http::status::not_found, "Not Found");
    }
    Json out{{"Code", "Success"},
             {"LastUpdated", Iso8601Seconds(creds->issued)},
             {"InstanceProfileArn", creds->instance_profile_arn},
             {"InstanceProfileId", creds->instance_profile_id}};
    return text(http::status::ok, out.dump(2));
  }
  if (path == kCredentials || path == std::string(kCredentials) + "/") {
    return text(http::status::ok, creds.has_value() ? creds->role_name : role_name);
  }
  if (path.starts_with(std::string(kCredentials) + "/")) {
    const std::string_view asked = path.substr(kCredentials.size() + 1);
    const std::string_view current = creds.has_value() ? creds->role_name : role_name;
    if (asked != current) {
      return text(http::status::not_found, "Not Found");
    }
    // The credential document is audited like the container endpoint's answer.
    AuditEvent event = NewAuditEvent(info, "sts", "GetWorkloadCredentials");
    event.user_agent = std::string(View(request[http::field::user_agent]));
    if (creds.has_value()) {
      event.access_key_id = creds->access_key_id;
    } else {
      event.error_code =
          creds.error().aws_code.empty() ? std::string("AccessDenied") : creds.error().aws_code;
      event.error_message = creds.error().message;
    }
    if (audit_ != nullptr) {
      audit_->Record(event);
    }
    if (!creds.has_value()) {
      // AWS answers a failed role session with a document whose Code is not Success.
      Json out{{"Code", "AssumeRoleUnauthorizedAccess"},
               {"Message", creds.error().message},
               {"LastUpdated", Iso8601Seconds(info.time)}};
      return text(http::status::ok, out.dump(2));
    }
    Json out{{"Code", "Success"},
             {"LastUpdated", Iso8601Seconds(creds->issued)},
             {"Type", "AWS-HMAC"},
             {"AccessKeyId", creds->access_key_id},
             {"SecretAccessKey", creds->secret_access_key},
             {"Token", creds->token},
             {"Expiration", Iso8601Seconds(creds->expiration)}};
    return text(http::status::ok, out.dump(2));
  }
  return text(http::status::not_found, "Not Found");
}

}  // namespace portcullis::server
