#include "api/s3/s3_actions.h"

#include <algorithm>
#include <array>
#include <deque>
#include <functional>
#include <iterator>
#include <set>
#include <utility>

#include "common/strings.h"

namespace portcullis::api::s3 {
namespace {

constexpr std::string_view kArnPrefix = "arn:aws:s3:::";
constexpr std::string_view kTaggingMessage =
    "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters "
    "without tag name duplicates.";
constexpr std::string_view kCopySourceMessage =
    "Copy Source must mention the source bucket and key: sourcebucket/sourcekey";

tl::unexpected<Error> InvalidArgument(std::string_view message,
                                      std::string_view aws_code = "InvalidArgument") {
  return tl::unexpected<Error>(Error{
      ErrorCode::kInvalidArgument, std::string(message), std::nullopt, {}, std::string(aws_code)});
}

// Percent-decodes `text`; `plus_is_space` for form encoding. Nullopt on a bad escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return std::nullopt;
      }
      const int hi = HexDigitValue(text[i + 1]);
      const int lo = HexDigitValue(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>((hi << 4) | lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string_view> Header(const S3RequestFacts& f, std::string_view name) {
  for (const auto& [n, v] : f.headers) {
    if (EqualsIgnoreCase(n, name)) {
      return v;
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> Query(const S3RequestFacts& f, std::string_view name) {
  for (const auto& [n, v] : f.query) {
    if (n == name) {
      return v;
    }
  }
  return std::nullopt;
}

std::string_view VersionId(const S3RequestFacts& f) {
  return Query(f, "versionId").value_or(std::string_view());
}

void Set(S3AuthorizationRequest& r, std::string key, std::string_view value) {
  r.context.emplace_back(std::move(key), std::vector<std::string>{std::string(value)});
}

void SetTags(S3AuthorizationRequest& r, std::string_view prefix, const Tags& tags) {
  for (const auto& [k, v] : tags) {
    Set(r, std::string(prefix) + k, v);
  }
}

void SetRequestTags(S3AuthorizationRequest& r, const Tags& tags) {
  if (tags.empty()) {
    return;
  }
  SetTags(r, "s3:RequestObjectTag/", tags);
  std::vector<std::string> keys;
  keys.reserve(tags.size());
  for (const auto& tag : tags) {
    keys.push_back(tag.first);
  }
  r.context.emplace_back("s3:RequestObjectTagKeys", std::move(keys));
}

void SetExistingTags(S3AuthorizationRequest& r, const Tags* tags) {
  if (tags != nullptr) {
    SetTags(r, "s3:ExistingObjectTag/", *tags);
  }
}

// Copies request headers to condition keys: {header, key}.
struct HeaderKey {
  std::string_view header;
  std::string_view key;
};

void SetFromHeaders(S3AuthorizationRequest& r, const S3RequestFacts& f,
                    const std::vector<HeaderKey>& table) {
  for (const HeaderKey& entry : table) {
    if (auto value = Header(f, entry.header); value.has_value()) {
      Set(r, std::string(entry.key), *value);
    }
  }
}

const std::vector<HeaderKey>& ObjectAclKeys() {
  static const std::vector<HeaderKey> kKeys = {
      {"x-amz-acl", "s3:x-amz-acl"},
      {"x-amz-grant-read", "s3:x-amz-grant-read"},
      {"x-amz-grant-read-acp", "s3:x-amz-grant-read-acp"},
      {"x-amz-grant-write-acp", "s3:x-amz-grant-write-acp"},
      {"x-amz-grant-full-control", "s3:x-amz-grant-full-control"},
  };
  return kKeys;
}

// AWS (Service Authorization Reference, s3:PutObject): the header-borne keys.
const std::vector<HeaderKey>& PutObjectKeys() {
  static const std::vector<HeaderKey> kKeys = {
      {"x-amz-acl", "s3:x-amz-acl"},
      {"x-amz-grant-read", "s3:x-amz-grant-read"},
      {"x-amz-grant-read-acp", "s3:x-amz-grant-read-acp"},
      {"x-amz-grant-write-acp", "s3:x-amz-grant-write-acp"},
      {"x-amz-grant-full-control", "s3:x-amz-grant-full-control"},
      {"x-amz-server-side-encryption", "s3:x-amz-server-side-encryption"},
      {"x-amz-server-side-encryption-aws-kms-key-id",
       "s3:x-amz-server-side-encryption-aws-kms-key-id"},
      {"x-amz-server-side-encryption-customer-algorithm",
       "s3:x-amz-server-side-encryption-customer-algorithm"},
      {"x-amz-storage-class", "s3:x-amz-storage-class"},
      {"x-amz-website-redirect-location", "s3:x-amz-website-redirect-location"},
      {"x-amz-object-lock-mode", "s3:object-lock-mode"},
      {"x-amz-object-lock-retain-until-date", "s3:object-lock-retain-until-date"},
      {"x-amz-object-lock-legal-hold", "s3:object-lock-legal-hold"},
      {"If-Match", "s3:if-match"},
      {"If-None-Match", "s3:if-none-match"},
  };
  return kKeys;
}

const std::vector<HeaderKey>& CreateBucketKeys() {
  static const std::vector<HeaderKey> kKeys = {
      {"x-amz-acl", "s3:x-amz-acl"},
      {"x-amz-grant-read", "s3:x-amz-grant-read"},
      {"x-amz-grant-write", "s3:x-amz-grant-write"},
      {"x-amz-grant-read-acp", "s3:x-amz-grant-read-acp"},
      {"x-amz-grant-write-acp", "s3:x-amz-grant-write-acp"},
      {"x-amz-grant-full-control", "s3:x-amz-grant-full-control"},
      {"x-amz-object-ownership", "s3:x-amz-object-ownership"},
  };
  return kKeys;
}

bool HasAnyHeader(const S3RequestFacts& f, const std::vector<HeaderKey>& table) {
  return std::any_of(table.begin(), table.end(),
                     [&](const HeaderKey& e) { return Header(f, e.header).has_value(); });
}

bool HasGrantHeader(const S3RequestFacts& f) {
  for (const auto& [name, value] : f.headers) {
    if (StartsWithIgnoreCase(name, "x-amz-grant-")) {
      return true;
    }
  }
  return false;
}

class Builder {
 public:
  explicit Builder(const S3RequestFacts& facts) : f_(facts) {}

  // Adds a request on `arn`, decided by `bucket`'s policy (empty: none) owned by `owner`,
  // with the keys every S3 action carries.
  S3AuthorizationRequest& Add(std::string_view action, std::string arn, std::string_view bucket,
                              std::string_view owner) {
    S3AuthorizationRequest& r = out_.emplace_back();
    r.action = std::string(action);
    r.resource_arn = std::move(arn);
    r.bucket = std::string(bucket);
    if (f_.auth_type != AuthType::kAnonymous) {
      static constexpr std::array<std::string_view, 4> kAuthTypes = {"", "REST-HEADER",
                                                                     "REST-QUERY-STRING", "POST"};
      Set(r, "s3:authType", kAuthTypes[static_cast<std::size_t>(f_.auth_type)]);
      // AWS: "AWS" for Signature Version 2, "AWS4-HMAC-SHA256" for Signature Version 4.
      Set(r, "s3:signatureversion", f_.signature_v2 ? "AWS" : "AWS4-HMAC-SHA256");
      if (f_.signature_age_ms.has_value()) {
        Set(r, "s3:signatureAge", std::to_string(*f_.signature_age_ms));
      }
    }
    if (auto sha = Header(f_, "x-amz-content-sha256"); sha.has_value()) {
      Set(r, "s3:x-amz-content-sha256", *sha);
    }
    if (!f_.tls_version.empty()) {
      Set(r, "s3:TlsVersion", f_.tls_version);
    }
    if (!owner.empty()) {
      Set(r, "s3:ResourceAccount", owner);
    }
    return r;
  }

  S3AuthorizationRequest& OnBucket(std::string_view action) {
    return Add(action, BucketArn(f_.bucket), f_.bucket, f_.bucket_owner);
  }

  S3AuthorizationRequest& OnObject(std::string_view action) {
    return Add(action, ObjectArn(f_.bucket, f_.key), f_.bucket, f_.bucket_owner);
  }

  // The versioned variant of an object action when the request names a version.
  S3AuthorizationRequest& OnObjectVersioned(std::string_view action,
                                            std::string_view version_action) {
    const std::string_view version = VersionId(f_);
    if (version.empty()) {
      return OnObject(action);
    }
    S3AuthorizationRequest& r = OnObject(version_action);
    Set(r, "s3:versionid", version);
    return r;
  }

  std::vector<S3AuthorizationRequest> Take() {
    return {std::make_move_iterator(out_.begin()), std::make_move_iterator(out_.end())};
  }

 private:
  const S3RequestFacts& f_;
  // A deque: the references Add() returns stay valid while more requests are added.
  std::deque<S3AuthorizationRequest> out_;
};

using OperationFn = std::function<Status(const S3RequestFacts&, Builder&)>;

// Bucket operations that need one action on the bucket and no keys of their own.
// AWS: "Required permissions for Amazon S3 API operations", bucket operations.
struct SimpleBucketOperation {
  std::string_view operation;
  std::string_view action;
};

// NOLINTNEXTLINE(cppcoreguidelines-avoid-c-arrays,modernize-avoid-c-arrays): sized by its list
constexpr SimpleBucketOperation kSimpleBucketOperations[] = {
    {"DeleteBucket", "s3:DeleteBucket"},
    {"DeleteBucketCors", "s3:PutBucketCORS"},
    {"DeleteBucketEncryption", "s3:PutEncryptionConfiguration"},
    {"DeleteBucketLifecycle", "s3:PutLifecycleConfiguration"},
    {"DeleteBucketOwnershipControls", "s3:PutBucketOwnershipControls"},
    {"DeleteBucketPolicy", "s3:DeleteBucketPolicy"},
    {"DeleteBucketReplication", "s3:PutReplicationConfiguration"},
    {"DeleteBucketTagging", "s3:PutBucketTagging"},
    {"DeleteBucketWebsite", "s3:DeleteBucketWebsite"},
    {"DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock"},
    {"GetBucketAccelerateConfiguration", "s3:GetAccelerateConfiguration"},
    {"GetBucketAcl", "s3:GetBucketAcl"},
    {"GetBucketCors", "s3:GetBucketCORS"},
    {"GetBucketEncryption", "s3:GetEncryptionConfiguration"},
    {"GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration"},
    {"GetBucketLocation", "s3:GetBucketLocation"},
    {"GetBucketLogging", "s3:GetBucketLogging"},
    {"GetBucketNotificationConfiguration", "s3:GetBucketNotification"},
    {"GetBucketOwnershipControls", "s3:GetBucketOwnershipControls"},
    {"GetBucketPolicy", "s3:GetBucketPolicy"},
    {"GetBucketPolicyStatus", "s3:GetBucketPolicyStatus"},
    {"GetBucketReplication", "s3:GetReplicationConfiguration"},
    {"GetBucketRequestPayment", "s3:GetBucketRequestPayment"},
    {"GetBucketTagging", "s3:GetBucketTagging"},
    {"GetBucketVersioning", "s3:GetBucketVersioning"},
    {"GetBucketWebsite", "s3:GetBucketWebsite"},
    {"GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"},
    {"GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"},
    {"HeadBucket", "s3:ListBucket"},
    {"ListMultipartUploads", "s3:ListBucketMultipartUploads"},
    {"ListObjectVersions", "s3:ListBucketVersions"},
    {"PutBucketAccelerateConfiguration", "s3:PutAccelerateConfiguration"},
    {"PutBucketAcl", "s3:PutBucketAcl"},
    {"PutBucketCors", "s3:PutBucketCORS"},
    {"PutBucketEncryption", "s3:PutEncryptionConfiguration"},
    {"PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration"},
    {"PutBucketLogging", "s3:PutBucketLogging"},
    {"PutBucketNotificationConfiguration", "s3:PutBucketNotification"},
    {"PutBucketOwnershipControls", "s3:PutBucketOwnershipControls"},
    {"PutBucketPolicy", "s3:PutBucketPolicy"},
    {"PutBucketReplication", "s3:PutReplicationConfiguration"},
    {"PutBucketRequestPayment", "s3:PutBucketRequestPayment"},
    {"PutBucketTagging", "s3:PutBucketTagging"},
    {"PutBucketVersioning", "s3:PutBucketVersioning"},
    {"PutBucketWebsite", "s3:PutBucketWebsite"},
    {"PutObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration"},
    {"PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock"},
    {"GetBucketMetadataTableConfiguration", "s3:GetBucketMetadataTableConfiguration"},
};

Status ListBuckets(const S3RequestFacts& f, Builder& b) {
  // AWS: s3:ListAllMyBuckets has no resource type; the S3 User Guide grants it with
  // "arn:aws:s3:::*", IAM's examples with "*": both match this ARN.
  b.Add("s3:ListAllMyBuckets", std::string(kArnPrefix) + "*", "", f.bucket_owner);
  return OkStatus();
}

Status CreateBucket(const S3RequestFacts& f, Builder& b) {
  // AWS: CreateBucket (API reference, Permissions): s3:CreateBucket, plus s3:PutBucketAcl
  // for a non-private ACL or any grant, s3:PutBucketOwnershipControls for
  // x-amz-object-ownership, and Object Lock's two permissions.
  // The bucket has no policy yet: the caller's account owns it.
  auto add = [&](std::string_view action) -> S3AuthorizationRequest& {
    return b.Add(action, BucketArn(f.bucket), "", f.bucket_owner);
  };
  S3AuthorizationRequest& create = add("s3:CreateBucket");
  if (!f.location_constraint.empty()) {
    Set(create, "s3:LocationConstraint", f.location_constraint);
  }
  SetFromHeaders(create, f, CreateBucketKeys());
  const auto acl = Header(f, "x-amz-acl");
  if ((acl.has_value() && *acl != "private") || HasGrantHeader(f)) {
    SetFromHeaders(add("s3:PutBucketAcl"), f, CreateBucketKeys());
  }
  if (auto ownership = Header(f, "x-amz-object-ownership"); ownership.has_value()) {
    Set(add("s3:PutBucketOwnershipControls"), "s3:x-amz-object-ownership", *ownership);
  }
  if (auto lock = Header(f, "x-amz-bucket-object-lock-enabled");
      lock.has_value() && EqualsIgnoreCase(*lock, "true")) {
    add("s3:PutBucketObjectLockConfiguration");
    add("s3:PutBucketVersioning");
  }
  return OkStatus();
}

Status ListObjects(const S3RequestFacts& f, Builder& b) {
  // AWS: s3:ListBucket carries s3:prefix, s3:delimiter and s3:max-keys.
  S3AuthorizationRequest& r = b.OnBucket("s3:ListBucket");
  for (std::string_view name : {"prefix", "delimiter", "max-keys"}) {
    if (auto value = Query(f, name); value.has_value()) {
      Set(r, "s3:" + std::string(name), *value);
    }
  }
  return OkStatus();
}

Status GetObject(const S3RequestFacts& f, Builder& b) {
  SetExistingTags(b.OnObjectVersioned("s3:GetObject", "s3:GetObjectVersion"),
                  f.existing_object_tags);
  return OkStatus();
}

// s3:PutObject with the header-borne keys, and the extra actions the headers need.
// AWS: PutObject (API reference, Permissions): s3:PutObjectAcl for an ACL,
// s3:PutObjectTagging for a tag set.
Status PutObjectLike(const S3RequestFacts& f, Builder& b) {
  Tags tags;
  if (auto header = Header(f, "x-amz-tagging"); header.has_value()) {
    IAM_ASSIGN_OR_RETURN(tags, ParseTaggingHeader(*header));
  }
  S3AuthorizationRequest& put = b.OnObject("s3:PutObject");
  SetFromHeaders(put, f, PutObjectKeys());
  SetRequestTags(put, tags);
  if (!tags.empty()) {
    SetRequestTags(b.OnObject("s3:PutObjectTagging"), tags);
  }
  if (HasAnyHeader(f, ObjectAclKeys())) {
    SetFromHeaders(b.OnObject("s3:PutObjectAcl"), f, ObjectAclKeys());
  }
  return OkStatus();
}

Status UploadPart(const S3RequestFacts& /*f*/, Builder& b) {
  b.OnObject("s3:PutObject");
  return OkStatus();
}

Status CompleteMultipartUpload(const S3RequestFacts& f, Builder& b) {
  SetFromHeaders(b.OnObject("s3:PutObject"), f,
                 {{"If-Match", "s3:if-match"}, {"If-None-Match", "s3:if-none-match"}});
  return OkStatus();
}

Status DeleteObject(const S3RequestFacts& /*f*/, Builder& b) {
  b.OnObjectVersioned("s3:DeleteObject", "s3:DeleteObjectVersion");
  return OkStatus();
}

Status DeleteObjects(const S3RequestFacts& f, Builder& b) {
  // AWS: DeleteObjects needs s3:DeleteObject (s3:DeleteObjectVersion with a version) for
  // every key. An empty Delete element is MalformedXML on AWS.
  if (f.objects_to_delete.empty()) {
    return InvalidArgument(
        "The XML you provided was not well-formed or did not validate against our published "
        "schema",
        "MalformedXML");
  }
  for (const ObjectToDelete& object : f.objects_to_delete) {
    if (object.version_id.empty()) {
      b.Add("s3:DeleteObject", ObjectArn(f.bucket, object.key), f.bucket, f.bucket_owner);
    } else {
      S3AuthorizationRequest& r = b.Add("s3:DeleteObjectVersion", ObjectArn(f.bucket, object.key),
                                        f.bucket, f.bucket_owner);
      Set(r, "s3:versionid", object.version_id);
    }
  }
  return OkStatus();
}

// CopyObject and UploadPartCopy: read the source, write the destination.
Status CopyLike(const S3RequestFacts& f, Builder& b, bool whole_object) {
  const auto header = Header(f, "x-amz-copy-source");
  if (!header.has_value()) {
    return InvalidArgument(kCopySourceMessage);
  }
  IAM_ASSIGN_OR_RETURN(CopySource source, ParseCopySource(*header));
  const std::string source_arn = ObjectArn(source.bucket, source.key);
  auto on_source = [&](std::string_view action,
                       std::string_view version_action) -> S3AuthorizationRequest& {
    if (source.version_id.empty()) {
      return b.Add(action, source_arn, source.bucket, f.source_bucket_owner);
    }
    S3AuthorizationRequest& r =
        b.Add(version_action, source_arn, source.bucket, f.source_bucket_owner);
    Set(r, "s3:versionid", source.version_id);
    return r;
  };
  SetExistingTags(on_source("s3:GetObject", "s3:GetObjectVersion"), f.source_object_tags);

  // AWS: s3:x-amz-copy-source is "bucket/key" (the S3 User Guide's examples match
  // "amzn-s3-demo-source-bucket/public/*").
  const std::string copy_source = source.bucket + "/" + source.key;
  S3AuthorizationRequest& put = b.OnObject("s3:PutObject");
  Set(put, "s3:x-amz-copy-source", copy_source);
  if (!whole_object) {
    return OkStatus();
  }
  SetFromHeaders(put, f, PutObjectKeys());
  SetFromHeaders(put, f, {{"x-amz-metadata-directive", "s3:x-amz-metadata-directive"}});

  // Tags: REPLACE writes x-amz-tagging; COPY (the default) reads the source's tags
  // (s3:GetObjectTagging) and writes them (s3:PutObjectTagging). Either way the tags
  // written are the request's tags.
  Tags tags;
  const auto directive = Header(f, "x-amz-tagging-directive");
  const bool replace = directive.has_value() && EqualsIgnoreCase(*directive, "REPLACE");
  if (replace) {
    if (auto tagging = Header(f, "x-amz-tagging"); tagging.has_value()) {
      IAM_ASSIGN_OR_RETURN(tags, ParseTaggingHeader(*tagging));
    }
  } else if (f.source_object_tags != nullptr && !f.source_object_tags->empty()) {
    tags = *f.source_object_tags;
    SetExistingTags(on_source("s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
                    f.source_object_tags);
  }
  SetRequestTags(put, tags);
  if (!tags.empty()) {
    SetRequestTags(b.OnObject("s3:PutObjectTagging"), tags);
  }
  if (HasAnyHeader(f, ObjectAclKeys())) {
    SetFromHeaders(b.OnObject("s3:PutObjectAcl"), f, ObjectAclKeys());
  }
  return OkStatus();
}

Status GetObjectTagging(const S3RequestFacts& f, Builder& b) {
  SetExistingTags(b.OnObjectVersioned("s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
                  f.existing_object_tags);
  return OkStatus();
}

Status PutObjectTagging(const S3RequestFacts& f, Builder& b) {
  S3AuthorizationRequest& r =
      b.OnObjectVersioned("s3:PutObjectTagging", "s3:PutObjectVersionTagging");
  SetExistingTags(r, f.existing_object_tags);
  if (f.request_tags != nullptr) {
    SetRequestTags(r, *f.request_tags);
  }
  return OkStatus();
}

Status DeleteObjectTagging(const S3RequestFacts& f, Builder& b) {
  SetExistingTags(b.OnObjectVersioned("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"),
                  f.existing_object_tags);
  return OkStatus();
}

Status GetObjectAcl(const S3RequestFacts& f, Builder& b) {
  SetExistingTags(b.OnObjectVersioned("s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
                  f.existing_object_tags);
  return OkStatus();
}

Status PutObjectAcl(const S3RequestFacts& f, Builder& b) {
  S3AuthorizationRequest& r = b.OnObjectVersioned("s3:PutObjectAcl", "s3:PutObjectVersionAcl");
  SetFromHeaders(r, f, ObjectAclKeys());
  SetExistingTags(r, f.existing_object_tags);
  return OkStatus();
}

Status OneObjectAction(Builder& b, std::string_view action) {
  b.OnObject(action);
  return OkStatus();
}

struct OperationEntry {
  std::string_view operation;
  OperationFn fn;
};

const std::vector<OperationEntry>& Operations() {
  static const std::vector<OperationEntry> kOperations = [] {
    std::vector<OperationEntry> ops = {
        {"ListBuckets", ListBuckets},
        {"CreateBucket", CreateBucket},
        {"ListObjects", ListObjects},
        {"ListObjectsV2", ListObjects},
        {"GetObject", GetObject},
        {"HeadObject", GetObject},
        {"PutObject", PutObjectLike},
        {"CreateMultipartUpload", PutObjectLike},
        {"UploadPart", UploadPart},
        {"CompleteMultipartUpload", CompleteMultipartUpload},
        {"AbortMultipartUpload",
         [](const S3RequestFacts&, Builder& b) {
           return OneObjectAction(b, "s3:AbortMultipartUpload");
         }},
        {"ListParts", [](const S3RequestFacts&,
                         Builder& b) { return OneObjectAction(b, "s3:ListMultipartUploadParts"); }},
        {"DeleteObject", DeleteObject},
        {"DeleteObjects", DeleteObjects},
        {"CopyObject", [](const S3RequestFacts& f, Builder& b) { return CopyLike(f, b, true); }},
        {"UploadPartCopy",
         [](const S3RequestFacts& f, Builder& b) { return CopyLike(f, b, false); }},
        {"GetObjectTagging", GetObjectTagging},
        {"PutObjectTagging", PutObjectTagging},
        {"DeleteObjectTagging", DeleteObjectTagging},
        {"GetObjectAcl", GetObjectAcl},
        {"PutObjectAcl", PutObjectAcl},
    };
    for (const SimpleBucketOperation& simple : kSimpleBucketOperations) {
      const std::string_view action = simple.action;
      ops.push_back({simple.operation, [action](const S3RequestFacts&, Builder& b) {
                       b.OnBucket(action);
                       return OkStatus();
                     }});
    }
    std::sort(ops.begin(), ops.end(), [](const OperationEntry& a, const OperationEntry& b) {
      return a.operation < b.operation;
    });
    return ops;
  }();
  return kOperations;
}

}  // namespace

const std::vector<std::string>* S3AuthorizationRequest::Find(std::string_view key) const {
  for (const auto& [k, values] : context) {
    if (k == key) {
      return &values;
    }
  }
  return nullptr;
}

Result<std::vector<S3AuthorizationRequest>> AuthorizationRequestsFor(const S3RequestFacts& facts) {
  const auto& ops = Operations();
  auto it = std::lower_bound(
      ops.begin(), ops.end(), facts.operation,
      [](const OperationEntry& e, std::string_view name) { return e.operation < name; });
  if (it == ops.end() || it->operation != facts.operation) {
    return InvalidArgument(
        "operation `" + std::string(facts.operation) + "` has no authorization mapping",
        "NotImplemented");
  }
  Builder builder(facts);
  IAM_RETURN_IF_ERROR(it->fn(facts, builder));
  return builder.Take();
}

std::vector<std::string_view> KnownOperations() {
  std::vector<std::string_view> names;
  for (const OperationEntry& e : Operations()) {
    names.push_back(e.operation);
  }
  return names;
}

std::string BucketArn(std::string_view bucket) {
  std::string arn(kArnPrefix);
  arn.append(bucket);
  return arn;
}

std::string ObjectArn(std::string_view bucket, std::string_view key) {
  std::string arn(kArnPrefix);
  arn.reserve(kArnPrefix.size() + bucket.size() + 1 + key.size());
  arn.append(bucket).append("/").append(key);
  return arn;
}

Result<Tags> ParseTaggingHeader(std::string_view header) {
  Tags tags;
  std::set<std::string> seen;
  while (!header.empty()) {
    const std::size_t amp = header.find('&');
    const std::string_view pair = header.substr(0, amp);
    header = amp == std::string_view::npos ? std::string_view() : header.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const std::size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key.has_value() || !value.has_value() || key->empty() || !seen.insert(*key).second) {
      return InvalidArgument(kTaggingMessage);
    }
    tags.emplace_back(std::move(*key), std::move(*value));
  }
  return tags;
}

Result<CopySource> ParseCopySource(std::string_view header) {
  std::string_view path = header;
  std::string_view version;
  if (const std::size_t q = path.find('?'); q != std::string_view::npos) {
    const std::string_view query = path.substr(q + 1);
    path = path.substr(0, q);
    constexpr std::string_view kVersion = "versionId=";
    if (query.substr(0, kVersion.size()) != kVersion || query.size() == kVersion.size()) {
      return InvalidArgument(kCopySourceMessage);
    }
    version = query.substr(kVersion.size());
  }
  if (!path.empty() && path.front() == '/') {
    path.remove_prefix(1);
  }
  auto decoded = PercentDecode(path, false);
  auto decoded_version = PercentDecode(version, false);
  if (!decoded.has_value() || !decoded_version.has_value()) {
    return InvalidArgument(kCopySourceMessage);
  }
  const std::size_t slash = decoded->find('/');
  // Access point and Outposts ARNs ("arn:aws:s3:...:accesspoint/...") are not buckets.
  if (slash == std::string::npos || slash == 0 || slash + 1 == decoded->size() ||
      decoded->rfind("arn:", 0) == 0) {
    return InvalidArgument(kCopySourceMessage);
  }
  CopySource source;
  source.bucket = decoded->substr(0, slash);
  source.key = decoded->substr(slash + 1);
  source.version_id = std::move(*decoded_version);
  return source;
}

}  // namespace portcullis::api::s3
