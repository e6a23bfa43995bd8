// IAM access keys: CreateAccessKey, UpdateAccessKey, DeleteAccessKey, ListAccessKeys,
// GetAccessKeyLastUsed.
//
// UserName is optional where AWS makes it so: without it the operation works on the
// caller's own keys (an IAM user's, or the account's root keys for the root user). The
// secret access key is generated here, returned once by CreateAccessKey, and stored only
// sealed by the SecretBox with the key id as associated data; it never appears in an
// error or a log.
// AWS: IAM API reference for each operation; IAM User Guide, "IAM and AWS STS quotas"
// (two access keys per user).
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "api/iam/common.h"
#include "api/iam/credential_owner.h"
#include "api/iam/operation_context.h"
#include "api/iam/resource_family.h"
#include "api/ids.h"

namespace portcullis::api::iam {
namespace {

constexpr int kAccessKeysPerUser = 2;

Error KeyNotFound(std::string_view key_id) {
  return NoSuchEntity("The Access Key with id " + std::string(key_id) + " cannot be found.");
}

// The key `key_id` when it belongs to `owner` in the caller's account; NoSuchEntity
// (naming the key) otherwise, so keys of other users and accounts stay invisible.
Result<store::AccessKey> OwnedKey(store::ReadTxn& txn, std::string_view account_id,
                                  const CredentialOwner& owner, std::string_view key_id) {
  auto key = txn.GetAccessKey(key_id);
  if (!key.has_value()) {
    if (key.error().code == ErrorCode::kNotFound) {
      return MakeError(KeyNotFound(key_id));
    }
    return MakeError(std::move(key).error());
  }
  if (key->account_id != account_id ||
      store::NameKey(key->user_name) != store::NameKey(owner.user_name)) {
    return MakeError(KeyNotFound(key_id));
  }
  return key;
}

Result<Value> CreateAccessKey(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:CreateAccessKey", owner));
  std::string secret = NewSecretAccessKey();
  IAM_ASSIGN_OR_RETURN(
      store::AccessKey created,
      WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::AccessKey> {
        store::ListOptions options;
        options.max_items = store::kMaxMaxItems;
        auto keys = txn.ListAccessKeys(ctx.account_id(), owner.user_name, options);
        if (!keys.has_value()) {
          return MakeError(CredentialOwnerError(std::move(keys).error(), owner.user_name));
        }
        if (keys->items.size() >= static_cast<std::size_t>(kAccessKeysPerUser)) {
          return MakeError(QuotaExceeded("AccessKeysPerUser", kAccessKeysPerUser));
        }
        store::AccessKey key;
        key.id = NewAccessKeyId();
        key.account_id = ctx.account_id();
        key.user_name = owner.user_name;
        key.status = store::AccessKeyStatus::kActive;
        key.sealed_secret = ctx.box.Seal(secret, key.id);
        auto put = txn.PutAccessKey(std::move(key));
        if (!put.has_value()) {
          return MakeError(CredentialOwnerError(std::move(put).error(), owner.user_name));
        }
        return put;
      }));
  Value key = Value::Structure();
  if (!created.user_name.empty()) {
    key.Set("UserName", Value::String(created.user_name));
  }
  key.Set("AccessKeyId", Value::String(created.id));
  key.Set("Status", Value::String("Active"));
  key.Set("SecretAccessKey", Value::String(std::move(secret)));
  key.Set("CreateDate", TimestampValue(created.created));
  Value out = Value::Structure();
  out.Set("AccessKey", std::move(key));
  return out;
}

Result<Value> UpdateAccessKey(OperationContext& ctx, const Value& input) {
  const std::string key_id(StringMember(input, "AccessKeyId"));
  const std::string_view status_text = StringMember(input, "Status");
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:UpdateAccessKey", owner));
  // The model's statusType enum (Active | Inactive; the codec has checked it).
  const store::AccessKeyStatus status = status_text == "Inactive"
                                            ? store::AccessKeyStatus::kInactive
                                            : store::AccessKeyStatus::kActive;
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(const store::AccessKey key,
                         OwnedKey(txn, ctx.account_id(), owner, key_id));
    auto updated = txn.UpdateAccessKeyStatus(key.id, status);
    if (!updated.has_value() && updated.error().code == ErrorCode::kNotFound) {
      return MakeError(KeyNotFound(key_id));
    }
    return updated;
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> DeleteAccessKey(OperationContext& ctx, const Value& input) {
  const std::string key_id(StringMember(input, "AccessKeyId"));
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:DeleteAccessKey", owner));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(const store::AccessKey key,
                         OwnedKey(txn, ctx.account_id(), owner, key_id));
    auto deleted = txn.DeleteAccessKey(key.id);
    if (!deleted.has_value() && deleted.error().code == ErrorCode::kNotFound) {
      return MakeError(KeyNotFound(key_id));
    }
    return deleted;
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> ListAccessKeys(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:ListAccessKeys", owner));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto page = txn->ListAccessKeys(ctx.account_id(), owner.user_name, ListOptionsFrom(input, ""));
  if (!page.has_value()) {
    return MakeError(ListError(CredentialOwnerError(std::move(page).error(), owner.user_name)));
  }
  Value out = Value::Structure();
  Value& keys = out.Set("AccessKeyMetadata", Value::List());
  for (const store::AccessKey& key : page->items) {
    keys.Append(AccessKeyMetadataValue(key));
  }
  SetPageFields(*page, &out);
  return out;
}

// AWS: the key's owner and when, where and for which service it was last used; a key
// never used answers ServiceName and Region "N/A" and no LastUsedDate.
Result<Value> GetAccessKeyLastUsed(OperationContext& ctx, const Value& input) {
  const std::string key_id(StringMember(input, "AccessKeyId"));
  std::optional<store::AccessKey> key;
  std::string owner_arn;
  {
    IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
    auto found = txn->GetAccessKey(key_id);
    if (found.has_value() && found->account_id == ctx.account_id()) {
      key = *std::move(found);
      if (key->user_name.empty()) {
        owner_arn = RootArn(ctx.account_id());
      } else {
        IAM_ASSIGN_OR_RETURN(const store::User user,
                             txn->GetUser(ctx.account_id(), key->user_name));
        owner_arn = user.arn;
      }
    } else if (!found.has_value() && found.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(found).error());
    }
  }
  // A key this account does not hold is authorized against the account's user "folder",
  // so the answer does not tell a caller without permission whether the key exists.
  if (owner_arn.empty()) {
    owner_arn = IamArn(ctx.account_id(), "user", "/", "*");
  }
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetAccessKeyLastUsed", owner_arn));
  if (!key.has_value()) {
    return MakeError(KeyNotFound(key_id));
  }

  Value last_used = Value::Structure();
  if (key->last_used.has_value()) {
    last_used.Set("LastUsedDate", TimestampValue(*key->last_used));
    last_used.Set("ServiceName",
                  Value::String(key->last_used_service.empty() ? std::string("N/A")
                                                               : key->last_used_service));
    last_used.Set("Region", Value::String(key->last_used_region.empty() ? std::string("N/A")
                                                                        : key->last_used_region));
  } else {
    last_used.Set("ServiceName", Value::String("N/A"));
    last_used.Set("Region", Value::String("N/A"));
  }
  Value out = Value::Structure();
  if (!key->user_name.empty()) {
    out.Set("UserName", Value::String(key->user_name));
  }
  out.Set("AccessKeyLastUsed", std::move(last_used));
  return out;
}

}  // namespace

void RegisterAccessKeyOperations(HandlerTable& table) {
  table["CreateAccessKey"] = &CreateAccessKey;
  table["UpdateAccessKey"] = &UpdateAccessKey;
  table["DeleteAccessKey"] = &DeleteAccessKey;
  table["ListAccessKeys"] = &ListAccessKeys;
  table["GetAccessKeyLastUsed"] = &GetAccessKeyLastUsed;
}

}  // namespace portcullis::api::iam
