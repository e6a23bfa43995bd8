#include "api/protocol/aws_errors.h"

#include <array>

namespace portcullis::api::protocol {

namespace {

struct ProtocolError {
  std::string_view code;
  int http_status;
  FaultType type;
};

// AWS: "Common Errors" of the IAM and STS API references, plus the Query protocol's
// own answers. Model exception shapes take precedence over this table.
constexpr std::array<ProtocolError, 22> kProtocolErrors = {{
    {"AccessDenied", 403, FaultType::kSender},
    {"AccessDeniedException", 400, FaultType::kSender},
    {"ExpiredToken", 403, FaultType::kSender},
    {"IncompleteSignature", 400, FaultType::kSender},
    {"InternalFailure", 500, FaultType::kReceiver},
    {"InvalidAction", 400, FaultType::kSender},
    {"InvalidClientTokenId", 403, FaultType::kSender},
    {"InvalidParameterCombination", 400, FaultType::kSender},
    {"InvalidParameterValue", 400, FaultType::kSender},
    {"InvalidQueryParameter", 400, FaultType::kSender},
    {"MalformedQueryString", 404, FaultType::kSender},
    {"MissingAction", 400, FaultType::kSender},
    {"MissingAuthenticationToken", 403, FaultType::kSender},
    {"MissingParameter", 400, FaultType::kSender},
    {"NotAuthorized", 400, FaultType::kSender},
    {"NotImplemented", 501, FaultType::kReceiver},
    {"OptInRequired", 403, FaultType::kSender},
    {"RequestExpired", 400, FaultType::kSender},
    {"ServiceUnavailable", 503, FaultType::kReceiver},
    {"SignatureDoesNotMatch", 403, FaultType::kSender},
    {"Throttling", 400, FaultType::kSender},
    {"ValidationError", 400, FaultType::kSender},
}};

}  // namespace

std::string_view FaultTypeName(FaultType type) {
  return type == FaultType::kReceiver ? "Receiver" : "Sender";
}

std::string_view DefaultAwsCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "InvalidInput";
    case ErrorCode::kNotFound:
      return "NoSuchEntity";
    case ErrorCode::kAlreadyExists:
      return "EntityAlreadyExists";
    case ErrorCode::kFailedPrecondition:
      return "DeleteConflict";
    case ErrorCode::kAborted:
      return "ConcurrentModification";
    case ErrorCode::kResourceExhausted:
      return "LimitExceeded";
    case ErrorCode::kUnauthenticated:
      return "InvalidClientTokenId";
    case ErrorCode::kPermissionDenied:
      return "AccessDenied";
    case ErrorCode::kUnavailable:
      return "ServiceUnavailable";
    case ErrorCode::kInternal:
      return "ServiceFailure";
  }
  return "ServiceFailure";
}

AwsErrorInfo LookupAwsError(std::string_view code, const ServiceModel* model) {
  if (model != nullptr) {
    if (const ErrorInfo* info = model->FindError(code); info != nullptr) {
      return {std::string(code), info->http_status,
              info->sender_fault ? FaultType::kSender : FaultType::kReceiver};
    }
  }
  for (const ProtocolError& e : kProtocolErrors) {
    if (e.code == code) {
      return {std::string(code), e.http_status, e.type};
    }
  }
  // Codes the IAM model defines, for callers that pass no model.
  if (code == "NoSuchEntity") {
    return {std::string(code), 404, FaultType::kSender};
  }
  if (code == "EntityAlreadyExists" || code == "DeleteConflict" ||
      code == "ConcurrentModification" || code == "LimitExceeded") {
    return {std::string(code), 409, FaultType::kSender};
  }
  if (code == "ServiceFailure") {
    return {std::string(code), 500, FaultType::kReceiver};
  }
  return {std::string(code), 400, FaultType::kSender};
}

AwsErrorInfo ResolveAwsError(const Error& error, const ServiceModel* model) {
  const std::string_view code =
      error.aws_code.empty() ? DefaultAwsCode(error.code) : std::string_view(error.aws_code);
  return LookupAwsError(code, model);
}

}  // namespace portcullis::api::protocol
