#include "api/iam/resource_family.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "crypto/secret_box.h"

namespace portcullis::api::iam {

Error QuotaExceeded(std::string_view quota_name, std::size_t quota) {
  return LimitExceeded("Cannot exceed quota for " + std::string(quota_name) + ": " +
                       std::to_string(quota));
}

std::string RandomUpperAlnum(std::size_t length) {
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::vector<std::uint8_t> bytes(length);
  crypto::RandomBytes(bytes.data(), bytes.size());
  std::string id;
  id.reserve(length);
  for (const std::uint8_t b : bytes) {
    // 252 = 7 * 36: reject the last 4 values so every character is equally likely.
    std::uint8_t v = b;
    while (v >= 252) {
      crypto::RandomBytes(&v, 1);
    }
    id.push_back(kAlphabet[v % kAlphabet.size()]);
  }
  return id;
}

Result<std::string> IamArnMember(const protocol::Value& input, std::string_view member,
                                 std::string_view resource_type) {
  std::string arn(StringMember(input, member));
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  constexpr std::size_t kAccountDigits = 12;
  const std::string type = ":" + std::string(resource_type) + "/";
  const bool ok =
      arn.rfind(kPrefix, 0) == 0 && arn.size() > kPrefix.size() + kAccountDigits + type.size() &&
      std::all_of(arn.begin() + kPrefix.size(), arn.begin() + kPrefix.size() + kAccountDigits,
                  [](char c) { return c >= '0' && c <= '9'; }) &&
      arn.compare(kPrefix.size() + kAccountDigits, type.size(), type) == 0;
  if (!ok) {
    return MakeError(InvalidInput("ARN " + arn + " is not valid."));
  }
  return arn;
}

Status AuthorizeCreateWithTags(const OperationContext& ctx, std::string_view create_action,
                               std::string_view tag_action, std::string_view arn,
                               const std::vector<store::Tag>& tags) {
  const auto context = RequestTagContext(tags);
  IAM_RETURN_IF_ERROR(ctx.Authorize(create_action, arn, context));
  if (!tags.empty()) {
    IAM_RETURN_IF_ERROR(ctx.Authorize(tag_action, arn, context));
  }
  return OkStatus();
}

// User credentials and certificates

Error AwsCodeError(ErrorCode code, std::string aws_code, std::string message) {
  Error e;
  e.code = code;
  e.aws_code = std::move(aws_code);
  e.message = std::move(message);
  return e;
}

Result<store::Resource> OwnedResource(store::ReadTxn& txn, store::ResourceKind kind,
                                      std::string_view account_id, const CredentialOwner& owner,
                                      std::string_view key, RootOwner root,
                                      const Error& not_found) {
  IAM_ASSIGN_OR_RETURN(store::Resource resource,
                       NotFoundAs(txn.GetResource(kind, account_id, key), not_found));
  if ((root == RootOwner::kNever && owner.user_name.empty()) ||
      store::NameKey(resource.user_name) != store::NameKey(owner.user_name)) {
    return MakeError(not_found);
  }
  return resource;
}

Status DeleteOwnedResource(const OperationContext& ctx, store::ResourceKind kind,
                           const CredentialOwner& owner, std::string_view key, RootOwner root,
                           const Error& not_found) {
  return WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(const store::Resource resource,
                         OwnedResource(txn, kind, ctx.account_id(), owner, key, root, not_found));
    return txn.DeleteResource(kind, ctx.account_id(), resource.key);
  });
}

Error CredentialOwnerError(Error error, std::string_view user_name) {
  if (error.code == ErrorCode::kNotFound && !user_name.empty()) {
    return UserNotFound(user_name);
  }
  return error;
}

Result<store::Page<store::Resource>> UserResourcePage(store::ReadTxn& txn, store::ResourceKind kind,
                                                      std::string_view account_id,
                                                      const std::string& user_name,
                                                      const store::ListOptions& options) {
  store::ResourceFilter filter;
  filter.user_name = user_name;
  auto page = txn.ListResources(kind, account_id, filter, options);
  if (!page.has_value()) {
    return MakeError(ListError(CredentialOwnerError(std::move(page).error(), user_name)));
  }
  return page;
}

Status CheckActiveOrInactive(std::string_view status) {
  if (status != "Active" && status != "Inactive") {
    return MakeError(InvalidInput("Status must be Active or Inactive."));
  }
  return OkStatus();
}

}  // namespace portcullis::api::iam
