#include "auth/session_token.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "common/base64.h"

namespace portcullis::auth {
namespace {

using nlohmann::json;

constexpr std::string_view kKeyLabel = "sts-session-token";
constexpr std::int64_t kEpochSeconds = 86400;
// Tokens beyond this size are not ours (a session policy of 2048 packed characters and
// 50 tags fit well below it).
constexpr std::size_t kMaxTokenSize = 64 * 1024;

std::int64_t EpochOf(std::chrono::system_clock::time_point t) {
  const std::int64_t secs = std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
  return secs >= 0 ? secs / kEpochSeconds : (secs - kEpochSeconds + 1) / kEpochSeconds;
}

std::int64_t ToSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Seconds since the epoch, clamped to what the clock's duration holds (year 2200).
std::chrono::system_clock::time_point FromSeconds(std::int64_t s) {
  constexpr std::int64_t kMaxSeconds = 7258118400;
  return std::chrono::system_clock::time_point(
      std::chrono::seconds(std::clamp<std::int64_t>(s, -kMaxSeconds, kMaxSeconds)));
}

std::string AssociatedData(std::uint32_t epoch) {
  return std::string(kSessionTokenPrefix) + ":" + std::to_string(epoch);
}

Error Invalid() {
  return Error{ErrorCode::kInvalidArgument, "session token does not open", std::nullopt, {}, {}};
}

json ToJson(const SessionCredentials& c) {
  const Caller& caller = c.caller;
  const Session& s = *caller.session;
  json j;
  j["v"] = 1;
  j["akid"] = c.access_key_id;
  j["sk"] = c.secret_access_key;
  j["type"] = static_cast<int>(caller.type);
  j["acct"] = caller.account_id;
  j["arn"] = caller.arn;
  j["pid"] = caller.principal_id;
  j["user"] = caller.user_name;
  if (caller.mfa_authenticated_at.has_value()) {
    j["mfa"] = ToSeconds(*caller.mfa_authenticated_at);
  }
  j["role_arn"] = s.role_arn;
  j["role_name"] = s.role_name;
  j["role_id"] = s.role_id;
  j["name"] = s.session_name;
  j["src_user"] = s.source_user_name;
  j["src_arn"] = s.source_arn;
  j["src_id"] = s.source_identity;
  j["pol"] = s.policies;
  j["pol_arns"] = s.policy_arns;
  json tags = json::array();
  for (const auto& [k, v] : s.tags) {
    tags.push_back(json::array({k, v}));
  }
  j["tags"] = std::move(tags);
  j["trans"] = s.transitive_tag_keys;
  j["iat"] = ToSeconds(s.issued_at);
  j["exp"] = ToSeconds(s.expires_at);
  j["chained"] = s.chained;
  return j;
}

// The integer member `key` of `j`; throws json::exception (as at() does) when it is
// missing, not an integer or beyond int64 (never a float converted out of range).
std::int64_t Integer(const json& j, const char* key) {
  const json& v = j.at(key);
  if (v.is_number_unsigned() && v.get<std::uint64_t>() <= INT64_MAX) {
    return static_cast<std::int64_t>(v.get<std::uint64_t>());
  }
  if (v.is_number_integer() && !v.is_number_unsigned()) {
    return v.get<std::int64_t>();
  }
  throw json::type_error::create(302, "not an int64", &v);
}

Result<SessionCredentials> FromJson(const json& j) {
  try {
    if (Integer(j, "v") != 1) {
      return MakeError(Invalid());
    }
    SessionCredentials c;
    c.access_key_id = j.at("akid").get<std::string>();
    c.secret_access_key = j.at("sk").get<std::string>();
    const std::int64_t type = Integer(j, "type");
    if (type < 0 || type > static_cast<std::int64_t>(PrincipalType::kFederatedUser)) {
      return MakeError(Invalid());
    }
    Caller& caller = c.caller;
    caller.type = static_cast<PrincipalType>(type);
    caller.account_id = j.at("acct").get<std::string>();
    caller.arn = j.at("arn").get<std::string>();
    caller.principal_id = j.at("pid").get<std::string>();
    caller.user_name = j.at("user").get<std::string>();
    caller.access_key_id = c.access_key_id;
    if (j.contains("mfa")) {
      caller.mfa_authenticated_at = FromSeconds(Integer(j, "mfa"));
    }
    auto s = std::make_shared<Session>();
    s->role_arn = j.at("role_arn").get<std::string>();
    s->role_name = j.at("role_name").get<std::string>();
    s->role_id = j.at("role_id").get<std::string>();
    s->session_name = j.at("name").get<std::string>();
    s->source_user_name = j.at("src_user").get<std::string>();
    s->source_arn = j.at("src_arn").get<std::string>();
    s->source_identity = j.at("src_id").get<std::string>();
    s->policies = j.at("pol").get<std::vector<std::string>>();
    s->policy_arns = j.at("pol_arns").get<std::vector<std::string>>();
    for (const json& t : j.at("tags")) {
      s->tags.emplace_back(t.at(0).get<std::string>(), t.at(1).get<std::string>());
    }
    s->transitive_tag_keys = j.at("trans").get<std::vector<std::string>>();
    s->issued_at = FromSeconds(Integer(j, "iat"));
    s->expires_at = FromSeconds(Integer(j, "exp"));
    s->chained = j.at("chained").get<bool>();
    caller.session = std::move(s);
    return c;
  } catch (const json::exception&) {
    return MakeError(Invalid());
  }
}

}  // namespace

std::string SessionTokenCodec::Issue(const SessionCredentials& credentials,
                                     std::chrono::system_clock::time_point now) const {
  const auto epoch = static_cast<std::uint32_t>(EpochOf(now));
  const crypto::SecretBox key = master_.Derive(kKeyLabel, epoch);
  const std::vector<std::uint8_t> sealed =
      key.Seal(ToJson(credentials).dump(), AssociatedData(epoch));
  std::string raw;
  raw.reserve(4 + sealed.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    raw.push_back(static_cast<char>((epoch >> shift) & 0xff));
  }
  raw.append(reinterpret_cast<const char*>(sealed.data()), sealed.size());
  return std::string(kSessionTokenPrefix) + EncodeBase64(raw);
}

Result<SessionCredentials> SessionTokenCodec::Open(
    std::string_view token, std::chrono::system_clock::time_point now) const {
  if (token.size() > kMaxTokenSize || !token.starts_with(kSessionTokenPrefix)) {
    return MakeError(Invalid());
  }
  token.remove_prefix(kSessionTokenPrefix.size());
  std::optional<std::string> raw = DecodeBase64(token);
  if (!raw.has_value() || raw->size() < 5) {
    return MakeError(Invalid());
  }
  std::uint32_t epoch = 0;
  for (int i = 0; i < 4; ++i) {
    epoch = (epoch << 8) | static_cast<std::uint8_t>((*raw)[static_cast<std::size_t>(i)]);
  }
  const std::int64_t current = EpochOf(now);
  const auto e = static_cast<std::int64_t>(epoch);
  if (e < current - kRingPreviousEpochs || e > current + 1) {
    return MakeError(Invalid());
  }
  const crypto::SecretBox key = master_.Derive(kKeyLabel, epoch);
  const std::vector<std::uint8_t> sealed(raw->begin() + 4, raw->end());
  auto plain = key.Open(sealed, AssociatedData(epoch));
  if (!plain.has_value()) {
    return MakeError(Invalid());
  }
  json j = json::parse(*plain, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(Invalid());
  }
  return FromJson(j);
}

}  // namespace portcullis::auth
