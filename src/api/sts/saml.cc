// AssumeRoleWithSAML: an unsigned call (any caller, signed or not) carrying a base64 SAML
// response from an identity provider. The response's signature is verified against the
// signing certificates in the metadata of the IAM SAML provider PrincipalArn names
// (api/federation/saml_response.h), the role pair RoleArn,PrincipalArn must be among the
// assertion's Role attribute values, and the role's trust policy is evaluated with the
// provider as principal and the saml:* condition keys.
//
// AWS: STS API Reference (AssumeRoleWithSAML); IAM User Guide, "Configuring SAML
// assertions for the authentication response", "Available keys for SAML-based AWS STS
// federation", "Passing session tags in AWS STS" and "Monitor and control actions taken
// with assumed roles" (SourceIdentity).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/federation/saml_metadata.h"
#include "api/federation/saml_provider_record.h"
#include "api/federation/saml_response.h"
#include "api/iam/common.h"
#include "api/sts/sts_common.h"
#include "common/base64.h"
#include "common/strings.h"

namespace portcullis::api::sts {
namespace {

using federation::SamlAssertion;
using federation::SamlAttribute;
using protocol::Value;
using Context = std::vector<std::pair<std::string, std::vector<std::string>>>;

constexpr std::size_t kMaxSessionTags = 50;
constexpr std::size_t kMaxTagKey = 128;
constexpr std::size_t kMaxTagValue = 256;
constexpr std::string_view kNameIdFormatPrefix = "urn:oasis:names:tc:SAML:2.0:nameid-format:";
constexpr std::string_view kUnspecifiedFormat =
    "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

Error Rejected(std::string message) {
  return StsError(ErrorCode::kPermissionDenied, "IDPRejectedClaim", std::move(message));
}

Error InvalidToken(std::string message) {
  return StsError(ErrorCode::kInvalidArgument, "InvalidIdentityToken", std::move(message));
}

// AWS: the attribute-based saml:* keys (IAM User Guide, "Available keys for SAML-based
// AWS STS federation"), found by the attribute's OID name, its name or its FriendlyName.
struct AttributeKey {
  std::string_view key;
  std::string_view oid;
};

constexpr std::array<AttributeKey, 26> kAttributeKeys = {{
    {"edupersonaffiliation", "urn:oid:1.3.6.1.4.1.5923.1.1.1.1"},
    {"edupersonnickname", "urn:oid:1.3.6.1.4.1.5923.1.1.1.2"},
    {"edupersonorgdn", "urn:oid:1.3.6.1.4.1.5923.1.1.1.3"},
    {"edupersonorgunitdn", "urn:oid:1.3.6.1.4.1.5923.1.1.1.4"},
    {"edupersonprimaryaffiliation", "urn:oid:1.3.6.1.4.1.5923.1.1.1.5"},
    {"edupersonprincipalname", "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"},
    {"edupersonentitlement", "urn:oid:1.3.6.1.4.1.5923.1.1.1.7"},
    {"edupersonprimaryorgunitdn", "urn:oid:1.3.6.1.4.1.5923.1.1.1.8"},
    {"edupersonscopedaffiliation", "urn:oid:1.3.6.1.4.1.5923.1.1.1.9"},
    {"edupersontargetedid", "urn:oid:1.3.6.1.4.1.5923.1.1.1.10"},
    {"edupersonassurance", "urn:oid:1.3.6.1.4.1.5923.1.1.1.11"},
    {"eduorghomepageuri", "urn:oid:1.3.6.1.4.1.5923.1.2.1.2"},
    {"eduorgidentityauthnpolicyuri", "urn:oid:1.3.6.1.4.1.5923.1.2.1.3"},
    {"eduorglegalname", "urn:oid:1.3.6.1.4.1.5923.1.2.1.4"},
    {"eduorgsuperioruri", "urn:oid:1.3.6.1.4.1.5923.1.2.1.5"},
    {"eduorgwhitepagesuri", "urn:oid:1.3.6.1.4.1.5923.1.2.1.6"},
    {"cn", "urn:oid:2.5.4.3"},
    {"commonName", "urn:oid:2.5.4.3"},
    {"givenName", "urn:oid:2.5.4.42"},
    {"surname", "urn:oid:2.5.4.4"},
    {"name", "urn:oid:2.5.4.41"},
    {"mail", "urn:oid:0.9.2342.19200300.100.1.3"},
    {"uid", "urn:oid:0.9.2342.19200300.100.1.1"},
    {"x500UniqueIdentifier", "urn:oid:2.5.4.45"},
    {"organizationStatus", "urn:oid:1.3.6.1.4.1.25178.1.2.9"},
    {"primaryGroupSID", "urn:oid:1.2.840.113556.1.4.98"},
}};

// [\w+=,.@-]{min,64}
bool IsSessionNameLike(std::string_view s, std::size_t min) {
  return s.size() >= min && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  std::string_view("_+=,.@-").find(c) != std::string_view::npos;
         });
}

// arn:aws:iam::ACCOUNT:saml-provider/NAME -> (account, name).
std::optional<std::pair<std::string, std::string>> SplitProviderArn(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  constexpr std::string_view kType = ":saml-provider/";
  if (!arn.starts_with(kPrefix)) {
    return std::nullopt;
  }
  arn.remove_prefix(kPrefix.size());
  if (arn.size() <= 12 + kType.size() || arn.substr(12, kType.size()) != kType ||
      !std::all_of(arn.begin(), arn.begin() + 12, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::pair<std::string, std::string>(std::string(arn.substr(0, 12)),
                                             std::string(arn.substr(12 + kType.size())));
}

std::string TrimSpace(std::string_view s) {
  const std::size_t start = s.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) {
    return {};
  }
  return std::string(s.substr(start, s.find_last_not_of(" \t\r\n") - start + 1));
}

// True when one of the Role attribute's values is "role,provider" or "provider,role".
bool RolePairPresent(const SamlAssertion& assertion, std::string_view role_arn,
                     std::string_view provider_arn) {
  const SamlAttribute* roles = assertion.Find(federation::kAwsRoleAttribute);
  if (roles == nullptr) {
    return false;
  }
  for (const std::string& value : roles->values) {
    const std::size_t comma = value.find(',');
    if (comma == std::string::npos) {
      continue;
    }
    const std::string a = TrimSpace(std::string_view(value).substr(0, comma));
    const std::string b = TrimSpace(std::string_view(value).substr(comma + 1));
    if ((a == role_arn && b == provider_arn) || (a == provider_arn && b == role_arn)) {
      return true;
    }
  }
  return false;
}

// The single value of attribute `name`, nullopt when absent; IDPRejectedClaim when it has
// not exactly one value.
Result<std::optional<std::string>> SingleValue(const SamlAssertion& assertion,
                                               std::string_view name) {
  const SamlAttribute* a = assertion.Find(name);
  if (a == nullptr) {
    return std::optional<std::string>();
  }
  if (a->values.size() != 1) {
    return MakeError(Rejected("The attribute " + std::string(name) + " must have one value"));
  }
  return std::optional<std::string>(a->values.front());
}

std::string SubjectType(std::string_view format) {
  if (format.empty()) {
    return std::string(kUnspecifiedFormat);
  }
  if (format.starts_with(kNameIdFormatPrefix)) {
    return std::string(format.substr(kNameIdFormatPrefix.size()));
  }
  return std::string(format);
}

// The session tags of the PrincipalTag:KEY attributes and the TransitiveTagKeys attribute,
// added to a copy of the request as Tags/TransitiveTagKeys so that ReadSessionInputs
// checks them and counts them in the packed size like AssumeRole's.
Result<Value> WithSessionTags(const Value& input, const SamlAssertion& assertion) {
  Value out = input;
  Value tags = Value::List();
  std::size_t count = 0;
  for (const SamlAttribute& a : assertion.attributes) {
    if (!a.name.starts_with(federation::kAwsPrincipalTagPrefix)) {
      continue;
    }
    const std::string key = a.name.substr(federation::kAwsPrincipalTagPrefix.size());
    if (a.values.size() != 1 || key.empty() || key.size() > kMaxTagKey ||
        a.values.front().size() > kMaxTagValue || key.starts_with("aws:")) {
      return MakeError(Rejected("The session tag " + key + " is invalid"));
    }
    if (++count > kMaxSessionTags) {
      return MakeError(Rejected("The SAML assertion has more than 50 session tags"));
    }
    Value tag = Value::Structure();
    tag.Set("Key", Value::String(key));
    tag.Set("Value", Value::String(a.values.front()));
    tags.Append(std::move(tag));
  }
  if (count > 0) {
    out.Set("Tags", std::move(tags));
  }
  if (const SamlAttribute* t = assertion.Find(federation::kAwsTransitiveTagKeysAttribute);
      t != nullptr) {
    Value keys = Value::List();
    for (const std::string& k : t->values) {
      keys.Append(Value::String(k));
    }
    out.Set("TransitiveTagKeys", std::move(keys));
  }
  return out;
}

// The saml:* condition keys of `assertion`.
Context SamlContext(const SamlAssertion& assertion, std::string_view account_id,
                    std::string_view provider_name) {
  Context context;
  context.push_back({"saml:aud", {assertion.recipient}});
  context.push_back({"saml:iss", {assertion.issuer}});
  context.push_back({"saml:sub", {assertion.subject}});
  context.push_back({"saml:sub_type", {SubjectType(assertion.subject_format)}});
  context.push_back({"saml:namequalifier",
                     {federation::SamlNameQualifier(assertion.issuer, account_id, provider_name)}});
  context.push_back({"saml:doc", {std::string(account_id) + "/" + std::string(provider_name)}});
  for (const AttributeKey& k : kAttributeKeys) {
    for (const SamlAttribute& a : assertion.attributes) {
      if (a.values.empty()) {
        continue;
      }
      if (a.name == k.oid || EqualsIgnoreCase(a.name, k.key) ||
          EqualsIgnoreCase(a.friendly_name, k.key)) {
        context.push_back({"saml:" + std::string(k.key), a.values});
        break;
      }
    }
  }
  return context;
}

// The verification settings of provider `provider_arn`: its signing certificates and
// entity id. InvalidIdentityToken when it does not exist or its metadata expired.
Result<federation::SamlVerifyOptions> ProviderOptions(StsContext& ctx,
                                                      const std::string& provider_account,
                                                      const std::string& provider_arn,
                                                      federation::SamlTime now) {
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto found = txn->GetResource(store::ResourceKind::kSamlProvider, provider_account, provider_arn);
  if (!found.has_value()) {
    if (found.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(found).error());
    }
    return MakeError(InvalidToken("Specified provider doesn't exist"));
  }
  IAM_ASSIGN_OR_RETURN(federation::SamlProviderRecord provider,
                       federation::DecodeSamlProviderRecord(found->body));
  if (provider.valid_until_ms != 0 && now.time_since_epoch().count() >= provider.valid_until_ms) {
    return MakeError(InvalidToken("The specified provider's metadata has expired"));
  }
  auto metadata = federation::ParseSamlMetadata(provider.metadata);
  if (!metadata.has_value()) {
    return MakeError(InvalidToken("The specified provider's metadata cannot be read"));
  }
  federation::SamlVerifyOptions options;
  options.signing_certificates = std::move(metadata->signing_certificates);
  options.expected_issuer = std::move(metadata->entity_id);
  options.now = now;
  // AWS: with AssertionEncryptionMode Required only encrypted assertions are accepted;
  // the provider's private keys (sealed in the store) decrypt them.
  options.require_encryption = provider.encryption_mode == "Required";
  for (const federation::SamlPrivateKeyRecord& key : provider.private_keys) {
    const std::optional<std::string> sealed = DecodeBase64(key.sealed_base64);
    if (!sealed.has_value()) {
      continue;
    }
    auto pem = ctx.box.Open(std::vector<std::uint8_t>(sealed->begin(), sealed->end()),
                            federation::SamlPrivateKeyAssociatedData(provider_arn, key.id));
    if (pem.has_value()) {
      options.decryption_keys_pem.push_back(*std::move(pem));
    }
  }
  return options;
}

// The SAMLAssertion member: base64 (line breaks allowed), then verified.
Result<SamlAssertion> ReadAssertion(const Value& input,
                                    const federation::SamlVerifyOptions& options) {
  std::string encoded(iam::StringMember(input, "SAMLAssertion"));
  encoded.erase(
      std::remove_if(encoded.begin(), encoded.end(),
                     [](char c) { return c == '\r' || c == '\n' || c == ' ' || c == '\t'; }),
      encoded.end());
  const std::optional<std::string> xml = DecodeBase64(encoded);
  if (!xml.has_value()) {
    return MakeError(InvalidToken("Invalid base64 SAMLResponse"));
  }
  return federation::VerifySamlResponse(*xml, options);
}

// What the AWS attributes ask of the session besides tags.
struct SessionClaims {
  std::string session_name;
  std::optional<std::string> source_identity;
  std::optional<std::int64_t> duration_cap;
};

Result<SessionClaims> ReadSessionClaims(const SamlAssertion& assertion, const std::string& role_arn,
                                        const std::string& provider_arn) {
  if (!RolePairPresent(assertion, role_arn, provider_arn)) {
    return MakeError(Rejected("The role " + role_arn + " and provider " + provider_arn +
                              " are not a pair of the assertion's Role attribute"));
  }
  SessionClaims out;
  IAM_ASSIGN_OR_RETURN(auto session_name,
                       SingleValue(assertion, federation::kAwsRoleSessionNameAttribute));
  if (!session_name.has_value()) {
    return MakeError(Rejected("The SAML assertion has no RoleSessionName attribute"));
  }
  if (!IsSessionNameLike(*session_name, 2)) {
    return MakeError(
        Rejected("The RoleSessionName attribute must be 2 to 64 characters of "
                 "[\\w+=,.@-]"));
  }
  out.session_name = *std::move(session_name);
  IAM_ASSIGN_OR_RETURN(out.source_identity,
                       SingleValue(assertion, federation::kAwsSourceIdentityAttribute));
  if (out.source_identity.has_value() &&
      (!IsSessionNameLike(*out.source_identity, 2) || out.source_identity->starts_with("aws:"))) {
    return MakeError(Rejected("The SourceIdentity attribute is invalid"));
  }
  IAM_ASSIGN_OR_RETURN(auto duration,
                       SingleValue(assertion, federation::kAwsSessionDurationAttribute));
  if (duration.has_value()) {
    const bool digits = !duration->empty() && duration->size() <= 6 &&
                        std::all_of(duration->begin(), duration->end(),
                                    [](char c) { return c >= '0' && c <= '9'; });
    const std::int64_t v = digits ? std::stoll(*duration) : 0;
    if (v < kMinDuration || v > kUserSessionDefault) {
      return MakeError(Rejected("The SessionDuration attribute must be 900 to 43200 seconds"));
    }
    out.duration_cap = v;
  }
  return out;
}

// The session's context keys besides the saml:* ones.
void AddSessionContext(const SessionClaims& claims, const SessionInputs& inputs, Context* context) {
  context->push_back({"sts:RoleSessionName", {claims.session_name}});
  if (claims.source_identity.has_value()) {
    context->push_back({"sts:SourceIdentity", {*claims.source_identity}});
  }
  std::vector<std::string> tag_keys;
  for (const auto& [k, v] : inputs.tags) {
    context->push_back({"aws:RequestTag/" + k, {v}});
    tag_keys.push_back(k);
  }
  if (!tag_keys.empty()) {
    context->push_back({"aws:TagKeys", tag_keys});
  }
  if (!inputs.transitive.empty()) {
    context->push_back({"sts:TransitiveTagKeys", inputs.transitive});
  }
}

// sts:AssumeRoleWithSAML, and sts:TagSession / sts:SetSourceIdentity when needed.
Status AuthorizeSession(StsContext& ctx, const store::Role& role, const std::string& provider_arn,
                        const Context& context, bool tagged, bool sourced) {
  IAM_RETURN_IF_ERROR(
      AuthorizeTrustPolicy(ctx, role, provider_arn, "sts:AssumeRoleWithSAML", context,
                           AccessDenied("Not authorized to perform sts:AssumeRoleWithSAML")));
  if (tagged) {
    IAM_RETURN_IF_ERROR(
        AuthorizeTrustPolicy(ctx, role, provider_arn, "sts:TagSession", context,
                             AccessDenied("Not authorized to perform sts:TagSession")));
  }
  if (sourced) {
    IAM_RETURN_IF_ERROR(
        AuthorizeTrustPolicy(ctx, role, provider_arn, "sts:SetSourceIdentity", context,
                             AccessDenied("Not authorized to perform sts:SetSourceIdentity")));
  }
  return OkStatus();
}

Result<Value> AssumeRoleWithSAML(StsContext& ctx, const Value& input) {
  const std::string role_arn(iam::StringMember(input, "RoleArn"));
  const std::string provider_arn(iam::StringMember(input, "PrincipalArn"));
  auto provider_parts = SplitProviderArn(provider_arn);
  if (!provider_parts.has_value()) {
    return MakeError(ValidationError(provider_arn + " is invalid"));
  }
  const auto& [provider_account, provider_name] = *provider_parts;
  if (!SplitRoleArn(role_arn).has_value()) {
    return MakeError(ValidationError(role_arn + " is invalid"));
  }
  // Session policies are checked before the assertion, and read again with its tags below.
  IAM_RETURN_IF_ERROR(ReadSessionInputs(input).transform([](const SessionInputs&) {}));

  const auto now = std::chrono::floor<std::chrono::milliseconds>(ctx.clock.Now());
  IAM_ASSIGN_OR_RETURN(federation::SamlVerifyOptions options,
                       ProviderOptions(ctx, provider_account, provider_arn, now));
  IAM_ASSIGN_OR_RETURN(SamlAssertion assertion, ReadAssertion(input, options));
  IAM_ASSIGN_OR_RETURN(SessionClaims claims, ReadSessionClaims(assertion, role_arn, provider_arn));
  IAM_ASSIGN_OR_RETURN(Value tagged_input, WithSessionTags(input, assertion));
  IAM_ASSIGN_OR_RETURN(SessionInputs session_inputs, ReadSessionInputs(tagged_input));

  // The role: its trust policy with the provider as principal.
  IAM_ASSIGN_OR_RETURN(
      store::Role role,
      LoadRole(ctx, role_arn, AccessDenied("Not authorized to perform sts:AssumeRoleWithSAML")));
  IAM_ASSIGN_OR_RETURN(std::int64_t duration, RoleSessionDuration(input, role, false));
  // AWS: the session ends no later than the SessionDuration attribute allows or the
  // AuthnStatement's SessionNotOnOrAfter.
  duration = std::min(duration, claims.duration_cap.value_or(duration));
  if (assertion.session_not_on_or_after.has_value()) {
    const auto left =
        std::chrono::floor<std::chrono::seconds>(*assertion.session_not_on_or_after - now).count();
    duration = std::max<std::int64_t>(1, std::min<std::int64_t>(duration, left));
  }
  Context context = SamlContext(assertion, provider_account, provider_name);
  AddSessionContext(claims, session_inputs, &context);
  IAM_RETURN_IF_ERROR(AuthorizeSession(ctx, role, provider_arn, context,
                                       !session_inputs.tags.empty(),
                                       claims.source_identity.has_value()));

  RoleSessionSpec spec;
  spec.session_name = claims.session_name;
  spec.source_arn = provider_arn;
  spec.source_identity = claims.source_identity.value_or(std::string());
  spec.policies = std::move(session_inputs.policies);
  spec.policy_arns = std::move(session_inputs.policy_arns);
  spec.tags = std::move(session_inputs.tags);
  spec.transitive_tag_keys = std::move(session_inputs.transitive);
  spec.duration_seconds = duration;
  spec.packed_percent = session_inputs.packed_percent;
  Value out = IssueRoleSession(ctx, role, std::move(spec));
  out.Set("Subject", Value::String(assertion.subject));
  out.Set("SubjectType", Value::String(SubjectType(assertion.subject_format)));
  out.Set("Issuer", Value::String(assertion.issuer));
  out.Set("Audience", Value::String(assertion.recipient));
  out.Set("NameQualifier", Value::String(federation::SamlNameQualifier(
                               assertion.issuer, provider_account, provider_name)));
  return out;
}

}  // namespace

void RegisterSaml(StsHandlerMap& handlers) {
  handlers.emplace("AssumeRoleWithSAML", &AssumeRoleWithSAML);
}

}  // namespace portcullis::api::sts
