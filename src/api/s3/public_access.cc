#include "api/s3/public_access.h"

#include <algorithm>
#include <array>
#include <string>

#include "api/s3/bucket_policy.h"
#include "common/strings.h"
#include "policy/arn.h"
#include "policy/ip_address.h"
#include "policy/wildcard.h"

namespace portcullis::api::s3 {
namespace {

using policy::BaseOperator;
using policy::ConditionClause;
using policy::PolicyVersion;
using policy::SetQualifier;
using policy::Statement;

bool HasWildcardChar(std::string_view value) {
  return value.find_first_of("*?") != std::string_view::npos;
}

bool HasVariable(std::string_view value, PolicyVersion version) {
  return version == PolicyVersion::k2012_10_17 && value.find("${") != std::string_view::npos;
}

// A fixed value: no wildcard, no policy variable.
bool IsFixed(std::string_view value, PolicyVersion version) {
  return !HasWildcardChar(value) && !HasVariable(value, version);
}

// AWS: aws:userid values of the form "AROLEID:*" (every session of one role) count as
// fixed.
bool IsFixedUserId(std::string_view value, PolicyVersion version) {
  if (IsFixed(value, version)) {
    return true;
  }
  if (HasVariable(value, version) || value.size() < 3 || value.substr(value.size() - 2) != ":*") {
    return false;
  }
  return !HasWildcardChar(value.substr(0, value.size() - 2));
}

// AWS: an s3:DataAccessPointArn may name every access point of a fixed account
// ("arn:aws:s3:us-west-2:123456789012:accesspoint/*") and still be non-public.
bool IsFixedAccessPointArn(std::string_view value, PolicyVersion version) {
  if (IsFixed(value, version)) {
    return true;
  }
  if (HasVariable(value, version)) {
    return false;
  }
  const auto arn = policy::SplitArn(value);
  return arn.has_value() && !HasWildcardChar(arn->partition) && arn->service == "s3" &&
         !HasWildcardChar(arn->region) && !arn->account.empty() && !HasWildcardChar(arn->account) &&
         arn->resource.substr(0, 12) == "accesspoint/";
}

enum class KeyKind : std::uint8_t { kString, kSourceIp, kUserId, kAccessPointArn };

struct LimitingKey {
  std::string_view key;  // lowercase
  KeyKind kind;
};

constexpr std::array<LimitingKey, 13> kLimitingKeys = {{
    {"aws:sourceip", KeyKind::kSourceIp},
    {"aws:sourcearn", KeyKind::kString},
    {"aws:sourcevpc", KeyKind::kString},
    {"aws:sourcevpce", KeyKind::kString},
    {"aws:sourceowner", KeyKind::kString},
    {"aws:sourceaccount", KeyKind::kString},
    {"aws:principalorgid", KeyKind::kString},
    {"aws:principalaccount", KeyKind::kString},
    {"aws:principalarn", KeyKind::kString},
    {"aws:userid", KeyKind::kUserId},
    {"s3:dataaccesspointarn", KeyKind::kAccessPointArn},
    {"s3:dataaccesspointaccount", KeyKind::kString},
    {"s3:x-amz-server-side-encryption-aws-kms-key-id", KeyKind::kString},
}};

bool IsLimitingStringOperator(BaseOperator op) {
  return op == BaseOperator::kStringEquals || op == BaseOperator::kStringEqualsIgnoreCase ||
         op == BaseOperator::kStringLike || op == BaseOperator::kArnEquals ||
         op == BaseOperator::kArnLike;
}

// Whether `clause` confines the statement to fixed values of a key AWS accepts as
// limiting (see the header).
bool LimitsToFixedValues(const ConditionClause& clause, PolicyVersion version) {
  // …IfExists and ForAllValues: hold when the key is absent, so they limit nothing.
  if (clause.op.if_exists || clause.op.set == SetQualifier::kForAllValues ||
      clause.values.empty()) {
    return false;
  }
  const std::string key = AsciiLower(clause.key);
  const auto* entry = std::find_if(kLimitingKeys.begin(), kLimitingKeys.end(),
                                   [&](const LimitingKey& k) { return k.key == key; });
  if (entry == kLimitingKeys.end()) {
    return false;
  }
  if (entry->kind == KeyKind::kSourceIp) {
    if (clause.op.base != BaseOperator::kIpAddress) {
      return false;
    }
    return std::all_of(clause.values.begin(), clause.values.end(), [&](const std::string& v) {
      if (HasVariable(v, version)) {
        return false;
      }
      const auto network = policy::ParseIpNetwork(v);
      return network.has_value() && network->prefix_length > 0;
    });
  }
  if (!IsLimitingStringOperator(clause.op.base)) {
    return false;
  }
  return std::all_of(clause.values.begin(), clause.values.end(), [&](const std::string& v) {
    switch (entry->kind) {
      case KeyKind::kUserId:
        return IsFixedUserId(v, version);
      case KeyKind::kAccessPointArn:
        return IsFixedAccessPointArn(v, version);
      case KeyKind::kString:
      case KeyKind::kSourceIp:
        return IsFixed(v, version);
    }
    return false;
  });
}

bool IsPublicPrincipal(const Statement& statement) {
  if (!statement.principal.has_value()) {
    return true;  // the reader requires one in a resource policy; be safe
  }
  if (statement.not_principal) {
    return true;  // AWS: NotPrincipal with Allow grants every principal not named
  }
  const policy::PrincipalSpec& p = *statement.principal;
  return p.any || std::find(p.aws.begin(), p.aws.end(), "*") != p.aws.end();
}

// AWS: "bad actions" (s3:Get*, s3:List*, s3:AbortMultipartUpload, s3:Delete*, s3:Put*,
// s3:RestoreObject) could expose the data in a bucket.
bool IsBadActionName(std::string_view lower_name) {
  for (std::string_view prefix : {"get", "list", "delete", "put"}) {
    if (lower_name.substr(0, prefix.size()) == prefix) {
      return true;
    }
  }
  return lower_name == "abortmultipartupload" || lower_name == "restoreobject";
}

// Whether an Action pattern may name a bad action.
bool MayNameBadAction(std::string_view action) {
  const std::string lower = AsciiLower(action);
  if (lower == "*") {
    return true;
  }
  const std::size_t colon = lower.find(':');
  if (colon == std::string::npos) {
    return true;  // not a service:action pattern; the reader rejects these, be safe
  }
  if (!policy::WildcardMatch(lower.substr(0, colon), "s3")) {
    return false;
  }
  const std::string_view name = std::string_view(lower).substr(colon + 1);
  if (!policy::HasWildcard(name)) {
    return IsBadActionName(name);
  }
  for (std::string_view known : S3ActionNames()) {
    if (IsBadActionName(known) && policy::WildcardMatch(name, known)) {
      return true;
    }
  }
  return false;
}

tl::unexpected<Error> AccessDenied(std::string message) {
  return tl::unexpected<Error>(
      Error{ErrorCode::kPermissionDenied, std::move(message), std::nullopt, {}, "AccessDenied"});
}

}  // namespace

bool IsPublicStatement(const Statement& statement, PolicyVersion version) {
  if (statement.effect != policy::Effect::kAllow || !IsPublicPrincipal(statement)) {
    return false;
  }
  for (const ConditionClause& clause : statement.conditions) {
    if (LimitsToFixedValues(clause, version)) {
      return false;
    }
  }
  if (statement.not_action) {
    return true;
  }
  return std::any_of(statement.actions.begin(), statement.actions.end(),
                     [](const std::string& action) { return MayNameBadAction(action); });
}

bool IsPublicPolicy(const policy::PolicyDocument& doc) {
  return std::any_of(doc.statements.begin(), doc.statements.end(),
                     [&](const Statement& s) { return IsPublicStatement(s, doc.version); });
}

Status CheckBlockPublicPolicy(const PublicAccessBlock& settings, bool new_policy_is_public,
                              std::string_view caller_arn, std::string_view bucket) {
  if (!settings.block_public_policy || !new_policy_is_public) {
    return OkStatus();
  }
  return AccessDenied("User: " + std::string(caller_arn) +
                      " is not authorized to perform: s3:PutBucketPolicy on resource: "
                      "\"arn:aws:s3:::" +
                      std::string(bucket) +
                      "\" because public policies are blocked by the BlockPublicPolicy block "
                      "public access setting.");
}

bool RestrictPublicBucketsDenies(const PublicAccessBlock& settings, bool policy_is_public,
                                 const CallerScope& caller, std::string_view bucket_owner) {
  if (!settings.restrict_public_buckets || !policy_is_public || caller.service_principal) {
    return false;
  }
  return caller.anonymous || caller.account.empty() || caller.account != bucket_owner;
}

bool IsPublicCannedAcl(std::string_view acl) {
  return acl == "public-read" || acl == "public-read-write" || acl == "authenticated-read";
}

Status CheckBlockPublicAcls(const PublicAccessBlock& settings, std::string_view canned_acl) {
  if (settings.block_public_acls && IsPublicCannedAcl(canned_acl)) {
    return AccessDenied("Access Denied");
  }
  return OkStatus();
}

}  // namespace portcullis::api::s3
