// The ldap_* settings of AssumeRoleWithLDAPIdentity (docs/directory-federation.md): how
// they reach ServerConfig::directory, the bind password as a secret (no flag, never
// echoed, not trimmed), the consistency checks; and the audit log dropping LDAPPassword.
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <string>

#include "api/protocol/service_model.h"
#include "server/audit_log.h"
#include "server/config.h"

namespace portcullis::server {
namespace {

EnvLookup EnvOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

TEST(DirectoryConfigTest, UnsetMeansNoDirectory) {
  auto config = ResolveServerConfig({}, EnvOf({}));
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_FALSE(config->directory.configured());
  EXPECT_EQ(config->directory.name, "default");
  EXPECT_EQ(config->directory.user_search_filter, "(uid={username})");
  EXPECT_EQ(config->directory.group_attribute, "memberOf");
  EXPECT_EQ(config->directory.timeout, std::chrono::seconds(5));
}

TEST(DirectoryConfigTest, EnvironmentFlagsAndFileFillTheDirectory) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("portcullis-directory-config-" +
                     std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".toml");
  std::ofstream(file) << "ldap_user_search_base = \"ou=people,dc=example,dc=org\"\n"
                         "ldap_bind_dn = \"cn=svc,dc=example,dc=org\"\n"
                         "ldap_bind_password = \" pw with spaces \"\n"
                         "ldap_group_search_base = \"ou=groups,dc=example,dc=org\"\n";
  FlagValues flags = {{"config", file.string()},
                      {"ldap_directory_name", "corp"},
                      {"ldap_start_tls", "true"},
                      {"ldap_timeout", "1500ms"}};
  auto config = ResolveServerConfig(
      flags, EnvOf({{"PORTCULLIS_LDAP_URL", "ldap://dc.example.org:389"},
                    {"PORTCULLIS_LDAP_USER_SEARCH_FILTER", "(sAMAccountName={username})"}}));
  std::filesystem::remove(file);
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  const auto& d = config->directory;
  EXPECT_EQ(d.url, "ldap://dc.example.org:389");
  EXPECT_EQ(d.name, "corp");
  EXPECT_TRUE(d.start_tls);
  EXPECT_EQ(d.user_search_base, "ou=people,dc=example,dc=org");
  EXPECT_EQ(d.user_search_filter, "(sAMAccountName={username})");
  EXPECT_EQ(d.bind_dn, "cn=svc,dc=example,dc=org");
  EXPECT_EQ(d.bind_password, " pw with spaces ");  // a secret is taken as it is
  EXPECT_EQ(d.group_search_base, "ou=groups,dc=example,dc=org");
  EXPECT_EQ(d.timeout, std::chrono::milliseconds(1500));
}

TEST(DirectoryConfigTest, TheBindPasswordHasNoFlag) {
  bool seen = false;
  for (const SettingSpec& spec : Settings()) {
    if (spec.key == "ldap_bind_password") {
      seen = true;
      EXPECT_TRUE(spec.flag.empty());
      EXPECT_EQ(spec.env, "PORTCULLIS_LDAP_BIND_PASSWORD");
    }
  }
  EXPECT_TRUE(seen);
}

TEST(DirectoryConfigTest, InconsistentSettingsAreRefusedWithoutEchoingThePassword) {
  auto config =
      ResolveServerConfig({}, EnvOf({{"PORTCULLIS_LDAP_URL", "ldap://x"},
                                     {"PORTCULLIS_LDAP_USER_DN_TEMPLATE", "uid={username},dc=x"},
                                     {"PORTCULLIS_LDAP_BIND_PASSWORD", "sekrit-bind-pw"}}));
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(config.error().ToString().find("sekrit-bind-pw"), std::string::npos);
  EXPECT_NE(config.error().message.find("ldap_bind_dn"), std::string::npos);

  config = ResolveServerConfig({}, EnvOf({{"PORTCULLIS_LDAP_URL", "https://x"},
                                          {"PORTCULLIS_LDAP_USER_DN_TEMPLATE", "uid={username}"}}));
  ASSERT_FALSE(config.has_value());
  config = ResolveServerConfig({}, EnvOf({{"PORTCULLIS_LDAP_URL", "ldap://x"}}));
  ASSERT_FALSE(config.has_value());  // neither a template nor a search base
  config = ResolveServerConfig({}, EnvOf({{"PORTCULLIS_LDAP_URL", "ldap://x"},
                                          {"PORTCULLIS_LDAP_USER_DN_TEMPLATE", "uid={username}"},
                                          {"PORTCULLIS_LDAP_TIMEOUT", "0s"}}));
  ASSERT_FALSE(config.has_value());
}

TEST(DirectoryConfigTest, AuditLogDropsTheDirectoryPassword) {
  const api::protocol::ServiceModel& sts = api::protocol::StsModel();
  const api::protocol::Operation* op = sts.FindOperation("AssumeRoleWithLDAPIdentity");
  ASSERT_NE(op, nullptr);
  api::protocol::Value input = api::protocol::Value::Structure();
  input.Set("RoleArn", api::protocol::Value::String("arn:aws:iam::123456789012:role/r"));
  input.Set("LDAPUsername", api::protocol::Value::String("alice"));
  input.Set("LDAPPassword", api::protocol::Value::String("directory-pw-xyz"));
  AuditEvent event;
  event.service = "sts";
  event.event_name = op->name;
  event.parameters = &input;
  event.input_shape = op->input;
  const std::string line = RenderAuditEvent(event);
  EXPECT_EQ(line.find("directory-pw-xyz"), std::string::npos) << line;
  EXPECT_NE(line.find("\"lDAPUsername\":\"alice\""), std::string::npos) << line;
  // Dropped by its name alone too (without the model's shape).
  EXPECT_TRUE(IsSecretMemberName("LDAPPassword"));
  event.input_shape = nullptr;
  EXPECT_EQ(RenderAuditEvent(event).find("directory-pw-xyz"), std::string::npos);
}

}  // namespace
}  // namespace portcullis::server
