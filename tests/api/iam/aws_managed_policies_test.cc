// Tests of the embedded AWS managed policies and their seeding (aws_managed_policies.cc).
#include "api/iam/aws_managed_policies.h"

#include <chrono>
#include <gtest/gtest.h>
#include <iostream>
#include <string>

#include "policy/parse.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

class AwsManagedPoliciesTest : public IamApiTest {
 protected:
  void Seed() {
    WriteStore([](store::WriteTxn& txn) { return SeedAwsManagedPolicies(txn); });
  }

  store::ManagedPolicy Policy(const std::string& arn) {
    auto txn = store_->BeginRead();
    EXPECT_TRUE(txn.has_value());
    auto policy = (*txn)->GetManagedPolicy(arn);
    EXPECT_TRUE(policy.has_value()) << arn;
    return policy.value_or(store::ManagedPolicy{});
  }

  std::string DefaultDocument(const std::string& arn) {
    auto txn = store_->BeginRead();
    EXPECT_TRUE(txn.has_value());
    auto policy = (*txn)->GetManagedPolicy(arn);
    if (!policy.has_value())
      return {};
    auto version = (*txn)->GetPolicyVersion(arn, policy->default_version_id);
    return version.has_value() ? version->document : std::string();
  }

  std::vector<store::ManagedPolicy> AllAws() {
    std::vector<store::ManagedPolicy> out;
    auto txn = store_->BeginRead();
    EXPECT_TRUE(txn.has_value());
    store::PolicyListOptions options;
    options.max_items = store::kMaxMaxItems;
    for (;;) {
      auto page = (*txn)->ListManagedPolicies("aws", options);
      EXPECT_TRUE(page.has_value());
      if (!page.has_value())
        break;
      for (auto& p : page->items)
        out.push_back(std::move(p));
      if (!page->is_truncated)
        break;
      options.marker = page->next_marker;
    }
    return out;
  }
};

TEST_F(AwsManagedPoliciesTest, SeedsTheWellKnownPolicies) {
  const auto start = std::chrono::steady_clock::now();
  Seed();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  std::cout << "seeding took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms\n";

  const store::ManagedPolicy admin = Policy("arn:aws:iam::aws:policy/AdministratorAccess");
  EXPECT_EQ(admin.account_id, "aws");
  EXPECT_EQ(admin.name, "AdministratorAccess");
  EXPECT_EQ(admin.path, "/");
  EXPECT_EQ(admin.default_version_id, "v1");
  EXPECT_TRUE(admin.is_attachable);
  EXPECT_EQ(admin.id.substr(0, 4), "ANPA");
  EXPECT_EQ(admin.id.size(), 21U);
  EXPECT_EQ(
      DefaultDocument(admin.arn),
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})");

  for (const char* name :
       {"PowerUserAccess", "ReadOnlyAccess", "IAMFullAccess", "IAMReadOnlyAccess",
        "IAMUserChangePassword", "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess"}) {
    const std::string arn = std::string("arn:aws:iam::aws:policy/") + name;
    EXPECT_EQ(Policy(arn).name, name);
    EXPECT_FALSE(DefaultDocument(arn).empty()) << name;
  }
  EXPECT_EQ(Policy("arn:aws:iam::aws:policy/ReadOnlyAccess").default_version_id, "v182");
  EXPECT_EQ(Policy("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess").path, "/job-function/");
  EXPECT_EQ(Policy("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole").path,
            "/service-role/");
  EXPECT_EQ(AllAws().size(), 1485U);
}

TEST_F(AwsManagedPoliciesTest, SeedingIsIdempotent) {
  Seed();
  const store::ManagedPolicy before = Policy("arn:aws:iam::aws:policy/IAMFullAccess");
  const std::uint64_t generation = store_->Generation();
  Seed();
  // Nothing changed, so caches keyed by the generation stay valid.
  EXPECT_EQ(store_->Generation(), generation);
  EXPECT_EQ(Policy("arn:aws:iam::aws:policy/IAMFullAccess"), before);
  EXPECT_EQ(AllAws().size(), 1485U);
}

TEST_F(AwsManagedPoliciesTest, ReseedingReplacesAChangedDefaultVersion) {
  Seed();
  const std::string arn = "arn:aws:iam::aws:policy/IAMFullAccess";  // v2 published
  const std::string published = DefaultDocument(arn);
  // Simulate an older snapshot: v1 with another document is the default.
  WriteStore([&](store::WriteTxn& txn) -> Status {
    store::PolicyVersion old;
    old.policy_arn = arn;
    old.version_id = "v1";
    old.document = AllowDocument("iam:Get*");
    IAM_RETURN_IF_ERROR(txn.PutPolicyVersion(old));
    IAM_RETURN_IF_ERROR(txn.SetDefaultPolicyVersion(arn, "v1"));
    return txn.DeletePolicyVersion(arn, "v2");
  });
  EXPECT_EQ(Policy(arn).default_version_id, "v1");
  Seed();
  EXPECT_EQ(Policy(arn).default_version_id, "v2");
  EXPECT_EQ(DefaultDocument(arn), published);
}

TEST_F(AwsManagedPoliciesTest, TheWellKnownDocumentsParseAsIdentityPolicies) {
  Seed();
  int failures = 0;
  int checked = 0;
  for (const auto& policy : AllAws()) {
    policy::ParseOptions options;
    options.kind = policy::PolicyKind::kIdentity;
    options.enforce_size_limit = false;
    auto parsed = policy::ParsePolicy(DefaultDocument(policy.arn), options);
    ++checked;
    if (!parsed.has_value()) {
      ++failures;
      if (failures <= 10) {
        std::cout << policy.arn << ": " << parsed.error().ToString() << "\n";
      }
    }
  }
  std::cout << failures << " of " << checked << " AWS managed policies do not parse\n";
  for (const char* name : {"AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess",
                           "IAMFullAccess", "IAMReadOnlyAccess", "IAMUserChangePassword",
                           "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess"}) {
    policy::ParseOptions options;
    options.enforce_size_limit = false;
    auto parsed = policy::ParsePolicy(
        DefaultDocument(std::string("arn:aws:iam::aws:policy/") + name), options);
    EXPECT_TRUE(parsed.has_value()) << name << ": " << parsed.error().ToString();
  }
}

}  // namespace
}  // namespace portcullis::api::iam::testing
