// OpenID Connect identity providers: CreateOpenIDConnectProvider, GetOpenIDConnectProvider,
// DeleteOpenIDConnectProvider, ListOpenIDConnectProviders,
// AddClientIDToOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider,
// UpdateOpenIDConnectProviderThumbprint.
//
// A provider is a store::Resource of kind kOidcProvider keyed by its ARN,
// arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH (the URL without "https://"); its body is
// JSON {"url": "HOST/PATH", "client_ids": [...], "thumbprints": [...]}. Tags given at
// creation are the resource's tags.
//
// AWS: IAM API reference for each operation; IAM User Guide, "Create an OpenID Connect
// (OIDC) identity provider in IAM" (the URL begins with https://, is case-sensitive and
// unique in the account; query parameters are not allowed; at most 100 audiences and 5
// thumbprints) and "IAM and AWS STS quotas" (100 OIDC providers per account).
// ThumbprintList is optional in the current model: AWS then fetches the IdP's certificate
// chain; this server works offline and stores the provider without thumbprints.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/federation/jwks_source.h"
#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "api/iam/resource_family.h"

namespace portcullis::api::iam {
namespace {

constexpr int kProvidersPerAccount = 100;
constexpr std::size_t kClientIdsPerProvider = 100;
constexpr std::size_t kThumbprintsPerProvider = 5;
constexpr std::string_view kScheme = "https://";

struct OidcProvider {
  std::string url;  // without the scheme
  std::vector<std::string> client_ids;
  std::vector<std::string> thumbprints;
};

std::string ProviderArn(std::string_view account_id, std::string_view url) {
  return "arn:aws:iam::" + std::string(account_id) + ":oidc-provider/" + std::string(url);
}

// AWS words a missing provider differently for Get (and the updates) and for Delete.
Error ProviderNotFound(std::string_view arn) {
  return NoSuchEntity("OpenIDConnect Provider not found for arn " + std::string(arn));
}

Error ProviderToDeleteNotFound(std::string_view arn) {
  return NoSuchEntity("OpenId connect Provider " + std::string(arn) + " cannot be found.");
}

std::string ToBody(const OidcProvider& provider) {
  nlohmann::json body = {{"url", provider.url},
                         {"client_ids", provider.client_ids},
                         {"thumbprints", provider.thumbprints}};
  return body.dump();
}

Result<OidcProvider> FromBody(const store::Resource& resource) {
  const nlohmann::json body = nlohmann::json::parse(resource.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return MakeError(ErrorCode::kInternal, "stored OIDC provider is not JSON");
  }
  // json::value throws on a member of another type: the stored body is this file's own,
  // but the request path never throws.
  try {
    OidcProvider provider;
    provider.url = body.value("url", "");
    provider.client_ids = body.value("client_ids", std::vector<std::string>{});
    provider.thumbprints = body.value("thumbprints", std::vector<std::string>{});
    return provider;
  } catch (const nlohmann::json::exception&) {
    return MakeError(ErrorCode::kInternal, "stored OIDC provider has members of wrong types");
  }
}

// The strings of list member `name`, duplicates dropped (first kept).
std::vector<std::string> UniqueStrings(const Value& input, std::string_view name) {
  std::vector<std::string> out;
  const Value* list = input.Find(name);
  if (list == nullptr) {
    return out;
  }
  for (const Value& v : list->children()) {
    if (std::find(out.begin(), out.end(), v.text()) == out.end()) {
      out.push_back(v.text());
    }
  }
  return out;
}

bool IsLoopbackIssuerUrl(std::string_view url) {
  return (url.starts_with("http://") || url.starts_with(kScheme)) && federation::IsLoopbackUrl(url);
}

// The URL without its scheme. ValidationError when it has no scheme or host; InvalidInput
// when the scheme is not https, or it has a port, user information, a query or a fragment.
Result<std::string> ProviderUrl(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0 || scheme_end + 3 == url.size() ||
      url[scheme_end + 3] == '/') {
    Error e = InvalidInput("Invalid Open ID Connect Provider URL");
    e.aws_code = "ValidationError";
    return MakeError(std::move(e));
  }
  // Portcullis: a loopback issuer (127.0.0.1, [::1], localhost) may use http:// and a
  // port, so a local IdP such as `portcullis idp` can be registered (docs/federation.md).
  const bool loopback = IsLoopbackIssuerUrl(url);
  if (url.substr(0, kScheme.size()) != kScheme && !loopback) {
    return MakeError(
        InvalidInput("Invalid Open ID Connect Provider URL. The URL must begin with https://."));
  }
  std::string rest(url.substr(url.find("://") + 3));
  const std::string_view host = std::string_view(rest).substr(0, rest.find('/'));
  if (rest.find_first_of("?# \t\r\n") != std::string::npos ||
      host.find_first_of(loopback ? "@" : "@:") != std::string_view::npos) {
    return MakeError(InvalidInput("Invalid Open ID Connect Provider URL."));
  }
  return rest;
}

Status CheckThumbprints(const std::vector<std::string>& thumbprints) {
  if (thumbprints.size() > kThumbprintsPerProvider) {
    return MakeError(InvalidInput("Thumbprint list must contain fewer than " +
                                  std::to_string(kThumbprintsPerProvider) + " entries."));
  }
  for (const std::string& t : thumbprints) {
    const bool hex =
        t.size() == 40 && std::all_of(t.begin(), t.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        });
    if (!hex) {
      return MakeError(InvalidInput("Thumbprint " + t +
                                    " is not valid: a thumbprint is the 40-character hex SHA-1 "
                                    "of a certificate."));
    }
  }
  return OkStatus();
}

Status CheckClientIdCount(std::size_t count) {
  if (count > kClientIdsPerProvider) {
    return MakeError(QuotaExceeded("ClientIdsPerOpenIdConnectProvider", kClientIdsPerProvider));
  }
  return OkStatus();
}

// The ARN input member, checked to name an OIDC provider.
Result<std::string> ArnMember(const Value& input) {
  return IamArnMember(input, "OpenIDConnectProviderArn", "oidc-provider");
}

Result<store::Resource> GetProvider(store::ReadTxn& txn, std::string_view account_id,
                                    std::string_view arn) {
  return NotFoundAs(txn.GetResource(store::ResourceKind::kOidcProvider, account_id, arn),
                    ProviderNotFound(arn));
}

Value StringList(const std::vector<std::string>& items) {
  Value list = Value::List();
  for (const std::string& item : items) {
    list.Append(Value::String(item));
  }
  return list;
}

Result<Value> CreateOpenIDConnectProvider(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const std::string url, ProviderUrl(StringMember(input, "Url")));
  const std::string arn = ProviderArn(ctx.account_id(), url);
  IAM_ASSIGN_OR_RETURN(std::vector<store::Tag> tags, InputTags(input));
  IAM_RETURN_IF_ERROR(AuthorizeCreateWithTags(ctx, "iam:CreateOpenIDConnectProvider",
                                              "iam:TagOpenIDConnectProvider", arn, tags));
  OidcProvider provider;
  provider.url = url;
  provider.client_ids = UniqueStrings(input, "ClientIDList");
  provider.thumbprints = UniqueStrings(input, "ThumbprintList");
  IAM_RETURN_IF_ERROR(CheckClientIdCount(provider.client_ids.size()));
  IAM_RETURN_IF_ERROR(CheckThumbprints(provider.thumbprints));
  const Error exists = EntityAlreadyExists(
      "Provider with url " + std::string(StringMember(input, "Url")) + " already exists.");
  store::Resource resource;
  resource.kind = store::ResourceKind::kOidcProvider;
  resource.account_id = ctx.account_id();
  resource.key = arn;
  resource.body = ToBody(provider);
  resource.tags = tags;
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) {
    return PutNewAccountResource(txn, resource, kProvidersPerAccount,
                                 "OpenIdConnectProvidersPerAccount", exists);
  });
  IAM_RETURN_IF_ERROR(done);
  Value out = Value::Structure();
  out.Set("OpenIDConnectProviderArn", Value::String(arn));
  if (!tags.empty()) {
    out.Set("Tags", TagListValue(tags));
  }
  return out;
}

Result<Value> GetOpenIDConnectProvider(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const std::string arn, ArnMember(input));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetOpenIDConnectProvider", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(const store::Resource resource, GetProvider(*txn, ctx.account_id(), arn));
  IAM_ASSIGN_OR_RETURN(const OidcProvider provider, FromBody(resource));
  Value out = Value::Structure();
  out.Set("Url", Value::String(provider.url));
  out.Set("ClientIDList", StringList(provider.client_ids));
  out.Set("ThumbprintList", StringList(provider.thumbprints));
  out.Set("CreateDate", TimestampValue(resource.created));
  if (!resource.tags.empty()) {
    out.Set("Tags", TagListValue(resource.tags));
  }
  return out;
}

Result<Value> DeleteOpenIDConnectProvider(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const std::string arn, ArnMember(input));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeleteOpenIDConnectProvider", arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    return NotFoundAs(txn.DeleteResource(store::ResourceKind::kOidcProvider, ctx.account_id(), arn),
                      ProviderToDeleteNotFound(arn));
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> ListOpenIDConnectProviders(OperationContext& ctx, const Value& /*input*/) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListOpenIDConnectProviders", "*"));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(
      const std::vector<store::Resource> all,
      ListAllResources(*txn, store::ResourceKind::kOidcProvider, ctx.account_id()));
  Value out = Value::Structure();
  Value& list = out.Set("OpenIDConnectProviderList", Value::List());
  for (const store::Resource& r : all) {
    Value entry = Value::Structure();
    entry.Set("Arn", Value::String(r.key));
    list.Append(std::move(entry));
  }
  return out;
}

// Reads provider `arn`, lets `change` edit it, and writes it back.
template <class Change>
Status UpdateProvider(OperationContext& ctx, const std::string& arn, Change&& change) {
  return WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(store::Resource resource, GetProvider(txn, ctx.account_id(), arn));
    IAM_ASSIGN_OR_RETURN(OidcProvider provider, FromBody(resource));
    IAM_ASSIGN_OR_RETURN(const bool changed, change(provider));
    if (!changed) {
      return OkStatus();
    }
    resource.body = ToBody(provider);
    IAM_RETURN_IF_ERROR(NotFoundAs(txn.UpdateResource(std::move(resource)), ProviderNotFound(arn)));
    return OkStatus();
  });
}

Result<Value> AddClientIDToOpenIDConnectProvider(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const std::string arn, ArnMember(input));
  const std::string client_id(StringMember(input, "ClientID"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:AddClientIDToOpenIDConnectProvider", arn));
  Status done = UpdateProvider(ctx, arn, [&](OidcProvider& provider) -> Result<bool> {
    auto& ids = provider.client_ids;
    if (std::find(ids.begin(), ids.end(), client_id) != ids.end()) {
      return false;  // AWS: adding a client ID the provider has is not an error
    }
    IAM_RETURN_IF_ERROR(CheckClientIdCount(ids.size() + 1));
    ids.push_back(client_id);
    return true;
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> RemoveClientIDFromOpenIDConnectProvider(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const std::string arn, ArnMember(input));
  const std::string client_id(StringMember(input, "ClientID"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:RemoveClientIDFromOpenIDConnectProvider", arn));
  Status done = UpdateProvider(ctx, arn, [&](OidcProvider& provider) -> Result<bool> {
    auto& ids = provider.client_ids;
    const auto it = std::find(ids.begin(), ids.end(), client_id);
    if (it == ids.end()) {
      return false;  // AWS: removing a client ID the provider lacks is not an error
    }
    ids.erase(it);
    return true;
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> UpdateOpenIDConnectProviderThumbprint(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const std::string arn, ArnMember(input));
  std::vector<std::string> thumbprints = UniqueStrings(input, "ThumbprintList");
  IAM_RETURN_IF_ERROR(CheckThumbprints(thumbprints));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:UpdateOpenIDConnectProviderThumbprint", arn));
  Status done = UpdateProvider(ctx, arn, [&](OidcProvider& provider) -> Result<bool> {
    provider.thumbprints = std::move(thumbprints);
    return true;
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

}  // namespace

void RegisterOidcProviderOperations(HandlerTable& table) {
  table["CreateOpenIDConnectProvider"] = &CreateOpenIDConnectProvider;
  table["GetOpenIDConnectProvider"] = &GetOpenIDConnectProvider;
  table["DeleteOpenIDConnectProvider"] = &DeleteOpenIDConnectProvider;
  table["ListOpenIDConnectProviders"] = &ListOpenIDConnectProviders;
  table["AddClientIDToOpenIDConnectProvider"] = &AddClientIDToOpenIDConnectProvider;
  table["RemoveClientIDFromOpenIDConnectProvider"] = &RemoveClientIDFromOpenIDConnectProvider;
  table["UpdateOpenIDConnectProviderThumbprint"] = &UpdateOpenIDConnectProviderThumbprint;
}

}  // namespace portcullis::api::iam
