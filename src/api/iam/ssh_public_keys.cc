// SSH public keys of IAM users (for CodeCommit): UploadSSHPublicKey, GetSSHPublicKey,
// UpdateSSHPublicKey, DeleteSSHPublicKey, ListSSHPublicKeys.
//
// AWS: IAM API reference for each operation; IAM User Guide, "Use SSH keys and SSH with
// CodeCommit": the key is ssh-rsa (OpenSSH one-line form) or PEM, 2048 to 16384 bits;
// "IAM and AWS STS quotas": 5 SSH public keys per user. Keys are read and checked by
// crypto::ParseSshPublicKey; only public material is stored. Ids are APKA + 16
// characters; Fingerprint is the MD5 of the key blob in colon-separated hex, as
// `ssh-keygen -E md5` prints it. Operations authorize on the user's ARN.
//
// Stored as store::Resource kind kSshPublicKey, key = the key id, user_name = the owner,
// body = {"Status", "SSHPublicKeyBody" (OpenSSH form), "Fingerprint"}.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "api/iam/common.h"
#include "api/iam/credential_owner.h"
#include "api/iam/operation_context.h"
#include "api/iam/resource_family.h"
#include "api/ids.h"
#include "crypto/ssh_key.h"

namespace portcullis::api::iam {
namespace {

using Json = nlohmann::json;

constexpr int kSshPublicKeysPerUser = 5;
constexpr std::string_view kSshKeyIdPrefix = "APKA";
constexpr std::size_t kSshKeyIdSize = 20;

Error KeyNotFound(std::string_view key_id) {
  return NoSuchEntity("The Public Key with id " + std::string(key_id) + " cannot be found.");
}

// The key's stored fields.
struct SshKey {
  store::Resource resource;
  std::string status;
  std::string body;  // OpenSSH form
  std::string fingerprint;
};

Result<SshKey> FromResource(store::Resource resource) {
  Json body = Json::parse(resource.body, nullptr, false);
  if (!body.is_object()) {
    return MakeError(ErrorCode::kInternal, "stored SSH public key is not a JSON object");
  }
  SshKey key;
  key.status = body.value("Status", "Active");
  key.body = body.value("SSHPublicKeyBody", "");
  key.fingerprint = body.value("Fingerprint", "");
  key.resource = std::move(resource);
  return key;
}

std::string BodyJson(const SshKey& key) {
  Json body = {
      {"Status", key.status}, {"SSHPublicKeyBody", key.body}, {"Fingerprint", key.fingerprint}};
  return body.dump();
}

// The key `key_id` when it belongs to `owner`; NoSuchEntity naming the key otherwise, so
// keys of other users stay invisible.
Result<SshKey> OwnedKey(store::ReadTxn& txn, std::string_view account_id,
                        const CredentialOwner& owner, std::string_view key_id) {
  IAM_ASSIGN_OR_RETURN(store::Resource resource,
                       OwnedResource(txn, store::ResourceKind::kSshPublicKey, account_id, owner,
                                     key_id, RootOwner::kNever, KeyNotFound(key_id)));
  return FromResource(std::move(resource));
}

Value MetadataValue(const SshKey& key) {
  Value v = Value::Structure();
  v.Set("UserName", Value::String(key.resource.user_name));
  v.Set("SSHPublicKeyId", Value::String(key.resource.key));
  v.Set("Status", Value::String(key.status));
  v.Set("UploadDate", TimestampValue(key.resource.created));
  return v;
}

Value KeyValue(const SshKey& key, const std::string& body) {
  Value v = Value::Structure();
  v.Set("UserName", Value::String(key.resource.user_name));
  v.Set("SSHPublicKeyId", Value::String(key.resource.key));
  v.Set("Fingerprint", Value::String(key.fingerprint));
  v.Set("SSHPublicKeyBody", Value::String(body));
  v.Set("Status", Value::String(key.status));
  v.Set("UploadDate", TimestampValue(key.resource.created));
  return v;
}

// The owner for operations whose UserName is required.
Result<CredentialOwner> RequiredOwner(OperationContext& ctx, const Value& input,
                                      std::string_view action) {
  IAM_ASSIGN_OR_RETURN(CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, action, owner));
  return owner;
}

Result<Value> UploadSSHPublicKey(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner,
                       RequiredOwner(ctx, input, "iam:UploadSSHPublicKey"));
  auto parsed = crypto::ParseSshPublicKey(StringMember(input, "SSHPublicKeyBody"));
  if (!parsed.has_value()) {
    if (parsed.error().code == ErrorCode::kInvalidArgument) {
      return MakeError(
          AwsCodeError(ErrorCode::kInvalidArgument, "UnrecognizedPublicKeyEncoding",
                       "The public key encoding format is unsupported or unrecognized: " +
                           parsed.error().message));
    }
    return MakeError(AwsCodeError(
        ErrorCode::kInvalidArgument, "InvalidPublicKey",
        "The public key is malformed or otherwise invalid: " + parsed.error().message));
  }
  IAM_ASSIGN_OR_RETURN(
      SshKey created, WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<SshKey> {
        store::ResourceFilter filter;
        filter.user_name = owner.user_name;
        store::ListOptions options;
        options.max_items = store::kMaxMaxItems;
        auto existing = txn.ListResources(store::ResourceKind::kSshPublicKey, ctx.account_id(),
                                          filter, options);
        if (!existing.has_value()) {
          return MakeError(CredentialOwnerError(std::move(existing).error(), owner.user_name));
        }
        for (store::Resource& r : existing->items) {
          IAM_ASSIGN_OR_RETURN(SshKey k, FromResource(std::move(r)));
          if (k.fingerprint == parsed->fingerprint) {
            return MakeError(AwsCodeError(
                ErrorCode::kAlreadyExists, "DuplicateSSHPublicKey",
                "The SSH public key is already associated with the specified IAM user."));
          }
        }
        if (existing->items.size() >= static_cast<std::size_t>(kSshPublicKeysPerUser)) {
          return MakeError(QuotaExceeded("PublicKeysPerUser", kSshPublicKeysPerUser));
        }
        SshKey key;
        key.status = "Active";
        key.body = parsed->openssh;
        key.fingerprint = parsed->fingerprint;
        key.resource.kind = store::ResourceKind::kSshPublicKey;
        key.resource.account_id = ctx.account_id();
        key.resource.key = NewUniqueId(kSshKeyIdPrefix).substr(0, kSshKeyIdSize);
        key.resource.user_name = owner.user_name;
        key.resource.body = BodyJson(key);
        auto put = txn.PutResource(key.resource);
        if (!put.has_value()) {
          return MakeError(CredentialOwnerError(std::move(put).error(), owner.user_name));
        }
        key.resource = *std::move(put);
        return key;
      }));
  Value out = Value::Structure();
  out.Set("SSHPublicKey", KeyValue(created, created.body));
  return out;
}

Result<Value> GetSSHPublicKey(OperationContext& ctx, const Value& input) {
  const std::string key_id(StringMember(input, "SSHPublicKeyId"));
  const std::string_view encoding = StringMember(input, "Encoding");
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner,
                       RequiredOwner(ctx, input, "iam:GetSSHPublicKey"));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(const SshKey key, OwnedKey(*txn, ctx.account_id(), owner, key_id));
  std::string body = key.body;
  if (encoding == "PEM") {
    auto parsed = crypto::ParseSshPublicKey(key.body);
    if (!parsed.has_value()) {
      return MakeError(ErrorCode::kInternal, "stored SSH public key does not parse");
    }
    body = parsed->pem;
  } else if (encoding != "SSH") {
    return MakeError(AwsCodeError(
        ErrorCode::kInvalidArgument, "UnrecognizedPublicKeyEncoding",
        "The encoding " + std::string(encoding) + " is not recognized; use SSH or PEM."));
  }
  Value out = Value::Structure();
  out.Set("SSHPublicKey", KeyValue(key, body));
  return out;
}

Result<Value> UpdateSSHPublicKey(OperationContext& ctx, const Value& input) {
  const std::string key_id(StringMember(input, "SSHPublicKeyId"));
  const std::string status(StringMember(input, "Status"));
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner,
                       RequiredOwner(ctx, input, "iam:UpdateSSHPublicKey"));
  IAM_RETURN_IF_ERROR(CheckActiveOrInactive(status));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(SshKey key, OwnedKey(txn, ctx.account_id(), owner, key_id));
    key.status = status;
    key.resource.body = BodyJson(key);
    IAM_RETURN_IF_ERROR(txn.UpdateResource(key.resource));
    return OkStatus();
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> DeleteSSHPublicKey(OperationContext& ctx, const Value& input) {
  const std::string key_id(StringMember(input, "SSHPublicKeyId"));
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner,
                       RequiredOwner(ctx, input, "iam:DeleteSSHPublicKey"));
  IAM_RETURN_IF_ERROR(DeleteOwnedResource(ctx, store::ResourceKind::kSshPublicKey, owner, key_id,
                                          RootOwner::kNever, KeyNotFound(key_id)));
  return Value::Structure();
}

Result<Value> ListSSHPublicKeys(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:ListSSHPublicKeys", owner));
  Value out = Value::Structure();
  Value& keys = out.Set("SSHPublicKeys", Value::List());
  if (owner.user_name.empty()) {
    // AWS: the root user has no SSH public keys.
    out.Set("IsTruncated", Value::Boolean(false));
    return out;
  }
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(auto page,
                       UserResourcePage(*txn, store::ResourceKind::kSshPublicKey, ctx.account_id(),
                                        owner.user_name, ListOptionsFrom(input, "")));
  for (store::Resource& r : page.items) {
    IAM_ASSIGN_OR_RETURN(const SshKey key, FromResource(std::move(r)));
    keys.Append(MetadataValue(key));
  }
  SetPageFields(page, &out);
  return out;
}

}  // namespace

void RegisterSshPublicKeyOperations(HandlerTable& table) {
  table["UploadSSHPublicKey"] = &UploadSSHPublicKey;
  table["GetSSHPublicKey"] = &GetSSHPublicKey;
  table["UpdateSSHPublicKey"] = &UpdateSSHPublicKey;
  table["DeleteSSHPublicKey"] = &DeleteSSHPublicKey;
  table["ListSSHPublicKeys"] = &ListSSHPublicKeys;
}

}  // namespace portcullis::api::iam
