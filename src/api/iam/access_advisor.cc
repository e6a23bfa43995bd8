// Access advisor: GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails,
// GetServiceLastAccessedDetailsWithEntities, ListPoliciesGrantingServiceAccess.
//
// AWS: IAM API reference for each operation and IAM User Guide, "Refining permissions in
// AWS using last accessed information":
//  - a report is about a user, group, role or managed policy (its ARN). Its services are
//    those the entity's permissions policies allow (boundaries, resource policies and
//    conditions are not considered) plus, for users and roles, those they attempted.
//  - the entities whose activity counts: a user or role itself; a group's members; the
//    users and roles a policy is attached to and the members of groups it is attached to.
//    For a group or policy report only services the group or policy allows count.
//  - per service: LastAuthenticated, LastAuthenticatedEntity, LastAuthenticatedRegion and
//    TotalAuthenticatedEntities; at ACTION_LEVEL, TrackedActionsLastAccessed for the
//    services AWS tracks actions of (IAM, EC2, Lambda, S3), listing the actions attempted
//    and those the policies name explicitly.
//  - ListPoliciesGrantingServiceAccess: for a user (its policies and its groups'), group or
//    role, which inline and managed policies allow any action of each namespace.
// The activity comes from authz::AccessTracker (every request the authorizer is asked about
// for a user, allowed or not). Reports are computed at once: the job is COMPLETED when
// GenerateServiceLastAccessedDetails answers, and stored as a kReport resource keyed by its
// job id, in the same write transaction that persists the tracker's activity.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/authz/access_tracker.h"
#include "api/iam/account_reports.h"
#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "api/ids.h"
#include "policy/ast.h"
#include "policy/parse.h"
#include "policy/wildcard.h"

namespace portcullis::api::iam {
namespace {

using store::PrincipalKind;
using store::PrincipalRef;

constexpr std::string_view kJobType = "service-last-accessed";

struct ServiceInfo {
  std::string_view name_space;
  std::string_view name;
};

// AWS's names of the services (as access advisor shows them), by namespace. Wildcards in
// policies expand against this list; a namespace not listed is shown by its namespace.
constexpr auto kServices = std::to_array<ServiceInfo>({
    {"access-analyzer", "IAM Access Analyzer"},
    {"acm", "AWS Certificate Manager"},
    {"apigateway", "Amazon API Gateway"},
    {"athena", "Amazon Athena"},
    {"autoscaling", "Amazon EC2 Auto Scaling"},
    {"cloudformation", "AWS CloudFormation"},
    {"cloudfront", "Amazon CloudFront"},
    {"cloudtrail", "AWS CloudTrail"},
    {"cloudwatch", "Amazon CloudWatch"},
    {"codebuild", "AWS CodeBuild"},
    {"codecommit", "AWS CodeCommit"},
    {"codepipeline", "AWS CodePipeline"},
    {"cognito-identity", "Amazon Cognito Identity"},
    {"cognito-idp", "Amazon Cognito User Pools"},
    {"config", "AWS Config"},
    {"dynamodb", "Amazon DynamoDB"},
    {"ec2", "Amazon EC2"},
    {"ecr", "Amazon Elastic Container Registry"},
    {"ecs", "Amazon Elastic Container Service"},
    {"eks", "Amazon Elastic Kubernetes Service"},
    {"elasticache", "Amazon ElastiCache"},
    {"elasticfilesystem", "Amazon Elastic File System"},
    {"elasticloadbalancing", "Elastic Load Balancing"},
    {"es", "Amazon OpenSearch Service"},
    {"events", "Amazon EventBridge"},
    {"firehose", "Amazon Data Firehose"},
    {"glue", "AWS Glue"},
    {"guardduty", "Amazon GuardDuty"},
    {"iam", "AWS Identity and Access Management"},
    {"kinesis", "Amazon Kinesis Data Streams"},
    {"kms", "AWS Key Management Service"},
    {"lambda", "AWS Lambda"},
    {"logs", "Amazon CloudWatch Logs"},
    {"organizations", "AWS Organizations"},
    {"rds", "Amazon RDS"},
    {"redshift", "Amazon Redshift"},
    {"route53", "Amazon Route 53"},
    {"s3", "Amazon S3"},
    {"secretsmanager", "AWS Secrets Manager"},
    {"ses", "Amazon SES"},
    {"sns", "Amazon SNS"},
    {"sqs", "Amazon SQS"},
    {"ssm", "AWS Systems Manager"},
    {"states", "AWS Step Functions"},
    {"sts", "AWS Security Token Service"},
    {"tag", "Amazon Resource Group Tagging API"},
});

// AWS: "IAM action last accessed information services and actions".
constexpr std::array<std::string_view, 4> kActionTrackedServices = {"ec2", "iam", "lambda", "s3"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::string ServiceName(std::string_view ns) {
  for (const ServiceInfo& s : kServices) {
    if (s.name_space == ns) {
      return std::string(s.name);
    }
  }
  return std::string(ns);
}

bool ActionTracked(std::string_view ns) {
  return std::find(kActionTrackedServices.begin(), kActionTrackedServices.end(), ns) !=
         kActionTrackedServices.end();
}

// "s3:Get*" -> {"s3", "Get*"}; "*" -> {"*", "*"}.
std::pair<std::string, std::string> SplitAction(std::string_view pattern) {
  const std::size_t colon = pattern.find(':');
  if (colon == std::string_view::npos) {
    return {Lower(pattern), std::string(pattern)};
  }
  return {Lower(pattern.substr(0, colon)), std::string(pattern.substr(colon + 1))};
}

// A policy document's allow statements, parsed once.
struct ParsedPolicy {
  std::string name;
  std::string arn;  // managed only
  bool managed = false;
  PrincipalKind owner_kind = PrincipalKind::kUser;  // inline only
  std::string owner_name;                           // inline only
  std::optional<policy::PolicyDocument> document;   // nullopt: does not parse
};

// Whether the statement allows some action of namespace `ns`.
bool StatementAllowsService(const policy::Statement& st, std::string_view ns) {
  if (st.effect != policy::Effect::kAllow) {
    return false;
  }
  if (!st.not_action) {
    return std::any_of(st.actions.begin(), st.actions.end(), [&](const std::string& p) {
      return policy::WildcardMatch(SplitAction(p).first, ns);
    });
  }
  // NotAction allows the service unless it excludes all of it.
  return std::none_of(st.actions.begin(), st.actions.end(), [&](const std::string& p) {
    const auto [service, action] = SplitAction(p);
    return (service == "*" && action == "*") ||
           (policy::WildcardMatch(service, ns) && action == "*");
  });
}

bool PolicyAllowsService(const ParsedPolicy& p, std::string_view ns) {
  if (!p.document.has_value()) {
    return false;
  }
  return std::any_of(p.document->statements.begin(), p.document->statements.end(),
                     [&](const policy::Statement& st) { return StatementAllowsService(st, ns); });
}

// The namespaces the policies allow: literal service prefixes, and those of `candidates`
// that wildcard prefixes (or NotAction) allow.
std::set<std::string> AllowedNamespaces(const std::vector<ParsedPolicy>& policies,
                                        const std::set<std::string>& candidates) {
  std::set<std::string> out;
  for (const ParsedPolicy& p : policies) {
    if (!p.document.has_value()) {
      continue;
    }
    for (const policy::Statement& st : p.document->statements) {
      if (st.effect != policy::Effect::kAllow) {
        continue;
      }
      if (!st.not_action) {
        for (const std::string& pattern : st.actions) {
          const std::string service = SplitAction(pattern).first;
          if (!policy::HasWildcard(service)) {
            out.insert(service);
          }
        }
      }
      for (const std::string& ns : candidates) {
        if (StatementAllowsService(st, ns)) {
          out.insert(ns);
        }
      }
    }
  }
  return out;
}

// Actions of `ns` the policies' Allow statements name without wildcards ("GetUser").
std::set<std::string> NamedActions(const std::vector<ParsedPolicy>& policies, std::string_view ns) {
  std::set<std::string> out;
  for (const ParsedPolicy& p : policies) {
    if (!p.document.has_value()) {
      continue;
    }
    for (const policy::Statement& st : p.document->statements) {
      if (st.effect != policy::Effect::kAllow || st.not_action) {
        continue;
      }
      for (const std::string& pattern : st.actions) {
        const auto [service, action] = SplitAction(pattern);
        if (service == ns && !policy::HasWildcard(action)) {
          out.insert(action);
        }
      }
    }
  }
  return out;
}

std::optional<policy::PolicyDocument> Parse(const std::string& document) {
  auto parsed = policy::ParsePolicy(
      document, policy::ParseOptions{policy::PolicyKind::kIdentity, false, false});
  if (!parsed.has_value()) {
    return std::nullopt;
  }
  return std::move(*parsed);
}

template <class T, class List>
Result<std::vector<T>> ReadAll(List&& list) {
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  std::vector<T> out;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(store::Page<T> page, list(options));
    for (auto& item : page.items) {
      out.push_back(std::move(item));
    }
    if (!page.is_truncated) {
      return out;
    }
    options.marker = page.next_marker;
  }
}

Result<ParsedPolicy> ManagedPolicy(store::ReadTxn& txn, const store::ManagedPolicy& policy) {
  ParsedPolicy p;
  p.name = policy.name;
  p.arn = policy.arn;
  p.managed = true;
  auto version = txn.GetPolicyVersion(policy.arn, policy.default_version_id);
  if (version.has_value()) {
    p.document = Parse(version->document);
  } else if (version.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(version).error());
  }
  return p;
}

// The inline and attached policies of one principal.
Status AddPoliciesOf(store::ReadTxn& txn, const PrincipalRef& ref, std::vector<ParsedPolicy>& out) {
  IAM_ASSIGN_OR_RETURN(auto inline_policies,
                       ReadAll<store::InlinePolicy>([&](const store::ListOptions& o) {
                         return txn.ListInlinePolicies(ref, o);
                       }));
  for (const store::InlinePolicy& ip : inline_policies) {
    ParsedPolicy p;
    p.name = ip.name;
    p.owner_kind = ref.kind;
    p.owner_name = ref.name;
    p.document = Parse(ip.document);
    out.push_back(std::move(p));
  }
  IAM_ASSIGN_OR_RETURN(auto attached,
                       ReadAll<store::ManagedPolicy>([&](const store::ListOptions& o) {
                         return txn.ListAttachedPolicies(ref, o);
                       }));
  for (const store::ManagedPolicy& mp : attached) {
    IAM_ASSIGN_OR_RETURN(ParsedPolicy p, ManagedPolicy(txn, mp));
    out.push_back(std::move(p));
  }
  return OkStatus();
}

// What a report is about.
enum class EntityKind : std::uint8_t { kUser, kGroup, kRole, kPolicy };

struct Target {
  EntityKind kind = EntityKind::kUser;
  std::string arn;
  std::string name;  // user, group or role name; the policy ARN for policies
};

// One user or role whose activity counts.
struct Entity {
  std::string arn;
  std::string name;
  std::string type;  // "USER" | "ROLE"
  std::string id;
  std::string path;
  std::string key;  // the tracker's principal key
};

Entity UserEntity(const store::User& u) {
  return {u.arn, u.name, "USER", u.id, u.path, "user/" + store::NameKey(u.name)};
}

Entity RoleEntity(const store::Role& r) {
  return {r.arn, r.name, "ROLE", r.id, r.path, "role/" + store::NameKey(r.name)};
}

// "USER" | "GROUP" | "ROLE".
std::string EntityTypeName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kUser:
      return "USER";
    case PrincipalKind::kGroup:
      return "GROUP";
    case PrincipalKind::kRole:
      return "ROLE";
  }
  return "USER";
}

Error InvalidArn(std::string_view arn) {
  return InvalidInput("ARN " + std::string(arn) + " is not valid.");
}

// Parses arn:aws:iam::ACCOUNT:TYPE/PATH/NAME of the caller's account (or an AWS managed
// policy's arn:aws:iam::aws:policy/...).
Result<Target> ParseTarget(const OperationContext& ctx, std::string_view arn) {
  const std::string prefix = "arn:aws:iam::";
  if (!arn.starts_with(prefix)) {
    return MakeError(InvalidArn(arn));
  }
  const std::string_view rest = arn.substr(prefix.size());
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos) {
    return MakeError(InvalidArn(arn));
  }
  const std::string_view account = rest.substr(0, colon);
  const std::string_view resource = rest.substr(colon + 1);
  const std::size_t slash = resource.find('/');
  if (slash == std::string_view::npos || resource.back() == '/') {
    return MakeError(InvalidArn(arn));
  }
  const std::string_view type = resource.substr(0, slash);
  Target t;
  t.arn = std::string(arn);
  t.name = std::string(resource.substr(resource.rfind('/') + 1));
  if (type == "policy" && (account == "aws" || account == ctx.account_id())) {
    t.kind = EntityKind::kPolicy;
    t.name = t.arn;
    return t;
  }
  if (account != ctx.account_id()) {
    return MakeError(InvalidArn(arn));
  }
  if (type == "user") {
    t.kind = EntityKind::kUser;
  } else if (type == "group") {
    t.kind = EntityKind::kGroup;
  } else if (type == "role") {
    t.kind = EntityKind::kRole;
  } else {
    return MakeError(InvalidArn(arn));
  }
  return t;
}

// The members of a group.
Result<std::vector<Entity>> Members(store::ReadTxn& txn, std::string_view account_id,
                                    std::string_view group) {
  IAM_ASSIGN_OR_RETURN(auto users, ReadAll<store::User>([&](const store::ListOptions& o) {
                         return txn.ListGroupMembers(account_id, group, o);
                       }));
  std::vector<Entity> out;
  for (const store::User& u : users) {
    out.push_back(UserEntity(u));
  }
  return out;
}

// A report's policies and the entities whose activity counts.
struct Scope {
  std::vector<ParsedPolicy> policies;
  std::vector<Entity> entities;
};

Result<Scope> UserScope(store::ReadTxn& txn, const std::string& account, const Target& t) {
  Scope s;
  auto user = txn.GetUser(account, t.name);
  if (!user.has_value()) {
    return MakeError(UserError(std::move(user).error(), t.name));
  }
  IAM_RETURN_IF_ERROR(
      AddPoliciesOf(txn, PrincipalRef{PrincipalKind::kUser, account, user->name}, s.policies));
  IAM_ASSIGN_OR_RETURN(auto groups, ReadAll<store::Group>([&](const store::ListOptions& o) {
                         return txn.ListGroupsForUser(account, user->name, o);
                       }));
  for (const store::Group& g : groups) {
    IAM_RETURN_IF_ERROR(
        AddPoliciesOf(txn, PrincipalRef{PrincipalKind::kGroup, account, g.name}, s.policies));
  }
  s.entities.push_back(UserEntity(*user));
  return s;
}

Result<Scope> GroupScope(store::ReadTxn& txn, const std::string& account, const Target& t) {
  Scope s;
  auto group = txn.GetGroup(account, t.name);
  if (!group.has_value()) {
    if (group.error().code == ErrorCode::kNotFound) {
      return MakeError(GroupNotFound(t.name));
    }
    return MakeError(std::move(group).error());
  }
  IAM_RETURN_IF_ERROR(
      AddPoliciesOf(txn, PrincipalRef{PrincipalKind::kGroup, account, group->name}, s.policies));
  IAM_ASSIGN_OR_RETURN(s.entities, Members(txn, account, group->name));
  return s;
}

Result<Scope> RoleScope(store::ReadTxn& txn, const std::string& account, const Target& t) {
  Scope s;
  auto role = txn.GetRole(account, t.name);
  if (!role.has_value()) {
    return MakeError(RoleError(std::move(role).error(), t.name));
  }
  IAM_RETURN_IF_ERROR(
      AddPoliciesOf(txn, PrincipalRef{PrincipalKind::kRole, account, role->name}, s.policies));
  s.entities.push_back(RoleEntity(*role));
  return s;
}

// The users and roles of `account` one policy entity stands for (a group: its members).
// ListPolicyEntities covers every account: entities are matched to this one's by id.
Result<std::vector<Entity>> EntitiesOf(store::ReadTxn& txn, const std::string& account,
                                       const store::PolicyEntity& pe) {
  std::vector<Entity> out;
  if (pe.kind == PrincipalKind::kUser) {
    auto user = txn.GetUser(account, pe.name);
    if (user.has_value() && user->id == pe.id) {
      out.push_back(UserEntity(*user));
    }
  } else if (pe.kind == PrincipalKind::kRole) {
    auto role = txn.GetRole(account, pe.name);
    if (role.has_value() && role->id == pe.id) {
      out.push_back(RoleEntity(*role));
    }
  } else {
    auto group = txn.GetGroup(account, pe.name);
    if (group.has_value() && group->id == pe.id) {
      return Members(txn, account, group->name);
    }
  }
  return out;
}

Result<Scope> PolicyScope(store::ReadTxn& txn, const std::string& account, const Target& t) {
  Scope s;
  auto policy = txn.GetManagedPolicy(t.arn);
  if (!policy.has_value()) {
    if (policy.error().code == ErrorCode::kNotFound) {
      return MakeError(NoSuchEntity("Policy " + t.arn + " does not exist or is not attachable."));
    }
    return MakeError(std::move(policy).error());
  }
  IAM_ASSIGN_OR_RETURN(ParsedPolicy parsed, ManagedPolicy(txn, *policy));
  s.policies.push_back(std::move(parsed));
  IAM_ASSIGN_OR_RETURN(auto attached, txn.ListPolicyEntities(t.arn));
  std::set<std::string> seen;
  for (const store::PolicyEntity& pe : attached) {
    IAM_ASSIGN_OR_RETURN(std::vector<Entity> entities, EntitiesOf(txn, account, pe));
    for (Entity& e : entities) {
      if (seen.insert(e.arn).second) {
        s.entities.push_back(std::move(e));
      }
    }
  }
  return s;
}

// The target's policies (a user's include its groups') and the entities whose activity
// counts. NoSuchEntity when the target does not exist.
Result<Scope> ScopeOf(store::ReadTxn& txn, std::string_view account_id, const Target& t) {
  const std::string account(account_id);
  switch (t.kind) {
    case EntityKind::kUser:
      return UserScope(txn, account, t);
    case EntityKind::kGroup:
      return GroupScope(txn, account, t);
    case EntityKind::kRole:
      return RoleScope(txn, account, t);
    case EntityKind::kPolicy:
      return PolicyScope(txn, account, t);
  }
  return Scope{};
}

store::Timestamp Millis(std::int64_t ms) {
  return store::Timestamp(std::chrono::milliseconds(ms));
}

// The namespaces the scope's entities attempted.
std::set<std::string> AccessedNamespaces(const Scope& scope,
                                         const authz::AccountActivity& activity) {
  std::set<std::string> accessed;
  for (const Entity& e : scope.entities) {
    auto it = activity.find(e.key);
    if (it == activity.end()) {
      continue;
    }
    for (const auto& [action, last] : it->second) {
      accessed.insert(SplitAction(action).first);
    }
  }
  return accessed;
}

// The latest attempt of one action: time, entity ARN, region.
struct ActionAccess {
  std::int64_t time_ms = 0;
  std::string entity;
  std::string region;
};

// One service's report entry; records each entity's last attempt of the service in
// `entity_access` (entity ARN -> namespace -> epoch ms).
nlohmann::json ServiceEntry(const std::string& ns, const Scope& scope,
                            const authz::AccountActivity& activity, bool action_level,
                            std::map<std::string, nlohmann::json>& entity_access) {
  ActionAccess best;
  int total = 0;
  std::map<std::string, ActionAccess> actions;  // by action name
  for (const Entity& e : scope.entities) {
    auto it = activity.find(e.key);
    if (it == activity.end()) {
      continue;
    }
    std::int64_t entity_last = 0;
    for (const auto& [action, last] : it->second) {
      const auto [service, name] = SplitAction(action);
      if (service != ns) {
        continue;
      }
      entity_last = std::max(entity_last, last.time_ms);
      const ActionAccess access{last.time_ms, e.arn, last.region};
      if (last.time_ms > best.time_ms) {
        best = access;
      }
      if (last.time_ms > actions[name].time_ms) {
        actions[name] = access;
      }
    }
    if (entity_last > 0) {
      ++total;
      entity_access[e.arn][ns] = entity_last;
    }
  }
  nlohmann::json svc = {{"ServiceNamespace", ns}, {"ServiceName", ServiceName(ns)}};
  if (best.time_ms > 0) {
    svc["LastAuthenticated"] = best.time_ms;
    svc["LastAuthenticatedEntity"] = best.entity;
    if (!best.region.empty()) {
      svc["LastAuthenticatedRegion"] = best.region;
    }
  }
  svc["TotalAuthenticatedEntities"] = total;
  if (!action_level || !ActionTracked(ns)) {
    return svc;
  }
  for (const std::string& named : NamedActions(scope.policies, ns)) {
    actions.try_emplace(named);
  }
  nlohmann::json tracked = nlohmann::json::array();
  for (const auto& [name, a] : actions) {
    nlohmann::json t = {{"ActionName", name}};
    if (a.time_ms > 0) {
      t["LastAccessedTime"] = a.time_ms;
      t["LastAccessedEntity"] = a.entity;
      if (!a.region.empty()) {
        t["LastAccessedRegion"] = a.region;
      }
    }
    tracked.push_back(std::move(t));
  }
  svc["TrackedActionsLastAccessed"] = std::move(tracked);
  return svc;
}

// Builds the job's body: the services and, per entity, its last attempt per namespace.
nlohmann::json BuildReport(const Target& target, const Scope& scope,
                           const authz::AccountActivity& activity, bool action_level) {
  const std::set<std::string> accessed = AccessedNamespaces(scope, activity);
  std::set<std::string> candidates = accessed;
  for (const ServiceInfo& s : kServices) {
    candidates.emplace(s.name_space);
  }
  std::set<std::string> services = AllowedNamespaces(scope.policies, candidates);
  if (target.kind == EntityKind::kUser || target.kind == EntityKind::kRole) {
    services.insert(accessed.begin(), accessed.end());
  }
  nlohmann::json list = nlohmann::json::array();
  std::map<std::string, nlohmann::json> entity_access;
  for (const std::string& ns : services) {
    list.push_back(ServiceEntry(ns, scope, activity, action_level, entity_access));
  }
  nlohmann::json entities = nlohmann::json::array();
  for (const Entity& e : scope.entities) {
    nlohmann::json j = {
        {"Arn", e.arn}, {"Name", e.name}, {"Type", e.type}, {"Id", e.id}, {"Path", e.path}};
    auto it = entity_access.find(e.arn);
    j["Access"] = it == entity_access.end() ? nlohmann::json::object() : it->second;
    entities.push_back(std::move(j));
  }
  return {{"Type", kJobType},
          {"Arn", target.arn},
          {"JobType", action_level ? "ACTION_LEVEL" : "SERVICE_LEVEL"},
          {"Services", std::move(list)},
          {"Entities", std::move(entities)}};
}

Result<Value> GenerateServiceLastAccessedDetails(OperationContext& ctx, const Value& input) {
  const std::string arn(StringMember(input, "Arn"));
  const std::string granularity(StringMember(input, "Granularity", "SERVICE_LEVEL"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GenerateServiceLastAccessedDetails", arn));
  IAM_ASSIGN_OR_RETURN(const Target target, ParseTarget(ctx, arn));
  const std::string job_id = NewRequestId();
  authz::AccessTracker& tracker = ctx.authorizer.access_tracker();
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<Value> {
    IAM_ASSIGN_OR_RETURN(Scope scope, ScopeOf(txn, ctx.account_id(), target));
    IAM_RETURN_IF_ERROR(tracker.Persist(txn, ctx.account_id()));
    IAM_ASSIGN_OR_RETURN(authz::AccountActivity activity, tracker.Activity(txn, ctx.account_id()));
    nlohmann::json body = BuildReport(target, scope, activity, granularity == "ACTION_LEVEL");
    store::Resource job;
    job.kind = store::ResourceKind::kReport;
    job.account_id = ctx.account_id();
    job.key = job_id;
    job.body = body.dump();
    IAM_RETURN_IF_ERROR(txn.PutResource(std::move(job)));
    return Value::Structure();
  });
  IAM_RETURN_IF_ERROR(std::move(done));
  Value out = Value::Structure();
  out.Set("JobId", Value::String(job_id));
  return out;
}

struct Job {
  store::Resource resource;
  nlohmann::json body;
};

Result<Job> LoadJob(OperationContext& ctx, std::string_view job_id) {
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto stored = txn->GetResource(store::ResourceKind::kReport, ctx.account_id(), job_id);
  if (!stored.has_value()) {
    if (stored.error().code == ErrorCode::kNotFound) {
      return MakeError(
          NoSuchEntity("The job with id " + std::string(job_id) + " cannot be found."));
    }
    return MakeError(std::move(stored).error());
  }
  Job job;
  job.body = nlohmann::json::parse(stored->body, nullptr, /*allow_exceptions=*/false);
  if (!job.body.is_object() || job.body.value("Type", "") != kJobType) {
    return MakeError(NoSuchEntity("The job with id " + std::string(job_id) + " cannot be found."));
  }
  job.resource = std::move(*stored);
  return job;
}

// Marker: the index of the next item, as text.
Result<std::size_t> StartIndex(const Value& input) {
  const std::string marker(StringMember(input, "Marker"));
  if (marker.empty()) {
    return 0;
  }
  std::size_t index = 0;
  for (const char c : marker) {
    if (c < '0' || c > '9' || index > 1000000) {
      return MakeError(InvalidInput("Invalid Marker."));
    }
    index = index * 10 + static_cast<std::size_t>(c - '0');
  }
  return index;
}

void SetJobFields(const Job& job, Value& out) {
  out.Set("JobStatus", Value::String("COMPLETED"));
  out.Set("JobCreationDate", TimestampValue(job.resource.created));
  out.Set("JobCompletionDate", TimestampValue(job.resource.created));
}

// Pages `items` from `start`: calls `emit` for each listed one; sets IsTruncated/Marker.
template <class Emit>
void Page(const nlohmann::json& items, std::size_t start, const Value& input, Value& out,
          Emit&& emit) {
  const std::size_t max_items =
      static_cast<std::size_t>(IntegerMember(input, "MaxItems").value_or(store::kDefaultMaxItems));
  std::size_t i = start;
  for (; i < items.size() && i - start < max_items; ++i) {
    emit(items[i]);
  }
  const bool truncated = i < items.size();
  out.Set("IsTruncated", Value::Boolean(truncated));
  if (truncated) {
    out.Set("Marker", Value::String(std::to_string(i)));
  }
}

Result<Value> GetServiceLastAccessedDetails(OperationContext& ctx, const Value& input) {
  const std::string job_id(StringMember(input, "JobId"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetServiceLastAccessedDetails", "*"));
  IAM_ASSIGN_OR_RETURN(const std::size_t start, StartIndex(input));
  IAM_ASSIGN_OR_RETURN(Job job, LoadJob(ctx, job_id));
  Value out = Value::Structure();
  SetJobFields(job, out);
  out.Set("JobType", Value::String(job.body.value("JobType", "SERVICE_LEVEL")));
  Value& list = out.Set("ServicesLastAccessed", Value::List());
  const nlohmann::json services = job.body.value("Services", nlohmann::json::array());
  Page(services, start, input, out, [&](const nlohmann::json& s) {
    Value& v = list.Append(Value::Structure());
    v.Set("ServiceName", Value::String(s.value("ServiceName", "")));
    if (s.contains("LastAuthenticated")) {
      v.Set("LastAuthenticated", TimestampValue(Millis(s.value("LastAuthenticated", 0LL))));
    }
    v.Set("ServiceNamespace", Value::String(s.value("ServiceNamespace", "")));
    if (s.contains("LastAuthenticatedEntity")) {
      v.Set("LastAuthenticatedEntity", Value::String(s.value("LastAuthenticatedEntity", "")));
    }
    if (s.contains("LastAuthenticatedRegion")) {
      v.Set("LastAuthenticatedRegion", Value::String(s.value("LastAuthenticatedRegion", "")));
    }
    v.Set("TotalAuthenticatedEntities", Value::Integer(s.value("TotalAuthenticatedEntities", 0)));
    if (auto tracked = s.find("TrackedActionsLastAccessed"); tracked != s.end()) {
      Value& actions = v.Set("TrackedActionsLastAccessed", Value::List());
      for (const nlohmann::json& a : *tracked) {
        Value& av = actions.Append(Value::Structure());
        av.Set("ActionName", Value::String(a.value("ActionName", "")));
        if (a.contains("LastAccessedEntity")) {
          av.Set("LastAccessedEntity", Value::String(a.value("LastAccessedEntity", "")));
        }
        if (a.contains("LastAccessedTime")) {
          av.Set("LastAccessedTime", TimestampValue(Millis(a.value("LastAccessedTime", 0LL))));
        }
        if (a.contains("LastAccessedRegion")) {
          av.Set("LastAccessedRegion", Value::String(a.value("LastAccessedRegion", "")));
        }
      }
    }
  });
  // IsTruncated and Marker follow ServicesLastAccessed in the model; the encoder orders
  // members by the model.
  return out;
}

Result<Value> GetServiceLastAccessedDetailsWithEntities(OperationContext& ctx, const Value& input) {
  const std::string job_id(StringMember(input, "JobId"));
  const std::string ns(StringMember(input, "ServiceNamespace"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetServiceLastAccessedDetailsWithEntities", "*"));
  IAM_ASSIGN_OR_RETURN(const std::size_t start, StartIndex(input));
  IAM_ASSIGN_OR_RETURN(Job job, LoadJob(ctx, job_id));
  Value out = Value::Structure();
  SetJobFields(job, out);
  Value& list = out.Set("EntityDetailsList", Value::List());
  const nlohmann::json entities = job.body.value("Entities", nlohmann::json::array());
  Page(entities, start, input, out, [&](const nlohmann::json& e) {
    Value& v = list.Append(Value::Structure());
    Value& info = v.Set("EntityInfo", Value::Structure());
    info.Set("Arn", Value::String(e.value("Arn", "")));
    info.Set("Name", Value::String(e.value("Name", "")));
    info.Set("Type", Value::String(e.value("Type", "")));
    info.Set("Id", Value::String(e.value("Id", "")));
    info.Set("Path", Value::String(e.value("Path", "/")));
    const nlohmann::json access = e.value("Access", nlohmann::json::object());
    if (auto it = access.find(ns); it != access.end() && it->is_number_integer()) {
      v.Set("LastAuthenticated", TimestampValue(Millis(it->get<std::int64_t>())));
    }
  });
  return out;
}

Result<Value> ListPoliciesGrantingServiceAccess(OperationContext& ctx, const Value& input) {
  const std::string arn(StringMember(input, "Arn"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListPoliciesGrantingServiceAccess", arn));
  IAM_ASSIGN_OR_RETURN(const Target target, ParseTarget(ctx, arn));
  if (target.kind == EntityKind::kPolicy) {
    return MakeError(InvalidArn(arn));
  }
  std::vector<std::string> namespaces;
  if (const Value* list = input.Find("ServiceNamespaces")) {
    for (const Value& item : list->children()) {
      namespaces.push_back(item.text());
    }
  }
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(Scope scope, ScopeOf(*txn, ctx.account_id(), target));
  Value out = Value::Structure();
  Value& entries = out.Set("PoliciesGrantingServiceAccess", Value::List());
  for (const std::string& ns : namespaces) {
    Value& entry = entries.Append(Value::Structure());
    entry.Set("ServiceNamespace", Value::String(ns));
    Value& policies = entry.Set("Policies", Value::List());
    for (const ParsedPolicy& p : scope.policies) {
      if (!PolicyAllowsService(p, Lower(ns))) {
        continue;
      }
      Value& v = policies.Append(Value::Structure());
      v.Set("PolicyName", Value::String(p.name));
      v.Set("PolicyType", Value::String(p.managed ? "MANAGED" : "INLINE"));
      if (p.managed) {
        v.Set("PolicyArn", Value::String(p.arn));
      } else {
        v.Set("EntityType", Value::String(EntityTypeName(p.owner_kind)));
        v.Set("EntityName", Value::String(p.owner_name));
      }
    }
  }
  out.Set("IsTruncated", Value::Boolean(false));
  return out;
}

}  // namespace

void RegisterAccessAdvisorOperations(HandlerTable& table) {
  table["GenerateServiceLastAccessedDetails"] = &GenerateServiceLastAccessedDetails;
  table["GetServiceLastAccessedDetails"] = &GetServiceLastAccessedDetails;
  table["GetServiceLastAccessedDetailsWithEntities"] = &GetServiceLastAccessedDetailsWithEntities;
  table["ListPoliciesGrantingServiceAccess"] = &ListPoliciesGrantingServiceAccess;
}

}  // namespace portcullis::api::iam
