#include "common/error.h"

namespace portcullis {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kAlreadyExists:
      return "AlreadyExists";
    case ErrorCode::kFailedPrecondition:
      return "FailedPrecondition";
    case ErrorCode::kAborted:
      return "Aborted";
    case ErrorCode::kResourceExhausted:
      return "ResourceExhausted";
    case ErrorCode::kUnauthenticated:
      return "Unauthenticated";
    case ErrorCode::kPermissionDenied:
      return "PermissionDenied";
    case ErrorCode::kUnavailable:
      return "Unavailable";
    case ErrorCode::kInternal:
      return "Internal";
  }
  return "Unknown";
}

std::string SourceLocation::ToString() const {
  std::string out = "line " + std::to_string(line) + ", column " + std::to_string(column);
  if (!path.empty()) {
    out += ", ";
    out += path;
  }
  return out;
}

Error& Error::WithContext(std::string outer) & {
  context.push_back(std::move(outer));
  return *this;
}

Error&& Error::WithContext(std::string outer) && {
  context.push_back(std::move(outer));
  return std::move(*this);
}

std::string Error::ToString() const {
  std::string out;
  for (auto it = context.rbegin(); it != context.rend(); ++it) {
    out += *it;
    out += ": ";
  }
  out += message;
  if (location.has_value()) {
    out += " (at ";
    out += location->ToString();
    out += ")";
  }
  return out;
}

}  // namespace portcullis
