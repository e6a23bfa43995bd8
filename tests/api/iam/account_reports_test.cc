// Account aliases, account settings, the credential report, access advisor and the
// Organizations / delegation operations (account_reports.h).
#include <chrono>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "api/authz/access_tracker.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

class AccountReportsTest : public IamApiTest {
 protected:
  // The credential report's rows, split into fields (no quoting in these tests).
  std::vector<std::vector<std::string>> ReportRows() {
    auto out = Call("GetCredentialReport");
    EXPECT_TRUE(out.has_value()) << (out.has_value() ? "" : out.error().ToString());
    std::vector<std::vector<std::string>> rows;
    if (!out.has_value()) {
      return rows;
    }
    std::istringstream lines(TextAt(*out, "Content"));
    std::string line;
    while (std::getline(lines, line)) {
      std::vector<std::string> fields;
      std::istringstream cells(line);
      std::string cell;
      while (std::getline(cells, cell, ',')) {
        fields.push_back(cell);
      }
      rows.push_back(fields);
    }
    return rows;
  }

  void PutResource(store::ResourceKind kind, std::string key, std::string user, std::string body) {
    WriteStore([&](store::WriteTxn& txn) -> Status {
      store::Resource r;
      r.kind = kind;
      r.account_id = std::string(kAccountId);
      r.key = key;
      r.user_name = user;
      r.body = body;
      auto put = txn.PutResource(std::move(r));
      if (!put.has_value()) {
        return tl::unexpected<Error>(std::move(put).error());
      }
      return OkStatus();
    });
  }
};

TEST_F(AccountReportsTest, AliasCreateListReplaceDelete) {
  EXPECT_EQ(SizeAt(MustCall("ListAccountAliases"), "AccountAliases"), 0U);
  MustCall("CreateAccountAlias", {{"AccountAlias", "example-corp"}});
  auto listed = MustCall("ListAccountAliases");
  ASSERT_EQ(SizeAt(listed, "AccountAliases"), 1U);
  EXPECT_EQ(TextAt(listed, "AccountAliases.0"), "example-corp");
  EXPECT_FALSE(At(listed, "IsTruncated")->boolean());
  // Same alias again: nothing changes.
  MustCall("CreateAccountAlias", {{"AccountAlias", "example-corp"}});
  // A new alias replaces the old one.
  MustCall("CreateAccountAlias", {{"AccountAlias", "second-name"}});
  listed = MustCall("ListAccountAliases");
  ASSERT_EQ(SizeAt(listed, "AccountAliases"), 1U);
  EXPECT_EQ(TextAt(listed, "AccountAliases.0"), "second-name");
  {
    auto txn = store().BeginRead();
    ASSERT_TRUE(txn.has_value());
    auto account = (*txn)->GetAccount(kAccountId);
    ASSERT_TRUE(account.has_value());
    EXPECT_EQ(account->alias, "second-name");
    EXPECT_TRUE((*txn)
                    ->GetResource(store::ResourceKind::kAccountAlias, kAccountId, "second-name")
                    .has_value());
  }
  EXPECT_AWS_ERROR(Call("DeleteAccountAlias", {{"AccountAlias", "example-corp"}}), "NoSuchEntity",
                   "The account alias example-corp cannot be found.");
  MustCall("DeleteAccountAlias", {{"AccountAlias", "second-name"}});
  EXPECT_EQ(SizeAt(MustCall("ListAccountAliases"), "AccountAliases"), 0U);
}

TEST_F(AccountReportsTest, AliasRulesAndUniquenessAcrossAccounts) {
  EXPECT_AWS_ERROR(Call("CreateAccountAlias", {{"AccountAlias", "Upper"}}), "ValidationError");
  EXPECT_AWS_ERROR(Call("CreateAccountAlias", {{"AccountAlias", "-start"}}), "ValidationError");
  EXPECT_AWS_ERROR(Call("CreateAccountAlias", {{"AccountAlias", "a--b"}}), "ValidationError");
  EXPECT_AWS_ERROR(Call("CreateAccountAlias", {{"AccountAlias", "ab"}}), "ValidationError");
  EXPECT_AWS_ERROR(Call("CreateAccountAlias", {{"AccountAlias", "123456789012"}}), "InvalidInput");
  accounts::CreateAccountOptions other;
  other.account_id = std::string(kOtherAccountId);
  ASSERT_TRUE(accounts::CreateAccount(store(), box_, other).has_value());
  ASSERT_TRUE(CallAs(RootOf(kOtherAccountId), "CreateAccountAlias", {{"AccountAlias", "taken"}})
                  .has_value());
  EXPECT_AWS_ERROR(Call("CreateAccountAlias", {{"AccountAlias", "taken"}}), "EntityAlreadyExists",
                   "The account alias taken already exists.");
}

TEST_F(AccountReportsTest, AliasNeedsPermission) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  EXPECT_AWS_ERROR(CallAs(UserCaller("bob"), "CreateAccountAlias", {{"AccountAlias", "bobs"}}),
                   "AccessDenied", "~iam:CreateAccountAlias on resource: *");
  AllowUser("bob", AllowDocument("iam:*AccountAlias*"));
  EXPECT_TRUE(
      CallAs(UserCaller("bob"), "CreateAccountAlias", {{"AccountAlias", "bobs"}}).has_value());
}

TEST_F(AccountReportsTest, StsPreferencesShowInAccountSummary) {
  EXPECT_EQ(At(MustCall("GetAccountSummary"), "SummaryMap.GlobalEndpointTokenVersion")->number(),
            1);
  MustCall("SetSecurityTokenServicePreferences", {{"GlobalEndpointTokenVersion", "v2Token"}});
  EXPECT_EQ(At(MustCall("GetAccountSummary"), "SummaryMap.GlobalEndpointTokenVersion")->number(),
            2);
  MustCall("SetSecurityTokenServicePreferences", {{"GlobalEndpointTokenVersion", "v1Token"}});
  EXPECT_EQ(At(MustCall("GetAccountSummary"), "SummaryMap.GlobalEndpointTokenVersion")->number(),
            1);
  EXPECT_AWS_ERROR(
      Call("SetSecurityTokenServicePreferences", {{"GlobalEndpointTokenVersion", "v3"}}),
      "ValidationError");
}

TEST_F(AccountReportsTest, AccountSummaryCountsResources) {
  PutResource(store::ResourceKind::kMfaDevice, "arn:aws:iam::123456789012:mfa/root-device", "",
              R"({"Enabled":true,"AssignedTo":"root"})");
  PutResource(store::ResourceKind::kMfaDevice, "arn:aws:iam::123456789012:mfa/spare", "",
              R"({"Enabled":false})");
  PutResource(store::ResourceKind::kOidcProvider, "arn:aws:iam::123456789012:oidc-provider/x", "",
              "{}");
  PutResource(store::ResourceKind::kSamlProvider, "arn:aws:iam::123456789012:saml-provider/y", "",
              "{}");
  PutResource(store::ResourceKind::kSigningCertificate, "CERTROOT", "", R"({"Status":"Active"})");
  MustCall("CreateInstanceProfile", {{"InstanceProfileName", "p"}});
  auto map = MustCall("GetAccountSummary");
  EXPECT_EQ(At(map, "SummaryMap.AccountMFAEnabled")->number(), 1);
  EXPECT_EQ(At(map, "SummaryMap.MFADevices")->number(), 2);
  EXPECT_EQ(At(map, "SummaryMap.MFADevicesInUse")->number(), 1);
  EXPECT_EQ(At(map, "SummaryMap.Providers")->number(), 2);
  EXPECT_EQ(At(map, "SummaryMap.AccountSigningCertificatesPresent")->number(), 1);
  EXPECT_EQ(At(map, "SummaryMap.InstanceProfiles")->number(), 1);
  EXPECT_EQ(At(map, "SummaryMap.ServerCertificates")->number(), 0);
  EXPECT_EQ(At(map, "SummaryMap.AccountAccessKeysPresent")->number(), 1);
}

TEST_F(AccountReportsTest, OutboundWebIdentityFederation) {
  EXPECT_AWS_ERROR(Call("GetOutboundWebIdentityFederationInfo"), "FeatureDisabled");
  EXPECT_AWS_ERROR(Call("DisableOutboundWebIdentityFederation"), "FeatureDisabled");
  auto enabled = MustCall("EnableOutboundWebIdentityFederation");
  const std::string issuer = TextAt(enabled, "IssuerIdentifier");
  EXPECT_TRUE(issuer.starts_with("https://")) << issuer;
  EXPECT_TRUE(issuer.ends_with(".tokens.sts.global.api.aws")) << issuer;
  EXPECT_AWS_ERROR(Call("EnableOutboundWebIdentityFederation"), "FeatureEnabled");
  auto info = MustCall("GetOutboundWebIdentityFederationInfo");
  EXPECT_EQ(TextAt(info, "IssuerIdentifier"), issuer);
  EXPECT_TRUE(At(info, "JwtVendingEnabled")->boolean());
  MustCall("DisableOutboundWebIdentityFederation");
  EXPECT_AWS_ERROR(Call("GetOutboundWebIdentityFederationInfo"), "FeatureDisabled");
  EXPECT_EQ(TextAt(MustCall("EnableOutboundWebIdentityFederation"), "IssuerIdentifier"), issuer);
}

TEST_F(AccountReportsTest, CredentialReportLifecycle) {
  EXPECT_AWS_ERROR(Call("GetCredentialReport"), "ReportNotPresent");
  auto started = MustCall("GenerateCredentialReport");
  EXPECT_EQ(TextAt(started, "State"), "STARTED");
  EXPECT_EQ(TextAt(MustCall("GenerateCredentialReport"), "State"), "COMPLETE");
  auto report = MustCall("GetCredentialReport");
  EXPECT_EQ(TextAt(report, "ReportFormat"), "text/csv");
  EXPECT_EQ(At(report, "Content")->kind(), protocol::Value::Kind::kBlob);
  EXPECT_NE(At(report, "GeneratedTime"), nullptr);
  clock_.Advance(std::chrono::hours(5));
  EXPECT_AWS_ERROR(Call("GetCredentialReport"), "ReportExpired");
  EXPECT_EQ(TextAt(MustCall("GenerateCredentialReport"), "State"), "STARTED");
  EXPECT_TRUE(Call("GetCredentialReport").has_value());
}

TEST_F(AccountReportsTest, CredentialReportColumns) {
  MustCall("CreateUser", {{"UserName", "alice"}});
  MustCall("CreateLoginProfile", {{"UserName", "alice"}, {"Password", "Sup3r-secret-pw"}});
  MustCall("UpdateAccountPasswordPolicy", {{"MaxPasswordAge", "90"}});
  auto key1 = MustCall("CreateAccessKey", {{"UserName", "alice"}});
  clock_.Advance(std::chrono::seconds(10));
  auto key2 = MustCall("CreateAccessKey", {{"UserName", "alice"}});
  MustCall("UpdateAccessKey", {{"UserName", "alice"},
                               {"AccessKeyId", TextAt(key2, "AccessKey.AccessKeyId")},
                               {"Status", "Inactive"}});
  MustCall("CreateUser", {{"UserName", "bob"}});
  PutResource(store::ResourceKind::kMfaDevice, "arn:aws:iam::123456789012:mfa/bob", "bob",
              R"({"Enabled":true})");
  PutResource(store::ResourceKind::kSigningCertificate, "CERTBOB1", "bob",
              R"({"Status":"Active"})");
  MustCall("GenerateCredentialReport");
  auto rows = ReportRows();
  ASSERT_EQ(rows.size(), 4U);
  ASSERT_EQ(rows[0].size(), 22U);
  EXPECT_EQ(rows[0][0], "user");
  EXPECT_EQ(rows[0][21], "cert_2_last_rotated");
  // Root.
  ASSERT_EQ(rows[1].size(), 22U);
  EXPECT_EQ(rows[1][0], "<root_account>");
  EXPECT_EQ(rows[1][1], "arn:aws:iam::123456789012:root");
  EXPECT_EQ(rows[1][3], "not_supported");
  EXPECT_EQ(rows[1][5], "not_supported");
  EXPECT_EQ(rows[1][6], "not_supported");
  EXPECT_EQ(rows[1][7], "false");
  EXPECT_EQ(rows[1][8], "true");  // the root access key
  // alice: password, two keys (the second inactive), no MFA, no certificates.
  ASSERT_EQ(rows[2].size(), 22U);
  EXPECT_EQ(rows[2][0], "alice");
  EXPECT_EQ(rows[2][1], "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(rows[2][2], "2026-01-01T00:00:00+00:00");
  EXPECT_EQ(rows[2][3], "true");
  EXPECT_EQ(rows[2][4], "no_information");
  EXPECT_EQ(rows[2][5], "2026-01-01T00:00:00+00:00");
  EXPECT_EQ(rows[2][6], "2026-04-01T00:00:00+00:00");  // + 90 days
  EXPECT_EQ(rows[2][7], "false");
  EXPECT_EQ(rows[2][8], "true");
  EXPECT_EQ(rows[2][9], "2026-01-01T00:00:00+00:00");
  EXPECT_EQ(rows[2][10], "N/A");
  EXPECT_EQ(rows[2][13], "false");
  EXPECT_EQ(rows[2][14], "N/A");
  EXPECT_EQ(rows[2][18], "false");
  // bob: no password, MFA, one active certificate.
  ASSERT_EQ(rows[3].size(), 22U);
  EXPECT_EQ(rows[3][0], "bob");
  EXPECT_EQ(rows[3][3], "false");
  EXPECT_EQ(rows[3][4], "N/A");
  EXPECT_EQ(rows[3][5], "N/A");
  EXPECT_EQ(rows[3][6], "N/A");
  EXPECT_EQ(rows[3][7], "true");
  EXPECT_EQ(rows[3][8], "false");
  EXPECT_EQ(rows[3][18], "true");
  EXPECT_EQ(rows[3][19], "2026-01-01T00:00:10+00:00");
  EXPECT_EQ(rows[3][20], "false");
}

TEST_F(AccountReportsTest, AccessAdvisorReportsWhatAUserAttempted) {
  MustCall("CreateUser", {{"UserName", "carol"}});
  AllowUser("carol", R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":["iam:GetUser","iam:ListUsers"],"Resource":"*"},
      {"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})");
  clock_.Advance(std::chrono::minutes(1));
  MustCallAs(UserCaller("carol"), "GetUser", {{"UserName", "carol"}});
  EXPECT_FALSE(CallAs(UserCaller("carol"), "ListRoles").has_value());  // denied, still an attempt
  const std::string arn = "arn:aws:iam::123456789012:user/carol";
  auto job = MustCall("GenerateServiceLastAccessedDetails",
                      {{"Arn", arn}, {"Granularity", "ACTION_LEVEL"}});
  const std::string job_id = TextAt(job, "JobId");
  ASSERT_EQ(job_id.size(), 36U);
  auto details = MustCall("GetServiceLastAccessedDetails", {{"JobId", job_id}});
  EXPECT_EQ(TextAt(details, "JobStatus"), "COMPLETED");
  EXPECT_EQ(TextAt(details, "JobType"), "ACTION_LEVEL");
  ASSERT_EQ(SizeAt(details, "ServicesLastAccessed"), 2U);
  EXPECT_EQ(TextAt(details, "ServicesLastAccessed.0.ServiceNamespace"), "iam");
  EXPECT_EQ(TextAt(details, "ServicesLastAccessed.0.ServiceName"),
            "AWS Identity and Access Management");
  EXPECT_EQ(TextAt(details, "ServicesLastAccessed.0.LastAuthenticatedEntity"), arn);
  EXPECT_EQ(TextAt(details, "ServicesLastAccessed.0.LastAuthenticatedRegion"), "us-east-1");
  EXPECT_EQ(At(details, "ServicesLastAccessed.0.LastAuthenticated")->number(),
            (kStartEpochSeconds + 60) * 1000);
  EXPECT_EQ(At(details, "ServicesLastAccessed.0.TotalAuthenticatedEntities")->number(), 1);
  // GetUser and ListRoles attempted, ListUsers named by the policy.
  EXPECT_EQ(SizeAt(details, "ServicesLastAccessed.0.TrackedActionsLastAccessed"), 3U);
  EXPECT_EQ(TextAt(details, "ServicesLastAccessed.1.ServiceNamespace"), "s3");
  EXPECT_EQ(At(details, "ServicesLastAccessed.1.LastAuthenticated"), nullptr);
  EXPECT_EQ(At(details, "ServicesLastAccessed.1.TotalAuthenticatedEntities")->number(), 0);

  auto page = MustCall("GetServiceLastAccessedDetails", {{"JobId", job_id}, {"MaxItems", "1"}});
  EXPECT_TRUE(At(page, "IsTruncated")->boolean());
  auto rest = MustCall("GetServiceLastAccessedDetails",
                       {{"JobId", job_id}, {"Marker", TextAt(page, "Marker")}});
  EXPECT_EQ(TextAt(rest, "ServicesLastAccessed.0.ServiceNamespace"), "s3");

  auto entities = MustCall("GetServiceLastAccessedDetailsWithEntities",
                           {{"JobId", job_id}, {"ServiceNamespace", "iam"}});
  ASSERT_EQ(SizeAt(entities, "EntityDetailsList"), 1U);
  EXPECT_EQ(TextAt(entities, "EntityDetailsList.0.EntityInfo.Type"), "USER");
  EXPECT_NE(At(entities, "EntityDetailsList.0.LastAuthenticated"), nullptr);

  EXPECT_AWS_ERROR(
      Call("GetServiceLastAccessedDetails", {{"JobId", "00000000-0000-4000-8000-000000000000"}}),
      "NoSuchEntity");
  EXPECT_AWS_ERROR(Call("GenerateServiceLastAccessedDetails",
                        {{"Arn", "arn:aws:iam::123456789012:user/nobody"}}),
                   "NoSuchEntity");
  EXPECT_AWS_ERROR(
      Call("GenerateServiceLastAccessedDetails", {{"Arn", "arn:aws:s3:::bucket-name-long"}}),
      "InvalidInput");
}

TEST_F(AccountReportsTest, AccessActivityIsPersistedWithAJob) {
  MustCall("CreateUser", {{"UserName", "dave"}});
  AllowUser("dave", AllowDocument("iam:Get*"));
  MustCallAs(UserCaller("dave"), "GetUser", {{"UserName", "dave"}});
  MustCall("GenerateServiceLastAccessedDetails", {{"Arn", "arn:aws:iam::123456789012:user/dave"}});
  auto txn = store().BeginRead();
  ASSERT_TRUE(txn.has_value());
  auto stored =
      (*txn)->GetResource(store::ResourceKind::kReport, kAccountId, authz::kAccessActivityKey);
  ASSERT_TRUE(stored.has_value());
  auto body = nlohmann::json::parse(stored->body);
  EXPECT_TRUE(body["principals"]["user/dave"].contains("iam:GetUser")) << stored->body;
}

TEST_F(AccountReportsTest, GroupAndPolicyReportsCountTheirEntities) {
  MustCall("CreateUser", {{"UserName", "erin"}});
  MustCall("CreateGroup", {{"GroupName", "devs"}});
  MustCall("AddUserToGroup", {{"GroupName", "devs"}, {"UserName", "erin"}});
  const std::string policy = PutManagedPolicyInStore("ReadIam", AllowDocument("iam:Get*"));
  MustCall("AttachGroupPolicy", {{"GroupName", "devs"}, {"PolicyArn", policy}});
  MustCallAs(UserCaller("erin"), "GetUser", {{"UserName", "erin"}});
  for (const std::string& arn : {std::string("arn:aws:iam::123456789012:group/devs"), policy}) {
    auto job = MustCall("GenerateServiceLastAccessedDetails", {{"Arn", arn}});
    auto details = MustCall("GetServiceLastAccessedDetails", {{"JobId", TextAt(job, "JobId")}});
    ASSERT_EQ(SizeAt(details, "ServicesLastAccessed"), 1U) << arn;
    EXPECT_EQ(TextAt(details, "ServicesLastAccessed.0.LastAuthenticatedEntity"),
              "arn:aws:iam::123456789012:user/erin");
    auto entities = MustCall("GetServiceLastAccessedDetailsWithEntities",
                             {{"JobId", TextAt(job, "JobId")}, {"ServiceNamespace", "iam"}});
    ASSERT_EQ(SizeAt(entities, "EntityDetailsList"), 1U);
    EXPECT_EQ(TextAt(entities, "EntityDetailsList.0.EntityInfo.Name"), "erin");
  }
}

TEST_F(AccountReportsTest, ListPoliciesGrantingServiceAccess) {
  MustCall("CreateUser", {{"UserName", "frank"}});
  MustCall("CreateGroup", {{"GroupName", "ops"}});
  MustCall("AddUserToGroup", {{"GroupName", "ops"}, {"UserName", "frank"}});
  AllowUser("frank", AllowDocument("s3:*"), "s3-inline");
  const std::string policy = PutManagedPolicyInStore("IamRead", AllowDocument("iam:List*"));
  MustCall("AttachGroupPolicy", {{"GroupName", "ops"}, {"PolicyArn", policy}});
  auto out = MustCall("ListPoliciesGrantingServiceAccess",
                      {{"Arn", "arn:aws:iam::123456789012:user/frank"},
                       {"ServiceNamespaces.member.1", "iam"},
                       {"ServiceNamespaces.member.2", "s3"},
                       {"ServiceNamespaces.member.3", "ec2"}});
  ASSERT_EQ(SizeAt(out, "PoliciesGrantingServiceAccess"), 3U);
  EXPECT_EQ(TextAt(out, "PoliciesGrantingServiceAccess.0.ServiceNamespace"), "iam");
  ASSERT_EQ(SizeAt(out, "PoliciesGrantingServiceAccess.0.Policies"), 1U);
  EXPECT_EQ(TextAt(out, "PoliciesGrantingServiceAccess.0.Policies.0.PolicyType"), "MANAGED");
  EXPECT_EQ(TextAt(out, "PoliciesGrantingServiceAccess.0.Policies.0.PolicyArn"), policy);
  ASSERT_EQ(SizeAt(out, "PoliciesGrantingServiceAccess.1.Policies"), 1U);
  EXPECT_EQ(TextAt(out, "PoliciesGrantingServiceAccess.1.Policies.0.PolicyType"), "INLINE");
  EXPECT_EQ(TextAt(out, "PoliciesGrantingServiceAccess.1.Policies.0.EntityType"), "USER");
  EXPECT_EQ(TextAt(out, "PoliciesGrantingServiceAccess.1.Policies.0.EntityName"), "frank");
  EXPECT_EQ(SizeAt(out, "PoliciesGrantingServiceAccess.2.Policies"), 0U);
  EXPECT_AWS_ERROR(Call("ListPoliciesGrantingServiceAccess",
                        {{"Arn", policy}, {"ServiceNamespaces.member.1", "iam"}}),
                   "InvalidInput");
}

TEST_F(AccountReportsTest, OrganizationsOperationsHaveNoOrganization) {
  for (const char* op :
       {"EnableOrganizationsRootCredentialsManagement",
        "DisableOrganizationsRootCredentialsManagement", "EnableOrganizationsRootSessions",
        "DisableOrganizationsRootSessions", "ListOrganizationsFeatures"}) {
    EXPECT_AWS_ERROR(Call(op), "OrganizationNotFoundException",
                     "The request was rejected because no organization is associated with your "
                     "account.");
  }
  auto job = MustCall("GenerateOrganizationsAccessReport",
                      {{"EntityPath", "o-a1b2c3d4e5/r-f6g7h8i9j0example"}});
  auto report = MustCall("GetOrganizationsAccessReport", {{"JobId", TextAt(job, "JobId")}});
  EXPECT_EQ(TextAt(report, "JobStatus"), "FAILED");
  EXPECT_EQ(TextAt(report, "ErrorDetails.Code"), "OrganizationNotFoundException");
  EXPECT_AWS_ERROR(
      Call("GetOrganizationsAccessReport", {{"JobId", "00000000-0000-4000-8000-000000000000"}}),
      "NoSuchEntity");
}

TEST_F(AccountReportsTest, DelegationRequestsDoNotExist) {
  for (const char* op :
       {"AcceptDelegationRequest", "AssociateDelegationRequest", "GetDelegationRequest",
        "RejectDelegationRequest", "SendDelegationToken", "UpdateDelegationRequest"}) {
    EXPECT_AWS_ERROR(Call(op, {{"DelegationRequestId", "dr-0123456789abcdef"}}), "NoSuchEntity",
                     "The delegation request with id dr-0123456789abcdef cannot be found.");
  }
  auto listed = MustCall("ListDelegationRequests");
  EXPECT_EQ(SizeAt(listed, "DelegationRequests"), 0U);
  EXPECT_AWS_ERROR(
      Call("GetHumanReadableSummary",
           {{"EntityArn", "arn:aws:iam::123456789012:delegation-request/dr-0123456789abcdef"}}),
      "NoSuchEntity");
  EXPECT_AWS_ERROR(
      Call("GetHumanReadableSummary", {{"EntityArn", "arn:aws:iam::123456789012:user/someone"}}),
      "InvalidInput");
}

TEST_F(AccountReportsTest, TrackerKeysPrincipals) {
  EXPECT_EQ(authz::PrincipalKey("arn:aws:iam::123456789012:user/a/b/Alice"), "user/alice");
  EXPECT_EQ(authz::PrincipalKey("arn:aws:iam::123456789012:role/R"), "role/r");
  EXPECT_EQ(authz::PrincipalKey("arn:aws:sts::123456789012:assumed-role/Admin/session"),
            "role/admin");
  EXPECT_EQ(authz::PrincipalKey("arn:aws:iam::123456789012:root"), "");
  EXPECT_EQ(authz::PrincipalKey("garbage"), "");
}

}  // namespace
}  // namespace portcullis::api::iam::testing
