#include "server/config.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace portcullis::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("portcullis-config-test-" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }

  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  EnvLookup Env() {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = env_.find(std::string(name));
      if (it == env_.end()) {
        return std::nullopt;
      }
      return it->second;
    };
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigTest, DefaultsWhenNothingIsSet) {
  auto config = ResolveServerConfig({}, Env());
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->listen_address, "127.0.0.1");
  EXPECT_EQ(config->port, 8910);
  EXPECT_EQ(config->data_dir, std::filesystem::path("./portcullis-data"));
  EXPECT_EQ(config->store, StoreKind::kSqlite);
  EXPECT_EQ(config->EffectiveMasterKeyFile(),
            std::filesystem::path("./portcullis-data/master.key"));
  EXPECT_EQ(config->audit_target, AuditTarget::kFile);
  EXPECT_EQ(config->EffectiveAuditLogFile(), std::filesystem::path("./portcullis-data/audit.log"));
  EXPECT_EQ(config->log_format, LogFormat::kText);
  EXPECT_EQ(config->log_level, "info");
  EXPECT_FALSE(config->dev_mode);
  EXPECT_EQ(config->enforcement, api::authz::EnforcementMode::kEnforce);
  EXPECT_GE(config->threads, 1);
  EXPECT_EQ(config->max_header_bytes, 16U * 1024);
  EXPECT_EQ(config->max_body_bytes, 1024U * 1024);
  EXPECT_EQ(config->read_timeout, seconds(30));
  EXPECT_EQ(config->idle_timeout, seconds(60));
  EXPECT_TRUE(config->account_id.empty());
  EXPECT_TRUE(config->config_file.empty());
}

TEST_F(ConfigTest, FlagBeatsEnvironmentBeatsFileBeatsDefault) {
  const std::string file = WriteFile("c.toml",
                                     "port = 1111\n"
                                     "log_level = \"warn\"\n"
                                     "store = \"memory\"\n"
                                     "threads = 3\n");
  env_["PORTCULLIS_CONFIG"] = file;
  env_["PORTCULLIS_PORT"] = "2222";
  env_["PORTCULLIS_LOG_LEVEL"] = "debug";
  FlagValues flags{{"port", "3333"}};
  auto config = ResolveServerConfig(flags, Env());
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->port, 3333);                   // flag
  EXPECT_EQ(config->log_level, "debug");           // environment
  EXPECT_EQ(config->store, StoreKind::kMemory);    // file
  EXPECT_EQ(config->threads, 3);                   // file
  EXPECT_EQ(config->listen_address, "127.0.0.1");  // default
  EXPECT_EQ(config->config_file, std::filesystem::path(file));
}

TEST_F(ConfigTest, ConfigFlagBeatsConfigEnvironment) {
  const std::string a = WriteFile("a.toml", "port = 1111\n");
  const std::string b = WriteFile("b.toml", "port = 2222\n");
  env_["PORTCULLIS_CONFIG"] = a;
  auto config = ResolveServerConfig({{"config", b}}, Env());
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->port, 2222);
}

TEST_F(ConfigTest, EmptyEnvironmentVariableCountsAsUnset) {
  env_["PORTCULLIS_PORT"] = "";
  auto config = ResolveServerConfig({}, Env());
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->port, 8910);
}

TEST_F(ConfigTest, EveryFileKeyParses) {
  const std::string file = WriteFile("all.toml", R"(
listen_address = "::1"
port = 0
data_dir = "/var/lib/portcullis"
store = "sqlite"
master_key_file = "/etc/portcullis/master.key"
log_format = "json"
log_level = "error"
audit_log = "-"
dev_mode = true
enforcement = "soft"
threads = 8
max_header_bytes = "32KiB"
max_body_bytes = 2097152
read_timeout = "5s"
write_timeout = "1500ms"
idle_timeout = "2m"
shutdown_timeout = 10
account_id = "123456789012"
root_access_key_id = "AKIAIOSFODNN7EXAMPLE"
root_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)");
  auto config = ResolveServerConfig({{"config", file}}, Env());
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->listen_address, "::1");
  EXPECT_EQ(config->port, 0);
  EXPECT_EQ(config->data_dir, std::filesystem::path("/var/lib/portcullis"));
  EXPECT_EQ(config->EffectiveMasterKeyFile(), std::filesystem::path("/etc/portcullis/master.key"));
  EXPECT_EQ(config->log_format, LogFormat::kJson);
  EXPECT_EQ(config->log_level, "error");
  EXPECT_EQ(config->audit_target, AuditTarget::kStdout);
  EXPECT_TRUE(config->dev_mode);
  EXPECT_EQ(config->enforcement, api::authz::EnforcementMode::kSoft);
  EXPECT_EQ(config->threads, 8);
  EXPECT_EQ(config->max_header_bytes, 32U * 1024);
  EXPECT_EQ(config->max_body_bytes, 2097152U);
  EXPECT_EQ(config->read_timeout, seconds(5));
  EXPECT_EQ(config->write_timeout, milliseconds(1500));
  EXPECT_EQ(config->idle_timeout, seconds(120));
  EXPECT_EQ(config->shutdown_timeout, seconds(10));
  EXPECT_EQ(config->account_id, "123456789012");
  EXPECT_EQ(config->root_access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(config->root_secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
}

TEST_F(ConfigTest, EnvironmentNamesEverySetting) {
  env_["PORTCULLIS_DEV_MODE"] = "1";
  env_["PORTCULLIS_AUDIT_LOG"] = "off";
  env_["PORTCULLIS_ENFORCEMENT"] = "OFF";
  env_["PORTCULLIS_MASTER_KEY"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  auto config = ResolveServerConfig({}, Env());
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_TRUE(config->dev_mode);
  EXPECT_EQ(config->audit_target, AuditTarget::kOff);
  EXPECT_EQ(config->enforcement, api::authz::EnforcementMode::kOff);
  EXPECT_FALSE(config->master_key_base64.empty());
}

TEST(SettingsTest, NamesFollowTheConventions) {
  for (const SettingSpec& spec : Settings()) {
    EXPECT_TRUE(spec.env.starts_with("PORTCULLIS_")) << spec.key;
    EXPECT_TRUE(spec.flag.empty() || spec.flag.starts_with("--")) << spec.key;
  }
}

TEST_F(ConfigTest, SecretsHaveNoFlag) {
  for (const SettingSpec& spec : Settings()) {
    if (spec.key == "master_key" || spec.key == "root_secret_access_key") {
      EXPECT_TRUE(spec.flag.empty()) << spec.key;
    }
  }
}

struct BadCase {
  std::string key;
  std::string env;
  std::string value;
};

// The error names the setting, the variable and the value.
void ExpectNamed(const Result<ServerConfig>& config, const BadCase& c) {
  ASSERT_FALSE(config.has_value()) << c.env << "=" << c.value;
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(config.error().message.find(c.key), std::string::npos) << config.error().message;
  EXPECT_NE(config.error().message.find(c.env), std::string::npos) << config.error().message;
  EXPECT_NE(config.error().message.find("`" + c.value + "`"), std::string::npos)
      << config.error().message;
}

TEST_F(ConfigTest, BadValuesNameTheSettingAndTheSource) {
  const std::vector<BadCase> cases = {
      {"port", "PORTCULLIS_PORT", "70000"},
      {"port", "PORTCULLIS_PORT", "http"},
      {"store", "PORTCULLIS_STORE", "postgres"},
      {"log_format", "PORTCULLIS_LOG_FORMAT", "xml"},
      {"log_level", "PORTCULLIS_LOG_LEVEL", "loud"},
      {"enforcement", "PORTCULLIS_ENFORCEMENT", "maybe"},
      {"threads", "PORTCULLIS_THREADS", "0"},
      {"dev_mode", "PORTCULLIS_DEV_MODE", "perhaps"},
      {"max_body_bytes", "PORTCULLIS_MAX_BODY_BYTES", "12 parsecs"},
      {"max_header_bytes", "PORTCULLIS_MAX_HEADER_BYTES", "10"},
      {"read_timeout", "PORTCULLIS_READ_TIMEOUT", "soon"},
      {"idle_timeout", "PORTCULLIS_IDLE_TIMEOUT", "0s"},
      {"account_id", "PORTCULLIS_ACCOUNT_ID", "12345"},
  };
  for (const BadCase& c : cases) {
    env_.clear();
    env_[c.env] = c.value;
    ExpectNamed(ResolveServerConfig({}, Env()), c);
  }
}

TEST_F(ConfigTest, BadFlagNamesTheFlag) {
  auto config = ResolveServerConfig({{"port", "-1"}}, Env());
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().message.find("--port"), std::string::npos) << config.error().message;
}

TEST_F(ConfigTest, SecretValuesAreNotEchoed) {
  env_["PORTCULLIS_MASTER_KEY"] = "not-base64-secret-material";
  auto config = ResolveServerConfig({}, Env());
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().message.find("not-base64-secret-material"), std::string::npos);

  env_.clear();
  env_["PORTCULLIS_ROOT_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE";
  env_["PORTCULLIS_ROOT_SECRET_ACCESS_KEY"] = "short-secret";
  config = ResolveServerConfig({}, Env());
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().message.find("short-secret"), std::string::npos);
}

TEST_F(ConfigTest, RootKeyIdAndSecretGoTogether) {
  env_["PORTCULLIS_ROOT_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE";
  auto config = ResolveServerConfig({}, Env());
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().message.find("PORTCULLIS_ROOT_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST_F(ConfigTest, FileErrors) {
  auto missing = ResolveServerConfig({{"config", (dir_ / "nope.toml").string()}}, Env());
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("nope.toml"), std::string::npos);

  const std::string bad = WriteFile("bad.toml", "port = = 3\n");
  auto malformed = ResolveServerConfig({{"config", bad}}, Env());
  ASSERT_FALSE(malformed.has_value());
  EXPECT_EQ(malformed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(malformed.error().message.find("bad.toml"), std::string::npos);

  const std::string unknown = WriteFile("unknown.toml", "prot = 3\n");
  auto typo = ResolveServerConfig({{"config", unknown}}, Env());
  ASSERT_FALSE(typo.has_value());
  EXPECT_NE(typo.error().message.find("unknown key `prot`"), std::string::npos)
      << typo.error().message;

  const std::string table = WriteFile("table.toml", "[server]\nport = 3\n");
  auto nested = ResolveServerConfig({{"config", table}}, Env());
  ASSERT_FALSE(nested.has_value());

  const std::string wrong = WriteFile("wrong.toml", "port = \"eighty\"\n");
  auto bad_value = ResolveServerConfig({{"config", wrong}}, Env());
  ASSERT_FALSE(bad_value.has_value());
  EXPECT_NE(bad_value.error().message.find("wrong.toml"), std::string::npos);
  EXPECT_NE(bad_value.error().message.find("port"), std::string::npos);
}

TEST(ParseTest, Durations) {
  EXPECT_EQ(*ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(*ParseDuration("30"), seconds(30));
  EXPECT_EQ(*ParseDuration("30s"), seconds(30));
  EXPECT_EQ(*ParseDuration("2m"), seconds(120));
  EXPECT_EQ(*ParseDuration("1h"), seconds(3600));
  EXPECT_FALSE(ParseDuration("").has_value());
  EXPECT_FALSE(ParseDuration("s").has_value());
  EXPECT_FALSE(ParseDuration("3d").has_value());
  EXPECT_FALSE(ParseDuration("-3s").has_value());
  EXPECT_FALSE(ParseDuration("99999999999999999999s").has_value());
}

TEST(ParseTest, Sizes) {
  EXPECT_EQ(*ParseByteSize("100"), 100U);
  EXPECT_EQ(*ParseByteSize("16KiB"), 16U * 1024);
  EXPECT_EQ(*ParseByteSize("16k"), 16U * 1024);
  EXPECT_EQ(*ParseByteSize("1MiB"), 1024U * 1024);
  EXPECT_EQ(*ParseByteSize("2 MB"), 2U * 1024 * 1024);
  EXPECT_FALSE(ParseByteSize("1TB").has_value());
  EXPECT_FALSE(ParseByteSize("lots").has_value());
}

TEST(ParseTest, Booleans) {
  EXPECT_TRUE(*ParseBool("true"));
  EXPECT_TRUE(*ParseBool("YES"));
  EXPECT_FALSE(*ParseBool("0"));
  EXPECT_FALSE(ParseBool("2").has_value());
}

}  // namespace
}  // namespace portcullis::server

namespace portcullis::server {
namespace {

TEST_F(ConfigTest, DevClockOffsetNeedsDevMode) {
  auto alone = ResolveServerConfig({{"dev_clock_offset", "20m"}}, Env());
  ASSERT_FALSE(alone.has_value());
  EXPECT_EQ(alone.error().message, "dev_clock_offset is a dev-mode setting: set dev_mode too");
  auto with_dev = ResolveServerConfig({{"dev_clock_offset", "20m"}, {"dev_mode", "true"}}, Env());
  ASSERT_TRUE(with_dev.has_value()) << with_dev.error().ToString();
  EXPECT_EQ(with_dev->dev_clock_offset, std::chrono::minutes(20));
  EXPECT_FALSE(
      ResolveServerConfig({{"dev_clock_offset", "soon"}, {"dev_mode", "true"}}, Env()).has_value());
}

}  // namespace
}  // namespace portcullis::server
