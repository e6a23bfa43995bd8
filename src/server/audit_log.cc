#include "server/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include "api/ids.h"
#include "api/protocol/model_pattern.h"
#include "api/protocol/query_codec.h"
#include "server/logging.h"

namespace portcullis::server {
namespace {

using api::protocol::Shape;
using api::protocol::Value;

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) {
    return false;
  }
  auto lower = [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); };
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    bool match = true;
    for (std::size_t j = 0; j < needle.size(); ++j) {
      if (lower(haystack[i + j]) != lower(needle[j])) {
        match = false;
        break;
      }
    }
    if (match) {
      return true;
    }
  }
  return false;
}

// JSON text is built directly (one string, no DOM): the audit line is on every request's
// path. Strings that are not ASCII are first made valid UTF-8 (U+FFFD for bad bytes).
void AppendEscaped(std::string& out, std::string_view text) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  out += '"';
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += kHex[c >> 4U];
      out += kHex[c & 0xfU];
    } else {
      out += ch;
    }
  }
  out += '"';
}

void AppendString(std::string& out, std::string_view text) {
  const bool ascii = std::all_of(text.begin(), text.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) {
    AppendEscaped(out, text);
  } else {
    AppendEscaped(out, api::protocol::SanitizeUtf8(text));
  }
}

void AppendKey(std::string& out, std::string_view key) {
  AppendString(out, key);
  out += ':';
}

void AppendValue(std::string& out, const Value& value, const Shape* shape);

void AppendStructure(std::string& out, const Value& value, const Shape* shape) {
  out += '{';
  bool first = true;
  const auto& names = value.names();
  const auto& children = value.children();
  for (std::size_t i = 0; i < names.size() && i < children.size(); ++i) {
    if (IsSecretMemberName(names[i])) {
      continue;
    }
    const Shape* member_shape = nullptr;
    if (shape != nullptr) {
      if (const auto* member = shape->FindMember(names[i]); member != nullptr) {
        member_shape = member->shape;
      }
    }
    if (member_shape != nullptr && member_shape->sensitive) {
      continue;
    }
    if (!first) {
      out += ',';
    }
    first = false;
    AppendKey(out, LowerCamel(names[i]));
    AppendValue(out, children[i], member_shape);
  }
  out += '}';
}

void AppendList(std::string& out, const Value& value, const Shape* shape) {
  const Shape* element = shape != nullptr ? shape->list_member : nullptr;
  out += '[';
  if (element == nullptr || !element->sensitive) {
    bool first = true;
    for (const Value& child : value.children()) {
      if (!first) {
        out += ',';
      }
      first = false;
      AppendValue(out, child, element);
    }
  }
  out += ']';
}

void AppendMap(std::string& out, const Value& value, const Shape* shape) {
  const Shape* element = shape != nullptr ? shape->map_value : nullptr;
  out += '{';
  if (element == nullptr || !element->sensitive) {
    const auto& names = value.names();
    const auto& children = value.children();
    for (std::size_t i = 0; i < names.size() && i < children.size(); ++i) {
      if (i > 0) {
        out += ',';
      }
      AppendKey(out, names[i]);
      AppendValue(out, children[i], element);
    }
  }
  out += '}';
}

void AppendValue(std::string& out, const Value& value, const Shape* shape) {
  switch (value.kind()) {
    case Value::Kind::kStructure:
      AppendStructure(out, value, shape);
      return;
    case Value::Kind::kList:
      AppendList(out, value, shape);
      return;
    case Value::Kind::kMap:
      AppendMap(out, value, shape);
      return;
    case Value::Kind::kString:
      AppendString(out, value.text());
      return;
    case Value::Kind::kInteger:
      out += std::to_string(value.number());
      return;
    case Value::Kind::kBoolean:
      out += value.boolean() ? "true" : "false";
      return;
    case Value::Kind::kTimestamp:
      AppendString(out, api::protocol::FormatIso8601(value.number()));
      return;
    case Value::Kind::kBlob:
      AppendString(out, api::protocol::Base64Encode(value.text()));
      return;
  }
  out += "null";
}

// `"key":"value",`
void AppendField(std::string& out, std::string_view key, std::string_view value) {
  AppendKey(out, key);
  AppendString(out, value);
  out += ',';
}

std::string FormatEventTime(std::chrono::system_clock::time_point time) {
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  // CloudTrail writes whole seconds.
  return api::protocol::FormatIso8601(millis - (((millis % 1000) + 1000) % 1000));
}

bool IsReadOnly(std::string_view event_name) {
  return event_name.starts_with("Get") || event_name.starts_with("List") ||
         event_name.starts_with("Simulate");
}

}  // namespace

bool IsSecretMemberName(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kNames = {
      "Password",         "OldPassword",         "NewPassword",
      "PrivateKey",       "SecretAccessKey",     "SAMLAssertion",
      "WebIdentityToken", "AuthenticationCode1", "AuthenticationCode2"};
  if (std::find(kNames.begin(), kNames.end(), name) != kNames.end()) {
    return true;
  }
  return ContainsIgnoreCase(name, "secret") || ContainsIgnoreCase(name, "password");
}

std::string LowerCamel(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') {
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  }
  return out;
}

std::string RenderAuditEvent(const AuditEvent& event) {
  std::string out;
  out.reserve(1024);
  out += R"({"eventVersion":"1.08","userIdentity":)";
  if (event.caller != nullptr) {
    const auth::Caller& c = *event.caller;
    out += '{';
    AppendField(out, "type", auth::PrincipalTypeName(c.type));
    AppendField(out, "principalId", c.principal_id);
    AppendField(out, "arn", c.arn);
    AppendField(out, "accountId", c.account_id);
    AppendField(out, "accessKeyId", c.access_key_id);
    if (!c.user_name.empty() && c.type != auth::PrincipalType::kFederatedUser) {
      AppendField(out, "userName", c.user_name);
    }
    if (c.session) {
      // CloudTrail: temporary credentials add sessionContext (the issuer of a role or
      // federated session, when and whether with MFA they were issued).
      const auth::Session& s = *c.session;
      AppendKey(out, "sessionContext");
      out += '{';
      if (c.type == auth::PrincipalType::kAssumedRole) {
        AppendKey(out, "sessionIssuer");
        out += '{';
        AppendField(out, "type", "Role");
        AppendField(out, "principalId", s.role_id);
        AppendField(out, "arn", s.role_arn);
        AppendField(out, "accountId", c.account_id);
        AppendField(out, "userName", s.role_name);
        out.back() = '}';
        out += ',';
      } else if (c.type == auth::PrincipalType::kFederatedUser) {
        AppendKey(out, "sessionIssuer");
        out += '{';
        AppendField(out, "type", s.source_user_name.empty() ? "Root" : "IAMUser");
        AppendField(out, "arn", s.source_arn);
        AppendField(out, "accountId", c.account_id);
        if (!s.source_user_name.empty()) {
          AppendField(out, "userName", s.source_user_name);
        }
        out.back() = '}';
        out += ',';
      }
      if (!s.source_identity.empty()) {
        AppendField(out, "sourceIdentity", s.source_identity);
      }
      AppendKey(out, "attributes");
      out += '{';
      AppendField(out, "creationDate", FormatEventTime(s.issued_at));
      AppendField(out, "mfaAuthenticated", c.mfa_authenticated_at.has_value() ? "true" : "false");
      out.back() = '}';
      out += "},";
    }
    out.back() = '}';  // replaces the last field's ','
    out += ',';
  } else if (!event.access_key_id.empty()) {
    out += R"({"accessKeyId":)";
    AppendString(out, event.access_key_id);
    out += "},";
  } else if (event.anonymous) {
    out += R"({"type":"AWSAccount","principalId":"","accountId":"ANONYMOUS_PRINCIPAL"},)";
  } else {
    out += "null,";
  }
  AppendField(out, "eventTime", FormatEventTime(event.time));
  AppendField(out, "eventSource", event.service + ".amazonaws.com");
  AppendField(out, "eventName", event.event_name);
  AppendField(out, "awsRegion", event.region.empty() ? "us-east-1" : event.region);
  AppendField(out, "sourceIPAddress", event.source_ip);
  AppendField(out, "userAgent", event.user_agent);
  if (event.error_code.has_value()) {
    AppendField(out, "errorCode", *event.error_code);
    AppendField(out, "errorMessage", event.error_message);
  }
  AppendKey(out, "requestParameters");
  if (event.parameters != nullptr) {
    AppendValue(out, *event.parameters, event.input_shape);
  } else {
    out += "null";
  }
  out += R"(,"responseElements":null,)";
  AppendField(out, "requestID", event.request_id);
  AppendField(out, "eventID", api::NewRequestId());
  out += R"("readOnly":)";
  out += IsReadOnly(event.event_name) ? "true" : "false";
  out += event.data_event ? R"(,"eventType":"AwsApiCall","managementEvent":false,)"
                          : R"(,"eventType":"AwsApiCall","managementEvent":true,)";
  if (event.caller != nullptr) {
    AppendField(out, "recipientAccountId", event.caller->account_id);
  }
  out += event.data_event ? R"("eventCategory":"Data"})" : R"("eventCategory":"Management"})";
  return out;
}

Result<std::unique_ptr<AuditLog>> AuditLog::OpenFile(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    const int err = errno;
    return MakeError(ErrorCode::kUnavailable, "cannot open audit log `" + path.string() +
                                                  "`: " + std::strerror(err));  // NOLINT
  }
  return std::unique_ptr<AuditLog>(new AuditLog(fd, true));
}

std::unique_ptr<AuditLog> AuditLog::Stdout() {
  return std::unique_ptr<AuditLog>(new AuditLog(STDOUT_FILENO, false));
}

AuditLog::AuditLog(int fd, bool owned) : fd_(fd), owned_(owned) {
  writer_ = std::thread([this] { WriterLoop(); });
}

AuditLog::~AuditLog() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  writer_.join();
  if (owned_ && fd_ >= 0) {
    ::close(fd_);
  }
}

void AuditLog::Record(const AuditEvent& event) {
  std::string line;
  try {
    line = RenderAuditEvent(event);
  } catch (const std::exception& e) {
    // nlohmann reports by exception; an unrenderable event stops here.
    log::Warn("audit event not rendered", {{"request_id", event.request_id}, {"error", e.what()}});
    return;
  }
  line += '\n';
  bool wake = false;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    pending_ += line;
    wake = pending_.size() >= kFlushBytes;
  }
  if (wake) {
    wake_.notify_one();
  }
}

void AuditLog::Flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (pending_.empty()) {
    // Lines handed to the writer may still be in flight: wait for that batch.
    const std::uint64_t target = queued_batches_;
    written_.wait(lock, [&] { return written_batches_ >= target || stop_; });
    return;
  }
  flush_requested_ = true;
  const std::uint64_t target = queued_batches_ + 1;
  wake_.notify_one();
  written_.wait(lock, [&] { return written_batches_ >= target || stop_; });
}

void AuditLog::WriterLoop() {
  std::string batch;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, kFlushInterval,
                   [&] { return stop_ || flush_requested_ || pending_.size() >= kFlushBytes; });
    const bool stopping = stop_;
    flush_requested_ = false;
    batch.clear();
    batch.swap(pending_);
    const std::uint64_t number = ++queued_batches_;
    lock.unlock();
    if (!batch.empty()) {
      WriteAll(batch);
    }
    lock.lock();
    written_batches_ = number;
    written_.notify_all();
    if (stopping && pending_.empty()) {
      return;
    }
  }
}

void AuditLog::WriteAll(const std::string& bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      if (!reported_failure_) {
        reported_failure_ = true;
        log::Error("audit log write failed", {});
      }
      return;
    }
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace portcullis::server
