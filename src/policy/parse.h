// ParsePolicy(): JSON text -> PolicyDocument, validated for one policy kind.
//
// Each kind applies AWS's own rules (IAM User Guide, "IAM JSON policy element
// reference" and "IAM and AWS STS quotas"):
//   identity  - no Principal/NotPrincipal; Resource or NotResource required;
//               6,144 characters (managed policy; whitespace not counted).
//   resource  - Principal or NotPrincipal required; 20 KiB (S3 bucket policy).
//   trust     - a role trust policy: Principal required, no Resource/NotResource,
//               actions limited to sts:AssumeRole* / sts:TagSession /
//               sts:SetSourceIdentity / sts:SetContext; 2,048 characters.
//   boundary  - as identity (a managed policy used as permissions boundary).
//   session   - as identity; 2,048 characters (AssumeRole Policy parameter).
//   scp       - no Principal; no NotResource... see parse.cc; 5,120 characters.
// Errors: kInvalidArgument with aws_code "MalformedPolicyDocument" and the
// location (JSON path, line, column) of the offending element; kResourceExhausted
// (aws_code "LimitExceeded") for size and count limits.
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/error.h"
#include "policy/ast.h"

namespace portcullis::policy {

enum class PolicyKind : std::uint8_t { kIdentity, kResource, kTrust, kBoundary, kSession, kScp };

// "identity", "resource", "trust", "boundary", "session", "scp".
std::string_view PolicyKindName(PolicyKind kind);
std::optional<PolicyKind> PolicyKindFromName(std::string_view name);

struct ParseOptions {
  PolicyKind kind = PolicyKind::kIdentity;
  // Enforce AWS's per-kind document size limit. Off for callers that embed
  // policies of unknown origin (the workload runner, the CLI with --no-size-limit).
  bool enforce_size_limit = true;
};

[[nodiscard]] Result<PolicyDocument> ParsePolicy(std::string_view text,
                                                 const ParseOptions& options = {});

}  // namespace portcullis::policy
