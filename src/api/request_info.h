// RequestInfo: what the server knows about a request apart from its signer and its
// parameters, passed to every operation: the request id, where it came from and when.
// The authorizer turns it into global condition keys (aws:SourceIp, aws:UserAgent,
// aws:SecureTransport, aws:RequestedRegion, aws:CurrentTime, aws:EpochTime).
// Thread-safety: a plain value.
#pragma once

#include <chrono>
#include <string>

namespace portcullis::api {

struct RequestInfo {
  std::string request_id;  // a UUID, echoed in RequestId and x-amzn-RequestId
  std::string source_ip;   // the peer's address, no port
  std::string user_agent;
  bool secure_transport = false;  // TLS
  std::string region;             // the SigV4 credential scope's region
  std::chrono::system_clock::time_point time;
};

}  // namespace portcullis::api
