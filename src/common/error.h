// Error, Result<T> and Status: the one way failures travel through Portcullis.
//
// A Result<T> holds either a T or an Error. Errors carry a small canonical code, a
// lowercase message (user values in backticks), an optional source location (for
// documents: byte offset, line, column and a JSON path) and an optional AWS error
// code override ("MalformedPolicyDocument", "SignatureDoesNotMatch", ...).
// Only members that C++23 std::expected shares are used, so the alias can switch.
// Thread-safety: plain values; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

namespace portcullis {

enum class ErrorCode : std::uint8_t {
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kAborted,
  kResourceExhausted,
  kUnauthenticated,
  kPermissionDenied,
  kUnavailable,
  kInternal,
};

// Returns the canonical name of `code` ("InvalidArgument", ...).
std::string_view ErrorCodeName(ErrorCode code);

// Where in a text document an error was found. Lines and columns count from 1;
// columns count bytes. `path` is a JSON path such as `$.Statement[1].Effect`.
struct SourceLocation {
  std::size_t offset = 0;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string path;

  std::string ToString() const;
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::optional<SourceLocation> location;
  // Outer contexts, innermost first; ToString() prints them outermost first.
  std::vector<std::string> context;
  // AWS error code to answer with, when it differs from the code's default.
  std::string aws_code;

  // Adds an outer context ("while parsing `file.json`") and returns *this.
  Error& WithContext(std::string outer) &;
  Error&& WithContext(std::string outer) &&;

  // "context: message (at line L, column C, $.path)".
  std::string ToString() const;
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::nullopt, {}, {}});
}

inline tl::unexpected<Error> MakeError(Error error) {
  return tl::unexpected<Error>(std::move(error));
}

inline Status OkStatus() {
  return {};
}

}  // namespace portcullis

#define PORTCULLIS_CONCAT_INNER(a, b) a##b
#define PORTCULLIS_CONCAT(a, b) PORTCULLIS_CONCAT_INNER(a, b)

// Returns the error of `expr` (a Result or Status) from the enclosing function.
#define IAM_RETURN_IF_ERROR(expr)                                                   \
  do {                                                                              \
    auto&& iam_status_ = (expr);                                                    \
    if (!iam_status_.has_value()) {                                                 \
      return ::tl::unexpected<::portcullis::Error>(std::move(iam_status_).error()); \
    }                                                                               \
  } while (false)

// Declares `lhs` from the value of `rexpr`, or returns its error.
#define IAM_ASSIGN_OR_RETURN(lhs, rexpr) \
  IAM_ASSIGN_OR_RETURN_IMPL(PORTCULLIS_CONCAT(iam_result_, __LINE__), lhs, rexpr)

// NOLINTBEGIN(bugprone-macro-parentheses): `tmp` and `lhs` are declarations.
#define IAM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr)                        \
  auto tmp = (rexpr);                                                     \
  if (!tmp.has_value()) {                                                 \
    return ::tl::unexpected<::portcullis::Error>(std::move(tmp).error()); \
  }                                                                       \
  lhs = std::move(*tmp)
// NOLINTEND(bugprone-macro-parentheses)
