#include "auth/sigv4/authorization.h"

#include <array>
#include <utility>

#include "auth/sigv4/canonical.h"
#include "auth/sigv4/errors.h"
#include "auth/sigv4/signing.h"

namespace portcullis::auth::sigv4 {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

tl::unexpected<Error> Incomplete(std::string message) {
  return MakeError(AuthError(kIncompleteSignature, std::move(message)));
}

Result<std::vector<std::string>> ParseSignedHeaders(std::string_view text) {
  std::vector<std::string> names;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t semi = text.find(';', pos);
    if (semi == std::string_view::npos) {
      semi = text.size();
    }
    const std::string_view name = text.substr(pos, semi - pos);
    if (name.empty()) {
      return Incomplete("SignedHeaders must not contain an empty header name, got '" +
                        std::string(text) + "'");
    }
    if (names.size() == kMaxSignedHeaders) {
      return Incomplete("SignedHeaders lists more than " + std::to_string(kMaxSignedHeaders) +
                        " headers");
    }
    names.emplace_back(name);
    pos = semi + 1;
  }
  return names;
}

// X-Amz-Expires: decimal seconds, at most a week (AWS S3's messages).
Result<std::int64_t> ParseExpires(std::string_view text) {
  if (!text.empty() && text.front() == '-') {
    return Incomplete("X-Amz-Expires must be non-negative");
  }
  if (text.empty() || text.size() > 12) {
    return Incomplete("X-Amz-Expires should be a number");
  }
  std::int64_t seconds = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return Incomplete("X-Amz-Expires should be a number");
    }
    seconds = seconds * 10 + (c - '0');
  }
  if (seconds > kMaxPresignedExpiresSeconds) {
    return Incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  return seconds;
}

}  // namespace

std::string Credential::Scope() const {
  return date + "/" + region + "/" + service + "/" + terminator;
}

Result<Credential> ParseCredential(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (pos <= text.size() && parts.size() <= 5) {
    std::size_t slash = text.find('/', pos);
    if (slash == std::string_view::npos) {
      slash = text.size();
    }
    parts.push_back(text.substr(pos, slash - pos));
    pos = slash + 1;
  }
  if (parts.size() != 5 || parts[0].empty()) {
    return Incomplete(
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got '" +
        std::string(text) + "'");
  }
  return Credential{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                    std::string(parts[3]), std::string(parts[4])};
}

Result<SignatureParams> ParseAuthorizationHeader(std::string_view value, bool has_date) {
  const std::string_view trimmed = Trim(value);
  const std::size_t space = trimmed.find(' ');
  const std::string_view algorithm = trimmed.substr(0, space);
  const std::string_view rest =
      space == std::string_view::npos ? std::string_view() : trimmed.substr(space + 1);

  std::optional<std::string_view> credential;
  std::optional<std::string_view> signed_headers;
  std::optional<std::string_view> signature;
  std::size_t pos = 0;
  while (pos < rest.size()) {
    std::size_t comma = rest.find(',', pos);
    if (comma == std::string_view::npos) {
      comma = rest.size();
    }
    const std::string_view part = Trim(rest.substr(pos, comma - pos));
    pos = comma + 1;
    if (part.empty()) {
      continue;
    }
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return Incomplete("'" + std::string(part) +
                        "' not a valid key=value pair (missing equal-sign) in Authorization "
                        "header: '" +
                        std::string(value) + "'.");
    }
    const std::string_view key = Trim(part.substr(0, eq));
    const std::string_view val = Trim(part.substr(eq + 1));
    std::optional<std::string_view>* slot = nullptr;
    if (key == "Credential") {
      slot = &credential;
    } else if (key == "SignedHeaders") {
      slot = &signed_headers;
    } else if (key == "Signature") {
      slot = &signature;
    } else {
      continue;
    }
    if (slot->has_value()) {
      return Incomplete("Authorization header has a duplicate '" + std::string(key) +
                        "' parameter: '" + std::string(value) + "'.");
    }
    *slot = val;
  }

  std::string missing;
  auto require = [&missing](bool present, std::string_view what) {
    if (!present) {
      missing.append("Authorization header requires ").append(what).append(". ");
    }
  };
  require(credential.has_value() && !credential->empty(), "'Credential' parameter");
  require(signature.has_value() && !signature->empty(), "'Signature' parameter");
  require(signed_headers.has_value() && !signed_headers->empty(), "'SignedHeaders' parameter");
  require(has_date, "existence of either a 'X-Amz-Date' or a 'Date' header");
  if (!missing.empty()) {
    return Incomplete(missing + "Authorization=" + std::string(value));
  }
  if (algorithm != kAlgorithm) {
    return Incomplete("Unsupported AWS 'algorithm': '" + std::string(algorithm) + "'");
  }

  SignatureParams params;
  IAM_ASSIGN_OR_RETURN(params.credential, ParseCredential(*credential));
  IAM_ASSIGN_OR_RETURN(params.signed_headers, ParseSignedHeaders(*signed_headers));
  params.signature = std::string(*signature);
  return params;
}

bool HasPresignedParams(std::string_view raw_query) {
  for (const auto& [name, value] : ParseQuery(raw_query)) {
    if (name == "X-Amz-Algorithm" || name == "X-Amz-Credential" || name == "X-Amz-Signature") {
      return true;
    }
  }
  return false;
}

Result<PresignedParams> ParsePresignedQuery(std::string_view raw_query) {
  struct Slot {
    std::string_view name;
    std::optional<std::string> value;
  };

  enum Index : std::size_t {
    kAlgorithmIndex,
    kCredentialIndex,
    kSignatureIndex,
    kDateIndex,
    kSignedHeadersIndex,
    kExpiresIndex,
    kTokenIndex,
    kContentIndex,
    kSlotCount,
  };

  std::array<Slot, kSlotCount> slots = {{
      {"X-Amz-Algorithm", std::nullopt},
      {"X-Amz-Credential", std::nullopt},
      {"X-Amz-Signature", std::nullopt},
      {"X-Amz-Date", std::nullopt},
      {"X-Amz-SignedHeaders", std::nullopt},
      {"X-Amz-Expires", std::nullopt},
      {"X-Amz-Security-Token", std::nullopt},
      {"X-Amz-Content-Sha256", std::nullopt},
  }};
  for (auto& [name, value] : ParseQuery(raw_query)) {
    for (Slot& slot : slots) {
      if (slot.name != name) {
        continue;
      }
      if (slot.value.has_value()) {
        return Incomplete("AWS query-string parameter '" + name +
                          "' must not be repeated. Re-examine the query-string parameters.");
      }
      slot.value = std::move(value);
      break;
    }
  }
  std::string missing;
  for (std::size_t i = kAlgorithmIndex; i <= kSignedHeadersIndex; ++i) {
    if (!slots[i].value.has_value() || slots[i].value->empty()) {
      missing.append("AWS query-string parameters must include '")
          .append(slots[i].name)
          .append("'. ");
    }
  }
  if (!missing.empty()) {
    return Incomplete(missing + "Re-examine the query-string parameters.");
  }
  if (*slots[kAlgorithmIndex].value != kAlgorithm) {
    return Incomplete("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  if (!ParseAmzDate(*slots[kDateIndex].value).has_value()) {
    return Incomplete("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }

  PresignedParams out;
  IAM_ASSIGN_OR_RETURN(out.params.credential, ParseCredential(*slots[kCredentialIndex].value));
  IAM_ASSIGN_OR_RETURN(out.params.signed_headers,
                       ParseSignedHeaders(*slots[kSignedHeadersIndex].value));
  out.params.signature = std::move(*slots[kSignatureIndex].value);
  out.amz_date = std::move(*slots[kDateIndex].value);
  if (slots[kExpiresIndex].value.has_value()) {
    IAM_ASSIGN_OR_RETURN(out.expires_seconds, ParseExpires(*slots[kExpiresIndex].value));
  }
  out.session_token = std::move(slots[kTokenIndex].value);
  out.content_sha256 = std::move(slots[kContentIndex].value);
  return out;
}

}  // namespace portcullis::auth::sigv4
