// Tests of the managed policy operations (managed_policies.cc).
#include <algorithm>
#include <gtest/gtest.h>
#include <string>

#include "api/iam/aws_managed_policies.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

constexpr std::string_view kDoc =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})";
constexpr std::string_view kDoc2 =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]})";

// Checks `value` against the model's `shape`: every member is one the shape names, with
// a matching kind; enum strings hold an enum value; required members are present.
void ExpectConforms(const protocol::Value& value, const protocol::Shape& shape,
                    const std::string& where) {
  using Kind = protocol::Value::Kind;
  using protocol::ShapeType;
  switch (shape.type) {
    case ShapeType::kStructure: {
      ASSERT_EQ(value.kind(), Kind::kStructure) << where;
      for (std::size_t i = 0; i < value.names().size(); ++i) {
        const protocol::Member* member = shape.FindMember(value.names()[i]);
        ASSERT_NE(member, nullptr) << where << "." << value.names()[i] << " not in " << shape.name;
        ExpectConforms(value.children()[i], *member->shape, where + "." + value.names()[i]);
      }
      for (const auto& member : shape.members) {
        if (member.required) {
          EXPECT_NE(value.Find(member.name), nullptr) << where << "." << member.name << " missing";
        }
      }
      break;
    }
    case ShapeType::kList:
      ASSERT_EQ(value.kind(), Kind::kList) << where;
      for (std::size_t i = 0; i < value.children().size(); ++i) {
        ExpectConforms(value.children()[i], *shape.list_member, where + "." + std::to_string(i));
      }
      break;
    case ShapeType::kMap:
      ASSERT_EQ(value.kind(), Kind::kMap) << where;
      for (std::size_t i = 0; i < value.names().size(); ++i) {
        const auto& keys = shape.map_key->enum_values;
        if (!keys.empty()) {
          EXPECT_NE(std::find(keys.begin(), keys.end(), value.names()[i]), keys.end())
              << where << " key " << value.names()[i];
        }
        ExpectConforms(value.children()[i], *shape.map_value, where + "." + value.names()[i]);
      }
      break;
    case ShapeType::kString:
      ASSERT_EQ(value.kind(), Kind::kString) << where;
      if (!shape.enum_values.empty()) {
        EXPECT_NE(std::find(shape.enum_values.begin(), shape.enum_values.end(), value.text()),
                  shape.enum_values.end())
            << where << " = " << value.text();
      }
      break;
    case ShapeType::kInteger:
    case ShapeType::kLong:
      EXPECT_EQ(value.kind(), Kind::kInteger) << where;
      break;
    case ShapeType::kBoolean:
      EXPECT_EQ(value.kind(), Kind::kBoolean) << where;
      break;
    case ShapeType::kTimestamp:
      EXPECT_EQ(value.kind(), Kind::kTimestamp) << where;
      break;
    default:
      ADD_FAILURE() << where << ": unexpected shape " << shape.name;
  }
}

class ManagedPoliciesTest : public IamApiTest {
 protected:
  std::string ArnOf(std::string_view name, std::string_view path = "/") {
    return "arn:aws:iam::" + std::string(kAccountId) + ":policy" + std::string(path) +
           std::string(name);
  }

  protocol::Value Create(std::string_view name, std::string_view doc = kDoc) {
    return MustCall("CreatePolicy",
                    {{"PolicyName", std::string(name)}, {"PolicyDocument", std::string(doc)}});
  }

  void Seed() {
    WriteStore([](store::WriteTxn& txn) { return SeedAwsManagedPolicies(txn); });
  }

  // Calls `op` as root and checks its output against the model's output shape.
  protocol::Value Conforming(std::string_view op, const Params& params = {}) {
    protocol::Value out = MustCall(op, params);
    const protocol::Operation* operation = protocol::IamModel().FindOperation(op);
    EXPECT_NE(operation, nullptr) << op;
    if (operation == nullptr)
      return out;
    if (operation->output == nullptr) {
      EXPECT_TRUE(out.names().empty()) << op << " returns " << out.DebugString();
    } else {
      SCOPED_TRACE(op);
      ExpectConforms(out, *operation->output, std::string(op));
      EXPECT_FALSE(
          protocol::EncodeQueryResponse(protocol::IamModel(), *operation, out, "rid").empty());
    }
    return out;
  }

  void CreateUserInStore(const std::string& name) {
    WriteStore([&](store::WriteTxn& txn) -> Status {
      store::User user;
      user.account_id = std::string(kAccountId);
      user.name = name;
      user.id = NewUniqueId(kUserIdPrefix);
      user.arn = "arn:aws:iam::" + std::string(kAccountId) + ":user/" + name;
      return txn.PutUser(user).transform([](const store::User&) {});
    });
  }
};

TEST_F(ManagedPoliciesTest, CreateGetDelete) {
  const protocol::Value created = MustCall("CreatePolicy", {{"PolicyName", "Readers"},
                                                            {"Path", "/team/"},
                                                            {"PolicyDocument", std::string(kDoc)},
                                                            {"Description", "read things"},
                                                            {"Tags.member.1.Key", "env"},
                                                            {"Tags.member.1.Value", "dev"}});
  const std::string arn = ArnOf("Readers", "/team/");
  EXPECT_EQ(TextAt(created, "Policy.PolicyName"), "Readers");
  EXPECT_EQ(TextAt(created, "Policy.Arn"), arn);
  EXPECT_EQ(TextAt(created, "Policy.Path"), "/team/");
  EXPECT_EQ(TextAt(created, "Policy.DefaultVersionId"), "v1");
  EXPECT_EQ(TextAt(created, "Policy.Description"), "read things");
  EXPECT_EQ(TextAt(created, "Policy.PolicyId").substr(0, 4), "ANPA");
  EXPECT_EQ(At(created, "Policy.AttachmentCount")->number(), 0);
  EXPECT_TRUE(At(created, "Policy.IsAttachable")->boolean());
  EXPECT_EQ(TextAt(created, "Policy.Tags.0.Key"), "env");

  const protocol::Value got = MustCall("GetPolicy", {{"PolicyArn", arn}});
  EXPECT_EQ(TextAt(got, "Policy.PolicyId"), TextAt(created, "Policy.PolicyId"));
  EXPECT_EQ(TextAt(got, "Policy.Description"), "read things");

  const protocol::Value version =
      MustCall("GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}});
  EXPECT_EQ(UrlDecode(TextAt(version, "PolicyVersion.Document")), kDoc);
  EXPECT_TRUE(At(version, "PolicyVersion.IsDefaultVersion")->boolean());

  MustCall("DeletePolicy", {{"PolicyArn", arn}});
  EXPECT_AWS_ERROR(Call("GetPolicy", {{"PolicyArn", arn}}), "NoSuchEntity",
                   "Policy " + arn + " does not exist or is not attachable.");
}

TEST_F(ManagedPoliciesTest, CreateRejectsDuplicatesAnyCase) {
  Create("Readers");
  EXPECT_AWS_ERROR(
      Call("CreatePolicy", {{"PolicyName", "READERS"}, {"PolicyDocument", std::string(kDoc)}}),
      "EntityAlreadyExists",
      "A policy called READERS already exists. Duplicate names are not allowed.");
}

TEST_F(ManagedPoliciesTest, CreateRejectsMalformedAndOversizedDocuments) {
  EXPECT_AWS_ERROR(Call("CreatePolicy", {{"PolicyName", "Bad"}, {"PolicyDocument", "{not json"}}),
                   "MalformedPolicyDocument", "Syntax errors in policy.");
  EXPECT_AWS_ERROR(
      Call("CreatePolicy",
           {{"PolicyName", "Bad"},
            {"PolicyDocument", R"({"Version":"2012-10-17","Statement":[{"Effect":"Maybe",)"
                               R"("Action":"s3:*","Resource":"*"}]})"}}),
      "MalformedPolicyDocument");
  std::string big = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[)";
  for (int i = 0; i < 400; ++i) {
    if (i > 0)
      big += ',';
    big += "\"s3:GetObjectNumber" + std::to_string(i) + "\"";
  }
  big += R"(],"Resource":"*"}]})";
  EXPECT_AWS_ERROR(Call("CreatePolicy", {{"PolicyName", "Big"}, {"PolicyDocument", big}}),
                   "LimitExceeded", "Cannot exceed quota for PolicySize: 6144");
}

TEST_F(ManagedPoliciesTest, CreateEnforcesTheAccountQuota) {
  WriteStore([&](store::WriteTxn& txn) -> Status {
    for (int i = 0; i < 1500; ++i) {
      store::ManagedPolicy policy;
      policy.account_id = std::string(kAccountId);
      policy.name = "p" + std::to_string(i);
      policy.arn = ArnOf(policy.name);
      policy.id = NewUniqueId(kPolicyIdPrefix);
      IAM_RETURN_IF_ERROR(txn.PutManagedPolicy(policy));
    }
    return OkStatus();
  });
  EXPECT_AWS_ERROR(
      Call("CreatePolicy", {{"PolicyName", "OneTooMany"}, {"PolicyDocument", std::string(kDoc)}}),
      "LimitExceeded", "Cannot exceed quota for PoliciesPerAccount: 1500");
}

TEST_F(ManagedPoliciesTest, DeleteConflicts) {
  Create("Readers");
  const std::string arn = ArnOf("Readers");
  MustCall("CreatePolicyVersion", {{"PolicyArn", arn}, {"PolicyDocument", std::string(kDoc2)}});
  EXPECT_AWS_ERROR(Call("DeletePolicy", {{"PolicyArn", arn}}), "DeleteConflict",
                   "This policy has more than one version. Before you delete a policy, you must "
                   "delete the policy's versions. The default version is deleted with the "
                   "policy.");
  MustCall("DeletePolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v2"}});
  CreateUserInStore("alice");
  MustCall("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", arn}});
  EXPECT_AWS_ERROR(Call("DeletePolicy", {{"PolicyArn", arn}}), "DeleteConflict",
                   "Cannot delete a policy attached to entities.");
  MustCall("DetachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", arn}});
  MustCall("DeletePolicy", {{"PolicyArn", arn}});
  EXPECT_AWS_ERROR(Call("DeletePolicy", {{"PolicyArn", arn}}), "NoSuchEntity");
}

TEST_F(ManagedPoliciesTest, VersionsLifecycle) {
  Create("Readers");
  const std::string arn = ArnOf("Readers");
  const protocol::Value v2 =
      MustCall("CreatePolicyVersion", {{"PolicyArn", arn}, {"PolicyDocument", std::string(kDoc2)}});
  EXPECT_EQ(TextAt(v2, "PolicyVersion.VersionId"), "v2");
  EXPECT_FALSE(At(v2, "PolicyVersion.IsDefaultVersion")->boolean());
  EXPECT_EQ(At(v2, "PolicyVersion.Document"), nullptr);

  const protocol::Value v3 = MustCall(
      "CreatePolicyVersion",
      {{"PolicyArn", arn}, {"PolicyDocument", std::string(kDoc2)}, {"SetAsDefault", "true"}});
  EXPECT_EQ(TextAt(v3, "PolicyVersion.VersionId"), "v3");
  EXPECT_TRUE(At(v3, "PolicyVersion.IsDefaultVersion")->boolean());
  EXPECT_EQ(TextAt(MustCall("GetPolicy", {{"PolicyArn", arn}}), "Policy.DefaultVersionId"), "v3");

  const protocol::Value listed = MustCall("ListPolicyVersions", {{"PolicyArn", arn}});
  ASSERT_EQ(SizeAt(listed, "Versions"), 3U);
  EXPECT_EQ(TextAt(listed, "Versions.0.VersionId"), "v3");
  EXPECT_EQ(TextAt(listed, "Versions.2.VersionId"), "v1");
  EXPECT_TRUE(At(listed, "Versions.0.IsDefaultVersion")->boolean());
  EXPECT_FALSE(At(listed, "IsTruncated")->boolean());

  const protocol::Value page1 =
      MustCall("ListPolicyVersions", {{"PolicyArn", arn}, {"MaxItems", "2"}});
  ASSERT_EQ(SizeAt(page1, "Versions"), 2U);
  EXPECT_TRUE(At(page1, "IsTruncated")->boolean());
  const protocol::Value page2 =
      MustCall("ListPolicyVersions", {{"PolicyArn", arn}, {"Marker", TextAt(page1, "Marker")}});
  ASSERT_EQ(SizeAt(page2, "Versions"), 1U);
  EXPECT_EQ(TextAt(page2, "Versions.0.VersionId"), "v1");

  MustCall("SetDefaultPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}});
  EXPECT_EQ(TextAt(MustCall("GetPolicy", {{"PolicyArn", arn}}), "Policy.DefaultVersionId"), "v1");
  EXPECT_AWS_ERROR(Call("DeletePolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}}),
                   "DeleteConflict", "Cannot delete the default version of a policy.");
  MustCall("DeletePolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v3"}});
  EXPECT_AWS_ERROR(Call("GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v3"}}),
                   "NoSuchEntity",
                   "Policy " + arn + " version v3 does not exist or is not attachable.");
  EXPECT_AWS_ERROR(Call("SetDefaultPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v9"}}),
                   "NoSuchEntity");
  EXPECT_AWS_ERROR(Call("DeletePolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v9"}}),
                   "NoSuchEntity");
}

TEST_F(ManagedPoliciesTest, AtMostFiveVersions) {
  Create("Readers");
  const std::string arn = ArnOf("Readers");
  for (int i = 0; i < 4; ++i) {
    MustCall("CreatePolicyVersion", {{"PolicyArn", arn}, {"PolicyDocument", std::string(kDoc2)}});
  }
  EXPECT_AWS_ERROR(
      Call("CreatePolicyVersion", {{"PolicyArn", arn}, {"PolicyDocument", std::string(kDoc2)}}),
      "LimitExceeded",
      "A managed policy can have up to 5 versions. Before you create a new version, you must "
      "delete an existing version.");
  MustCall("DeletePolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v2"}});
  const protocol::Value v6 =
      MustCall("CreatePolicyVersion", {{"PolicyArn", arn}, {"PolicyDocument", std::string(kDoc2)}});
  EXPECT_EQ(TextAt(v6, "PolicyVersion.VersionId"), "v6");
}

TEST_F(ManagedPoliciesTest, CreatePolicyVersionValidatesAndNeedsThePolicy) {
  Create("Readers");
  EXPECT_AWS_ERROR(
      Call("CreatePolicyVersion", {{"PolicyArn", ArnOf("Readers")}, {"PolicyDocument", "[]"}}),
      "MalformedPolicyDocument");
  EXPECT_AWS_ERROR(Call("CreatePolicyVersion",
                        {{"PolicyArn", ArnOf("Nope")}, {"PolicyDocument", std::string(kDoc)}}),
                   "NoSuchEntity",
                   "Policy " + ArnOf("Nope") + " does not exist or is not attachable.");
  EXPECT_AWS_ERROR(Call("ListPolicyVersions", {{"PolicyArn", ArnOf("Nope")}}), "NoSuchEntity");
}

TEST_F(ManagedPoliciesTest, AwsManagedPoliciesAreReadOnly) {
  Seed();
  const std::string arn = "arn:aws:iam::aws:policy/AdministratorAccess";
  const protocol::Value got = MustCall("GetPolicy", {{"PolicyArn", arn}});
  EXPECT_EQ(TextAt(got, "Policy.PolicyName"), "AdministratorAccess");
  EXPECT_EQ(TextAt(got, "Policy.Arn"), arn);
  const protocol::Value v1 =
      MustCall("GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}});
  EXPECT_NE(UrlDecode(TextAt(v1, "PolicyVersion.Document")).find(R"("Action":"*")"),
            std::string::npos);
  EXPECT_AWS_ERROR(
      Call("CreatePolicyVersion", {{"PolicyArn", arn}, {"PolicyDocument", std::string(kDoc)}}),
      "AccessDenied", "~iam:CreatePolicyVersion on resource: policy " + arn);
  EXPECT_AWS_ERROR(Call("DeletePolicy", {{"PolicyArn", arn}}), "AccessDenied");
  EXPECT_AWS_ERROR(Call("SetDefaultPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(Call("DeletePolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}}),
                   "AccessDenied");
}

TEST_F(ManagedPoliciesTest, OtherAccountsPoliciesAreNotVisible) {
  const std::string other = "arn:aws:iam::" + std::string(kOtherAccountId) + ":policy/Theirs";
  EXPECT_AWS_ERROR(Call("GetPolicy", {{"PolicyArn", other}}), "AccessDenied");
}

TEST_F(ManagedPoliciesTest, ListPoliciesByScopePathAndAttachment) {
  Seed();
  Create("Alpha");
  MustCall("CreatePolicy", {{"PolicyName", "Beta"},
                            {"Path", "/team/"},
                            {"PolicyDocument", std::string(kDoc)},
                            {"Description", "not listed"}});
  const protocol::Value local = MustCall("ListPolicies", {{"Scope", "Local"}});
  ASSERT_EQ(SizeAt(local, "Policies"), 2U);
  EXPECT_EQ(TextAt(local, "Policies.0.PolicyName"), "Alpha");
  EXPECT_EQ(TextAt(local, "Policies.1.PolicyName"), "Beta");
  EXPECT_EQ(At(local, "Policies.1.Description"), nullptr);

  const protocol::Value team =
      MustCall("ListPolicies", {{"Scope", "Local"}, {"PathPrefix", "/team/"}});
  ASSERT_EQ(SizeAt(team, "Policies"), 1U);
  EXPECT_EQ(TextAt(team, "Policies.0.PolicyName"), "Beta");

  const protocol::Value aws = MustCall("ListPolicies", {{"Scope", "AWS"}, {"MaxItems", "1000"}});
  EXPECT_EQ(SizeAt(aws, "Policies"), 1000U);
  EXPECT_TRUE(At(aws, "IsTruncated")->boolean());
  const protocol::Value rest = MustCall(
      "ListPolicies", {{"Scope", "AWS"}, {"Marker", TextAt(aws, "Marker")}, {"MaxItems", "1000"}});
  EXPECT_EQ(SizeAt(rest, "Policies"), 485U);
  EXPECT_FALSE(At(rest, "IsTruncated")->boolean());

  // Scope All pages through the AWS managed policies, then the account's.
  std::size_t total = 0;
  std::string marker;
  for (int guard = 0; guard < 10; ++guard) {
    Params params{{"MaxItems", "700"}};
    if (!marker.empty())
      params.emplace_back("Marker", marker);
    const protocol::Value page = MustCall("ListPolicies", params);
    total += SizeAt(page, "Policies");
    if (!At(page, "IsTruncated")->boolean())
      break;
    marker = TextAt(page, "Marker");
  }
  EXPECT_EQ(total, 1487U);

  CreateUserInStore("alice");
  MustCall("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", ArnOf("Alpha")}});
  MustCall("AttachUserPolicy",
           {{"UserName", "alice"}, {"PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess"}});
  const protocol::Value attached = MustCall("ListPolicies", {{"OnlyAttached", "true"}});
  ASSERT_EQ(SizeAt(attached, "Policies"), 2U);
  EXPECT_EQ(TextAt(attached, "Policies.0.PolicyName"), "ReadOnlyAccess");
  EXPECT_EQ(At(attached, "Policies.0.AttachmentCount")->number(), 1);
  EXPECT_EQ(TextAt(attached, "Policies.1.PolicyName"), "Alpha");
  const protocol::Value boundaries = MustCall(
      "ListPolicies", {{"OnlyAttached", "true"}, {"PolicyUsageFilter", "PermissionsBoundary"}});
  EXPECT_EQ(SizeAt(boundaries, "Policies"), 0U);
  WriteStore([&](store::WriteTxn& txn) -> Status {
    store::User user;
    user.account_id = std::string(kAccountId);
    user.name = "bounded";
    user.id = NewUniqueId(kUserIdPrefix);
    user.arn = "arn:aws:iam::" + std::string(kAccountId) + ":user/bounded";
    user.permissions_boundary_arn = ArnOf("Beta", "/team/");
    return txn.PutUser(user).transform([](const store::User&) {});
  });
  const protocol::Value bounded = MustCall(
      "ListPolicies", {{"OnlyAttached", "true"}, {"PolicyUsageFilter", "PermissionsBoundary"}});
  ASSERT_EQ(SizeAt(bounded, "Policies"), 1U);
  EXPECT_EQ(TextAt(bounded, "Policies.0.PolicyName"), "Beta");
  EXPECT_EQ(At(bounded, "Policies.0.PermissionsBoundaryUsageCount")->number(), 1);
  EXPECT_EQ(SizeAt(MustCall("ListPolicies", {{"OnlyAttached", "true"}}), "Policies"), 2U);

  EXPECT_AWS_ERROR(Call("ListPolicies", {{"Marker", "bogus"}}), "InvalidInput");
}

TEST_F(ManagedPoliciesTest, AwsManagedCountsAreScopedToTheCallersAccount) {
  Seed();
  const std::string arn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
  // A user of another account uses the policy.
  WriteStore([&](store::WriteTxn& txn) -> Status {
    IAM_RETURN_IF_ERROR(txn.PutAccount(store::Account{std::string(kOtherAccountId), "", {}}));
    store::User user;
    user.account_id = std::string(kOtherAccountId);
    user.name = "carol";
    user.id = NewUniqueId(kUserIdPrefix);
    user.arn = "arn:aws:iam::" + std::string(kOtherAccountId) + ":user/carol";
    IAM_RETURN_IF_ERROR(txn.PutUser(user));
    return txn.AttachPolicy({store::PrincipalKind::kUser, std::string(kOtherAccountId), "carol"},
                            arn);
  });
  EXPECT_EQ(At(MustCall("GetPolicy", {{"PolicyArn", arn}}), "Policy.AttachmentCount")->number(), 0);
  EXPECT_EQ(SizeAt(MustCall("ListPolicies", {{"OnlyAttached", "true"}}), "Policies"), 0U);
}

TEST_F(ManagedPoliciesTest, UsersNeedPermission) {
  Create("Readers");
  const std::string arn = ArnOf("Readers");
  CreateUserInStore("bob");
  const auth::Caller bob = UserCaller("bob");
  EXPECT_AWS_ERROR(
      CallAs(bob, "CreatePolicy", {{"PolicyName", "Mine"}, {"PolicyDocument", std::string(kDoc)}}),
      "AccessDenied", "~iam:CreatePolicy");
  EXPECT_AWS_ERROR(CallAs(bob, "GetPolicy", {{"PolicyArn", arn}}), "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "ListPolicies"), "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "DeletePolicy", {{"PolicyArn", arn}}), "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "CreatePolicyVersion",
                          {{"PolicyArn", arn}, {"PolicyDocument", std::string(kDoc2)}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "ListPolicyVersions", {{"PolicyArn", arn}}), "AccessDenied");
  EXPECT_AWS_ERROR(
      CallAs(bob, "SetDefaultPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}}),
      "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "DeletePolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}}),
                   "AccessDenied");

  AllowUser("bob", AllowDocument("iam:GetPolicy", arn));
  const protocol::Value got = MustCallAs(bob, "GetPolicy", {{"PolicyArn", arn}});
  EXPECT_EQ(TextAt(got, "Policy.PolicyName"), "Readers");
  EXPECT_AWS_ERROR(CallAs(bob, "GetPolicy", {{"PolicyArn", ArnOf("Other")}}), "AccessDenied");

  AllowUser("bob", AllowDocument("iam:CreatePolicy"), "create");
  MustCallAs(bob, "CreatePolicy", {{"PolicyName", "Mine"}, {"PolicyDocument", std::string(kDoc)}});
}

TEST_F(ManagedPoliciesTest, OutputsConformToTheModel) {
  Seed();
  const std::string arn = ArnOf("Readers");
  Conforming("CreatePolicy", {{"PolicyName", "Readers"},
                              {"PolicyDocument", std::string(kDoc)},
                              {"Description", "d"},
                              {"Tags.member.1.Key", "k"},
                              {"Tags.member.1.Value", "v"}});
  Conforming("GetPolicy", {{"PolicyArn", arn}});
  Conforming("ListPolicies", {{"MaxItems", "3"}});
  Conforming("ListPolicies", {{"Scope", "Local"}});
  Conforming("CreatePolicyVersion", {{"PolicyArn", arn}, {"PolicyDocument", std::string(kDoc2)}});
  Conforming("GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v2"}});
  Conforming("ListPolicyVersions", {{"PolicyArn", arn}});
  Conforming("SetDefaultPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v2"}});
  Conforming("DeletePolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}});
  CreateUserInStore("alice");
  WriteStore([&](store::WriteTxn& txn) -> Status {
    store::Group group;
    group.account_id = std::string(kAccountId);
    group.name = "devs";
    group.id = NewUniqueId(kGroupIdPrefix);
    group.arn = "arn:aws:iam::" + std::string(kAccountId) + ":group/devs";
    IAM_RETURN_IF_ERROR(txn.PutGroup(group));
    store::Role role;
    role.account_id = std::string(kAccountId);
    role.name = "app";
    role.id = NewUniqueId(kRoleIdPrefix);
    role.arn = "arn:aws:iam::" + std::string(kAccountId) + ":role/app";
    role.assume_role_policy_document = std::string(kDoc);
    IAM_RETURN_IF_ERROR(txn.PutRole(role));
    IAM_RETURN_IF_ERROR(txn.AddUserToGroup(kAccountId, "devs", "alice"));
    store::InlinePolicy inline_policy;
    inline_policy.principal = {store::PrincipalKind::kGroup, std::string(kAccountId), "devs"};
    inline_policy.name = "g";
    inline_policy.document = std::string(kDoc);
    return txn.PutInlinePolicy(inline_policy);
  });
  AllowUser("alice", kDoc);
  Conforming("AttachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", arn}});
  Conforming("AttachGroupPolicy",
             {{"GroupName", "devs"}, {"PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess"}});
  Conforming("AttachRolePolicy", {{"RoleName", "app"}, {"PolicyArn", arn}});
  Conforming("ListAttachedUserPolicies", {{"UserName", "alice"}});
  Conforming("ListAttachedGroupPolicies", {{"GroupName", "devs"}});
  Conforming("ListAttachedRolePolicies", {{"RoleName", "app"}});
  Conforming("ListEntitiesForPolicy", {{"PolicyArn", arn}});
  Conforming("GetAccountSummary");
  const protocol::Value details = Conforming("GetAccountAuthorizationDetails");
  EXPECT_EQ(SizeAt(details, "Policies"), 2U);
  Conforming("GetAccountAuthorizationDetails", {{"MaxItems", "2"}});
  Conforming("DetachUserPolicy", {{"UserName", "alice"}, {"PolicyArn", arn}});
  Conforming("DetachGroupPolicy",
             {{"GroupName", "devs"}, {"PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess"}});
  Conforming("DetachRolePolicy", {{"RoleName", "app"}, {"PolicyArn", arn}});
  Conforming("DeletePolicy", {{"PolicyArn", arn}});
}

}  // namespace
}  // namespace portcullis::api::iam::testing
