// Authorizer: may this caller do this action on this resource? Every IAM (and later STS
// and S3) operation asks it before acting.
//
// Session callers (auth::Caller::session): an assumed-role session gets its role's inline
// and attached policies and boundary, intersected with the session policies (Policy,
// PolicyArns) when it has any; aws:PrincipalTag/* are the role's tags overridden by the
// session tags; aws:PrincipalArn is the role ARN, aws:userid ROLEID:SESSION,
// aws:PrincipalType AssumedRole. A GetSessionToken session acts as its user; a federated
// user (GetFederationToken) gets its user's policies intersected with the session
// policies. Sessions add aws:TokenIssueTime, aws:SourceIdentity and
// aws:MultiFactorAuthPresent ("false" without MFA). AWS: a GetSessionToken session without
// MFA and a federated user cannot call IAM (InvalidClientTokenId).
// Such entries are cached per session token.
//
// The root user is not limited by identity policies (no SCPs yet): allowed. For an IAM
// user, the effective policy set is the user's inline policies, its attached managed
// policies (default versions), the inline and attached policies of its groups, and its
// permissions boundary. It is compiled once (eval::CompiledPolicySet) and cached per
// principal ARN; an entry is valid only for the store generation it was built at, so any
// committed change invalidates it before the change's reply is sent. Compiled managed
// policies are shared between principals (cached by ARN and version).
//
// The request context holds what AWS fills for every call: aws:SourceIp, aws:UserAgent,
// aws:SecureTransport, aws:CurrentTime, aws:EpochTime, aws:RequestedRegion,
// aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
// aws:PrincipalTag/*, plus the operation's own keys (AuthzRequest::context).
//
// Denied: kPermissionDenied with aws_code AccessDenied and AWS's message: "User: ARN is
// not authorized to perform: ACTION on resource: RESOURCE because no identity-based
// policy allows the ACTION action" (or "with an explicit deny in an identity-based
// policy" / "... in a permissions boundary"). Enforcement mode `soft` allows instead and
// reports what would have been denied, with the deciding statements, to the sink; `off`
// allows everything.
// Thread-safety: Authorize may run concurrently from many threads.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/authz/access_tracker.h"
#include "api/request_info.h"
#include "auth/caller.h"
#include "common/error.h"
#include "eval/evaluator.h"
#include "store/identity_store.h"

namespace portcullis::api::authz {

enum class EnforcementMode : std::uint8_t { kEnforce, kSoft, kOff };

// "enforce" | "soft" | "off".
[[nodiscard]] Result<EnforcementMode> ParseEnforcementMode(std::string_view text);

struct AuthzRequest {
  std::string_view action;        // "iam:CreateUser"
  std::string_view resource_arn;  // "arn:aws:iam::123456789012:user/alice"
  // Operation-specific condition keys (iam:PolicyARN, aws:RequestTag/..., ...).
  std::vector<std::pair<std::string, std::vector<std::string>>> context;
};

// The resource's own side of a decision: its policy (a role's trust policy for
// sts:AssumeRole), borrowed, and the account owning the resource (cross-account when it
// is not the caller's). With it the root user is evaluated too (its identity side allows
// everything).
struct ResourceSide {
  const eval::CompiledPolicy* policy = nullptr;
  std::string_view account;
};

// What soft mode would have denied.
struct SoftDeny {
  std::string request_id;
  std::string principal_arn;
  std::string action;
  std::string resource_arn;
  std::string decision;                 // "ExplicitDeny" | "ImplicitDeny"
  std::vector<std::string> statements;  // the deciding statements, "policy#Sid" or index
};

class Authorizer {
 public:
  // Borrows `store`, which must outlive the Authorizer. `on_soft_deny` may be empty.
  Authorizer(store::IdentityStore& store, EnforcementMode mode,
             std::function<void(const SoftDeny&)> on_soft_deny = {});
  ~Authorizer();
  Authorizer(const Authorizer&) = delete;
  Authorizer& operator=(const Authorizer&) = delete;
  Authorizer(Authorizer&&) = delete;
  Authorizer& operator=(Authorizer&&) = delete;

  // `resource` may be null (identity policies only, the caller's account).
  [[nodiscard]] Status Authorize(const auth::Caller& caller, const RequestInfo& info,
                                 const AuthzRequest& request,
                                 const ResourceSide* resource = nullptr);

  // A principal that has no identity policies of its own (an OIDC or SAML provider ARN,
  // a directory, a workload) asks for `request` on a resource whose policy decides alone
  // (a role's trust policy for sts:AssumeRoleWithWebIdentity and the like). `principal`
  // is matched by the policy's Principal ("Federated" values are matched exactly);
  // `resource.account` is its account. The request context holds the connection and time
  // keys plus the operation's. Denied: kPermissionDenied, aws_code AccessDenied, with a
  // generic message the operation replaces with its own. Enforcement modes apply as for
  // Authorize.
  [[nodiscard]] Status AuthorizeFederated(std::string_view principal, const RequestInfo& info,
                                          const AuthzRequest& request,
                                          const ResourceSide& resource);

  // Whether the policies that decide for `caller` read aws:ResourceTag/* or
  // iam:ResourceTag/*, so that the resource's tags must be put into the request context;
  // false for the root user and when enforcement is off. Uses (and fills) the same cache
  // as Authorize.
  [[nodiscard]] bool ReadsResourceTags(const auth::Caller& caller);

  // Whether an explicit Deny in the caller's policies applies to `request`, whatever the
  // enforcement mode; false for the root user and for a caller that is not found. The
  // console sign-in check uses it: sign-in is refused only on an explicit Deny (for
  // example of aws:SourceIp), as no identity policy needs to allow it.
  [[nodiscard]] Result<bool> ExplicitlyDenied(const auth::Caller& caller, const RequestInfo& info,
                                              const AuthzRequest& request);

  EnforcementMode mode() const;

  // The compiled identity policies and permissions boundary of user, group or role `ref`,
  // read in `txn` and gathered as Authorize gathers a user's: inline policies (ids
  // "user/NAME:POLICY", "group/NAME:POLICY", "role/NAME:POLICY"), attached managed
  // policies (ids: their ARNs) and, for a user, those of its groups; the boundary (users
  // and roles) with its ARN as id. Shares the compiled-policy cache. kNotFound when the
  // entity does not exist. The policy simulator evaluates them.
  [[nodiscard]] Result<eval::PolicySetInput> PoliciesOf(store::ReadTxn& txn,
                                                        const store::PrincipalRef& ref);

  // Drops every cached policy set (the dev-mode reset calls it).
  void Clear();

  // What users (and role sessions) attempted: every request Authorize is asked about for
  // a non-root caller is recorded here, allowed or not (access advisor; see
  // access_tracker.h).
  AccessTracker& access_tracker();

  // How many compiled policies the shared cache holds, and how many documents were
  // compiled since construction (tests).
  std::size_t CompiledPolicyCountForTest() const;
  std::size_t CompileCountForTest() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace portcullis::api::authz
