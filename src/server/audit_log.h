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
// Lines are batched: Record renders the line on the calling thread and queues it; a
// writer thread appends the queue with one write(2) (whole lines only, to a file opened
// with O_APPEND) every kFlushInterval, or sooner once kFlushBytes are queued. One write
// per request cost a quarter of the server's throughput under load. The price: a
// process killed with SIGKILL loses at most the last kFlushInterval of lines; a clean
// shutdown (the destructor) writes everything.
// Thread-safety: Record and Flush may be called from many threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

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
  // CloudTrail's data events (S3 object-level operations): eventCategory "Data",
  // managementEvent false.
  bool data_event = false;
  // An unsigned request (anonymous S3 access): userIdentity is CloudTrail's anonymous
  // principal instead of null.
  bool anonymous = false;
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

  static constexpr std::chrono::milliseconds kFlushInterval{50};
  static constexpr std::size_t kFlushBytes = 256 * 1024;

  // Renders and queues `event`. A failed write is reported once to the server log and
  // otherwise ignored: the request it describes has been answered.
  void Record(const AuditEvent& event);

  // Writes every line queued before the call.
  void Flush();

 private:
  AuditLog(int fd, bool owned);
  void WriterLoop();
  void WriteAll(const std::string& bytes);

  std::mutex mutex_;
  std::condition_variable wake_;       // the writer: lines to write, or stop
  std::condition_variable written_;    // Flush: a batch was written
  std::string pending_;                // guarded by mutex_
  std::uint64_t queued_batches_ = 0;   // guarded by mutex_: batches handed out so far + 1
  std::uint64_t written_batches_ = 0;  // guarded by mutex_
  bool flush_requested_ = false;       // guarded by mutex_
  bool stop_ = false;                  // guarded by mutex_
  int fd_;
  bool owned_;
  bool reported_failure_ = false;  // used by the writer thread only
  std::thread writer_;
};

}  // namespace portcullis::server
