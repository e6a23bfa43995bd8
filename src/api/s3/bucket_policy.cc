#include "api/s3/bucket_policy.h"

#include <algorithm>
#include <utility>

#include "api/s3/public_access.h"
#include "common/strings.h"
#include "policy/json.h"
#include "policy/parse.h"
#include "policy/wildcard.h"

namespace portcullis::api::s3 {
namespace {

constexpr std::size_t kMaxPolicyBytes = 20480;  // AWS: bucket policies are limited to 20 KB
constexpr std::string_view kMalformedPolicy = "MalformedPolicy";
constexpr std::string_view kInvalidJson = "This policy contains invalid Json";
constexpr std::string_view kInvalidAction = "Policy has invalid action";
constexpr std::string_view kInvalidResource = "Policy has invalid resource";
constexpr std::string_view kInvalidPrincipal = "Invalid principal in policy";
constexpr std::string_view kResourceMismatch =
    "Action does not apply to any resource(s) in statement";

struct ActionEntry {
  std::string_view name;  // lowercase
  S3ResourceType type;
};

using T = S3ResourceType;

// AWS: Service Authorization Reference, "Actions defined by Amazon S3": the actions and
// the resource type each applies to (object, bucket, or neither).
// NOLINTNEXTLINE(cppcoreguidelines-avoid-c-arrays,modernize-avoid-c-arrays): sized by its list
constexpr ActionEntry kActions[] = {
    // Objects.
    {"abortmultipartupload", T::kObject},
    {"bypassgovernanceretention", T::kObject},
    {"deleteobject", T::kObject},
    {"deleteobjecttagging", T::kObject},
    {"deleteobjectversion", T::kObject},
    {"deleteobjectversiontagging", T::kObject},
    {"getobject", T::kObject},
    {"getobjectacl", T::kObject},
    {"getobjectattributes", T::kObject},
    {"getobjectlegalhold", T::kObject},
    {"getobjectretention", T::kObject},
    {"getobjecttagging", T::kObject},
    {"getobjecttorrent", T::kObject},
    {"getobjectversion", T::kObject},
    {"getobjectversionacl", T::kObject},
    {"getobjectversionattributes", T::kObject},
    {"getobjectversionforreplication", T::kObject},
    {"getobjectversiontagging", T::kObject},
    {"getobjectversiontorrent", T::kObject},
    {"initiatereplication", T::kObject},
    {"listmultipartuploadparts", T::kObject},
    {"objectowneroverridetobucketowner", T::kObject},
    {"putobject", T::kObject},
    {"putobjectacl", T::kObject},
    {"putobjectlegalhold", T::kObject},
    {"putobjectretention", T::kObject},
    {"putobjecttagging", T::kObject},
    {"putobjectversionacl", T::kObject},
    {"putobjectversiontagging", T::kObject},
    {"renameobject", T::kObject},
    {"replicatedelete", T::kObject},
    {"replicateobject", T::kObject},
    {"replicatetags", T::kObject},
    {"restoreobject", T::kObject},
    // Buckets.
    {"createbucket", T::kBucket},
    {"createbucketmetadatatableconfiguration", T::kBucket},
    {"deletebucket", T::kBucket},
    {"deletebucketmetadatatableconfiguration", T::kBucket},
    {"deletebucketownershipcontrols", T::kBucket},
    {"deletebucketpolicy", T::kBucket},
    {"deletebucketwebsite", T::kBucket},
    {"getaccelerateconfiguration", T::kBucket},
    {"getanalyticsconfiguration", T::kBucket},
    {"getbucketabac", T::kBucket},
    {"getbucketacl", T::kBucket},
    {"getbucketcors", T::kBucket},
    {"getbucketlocation", T::kBucket},
    {"getbucketlogging", T::kBucket},
    {"getbucketmetadatatableconfiguration", T::kBucket},
    {"getbucketnotification", T::kBucket},
    {"getbucketobjectlockconfiguration", T::kBucket},
    {"getbucketownershipcontrols", T::kBucket},
    {"getbucketpolicy", T::kBucket},
    {"getbucketpolicystatus", T::kBucket},
    {"getbucketpublicaccessblock", T::kBucket},
    {"getbucketrequestpayment", T::kBucket},
    {"getbuckettagging", T::kBucket},
    {"getbucketversioning", T::kBucket},
    {"getbucketwebsite", T::kBucket},
    {"getencryptionconfiguration", T::kBucket},
    {"getintelligenttieringconfiguration", T::kBucket},
    {"getinventoryconfiguration", T::kBucket},
    {"getlifecycleconfiguration", T::kBucket},
    {"getmetricsconfiguration", T::kBucket},
    {"getreplicationconfiguration", T::kBucket},
    {"listbucket", T::kBucket},
    {"listbucketmultipartuploads", T::kBucket},
    {"listbucketversions", T::kBucket},
    {"listtagsforresource", T::kBucket},
    {"putaccelerateconfiguration", T::kBucket},
    {"putanalyticsconfiguration", T::kBucket},
    {"putbucketabac", T::kBucket},
    {"putbucketacl", T::kBucket},
    {"putbucketcors", T::kBucket},
    {"putbucketlogging", T::kBucket},
    {"putbucketnotification", T::kBucket},
    {"putbucketobjectlockconfiguration", T::kBucket},
    {"putbucketownershipcontrols", T::kBucket},
    {"putbucketpolicy", T::kBucket},
    {"putbucketpublicaccessblock", T::kBucket},
    {"putbucketrequestpayment", T::kBucket},
    {"putbuckettagging", T::kBucket},
    {"putbucketversioning", T::kBucket},
    {"putbucketwebsite", T::kBucket},
    {"putencryptionconfiguration", T::kBucket},
    {"putintelligenttieringconfiguration", T::kBucket},
    {"putinventoryconfiguration", T::kBucket},
    {"putlifecycleconfiguration", T::kBucket},
    {"putmetricsconfiguration", T::kBucket},
    {"putreplicationconfiguration", T::kBucket},
    {"tagresource", T::kBucket},
    {"untagresource", T::kBucket},
    {"updatebucketmetadatainventorytableconfiguration", T::kBucket},
    {"updatebucketmetadatajournaltableconfiguration", T::kBucket},
    // Neither: account-level actions, jobs, access points, Storage Lens, Access Grants.
    {"createaccessgrant", T::kOther},
    {"createaccessgrantsinstance", T::kOther},
    {"createaccessgrantslocation", T::kOther},
    {"createaccesspoint", T::kOther},
    {"createaccesspointforobjectlambda", T::kOther},
    {"createjob", T::kOther},
    {"createmultiregionaccesspoint", T::kOther},
    {"createstoragelensgroup", T::kOther},
    {"deleteaccessgrant", T::kOther},
    {"deleteaccessgrantsinstance", T::kOther},
    {"deleteaccessgrantslocation", T::kOther},
    {"deleteaccesspoint", T::kOther},
    {"deleteaccesspointpolicy", T::kOther},
    {"deletejobtagging", T::kOther},
    {"deletestoragelensconfiguration", T::kOther},
    {"deletestoragelensconfigurationtagging", T::kOther},
    {"describejob", T::kOther},
    {"describemultiregionaccesspointoperation", T::kOther},
    {"getaccessgrant", T::kOther},
    {"getaccessgrantsinstance", T::kOther},
    {"getaccessgrantslocation", T::kOther},
    {"getaccesspoint", T::kOther},
    {"getaccesspointpolicy", T::kOther},
    {"getaccesspointpolicystatus", T::kOther},
    {"getaccountpublicaccessblock", T::kOther},
    {"getdataaccess", T::kOther},
    {"getjobtagging", T::kOther},
    {"getmultiregionaccesspoint", T::kOther},
    {"getstoragelensconfiguration", T::kOther},
    {"getstoragelensconfigurationtagging", T::kOther},
    {"getstoragelensgroup", T::kOther},
    {"listaccessgrants", T::kOther},
    {"listaccessgrantsinstances", T::kOther},
    {"listaccessgrantslocations", T::kOther},
    {"listaccesspoints", T::kOther},
    {"listaccesspointsforobjectlambda", T::kOther},
    {"listallmybuckets", T::kOther},
    {"listcalleraccessgrants", T::kOther},
    {"listjobs", T::kOther},
    {"listmultiregionaccesspoints", T::kOther},
    {"liststoragelensconfigurations", T::kOther},
    {"liststoragelensgroups", T::kOther},
    {"putaccesspointpolicy", T::kOther},
    {"putaccountpublicaccessblock", T::kOther},
    {"putjobtagging", T::kOther},
    {"putstoragelensconfiguration", T::kOther},
    {"putstoragelensconfigurationtagging", T::kOther},
    {"updatejobpriority", T::kOther},
    {"updatejobstatus", T::kOther},
};

const std::vector<ActionEntry>& SortedActions() {
  static const std::vector<ActionEntry> kSorted = [] {
    std::vector<ActionEntry> v(std::begin(kActions), std::end(kActions));
    std::sort(v.begin(), v.end(),
              [](const ActionEntry& a, const ActionEntry& b) { return a.name < b.name; });
    return v;
  }();
  return kSorted;
}

tl::unexpected<Error> Malformed(std::string_view message,
                                std::optional<SourceLocation> location = std::nullopt) {
  return tl::unexpected<Error>(Error{ErrorCode::kInvalidArgument,
                                     std::string(message),
                                     std::move(location),
                                     {},
                                     std::string(kMalformedPolicy)});
}

// Whether JSON path `path` names member `name` of a statement ("$.Statement[0].Action",
// "$.Statement.Action[2]").
bool PathHasMember(std::string_view path, std::string_view name) {
  std::size_t pos = 0;
  while ((pos = path.find(name, pos)) != std::string_view::npos) {
    const bool dot_before = pos > 0 && path[pos - 1] == '.';
    const std::size_t end = pos + name.size();
    const bool ends = end == path.size() || path[end] == '[' || path[end] == '.';
    if (dot_before && ends) {
      return true;
    }
    pos = end;
  }
  return false;
}

// Gives a reader error S3's message (see the header).
Error ToS3Error(Error error) {
  std::string_view message = error.message;
  const std::string path = error.location.has_value() ? error.location->path : std::string();
  if (path.empty() || message == "Syntax errors in policy.") {
    message = kInvalidJson;  // the JSON reader's errors carry no path
  } else if (PathHasMember(path, "Principal") || PathHasMember(path, "NotPrincipal")) {
    message = kInvalidPrincipal;
  } else if (PathHasMember(path, "Action") || PathHasMember(path, "NotAction")) {
    message = kInvalidAction;
  } else if (PathHasMember(path, "Resource") || PathHasMember(path, "NotResource")) {
    message = kInvalidResource;
  } else if (PathHasMember(path, "Condition") &&
             message.rfind("Actions/Conditions must be prefaced", 0) == 0) {
    message = "Policy has an invalid condition key";
  }
  return Error{ErrorCode::kInvalidArgument,
               std::string(message),
               std::move(error.location),
               {},
               std::string(kMalformedPolicy)};
}

// The resource types an Action pattern (after the reader's checks) can name, or nullopt
// when it names no S3 action.
struct ActionTypes {
  bool object = false;
  bool bucket = false;
  bool other = false;
};

std::optional<ActionTypes> TypesOf(std::string_view action) {
  const std::string lower = AsciiLower(action);
  if (lower == "*") {
    return ActionTypes{true, true, true};
  }
  const std::size_t colon = lower.find(':');
  if (colon == std::string::npos || lower.substr(0, colon) != "s3") {
    return std::nullopt;
  }
  const std::string_view name = std::string_view(lower).substr(colon + 1);
  ActionTypes types;
  bool any = false;
  for (const ActionEntry& entry : SortedActions()) {
    if (policy::WildcardMatch(name, entry.name)) {
      any = true;
      types.object = types.object || entry.type == T::kObject;
      types.bucket = types.bucket || entry.type == T::kBucket;
      types.other = types.other || entry.type == T::kOther;
    }
  }
  if (!any) {
    return std::nullopt;
  }
  return types;
}

Status CheckStatement(const policy::Statement& statement, std::string_view bucket,
                      const BucketPolicyOptions& options) {
  if (options.principal_exists && statement.principal.has_value()) {
    for (const std::string& aws : statement.principal->aws) {
      if (aws.rfind("arn:", 0) == 0 && !options.principal_exists(aws)) {
        return Malformed(kInvalidPrincipal, statement.location);
      }
    }
  }
  std::vector<ActionTypes> action_types;
  for (const std::string& action : statement.actions) {
    const std::optional<ActionTypes> types = TypesOf(action);
    if (!types.has_value()) {
      return Malformed(kInvalidAction, statement.location);
    }
    action_types.push_back(*types);
  }
  // AWS: every Resource must lie within this bucket: the bucket itself or its objects.
  const std::string bucket_arn = "arn:aws:s3:::" + std::string(bucket);
  bool has_bucket = false;
  bool has_object = false;
  for (const std::string& resource : statement.resources) {
    if (resource == bucket_arn) {
      has_bucket = true;
    } else if (resource.size() > bucket_arn.size() && resource.rfind(bucket_arn, 0) == 0 &&
               resource[bucket_arn.size()] == '/') {
      has_object = true;
    } else {
      return Malformed(kInvalidResource, statement.location);
    }
  }
  if (statement.not_action || statement.not_resource) {
    return OkStatus();  // the excluded actions or resources say nothing about the rest
  }
  for (const ActionTypes& types : action_types) {
    if (!((types.object && has_object) || (types.bucket && has_bucket))) {
      return Malformed(kResourceMismatch, statement.location);
    }
  }
  return OkStatus();
}

// The shape checks S3 makes before reading statements.
Status CheckShape(std::string_view text) {
  if (text.empty() || text.front() != '{') {
    return Malformed("Policies must be valid JSON and the first byte must be '{'");
  }
  Result<policy::JsonValue> root = policy::ParseJson(text);
  if (!root.has_value()) {
    return Malformed(kInvalidJson, root.error().location);
  }
  const policy::JsonValue* statement = root->Find("Statement");
  if (statement == nullptr) {
    return Malformed("Missing required field Statement");
  }
  if ((statement->is_array() && statement->items().empty()) ||
      (statement->is_object() && statement->members().empty())) {
    return Malformed("Could not parse the policy: Statement is empty!");
  }
  return OkStatus();
}

bool IsBucketPolicyOperation(std::string_view operation) {
  return operation == "PutBucketPolicy" || operation == "GetBucketPolicy" ||
         operation == "DeleteBucketPolicy";
}

}  // namespace

bool OwnerRootMayManageBucketPolicy(std::string_view operation, std::string_view caller_arn,
                                    std::string_view bucket_owner) {
  if (!IsBucketPolicyOperation(operation) || bucket_owner.empty()) {
    return false;
  }
  const std::string root = "arn:aws:iam::" + std::string(bucket_owner) + ":root";
  return caller_arn == root;
}

Status CheckBucketPolicyCallerAccount(std::string_view operation, std::string_view caller_account,
                                      std::string_view bucket_owner) {
  if (!IsBucketPolicyOperation(operation) || caller_account == bucket_owner) {
    return OkStatus();
  }
  return tl::unexpected<Error>(Error{ErrorCode::kFailedPrecondition,
                                     "The specified method is not allowed against this resource.",
                                     std::nullopt,
                                     {},
                                     "MethodNotAllowed"});
}

std::optional<S3ResourceType> S3ActionResourceType(std::string_view name) {
  const std::string lower = AsciiLower(name);
  const auto& actions = SortedActions();
  auto it = std::lower_bound(actions.begin(), actions.end(), lower,
                             [](const ActionEntry& e, const std::string& n) { return e.name < n; });
  if (it == actions.end() || it->name != lower) {
    return std::nullopt;
  }
  return it->type;
}

const std::vector<std::string_view>& S3ActionNames() {
  static const std::vector<std::string_view> kNames = [] {
    std::vector<std::string_view> names;
    for (const ActionEntry& e : SortedActions()) {
      names.push_back(e.name);
    }
    return names;
  }();
  return kNames;
}

Result<std::shared_ptr<const BucketPolicy>> ValidateBucketPolicy(
    std::string_view text, std::string_view bucket, const BucketPolicyOptions& options) {
  if (text.size() > kMaxPolicyBytes) {
    return Malformed("Policy exceeds the maximum allowed document size.");
  }
  IAM_RETURN_IF_ERROR(CheckShape(text));
  policy::ParseOptions parse_options;
  parse_options.kind = policy::PolicyKind::kResource;
  parse_options.enforce_size_limit = false;  // checked above, with S3's message
  Result<policy::PolicyDocument> doc = policy::ParsePolicy(text, parse_options);
  if (!doc.has_value()) {
    return tl::unexpected<Error>(ToS3Error(std::move(doc).error()));
  }
  for (const policy::Statement& statement : doc->statements) {
    IAM_RETURN_IF_ERROR(CheckStatement(statement, bucket, options));
  }
  auto compiled = eval::CompilePolicy(*doc, "bucket-policy:" + std::string(bucket),
                                      policy::PolicyKind::kResource);
  if (!compiled.has_value()) {
    return tl::unexpected<Error>(ToS3Error(std::move(compiled).error()));
  }
  auto result = std::make_shared<BucketPolicy>();
  result->text = std::string(text);
  result->is_public = IsPublicPolicy(*doc);
  result->document = std::move(*doc);
  result->compiled = std::move(*compiled);
  return std::shared_ptr<const BucketPolicy>(std::move(result));
}

}  // namespace portcullis::api::s3
