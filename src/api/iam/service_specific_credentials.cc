// Service-specific credentials: CreateServiceSpecificCredential,
// ResetServiceSpecificCredential, UpdateServiceSpecificCredential,
// DeleteServiceSpecificCredential, ListServiceSpecificCredentials.
//
// A credential is a store::Resource of kind kServiceSpecificCredential keyed by its id
// (ACCA + 17 characters of [A-Z2-7]) with user_name the owner, so that it blocks
// DeleteUser. Its body is JSON {"service", "service_user_name", "alias", "status",
// "secret_hash", "expires_ms"}. The generated password (CodeCommit, Keyspaces) or API-key
// secret (Bedrock, CloudWatch Logs) is returned by Create and Reset only and stored only
// as an argon2id hash (crypto/password_hash.h), enough for the service to verify it.
//
// AWS: IAM API reference for each operation ("You can have a maximum of two sets of
// service-specific credentials for each supported service per user. You can create
// service-specific credentials for Amazon Bedrock, Amazon CloudWatch Logs, CodeCommit and
// Amazon Keyspaces"); IAM User Guide, "Service-specific credentials for IAM users".
// ServiceUserName is USER-at-ACCOUNT, USER+1-at-ACCOUNT for a user's second set for a
// service (CodeCommit and Keyspaces); Bedrock and CloudWatch Logs API keys carry a
// ServiceCredentialAlias of the same form and a ServiceCredentialSecret instead, and may
// expire after CredentialAgeDays. UserName is optional where the model makes it so: the
// caller's own credentials.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/credential_owner.h"
#include "api/iam/operation_context.h"
#include "api/iam/resource_family.h"
#include "api/ids.h"
#include "common/base64.h"
#include "crypto/password_hash.h"
#include "crypto/secret_box.h"

namespace portcullis::api::iam {
namespace {

constexpr std::string_view kCredentialIdPrefix = "ACCA";
constexpr std::size_t kCredentialsPerUserPerService = 2;

struct Service {
  std::string_view name;
  bool api_key;                   // Bedrock / CloudWatch Logs: alias + secret, may expire
  std::string_view token_prefix;  // of an API key's secret
};

constexpr std::array<Service, 4> kServices = {{
    {"codecommit.amazonaws.com", false, ""},
    {"cassandra.amazonaws.com", false, ""},
    {"bedrock.amazonaws.com", true, "ABSK"},
    {"logs.amazonaws.com", true, "ACWL"},
}};

const Service* FindService(std::string_view name) {
  for (const Service& s : kServices) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

Error NotSupportedService(std::string_view name) {
  return AwsCodeError(
      ErrorCode::kNotFound, "NotSupportedService",
      "No such service " + std::string(name) + " is supported for Service Specific Credentials");
}

Error CredentialNotFound(std::string_view id) {
  return NoSuchEntity("The Service Specific Credential with id " + std::string(id) +
                      " cannot be found.");
}

struct Credential {
  std::string service;
  std::string service_user_name;  // CodeCommit, Keyspaces
  std::string alias;              // Bedrock, CloudWatch Logs
  std::string status = "Active";  // Active | Inactive (Expired is computed)
  std::string secret_hash;
  std::optional<std::int64_t> expires_ms;
};

std::string ToBody(const Credential& c) {
  nlohmann::json body = {{"service", c.service},
                         {"service_user_name", c.service_user_name},
                         {"alias", c.alias},
                         {"status", c.status},
                         {"secret_hash", c.secret_hash}};
  if (c.expires_ms.has_value()) {
    body["expires_ms"] = *c.expires_ms;
  }
  return body.dump();
}

Result<Credential> FromBody(const store::Resource& resource) {
  const nlohmann::json body = nlohmann::json::parse(resource.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return MakeError(ErrorCode::kInternal, "stored service-specific credential is not JSON");
  }
  // json::value throws on a member of another type: the stored body is this file's own,
  // but the request path never throws.
  try {
    Credential c;
    c.service = body.value("service", "");
    c.service_user_name = body.value("service_user_name", "");
    c.alias = body.value("alias", "");
    c.status = body.value("status", "Active");
    c.secret_hash = body.value("secret_hash", "");
    if (body.contains("expires_ms") && body["expires_ms"].is_number_integer()) {
      c.expires_ms = body["expires_ms"].get<std::int64_t>();
    }
    return c;
  } catch (const nlohmann::json::exception&) {
    return MakeError(ErrorCode::kInternal,
                     "stored service-specific credential has members of wrong types");
  }
}

store::Timestamp NowOf(const OperationContext& ctx) {
  return std::chrono::floor<std::chrono::milliseconds>(ctx.clock.Now());
}

// The model's ServiceSpecificCredentialMetadata (or, with `secret`, the
// ServiceSpecificCredential Create and Reset answer).
Value CredentialValue(const OperationContext& ctx, const store::Resource& r, const Credential& c,
                      const std::string* secret) {
  Value v = Value::Structure();
  v.Set("UserName", Value::String(r.user_name));
  std::string status = c.status;
  if (c.expires_ms.has_value() && NowOf(ctx).time_since_epoch().count() >= *c.expires_ms) {
    status = "Expired";
  }
  v.Set("Status", Value::String(status));
  if (!c.service_user_name.empty()) {
    v.Set("ServiceUserName", Value::String(c.service_user_name));
  }
  if (!c.alias.empty()) {
    v.Set("ServiceCredentialAlias", Value::String(c.alias));
  }
  v.Set("CreateDate", TimestampValue(r.created));
  if (c.expires_ms.has_value()) {
    v.Set("ExpirationDate",
          TimestampValue(store::Timestamp(std::chrono::milliseconds(*c.expires_ms))));
  }
  v.Set("ServiceSpecificCredentialId", Value::String(r.key));
  v.Set("ServiceName", Value::String(c.service));
  if (secret != nullptr) {
    v.Set(c.alias.empty() ? "ServicePassword" : "ServiceCredentialSecret", Value::String(*secret));
  }
  return v;
}

std::string RandomBase64(std::size_t bytes) {
  std::string raw(bytes, '\0');
  crypto::RandomBytes(reinterpret_cast<std::uint8_t*>(raw.data()), raw.size());
  return EncodeBase64(raw);
}

// A new secret for `c`: a 44-character password, or for an API key the service's prefix
// ("ABSK" for Bedrock) and the base64 of "ALIAS:RANDOM", the shape of Bedrock's long-term
// API keys.
std::string NewSecret(const Credential& c) {
  if (c.alias.empty()) {
    return RandomBase64(33);
  }
  const Service* service = FindService(c.service);
  const std::string_view prefix = service == nullptr ? std::string_view() : service->token_prefix;
  return std::string(prefix) + EncodeBase64(c.alias + ":" + RandomBase64(30));
}

// The user's credentials for `service_name`.
Result<std::vector<Credential>> CredentialsFor(store::ReadTxn& txn, std::string_view account_id,
                                               const std::string& user_name,
                                               std::string_view service_name) {
  store::ResourceFilter filter;
  filter.user_name = user_name;
  IAM_ASSIGN_OR_RETURN(
      const std::vector<store::Resource> all,
      ListAllResources(txn, store::ResourceKind::kServiceSpecificCredential, account_id, filter));
  std::vector<Credential> out;
  for (const store::Resource& r : all) {
    IAM_ASSIGN_OR_RETURN(Credential c, FromBody(r));
    if (c.service == service_name) {
      out.push_back(std::move(c));
    }
  }
  return out;
}

// The name the next credential of `existing`'s service gets: USER-at-ACCOUNT, then
// USER+1-at-ACCOUNT while the first is taken (AWS names CodeCommit's second set of Git
// credentials so). LimitExceeded when the user already has the quota.
Result<std::string> NextServiceUserName(const std::vector<Credential>& existing,
                                        std::string_view user_name, std::string_view account_id) {
  if (existing.size() >= kCredentialsPerUserPerService) {
    return MakeError(QuotaExceeded("ServiceSpecificCredentialsPerUserPerService",
                                   kCredentialsPerUserPerService));
  }
  for (std::size_t slot = 0;; ++slot) {
    std::string name(user_name);
    if (slot > 0) {
      name += "+" + std::to_string(slot);
    }
    name += "-at-";
    name += account_id;
    const bool taken = std::any_of(existing.begin(), existing.end(), [&](const Credential& c) {
      return c.service_user_name == name || c.alias == name;
    });
    if (!taken) {
      return name;
    }
  }
}

// Credential `id` when it belongs to `owner`; NoSuchEntity otherwise.
Result<store::Resource> OwnedCredential(store::ReadTxn& txn, std::string_view account_id,
                                        const CredentialOwner& owner, std::string_view id) {
  return OwnedResource(txn, store::ResourceKind::kServiceSpecificCredential, account_id, owner, id,
                       RootOwner::kNever, CredentialNotFound(id));
}

Result<Value> CreateServiceSpecificCredential(OperationContext& ctx, const Value& input) {
  const std::string service_name(StringMember(input, "ServiceName"));
  const std::optional<std::int64_t> age_days = IntegerMember(input, "CredentialAgeDays");
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:CreateServiceSpecificCredential", owner));
  const Service* service = FindService(service_name);
  if (service == nullptr) {
    return MakeError(NotSupportedService(service_name));
  }
  if (age_days.has_value() && !service->api_key) {
    return MakeError(
        InvalidInput("CredentialAgeDays is only valid for Bedrock and CloudWatch Logs API keys."));
  }
  // The name is chosen (and the secret, which may embed it, hashed) outside the write
  // transaction; the transaction checks that it is still free.
  std::string name;
  {
    IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
    IAM_ASSIGN_OR_RETURN(const std::vector<Credential> existing,
                         CredentialsFor(*txn, ctx.account_id(), owner.user_name, service_name));
    IAM_ASSIGN_OR_RETURN(name, NextServiceUserName(existing, owner.user_name, ctx.account_id()));
  }
  Credential c;
  c.service = service_name;
  (service->api_key ? c.alias : c.service_user_name) = name;
  if (age_days.has_value()) {
    c.expires_ms = (NowOf(ctx) + std::chrono::days(*age_days)).time_since_epoch().count();
  }
  const std::string secret = NewSecret(c);
  IAM_ASSIGN_OR_RETURN(c.secret_hash, crypto::HashPassword(secret));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::Resource> {
    IAM_ASSIGN_OR_RETURN(const std::vector<Credential> existing,
                         CredentialsFor(txn, ctx.account_id(), owner.user_name, service_name));
    IAM_ASSIGN_OR_RETURN(const std::string next,
                         NextServiceUserName(existing, owner.user_name, ctx.account_id()));
    if (next != name) {
      return MakeError(AwsCodeError(
          ErrorCode::kAborted, "ConcurrentModification",
          "The credentials of user " + owner.user_name + " changed during the request; retry it."));
    }
    store::Resource resource;
    resource.kind = store::ResourceKind::kServiceSpecificCredential;
    resource.account_id = ctx.account_id();
    resource.key = NewUniqueId(kCredentialIdPrefix);
    resource.user_name = owner.user_name;
    resource.body = ToBody(c);
    auto put = txn.PutResource(std::move(resource));
    if (!put.has_value()) {
      return MakeError(CredentialOwnerError(std::move(put).error(), owner.user_name));
    }
    return put;
  });
  IAM_ASSIGN_OR_RETURN(const store::Resource created, std::move(done));
  Value out = Value::Structure();
  out.Set("ServiceSpecificCredential", CredentialValue(ctx, created, c, &secret));
  return out;
}

// Reads credential `id` of `owner`, lets `change` edit it, writes it back and returns it.
template <class Change>
Result<std::pair<store::Resource, Credential>> UpdateCredential(OperationContext& ctx,
                                                                const CredentialOwner& owner,
                                                                const std::string& id,
                                                                Change&& change) {
  return WithWriteTxn(
      ctx.store, [&](store::WriteTxn& txn) -> Result<std::pair<store::Resource, Credential>> {
        IAM_ASSIGN_OR_RETURN(store::Resource r, OwnedCredential(txn, ctx.account_id(), owner, id));
        IAM_ASSIGN_OR_RETURN(Credential c, FromBody(r));
        IAM_RETURN_IF_ERROR(change(c));
        r.body = ToBody(c);
        IAM_ASSIGN_OR_RETURN(store::Resource updated, txn.UpdateResource(std::move(r)));
        return std::make_pair(std::move(updated), std::move(c));
      });
}

Result<Value> ResetServiceSpecificCredential(OperationContext& ctx, const Value& input) {
  const std::string id(StringMember(input, "ServiceSpecificCredentialId"));
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:ResetServiceSpecificCredential", owner));
  std::string secret;
  IAM_ASSIGN_OR_RETURN(auto updated, UpdateCredential(ctx, owner, id, [&](Credential& c) -> Status {
                         secret = NewSecret(c);
                         IAM_ASSIGN_OR_RETURN(c.secret_hash, crypto::HashPassword(secret));
                         return OkStatus();
                       }));
  Value out = Value::Structure();
  out.Set("ServiceSpecificCredential",
          CredentialValue(ctx, updated.first, updated.second, &secret));
  return out;
}

Result<Value> UpdateServiceSpecificCredential(OperationContext& ctx, const Value& input) {
  const std::string id(StringMember(input, "ServiceSpecificCredentialId"));
  const std::string status(StringMember(input, "Status"));
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:UpdateServiceSpecificCredential", owner));
  IAM_RETURN_IF_ERROR(CheckActiveOrInactive(status));
  IAM_ASSIGN_OR_RETURN(auto updated, UpdateCredential(ctx, owner, id, [&](Credential& c) -> Status {
                         c.status = status;
                         return OkStatus();
                       }));
  (void)updated;
  return Value::Structure();
}

Result<Value> DeleteServiceSpecificCredential(OperationContext& ctx, const Value& input) {
  const std::string id(StringMember(input, "ServiceSpecificCredentialId"));
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:DeleteServiceSpecificCredential", owner));
  IAM_RETURN_IF_ERROR(DeleteOwnedResource(ctx, store::ResourceKind::kServiceSpecificCredential,
                                          owner, id, RootOwner::kNever, CredentialNotFound(id)));
  return Value::Structure();
}

// One page of `all` (in key order) as ListServiceSpecificCredentials answers it, keeping
// those of `service_name` when given. Markers are credential ids.
Result<Value> ListedCredentials(const OperationContext& ctx,
                                const std::vector<store::Resource>& all,
                                const std::optional<std::string>& service_name,
                                const store::ListOptions& options) {
  Value out = Value::Structure();
  Value& list = out.Set("ServiceSpecificCredentials", Value::List());
  int listed = 0;
  bool truncated = false;
  std::string next_marker;
  for (const store::Resource& r : all) {
    if (!options.marker.empty() && r.key <= options.marker) {
      continue;
    }
    IAM_ASSIGN_OR_RETURN(const Credential c, FromBody(r));
    if (service_name.has_value() && c.service != *service_name) {
      continue;
    }
    if (listed == options.max_items) {
      truncated = true;
      break;
    }
    list.Append(CredentialValue(ctx, r, c, nullptr));
    next_marker = r.key;
    ++listed;
  }
  out.Set("IsTruncated", Value::Boolean(truncated));
  if (truncated) {
    out.Set("Marker", Value::String(next_marker));
  }
  return out;
}

Result<Value> ListServiceSpecificCredentials(OperationContext& ctx, const Value& input) {
  const std::optional<std::string> service_name = OptionalStringMember(input, "ServiceName");
  const bool all_users = BooleanMember(input, "AllUsers").value_or(false);
  const store::ListOptions options = ListOptionsFrom(input, "");
  store::ResourceFilter filter;
  if (all_users) {
    if (OptionalStringMember(input, "UserName").has_value()) {
      return MakeError(InvalidInput("AllUsers cannot be specified together with UserName."));
    }
    IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListServiceSpecificCredentials",
                                      IamArn(ctx.account_id(), "user", "/", "*")));
  } else {
    IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
    IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:ListServiceSpecificCredentials", owner));
    filter.user_name = owner.user_name;  // the root user: those of no user, i.e. none
  }
  if (service_name.has_value() && FindService(*service_name) == nullptr) {
    return MakeError(NotSupportedService(*service_name));
  }
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(const std::vector<store::Resource> all,
                       ListAllResources(*txn, store::ResourceKind::kServiceSpecificCredential,
                                        ctx.account_id(), filter));
  return ListedCredentials(ctx, all, service_name, options);
}

}  // namespace

void RegisterServiceSpecificCredentialOperations(HandlerTable& table) {
  table["CreateServiceSpecificCredential"] = &CreateServiceSpecificCredential;
  table["ResetServiceSpecificCredential"] = &ResetServiceSpecificCredential;
  table["UpdateServiceSpecificCredential"] = &UpdateServiceSpecificCredential;
  table["DeleteServiceSpecificCredential"] = &DeleteServiceSpecificCredential;
  table["ListServiceSpecificCredentials"] = &ListServiceSpecificCredentials;
}

}  // namespace portcullis::api::iam
