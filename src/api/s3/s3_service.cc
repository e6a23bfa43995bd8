#include "api/s3/s3_service.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "api/protocol/s3_codec.h"
#include "api/protocol/s3_errors.h"
#include "api/s3/public_access.h"
#include "api/s3/s3_actions.h"
#include "api/s3/s3_evaluate.h"
#include "auth/sigv4/aws_chunked.h"
#include "auth/sigv4/body_verifier.h"
#include "auth/sigv4/payload.h"
#include "common/strings.h"
#include "crypto/checksums.h"
#include "crypto/crypto.h"

namespace portcullis::api::s3 {
namespace {

using protocol::Value;

constexpr std::string_view kDefaultContentType = "binary/octet-stream";
constexpr std::string_view kStorageClass = "STANDARD";
// AWS: DeleteObjects takes at most 1000 keys.
constexpr std::size_t kMaxDeleteKeys = 1000;

tl::unexpected<Error> Fail(std::string_view code, std::string message = "") {
  if (message.empty()) {
    message = std::string(protocol::LookupS3Error(code).message);
  }
  return tl::unexpected<Error>(protocol::MakeS3Error(code, std::move(message)));
}

std::string_view Text(const Value& structure, std::string_view name) {
  const Value* v = structure.Find(name);
  return v == nullptr ? std::string_view() : std::string_view(v->text());
}

bool Has(const Value& structure, std::string_view name) {
  return structure.Find(name) != nullptr;
}

std::optional<std::int64_t> Number(const Value& structure, std::string_view name) {
  const Value* v = structure.Find(name);
  if (v == nullptr) {
    return std::nullopt;
  }
  return v->number();
}

std::string Quoted(std::string_view etag) {
  std::string out;
  out.reserve(etag.size() + 2);
  out += '"';
  out += etag;
  out += '"';
  return out;
}

std::string_view Unquoted(std::string_view etag) {
  etag = TrimAsciiWhitespace(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  if (etag.starts_with("W/")) {
    etag = Unquoted(etag.substr(2));
  }
  return etag;
}

std::int64_t EpochMillis(objects::TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// Whether an If-Match / If-None-Match list ("*", or comma-separated entity tags) names
// `etag`.
bool EtagListMatches(std::string_view list, std::string_view etag) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = TrimAsciiWhitespace(list.substr(0, comma));
    if (item == "*" || Unquoted(item) == etag) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
  return false;
}

// Parses "bytes=first-last", "bytes=first-" or "bytes=-suffix". S3 ignores a Range header
// it cannot parse (and more than one range): nullopt.
std::optional<objects::ByteRange> ParseRange(std::string_view header) {
  header = TrimAsciiWhitespace(header);
  if (!StartsWithIgnoreCase(header, "bytes=")) {
    return std::nullopt;
  }
  std::string_view spec = header.substr(6);
  if (spec.find(',') != std::string_view::npos) {
    return std::nullopt;
  }
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) {
    return std::nullopt;
  }
  auto parse = [](std::string_view digits) -> std::optional<std::uint64_t> {
    digits = TrimAsciiWhitespace(digits);
    std::uint64_t value = 0;
    if (digits.empty()) {
      return std::nullopt;
    }
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size()) {
      return std::nullopt;
    }
    return value;
  };
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);
  objects::ByteRange range;
  if (TrimAsciiWhitespace(first_text).empty()) {
    range.suffix_length = parse(last_text);
    if (!range.suffix_length.has_value()) {
      return std::nullopt;
    }
    return range;
  }
  range.first = parse(first_text);
  if (!range.first.has_value()) {
    return std::nullopt;
  }
  if (!TrimAsciiWhitespace(last_text).empty()) {
    range.last = parse(last_text);
    if (!range.last.has_value() || *range.last < *range.first) {
      return std::nullopt;
    }
  }
  return range;
}

// ListObjects with encoding-type=url: keys and prefixes percent-encoded (botocore decodes
// them).
std::string MaybeUrlEncode(std::string_view text, bool encode) {
  return encode ? auth::sigv4::UriEncode(text, true) : std::string(text);
}

Value OwnerValue(std::string_view account_id) {
  Value owner = Value::Structure();
  owner.Set("DisplayName", Value::String(std::string(account_id)));
  owner.Set("ID", Value::String(CanonicalUserId(account_id)));
  return owner;
}

std::string_view ChecksumMember(crypto::DigestAlgorithm algorithm) {
  switch (algorithm) {
    case crypto::DigestAlgorithm::kCrc32:
      return "ChecksumCRC32";
    case crypto::DigestAlgorithm::kCrc32c:
      return "ChecksumCRC32C";
    case crypto::DigestAlgorithm::kCrc64Nvme:
      return "ChecksumCRC64NVME";
    case crypto::DigestAlgorithm::kSha1:
      return "ChecksumSHA1";
    case crypto::DigestAlgorithm::kSha256:
      return "ChecksumSHA256";
    default:
      return "";
  }
}

}  // namespace

std::string CanonicalUserId(std::string_view account_id) {
  std::string seed = "portcullis-canonical-user:";
  seed += account_id;
  return crypto::HexLower(crypto::Sha256(seed));
}

// One request's state: routing, payload, the buckets it touched and the reply.
struct S3Service::Request {
  struct Access {
    objects::Bucket bucket;
    std::shared_ptr<const BucketPolicy> policy;  // null: none
    PublicAccessBlock public_access_block;
  };

  S3Service& service;
  const S3Call& call;
  const RequestInfo& info;
  protocol::S3Route route;
  const protocol::Operation* operation = nullptr;
  Value input;
  std::string decoded_body;  // aws-chunked payloads, de-framed
  std::string_view payload;
  std::optional<auth::sigv4::AwsChunkedResult> chunked;
  std::optional<auth::sigv4::BodyDigests> digests;
  std::map<std::string, Access, std::less<>> access;
  S3Reply reply;

  Request(S3Service& s, const S3Call& c, const RequestInfo& i) : service(s), call(c), info(i) {}

  std::string_view op() const { return operation->name; }

  std::optional<std::string_view> Header(std::string_view name) const {
    for (const auto& h : call.headers) {
      if (EqualsIgnoreCase(h.name, name)) {
        return h.value;
      }
    }
    return std::nullopt;
  }

  Fields QueryFields() const {
    Fields fields;
    fields.reserve(route.query.size());
    for (const auto& [k, v] : route.query) {
      fields.emplace_back(k, v);
    }
    return fields;
  }

  Fields HeaderFields() const {
    Fields fields;
    fields.reserve(call.headers.size());
    for (const auto& h : call.headers) {
      fields.emplace_back(h.name, h.value);
    }
    return fields;
  }

  S3RequestFacts Facts() const {
    S3RequestFacts facts;
    facts.operation = op();
    facts.bucket = route.bucket;
    facts.key = route.key;
    facts.query = QueryFields();
    facts.headers = HeaderFields();
    if (call.signature == nullptr) {
      facts.auth_type = AuthType::kAnonymous;
    } else {
      facts.auth_type = call.signature->presigned ? AuthType::kQueryString : AuthType::kHeader;
      facts.signature_v2 = call.signature->signature_v2;
      facts.signature_age_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(
              info.time - std::chrono::system_clock::time_point(call.signature->request_time))
              .count();
    }
    if (const auto it = access.find(route.bucket); it != access.end()) {
      facts.bucket_owner = it->second.bucket.owner_account_id;
    } else if (call.caller != nullptr) {
      facts.bucket_owner = call.caller->account_id;
    }
    return facts;
  }

  // ---- Buckets, policies and authorization ----------------------------------------

  Result<const Access*> AccessOf(std::string_view bucket) {
    if (const auto it = access.find(bucket); it != access.end()) {
      return &it->second;
    }
    Access a;
    IAM_ASSIGN_OR_RETURN(a.bucket, service.objects_.GetBucket(bucket));
    auto policy_text = service.objects_.GetBucketPolicy(bucket);
    if (policy_text.has_value()) {
      IAM_ASSIGN_OR_RETURN(a.policy, service.CompiledPolicy(bucket, *policy_text));
    } else if (policy_text.error().aws_code != "NoSuchBucketPolicy") {
      return tl::unexpected<Error>(policy_text.error());
    }
    auto pab = service.objects_.GetPublicAccessBlock(bucket);
    if (pab.has_value()) {
      a.public_access_block =
          PublicAccessBlock{pab->block_public_acls, pab->ignore_public_acls,
                            pab->block_public_policy, pab->restrict_public_buckets};
    } else if (pab.error().aws_code != "NoSuchPublicAccessBlockConfiguration") {
      return tl::unexpected<Error>(pab.error());
    }
    auto [it, inserted] = access.emplace(std::string(bucket), std::move(a));
    return &it->second;
  }

  eval::RequestContext AnonymousContext() const {
    eval::RequestContext context;
    context.Set("aws:SourceIp", info.source_ip);
    context.Set("aws:SecureTransport", info.secure_transport ? "true" : "false");
    const std::int64_t millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(info.time.time_since_epoch()).count();
    context.Set("aws:CurrentTime", protocol::FormatIso8601(millis - (millis % 1000)));
    context.Set("aws:EpochTime", std::to_string(millis / 1000));
    if (!info.user_agent.empty()) {
      context.Set("aws:UserAgent", info.user_agent);
    }
    return context;
  }

  Status AuthorizeOne(const S3AuthorizationRequest& r) {
    const Access* a = nullptr;
    if (!r.bucket.empty()) {
      IAM_ASSIGN_OR_RETURN(a, AccessOf(r.bucket));
    }
    if (call.caller == nullptr) {
      if (service.authorizer_.mode() != authz::EnforcementMode::kEnforce) {
        return OkStatus();
      }
      if (a != nullptr) {
        const BucketAccess bucket_access{a->bucket.owner_account_id, a->policy.get(),
                                         a->public_access_block};
        if (EvaluateAnonymous(r, bucket_access, AnonymousContext()).verdict ==
            eval::Verdict::kAllow) {
          return OkStatus();
        }
      }
      return Fail("AccessDenied");
    }
    const auth::Caller& caller = *call.caller;
    if (a == nullptr) {
      return S3Denial(service.authorizer_.Authorize(
                          caller, info, authz::AuthzRequest{r.action, r.resource_arn, r.context}),
                      r.resource_arn, false);
    }
    const std::string& owner = a->bucket.owner_account_id;
    if (OwnerRootMayManageBucketPolicy(op(), caller.arn, owner)) {
      return OkStatus();
    }
    const BucketPolicy* policy = a->policy.get();
    const bool cross_account = caller.account_id != owner;
    if (policy != nullptr &&
        RestrictPublicBucketsDenies(a->public_access_block, policy->is_public,
                                    CallerScope{false, false, caller.account_id}, owner)) {
      // AWS: RestrictPublicBuckets: the public policy's grants to other accounts do not apply.
      policy = nullptr;
    }
    if (cross_account && policy == nullptr &&
        service.authorizer_.mode() == authz::EnforcementMode::kEnforce) {
      // Another account's identity needs the bucket policy's grant as well.
      return Fail("AccessDenied");
    }
    const authz::ResourceSide side{policy != nullptr ? policy->compiled.get() : nullptr, owner};
    return S3Denial(
        service.authorizer_.Authorize(
            caller, info, authz::AuthzRequest{r.action, r.resource_arn, r.context}, &side),
        r.resource_arn, cross_account);
  }

  // AWS (S3 User Guide, "Troubleshoot access denied (403 Forbidden) errors"): the context
  // of a denial (who, what, which policy type) is given only for requests within the
  // bucket owner's account, with the resource ARN in quotes ("... on resource:
  // \"arn:aws:s3:::bucket/key\" because ..."); a request from another account reads
  // "Access Denied".
  static Status S3Denial(Status status, std::string_view resource_arn, bool cross_account) {
    if (status.has_value() || status.error().aws_code != "AccessDenied") {
      return status;
    }
    if (cross_account) {
      return Fail("AccessDenied");
    }
    Error error = std::move(status.error());
    const std::string plain = " on resource: " + std::string(resource_arn);
    if (const std::size_t at = error.message.find(plain); at != std::string::npos) {
      error.message.replace(at, plain.size(),
                            " on resource: \"" + std::string(resource_arn) + "\"");
    }
    return tl::unexpected<Error>(std::move(error));
  }

  Status AuthorizeAll(const S3RequestFacts& facts) {
    IAM_ASSIGN_OR_RETURN(auto requests, AuthorizationRequestsFor(facts));
    for (const S3AuthorizationRequest& r : requests) {
      IAM_RETURN_IF_ERROR(AuthorizeOne(r));
    }
    return OkStatus();
  }

  // After an operation found its object missing: NoSuchKey when the caller may list the
  // bucket, AccessDenied otherwise (AWS: GetObject, "Permissions").
  tl::unexpected<Error> MissingObject() {
    // The request's own authentication facts (s3:authType, s3:signatureversion, ...) apply;
    // the operation's query parameters and headers are not ListBucket's.
    S3RequestFacts facts = Facts();
    facts.operation = "ListObjects";
    facts.key = {};
    facts.query = {};
    facts.headers = {};
    auto requests = AuthorizationRequestsFor(facts);
    if (!requests.has_value() || requests->empty() ||
        !AuthorizeOne(requests->front()).has_value()) {
      return Fail("AccessDenied");
    }
    return Fail("NoSuchKey");
  }

  // ---- Payload --------------------------------------------------------------------

  Status ReadPayload() {
    payload = call.body;
    if (call.signature != nullptr && auth::sigv4::IsStreaming(call.signature->payload_mode)) {
      IAM_ASSIGN_OR_RETURN(auto options,
                           auth::sigv4::AwsChunkedOptionsFor(*call.signature, call.headers));
      IAM_ASSIGN_OR_RETURN(auto decoder, auth::sigv4::AwsChunkedDecoder::Create(options));
      decoded_body.reserve(options.decoded_content_length.value_or(call.body.size()));
      IAM_RETURN_IF_ERROR(decoder.Feed(call.body, [this](std::string_view bytes) -> Status {
        decoded_body.append(bytes);
        return OkStatus();
      }));
      IAM_ASSIGN_OR_RETURN(chunked, decoder.Finish());
      payload = decoded_body;
    }
    static const auth::sigv4::Authenticated kUnsigned;
    IAM_ASSIGN_OR_RETURN(
        auto verifier, auth::sigv4::BodyVerifier::Create(
                           call.headers, call.signature != nullptr ? *call.signature : kUnsigned));
    verifier.Update(payload);
    IAM_ASSIGN_OR_RETURN(digests, verifier.Finish());
    return OkStatus();
  }

  // The checksum the body carried (header or trailer), verified.
  std::optional<std::pair<crypto::DigestAlgorithm, std::string>> VerifiedChecksum() const {
    if (chunked.has_value() && chunked->checksum_algorithm.has_value()) {
      return std::make_pair(*chunked->checksum_algorithm, chunked->checksum_base64);
    }
    if (digests.has_value() && digests->checksum_algorithm.has_value()) {
      return std::make_pair(*digests->checksum_algorithm, digests->checksum_base64);
    }
    return std::nullopt;
  }

  Result<std::unique_ptr<objects::ObjectBodyWriter>> WriteBody() {
    if (!Header("Content-Length").has_value()) {
      // AWS: PutObject and UploadPart need the length up front (aws-chunked bodies send
      // Content-Length too, with x-amz-decoded-content-length).
      return Fail("MissingContentLength");
    }
    if (payload.size() > service.options_.max_object_bytes) {
      return Fail("EntityTooLarge");
    }
    IAM_ASSIGN_OR_RETURN(auto writer, service.objects_.NewBodyWriter());
    IAM_RETURN_IF_ERROR(writer->Append(payload));
    return writer;
  }

  // ---- Replies --------------------------------------------------------------------

  void Respond(const Value& output, int status_override = 0) {
    const bool head = call.method == "HEAD";
    protocol::S3Response encoded =
        protocol::EncodeS3Response(service_model(), *operation, output, head);
    reply.status = status_override != 0 ? status_override : encoded.status;
    reply.headers = std::move(encoded.headers);
    reply.body = std::move(encoded.body);
  }

  static const protocol::ServiceModel& service_model() { return protocol::S3Model(); }

  // The attributes a PUT, CreateMultipartUpload or CopyObject (REPLACE) sets.
  Result<objects::ObjectAttributes> AttributesFromInput() const {
    objects::ObjectAttributes a;
    a.content_type = std::string(Text(input, "ContentType"));
    a.content_encoding = std::string(Text(input, "ContentEncoding"));
    if (a.content_encoding == "aws-chunked") {
      a.content_encoding.clear();
    } else if (a.content_encoding.starts_with("aws-chunked,")) {
      a.content_encoding = std::string(TrimAsciiWhitespace(a.content_encoding.substr(12)));
    }
    a.content_language = std::string(Text(input, "ContentLanguage"));
    a.cache_control = std::string(Text(input, "CacheControl"));
    a.content_disposition = std::string(Text(input, "ContentDisposition"));
    a.expires = std::string(Text(input, "Expires"));
    if (const Value* metadata = input.Find("Metadata"); metadata != nullptr) {
      for (std::size_t i = 0; i < metadata->names().size(); ++i) {
        a.user_metadata[metadata->names()[i]] = metadata->children()[i].text();
      }
    }
    if (const Value* tagging = input.Find("Tagging"); tagging != nullptr) {
      IAM_ASSIGN_OR_RETURN(auto tags, ParseTaggingHeader(tagging->text()));
      a.tags = std::move(tags);
    }
    return a;
  }

  Status CheckAcl() {
    const std::string_view acl = Text(input, "ACL");
    if (acl.empty()) {
      return OkStatus();
    }
    IAM_ASSIGN_OR_RETURN(const Access* a, AccessOf(route.bucket));
    return CheckBlockPublicAcls(a->public_access_block, acl);
  }

  // ---- Operations -----------------------------------------------------------------

  Status CreateBucket() {
    if (call.caller == nullptr) {
      return Fail("AccessDenied");
    }
    S3RequestFacts facts = Facts();
    std::string region;
    if (const Value* config = input.Find("CreateBucketConfiguration"); config != nullptr) {
      region = std::string(Text(*config, "LocationConstraint"));
    }
    facts.location_constraint = region;
    IAM_RETURN_IF_ERROR(AuthorizeAll(facts));
    if (!region.empty()) {
      // AWS: us-east-1 is the default and may not be named; any other value must be a
      // region S3 has (the model's BucketLocationConstraint enum).
      const protocol::Shape* shape = service_model().FindShape("BucketLocationConstraint");
      const bool known = shape != nullptr &&
                         std::find(shape->enum_values.begin(), shape->enum_values.end(), region) !=
                             shape->enum_values.end();
      if (region == "us-east-1" || !known) {
        return Fail("InvalidLocationConstraint", "The specified location-constraint is not valid");
      }
    }
    auto created = service.objects_.CreateBucket(route.bucket, call.caller->account_id, region);
    if (!created.has_value()) {
      // AWS: BucketAlreadyOwnedByYou, except that re-creating a bucket you own in us-east-1
      // answers 200 OK "for legacy compatibility" (CreateBucket, Errors).
      bool legacy_us_east_1 = false;
      if (created.error().aws_code == "BucketAlreadyOwnedByYou" && region.empty()) {
        const auto existing = service.objects_.GetBucket(route.bucket);
        legacy_us_east_1 =
            existing.has_value() && (existing->region.empty() || existing->region == "us-east-1");
      }
      if (!legacy_us_east_1) {
        return tl::unexpected<Error>(created.error());
      }
    }
    Value out = Value::Structure();
    out.Set("Location", Value::String("/" + route.bucket));
    Respond(out);
    return OkStatus();
  }

  Status HeadBucket() {
    IAM_ASSIGN_OR_RETURN(const Access* a, AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    Value out = Value::Structure();
    out.Set("BucketRegion",
            Value::String(a->bucket.region.empty() ? "us-east-1" : a->bucket.region));
    Respond(out);
    return OkStatus();
  }

  Status DeleteBucket() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    IAM_RETURN_IF_ERROR(service.objects_.DeleteBucket(route.bucket));
    {
      const std::lock_guard<std::mutex> lock(service.policy_mutex_);
      service.policies_.erase(route.bucket);
    }
    Respond(Value::Structure());
    return OkStatus();
  }

  Status ListBuckets() {
    if (call.caller == nullptr) {
      return Fail("AccessDenied");
    }
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    IAM_ASSIGN_OR_RETURN(auto buckets, service.objects_.ListBuckets(call.caller->account_id));
    const std::string_view prefix = Text(input, "Prefix");
    std::string after;
    if (const std::string_view token = Text(input, "ContinuationToken"); !token.empty()) {
      IAM_ASSIGN_OR_RETURN(after, objects::DecodeContinuationToken(token));
    }
    const std::int64_t max = Number(input, "MaxBuckets").value_or(10000);
    if (max < 1 || max > 10000) {
      return Fail("InvalidArgument", "Argument max-buckets must be an integer between 1 and 10000");
    }
    Value out = Value::Structure();
    Value list = Value::List();
    std::int64_t count = 0;
    std::string last;
    bool truncated = false;
    for (const objects::Bucket& b : buckets) {
      if (!b.name.starts_with(prefix) || (!after.empty() && b.name <= after)) {
        continue;
      }
      if (count == max) {
        truncated = true;
        break;
      }
      Value item = Value::Structure();
      item.Set("Name", Value::String(b.name));
      item.Set("CreationDate", Value::TimestampMillis(EpochMillis(b.created)));
      item.Set("BucketRegion", Value::String(b.region.empty() ? "us-east-1" : b.region));
      list.Append(std::move(item));
      last = b.name;
      ++count;
    }
    out.Set("Buckets", std::move(list));
    out.Set("Owner", OwnerValue(call.caller->account_id));
    if (truncated) {
      out.Set("ContinuationToken", Value::String(objects::EncodeContinuationToken(last)));
    }
    if (!prefix.empty()) {
      out.Set("Prefix", Value::String(std::string(prefix)));
    }
    Respond(out);
    return OkStatus();
  }

  Status GetBucketLocation() {
    IAM_ASSIGN_OR_RETURN(const Access* a, AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    // botocore reads the root element's text (its GetBucketLocation customization); an
    // empty element means us-east-1.
    reply.status = 200;
    reply.headers.emplace_back("Content-Type", "application/xml");
    reply.body = R"(<?xml version="1.0" encoding="UTF-8"?>)"
                 "\n<LocationConstraint xmlns=\"" +
                 std::string(protocol::kS3XmlNamespace) + "\">" + a->bucket.region +
                 "</LocationConstraint>";
    return OkStatus();
  }

  Status PutObject() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    IAM_RETURN_IF_ERROR(CheckAcl());
    IAM_RETURN_IF_ERROR(CheckWriteConditions());
    IAM_ASSIGN_OR_RETURN(auto attributes, AttributesFromInput());
    SetChecksums(attributes.checksums);
    IAM_ASSIGN_OR_RETURN(auto writer, WriteBody());
    IAM_ASSIGN_OR_RETURN(auto stored, service.objects_.PutObject(route.bucket, route.key,
                                                                 attributes, std::move(writer)));
    Value out = Value::Structure();
    out.Set("ETag", Value::String(Quoted(stored.etag)));
    AddVerifiedChecksum(out);
    Respond(out);
    return OkStatus();
  }

  // PutObject's If-None-Match: * and If-Match (AWS: conditional writes).
  Status CheckWriteConditions() {
    const std::string_view if_none = Text(input, "IfNoneMatch");
    const std::string_view if_match = Text(input, "IfMatch");
    if (if_none.empty() && if_match.empty()) {
      return OkStatus();
    }
    auto existing = service.objects_.GetObjectInfo(route.bucket, route.key);
    if (!existing.has_value() && existing.error().aws_code != "NoSuchKey") {
      return tl::unexpected<Error>(existing.error());
    }
    if (!if_none.empty() && existing.has_value()) {
      return Fail("PreconditionFailed");
    }
    if (!if_match.empty()) {
      if (!existing.has_value()) {
        return Fail("NoSuchKey");
      }
      if (!EtagListMatches(if_match, existing->etag)) {
        return Fail("PreconditionFailed");
      }
    }
    return OkStatus();
  }

  void SetChecksums(objects::ObjectChecksums& checksums) const {
    const auto verified = VerifiedChecksum();
    if (!verified.has_value()) {
      return;
    }
    switch (verified->first) {
      case crypto::DigestAlgorithm::kCrc32:
        checksums.crc32 = verified->second;
        break;
      case crypto::DigestAlgorithm::kCrc32c:
        checksums.crc32c = verified->second;
        break;
      case crypto::DigestAlgorithm::kSha256:
        checksums.sha256 = verified->second;
        break;
      default:
        break;
    }
  }

  void AddVerifiedChecksum(Value& out) const {
    if (const auto verified = VerifiedChecksum(); verified.has_value()) {
      const std::string_view member = ChecksumMember(verified->first);
      if (!member.empty()) {
        out.Set(std::string(member), Value::String(verified->second));
      }
    }
  }

  // Looks up the routed object for an operation that reads it; a missing object is
  // reported after authorization (MissingObject).
  Result<std::optional<objects::ObjectInfo>> LookupObject() {
    auto found = service.objects_.GetObjectInfo(route.bucket, route.key);
    if (found.has_value()) {
      return std::optional<objects::ObjectInfo>(std::move(*found));
    }
    if (found.error().aws_code == "NoSuchKey") {
      return std::optional<objects::ObjectInfo>();
    }
    return tl::unexpected<Error>(found.error());
  }

  // For an operation on the routed object (GetObject, HeadObject, the tagging
  // operations): authorizes it with the object's tags as s3:ExistingObjectTag/* (and
  // `request_tags` as the new ones), then answers NoSuchKey or AccessDenied
  // (MissingObject) when the object does not exist.
  Result<objects::ObjectInfo> AuthorizeOnExistingObject(const Tags* request_tags = nullptr) {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_ASSIGN_OR_RETURN(auto object, LookupObject());
    S3RequestFacts facts = Facts();
    if (object.has_value()) {
      facts.existing_object_tags = &object->attributes.tags;
    }
    facts.request_tags = request_tags;
    IAM_RETURN_IF_ERROR(AuthorizeAll(facts));
    if (!object.has_value()) {
      return MissingObject();
    }
    return *std::move(object);
  }

  // GetObject and HeadObject's conditional headers (RFC 7232 as S3 applies them):
  // If-Match false -> 412; If-Unmodified-Since false without If-Match -> 412;
  // If-None-Match true -> 304; If-Modified-Since false without If-None-Match -> 304.
  Result<bool> NotModified(const objects::ObjectInfo& object) {
    const std::int64_t modified_s = EpochMillis(object.last_modified) / 1000;
    const std::string_view if_match = Text(input, "IfMatch");
    const std::string_view if_none = Text(input, "IfNoneMatch");
    if (!if_match.empty()) {
      if (!EtagListMatches(if_match, object.etag)) {
        return Fail("PreconditionFailed");
      }
    } else if (const auto since = Number(input, "IfUnmodifiedSince"); since.has_value()) {
      if (modified_s > *since / 1000) {
        return Fail("PreconditionFailed");
      }
    }
    if (!if_none.empty()) {
      return EtagListMatches(if_none, object.etag);
    }
    if (const auto since = Number(input, "IfModifiedSince"); since.has_value()) {
      return modified_s <= *since / 1000;
    }
    return false;
  }

  Value ObjectHeaders(const objects::ObjectInfo& object) const {
    const objects::ObjectAttributes& a = object.attributes;
    Value out = Value::Structure();
    out.Set("AcceptRanges", Value::String("bytes"));
    out.Set("LastModified", Value::TimestampMillis(EpochMillis(object.last_modified)));
    out.Set("ETag", Value::String(Quoted(object.etag)));
    auto set = [&out](std::string_view member, const std::string& value) {
      if (!value.empty()) {
        out.Set(std::string(member), Value::String(value));
      }
    };
    set("CacheControl", a.cache_control);
    set("ContentDisposition", a.content_disposition);
    set("ContentEncoding", a.content_encoding);
    set("ContentLanguage", a.content_language);
    out.Set("ContentType", Value::String(a.content_type.empty() ? std::string(kDefaultContentType)
                                                                : a.content_type));
    set("Expires", a.expires);
    if (!a.user_metadata.empty()) {
      Value metadata = Value::Map();
      for (const auto& [k, v] : a.user_metadata) {
        metadata.Set(k, Value::String(v));
      }
      out.Set("Metadata", std::move(metadata));
    }
    // AWS: PartsCount only answers a request with partNumber (HeadObject, GetObject).
    if (object.parts_count > 0 && Has(input, "PartNumber")) {
      out.Set("PartsCount", Value::Integer(object.parts_count));
    }
    if (!a.tags.empty()) {
      out.Set("TagCount", Value::Integer(static_cast<std::int64_t>(a.tags.size())));
    }
    const auto mode = Header("x-amz-checksum-mode");
    if (mode.has_value() && EqualsIgnoreCase(*mode, "ENABLED")) {
      set("ChecksumCRC32", a.checksums.crc32);
      set("ChecksumCRC32C", a.checksums.crc32c);
      set("ChecksumSHA256", a.checksums.sha256);
    }
    // GetObject's response-* query parameters override the stored headers.
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kOverrides = {{
        {"ResponseCacheControl", "CacheControl"},
        {"ResponseContentDisposition", "ContentDisposition"},
        {"ResponseContentEncoding", "ContentEncoding"},
        {"ResponseContentLanguage", "ContentLanguage"},
        {"ResponseContentType", "ContentType"},
    }};
    for (const auto& [query, member] : kOverrides) {
      if (const Value* v = input.Find(query); v != nullptr) {
        out.Set(std::string(member), Value::String(v->text()));
      }
    }
    if (const Value* v = input.Find("ResponseExpires"); v != nullptr) {
      out.Set("Expires",
              Value::String(protocol::FormatHttpDate(static_cast<std::int64_t>(v->number()))));
    }
    return out;
  }

  Status GetObject(bool head) {
    IAM_ASSIGN_OR_RETURN(auto object, AuthorizeOnExistingObject());
    if (const auto part = Number(input, "PartNumber"); part.has_value()) {
      if (*part < 1 || *part > objects::kMaxPartNumber) {
        return Fail("InvalidArgument", "Part number must be an integer between 1 and 10000");
      }
      if (*part != 1 || object.parts_count > 0) {
        return Fail("NotImplemented",
                    "GetObject by PartNumber of a multipart object is not implemented");
      }
    }
    IAM_ASSIGN_OR_RETURN(const bool not_modified, NotModified(object));
    if (not_modified) {
      reply.status = 304;
      reply.headers.emplace_back("ETag", Quoted(object.etag));
      reply.headers.emplace_back("Last-Modified",
                                 protocol::FormatHttpDate(EpochMillis(object.last_modified)));
      return OkStatus();
    }
    std::optional<objects::ByteRange> range;
    if (const std::string_view header = Text(input, "Range"); !header.empty()) {
      range = ParseRange(header);
    }
    Value out = ObjectHeaders(object);
    if (head && !range.has_value()) {
      Respond(out);
      reply.stream_length = object.size;
      return OkStatus();
    }
    IAM_ASSIGN_OR_RETURN(auto opened, service.objects_.OpenObject(route.bucket, route.key, range));
    int status = 0;
    if (opened.is_range) {
      status = 206;
      out.Set("ContentRange", Value::String("bytes " + std::to_string(opened.offset) + "-" +
                                            std::to_string(opened.offset + opened.length - 1) +
                                            "/" + std::to_string(opened.info.size)));
    }
    Respond(out, status);
    reply.stream_length = opened.length;
    if (!head) {
      reply.stream = std::move(opened.body);
    }
    return OkStatus();
  }

  Status DeleteObject() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    if (!Text(input, "VersionId").empty() && Text(input, "VersionId") != "null") {
      return Fail("NoSuchVersion");
    }
    IAM_RETURN_IF_ERROR(service.objects_.DeleteObject(route.bucket, route.key));
    Respond(Value::Structure());
    return OkStatus();
  }

  Status DeleteObjects() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    const Value* del = input.Find("Delete");
    const Value* objects_list = del != nullptr ? del->Find("Objects") : nullptr;
    if (objects_list == nullptr || objects_list->children().empty() ||
        objects_list->children().size() > kMaxDeleteKeys) {
      return Fail("MalformedXML");
    }
    const bool quiet = del->Find("Quiet") != nullptr && del->Find("Quiet")->boolean();
    Value deleted = Value::List();
    Value errors = Value::List();
    for (const Value& item : objects_list->children()) {
      const std::string key(Text(item, "Key"));
      const std::string version(Text(item, "VersionId"));
      S3RequestFacts facts = Facts();
      facts.operation = "DeleteObjects";
      facts.objects_to_delete = {ObjectToDelete{key, version}};
      auto add_error = [&errors, &key](std::string_view code, std::string_view message) {
        Value e = Value::Structure();
        e.Set("Key", Value::String(key));
        e.Set("Code", Value::String(std::string(code)));
        e.Set("Message", Value::String(std::string(message)));
        errors.Append(std::move(e));
      };
      auto status = AuthorizeAll(facts);
      if (status.has_value()) {
        status = objects::ValidateObjectKey(key);
      }
      if (status.has_value() && !version.empty() && version != "null") {
        status = Fail("NoSuchVersion");
      }
      if (status.has_value()) {
        status = service.objects_.DeleteObject(route.bucket, key).map([](bool) {});
      }
      if (!status.has_value()) {
        if (status.error().code == ErrorCode::kInternal ||
            status.error().code == ErrorCode::kUnavailable) {
          add_error("InternalError", "We encountered an internal error. Please try again.");
        } else {
          add_error(protocol::S3ErrorCodeOf(status.error()), status.error().message);
        }
        continue;
      }
      if (!quiet) {
        Value d = Value::Structure();
        d.Set("Key", Value::String(key));
        deleted.Append(std::move(d));
      }
    }
    Value out = Value::Structure();
    if (!deleted.children().empty()) {
      out.Set("Deleted", std::move(deleted));
    }
    if (!errors.children().empty()) {
      out.Set("Errors", std::move(errors));
    }
    Respond(out);
    return OkStatus();
  }

  Status CopyObject() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_ASSIGN_OR_RETURN(auto source, ParseCopySource(Text(input, "CopySource")));
    if (!source.version_id.empty() && source.version_id != "null") {
      return Fail("NoSuchVersion");
    }
    IAM_ASSIGN_OR_RETURN(const Access* source_access, AccessOf(source.bucket));
    auto source_info = service.objects_.GetObjectInfo(source.bucket, source.key);
    if (!source_info.has_value() && source_info.error().aws_code != "NoSuchKey") {
      return tl::unexpected<Error>(source_info.error());
    }
    S3RequestFacts facts = Facts();
    facts.source_bucket_owner = source_access->bucket.owner_account_id;
    if (source_info.has_value()) {
      facts.source_object_tags = &source_info->attributes.tags;
    }
    IAM_RETURN_IF_ERROR(AuthorizeAll(facts));
    IAM_RETURN_IF_ERROR(CheckAcl());
    if (!source_info.has_value()) {
      return Fail("NoSuchKey");
    }
    IAM_RETURN_IF_ERROR(CheckCopySourceConditions(*source_info));
    objects::CopyObjectRequest copy;
    copy.source_bucket = source.bucket;
    copy.source_key = source.key;
    copy.bucket = route.bucket;
    copy.key = route.key;
    const std::string_view metadata_directive = Text(input, "MetadataDirective");
    const std::string_view tagging_directive = Text(input, "TaggingDirective");
    copy.metadata_directive = metadata_directive == "REPLACE" ? objects::CopyDirective::kReplace
                                                              : objects::CopyDirective::kCopy;
    copy.tagging_directive = tagging_directive == "REPLACE" ? objects::CopyDirective::kReplace
                                                            : objects::CopyDirective::kCopy;
    IAM_ASSIGN_OR_RETURN(copy.attributes, AttributesFromInput());
    if (copy.metadata_directive == objects::CopyDirective::kCopy &&
        copy.tagging_directive == objects::CopyDirective::kReplace) {
      // Tags replaced, the rest copied: the store takes the attributes of the request only
      // with kReplace metadata, so carry the source's over.
      objects::ObjectAttributes merged = source_info->attributes;
      merged.tags = copy.attributes.tags;
      copy.attributes = std::move(merged);
      copy.metadata_directive = objects::CopyDirective::kReplace;
    }
    IAM_ASSIGN_OR_RETURN(auto stored, service.objects_.CopyObject(copy));
    Value result = Value::Structure();
    result.Set("ETag", Value::String(Quoted(stored.etag)));
    result.Set("LastModified", Value::TimestampMillis(EpochMillis(stored.last_modified)));
    Value out = Value::Structure();
    out.Set("CopyObjectResult", std::move(result));
    Respond(out);
    return OkStatus();
  }

  Status CheckCopySourceConditions(const objects::ObjectInfo& source) {
    const std::int64_t modified_s = EpochMillis(source.last_modified) / 1000;
    const std::string_view if_match = Text(input, "CopySourceIfMatch");
    const std::string_view if_none = Text(input, "CopySourceIfNoneMatch");
    if (!if_match.empty() && !EtagListMatches(if_match, source.etag)) {
      return Fail("PreconditionFailed");
    }
    if (!if_none.empty() && EtagListMatches(if_none, source.etag)) {
      return Fail("PreconditionFailed");
    }
    if (const auto t = Number(input, "CopySourceIfUnmodifiedSince");
        t.has_value() && if_match.empty() && modified_s > *t / 1000) {
      return Fail("PreconditionFailed");
    }
    if (const auto t = Number(input, "CopySourceIfModifiedSince");
        t.has_value() && if_none.empty() && modified_s <= *t / 1000) {
      return Fail("PreconditionFailed");
    }
    return OkStatus();
  }

  Result<int> MaxKeys(std::string_view member, std::string_view parameter) const {
    const auto max = Number(input, member);
    if (!max.has_value()) {
      return objects::kMaxListKeys;
    }
    if (*max < 0) {
      return Fail("InvalidArgument", "Argument " + std::string(parameter) +
                                         " must be an integer between 0 and 2147483647");
    }
    return static_cast<int>(std::min<std::int64_t>(*max, objects::kMaxListKeys));
  }

  // The listings' encoding-type: true for "url" (keys percent-encoded in the answer);
  // InvalidArgument for any other value.
  Result<bool> UrlEncoded() const {
    const std::string_view encoding = Text(input, "EncodingType");
    if (!encoding.empty() && encoding != "url") {
      return Fail("InvalidArgument", "Invalid Encoding Method specified in Request");
    }
    return encoding == "url";
  }

  static void SetCommonPrefixes(Value& out, const std::vector<std::string>& common_prefixes,
                                bool url) {
    if (common_prefixes.empty()) {
      return;
    }
    Value prefixes = Value::List();
    for (const std::string& p : common_prefixes) {
      Value item = Value::Structure();
      item.Set("Prefix", Value::String(MaybeUrlEncode(p, url)));
      prefixes.Append(std::move(item));
    }
    out.Set("CommonPrefixes", std::move(prefixes));
  }

  Status ListObjects(bool v2) {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    IAM_ASSIGN_OR_RETURN(const bool url, UrlEncoded());
    objects::ListObjectsRequest list;
    list.bucket = route.bucket;
    list.prefix = std::string(Text(input, "Prefix"));
    list.delimiter = std::string(Text(input, "Delimiter"));
    IAM_ASSIGN_OR_RETURN(list.max_keys, MaxKeys("MaxKeys", "max-keys"));
    const std::string_view token = Text(input, "ContinuationToken");
    if (v2) {
      if (Has(input, "ContinuationToken")) {
        if (token.empty()) {
          return Fail("InvalidArgument", "The continuation token provided is incorrect");
        }
        IAM_ASSIGN_OR_RETURN(list.marker, objects::DecodeContinuationToken(token));
      } else {
        list.marker = std::string(Text(input, "StartAfter"));
      }
    } else {
      list.marker = std::string(Text(input, "Marker"));
    }
    IAM_ASSIGN_OR_RETURN(auto result, service.objects_.ListObjects(list));
    const bool fetch_owner =
        !v2 || (Has(input, "FetchOwner") && input.Find("FetchOwner")->boolean());
    const std::string& owner = access.at(route.bucket).bucket.owner_account_id;

    Value out = Value::Structure();
    out.Set("IsTruncated", Value::Boolean(result.is_truncated));
    if (!v2) {
      out.Set("Marker", Value::String(MaybeUrlEncode(list.marker, url)));
      if (result.is_truncated && !list.delimiter.empty()) {
        out.Set("NextMarker", Value::String(MaybeUrlEncode(result.next_marker, url)));
      }
    }
    Value contents = Value::List();
    for (const objects::ObjectInfo& o : result.objects) {
      Value item = Value::Structure();
      item.Set("Key", Value::String(MaybeUrlEncode(o.key, url)));
      item.Set("LastModified", Value::TimestampMillis(EpochMillis(o.last_modified)));
      item.Set("ETag", Value::String(Quoted(o.etag)));
      item.Set("Size", Value::Integer(static_cast<std::int64_t>(o.size)));
      item.Set("StorageClass", Value::String(std::string(kStorageClass)));
      if (fetch_owner) {
        item.Set("Owner", OwnerValue(owner));
      }
      contents.Append(std::move(item));
    }
    if (!contents.children().empty()) {
      out.Set("Contents", std::move(contents));
    }
    out.Set("Name", Value::String(route.bucket));
    out.Set("Prefix", Value::String(MaybeUrlEncode(list.prefix, url)));
    if (!list.delimiter.empty()) {
      out.Set("Delimiter", Value::String(MaybeUrlEncode(list.delimiter, url)));
    }
    out.Set("MaxKeys", Value::Integer(Number(input, "MaxKeys").value_or(objects::kMaxListKeys)));
    SetCommonPrefixes(out, result.common_prefixes, url);
    if (url) {
      out.Set("EncodingType", Value::String("url"));
    }
    if (v2) {
      out.Set("KeyCount", Value::Integer(result.key_count()));
      if (Has(input, "ContinuationToken")) {
        out.Set("ContinuationToken", Value::String(std::string(token)));
      }
      if (result.is_truncated) {
        out.Set("NextContinuationToken",
                Value::String(objects::EncodeContinuationToken(result.next_marker)));
      }
      if (Has(input, "StartAfter")) {
        out.Set("StartAfter", Value::String(MaybeUrlEncode(Text(input, "StartAfter"), url)));
      }
    }
    Respond(out);
    return OkStatus();
  }

  Status GetObjectTagging() {
    IAM_ASSIGN_OR_RETURN(auto object, AuthorizeOnExistingObject());
    Value tag_set = Value::List();
    for (const auto& [k, v] : object.attributes.tags) {
      Value tag = Value::Structure();
      tag.Set("Key", Value::String(k));
      tag.Set("Value", Value::String(v));
      tag_set.Append(std::move(tag));
    }
    Value out = Value::Structure();
    out.Set("TagSet", std::move(tag_set));
    Respond(out);
    return OkStatus();
  }

  Status PutObjectTagging() {
    Tags tags;
    if (const Value* tagging = input.Find("Tagging"); tagging != nullptr) {
      if (const Value* set = tagging->Find("TagSet"); set != nullptr) {
        for (const Value& tag : set->children()) {
          tags.emplace_back(std::string(Text(tag, "Key")), std::string(Text(tag, "Value")));
        }
      }
    }
    IAM_RETURN_IF_ERROR(AuthorizeOnExistingObject(&tags));
    IAM_RETURN_IF_ERROR(service.objects_.PutObjectTags(route.bucket, route.key, tags));
    Respond(Value::Structure());
    return OkStatus();
  }

  Status DeleteObjectTagging() {
    IAM_RETURN_IF_ERROR(AuthorizeOnExistingObject());
    IAM_RETURN_IF_ERROR(service.objects_.DeleteObjectTags(route.bucket, route.key));
    Respond(Value::Structure());
    return OkStatus();
  }

  Status CreateMultipartUpload() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    IAM_RETURN_IF_ERROR(CheckAcl());
    IAM_ASSIGN_OR_RETURN(auto attributes, AttributesFromInput());
    IAM_ASSIGN_OR_RETURN(
        auto upload, service.objects_.CreateMultipartUpload(route.bucket, route.key, attributes));
    Value out = Value::Structure();
    out.Set("Bucket", Value::String(route.bucket));
    out.Set("Key", Value::String(route.key));
    out.Set("UploadId", Value::String(upload.upload_id));
    if (const std::string_view algorithm = Text(input, "ChecksumAlgorithm"); !algorithm.empty()) {
      out.Set("ChecksumAlgorithm", Value::String(std::string(algorithm)));
    }
    Respond(out);
    return OkStatus();
  }

  Status UploadPart() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    const auto part = Number(input, "PartNumber");
    if (!part.has_value() || *part < 1 || *part > objects::kMaxPartNumber) {
      return Fail("InvalidArgument",
                  "Part number must be an integer between 1 and 10000, inclusive");
    }
    IAM_ASSIGN_OR_RETURN(auto writer, WriteBody());
    IAM_ASSIGN_OR_RETURN(
        auto stored, service.objects_.UploadPart(route.bucket, route.key, Text(input, "UploadId"),
                                                 static_cast<int>(*part), std::move(writer)));
    Value out = Value::Structure();
    out.Set("ETag", Value::String(Quoted(stored.etag)));
    AddVerifiedChecksum(out);
    Respond(out);
    return OkStatus();
  }

  Status CompleteMultipartUpload() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    std::vector<objects::CompletedPart> parts;
    if (const Value* upload = input.Find("MultipartUpload"); upload != nullptr) {
      if (const Value* list = upload->Find("Parts"); list != nullptr) {
        for (const Value& p : list->children()) {
          parts.push_back(objects::CompletedPart{
              static_cast<int>(Number(p, "PartNumber").value_or(0)), std::string(Text(p, "ETag"))});
        }
      }
    }
    IAM_ASSIGN_OR_RETURN(auto stored, service.objects_.CompleteMultipartUpload(
                                          route.bucket, route.key, Text(input, "UploadId"), parts));
    Value out = Value::Structure();
    out.Set("Location",
            Value::String("/" + route.bucket + "/" + auth::sigv4::UriEncode(route.key, true)));
    out.Set("Bucket", Value::String(route.bucket));
    out.Set("Key", Value::String(route.key));
    out.Set("ETag", Value::String(Quoted(stored.etag)));
    Respond(out);
    return OkStatus();
  }

  Status AbortMultipartUpload() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    IAM_RETURN_IF_ERROR(
        service.objects_.AbortMultipartUpload(route.bucket, route.key, Text(input, "UploadId")));
    Respond(Value::Structure());
    return OkStatus();
  }

  Status ListParts() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    objects::ListPartsRequest list;
    list.bucket = route.bucket;
    list.key = route.key;
    list.upload_id = std::string(Text(input, "UploadId"));
    list.part_number_marker = static_cast<int>(Number(input, "PartNumberMarker").value_or(0));
    IAM_ASSIGN_OR_RETURN(list.max_parts, MaxKeys("MaxParts", "max-parts"));
    IAM_ASSIGN_OR_RETURN(auto result, service.objects_.ListParts(list));
    const std::string& owner = access.at(route.bucket).bucket.owner_account_id;
    Value out = Value::Structure();
    out.Set("Bucket", Value::String(route.bucket));
    out.Set("Key", Value::String(route.key));
    out.Set("UploadId", Value::String(list.upload_id));
    out.Set("PartNumberMarker", Value::Integer(list.part_number_marker));
    if (result.is_truncated) {
      out.Set("NextPartNumberMarker", Value::Integer(result.next_part_number_marker));
    }
    out.Set("MaxParts", Value::Integer(list.max_parts));
    out.Set("IsTruncated", Value::Boolean(result.is_truncated));
    Value parts = Value::List();
    for (const objects::PartInfo& p : result.parts) {
      Value item = Value::Structure();
      item.Set("PartNumber", Value::Integer(p.part_number));
      item.Set("LastModified", Value::TimestampMillis(EpochMillis(p.last_modified)));
      item.Set("ETag", Value::String(Quoted(p.etag)));
      item.Set("Size", Value::Integer(static_cast<std::int64_t>(p.size)));
      parts.Append(std::move(item));
    }
    if (!parts.children().empty()) {
      out.Set("Parts", std::move(parts));
    }
    out.Set("Initiator", InitiatorValue());
    out.Set("Owner", OwnerValue(owner));
    out.Set("StorageClass", Value::String(std::string(kStorageClass)));
    Respond(out);
    return OkStatus();
  }

  Value InitiatorValue() const {
    Value initiator = Value::Structure();
    if (call.caller != nullptr) {
      initiator.Set("ID", Value::String(call.caller->arn));
      initiator.Set("DisplayName", Value::String(call.caller->arn));
    }
    return initiator;
  }

  Status ListMultipartUploads() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    IAM_ASSIGN_OR_RETURN(const bool url, UrlEncoded());
    objects::ListUploadsRequest list;
    list.bucket = route.bucket;
    list.prefix = std::string(Text(input, "Prefix"));
    list.delimiter = std::string(Text(input, "Delimiter"));
    list.key_marker = std::string(Text(input, "KeyMarker"));
    list.upload_id_marker = std::string(Text(input, "UploadIdMarker"));
    IAM_ASSIGN_OR_RETURN(list.max_uploads, MaxKeys("MaxUploads", "max-uploads"));
    IAM_ASSIGN_OR_RETURN(auto result, service.objects_.ListMultipartUploads(list));
    const std::string& owner = access.at(route.bucket).bucket.owner_account_id;
    Value out = Value::Structure();
    out.Set("Bucket", Value::String(route.bucket));
    out.Set("KeyMarker", Value::String(MaybeUrlEncode(list.key_marker, url)));
    out.Set("UploadIdMarker", Value::String(list.upload_id_marker));
    if (result.is_truncated) {
      out.Set("NextKeyMarker", Value::String(MaybeUrlEncode(result.next_key_marker, url)));
      out.Set("NextUploadIdMarker", Value::String(result.next_upload_id_marker));
    }
    if (!list.prefix.empty()) {
      out.Set("Prefix", Value::String(MaybeUrlEncode(list.prefix, url)));
    }
    if (!list.delimiter.empty()) {
      out.Set("Delimiter", Value::String(MaybeUrlEncode(list.delimiter, url)));
    }
    out.Set("MaxUploads", Value::Integer(list.max_uploads));
    out.Set("IsTruncated", Value::Boolean(result.is_truncated));
    Value uploads = Value::List();
    for (const objects::MultipartUpload& u : result.uploads) {
      Value item = Value::Structure();
      item.Set("UploadId", Value::String(u.upload_id));
      item.Set("Key", Value::String(MaybeUrlEncode(u.key, url)));
      item.Set("Initiated", Value::TimestampMillis(EpochMillis(u.initiated)));
      item.Set("StorageClass", Value::String(std::string(kStorageClass)));
      item.Set("Owner", OwnerValue(owner));
      item.Set("Initiator", InitiatorValue());
      uploads.Append(std::move(item));
    }
    if (!uploads.children().empty()) {
      out.Set("Uploads", std::move(uploads));
    }
    SetCommonPrefixes(out, result.common_prefixes, url);
    if (url) {
      out.Set("EncodingType", Value::String("url"));
    }
    Respond(out);
    return OkStatus();
  }

  // The bucket policy operations: authorized (the owner's root user always may), then
  // refused for another account's identity (bucket_policy.h).
  Status AuthorizePolicyOperation() {
    IAM_ASSIGN_OR_RETURN(const Access* a, AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    if (call.caller == nullptr) {
      return Fail("AccessDenied");
    }
    return CheckBucketPolicyCallerAccount(op(), call.caller->account_id,
                                          a->bucket.owner_account_id);
  }

  bool PrincipalExists(std::string_view arn) const {
    // arn:aws:iam::ACCOUNT:root | user/PATH/NAME | role/PATH/NAME
    constexpr std::string_view kPrefix = "arn:aws:iam::";
    if (!arn.starts_with(kPrefix)) {
      return true;
    }
    std::string_view rest = arn.substr(kPrefix.size());
    const std::size_t colon = rest.find(':');
    if (colon == std::string_view::npos) {
      return false;
    }
    const std::string_view account = rest.substr(0, colon);
    const std::string_view resource = rest.substr(colon + 1);
    auto txn = service.identities_.BeginRead();
    if (!txn.has_value()) {
      return true;  // cannot tell: let the policy through rather than fail the request
    }
    if (!(*txn)->GetAccount(account).has_value()) {
      return false;
    }
    const std::string_view name = resource.substr(resource.rfind('/') + 1);
    if (resource == "root") {
      return true;
    }
    if (resource.starts_with("user/")) {
      return (*txn)->GetUser(account, name).has_value();
    }
    if (resource.starts_with("role/")) {
      return (*txn)->GetRole(account, name).has_value();
    }
    return true;
  }

  Status PutBucketPolicy() {
    IAM_RETURN_IF_ERROR(AuthorizePolicyOperation());
    const Access& a = access.at(route.bucket);
    BucketPolicyOptions options;
    options.principal_exists = [this](std::string_view arn) { return PrincipalExists(arn); };
    IAM_ASSIGN_OR_RETURN(auto policy,
                         ValidateBucketPolicy(Text(input, "Policy"), route.bucket, options));
    IAM_RETURN_IF_ERROR(CheckBlockPublicPolicy(a.public_access_block, policy->is_public,
                                               call.caller->arn, route.bucket));
    IAM_RETURN_IF_ERROR(service.objects_.PutBucketPolicy(route.bucket, policy->text));
    {
      const std::lock_guard<std::mutex> lock(service.policy_mutex_);
      service.policies_[route.bucket] = policy;
    }
    Respond(Value::Structure(), 204);
    return OkStatus();
  }

  Status GetBucketPolicy() {
    IAM_RETURN_IF_ERROR(AuthorizePolicyOperation());
    IAM_ASSIGN_OR_RETURN(auto text, service.objects_.GetBucketPolicy(route.bucket));
    Value out = Value::Structure();
    out.Set("Policy", Value::String(std::move(text)));
    Respond(out);
    return OkStatus();
  }

  Status DeleteBucketPolicy() {
    IAM_RETURN_IF_ERROR(AuthorizePolicyOperation());
    IAM_RETURN_IF_ERROR(service.objects_.DeleteBucketPolicy(route.bucket));
    {
      const std::lock_guard<std::mutex> lock(service.policy_mutex_);
      service.policies_.erase(route.bucket);
    }
    Respond(Value::Structure());
    return OkStatus();
  }

  Status GetBucketPolicyStatus() {
    IAM_ASSIGN_OR_RETURN(const Access* a, AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    if (a->policy == nullptr) {
      return Fail("NoSuchBucketPolicy");
    }
    Value status = Value::Structure();
    status.Set("IsPublic", Value::Boolean(a->policy->is_public));
    Value out = Value::Structure();
    out.Set("PolicyStatus", std::move(status));
    Respond(out);
    return OkStatus();
  }

  Status PutPublicAccessBlock() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    const Value* config = input.Find("PublicAccessBlockConfiguration");
    if (config == nullptr) {
      return Fail("MissingRequestBodyError");
    }
    auto flag = [config](std::string_view name) {
      const Value* v = config->Find(name);
      return v != nullptr && v->boolean();
    };
    const objects::PublicAccessBlock settings{flag("BlockPublicAcls"), flag("IgnorePublicAcls"),
                                              flag("BlockPublicPolicy"),
                                              flag("RestrictPublicBuckets")};
    IAM_RETURN_IF_ERROR(service.objects_.PutPublicAccessBlock(route.bucket, settings));
    Respond(Value::Structure());
    return OkStatus();
  }

  Status GetPublicAccessBlock() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    IAM_ASSIGN_OR_RETURN(auto settings, service.objects_.GetPublicAccessBlock(route.bucket));
    Value config = Value::Structure();
    config.Set("BlockPublicAcls", Value::Boolean(settings.block_public_acls));
    config.Set("IgnorePublicAcls", Value::Boolean(settings.ignore_public_acls));
    config.Set("BlockPublicPolicy", Value::Boolean(settings.block_public_policy));
    config.Set("RestrictPublicBuckets", Value::Boolean(settings.restrict_public_buckets));
    Value out = Value::Structure();
    out.Set("PublicAccessBlockConfiguration", std::move(config));
    Respond(out);
    return OkStatus();
  }

  Status DeletePublicAccessBlock() {
    IAM_RETURN_IF_ERROR(AccessOf(route.bucket));
    IAM_RETURN_IF_ERROR(AuthorizeAll(Facts()));
    IAM_RETURN_IF_ERROR(service.objects_.DeletePublicAccessBlock(route.bucket));
    Respond(Value::Structure());
    return OkStatus();
  }

  using Handler = Status (Request::*)();

  // The operations served, sorted by name.
  static const std::vector<std::pair<std::string_view, Handler>>& Handlers() {
    static const std::vector<std::pair<std::string_view, Handler>> kHandlers = [] {
      std::vector<std::pair<std::string_view, Handler>> h = {
          {"AbortMultipartUpload", &Request::AbortMultipartUpload},
          {"CompleteMultipartUpload", &Request::CompleteMultipartUpload},
          {"CopyObject", &Request::CopyObject},
          {"CreateBucket", &Request::CreateBucket},
          {"CreateMultipartUpload", &Request::CreateMultipartUpload},
          {"DeleteBucket", &Request::DeleteBucket},
          {"DeleteBucketPolicy", &Request::DeleteBucketPolicy},
          {"DeleteObject", &Request::DeleteObject},
          {"DeleteObjectTagging", &Request::DeleteObjectTagging},
          {"DeleteObjects", &Request::DeleteObjects},
          {"DeletePublicAccessBlock", &Request::DeletePublicAccessBlock},
          {"GetBucketLocation", &Request::GetBucketLocation},
          {"GetBucketPolicy", &Request::GetBucketPolicy},
          {"GetBucketPolicyStatus", &Request::GetBucketPolicyStatus},
          {"GetObject", &Request::GetObjectBody},
          {"GetObjectTagging", &Request::GetObjectTagging},
          {"GetPublicAccessBlock", &Request::GetPublicAccessBlock},
          {"HeadBucket", &Request::HeadBucket},
          {"HeadObject", &Request::HeadObject},
          {"ListBuckets", &Request::ListBuckets},
          {"ListMultipartUploads", &Request::ListMultipartUploads},
          {"ListObjects", &Request::ListObjectsV1},
          {"ListObjectsV2", &Request::ListObjectsV2},
          {"ListParts", &Request::ListParts},
          {"PutBucketPolicy", &Request::PutBucketPolicy},
          {"PutObject", &Request::PutObject},
          {"PutObjectTagging", &Request::PutObjectTagging},
          {"PutPublicAccessBlock", &Request::PutPublicAccessBlock},
          {"UploadPart", &Request::UploadPart},
      };
      std::sort(h.begin(), h.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      return h;
    }();
    return kHandlers;
  }

  static Handler Find(std::string_view name) {
    const auto& handlers = Handlers();
    const auto it = std::lower_bound(handlers.begin(), handlers.end(), name,
                                     [](const std::pair<std::string_view, Handler>& e,
                                        std::string_view n) { return e.first < n; });
    return it != handlers.end() && it->first == name ? it->second : nullptr;
  }

  Status GetObjectBody() { return GetObject(false); }

  Status HeadObject() { return GetObject(true); }

  Status ListObjectsV1() { return ListObjects(false); }

  Status ListObjectsV2() { return ListObjects(true); }

  Status Dispatch() {
    const Handler handler = Find(op());
    if (handler == nullptr) {
      return Fail("NotImplemented",
                  "Portcullis does not implement the S3 operation " + std::string(op()) + " yet");
    }
    return (this->*handler)();
  }

  Status Run() {
    const protocol::S3HttpRequest http = HttpRequest(call.body);
    IAM_ASSIGN_OR_RETURN(
        route, protocol::RouteS3Request(service_model(), http,
                                        protocol::S3RouteOptions{service.options_.host_names}));
    operation = route.operation;
    reply.operation = operation->name;
    reply.bucket = route.bucket;
    reply.key = route.key;
    IAM_RETURN_IF_ERROR(ReadPayload());
    IAM_ASSIGN_OR_RETURN(input,
                         protocol::DecodeS3Input(service_model(), route, HttpRequest(payload)));
    return Dispatch();
  }

  protocol::S3HttpRequest HttpRequest(std::string_view body) const {
    protocol::S3HttpRequest http;
    http.method = call.method;
    http.target = call.target;
    http.host = call.host;
    http.headers.reserve(call.headers.size());
    for (const auto& h : call.headers) {
      http.headers.push_back({h.name, h.value});
    }
    http.body = body;
    return http;
  }
};

S3Service::S3Service(objects::ObjectStore& objects, store::IdentityStore& identities,
                     authz::Authorizer& authorizer, S3ServiceOptions options)
    : objects_(objects),
      identities_(identities),
      authorizer_(authorizer),
      options_(std::move(options)) {}

S3Service::~S3Service() = default;

bool S3Service::Implements(std::string_view operation) {
  return Request::Find(operation) != nullptr;
}

Result<std::shared_ptr<const BucketPolicy>> S3Service::CompiledPolicy(std::string_view bucket,
                                                                      std::string_view text) {
  {
    const std::lock_guard<std::mutex> lock(policy_mutex_);
    if (const auto it = policies_.find(bucket); it != policies_.end() && it->second->text == text) {
      return it->second;
    }
  }
  // Stored policies were validated when put; principals are not checked again.
  IAM_ASSIGN_OR_RETURN(auto policy, ValidateBucketPolicy(text, bucket));
  const std::lock_guard<std::mutex> lock(policy_mutex_);
  policies_[std::string(bucket)] = policy;
  return policy;
}

S3Reply S3Service::ErrorReply(const Error& error, std::string_view resource,
                              std::string_view request_id, bool head,
                              const std::vector<std::pair<std::string, std::string>>& extra) {
  S3Reply reply;
  const auto encoded = protocol::EncodeS3Error(protocol::S3ErrorCodeOf(error), error.message,
                                               resource, request_id, head, extra);
  reply.status = encoded.http_status;
  reply.body = encoded.body;
  if (!reply.body.empty()) {
    reply.headers.emplace_back("Content-Type", "application/xml");
  }
  reply.error_code = std::string(protocol::S3ErrorCodeOf(error));
  reply.error_message = error.message;
  return reply;
}

S3Reply S3Service::Handle(const S3Call& call, const RequestInfo& info) {
  Request request(*this, call, info);
  auto status = request.Run();
  if (status.has_value()) {
    return std::move(request.reply);
  }
  std::string resource = "/" + request.route.bucket;
  if (!request.route.key.empty()) {
    resource += "/" + request.route.key;
  }
  Error error = status.error();
  if (error.aws_code.empty() &&
      (error.code == ErrorCode::kInternal || error.code == ErrorCode::kUnavailable)) {
    // The detail stays in the server's log (the router logs reply.internal_detail).
    request.reply.error_message = error.ToString();
    error.aws_code = error.code == ErrorCode::kUnavailable ? "ServiceUnavailable" : "InternalError";
    error.message.clear();
  }
  // AWS's error bodies for missing or clashing buckets, keys and uploads: S3's standard
  // message and the element naming what was asked for (the store's messages are for logs).
  std::vector<std::pair<std::string, std::string>> extra;
  const std::string_view code = protocol::S3ErrorCodeOf(error);
  if (code == "NoSuchBucket" || code == "BucketNotEmpty" || code == "BucketAlreadyExists" ||
      code == "BucketAlreadyOwnedByYou" || code == "NoSuchBucketPolicy" ||
      code == "NoSuchPublicAccessBlockConfiguration") {
    error.message.clear();
    extra.emplace_back("BucketName", request.route.bucket);
  } else if (code == "NoSuchKey") {
    error.message.clear();
    extra.emplace_back("Key", request.route.key);
  } else if (code == "NoSuchUpload") {
    error.message.clear();
    extra.emplace_back("UploadId", std::string(Text(request.input, "UploadId")));
  }
  S3Reply reply = ErrorReply(error, resource, info.request_id, call.method == "HEAD", extra);
  if (!request.reply.error_message.empty()) {
    reply.internal_detail = std::move(request.reply.error_message);
  }
  reply.operation = std::move(request.reply.operation);
  reply.bucket = std::move(request.reply.bucket);
  reply.key = std::move(request.reply.key);
  return reply;
}

}  // namespace portcullis::api::s3
