#include "server/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>
#include <utility>

#include "api/ids.h"
#include "api/protocol/query_codec.h"
#include "server/logging.h"

namespace portcullis::server {
namespace {

using Json = nlohmann::ordered_json;
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

Json ToJson(const Value& value, const Shape* shape);

Json StructureToJson(const Value& value, const Shape* shape) {
  Json out = Json::object();
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
    out[LowerCamel(names[i])] = ToJson(children[i], member_shape);
  }
  return out;
}

Json ToJson(const Value& value, const Shape* shape) {
  switch (value.kind()) {
    case Value::Kind::kStructure:
      return StructureToJson(value, shape);
    case Value::Kind::kList: {
      Json out = Json::array();
      const Shape* element = shape != nullptr ? shape->list_member : nullptr;
      for (const Value& child : value.children()) {
        if (element != nullptr && element->sensitive) {
          continue;
        }
        out.push_back(ToJson(child, element));
      }
      return out;
    }
    case Value::Kind::kMap: {
      Json out = Json::object();
      const Shape* element = shape != nullptr ? shape->map_value : nullptr;
      const auto& names = value.names();
      const auto& children = value.children();
      for (std::size_t i = 0; i < names.size() && i < children.size(); ++i) {
        if (element != nullptr && element->sensitive) {
          continue;
        }
        out[names[i]] = ToJson(children[i], element);
      }
      return out;
    }
    case Value::Kind::kString:
      return value.text();
    case Value::Kind::kInteger:
      return value.number();
    case Value::Kind::kBoolean:
      return value.boolean();
    case Value::Kind::kTimestamp:
      return api::protocol::FormatIso8601(value.number());
    case Value::Kind::kBlob:
      return api::protocol::Base64Encode(value.text());
  }
  return nullptr;
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
  Json j;
  j["eventVersion"] = "1.08";
  Json identity = nullptr;
  if (event.caller != nullptr) {
    const auth::Caller& c = *event.caller;
    identity = Json::object();
    identity["type"] = std::string(auth::PrincipalTypeName(c.type));
    identity["principalId"] = c.principal_id;
    identity["arn"] = c.arn;
    identity["accountId"] = c.account_id;
    identity["accessKeyId"] = c.access_key_id;
    if (!c.user_name.empty()) {
      identity["userName"] = c.user_name;
    }
  } else if (!event.access_key_id.empty()) {
    identity = Json::object();
    identity["accessKeyId"] = event.access_key_id;
  }
  j["userIdentity"] = std::move(identity);
  j["eventTime"] = FormatEventTime(event.time);
  j["eventSource"] = event.service + ".amazonaws.com";
  j["eventName"] = event.event_name;
  j["awsRegion"] = event.region.empty() ? "us-east-1" : event.region;
  j["sourceIPAddress"] = event.source_ip;
  j["userAgent"] = event.user_agent;
  if (event.error_code.has_value()) {
    j["errorCode"] = *event.error_code;
    j["errorMessage"] = event.error_message;
  }
  if (event.parameters != nullptr) {
    j["requestParameters"] = ToJson(*event.parameters, event.input_shape);
  } else {
    j["requestParameters"] = nullptr;
  }
  j["responseElements"] = nullptr;
  j["requestID"] = event.request_id;
  j["eventID"] = api::NewRequestId();
  j["readOnly"] = IsReadOnly(event.event_name);
  j["eventType"] = "AwsApiCall";
  j["managementEvent"] = true;
  if (event.caller != nullptr) {
    j["recipientAccountId"] = event.caller->account_id;
  }
  j["eventCategory"] = "Management";
  // Invalid UTF-8 from the request becomes U+FFFD instead of failing the dump.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
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

AuditLog::~AuditLog() {
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
  const std::lock_guard<std::mutex> lock(mutex_);
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      if (!reported_failure_) {
        reported_failure_ = true;
        log::Error("audit log write failed", {{"request_id", event.request_id}});
      }
      return;
    }
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace portcullis::server
