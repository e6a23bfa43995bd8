// Router: what the server answers to each HTTP request.
//
//   GET  /health/live                 200 "ok" while the process serves
//   GET  /health/ready, /healthz      200 "ok" when a store read transaction opens, else 503
//   GET  /metrics                     Prometheus text: API requests by status class, their
//                                     latency histogram, resets, the store generation
//   POST /moto-api/reset,
//   POST /_portcullis/reset           dev mode only (else 404): wipe all state, restore the
//                                     bootstrap root credentials, 200 {"status": "ok"}
//   POST /_portcullis/console/signin  the console sign-in check (api/iam/console_signin.h;
//                                     docs/console-signin.md): 200 or 401 with JSON
//   GET  /_portcullis/oidc/ACCOUNT/.well-known/openid-configuration, .../jwks
//                                     GetWebIdentityToken's issuer document and keys
//                                     (docs/federation.md); 404 unless the account enabled
//                                     outbound web identity federation
//   POST /_portcullis/workloads       register a workload (SigV4-signed, JSON body; docs/
//   DELETE /_portcullis/workloads/ID  workload-credentials.md), deregister it
//   GET  /_portcullis/workload/credentials
//                                     the container credentials endpoint (bearer token)
//   S3 requests (IsS3Request)         the S3 service (router_s3.cc, api/s3/s3_service.h)
//   anything else                     the AWS Query API
//
// HandleImds answers the instance metadata listener (IMDSv2 paths under /latest/).
// Every request's client address (aws:SourceIp, the audit log's sourceIPAddress) is the
// peer's, or from X-Forwarded-For behind a trusted proxy (server/client_address.h).
//
// The Query API pipeline: route by the SigV4 credential scope's service ("iam" to the
// IamService, "sts" to the StsService; another service answers 501 NotImplemented naming
// it; unsigned AssumeRoleWithWebIdentity/AssumeRoleWithSAML, and Portcullis's
// AssumeRoleWithLDAPIdentity, go to STS by Action); authenticate
// (an unsigned request gets MissingAuthenticationToken whatever its Action); decode the
// form (POST body, or the query string) with the service's model; invoke; encode the
// output or the error as XML with Content-Type text/xml, x-amzn-RequestId and Date.
// Each API request is recorded in the audit log and logged at debug level.
//
// The Runtime (store, authenticator, authorizer, services) is held under a shared lock
// for each request's duration; a reset takes it exclusively and rebuilds it.
// Ownership: the SecretBox, the Clock and the AuditLog (nullable) are borrowed and must
// outlive the Router.
// Thread-safety: Handle may run concurrently from many threads.
#pragma once

#include <boost/beast/http/message.hpp>
#include <chrono>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "auth/sigv4/canonical.h"
#include "common/clock.h"
#include "crypto/secret_box.h"
#include "policy/ip_address.h"
#include "server/audit_log.h"
#include "server/http_server.h"
#include "server/runtime.h"

namespace portcullis::server {

struct RouterOptions {
  bool dev_mode = false;
  // How a reset rebuilds the runtime.
  RuntimeOptions runtime;
  // Proxies whose X-Forwarded-For sets the client address (empty: none).
  std::vector<policy::IpNetwork> trusted_proxies;
};

class Router {
 public:
  Router(RouterOptions options, std::unique_ptr<Runtime> runtime, const crypto::SecretBox& box,
         const Clock& clock, AuditLog* audit);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;
  Router(Router&&) = delete;
  Router& operator=(Router&&) = delete;

  HttpResponse Handle(const HttpRequestMessage& request, const ConnectionInfo& connection);

  // The instance metadata listener's requests (router_workload.cc).
  HttpResponseMessage HandleImds(const HttpRequestMessage& request,
                                 const ConnectionInfo& connection);

 private:
  HttpResponseMessage HandleReady(const HttpRequestMessage& request);
  HttpResponseMessage HandleMetrics();
  HttpResponseMessage HandleReset(const HttpRequestMessage& request);
  HttpResponseMessage HandleApi(const HttpRequestMessage& request,
                                const ConnectionInfo& connection);
  HttpResponseMessage HandleConsoleSignIn(const HttpRequestMessage& request,
                                          const ConnectionInfo& connection);
  HttpResponseMessage HandleOutboundOidc(const HttpRequestMessage& request, std::string_view path);
  // router_s3.cc: an S3 request (`region` from the credential scope, when signed).
  HttpResponse HandleS3(const HttpRequestMessage& request, const ConnectionInfo& connection,
                        std::string_view region);
  // router_workload.cc
  HttpResponseMessage HandleWorkloads(const HttpRequestMessage& request,
                                      const ConnectionInfo& connection);
  HttpResponseMessage HandleWorkloadCredentials(const HttpRequestMessage& request,
                                                const ConnectionInfo& connection);
  // Counts an answered API request in /metrics.
  void RecordMetric(unsigned status, std::chrono::steady_clock::time_point started);
  // The request's client address (server/client_address.h).
  std::string SourceIp(const HttpRequestMessage& request, const ConnectionInfo& connection) const;
  // A new request id, the client address, user agent, transport and time of `request`.
  api::RequestInfo NewRequestInfo(const HttpRequestMessage& request,
                                  const ConnectionInfo& connection) const;
  // The audit event of a request as far as `info` tells (time, service, event name,
  // client address, user agent, request id and region).
  static AuditEvent NewAuditEvent(const api::RequestInfo& info, std::string service,
                                  std::string event_name);

  RouterOptions options_;
  const crypto::SecretBox& box_;
  const Clock& clock_;
  AuditLog* audit_;
  std::shared_mutex runtime_mutex_;
  // Guarded by runtime_mutex_; null after a failed reset. Shared so that a response body
  // still streaming from the S3 store keeps the Runtime it reads alive across a reset.
  std::shared_ptr<Runtime> runtime_;
  struct Metrics;
  std::unique_ptr<Metrics> metrics_;  // atomics: updated without the lock
};

// A request-target split at its first '?': the raw (still percent-encoded) path and query
// (empty when there is no '?'). Views into `target`.
struct RequestTarget {
  std::string_view path;
  std::string_view query;
};

RequestTarget SplitRequestTarget(std::string_view target);

// The header fields of `header` as the SigV4 verifier takes them (views into `header`).
std::vector<auth::sigv4::HeaderField> HeaderFields(
    const boost::beast::http::request_header<>& header);

// Whether a request with this header goes to S3: signed for the "s3" service (Authorization
// header or presigned URL), an S3 Signature Version 2 presigned URL, or unsigned and not the
// Query API (which is a POST to "/" or carries an Action parameter). Sets *region to the credential
// scope's region when signed.
bool IsS3Request(const boost::beast::http::request_header<>& header, std::string* region = nullptr);

// RFC 7231 IMF-fixdate: "Sat, 28 Nov 2026 02:41:07 GMT".
std::string FormatHttpDate(std::chrono::system_clock::time_point time);

}  // namespace portcullis::server
