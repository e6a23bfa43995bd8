// libFuzzer target for STS session tokens (auth/session_token.h): what the Authenticator
// reads from X-Amz-Security-Token.
//
// Each input is opened twice: as a token as received (it must never open, being sealed
// under no key of the ring, and must not crash), and sealed, as token claims, under the
// ring's current key in the token's wire form, so the claims reader sees arbitrary JSON.
// Properties checked, aborting on a violation:
//  - a raw input never opens unless it is a token this ring issued;
//  - claims that open round-trip: Issue(Open(x)) opens to the same claims.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "auth/session_token.h"
#include "common/base64.h"
#include "crypto/secret_box.h"

namespace {

namespace auth = portcullis::auth;
namespace crypto = portcullis::crypto;

constexpr std::chrono::system_clock::time_point kNow{std::chrono::seconds(1767225600)};

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
  }
}

const crypto::SecretBox& Master() {
  static const crypto::SecretBox box = [] {
    std::array<std::uint8_t, crypto::kMasterKeySize> key{};
    key.fill(0x42);
    return crypto::SecretBox::FromKeyForTest(key);
  }();
  return box;
}

// The token Issue would write for claims `json` (see session_token.cc).
std::string SealAsToken(std::string_view json) {
  const auto epoch = static_cast<std::uint32_t>(
      std::chrono::floor<std::chrono::seconds>(kNow.time_since_epoch()).count() / 86400);
  const crypto::SecretBox key = Master().Derive("sts-session-token", epoch);
  const std::vector<std::uint8_t> sealed =
      key.Seal(json, std::string(auth::kSessionTokenPrefix) + ":" + std::to_string(epoch));
  std::string raw;
  for (int shift = 24; shift >= 0; shift -= 8) {
    raw.push_back(static_cast<char>((epoch >> shift) & 0xff));
  }
  raw.append(reinterpret_cast<const char*>(sealed.data()), sealed.size());
  return std::string(auth::kSessionTokenPrefix) + portcullis::EncodeBase64(raw);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auth::SessionTokenCodec codec(Master());
  Check(!codec.Open(input, kNow).has_value(), "a raw input opened");

  auto opened = codec.Open(SealAsToken(input), kNow);
  if (opened.has_value()) {
    auto again = codec.Open(codec.Issue(*opened, kNow), kNow);
    Check(again.has_value(), "a reissued token does not open");
    Check(again->access_key_id == opened->access_key_id &&
              again->secret_access_key == opened->secret_access_key &&
              again->caller.arn == opened->caller.arn &&
              again->caller.session->tags == opened->caller.session->tags &&
              again->caller.session->expires_at == opened->caller.session->expires_at,
          "claims do not round-trip");
  }
  return 0;
}
