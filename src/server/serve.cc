#include "server/serve.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "api/accounts/accounts.h"
#include "api/federation/jwks_source.h"
#include "common/base64.h"
#include "common/clock.h"
#include "crypto/secret_box.h"
#include "server/audit_log.h"
#include "server/http_server.h"
#include "server/logging.h"
#include "server/router.h"
#include "server/runtime.h"

namespace portcullis::server {
namespace {

// Creates the data directory (mode 0700) when missing.
Status EnsureDataDir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    return OkStatus();
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot create data directory `" + dir.string() + "`: " + ec.message());
  }
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  return OkStatus();
}

Result<crypto::SecretBox> LoadMasterKey(const ServerConfig& config) {
  if (!config.master_key_base64.empty()) {
    return crypto::SecretBox::FromBase64(config.master_key_base64);
  }
  if (config.store == StoreKind::kMemory && config.master_key_file.empty()) {
    // Nothing sealed outlives the process: a key that lives as long.
    std::array<std::uint8_t, crypto::kMasterKeySize> key{};
    crypto::RandomBytes(key.data(), key.size());
    const std::string encoded =
        EncodeBase64(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
    return crypto::SecretBox::FromBase64(encoded);
  }
  return crypto::SecretBox::FromKeyFile(config.EffectiveMasterKeyFile(), true);
}

std::string JoinStatements(const std::vector<std::string>& statements) {
  std::string out;
  for (const auto& s : statements) {
    if (!out.empty()) {
      out += ", ";
    }
    out += s;
  }
  return out.empty() ? "(none)" : out;
}

void LogSoftDeny(const api::authz::SoftDeny& deny) {
  log::Warn("soft enforcement: request would have been denied",
            {{"request_id", deny.request_id},
             {"principal", deny.principal_arn},
             {"action", deny.action},
             {"resource", deny.resource_arn},
             {"decision", deny.decision},
             {"statements", JoinStatements(deny.statements)}});
}

std::string_view EnforcementName(api::authz::EnforcementMode mode) {
  switch (mode) {
    case api::authz::EnforcementMode::kEnforce:
      return "enforce";
    case api::authz::EnforcementMode::kSoft:
      return "soft";
    case api::authz::EnforcementMode::kOff:
      return "off";
  }
  return "enforce";
}

std::string UrlHost(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

void PrintCredentials(std::ostream& out, const api::accounts::RootCredentials& creds,
                      std::string_view what) {
  out << "portcullis: " << what << " " << creds.account_id
      << "; its root credentials are shown this once, keep them safe:\n"
      << "  AWS_ACCESS_KEY_ID=" << creds.access_key_id << "\n"
      << "  AWS_SECRET_ACCESS_KEY=" << creds.secret_access_key << "\n";
  out.flush();
}

}  // namespace

int Serve(const ServerConfig& config, std::ostream& out, std::ostream& err) {
  log::InitLogging(config.log_format, config.log_level);

  // The data directory holds the database, the default key file and the default audit log.
  const bool needs_dir =
      config.store == StoreKind::kSqlite ||
      (config.audit_target == AuditTarget::kFile && config.audit_log_file.empty());
  if (needs_dir) {
    if (auto made = EnsureDataDir(config.data_dir); !made.has_value()) {
      err << "portcullis: " << made.error().ToString() << "\n";
      return kServeExitFailure;
    }
  }

  auto box = LoadMasterKey(config);
  if (!box.has_value()) {
    err << "portcullis: master key: " << box.error().ToString() << "\n";
    return kServeExitFailure;
  }

  std::unique_ptr<AuditLog> audit;
  if (config.audit_target == AuditTarget::kStdout) {
    audit = AuditLog::Stdout();
  } else if (config.audit_target == AuditTarget::kFile) {
    auto opened = AuditLog::OpenFile(config.EffectiveAuditLogFile());
    if (!opened.has_value()) {
      err << "portcullis: " << opened.error().ToString() << "\n";
      return kServeExitFailure;
    }
    audit = std::move(*opened);
  }

  RuntimeOptions runtime_options;
  runtime_options.store = config.store;
  runtime_options.data_dir = config.data_dir;
  runtime_options.enforcement = config.enforcement;
  runtime_options.iam_quotas = config.iam_quotas;
  runtime_options.s3.max_object_bytes = config.s3_max_body_bytes;
  runtime_options.sts.directory = config.directory;
  runtime_options.on_soft_deny = LogSoftDeny;
  api::federation::JwksSourceOptions jwks_options;
  jwks_options.dir = config.oidc_jwks_dir;
  jwks_options.timeout = config.oidc_fetch_timeout;
  runtime_options.sts.web_identity_keys =
      std::make_shared<api::federation::JwksSource>(std::move(jwks_options));
  runtime_options.bootstrap.account_id = config.account_id;
  runtime_options.bootstrap.access_key_id = config.root_access_key_id;
  runtime_options.bootstrap.secret_access_key = config.root_secret_access_key;

  // Dev mode may run the clock ahead (dev_clock_offset) to let tests see expiry.
  const OffsetClock offset_clock(config.dev_clock_offset);
  const Clock& clock = config.dev_clock_offset.count() != 0
                           ? static_cast<const Clock&>(offset_clock)
                           : static_cast<const Clock&>(SystemClock::Instance());
  auto runtime = OpenRuntime(runtime_options, *box, clock);
  if (!runtime.has_value()) {
    err << "portcullis: " << runtime.error().ToString() << "\n";
    return kServeExitFailure;
  }
  const api::accounts::BootstrapResult boot = (*runtime)->bootstrap();
  if (boot.created.has_value()) {
    PrintCredentials(out, *boot.created, "created account");
  }

  if (config.dev_mode) {
    log::Warn(
        "DEVELOPMENT MODE IS ON: POST /moto-api/reset and /_portcullis/reset wipe ALL "
        "state without authentication; never use it with data you want to keep");
    if (config.dev_clock_offset.count() != 0) {
      log::Warn("the server's clock runs ahead of the system's (dev_clock_offset)",
                {{"offset_ms", std::to_string(config.dev_clock_offset.count())}});
    }
  }
  if (config.enforcement != api::authz::EnforcementMode::kEnforce) {
    log::Warn("policy enforcement is not `enforce`",
              {{"enforcement", EnforcementName(config.enforcement)}});
  }

  RouterOptions router_options;
  router_options.dev_mode = config.dev_mode;
  router_options.runtime = runtime_options;
  router_options.trusted_proxies = config.trusted_proxies;
  Router router(std::move(router_options), std::move(*runtime), *box, clock, audit.get());

  HttpServerOptions http;
  http.address = config.listen_address;
  http.port = config.port;
  http.threads = config.threads;
  http.max_header_bytes = config.max_header_bytes;
  http.max_body_bytes = config.max_body_bytes;
  http.body_limit_for = [&config](const boost::beast::http::request_header<>& header) {
    return IsS3Request(header) ? config.s3_max_body_bytes : config.max_body_bytes;
  };
  http.read_timeout = config.read_timeout;
  http.write_timeout = config.write_timeout;
  http.idle_timeout = config.idle_timeout;
  http.shutdown_timeout = config.shutdown_timeout;
  http.handle_signals = true;
  auto server = HttpServer::Create(
      http, [&router](const HttpRequestMessage& request, const ConnectionInfo& connection) {
        return router.Handle(request, connection);
      });
  if (!server.has_value()) {
    err << "portcullis: " << server.error().ToString() << "\n";
    return kServeExitFailure;
  }

  // The instance metadata listener (docs/workload-credentials.md): its own port, as IMDS
  // paths live at the root; stopped when the main server stops.
  std::unique_ptr<HttpServer> imds;
  std::thread imds_thread;
  if (config.imds_port.has_value()) {
    HttpServerOptions imds_http = http;
    imds_http.address = config.imds_address;
    imds_http.port = *config.imds_port;
    imds_http.threads = 1;
    imds_http.handle_signals = false;
    auto created = HttpServer::Create(
        imds_http, [&router](const HttpRequestMessage& request, const ConnectionInfo& connection) {
          return router.HandleImds(request, connection);
        });
    if (!created.has_value()) {
      err << "portcullis: instance metadata listener: " << created.error().ToString() << "\n";
      return kServeExitFailure;
    }
    imds = std::move(*created);
  }

  const std::string port = std::to_string((*server)->port());
  const std::string store_name = config.store == StoreKind::kSqlite ? "sqlite" : "memory";
  const std::string threads = std::to_string(config.threads);
  const std::string data_dir = config.data_dir.string();
  const std::string audit_name = config.audit_target == AuditTarget::kOff ? "off"
                                 : config.audit_target == AuditTarget::kStdout
                                     ? "-"
                                     : config.EffectiveAuditLogFile().string();
  log::Info("listening", {{"address", config.listen_address},
                          {"port", port},
                          {"data_dir", data_dir},
                          {"store", store_name},
                          {"account_id", boot.first_account_id},
                          {"threads", threads},
                          {"enforcement", EnforcementName(config.enforcement)},
                          {"audit_log", audit_name},
                          {"dev_mode", config.dev_mode ? "true" : "false"}});
  out << "portcullis: listening on http://" << UrlHost(config.listen_address) << ":" << port
      << std::endl;

  if (imds != nullptr) {
    const std::string imds_port = std::to_string(imds->port());
    log::Info("instance metadata service", {{"address", config.imds_address}, {"port", imds_port}});
    out << "portcullis: instance metadata service on http://" << UrlHost(config.imds_address) << ":"
        << imds_port << "/" << std::endl;
    imds_thread = std::thread([&imds] { imds->Run(); });
  }

  (*server)->Run();
  if (imds != nullptr) {
    imds->Stop();
    imds_thread.join();
  }
  log::Info("stopped");
  return kServeExitOk;
}

int CreateAccountCommand(const ServerConfig& config, const CreateAccountArgs& args,
                         std::ostream& out, std::ostream& err) {
  if (config.store != StoreKind::kSqlite) {
    err << "portcullis: account create needs the sqlite store (a memory store lives only "
           "inside a running server)\n";
    return kServeExitFailure;
  }
  if (auto made = EnsureDataDir(config.data_dir); !made.has_value()) {
    err << "portcullis: " << made.error().ToString() << "\n";
    return kServeExitFailure;
  }
  auto box = LoadMasterKey(config);
  if (!box.has_value()) {
    err << "portcullis: master key: " << box.error().ToString() << "\n";
    return kServeExitFailure;
  }
  RuntimeOptions options;
  options.store = config.store;
  options.data_dir = config.data_dir;
  auto store = OpenStore(options, SystemClock::Instance());
  if (!store.has_value()) {
    err << "portcullis: " << store.error().ToString() << "\n";
    return kServeExitFailure;
  }
  api::accounts::CreateAccountOptions create;
  create.account_id = args.account_id;
  create.alias = args.alias;
  auto created = api::accounts::CreateAccount(**store, *box, create);
  if (!created.has_value()) {
    err << "portcullis: " << created.error().ToString() << "\n";
    return created.error().code == ErrorCode::kInvalidArgument ? kServeExitUsage
                                                               : kServeExitFailure;
  }
  PrintCredentials(out, *created, "created account");
  return kServeExitOk;
}

}  // namespace portcullis::server
