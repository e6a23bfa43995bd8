// The credential report: GenerateCredentialReport, GetCredentialReport.
//
// AWS: IAM User Guide, "Getting credential reports for your AWS account" (the columns, in
// order, and their N/A / not_supported / no_information values), and the API reference:
//  - a report is generated at most once every four hours: GenerateCredentialReport answers
//    State COMPLETE while the stored report is younger than that, else builds a new one and
//    answers STARTED ("No report exists. Starting a new report generation task"). Reports
//    are built synchronously, so ReportInProgress never happens.
//  - GetCredentialReport: Content is the CSV (a blob: base64 on the wire), ReportFormat
//    text/csv, GeneratedTime; ReportNotPresent (410) before any report, ReportExpired (410)
//    once the report is older than four hours.
// Values as real reports print them: booleans `true`/`false`, times ISO 8601 with seconds
// and `+00:00`. The <root_account> row comes first, then users by name.
// Sources: users, login profiles (password_next_rotation = last change + the password
// policy's MaxPasswordAge when set), access keys (first and second by creation time),
// kMfaDevice resources (enabled: body "Enabled": true; the root's: body "AssignedTo":
// "root"), kSigningCertificate resources (body "Status": "Active"|"Inactive"; created is the
// last rotation; the root's have no user). The report is stored as the kReport resource
// "credential-report" (body: GeneratedTime in epoch milliseconds and the CSV).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/account_reports.h"
#include "api/iam/common.h"
#include "api/iam/operation_context.h"

namespace portcullis::api::iam {
namespace {

constexpr std::string_view kReportKey = "credential-report";
constexpr std::chrono::hours kReportLifetime{4};
constexpr std::string_view kRootUser = "<root_account>";

constexpr std::string_view kHeader =
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

constexpr std::string_view kNotApplicable = "N/A";
constexpr std::string_view kNotSupported = "not_supported";
constexpr std::string_view kNoInformation = "no_information";

// 2026-11-28T05:20:56+00:00.
std::string ReportTime(store::Timestamp t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto days = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss<std::chrono::seconds> hms{secs - days};
  std::array<char, 40> buffer{};
  const int n = std::snprintf(
      buffer.data(), buffer.size(), "%04d-%02u-%02uT%02ld:%02ld:%02ld+00:00",
      static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
      static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
      static_cast<long>(hms.minutes().count()), static_cast<long>(hms.seconds().count()));
  return {buffer.data(), n > 0 ? static_cast<std::size_t>(n) : 0};
}

std::string_view Bool(bool b) {
  return b ? "true" : "false";
}

// A CSV field: quoted when it holds a comma, quote or line break (names and ARNs never do).
std::string Field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(text);
  }
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  out += '"';
  return out;
}

nlohmann::json Body(const store::Resource& r) {
  auto json = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  return json.is_object() ? json : nlohmann::json::object();
}

// Every resource of `kind` in the account.
Result<std::vector<store::Resource>> AllResources(store::ReadTxn& txn, store::ResourceKind kind,
                                                  std::string_view account_id) {
  std::vector<store::Resource> out;
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(auto page,
                         txn.ListResources(kind, account_id, store::ResourceFilter{}, options));
    for (auto& r : page.items) {
      out.push_back(std::move(r));
    }
    if (!page.is_truncated) {
      return out;
    }
    options.marker = page.next_marker;
  }
}

Result<std::vector<store::AccessKey>> KeysOf(store::ReadTxn& txn, std::string_view account_id,
                                             std::string_view user_name) {
  std::vector<store::AccessKey> out;
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(auto page, txn.ListAccessKeys(account_id, user_name, options));
    for (auto& k : page.items) {
      out.push_back(std::move(k));
    }
    if (!page.is_truncated) {
      break;
    }
    options.marker = page.next_marker;
  }
  std::stable_sort(
      out.begin(), out.end(),
      [](const store::AccessKey& a, const store::AccessKey& b) { return a.created < b.created; });
  return out;
}

// What the report needs of the account's MFA devices and signing certificates, by owner
// (NameKey of the user; "" for the root user).
struct Credentials {
  std::map<std::string, bool> mfa_enabled;
  std::map<std::string, std::vector<store::Resource>> certificates;  // by creation time
};

Result<Credentials> CollectCredentials(store::ReadTxn& txn, std::string_view account_id) {
  Credentials c;
  IAM_ASSIGN_OR_RETURN(auto devices,
                       AllResources(txn, store::ResourceKind::kMfaDevice, account_id));
  for (const store::Resource& d : devices) {
    const nlohmann::json body = Body(d);
    if (!body.value("Enabled", false)) {
      continue;
    }
    std::string owner = store::NameKey(d.user_name);
    if (d.user_name.empty() && body.value("AssignedTo", "") != "root") {
      continue;  // an unassigned virtual device
    }
    c.mfa_enabled[owner] = true;
  }
  IAM_ASSIGN_OR_RETURN(auto certs,
                       AllResources(txn, store::ResourceKind::kSigningCertificate, account_id));
  for (store::Resource& cert : certs) {
    c.certificates[store::NameKey(cert.user_name)].push_back(std::move(cert));
  }
  for (auto& [owner, list] : c.certificates) {
    std::stable_sort(
        list.begin(), list.end(),
        [](const store::Resource& a, const store::Resource& b) { return a.created < b.created; });
  }
  return c;
}

void AppendKeyColumns(const std::vector<store::AccessKey>& keys, std::size_t index,
                      std::vector<std::string>& row) {
  if (index >= keys.size()) {
    row.emplace_back(Bool(false));
    for (int i = 0; i < 4; ++i) {
      row.emplace_back(kNotApplicable);
    }
    return;
  }
  const store::AccessKey& key = keys[index];
  const bool active = key.status == store::AccessKeyStatus::kActive;
  row.emplace_back(Bool(active));
  // AWS: "If the user does not have an active access key, the value is N/A."
  row.push_back(active ? ReportTime(key.created) : std::string(kNotApplicable));
  if (key.last_used.has_value()) {
    row.push_back(ReportTime(*key.last_used));
    row.push_back(key.last_used_region.empty() ? std::string(kNotApplicable)
                                               : key.last_used_region);
    row.push_back(key.last_used_service.empty() ? std::string(kNotApplicable)
                                                : key.last_used_service);
  } else {
    for (int i = 0; i < 3; ++i) {
      row.emplace_back(kNotApplicable);
    }
  }
}

void AppendCertColumns(const std::vector<store::Resource>* certs, std::size_t index,
                       std::vector<std::string>& row) {
  if (certs == nullptr || index >= certs->size()) {
    row.emplace_back(Bool(false));
    row.emplace_back(kNotApplicable);
    return;
  }
  const store::Resource& cert = (*certs)[index];
  const bool active = Body(cert).value("Status", "Active") == "Active";
  row.emplace_back(Bool(active));
  row.push_back(active ? ReportTime(cert.created) : std::string(kNotApplicable));
}

void AppendRow(const std::vector<std::string>& row, std::string& csv) {
  csv += '\n';
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (i != 0) {
      csv += ',';
    }
    csv += Field(row[i]);
  }
}

void AppendCredentialColumns(const Credentials& creds, const std::string& owner,
                             const std::vector<store::AccessKey>& keys,
                             std::vector<std::string>& row) {
  const auto mfa = creds.mfa_enabled.find(owner);
  row.emplace_back(Bool(mfa != creds.mfa_enabled.end() && mfa->second));
  AppendKeyColumns(keys, 0, row);
  AppendKeyColumns(keys, 1, row);
  const auto certs = creds.certificates.find(owner);
  const std::vector<store::Resource>* list =
      certs == creds.certificates.end() ? nullptr : &certs->second;
  AppendCertColumns(list, 0, row);
  AppendCertColumns(list, 1, row);
}

// Appends the row of `user`; `max_age_days` is the password policy's MaxPasswordAge (0:
// passwords do not expire).
Status AppendUserRow(store::ReadTxn& txn, const store::User& user, std::int32_t max_age_days,
                     const Credentials& creds, std::string& csv) {
  std::vector<std::string> row;
  row.push_back(user.name);
  row.push_back(user.arn);
  row.push_back(ReportTime(user.created));
  auto profile = txn.GetLoginProfile(user.account_id, user.name);
  if (profile.has_value()) {
    row.emplace_back(Bool(true));
    row.push_back(user.password_last_used.has_value() ? ReportTime(*user.password_last_used)
                                                      : std::string(kNoInformation));
    row.push_back(ReportTime(profile->password_last_changed));
    row.push_back(max_age_days > 0
                      ? ReportTime(profile->password_last_changed + std::chrono::days(max_age_days))
                      : std::string(kNotApplicable));
  } else if (profile.error().code == ErrorCode::kNotFound) {
    row.emplace_back(Bool(false));
    for (int i = 0; i < 3; ++i) {
      row.emplace_back(kNotApplicable);
    }
  } else {
    return MakeError(std::move(profile).error());
  }
  IAM_ASSIGN_OR_RETURN(auto keys, KeysOf(txn, user.account_id, user.name));
  AppendCredentialColumns(creds, store::NameKey(user.name), keys, row);
  AppendRow(row, csv);
  return OkStatus();
}

// Builds the report's CSV from what `txn` holds.
Result<std::string> BuildCredentialReport(store::ReadTxn& txn, std::string_view account_id) {
  IAM_ASSIGN_OR_RETURN(store::Account account, txn.GetAccount(account_id));
  IAM_ASSIGN_OR_RETURN(Credentials creds, CollectCredentials(txn, account_id));
  std::int32_t max_age_days = 0;
  auto policy = txn.GetPasswordPolicy(account_id);
  if (policy.has_value()) {
    max_age_days = policy->max_password_age;
  } else if (policy.error().code != ErrorCode::kNotFound) {
    return MakeError(std::move(policy).error());
  }

  std::string csv(kHeader);
  {
    std::vector<std::string> row;
    row.emplace_back(kRootUser);
    row.push_back(RootArn(account_id));
    row.push_back(ReportTime(account.created));
    row.emplace_back(kNotSupported);   // password_enabled
    row.emplace_back(kNoInformation);  // password_last_used: root sign-ins are not tracked yet
    row.emplace_back(kNotSupported);   // password_last_changed
    row.emplace_back(kNotSupported);   // password_next_rotation
    IAM_ASSIGN_OR_RETURN(auto keys, KeysOf(txn, account_id, ""));
    AppendCredentialColumns(creds, "", keys, row);
    AppendRow(row, csv);
  }

  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(auto page, txn.ListUsers(account_id, options));
    for (const store::User& user : page.items) {
      IAM_RETURN_IF_ERROR(AppendUserRow(txn, user, max_age_days, creds, csv));
    }
    if (!page.is_truncated) {
      break;
    }
    options.marker = page.next_marker;
  }
  return csv;
}

struct StoredReport {
  store::Timestamp generated;
  std::string content;
};

Result<std::optional<StoredReport>> LoadReport(store::ReadTxn& txn, std::string_view account_id) {
  auto stored = txn.GetResource(store::ResourceKind::kReport, account_id, kReportKey);
  if (!stored.has_value()) {
    if (stored.error().code == ErrorCode::kNotFound) {
      return std::optional<StoredReport>();
    }
    return MakeError(std::move(stored).error());
  }
  const nlohmann::json body = Body(*stored);
  StoredReport report;
  report.generated = store::Timestamp(std::chrono::milliseconds(body.value("GeneratedTime", 0LL)));
  report.content = body.value("Content", "");
  return std::optional<StoredReport>(std::move(report));
}

store::Timestamp Now(const OperationContext& ctx) {
  return std::chrono::floor<std::chrono::milliseconds>(ctx.clock.Now());
}

Result<Value> GenerateCredentialReport(OperationContext& ctx, const Value& /*input*/) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GenerateCredentialReport", "*"));
  const store::Timestamp now = Now(ctx);
  return WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<Value> {
    IAM_ASSIGN_OR_RETURN(auto existing, LoadReport(txn, ctx.account_id()));
    Value out = Value::Structure();
    if (existing.has_value() && now - existing->generated < kReportLifetime) {
      out.Set("State", Value::String("COMPLETE"));
      return out;
    }
    IAM_ASSIGN_OR_RETURN(std::string csv, BuildCredentialReport(txn, ctx.account_id()));
    store::Resource report;
    report.kind = store::ResourceKind::kReport;
    report.account_id = ctx.account_id();
    report.key = std::string(kReportKey);
    report.body = nlohmann::json{{"GeneratedTime", now.time_since_epoch().count()},
                                 {"Content", std::move(csv)}}
                      .dump();
    IAM_RETURN_IF_ERROR(UpsertResource(txn, std::move(report)));
    out.Set("State", Value::String("STARTED"));
    out.Set("Description",
            Value::String("No report exists. Starting a new report generation task"));
    return out;
  });
}

Result<Value> GetCredentialReport(OperationContext& ctx, const Value& /*input*/) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetCredentialReport", "*"));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(auto report, LoadReport(*txn, ctx.account_id()));
  if (!report.has_value()) {
    return MakeError(Error{ErrorCode::kNotFound,
                           "Credential report not present. Generate a new report with "
                           "GenerateCredentialReport.",
                           std::nullopt,
                           {},
                           "ReportNotPresent"});
  }
  if (Now(ctx) - report->generated >= kReportLifetime) {
    return MakeError(Error{ErrorCode::kNotFound,
                           "Credential report has expired. Generate a new report with "
                           "GenerateCredentialReport.",
                           std::nullopt,
                           {},
                           "ReportExpired"});
  }
  Value out = Value::Structure();
  out.Set("Content", Value::Blob(std::move(report->content)));
  out.Set("ReportFormat", Value::String("text/csv"));
  out.Set("GeneratedTime", TimestampValue(report->generated));
  return out;
}

}  // namespace

void RegisterCredentialReportOperations(HandlerTable& table) {
  table["GenerateCredentialReport"] = &GenerateCredentialReport;
  table["GetCredentialReport"] = &GetCredentialReport;
}

}  // namespace portcullis::api::iam
