#include "api/iam/resource_tag_context.h"

namespace portcullis::api::iam {
namespace {

// Returns the tags of `record` when it was found with exactly `arn`; an empty list when
// it does not exist; the error otherwise.
template <class Record>
Result<std::vector<store::Tag>> TagsIfArn(Result<Record> record, std::string_view arn) {
  if (!record.has_value()) {
    if (record.error().code == ErrorCode::kNotFound) {
      return std::vector<store::Tag>{};
    }
    return tl::unexpected(std::move(record).error());
  }
  if (record->arn != arn) {
    return std::vector<store::Tag>{};
  }
  return std::move(record->tags);
}

Result<std::vector<store::Tag>> ResourceTagsByKey(store::ReadTxn& txn, store::ResourceKind kind,
                                                  std::string_view account_id,
                                                  std::string_view key) {
  auto resource = txn.GetResource(kind, account_id, key);
  if (!resource.has_value()) {
    if (resource.error().code == ErrorCode::kNotFound) {
      return std::vector<store::Tag>{};
    }
    return tl::unexpected(std::move(resource).error());
  }
  return std::move(resource->tags);
}

}  // namespace

Result<std::vector<store::Tag>> IamResourceTags(store::ReadTxn& txn, std::string_view account_id,
                                                std::string_view arn) {
  // arn:aws:iam::ACCOUNT:TYPE/PATH/NAME
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  if (arn.substr(0, kPrefix.size()) != kPrefix ||
      arn.substr(kPrefix.size(), account_id.size()) != account_id ||
      arn.size() <= kPrefix.size() + account_id.size() + 1 ||
      arn[kPrefix.size() + account_id.size()] != ':' ||
      arn.find_first_of("*?") != std::string_view::npos) {
    return std::vector<store::Tag>{};
  }
  const std::string_view resource = arn.substr(kPrefix.size() + account_id.size() + 1);
  const std::size_t slash = resource.find('/');
  const std::size_t last = resource.rfind('/');
  if (slash == std::string_view::npos || last + 1 >= resource.size()) {
    return std::vector<store::Tag>{};
  }
  const std::string_view type = resource.substr(0, slash);
  const std::string_view name = resource.substr(last + 1);
  if (type == "user") {
    return TagsIfArn(txn.GetUser(account_id, name), arn);
  }
  if (type == "role") {
    return TagsIfArn(txn.GetRole(account_id, name), arn);
  }
  if (type == "policy") {
    return TagsIfArn(txn.GetManagedPolicy(arn), arn);
  }
  if (type == "instance-profile") {
    return TagsIfArn(txn.GetInstanceProfile(account_id, name), arn);
  }
  if (type == "mfa") {
    return ResourceTagsByKey(txn, store::ResourceKind::kMfaDevice, account_id, arn);
  }
  if (type == "oidc-provider") {
    return ResourceTagsByKey(txn, store::ResourceKind::kOidcProvider, account_id, arn);
  }
  if (type == "saml-provider") {
    return ResourceTagsByKey(txn, store::ResourceKind::kSamlProvider, account_id, arn);
  }
  if (type == "server-certificate") {
    return ResourceTagsByKey(txn, store::ResourceKind::kServerCertificate, account_id,
                             store::NameKey(name));
  }
  return std::vector<store::Tag>{};
}

std::vector<std::pair<std::string, std::vector<std::string>>> ResourceTagContext(
    const std::vector<store::Tag>& tags) {
  std::vector<std::pair<std::string, std::vector<std::string>>> context;
  context.reserve(tags.size() * 2);
  for (const store::Tag& tag : tags) {
    context.emplace_back("aws:ResourceTag/" + tag.key, std::vector<std::string>{tag.value});
    context.emplace_back("iam:ResourceTag/" + tag.key, std::vector<std::string>{tag.value});
  }
  return context;
}

}  // namespace portcullis::api::iam
