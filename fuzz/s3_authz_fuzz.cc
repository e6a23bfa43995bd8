// libFuzzer target for the S3 authorization library (api/s3/): every input is read as
// an x-amz-tagging header, an x-amz-copy-source header, a bucket policy (validated,
// checked for public access and evaluated for an anonymous GetObject), and as the
// headers and query of every known operation. Only crashes, sanitizer reports, leaks,
// timeouts and broken invariants (an error without a message, a policy without its
// compiled form) count as findings.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/s3/bucket_policy.h"
#include "api/s3/public_access.h"
#include "api/s3/s3_actions.h"
#include "api/s3/s3_evaluate.h"

namespace {

namespace s3 = portcullis::api::s3;

template <class R>
void CheckError(const R& result) {
  if (!result.has_value() && result.error().message.empty()) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckError(s3::ParseTaggingHeader(text));
  CheckError(s3::ParseCopySource(text));

  const auto policy = s3::ValidateBucketPolicy(text, "photos");
  CheckError(policy);
  if (policy.has_value()) {
    if ((*policy)->compiled == nullptr ||
        (*policy)->is_public != s3::IsPublicPolicy((*policy)->document)) {
      __builtin_trap();
    }
    s3::S3RequestFacts get;
    get.operation = "GetObject";
    get.bucket = "photos";
    get.key = "public/a.txt";
    get.auth_type = s3::AuthType::kAnonymous;
    const auto requests = s3::AuthorizationRequestsFor(get);
    if (requests.has_value()) {
      const s3::BucketAccess bucket{"111122223333", policy->get(), {}};
      (void)s3::EvaluateAnonymousAll(*requests, bucket, {});
    }
  }

  const s3::Tags tags = {{"team", std::string(text.substr(0, 64))}};
  for (std::string_view operation : s3::KnownOperations()) {
    s3::S3RequestFacts facts;
    facts.operation = operation;
    facts.bucket = "photos";
    facts.key = text;
    facts.bucket_owner = "111122223333";
    facts.headers = {{"x-amz-tagging", text},
                     {"x-amz-copy-source", text},
                     {"x-amz-acl", text},
                     {"x-amz-tagging-directive", size % 2 == 0 ? "REPLACE" : "COPY"}};
    facts.query = {{"prefix", text}, {"versionId", text.substr(0, size / 2)}};
    facts.existing_object_tags = &tags;
    facts.source_object_tags = &tags;
    facts.request_tags = &tags;
    facts.objects_to_delete = {{text, ""}};
    CheckError(s3::AuthorizationRequestsFor(facts));
  }
  return 0;
}
