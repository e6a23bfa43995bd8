#include "server/config.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <exception>
#include <limits>
#include <thread>
#include <toml.hpp>
#include <utility>

#include "common/base64.h"
#include "crypto/secret_box.h"
#include "server/client_address.h"

namespace portcullis::server {
namespace {

constexpr auto kSettings = std::to_array<SettingSpec>({
    {"listen_address", "--listen-address", "PORTCULLIS_LISTEN_ADDRESS", "127.0.0.1",
     "address to listen on (IPv4 or IPv6)"},
    {"port", "--port", "PORTCULLIS_PORT", "8910", "TCP port; 0 picks a free one"},
    {"data_dir", "--data-dir", "PORTCULLIS_DATA_DIR", "./portcullis-data",
     "directory of the database, the master key and the audit log"},
    {"store", "--store", "PORTCULLIS_STORE", "sqlite", "identity store: sqlite | memory"},
    {"master_key_file", "--master-key-file", "PORTCULLIS_MASTER_KEY_FILE", "<data-dir>/master.key",
     "master key file (created with mode 0600 when missing)"},
    {"master_key", "", "PORTCULLIS_MASTER_KEY", "(unset)",
     "the master key in base64; wins over the key file"},
    {"log_format", "--log-format", "PORTCULLIS_LOG_FORMAT", "text", "text | json"},
    {"log_level", "--log-level", "PORTCULLIS_LOG_LEVEL", "info",
     "trace | debug | info | warn | error | off"},
    {"audit_log", "--audit-log", "PORTCULLIS_AUDIT_LOG", "<data-dir>/audit.log",
     "audit log file; - for stdout; off to disable"},
    {"dev_clock_offset", "--dev-clock-offset", "PORTCULLIS_DEV_CLOCK_OFFSET", "0s",
     "dev mode only: run the server's clock this far ahead (tests of expiry)"},
    {"dev_mode", "--dev-mode", "PORTCULLIS_DEV_MODE", "false",
     "development mode: enables the reset endpoints", true},
    {"enforcement", "--enforcement", "PORTCULLIS_ENFORCEMENT", "enforce", "enforce | soft | off"},
    {"threads", "--threads", "PORTCULLIS_THREADS", "(hardware threads)",
     "threads serving requests"},
    {"iam_roles_per_account", "--iam-roles-per-account", "PORTCULLIS_IAM_ROLES_PER_ACCOUNT", "1000",
     "IAM roles an account may hold (AWS: 1000, raisable to 5000)"},
    {"max_header_bytes", "--max-header-bytes", "PORTCULLIS_MAX_HEADER_BYTES", "16KiB",
     "largest request header block (431 beyond)"},
    {"max_body_bytes", "--max-body-bytes", "PORTCULLIS_MAX_BODY_BYTES", "1MiB",
     "largest request body (413 beyond)"},
    {"s3_max_body_bytes", "--s3-max-body-bytes", "PORTCULLIS_S3_MAX_BODY_BYTES", "256MiB",
     "largest S3 request body, held in memory (413 beyond; larger objects: multipart)"},
    {"read_timeout", "--read-timeout", "PORTCULLIS_READ_TIMEOUT", "30s",
     "time to receive a whole request"},
    {"write_timeout", "--write-timeout", "PORTCULLIS_WRITE_TIMEOUT", "30s",
     "time to send a whole response"},
    {"idle_timeout", "--idle-timeout", "PORTCULLIS_IDLE_TIMEOUT", "60s",
     "keep-alive: time to wait for the next request"},
    {"shutdown_timeout", "--shutdown-timeout", "PORTCULLIS_SHUTDOWN_TIMEOUT", "30s",
     "on SIGTERM/SIGINT: time in-flight requests get to finish"},
    {"account_id", "--account-id", "PORTCULLIS_ACCOUNT_ID", "(random)",
     "the first account's 12-digit id"},
    {"root_access_key_id", "--root-access-key-id", "PORTCULLIS_ROOT_ACCESS_KEY_ID", "(random)",
     "the first account's root access key id"},
    {"root_secret_access_key", "", "PORTCULLIS_ROOT_SECRET_ACCESS_KEY", "(random)",
     "the first account's root secret access key"},
    // The directory of AssumeRoleWithLDAPIdentity (docs/directory-federation.md).
    {"ldap_url", "--ldap-url", "PORTCULLIS_LDAP_URL", "(unset)",
     "directory for AssumeRoleWithLDAPIdentity: ldap://host:port or ldaps://host:port"},
    {"ldap_directory_name", "--ldap-directory-name", "PORTCULLIS_LDAP_DIRECTORY_NAME", "default",
     "the directory's name (trust principal arn:aws:iam::ACCOUNT:ldap-provider/NAME)"},
    {"ldap_start_tls", "--ldap-start-tls", "PORTCULLIS_LDAP_START_TLS", "false",
     "upgrade ldap:// with StartTLS before binding", true},
    {"ldap_tls_ca_file", "--ldap-tls-ca-file", "PORTCULLIS_LDAP_TLS_CA_FILE", "(system CAs)",
     "CA bundle for ldaps:// and StartTLS"},
    {"ldap_user_dn_template", "--ldap-user-dn-template", "PORTCULLIS_LDAP_USER_DN_TEMPLATE",
     "(unset)", "user DN with {username}, e.g. uid={username},ou=people,dc=example,dc=org"},
    {"ldap_user_search_base", "--ldap-user-search-base", "PORTCULLIS_LDAP_USER_SEARCH_BASE",
     "(unset)", "find users by a subtree search under this DN (instead of a DN template)"},
    {"ldap_user_search_filter", "--ldap-user-search-filter", "PORTCULLIS_LDAP_USER_SEARCH_FILTER",
     "(uid={username})", "user search filter; AD: (sAMAccountName={username})"},
    {"ldap_bind_dn", "--ldap-bind-dn", "PORTCULLIS_LDAP_BIND_DN", "(anonymous)",
     "service account DN for user and group searches"},
    {"ldap_bind_password", "", "PORTCULLIS_LDAP_BIND_PASSWORD", "(unset)",
     "the service account's password (environment or config file only)"},
    {"ldap_group_attribute", "--ldap-group-attribute", "PORTCULLIS_LDAP_GROUP_ATTRIBUTE",
     "memberOf", "attribute of the user entry listing its group DNs"},
    {"ldap_group_search_base", "--ldap-group-search-base", "PORTCULLIS_LDAP_GROUP_SEARCH_BASE",
     "(unset)", "find groups by a subtree search under this DN (instead of the attribute)"},
    {"ldap_group_search_filter", "--ldap-group-search-filter",
     "PORTCULLIS_LDAP_GROUP_SEARCH_FILTER", "(member={dn})",
     "group search filter; {dn} and {username} are expanded, escaped"},
    {"ldap_timeout", "--ldap-timeout", "PORTCULLIS_LDAP_TIMEOUT", "5s",
     "time allowed to connect and for each directory operation"},
    {"oidc_jwks_dir", "--oidc-jwks-dir", "PORTCULLIS_OIDC_JWKS_DIR", "(unset)",
     "directory of OIDC issuers' JWKS files, <percent-encoded issuer>.json (docs/federation.md)"},
    {"oidc_fetch_timeout", "--oidc-fetch-timeout", "PORTCULLIS_OIDC_FETCH_TIMEOUT", "3s",
     "timeout of a loopback OIDC issuer's discovery and JWKS fetch"},
    {"trusted_proxies", "--trusted-proxies", "PORTCULLIS_TRUSTED_PROXIES", "(none)",
     "CIDRs of proxies whose X-Forwarded-For is believed (comma-separated)"},
    {"imds_port", "--imds-port", "PORTCULLIS_IMDS_PORT", "off",
     "instance metadata (IMDSv2) listener port; 0 picks a free one; off disables it"},
    {"imds_address", "--imds-address", "PORTCULLIS_IMDS_ADDRESS", "127.0.0.1",
     "address of the instance metadata listener"},
});

// Where a value came from, for error messages.
struct SourcedValue {
  std::string value;
  std::string source;  // "--port", "PORTCULLIS_PORT", "config file `x`: port"
};

Error InvalidValue(std::string_view key, const SourcedValue& v, std::string_view why) {
  std::string shown = v.value;
  return Error{ErrorCode::kInvalidArgument,
               "invalid value `" + shown + "` for " + std::string(key) + " (from " + v.source +
                   "): " + std::string(why),
               std::nullopt,
               {},
               {}};
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// Parses a non-negative decimal integer prefix; returns the digits' value and the rest.
bool ParseLeadingInteger(std::string_view text, std::uint64_t* value, std::string_view* rest) {
  std::size_t i = 0;
  std::uint64_t v = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      return false;
    }
    v = v * 10 + digit;
    ++i;
  }
  if (i == 0) {
    return false;
  }
  *value = v;
  *rest = text.substr(i);
  return true;
}

// Reads the config file into key -> (value text, source). TOML strings, integers,
// booleans and floats are accepted; tables and arrays are not (every setting is flat).
Result<std::map<std::string, SourcedValue, std::less<>>> ReadConfigFile(
    const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return MakeError(ErrorCode::kNotFound,
                     "cannot read config file `" + path.string() + "`: no such file");
  }
  std::map<std::string, SourcedValue, std::less<>> out;
  try {
    const toml::value data = toml::parse(path.string());
    if (!data.is_table()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "config file `" + path.string() + "` is not a TOML table");
    }
    for (const auto& [key, value] : data.as_table()) {
      const bool known =
          std::any_of(Settings().begin(), Settings().end(),
                      [&, k = std::string_view(key)](const SettingSpec& s) { return s.key == k; });
      if (!known) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "config file `" + path.string() + "`: unknown key `" + key + "`");
      }
      std::string text;
      if (value.is_string()) {
        text = value.as_string().str;
      } else if (value.is_integer()) {
        text = std::to_string(value.as_integer());
      } else if (value.is_boolean()) {
        text = value.as_boolean() ? "true" : "false";
      } else {
        return MakeError(ErrorCode::kInvalidArgument,
                         "config file `" + path.string() + "`: key `" + key +
                             "` must be a string, an integer or a boolean");
      }
      out[key] = SourcedValue{std::move(text), "config file `" + path.string() + "`"};
    }
  } catch (const std::exception& e) {
    // toml11 reports syntax errors by exception; they stop at this seam.
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot parse config file `" + path.string() + "`: " + e.what());
  }
  return out;
}

int DefaultThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min(n, 256U));
}

// One function per setting: parses `v` (trimmed into `text`) into `config`.
using ApplyFn = Status (*)(ServerConfig& config, std::string_view key, std::string_view text,
                           const SourcedValue& v);

Status ApplyListenAddress(ServerConfig& config, std::string_view key, std::string_view text,
                          const SourcedValue& v) {
  if (text.empty()) {
    return MakeError(InvalidValue(key, v, "must not be empty"));
  }
  config.listen_address = std::string(text);
  return OkStatus();
}

Status ApplyPort(ServerConfig& config, std::string_view key, std::string_view text,
                 const SourcedValue& v) {
  std::uint64_t port = 0;
  std::string_view rest;
  if (!ParseLeadingInteger(text, &port, &rest) || !rest.empty() || port > 65535) {
    return MakeError(InvalidValue(key, v, "must be an integer from 0 to 65535"));
  }
  config.port = static_cast<std::uint16_t>(port);
  return OkStatus();
}

Status ApplyDataDir(ServerConfig& config, std::string_view key, std::string_view text,
                    const SourcedValue& v) {
  if (text.empty()) {
    return MakeError(InvalidValue(key, v, "must not be empty"));
  }
  config.data_dir = std::filesystem::path(std::string(text));
  return OkStatus();
}

Status ApplyStore(ServerConfig& config, std::string_view key, std::string_view text,
                  const SourcedValue& v) {
  const std::string s = Lower(text);
  if (s == "sqlite") {
    config.store = StoreKind::kSqlite;
  } else if (s == "memory") {
    config.store = StoreKind::kMemory;
  } else {
    return MakeError(InvalidValue(key, v, "must be sqlite or memory"));
  }
  return OkStatus();
}

Status ApplyMasterKeyFile(ServerConfig& config, std::string_view /*key*/, std::string_view text,
                          const SourcedValue& /*v*/) {
  config.master_key_file = std::filesystem::path(std::string(text));
  return OkStatus();
}

Status ApplyMasterKey(ServerConfig& config, std::string_view /*key*/, std::string_view text,
                      const SourcedValue& v) {
  const auto bytes = DecodeBase64(text);
  if (!bytes.has_value() || bytes->size() != crypto::kMasterKeySize) {
    // The value is a secret: never echo it.
    return MakeError(ErrorCode::kInvalidArgument, "invalid value for master_key (from " + v.source +
                                                      "): must be 32 bytes in base64");
  }
  config.master_key_base64 = std::string(text);
  return OkStatus();
}

Status ApplyLogFormat(ServerConfig& config, std::string_view key, std::string_view text,
                      const SourcedValue& v) {
  const std::string s = Lower(text);
  if (s == "text") {
    config.log_format = LogFormat::kText;
  } else if (s == "json") {
    config.log_format = LogFormat::kJson;
  } else {
    return MakeError(InvalidValue(key, v, "must be text or json"));
  }
  return OkStatus();
}

Status ApplyLogLevel(ServerConfig& config, std::string_view key, std::string_view text,
                     const SourcedValue& v) {
  std::string s = Lower(text);
  if (s == "warning") {
    s = "warn";
  }
  static constexpr std::array<std::string_view, 6> kLevels = {"trace", "debug", "info",
                                                              "warn",  "error", "off"};
  if (std::find(kLevels.begin(), kLevels.end(), s) == kLevels.end()) {
    return MakeError(InvalidValue(key, v, "must be trace, debug, info, warn, error or off"));
  }
  config.log_level = s;
  return OkStatus();
}

Status ApplyAuditLog(ServerConfig& config, std::string_view key, std::string_view text,
                     const SourcedValue& v) {
  if (text.empty()) {
    return MakeError(InvalidValue(key, v, "must be a file, - or off"));
  }
  if (text == "-") {
    config.audit_target = AuditTarget::kStdout;
  } else if (Lower(text) == "off") {
    config.audit_target = AuditTarget::kOff;
  } else {
    config.audit_target = AuditTarget::kFile;
    config.audit_log_file = std::filesystem::path(std::string(text));
  }
  return OkStatus();
}

Status ApplyDevMode(ServerConfig& config, std::string_view key, std::string_view text,
                    const SourcedValue& v) {
  auto b = ParseBool(text);
  if (!b.has_value()) {
    return MakeError(InvalidValue(key, v, "must be true or false"));
  }
  config.dev_mode = *b;
  return OkStatus();
}

Status ApplyEnforcement(ServerConfig& config, std::string_view key, std::string_view text,
                        const SourcedValue& v) {
  auto mode = api::authz::ParseEnforcementMode(Lower(text));
  if (!mode.has_value()) {
    return MakeError(InvalidValue(key, v, "must be enforce, soft or off"));
  }
  config.enforcement = *mode;
  return OkStatus();
}

Status ApplyRolesPerAccount(ServerConfig& config, std::string_view key, std::string_view text,
                            const SourcedValue& v) {
  std::uint64_t n = 0;
  std::string_view rest;
  if (!ParseLeadingInteger(text, &n, &rest) || !rest.empty() || n < 1000 || n > 5000) {
    return MakeError(InvalidValue(key, v, "must be an integer from 1000 to 5000"));
  }
  config.iam_quotas.roles_per_account = static_cast<int>(n);
  return OkStatus();
}

Status ApplyThreads(ServerConfig& config, std::string_view key, std::string_view text,
                    const SourcedValue& v) {
  std::uint64_t n = 0;
  std::string_view rest;
  if (!ParseLeadingInteger(text, &n, &rest) || !rest.empty() || n < 1 || n > 256) {
    return MakeError(InvalidValue(key, v, "must be an integer from 1 to 256"));
  }
  config.threads = static_cast<int>(n);
  return OkStatus();
}

Status ApplyHeaderBytes(ServerConfig& config, std::string_view key, std::string_view text,
                        const SourcedValue& v) {
  auto size = ParseByteSize(text);
  if (!size.has_value()) {
    return MakeError(InvalidValue(key, v, size.error().message));
  }
  if (*size < 1024 || *size > std::size_t{1} << 30U) {
    return MakeError(InvalidValue(key, v, "must be from 1KiB to 1GiB"));
  }
  config.max_header_bytes = *size;
  return OkStatus();
}

Status ApplyBodyBytes(ServerConfig& config, std::string_view key, std::string_view text,
                      const SourcedValue& v) {
  auto size = ParseByteSize(text);
  if (!size.has_value()) {
    return MakeError(InvalidValue(key, v, size.error().message));
  }
  if (*size > std::size_t{1} << 30U) {
    return MakeError(InvalidValue(key, v, "must be at most 1GiB"));
  }
  config.max_body_bytes = *size;
  return OkStatus();
}

// S3 bodies are held in memory (S3Service); AWS's single PUT limit is 5 GiB.
Status ApplyS3BodyBytes(ServerConfig& config, std::string_view key, std::string_view text,
                        const SourcedValue& v) {
  auto size = ParseByteSize(text);
  if (!size.has_value()) {
    return MakeError(InvalidValue(key, v, size.error().message));
  }
  if (*size < std::size_t{1} << 20U || *size > std::size_t{5} << 30U) {
    return MakeError(InvalidValue(key, v, "must be between 1MiB and 5GiB"));
  }
  config.s3_max_body_bytes = *size;
  return OkStatus();
}

Result<std::chrono::milliseconds> PositiveDuration(std::string_view key, std::string_view text,
                                                   const SourcedValue& v) {
  auto d = ParseDuration(text);
  if (!d.has_value()) {
    return MakeError(InvalidValue(key, v, d.error().message));
  }
  if (d->count() <= 0) {
    return MakeError(InvalidValue(key, v, "must be positive"));
  }
  return *d;
}

Status ApplyReadTimeout(ServerConfig& config, std::string_view key, std::string_view text,
                        const SourcedValue& v) {
  IAM_ASSIGN_OR_RETURN(config.read_timeout, PositiveDuration(key, text, v));
  return OkStatus();
}

Status ApplyOidcJwksDir(ServerConfig& config, std::string_view /*key*/, std::string_view text,
                        const SourcedValue& /*v*/) {
  config.oidc_jwks_dir = std::filesystem::path(std::string(text));
  return OkStatus();
}

Status ApplyOidcFetchTimeout(ServerConfig& config, std::string_view key, std::string_view text,
                             const SourcedValue& v) {
  IAM_ASSIGN_OR_RETURN(config.oidc_fetch_timeout, PositiveDuration(key, text, v));
  return OkStatus();
}

Status ApplyWriteTimeout(ServerConfig& config, std::string_view key, std::string_view text,
                         const SourcedValue& v) {
  IAM_ASSIGN_OR_RETURN(config.write_timeout, PositiveDuration(key, text, v));
  return OkStatus();
}

Status ApplyIdleTimeout(ServerConfig& config, std::string_view key, std::string_view text,
                        const SourcedValue& v) {
  IAM_ASSIGN_OR_RETURN(config.idle_timeout, PositiveDuration(key, text, v));
  return OkStatus();
}

Status ApplyDevClockOffset(ServerConfig& config, std::string_view key, std::string_view text,
                           const SourcedValue& v) {
  auto d = ParseDuration(text);
  if (!d.has_value()) {
    return MakeError(InvalidValue(key, v, d.error().message));
  }
  config.dev_clock_offset = *d;
  return OkStatus();
}

Status ApplyShutdownTimeout(ServerConfig& config, std::string_view key, std::string_view text,
                            const SourcedValue& v) {
  IAM_ASSIGN_OR_RETURN(config.shutdown_timeout, PositiveDuration(key, text, v));
  return OkStatus();
}

bool AllOf(std::string_view text, bool (*pred)(char)) {
  return std::all_of(text.begin(), text.end(), pred);
}

Status ApplyAccountId(ServerConfig& config, std::string_view key, std::string_view text,
                      const SourcedValue& v) {
  if (text.size() != 12 || !AllOf(text, [](char c) { return c >= '0' && c <= '9'; })) {
    return MakeError(InvalidValue(key, v, "must be 12 digits"));
  }
  config.account_id = std::string(text);
  return OkStatus();
}

Status ApplyRootKeyId(ServerConfig& config, std::string_view key, std::string_view text,
                      const SourcedValue& v) {
  const bool charset =
      AllOf(text, [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
  if (text.size() < 16 || text.size() > 128 || !charset) {
    return MakeError(InvalidValue(key, v, "must be 16 to 128 characters of A-Z and 0-9"));
  }
  config.root_access_key_id = std::string(text);
  return OkStatus();
}

Status ApplyRootSecret(ServerConfig& config, std::string_view /*key*/, std::string_view text,
                       const SourcedValue& v) {
  if (text.size() < 16) {
    // A secret: never echo it.
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid value for root_secret_access_key (from " + v.source +
                         "): must be at least 16 characters");
  }
  config.root_secret_access_key = std::string(text);
  return OkStatus();
}

// The ldap_* settings: plain strings (checked together by ValidateDirectoryOptions once
// every setting is read), one switch and one duration.
template <std::string api::directory::DirectoryOptions::*kMember>
Status ApplyDirectoryString(ServerConfig& config, std::string_view /*key*/, std::string_view text,
                            const SourcedValue& /*v*/) {
  config.directory.*kMember = std::string(text);
  return OkStatus();
}

Status ApplyLdapStartTls(ServerConfig& config, std::string_view key, std::string_view text,
                         const SourcedValue& v) {
  auto b = ParseBool(text);
  if (!b.has_value()) {
    return MakeError(InvalidValue(key, v, "must be true or false"));
  }
  config.directory.start_tls = *b;
  return OkStatus();
}

Status ApplyLdapTimeout(ServerConfig& config, std::string_view key, std::string_view text,
                        const SourcedValue& v) {
  IAM_ASSIGN_OR_RETURN(config.directory.timeout, PositiveDuration(key, text, v));
  return OkStatus();
}

Status ApplyLdapBindPassword(ServerConfig& config, std::string_view /*key*/, std::string_view text,
                             const SourcedValue& /*v*/) {
  // A secret: taken as it is (not trimmed), never echoed.
  config.directory.bind_password = std::string(text);
  return OkStatus();
}

using api::directory::DirectoryOptions;

// Workload credentials and trusted proxies (docs/workload-credentials.md).
Status ApplyTrustedProxies(ServerConfig& config, std::string_view key, std::string_view text,
                           const SourcedValue& v) {
  auto parsed = ParseTrustedProxies(text);
  if (!parsed.has_value()) {
    return MakeError(InvalidValue(key, v, parsed.error().message));
  }
  config.trusted_proxies = std::move(*parsed);
  return OkStatus();
}

Status ApplyImdsPort(ServerConfig& config, std::string_view key, std::string_view text,
                     const SourcedValue& v) {
  if (Lower(text) == "off") {
    config.imds_port.reset();
    return OkStatus();
  }
  std::uint64_t port = 0;
  std::string_view rest;
  if (!ParseLeadingInteger(text, &port, &rest) || !rest.empty() || port > 65535) {
    return MakeError(InvalidValue(key, v, "must be off or an integer from 0 to 65535"));
  }
  config.imds_port = static_cast<std::uint16_t>(port);
  return OkStatus();
}

Status ApplyImdsAddress(ServerConfig& config, std::string_view key, std::string_view text,
                        const SourcedValue& v) {
  if (text.empty()) {
    return MakeError(InvalidValue(key, v, "must not be empty"));
  }
  config.imds_address = std::string(text);
  return OkStatus();
}

constexpr auto kAppliers = std::to_array<std::pair<std::string_view, ApplyFn>>({
    {"listen_address", ApplyListenAddress},
    {"port", ApplyPort},
    {"data_dir", ApplyDataDir},
    {"store", ApplyStore},
    {"master_key_file", ApplyMasterKeyFile},
    {"master_key", ApplyMasterKey},
    {"log_format", ApplyLogFormat},
    {"log_level", ApplyLogLevel},
    {"audit_log", ApplyAuditLog},
    {"dev_clock_offset", ApplyDevClockOffset},
    {"dev_mode", ApplyDevMode},
    {"enforcement", ApplyEnforcement},
    {"threads", ApplyThreads},
    {"iam_roles_per_account", ApplyRolesPerAccount},
    {"max_header_bytes", ApplyHeaderBytes},
    {"max_body_bytes", ApplyBodyBytes},
    {"s3_max_body_bytes", ApplyS3BodyBytes},
    {"read_timeout", ApplyReadTimeout},
    {"write_timeout", ApplyWriteTimeout},
    {"idle_timeout", ApplyIdleTimeout},
    {"shutdown_timeout", ApplyShutdownTimeout},
    {"account_id", ApplyAccountId},
    {"root_access_key_id", ApplyRootKeyId},
    {"root_secret_access_key", ApplyRootSecret},
    {"ldap_url", ApplyDirectoryString<&DirectoryOptions::url>},
    {"ldap_directory_name", ApplyDirectoryString<&DirectoryOptions::name>},
    {"ldap_start_tls", ApplyLdapStartTls},
    {"ldap_tls_ca_file", ApplyDirectoryString<&DirectoryOptions::tls_ca_file>},
    {"ldap_user_dn_template", ApplyDirectoryString<&DirectoryOptions::user_dn_template>},
    {"ldap_user_search_base", ApplyDirectoryString<&DirectoryOptions::user_search_base>},
    {"ldap_user_search_filter", ApplyDirectoryString<&DirectoryOptions::user_search_filter>},
    {"ldap_bind_dn", ApplyDirectoryString<&DirectoryOptions::bind_dn>},
    {"ldap_bind_password", ApplyLdapBindPassword},
    {"ldap_group_attribute", ApplyDirectoryString<&DirectoryOptions::group_attribute>},
    {"ldap_group_search_base", ApplyDirectoryString<&DirectoryOptions::group_search_base>},
    {"ldap_group_search_filter", ApplyDirectoryString<&DirectoryOptions::group_search_filter>},
    {"ldap_timeout", ApplyLdapTimeout},
    {"oidc_jwks_dir", ApplyOidcJwksDir},
    {"oidc_fetch_timeout", ApplyOidcFetchTimeout},
    {"trusted_proxies", ApplyTrustedProxies},
    {"imds_port", ApplyImdsPort},
    {"imds_address", ApplyImdsAddress},
});

Status Apply(ServerConfig& config, std::string_view key, const SourcedValue& v) {
  for (const auto& [name, apply] : kAppliers) {
    if (name == key) {
      if (key == "ldap_bind_password") {
        return apply(config, key, v.value, v);
      }
      return apply(config, key, Trim(v.value), v);
    }
  }
  return MakeError(ErrorCode::kInternal, "no parser for setting `" + std::string(key) + "`");
}

}  // namespace

std::filesystem::path ServerConfig::EffectiveMasterKeyFile() const {
  return master_key_file.empty() ? data_dir / "master.key" : master_key_file;
}

std::filesystem::path ServerConfig::EffectiveAuditLogFile() const {
  return audit_log_file.empty() ? data_dir / "audit.log" : audit_log_file;
}

std::span<const SettingSpec> Settings() {
  return kSettings;
}

EnvLookup ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read at startup, before any thread starts.
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

Result<bool> ParseBool(std::string_view text) {
  const std::string s = Lower(Trim(text));
  if (s == "true" || s == "1" || s == "yes" || s == "on") {
    return true;
  }
  if (s == "false" || s == "0" || s == "no" || s == "off") {
    return false;
  }
  return MakeError(ErrorCode::kInvalidArgument, "must be true or false");
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  std::uint64_t n = 0;
  std::string_view unit;
  if (!ParseLeadingInteger(Trim(text), &n, &unit)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "must be an integer with a unit: ms, s, m or h (e.g. 30s)");
  }
  std::uint64_t scale = 0;
  const std::string u = Lower(Trim(unit));
  if (u == "ms") {
    scale = 1;
  } else if (u.empty() || u == "s") {
    scale = 1000;
  } else if (u == "m") {
    scale = 60'000;
  } else if (u == "h") {
    scale = 3'600'000;
  } else {
    return MakeError(ErrorCode::kInvalidArgument,
                     "must be an integer with a unit: ms, s, m or h (e.g. 30s)");
  }
  constexpr std::uint64_t kMaxMillis = std::uint64_t{24} * 3'600'000 * 365;
  if (n > kMaxMillis / scale) {
    return MakeError(ErrorCode::kInvalidArgument, "must be at most a year");
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(n * scale));
}

Result<std::size_t> ParseByteSize(std::string_view text) {
  std::uint64_t n = 0;
  std::string_view unit;
  if (!ParseLeadingInteger(Trim(text), &n, &unit)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "must be a number of bytes, optionally with K, KiB, M or MiB");
  }
  std::uint64_t scale = 0;
  const std::string u = Lower(Trim(unit));
  if (u.empty() || u == "b") {
    scale = 1;
  } else if (u == "k" || u == "kb" || u == "kib") {
    scale = 1024;
  } else if (u == "m" || u == "mb" || u == "mib") {
    scale = std::uint64_t{1024} * 1024;
  } else if (u == "g" || u == "gb" || u == "gib") {
    scale = std::uint64_t{1024} * 1024 * 1024;
  } else {
    return MakeError(ErrorCode::kInvalidArgument,
                     "must be a number of bytes, optionally with K, KiB, M or MiB");
  }
  if (n > (std::uint64_t{1} << 40U) / scale) {
    return MakeError(ErrorCode::kInvalidArgument, "is too large");
  }
  return static_cast<std::size_t>(n * scale);
}

Result<ServerConfig> ResolveServerConfig(const FlagValues& flags, const EnvLookup& env) {
  auto from_env = [&](std::string_view name) -> std::optional<std::string> {
    if (!env) {
      return std::nullopt;
    }
    auto value = env(name);
    if (value.has_value() && value->empty()) {
      return std::nullopt;
    }
    return value;
  };

  ServerConfig config;
  config.threads = DefaultThreads();

  // The config file itself: --config, then PORTCULLIS_CONFIG.
  std::map<std::string, SourcedValue, std::less<>> file_values;
  std::optional<std::string> config_path;
  if (auto it = flags.find("config"); it != flags.end() && !it->second.empty()) {
    config_path = it->second;
  } else {
    config_path = from_env("PORTCULLIS_CONFIG");
  }
  if (config_path.has_value()) {
    IAM_ASSIGN_OR_RETURN(file_values, ReadConfigFile(*config_path));
    config.config_file = *config_path;
  }

  for (const SettingSpec& spec : Settings()) {
    std::optional<SourcedValue> chosen;
    if (auto it = flags.find(spec.key); it != flags.end() && !spec.flag.empty()) {
      chosen = SourcedValue{it->second, std::string(spec.flag)};
    } else if (auto value = from_env(spec.env); value.has_value()) {
      chosen = SourcedValue{std::move(*value), std::string(spec.env)};
    } else if (auto fit = file_values.find(spec.key); fit != file_values.end()) {
      chosen = fit->second;
      chosen->source += ": " + std::string(spec.key);
    }
    if (chosen.has_value()) {
      IAM_RETURN_IF_ERROR(Apply(config, spec.key, *chosen));
    }
  }

  const bool any_root =
      !config.root_access_key_id.empty() || !config.root_secret_access_key.empty();
  if (any_root && (config.root_access_key_id.empty() || config.root_secret_access_key.empty())) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "PORTCULLIS_ROOT_ACCESS_KEY_ID and PORTCULLIS_ROOT_SECRET_ACCESS_KEY must "
                     "be set together");
  }
  if (config.dev_clock_offset.count() != 0 && !config.dev_mode) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "dev_clock_offset is a dev-mode setting: set dev_mode too");
  }
  IAM_RETURN_IF_ERROR(api::directory::ValidateDirectoryOptions(config.directory));
  return config;
}

}  // namespace portcullis::server
