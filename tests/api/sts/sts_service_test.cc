#include "api/sts/sts_service.h"

#include <gtest/gtest.h>

#include "api/protocol/query_codec.h"

namespace portcullis::api::sts {
namespace {

auth::Caller UserCaller() {
  auth::Caller c;
  c.type = auth::PrincipalType::kUser;
  c.account_id = "123456789012";
  c.arn = "arn:aws:iam::123456789012:user/team/bob";
  c.principal_id = "AIDAEXAMPLEEXAMPLE123";
  c.user_name = "bob";
  return c;
}

TEST(StsServiceTest, GetCallerIdentityReturnsTheSigner) {
  StsService sts;
  auto request = protocol::DecodeQueryRequest(sts.model(),
                                              "Action=GetCallerIdentity&Version=2011-06-15");
  ASSERT_TRUE(request.has_value()) << request.error().ToString();
  auto out = sts.Invoke(*request->operation, request->input, UserCaller(), RequestInfo{});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->Find("Arn")->text(), "arn:aws:iam::123456789012:user/team/bob");
  EXPECT_EQ(out->Find("Account")->text(), "123456789012");
  EXPECT_EQ(out->Find("UserId")->text(), "AIDAEXAMPLEEXAMPLE123");
  const std::string xml =
      protocol::EncodeQueryResponse(sts.model(), *request->operation, *out, "req-1");
  EXPECT_NE(xml.find("<GetCallerIdentityResult><UserId>AIDAEXAMPLEEXAMPLE123</UserId>"),
            std::string::npos)
      << xml;
}

TEST(StsServiceTest, OtherOperationsAnswerNotImplementedNamingThem) {
  StsService sts;
  auto request = protocol::DecodeQueryRequest(
      sts.model(),
      "Action=GetSessionToken&Version=2011-06-15");
  ASSERT_TRUE(request.has_value()) << request.error().ToString();
  auto out = sts.Invoke(*request->operation, request->input, UserCaller(), RequestInfo{});
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().aws_code, "NotImplemented");
  EXPECT_NE(out.error().message.find("GetSessionToken"), std::string::npos);
}

}  // namespace
}  // namespace portcullis::api::sts
