#include "eval/evaluator.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/strings.h"
#include "eval/conditions.h"
#include "policy/arn.h"

namespace portcullis::eval {
namespace {

using policy::Effect;

struct TypeFlags {
  bool deny = false;
  bool allow = false;
};

// How a resource-policy statement's principal names the caller, weakest first.
enum class PrincipalMatch : std::uint8_t { kNone, kAccount, kAny, kRole, kDirect };

struct ResourceFlags {
  bool deny = false;
  bool direct = false;   // the caller's own ARN (user, session, federated user)
  bool role = false;     // the role ARN of the caller's session
  bool any = false;      // "*" or NotPrincipal
  bool account = false;  // the caller's account
};

struct Caller {
  std::string_view arn;
  std::string_view account;
  std::string_view role_arn;  // for assumed-role sessions
  bool is_session = false;
  bool is_root = false;            // arn:aws:iam::ACCOUNT:root
  bool is_federated_user = false;  // arn:aws:sts::ACCOUNT:federated-user/NAME
  bool anonymous = false;
};

struct Buffers {
  std::string action;
  std::string role_arn;
  std::string render;
  std::vector<bool> mask;
};

Buffers& ThreadBuffers() {
  thread_local Buffers buffers;
  return buffers;
}

// Classifies the caller. `with_role` also resolves a session's role ARN, which
// only resource-policy principal matching needs.
Caller DescribeCaller(const Request& request, Buffers& buf, bool with_role) {
  Caller c;
  c.arn = request.principal;
  c.anonymous = request.principal.empty();
  auto arn = policy::SplitArn(request.principal);
  c.account = request.principal_account;
  if (c.account.empty() && arn.has_value()) {
    c.account = arn->account;
  }
  c.is_root = arn.has_value() && arn->service == "iam" && arn->resource == "root";
  c.is_federated_user =
      arn.has_value() && arn->service == "sts" && arn->resource.substr(0, 15) == "federated-user/";
  if (arn.has_value() && arn->service == "sts" && arn->resource.substr(0, 13) == "assumed-role/") {
    c.is_session = true;
    if (!with_role) {
      return c;
    }
    static const std::uint64_t kPrincipalArnHash = HashKeyIgnoreCase("aws:principalarn");
    const ContextEntry* pa = request.context.FindHashed("aws:principalarn", kPrincipalArnHash);
    if (pa != nullptr && pa->values.size() == 1 &&
        pa->values.front().find(":role/") != std::string::npos) {
      c.role_arn = pa->values.front();
    } else {
      std::string_view rest = arn->resource.substr(13);
      std::string_view role = rest.substr(0, rest.find('/'));
      buf.role_arn.assign("arn:");
      buf.role_arn.append(arn->partition).append(":iam::").append(arn->account);
      buf.role_arn.append(":role/").append(role);
      c.role_arn = buf.role_arn;
    }
  }
  return c;
}

PrincipalMatch MatchPrincipal(const PrincipalMatcher& m, const Caller& caller) {
  PrincipalMatch best = m.any ? PrincipalMatch::kAny : PrincipalMatch::kNone;
  if (caller.anonymous) {
    return best;
  }
  for (const std::string& arn : m.arns) {
    if (ShortEquals(arn, caller.arn)) {
      return PrincipalMatch::kDirect;
    }
    if (caller.is_session && ShortEquals(arn, caller.role_arn)) {
      best = std::max(best, PrincipalMatch::kRole);
    }
  }
  for (const std::string& other : m.others) {
    if (other == caller.arn) {
      return PrincipalMatch::kDirect;
    }
  }
  if (best == PrincipalMatch::kNone && !caller.account.empty() &&
      std::find(m.accounts.begin(), m.accounts.end(), caller.account) != m.accounts.end()) {
    best = PrincipalMatch::kAccount;
  }
  return best;
}

// AWS (NotPrincipal): the statement applies to every principal except those named
// exactly; naming an account root exempts only the root, not the account's users.
bool ExcludedByNotPrincipal(const PrincipalMatcher& m, const Caller& caller) {
  if (caller.anonymous) {
    return false;
  }
  if (std::find(m.arns.begin(), m.arns.end(), caller.arn) != m.arns.end() ||
      std::find(m.others.begin(), m.others.end(), caller.arn) != m.others.end()) {
    return true;
  }
  return caller.is_root &&
         std::find(m.accounts.begin(), m.accounts.end(), caller.account) != m.accounts.end();
}

class Evaluation {
 public:
  Evaluation(const Request& request, const EvaluateOptions& options, Decision& out)
      : request_(request), options_(options), out_(out), buf_(ThreadBuffers()) {
    buf_.action.assign(request.action);
    std::size_t colon = std::string_view::npos;
    for (std::size_t i = 0; i < buf_.action.size(); ++i) {
      char& ch = buf_.action[i];
      ch = AsciiToLower(ch);
      if (ch == ':' && colon == std::string_view::npos) {
        colon = i;
      }
    }
    std::string_view action = buf_.action;
    service_ = colon == std::string_view::npos ? action : action.substr(0, colon);
    name_ = colon == std::string_view::npos ? std::string_view() : action.substr(colon + 1);
    service_hash_ = HashLowercase(service_);
    name_hash_ = HashLowercase(name_);
    missing_.keys = options.explain ? &out.missing_context_keys : nullptr;
  }

  std::string_view action() const { return buf_.action; }

  std::string_view service() const { return service_; }

  std::uint64_t service_hash() const { return service_hash_; }

  // The request's resource split as an ARN, computed on first use.
  const std::optional<policy::Arn>& resource_arn() {
    if (!resource_split_) {
      resource_arn_ = policy::SplitArn(request_.resource);
      resource_split_ = true;
    }
    return resource_arn_;
  }

  Buffers& buffers() { return buf_; }

  // `index`, when not negative, is the policy's position in its list (the
  // candidates of a policy's own index all say 0).
  void Scan(const std::vector<Candidate>& candidates, PolicyType type, TypeFlags& flags,
            std::int64_t index = -1) {
    for (const Candidate& c : candidates) {
      const CompiledStatement& st = *c.statement;
      bool is_deny = st.effect == Effect::kDeny;
      if (!options_.explain && (is_deny ? flags.deny : flags.allow)) {
        continue;
      }
      if (!Applies(st, c.actions)) {
        continue;
      }
      (is_deny ? flags.deny : flags.allow) = true;
      Record(*c.policy, type, index < 0 ? c.policy_index : static_cast<std::uint32_t>(index), st);
    }
  }

  void ScanResource(const CompiledPolicy& policy, const Caller& caller, ResourceFlags& flags) {
    for (const Candidate& c : policy.Candidates(service_, service_hash_)) {
      const CompiledStatement& st = *c.statement;
      PrincipalMatch match = PrincipalMatch::kAny;
      if (st.principal.has_value()) {
        if (st.not_principal) {
          if (ExcludedByNotPrincipal(*st.principal, caller)) {
            continue;
          }
        } else {
          match = MatchPrincipal(*st.principal, caller);
          if (match == PrincipalMatch::kNone) {
            continue;
          }
        }
      }
      if (!Applies(st, c.actions)) {
        continue;
      }
      if (st.effect == Effect::kDeny) {
        flags.deny = true;
      } else {
        // AWS KMS (determining-access-key-policy): Principal "*" gives every identity
        // permission unless a Deny says otherwise, so it is a direct grant to the caller.
        flags.direct =
            flags.direct || match == PrincipalMatch::kDirect || match == PrincipalMatch::kAny;
        flags.role = flags.role || match == PrincipalMatch::kRole;
        flags.any = flags.any || match == PrincipalMatch::kAny;
        flags.account = flags.account || match == PrincipalMatch::kAccount;
      }
      Record(policy, PolicyType::kResource, 0, st);
    }
  }

 private:
  bool Applies(const CompiledStatement& st, const ServiceActions* actions) {
    if (!st.MatchesAction(buf_.action, name_, name_hash_, actions)) {
      return false;
    }
    if (!MatchesResource(st)) {
      return false;
    }
    for (const CompiledCondition& c : st.conditions) {
      if (!EvaluateCondition(c, request_.context, missing_)) {
        return false;
      }
    }
    return true;
  }

  bool MatchesResource(const CompiledStatement& st) {
    if (!st.has_resource) {
      return true;
    }
    bool any = false;
    for (const ResourceMatcher& r : st.resources) {
      if (r.templ.has_value()) {
        if (!RenderTemplate(*r.templ, request_.context, buf_.render, &buf_.mask, missing_)) {
          // AWS ("Policy variables with no value"): the entry matches nothing, so a
          // NotResource over it holds, as a negated condition operator does.
          continue;
        }
        any = MaskedArnMatch(buf_.render, buf_.mask, request_.resource);
      } else {
        any = r.any || r.pattern.Matches(request_.resource, resource_arn());
      }
      if (any) {
        break;
      }
    }
    return st.not_resource ? !any : any;
  }

  void Record(const CompiledPolicy& policy, PolicyType type, std::uint32_t index,
              const CompiledStatement& st) {
    if (!options_.explain) {
      return;
    }
    out_.matched.push_back(MatchedStatement{type, index, policy.id(), st.sid, st.index, st.effect});
  }

  const Request& request_;
  const EvaluateOptions& options_;
  Decision& out_;
  Buffers& buf_;
  std::string_view service_;
  std::string_view name_;
  std::uint64_t service_hash_ = 0;
  std::uint64_t name_hash_ = 0;
  std::optional<policy::Arn> resource_arn_;
  bool resource_split_ = false;
  MissingKeySink missing_;
};

bool IsKmsKey(std::string_view service, const std::optional<policy::Arn>& arn) {
  return service == "kms" && arn.has_value() && arn->service == "kms" &&
         arn->resource.substr(0, 4) == "key/";
}

bool IsRoleAssumption(std::string_view action, const std::optional<policy::Arn>& arn) {
  return action.substr(0, 14) == "sts:assumerole" && arn.has_value() && arn->service == "iam" &&
         arn->resource.substr(0, 5) == "role/";
}

std::string_view ResourceAccount(const Request& request, const std::optional<policy::Arn>& arn) {
  if (!request.resource_account.empty()) {
    return request.resource_account;
  }
  return arn.has_value() ? arn->account : std::string_view();
}

void KeepMatched(Decision& out) {
  Effect keep = out.verdict == Verdict::kExplicitDeny ? Effect::kDeny : Effect::kAllow;
  std::erase_if(out.matched, [keep](const MatchedStatement& m) { return m.effect != keep; });
}

// What each policy type said, for the final combination.
struct Sides {
  TypeFlags identity;
  TypeFlags boundary;
  bool has_boundary = false;
  TypeFlags session;
  bool has_session = false;
  ResourceFlags resource;
};

// With no explicit deny and every SCP level allowing: whether the allows combine
// into an Allow (rules 4-8 of evaluator.h).
bool CombineAllows(const Sides& s, const Caller& caller, const Request& request, Evaluation& eval) {
  const ResourceFlags& res = s.resource;
  bool boundary_ok = !s.has_boundary || s.boundary.allow;
  // AWS: a GetFederationToken session has no permissions without a session policy.
  bool session_ok = s.has_session ? s.session.allow : !caller.is_federated_user;
  bool identity_ok = s.identity.allow && boundary_ok && session_ok;
  bool limited_ok = (res.role || res.any) && boundary_ok && session_ok;
  std::string_view resource_account = ResourceAccount(request, eval.resource_arn());
  bool same_account = resource_account.empty() || resource_account == caller.account;
  if (caller.account.empty()) {
    // A service principal or an anonymous caller has no identity policies: the
    // resource policy alone decides (AWS: service principals in trust and
    // resource policies; public access through "*").
    return res.direct || res.any;
  }
  if (caller.is_root && same_account) {
    return true;  // AWS: the root user has full access to its own account unless denied
  }
  if (!same_account) {
    return identity_ok && (res.direct || res.role || res.any || res.account);
  }
  if (IsKmsKey(eval.service(), eval.resource_arn()) ||
      IsRoleAssumption(eval.action(), eval.resource_arn())) {
    return res.direct || limited_ok || (res.account && identity_ok);
  }
  return res.direct || limited_ok || identity_ok;
}

}  // namespace

CompiledPolicySet::CompiledPolicySet(PolicySetInput input) : input_(std::move(input)) {
  auto drop_null = [](std::vector<std::shared_ptr<const CompiledPolicy>>& v) {
    std::erase_if(v, [](const auto& p) { return p == nullptr; });
  };
  drop_null(input_.identity);
  drop_null(input_.session);
  drop_null(input_.scp);
}

namespace {

bool TemplateReads(const std::optional<Template>& templ, std::string_view lower_prefix) {
  return templ.has_value() &&
         std::any_of(templ->pieces.begin(), templ->pieces.end(), [&](const TemplatePiece& piece) {
           return piece.is_variable && piece.key_lower.rfind(lower_prefix, 0) == 0;
         });
}

bool PolicyReadsContextKeyPrefix(const CompiledPolicy& policy, std::string_view lower_prefix) {
  for (const CompiledStatement& statement : policy.statements()) {
    for (const ResourceMatcher& resource : statement.resources) {
      if (TemplateReads(resource.templ, lower_prefix)) {
        return true;
      }
    }
    for (const CompiledCondition& condition : statement.conditions) {
      if (condition.key_lower.rfind(lower_prefix, 0) == 0) {
        return true;
      }
      for (const ConditionValue& value : condition.values) {
        if (TemplateReads(value.templ, lower_prefix)) {
          return true;
        }
      }
    }
  }
  return false;
}

}  // namespace

bool CompiledPolicySet::ReadsContextKeyPrefix(std::string_view lower_prefix) const {
  auto any = [&](const std::vector<std::shared_ptr<const CompiledPolicy>>& list) {
    return std::any_of(list.begin(), list.end(), [&](const auto& policy) {
      return PolicyReadsContextKeyPrefix(*policy, lower_prefix);
    });
  };
  return any(input_.identity) || any(input_.session) || any(input_.scp) ||
         (input_.permissions_boundary != nullptr &&
          PolicyReadsContextKeyPrefix(*input_.permissions_boundary, lower_prefix));
}

void Evaluate(const Request& request, const CompiledPolicySet& policies,
              const CompiledPolicy* resource_policy, const EvaluateOptions& options,
              Decision& out) {
  out.Clear();
  Evaluation eval(request, options, out);
  const PolicySetInput& in = policies.policies();

  std::string_view service = eval.service();
  std::uint64_t hash = eval.service_hash();
  TypeFlags identity;
  for (std::uint32_t i = 0; i < in.identity.size(); ++i) {
    eval.Scan(in.identity[i]->Candidates(service, hash), PolicyType::kIdentity, identity, i);
  }
  TypeFlags boundary;
  if (in.permissions_boundary != nullptr) {
    eval.Scan(in.permissions_boundary->Candidates(service, hash), PolicyType::kPermissionsBoundary,
              boundary);
  }
  TypeFlags session;
  for (std::uint32_t i = 0; i < in.session.size(); ++i) {
    eval.Scan(in.session[i]->Candidates(service, hash), PolicyType::kSession, session, i);
  }
  bool scp_deny = false;
  bool scp_ok = true;
  for (std::uint32_t i = 0; i < in.scp.size(); ++i) {
    TypeFlags level;
    const auto& candidates = in.scp[i]->Candidates(service, hash);
    eval.Scan(candidates, PolicyType::kScp, level, i);
    scp_deny = scp_deny || level.deny;
    scp_ok = scp_ok && level.allow;
  }
  ResourceFlags res;
  // One classification of the caller whether or not a resource policy is given,
  // so adding an unrelated resource policy never changes a decision.
  Caller caller = DescribeCaller(request, eval.buffers(), resource_policy != nullptr);
  if (resource_policy != nullptr) {
    eval.ScanResource(*resource_policy, caller, res);
  }

  // AWS STS API reference: GetCallerIdentity needs no permission and a Deny
  // cannot block it.
  if (eval.action() == "sts:getcalleridentity") {
    out.verdict = Verdict::kAllow;
  } else if (identity.deny || boundary.deny || session.deny || scp_deny || res.deny) {
    out.verdict = Verdict::kExplicitDeny;
  } else if (!scp_ok) {
    out.verdict = Verdict::kImplicitDeny;
  } else {
    Sides sides{
        identity, boundary, in.permissions_boundary != nullptr, session, !in.session.empty(), res};
    out.verdict =
        CombineAllows(sides, caller, request, eval) ? Verdict::kAllow : Verdict::kImplicitDeny;
  }
  if (options.explain) {
    KeepMatched(out);
  }
}

Decision Evaluate(const Request& request, const CompiledPolicySet& policies,
                  const CompiledPolicy* resource_policy, const EvaluateOptions& options) {
  Decision out;
  Evaluate(request, policies, resource_policy, options, out);
  return out;
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAllow:
      return "Allow";
    case Verdict::kExplicitDeny:
      return "ExplicitDeny";
    case Verdict::kImplicitDeny:
      return "ImplicitDeny";
  }
  return "ImplicitDeny";
}

std::string_view PolicyTypeName(PolicyType type) {
  switch (type) {
    case PolicyType::kIdentity:
      return "identity";
    case PolicyType::kResource:
      return "resource";
    case PolicyType::kPermissionsBoundary:
      return "permissionsBoundary";
    case PolicyType::kSession:
      return "session";
    case PolicyType::kScp:
      return "scp";
  }
  return "identity";
}

}  // namespace portcullis::eval
