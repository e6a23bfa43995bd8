// Evaluation allocates nothing once warm (DESIGN.md decision 3): with a reused
// Decision, deciding the same kinds of requests again must not call operator new.
// This binary replaces the global operator new with a counting one; the count is
// only read around the measured loop.
#include <atomic>
#include <cstdlib>
#include <gtest/gtest.h>
#include <new>
#include <string>
#include <vector>

#include "eval/compiled_policy.h"
#include "eval/evaluator.h"

// Sanitizers replace operator new themselves; counting there would fight them.
#if defined(__SANITIZE_ADDRESS__)
#define IAM_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IAM_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef IAM_COUNT_ALLOCATIONS
#define IAM_COUNT_ALLOCATIONS 1
#endif

namespace {

std::atomic<long> g_allocations{0};

}  // namespace

#if IAM_COUNT_ALLOCATIONS
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) {  // NOLINT(cppcoreguidelines-no-malloc)
    return p;
  }
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept {
  std::free(p);
}  // NOLINT(cppcoreguidelines-no-malloc)

void operator delete(void* p, std::size_t /*size*/) noexcept {
  std::free(p);  // NOLINT(cppcoreguidelines-no-malloc)
}
#endif

namespace portcullis::eval {
namespace {

std::shared_ptr<const CompiledPolicy> Compile(const std::string& text, policy::PolicyKind kind) {
  policy::ParseOptions options;
  options.kind = kind;
  auto compiled = ParseAndCompilePolicy(text, "p", options);
  EXPECT_TRUE(compiled.has_value()) << compiled.error().ToString();
  return *compiled;
}

TEST(AllocationTest, WarmEvaluationAllocatesNothing) {
  if (!IAM_COUNT_ALLOCATIONS) {
    GTEST_SKIP() << "allocation counting is off under sanitizers";
  }
  PolicySetInput input;
  input.identity.push_back(Compile(R"({"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"],
       "Resource": "arn:aws:s3:::home/${aws:username}/*"},
      {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
       "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]},
                     "BoolIfExists": {"aws:ViaAWSService": "false"}}},
      {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*",
       "Condition": {"StringEquals": {"aws:ResourceTag/Team": "${aws:PrincipalTag/Team}"},
                     "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                     "ForAnyValue:StringLike": {"aws:TagKeys": ["Cost*"]}}}]})",
                                   policy::PolicyKind::kIdentity));
  input.permissions_boundary = Compile(
      R"({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": "iam:*",
          "NotResource": "arn:aws:s3:::secret/*"}})",
      policy::PolicyKind::kBoundary);
  CompiledPolicySet set(std::move(input));
  auto bucket = Compile(R"({"Version": "2012-10-17", "Statement": [
      {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::home/*",
       "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
      {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
       "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/*"}]})",
                        policy::PolicyKind::kResource);

  std::vector<Request> requests(3);
  requests[0].principal = "arn:aws:iam::123456789012:user/alice";
  requests[0].action = "s3:GetObject";
  requests[0].resource = "arn:aws:s3:::home/alice/notes-for-the-long-weekend.txt";
  requests[0].context.Set("aws:username", "alice");
  requests[0].context.Set("aws:SourceIp", "192.0.2.44");
  requests[0].context.Set("aws:SecureTransport", "true");
  requests[1].principal = "arn:aws:sts::123456789012:assumed-role/app/session-with-a-long-name";
  requests[1].action = "dynamodb:GetItem";
  requests[1].resource = "arn:aws:dynamodb:us-east-1:123456789012:table/orders";
  requests[1].context.Set("aws:PrincipalArn", "arn:aws:iam::123456789012:role/app");
  requests[1].context.Set("aws:PrincipalTag/Team", "red");
  requests[1].context.Set("aws:ResourceTag/Team", "red");
  requests[1].context.Set("aws:CurrentTime", "2026-11-28T00:00:00Z");
  requests[1].context.SetMulti("aws:TagKeys", {"CostCenter", "Owner"});
  requests[2].principal = "arn:aws:iam::123456789012:user/bob";
  requests[2].action = "s3:PutObject";
  requests[2].resource = "arn:aws:s3:::home/bob/x";

  for (bool explain : {true, false}) {
    EvaluateOptions options;
    options.explain = explain;
    Decision decision;
    auto run = [&] {
      for (const Request& r : requests) {
        Evaluate(r, set, r.resource.rfind("arn:aws:s3", 0) == 0 ? bucket.get() : nullptr, options,
                 decision);
      }
    };
    run();  // warm up: vectors and thread buffers reach their capacity
    run();
    long before = g_allocations.load();
    for (int i = 0; i < 100; ++i) {
      run();
    }
    EXPECT_EQ(g_allocations.load() - before, 0) << "explain=" << explain;
  }
}

}  // namespace
}  // namespace portcullis::eval
