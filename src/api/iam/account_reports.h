// The account-level rest of IAM, registered as one family by RegisterAccountReportOperations
// (account_aliases.cc): account aliases, account settings (STS preferences, outbound web
// identity federation), the credential report, access advisor, and the operations that
// only make sense inside AWS Organizations or for AWS's delegation partners.
// Thread-safety: registration functions; handlers as in operation_context.h.
#pragma once

#include <string>
#include <string_view>

#include "api/iam/operation_context.h"
#include "common/error.h"
#include "store/identity_store.h"
#include "store/records.h"

namespace portcullis::api::iam {

void RegisterAccountAliasOperations(HandlerTable& table);      // account_aliases.cc
void RegisterAccountSettingOperations(HandlerTable& table);    // account_settings.cc
void RegisterCredentialReportOperations(HandlerTable& table);  // credential_report.cc
void RegisterAccessAdvisorOperations(HandlerTable& table);     // access_advisor.cc
void RegisterOrganizationsOperations(HandlerTable& table);     // organizations.cc

// The account setting (kAccountSetting) holding the STS preferences.
inline constexpr std::string_view kStsPreferencesKey = "sts-preferences";

// 1 or 2: the GlobalEndpointTokenVersion the account's STS preferences set (1 when unset).
// Defined in account_settings.cc.
[[nodiscard]] Result<int> GlobalEndpointTokenVersion(store::ReadTxn& txn,
                                                     std::string_view account_id);

// Inserts `resource` or, when one with its kind, account and key exists, replaces it.
// Defined in account_settings.cc.
[[nodiscard]] Result<store::Resource> UpsertResource(store::WriteTxn& txn,
                                                     store::Resource resource);

}  // namespace portcullis::api::iam
