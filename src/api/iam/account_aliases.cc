// Account aliases: CreateAccountAlias, DeleteAccountAlias, ListAccountAliases; and the
// registration of the account-level family (account_reports.h).
//
// AWS: IAM API reference for each operation; IAM User Guide / Sign-In User Guide, "Using
// an alias for your AWS account ID": an account has at most one alias, and "when you
// create a new alias, the new alias overwrites the previous alias"; an alias is unique
// across every account of the partition (here: of the server), so another account's alias
// is EntityAlreadyExists. The model's pattern (3-63 characters: lowercase letters, digits
// and single hyphens, not at either end) is enforced by the codec (ValidationError). An
// alias that is a 12-digit number would read as an account id in sign-in URLs and is
// refused (InvalidInput).
//
// Storage: one kAccountAlias resource per account, key = the alias (the console sign-in
// resolves an alias with GetResource(kAccountAlias, account, alias)); store::Account::alias
// is kept equal to it in the same transaction. The actions take no resource ("*").
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/account_reports.h"
#include "api/iam/common.h"
#include "api/iam/operation_context.h"

namespace portcullis::api::iam {
namespace {

bool IsTwelveDigits(std::string_view alias) {
  return alias.size() == 12 &&
         std::all_of(alias.begin(), alias.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Error AliasExists(std::string_view alias) {
  return EntityAlreadyExists("The account alias " + std::string(alias) + " already exists.");
}

// The account's aliases (at most one), in key order.
Result<std::vector<store::Resource>> AliasesOf(store::ReadTxn& txn, std::string_view account_id) {
  std::vector<store::Resource> out;
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(auto page,
                         txn.ListResources(store::ResourceKind::kAccountAlias, account_id,
                                           store::ResourceFilter{}, options));
    for (auto& r : page.items) {
      out.push_back(std::move(r));
    }
    if (!page.is_truncated) {
      return out;
    }
    options.marker = page.next_marker;
  }
}

// Whether an account other than `account_id` uses `alias`.
Result<bool> TakenElsewhere(store::ReadTxn& txn, std::string_view account_id,
                            std::string_view alias) {
  IAM_ASSIGN_OR_RETURN(std::vector<store::Account> accounts, txn.ListAccounts());
  for (const store::Account& account : accounts) {
    if (account.id == account_id) {
      continue;
    }
    if (account.alias == alias) {
      return true;
    }
    auto resource = txn.GetResource(store::ResourceKind::kAccountAlias, account.id, alias);
    if (resource.has_value()) {
      return true;
    }
    if (resource.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(resource).error());
    }
  }
  return false;
}

// Sets store::Account::alias of the caller's account.
Status SetAccountAlias(store::WriteTxn& txn, std::string_view account_id, std::string alias) {
  IAM_ASSIGN_OR_RETURN(store::Account account, txn.GetAccount(account_id));
  if (account.alias == alias) {
    return OkStatus();
  }
  account.alias = std::move(alias);
  IAM_RETURN_IF_ERROR(txn.UpdateAccount(std::move(account)));
  return OkStatus();
}

// Makes `alias` the account's only alias. EntityAlreadyExists when another account uses it.
Status ReplaceAlias(store::WriteTxn& txn, const std::string& account_id, const std::string& alias) {
  IAM_ASSIGN_OR_RETURN(const bool taken, TakenElsewhere(txn, account_id, alias));
  if (taken) {
    return MakeError(AliasExists(alias));
  }
  IAM_ASSIGN_OR_RETURN(std::vector<store::Resource> current, AliasesOf(txn, account_id));
  bool present = false;
  for (const store::Resource& r : current) {
    if (r.key == alias) {
      present = true;
      continue;
    }
    // AWS: a new alias overwrites the previous one.
    IAM_RETURN_IF_ERROR(txn.DeleteResource(store::ResourceKind::kAccountAlias, account_id, r.key));
  }
  if (!present) {
    store::Resource resource;
    resource.kind = store::ResourceKind::kAccountAlias;
    resource.account_id = account_id;
    resource.key = alias;
    resource.body = "{}";
    auto put = txn.PutResource(std::move(resource));
    if (!put.has_value()) {
      if (put.error().code == ErrorCode::kAlreadyExists) {
        return MakeError(AliasExists(alias));
      }
      return MakeError(std::move(put).error());
    }
  }
  return SetAccountAlias(txn, account_id, alias);
}

Result<Value> CreateAccountAlias(OperationContext& ctx, const Value& input) {
  const std::string alias(StringMember(input, "AccountAlias"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:CreateAccountAlias", "*"));
  if (IsTwelveDigits(alias)) {
    return MakeError(InvalidInput("The account alias " + alias + " cannot be a 12-digit number."));
  }
  return WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<Value> {
    IAM_RETURN_IF_ERROR(ReplaceAlias(txn, ctx.account_id(), alias));
    return Value::Structure();
  });
}

Result<Value> DeleteAccountAlias(OperationContext& ctx, const Value& input) {
  const std::string alias(StringMember(input, "AccountAlias"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeleteAccountAlias", "*"));
  return WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<Value> {
    auto deleted = txn.DeleteResource(store::ResourceKind::kAccountAlias, ctx.account_id(), alias);
    if (!deleted.has_value()) {
      if (deleted.error().code != ErrorCode::kNotFound) {
        return MakeError(std::move(deleted).error());
      }
      // An alias given when the account was created lives only in the account record.
      IAM_ASSIGN_OR_RETURN(store::Account account, txn.GetAccount(ctx.account_id()));
      if (account.alias != alias) {
        return MakeError(NoSuchEntity("The account alias " + alias + " cannot be found."));
      }
    }
    IAM_ASSIGN_OR_RETURN(std::vector<store::Resource> rest, AliasesOf(txn, ctx.account_id()));
    IAM_RETURN_IF_ERROR(
        SetAccountAlias(txn, ctx.account_id(), rest.empty() ? std::string() : rest.front().key));
    return Value::Structure();
  });
}

Result<Value> ListAccountAliases(OperationContext& ctx, const Value& input) {
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListAccountAliases", "*"));
  const store::ListOptions options = ListOptionsFrom(input, {});
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto page = txn->ListResources(store::ResourceKind::kAccountAlias, ctx.account_id(),
                                 store::ResourceFilter{}, options);
  if (!page.has_value()) {
    return MakeError(ListError(std::move(page).error()));
  }
  Value out = Value::Structure();
  Value& list = out.Set("AccountAliases", Value::List());
  for (const store::Resource& r : page->items) {
    list.Append(Value::String(r.key));
  }
  if (page->items.empty() && options.marker.empty()) {
    // An alias given when the account was created lives only in the account record.
    IAM_ASSIGN_OR_RETURN(store::Account account, txn->GetAccount(ctx.account_id()));
    if (!account.alias.empty()) {
      list.Append(Value::String(account.alias));
    }
  }
  SetPageFields(*page, &out);
  return out;
}

}  // namespace

void RegisterAccountAliasOperations(HandlerTable& table) {
  table["CreateAccountAlias"] = &CreateAccountAlias;
  table["DeleteAccountAlias"] = &DeleteAccountAlias;
  table["ListAccountAliases"] = &ListAccountAliases;
}

void RegisterAccountReportOperations(HandlerTable& table) {
  RegisterAccountAliasOperations(table);
  RegisterAccountSettingOperations(table);
  RegisterCredentialReportOperations(table);
  RegisterAccessAdvisorOperations(table);
  RegisterOrganizationsOperations(table);
}

}  // namespace portcullis::api::iam
