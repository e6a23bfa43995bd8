// The one table from Portcullis errors to what AWS puts on the wire: the AWS error
// code, the HTTP status and whether the fault is the sender's or the receiver's
// (the <Type> of a Query ErrorResponse).
//
// Resolution order for an Error: its aws_code if set, else the default code of its
// ErrorCode (kNotFound -> NoSuchEntity, kPermissionDenied -> AccessDenied, ...); the
// code's status and fault come from the service model's exception shapes
// (NoSuchEntity 404, EntityAlreadyExists 409, ...) when a model is given and knows
// the code, else from the protocol-level table here (InvalidAction 400, ValidationError
// 400, SignatureDoesNotMatch 403, ...), else 400/Sender.
// Thread-safety: pure functions over static data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/protocol/service_model.h"
#include "common/error.h"

namespace portcullis::api::protocol {

enum class FaultType : std::uint8_t { kSender, kReceiver };

// "Sender" or "Receiver".
std::string_view FaultTypeName(FaultType type);

struct AwsErrorInfo {
  std::string code;
  int http_status = 400;
  FaultType type = FaultType::kSender;
};

// The AWS code an ErrorCode answers with when an Error carries no aws_code.
std::string_view DefaultAwsCode(ErrorCode code);

// Looks up the status and fault of the AWS error code `code`. `model` may be null.
AwsErrorInfo LookupAwsError(std::string_view code, const ServiceModel* model);

// Resolves `error` as described above. `model` may be null.
AwsErrorInfo ResolveAwsError(const Error& error, const ServiceModel* model);

}  // namespace portcullis::api::protocol
