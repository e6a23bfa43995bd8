// The directory client's pure parts (RFC 4515/4514 escaping, templates, settings checks,
// group names from DNs) and the refusals that happen before any network use. The binds
// and searches themselves run against a real slapd in tests/e2e/test_directory_federation.py.
#include "api/directory/directory.h"

#include <gtest/gtest.h>
#include <string>

namespace portcullis::api::directory {
namespace {

using namespace std::string_literals;

TEST(DirectoryEscapeTest, FilterValuesEscapeTheRfc4515Specials) {
  EXPECT_EQ(EscapeFilterValue("alice"), "alice");
  EXPECT_EQ(EscapeFilterValue("*"), "\\2a");
  EXPECT_EQ(EscapeFilterValue("*)(uid=*"), "\\2a\\29\\28uid=\\2a");
  EXPECT_EQ(EscapeFilterValue("a\\b"), "a\\5cb");
  EXPECT_EQ(EscapeFilterValue("a\0b"s), "a\\00b");
  EXPECT_EQ(EscapeFilterValue("tab\there"), "tab\\09here");
  // UTF-8 passes unchanged (RFC 4515 allows it in assertion values).
  EXPECT_EQ(EscapeFilterValue("J\xc3\xbcrgen"), "J\xc3\xbcrgen");
}

TEST(DirectoryEscapeTest, DnValuesEscapeTheRfc4514Specials) {
  EXPECT_EQ(EscapeDnValue("alice"), "alice");
  EXPECT_EQ(EscapeDnValue("a,ou=admins"), "a\\,ou\\=admins");
  EXPECT_EQ(EscapeDnValue("a+b"), "a\\+b");
  EXPECT_EQ(EscapeDnValue("\"q\";<x>\\"), "\\\"q\\\"\\;\\<x\\>\\\\");
  EXPECT_EQ(EscapeDnValue(" lead"), "\\ lead");
  EXPECT_EQ(EscapeDnValue("#hash"), "\\#hash");
  EXPECT_EQ(EscapeDnValue("trail "), "trail\\ ");
  EXPECT_EQ(EscapeDnValue("mid dle#"), "mid dle#");
  EXPECT_EQ(EscapeDnValue("a\0b"s), "a\\00b");
  // Filter specials mean nothing in a DN.
  EXPECT_EQ(EscapeDnValue("*)(uid=*"), "*)(uid\\=*");
}

TEST(DirectoryEscapeTest, TemplatesSubstituteEscapedValues) {
  EXPECT_EQ(ExpandTemplate("(uid={username})", "*)(uid=*", "", Escaping::kFilter),
            "(uid=\\2a\\29\\28uid=\\2a)");
  EXPECT_EQ(ExpandTemplate("(&(objectClass=group)(member={dn}))", "x", "cn=a\\,b,dc=x",
                           Escaping::kFilter),
            "(&(objectClass=group)(member=cn=a\\5c,b,dc=x))");
  EXPECT_EQ(ExpandTemplate("uid={username},ou=people,dc=example,dc=org", "a,ou=admins", "",
                           Escaping::kDn),
            "uid=a\\,ou\\=admins,ou=people,dc=example,dc=org");
  EXPECT_EQ(ExpandTemplate("{username}{username}", "a", "", Escaping::kDn), "aa");
  EXPECT_EQ(ExpandTemplate("{user}", "a", "", Escaping::kDn), "{user}");
}

TEST(DirectoryEscapeTest, FirstRdnValueIsTheGroupName) {
  EXPECT_EQ(FirstRdnValue("cn=admins,ou=groups,dc=example,dc=org"), "admins");
  EXPECT_EQ(FirstRdnValue("CN=Domain Admins,CN=Users,DC=corp,DC=example"), "Domain Admins");
  EXPECT_EQ(FirstRdnValue("cn=a\\2cb,dc=x"), "a,b");
  EXPECT_EQ(FirstRdnValue("cn=a\\,b,dc=x"), "a,b");
  EXPECT_EQ(FirstRdnValue("not a dn"), std::nullopt);
  EXPECT_EQ(FirstRdnValue(""), std::nullopt);
}

DirectoryOptions TemplateOptions() {
  DirectoryOptions o;
  o.url = "ldap://127.0.0.1:389";
  o.user_dn_template = "uid={username},ou=people,dc=example,dc=org";
  return o;
}

TEST(DirectoryOptionsTest, AcceptsTemplateAndSearchConfigurations) {
  EXPECT_TRUE(ValidateDirectoryOptions(DirectoryOptions{}).has_value());  // not configured
  EXPECT_TRUE(ValidateDirectoryOptions(TemplateOptions()).has_value());
  DirectoryOptions ad;
  ad.url = "ldaps://dc.corp.example:636";
  ad.name = "corp";
  ad.user_search_base = "DC=corp,DC=example";
  ad.user_search_filter = "(sAMAccountName={username})";
  ad.bind_dn = "CN=svc,CN=Users,DC=corp,DC=example";
  ad.bind_password = "s3cret-value";
  EXPECT_TRUE(ValidateDirectoryOptions(ad).has_value());
}

TEST(DirectoryOptionsTest, RejectsInconsistentSettingsWithoutQuotingThePassword) {
  auto message = [](const DirectoryOptions& o) {
    auto s = ValidateDirectoryOptions(o);
    EXPECT_FALSE(s.has_value());
    return s.has_value() ? std::string() : s.error().message;
  };
  DirectoryOptions o = TemplateOptions();
  o.url = "http://x";
  EXPECT_NE(message(o).find("ldap:// or ldaps://"), std::string::npos);
  o = TemplateOptions();
  o.user_search_base = "dc=example,dc=org";
  EXPECT_NE(message(o).find("exactly one"), std::string::npos);
  o = TemplateOptions();
  o.user_dn_template = "uid=fixed,dc=x";
  EXPECT_NE(message(o).find("{username}"), std::string::npos);
  o = TemplateOptions();
  o.url = "ldaps://x";
  o.start_tls = true;
  EXPECT_NE(message(o).find("StartTLS"), std::string::npos);
  o = TemplateOptions();
  o.name = "bad name";
  EXPECT_NE(message(o).find("ldap_directory_name"), std::string::npos);
  o = TemplateOptions();
  o.bind_password = "hunter2-secret";
  const std::string m = message(o);
  EXPECT_NE(m.find("ldap_bind_dn"), std::string::npos);
  EXPECT_EQ(m.find("hunter2"), std::string::npos);
  o = TemplateOptions();
  o.bind_dn = "cn=svc,dc=x";  // a DN without a password would be an unauthenticated bind
  EXPECT_NE(message(o).find("ldap_bind_password"), std::string::npos);
  o = TemplateOptions();
  o.group_search_filter = "member={dn}";
  EXPECT_NE(message(o).find("parenthesized"), std::string::npos);
}

TEST(DirectoryAuthenticateTest, EmptyPasswordIsRefusedBeforeAnyConnection) {
  // Nothing listens on port 1: a connection attempt would answer kUnavailable.
  DirectoryOptions o = TemplateOptions();
  o.url = "ldap://127.0.0.1:1";
  o.timeout = std::chrono::milliseconds(500);
  auto r = Authenticate(o, "alice", "");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  r = Authenticate(o, "", "pw");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  r = Authenticate(o, "ali\nce", "pw");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST(DirectoryAuthenticateTest, UnreachableDirectoryIsUnavailableAndNeverEchoesThePassword) {
  DirectoryOptions o = TemplateOptions();
  o.url = "ldap://127.0.0.1:1";
  o.timeout = std::chrono::milliseconds(500);
  auto r = Authenticate(o, "alice", "pw-not-in-errors");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().ToString().find("pw-not-in-errors"), std::string::npos);
}

}  // namespace
}  // namespace portcullis::api::directory
