// One suite for every IdentityStore backend: each case runs on the in-memory store and
// on SqliteStore in a fresh temporary data directory.

#include "store/identity_store.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <gtest/gtest.h>
#include <memory>
#include <set>
#include <sqlite3.h>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"

namespace portcullis::store {
namespace {

using std::chrono::milliseconds;

constexpr char kAccount[] = "111122223333";
constexpr char kOtherAccount[] = "444455556666";

enum class Backend { kMemory, kSqlite };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kMemory ? "Memory" : "Sqlite";
}

std::string Arn(std::string_view account, std::string_view kind, std::string_view path,
                std::string_view name) {
  return "arn:aws:iam::" + std::string(account) + ":" + std::string(kind) + std::string(path) +
         std::string(name);
}

class IdentityStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "store_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ / "data";
    Open();
    Write([](WriteTxn& txn) {
      ASSERT_TRUE(txn.PutAccount(Account{kAccount, "main", {}}).has_value());
      ASSERT_TRUE(txn.PutAccount(Account{kOtherAccount, "", {}}).has_value());
    });
  }

  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  void Open() {
    if (GetParam() == Backend::kMemory) {
      auto store = memory::NewMemoryStore(clock_, milliseconds(200));
      ASSERT_TRUE(store.has_value());
      store_ = std::move(*store);
    } else {
      sqlite::SqliteOptions options;
      options.busy_timeout = milliseconds(200);
      auto store = sqlite::OpenSqliteStore(dir_, clock_, options);
      ASSERT_TRUE(store.has_value()) << store.error().ToString();
      store_ = std::move(*store);
    }
  }

  std::unique_ptr<WriteTxn> BeginWrite() {
    auto txn = store_->BeginWrite();
    EXPECT_TRUE(txn.has_value()) << txn.error().ToString();
    return txn.has_value() ? std::move(*txn) : nullptr;
  }

  std::unique_ptr<ReadTxn> BeginRead() {
    auto txn = store_->BeginRead();
    EXPECT_TRUE(txn.has_value()) << txn.error().ToString();
    return txn.has_value() ? std::move(*txn) : nullptr;
  }

  template <class F>
  void Write(F body) {
    std::unique_ptr<WriteTxn> txn = BeginWrite();
    ASSERT_NE(txn, nullptr);
    body(*txn);
    Status committed = txn->Commit();
    ASSERT_TRUE(committed.has_value()) << committed.error().ToString();
  }

  User MakeUser(std::string_view name, std::string_view path = "/",
                std::string_view account = kAccount) {
    User user;
    user.account_id = account;
    user.name = name;
    user.path = path;
    user.id = "AIDA" + std::to_string(next_id_++);
    user.arn = Arn(account, "user", path, name);
    return user;
  }

  Group MakeGroup(std::string_view name, std::string_view path = "/") {
    Group group;
    group.account_id = kAccount;
    group.name = name;
    group.path = path;
    group.id = "AGPA" + std::to_string(next_id_++);
    group.arn = Arn(kAccount, "group", path, name);
    return group;
  }

  Role MakeRole(std::string_view name, std::string_view path = "/") {
    Role role;
    role.account_id = kAccount;
    role.name = name;
    role.path = path;
    role.id = "AROA" + std::to_string(next_id_++);
    role.arn = Arn(kAccount, "role", path, name);
    role.assume_role_policy_document = R"({"Version":"2012-10-17","Statement":[]})";
    return role;
  }

  ManagedPolicy MakePolicy(std::string_view name, std::string_view account = kAccount) {
    ManagedPolicy policy;
    policy.account_id = account;
    policy.name = name;
    policy.id = "ANPA" + std::to_string(next_id_++);
    policy.arn = Arn(account, "policy", "/", name);
    return policy;
  }

  // Creates a policy with version v1 as its default.
  ManagedPolicy CreatePolicy(WriteTxn& txn, std::string_view name) {
    auto policy = txn.PutManagedPolicy(MakePolicy(name));
    EXPECT_TRUE(policy.has_value()) << policy.error().ToString();
    EXPECT_TRUE(txn.PutPolicyVersion(PolicyVersion{policy->arn, "v1", kDoc, {}, false}));
    return *policy;
  }

  static AccessKey MakeKey(std::string_view id, std::string_view user) {
    AccessKey key;
    key.id = id;
    key.account_id = kAccount;
    key.user_name = user;
    key.sealed_secret = {0x00, 0x01, 0xfe, 0xff, 0x7f};
    return key;
  }

  static constexpr char kDoc[] = R"({"Version":"2012-10-17","Statement":[]})";
  const std::chrono::system_clock::time_point kStart =
      std::chrono::system_clock::time_point(std::chrono::seconds(1704164645));  // 2024-01-02
  FakeClock clock_{kStart};
  std::filesystem::path root_;
  std::filesystem::path dir_;
  std::unique_ptr<IdentityStore> store_;
  int next_id_ = 100000;
};

template <class T>
void ExpectError(const Result<T>& result, ErrorCode code, std::string_view aws_code = "") {
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, code) << result.error().ToString();
  if (!aws_code.empty()) {
    EXPECT_EQ(result.error().aws_code, aws_code) << result.error().ToString();
  }
}

#define ASSERT_OK(expr)                                          \
  do {                                                           \
    const auto& iam_test_result_ = (expr);                       \
    ASSERT_TRUE(iam_test_result_.has_value())                    \
        << #expr << ": " << iam_test_result_.error().ToString(); \
  } while (false)

TEST_P(IdentityStoreTest, AccountsRoundTrip) {
  auto read = BeginRead();
  auto account = read->GetAccount(kAccount);
  ASSERT_OK(account);
  EXPECT_EQ(account->alias, "main");
  EXPECT_EQ(account->created, std::chrono::floor<milliseconds>(kStart));
  auto all = read->ListAccounts();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2U);
  EXPECT_EQ((*all)[0].id, kAccount);
  ExpectError(read->GetAccount("999999999999"), ErrorCode::kNotFound, "NoSuchEntity");
  read.reset();

  Write([&](WriteTxn& txn) {
    ExpectError(txn.PutAccount(Account{kAccount, "", {}}), ErrorCode::kAlreadyExists,
                "EntityAlreadyExists");
    ExpectError(txn.PutAccount(Account{"12345", "", {}}), ErrorCode::kInvalidArgument);
    auto updated = txn.UpdateAccount(Account{kAccount, "renamed", {}});
    ASSERT_OK(updated);
    EXPECT_EQ(updated->created, std::chrono::floor<milliseconds>(kStart));
  });
  EXPECT_EQ(BeginRead()->GetAccount(kAccount)->alias, "renamed");
}

TEST_P(IdentityStoreTest, UserCrud) {
  clock_.Advance(std::chrono::seconds(10));
  User alice = MakeUser("Alice", "/engineering/");
  alice.tags = {{"team", "core"}, {"cost-center", "42"}};
  alice.permissions_boundary_arn = "arn:aws:iam::111122223333:policy/Boundary";
  Write([&](WriteTxn& txn) {
    auto put = txn.PutUser(alice);
    ASSERT_OK(put);
    EXPECT_EQ(put->created, std::chrono::floor<milliseconds>(clock_.Now()));
    alice.created = put->created;
  });

  auto read = BeginRead();
  auto got = read->GetUser(kAccount, "alice");  // any case finds it
  ASSERT_OK(got);
  EXPECT_EQ(*got, alice);
  ExpectError(read->GetUser(kOtherAccount, "Alice"), ErrorCode::kNotFound, "NoSuchEntity");
  read.reset();

  User renamed = alice;
  renamed.name = "Alicia";
  renamed.path = "/ops/";
  renamed.arn = Arn(kAccount, "user", "/ops/", "Alicia");
  renamed.tags = {{"team", "ops"}};
  renamed.password_last_used = Timestamp(milliseconds(1700000000123));
  renamed.created = Timestamp{};  // the store keeps the original creation time
  Write([&](WriteTxn& txn) {
    auto updated = txn.UpdateUser(renamed);
    ASSERT_OK(updated);
    EXPECT_EQ(updated->created, alice.created);
    User ghost = MakeUser("Ghost");
    ExpectError(txn.UpdateUser(ghost), ErrorCode::kNotFound);
  });
  renamed.created = alice.created;
  read = BeginRead();
  ExpectError(read->GetUser(kAccount, "Alice"), ErrorCode::kNotFound);
  auto got_renamed = read->GetUser(kAccount, "ALICIA");
  ASSERT_OK(got_renamed);
  EXPECT_EQ(*got_renamed, renamed);
  read.reset();

  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.DeleteUser(kAccount, "alicia"));
    ExpectError(txn.DeleteUser(kAccount, "alicia"), ErrorCode::kNotFound, "NoSuchEntity");
  });
  ExpectError(BeginRead()->GetUser(kAccount, "Alicia"), ErrorCode::kNotFound);
}

TEST_P(IdentityStoreTest, RejectsMalformedRecords) {
  auto txn = BeginWrite();
  User bad_id = MakeUser("bob");
  bad_id.id = "AROAXYZ";
  ExpectError(txn->PutUser(bad_id), ErrorCode::kInvalidArgument);
  User bad_path = MakeUser("bob");
  bad_path.path = "nope";
  ExpectError(txn->PutUser(bad_path), ErrorCode::kInvalidArgument);
  ExpectError(txn->PutUser(MakeUser("")), ErrorCode::kInvalidArgument);
  ExpectError(txn->PutUser(MakeUser("bob", "/", "999999999999")), ErrorCode::kNotFound);
  ExpectError(txn->PutAccessKey(MakeKey("ASIA123", "")), ErrorCode::kInvalidArgument);
  AccessKey no_secret = MakeKey("AKIA123", "");
  no_secret.sealed_secret.clear();
  ExpectError(txn->PutAccessKey(no_secret), ErrorCode::kInvalidArgument);
  ExpectError(txn->PutPolicyVersion(
                  PolicyVersion{"arn:aws:iam::111122223333:policy/x", "1", kDoc, {}, false}),
              ErrorCode::kInvalidArgument);
}

TEST_P(IdentityStoreTest, NamesAreUniquePerAccountWithoutRegardToCase) {
  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.PutUser(MakeUser("Alice")));
    ASSERT_OK(txn.PutGroup(MakeGroup("Admins")));
    ASSERT_OK(txn.PutRole(MakeRole("Deployer")));
    ASSERT_OK(txn.PutManagedPolicy(MakePolicy("ReadAll")));
  });
  auto txn = BeginWrite();
  ExpectError(txn->PutUser(MakeUser("ALICE", "/other/")), ErrorCode::kAlreadyExists,
              "EntityAlreadyExists");
  ExpectError(txn->PutGroup(MakeGroup("admins")), ErrorCode::kAlreadyExists, "EntityAlreadyExists");
  ExpectError(txn->PutRole(MakeRole("DEPLOYER")), ErrorCode::kAlreadyExists, "EntityAlreadyExists");
  ExpectError(txn->PutManagedPolicy(MakePolicy("readall")), ErrorCode::kAlreadyExists,
              "EntityAlreadyExists");
  // The same names in another account, and the same name across kinds, are fine.
  ASSERT_OK(txn->PutUser(MakeUser("alice", "/", kOtherAccount)));
  ASSERT_OK(txn->PutUser(MakeUser("Admins")));
  ASSERT_OK(txn->PutManagedPolicy(MakePolicy("ReadAll", kOtherAccount)));
  // Ids and ARNs are unique too.
  User same_id = MakeUser("carol");
  same_id.id = txn->GetUser(kAccount, "alice")->id;
  ExpectError(txn->PutUser(same_id), ErrorCode::kAlreadyExists, "EntityAlreadyExists");
  // Renaming onto a taken name fails; renaming to another case of one's own name works.
  User bob = MakeUser("bob");
  ASSERT_OK(txn->PutUser(bob));
  User clash = bob;
  clash.name = "ALICE";
  clash.arn = Arn(kAccount, "user", "/", "ALICE");
  ExpectError(txn->UpdateUser(clash), ErrorCode::kAlreadyExists);
  User recased = bob;
  recased.name = "Bob";
  recased.arn = Arn(kAccount, "user", "/", "Bob");
  ASSERT_OK(txn->UpdateUser(recased));
  EXPECT_EQ(txn->GetUser(kAccount, "BOB")->name, "Bob");
  ASSERT_OK(txn->Commit());
}

TEST_P(IdentityStoreTest, ListUsersPagesWithMarkers) {
  std::vector<std::string> names;
  Write([&](WriteTxn& txn) {
    for (int i = 0; i < 250; ++i) {
      // Mixed case and a different insertion order from the name order.
      const int n = (i * 7919) % 250;
      std::string name = (n % 2 == 0 ? "user" : "USER") + std::to_string(1000 + n);
      names.push_back(NameKey(name));
      ASSERT_OK(txn.PutUser(MakeUser(name, n < 50 ? "/ops/" : "/dev/")));
    }
    ASSERT_OK(txn.PutUser(MakeUser("elsewhere", "/", kOtherAccount)));
  });
  std::sort(names.begin(), names.end());

  auto read = BeginRead();
  std::vector<std::string> seen;
  std::vector<std::size_t> page_sizes;
  ListOptions options;
  options.max_items = 100;
  while (true) {
    auto page = read->ListUsers(kAccount, options);
    ASSERT_OK(page);
    page_sizes.push_back(page->items.size());
    for (const User& user : page->items) {
      seen.push_back(NameKey(user.name));
    }
    if (!page->is_truncated) {
      EXPECT_TRUE(page->next_marker.empty());
      break;
    }
    ASSERT_FALSE(page->next_marker.empty());
    options.marker = page->next_marker;
  }
  EXPECT_EQ(page_sizes, (std::vector<std::size_t>{100, 100, 50}));
  EXPECT_EQ(seen, names);

  ListOptions ops;
  ops.path_prefix = "/ops/";
  ops.max_items = 1000;
  auto ops_page = read->ListUsers(kAccount, ops);
  ASSERT_OK(ops_page);
  EXPECT_EQ(ops_page->items.size(), 50U);
  EXPECT_FALSE(ops_page->is_truncated);

  ListOptions exact;
  exact.max_items = 250;
  auto all = read->ListUsers(kAccount, exact);
  ASSERT_OK(all);
  EXPECT_EQ(all->items.size(), 250U);
  EXPECT_FALSE(all->is_truncated);

  ListOptions bad;
  bad.max_items = 0;
  ExpectError(read->ListUsers(kAccount, bad), ErrorCode::kInvalidArgument);
  bad.max_items = 1001;
  ExpectError(read->ListUsers(kAccount, bad), ErrorCode::kInvalidArgument);
}

TEST_P(IdentityStoreTest, GroupsAndMembership) {
  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.PutGroup(MakeGroup("admins", "/it/")));
    ASSERT_OK(txn.PutGroup(MakeGroup("Billing")));
    ASSERT_OK(txn.PutUser(MakeUser("bob")));
    ASSERT_OK(txn.PutUser(MakeUser("carl")));
    ASSERT_OK(txn.AddUserToGroup(kAccount, "admins", "bob"));
    ASSERT_OK(txn.AddUserToGroup(kAccount, "ADMINS", "Carl"));
    ASSERT_OK(txn.AddUserToGroup(kAccount, "billing", "bob"));
    ExpectError(txn.AddUserToGroup(kAccount, "admins", "bob"), ErrorCode::kAlreadyExists);
    ExpectError(txn.AddUserToGroup(kAccount, "nobody", "bob"), ErrorCode::kNotFound);
    ExpectError(txn.AddUserToGroup(kAccount, "admins", "nobody"), ErrorCode::kNotFound);
  });
  auto read = BeginRead();
  auto groups = read->ListGroupsForUser(kAccount, "bob", ListOptions{});
  ASSERT_OK(groups);
  ASSERT_EQ(groups->items.size(), 2U);
  EXPECT_EQ(groups->items[0].name, "admins");
  EXPECT_EQ(groups->items[0].path, "/it/");
  EXPECT_EQ(groups->items[1].name, "Billing");
  ListOptions one;
  one.max_items = 1;
  auto members = read->ListGroupMembers(kAccount, "admins", one);
  ASSERT_OK(members);
  ASSERT_EQ(members->items.size(), 1U);
  EXPECT_EQ(members->items[0].name, "bob");
  EXPECT_TRUE(members->is_truncated);
  one.marker = members->next_marker;
  members = read->ListGroupMembers(kAccount, "admins", one);
  ASSERT_OK(members);
  ASSERT_EQ(members->items.size(), 1U);
  EXPECT_EQ(members->items[0].name, "carl");
  EXPECT_FALSE(members->is_truncated);
  ListOptions prefix;
  prefix.path_prefix = "/it/";
  auto listed = read->ListGroups(kAccount, prefix);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->items.size(), 1U);
  read.reset();

  Write([&](WriteTxn& txn) {
    ExpectError(txn.DeleteGroup(kAccount, "admins"), ErrorCode::kFailedPrecondition,
                "DeleteConflict");
    ExpectError(txn.DeleteUser(kAccount, "carl"), ErrorCode::kFailedPrecondition, "DeleteConflict");
    ASSERT_OK(txn.RemoveUserFromGroup(kAccount, "admins", "carl"));
    ExpectError(txn.RemoveUserFromGroup(kAccount, "admins", "carl"), ErrorCode::kNotFound);
    ASSERT_OK(txn.DeleteUser(kAccount, "carl"));
    ASSERT_OK(txn.RemoveUserFromGroup(kAccount, "admins", "bob"));
    ASSERT_OK(txn.DeleteGroup(kAccount, "admins"));
    Group billing = *txn.GetGroup(kAccount, "billing");
    billing.name = "Finance";
    billing.arn = Arn(kAccount, "group", "/", "Finance");
    ASSERT_OK(txn.UpdateGroup(billing));
  });
  read = BeginRead();
  auto bob_groups = read->ListGroupsForUser(kAccount, "bob", ListOptions{});
  ASSERT_OK(bob_groups);
  ASSERT_EQ(bob_groups->items.size(), 1U);
  EXPECT_EQ(bob_groups->items[0].name, "Finance");
  ExpectError(read->GetGroup(kAccount, "admins"), ErrorCode::kNotFound);
}

TEST_P(IdentityStoreTest, RolesRoundTripAndDeleteConflicts) {
  Role role = MakeRole("Deployer", "/service/");
  role.description = "deploys things";
  role.max_session_duration = 7200;
  role.tags = {{"env", "prod"}};
  Write([&](WriteTxn& txn) {
    auto put = txn.PutRole(role);
    ASSERT_OK(put);
    role.created = put->created;
    ManagedPolicy policy = CreatePolicy(txn, "Deploy");
    ASSERT_OK(
        txn.AttachPolicy(PrincipalRef{PrincipalKind::kRole, kAccount, "deployer"}, policy.arn));
    ASSERT_OK(txn.PutInlinePolicy(
        InlinePolicy{PrincipalRef{PrincipalKind::kRole, kAccount, "Deployer"}, "inline", kDoc}));
  });
  auto got = BeginRead()->GetRole(kAccount, "DEPLOYER");
  ASSERT_OK(got);
  EXPECT_EQ(*got, role);

  const PrincipalRef ref{PrincipalKind::kRole, kAccount, "Deployer"};
  Write([&](WriteTxn& txn) {
    ExpectError(txn.DeleteRole(kAccount, "Deployer"), ErrorCode::kFailedPrecondition,
                "DeleteConflict");
    ASSERT_OK(txn.DeleteInlinePolicy(ref, "inline"));
    ExpectError(txn.DeleteRole(kAccount, "Deployer"), ErrorCode::kFailedPrecondition,
                "DeleteConflict");
    ASSERT_OK(txn.DetachPolicy(ref, Arn(kAccount, "policy", "/", "Deploy")));
    Role updated = role;
    updated.description = "new";
    updated.max_session_duration = 43200;
    updated.tags.clear();
    ASSERT_OK(txn.UpdateRole(updated));
    EXPECT_EQ(txn.GetRole(kAccount, "Deployer")->description, "new");
    EXPECT_TRUE(txn.GetRole(kAccount, "Deployer")->tags.empty());
    ASSERT_OK(txn.DeleteRole(kAccount, "deployer"));
  });
  auto roles = BeginRead()->ListRoles(kAccount, ListOptions{});
  ASSERT_OK(roles);
  EXPECT_TRUE(roles->items.empty());
}

TEST_P(IdentityStoreTest, ManagedPoliciesVersionsAndAttachments) {
  std::string arn;
  Write([&](WriteTxn& txn) {
    ManagedPolicy policy = MakePolicy("S3Read");
    policy.description = "read buckets";
    auto put = txn.PutManagedPolicy(policy);
    ASSERT_OK(put);
    arn = put->arn;
    EXPECT_EQ(put->attachment_count, 0);
    EXPECT_EQ(put->default_version_id, "v1");
    ASSERT_OK(txn.PutPolicyVersion(PolicyVersion{arn, "v1", kDoc, {}, false}));
    clock_.Advance(std::chrono::seconds(1));
    auto v2 = txn.PutPolicyVersion(PolicyVersion{arn, "v2", "{\"v\":2}", {}, false});
    ASSERT_OK(v2);
    EXPECT_FALSE(v2->is_default);
    ExpectError(txn.PutPolicyVersion(PolicyVersion{arn, "v2", kDoc, {}, false}),
                ErrorCode::kAlreadyExists);
    ExpectError(txn.PutPolicyVersion(PolicyVersion{arn + "x", "v1", kDoc, {}, false}),
                ErrorCode::kNotFound);
    ASSERT_OK(txn.PutPolicyVersion(PolicyVersion{arn, "v10", "{\"v\":10}", {}, false}));
    ASSERT_OK(txn.PutUser(MakeUser("helena")));
    ASSERT_OK(txn.PutGroup(MakeGroup("readers")));
    ASSERT_OK(txn.AttachPolicy(PrincipalRef{PrincipalKind::kUser, kAccount, "helena"}, arn));
    ASSERT_OK(txn.AttachPolicy(PrincipalRef{PrincipalKind::kGroup, kAccount, "readers"}, arn));
    ExpectError(txn.AttachPolicy(PrincipalRef{PrincipalKind::kUser, kAccount, "Helena"}, arn),
                ErrorCode::kAlreadyExists);
    ExpectError(txn.AttachPolicy(PrincipalRef{PrincipalKind::kUser, kAccount, "nobody"}, arn),
                ErrorCode::kNotFound);
    ASSERT_OK(txn.PutManagedPolicy(MakePolicy("Unused")));
    // An AWS managed policy lives under the "aws" owner.
    ManagedPolicy admin = MakePolicy("AdministratorAccess", "aws");
    admin.arn = "arn:aws:iam::aws:policy/AdministratorAccess";
    ASSERT_OK(txn.PutManagedPolicy(admin));
    ASSERT_OK(txn.PutPolicyVersion(PolicyVersion{admin.arn, "v1", kDoc, {}, false}));
    ASSERT_OK(txn.AttachPolicy(PrincipalRef{PrincipalKind::kUser, kAccount, "helena"}, admin.arn));
  });

  auto read = BeginRead();
  auto policy = read->GetManagedPolicy(arn);
  ASSERT_OK(policy);
  EXPECT_EQ(policy->attachment_count, 2);
  EXPECT_EQ(policy->description, "read buckets");
  EXPECT_EQ(policy->updated, std::chrono::floor<milliseconds>(kStart + std::chrono::seconds(1)));
  auto versions = read->ListPolicyVersions(arn, ListOptions{});
  ASSERT_OK(versions);
  ASSERT_EQ(versions->items.size(), 3U);
  EXPECT_EQ(versions->items[0].version_id, "v1");
  EXPECT_TRUE(versions->items[0].is_default);
  EXPECT_EQ(versions->items[1].version_id, "v2");
  EXPECT_EQ(versions->items[2].version_id, "v10");
  ListOptions two;
  two.max_items = 2;
  auto first_two = read->ListPolicyVersions(arn, two);
  ASSERT_OK(first_two);
  EXPECT_TRUE(first_two->is_truncated);
  two.marker = first_two->next_marker;
  auto rest = read->ListPolicyVersions(arn, two);
  ASSERT_OK(rest);
  ASSERT_EQ(rest->items.size(), 1U);
  EXPECT_EQ(rest->items[0].version_id, "v10");

  PolicyListOptions attached;
  attached.only_attached = true;
  auto only_attached = read->ListManagedPolicies(kAccount, attached);
  ASSERT_OK(only_attached);
  ASSERT_EQ(only_attached->items.size(), 1U);
  EXPECT_EQ(only_attached->items[0].name, "S3Read");
  auto all_local = read->ListManagedPolicies(kAccount, PolicyListOptions{});
  ASSERT_OK(all_local);
  EXPECT_EQ(all_local->items.size(), 2U);
  auto aws = read->ListManagedPolicies("aws", PolicyListOptions{});
  ASSERT_OK(aws);
  ASSERT_EQ(aws->items.size(), 1U);
  EXPECT_EQ(aws->items[0].attachment_count, 1);

  auto on_helena =
      read->ListAttachedPolicies(PrincipalRef{PrincipalKind::kUser, kAccount, "helena"}, {});
  ASSERT_OK(on_helena);
  ASSERT_EQ(on_helena->items.size(), 2U);
  EXPECT_EQ(on_helena->items[0].name, "S3Read");  // ordered by ARN: digits before "aws"
  EXPECT_EQ(on_helena->items[1].name, "AdministratorAccess");
  ListOptions aws_path;
  aws_path.path_prefix = "/nothing/";
  auto none =
      read->ListAttachedPolicies(PrincipalRef{PrincipalKind::kUser, kAccount, "helena"}, aws_path);
  ASSERT_OK(none);
  EXPECT_TRUE(none->items.empty());
  auto entities = read->ListPolicyEntities(arn);
  ASSERT_OK(entities);
  ASSERT_EQ(entities->size(), 2U);
  EXPECT_EQ((*entities)[0].kind, PrincipalKind::kUser);
  EXPECT_EQ((*entities)[0].name, "helena");
  EXPECT_EQ((*entities)[1].kind, PrincipalKind::kGroup);
  EXPECT_EQ((*entities)[1].name, "readers");
  read.reset();

  Write([&](WriteTxn& txn) {
    ExpectError(txn.DeleteUser(kAccount, "helena"), ErrorCode::kFailedPrecondition,
                "DeleteConflict");
    ExpectError(txn.DeletePolicyVersion(arn, "v1"), ErrorCode::kFailedPrecondition,
                "DeleteConflict");
    ExpectError(txn.SetDefaultPolicyVersion(arn, "v3"), ErrorCode::kNotFound);
    ASSERT_OK(txn.SetDefaultPolicyVersion(arn, "v2"));
    EXPECT_TRUE(txn.GetPolicyVersion(arn, "v2")->is_default);
    EXPECT_FALSE(txn.GetPolicyVersion(arn, "v1")->is_default);
    ASSERT_OK(txn.DeletePolicyVersion(arn, "v1"));
    ExpectError(txn.GetPolicyVersion(arn, "v1"), ErrorCode::kNotFound);
    ExpectError(txn.DeleteManagedPolicy(arn), ErrorCode::kFailedPrecondition, "DeleteConflict");
    ASSERT_OK(txn.DetachPolicy(PrincipalRef{PrincipalKind::kUser, kAccount, "helena"}, arn));
    ExpectError(txn.DetachPolicy(PrincipalRef{PrincipalKind::kUser, kAccount, "helena"}, arn),
                ErrorCode::kNotFound);
    ASSERT_OK(txn.DetachPolicy(PrincipalRef{PrincipalKind::kGroup, kAccount, "readers"}, arn));
    // Still blocked by the non-default version v10.
    ExpectError(txn.DeleteManagedPolicy(arn), ErrorCode::kFailedPrecondition, "DeleteConflict");
    ASSERT_OK(txn.DeletePolicyVersion(arn, "v10"));
    // A permissions boundary in use blocks the delete too.
    User helena = *txn.GetUser(kAccount, "helena");
    helena.permissions_boundary_arn = arn;
    ASSERT_OK(txn.UpdateUser(helena));
    EXPECT_EQ(txn.GetManagedPolicy(arn)->permissions_boundary_usage_count, 1);
    ExpectError(txn.DeleteManagedPolicy(arn), ErrorCode::kFailedPrecondition, "DeleteConflict");
    helena.permissions_boundary_arn.clear();
    ASSERT_OK(txn.UpdateUser(helena));
    ASSERT_OK(txn.DeleteManagedPolicy(arn));
    ExpectError(txn.GetManagedPolicy(arn), ErrorCode::kNotFound, "NoSuchEntity");
    ExpectError(txn.GetPolicyVersion(arn, "v2"), ErrorCode::kNotFound);

    ManagedPolicy unused = *txn.GetManagedPolicy(Arn(kAccount, "policy", "/", "Unused"));
    unused.description = "described";
    unused.is_attachable = false;
    clock_.Advance(std::chrono::seconds(5));
    auto updated = txn.UpdateManagedPolicy(unused);
    ASSERT_OK(updated);
    EXPECT_EQ(updated->description, "described");
    EXPECT_FALSE(updated->is_attachable);
    EXPECT_EQ(updated->updated, std::chrono::floor<milliseconds>(clock_.Now()));
  });
}

TEST_P(IdentityStoreTest, InlinePolicies) {
  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.PutUser(MakeUser("bob")));
    ASSERT_OK(txn.PutGroup(MakeGroup("ops")));
    ASSERT_OK(txn.PutRole(MakeRole("runner")));
  });
  for (PrincipalKind kind : {PrincipalKind::kUser, PrincipalKind::kGroup, PrincipalKind::kRole}) {
    SCOPED_TRACE(std::string(PrincipalKindName(kind)));
    const std::string name = kind == PrincipalKind::kUser    ? "Bob"
                             : kind == PrincipalKind::kGroup ? "OPS"
                                                             : "Runner";
    const PrincipalRef ref{kind, kAccount, name};
    Write([&](WriteTxn& txn) {
      ASSERT_OK(txn.PutInlinePolicy(InlinePolicy{ref, "b-policy", "{\"a\":1}"}));
      ASSERT_OK(txn.PutInlinePolicy(InlinePolicy{ref, "a-policy", kDoc}));
      ASSERT_OK(txn.PutInlinePolicy(InlinePolicy{ref, "b-policy", "{\"a\":2}"}));  // replaces
      ExpectError(txn.PutInlinePolicy(InlinePolicy{{kind, kAccount, "nobody"}, "p", kDoc}),
                  ErrorCode::kNotFound);
    });
    auto read = BeginRead();
    auto got = read->GetInlinePolicy(ref, "b-policy");
    ASSERT_OK(got);
    EXPECT_EQ(got->document, "{\"a\":2}");
    ExpectError(read->GetInlinePolicy(ref, "c-policy"), ErrorCode::kNotFound, "NoSuchEntity");
    ListOptions one;
    one.max_items = 1;
    auto page = read->ListInlinePolicies(ref, one);
    ASSERT_OK(page);
    ASSERT_EQ(page->items.size(), 1U);
    EXPECT_EQ(page->items[0].name, "a-policy");
    EXPECT_TRUE(page->is_truncated);
    one.marker = page->next_marker;
    page = read->ListInlinePolicies(ref, one);
    ASSERT_OK(page);
    ASSERT_EQ(page->items.size(), 1U);
    EXPECT_EQ(page->items[0].name, "b-policy");
    EXPECT_FALSE(page->is_truncated);
    read.reset();
    Write([&](WriteTxn& txn) {
      ASSERT_OK(txn.DeleteInlinePolicy(ref, "a-policy"));
      ExpectError(txn.DeleteInlinePolicy(ref, "a-policy"), ErrorCode::kNotFound);
      ASSERT_OK(txn.DeleteInlinePolicy(ref, "b-policy"));
    });
  }
  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.DeleteUser(kAccount, "bob"));
    ASSERT_OK(txn.DeleteGroup(kAccount, "ops"));
    ASSERT_OK(txn.DeleteRole(kAccount, "runner"));
  });
}

TEST_P(IdentityStoreTest, AccessKeys) {
  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.PutUser(MakeUser("sam")));
    ASSERT_OK(txn.PutAccessKey(MakeKey("AKIASAM0000000000002", "SAM")));
    clock_.Advance(std::chrono::seconds(1));
    ASSERT_OK(txn.PutAccessKey(MakeKey("AKIASAM0000000000001", "sam")));
    ASSERT_OK(txn.PutAccessKey(MakeKey("AKIAROOT000000000001", "")));
    ExpectError(txn.PutAccessKey(MakeKey("AKIASAM0000000000001", "sam")),
                ErrorCode::kAlreadyExists);
    ExpectError(txn.PutAccessKey(MakeKey("AKIANOBODY0000000001", "nobody")), ErrorCode::kNotFound);
  });
  auto read = BeginRead();
  auto key = read->GetAccessKey("AKIASAM0000000000002");
  ASSERT_OK(key);
  EXPECT_EQ(key->user_name, "sam");
  EXPECT_EQ(key->status, AccessKeyStatus::kActive);
  EXPECT_EQ(key->sealed_secret, (std::vector<std::uint8_t>{0x00, 0x01, 0xfe, 0xff, 0x7f}));
  EXPECT_EQ(key->created, std::chrono::floor<milliseconds>(kStart));
  EXPECT_FALSE(key->last_used.has_value());
  auto sams = read->ListAccessKeys(kAccount, "sam", ListOptions{});
  ASSERT_OK(sams);
  ASSERT_EQ(sams->items.size(), 2U);
  EXPECT_EQ(sams->items[0].id, "AKIASAM0000000000001");
  auto root = read->ListAccessKeys(kAccount, "", ListOptions{});
  ASSERT_OK(root);
  ASSERT_EQ(root->items.size(), 1U);
  EXPECT_EQ(root->items[0].user_name, "");
  ExpectError(read->ListAccessKeys(kAccount, "nobody", ListOptions{}), ErrorCode::kNotFound);
  ExpectError(read->GetAccessKey("AKIAMISSING"), ErrorCode::kNotFound, "NoSuchEntity");
  read.reset();

  const Timestamp used(milliseconds(1704200000000));
  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.UpdateAccessKeyStatus("AKIASAM0000000000002", AccessKeyStatus::kInactive));
    ASSERT_OK(txn.RecordAccessKeyUse("AKIASAM0000000000002", used, "iam", "us-east-1"));
    ExpectError(txn.UpdateAccessKeyStatus("AKIAMISSING", AccessKeyStatus::kActive),
                ErrorCode::kNotFound);
    User sam = *txn.GetUser(kAccount, "sam");
    sam.name = "samuel";
    sam.arn = Arn(kAccount, "user", "/", "samuel");
    ASSERT_OK(txn.UpdateUser(sam));
  });
  key = BeginRead()->GetAccessKey("AKIASAM0000000000002");
  ASSERT_OK(key);
  EXPECT_EQ(key->status, AccessKeyStatus::kInactive);
  EXPECT_EQ(key->last_used, used);
  EXPECT_EQ(key->last_used_service, "iam");
  EXPECT_EQ(key->last_used_region, "us-east-1");
  EXPECT_EQ(key->user_name, "samuel");

  Write([&](WriteTxn& txn) {
    ExpectError(txn.DeleteUser(kAccount, "samuel"), ErrorCode::kFailedPrecondition,
                "DeleteConflict");
    ASSERT_OK(txn.DeleteAccessKey("AKIASAM0000000000001"));
    ASSERT_OK(txn.DeleteAccessKey("AKIASAM0000000000002"));
    ExpectError(txn.DeleteAccessKey("AKIASAM0000000000002"), ErrorCode::kNotFound);
    ASSERT_OK(txn.DeleteUser(kAccount, "samuel"));
  });
}

// Login profiles and the password policy
TEST_P(IdentityStoreTest, LoginProfilesAndPasswordHistory) {
  const std::string hash1 = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdDE$aGFzaDE";
  const std::string hash2 = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdDI$aGFzaDI";
  const std::string hash3 = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdDM$aGFzaDM";
  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.PutUser(MakeUser("pat")));
    LoginProfile profile{kAccount, "PAT", hash1, {}, {}, true};
    auto put = txn.PutLoginProfile(profile);
    ASSERT_OK(put);
    EXPECT_EQ(put->user_name, "pat");
    EXPECT_EQ(put->created, std::chrono::floor<milliseconds>(kStart));
    EXPECT_EQ(put->password_last_changed, put->created);
    ExpectError(txn.PutLoginProfile(profile), ErrorCode::kAlreadyExists, "EntityAlreadyExists");
    ExpectError(txn.PutLoginProfile(LoginProfile{kAccount, "nobody", hash1, {}, {}, false}),
                ErrorCode::kNotFound);
    ExpectError(txn.PutLoginProfile(LoginProfile{kAccount, "pat", "plaintext", {}, {}, false}),
                ErrorCode::kInvalidArgument);
    ExpectError(txn.UpdateLoginProfile(LoginProfile{kAccount, "nobody", hash1, {}, {}, false}),
                ErrorCode::kNotFound);
  });
  auto read = BeginRead();
  auto profile = read->GetLoginProfile(kAccount, "Pat");
  ASSERT_OK(profile);
  EXPECT_EQ(profile->user_name, "pat");
  EXPECT_EQ(profile->password_hash, hash1);
  EXPECT_TRUE(profile->password_reset_required);
  ExpectError(read->GetLoginProfile(kAccount, "nobody"), ErrorCode::kNotFound, "NoSuchEntity");
  auto history = read->GetPasswordHistory(kAccount, "pat");
  ASSERT_OK(history);
  EXPECT_TRUE(history->empty());
  read.reset();

  clock_.Advance(std::chrono::seconds(10));
  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.UpdateLoginProfile(LoginProfile{kAccount, "pat", hash2, {}, {}, false}));
    ASSERT_OK(txn.RecordPasswordHistory(kAccount, "pat", hash1, 2));
    ASSERT_OK(txn.RecordPasswordHistory(kAccount, "pat", hash2, 2));
    ASSERT_OK(txn.RecordPasswordHistory(kAccount, "pat", hash3, 2));
    ExpectError(txn.RecordPasswordHistory(kAccount, "nobody", hash1, 2), ErrorCode::kNotFound);
  });
  read = BeginRead();
  profile = read->GetLoginProfile(kAccount, "pat");
  ASSERT_OK(profile);
  EXPECT_EQ(profile->password_hash, hash2);
  EXPECT_FALSE(profile->password_reset_required);
  EXPECT_EQ(profile->created, std::chrono::floor<milliseconds>(kStart));
  EXPECT_EQ(profile->password_last_changed,
            std::chrono::floor<milliseconds>(kStart + std::chrono::seconds(10)));
  history = read->GetPasswordHistory(kAccount, "pat");
  ASSERT_OK(history);
  EXPECT_EQ(*history, (std::vector<std::string>{hash3, hash2}));
  read.reset();

  Write([&](WriteTxn& txn) {
    ExpectError(txn.DeleteUser(kAccount, "pat"), ErrorCode::kFailedPrecondition, "DeleteConflict");
    ASSERT_OK(txn.DeleteLoginProfile(kAccount, "PAT"));
    ExpectError(txn.DeleteLoginProfile(kAccount, "pat"), ErrorCode::kNotFound);
    ASSERT_OK(txn.DeleteUser(kAccount, "pat"));
    // A new user of the same name starts without history.
    ASSERT_OK(txn.PutUser(MakeUser("pat")));
  });
  history = BeginRead()->GetPasswordHistory(kAccount, "pat");
  ASSERT_OK(history);
  EXPECT_TRUE(history->empty());
}

TEST_P(IdentityStoreTest, PasswordPolicy) {
  ExpectError(BeginRead()->GetPasswordPolicy(kAccount), ErrorCode::kNotFound, "NoSuchEntity");
  PasswordPolicy policy;
  policy.account_id = kAccount;
  policy.minimum_password_length = 12;
  policy.require_symbols = true;
  policy.require_lowercase_characters = true;
  policy.allow_users_to_change_password = true;
  policy.max_password_age = 90;
  policy.password_reuse_prevention = 5;
  policy.hard_expiry = true;
  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.PutPasswordPolicy(policy));
    PasswordPolicy bad = policy;
    bad.minimum_password_length = 5;
    ExpectError(txn.PutPasswordPolicy(bad), ErrorCode::kInvalidArgument);
    bad = policy;
    bad.password_reuse_prevention = 25;
    ExpectError(txn.PutPasswordPolicy(bad), ErrorCode::kInvalidArgument);
    bad = policy;
    bad.max_password_age = 1096;
    ExpectError(txn.PutPasswordPolicy(bad), ErrorCode::kInvalidArgument);
    bad = policy;
    bad.account_id = "999999999999";
    ExpectError(txn.PutPasswordPolicy(bad), ErrorCode::kNotFound);
  });
  auto got = BeginRead()->GetPasswordPolicy(kAccount);
  ASSERT_OK(got);
  EXPECT_EQ(*got, policy);
  ExpectError(BeginRead()->GetPasswordPolicy(kOtherAccount), ErrorCode::kNotFound);
  policy.require_numbers = true;
  policy.max_password_age = 0;
  Write([&](WriteTxn& txn) { ASSERT_OK(txn.PutPasswordPolicy(policy)); });
  got = BeginRead()->GetPasswordPolicy(kAccount);
  ASSERT_OK(got);
  EXPECT_EQ(*got, policy);
  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.DeletePasswordPolicy(kAccount));
    ExpectError(txn.DeletePasswordPolicy(kAccount), ErrorCode::kNotFound);
  });
  ExpectError(BeginRead()->GetPasswordPolicy(kAccount), ErrorCode::kNotFound);
}

TEST_P(IdentityStoreTest, DestroyingAWriteRollsBack) {
  const std::uint64_t before = store_->Generation();
  {
    auto txn = BeginWrite();
    ASSERT_OK(txn->PutUser(MakeUser("temp")));
    ASSERT_OK(txn->GetUser(kAccount, "temp"));  // a transaction sees its own writes
  }
  EXPECT_EQ(store_->Generation(), before);
  ExpectError(BeginRead()->GetUser(kAccount, "temp"), ErrorCode::kNotFound);
  // The writer is free again.
  Write([&](WriteTxn& txn) { ASSERT_OK(txn.PutUser(MakeUser("temp"))); });
  ASSERT_OK(BeginRead()->GetUser(kAccount, "temp"));
}

TEST_P(IdentityStoreTest, GenerationBumpsOnlyOnCommit) {
  const std::uint64_t start = store_->Generation();
  { auto read = BeginRead(); }
  EXPECT_EQ(store_->Generation(), start);
  {
    auto txn = BeginWrite();
    ASSERT_OK(txn->PutUser(MakeUser("g1")));
    EXPECT_EQ(store_->Generation(), start);
    ASSERT_OK(txn->Commit());
    EXPECT_EQ(store_->Generation(), start + 1);
    // A finished transaction refuses further work.
    ExpectError(txn->PutUser(MakeUser("g2")), ErrorCode::kFailedPrecondition);
    ExpectError(txn->Commit(), ErrorCode::kFailedPrecondition);
  }
  EXPECT_EQ(store_->Generation(), start + 1);
  ASSERT_OK(BeginRead()->GetUser(kAccount, "g1"));
  Write([&](WriteTxn& txn) { ASSERT_OK(txn.PutUser(MakeUser("g2"))); });
  EXPECT_EQ(store_->Generation(), start + 2);

  // Recording a key's use changes no identity: caches keyed by the generation stay valid,
  // yet the use is stored.
  Write([&](WriteTxn& txn) { ASSERT_OK(txn.PutAccessKey(MakeKey("AKIAGEN00000001", "g1"))); });
  EXPECT_EQ(store_->Generation(), start + 3);
  const Timestamp used{std::chrono::milliseconds(1700000000000)};
  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.RecordAccessKeyUse("AKIAGEN00000001", used, "iam", "us-east-1"));
  });
  EXPECT_EQ(store_->Generation(), start + 3);
  auto key = BeginRead()->GetAccessKey("AKIAGEN00000001");
  ASSERT_OK(key);
  EXPECT_EQ(key->last_used, used);
  // A transaction that records a use and changes something else bumps it.
  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.RecordAccessKeyUse("AKIAGEN00000001", used, "iam", "us-east-1"));
    ASSERT_OK(txn.PutUser(MakeUser("g3")));
  });
  EXPECT_EQ(store_->Generation(), start + 4);
}

TEST_P(IdentityStoreTest, ReadersSeeOneSnapshot) {
  auto read = BeginRead();
  ExpectError(read->GetUser(kAccount, "late"), ErrorCode::kNotFound);
  Write([&](WriteTxn& txn) { ASSERT_OK(txn.PutUser(MakeUser("late"))); });
  ExpectError(read->GetUser(kAccount, "late"), ErrorCode::kNotFound);
  read.reset();
  ASSERT_OK(BeginRead()->GetUser(kAccount, "late"));
}

TEST_P(IdentityStoreTest, OneWriterAtATime) {
  auto first = BeginWrite();
  ASSERT_NE(first, nullptr);
  const auto started = std::chrono::steady_clock::now();
  auto second = store_->BeginWrite();
  ExpectError(second, ErrorCode::kAborted);
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(150));
  // Readers are not blocked by the open writer.
  ASSERT_OK(BeginRead()->GetAccount(kAccount));
  first.reset();
  ASSERT_NE(BeginWrite(), nullptr);
}

TEST_P(IdentityStoreTest, ConcurrentReadersWithOneWriter) {
  constexpr int kUsers = 60;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      std::size_t last = 0;
      while (!done.load()) {
        auto read = store_->BeginRead();
        if (!read.has_value()) {
          ++failures;
          continue;
        }
        ListOptions options;
        options.max_items = 1000;
        auto first = (*read)->ListUsers(kAccount, options);
        auto second = (*read)->ListUsers(kAccount, options);
        // Within a snapshot both reads agree; across snapshots the count never shrinks.
        if (!first.has_value() || !second.has_value() ||
            first->items.size() != second->items.size() || first->items.size() < last) {
          ++failures;
        } else {
          last = first->items.size();
        }
        ++reads;
      }
    });
  }
  auto write_all = [&] {
    for (int i = 0; i < kUsers; ++i) {
      auto txn = store_->BeginWrite();
      ASSERT_TRUE(txn.has_value()) << txn.error().ToString();
      ASSERT_OK((*txn)->PutUser(MakeUser("user" + std::to_string(i))));
      ASSERT_OK((*txn)->Commit());
    }
  };
  write_all();  // on failure, still stop and join the readers below
  while (reads.load() < 8) {
    std::this_thread::yield();
  }
  done = true;
  for (std::thread& t : readers) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  ListOptions options;
  options.max_items = 1000;
  EXPECT_EQ(BeginRead()->ListUsers(kAccount, options)->items.size(),
            static_cast<std::size_t>(kUsers));
}

// Instance profiles
TEST_P(IdentityStoreTest, InstanceProfilesHoldRoles) {
  InstanceProfile profile;
  profile.account_id = kAccount;
  profile.name = "WebServer";
  profile.path = "/web/";
  profile.id = "AIPA" + std::to_string(next_id_++);
  profile.arn = Arn(kAccount, "instance-profile", "/web/", "WebServer");
  profile.tags = {{"env", "prod"}, {"team", "web"}};
  InstanceProfile other = profile;
  other.name = "Batch";
  other.path = "/";
  other.id = "AIPA" + std::to_string(next_id_++);
  other.arn = Arn(kAccount, "instance-profile", "/", "Batch");
  other.tags.clear();
  Write([&](WriteTxn& txn) {
    auto put = txn.PutInstanceProfile(profile);
    ASSERT_OK(put);
    profile.created = put->created;
    ASSERT_OK(txn.PutInstanceProfile(other));
    InstanceProfile same_name = other;
    same_name.name = "batch";
    same_name.id = "AIPA" + std::to_string(next_id_++);
    same_name.arn = Arn(kAccount, "instance-profile", "/", "batch2");
    ExpectError(txn.PutInstanceProfile(same_name), ErrorCode::kAlreadyExists);
    ASSERT_OK(txn.PutRole(MakeRole("App")));
    ASSERT_OK(txn.AddRoleToInstanceProfile(kAccount, "webserver", "app"));
    ExpectError(txn.AddRoleToInstanceProfile(kAccount, "WebServer", "App"),
                ErrorCode::kAlreadyExists);
    ExpectError(txn.AddRoleToInstanceProfile(kAccount, "WebServer", "Nobody"),
                ErrorCode::kNotFound);
    ExpectError(txn.AddRoleToInstanceProfile(kAccount, "Nothing", "App"), ErrorCode::kNotFound);
  });

  auto read = BeginRead();
  auto got = read->GetInstanceProfile(kAccount, "WEBSERVER");
  ASSERT_OK(got);
  EXPECT_EQ(got->name, "WebServer");
  EXPECT_EQ(got->created, profile.created);
  EXPECT_EQ(got->tags, profile.tags);
  EXPECT_EQ(got->role_names, std::vector<std::string>{"App"});
  ExpectError(read->GetInstanceProfile(kAccount, "missing"), ErrorCode::kNotFound);
  ExpectError(read->GetInstanceProfile(kOtherAccount, "WebServer"), ErrorCode::kNotFound);

  auto all = read->ListInstanceProfiles(kAccount, ListOptions{});
  ASSERT_OK(all);
  ASSERT_EQ(all->items.size(), 2U);
  EXPECT_EQ(all->items[0].name, "Batch");
  EXPECT_EQ(all->items[1].role_names, std::vector<std::string>{"App"});
  ListOptions web;
  web.path_prefix = "/web/";
  auto filtered = read->ListInstanceProfiles(kAccount, web);
  ASSERT_OK(filtered);
  ASSERT_EQ(filtered->items.size(), 1U);
  ListOptions one;
  one.max_items = 1;
  auto page = read->ListInstanceProfiles(kAccount, one);
  ASSERT_OK(page);
  ASSERT_TRUE(page->is_truncated);
  one.marker = page->next_marker;
  auto rest = read->ListInstanceProfiles(kAccount, one);
  ASSERT_OK(rest);
  ASSERT_EQ(rest->items.size(), 1U);
  EXPECT_EQ(rest->items[0].name, "WebServer");
  EXPECT_FALSE(rest->is_truncated);

  auto for_role = read->ListInstanceProfilesForRole(kAccount, "APP", ListOptions{});
  ASSERT_OK(for_role);
  ASSERT_EQ(for_role->items.size(), 1U);
  EXPECT_EQ(for_role->items[0].name, "WebServer");
  ExpectError(read->ListInstanceProfilesForRole(kAccount, "Nobody", ListOptions{}),
              ErrorCode::kNotFound);
  read.reset();

  Write([&](WriteTxn& txn) {
    ExpectError(txn.DeleteInstanceProfile(kAccount, "WebServer"), ErrorCode::kFailedPrecondition,
                "DeleteConflict");
    ExpectError(txn.DeleteRole(kAccount, "App"), ErrorCode::kFailedPrecondition, "DeleteConflict");
    ExpectError(txn.RemoveRoleFromInstanceProfile(kAccount, "Batch", "App"), ErrorCode::kNotFound);
    ASSERT_OK(txn.RemoveRoleFromInstanceProfile(kAccount, "WebServer", "App"));
    EXPECT_TRUE(txn.GetInstanceProfile(kAccount, "WebServer")->role_names.empty());
    ASSERT_OK(txn.DeleteRole(kAccount, "App"));
    ASSERT_OK(txn.DeleteInstanceProfile(kAccount, "webserver"));
    ExpectError(txn.DeleteInstanceProfile(kAccount, "WebServer"), ErrorCode::kNotFound);
  });
  auto left = BeginRead()->ListInstanceProfiles(kAccount, ListOptions{});
  ASSERT_OK(left);
  ASSERT_EQ(left->items.size(), 1U);
  EXPECT_EQ(left->items[0].name, "Batch");
}

TEST_P(IdentityStoreTest, InstanceProfileAndPolicyTagsAreReplaced) {
  InstanceProfile profile;
  profile.account_id = kAccount;
  profile.name = "Tagged";
  profile.id = "AIPA" + std::to_string(next_id_++);
  profile.arn = Arn(kAccount, "instance-profile", "/", "Tagged");
  Write([&](WriteTxn& txn) {
    ASSERT_OK(txn.PutInstanceProfile(profile));
    auto updated = txn.UpdateInstanceProfileTags(kAccount, "tagged", {{"a", "1"}, {"b", ""}});
    ASSERT_OK(updated);
    EXPECT_EQ(updated->tags, (std::vector<Tag>{{"a", "1"}, {"b", ""}}));
    ExpectError(txn.UpdateInstanceProfileTags(kAccount, "missing", {}), ErrorCode::kNotFound);
    ManagedPolicy policy = MakePolicy("TaggedPolicy");
    policy.tags = {{"owner", "ops"}};
    ASSERT_OK(txn.PutManagedPolicy(policy));
    policy.tags = {{"owner", "dev"}, {"cost", "7"}};
    ASSERT_OK(txn.UpdateManagedPolicy(policy));
  });
  auto read = BeginRead();
  EXPECT_EQ(read->GetInstanceProfile(kAccount, "Tagged")->tags,
            (std::vector<Tag>{{"a", "1"}, {"b", ""}}));
  auto policy = read->GetManagedPolicy(MakePolicy("TaggedPolicy").arn);
  ASSERT_OK(policy);
  EXPECT_EQ(policy->tags, (std::vector<Tag>{{"owner", "dev"}, {"cost", "7"}}));
  auto listed = read->ListManagedPolicies(kAccount, PolicyListOptions{});
  ASSERT_OK(listed);
  ASSERT_EQ(listed->items.size(), 1U);
  EXPECT_EQ(listed->items[0].tags, policy->tags);
}

TEST_P(IdentityStoreTest, ResourcesRoundTripAndBlockUserDeletion) {
  Resource key;
  key.kind = ResourceKind::kSshPublicKey;
  key.account_id = kAccount;
  key.key = "APKA0001";
  key.user_name = "alice";
  key.body = R"({"fingerprint":"aa"})";
  key.tags = {{"k", "v"}};
  Resource device;
  device.kind = ResourceKind::kMfaDevice;
  device.account_id = kAccount;
  device.key = "arn:aws:iam::" + std::string(kAccount) + ":mfa/phone";
  device.body = "{}";
  Resource server_cert;
  server_cert.kind = ResourceKind::kServerCertificate;
  server_cert.account_id = kAccount;
  server_cert.key = "web";
  server_cert.path = "/cloudfront/";
  server_cert.body = "{}";
  Write([&](WriteTxn& txn) {
    ExpectError(txn.PutResource(key), ErrorCode::kNotFound);  // no user yet
    ASSERT_OK(txn.PutUser(MakeUser("Alice")));
    auto put = txn.PutResource(key);
    ASSERT_OK(put);
    EXPECT_EQ(put->user_name, "Alice");
    EXPECT_NE(put->created, Timestamp{});
    key.created = put->created;
    ExpectError(txn.PutResource(key), ErrorCode::kAlreadyExists, "EntityAlreadyExists");
    ASSERT_OK(txn.PutResource(device));
    ASSERT_OK(txn.PutResource(server_cert));
    Resource sign_in;
    sign_in.kind = ResourceKind::kSignInState;
    sign_in.account_id = kAccount;
    sign_in.key = "alice";
    sign_in.user_name = "ALICE";
    sign_in.body = R"({"failures":2})";
    ASSERT_OK(txn.PutResource(sign_in));
    Resource bad = key;
    bad.key.clear();
    ExpectError(txn.PutResource(bad), ErrorCode::kInvalidArgument);
    bad = key;
    bad.account_id = "999999999999";
    bad.user_name.clear();
    ExpectError(txn.PutResource(bad), ErrorCode::kNotFound);  // no such account
  });

  auto read = BeginRead();
  auto got = read->GetResource(ResourceKind::kSshPublicKey, kAccount, "APKA0001");
  ASSERT_OK(got);
  EXPECT_EQ(got->user_name, "Alice");
  EXPECT_EQ(got->body, key.body);
  EXPECT_EQ(got->tags, key.tags);
  EXPECT_EQ(got->created, key.created);
  ExpectError(read->GetResource(ResourceKind::kSshPublicKey, kAccount, "apka0001"),
              ErrorCode::kNotFound, "NoSuchEntity");
  ExpectError(read->GetResource(ResourceKind::kSigningCertificate, kAccount, "APKA0001"),
              ErrorCode::kNotFound);
  ResourceFilter alice;
  alice.user_name = "alice";
  auto mine = read->ListResources(ResourceKind::kSshPublicKey, kAccount, alice, ListOptions{});
  ASSERT_OK(mine);
  ASSERT_EQ(mine->items.size(), 1U);
  ResourceFilter nobody;
  nobody.user_name = "";
  auto unassigned = read->ListResources(ResourceKind::kMfaDevice, kAccount, nobody, ListOptions{});
  ASSERT_OK(unassigned);
  ASSERT_EQ(unassigned->items.size(), 1U);
  auto assigned = read->ListResources(ResourceKind::kMfaDevice, kAccount, alice, ListOptions{});
  ASSERT_OK(assigned);
  EXPECT_TRUE(assigned->items.empty());
  ResourceFilter ghost;
  ghost.user_name = "ghost";
  ExpectError(read->ListResources(ResourceKind::kMfaDevice, kAccount, ghost, ListOptions{}),
              ErrorCode::kNotFound);
  ListOptions cloudfront;
  cloudfront.path_prefix = "/cloudfront/";
  auto certs =
      read->ListResources(ResourceKind::kServerCertificate, kAccount, ResourceFilter{}, cloudfront);
  ASSERT_OK(certs);
  ASSERT_EQ(certs->items.size(), 1U);
  cloudfront.path_prefix = "/other/";
  certs =
      read->ListResources(ResourceKind::kServerCertificate, kAccount, ResourceFilter{}, cloudfront);
  ASSERT_OK(certs);
  EXPECT_TRUE(certs->items.empty());
  read.reset();

  Write([&](WriteTxn& txn) {
    device.user_name = "alice";
    auto assigned_now = txn.UpdateResource(device);
    ASSERT_OK(assigned_now);
    EXPECT_EQ(assigned_now->user_name, "Alice");
    ASSERT_OK(txn.DeleteResource(ResourceKind::kSshPublicKey, kAccount, "APKA0001"));
    ExpectError(txn.DeleteResource(ResourceKind::kSshPublicKey, kAccount, "APKA0001"),
                ErrorCode::kNotFound);
    ExpectError(txn.DeleteUser(kAccount, "Alice"), ErrorCode::kFailedPrecondition,
                "DeleteConflict");
    device.user_name.clear();
    ASSERT_OK(txn.UpdateResource(device));
    Resource missing = device;
    missing.key = "arn:aws:iam::" + std::string(kAccount) + ":mfa/none";
    ExpectError(txn.UpdateResource(missing), ErrorCode::kNotFound);
    // Sign-in state does not block; it goes with the user.
    ASSERT_OK(txn.DeleteUser(kAccount, "Alice"));
    ExpectError(txn.GetResource(ResourceKind::kSignInState, kAccount, "alice"),
                ErrorCode::kNotFound);
  });

  // Many resources page by key.
  Write([&](WriteTxn& txn) {
    for (int i = 0; i < 25; ++i) {
      Resource alias;
      alias.kind = ResourceKind::kAccountAlias;
      alias.account_id = kAccount;
      alias.key = "alias-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
      alias.body = "{}";
      ASSERT_OK(txn.PutResource(alias));
    }
  });
  ListOptions page_options;
  page_options.max_items = 10;
  std::vector<std::string> seen;
  read = BeginRead();
  while (true) {
    auto page =
        read->ListResources(ResourceKind::kAccountAlias, kAccount, ResourceFilter{}, page_options);
    ASSERT_OK(page);
    for (const Resource& r : page->items) {
      seen.push_back(r.key);
    }
    if (!page->is_truncated) {
      break;
    }
    page_options.marker = page->next_marker;
  }
  ASSERT_EQ(seen.size(), 25U);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

INSTANTIATE_TEST_SUITE_P(Backends, IdentityStoreTest,
                         ::testing::Values(Backend::kMemory, Backend::kSqlite), BackendName);

// SQLite-only behaviour: durability across reopen, migrations, the data directory.
class SqliteStoreTest : public IdentityStoreTest {};

TEST_P(SqliteStoreTest, ReopeningKeepsData) {
  Write([&](WriteTxn& txn) {
    User user = MakeUser("persisted");
    user.tags = {{"k", "v"}};
    ASSERT_OK(txn.PutUser(user));
    ASSERT_OK(txn.PutAccessKey(MakeKey("AKIAPERSISTED0000001", "persisted")));
  });
  {
    auto txn = BeginWrite();
    ASSERT_OK(txn->PutUser(MakeUser("uncommitted")));
  }
  store_.reset();
  EXPECT_TRUE(std::filesystem::exists(dir_ / std::string(sqlite::kDatabaseFileName)));
  Open();
  auto read = BeginRead();
  auto user = read->GetUser(kAccount, "persisted");
  ASSERT_OK(user);
  EXPECT_EQ(user->tags, (std::vector<Tag>{{"k", "v"}}));
  ASSERT_OK(read->GetAccessKey("AKIAPERSISTED0000001"));
  ExpectError(read->GetUser(kAccount, "uncommitted"), ErrorCode::kNotFound);
  EXPECT_EQ(read->ListAccounts()->size(), 2U);
}

// Runs `sql` on the database file directly and returns the first column of the first row.
std::string QueryFile(const std::filesystem::path& file, const char* sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

TEST_P(SqliteStoreTest, MigrationsAndDurabilitySettings) {
  const std::filesystem::path file = dir_ / std::string(sqlite::kDatabaseFileName);
  EXPECT_EQ(QueryFile(file, "SELECT max(version) FROM schema_version"),
            std::to_string(sqlite::LatestSchemaVersion()));
  EXPECT_EQ(QueryFile(file, "SELECT name FROM schema_version WHERE version = 1"), "initial");
  EXPECT_EQ(QueryFile(file, "PRAGMA journal_mode"), "wal");
  // Reopening applies nothing twice.
  store_.reset();
  Open();
  EXPECT_EQ(QueryFile(file, "SELECT count(*) FROM schema_version"),
            std::to_string(sqlite::LatestSchemaVersion()));
  // A database from a newer binary is refused.
  store_.reset();
  QueryFile(file, "INSERT INTO schema_version (version, name, applied_ms) VALUES (9999, 'x', 0)");
  auto newer = sqlite::OpenSqliteStore(dir_, clock_);
  ExpectError(newer, ErrorCode::kFailedPrecondition);
}

TEST_P(SqliteStoreTest, AnotherStoreOnTheSameFileWaitsThenAborts) {
  sqlite::SqliteOptions options;
  options.busy_timeout = milliseconds(100);
  auto other = sqlite::OpenSqliteStore(dir_, clock_, options);
  ASSERT_OK(other);
  auto held = BeginWrite();
  ASSERT_NE(held, nullptr);
  ExpectError((*other)->BeginWrite(), ErrorCode::kAborted);
  held.reset();
  auto txn = (*other)->BeginWrite();
  ASSERT_OK(txn);
  ASSERT_OK((*txn)->PutUser(MakeUser("from-other")));
  ASSERT_OK((*txn)->Commit());
  ASSERT_OK(BeginRead()->GetUser(kAccount, "from-other"));
}

TEST_P(SqliteStoreTest, UnusableDataDirectoryIsUnavailable) {
  const std::filesystem::path blocker = root_ / "file";
  {
    std::FILE* f = std::fopen(blocker.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  ExpectError(sqlite::OpenSqliteStore(blocker / "data", clock_), ErrorCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqliteStoreTest, ::testing::Values(Backend::kSqlite),
                         BackendName);

}  // namespace
}  // namespace portcullis::store
