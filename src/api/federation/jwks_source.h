// Where the keys that verify a web identity token come from (docs/federation.md).
//
//  1. A configured directory (server setting `oidc_jwks_dir`): the file
//     <dir>/<PercentEncodeIssuer(iss)>.json holds the issuer's JWKS. Read on every call
//     (no cache), so replacing the file rotates the keys at once.
//  2. Otherwise, only when the issuer's host is loopback (127.0.0.1, [::1], localhost) and
//     its scheme is http: GET <issuer>/.well-known/openid-configuration, then its
//     `jwks_uri` (which must be loopback http too), each with a short timeout. Results are
//     cached per issuer for cache_ttl; a token whose kid the cached set lacks refetches
//     (at most once per kRefetchInterval).
//  Any other issuer has no key source: this server never reaches out to the internet.
//
// Thread-safety: Get may be called from many threads (the cache is behind a mutex; the
// fetch runs without it).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "api/federation/jwt.h"
#include "common/error.h"

namespace portcullis::api::federation {

struct JwksSourceOptions {
  std::filesystem::path dir;  // empty: no configured keys
  bool fetch_loopback = true;
  std::chrono::milliseconds timeout = std::chrono::seconds(3);
  std::chrono::seconds cache_ttl = std::chrono::minutes(5);
};

class JwksSource {
 public:
  static constexpr std::chrono::seconds kRefetchInterval{10};

  explicit JwksSource(JwksSourceOptions options);

  // The JWKS of issuer `issuer` (a token's iss, scheme included); `kid` is the token's.
  // kNotFound when no source serves this issuer; kUnavailable when the fetch failed
  // (connection, timeout, HTTP status, body too large); kInvalidArgument when the
  // discovery document or the JWKS is malformed.
  [[nodiscard]] Result<Jwks> Get(std::string_view issuer, std::string_view kid,
                                 std::chrono::system_clock::time_point now);

 private:
  struct Entry {
    Jwks jwks;
    std::chrono::system_clock::time_point fetched;
  };

  JwksSourceOptions options_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> cache_;  // guarded by mu_
};

// `issuer` with every byte outside [A-Za-z0-9._~-] as %XX (upper-case hex): the JWKS
// file name under oidc_jwks_dir, without ".json".
std::string PercentEncodeIssuer(std::string_view issuer);

// Whether `url` is http:// or https:// on 127.0.0.1, [::1] or localhost (any port).
bool IsLoopbackUrl(std::string_view url);

// GET of an http:// loopback URL: the body of a 200 response of at most `max_bytes`.
// kInvalidArgument for a URL that is not http on a loopback host; kUnavailable for a
// connection failure, a timeout, another status or a larger body.
[[nodiscard]] Result<std::string> HttpGetLoopback(std::string_view url,
                                                  std::chrono::milliseconds timeout,
                                                  std::size_t max_bytes);

}  // namespace portcullis::api::federation
