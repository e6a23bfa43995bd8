// ParsePolicy(): JSON text -> PolicyDocument, validated for one policy kind.
//
// Each kind applies AWS's own rules (IAM User Guide, "IAM JSON policy element
// reference" and "IAM and AWS STS quotas"); docs/policy-language.md has the
// full list and the AWS document behind each decision.
//   identity  - no Principal/NotPrincipal; Resource or NotResource required; Sid
//               [0-9A-Za-z]* and unique (non-empty ones); 6,144 characters,
//               whitespace not counted (managed policy).
//   boundary  - as identity.
//   session   - as identity; 2,048 characters, whitespace counted.
//   resource  - Principal or NotPrincipal required (CanonicalUser allowed);
//               Resource or NotResource required; any Sid; 20,480 bytes.
//   trust     - Principal required, no NotPrincipal/Resource/NotResource; every
//               action must match one of sts:AssumeRole, sts:AssumeRoleWithSAML,
//               sts:AssumeRoleWithWebIdentity, sts:TagSession,
//               sts:SetSourceIdentity, sts:SetContext ("sts:*" and "*" do);
//               2,048 characters, whitespace not counted (AWS default quota).
//   scp       - no Principal; otherwise the full IAM grammar (AWS Organizations,
//               2025); any Sid; 5,120 characters, whitespace counted.
// Version 2012-10-17 makes `${...}` in Resource/NotResource and Condition values
// policy variables, each of which must be well formed; in 2008-10-17 (or with no
// Version) they are literal text.
// Errors: kInvalidArgument with aws_code "MalformedPolicyDocument", AWS's message
// where AWS has one, and the location (JSON path such as
// `$.Statement[1].Condition.StringEquals`, line, column, offset) of the offending
// element; JSON syntax errors keep the reader's message and location. With
// enforce_size_limit, kResourceExhausted with aws_code "LimitExceeded" and
// "Cannot exceed quota for PolicySize: N". The JSON reader's limits (1 MiB,
// depth 64, 65,536 elements) always apply.
// The returned document owns all its strings; `text` need only live for the call.
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
  // Answer every JSON syntax error with AWS's one message, "Syntax errors in policy."
  // (the IAM API does), instead of the reader's own message. The location stays.
  bool aws_syntax_error_message = false;
};

[[nodiscard]] Result<PolicyDocument> ParsePolicy(std::string_view text,
                                                 const ParseOptions& options = {});

}  // namespace portcullis::policy
