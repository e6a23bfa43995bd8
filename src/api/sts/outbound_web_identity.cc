// GetWebIdentityToken: a JWT naming the caller, signed with the account's key, for
// services outside AWS that trust the account's issuer. AWS: STS API Reference,
// GetWebIdentityToken (Audience 1-10, DurationSeconds 60-3600 default 300, SigningAlgorithm
// RS256 | ES384, Tags as custom claims; OutboundWebIdentityFederationDisabledException,
// SessionDurationEscalationException, JWTPayloadSizeExceededException).
// Portcullis' claims: iss (the account's IssuerIdentifier), sub (the caller's ARN), aud,
// iat, nbf, exp, jti, and "https://sts.amazonaws.com/": {aws_account, source_region,
// principal_id, request_tags}.
#include "api/sts/outbound_web_identity.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/federation/jwt.h"
#include "api/federation/oidc_provider_record.h"
#include "api/iam/common.h"
#include "api/ids.h"
#include "api/sts/sts_common.h"
#include "common/base64.h"

namespace portcullis::api::sts {
namespace {

using protocol::Value;
using Json = nlohmann::json;

constexpr std::int64_t kMinTokenDuration = 60;
constexpr std::int64_t kMaxTokenDuration = 3600;
constexpr std::int64_t kDefaultTokenDuration = 300;
constexpr std::size_t kMaxPayloadBytes = 8192;
constexpr std::string_view kKeyPrefix = "outbound-web-identity-key-";

std::string KeyName(federation::JwtAlgorithm alg) {
  return std::string(kKeyPrefix) + std::string(federation::JwtAlgorithmName(alg));
}

std::string AssociatedData(std::string_view account_id, federation::JwtAlgorithm alg) {
  return "outbound-web-identity-key:" + std::string(account_id) + ":" +
         std::string(federation::JwtAlgorithmName(alg));
}

Result<federation::OutboundFederationSetting> ReadSetting(store::ReadTxn& txn,
                                                          std::string_view account_id) {
  auto stored = txn.GetResource(store::ResourceKind::kAccountSetting, account_id,
                                federation::kOutboundFederationSettingKey);
  if (!stored.has_value()) {
    if (stored.error().code == ErrorCode::kNotFound) {
      return federation::OutboundFederationSetting{};
    }
    return MakeError(std::move(stored).error());
  }
  return federation::DecodeOutboundFederationSetting(stored->body);
}

Result<federation::JwtSigner> OpenSigner(const crypto::SecretBox& box, std::string_view account_id,
                                         federation::JwtAlgorithm alg,
                                         const store::Resource& resource) {
  IAM_ASSIGN_OR_RETURN(federation::OutboundSigningKeyRecord record,
                       federation::DecodeOutboundSigningKeyRecord(resource.body));
  auto sealed = DecodeBase64(record.sealed_base64);
  if (!sealed.has_value()) {
    return MakeError(ErrorCode::kInternal, "stored signing key is not base64");
  }
  IAM_ASSIGN_OR_RETURN(std::string pem,
                       box.Open(std::vector<std::uint8_t>(sealed->begin(), sealed->end()),
                                AssociatedData(account_id, alg)));
  return federation::JwtSigner::FromPem(pem, record.kid);
}

// The account's signer for `alg`, created (and stored sealed) on first use.
Result<federation::JwtSigner> AccountSigner(StsContext& ctx, std::string_view account_id,
                                            federation::JwtAlgorithm alg) {
  {
    IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
    auto stored = txn->GetResource(store::ResourceKind::kAccountSetting, account_id, KeyName(alg));
    if (stored.has_value()) {
      return OpenSigner(ctx.box, account_id, alg, *stored);
    }
    if (stored.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(stored).error());
    }
  }
  IAM_ASSIGN_OR_RETURN(federation::JwtSigner fresh,
                       federation::JwtSigner::Generate(alg, NewRequestId()));
  IAM_ASSIGN_OR_RETURN(std::string pem, fresh.PrivateKeyPem());
  const std::vector<std::uint8_t> sealed = ctx.box.Seal(pem, AssociatedData(account_id, alg));
  store::Resource resource;
  resource.kind = store::ResourceKind::kAccountSetting;
  resource.account_id = std::string(account_id);
  resource.key = KeyName(alg);
  resource.body = federation::EncodeOutboundSigningKeyRecord(
      {fresh.kid(), EncodeBase64(std::string_view(reinterpret_cast<const char*>(sealed.data()),
                                                  sealed.size()))});
  auto stored = iam::WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::Resource> {
    auto existing = txn.GetResource(resource.kind, resource.account_id, resource.key);
    if (existing.has_value()) {
      return existing;  // another request created it first
    }
    return txn.PutResource(resource);
  });
  IAM_ASSIGN_OR_RETURN(store::Resource kept, std::move(stored));
  if (kept.body == resource.body) {
    return fresh;
  }
  return OpenSigner(ctx.box, account_id, alg, kept);
}

Result<Value> GetWebIdentityToken(StsContext& ctx, const Value& input) {
  const auth::Caller& caller = ctx.caller;
  std::vector<std::string> audience;
  if (const Value* list = input.Find("Audience"); list != nullptr) {
    for (const Value& a : list->children()) {
      audience.push_back(a.text());
    }
  }
  if (audience.empty() || audience.size() > 10) {
    return MakeError(ValidationError(
        "1 validation error detected: Value at 'audience' failed to satisfy constraint: Member "
        "must have length between 1 and 10"));
  }
  const std::string algorithm(iam::StringMember(input, "SigningAlgorithm"));
  federation::JwtAlgorithm alg = federation::JwtAlgorithm::kRs256;
  if (algorithm == "ES384") {
    alg = federation::JwtAlgorithm::kEs384;
  } else if (algorithm != "RS256") {
    return MakeError(ValidationError("1 validation error detected: Value '" + algorithm +
                                     "' at 'signingAlgorithm' failed to satisfy constraint: "
                                     "Member must satisfy enum value set: [RS256, ES384]"));
  }
  const std::int64_t duration =
      iam::IntegerMember(input, "DurationSeconds").value_or(kDefaultTokenDuration);
  if (duration < kMinTokenDuration || duration > kMaxTokenDuration) {
    return MakeError(ValidationError(
        "1 validation error detected: Value '" + std::to_string(duration) +
        "' at 'durationSeconds' failed to satisfy constraint: Member must have value between "
        "60 and 3600"));
  }
  IAM_ASSIGN_OR_RETURN(SessionInputs tags, ReadSessionInputs(input));

  std::vector<std::pair<std::string, std::vector<std::string>>> context;
  context.emplace_back("sts:IdentityTokenAudience", audience);
  context.emplace_back("sts:SigningAlgorithm", std::vector<std::string>{algorithm});
  context.emplace_back("sts:DurationSeconds", std::vector<std::string>{std::to_string(duration)});
  std::vector<std::string> tag_keys;
  for (const auto& [k, v] : tags.tags) {
    context.emplace_back("aws:RequestTag/" + k, std::vector<std::string>{v});
    tag_keys.push_back(k);
  }
  if (!tag_keys.empty()) {
    context.emplace_back("aws:TagKeys", tag_keys);
  }
  authz::AuthzRequest request;
  request.action = "sts:GetWebIdentityToken";
  request.resource_arn = "*";
  request.context = context;
  IAM_RETURN_IF_ERROR(ctx.authorizer.Authorize(caller, ctx.info, request));

  federation::OutboundFederationSetting setting;
  {
    IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
    IAM_ASSIGN_OR_RETURN(setting, ReadSetting(*txn, caller.account_id));
  }
  if (!setting.enabled) {
    return MakeError(StsError(ErrorCode::kFailedPrecondition,
                              "OutboundWebIdentityFederationDisabledException",
                              "Outbound web identity federation is not enabled for this account."));
  }
  const auto now = ctx.clock.Now();
  const auto expires = now + std::chrono::seconds(duration);
  if (caller.session != nullptr && expires > caller.session->expires_at) {
    return MakeError(StsError(ErrorCode::kPermissionDenied, "SessionDurationEscalationException",
                              "The requested token duration would extend the session beyond "
                              "its original expiration time."));
  }
  const std::int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  Json claims;
  claims["iss"] = setting.issuer;
  claims["sub"] = caller.arn;
  if (audience.size() == 1) {
    claims["aud"] = audience[0];
  } else {
    claims["aud"] = audience;
  }
  claims["iat"] = now_s;
  claims["nbf"] = now_s;
  claims["exp"] = now_s + duration;
  claims["jti"] = NewRequestId();
  Json aws = {{"aws_account", caller.account_id},
              {"source_region", ctx.info.region},
              {"principal_id", caller.arn}};
  if (!tags.tags.empty()) {
    Json request_tags = Json::object();
    for (const auto& [k, v] : tags.tags) {
      request_tags[k] = v;
    }
    aws["request_tags"] = std::move(request_tags);
  }
  claims["https://sts.amazonaws.com/"] = std::move(aws);
  const std::string payload = claims.dump();
  if (payload.size() > kMaxPayloadBytes) {
    return MakeError(StsError(ErrorCode::kInvalidArgument, "JWTPayloadSizeExceededException",
                              "The requested token payload size exceeds the maximum allowed "
                              "size."));
  }
  IAM_ASSIGN_OR_RETURN(federation::JwtSigner signer, AccountSigner(ctx, caller.account_id, alg));
  IAM_ASSIGN_OR_RETURN(std::string token, signer.Sign(payload));
  Value out = Value::Structure();
  out.Set("WebIdentityToken", Value::String(std::move(token)));
  out.Set("Expiration",
          Value::TimestampMillis(
              std::chrono::floor<std::chrono::milliseconds>(expires.time_since_epoch()).count()));
  return out;
}

}  // namespace

Result<std::string> OutboundJwksJson(store::IdentityStore& store, const crypto::SecretBox& box,
                                     std::string_view account_id) {
  IAM_ASSIGN_OR_RETURN(auto txn, store.BeginRead());
  IAM_ASSIGN_OR_RETURN(federation::OutboundFederationSetting setting,
                       ReadSetting(*txn, account_id));
  if (!setting.enabled) {
    return MakeError(ErrorCode::kNotFound, "outbound web identity federation is not enabled");
  }
  std::string out = R"({"keys":[)";
  bool first = true;
  for (federation::JwtAlgorithm alg :
       {federation::JwtAlgorithm::kRs256, federation::JwtAlgorithm::kEs384}) {
    auto stored = txn->GetResource(store::ResourceKind::kAccountSetting, account_id, KeyName(alg));
    if (!stored.has_value()) {
      if (stored.error().code == ErrorCode::kNotFound) {
        continue;
      }
      return MakeError(std::move(stored).error());
    }
    IAM_ASSIGN_OR_RETURN(federation::JwtSigner signer, OpenSigner(box, account_id, alg, *stored));
    out += (first ? "" : ",") + signer.PublicJwkJson();
    first = false;
  }
  return out + "]}";
}

Result<std::string> OutboundDiscoveryJson(store::IdentityStore& store, std::string_view account_id,
                                          std::string_view base_url) {
  IAM_ASSIGN_OR_RETURN(auto txn, store.BeginRead());
  IAM_ASSIGN_OR_RETURN(federation::OutboundFederationSetting setting,
                       ReadSetting(*txn, account_id));
  if (!setting.enabled) {
    return MakeError(ErrorCode::kNotFound, "outbound web identity federation is not enabled");
  }
  Json doc = {{"issuer", setting.issuer},
              {"jwks_uri",
               std::string(base_url) + "/_portcullis/oidc/" + std::string(account_id) + "/jwks"},
              {"response_types_supported", {"id_token"}},
              {"subject_types_supported", {"public"}},
              {"id_token_signing_alg_values_supported", {"RS256", "ES384"}}};
  return doc.dump();
}

void RegisterOutboundWebIdentity(StsHandlerMap& handlers) {
  handlers.emplace("GetWebIdentityToken", &GetWebIdentityToken);
}

}  // namespace portcullis::api::sts
