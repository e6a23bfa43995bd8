// SAML 2.0 identity providers: CreateSAMLProvider, GetSAMLProvider, UpdateSAMLProvider,
// DeleteSAMLProvider, ListSAMLProviders.
//
// A provider is a store::Resource of kind kSamlProvider keyed by its ARN,
// arn:aws:iam::ACCOUNT:saml-provider/NAME, whose body is a federation::SamlProviderRecord
// (api/federation/saml_provider_record.h: the metadata as given, ValidUntil, the UUID, the
// encryption mode and the private keys, sealed with the SecretBox and never returned), so
// that AssumeRoleWithSAML reads it without this file. Tags given at creation are the
// resource's tags.
//
// AWS: IAM API reference for each operation; IAM User Guide, "Create a SAML identity
// provider in IAM" and "IAM and AWS STS quotas" (100 SAML providers per account). The
// metadata document must parse (InvalidInput "Could not parse metadata" otherwise); its
// validUntil is the provider's ValidUntil, 100 years after creation (or the last metadata
// update) when it has none. At most two private keys (the model's privateKeyList).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/federation/saml_metadata.h"
#include "api/federation/saml_provider_record.h"
#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "api/iam/resource_family.h"
#include "common/base64.h"
#include "crypto/secret_box.h"

namespace portcullis::api::iam {
namespace {

constexpr int kProvidersPerAccount = 100;
constexpr std::size_t kPrivateKeysPerProvider = 2;
constexpr int kDefaultValidityYears = 100;
constexpr std::size_t kIdLength = 26;

using federation::SamlPrivateKeyRecord;
using federation::SamlProviderRecord;

std::string ProviderArn(std::string_view account_id, std::string_view name) {
  return "arn:aws:iam::" + std::string(account_id) + ":saml-provider/" + std::string(name);
}

Error ProviderNotFound(std::string_view arn) {
  return NoSuchEntity("Manifest not found for arn " + std::string(arn));
}

std::int64_t EpochMillis(store::Timestamp t) {
  return t.time_since_epoch().count();
}

store::Timestamp NowOf(const OperationContext& ctx) {
  return std::chrono::floor<std::chrono::milliseconds>(ctx.clock.Now());
}

store::Timestamp FromEpochMillis(std::int64_t ms) {
  return store::Timestamp(std::chrono::milliseconds(ms));
}

std::string ToBody(const SamlProviderRecord& p) {
  return federation::EncodeSamlProviderRecord(p);
}

Result<SamlProviderRecord> FromBody(const store::Resource& resource) {
  return federation::DecodeSamlProviderRecord(resource.body);
}

// Parses `document` into `provider` (metadata, entity id, ValidUntil from `now`).
Status ApplyMetadata(std::string_view document, store::Timestamp now,
                     SamlProviderRecord* provider) {
  auto parsed = federation::ParseSamlMetadata(document);
  if (!parsed.has_value()) {
    // AWS answers one message for every metadata problem.
    return MakeError(InvalidInput("Could not parse metadata"));
  }
  provider->metadata = std::string(document);
  provider->entity_id = parsed->entity_id;
  if (parsed->valid_until.has_value()) {
    provider->valid_until_ms = parsed->valid_until->time_since_epoch().count();
  } else {
    const auto days = std::chrono::floor<std::chrono::days>(now);
    const std::chrono::year_month_day ymd{days};
    std::chrono::year_month_day later{ymd.year() + std::chrono::years(kDefaultValidityYears),
                                      ymd.month(), ymd.day()};
    if (!later.ok()) {  // 29 February
      later = (ymd.year() + std::chrono::years(kDefaultValidityYears)) / ymd.month() /
              std::chrono::last;
    }
    provider->valid_until_ms =
        EpochMillis(store::Timestamp(std::chrono::sys_days(later) + (now - days)));
  }
  return OkStatus();
}

// Adds private key `pem` (sealed) to `provider`.
Status AddPrivateKey(const OperationContext& ctx, std::string_view arn, std::string_view pem,
                     SamlProviderRecord* provider) {
  if (provider->private_keys.size() >= kPrivateKeysPerProvider) {
    return MakeError(LimitExceeded("Private key limit of " +
                                   std::to_string(kPrivateKeysPerProvider) + " is reached."));
  }
  if (!federation::CheckPemPrivateKey(pem).has_value()) {
    return MakeError(InvalidInput("Invalid private key: Key format is not recognized."));
  }
  SamlPrivateKeyRecord key;
  key.id = RandomUpperAlnum(kIdLength);
  key.created_ms = EpochMillis(NowOf(ctx));
  const std::vector<std::uint8_t> sealed =
      ctx.box.Seal(pem, federation::SamlPrivateKeyAssociatedData(arn, key.id));
  key.sealed_base64 =
      EncodeBase64(std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()));
  provider->private_keys.push_back(std::move(key));
  return OkStatus();
}

Status CheckEncryptionMode(const SamlProviderRecord& provider) {
  if (provider.encryption_mode == "Required" && provider.private_keys.empty()) {
    return MakeError(
        InvalidInput("Cannot set AssertionEncryptionMode to Required because no private key is "
                     "provided."));
  }
  return OkStatus();
}

// The ARN input member, checked to name a SAML provider.
Result<std::string> ArnMember(const Value& input) {
  return IamArnMember(input, "SAMLProviderArn", "saml-provider");
}

Result<store::Resource> GetProvider(store::ReadTxn& txn, std::string_view account_id,
                                    std::string_view arn) {
  return NotFoundAs(txn.GetResource(store::ResourceKind::kSamlProvider, account_id, arn),
                    ProviderNotFound(arn));
}

Result<Value> CreateSAMLProvider(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "Name"));
  const std::string arn = ProviderArn(ctx.account_id(), name);
  IAM_ASSIGN_OR_RETURN(std::vector<store::Tag> tags, InputTags(input));
  IAM_RETURN_IF_ERROR(
      AuthorizeCreateWithTags(ctx, "iam:CreateSAMLProvider", "iam:TagSAMLProvider", arn, tags));
  SamlProviderRecord provider;
  IAM_RETURN_IF_ERROR(
      ApplyMetadata(StringMember(input, "SAMLMetadataDocument"), NowOf(ctx), &provider));
  provider.uuid = RandomUpperAlnum(kIdLength);
  provider.encryption_mode = std::string(StringMember(input, "AssertionEncryptionMode"));
  if (const auto pem = OptionalStringMember(input, "AddPrivateKey"); pem.has_value()) {
    IAM_RETURN_IF_ERROR(AddPrivateKey(ctx, arn, *pem, &provider));
  }
  IAM_RETURN_IF_ERROR(CheckEncryptionMode(provider));
  store::Resource resource;
  resource.kind = store::ResourceKind::kSamlProvider;
  resource.account_id = ctx.account_id();
  resource.key = arn;
  resource.body = ToBody(provider);
  resource.tags = tags;
  const Error exists = EntityAlreadyExists("Provider with name " + name + " already exists.");
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) {
    return PutNewAccountResource(txn, resource, kProvidersPerAccount, "SAMLProvidersPerAccount",
                                 exists);
  });
  IAM_RETURN_IF_ERROR(done);
  Value out = Value::Structure();
  out.Set("SAMLProviderArn", Value::String(arn));
  if (!tags.empty()) {
    out.Set("Tags", TagListValue(tags));
  }
  return out;
}

Result<Value> GetSAMLProvider(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const std::string arn, ArnMember(input));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetSAMLProvider", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(const store::Resource resource, GetProvider(*txn, ctx.account_id(), arn));
  IAM_ASSIGN_OR_RETURN(const SamlProviderRecord provider, FromBody(resource));
  Value out = Value::Structure();
  out.Set("SAMLProviderUUID", Value::String(provider.uuid));
  out.Set("SAMLMetadataDocument", Value::String(provider.metadata));
  out.Set("CreateDate", TimestampValue(resource.created));
  out.Set("ValidUntil", TimestampValue(FromEpochMillis(provider.valid_until_ms)));
  if (!resource.tags.empty()) {
    out.Set("Tags", TagListValue(resource.tags));
  }
  if (!provider.encryption_mode.empty()) {
    out.Set("AssertionEncryptionMode", Value::String(provider.encryption_mode));
  }
  if (!provider.private_keys.empty()) {
    Value& keys = out.Set("PrivateKeyList", Value::List());
    for (const SamlPrivateKeyRecord& k : provider.private_keys) {
      Value entry = Value::Structure();
      entry.Set("KeyId", Value::String(k.id));
      entry.Set("Timestamp", TimestampValue(FromEpochMillis(k.created_ms)));
      keys.Append(std::move(entry));
    }
  }
  return out;
}

// What one UpdateSAMLProvider request changes.
struct SamlUpdate {
  std::optional<std::string> document;
  std::optional<std::string> mode;
  std::optional<std::string> add_key;
  std::optional<std::string> remove_key;
};

Status RemovePrivateKey(std::string_view key_id, SamlProviderRecord* provider) {
  auto& keys = provider->private_keys;
  const auto it = std::find_if(keys.begin(), keys.end(),
                               [&](const SamlPrivateKeyRecord& k) { return k.id == key_id; });
  if (it == keys.end()) {
    return MakeError(InvalidInput(
        "Failed to remove private key because the Key ID does not match a private key."));
  }
  if (keys.size() == 1 && provider->encryption_mode == "Required") {
    return MakeError(InvalidInput(
        "Failed to remove private key. A SAML provider whose AssertionEncryptionMode is "
        "Required keeps at least one private key."));
  }
  keys.erase(it);
  return OkStatus();
}

Status ApplyUpdate(const OperationContext& ctx, std::string_view arn, const SamlUpdate& update,
                   SamlProviderRecord* provider) {
  if (update.document.has_value()) {
    IAM_RETURN_IF_ERROR(ApplyMetadata(*update.document, NowOf(ctx), provider));
  }
  if (update.mode.has_value()) {
    provider->encryption_mode = *update.mode;
  }
  if (update.add_key.has_value()) {
    IAM_RETURN_IF_ERROR(AddPrivateKey(ctx, arn, *update.add_key, provider));
  }
  if (update.remove_key.has_value()) {
    IAM_RETURN_IF_ERROR(RemovePrivateKey(*update.remove_key, provider));
  }
  return CheckEncryptionMode(*provider);
}

Result<Value> UpdateSAMLProvider(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const std::string arn, ArnMember(input));
  const SamlUpdate update{OptionalStringMember(input, "SAMLMetadataDocument"),
                          OptionalStringMember(input, "AssertionEncryptionMode"),
                          OptionalStringMember(input, "AddPrivateKey"),
                          OptionalStringMember(input, "RemovePrivateKey")};
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:UpdateSAMLProvider", arn));
  if (!update.document.has_value() && !update.mode.has_value() && !update.add_key.has_value() &&
      !update.remove_key.has_value()) {
    return MakeError(
        InvalidInput("No updates are defined. Specify at least one of SAMLMetadataDocument, "
                     "AssertionEncryptionMode, AddPrivateKey or RemovePrivateKey."));
  }
  if (update.add_key.has_value() && update.remove_key.has_value()) {
    // AWS: "To rotate private keys, add your new private key and then remove the old key in
    // a separate request."
    return MakeError(InvalidInput("Unable to add and remove private keys in the same request."));
  }
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(store::Resource resource, GetProvider(txn, ctx.account_id(), arn));
    IAM_ASSIGN_OR_RETURN(SamlProviderRecord provider, FromBody(resource));
    IAM_RETURN_IF_ERROR(ApplyUpdate(ctx, arn, update, &provider));
    resource.body = ToBody(provider);
    IAM_RETURN_IF_ERROR(NotFoundAs(txn.UpdateResource(std::move(resource)), ProviderNotFound(arn)));
    return OkStatus();
  });
  IAM_RETURN_IF_ERROR(done);
  Value out = Value::Structure();
  out.Set("SAMLProviderArn", Value::String(arn));
  return out;
}

Result<Value> DeleteSAMLProvider(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const std::string arn, ArnMember(input));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeleteSAMLProvider", arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    return NotFoundAs(txn.DeleteResource(store::ResourceKind::kSamlProvider, ctx.account_id(), arn),
                      ProviderNotFound(arn));
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> ListSAMLProviders(OperationContext& ctx, const Value& /*input*/) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListSAMLProviders", "*"));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(
      const std::vector<store::Resource> all,
      ListAllResources(*txn, store::ResourceKind::kSamlProvider, ctx.account_id()));
  Value out = Value::Structure();
  Value& list = out.Set("SAMLProviderList", Value::List());
  for (const store::Resource& r : all) {
    IAM_ASSIGN_OR_RETURN(const SamlProviderRecord provider, FromBody(r));
    Value entry = Value::Structure();
    entry.Set("Arn", Value::String(r.key));
    entry.Set("ValidUntil", TimestampValue(FromEpochMillis(provider.valid_until_ms)));
    entry.Set("CreateDate", TimestampValue(r.created));
    list.Append(std::move(entry));
  }
  return out;
}

}  // namespace

void RegisterSamlProviderOperations(HandlerTable& table) {
  table["CreateSAMLProvider"] = &CreateSAMLProvider;
  table["GetSAMLProvider"] = &GetSAMLProvider;
  table["UpdateSAMLProvider"] = &UpdateSAMLProvider;
  table["DeleteSAMLProvider"] = &DeleteSAMLProvider;
  table["ListSAMLProviders"] = &ListSAMLProviders;
}

}  // namespace portcullis::api::iam
