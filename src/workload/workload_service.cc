#include "workload/workload_service.h"

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/sts/sts_common.h"
#include "common/base64.h"
#include "crypto/crypto.h"
#include "policy/ip_address.h"

namespace portcullis::workload {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kImdsTokenAd = "portcullis-imds-token-1";
constexpr std::array<std::string_view, 2> kServicePrincipals = {"ec2.amazonaws.com",
                                                                "ecs-tasks.amazonaws.com"};

Error WorkloadError(ErrorCode code, std::string aws_code, std::string message) {
  return Error{code, std::move(message), std::nullopt, {}, std::move(aws_code)};
}

Error BadToken() {
  return WorkloadError(ErrorCode::kUnauthenticated, "InvalidClientTokenId",
                       "The workload token is not valid.");
}

std::string RandomHex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  crypto::RandomBytes(reinterpret_cast<std::uint8_t*>(raw.data()), raw.size());
  return crypto::HexLower(raw);
}

std::string CacheKey(const Workload& w) {
  return w.account_id + "/" + w.id;
}

std::int64_t EpochSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

// The canonical text of an address, or "" when `text` is not one.
std::string CanonicalAddress(std::string_view text) {
  auto parsed = policy::ParseIpAddress(text);
  if (!parsed.has_value()) {
    return "";
  }
  if (parsed->family == policy::IpFamily::kV4) {
    const auto& a = parsed->address;
    return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." +
           std::to_string(a[3]);
  }
  return std::string(text);
}

bool SameAddress(std::string_view a, std::string_view b) {
  auto pa = policy::ParseIpAddress(a);
  auto pb = policy::ParseIpAddress(b);
  if (!pa.has_value() || !pb.has_value()) {
    return false;
  }
  return policy::Contains(*pa, *pb) && policy::Contains(*pb, *pa);
}

}  // namespace

store::Resource ToResource(const Workload& workload) {
  store::Resource r;
  r.kind = store::ResourceKind::kWorkload;
  r.account_id = workload.account_id;
  r.key = workload.id;
  r.body = Json{{"InstanceProfileName", workload.instance_profile_name},
                {"RoleArn", workload.role_arn},
                {"TokenSha256", workload.token_sha256},
                {"ImdsSourceIp", workload.imds_source_ip},
                {"CreatedBy", workload.created_by}}
               .dump();
  r.created = workload.created;
  return r;
}

Result<Workload> FromResource(const store::Resource& resource) {
  Json body = Json::parse(resource.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return MakeError(ErrorCode::kInternal, "workload `" + resource.key + "` has a malformed body");
  }
  Workload w;
  w.account_id = resource.account_id;
  w.id = resource.key;
  w.instance_profile_name = body.value("InstanceProfileName", "");
  w.role_arn = body.value("RoleArn", "");
  w.token_sha256 = body.value("TokenSha256", "");
  w.imds_source_ip = body.value("ImdsSourceIp", "");
  w.created_by = body.value("CreatedBy", "");
  w.created = resource.created;
  return w;
}

WorkloadService::WorkloadService(store::IdentityStore& store, api::authz::Authorizer& authorizer,
                                 const crypto::SecretBox& box, const Clock& clock)
    : store_(store),
      authorizer_(authorizer),
      box_(box),
      clock_(clock),
      tokens_(box),
      imds_box_(box.Derive("imds-token", 0)) {}

std::string WorkloadService::NewWorkloadId() {
  return "i-" + RandomHex(9).substr(0, 17);
}

Result<Registration> WorkloadService::Register(const auth::Caller& caller,
                                               const api::RequestInfo& info,
                                               std::string_view profile_name,
                                               std::string_view imds_source_ip) {
  if (profile_name.empty() || profile_name.size() > 128) {
    return MakeError(WorkloadError(ErrorCode::kInvalidArgument, "ValidationError",
                                   "InstanceProfileName must be 1 to 128 characters"));
  }
  std::string address;
  if (!imds_source_ip.empty()) {
    address = CanonicalAddress(imds_source_ip);
    if (address.empty()) {
      return MakeError(
          WorkloadError(ErrorCode::kInvalidArgument, "ValidationError",
                        "ImdsSourceIp `" + std::string(imds_source_ip) + "` is not an IP address"));
    }
  }
  IAM_ASSIGN_OR_RETURN(auto txn, store_.BeginRead());
  auto profile = txn->GetInstanceProfile(caller.account_id, profile_name);
  if (!profile.has_value()) {
    if (profile.error().code == ErrorCode::kNotFound) {
      return MakeError(
          WorkloadError(ErrorCode::kNotFound, "NoSuchEntity",
                        "Instance Profile " + std::string(profile_name) + " cannot be found."));
    }
    return MakeError(profile.error());
  }
  if (profile->role_names.empty()) {
    return MakeError(WorkloadError(ErrorCode::kInvalidArgument, "ValidationError",
                                   "Instance profile " + profile->name +
                                       " has no role; add one with AddRoleToInstanceProfile"));
  }
  IAM_ASSIGN_OR_RETURN(store::Role role, txn->GetRole(caller.account_id, profile->role_names[0]));
  txn.reset();

  IAM_RETURN_IF_ERROR(AuthorizePassRole(caller, info, role.arn));

  if (!address.empty()) {
    IAM_ASSIGN_OR_RETURN(auto existing, FindByImdsAddress(address));
    if (existing.has_value()) {
      return MakeError(
          WorkloadError(ErrorCode::kAlreadyExists, "EntityAlreadyExists",
                        "Address " + address + " is already claimed by another workload"));
    }
  }

  Registration out;
  Workload& w = out.workload;
  w.account_id = caller.account_id;
  w.id = NewWorkloadId();
  out.token = std::string(kTokenPrefix) + caller.account_id + "." + w.id + "." + RandomHex(32);
  w.instance_profile_name = profile->name;
  w.role_arn = role.arn;
  w.token_sha256 = crypto::HexLower(crypto::Sha256(out.token));
  w.imds_source_ip = address;
  w.created_by = caller.arn;
  out.instance_profile_arn = profile->arn;
  IAM_ASSIGN_OR_RETURN(store::Resource stored,
                       api::iam::WithWriteTxn(store_, [&](store::WriteTxn& wtxn) {
                         return wtxn.PutResource(ToResource(w));
                       }));
  w.created = stored.created;
  return out;
}

// AWS's rule for attaching a role to an instance: iam:PassRole on the role for
// ec2.amazonaws.com (registration and deregistration both ask it).
Status WorkloadService::AuthorizePassRole(const auth::Caller& caller, const api::RequestInfo& info,
                                          const std::string& role_arn) {
  api::authz::AuthzRequest request;
  request.action = "iam:PassRole";
  request.resource_arn = role_arn;
  request.context.push_back({"iam:PassedToService", {"ec2.amazonaws.com"}});
  auto allowed = authorizer_.Authorize(caller, info, request);
  if (!allowed.has_value() && allowed.error().aws_code == "AccessDenied") {
    return MakeError(WorkloadError(ErrorCode::kPermissionDenied, "AccessDenied",
                                   "User: " + caller.arn +
                                       " is not authorized to perform: iam:PassRole on "
                                       "resource: " +
                                       role_arn));
  }
  return allowed;
}

Status WorkloadService::Deregister(const auth::Caller& caller, const api::RequestInfo& info,
                                   std::string_view id) {
  auto resource = [&]() -> Result<store::Resource> {
    IAM_ASSIGN_OR_RETURN(auto txn, store_.BeginRead());
    return txn->GetResource(store::ResourceKind::kWorkload, caller.account_id, id);
  }();
  if (!resource.has_value()) {
    if (resource.error().code == ErrorCode::kNotFound) {
      return MakeError(WorkloadError(ErrorCode::kNotFound, "NoSuchEntity",
                                     "Workload " + std::string(id) + " cannot be found."));
    }
    return MakeError(resource.error());
  }
  IAM_ASSIGN_OR_RETURN(Workload w, FromResource(*resource));
  IAM_RETURN_IF_ERROR(AuthorizePassRole(caller, info, w.role_arn));
  IAM_RETURN_IF_ERROR(api::iam::WithWriteTxn(store_, [&](store::WriteTxn& wtxn) -> Status {
    return wtxn.DeleteResource(store::ResourceKind::kWorkload, w.account_id, w.id);
  }));
  const std::lock_guard<std::mutex> lock(mutex_);
  cache_.erase(CacheKey(w));
  return OkStatus();
}

Result<Workload> WorkloadService::Authenticate(std::string_view bearer_token) {
  // pcw1.ACCOUNT.i-XXXXXXXXXXXXXXXXX.SECRET
  if (!bearer_token.starts_with(kTokenPrefix) || bearer_token.size() > 256) {
    return MakeError(BadToken());
  }
  std::string_view rest = bearer_token.substr(kTokenPrefix.size());
  const std::size_t dot1 = rest.find('.');
  if (dot1 == std::string_view::npos) {
    return MakeError(BadToken());
  }
  const std::size_t dot2 = rest.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) {
    return MakeError(BadToken());
  }
  const std::string_view account = rest.substr(0, dot1);
  const std::string_view id = rest.substr(dot1 + 1, dot2 - dot1 - 1);
  if (account.size() != 12 || id.empty()) {
    return MakeError(BadToken());
  }
  auto resource = [&]() -> Result<store::Resource> {
    IAM_ASSIGN_OR_RETURN(auto txn, store_.BeginRead());
    return txn->GetResource(store::ResourceKind::kWorkload, account, id);
  }();
  if (!resource.has_value()) {
    if (resource.error().code == ErrorCode::kNotFound ||
        resource.error().code == ErrorCode::kInvalidArgument) {
      return MakeError(BadToken());
    }
    return MakeError(resource.error());
  }
  IAM_ASSIGN_OR_RETURN(Workload w, FromResource(*resource));
  if (!crypto::ConstantTimeEquals(crypto::HexLower(crypto::Sha256(bearer_token)), w.token_sha256)) {
    return MakeError(BadToken());
  }
  return w;
}

Result<std::optional<Workload>> WorkloadService::FindByImdsAddress(std::string_view peer_ip) {
  IAM_ASSIGN_OR_RETURN(auto txn, store_.BeginRead());
  IAM_ASSIGN_OR_RETURN(std::vector<store::Account> accounts, txn->ListAccounts());
  for (const store::Account& account : accounts) {
    store::ListOptions options;
    options.max_items = store::kMaxMaxItems;
    for (;;) {
      IAM_ASSIGN_OR_RETURN(auto page, txn->ListResources(store::ResourceKind::kWorkload, account.id,
                                                         store::ResourceFilter{}, options));
      for (const store::Resource& r : page.items) {
        auto w = FromResource(r);
        if (w.has_value() && !w->imds_source_ip.empty() &&
            SameAddress(w->imds_source_ip, peer_ip)) {
          return std::optional<Workload>(std::move(*w));
        }
      }
      if (!page.is_truncated) {
        break;
      }
      options.marker = page.next_marker;
    }
  }
  return std::optional<Workload>();
}

Result<RoleCredentials> WorkloadService::Credentials(const Workload& workload,
                                                     const api::RequestInfo& info) {
  IAM_ASSIGN_OR_RETURN(auto txn, store_.BeginRead());
  auto profile = txn->GetInstanceProfile(workload.account_id, workload.instance_profile_name);
  if (!profile.has_value()) {
    if (profile.error().code == ErrorCode::kNotFound) {
      return MakeError(WorkloadError(
          ErrorCode::kNotFound, "NoSuchEntity",
          "Instance Profile " + workload.instance_profile_name + " cannot be found."));
    }
    return MakeError(profile.error());
  }
  if (profile->role_names.empty()) {
    return MakeError(WorkloadError(ErrorCode::kFailedPrecondition, "InvalidInstanceProfile",
                                   "Instance profile " + profile->name + " has no role"));
  }
  auto role = txn->GetRole(workload.account_id, profile->role_names[0]);
  if (!role.has_value()) {
    return MakeError(role.error());
  }
  txn.reset();

  const auto now = clock_.Now();
  const std::string key = CacheKey(workload);
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.role_arn == role->arn &&
        it->second.expiration - now > std::chrono::seconds(kRefreshSeconds)) {
      return it->second;
    }
  }

  const auth::Caller nobody;
  const api::sts::StsOptions options;
  api::sts::StsContext ctx{store_, authorizer_, box_, tokens_, clock_, nobody, info, options};
  const Error denied =
      WorkloadError(ErrorCode::kPermissionDenied, "AccessDenied",
                    "The trust policy of role " + role->arn +
                        " does not allow ec2.amazonaws.com to perform sts:AssumeRole");
  Status trusted = MakeError(denied);
  for (std::string_view principal : kServicePrincipals) {
    trusted = api::sts::AuthorizeTrustPolicy(ctx, *role, principal, "sts:AssumeRole", {}, denied);
    if (trusted.has_value() || trusted.error().aws_code != "AccessDenied") {
      break;
    }
  }
  IAM_RETURN_IF_ERROR(trusted);

  api::sts::RoleSessionSpec spec;
  spec.session_name = workload.id;
  spec.source_arn = profile->arn;
  spec.duration_seconds = kCredentialSeconds;
  const api::protocol::Value out = api::sts::IssueRoleSession(ctx, *role, std::move(spec));
  const api::protocol::Value* creds = out.Find("Credentials");
  const api::protocol::Value* user = out.Find("AssumedRoleUser");
  if (creds == nullptr || user == nullptr) {
    return MakeError(ErrorCode::kInternal, "role session without credentials");
  }
  auto text = [](const api::protocol::Value* v, std::string_view name) -> std::string {
    const api::protocol::Value* m = v->Find(name);
    return m == nullptr ? std::string() : m->text();
  };
  RoleCredentials rc;
  rc.access_key_id = text(creds, "AccessKeyId");
  rc.secret_access_key = text(creds, "SecretAccessKey");
  rc.token = text(creds, "SessionToken");
  const api::protocol::Value* expiration = creds->Find("Expiration");
  rc.expiration = std::chrono::system_clock::time_point(
      std::chrono::milliseconds(expiration == nullptr ? 0 : expiration->number()));
  rc.issued = now;
  rc.role_arn = role->arn;
  rc.role_name = role->name;
  rc.assumed_role_arn = text(user, "Arn");
  rc.instance_profile_arn = profile->arn;
  rc.instance_profile_id = profile->id;
  const std::lock_guard<std::mutex> lock(mutex_);
  cache_[key] = rc;
  return rc;
}

std::string WorkloadService::IssueImdsToken(const Workload& workload, std::string_view peer_ip,
                                            std::int64_t ttl_seconds) const {
  const std::int64_t expires = EpochSeconds(clock_.Now()) + ttl_seconds;
  const std::string claims = workload.account_id + "\n" + workload.id + "\n" +
                             CanonicalAddress(peer_ip) + "\n" + std::to_string(expires);
  const std::vector<std::uint8_t> sealed = imds_box_.Seal(claims, kImdsTokenAd);
  return EncodeBase64(
      std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()));
}

bool WorkloadService::CheckImdsToken(std::string_view token, const Workload& workload,
                                     std::string_view peer_ip) const {
  if (token.empty() || token.size() > 512) {
    return false;
  }
  auto raw = DecodeBase64(token);
  if (!raw.has_value()) {
    return false;
  }
  const std::vector<std::uint8_t> sealed(raw->begin(), raw->end());
  auto claims = imds_box_.Open(sealed, kImdsTokenAd);
  if (!claims.has_value()) {
    return false;
  }
  const std::size_t last = claims->rfind('\n');
  if (last == std::string::npos) {
    return false;
  }
  const std::string head =
      workload.account_id + "\n" + workload.id + "\n" + CanonicalAddress(peer_ip) + "\n";
  if (claims->substr(0, last + 1) != head) {
    return false;
  }
  std::int64_t expires = 0;
  const std::string_view digits = std::string_view(*claims).substr(last + 1);
  const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), expires);
  if (parsed.ec != std::errc() || parsed.ptr != digits.data() + digits.size()) {
    return false;
  }
  return EpochSeconds(clock_.Now()) < expires;
}

}  // namespace portcullis::workload
