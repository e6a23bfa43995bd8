// ParsePolicy(): walks the JsonValue tree from ParseJson() and builds a
// PolicyDocument, checking each element against AWS's grammar and the rules of
// the policy kind. docs/policy-language.md lists every rule and the AWS document
// behind it; `// AWS:` comments below name the section.
#include "policy/parse.h"

#include <array>
#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/base64.h"
#include "common/strings.h"
#include "policy/date_time.h"
#include "policy/ip_address.h"
#include "policy/json.h"
#include "policy/numeric.h"
#include "policy/wildcard.h"

namespace portcullis::policy {
namespace {

constexpr std::string_view kMalformed = "MalformedPolicyDocument";
constexpr std::string_view kSyntaxError = "Syntax errors in policy.";
constexpr std::string_view kVendorError =
    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
constexpr std::string_view kInvalidPrincipal = "Invalid principal in policy";
constexpr std::size_t kMaxConditionKeyLength = 256;

struct KindName {
  PolicyKind kind;
  std::string_view name;
};

constexpr std::array<KindName, 6> kKindNames = {{
    {PolicyKind::kIdentity, "identity"},
    {PolicyKind::kResource, "resource"},
    {PolicyKind::kTrust, "trust"},
    {PolicyKind::kBoundary, "boundary"},
    {PolicyKind::kSession, "session"},
    {PolicyKind::kScp, "scp"},
}};

// ---------------------------------------------------------------------------
// Errors and JSON paths.

tl::unexpected<Error> Malformed(std::string_view message, const JsonValue& at, std::string path) {
  const JsonPosition& pos = at.position();
  SourceLocation location{pos.offset, pos.line, pos.column, std::move(path)};
  return tl::unexpected<Error>(Error{ErrorCode::kInvalidArgument,
                                     std::string(message),
                                     std::move(location),
                                     {},
                                     std::string(kMalformed)});
}

bool IsPlainKey(std::string_view key) {
  if (key.empty()) {
    return false;
  }
  for (char c : key) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// `$.a` for plain keys, `$['aws:username']` otherwise (quotes and backslashes escaped).
std::string MemberPath(std::string_view path, std::string_view key) {
  std::string out(path);
  if (IsPlainKey(key)) {
    out += '.';
    out += key;
    return out;
  }
  out += "['";
  for (char c : key) {
    if (c == '\'' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += "']";
  return out;
}

std::string IndexPath(std::string_view path, std::size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

SourceLocation LocationOf(const JsonValue& value, std::string path) {
  const JsonPosition& pos = value.position();
  return SourceLocation{pos.offset, pos.line, pos.column, std::move(path)};
}

// Calls `fn(item, item_path)` for a string or for each item of a non-empty array of
// strings; anything else is a syntax error.
template <class Fn>
Status ForEachString(const JsonValue& value, const std::string& path, Fn&& fn) {
  if (value.is_string()) {
    return fn(value, path);
  }
  if (!value.is_array() || value.items().empty()) {
    return Malformed(kSyntaxError, value, path);
  }
  for (std::size_t i = 0; i < value.items().size(); ++i) {
    const JsonValue& item = value.items()[i];
    std::string item_path = IndexPath(path, i);
    if (!item.is_string()) {
      return Malformed(kSyntaxError, item, std::move(item_path));
    }
    IAM_RETURN_IF_ERROR(fn(item, item_path));
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------
// Per-kind rules.

bool IsIamStored(PolicyKind kind) {
  return kind == PolicyKind::kIdentity || kind == PolicyKind::kBoundary ||
         kind == PolicyKind::kTrust || kind == PolicyKind::kSession;
}

bool PrincipalForbidden(PolicyKind kind) {
  return kind != PolicyKind::kResource && kind != PolicyKind::kTrust;
}

struct SizeRule {
  std::size_t limit = 0;
  bool count_whitespace = false;  // false: IAM does not count white space
  bool count_bytes = false;       // true: bytes; false: UTF-8 characters
};

// AWS: IAM User Guide, "IAM and AWS STS quotas"; Organizations quotas (SCP);
// S3 User Guide, bucket policies (20 KB).
SizeRule SizeRuleFor(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kIdentity:
    case PolicyKind::kBoundary:
      return {6144, false, false};
    case PolicyKind::kTrust:
      return {2048, false, false};
    case PolicyKind::kSession:
      return {2048, true, false};
    case PolicyKind::kResource:
      return {20480, true, true};
    case PolicyKind::kScp:
      return {5120, true, false};
  }
  return {6144, false, false};
}

std::size_t MeasurePolicy(std::string_view text, const SizeRule& rule) {
  std::size_t size = 0;
  for (char c : text) {
    if (!rule.count_whitespace && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      continue;
    }
    if (!rule.count_bytes && (static_cast<unsigned char>(c) & 0xC0U) == 0x80U) {
      continue;  // UTF-8 continuation byte: part of the previous character
    }
    ++size;
  }
  return size;
}

Status CheckSize(std::string_view text, PolicyKind kind) {
  const SizeRule rule = SizeRuleFor(kind);
  if (MeasurePolicy(text, rule) <= rule.limit) {
    return OkStatus();
  }
  Error error{ErrorCode::kResourceExhausted,
              "Cannot exceed quota for PolicySize: " + std::to_string(rule.limit),
              SourceLocation{0, 1, 1, "$"},
              {},
              "LimitExceeded"};
  return tl::unexpected<Error>(std::move(error));
}

// ---------------------------------------------------------------------------
// Statement elements.

struct Context {
  PolicyKind kind = PolicyKind::kIdentity;
  bool variables = false;  // Version 2012-10-17: `${...}` are policy variables
};

struct StatementFields {
  const JsonValue* sid = nullptr;
  const JsonValue* effect = nullptr;
  const JsonValue* principal = nullptr;
  const JsonValue* not_principal = nullptr;
  const JsonValue* action = nullptr;
  const JsonValue* not_action = nullptr;
  const JsonValue* resource = nullptr;
  const JsonValue* not_resource = nullptr;
  const JsonValue* condition = nullptr;
};

struct FieldName {
  std::string_view name;
  const JsonValue* StatementFields::*field;
};

constexpr std::array<FieldName, 9> kStatementFields = {{
    {"Sid", &StatementFields::sid},
    {"Effect", &StatementFields::effect},
    {"Principal", &StatementFields::principal},
    {"NotPrincipal", &StatementFields::not_principal},
    {"Action", &StatementFields::action},
    {"NotAction", &StatementFields::not_action},
    {"Resource", &StatementFields::resource},
    {"NotResource", &StatementFields::not_resource},
    {"Condition", &StatementFields::condition},
}};

Result<StatementFields> CollectFields(const JsonValue& object, const std::string& path) {
  StatementFields fields;
  for (const auto& [key, value] : object.members()) {
    bool known = false;
    for (const FieldName& entry : kStatementFields) {
      if (entry.name == key) {
        fields.*entry.field = &value;
        known = true;
        break;
      }
    }
    if (!known) {
      return Malformed("Unknown field " + key, value, MemberPath(path, key));
    }
  }
  return fields;
}

// Field presence rules that depend on the policy kind.
Status CheckPrincipalPresence(const StatementFields& f, const JsonValue& object,
                              const std::string& path, PolicyKind kind) {
  const JsonValue* given = f.principal != nullptr ? f.principal : f.not_principal;
  const char* given_name = f.principal != nullptr ? "Principal" : "NotPrincipal";
  if (PrincipalForbidden(kind)) {
    if (given != nullptr) {
      // AWS: the IAM API answers this for identity policies (CreatePolicy,
      // PutUserPolicy); the Grammar notes say the block "must not be included".
      return Malformed("Policy document should not specify a principal.", *given,
                       MemberPath(path, given_name));
    }
    return OkStatus();
  }
  if (given == nullptr) {
    return Malformed("Missing required field Principal", object, path);
  }
  if (f.principal != nullptr && f.not_principal != nullptr) {
    return Malformed("statement must not contain both `Principal` and `NotPrincipal`",
                     *f.not_principal, MemberPath(path, "NotPrincipal"));
  }
  if (kind == PolicyKind::kTrust && f.not_principal != nullptr) {
    return Malformed("Has prohibited field NotPrincipal", *f.not_principal,
                     MemberPath(path, "NotPrincipal"));
  }
  return OkStatus();
}

Status CheckResourcePresence(const StatementFields& f, const JsonValue& object,
                             const std::string& path, PolicyKind kind) {
  if (kind == PolicyKind::kTrust) {
    if (f.resource != nullptr) {
      return Malformed("Has prohibited field Resource", *f.resource, MemberPath(path, "Resource"));
    }
    if (f.not_resource != nullptr) {
      return Malformed("Has prohibited field NotResource", *f.not_resource,
                       MemberPath(path, "NotResource"));
    }
    return OkStatus();
  }
  if (f.resource == nullptr && f.not_resource == nullptr) {
    return Malformed("Policy statement must contain resources.", object, path);
  }
  if (f.resource != nullptr && f.not_resource != nullptr) {
    return Malformed("statement must not contain both `Resource` and `NotResource`",
                     *f.not_resource, MemberPath(path, "NotResource"));
  }
  return OkStatus();
}

Status CheckRequiredFields(const StatementFields& f, const JsonValue& object,
                           const std::string& path, PolicyKind kind) {
  if (f.effect == nullptr) {
    return Malformed("Missing required field Effect", object, path);
  }
  if (f.action == nullptr && f.not_action == nullptr) {
    return Malformed("Missing required field Action", object, path);
  }
  if (f.action != nullptr && f.not_action != nullptr) {
    return Malformed("statement must not contain both `Action` and `NotAction`", *f.not_action,
                     MemberPath(path, "NotAction"));
  }
  IAM_RETURN_IF_ERROR(CheckPrincipalPresence(f, object, path, kind));
  return CheckResourcePresence(f, object, path, kind);
}

bool IsAlphanumeric(std::string_view s) {
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

// AWS: IAM User Guide, "IAM JSON policy elements: Sid" (A-Z, a-z, 0-9; unique
// within a JSON policy). Other services (S3, KMS, Organizations) allow more.
Status ParseSid(const JsonValue& value, const std::string& path, PolicyKind kind,
                std::set<std::string>& seen, Statement& statement) {
  if (!value.is_string()) {
    return Malformed(kSyntaxError, value, path);
  }
  const std::string& sid = value.text();
  if (IsIamStored(kind)) {
    if (!IsAlphanumeric(sid)) {
      return Malformed(
          "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
          "regular expression [0-9A-Za-z]*",
          value, path);
    }
    if (!sid.empty() && !seen.insert(sid).second) {
      return Malformed("Statement IDs (SID) in a single policy must be unique.", value, path);
    }
  }
  statement.sid = sid;
  return OkStatus();
}

Status ParseEffect(const JsonValue& value, const std::string& path, PolicyKind kind,
                   Statement& statement) {
  if (!value.is_string()) {
    return Malformed(kSyntaxError, value, path);
  }
  if (value.text() == "Allow") {
    statement.effect = Effect::kAllow;
    return OkStatus();
  }
  if (value.text() == "Deny") {
    statement.effect = Effect::kDeny;
    return OkStatus();
  }
  // AWS: IAM answers a wrongly cased or unknown Effect with "The policy failed
  // legacy parsing"; S3 (PutBucketPolicy) with "Invalid effect: <value>".
  if (kind == PolicyKind::kResource) {
    return Malformed("Invalid effect: " + value.text(), value, path);
  }
  return Malformed("The policy failed legacy parsing", value, path);
}

// ---------------------------------------------------------------------------
// Action and NotAction.

bool IsVendorChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '*' || c == '?';
}

bool IsActionNameChar(char c) {
  return static_cast<unsigned char>(c) > 0x20 && c != 0x7f && c != ':';
}

// AWS: IAM User Guide, "Creating a role to delegate permissions"/"Role trust
// policy": a trust policy may only name the STS actions that act on a role.
// sts:AssumeRoleWithLDAPIdentity: Portcullis's directory extension
// (docs/directory-federation.md).
constexpr std::array<std::string_view, 7> kTrustActions = {
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:tagsession",
    "sts:setsourceidentity",
    "sts:setcontext",
    "sts:assumerolewithldapidentity",
};

// An action pattern is allowed in a trust policy when it matches at least one of
// kTrustActions (so "sts:*", "sts:AssumeRole*" and "*" are allowed).
bool IsTrustAction(std::string_view action) {
  const std::string lower = AsciiLower(action);
  for (std::string_view allowed : kTrustActions) {
    if (WildcardMatch(lower, allowed)) {
      return true;
    }
  }
  return false;
}

// AWS: IAM User Guide, "IAM JSON policy elements: Action" and Grammar,
// `action_string` ("a service namespace, a colon, and the name of an action").
Status CheckAction(const JsonValue& value, const std::string& path, PolicyKind kind) {
  const std::string& action = value.text();
  if (action != "*") {
    const std::size_t colon = action.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Malformed(kVendorError, value, path);
    }
    for (std::size_t i = 0; i < colon; ++i) {
      if (!IsVendorChar(action[i])) {
        return Malformed(kVendorError, value, path);
      }
    }
    const std::string_view name = std::string_view(action).substr(colon + 1);
    if (name.find(':') != std::string_view::npos) {
      return Malformed("Actions/Condition can contain only one colon.", value, path);
    }
    if (name.empty()) {
      return Malformed(kVendorError, value, path);
    }
    for (char c : name) {
      if (!IsActionNameChar(c)) {
        return Malformed("action `" + action + "` contains a space or control character", value,
                         path);
      }
    }
  }
  if (kind == PolicyKind::kTrust && !IsTrustAction(action)) {
    return Malformed("AssumeRole policy may only specify STS AssumeRole actions.", value, path);
  }
  return OkStatus();
}

Status ParseActions(const StatementFields& f, const std::string& path, PolicyKind kind,
                    Statement& statement) {
  const bool negated = f.action == nullptr;
  const JsonValue& value = negated ? *f.not_action : *f.action;
  const std::string element_path = MemberPath(path, negated ? "NotAction" : "Action");
  statement.not_action = negated;
  return ForEachString(value, element_path,
                       [&](const JsonValue& item, const std::string& item_path) -> Status {
                         IAM_RETURN_IF_ERROR(CheckAction(item, item_path, kind));
                         statement.actions.push_back(item.text());
                         return OkStatus();
                       });
}

// ---------------------------------------------------------------------------
// Policy variables.

bool IsVariableKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '/' || c == '.' || c == '_' || c == '-' || c == '+' || c == '=' || c == '@';
}

// Scans the variable that starts at `text[start]` ("${"). Returns the offset just
// past its closing "}", or npos when it is malformed. Accepted forms:
// `${*}`, `${?}`, `${$}`, `${prefix:name}` and `${prefix:name, 'default'}`.
std::size_t ScanVariable(std::string_view text, std::size_t start) {
  std::size_t i = start + 2;
  if (i + 1 < text.size() && text[i + 1] == '}' &&
      (text[i] == '*' || text[i] == '?' || text[i] == '$')) {
    return i + 2;
  }
  const std::size_t key_begin = i;
  while (i < text.size() && IsVariableKeyChar(text[i])) {
    ++i;
  }
  const std::string_view key = text.substr(key_begin, i - key_begin);
  const std::size_t colon = key.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == key.size()) {
    return std::string_view::npos;
  }
  if (i < text.size() && text[i] == '}') {
    return i + 1;
  }
  if (i >= text.size() || text[i] != ',') {
    return std::string_view::npos;
  }
  ++i;
  while (i < text.size() && text[i] == ' ') {
    ++i;
  }
  if (i >= text.size() || text[i] != '\'') {
    return std::string_view::npos;
  }
  const std::size_t quote_end = text.find('\'', i + 1);
  if (quote_end == std::string_view::npos) {
    return std::string_view::npos;
  }
  i = quote_end + 1;
  while (i < text.size() && text[i] == ' ') {
    ++i;
  }
  return (i < text.size() && text[i] == '}') ? i + 1 : std::string_view::npos;
}

// In Version 2012-10-17 every "${" must open a well-formed variable: a literal
// "${" is written "${$}{".
Status CheckVariables(const JsonValue& value, const std::string& path) {
  const std::string_view text = value.text();
  std::size_t pos = text.find("${");
  while (pos != std::string_view::npos) {
    const std::size_t end = ScanVariable(text, pos);
    if (end == std::string_view::npos) {
      const std::size_t close = text.find('}', pos);
      const std::string_view shown =
          text.substr(pos, close == std::string_view::npos ? text.size() - pos : close - pos + 1);
      return Malformed("invalid policy variable `" + std::string(shown) + "`", value, path);
    }
    pos = text.find("${", end);
  }
  return OkStatus();
}

bool HasVariable(const JsonValue& value, const Context& context) {
  return context.variables && value.is_string() && value.text().find("${") != std::string::npos;
}

// ---------------------------------------------------------------------------
// Resource and NotResource.

// AWS: IAM answers a Resource that is neither "*" nor an ARN (six colon-separated
// parts, "arn:partition:service:region:account:resource") with this message.
Status CheckResource(const JsonValue& value, const std::string& path, const Context& context) {
  const std::string& resource = value.text();
  if (resource == "*") {
    return OkStatus();
  }
  std::size_t colons = 0;
  for (char c : resource) {
    colons += c == ':' ? 1 : 0;
  }
  if (!resource.starts_with("arn:") || colons < 5) {
    return Malformed("Resource " + resource + " must be in ARN format or \"*\".", value, path);
  }
  if (context.variables) {
    return CheckVariables(value, path);
  }
  return OkStatus();
}

Status ParseResources(const StatementFields& f, const std::string& path, const Context& context,
                      Statement& statement) {
  if (f.resource == nullptr && f.not_resource == nullptr) {
    return OkStatus();  // trust policies
  }
  const bool negated = f.resource == nullptr;
  const JsonValue& value = negated ? *f.not_resource : *f.resource;
  statement.has_resource = true;
  statement.not_resource = negated;
  return ForEachString(value, MemberPath(path, negated ? "NotResource" : "Resource"),
                       [&](const JsonValue& item, const std::string& item_path) -> Status {
                         IAM_RETURN_IF_ERROR(CheckResource(item, item_path, context));
                         statement.resources.push_back(item.text());
                         return OkStatus();
                       });
}

// ---------------------------------------------------------------------------
// Principal and NotPrincipal.
// AWS: IAM User Guide, "AWS JSON policy elements: Principal".

bool IsDigits(std::string_view s, std::size_t count) {
  if (s.size() != count) {
    return false;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

// Characters of IAM names and paths (user, role, session names): [\w+=,.@-/].
bool IsIamNameChars(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' ||
                    c == '-' || c == '/';
    if (!ok) {
      return false;
    }
  }
  return true;
}

struct ArnParts {
  std::string_view partition, service, region, account, resource;
};

std::optional<ArnParts> SplitArn(std::string_view arn) {
  std::array<std::string_view, 6> parts;
  for (std::size_t i = 0; i < 5; ++i) {
    const std::size_t colon = arn.find(':');
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    parts[i] = arn.substr(0, colon);
    arn.remove_prefix(colon + 1);
  }
  parts[5] = arn;
  if (parts[0] != "arn" || !parts[1].starts_with("aws")) {
    return std::nullopt;
  }
  return ArnParts{parts[1], parts[2], parts[3], parts[4], parts[5]};
}

bool IsAwsPrincipalArn(std::string_view value) {
  const std::optional<ArnParts> arn = SplitArn(value);
  if (!arn.has_value() || !arn->region.empty() || !IsDigits(arn->account, 12)) {
    return false;
  }
  const std::string_view res = arn->resource;
  if (arn->service == "iam") {
    if (res == "root") {
      return true;
    }
    const bool typed = res.starts_with("user/") || res.starts_with("role/");
    return typed && IsIamNameChars(res.substr(5)) && !res.ends_with("/");
  }
  if (arn->service == "sts") {
    if (res.starts_with("assumed-role/")) {
      const std::string_view rest = res.substr(13);
      const std::size_t slash = rest.rfind('/');
      return slash != std::string_view::npos && slash > 0 && slash + 1 < rest.size() &&
             IsIamNameChars(rest);
    }
    if (res.starts_with("federated-user/")) {
      return IsIamNameChars(res.substr(15));
    }
  }
  return false;
}

bool IsAwsPrincipal(std::string_view value) {
  return value == "*" || IsDigits(value, 12) || IsAwsPrincipalArn(value);
}

bool IsHostName(std::string_view value) {
  if (value.empty() || value.front() == '.' || value.back() == '.') {
    return false;
  }
  for (char c : value) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool IsFederatedPrincipal(std::string_view value) {
  if (!value.starts_with("arn:")) {
    return IsHostName(value);  // cognito-identity.amazonaws.com, accounts.google.com
  }
  const std::optional<ArnParts> arn = SplitArn(value);
  if (!arn.has_value() || arn->service != "iam" || !IsDigits(arn->account, 12)) {
    return false;
  }
  const std::string_view res = arn->resource;
  // ldap-provider/NAME: Portcullis's directory principal (docs/directory-federation.md).
  return (res.starts_with("saml-provider/") && IsIamNameChars(res.substr(14))) ||
         (res.starts_with("ldap-provider/") && IsIamNameChars(res.substr(14))) ||
         (res.starts_with("oidc-provider/") && res.size() > 14 &&
          res.find_first_of(" \t*?") == std::string_view::npos);
}

bool IsCanonicalUser(std::string_view value) {
  if (value.size() != 64) {
    return false;
  }
  for (char c : value) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

using PrincipalCheck = bool (*)(std::string_view);

// Returns the list of `spec` that the principal type `type` fills and its value
// check, or {nullptr, nullptr} for a type this kind does not accept.
std::pair<std::vector<std::string>*, PrincipalCheck> PrincipalTarget(std::string_view type,
                                                                     PolicyKind kind,
                                                                     PrincipalSpec& spec) {
  if (type == "AWS") {
    return {&spec.aws, &IsAwsPrincipal};
  }
  if (type == "Service") {
    return {&spec.service, &IsHostName};
  }
  if (type == "Federated") {
    return {&spec.federated, &IsFederatedPrincipal};
  }
  // AWS: Grammar notes: CanonicalUser is an S3 bucket policy principal.
  if (type == "CanonicalUser" && kind == PolicyKind::kResource) {
    return {&spec.canonical_user, &IsCanonicalUser};
  }
  return {nullptr, nullptr};
}

Result<PrincipalSpec> ParsePrincipal(const JsonValue& value, const std::string& path,
                                     PolicyKind kind) {
  PrincipalSpec spec;
  if (value.is_string() && value.text() == "*") {
    spec.any = true;
    return spec;
  }
  if (!value.is_object() || value.members().empty()) {
    return Malformed(kInvalidPrincipal, value, path);
  }
  for (const auto& [type, entries] : value.members()) {
    const std::string type_path = MemberPath(path, type);
    // Not a structured binding: clang 14 cannot capture those in the lambda below.
    const auto target_and_check = PrincipalTarget(type, kind, spec);
    const auto target = target_and_check.first;
    const auto check = target_and_check.second;
    if (target == nullptr) {
      return Malformed(kInvalidPrincipal, entries, type_path);
    }
    IAM_RETURN_IF_ERROR(ForEachString(
        entries, type_path, [&](const JsonValue& item, const std::string& item_path) -> Status {
          if (!check(item.text())) {
            return Malformed(kInvalidPrincipal, item, item_path);
          }
          target->push_back(item.text());
          return OkStatus();
        }));
  }
  return spec;
}

// ---------------------------------------------------------------------------
// Condition value syntax.
// The value checks use the same parsers as the evaluator (numeric.h,
// date_time.h, ip_address.h, base64.h), so a policy that parses always evaluates
// with well-defined values.

// Returns the error message for a value `op` cannot take, or "" when it is fine.
std::string CheckValueSyntax(BaseOperator op, std::string_view value) {
  const auto quoted = [&](std::string_view what) {
    return "`" + std::string(BaseOperatorName(op)) + "` needs " + std::string(what) + ", not `" +
           std::string(value) + "`";
  };
  switch (FamilyOf(op)) {
    case OperatorFamily::kBool:
    case OperatorFamily::kNull:
      return EqualsIgnoreCase(value, "true") || EqualsIgnoreCase(value, "false")
                 ? ""
                 : quoted("`true` or `false`");
    case OperatorFamily::kNumeric:
      return ParseNumeric(value).has_value() ? "" : quoted("a number");
    case OperatorFamily::kDate:
      return ParseDateTime(value).has_value() ? "" : quoted("an ISO 8601 date or epoch seconds");
    case OperatorFamily::kIpAddress:
      return ParseIpNetwork(value).has_value() ? "" : quoted("an IP address or CIDR block");
    case OperatorFamily::kBinary:
      return DecodeBase64(value).has_value() ? "" : quoted("base64 text");
    case OperatorFamily::kString:
    case OperatorFamily::kArn:
      return "";
  }
  return "";
}

// ---------------------------------------------------------------------------
// Condition.
// AWS: IAM User Guide, "IAM JSON policy elements: Condition" and "Condition operators".

// AWS: a condition key is "prefix:name" (aws:username, s3:prefix,
// aws:PrincipalTag/Team); a key without a vendor prefix gets this message.
Status CheckConditionKey(std::string_view key, const JsonValue& at, const std::string& path) {
  const std::size_t colon = key.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == key.size()) {
    return Malformed(kVendorError, at, path);
  }
  for (std::size_t i = 0; i < colon; ++i) {
    if (static_cast<unsigned char>(key[i]) <= 0x20) {
      return Malformed(kVendorError, at, path);
    }
  }
  if (key.size() > kMaxConditionKeyLength) {
    return Malformed(
        "condition key is longer than " + std::to_string(kMaxConditionKeyLength) + " characters",
        at, path);
  }
  return OkStatus();
}

// Returns the text of a condition value: strings as they are, booleans and
// numbers as their JSON literal.
std::optional<std::string> ScalarText(const JsonValue& value) {
  if (value.is_string() || value.is_number()) {
    return value.text();
  }
  if (value.is_bool()) {
    return std::string(value.bool_value() ? "true" : "false");
  }
  return std::nullopt;
}

Status AddConditionValue(const JsonValue& item, const std::string& path, const Context& context,
                         ConditionClause& clause) {
  std::optional<std::string> text = ScalarText(item);
  if (!text.has_value()) {
    return Malformed(kSyntaxError, item, path);
  }
  const bool variable = HasVariable(item, context);
  if (variable) {
    IAM_RETURN_IF_ERROR(CheckVariables(item, path));
  }
  // AWS: "You can not use a policy variable with the Null condition operator", so
  // Null is checked even when the value looks like a variable.
  if (!variable || clause.op.base == BaseOperator::kNull) {
    const std::string problem = CheckValueSyntax(clause.op.base, *text);
    if (!problem.empty()) {
      return Malformed(problem, item, path);
    }
  }
  clause.values.push_back(*std::move(text));
  return OkStatus();
}

Result<ConditionClause> ParseClause(std::string_view operator_name, ConditionOperator op,
                                    const JsonValue::Member& member, const std::string& path,
                                    const Context& context) {
  const auto& [key, value] = member;
  IAM_RETURN_IF_ERROR(CheckConditionKey(key, value, path));
  ConditionClause clause{std::string(operator_name), op, key, {}, LocationOf(value, path)};
  if (!value.is_array()) {
    IAM_RETURN_IF_ERROR(AddConditionValue(value, path, context, clause));
    return clause;
  }
  if (value.items().empty()) {
    return Malformed(kSyntaxError, value, path);
  }
  for (std::size_t i = 0; i < value.items().size(); ++i) {
    IAM_RETURN_IF_ERROR(AddConditionValue(value.items()[i], IndexPath(path, i), context, clause));
  }
  return clause;
}

Status ParseCondition(const JsonValue& value, const std::string& path, const Context& context,
                      Statement& statement) {
  if (!value.is_object()) {
    return Malformed(kSyntaxError, value, path);
  }
  for (const auto& [operator_name, block] : value.members()) {
    const std::string block_path = MemberPath(path, operator_name);
    Result<ConditionOperator> op = ParseConditionOperator(operator_name);
    if (!op.has_value()) {
      return Malformed(op.error().message, block, block_path);
    }
    if (!block.is_object()) {
      return Malformed(kSyntaxError, block, block_path);
    }
    for (const JsonValue::Member& member : block.members()) {
      IAM_ASSIGN_OR_RETURN(
          ConditionClause clause,
          ParseClause(operator_name, *op, member, MemberPath(block_path, member.first), context));
      statement.conditions.push_back(std::move(clause));
    }
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------
// Statement and document.

Result<Statement> ParseStatement(const JsonValue& object, const std::string& path,
                                 std::size_t index, const Context& context,
                                 std::set<std::string>& sids) {
  if (!object.is_object()) {
    return Malformed(kSyntaxError, object, path);
  }
  IAM_ASSIGN_OR_RETURN(const StatementFields fields, CollectFields(object, path));
  IAM_RETURN_IF_ERROR(CheckRequiredFields(fields, object, path, context.kind));
  Statement statement;
  statement.index = index;
  statement.location = LocationOf(object, path);
  if (fields.sid != nullptr) {
    IAM_RETURN_IF_ERROR(
        ParseSid(*fields.sid, MemberPath(path, "Sid"), context.kind, sids, statement));
  }
  IAM_RETURN_IF_ERROR(
      ParseEffect(*fields.effect, MemberPath(path, "Effect"), context.kind, statement));
  const JsonValue* principal =
      fields.principal != nullptr ? fields.principal : fields.not_principal;
  if (principal != nullptr) {
    const char* name = fields.principal != nullptr ? "Principal" : "NotPrincipal";
    IAM_ASSIGN_OR_RETURN(statement.principal,
                         ParsePrincipal(*principal, MemberPath(path, name), context.kind));
    statement.not_principal = fields.principal == nullptr;
  }
  IAM_RETURN_IF_ERROR(ParseActions(fields, path, context.kind, statement));
  IAM_RETURN_IF_ERROR(ParseResources(fields, path, context, statement));
  if (fields.condition != nullptr) {
    IAM_RETURN_IF_ERROR(
        ParseCondition(*fields.condition, MemberPath(path, "Condition"), context, statement));
  }
  return statement;
}

Status ParseStatements(const JsonValue& value, const Context& context, PolicyDocument& doc) {
  const std::string path = "$.Statement";
  std::set<std::string> sids;
  if (value.is_object()) {
    IAM_ASSIGN_OR_RETURN(Statement statement, ParseStatement(value, path, 0, context, sids));
    doc.statements.push_back(std::move(statement));
    return OkStatus();
  }
  if (!value.is_array() || value.items().empty()) {
    return Malformed(kSyntaxError, value, path);
  }
  doc.statements.reserve(value.items().size());
  for (std::size_t i = 0; i < value.items().size(); ++i) {
    IAM_ASSIGN_OR_RETURN(Statement statement,
                         ParseStatement(value.items()[i], IndexPath(path, i), i, context, sids));
    doc.statements.push_back(std::move(statement));
  }
  return OkStatus();
}

// AWS: "IAM JSON policy elements: Version": 2012-10-17 or 2008-10-17; IAM answers
// any other value with "The policy failed legacy parsing".
Status ParseVersion(const JsonValue& value, PolicyDocument& doc) {
  if (!value.is_string()) {
    return Malformed(kSyntaxError, value, "$.Version");
  }
  if (value.text() == "2012-10-17") {
    doc.version = PolicyVersion::k2012_10_17;
  } else if (value.text() == "2008-10-17") {
    doc.version = PolicyVersion::k2008_10_17;
  } else {
    return Malformed("The policy failed legacy parsing", value, "$.Version");
  }
  doc.version_present = true;
  return OkStatus();
}

Result<PolicyDocument> ParseDocument(const JsonValue& root, PolicyKind kind) {
  if (!root.is_object()) {
    return Malformed(kSyntaxError, root, "$");
  }
  PolicyDocument doc;
  const JsonValue* statements = nullptr;
  for (const auto& [key, value] : root.members()) {
    if (key == "Version") {
      IAM_RETURN_IF_ERROR(ParseVersion(value, doc));
    } else if (key == "Id") {
      if (!value.is_string()) {
        return Malformed(kSyntaxError, value, "$.Id");
      }
      doc.id = value.text();
    } else if (key == "Statement") {
      statements = &value;
    } else {
      return Malformed("Unknown field " + key, value, MemberPath("$", key));
    }
  }
  if (statements == nullptr) {
    return Malformed("Missing required field Statement", root, "$");
  }
  const Context context{kind, doc.version == PolicyVersion::k2012_10_17};
  IAM_RETURN_IF_ERROR(ParseStatements(*statements, context, doc));
  return doc;
}

}  // namespace

std::string_view PolicyKindName(PolicyKind kind) {
  for (const KindName& entry : kKindNames) {
    if (entry.kind == kind) {
      return entry.name;
    }
  }
  return "unknown";
}

std::optional<PolicyKind> PolicyKindFromName(std::string_view name) {
  for (const KindName& entry : kKindNames) {
    if (entry.name == name) {
      return entry.kind;
    }
  }
  return std::nullopt;
}

Result<PolicyDocument> ParsePolicy(std::string_view text, const ParseOptions& options) {
  if (options.enforce_size_limit) {
    IAM_RETURN_IF_ERROR(CheckSize(text, options.kind));
  }
  // JsonLimits defaults bound the work even with the size limit off: 1 MiB,
  // depth 64, 64 KiB strings, 65,536 elements.
  Result<JsonValue> root = ParseJson(text, JsonLimits{});
  if (!root.has_value()) {
    Error error = std::move(root).error();
    error.aws_code = std::string(kMalformed);
    if (options.aws_syntax_error_message) {
      error.message = "Syntax errors in policy.";
    }
    return tl::unexpected<Error>(std::move(error));
  }
  return ParseDocument(*root, options.kind);
}

}  // namespace portcullis::policy
