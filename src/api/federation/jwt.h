// JSON Web Tokens (RFC 7519) in JWS compact serialization (RFC 7515), the OpenID Connect
// ID tokens AssumeRoleWithWebIdentity receives, and JSON Web Key Sets (RFC 7517) that hold
// the keys verifying them.
//
// Only two algorithms (RFC 7518): RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RSA keys of 2048
// to 8192 bits) and ES256 (ECDSA on P-256 with SHA-256, the signature as raw r||s). `none`,
// HS* and every other `alg` are refused; so is a `crit` header (no extension is
// understood). Verification uses OpenSSL 3 EVP.
//
// Everything here reads untrusted bytes and is bounded: a token of at most kMaxJwtBytes, a
// key set of at most kMaxJwksBytes and kMaxJwksKeys keys, JSON nested at most
// kMaxJsonDepth deep.
//
// JwtSigner signs tokens (the built-in IdP, `portcullis idp`, and GetWebIdentityToken);
// its private key never leaves it except as PEM on request of its owner.
//
// Thread-safety: the free functions are pure; a JwtSigner may sign from many threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace portcullis::api::federation {

inline constexpr std::size_t kMaxJwtBytes = 20'000;  // AWS: WebIdentityToken max length
inline constexpr std::size_t kMaxJwksBytes = std::size_t{256} * 1024;
inline constexpr std::size_t kMaxJwksKeys = 64;
inline constexpr int kMaxJsonDepth = 16;

// kEs384 (ECDSA on P-384 with SHA-384) is for signing only (GetWebIdentityToken offers
// RS256 and ES384); ParseJwt never yields it and VerifyJwtSignature refuses it.
enum class JwtAlgorithm : std::uint8_t { kRs256, kEs256, kEs384 };

// "RS256" / "ES256" / "ES384".
std::string_view JwtAlgorithmName(JwtAlgorithm alg);

// One usable signature key of a JWKS. Raw big-endian bytes (base64url-decoded).
struct Jwk {
  std::string kid;  // may be empty
  std::string kty;  // "RSA" or "EC" (P-256)
  std::string n, e;
  std::string x, y;
};

struct Jwks {
  std::vector<Jwk> keys;
};

// Parses {"keys":[...]}. Keys of other types or curves, and keys marked "use":"enc", are
// skipped; a key of a known type whose members are missing or not base64url is an error.
// kInvalidArgument: not JSON, too large, too deep, no "keys" array, too many keys.
[[nodiscard]] Result<Jwks> ParseJwks(std::string_view json);

// The claims AssumeRoleWithWebIdentity reads. Times are seconds since the epoch.
struct JwtClaims {
  std::string iss;
  std::string sub;
  std::vector<std::string> aud;  // "aud" as a string is one element
  std::string azp;
  std::optional<std::int64_t> exp, nbf, iat;
  std::vector<std::string> amr;
  // AWS: the "https://aws.amazon.com/tags" claim ("principal_tags": {key: [value]},
  // "transitive_tag_keys": [key]).
  bool has_session_tags = false;
  std::vector<std::pair<std::string, std::string>> principal_tags;
  std::vector<std::string> transitive_tag_keys;
  // AWS: the "https://aws.amazon.com/source_identity" claim; empty when absent.
  std::string source_identity;
};

struct Jwt {
  JwtAlgorithm alg = JwtAlgorithm::kRs256;
  std::string kid;
  JwtClaims claims;
  std::string signing_input;  // BASE64URL(header) "." BASE64URL(payload)
  std::string signature;      // raw bytes
};

// Splits and decodes a compact JWS and reads its header and claims; does NOT verify the
// signature. kInvalidArgument for anything malformed or unsupported (the message says
// what). "iss", "sub" and "exp" are required; "aud" must be a string or an array of strings.
[[nodiscard]] Result<Jwt> ParseJwt(std::string_view token);

// Verifies `jwt`'s signature with the key of `jwks` it names: the key whose kid equals the
// token's kid, or, when the token has no kid, the only key of the algorithm's type.
// kNotFound when no such key exists (or several match without a kid); kUnauthenticated
// when the signature does not verify; kInvalidArgument for a key OpenSSL refuses.
[[nodiscard]] Status VerifyJwtSignature(const Jwt& jwt, const Jwks& jwks);

// Checks exp and nbf against `now` (seconds) with `leeway` seconds of clock skew.
// kFailedPrecondition when the token expired; kInvalidArgument when it is not valid yet.
[[nodiscard]] Status CheckJwtTimes(const JwtClaims& claims, std::int64_t now, std::int64_t leeway);

// base64url without padding (RFC 7515 section 2) and its inverse (nullopt for anything
// else, padding included).
std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Signs tokens with one private key (RSA 2048 for RS256, P-256 for ES256, P-384 for ES384).
class JwtSigner {
 public:
  // A fresh key. kInternal when OpenSSL fails.
  [[nodiscard]] static Result<JwtSigner> Generate(JwtAlgorithm alg, std::string kid);
  // A PEM private key (PKCS#8 or traditional); the algorithm follows the key type.
  // kInvalidArgument when it does not parse or is not RSA (>= 2048 bits), P-256 or P-384.
  [[nodiscard]] static Result<JwtSigner> FromPem(std::string_view pem, std::string kid);

  ~JwtSigner();
  JwtSigner(JwtSigner&&) noexcept;
  JwtSigner& operator=(JwtSigner&&) noexcept;
  JwtSigner(const JwtSigner&) = delete;
  JwtSigner& operator=(const JwtSigner&) = delete;

  JwtAlgorithm alg() const;
  const std::string& kid() const;
  // The public key as one JWK JSON object (kty, kid, use "sig", alg, n/e or crv/x/y).
  std::string PublicJwkJson() const;
  // The PKCS#8 PEM private key (for its owner to seal or keep; never log it).
  [[nodiscard]] Result<std::string> PrivateKeyPem() const;
  // header.payload.signature for the claims object `payload_json` (its bytes are signed
  // as given), with header {"alg", "typ":"JWT", "kid"}. kInternal when OpenSSL fails.
  [[nodiscard]] Result<std::string> Sign(std::string_view payload_json) const;

 private:
  struct Impl;
  explicit JwtSigner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace portcullis::api::federation
