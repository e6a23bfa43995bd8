// Service-linked roles: CreateServiceLinkedRole, DeleteServiceLinkedRole,
// GetServiceLinkedRoleDeletionStatus.
//
// AWS: a service-linked role lives at /aws-service-role/SERVICE/ and is named
// AWSServiceRoleForNAME (NAME chosen by the service; with a CustomSuffix,
// AWSServiceRoleForNAME_SUFFIX); its trust policy lets the service principal assume it. A
// name already taken answers InvalidInput "Service role name NAME has been taken in this
// account, please try a different suffix." Deletion is asynchronous in AWS; here it
// completes at once, so a deletion task reports SUCCEEDED once its role is gone.
#include <array>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "api/ids.h"

namespace portcullis::api::iam {
namespace {

constexpr std::string_view kServiceRolePath = "/aws-service-role/";
constexpr std::string_view kRoleNamePrefix = "AWSServiceRoleFor";
constexpr std::string_view kServiceSuffix = ".amazonaws.com";
constexpr std::string_view kTaskPrefix = "task/aws-service-role/";

// Role names of common services whose name AWS does not derive from the service prefix.
constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kKnownNames = {{
    {"autoscaling", "AutoScaling"},
    {"config", "Config"},
    {"ecs", "ECS"},
    {"eks", "AmazonEKS"},
    {"elasticache", "ElastiCache"},
    {"elasticbeanstalk", "ElasticBeanstalk"},
    {"elasticloadbalancing", "ElasticLoadBalancing"},
    {"es", "AmazonElasticsearchService"},
    {"organizations", "Organizations"},
    {"rds", "RDS"},
    {"spot", "EC2Spot"},
    {"ssm", "AmazonSSM"},
    {"support", "Support"},
    {"trustedadvisor", "TrustedAdvisor"},
}};

// The NAME of AWSServiceRoleForNAME for service principal `service` ("ecs.amazonaws.com").
std::string ServiceRoleName(std::string_view service) {
  const std::string_view prefix = service.substr(0, service.size() - kServiceSuffix.size());
  for (const auto& [key, name] : kKnownNames) {
    if (key == prefix) {
      return std::string(name);
    }
  }
  // Otherwise each dash-separated word of the prefix, capitalized ("cloud-map" -> CloudMap).
  std::string name;
  bool start = true;
  for (const char c : prefix) {
    if (c == '-' || c == '.') {
      start = true;
      continue;
    }
    name.push_back(start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    start = false;
  }
  return name;
}

bool IsServicePrincipal(std::string_view service) {
  if (service.size() <= kServiceSuffix.size() ||
      service.substr(service.size() - kServiceSuffix.size()) != kServiceSuffix) {
    return false;
  }
  for (const char c : service) {
    if (!(std::islower(static_cast<unsigned char>(c)) != 0 ||
          std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}

Error UnmodifiableEntity(std::string message) {
  Error e;
  e.code = ErrorCode::kFailedPrecondition;
  e.message = std::move(message);
  e.aws_code = "UnmodifiableEntity";
  return e;
}

Result<Value> CreateServiceLinkedRole(OperationContext& ctx, const Value& input) {
  const std::string service(StringMember(input, "AWSServiceName"));
  const std::string description(StringMember(input, "Description"));
  const std::string suffix(StringMember(input, "CustomSuffix"));
  if (!IsServicePrincipal(service)) {
    return MakeError(InvalidInput("Invalid ServiceName: " + service));
  }
  std::string name = std::string(kRoleNamePrefix) + ServiceRoleName(service);
  if (!suffix.empty()) {
    name += '_';
    name += suffix;
  }
  if (name.size() > 64) {
    return MakeError(InvalidInput("Role name " + name + " is longer than 64 characters."));
  }
  const std::string path = std::string(kServiceRolePath) + service + "/";
  const std::string arn = RoleArn(ctx.account_id(), path, name);
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:CreateServiceLinkedRole", arn,
                                    {{"iam:AWSServiceName", std::vector<std::string>{service}}}));

  const std::string trust =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":[")" +
      service + R"("]},"Action":["sts:AssumeRole"]}]})";
  IAM_ASSIGN_OR_RETURN(
      store::Role created,
      WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::Role> {
        auto existing = txn.GetRole(ctx.account_id(), name);
        if (existing.has_value()) {
          return MakeError(InvalidInput("Service role name " + name +
                                        " has been taken in this account, please try a "
                                        "different suffix."));
        }
        if (existing.error().code != ErrorCode::kNotFound) {
          return MakeError(std::move(existing).error());
        }
        IAM_ASSIGN_OR_RETURN(const int count, CountAll([&](const store::ListOptions& o) {
                               return txn.ListRoles(ctx.account_id(), o);
                             }));
        if (count >= 1000) {
          return MakeError(LimitExceeded("Cannot exceed quota for RolesPerAccount: 1000"));
        }
        store::Role role;
        role.account_id = ctx.account_id();
        role.name = name;
        role.path = path;
        role.id = NewUniqueId(kRoleIdPrefix);
        role.arn = arn;
        role.assume_role_policy_document = trust;
        role.description = description;
        return txn.PutRole(std::move(role));
      }));
  Value out = Value::Structure();
  out.Set("Role", RoleValue(created));
  return out;
}

Result<Value> DeleteServiceLinkedRole(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "RoleName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, RoleArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeleteServiceLinkedRole", arn));
  IAM_ASSIGN_OR_RETURN(
      std::string task_id,
      WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<std::string> {
        auto role = txn.GetRole(ctx.account_id(), name);
        if (!role.has_value()) {
          if (role.error().code == ErrorCode::kNotFound) {
            return MakeError(RoleNotFound(name));
          }
          return MakeError(std::move(role).error());
        }
        if (role->path.rfind(kServiceRolePath, 0) != 0) {
          return MakeError(InvalidInput("Role " + role->name + " is not a service-linked role."));
        }
        const store::PrincipalRef ref{store::PrincipalKind::kRole, ctx.account_id(), role->name};
        // The linked service's policies go with the role.
        store::ListOptions all;
        all.max_items = store::kMaxMaxItems;
        IAM_ASSIGN_OR_RETURN(auto inline_policies, txn.ListInlinePolicies(ref, all));
        for (const store::InlinePolicy& p : inline_policies.items) {
          IAM_RETURN_IF_ERROR(txn.DeleteInlinePolicy(ref, p.name));
        }
        IAM_ASSIGN_OR_RETURN(auto attached, txn.ListAttachedPolicies(ref, all));
        for (const store::ManagedPolicy& p : attached.items) {
          IAM_RETURN_IF_ERROR(txn.DetachPolicy(ref, p.arn));
        }
        IAM_ASSIGN_OR_RETURN(auto profiles,
                             txn.ListInstanceProfilesForRole(ctx.account_id(), role->name, all));
        for (const store::InstanceProfile& p : profiles.items) {
          IAM_RETURN_IF_ERROR(
              txn.RemoveRoleFromInstanceProfile(ctx.account_id(), p.name, role->name));
        }
        IAM_RETURN_IF_ERROR(ForgetRoleUse(txn, *role));
        IAM_RETURN_IF_ERROR(txn.DeleteRole(ctx.account_id(), role->name));
        // AWS: task/aws-service-role/SERVICE/ROLE/UUID.
        const std::string service = role->path.substr(
            kServiceRolePath.size(), role->path.size() - kServiceRolePath.size() - 1);
        return std::string(kTaskPrefix) + service + "/" + role->name + "/" + NewRequestId();
      }));
  Value out = Value::Structure();
  out.Set("DeletionTaskId", Value::String(task_id));
  return out;
}

Result<Value> GetServiceLinkedRoleDeletionStatus(OperationContext& ctx, const Value& input) {
  const std::string task_id(StringMember(input, "DeletionTaskId"));
  // task/aws-service-role/SERVICE/ROLE/UUID
  std::string_view rest(task_id);
  const Error malformed = InvalidInput("Invalid deletion task id: " + task_id);
  if (rest.rfind(kTaskPrefix, 0) != 0) {
    return MakeError(malformed);
  }
  rest.remove_prefix(kTaskPrefix.size());
  const std::size_t service_end = rest.find('/');
  const std::size_t role_end =
      service_end == std::string_view::npos ? service_end : rest.find('/', service_end + 1);
  if (role_end == std::string_view::npos || role_end + 1 >= rest.size()) {
    return MakeError(malformed);
  }
  const std::string service(rest.substr(0, service_end));
  const std::string role_name(rest.substr(service_end + 1, role_end - service_end - 1));
  const std::string arn =
      RoleArn(ctx.account_id(), std::string(kServiceRolePath) + service + "/", role_name);
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetServiceLinkedRoleDeletionStatus", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto role = txn->GetRole(ctx.account_id(), role_name);
  if (role.has_value() && role->path == std::string(kServiceRolePath) + service + "/") {
    // Deletion is immediate: a role still present was never submitted for deletion.
    return MakeError(NoSuchEntity("Deletion task " + task_id + " cannot be found."));
  }
  if (!role.has_value() && role.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(role).error());
  }
  Value out = Value::Structure();
  out.Set("Status", Value::String("SUCCEEDED"));
  return out;
}

}  // namespace

// AWS: "Cannot perform the operation on the protected role 'NAME' - this role is only
// modifiable by AWS" for changes a customer may not make to a service-linked role.
Status CheckNotServiceLinked(const store::Role& role) {
  if (role.path.rfind(kServiceRolePath, 0) == 0) {
    return MakeError(UnmodifiableEntity("Cannot perform the operation on the protected role '" +
                                        role.name + "' - this role is only modifiable by AWS"));
  }
  return OkStatus();
}

void RegisterServiceLinkedRoleOperations(HandlerTable& table) {
  table["CreateServiceLinkedRole"] = &CreateServiceLinkedRole;
  table["DeleteServiceLinkedRole"] = &DeleteServiceLinkedRole;
  table["GetServiceLinkedRoleDeletionStatus"] = &GetServiceLinkedRoleDeletionStatus;
}

}  // namespace portcullis::api::iam
