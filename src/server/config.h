// ServerConfig: every setting of `portcullis serve`, and how each is resolved.
//
// Each setting is looked up, in order, as a command-line flag, a `PORTCULLIS_*`
// environment variable, a key of the TOML config file (`--config FILE` or
// PORTCULLIS_CONFIG), and finally its default (docs/configuration.md lists them all).
// An empty environment variable counts as unset. A value that does not parse, an unknown
// key in the config file or a config file that cannot be read is an error naming the
// setting and where its value came from; the CLI answers it with exit code 2.
//
// Secrets (the master key, the root secret access key, the LDAP bind password) have no
// command-line flag: a command line is visible to every user of the machine.
// Thread-safety: plain values and pure functions (the environment is read through the
// lookup the caller passes).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/authz/authorizer.h"
#include "api/directory/directory.h"
#include "api/iam/operation_context.h"
#include "common/error.h"
#include "policy/ip_address.h"

namespace portcullis::server {

enum class StoreKind : std::uint8_t { kSqlite, kMemory };

enum class LogFormat : std::uint8_t { kText, kJson };

// What the audit log is written to.
enum class AuditTarget : std::uint8_t { kFile, kStdout, kOff };

struct ServerConfig {
  std::string listen_address = "127.0.0.1";
  // 0 asks the kernel for a free port (the listening line names the one bound).
  std::uint16_t port = 8910;
  std::filesystem::path data_dir = "./portcullis-data";
  StoreKind store = StoreKind::kSqlite;
  // Empty: <data_dir>/master.key (or, with the memory store, a random key that lives as
  // long as the process) unless master_key_base64 is set.
  std::filesystem::path master_key_file;
  // PORTCULLIS_MASTER_KEY: the 32-byte master key in base64; wins over the key file.
  std::string master_key_base64;
  LogFormat log_format = LogFormat::kText;
  // trace | debug | info | warn | error | off
  std::string log_level = "info";
  AuditTarget audit_target = AuditTarget::kFile;
  // For kFile; empty: <data_dir>/audit.log.
  std::filesystem::path audit_log_file;
  bool dev_mode = false;
  // Dev mode only: the server's clock runs this far ahead of the system's (tests of
  // expiry: session tokens, MFA, reports).
  std::chrono::milliseconds dev_clock_offset{0};
  api::authz::EnforcementMode enforcement = api::authz::EnforcementMode::kEnforce;
  int threads = 1;  // the default is the number of hardware threads
  // Quotas an AWS account can raise through Service Quotas.
  api::iam::IamQuotas iam_quotas;
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  // S3 requests (PutObject, UploadPart) may carry up to this much.
  std::size_t s3_max_body_bytes = std::size_t{256} * 1024 * 1024;
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
  std::chrono::milliseconds write_timeout = std::chrono::seconds(30);
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(30);
  // Development and fixed first-account settings (accounts::BootstrapOptions).
  std::string account_id;
  std::string root_access_key_id;
  std::string root_secret_access_key;
  // The directory of AssumeRoleWithLDAPIdentity (ldap_* settings); url empty: none.
  api::directory::DirectoryOptions directory;
  // AssumeRoleWithWebIdentity: a directory of issuers' JWKS files (<percent-encoded
  // issuer>.json; empty: none) and the timeout of a loopback issuer's JWKS fetch.
  std::filesystem::path oidc_jwks_dir;
  std::chrono::milliseconds oidc_fetch_timeout = std::chrono::seconds(3);
  // Proxies whose X-Forwarded-For sets the client address (server/client_address.h).
  std::vector<policy::IpNetwork> trusted_proxies;
  // The instance metadata (IMDSv2) listener: nullopt (the default) disables it; 0 picks a
  // free port (docs/workload-credentials.md).
  std::optional<std::uint16_t> imds_port;
  std::string imds_address = "127.0.0.1";
  // The config file that was read, if any.
  std::filesystem::path config_file;

  // The key file actually used: master_key_file or <data_dir>/master.key.
  std::filesystem::path EffectiveMasterKeyFile() const;
  // The audit file actually used: audit_log_file or <data_dir>/audit.log.
  std::filesystem::path EffectiveAuditLogFile() const;
};

// One setting as the three sources name it.
struct SettingSpec {
  std::string_view key;       // config file key and the key of FlagValues: "max_body_bytes"
  std::string_view flag;      // "--max-body-bytes"; empty when there is no flag
  std::string_view env;       // "PORTCULLIS_MAX_BODY_BYTES"
  std::string_view fallback;  // the default, as docs show it
  std::string_view help;
  bool is_switch = false;  // a flag without a value (--dev-mode)
};

// Every setting, in documentation order (without `config`, which names the file).
std::span<const SettingSpec> Settings();

// Command-line values by SettingSpec::key ("config" for --config). Switches hold "true".
using FlagValues = std::map<std::string, std::string, std::less<>>;

// Looks an environment variable up; std::nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment (std::getenv).
EnvLookup ProcessEnvironment();

// Resolves every setting as the header comment describes. Errors: kInvalidArgument
// ("invalid value `x` for port (from PORTCULLIS_PORT): ..."), kNotFound / kInvalidArgument
// for a config file that is missing or malformed.
[[nodiscard]] Result<ServerConfig> ResolveServerConfig(const FlagValues& flags,
                                                       const EnvLookup& env);

// Parsers shared with the CLI, exposed for tests. Durations: an integer with a unit
// (ms, s, m, h; bare integers are seconds). Sizes: an integer of bytes, optionally with
// K/KiB/KB or M/MiB/MB (all powers of 1024).
[[nodiscard]] Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
[[nodiscard]] Result<std::size_t> ParseByteSize(std::string_view text);
[[nodiscard]] Result<bool> ParseBool(std::string_view text);

}  // namespace portcullis::server
