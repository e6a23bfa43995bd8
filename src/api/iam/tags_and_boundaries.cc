// Tags and permissions boundaries: Tag/Untag/List...Tags of users, roles, customer managed
// policies, instance profiles, MFA devices, OIDC and SAML providers and server
// certificates; Put/DeleteUserPermissionsBoundary, Put/DeleteRolePermissionsBoundary.
//
// AWS's rules: at most 50 tags per resource (LimitExceeded); a tag given again replaces
// the value of the key that matches without regard to case; keys beginning `aws:` are
// reserved (InvalidInput, common.h InputTags); untagging a key that is not there is not
// an error. Tagging authorizes with aws:RequestTag/KEY and aws:TagKeys, untagging with
// aws:TagKeys; putting a boundary with iam:PermissionsBoundary. A boundary must be an
// attachable managed policy (CheckPermissionsBoundary); service-linked roles cannot be
// changed (UnmodifiableEntity).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/operation_context.h"

namespace portcullis::api::iam {
namespace {

constexpr std::size_t kMaxTagsPerResource = 50;

using Context = std::vector<std::pair<std::string, std::vector<std::string>>>;

std::vector<std::string> InputTagKeys(const Value& input) {
  std::vector<std::string> keys;
  if (const Value* list = input.Find("TagKeys"); list != nullptr) {
    for (const Value& key : list->children()) {
      keys.push_back(key.text());
    }
  }
  return keys;
}

Status MergeTags(std::vector<store::Tag>& tags, const std::vector<store::Tag>& added) {
  for (const store::Tag& tag : added) {
    auto it = std::find_if(tags.begin(), tags.end(), [&](const store::Tag& t) {
      return store::NameKey(t.key) == store::NameKey(tag.key);
    });
    if (it != tags.end()) {
      it->value = tag.value;
    } else {
      tags.push_back(tag);
    }
  }
  if (tags.size() > kMaxTagsPerResource) {
    return MakeError(LimitExceeded("The number of tags has reached the maximum limit."));
  }
  return OkStatus();
}

void RemoveTags(std::vector<store::Tag>& tags, const std::vector<std::string>& keys) {
  std::erase_if(tags, [&](const store::Tag& t) {
    return std::any_of(keys.begin(), keys.end(), [&](const std::string& k) {
      return store::NameKey(k) == store::NameKey(t.key);
    });
  });
}

// Tags as ListUserTags/ListRoleTags page them: the marker is the index of the next tag.
Result<Value> TagPage(const std::vector<store::Tag>& tags, const Value& input) {
  std::size_t start = 0;
  const std::string_view marker = StringMember(input, "Marker");
  if (!marker.empty()) {
    std::size_t parsed = 0;
    for (const char c : marker) {
      if (c < '0' || c > '9' || parsed > kMaxTagsPerResource) {
        return MakeError(InvalidInput("Invalid Marker."));
      }
      parsed = parsed * 10 + static_cast<std::size_t>(c - '0');
    }
    if (parsed > tags.size()) {
      return MakeError(InvalidInput("Invalid Marker."));
    }
    start = parsed;
  }
  const std::size_t max_items =
      static_cast<std::size_t>(IntegerMember(input, "MaxItems").value_or(100));
  const std::size_t end = std::min(tags.size(), start + max_items);
  Value out = Value::Structure();
  out.Set("Tags", TagListValue(std::vector<store::Tag>(tags.begin() + static_cast<long>(start),
                                                       tags.begin() + static_cast<long>(end))));
  out.Set("IsTruncated", Value::Boolean(end < tags.size()));
  if (end < tags.size()) {
    out.Set("Marker", Value::String(std::to_string(end)));
  }
  return out;
}

// What the operations need to know of users and of roles.
struct UserEntity {
  using Record = store::User;
  static constexpr std::string_view kNameMember = "UserName";
  static constexpr std::string_view kTag = "iam:TagUser";
  static constexpr std::string_view kUntag = "iam:UntagUser";
  static constexpr std::string_view kListTags = "iam:ListUserTags";
  static constexpr std::string_view kPutBoundary = "iam:PutUserPermissionsBoundary";
  static constexpr std::string_view kDeleteBoundary = "iam:DeleteUserPermissionsBoundary";

  static Result<std::string> ArnForAuthz(const OperationContext& ctx, std::string_view name) {
    return UserArnForAuthz(ctx, name);
  }

  static Result<Record> Get(store::ReadTxn& txn, std::string_view account, std::string_view name) {
    return txn.GetUser(account, name);
  }

  static Result<Record> Update(store::WriteTxn& txn, Record record) {
    return txn.UpdateUser(std::move(record));
  }

  static Error StoreError(Error error, std::string_view name) {
    return UserError(std::move(error), name);
  }

  static Status CheckBoundaryChangeable(const Record& /*user*/) { return OkStatus(); }
};

struct RoleEntity {
  using Record = store::Role;
  static constexpr std::string_view kNameMember = "RoleName";
  static constexpr std::string_view kTag = "iam:TagRole";
  static constexpr std::string_view kUntag = "iam:UntagRole";
  static constexpr std::string_view kListTags = "iam:ListRoleTags";
  static constexpr std::string_view kPutBoundary = "iam:PutRolePermissionsBoundary";
  static constexpr std::string_view kDeleteBoundary = "iam:DeleteRolePermissionsBoundary";

  static Result<std::string> ArnForAuthz(const OperationContext& ctx, std::string_view name) {
    return RoleArnForAuthz(ctx, name);
  }

  static Result<Record> Get(store::ReadTxn& txn, std::string_view account, std::string_view name) {
    return txn.GetRole(account, name);
  }

  static Result<Record> Update(store::WriteTxn& txn, Record record) {
    return txn.UpdateRole(std::move(record));
  }

  static Error StoreError(Error error, std::string_view name) {
    return RoleError(std::move(error), name);
  }

  // Service-linked roles are AWS's to change (UnmodifiableEntity).
  static Status CheckBoundaryChangeable(const Record& role) { return CheckNotServiceLinked(role); }
};

// Customer managed policies, named by ARN. AWS managed policies are AWS's to tag.
struct PolicyEntity {
  using Record = store::ManagedPolicy;
  static constexpr std::string_view kNameMember = "PolicyArn";
  static constexpr std::string_view kTag = "iam:TagPolicy";
  static constexpr std::string_view kUntag = "iam:UntagPolicy";
  static constexpr std::string_view kListTags = "iam:ListPolicyTags";

  static Result<std::string> ArnForAuthz(const OperationContext& /*ctx*/, std::string_view arn) {
    return std::string(arn);
  }

  static Result<Record> Get(store::ReadTxn& txn, std::string_view account, std::string_view arn) {
    IAM_ASSIGN_OR_RETURN(Record policy, txn.GetManagedPolicy(arn));
    if (policy.account_id != account) {
      return MakeError(store::NotFoundError("policy not in the account"));
    }
    return policy;
  }

  static Result<Record> Update(store::WriteTxn& txn, Record record) {
    return txn.UpdateManagedPolicy(std::move(record));
  }

  static Error StoreError(Error error, std::string_view arn) {
    if (error.code == ErrorCode::kNotFound) {
      return NoSuchEntity("Policy " + std::string(arn) + " does not exist or is not attachable.");
    }
    return error;
  }
};

struct InstanceProfileEntity {
  using Record = store::InstanceProfile;
  static constexpr std::string_view kNameMember = "InstanceProfileName";
  static constexpr std::string_view kTag = "iam:TagInstanceProfile";
  static constexpr std::string_view kUntag = "iam:UntagInstanceProfile";
  static constexpr std::string_view kListTags = "iam:ListInstanceProfileTags";

  static Result<std::string> ArnForAuthz(const OperationContext& ctx, std::string_view name) {
    return InstanceProfileArnForAuthz(ctx, name);
  }

  static Result<Record> Get(store::ReadTxn& txn, std::string_view account, std::string_view name) {
    return txn.GetInstanceProfile(account, name);
  }

  static Result<Record> Update(store::WriteTxn& txn, Record record) {
    return txn.UpdateInstanceProfileTags(record.account_id, record.name, std::move(record.tags));
  }

  static Error StoreError(Error error, std::string_view name) {
    return InstanceProfileError(std::move(error), name);
  }
};

// The kinds of store::Resource that carry tags. Each names its input member, its actions,
// how the member becomes the resource's key and ARN, and AWS's NoSuchEntity message.
template <class Traits>
struct ResourceEntity {
  using Record = store::Resource;
  static constexpr std::string_view kNameMember = Traits::kNameMember;
  static constexpr std::string_view kTag = Traits::kTag;
  static constexpr std::string_view kUntag = Traits::kUntag;
  static constexpr std::string_view kListTags = Traits::kListTags;

  // The resource's ARN: the stored one's when the body records it, else Traits' guess.
  static Result<std::string> ArnForAuthz(const OperationContext& ctx, std::string_view name) {
    IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
    auto found = Get(*txn, ctx.account_id(), name);
    if (found.has_value()) {
      return Traits::Arn(ctx.account_id(), name, &*found);
    }
    if (found.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(found).error());
    }
    return Traits::Arn(ctx.account_id(), name, nullptr);
  }

  static Result<Record> Get(store::ReadTxn& txn, std::string_view account, std::string_view name) {
    return txn.GetResource(Traits::kKind, account, Traits::Key(name));
  }

  static Result<Record> Update(store::WriteTxn& txn, Record record) {
    return txn.UpdateResource(std::move(record));
  }

  static Error StoreError(Error error, std::string_view name) {
    if (error.code == ErrorCode::kNotFound) {
      return NoSuchEntity(Traits::NotFoundMessage(name));
    }
    return error;
  }
};

// MFA devices, OIDC and SAML providers are named by their ARN, which is their key.
struct MfaDeviceTraits {
  static constexpr store::ResourceKind kKind = store::ResourceKind::kMfaDevice;
  static constexpr std::string_view kNameMember = "SerialNumber";
  static constexpr std::string_view kTag = "iam:TagMFADevice";
  static constexpr std::string_view kUntag = "iam:UntagMFADevice";
  static constexpr std::string_view kListTags = "iam:ListMFADeviceTags";

  static std::string Key(std::string_view serial) { return std::string(serial); }

  static std::string Arn(std::string_view, std::string_view serial, const store::Resource*) {
    return std::string(serial);
  }

  static std::string NotFoundMessage(std::string_view serial) {
    return "VirtualMFADevice with serial number " + std::string(serial) + " doesn't exist.";
  }
};

struct OidcProviderTraits {
  static constexpr store::ResourceKind kKind = store::ResourceKind::kOidcProvider;
  static constexpr std::string_view kNameMember = "OpenIDConnectProviderArn";
  static constexpr std::string_view kTag = "iam:TagOpenIDConnectProvider";
  static constexpr std::string_view kUntag = "iam:UntagOpenIDConnectProvider";
  static constexpr std::string_view kListTags = "iam:ListOpenIDConnectProviderTags";

  static std::string Key(std::string_view arn) { return std::string(arn); }

  static std::string Arn(std::string_view, std::string_view arn, const store::Resource*) {
    return std::string(arn);
  }

  static std::string NotFoundMessage(std::string_view arn) {
    return "OpenIDConnect Provider not found for arn " + std::string(arn);
  }
};

struct SamlProviderTraits {
  static constexpr store::ResourceKind kKind = store::ResourceKind::kSamlProvider;
  static constexpr std::string_view kNameMember = "SAMLProviderArn";
  static constexpr std::string_view kTag = "iam:TagSAMLProvider";
  static constexpr std::string_view kUntag = "iam:UntagSAMLProvider";
  static constexpr std::string_view kListTags = "iam:ListSAMLProviderTags";

  static std::string Key(std::string_view arn) { return std::string(arn); }

  static std::string Arn(std::string_view, std::string_view arn, const store::Resource*) {
    return std::string(arn);
  }

  static std::string NotFoundMessage(std::string_view arn) {
    return "Manifest not found for arn " + std::string(arn);
  }
};

// Server certificates are named without regard to case; the stored body records the ARN
// (with the certificate's path).
struct ServerCertificateTraits {
  static constexpr store::ResourceKind kKind = store::ResourceKind::kServerCertificate;
  static constexpr std::string_view kNameMember = "ServerCertificateName";
  static constexpr std::string_view kTag = "iam:TagServerCertificate";
  static constexpr std::string_view kUntag = "iam:UntagServerCertificate";
  static constexpr std::string_view kListTags = "iam:ListServerCertificateTags";

  static std::string Key(std::string_view name) { return store::NameKey(name); }

  static std::string Arn(std::string_view account, std::string_view name,
                         const store::Resource* found) {
    if (found != nullptr) {
      const auto body = nlohmann::json::parse(found->body, nullptr, false);
      if (body.is_object() && body.contains("Arn") && body["Arn"].is_string()) {
        return body["Arn"].get<std::string>();
      }
      return IamArn(account, "server-certificate", found->path, name);
    }
    return IamArn(account, "server-certificate", "/", name);
  }

  static std::string NotFoundMessage(std::string_view name) {
    return "The Server Certificate with name " + std::string(name) + " cannot be found.";
  }
};

// Authorizes `action` on the named entity, then reads, changes and writes it back.
template <class Entity, class Change>
Result<Value> ChangeEntity(OperationContext& ctx, const Value& input, std::string_view action,
                           Context context, Change&& change) {
  const std::string_view name = StringMember(input, Entity::kNameMember);
  IAM_ASSIGN_OR_RETURN(const std::string arn, Entity::ArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize(action, arn, std::move(context)));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<typename Entity::Record> {
    auto record = Entity::Get(txn, ctx.account_id(), name);
    if (!record.has_value()) {
      return MakeError(Entity::StoreError(std::move(record).error(), name));
    }
    IAM_RETURN_IF_ERROR(change(txn, *record));
    return Entity::Update(txn, *std::move(record));
  });
  if (!done.has_value()) {
    return MakeError(std::move(done).error());
  }
  return Value::Structure();
}

template <class Entity>
Result<Value> Tag(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const auto tags, InputTags(input));
  return ChangeEntity<Entity>(ctx, input, Entity::kTag, RequestTagContext(tags),
                              [&](store::WriteTxn&, typename Entity::Record& record) {
                                return MergeTags(record.tags, tags);
                              });
}

template <class Entity>
Result<Value> Untag(OperationContext& ctx, const Value& input) {
  const auto keys = InputTagKeys(input);
  return ChangeEntity<Entity>(ctx, input, Entity::kUntag, Context{{"aws:TagKeys", keys}},
                              [&](store::WriteTxn&, typename Entity::Record& record) -> Status {
                                RemoveTags(record.tags, keys);
                                return OkStatus();
                              });
}

template <class Entity>
Result<Value> ListTags(OperationContext& ctx, const Value& input) {
  const std::string_view name = StringMember(input, Entity::kNameMember);
  IAM_ASSIGN_OR_RETURN(const std::string arn, Entity::ArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize(Entity::kListTags, arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto record = Entity::Get(*txn, ctx.account_id(), name);
  if (!record.has_value()) {
    return MakeError(Entity::StoreError(std::move(record).error(), name));
  }
  return TagPage(record->tags, input);
}

template <class Entity>
Result<Value> PutBoundary(OperationContext& ctx, const Value& input) {
  const std::string boundary(StringMember(input, "PermissionsBoundary"));
  return ChangeEntity<Entity>(
      ctx, input, Entity::kPutBoundary, Context{{"iam:PermissionsBoundary", {boundary}}},
      [&](store::WriteTxn& txn, typename Entity::Record& record) -> Status {
        IAM_RETURN_IF_ERROR(Entity::CheckBoundaryChangeable(record));
        IAM_RETURN_IF_ERROR(CheckPermissionsBoundary(txn, ctx.account_id(), boundary));
        record.permissions_boundary_arn = boundary;
        return OkStatus();
      });
}

template <class Entity>
Result<Value> DeleteBoundary(OperationContext& ctx, const Value& input) {
  return ChangeEntity<Entity>(ctx, input, Entity::kDeleteBoundary, {},
                              [&](store::WriteTxn&, typename Entity::Record& record) -> Status {
                                IAM_RETURN_IF_ERROR(Entity::CheckBoundaryChangeable(record));
                                record.permissions_boundary_arn.clear();
                                return OkStatus();
                              });
}

}  // namespace

void RegisterTagAndBoundaryOperations(HandlerTable& table) {
  table["TagUser"] = Tag<UserEntity>;
  table["UntagUser"] = Untag<UserEntity>;
  table["ListUserTags"] = ListTags<UserEntity>;
  table["PutUserPermissionsBoundary"] = PutBoundary<UserEntity>;
  table["DeleteUserPermissionsBoundary"] = DeleteBoundary<UserEntity>;
  table["TagRole"] = Tag<RoleEntity>;
  table["UntagRole"] = Untag<RoleEntity>;
  table["ListRoleTags"] = ListTags<RoleEntity>;
  table["PutRolePermissionsBoundary"] = PutBoundary<RoleEntity>;
  table["DeleteRolePermissionsBoundary"] = DeleteBoundary<RoleEntity>;
  table["TagPolicy"] = Tag<PolicyEntity>;
  table["UntagPolicy"] = Untag<PolicyEntity>;
  table["ListPolicyTags"] = ListTags<PolicyEntity>;
  table["TagInstanceProfile"] = Tag<InstanceProfileEntity>;
  table["UntagInstanceProfile"] = Untag<InstanceProfileEntity>;
  table["ListInstanceProfileTags"] = ListTags<InstanceProfileEntity>;
  table["TagMFADevice"] = Tag<ResourceEntity<MfaDeviceTraits>>;
  table["UntagMFADevice"] = Untag<ResourceEntity<MfaDeviceTraits>>;
  table["ListMFADeviceTags"] = ListTags<ResourceEntity<MfaDeviceTraits>>;
  table["TagOpenIDConnectProvider"] = Tag<ResourceEntity<OidcProviderTraits>>;
  table["UntagOpenIDConnectProvider"] = Untag<ResourceEntity<OidcProviderTraits>>;
  table["ListOpenIDConnectProviderTags"] = ListTags<ResourceEntity<OidcProviderTraits>>;
  table["TagSAMLProvider"] = Tag<ResourceEntity<SamlProviderTraits>>;
  table["UntagSAMLProvider"] = Untag<ResourceEntity<SamlProviderTraits>>;
  table["ListSAMLProviderTags"] = ListTags<ResourceEntity<SamlProviderTraits>>;
  table["TagServerCertificate"] = Tag<ResourceEntity<ServerCertificateTraits>>;
  table["UntagServerCertificate"] = Untag<ResourceEntity<ServerCertificateTraits>>;
  table["ListServerCertificateTags"] = ListTags<ResourceEntity<ServerCertificateTraits>>;
}

}  // namespace portcullis::api::iam
