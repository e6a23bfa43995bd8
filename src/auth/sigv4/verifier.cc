#include "auth/sigv4/verifier.h"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "auth/sigv4/authorization.h"
#include "auth/sigv4/errors.h"
#include "auth/sigv4/signing.h"
#include "common/strings.h"
#include "crypto/crypto.h"

namespace portcullis::auth::sigv4 {
namespace {

// The headers named `name` (any case), in order.
std::vector<std::string_view> FindHeaders(std::span<const HeaderField> headers,
                                          std::string_view name) {
  std::vector<std::string_view> found;
  for (const HeaderField& header : headers) {
    if (EqualsIgnoreCase(header.name, name)) {
      found.push_back(header.value);
    }
  }
  return found;
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

tl::unexpected<Error> Fail(std::string_view aws_code, std::string message) {
  return MakeError(AuthError(aws_code, std::move(message)));
}

bool IsValidRegion(std::string_view region) {
  if (region.empty() || region.size() > 64) {
    return false;
  }
  for (const char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

// AWS: the scope must end in aws4_request, name a region, the service, and the request
// date's day.
Status CheckScope(const Credential& credential, std::string_view amz_date,
                  const VerifyOptions& options) {
  if (credential.terminator != kTerminator) {
    return Fail(kSignatureDoesNotMatch,
                "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                    credential.terminator + "'. ");
  }
  if (!IsValidRegion(credential.region)) {
    return Fail(kSignatureDoesNotMatch,
                "Credential should be scoped to a valid region, not '" + credential.region + "'. ");
  }
  if (credential.service.empty() ||
      (options.expected_service.has_value() && credential.service != *options.expected_service)) {
    return Fail(kSignatureDoesNotMatch, "Credential should be scoped to correct service: '" +
                                            options.expected_service.value_or("") + "'. ");
  }
  const std::string_view day = amz_date.substr(0, 8);
  if (credential.date != day) {
    return Fail(kSignatureDoesNotMatch,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                "date from HTTP: '" +
                    credential.date + "' != '" + std::string(day) + "', from '" +
                    std::string(amz_date) + "'.");
  }
  return OkStatus();
}

std::string SkewMinutes(std::chrono::seconds skew) {
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(skew).count();
  return std::to_string(minutes) + " min.";
}

// AWS: "Signature expired: <date> is now earlier than <now - 15 min> (<now> - 15 min.)".
Status CheckSkew(std::chrono::sys_seconds request_time, std::chrono::sys_seconds now,
                 std::chrono::seconds max_skew) {
  if (request_time < now - max_skew) {
    return Fail(kSignatureDoesNotMatch,
                "Signature expired: " + FormatAmzDate(request_time) + " is now earlier than " +
                    FormatAmzDate(now - max_skew) + " (" + FormatAmzDate(now) + " - " +
                    SkewMinutes(max_skew) + ")");
  }
  if (request_time > now + max_skew) {
    return Fail(kSignatureDoesNotMatch,
                "Signature not yet current: " + FormatAmzDate(request_time) +
                    " is still later than " + FormatAmzDate(now + max_skew) + " (" +
                    FormatAmzDate(now) + " + " + SkewMinutes(max_skew) + ")");
  }
  return OkStatus();
}

// The parts of a signature common to both mechanisms.
struct Claim {
  SignatureParams params;
  std::string amz_date;
  std::chrono::sys_seconds request_time;
  std::optional<std::string> session_token;
  std::optional<std::string> content_sha256;
  std::optional<std::int64_t> expires_seconds;
  bool presigned = false;
};

Result<Claim> ClaimFromHeader(const HttpRequest& request, std::string_view authorization) {
  Claim claim;
  const std::vector<std::string_view> amz_dates = FindHeaders(request.headers, "x-amz-date");
  const std::vector<std::string_view> dates = FindHeaders(request.headers, "date");
  const bool has_date = !amz_dates.empty() || !dates.empty();
  IAM_ASSIGN_OR_RETURN(claim.params, ParseAuthorizationHeader(authorization, has_date));
  if (amz_dates.size() > 1 || (amz_dates.empty() && dates.size() > 1)) {
    return Fail(kIncompleteSignature, "The request carries more than one date header.");
  }
  if (!amz_dates.empty()) {
    const std::string_view text = TrimSpaces(amz_dates.front());
    const auto time = ParseAmzDate(text);
    if (!time.has_value()) {
      return Fail(kIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '" +
                                            std::string(text) +
                                            "'. See http://en.wikipedia.org/wiki/ISO_8601");
    }
    claim.request_time = *time;
    claim.amz_date = std::string(text);
  } else {
    const std::string_view text = TrimSpaces(dates.front());
    const auto time = ParseHttpDate(text);
    if (!time.has_value()) {
      return Fail(kIncompleteSignature,
                  "Date must be in RFC 1123 format (e.g. 'Sun, 30 Aug 2015 12:36:00 GMT'). Got '" +
                      std::string(text) + "'.");
    }
    claim.request_time = *time;
    // AWS: with only Date, the string to sign carries its ISO 8601 basic form.
    claim.amz_date = FormatAmzDate(*time);
  }
  const std::vector<std::string_view> tokens = FindHeaders(request.headers, "x-amz-security-token");
  if (tokens.size() > 1) {
    return Fail(kIncompleteSignature, "The request carries more than one security token.");
  }
  if (!tokens.empty()) {
    claim.session_token = std::string(TrimSpaces(tokens.front()));
  }
  const std::vector<std::string_view> content =
      FindHeaders(request.headers, "x-amz-content-sha256");
  if (content.size() > 1) {
    return Fail(kIncompleteSignature,
                "The request carries more than one x-amz-content-sha256 header.");
  }
  if (!content.empty()) {
    claim.content_sha256 = std::string(TrimSpaces(content.front()));
  }
  return claim;
}

Result<Claim> ClaimFromQuery(const HttpRequest& request) {
  Claim claim;
  claim.presigned = true;
  IAM_ASSIGN_OR_RETURN(PresignedParams presigned, ParsePresignedQuery(request.raw_query));
  claim.params = std::move(presigned.params);
  claim.amz_date = std::move(presigned.amz_date);
  // INVARIANT: ParsePresignedQuery checked the date's format.
  claim.request_time = ParseAmzDate(claim.amz_date).value_or(std::chrono::sys_seconds{});
  claim.session_token = std::move(presigned.session_token);
  claim.content_sha256 = std::move(presigned.content_sha256);
  claim.expires_seconds = presigned.expires_seconds;
  if (!claim.session_token.has_value()) {
    const std::vector<std::string_view> tokens =
        FindHeaders(request.headers, "x-amz-security-token");
    if (!tokens.empty()) {
      claim.session_token = std::string(TrimSpaces(tokens.front()));
    }
  }
  if (!claim.content_sha256.has_value()) {
    const std::vector<std::string_view> content =
        FindHeaders(request.headers, "x-amz-content-sha256");
    if (!content.empty()) {
      claim.content_sha256 = std::string(TrimSpaces(content.front()));
    }
  }
  return claim;
}

bool IsHexSha256(std::string_view text) {
  if (text.size() != 64) {
    return false;
  }
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

// Services other than S3: the payload hash the canonical request ends with - the body's,
// which a declared x-amz-content-sha256 must equal, or UNSIGNED-PAYLOAD when declared.
Result<std::string> PayloadHash(const HttpRequest& request, const Claim& claim) {
  const std::string actual = request.payload_hash.has_value()
                                 ? std::string(*request.payload_hash)
                                 : crypto::HexLower(crypto::Sha256(request.body));
  if (!claim.content_sha256.has_value()) {
    return actual;
  }
  if (*claim.content_sha256 == kUnsignedPayload) {
    return std::string(kUnsignedPayload);
  }
  const std::string& declared = *claim.content_sha256;
  if (!IsHexSha256(declared) || declared != actual) {
    return Fail(kSignatureDoesNotMatch, std::string(kSignatureDoesNotMatchMessage));
  }
  return actual;
}

// S3: how x-amz-content-sha256 says the payload is signed. AWS: the header is required
// with the Authorization header; presigned URLs without it sign UNSIGNED-PAYLOAD.
Result<PayloadMode> S3PayloadMode(const Claim& claim) {
  if (!claim.content_sha256.has_value()) {
    if (claim.presigned) {
      return PayloadMode::kUnsigned;
    }
    return Fail(kInvalidRequest, std::string(kMissingContentSha256Message));
  }
  return ParseS3ContentSha256(*claim.content_sha256);
}

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// S3: the payload hash the canonical request ends with - the declared value - after
// checking a hex hash against the body when the body is at hand.
Result<std::string> S3PayloadHash(const HttpRequest& request, const Claim& claim, PayloadMode mode,
                                  std::optional<std::string>* to_check) {
  if (mode == PayloadMode::kUnsigned) {
    return std::string(kUnsignedPayload);
  }
  // INVARIANT: S3PayloadMode returned a mode other than kUnsigned only for a present header.
  const std::string& declared = claim.content_sha256.value();
  if (mode != PayloadMode::kSha256) {
    return declared;
  }
  const std::string expected = LowerAscii(declared);
  if (request.body_streamed && !request.payload_hash.has_value()) {
    *to_check = expected;
    return declared;
  }
  const std::string actual = request.payload_hash.has_value()
                                 ? LowerAscii(*request.payload_hash)
                                 : crypto::HexLower(crypto::Sha256(request.body));
  if (!crypto::ConstantTimeEquals(expected, actual)) {
    return Fail(kXAmzContentSha256Mismatch, std::string(kXAmzContentSha256MismatchMessage));
  }
  return declared;
}

// Signed streaming payloads: what the chunk signatures chain from.
std::optional<StreamingSigningContext> StreamingContext(PayloadMode mode,
                                                        const crypto::Sha256Digest& key,
                                                        const Claim& claim) {
  if (!HasChunkSignatures(mode)) {
    return std::nullopt;
  }
  return StreamingSigningContext{key, claim.amz_date, claim.params.credential.Scope(),
                                 claim.params.signature};
}

// AWS: the Host header must be signed.
Status CheckHostSigned(const std::vector<std::string>& signed_headers) {
  for (const std::string& name : signed_headers) {
    if (EqualsIgnoreCase(name, "host")) {
      return OkStatus();
    }
  }
  return Fail(kSignatureDoesNotMatch, "'Host' must be a 'SignedHeader' in the AWS Authorization.");
}

// Header signatures: 15 minutes of skew either way. Presigned URLs with X-Amz-Expires: not
// more than the skew in the future, and not past their expiry.
Status CheckTime(const Claim& claim, std::chrono::sys_seconds now, std::chrono::seconds max_skew) {
  if (!claim.presigned || !claim.expires_seconds.has_value() ||
      claim.request_time > now + max_skew) {
    return CheckSkew(claim.request_time, now, max_skew);
  }
  if (now > claim.request_time + std::chrono::seconds{*claim.expires_seconds}) {
    return Fail(kRequestExpired, std::string(kRequestExpiredMessage));
  }
  return OkStatus();
}

// AWS's Query services append the canonical request and string to sign when asked.
std::string MismatchMessage(bool explain, std::string_view canonical,
                            std::string_view string_to_sign) {
  std::string message(kSignatureDoesNotMatchMessage);
  if (explain) {
    message.append("\n\nThe Canonical String for this request should have been\n'")
        .append(canonical)
        .append("'\n\nThe String-to-Sign should have been\n'")
        .append(string_to_sign)
        .append("'\n");
  }
  return message;
}

}  // namespace

Result<Authenticated> Verify(const HttpRequest& request, std::chrono::sys_seconds now,
                             const SecretLookupFn& lookup, const VerifyOptions& options) {
  const std::vector<std::string_view> authorizations =
      FindHeaders(request.headers, "authorization");
  const bool has_query_auth = HasPresignedParams(request.raw_query);
  if (authorizations.empty() && !has_query_auth) {
    return Fail(kMissingAuthenticationToken, std::string(kMissingAuthenticationTokenMessage));
  }
  if (authorizations.size() > 1 || (!authorizations.empty() && has_query_auth)) {
    return Fail(kIncompleteSignature,
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be "
                "specified");
  }
  Claim claim;
  if (!authorizations.empty()) {
    IAM_ASSIGN_OR_RETURN(claim, ClaimFromHeader(request, authorizations.front()));
  } else {
    IAM_ASSIGN_OR_RETURN(claim, ClaimFromQuery(request));
  }
  const Credential& credential = claim.params.credential;
  IAM_RETURN_IF_ERROR(CheckScope(credential, claim.amz_date, options));

  IAM_RETURN_IF_ERROR(CheckHostSigned(claim.params.signed_headers));
  IAM_RETURN_IF_ERROR(CheckTime(claim, now, options.max_skew));
  const bool s3 = credential.service == "s3";
  IAM_ASSIGN_OR_RETURN(const PayloadMode payload_mode,
                       s3 ? S3PayloadMode(claim) : Result<PayloadMode>(PayloadMode::kSha256));

  std::optional<std::string_view> token_view;
  if (claim.session_token.has_value()) {
    token_view = *claim.session_token;
  }
  IAM_ASSIGN_OR_RETURN(SecretLookup secret, lookup(credential.access_key_id, token_view));
  if (secret.status != KeyStatus::kActive) {
    return Fail(kInvalidClientTokenId, std::string(kInvalidClientTokenIdMessage));
  }

  std::optional<std::string> payload_sha256_to_check;
  IAM_ASSIGN_OR_RETURN(const std::string payload_hash,
                       s3 ? S3PayloadHash(request, claim, payload_mode, &payload_sha256_to_check)
                          : PayloadHash(request, claim));
  const CanonicalRequestInput input{request.method,
                                    request.raw_path,
                                    request.raw_query,
                                    request.headers,
                                    claim.params.signed_headers,
                                    payload_hash,
                                    s3,
                                    claim.presigned};
  const std::string canonical = CanonicalRequest(input);
  const std::string string_to_sign = StringToSign(claim.amz_date, credential.Scope(), canonical);
  const crypto::Sha256Digest key = DeriveSigningKey(secret.secret_access_key, credential.date,
                                                    credential.region, credential.service);
  std::fill(secret.secret_access_key.begin(), secret.secret_access_key.end(), '\0');
  const std::string expected = Signature(key, string_to_sign);
  if (!crypto::ConstantTimeEquals(expected, claim.params.signature)) {
    return Fail(kSignatureDoesNotMatch,
                MismatchMessage(options.explain_mismatch, canonical, string_to_sign));
  }

  Authenticated out;
  out.access_key_id = credential.access_key_id;
  out.region = credential.region;
  out.service = credential.service;
  out.session_token = std::move(claim.session_token);
  out.request_time = claim.request_time;
  out.presigned = claim.presigned;
  out.signed_headers = std::move(claim.params.signed_headers);
  out.payload_mode = payload_mode;
  out.payload_sha256_to_check = std::move(payload_sha256_to_check);
  out.streaming = StreamingContext(payload_mode, key, claim);
  return out;
}

}  // namespace portcullis::auth::sigv4
