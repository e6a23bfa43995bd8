// The Router's S3 endpoint: requests signed for the "s3" service (Authorization header or
// presigned URL, SigV4 or S3's Signature Version 2), and unsigned requests that are not the Query
// API (anonymous access to a public bucket). Authentication is the server's; everything else is the
// S3Service's (api/s3/s3_service.h). docs/s3.md.
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/protocol/s3_codec.h"
#include "api/protocol/s3_errors.h"
#include "api/protocol/value.h"
#include "api/s3/s3_service.h"
#include "auth/sigv4/authorization.h"
#include "auth/sigv4/s3_query_v2.h"
#include "auth/sigv4/verifier.h"
#include "common/base64.h"
#include "common/strings.h"
#include "crypto/crypto.h"
#include "server/logging.h"
#include "server/router.h"

namespace portcullis::server {
namespace {

namespace http = boost::beast::http;

std::string_view View(boost::beast::string_view s) {
  return {s.data(), s.size()};
}

boost::beast::string_view BView(std::string_view s) {
  return {s.data(), s.size()};
}

// The S3 form of an authentication error (the verifier and Authenticator speak the Query
// services' codes). AWS: S3 answers InvalidAccessKeyId for an unknown key, AccessDenied
// "Request has expired" for an expired presigned URL, AuthorizationHeaderMalformed and
// AuthorizationQueryParametersError for malformed signatures.
Error S3AuthenticationError(Error error, bool presigned) {
  const std::string code = error.aws_code;
  if (code == "InvalidClientTokenId") {
    error.aws_code = "InvalidAccessKeyId";
    error.message = "The AWS Access Key Id you provided does not exist in our records.";
  } else if (code == "RequestExpired") {
    error.aws_code = "AccessDenied";
    error.message = "Request has expired";
  } else if (code == "IncompleteSignature" || code == "MissingAuthenticationToken") {
    error.aws_code =
        presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed";
  }
  return error;
}

}  // namespace

HttpResponse Router::HandleS3(const HttpRequestMessage& request, const ConnectionInfo& connection,
                              std::string_view region) {
  const auto started = std::chrono::steady_clock::now();
  const std::string_view target = View(request.target());
  const RequestTarget split_target = SplitRequestTarget(target);
  const std::string_view raw_path = split_target.path;
  const std::string_view raw_query = split_target.query;
  const bool head = request.method() == http::verb::head;
  const std::vector<auth::sigv4::HeaderField> headers = HeaderFields(request);
  const bool has_authorization = request.find(http::field::authorization) != request.end();
  const bool presigned = auth::sigv4::HasPresignedParams(raw_query);
  // S3's Signature Version 2 presigned URL (AWSAccessKeyId/Signature/Expires).
  const bool query_v2 =
      !has_authorization && !presigned && auth::sigv4::HasS3QueryV2Params(raw_query);

  api::RequestInfo info = NewRequestInfo(request, connection);
  info.region = std::string(region);
  AuditEvent event = NewAuditEvent(info, "s3", "");
  std::optional<auth::Caller> caller;
  std::optional<auth::sigv4::Authenticated> signature;
  // The Runtime a streamed body reads from (see Router::runtime_).
  std::shared_ptr<Runtime> runtime_in_use;

  auto finish = [&](api::s3::S3Reply reply) -> HttpResponse {
    HttpResponse out;
    HttpResponseMessage& res = out.message;
    res.result(static_cast<http::status>(reply.status));
    res.version(request.version());
    for (const auto& [name, value] : reply.headers) {
      res.set(BView(name), BView(value));
    }
    res.set("x-amz-request-id", info.request_id);
    // S3's extended request id, an opaque token AWS support asks for beside the request id.
    res.set("x-amz-id-2", EncodeBase64(crypto::AsBytes(crypto::Sha256(info.request_id))));
    res.set(http::field::date, FormatHttpDate(info.time));
    res.set(http::field::server, "Portcullis");
    if (reply.stream != nullptr) {
      // The body borrows the Runtime's object store: destroyed first (members in reverse).
      struct Streamed {
        std::shared_ptr<Runtime> runtime;
        std::unique_ptr<objects::ObjectBody> body;
      };
      auto streamed = std::make_shared<Streamed>(Streamed{runtime_in_use, std::move(reply.stream)});
      out.stream = [streamed](std::span<char> buffer) { return streamed->body->Read(buffer); };
      out.stream_length = reply.stream_length;
    } else if (head && reply.status < 300 && reply.stream_length > 0) {
      // HeadObject: the object's length, no body.
      out.stream = [](std::span<char>) -> Result<std::size_t> { return std::size_t{0}; };
      out.stream_length = reply.stream_length;
    } else {
      res.body() = std::move(reply.body);
      res.prepare_payload();
    }
    event.event_name = reply.operation;
    // CloudTrail: object-level operations are data events.
    event.data_event = !reply.key.empty() || reply.operation == "DeleteObjects";
    event.anonymous = !caller.has_value() && !has_authorization && !presigned;
    // CloudTrail's S3 data events: requestParameters {bucketName, key}.
    api::protocol::Value parameters = api::protocol::Value::Structure();
    if (!reply.bucket.empty()) {
      parameters.Set("BucketName", api::protocol::Value::String(reply.bucket));
      if (!reply.key.empty()) {
        parameters.Set("Key", api::protocol::Value::String(reply.key));
      }
      event.parameters = &parameters;
    }
    if (caller.has_value()) {
      event.caller = &*caller;
    }
    if (!reply.error_code.empty()) {
      event.error_code = reply.error_code;
      event.error_message = reply.error_message;
    }
    if (!reply.internal_detail.empty()) {
      log::Error("s3 request failed", {{"request_id", info.request_id},
                                       {"operation", reply.operation},
                                       {"error", reply.internal_detail}});
    }
    if (audit_ != nullptr) {
      audit_->Record(event);
    }
    RecordMetric(static_cast<unsigned>(reply.status), started);
    if (log::Enabled(log::Level::kDebug)) {
      log::Debug("request", {{"request_id", info.request_id},
                             {"method", View(request.method_string())},
                             {"path", raw_path},
                             {"service", "s3"},
                             {"action", reply.operation},
                             {"status", std::to_string(reply.status)},
                             {"error", reply.error_code},
                             {"source_ip", info.source_ip}});
    }
    return out;
  };
  auto resource = [&]() {
    std::string decoded;
    if (!api::protocol::S3PercentDecode(raw_path, false, &decoded)) {
      decoded = std::string(raw_path);
    }
    return decoded;
  };
  auto fail = [&](const Error& error) {
    return finish(api::s3::S3Service::ErrorReply(error, resource(), info.request_id, head));
  };

  const std::shared_lock<std::shared_mutex> lock(runtime_mutex_);
  if (runtime_ == nullptr || runtime_->s3() == nullptr) {
    return fail(api::protocol::MakeS3Error(
        "ServiceUnavailable", runtime_ == nullptr
                                  ? "The server's state is unavailable after a failed reset."
                                  : "The S3 store of this data directory is in use by another "
                                    "Portcullis process."));
  }
  Runtime& runtime = *runtime_;
  runtime_in_use = runtime_;

  if (has_authorization || presigned || query_v2) {
    const auth::sigv4::HttpRequest http_request{
        View(request.method_string()), raw_path, raw_query, headers, request.body(), std::nullopt};
    auth::sigv4::Authenticated signed_by;
    auto authenticated =
        query_v2 ? runtime.authenticator().AuthenticateS3QueryV2(http_request, &signed_by)
                 : runtime.authenticator().Authenticate(http_request, "s3", &signed_by);
    if (!authenticated.has_value()) {
      return fail(S3AuthenticationError(authenticated.error(), presigned || query_v2));
    }
    caller = std::move(*authenticated);
    signature = std::move(signed_by);
  }

  api::s3::S3Call call;
  call.method = View(request.method_string());
  call.target = target;
  call.host = View(request[http::field::host]);
  call.headers = headers;
  call.body = request.body();
  call.caller = caller.has_value() ? &*caller : nullptr;
  call.signature = signature.has_value() ? &*signature : nullptr;
  return finish(runtime.s3()->Handle(call, info));
}

}  // namespace portcullis::server
