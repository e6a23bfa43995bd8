// S3 Signature Version 2 query-string authentication: see s3_query_v2.h.
//
// The canonicalisation follows botocore's HmacV1Auth (canonical_standard_headers,
// canonical_custom_headers, canonical_resource with QSAOfInterest), which is what the
// signatures to verify were made with.
#include "auth/sigv4/s3_query_v2.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/sigv4/canonical.h"
#include "auth/sigv4/errors.h"
#include "common/base64.h"
#include "common/strings.h"
#include "crypto/crypto.h"

namespace portcullis::auth::sigv4 {
namespace {

// botocore's HmacV1Auth.QSAOfInterest: the query parameters the resource signs.
constexpr std::array<std::string_view, 37> kSubResources = {
    "accelerate",
    "acl",
    "cors",
    "defaultObjectAcl",
    "location",
    "logging",
    "partNumber",
    "policy",
    "requestPayment",
    "torrent",
    "versioning",
    "versionId",
    "versions",
    "website",
    "uploads",
    "uploadId",
    "response-content-type",
    "response-content-language",
    "response-expires",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "delete",
    "lifecycle",
    "tagging",
    "restore",
    "storageClass",
    "notification",
    "replication",
    "analytics",
    "metrics",
    "inventory",
    "select",
    "select-type",
    "object-lock",
    // Not in botocore's list, but operations of their own on the same path and verb.
    "publicAccessBlock",
    "policyStatus",
};

// Expires is at most this many digits (seconds since the epoch; 10^15 s is past year 10^7).
constexpr std::size_t kMaxExpiresDigits = 15;

bool IsSubResource(std::string_view raw_name) {
  return std::find(kSubResources.begin(), kSubResources.end(), raw_name) != kSubResources.end();
}

tl::unexpected<Error> Fail(std::string_view aws_code, std::string message) {
  return MakeError(AuthError(aws_code, std::move(message)));
}

// Python's str.strip() over ASCII whitespace, as botocore trims header values.
std::string_view Strip(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\r\v\f";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

// The raw components of a query string split on '&', each split at its first '='.
struct RawParam {
  std::string_view name;
  std::optional<std::string_view> value;  // nullopt: no '='
};

std::vector<RawParam> SplitRawQuery(std::string_view raw_query) {
  std::vector<RawParam> params;
  std::size_t pos = 0;
  while (pos <= raw_query.size() && !raw_query.empty()) {
    std::size_t amp = raw_query.find('&', pos);
    if (amp == std::string_view::npos) {
      amp = raw_query.size();
    }
    const std::string_view part = raw_query.substr(pos, amp - pos);
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      params.push_back({part, std::nullopt});
    } else {
      params.push_back({part.substr(0, eq), part.substr(eq + 1)});
    }
    pos = amp + 1;
  }
  return params;
}

// `?name[=decoded value]&...` for the sub-resources among `params`, sorted by name (stable,
// as Python's sort), or empty.
std::string SubResourceSuffix(const std::vector<RawParam>& params) {
  std::vector<const RawParam*> chosen;
  for (const RawParam& p : params) {
    if (IsSubResource(p.name)) {
      chosen.push_back(&p);
    }
  }
  std::stable_sort(chosen.begin(), chosen.end(),
                   [](const RawParam* a, const RawParam* b) { return a->name < b->name; });
  std::string out;
  for (const RawParam* p : chosen) {
    out += out.empty() ? '?' : '&';
    out += p->name;
    if (p->value.has_value()) {
      out += '=';
      out += PercentDecode(*p->value);
    }
  }
  return out;
}

// Whether a parameter is one the signer added (signature, expiry, moved headers) rather than
// one of the request's own.
bool IsSignerParam(std::string_view decoded_name) {
  return decoded_name == "AWSAccessKeyId" || decoded_name == "Signature" ||
         decoded_name == "Expires" || StartsWithIgnoreCase(decoded_name, "x-amz-") ||
         EqualsIgnoreCase(decoded_name, "content-type") ||
         EqualsIgnoreCase(decoded_name, "content-md5");
}

// The resources botocore may have signed for this request (see the header): the standard
// one first.
std::vector<std::string> CandidateResources(std::string_view raw_path,
                                            const std::vector<RawParam>& params) {
  const std::string suffix = SubResourceSuffix(params);
  std::vector<std::string> out;
  out.push_back(std::string(raw_path) + suffix);
  // Bucket operations: botocore's auth path is "/{Bucket}/".
  if (raw_path.size() > 1 && raw_path.find('/', 1) == std::string_view::npos) {
    out.push_back(std::string(raw_path) + "/" + suffix);
  }
  // An operation's literal query ("?list-type=2", "?tagging") comes first in the URL and
  // in botocore's auth path. Only a literal that cannot be read as part of another
  // request's resource: no '?', and a bare name or a name that is no sub-resource.
  if (!params.empty()) {
    const RawParam& first = params.front();
    const std::string_view text =
        first.value.has_value()
            ? std::string_view(first.name.data(), first.name.size() + 1 + first.value->size())
            : first.name;
    if (!first.name.empty() && text.find('?') == std::string_view::npos &&
        (!first.value.has_value() || !IsSubResource(first.name)) &&
        !IsSignerParam(PercentDecode(first.name))) {
      out.push_back(std::string(raw_path) + "?" + std::string(text) + suffix);
    }
  }
  return out;
}

std::optional<std::string_view> FirstHeader(std::span<const HeaderField> headers,
                                            std::string_view name) {
  for (const HeaderField& header : headers) {
    if (EqualsIgnoreCase(header.name, name)) {
      return header.value;
    }
  }
  return std::nullopt;
}

// The signature parameters and the signed header values a SigV2 URL carries.
struct QueryV2 {
  std::string access_key_id;
  std::string signature;
  std::string expires;
  // x-amz-* parameters by lowercase name, values in order.
  std::map<std::string, std::vector<std::string>> amz;
  std::optional<std::string> content_type;
  std::optional<std::string> content_md5;
};

Result<QueryV2> ParseQueryV2(std::string_view raw_query) {
  std::optional<std::string> access_key_id;
  std::optional<std::string> signature;
  std::optional<std::string> expires;
  bool repeated = false;
  QueryV2 out;
  for (const auto& param : ParseQuery(raw_query)) {
    const std::string& name = param.first;
    const std::string& value = param.second;
    auto take = [&repeated, &value](std::optional<std::string>& slot) {
      repeated = repeated || slot.has_value();
      slot = value;
    };
    if (name == "AWSAccessKeyId") {
      take(access_key_id);
    } else if (name == "Signature") {
      take(signature);
    } else if (name == "Expires") {
      take(expires);
    } else if (StartsWithIgnoreCase(name, "x-amz-")) {
      out.amz[AsciiLower(name)].push_back(value);
    } else if (EqualsIgnoreCase(name, "content-type")) {
      out.content_type = out.content_type.value_or(value);
    } else if (EqualsIgnoreCase(name, "content-md5")) {
      out.content_md5 = out.content_md5.value_or(value);
    }
  }
  if (repeated || !access_key_id.has_value() || !signature.has_value() || !expires.has_value() ||
      access_key_id->empty() || signature->empty() || expires->empty()) {
    return Fail(kAuthorizationQueryParametersError, std::string(kS3QueryParametersMessage));
  }
  if (expires->size() > kMaxExpiresDigits ||
      !std::all_of(expires->begin(), expires->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Fail(kAuthorizationQueryParametersError,
                "Invalid date (should be seconds since epoch): " + *expires);
  }
  out.access_key_id = *std::move(access_key_id);
  out.signature = *std::move(signature);
  out.expires = *std::move(expires);
  return out;
}

// x-amz-* by lowercase name: the request's headers, else the query's parameters; trimmed.
std::map<std::string, std::vector<std::string>> AmzValues(std::span<const HeaderField> headers,
                                                          const QueryV2& query) {
  std::map<std::string, std::vector<std::string>> amz;
  for (const HeaderField& header : headers) {
    if (StartsWithIgnoreCase(header.name, "x-amz-")) {
      amz[AsciiLower(header.name)].emplace_back(Strip(header.value));
    }
  }
  for (const auto& [name, values] : query.amz) {
    if (!amz.contains(name)) {
      std::vector<std::string>& out = amz[name];
      for (const std::string& v : values) {
        out.emplace_back(Strip(v));
      }
    }
  }
  return amz;
}

// The StringToSign up to the resource.
std::string StringToSignHead(const HttpRequest& request, const QueryV2& query,
                             const std::map<std::string, std::vector<std::string>>& amz) {
  std::string head = std::string(request.method) + "\n";
  const auto standard = [&](std::string_view name, const std::optional<std::string>& fallback) {
    if (const auto header = FirstHeader(request.headers, name); header.has_value()) {
      head += Strip(*header);
    } else if (fallback.has_value()) {
      head += Strip(*fallback);
    }
    head += '\n';
  };
  standard("content-md5", query.content_md5);
  standard("content-type", query.content_type);
  head += query.expires;
  head += '\n';
  for (const auto& [name, values] : amz) {
    head += name;
    head += ':';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) {
        head += ',';
      }
      head += values[i];
    }
    head += '\n';
  }
  return head;
}

}  // namespace

bool HasS3QueryV2Params(std::string_view raw_query) {
  for (const auto& [name, value] : ParseQuery(raw_query)) {
    if (name == "AWSAccessKeyId" || name == "Signature") {
      return true;
    }
  }
  return false;
}

Result<Authenticated> VerifyS3QueryV2(const HttpRequest& request, std::chrono::sys_seconds now,
                                      const SecretLookupFn& lookup) {
  IAM_ASSIGN_OR_RETURN(QueryV2 query, ParseQueryV2(request.raw_query));
  const std::chrono::sys_seconds expires_at{std::chrono::seconds{std::stoll(query.expires)}};
  if (now > expires_at) {
    return Fail(kAccessDenied, std::string(kS3QueryExpiredMessage));
  }
  const std::map<std::string, std::vector<std::string>> amz = AmzValues(request.headers, query);
  std::optional<std::string> session_token;
  if (const auto it = amz.find("x-amz-security-token"); it != amz.end()) {
    session_token = it->second.front();
  }

  IAM_ASSIGN_OR_RETURN(SecretLookup found, lookup(query.access_key_id, session_token));
  if (found.status != KeyStatus::kActive) {
    return Fail(kInvalidClientTokenId, std::string(kInvalidClientTokenIdMessage));
  }

  const std::string head = StringToSignHead(request, query, amz);
  bool matched = false;
  for (const std::string& resource :
       CandidateResources(request.raw_path, SplitRawQuery(request.raw_query))) {
    const crypto::Sha1Digest mac = crypto::HmacSha1(found.secret_access_key, head + resource);
    // Every candidate is computed and compared, so the time taken does not say which matched.
    matched =
        crypto::ConstantTimeEquals(EncodeBase64(crypto::AsBytes(mac)), query.signature) || matched;
  }
  if (!matched) {
    return Fail(kSignatureDoesNotMatch, std::string(kSignatureDoesNotMatchMessage));
  }

  Authenticated out;
  out.access_key_id = std::move(query.access_key_id);
  out.service = "s3";
  out.session_token = std::move(session_token);
  out.request_time = now;
  out.presigned = true;
  out.signature_v2 = true;
  out.payload_mode = PayloadMode::kUnsigned;
  return out;
}

}  // namespace portcullis::auth::sigv4
