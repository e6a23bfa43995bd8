// AuditLog: one JSON line per API request, in CloudTrail's event shape (eventVersion
// 1.08): eventTime, eventSource, eventName, awsRegion, sourceIPAddress, userAgent,
// userIdentity, requestParameters (secrets removed), errorCode/errorMessage on failure,
// requestID, eventID, eventType, readOnly, recipientAccountId. docs/server.md shows a line.
//
// requestParameters is the decoded input with member names in lowerCamelCase as
// CloudTrail writes them. Members that carry secrets are dropped, never masked: members
// named Password, OldPassword, NewPassword, PrivateKey, SecretAccessKey, SAMLAssertion,
// WebIdentityToken, AuthenticationCode1/2, any member whose name contains "Secret" or
// "Password" (any case), and any member whose model shape is marked sensitive.
//
// Appends are line-atomic: each event is one write(2) of the whole line, under a mutex,
// to a file opened with O_APPEND.
// Thread-safety: Record may be called from many threads.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "api/protocol/service_model.h"
#include "api/protocol/value.h"
#include "auth/caller.h"
#include "common/error.h"

namespace portcullis::server {

struct AuditEvent {
  std::chrono::system_clock::time_point time;
  std::string service;     // "iam": eventSource iam.amazonaws.com
  std::string event_name;  // the operation ("CreateUser"); the raw Action when undecoded
  std::string region;
  std::string source_ip;
  std::string user_agent;
  std::string request_id;
  // Who called; absent when authentication failed.
  const auth::Caller* caller = nullptr;
  // The access key id the request was signed with, when known but not authenticated.
  std::string access_key_id;
  // The decoded input and its shape (may be null); absent when decoding failed.
  const api::protocol::Value* parameters = nullptr;
  const api::protocol::Shape* input_shape = nullptr;
  // Set on failure.
  std::optional<std::string> error_code;
  std::string error_message;
};

// Whether a member named `name` is dropped from requestParameters.
bool IsSecretMemberName(std::string_view name);

// "CreateUser" -> "createUser"; "SAMLProviderArn" -> "sAMLProviderArn" (as CloudTrail).
std::string LowerCamel(std::string_view name);

// The event as one JSON object, without a newline.
std::string RenderAuditEvent(const AuditEvent& event);

class AuditLog {
 public:
  // Opens (creating with mode 0640) `path` for appending. kUnavailable when it cannot.
  [[nodiscard]] static Result<std::unique_ptr<AuditLog>> OpenFile(
      const std::filesystem::path& path);
  // Writes to standard output.
  static std::unique_ptr<AuditLog> Stdout();

  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;
  AuditLog(AuditLog&&) = delete;
  AuditLog& operator=(AuditLog&&) = delete;

  // Renders and appends `event`. A failed write is reported once to the server log and
  // otherwise ignored: the request it describes has been answered.
  void Record(const AuditEvent& event);

 private:
  AuditLog(int fd, bool owned) : fd_(fd), owned_(owned) {}

  std::mutex mutex_;
  int fd_;
  bool owned_;
  bool reported_failure_ = false;  // guarded by mutex_
};

}  // namespace portcullis::server
