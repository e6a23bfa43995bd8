// Tests of the inline policy operations of users and groups (inline_policies.cc).
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "api/iam/common.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

// The XML the server would send for `op`'s output `out`.
std::string Xml(std::string_view op, const protocol::Value& out) {
  const protocol::Operation* operation = protocol::IamModel().FindOperation(op);
  EXPECT_NE(operation, nullptr) << op;
  if (operation == nullptr) {
    return {};
  }
  return protocol::EncodeQueryResponse(protocol::IamModel(), *operation, out, "req-1");
}

class InlinePoliciesTest : public IamApiTest {
 protected:
  // An Allow document of exactly `chars` non-whitespace characters (chars >= 80), padded
  // in the Sid, with `spaces` extra spaces that do not count.
  static std::string DocumentOfSize(std::size_t chars, std::size_t spaces = 0) {
    const std::string head = R"({"Version":"2012-10-17","Statement":[{"Sid":")";
    const std::string tail = R"(","Effect":"Allow","Action":"s3:*","Resource":"*"}]})";
    const std::size_t fixed = head.size() + tail.size();
    std::string doc = head + std::string(chars - fixed, 'A') + tail;
    doc.insert(1, std::string(spaces, ' '));
    return doc;
  }
};

TEST_F(InlinePoliciesTest, PutGetListDeleteUserPolicy) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const std::string document =
      R"({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}})";
  MustCall("PutUserPolicy",
           {{"UserName", "bob"}, {"PolicyName", "read"}, {"PolicyDocument", document}});
  MustCall(
      "PutUserPolicy",
      {{"UserName", "BOB"}, {"PolicyName", "another"}, {"PolicyDocument", AllowDocument("sqs:*")}});

  const protocol::Value got =
      MustCall("GetUserPolicy", {{"UserName", "Bob"}, {"PolicyName", "read"}});
  EXPECT_EQ(TextAt(got, "UserName"), "bob");
  EXPECT_EQ(TextAt(got, "PolicyName"), "read");
  EXPECT_EQ(TextAt(got, "PolicyDocument"), UrlEncodeDocument(document));
  EXPECT_EQ(UrlDecode(TextAt(got, "PolicyDocument")), document);

  const protocol::Value list = MustCall("ListUserPolicies", {{"UserName", "bob"}});
  ASSERT_EQ(SizeAt(list, "PolicyNames"), 2U);
  EXPECT_EQ(At(list, "PolicyNames")->children()[0].text(), "another");
  EXPECT_EQ(At(list, "PolicyNames")->children()[1].text(), "read");
  EXPECT_FALSE(At(list, "IsTruncated")->boolean());

  const protocol::Value page1 =
      MustCall("ListUserPolicies", {{"UserName", "bob"}, {"MaxItems", "1"}});
  ASSERT_EQ(SizeAt(page1, "PolicyNames"), 1U);
  ASSERT_TRUE(At(page1, "IsTruncated")->boolean());
  const protocol::Value page2 =
      MustCall("ListUserPolicies", {{"UserName", "bob"}, {"Marker", TextAt(page1, "Marker")}});
  ASSERT_EQ(SizeAt(page2, "PolicyNames"), 1U);
  EXPECT_EQ(At(page2, "PolicyNames")->children()[0].text(), "read");

  MustCall("DeleteUserPolicy", {{"UserName", "bob"}, {"PolicyName", "read"}});
  EXPECT_AWS_ERROR(Call("GetUserPolicy", {{"UserName", "bob"}, {"PolicyName", "read"}}),
                   "NoSuchEntity", "The user policy with name read cannot be found.");
  EXPECT_EQ(SizeAt(MustCall("ListUserPolicies", {{"UserName", "bob"}}), "PolicyNames"), 1U);
}

TEST_F(InlinePoliciesTest, PutReplacesAPolicyOfTheSameName) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("PutUserPolicy",
           {{"UserName", "bob"}, {"PolicyName", "p"}, {"PolicyDocument", AllowDocument("s3:*")}});
  MustCall("PutUserPolicy",
           {{"UserName", "bob"}, {"PolicyName", "p"}, {"PolicyDocument", AllowDocument("ec2:*")}});
  const protocol::Value got = MustCall("GetUserPolicy", {{"UserName", "bob"}, {"PolicyName", "p"}});
  EXPECT_EQ(UrlDecode(TextAt(got, "PolicyDocument")), AllowDocument("ec2:*"));
  EXPECT_EQ(SizeAt(MustCall("ListUserPolicies", {{"UserName", "bob"}}), "PolicyNames"), 1U);
}

TEST_F(InlinePoliciesTest, MissingUserOrPolicy) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const std::string doc = AllowDocument("s3:*");
  EXPECT_AWS_ERROR(
      Call("PutUserPolicy", {{"UserName", "nobody"}, {"PolicyName", "p"}, {"PolicyDocument", doc}}),
      "NoSuchEntity", "The user with name nobody cannot be found.");
  EXPECT_AWS_ERROR(Call("GetUserPolicy", {{"UserName", "nobody"}, {"PolicyName", "p"}}),
                   "NoSuchEntity", "The user with name nobody cannot be found.");
  EXPECT_AWS_ERROR(Call("DeleteUserPolicy", {{"UserName", "nobody"}, {"PolicyName", "p"}}),
                   "NoSuchEntity", "The user with name nobody cannot be found.");
  EXPECT_AWS_ERROR(Call("ListUserPolicies", {{"UserName", "nobody"}}), "NoSuchEntity",
                   "The user with name nobody cannot be found.");
  EXPECT_AWS_ERROR(Call("DeleteUserPolicy", {{"UserName", "bob"}, {"PolicyName", "p"}}),
                   "NoSuchEntity", "The user policy with name p cannot be found.");
  // Policy names compare exactly.
  MustCall("PutUserPolicy", {{"UserName", "bob"}, {"PolicyName", "p"}, {"PolicyDocument", doc}});
  EXPECT_AWS_ERROR(Call("GetUserPolicy", {{"UserName", "bob"}, {"PolicyName", "P"}}),
                   "NoSuchEntity", "The user policy with name P cannot be found.");
}

TEST_F(InlinePoliciesTest, MalformedDocuments) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  for (
      const std::string& bad : {
          std::string("not json"),
          std::string(R"({"Version":"2012-10-17"})"),
          std::string(
              R"({"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]})"),
          // A Principal makes it a resource policy, not an identity policy.
          std::string(
              R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]})"),
      }) {
    EXPECT_AWS_ERROR(
        Call("PutUserPolicy", {{"UserName", "bob"}, {"PolicyName", "p"}, {"PolicyDocument", bad}}),
        "MalformedPolicyDocument")
        << bad;
  }
  EXPECT_EQ(SizeAt(MustCall("ListUserPolicies", {{"UserName", "bob"}}), "PolicyNames"), 0U);
  EXPECT_AWS_ERROR(Call("PutUserPolicy", {{"UserName", "bob"},
                                          {"PolicyName", "bad name!"},
                                          {"PolicyDocument", AllowDocument("s3:*")}}),
                   "ValidationError");
}

TEST_F(InlinePoliciesTest, UserAggregateSizeQuota) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  // Whitespace does not count: 2048 characters plus spaces fit.
  MustCall(
      "PutUserPolicy",
      {{"UserName", "bob"}, {"PolicyName", "big"}, {"PolicyDocument", DocumentOfSize(2048, 100)}});
  EXPECT_AWS_ERROR(
      Call("PutUserPolicy",
           {{"UserName", "bob"}, {"PolicyName", "small"}, {"PolicyDocument", DocumentOfSize(100)}}),
      "LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user bob");
  // Replacing the one policy is measured without its old version.
  MustCall("PutUserPolicy",
           {{"UserName", "bob"}, {"PolicyName", "big"}, {"PolicyDocument", DocumentOfSize(1948)}});
  MustCall("PutUserPolicy",
           {{"UserName", "bob"}, {"PolicyName", "small"}, {"PolicyDocument", DocumentOfSize(100)}});
  EXPECT_AWS_ERROR(
      Call("PutUserPolicy",
           {{"UserName", "bob"}, {"PolicyName", "third"}, {"PolicyDocument", DocumentOfSize(100)}}),
      "LimitExceeded");
  // One document alone over the quota.
  MustCall("CreateUser", {{"UserName", "eve"}});
  EXPECT_AWS_ERROR(
      Call("PutUserPolicy",
           {{"UserName", "eve"}, {"PolicyName", "huge"}, {"PolicyDocument", DocumentOfSize(2049)}}),
      "LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user eve");
}

TEST_F(InlinePoliciesTest, GroupAggregateSizeQuota) {
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  MustCall("PutGroupPolicy",
           {{"GroupName", "devs"}, {"PolicyName", "a"}, {"PolicyDocument", DocumentOfSize(3000)}});
  MustCall("PutGroupPolicy",
           {{"GroupName", "devs"}, {"PolicyName", "b"}, {"PolicyDocument", DocumentOfSize(2120)}});
  EXPECT_AWS_ERROR(
      Call("PutGroupPolicy",
           {{"GroupName", "devs"}, {"PolicyName", "c"}, {"PolicyDocument", DocumentOfSize(100)}}),
      "LimitExceeded", "Maximum policy size of 5120 bytes exceeded for group devs");
}

TEST_F(InlinePoliciesTest, GroupPolicies) {
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  const std::string doc = AllowDocument("ec2:Describe*");
  MustCall("PutGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "p"}, {"PolicyDocument", doc}});
  const protocol::Value got =
      MustCall("GetGroupPolicy", {{"GroupName", "DEVS"}, {"PolicyName", "p"}});
  EXPECT_EQ(TextAt(got, "GroupName"), "devs");
  EXPECT_EQ(TextAt(got, "PolicyName"), "p");
  EXPECT_EQ(UrlDecode(TextAt(got, "PolicyDocument")), doc);
  const protocol::Value list = MustCall("ListGroupPolicies", {{"GroupName", "devs"}});
  ASSERT_EQ(SizeAt(list, "PolicyNames"), 1U);
  MustCall("DeleteGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "p"}});
  EXPECT_AWS_ERROR(Call("GetGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "p"}}),
                   "NoSuchEntity", "The group policy with name p cannot be found.");
  EXPECT_AWS_ERROR(Call("DeleteGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "p"}}),
                   "NoSuchEntity", "The group policy with name p cannot be found.");
  EXPECT_AWS_ERROR(Call("ListGroupPolicies", {{"GroupName", "nope"}}), "NoSuchEntity",
                   "The group with name nope cannot be found.");
  EXPECT_AWS_ERROR(
      Call("PutGroupPolicy", {{"GroupName", "nope"}, {"PolicyName", "p"}, {"PolicyDocument", doc}}),
      "NoSuchEntity", "The group with name nope cannot be found.");
  EXPECT_AWS_ERROR(Call("PutGroupPolicy",
                        {{"GroupName", "devs"}, {"PolicyName", "p"}, {"PolicyDocument", "{}"}}),
                   "MalformedPolicyDocument");
}

TEST_F(InlinePoliciesTest, AccessDeniedAndPolicyEffect) {
  MustCall("CreateUser", {{"UserName", "bob"}, {"Path", "/t/"}});
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  const auth::Caller bob = UserCaller("bob");
  const std::string doc = AllowDocument("iam:ListUsers");
  EXPECT_AWS_ERROR(CallAs(bob, "PutUserPolicy",
                          {{"UserName", "bob"}, {"PolicyName", "p"}, {"PolicyDocument", doc}}),
                   "AccessDenied",
                   "~iam:PutUserPolicy on resource: arn:aws:iam::123456789012:user/t/bob");
  EXPECT_AWS_ERROR(CallAs(bob, "ListUserPolicies", {{"UserName", "bob"}}), "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "GetUserPolicy", {{"UserName", "bob"}, {"PolicyName", "p"}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "DeleteUserPolicy", {{"UserName", "bob"}, {"PolicyName", "p"}}),
                   "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(bob, "PutGroupPolicy",
                          {{"GroupName", "devs"}, {"PolicyName", "p"}, {"PolicyDocument", doc}}),
                   "AccessDenied",
                   "~iam:PutGroupPolicy on resource: arn:aws:iam::123456789012:group/devs");
  EXPECT_AWS_ERROR(CallAs(bob, "ListUsers"), "AccessDenied");

  // The policy root puts takes effect for bob's next request.
  MustCall("PutUserPolicy", {{"UserName", "bob"}, {"PolicyName", "p"}, {"PolicyDocument", doc}});
  EXPECT_EQ(SizeAt(MustCallAs(bob, "ListUsers"), "Users"), 1U);
  MustCall("DeleteUserPolicy", {{"UserName", "bob"}, {"PolicyName", "p"}});
  EXPECT_AWS_ERROR(CallAs(bob, "ListUsers"), "AccessDenied");
}

TEST_F(InlinePoliciesTest, OutputsEncodeWithTheModelsMemberNames) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  const std::string doc = AllowDocument("s3:*");
  MustCall("PutUserPolicy", {{"UserName", "bob"}, {"PolicyName", "p"}, {"PolicyDocument", doc}});
  MustCall("PutGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "g"}, {"PolicyDocument", doc}});
  const std::string get_xml =
      Xml("GetUserPolicy", MustCall("GetUserPolicy", {{"UserName", "bob"}, {"PolicyName", "p"}}));
  EXPECT_NE(get_xml.find("<UserName>bob</UserName><PolicyName>p</PolicyName><PolicyDocument>" +
                         UrlEncodeDocument(doc) + "</PolicyDocument>"),
            std::string::npos)
      << get_xml;
  const std::string list_xml =
      Xml("ListUserPolicies", MustCall("ListUserPolicies", {{"UserName", "bob"}}));
  EXPECT_NE(list_xml.find("<PolicyNames><member>p</member></PolicyNames>"), std::string::npos)
      << list_xml;
  const std::string group_xml = Xml(
      "GetGroupPolicy", MustCall("GetGroupPolicy", {{"GroupName", "devs"}, {"PolicyName", "g"}}));
  EXPECT_NE(group_xml.find("<GroupName>devs</GroupName><PolicyName>g</PolicyName>"),
            std::string::npos)
      << group_xml;
  const std::string group_list_xml =
      Xml("ListGroupPolicies", MustCall("ListGroupPolicies", {{"GroupName", "devs"}}));
  EXPECT_NE(group_list_xml.find("<PolicyNames><member>g</member></PolicyNames>"), std::string::npos)
      << group_list_xml;
}

}  // namespace
}  // namespace portcullis::api::iam::testing
