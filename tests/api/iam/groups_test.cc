// Tests of the IAM group operations (groups.cc): CreateGroup, GetGroup, UpdateGroup,
// DeleteGroup, ListGroups, AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser.
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

using GroupsTest = IamApiTest;

// The XML the server would send for `op`'s output `out`.
std::string Xml(std::string_view op, const protocol::Value& out) {
  const protocol::Operation* operation = protocol::IamModel().FindOperation(op);
  EXPECT_NE(operation, nullptr) << op;
  if (operation == nullptr) {
    return {};
  }
  return protocol::EncodeQueryResponse(protocol::IamModel(), *operation, out, "req-1");
}

TEST_F(GroupsTest, CreateGroupReturnsTheGroup) {
  const protocol::Value out = MustCall("CreateGroup", {{"GroupName", "devs"}});
  EXPECT_EQ(TextAt(out, "Group.GroupName"), "devs");
  EXPECT_EQ(TextAt(out, "Group.Path"), "/");
  EXPECT_EQ(TextAt(out, "Group.Arn"), "arn:aws:iam::123456789012:group/devs");
  EXPECT_EQ(TextAt(out, "Group.GroupId").substr(0, 4), "AGPA");
  ASSERT_NE(At(out, "Group.CreateDate"), nullptr);

  const protocol::Value with_path =
      MustCall("CreateGroup", {{"GroupName", "ops"}, {"Path", "/infra/"}});
  EXPECT_EQ(TextAt(with_path, "Group.Arn"), "arn:aws:iam::123456789012:group/infra/ops");
}

TEST_F(GroupsTest, CreateGroupErrors) {
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  EXPECT_AWS_ERROR(Call("CreateGroup", {{"GroupName", "DEVS"}}), "EntityAlreadyExists",
                   "Group with name DEVS already exists.");
  EXPECT_AWS_ERROR(Call("CreateGroup", {{"GroupName", "bad/name"}}), "ValidationError");
  EXPECT_AWS_ERROR(Call("CreateGroup", {}), "ValidationError");
}

TEST_F(GroupsTest, CreateGroupQuota) {
  WriteStore([&](store::WriteTxn& txn) -> Status {
    for (int i = 0; i < 299; ++i) {
      store::Group group;
      group.account_id = std::string(kAccountId);
      group.name = "g" + std::to_string(i);
      group.id = NewUniqueId(kGroupIdPrefix);
      group.arn = "arn:aws:iam::123456789012:group/" + group.name;
      IAM_RETURN_IF_ERROR(txn.PutGroup(std::move(group)));
    }
    return OkStatus();
  });
  MustCall("CreateGroup", {{"GroupName", "last"}});
  EXPECT_AWS_ERROR(Call("CreateGroup", {{"GroupName", "onemore"}}), "LimitExceeded",
                   "Cannot exceed quota for GroupsPerAccount: 300");
}

TEST_F(GroupsTest, GetGroupListsMembersInPages) {
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  for (const char* name : {"carol", "alice", "bob"}) {
    MustCall("CreateUser",
             {{"UserName", name}, {"Tags.member.1.Key", "k"}, {"Tags.member.1.Value", "v"}});
    MustCall("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", name}});
  }
  const protocol::Value all = MustCall("GetGroup", {{"GroupName", "devs"}});
  EXPECT_EQ(TextAt(all, "Group.GroupName"), "devs");
  ASSERT_EQ(SizeAt(all, "Users"), 3U);
  EXPECT_EQ(TextAt(all, "Users.0.UserName"), "alice");
  EXPECT_EQ(TextAt(all, "Users.2.UserName"), "carol");
  EXPECT_EQ(At(all, "Users.0.Tags"), nullptr);
  EXPECT_FALSE(At(all, "IsTruncated")->boolean());

  const protocol::Value page1 = MustCall("GetGroup", {{"GroupName", "devs"}, {"MaxItems", "2"}});
  ASSERT_EQ(SizeAt(page1, "Users"), 2U);
  ASSERT_TRUE(At(page1, "IsTruncated")->boolean());
  const protocol::Value page2 = MustCall(
      "GetGroup", {{"GroupName", "devs"}, {"MaxItems", "2"}, {"Marker", TextAt(page1, "Marker")}});
  ASSERT_EQ(SizeAt(page2, "Users"), 1U);
  EXPECT_EQ(TextAt(page2, "Users.0.UserName"), "carol");
}

TEST_F(GroupsTest, GetGroupEmptyAndMissing) {
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  const protocol::Value out = MustCall("GetGroup", {{"GroupName", "devs"}});
  ASSERT_NE(At(out, "Users"), nullptr);
  EXPECT_EQ(SizeAt(out, "Users"), 0U);
  EXPECT_AWS_ERROR(Call("GetGroup", {{"GroupName", "nope"}}), "NoSuchEntity",
                   "The group with name nope cannot be found.");
}

TEST_F(GroupsTest, UpdateGroupRenamesAndKeepsMembers) {
  const protocol::Value created = MustCall("CreateGroup", {{"GroupName", "devs"}});
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "bob"}});
  MustCall("UpdateGroup",
           {{"GroupName", "devs"}, {"NewGroupName", "engineers"}, {"NewPath", "/eng/"}});
  EXPECT_AWS_ERROR(Call("GetGroup", {{"GroupName", "devs"}}), "NoSuchEntity");
  const protocol::Value got = MustCall("GetGroup", {{"GroupName", "engineers"}});
  EXPECT_EQ(TextAt(got, "Group.GroupId"), TextAt(created, "Group.GroupId"));
  EXPECT_EQ(TextAt(got, "Group.Arn"), "arn:aws:iam::123456789012:group/eng/engineers");
  EXPECT_EQ(SizeAt(got, "Users"), 1U);
}

TEST_F(GroupsTest, UpdateGroupErrors) {
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  MustCall("CreateGroup", {{"GroupName", "ops"}});
  EXPECT_AWS_ERROR(Call("UpdateGroup", {{"GroupName", "nope"}, {"NewGroupName", "x"}}),
                   "NoSuchEntity", "The group with name nope cannot be found.");
  EXPECT_AWS_ERROR(Call("UpdateGroup", {{"GroupName", "devs"}, {"NewGroupName", "Ops"}}),
                   "EntityAlreadyExists", "Group with name Ops already exists.");
}

TEST_F(GroupsTest, DeleteGroupAndConflicts) {
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "bob"}});
  EXPECT_AWS_ERROR(Call("DeleteGroup", {{"GroupName", "devs"}}), "DeleteConflict",
                   "Cannot delete entity, must remove users from group first.");
  MustCall("RemoveUserFromGroup", {{"GroupName", "devs"}, {"UserName", "bob"}});

  MustCall("PutGroupPolicy", {{"GroupName", "devs"},
                              {"PolicyName", "p"},
                              {"PolicyDocument", AllowDocument("s3:GetObject")}});
  EXPECT_AWS_ERROR(Call("DeleteGroup", {{"GroupName", "devs"}}), "DeleteConflict",
                   "Cannot delete entity, must delete policies first.");
  MustCall("DeleteGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "p"}});

  const std::string arn = PutManagedPolicyInStore("Managed", AllowDocument("s3:*"));
  const store::PrincipalRef devs{store::PrincipalKind::kGroup, std::string(kAccountId), "devs"};
  WriteStore([&](store::WriteTxn& txn) -> Status { return txn.AttachPolicy(devs, arn); });
  EXPECT_AWS_ERROR(Call("DeleteGroup", {{"GroupName", "devs"}}), "DeleteConflict",
                   "Cannot delete entity, must detach all policies first.");
  WriteStore([&](store::WriteTxn& txn) -> Status { return txn.DetachPolicy(devs, arn); });

  MustCall("DeleteGroup", {{"GroupName", "devs"}});
  EXPECT_AWS_ERROR(Call("DeleteGroup", {{"GroupName", "devs"}}), "NoSuchEntity",
                   "The group with name devs cannot be found.");
}

TEST_F(GroupsTest, ListGroupsPagesAndFilters) {
  MustCall("CreateGroup", {{"GroupName", "ops"}, {"Path", "/infra/"}});
  MustCall("CreateGroup", {{"GroupName", "Devs"}});
  MustCall("CreateGroup", {{"GroupName", "admins"}});
  const protocol::Value all = MustCall("ListGroups");
  ASSERT_EQ(SizeAt(all, "Groups"), 3U);
  EXPECT_EQ(TextAt(all, "Groups.0.GroupName"), "admins");
  EXPECT_EQ(TextAt(all, "Groups.1.GroupName"), "Devs");
  EXPECT_FALSE(At(all, "IsTruncated")->boolean());
  const protocol::Value page1 = MustCall("ListGroups", {{"MaxItems", "1"}});
  ASSERT_EQ(SizeAt(page1, "Groups"), 1U);
  EXPECT_TRUE(At(page1, "IsTruncated")->boolean());
  const protocol::Value page2 =
      MustCall("ListGroups", {{"MaxItems", "5"}, {"Marker", TextAt(page1, "Marker")}});
  EXPECT_EQ(SizeAt(page2, "Groups"), 2U);
  const protocol::Value infra = MustCall("ListGroups", {{"PathPrefix", "/infra/"}});
  ASSERT_EQ(SizeAt(infra, "Groups"), 1U);
  EXPECT_EQ(TextAt(infra, "Groups.0.GroupName"), "ops");
  EXPECT_EQ(SizeAt(MustCall("ListGroups", {{"PathPrefix", "/none/"}}), "Groups"), 0U);
}

TEST_F(GroupsTest, MembershipIsIdempotent) {
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "bob"}});
  // AWS answers success for a user who already is (or is not) a member.
  MustCall("AddUserToGroup", {{"GroupName", "DEVS"}, {"UserName", "BOB"}});
  EXPECT_EQ(SizeAt(MustCall("GetGroup", {{"GroupName", "devs"}}), "Users"), 1U);
  MustCall("RemoveUserFromGroup", {{"GroupName", "devs"}, {"UserName", "bob"}});
  MustCall("RemoveUserFromGroup", {{"GroupName", "devs"}, {"UserName", "bob"}});
  EXPECT_EQ(SizeAt(MustCall("GetGroup", {{"GroupName", "devs"}}), "Users"), 0U);
}

TEST_F(GroupsTest, MembershipMissingEntities) {
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  MustCall("CreateUser", {{"UserName", "bob"}});
  EXPECT_AWS_ERROR(Call("AddUserToGroup", {{"GroupName", "nope"}, {"UserName", "bob"}}),
                   "NoSuchEntity", "The group with name nope cannot be found.");
  EXPECT_AWS_ERROR(Call("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "nobody"}}),
                   "NoSuchEntity", "The user with name nobody cannot be found.");
  EXPECT_AWS_ERROR(Call("RemoveUserFromGroup", {{"GroupName", "nope"}, {"UserName", "bob"}}),
                   "NoSuchEntity", "The group with name nope cannot be found.");
  EXPECT_AWS_ERROR(Call("RemoveUserFromGroup", {{"GroupName", "devs"}, {"UserName", "nobody"}}),
                   "NoSuchEntity", "The user with name nobody cannot be found.");
  EXPECT_AWS_ERROR(Call("ListGroupsForUser", {{"UserName", "nobody"}}), "NoSuchEntity",
                   "The user with name nobody cannot be found.");
}

TEST_F(GroupsTest, GroupsPerUserQuota) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  for (int i = 0; i < 11; ++i) {
    MustCall("CreateGroup", {{"GroupName", "g" + std::to_string(i)}});
  }
  for (int i = 0; i < 10; ++i) {
    MustCall("AddUserToGroup", {{"GroupName", "g" + std::to_string(i)}, {"UserName", "bob"}});
  }
  // Adding again to a group the user is in is still fine.
  MustCall("AddUserToGroup", {{"GroupName", "g3"}, {"UserName", "bob"}});
  EXPECT_AWS_ERROR(Call("AddUserToGroup", {{"GroupName", "g10"}, {"UserName", "bob"}}),
                   "LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10");
}

TEST_F(GroupsTest, ListGroupsForUser) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateGroup", {{"GroupName", "b-group"}});
  MustCall("CreateGroup", {{"GroupName", "a-group"}, {"Path", "/x/"}});
  MustCall("CreateGroup", {{"GroupName", "c-group"}});
  MustCall("AddUserToGroup", {{"GroupName", "b-group"}, {"UserName", "bob"}});
  MustCall("AddUserToGroup", {{"GroupName", "a-group"}, {"UserName", "bob"}});
  const protocol::Value out = MustCall("ListGroupsForUser", {{"UserName", "bob"}});
  ASSERT_EQ(SizeAt(out, "Groups"), 2U);
  EXPECT_EQ(TextAt(out, "Groups.0.GroupName"), "a-group");
  EXPECT_EQ(TextAt(out, "Groups.0.Arn"), "arn:aws:iam::123456789012:group/x/a-group");
  EXPECT_EQ(TextAt(out, "Groups.1.GroupName"), "b-group");
  const protocol::Value page =
      MustCall("ListGroupsForUser", {{"UserName", "bob"}, {"MaxItems", "1"}});
  EXPECT_EQ(SizeAt(page, "Groups"), 1U);
  EXPECT_TRUE(At(page, "IsTruncated")->boolean());
}

TEST_F(GroupsTest, AccessDeniedNamesTheResource) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateGroup", {{"GroupName", "devs"}, {"Path", "/team/"}});
  const auth::Caller bob = UserCaller("bob");
  EXPECT_AWS_ERROR(CallAs(bob, "CreateGroup", {{"GroupName", "new"}}), "AccessDenied",
                   "~iam:CreateGroup on resource: arn:aws:iam::123456789012:group/new");
  EXPECT_AWS_ERROR(CallAs(bob, "GetGroup", {{"GroupName", "devs"}}), "AccessDenied",
                   "~on resource: arn:aws:iam::123456789012:group/team/devs");
  EXPECT_AWS_ERROR(CallAs(bob, "ListGroups"), "AccessDenied",
                   "~on resource: arn:aws:iam::123456789012:group/ ");
  EXPECT_AWS_ERROR(CallAs(bob, "AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "bob"}}),
                   "AccessDenied", "~iam:AddUserToGroup");
  EXPECT_AWS_ERROR(CallAs(bob, "RemoveUserFromGroup", {{"GroupName", "devs"}, {"UserName", "bob"}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "UpdateGroup", {{"GroupName", "devs"}, {"NewPath", "/x/"}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "DeleteGroup", {{"GroupName", "devs"}}), "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "ListGroupsForUser", {{"UserName", "bob"}}), "AccessDenied",
                   "~on resource: arn:aws:iam::123456789012:user/bob");
  EXPECT_EQ(SizeAt(MustCall("GetGroup", {{"GroupName", "devs"}}), "Users"), 0U);
}

TEST_F(GroupsTest, GroupPolicyGrantsItsMembers) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateGroup", {{"GroupName", "readers"}});
  MustCall("PutGroupPolicy", {{"GroupName", "readers"},
                              {"PolicyName", "list"},
                              {"PolicyDocument", AllowDocument("iam:ListGroups")}});
  const auth::Caller bob = UserCaller("bob");
  EXPECT_AWS_ERROR(CallAs(bob, "ListGroups"), "AccessDenied");
  MustCall("AddUserToGroup", {{"GroupName", "readers"}, {"UserName", "bob"}});
  EXPECT_EQ(SizeAt(MustCallAs(bob, "ListGroups"), "Groups"), 1U);
  MustCall("RemoveUserFromGroup", {{"GroupName", "readers"}, {"UserName", "bob"}});
  EXPECT_AWS_ERROR(CallAs(bob, "ListGroups"), "AccessDenied");
}

TEST_F(GroupsTest, OutputsEncodeWithTheModelsMemberNames) {
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "bob"}});
  const std::string get_xml = Xml("GetGroup", MustCall("GetGroup", {{"GroupName", "devs"}}));
  EXPECT_NE(get_xml.find("<Group><Path>/</Path><GroupName>devs</GroupName>"), std::string::npos)
      << get_xml;
  EXPECT_NE(get_xml.find("<Users><member><Path>/</Path><UserName>bob</UserName>"),
            std::string::npos)
      << get_xml;
  const std::string list_xml = Xml("ListGroups", MustCall("ListGroups"));
  EXPECT_NE(list_xml.find("<Groups><member>"), std::string::npos) << list_xml;
  const std::string for_user_xml =
      Xml("ListGroupsForUser", MustCall("ListGroupsForUser", {{"UserName", "bob"}}));
  EXPECT_NE(for_user_xml.find("<GroupName>devs</GroupName>"), std::string::npos) << for_user_xml;
}

}  // namespace
}  // namespace portcullis::api::iam::testing
