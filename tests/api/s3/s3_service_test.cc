// S3Service over the memory object store and the memory identity store, called as the
// router calls it (an S3Call with the caller the router authenticated). The wire details of
// each operation are covered by the e2e tests with boto3 and the aws CLI; these check the
// service's decisions: routing errors, authorization (identity, bucket policy, cross
// account, anonymous, Block Public Access), NoSuchKey vs AccessDenied, payload checks.
#include "api/s3/s3_service.h"

#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../iam/iam_test_util.h"
#include "objects/object_store.h"

namespace portcullis::api::s3 {
namespace {

using iam::testing::kOtherAccountId;

class S3ServiceTest : public iam::testing::IamApiTest {
 protected:
  S3ServiceTest() {
    auto objects = objects::NewMemoryObjectStore(clock_);
    if (!objects.has_value()) {
      ADD_FAILURE() << objects.error().ToString();
      return;
    }
    objects_ = std::move(*objects);
    s3_ = std::make_unique<S3Service>(*objects_, store(), *authorizer_);
  }

  struct Sent {
    S3Reply reply;
    std::string body;  // the streamed body, read whole
  };

  // Sends one request as `caller` (nullptr: anonymous). Signed requests carry an
  // UNSIGNED-PAYLOAD signature record, as the router would pass it.
  Sent Send(const auth::Caller* caller, std::string_view method, std::string_view target,
            std::string_view body = {}, std::vector<auth::sigv4::HeaderField> headers = {}) {
    headers.push_back({"Host", "127.0.0.1:8910"});
    auth::sigv4::Authenticated signature;
    signature.service = "s3";
    signature.region = "us-east-1";
    signature.payload_mode = auth::sigv4::PayloadMode::kUnsigned;
    signature.request_time = std::chrono::floor<std::chrono::seconds>(clock_.Now());
    S3Call call;
    call.method = method;
    call.target = target;
    call.host = "127.0.0.1:8910";
    call.headers = headers;
    call.body = body;
    call.caller = caller;
    call.signature = caller != nullptr ? &signature : nullptr;
    Sent sent{s3_->Handle(call, Info()), {}};
    if (sent.reply.stream != nullptr) {
      auto all = objects::ReadAll(*sent.reply.stream);
      EXPECT_TRUE(all.has_value());
      sent.body = all.value_or("");
    } else {
      sent.body = sent.reply.body;
    }
    return sent;
  }

  Sent AsRoot(std::string_view method, std::string_view target, std::string_view body = {},
              std::vector<auth::sigv4::HeaderField> headers = {}) {
    const auth::Caller root = Root();
    return Send(&root, method, target, body, std::move(headers));
  }

  static std::string ErrorCodeOf(const Sent& sent) { return sent.reply.error_code; }

  void CreateOtherAccount() {
    accounts::CreateAccountOptions options;
    options.account_id = std::string(kOtherAccountId);
    ASSERT_TRUE(accounts::CreateAccount(store(), box_, options).has_value());
  }

  void MakeBucketWithObject() {
    ASSERT_EQ(AsRoot("PUT", "/photos").reply.status, 200);
    ASSERT_EQ(AsRoot("PUT", "/photos/cat.jpg", "meow").reply.status, 200);
  }

  void PutBucketPolicy(std::string_view bucket, std::string_view policy) {
    const Sent sent = AsRoot("PUT", "/" + std::string(bucket) + "?policy", policy);
    ASSERT_EQ(sent.reply.status, 204) << sent.body;
  }

  std::unique_ptr<objects::ObjectStore> objects_;
  std::unique_ptr<S3Service> s3_;
};

TEST_F(S3ServiceTest, RootCreatesWritesAndReadsBack) {
  MakeBucketWithObject();
  const Sent got = AsRoot("GET", "/photos/cat.jpg");
  EXPECT_EQ(got.reply.status, 200);
  EXPECT_EQ(got.body, "meow");
  EXPECT_EQ(got.reply.operation, "GetObject");
  EXPECT_EQ(got.reply.stream_length, 4U);
  const Sent list = AsRoot("GET", "/photos?list-type=2");
  EXPECT_EQ(list.reply.status, 200);
  EXPECT_NE(list.body.find("<Key>cat.jpg</Key>"), std::string::npos) << list.body;
  EXPECT_NE(list.body.find("<KeyCount>1</KeyCount>"), std::string::npos) << list.body;
}

TEST_F(S3ServiceTest, UnknownRouteAndUnimplementedOperationAreNotImplemented) {
  MakeBucketWithObject();
  EXPECT_EQ(ErrorCodeOf(AsRoot("GET", "/photos?versioning")), "NotImplemented");
  const Sent sent = AsRoot("GET", "/photos?versioning");
  EXPECT_EQ(sent.reply.status, 501);
  EXPECT_NE(sent.body.find("<Code>NotImplemented</Code>"), std::string::npos);
  EXPECT_NE(sent.body.find("<RequestId>"), std::string::npos);
}

TEST_F(S3ServiceTest, MissingBucketAndKey) {
  EXPECT_EQ(ErrorCodeOf(AsRoot("GET", "/nobucket/key")), "NoSuchBucket");
  MakeBucketWithObject();
  const Sent missing = AsRoot("GET", "/photos/dog.jpg");
  EXPECT_EQ(missing.reply.status, 404);
  EXPECT_EQ(ErrorCodeOf(missing), "NoSuchKey");
  EXPECT_NE(missing.body.find("<Resource>/photos/dog.jpg</Resource>"), std::string::npos);
}

TEST_F(S3ServiceTest, UserNeedsAnIdentityPolicy) {
  MakeBucketWithObject();
  MustCall("CreateUser", {{"UserName", "bob"}});
  const auth::Caller bob = UserCaller("bob");
  EXPECT_EQ(ErrorCodeOf(Send(&bob, "GET", "/photos/cat.jpg")), "AccessDenied");
  AllowUser("bob", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]})");
  const Sent got = Send(&bob, "GET", "/photos/cat.jpg");
  EXPECT_EQ(got.reply.status, 200) << got.body;
  EXPECT_EQ(got.body, "meow");
  // Reads only: the write is denied and changes nothing.
  EXPECT_EQ(ErrorCodeOf(Send(&bob, "PUT", "/photos/cat.jpg", "woof")), "AccessDenied");
  EXPECT_EQ(AsRoot("GET", "/photos/cat.jpg").body, "meow");
}

TEST_F(S3ServiceTest, MissingKeyIsAccessDeniedWithoutListBucket) {
  MakeBucketWithObject();
  MustCall("CreateUser", {{"UserName", "bob"}});
  AllowUser("bob", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]})");
  const auth::Caller bob = UserCaller("bob");
  EXPECT_EQ(ErrorCodeOf(Send(&bob, "GET", "/photos/dog.jpg")), "AccessDenied");
  AllowUser("bob", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::photos/*",
      "arn:aws:s3:::photos"]}]})");
  EXPECT_EQ(ErrorCodeOf(Send(&bob, "GET", "/photos/dog.jpg")), "NoSuchKey");
}

TEST_F(S3ServiceTest, BucketPolicyGrantsWithinTheAccount) {
  MakeBucketWithObject();
  MustCall("CreateUser", {{"UserName", "carl"}});
  const auth::Caller carl = UserCaller("carl");
  EXPECT_EQ(ErrorCodeOf(Send(&carl, "GET", "/photos/cat.jpg")), "AccessDenied");
  PutBucketPolicy("photos", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Principal":{"AWS":")" + carl.arn +
                                R"("},"Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::photos/*"}]})");
  EXPECT_EQ(Send(&carl, "GET", "/photos/cat.jpg").reply.status, 200);
}

TEST_F(S3ServiceTest, CrossAccountNeedsBothSides) {
  MakeBucketWithObject();
  CreateOtherAccount();
  const auth::Caller other = RootOf(kOtherAccountId);
  // No bucket policy: even the other account's root is denied.
  EXPECT_EQ(ErrorCodeOf(Send(&other, "GET", "/photos/cat.jpg")), "AccessDenied");
  PutBucketPolicy("photos", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Principal":{"AWS":"arn:aws:iam::)" +
                                std::string(kOtherAccountId) + R"(:root"},
      "Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]})");
  EXPECT_EQ(Send(&other, "GET", "/photos/cat.jpg").reply.status, 200);
  EXPECT_EQ(ErrorCodeOf(Send(&other, "PUT", "/photos/cat.jpg", "x")), "AccessDenied");
  // The other account may not read the policy itself, whatever its policies say.
  EXPECT_EQ(ErrorCodeOf(Send(&other, "GET", "/photos?policy")), "AccessDenied");
}

TEST_F(S3ServiceTest, AnonymousOnlyThroughAPublicPolicyAndNotUnderRestrictPublicBuckets) {
  MakeBucketWithObject();
  EXPECT_EQ(ErrorCodeOf(Send(nullptr, "GET", "/photos/cat.jpg")), "AccessDenied");
  PutBucketPolicy("photos", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]})");
  const Sent got = Send(nullptr, "GET", "/photos/cat.jpg");
  EXPECT_EQ(got.reply.status, 200);
  EXPECT_EQ(got.body, "meow");
  EXPECT_EQ(ErrorCodeOf(Send(nullptr, "PUT", "/photos/new", "x")), "AccessDenied");
  const Sent status = AsRoot("GET", "/photos?policyStatus");
  EXPECT_NE(status.body.find("<IsPublic>true</IsPublic>"), std::string::npos) << status.body;
  ASSERT_EQ(AsRoot("PUT", "/photos?publicAccessBlock",
                   "<PublicAccessBlockConfiguration><RestrictPublicBuckets>true"
                   "</RestrictPublicBuckets></PublicAccessBlockConfiguration>")
                .reply.status,
            200);
  EXPECT_EQ(ErrorCodeOf(Send(nullptr, "GET", "/photos/cat.jpg")), "AccessDenied");
}

TEST_F(S3ServiceTest, BlockPublicPolicyRefusesAPublicPolicy) {
  MakeBucketWithObject();
  ASSERT_EQ(AsRoot("PUT", "/photos?publicAccessBlock",
                   "<PublicAccessBlockConfiguration><BlockPublicPolicy>true"
                   "</BlockPublicPolicy></PublicAccessBlockConfiguration>")
                .reply.status,
            200);
  const Sent refused =
      AsRoot("PUT", "/photos?policy", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]})");
  EXPECT_EQ(ErrorCodeOf(refused), "AccessDenied");
  EXPECT_EQ(ErrorCodeOf(AsRoot("GET", "/photos?policy")), "NoSuchBucketPolicy");
}

TEST_F(S3ServiceTest, ExplicitDenyInTheBucketPolicyStopsTheOwnersUsers) {
  MakeBucketWithObject();
  PutBucketPolicy("photos", R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny",
      "Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"]}]})");
  EXPECT_EQ(ErrorCodeOf(AsRoot("GET", "/photos/cat.jpg")), "AccessDenied");
  // The owner's root user may still remove the policy that locks everyone out.
  EXPECT_EQ(AsRoot("DELETE", "/photos?policy").reply.status, 204);
  EXPECT_EQ(AsRoot("GET", "/photos/cat.jpg").reply.status, 200);
}

TEST_F(S3ServiceTest, MalformedPolicyAndUnknownPrincipal) {
  MakeBucketWithObject();
  EXPECT_EQ(ErrorCodeOf(AsRoot("PUT", "/photos?policy", "not json")), "MalformedPolicy");
  const Sent unknown =
      AsRoot("PUT", "/photos?policy", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Principal":{"AWS":"arn:aws:iam::123456789012:user/nobody"},"Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::photos/*"}]})");
  EXPECT_EQ(ErrorCodeOf(unknown), "MalformedPolicy");
  EXPECT_NE(unknown.body.find("Invalid principal in policy"), std::string::npos) << unknown.body;
}

TEST_F(S3ServiceTest, ContentMd5MismatchStoresNothing) {
  ASSERT_EQ(AsRoot("PUT", "/photos").reply.status, 200);
  // base64(MD5("other")) is not the MD5 of "meow".
  const Sent bad =
      AsRoot("PUT", "/photos/cat.jpg", "meow", {{"Content-MD5", "eVpCwOsbDrCSTRhwKvh3hQ=="}});
  EXPECT_EQ(ErrorCodeOf(bad), "BadDigest");
  EXPECT_EQ(ErrorCodeOf(AsRoot("GET", "/photos/cat.jpg")), "NoSuchKey");
}

TEST_F(S3ServiceTest, RangeAndConditionalRequests) {
  MakeBucketWithObject();
  const Sent part = AsRoot("GET", "/photos/cat.jpg", {}, {{"Range", "bytes=1-2"}});
  EXPECT_EQ(part.reply.status, 206);
  EXPECT_EQ(part.body, "eo");
  EXPECT_EQ(ErrorCodeOf(AsRoot("GET", "/photos/cat.jpg", {}, {{"Range", "bytes=10-"}})),
            "InvalidRange");
  const Sent head = AsRoot("HEAD", "/photos/cat.jpg");
  std::string stored_etag;
  for (const auto& [k, v] : head.reply.headers) {
    if (k == "ETag") {
      stored_etag = v;
    }
  }
  ASSERT_FALSE(stored_etag.empty());
  EXPECT_EQ(AsRoot("GET", "/photos/cat.jpg", {}, {{"If-None-Match", stored_etag}}).reply.status,
            304);
  EXPECT_EQ(ErrorCodeOf(AsRoot("GET", "/photos/cat.jpg", {}, {{"If-Match", "\"nope\""}})),
            "PreconditionFailed");
  EXPECT_EQ(ErrorCodeOf(AsRoot("PUT", "/photos/cat.jpg", "x", {{"If-None-Match", "*"}})),
            "PreconditionFailed");
}

TEST_F(S3ServiceTest, DeleteObjectsReportsPerKeyDenials) {
  MakeBucketWithObject();
  ASSERT_EQ(AsRoot("PUT", "/photos/keep/a", "a").reply.status, 200);
  MustCall("CreateUser", {{"UserName", "bob"}});
  AllowUser("bob", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Action":"s3:DeleteObject","Resource":"arn:aws:s3:::photos/cat.jpg"}]})");
  const auth::Caller bob = UserCaller("bob");
  const Sent sent = Send(&bob, "POST", "/photos?delete",
                         "<Delete><Object><Key>cat.jpg</Key></Object>"
                         "<Object><Key>keep/a</Key></Object></Delete>");
  ASSERT_EQ(sent.reply.status, 200) << sent.body;
  EXPECT_NE(sent.body.find("<Deleted><Key>cat.jpg</Key></Deleted>"), std::string::npos)
      << sent.body;
  EXPECT_NE(sent.body.find("<Key>keep/a</Key><Code>AccessDenied</Code>"), std::string::npos)
      << sent.body;
  EXPECT_EQ(AsRoot("GET", "/photos/keep/a").body, "a");
  EXPECT_EQ(ErrorCodeOf(AsRoot("GET", "/photos/cat.jpg")), "NoSuchKey");
}

TEST_F(S3ServiceTest, ListBucketsShowsOnlyTheCallersAccount) {
  ASSERT_EQ(AsRoot("PUT", "/mine").reply.status, 200);
  const auth::Caller other = RootOf(kOtherAccountId);
  ASSERT_EQ(Send(&other, "PUT", "/theirs").reply.status, 200);
  const Sent mine = AsRoot("GET", "/");
  EXPECT_NE(mine.body.find("<Name>mine</Name>"), std::string::npos) << mine.body;
  EXPECT_EQ(mine.body.find("theirs"), std::string::npos) << mine.body;
  // Names are global: the other account cannot take "mine".
  EXPECT_EQ(ErrorCodeOf(Send(&other, "PUT", "/mine")), "BucketAlreadyExists");
  EXPECT_EQ(ErrorCodeOf(Send(nullptr, "GET", "/")), "AccessDenied");
}

}  // namespace
}  // namespace portcullis::api::s3
