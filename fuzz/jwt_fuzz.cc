// libFuzzer target for web identity tokens and key sets (api/federation/jwt.h): what
// AssumeRoleWithWebIdentity reads from WebIdentityToken and from an issuer's JWKS.
//
// The input is split at its first NUL byte: the part before is read as a compact JWS,
// the part after as a JWKS (a whole input without NUL is tried as both). When both parse,
// the signature is verified. Properties checked, aborting on a violation:
//  - base64url round-trips: Decode(Encode(x)) == x for the raw input;
//  - a token that parses has iss, sub and exp, and a signature;
//  - nothing verifies except with a key of the set.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/federation/jwt.h"

namespace federation = portcullis::api::federation;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (federation::Base64UrlDecode(federation::Base64UrlEncode(input)) != std::string(input)) {
    std::abort();
  }
  const std::size_t nul = input.find('\0');
  const std::string_view token = nul == std::string_view::npos ? input : input.substr(0, nul);
  const std::string_view jwks_text = nul == std::string_view::npos ? input : input.substr(nul + 1);
  auto jwt = federation::ParseJwt(token);
  if (jwt.has_value()) {
    if (jwt->claims.iss.empty() || jwt->claims.sub.empty() || !jwt->claims.exp.has_value() ||
        jwt->signature.empty()) {
      std::abort();
    }
    (void)federation::CheckJwtTimes(jwt->claims, 1767225600, 0);
  }
  auto jwks = federation::ParseJwks(jwks_text);
  if (jwks.has_value()) {
    if (jwks->keys.size() > federation::kMaxJwksKeys) {
      std::abort();
    }
    if (jwt.has_value()) {
      auto verified = federation::VerifyJwtSignature(*jwt, *jwks);
      if (verified.has_value() && jwks->keys.empty()) {
        std::abort();
      }
    }
  }
  return 0;
}
