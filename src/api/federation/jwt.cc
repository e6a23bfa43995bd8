// JWT/JWS/JWKS: see jwt.h. RFC 7515 (JWS), 7517 (JWK), 7518 (algorithms), 7519 (JWT).
#include "api/federation/jwt.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <optional>
#include <string>
#include <utility>

#include "common/base64.h"

namespace portcullis::api::federation {
namespace {

using Json = nlohmann::json;

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;
constexpr std::size_t kP256Bytes = 32;
constexpr std::string_view kTagsClaim = "https://aws.amazon.com/tags";
constexpr std::string_view kSourceIdentityClaim = "https://aws.amazon.com/source_identity";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};

struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};

struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};

struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};

struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

Error Invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::nullopt, {}, {}};
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Nesting depth of a JSON text (brackets outside strings); bounded before parsing.
bool DepthWithin(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) {
        return false;
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

Result<Json> ParseObject(std::string_view text, std::string_view what) {
  if (!DepthWithin(text, kMaxJsonDepth)) {
    return MakeError(Invalid(std::string(what) + " is nested too deeply"));
  }
  Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return MakeError(Invalid(std::string(what) + " is not a JSON object"));
  }
  return json;
}

const std::string* StringAt(const Json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    return nullptr;
  }
  return it->get_ptr<const std::string*>();
}

Result<std::string> B64Member(const Json& key, std::string_view name) {
  const std::string* text = StringAt(key, name);
  if (text == nullptr) {
    return MakeError(Invalid("JWK member `" + std::string(name) + "` is missing"));
  }
  auto bytes = Base64UrlDecode(*text);
  if (!bytes.has_value() || bytes->empty()) {
    return MakeError(Invalid("JWK member `" + std::string(name) + "` is not base64url"));
  }
  return *std::move(bytes);
}

// A JSON number as whole seconds (fractions truncated); nullopt for anything else.
std::optional<std::int64_t> Seconds(const Json& value) {
  if (value.is_number_integer()) {
    return value.get<std::int64_t>();
  }
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (!(d > -9.0e15 && d < 9.0e15)) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

Status ReadTime(const Json& payload, std::string_view name, std::optional<std::int64_t>& out) {
  auto it = payload.find(name);
  if (it == payload.end()) {
    return OkStatus();
  }
  out = Seconds(*it);
  if (!out.has_value()) {
    return MakeError(Invalid("claim `" + std::string(name) + "` is not a number"));
  }
  return OkStatus();
}

// A claim that is a string or an array of strings.
Status ReadStrings(const Json& payload, std::string_view name, std::vector<std::string>& out) {
  auto it = payload.find(name);
  if (it == payload.end()) {
    return OkStatus();
  }
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
    return OkStatus();
  }
  if (!it->is_array()) {
    return MakeError(Invalid("claim `" + std::string(name) + "` is not a string or an array"));
  }
  for (const Json& v : *it) {
    if (!v.is_string()) {
      return MakeError(Invalid("claim `" + std::string(name) + "` holds a non-string"));
    }
    out.push_back(v.get<std::string>());
  }
  return OkStatus();
}

Status ReadSessionTags(const Json& payload, JwtClaims& claims) {
  auto it = payload.find(kTagsClaim);
  if (it == payload.end()) {
    return OkStatus();
  }
  if (!it->is_object()) {
    return MakeError(Invalid("claim `https://aws.amazon.com/tags` is not an object"));
  }
  claims.has_session_tags = true;
  if (auto tags = it->find("principal_tags"); tags != it->end()) {
    if (!tags->is_object()) {
      return MakeError(Invalid("principal_tags is not an object"));
    }
    for (const auto& [key, values] : tags->items()) {
      // AWS: each tag's value is an array holding one string.
      if (values.is_string()) {
        claims.principal_tags.emplace_back(key, values.get<std::string>());
      } else if (values.is_array() && values.size() == 1 && values[0].is_string()) {
        claims.principal_tags.emplace_back(key, values[0].get<std::string>());
      } else {
        return MakeError(Invalid("principal tag `" + key + "` must hold one string"));
      }
    }
  }
  if (auto keys = it->find("transitive_tag_keys"); keys != it->end()) {
    if (!keys->is_array()) {
      return MakeError(Invalid("transitive_tag_keys is not an array"));
    }
    for (const Json& k : *keys) {
      if (!k.is_string()) {
        return MakeError(Invalid("transitive_tag_keys holds a non-string"));
      }
      claims.transitive_tag_keys.push_back(k.get<std::string>());
    }
  }
  return OkStatus();
}

Result<JwtClaims> ReadClaims(const Json& payload) {
  JwtClaims claims;
  const std::string* iss = StringAt(payload, "iss");
  const std::string* sub = StringAt(payload, "sub");
  if (iss == nullptr || iss->empty()) {
    return MakeError(Invalid("claim `iss` is missing"));
  }
  if (sub == nullptr || sub->empty()) {
    return MakeError(Invalid("claim `sub` is missing"));
  }
  claims.iss = *iss;
  claims.sub = *sub;
  if (const std::string* azp = StringAt(payload, "azp"); azp != nullptr) {
    claims.azp = *azp;
  }
  IAM_RETURN_IF_ERROR(ReadStrings(payload, "aud", claims.aud));
  IAM_RETURN_IF_ERROR(ReadStrings(payload, "amr", claims.amr));
  IAM_RETURN_IF_ERROR(ReadTime(payload, "exp", claims.exp));
  IAM_RETURN_IF_ERROR(ReadTime(payload, "nbf", claims.nbf));
  IAM_RETURN_IF_ERROR(ReadTime(payload, "iat", claims.iat));
  if (!claims.exp.has_value()) {
    return MakeError(Invalid("claim `exp` is missing"));
  }
  IAM_RETURN_IF_ERROR(ReadSessionTags(payload, claims));
  if (auto it = payload.find(kSourceIdentityClaim); it != payload.end()) {
    if (!it->is_string()) {
      return MakeError(Invalid("claim `https://aws.amazon.com/source_identity` is not a string"));
    }
    claims.source_identity = it->get<std::string>();
  }
  return claims;
}

BnPtr ToBn(std::string_view bytes) {
  return BnPtr(BN_bin2bn(Bytes(bytes), static_cast<int>(bytes.size()), nullptr));
}

Result<PkeyPtr> FromParams(const char* type, OSSL_PARAM* params) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
    return MakeError(Invalid("the JWK is not a valid public key"));
  }
  return PkeyPtr(raw);
}

Result<PkeyPtr> PublicKey(const Jwk& jwk) {
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr) {
    return MakeError(ErrorCode::kInternal, "out of memory");
  }
  if (jwk.kty == "RSA") {
    BnPtr n = ToBn(jwk.n);
    BnPtr e = ToBn(jwk.e);
    if (n == nullptr || e == nullptr || BN_num_bits(n.get()) < kMinRsaBits ||
        BN_num_bits(n.get()) > kMaxRsaBits || BN_num_bits(e.get()) > 64) {
      return MakeError(Invalid("the RSA JWK's modulus must have 2048 to 8192 bits"));
    }
    if (OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) <= 0 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) <= 0) {
      return MakeError(ErrorCode::kInternal, "OpenSSL refused the RSA parameters");
    }
    std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
    return FromParams("RSA", params.get());
  }
  if (jwk.x.size() != kP256Bytes || jwk.y.size() != kP256Bytes) {
    return MakeError(Invalid("the EC JWK's coordinates must have 32 bytes"));
  }
  std::string point = "\x04";
  point += jwk.x;
  point += jwk.y;
  if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) <=
          0 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) <= 0) {
    return MakeError(ErrorCode::kInternal, "OpenSSL refused the EC parameters");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  return FromParams("EC", params.get());
}

// JWS ES256 signature (r||s, 32 bytes each) -> DER ECDSA-Sig-Value; nullopt when malformed.
std::optional<std::string> RawToDer(std::string_view raw) {
  if (raw.size() != 2 * kP256Bytes) {
    return std::nullopt;
  }
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(Bytes(raw), kP256Bytes, nullptr);
  BIGNUM* s = BN_bin2bn(Bytes(raw) + kP256Bytes, kP256Bytes, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) {
    return std::nullopt;
  }
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

// DER ECDSA-Sig-Value -> r||s, each `half` bytes.
std::optional<std::string> DerToRaw(std::string_view der, int half) {
  const unsigned char* p = Bytes(der);
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (sig == nullptr) {
    return std::nullopt;
  }
  std::string out(2 * static_cast<std::size_t>(half), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), o, half) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), o + half, half) < 0) {
    return std::nullopt;
  }
  return out;
}

std::string BnParam(const EVP_PKEY* pkey, const char* name, std::size_t pad) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
    return {};
  }
  BnPtr owned(bn);
  std::string out(std::max<std::size_t>(pad, static_cast<std::size_t>(BN_num_bytes(bn))), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
  return out;
}

std::string GroupName(const EVP_PKEY* pkey) {
  std::array<char, 64> group{};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                     &len) != 1) {
    return {};
  }
  return {group.data(), len};
}

// One key of a JWKS: nullopt for a key of another type or curve, or for encryption.
Result<std::optional<Jwk>> ReadJwk(const Json& key) {
  if (!key.is_object()) {
    return MakeError(Invalid("a JWKS key is not an object"));
  }
  const std::string* kty = StringAt(key, "kty");
  const std::string* use = StringAt(key, "use");
  const std::string* crv = StringAt(key, "crv");
  const bool rsa = kty != nullptr && *kty == "RSA";
  const bool p256 = kty != nullptr && *kty == "EC" && crv != nullptr && *crv == "P-256";
  if ((!rsa && !p256) || (use != nullptr && *use != "sig")) {
    return std::optional<Jwk>();
  }
  Jwk jwk;
  jwk.kty = *kty;
  if (const std::string* kid = StringAt(key, "kid"); kid != nullptr) {
    jwk.kid = *kid;
  }
  if (rsa) {
    IAM_ASSIGN_OR_RETURN(jwk.n, B64Member(key, "n"));
    IAM_ASSIGN_OR_RETURN(jwk.e, B64Member(key, "e"));
  } else {
    IAM_ASSIGN_OR_RETURN(jwk.x, B64Member(key, "x"));
    IAM_ASSIGN_OR_RETURN(jwk.y, B64Member(key, "y"));
  }
  return std::optional<Jwk>(std::move(jwk));
}

// The coordinate size in bytes of an ES* algorithm's curve.
std::size_t CoordinateBytes(JwtAlgorithm alg) {
  return alg == JwtAlgorithm::kEs384 ? 48 : kP256Bytes;
}

}  // namespace

std::string_view JwtAlgorithmName(JwtAlgorithm alg) {
  switch (alg) {
    case JwtAlgorithm::kEs256:
      return "ES256";
    case JwtAlgorithm::kEs384:
      return "ES384";
    case JwtAlgorithm::kRs256:
      break;
  }
  return "RS256";
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out = EncodeBase64(bytes);
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  for (char& c : out) {
    if (c == '+') {
      c = '-';
    } else if (c == '/') {
      c = '_';
    }
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '+' || c == '/' || c == '=') {
      return std::nullopt;
    }
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    }
  }
  if (standard.size() % 4 == 1) {
    return std::nullopt;
  }
  return DecodeBase64(standard);
}

Result<Jwks> ParseJwks(std::string_view json) {
  if (json.size() > kMaxJwksBytes) {
    return MakeError(
        Invalid("the JWKS is larger than " + std::to_string(kMaxJwksBytes) + " bytes"));
  }
  IAM_ASSIGN_OR_RETURN(const Json doc, ParseObject(json, "the JWKS"));
  auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) {
    return MakeError(Invalid("the JWKS has no `keys` array"));
  }
  if (keys->size() > kMaxJwksKeys) {
    return MakeError(Invalid("the JWKS has more than " + std::to_string(kMaxJwksKeys) + " keys"));
  }
  Jwks out;
  for (const Json& key : *keys) {
    IAM_ASSIGN_OR_RETURN(std::optional<Jwk> jwk, ReadJwk(key));
    if (jwk.has_value()) {
      out.keys.push_back(*std::move(jwk));
    }
  }
  return out;
}

Result<Jwt> ParseJwt(std::string_view token) {
  if (token.size() > kMaxJwtBytes) {
    return MakeError(
        Invalid("the token is longer than " + std::to_string(kMaxJwtBytes) + " bytes"));
  }
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 =
      dot1 == std::string_view::npos ? std::string_view::npos : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return MakeError(Invalid("the token is not a compact JWS (header.payload.signature)"));
  }
  auto header_text = Base64UrlDecode(token.substr(0, dot1));
  auto payload_text = Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = Base64UrlDecode(token.substr(dot2 + 1));
  if (!header_text.has_value() || !payload_text.has_value() || !signature.has_value()) {
    return MakeError(Invalid("the token's parts are not base64url"));
  }
  IAM_ASSIGN_OR_RETURN(const Json header, ParseObject(*header_text, "the token header"));
  const std::string* alg = StringAt(header, "alg");
  if (alg == nullptr) {
    return MakeError(Invalid("the token header has no `alg`"));
  }
  Jwt jwt;
  if (*alg == "RS256") {
    jwt.alg = JwtAlgorithm::kRs256;
  } else if (*alg == "ES256") {
    jwt.alg = JwtAlgorithm::kEs256;
  } else {
    return MakeError(Invalid("the token's algorithm `" + alg->substr(0, 32) +
                             "` is not supported (RS256, ES256)"));
  }
  if (header.contains("crit")) {
    return MakeError(Invalid("the token header has critical extensions"));
  }
  if (auto kid = header.find("kid"); kid != header.end()) {
    if (!kid->is_string()) {
      return MakeError(Invalid("the token header's `kid` is not a string"));
    }
    jwt.kid = kid->get<std::string>();
  }
  if (signature->empty()) {
    return MakeError(Invalid("the token is not signed"));
  }
  IAM_ASSIGN_OR_RETURN(const Json payload, ParseObject(*payload_text, "the token payload"));
  IAM_ASSIGN_OR_RETURN(jwt.claims, ReadClaims(payload));
  jwt.signing_input = std::string(token.substr(0, dot2));
  jwt.signature = *std::move(signature);
  return jwt;
}

Status VerifyJwtSignature(const Jwt& jwt, const Jwks& jwks) {
  if (jwt.alg == JwtAlgorithm::kEs384) {
    return MakeError(Invalid("ES384 tokens are not accepted"));
  }
  const std::string_view kty = jwt.alg == JwtAlgorithm::kEs256 ? "EC" : "RSA";
  const Jwk* chosen = nullptr;
  for (const Jwk& key : jwks.keys) {
    if (key.kty != kty || (!jwt.kid.empty() && key.kid != jwt.kid)) {
      continue;
    }
    if (chosen != nullptr) {
      return MakeError(ErrorCode::kNotFound,
                       "several keys match the token and it names none (`kid`)");
    }
    chosen = &key;
  }
  if (chosen == nullptr) {
    return MakeError(ErrorCode::kNotFound, jwt.kid.empty()
                                               ? "no key of the token's type in the JWKS"
                                               : "no key with the token's `kid` in the JWKS");
  }
  IAM_ASSIGN_OR_RETURN(PkeyPtr pkey, PublicKey(*chosen));
  std::string signature = jwt.signature;
  if (jwt.alg == JwtAlgorithm::kEs256) {
    auto der = RawToDer(jwt.signature);
    if (!der.has_value()) {
      return MakeError(ErrorCode::kUnauthenticated, "the token's signature is invalid");
    }
    signature = *std::move(der);
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  if (md == nullptr ||
      EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) != 1) {
    return MakeError(ErrorCode::kInternal, "OpenSSL could not start a verification");
  }
  if (EVP_DigestVerify(md.get(), Bytes(signature), signature.size(), Bytes(jwt.signing_input),
                       jwt.signing_input.size()) != 1) {
    return MakeError(ErrorCode::kUnauthenticated, "the token's signature is invalid");
  }
  return OkStatus();
}

Status CheckJwtTimes(const JwtClaims& claims, std::int64_t now, std::int64_t leeway) {
  if (claims.exp.has_value() && *claims.exp < now - leeway) {
    return MakeError(ErrorCode::kFailedPrecondition, "the token expired");
  }
  if (claims.nbf.has_value() && *claims.nbf > now + leeway) {
    return MakeError(ErrorCode::kInvalidArgument, "the token is not valid yet (`nbf`)");
  }
  return OkStatus();
}

struct JwtSigner::Impl {
  PkeyPtr key;
  JwtAlgorithm alg = JwtAlgorithm::kRs256;
  std::string kid;
};

JwtSigner::JwtSigner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

JwtSigner::~JwtSigner() = default;
JwtSigner::JwtSigner(JwtSigner&&) noexcept = default;
JwtSigner& JwtSigner::operator=(JwtSigner&&) noexcept = default;

Result<JwtSigner> JwtSigner::Generate(JwtAlgorithm alg, std::string kid) {
  EVP_PKEY* raw = alg == JwtAlgorithm::kEs256   ? EVP_EC_gen("P-256")
                  : alg == JwtAlgorithm::kEs384 ? EVP_EC_gen("P-384")
                                                : EVP_RSA_gen(static_cast<unsigned>(kMinRsaBits));
  if (raw == nullptr) {
    return MakeError(ErrorCode::kInternal, "OpenSSL could not generate a key");
  }
  auto impl = std::make_unique<Impl>();
  impl->key.reset(raw);
  impl->alg = alg;
  impl->kid = std::move(kid);
  return JwtSigner(std::move(impl));
}

Result<JwtSigner> JwtSigner::FromPem(std::string_view pem, std::string kid) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) {
    return MakeError(ErrorCode::kInternal, "out of memory");
  }
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return MakeError(Invalid("the key is not a PEM private key"));
  }
  auto impl = std::make_unique<Impl>();
  if (EVP_PKEY_is_a(key.get(), "RSA") == 1 && EVP_PKEY_get_bits(key.get()) >= kMinRsaBits &&
      EVP_PKEY_get_bits(key.get()) <= kMaxRsaBits) {
    impl->alg = JwtAlgorithm::kRs256;
  } else if (EVP_PKEY_is_a(key.get(), "EC") == 1 &&
             (GroupName(key.get()) == "prime256v1" || GroupName(key.get()) == "P-256")) {
    impl->alg = JwtAlgorithm::kEs256;
  } else if (EVP_PKEY_is_a(key.get(), "EC") == 1 &&
             (GroupName(key.get()) == "secp384r1" || GroupName(key.get()) == "P-384")) {
    impl->alg = JwtAlgorithm::kEs384;
  } else {
    return MakeError(Invalid("the key must be RSA (2048 to 8192 bits), EC P-256 or EC P-384"));
  }
  impl->key = std::move(key);
  impl->kid = std::move(kid);
  return JwtSigner(std::move(impl));
}

JwtAlgorithm JwtSigner::alg() const {
  return impl_->alg;
}

const std::string& JwtSigner::kid() const {
  return impl_->kid;
}

std::string JwtSigner::PublicJwkJson() const {
  Json jwk;
  jwk["kid"] = impl_->kid;
  jwk["use"] = "sig";
  jwk["alg"] = std::string(JwtAlgorithmName(impl_->alg));
  if (impl_->alg == JwtAlgorithm::kRs256) {
    jwk["kty"] = "RSA";
    jwk["n"] = Base64UrlEncode(BnParam(impl_->key.get(), OSSL_PKEY_PARAM_RSA_N, 0));
    jwk["e"] = Base64UrlEncode(BnParam(impl_->key.get(), OSSL_PKEY_PARAM_RSA_E, 0));
  } else {
    const std::size_t size = CoordinateBytes(impl_->alg);
    jwk["kty"] = "EC";
    jwk["crv"] = impl_->alg == JwtAlgorithm::kEs384 ? "P-384" : "P-256";
    jwk["x"] = Base64UrlEncode(BnParam(impl_->key.get(), OSSL_PKEY_PARAM_EC_PUB_X, size));
    jwk["y"] = Base64UrlEncode(BnParam(impl_->key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, size));
  }
  return jwk.dump();
}

Result<std::string> JwtSigner::PrivateKeyPem() const {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PrivateKey(bio.get(), impl_->key.get(), nullptr, nullptr, 0,
                                                 nullptr, nullptr) != 1) {
    return MakeError(ErrorCode::kInternal, "OpenSSL could not write the key");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Result<std::string> JwtSigner::Sign(std::string_view payload_json) const {
  Json header;
  header["alg"] = std::string(JwtAlgorithmName(impl_->alg));
  header["typ"] = "JWT";
  if (!impl_->kid.empty()) {
    header["kid"] = impl_->kid;
  }
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(payload_json);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (md == nullptr ||
      EVP_DigestSignInit(md.get(), nullptr,
                         impl_->alg == JwtAlgorithm::kEs384 ? EVP_sha384() : EVP_sha256(), nullptr,
                         impl_->key.get()) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &len, Bytes(input), input.size()) != 1) {
    return MakeError(ErrorCode::kInternal, "OpenSSL could not sign");
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     Bytes(input), input.size()) != 1) {
    return MakeError(ErrorCode::kInternal, "OpenSSL could not sign");
  }
  signature.resize(len);
  if (impl_->alg != JwtAlgorithm::kRs256) {
    auto raw = DerToRaw(signature, static_cast<int>(CoordinateBytes(impl_->alg)));
    if (!raw.has_value()) {
      return MakeError(ErrorCode::kInternal, "OpenSSL produced a malformed ECDSA signature");
    }
    signature = *std::move(raw);
  }
  return input + "." + Base64UrlEncode(signature);
}

}  // namespace portcullis::api::federation
