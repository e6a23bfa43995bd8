// AssumeRoleWithLDAPIdentity, a Portcullis extension (docs/directory-federation.md;
// model: portcullis-sts-extensions.json): a directory user's name and password for a
// role session. The password is proved by a simple bind against the configured LDAP /
// Active Directory server; the role's trust policy is then evaluated alone with the
// principal {"Federated": "arn:aws:iam::ACCOUNT:ldap-provider/NAME"} and the condition
// keys ldap:username, ldap:dn, ldap:groups, ldap:group_dns and ldap:directory.
// Unsigned, like AssumeRoleWithSAML (the router sends it here by Action).
#include <string>
#include <utility>
#include <vector>

#include "api/directory/directory.h"
#include "api/iam/common.h"
#include "api/sts/sts_common.h"

namespace portcullis::api::sts {
namespace {

using protocol::Value;

constexpr std::string_view kAction = "sts:AssumeRoleWithLDAPIdentity";

Result<Value> AssumeRoleWithLDAPIdentity(StsContext& ctx, const Value& input) {
  const directory::DirectoryOptions& dir = ctx.options.directory;
  const std::string role_arn(iam::StringMember(input, "RoleArn"));
  const std::string session_name(iam::StringMember(input, "RoleSessionName"));
  const std::string username(iam::StringMember(input, "LDAPUsername"));
  // The password stays in `input`; it is passed by view and never copied into an error.
  const std::string_view password = iam::StringMember(input, "LDAPPassword");

  if (!dir.configured()) {
    return MakeError(ValidationError("No LDAP directory is configured on this server."));
  }
  if (auto name = iam::OptionalStringMember(input, "DirectoryName");
      name.has_value() && *name != dir.name) {
    return MakeError(ValidationError("Unknown directory: " + *name));
  }
  IAM_ASSIGN_OR_RETURN(SessionInputs session_inputs, ReadSessionInputs(input));
  if (!SplitRoleArn(role_arn).has_value()) {
    return MakeError(ValidationError(role_arn + " is invalid"));
  }

  // The password first: who may not prove an identity learns nothing about roles.
  const Error rejected = StsError(ErrorCode::kPermissionDenied, "IDPRejectedClaim",
                                  "The directory rejected the username or password.");
  if (password.empty()) {
    return MakeError(rejected);  // never an (unauthenticated) bind without a password
  }
  const DirectoryAuthenticateFn authenticate =
      ctx.options.authenticate_directory_for_test != nullptr
          ? ctx.options.authenticate_directory_for_test
          : &directory::Authenticate;
  auto identity = authenticate(dir, username, password);
  if (!identity.has_value()) {
    switch (identity.error().code) {
      case ErrorCode::kUnauthenticated:
        return MakeError(rejected);
      case ErrorCode::kInvalidArgument:
        return MakeError(ValidationError(identity.error().message));
      default:
        return MakeError(StsError(ErrorCode::kUnavailable, "IDPCommunicationError",
                                  "The directory could not be asked: " + identity.error().message));
    }
  }

  const std::string denied_message = "Not authorized to perform " + std::string(kAction);
  IAM_ASSIGN_OR_RETURN(store::Role role, LoadRole(ctx, role_arn, AccessDenied(denied_message)));
  IAM_ASSIGN_OR_RETURN(const std::int64_t duration, RoleSessionDuration(input, role, false));

  const std::string provider = "arn:aws:iam::" + role.account_id + ":ldap-provider/" + dir.name;
  std::vector<std::pair<std::string, std::vector<std::string>>> context = {
      {"ldap:directory", {dir.name}},
      {"ldap:username", {username}},
      {"ldap:dn", {identity->dn}},
      {"sts:RoleSessionName", {session_name}},
  };
  if (!identity->groups.empty()) {
    context.emplace_back("ldap:groups", identity->groups);
    context.emplace_back("ldap:group_dns", identity->group_dns);
  }
  IAM_RETURN_IF_ERROR(
      AuthorizeTrustPolicy(ctx, role, provider, kAction, context, AccessDenied(denied_message)));

  RoleSessionSpec spec;
  spec.session_name = session_name;
  spec.source_arn = provider + "/" + username;
  spec.policies = std::move(session_inputs.policies);
  spec.policy_arns = std::move(session_inputs.policy_arns);
  spec.duration_seconds = duration;
  spec.packed_percent = session_inputs.packed_percent;
  Value out = IssueRoleSession(ctx, role, std::move(spec));
  out.Set("SubjectDN", Value::String(identity->dn));
  Value groups = Value::List();
  for (const std::string& g : identity->groups) {
    groups.Append(Value::String(g));
  }
  out.Set("Groups", std::move(groups));
  out.Set("Provider", Value::String(provider));
  return out;
}

}  // namespace

void RegisterDirectoryIdentity(StsHandlerMap& handlers) {
  handlers.emplace("AssumeRoleWithLDAPIdentity", &AssumeRoleWithLDAPIdentity);
}

}  // namespace portcullis::api::sts
