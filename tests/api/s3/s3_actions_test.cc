#include "api/s3/s3_actions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>
#include <utility>
#include <vector>

namespace portcullis::api::s3 {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr std::string_view kOwner = "111122223333";

S3RequestFacts Facts(std::string_view operation) {
  S3RequestFacts f;
  f.operation = operation;
  f.bucket = "photos";
  f.key = "2024/cat one+%.jpg";
  f.bucket_owner = kOwner;
  return f;
}

std::vector<std::pair<std::string, std::string>> ActionsAndArns(
    const std::vector<S3AuthorizationRequest>& requests) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : requests) {
    out.emplace_back(r.action, r.resource_arn);
  }
  return out;
}

std::vector<S3AuthorizationRequest> MustMap(const S3RequestFacts& f) {
  auto result = AuthorizationRequestsFor(f);
  EXPECT_TRUE(result.has_value()) << (result.has_value() ? "" : result.error().ToString());
  return result.has_value() ? *result : std::vector<S3AuthorizationRequest>{};
}

std::vector<std::string> Values(const S3AuthorizationRequest& r, std::string_view key) {
  const auto* values = r.Find(key);
  return values == nullptr ? std::vector<std::string>{} : *values;
}

struct Row {
  std::string_view operation;
  std::string_view action;
  bool on_object;
};

// AWS: S3 User Guide, "Required permissions for Amazon S3 API operations".
constexpr Row kTable[] = {
    {"HeadBucket", "s3:ListBucket", false},
    {"DeleteBucket", "s3:DeleteBucket", false},
    {"GetBucketLocation", "s3:GetBucketLocation", false},
    {"PutObject", "s3:PutObject", true},
    {"GetObject", "s3:GetObject", true},
    {"HeadObject", "s3:GetObject", true},
    {"DeleteObject", "s3:DeleteObject", true},
    {"ListObjectsV2", "s3:ListBucket", false},
    {"ListObjects", "s3:ListBucket", false},
    {"CreateMultipartUpload", "s3:PutObject", true},
    {"UploadPart", "s3:PutObject", true},
    {"CompleteMultipartUpload", "s3:PutObject", true},
    {"AbortMultipartUpload", "s3:AbortMultipartUpload", true},
    {"ListParts", "s3:ListMultipartUploadParts", true},
    {"ListMultipartUploads", "s3:ListBucketMultipartUploads", false},
    {"PutBucketPolicy", "s3:PutBucketPolicy", false},
    {"GetBucketPolicy", "s3:GetBucketPolicy", false},
    {"DeleteBucketPolicy", "s3:DeleteBucketPolicy", false},
    {"GetBucketPolicyStatus", "s3:GetBucketPolicyStatus", false},
    {"PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock", false},
    {"GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock", false},
    {"DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock", false},
    {"PutObjectTagging", "s3:PutObjectTagging", true},
    {"GetObjectTagging", "s3:GetObjectTagging", true},
    {"DeleteObjectTagging", "s3:DeleteObjectTagging", true},
};

TEST(S3ActionsTest, EveryOperationOfIssue6MapsAsAwsDocuments) {
  for (const Row& row : kTable) {
    SCOPED_TRACE(row.operation);
    const auto requests = MustMap(Facts(row.operation));
    const std::string arn =
        row.on_object ? "arn:aws:s3:::photos/2024/cat one+%.jpg" : "arn:aws:s3:::photos";
    EXPECT_THAT(ActionsAndArns(requests), ElementsAre(Pair(std::string(row.action), arn)));
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].bucket, "photos");
    EXPECT_THAT(Values(requests[0], "s3:ResourceAccount"), ElementsAre("111122223333"));
  }
}

TEST(S3ActionsTest, ListBucketsAsksListAllMyBucketsWithoutBucketPolicy) {
  S3RequestFacts f = Facts("ListBuckets");
  f.bucket = "";
  const auto requests = MustMap(f);
  EXPECT_THAT(ActionsAndArns(requests), ElementsAre(Pair("s3:ListAllMyBuckets", "arn:aws:s3:::*")));
  EXPECT_EQ(requests[0].bucket, "");
}

TEST(S3ActionsTest, CreateBucketFillsLocationConstraintAndNeedsNoBucketPolicy) {
  S3RequestFacts f = Facts("CreateBucket");
  f.location_constraint = "eu-west-1";
  const auto requests = MustMap(f);
  EXPECT_THAT(ActionsAndArns(requests),
              ElementsAre(Pair("s3:CreateBucket", "arn:aws:s3:::photos")));
  EXPECT_EQ(requests[0].bucket, "");  // the bucket does not exist yet: no policy
  EXPECT_THAT(Values(requests[0], "s3:LocationConstraint"), ElementsAre("eu-west-1"));
}

TEST(S3ActionsTest, CreateBucketWithAclOwnershipAndObjectLockNeedsTheExtraActions) {
  S3RequestFacts f = Facts("CreateBucket");
  f.headers = {{"x-amz-acl", "public-read"},
               {"X-Amz-Object-Ownership", "BucketOwnerPreferred"},
               {"x-amz-bucket-object-lock-enabled", "True"}};
  const auto requests = MustMap(f);
  EXPECT_THAT(ActionsAndArns(requests),
              ElementsAre(Pair("s3:CreateBucket", "arn:aws:s3:::photos"),
                          Pair("s3:PutBucketAcl", "arn:aws:s3:::photos"),
                          Pair("s3:PutBucketOwnershipControls", "arn:aws:s3:::photos"),
                          Pair("s3:PutBucketObjectLockConfiguration", "arn:aws:s3:::photos"),
                          Pair("s3:PutBucketVersioning", "arn:aws:s3:::photos")));
  EXPECT_THAT(Values(requests[0], "s3:x-amz-acl"), ElementsAre("public-read"));
  EXPECT_THAT(Values(requests[0], "s3:x-amz-object-ownership"),
              ElementsAre("BucketOwnerPreferred"));
}

TEST(S3ActionsTest, CreateBucketWithPrivateAclNeedsOnlyCreateBucket) {
  S3RequestFacts f = Facts("CreateBucket");
  f.headers = {{"x-amz-acl", "private"}};
  EXPECT_EQ(MustMap(f).size(), 1U);
}

TEST(S3ActionsTest, ListObjectsFillsPrefixDelimiterAndMaxKeys) {
  for (std::string_view op : {"ListObjectsV2", "ListObjects"}) {
    S3RequestFacts f = Facts(op);
    f.query = {
        {"list-type", "2"}, {"prefix", "home/alice/"}, {"delimiter", "/"}, {"max-keys", "100"}};
    const auto requests = MustMap(f);
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_THAT(Values(requests[0], "s3:prefix"), ElementsAre("home/alice/"));
    EXPECT_THAT(Values(requests[0], "s3:delimiter"), ElementsAre("/"));
    EXPECT_THAT(Values(requests[0], "s3:max-keys"), ElementsAre("100"));
  }
}

TEST(S3ActionsTest, ListObjectsWithoutParametersHasNoListKeys) {
  const auto requests = MustMap(Facts("ListObjectsV2"));
  EXPECT_EQ(requests[0].Find("s3:prefix"), nullptr);
  EXPECT_EQ(requests[0].Find("s3:max-keys"), nullptr);
}

TEST(S3ActionsTest, HeadBucketCarriesNoListKeys) {
  S3RequestFacts f = Facts("HeadBucket");
  f.query = {{"prefix", "x"}};
  EXPECT_EQ(MustMap(f)[0].Find("s3:prefix"), nullptr);
}

TEST(S3ActionsTest, CommonKeysFollowTheAuthenticationOfTheRequest) {
  S3RequestFacts f = Facts("GetObject");
  f.headers = {{"X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"}};
  f.tls_version = "1.3";
  f.signature_age_ms = 1500;
  auto r = MustMap(f)[0];
  EXPECT_THAT(Values(r, "s3:authType"), ElementsAre("REST-HEADER"));
  EXPECT_THAT(Values(r, "s3:signatureversion"), ElementsAre("AWS4-HMAC-SHA256"));
  EXPECT_THAT(Values(r, "s3:signatureAge"), ElementsAre("1500"));
  EXPECT_THAT(Values(r, "s3:x-amz-content-sha256"), ElementsAre("UNSIGNED-PAYLOAD"));
  EXPECT_THAT(Values(r, "s3:TlsVersion"), ElementsAre("1.3"));

  f.auth_type = AuthType::kQueryString;
  EXPECT_THAT(Values(MustMap(f)[0], "s3:authType"), ElementsAre("REST-QUERY-STRING"));
  f.signature_v2 = true;  // an S3 Signature Version 2 presigned URL
  r = MustMap(f)[0];
  EXPECT_THAT(Values(r, "s3:authType"), ElementsAre("REST-QUERY-STRING"));
  EXPECT_THAT(Values(r, "s3:signatureversion"), ElementsAre("AWS"));
  f.signature_v2 = false;
  f.auth_type = AuthType::kPost;
  EXPECT_THAT(Values(MustMap(f)[0], "s3:authType"), ElementsAre("POST"));

  f.auth_type = AuthType::kAnonymous;
  f.tls_version = "";
  r = MustMap(f)[0];
  EXPECT_EQ(r.Find("s3:authType"), nullptr);
  EXPECT_EQ(r.Find("s3:signatureversion"), nullptr);
  EXPECT_EQ(r.Find("s3:signatureAge"), nullptr);
  EXPECT_EQ(r.Find("s3:TlsVersion"), nullptr);  // only over TLS
}

TEST(S3ActionsTest, PutObjectFillsHeaderKeysAndTaggingNeedsPutObjectTagging) {
  S3RequestFacts f = Facts("PutObject");
  f.headers = {{"x-amz-tagging", "team=blue&cost%20center=4%2B2"},
               {"x-amz-server-side-encryption", "AES256"},
               {"x-amz-storage-class", "STANDARD"},
               {"If-None-Match", "*"}};
  const auto requests = MustMap(f);
  EXPECT_THAT(ActionsAndArns(requests),
              ElementsAre(Pair("s3:PutObject", "arn:aws:s3:::photos/2024/cat one+%.jpg"),
                          Pair("s3:PutObjectTagging", "arn:aws:s3:::photos/2024/cat one+%.jpg")));
  for (const auto& r : requests) {
    EXPECT_THAT(Values(r, "s3:RequestObjectTag/team"), ElementsAre("blue"));
    EXPECT_THAT(Values(r, "s3:RequestObjectTag/cost center"), ElementsAre("4+2"));
    EXPECT_THAT(Values(r, "s3:RequestObjectTagKeys"), ElementsAre("team", "cost center"));
  }
  EXPECT_THAT(Values(requests[0], "s3:x-amz-server-side-encryption"), ElementsAre("AES256"));
  EXPECT_THAT(Values(requests[0], "s3:x-amz-storage-class"), ElementsAre("STANDARD"));
  EXPECT_THAT(Values(requests[0], "s3:if-none-match"), ElementsAre("*"));
  EXPECT_EQ(requests[0].Find("s3:x-amz-acl"), nullptr);
}

TEST(S3ActionsTest, PutObjectWithAnAclNeedsPutObjectAcl) {
  S3RequestFacts f = Facts("PutObject");
  f.headers = {{"x-amz-acl", "bucket-owner-full-control"}};
  const auto requests = MustMap(f);
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[1].action, "s3:PutObjectAcl");
  EXPECT_THAT(Values(requests[0], "s3:x-amz-acl"), ElementsAre("bucket-owner-full-control"));
  EXPECT_THAT(Values(requests[1], "s3:x-amz-acl"), ElementsAre("bucket-owner-full-control"));
}

TEST(S3ActionsTest, ExistingObjectTagsGoOnReadsAndRetaggingButNotOnPutOrDelete) {
  const Tags tags = {{"classification", "secret"}};
  for (std::string_view op :
       {"GetObject", "HeadObject", "GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging"}) {
    SCOPED_TRACE(op);
    S3RequestFacts f = Facts(op);
    f.existing_object_tags = &tags;
    EXPECT_THAT(Values(MustMap(f)[0], "s3:ExistingObjectTag/classification"),
                ElementsAre("secret"));
  }
  // AWS: the key is not supported for PutObject and DeleteObject.
  for (std::string_view op : {"PutObject", "DeleteObject"}) {
    S3RequestFacts f = Facts(op);
    f.existing_object_tags = &tags;
    EXPECT_EQ(MustMap(f)[0].Find("s3:ExistingObjectTag/classification"), nullptr);
  }
}

TEST(S3ActionsTest, PutObjectTaggingCarriesTheBodyTagsAsRequestTags) {
  const Tags body = {{"a", "1"}, {"b", "2"}};
  S3RequestFacts f = Facts("PutObjectTagging");
  f.request_tags = &body;
  const auto r = MustMap(f)[0];
  EXPECT_THAT(Values(r, "s3:RequestObjectTag/a"), ElementsAre("1"));
  EXPECT_THAT(Values(r, "s3:RequestObjectTagKeys"), ElementsAre("a", "b"));
}

TEST(S3ActionsTest, VersionIdSelectsTheVersionActions) {
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {"GetObject", "s3:GetObjectVersion"},
      {"HeadObject", "s3:GetObjectVersion"},
      {"DeleteObject", "s3:DeleteObjectVersion"},
      {"GetObjectTagging", "s3:GetObjectVersionTagging"},
      {"PutObjectTagging", "s3:PutObjectVersionTagging"},
      {"DeleteObjectTagging", "s3:DeleteObjectVersionTagging"},
  };
  for (const auto& [op, action] : cases) {
    S3RequestFacts f = Facts(op);
    f.query = {{"versionId", "v1"}};
    const auto r = MustMap(f)[0];
    EXPECT_EQ(r.action, action);
    EXPECT_THAT(Values(r, "s3:versionid"), ElementsAre("v1"));
  }
}

TEST(S3ActionsTest, DeleteObjectsAsksDeleteObjectForEveryKey) {
  S3RequestFacts f = Facts("DeleteObjects");
  f.objects_to_delete = {{"a.txt", ""}, {"dir/b.txt", ""}, {"c.txt", "v7"}};
  const auto requests = MustMap(f);
  EXPECT_THAT(ActionsAndArns(requests),
              ElementsAre(Pair("s3:DeleteObject", "arn:aws:s3:::photos/a.txt"),
                          Pair("s3:DeleteObject", "arn:aws:s3:::photos/dir/b.txt"),
                          Pair("s3:DeleteObjectVersion", "arn:aws:s3:::photos/c.txt")));
  EXPECT_THAT(Values(requests[2], "s3:versionid"), ElementsAre("v7"));
}

TEST(S3ActionsTest, DeleteObjectsWithoutKeysIsMalformedXml) {
  auto result = AuthorizationRequestsFor(Facts("DeleteObjects"));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().aws_code, "MalformedXML");
}

TEST(S3ActionsTest, CopyObjectReadsTheSourceAndWritesTheDestination) {
  S3RequestFacts f = Facts("CopyObject");
  f.key = "copy.jpg";
  f.headers = {{"x-amz-copy-source", "/other-bucket/dir/a%20b.jpg"}};
  f.source_bucket_owner = "444455556666";
  const auto requests = MustMap(f);
  EXPECT_THAT(ActionsAndArns(requests),
              ElementsAre(Pair("s3:GetObject", "arn:aws:s3:::other-bucket/dir/a b.jpg"),
                          Pair("s3:PutObject", "arn:aws:s3:::photos/copy.jpg")));
  EXPECT_EQ(requests[0].bucket, "other-bucket");
  EXPECT_THAT(Values(requests[0], "s3:ResourceAccount"), ElementsAre("444455556666"));
  EXPECT_EQ(requests[1].bucket, "photos");
  EXPECT_THAT(Values(requests[1], "s3:ResourceAccount"), ElementsAre("111122223333"));
  EXPECT_THAT(Values(requests[1], "s3:x-amz-copy-source"), ElementsAre("other-bucket/dir/a b.jpg"));
}

TEST(S3ActionsTest, CopyObjectCopyingTagsNeedsTheTaggingActions) {
  const Tags source_tags = {{"team", "blue"}};
  S3RequestFacts f = Facts("CopyObject");
  f.key = "copy.jpg";
  f.headers = {{"x-amz-copy-source", "other/src.jpg?versionId=3"}};
  f.source_object_tags = &source_tags;
  const auto requests = MustMap(f);
  EXPECT_THAT(ActionsAndArns(requests),
              ElementsAre(Pair("s3:GetObjectVersion", "arn:aws:s3:::other/src.jpg"),
                          Pair("s3:PutObject", "arn:aws:s3:::photos/copy.jpg"),
                          Pair("s3:GetObjectVersionTagging", "arn:aws:s3:::other/src.jpg"),
                          Pair("s3:PutObjectTagging", "arn:aws:s3:::photos/copy.jpg")));
  EXPECT_THAT(Values(requests[0], "s3:ExistingObjectTag/team"), ElementsAre("blue"));
  EXPECT_THAT(Values(requests[0], "s3:versionid"), ElementsAre("3"));
  EXPECT_THAT(Values(requests[3], "s3:RequestObjectTag/team"), ElementsAre("blue"));
}

TEST(S3ActionsTest, CopyObjectReplacingTagsWritesTheHeaderTags) {
  const Tags source_tags = {{"team", "blue"}};
  S3RequestFacts f = Facts("CopyObject");
  f.headers = {{"x-amz-copy-source", "other/src.jpg"},
               {"x-amz-tagging-directive", "REPLACE"},
               {"x-amz-tagging", "team=red"},
               {"x-amz-metadata-directive", "REPLACE"}};
  f.source_object_tags = &source_tags;
  const auto requests = MustMap(f);
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[2].action, "s3:PutObjectTagging");
  EXPECT_THAT(Values(requests[1], "s3:RequestObjectTag/team"), ElementsAre("red"));
  EXPECT_THAT(Values(requests[1], "s3:x-amz-metadata-directive"), ElementsAre("REPLACE"));
}

TEST(S3ActionsTest, CopyObjectWithABadSourceIsInvalidArgument) {
  for (std::string_view source : {"", "bucket", "/bucket/", "bucket/%zz", "arn:aws:s3:x:1:a/b"}) {
    S3RequestFacts f = Facts("CopyObject");
    f.headers = {{"x-amz-copy-source", source}};
    auto result = AuthorizationRequestsFor(f);
    ASSERT_FALSE(result.has_value()) << source;
    EXPECT_EQ(result.error().aws_code, "InvalidArgument");
    EXPECT_EQ(result.error().message,
              "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  }
}

TEST(S3ActionsTest, UnknownOperationIsNotImplemented) {
  auto result = AuthorizationRequestsFor(Facts("SelectObjectContent"));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().aws_code, "NotImplemented");
}

TEST(S3ActionsTest, KnownOperationsAreSortedAndCoverIssue6) {
  const auto names = KnownOperations();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const Row& row : kTable) {
    EXPECT_TRUE(std::binary_search(names.begin(), names.end(), row.operation)) << row.operation;
  }
}

TEST(S3ActionsTest, ParseTaggingHeader) {
  auto tags = ParseTaggingHeader("a=1&b=&c&d=x+y%21");
  ASSERT_TRUE(tags.has_value());
  EXPECT_THAT(*tags, ElementsAre(Pair("a", "1"), Pair("b", ""), Pair("c", ""), Pair("d", "x y!")));
  ASSERT_TRUE(ParseTaggingHeader("").has_value());
  EXPECT_THAT(*ParseTaggingHeader(""), IsEmpty());
  for (std::string_view bad : {"a=1&a=2", "=v", "a=%4", "a=%g0", "%=1"}) {
    auto result = ParseTaggingHeader(bad);
    ASSERT_FALSE(result.has_value()) << bad;
    EXPECT_EQ(result.error().aws_code, "InvalidArgument");
  }
}

TEST(S3ActionsTest, ParseCopySource) {
  auto source = ParseCopySource("bucket/a/b%3Fc.txt?versionId=v%2B1");
  ASSERT_TRUE(source.has_value());
  EXPECT_EQ(source->bucket, "bucket");
  EXPECT_EQ(source->key, "a/b?c.txt");
  EXPECT_EQ(source->version_id, "v+1");
  source = ParseCopySource("/bucket/key");
  ASSERT_TRUE(source.has_value());
  EXPECT_EQ(source->key, "key");
  EXPECT_EQ(source->version_id, "");
  EXPECT_FALSE(ParseCopySource("bucket/key?other=1").has_value());
  EXPECT_FALSE(ParseCopySource("bucket/key?versionId=").has_value());
}

}  // namespace
}  // namespace portcullis::api::s3
