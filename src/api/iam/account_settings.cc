// Account settings: SetSecurityTokenServicePreferences, and outbound web identity
// federation (EnableOutboundWebIdentityFederation, DisableOutboundWebIdentityFederation,
// GetOutboundWebIdentityFederationInfo).
//
// AWS: IAM API reference for each operation. STS preferences: GlobalEndpointTokenVersion
// v1Token | v2Token, reported by GetAccountSummary as GlobalEndpointTokenVersion 1 | 2
// (default 1). Outbound web identity federation is an account-wide switch that gives the
// account a unique issuer URL ("https://<uuid>.tokens.sts.global.api.aws"); enabling it
// twice is FeatureEnabled, disabling it (or reading it) while disabled FeatureDisabled.
// Decision: both make sense for a standalone account, so they are implemented as account
// settings (kAccountSetting resources "sts-preferences" and
// "outbound-web-identity-federation"); the issuer stays the same across disable/enable.
// STS's GetWebIdentityToken, which would use it, belongs to the STS work. The actions take
// no resource ("*").
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "api/iam/account_reports.h"
#include "api/iam/common.h"
#include "api/iam/operation_context.h"
#include "api/ids.h"

namespace portcullis::api::iam {

Result<store::Resource> UpsertResource(store::WriteTxn& txn, store::Resource resource) {
  auto existing = txn.GetResource(resource.kind, resource.account_id, resource.key);
  if (existing.has_value()) {
    return txn.UpdateResource(std::move(resource));
  }
  if (existing.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(existing).error());
  }
  return txn.PutResource(std::move(resource));
}

namespace {

constexpr std::string_view kOutboundFederationKey = "outbound-web-identity-federation";

// The stored setting's JSON body, or null when the setting does not exist.
Result<nlohmann::json> Setting(store::ReadTxn& txn, std::string_view account_id,
                               std::string_view key) {
  auto stored = txn.GetResource(store::ResourceKind::kAccountSetting, account_id, key);
  if (!stored.has_value()) {
    if (stored.error().code == ErrorCode::kNotFound) {
      return nlohmann::json();
    }
    return MakeError(std::move(stored).error());
  }
  auto json = nlohmann::json::parse(stored->body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return nlohmann::json();
  }
  return json;
}

Status PutSetting(store::WriteTxn& txn, std::string_view account_id, std::string_view key,
                  const nlohmann::json& body) {
  store::Resource resource;
  resource.kind = store::ResourceKind::kAccountSetting;
  resource.account_id = std::string(account_id);
  resource.key = std::string(key);
  resource.body = body.dump();
  IAM_RETURN_IF_ERROR(UpsertResource(txn, std::move(resource)));
  return OkStatus();
}

Result<Value> SetSecurityTokenServicePreferences(OperationContext& ctx, const Value& input) {
  const std::string version(StringMember(input, "GlobalEndpointTokenVersion"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:SetSecurityTokenServicePreferences", "*"));
  return WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<Value> {
    IAM_RETURN_IF_ERROR(PutSetting(txn, ctx.account_id(), kStsPreferencesKey,
                                   nlohmann::json{{"GlobalEndpointTokenVersion", version}}));
    return Value::Structure();
  });
}

Error FeatureDisabled() {
  return Error{ErrorCode::kNotFound,
               "Outbound identity federation is disabled for your account.",
               std::nullopt,
               {},
               "FeatureDisabled"};
}

bool Enabled(const nlohmann::json& setting) {
  if (!setting.is_object()) {
    return false;
  }
  auto it = setting.find("Enabled");
  return it != setting.end() && it->is_boolean() && it->get<bool>();
}

std::string Issuer(const nlohmann::json& setting) {
  if (setting.is_object()) {
    auto it = setting.find("IssuerIdentifier");
    if (it != setting.end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  return {};
}

Result<Value> EnableOutboundWebIdentityFederation(OperationContext& ctx, const Value& /*input*/) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:EnableOutboundWebIdentityFederation", "*"));
  return WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<Value> {
    IAM_ASSIGN_OR_RETURN(nlohmann::json setting,
                         Setting(txn, ctx.account_id(), kOutboundFederationKey));
    if (Enabled(setting)) {
      return MakeError(Error{ErrorCode::kAlreadyExists,
                             "Outbound identity federation is already enabled for your account.",
                             std::nullopt,
                             {},
                             "FeatureEnabled"});
    }
    std::string issuer = Issuer(setting);
    if (issuer.empty()) {
      issuer = "https://" + NewRequestId() + ".tokens.sts.global.api.aws";
    }
    IAM_RETURN_IF_ERROR(
        PutSetting(txn, ctx.account_id(), kOutboundFederationKey,
                   nlohmann::json{{"Enabled", true}, {"IssuerIdentifier", issuer}}));
    Value out = Value::Structure();
    out.Set("IssuerIdentifier", Value::String(issuer));
    return out;
  });
}

Result<Value> DisableOutboundWebIdentityFederation(OperationContext& ctx, const Value& /*input*/) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DisableOutboundWebIdentityFederation", "*"));
  return WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<Value> {
    IAM_ASSIGN_OR_RETURN(nlohmann::json setting,
                         Setting(txn, ctx.account_id(), kOutboundFederationKey));
    if (!Enabled(setting)) {
      return MakeError(FeatureDisabled());
    }
    IAM_RETURN_IF_ERROR(
        PutSetting(txn, ctx.account_id(), kOutboundFederationKey,
                   nlohmann::json{{"Enabled", false}, {"IssuerIdentifier", Issuer(setting)}}));
    return Value::Structure();
  });
}

Result<Value> GetOutboundWebIdentityFederationInfo(OperationContext& ctx, const Value& /*input*/) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetOutboundWebIdentityFederationInfo", "*"));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(nlohmann::json setting,
                       Setting(*txn, ctx.account_id(), kOutboundFederationKey));
  if (!Enabled(setting)) {
    return MakeError(FeatureDisabled());
  }
  Value out = Value::Structure();
  out.Set("IssuerIdentifier", Value::String(Issuer(setting)));
  out.Set("JwtVendingEnabled", Value::Boolean(true));
  return out;
}

}  // namespace

Result<int> GlobalEndpointTokenVersion(store::ReadTxn& txn, std::string_view account_id) {
  IAM_ASSIGN_OR_RETURN(nlohmann::json setting, Setting(txn, account_id, kStsPreferencesKey));
  if (setting.is_object()) {
    auto it = setting.find("GlobalEndpointTokenVersion");
    if (it != setting.end() && it->is_string() && it->get<std::string>() == "v2Token") {
      return 2;
    }
  }
  return 1;
}

void RegisterAccountSettingOperations(HandlerTable& table) {
  table["SetSecurityTokenServicePreferences"] = &SetSecurityTokenServicePreferences;
  table["EnableOutboundWebIdentityFederation"] = &EnableOutboundWebIdentityFederation;
  table["DisableOutboundWebIdentityFederation"] = &DisableOutboundWebIdentityFederation;
  table["GetOutboundWebIdentityFederationInfo"] = &GetOutboundWebIdentityFederationInfo;
}

}  // namespace portcullis::api::iam
