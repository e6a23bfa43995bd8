// AssumeRoleWithWebIdentity: an OpenID Connect ID token (a JWT, jwt.h) from an issuer the
// role's account registered as an IAM OIDC provider buys a role session. Unsigned (the
// router sends it here with an empty caller); a signed call works the same way.
//
// Steps, as AWS documents them (STS API Reference, AssumeRoleWithWebIdentity; IAM User
// Guide, "Create an OpenID Connect (OIDC) identity provider in IAM", "Available keys for
// AWS OIDC federation", "Passing session tags using AssumeRoleWithWebIdentity"):
//  1. the token parses (RS256/ES256 only) -> else InvalidIdentityToken;
//  2. the role's account has the provider arn:aws:iam::ACCOUNT:oidc-provider/<iss without
//     scheme> -> else InvalidIdentityToken (a missing role is AccessDenied);
//  3. the issuer's keys (JwksSource: configured directory or loopback fetch) -> else
//     IDPCommunicationError; the signature verifies -> else InvalidIdentityToken;
//  4. an audience (aud, or azp) is among the provider's client ids -> else
//     InvalidIdentityToken "Incorrect token audience";
//  5. exp not passed -> else ExpiredTokenException; nbf reached -> else InvalidIdentityToken;
//  6. the trust policy allows sts:AssumeRoleWithWebIdentity for principal (Federated) the
//     provider ARN with <provider>:aud, :oaud, :sub, :amr, :azp, sts:RoleSessionName,
//     aws:FederatedProvider and the token's session tags (then also sts:TagSession) and
//     source identity (then also sts:SetSourceIdentity) -> else AccessDenied;
//  7. DurationSeconds per the role; session policies; the session's source is the provider.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/federation/jwks_source.h"
#include "api/federation/jwt.h"
#include "api/federation/oidc_provider_record.h"
#include "api/iam/common.h"
#include "api/sts/sts_common.h"
#include "common/strings.h"

namespace portcullis::api::sts {
namespace {

using protocol::Value;

constexpr std::size_t kMaxSessionTags = 50;
constexpr std::size_t kMaxTagKey = 128;
constexpr std::size_t kMaxTagValue = 256;
constexpr std::size_t kPackedBudget = 2048;  // as sts_common.cc

Error InvalidIdentityToken(std::string message) {
  return StsError(ErrorCode::kInvalidArgument, "InvalidIdentityToken", std::move(message));
}

Error IdpCommunicationError(std::string message) {
  return StsError(ErrorCode::kUnavailable, "IDPCommunicationError", std::move(message));
}

Error NotAuthorized() {
  return AccessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity");
}

federation::JwksSource& Keys(const StsOptions& options) {
  if (options.web_identity_keys != nullptr) {
    return *options.web_identity_keys;
  }
  static federation::JwksSource fallback{federation::JwksSourceOptions{}};
  return fallback;
}

// The packed size of the session policies and the token's tags, as a percentage.
std::optional<int> PackedPercent(const SessionInputs& inputs, const federation::JwtClaims& claims) {
  if (!inputs.packed_percent.has_value() && claims.principal_tags.empty()) {
    return std::nullopt;
  }
  std::size_t packed = 0;
  for (const std::string& policy : inputs.policies) {
    packed += static_cast<std::size_t>(std::count_if(policy.begin(), policy.end(), [](char c) {
      return c != ' ' && c != '\n' && c != '\r' && c != '\t';
    }));
  }
  for (const std::string& arn : inputs.policy_arns) {
    packed += arn.size();
  }
  for (const auto& [k, v] : claims.principal_tags) {
    packed += k.size() + v.size();
  }
  return static_cast<int>((packed * 100 + kPackedBudget - 1) / kPackedBudget);
}

Status CheckTokenTags(const federation::JwtClaims& claims) {
  if (claims.principal_tags.size() > kMaxSessionTags) {
    return MakeError(InvalidIdentityToken("The token has more than 50 session tags."));
  }
  for (std::size_t i = 0; i < claims.principal_tags.size(); ++i) {
    const auto& [k, v] = claims.principal_tags[i];
    if (k.empty() || k.size() > kMaxTagKey || v.size() > kMaxTagValue || k.starts_with("aws:")) {
      return MakeError(InvalidIdentityToken("The token's session tag `" + k.substr(0, kMaxTagKey) +
                                            "` is not a valid tag."));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (EqualsIgnoreCase(claims.principal_tags[j].first, k)) {
        return MakeError(InvalidIdentityToken(
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."));
      }
    }
  }
  for (const std::string& key : claims.transitive_tag_keys) {
    const bool tagged = std::any_of(claims.principal_tags.begin(), claims.principal_tags.end(),
                                    [&](const auto& t) { return EqualsIgnoreCase(t.first, key); });
    if (!tagged) {
      return MakeError(InvalidIdentityToken(
          "The specified transitive tag key must be included in the requested tags."));
    }
  }
  return OkStatus();
}

using Context = std::vector<std::pair<std::string, std::vector<std::string>>>;

// Step 1: the token, parsed, from an https (or loopback http) issuer.
Result<federation::Jwt> ReadToken(const Value& input) {
  auto parsed = federation::ParseJwt(iam::StringMember(input, "WebIdentityToken"));
  if (!parsed.has_value()) {
    return MakeError(InvalidIdentityToken(
        "The ID Token provided is not a valid JWT. (You may see this error if you sent an "
        "Access Token): " +
        parsed.error().message));
  }
  const std::string& iss = parsed->claims.iss;
  if (iss.starts_with("http://") && !federation::IsLoopbackUrl(iss)) {
    return MakeError(
        InvalidIdentityToken("The issuer `" + iss.substr(0, 256) + "` must use https."));
  }
  if (!iss.starts_with("https://") && !iss.starts_with("http://")) {
    return MakeError(
        InvalidIdentityToken("The issuer `" + iss.substr(0, 256) + "` is not an https URL."));
  }
  return parsed;
}

struct ProviderMatch {
  std::string provider_arn;
  std::string audience;
};

// Steps 2 to 4: the provider of the role's account, the signature, the audience.
Result<ProviderMatch> MatchProvider(StsContext& ctx, const store::Role& role,
                                    const federation::Jwt& jwt) {
  const federation::JwtClaims& claims = jwt.claims;
  ProviderMatch match;
  match.provider_arn = federation::OidcProviderArnForIssuer(role.account_id, claims.iss);
  federation::OidcProviderRecord provider;
  {
    IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
    auto found =
        txn->GetResource(store::ResourceKind::kOidcProvider, role.account_id, match.provider_arn);
    if (!found.has_value()) {
      if (found.error().code != ErrorCode::kNotFound) {
        return MakeError(std::move(found).error());
      }
      return MakeError(InvalidIdentityToken("No OpenIDConnect provider found in your account for " +
                                            claims.iss.substr(0, 256)));
    }
    IAM_ASSIGN_OR_RETURN(provider, federation::DecodeOidcProviderRecord(found->body));
  }
  auto keys = Keys(ctx.options).Get(claims.iss, jwt.kid, ctx.clock.Now());
  if (!keys.has_value()) {
    return MakeError(IdpCommunicationError(
        "Couldn't retrieve verification key from your identity provider, please reference "
        "AssumeRoleWithWebIdentity documentation for requirements: " +
        keys.error().message));
  }
  if (auto verified = federation::VerifyJwtSignature(jwt, *keys); !verified.has_value()) {
    if (verified.error().code == ErrorCode::kNotFound) {
      return MakeError(InvalidIdentityToken(
          "Couldn't retrieve verification key from your identity provider, please reference "
          "AssumeRoleWithWebIdentity documentation for requirements"));
    }
    return MakeError(InvalidIdentityToken("The web identity token's signature is invalid."));
  }
  // AWS: the audience is the token's aud (or, when it carries several, its azp) and must
  // be one of the provider's client ids.
  auto registered = [&](const std::string& a) {
    return std::find(provider.client_ids.begin(), provider.client_ids.end(), a) !=
           provider.client_ids.end();
  };
  if (!claims.azp.empty() && claims.aud.size() != 1 && registered(claims.azp)) {
    match.audience = claims.azp;
  } else {
    auto it = std::find_if(claims.aud.begin(), claims.aud.end(), registered);
    if (it != claims.aud.end()) {
      match.audience = *it;
    }
  }
  if (match.audience.empty()) {
    return MakeError(InvalidIdentityToken("Incorrect token audience"));
  }
  return match;
}

// Step 5: times, session tags and source identity of the token.
Status CheckClaims(StsContext& ctx, const federation::JwtClaims& claims) {
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(ctx.clock.Now().time_since_epoch()).count();
  if (auto timely = federation::CheckJwtTimes(claims, now, 0); !timely.has_value()) {
    if (timely.error().code == ErrorCode::kFailedPrecondition) {
      return MakeError(StsError(ErrorCode::kFailedPrecondition, "ExpiredTokenException",
                                "Token expired: current date/time " + std::to_string(now) +
                                    " must be before the expiration date/time " +
                                    std::to_string(claims.exp.value_or(0))));
    }
    return MakeError(InvalidIdentityToken("The web identity token is not valid yet."));
  }
  IAM_RETURN_IF_ERROR(CheckTokenTags(claims));
  const std::string& source = claims.source_identity;
  if (!source.empty() && (source.size() < 2 || source.size() > 64 || source.starts_with("aws:"))) {
    return MakeError(InvalidIdentityToken("The token's source identity is not valid."));
  }
  return OkStatus();
}

// Step 6's condition keys.
Context TrustContext(const ProviderMatch& match, std::string_view session_name,
                     const federation::JwtClaims& claims) {
  const std::string& arn = match.provider_arn;
  const std::string prefix = arn.substr(arn.find(":oidc-provider/") + 15);
  Context context;
  context.emplace_back(prefix + ":aud", std::vector<std::string>{match.audience});
  if (!claims.aud.empty()) {
    context.emplace_back(prefix + ":oaud", claims.aud);
  }
  context.emplace_back(prefix + ":sub", std::vector<std::string>{claims.sub});
  if (!claims.amr.empty()) {
    context.emplace_back(prefix + ":amr", claims.amr);
  }
  if (!claims.azp.empty()) {
    context.emplace_back(prefix + ":azp", std::vector<std::string>{claims.azp});
  }
  context.emplace_back("aws:FederatedProvider", std::vector<std::string>{arn});
  context.emplace_back("sts:RoleSessionName", std::vector<std::string>{std::string(session_name)});
  std::vector<std::string> tag_keys;
  for (const auto& [k, v] : claims.principal_tags) {
    context.emplace_back("aws:RequestTag/" + k, std::vector<std::string>{v});
    tag_keys.push_back(k);
  }
  if (!tag_keys.empty()) {
    context.emplace_back("aws:TagKeys", std::move(tag_keys));
  }
  if (!claims.transitive_tag_keys.empty()) {
    context.emplace_back("sts:TransitiveTagKeys", claims.transitive_tag_keys);
  }
  if (!claims.source_identity.empty()) {
    context.emplace_back("sts:SourceIdentity", std::vector<std::string>{claims.source_identity});
  }
  return context;
}

Result<Value> AssumeRoleWithWebIdentity(StsContext& ctx, const Value& input) {
  const std::string role_arn(iam::StringMember(input, "RoleArn"));
  const std::string session_name(iam::StringMember(input, "RoleSessionName"));
  IAM_ASSIGN_OR_RETURN(SessionInputs session_inputs, ReadSessionInputs(input));
  IAM_ASSIGN_OR_RETURN(const federation::Jwt jwt, ReadToken(input));
  const federation::JwtClaims& claims = jwt.claims;
  IAM_ASSIGN_OR_RETURN(store::Role role, LoadRole(ctx, role_arn, NotAuthorized()));
  IAM_ASSIGN_OR_RETURN(const ProviderMatch match, MatchProvider(ctx, role, jwt));
  IAM_RETURN_IF_ERROR(CheckClaims(ctx, claims));
  const std::optional<int> packed = PackedPercent(session_inputs, claims);
  if (packed.has_value() && *packed > 100) {
    return MakeError(StsError(ErrorCode::kInvalidArgument, "PackedPolicyTooLarge",
                              "Packed policy consumes " + std::to_string(*packed) +
                                  "% of allotted space, please use smaller policy."));
  }

  // The trust policy, with the provider as the (Federated) principal.
  const Context context = TrustContext(match, session_name, claims);
  IAM_RETURN_IF_ERROR(AuthorizeTrustPolicy(
      ctx, role, match.provider_arn, "sts:AssumeRoleWithWebIdentity", context, NotAuthorized()));
  if (!claims.principal_tags.empty()) {
    IAM_RETURN_IF_ERROR(AuthorizeTrustPolicy(ctx, role, match.provider_arn, "sts:TagSession",
                                             context, NotAuthorized()));
  }
  if (!claims.source_identity.empty()) {
    IAM_RETURN_IF_ERROR(AuthorizeTrustPolicy(ctx, role, match.provider_arn, "sts:SetSourceIdentity",
                                             context, NotAuthorized()));
  }
  IAM_ASSIGN_OR_RETURN(const std::int64_t duration, RoleSessionDuration(input, role, false));

  RoleSessionSpec spec;
  spec.session_name = session_name;
  spec.source_arn = match.provider_arn;
  spec.source_identity = claims.source_identity;
  spec.policies = std::move(session_inputs.policies);
  spec.policy_arns = std::move(session_inputs.policy_arns);
  spec.tags = claims.principal_tags;
  spec.transitive_tag_keys = claims.transitive_tag_keys;
  spec.duration_seconds = duration;
  spec.packed_percent = packed;
  Value out = IssueRoleSession(ctx, role, std::move(spec));
  out.Set("SubjectFromWebIdentityToken", Value::String(claims.sub));
  // AWS: for an IAM OIDC provider, Provider names the provider (its ARN).
  out.Set("Provider", Value::String(match.provider_arn));
  out.Set("Audience", Value::String(match.audience));
  return out;
}

}  // namespace

void RegisterWebIdentity(StsHandlerMap& handlers) {
  handlers.emplace("AssumeRoleWithWebIdentity", &AssumeRoleWithWebIdentity);
}

}  // namespace portcullis::api::sts
