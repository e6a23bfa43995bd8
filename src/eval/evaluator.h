// Evaluate(): may this principal do this action on this resource?
//
// Implements AWS's documented evaluation logic ("Policy evaluation logic" and
// "Cross-account policy evaluation logic" in the IAM User Guide):
//  1. sts:GetCallerIdentity is always allowed (AWS STS API reference).
//  2. An explicit Deny in any applicable policy (SCP, resource, identity,
//     permissions boundary, session) wins.
//  3. Every SCP level given must allow.
//  4. Same account: a resource-policy Allow naming the caller's own ARN (IAM user,
//     assumed-role session, federated user) or "*" allows on its own; one naming
//     the role ARN of a session is an Allow that the permissions boundary and
//     session policies must also allow; one naming only the account delegates to
//     identity policies. An identity Allow needs the boundary (if any) and the session
//     policies (if any) to allow too.
//  5. Cross account (resource_account differs): the caller's identity side (within
//     boundary and session policies) and the resource policy must both allow; the
//     resource policy may name the account, the role, the ARN or "*".
//  6. Service rules: on a KMS key ARN the key policy must allow (directly, or by
//     naming the account so identity policies count); on a role ARN, the
//     sts:AssumeRole* actions need the role's trust policy (the resource policy) to
//     allow in the same way.
// Evaluation never fails and never throws: everything was checked at compile time.
// Thread-safety: CompiledPolicySet is immutable; Evaluate may run concurrently.
#pragma once

#include <memory>
#include <vector>

#include "eval/compiled_policy.h"
#include "eval/decision.h"
#include "eval/request.h"

namespace portcullis::eval {

struct PolicySetInput {
  std::vector<std::shared_ptr<const CompiledPolicy>> identity;
  std::shared_ptr<const CompiledPolicy> permissions_boundary;  // may be null
  std::vector<std::shared_ptr<const CompiledPolicy>> session;
  std::vector<std::shared_ptr<const CompiledPolicy>> scp;  // each is one level
};

// A principal's effective policies, compiled once and evaluated many times. It
// shares ownership of the compiled policies. Each policy keeps its own index by
// service; the set adds none, so policies shared by many principals (managed
// policies, group policies) stay in memory, and in cache, once.
class CompiledPolicySet {
 public:
  CompiledPolicySet() = default;
  explicit CompiledPolicySet(PolicySetInput input);

  const PolicySetInput& policies() const { return input_; }

  // Whether some policy of the set can read a condition key beginning with
  // `lower_prefix` (lower case, e.g. "aws:resourcetag/"): a condition on such a key, or a
  // policy variable naming one. Lets a caller skip gathering context no policy reads.
  bool ReadsContextKeyPrefix(std::string_view lower_prefix) const;

 private:
  // INVARIANT: no null entries in the lists (the constructor drops them).
  PolicySetInput input_;
};

struct EvaluateOptions {
  // Fill Decision::matched and Decision::missing_context_keys. Costs little; off
  // lets evaluation stop at the first Allow of each policy type.
  bool explain = true;
};

// Decides `request` against `policies` and, when not null, the resource's policy
// (bucket policy, key policy, role trust policy; borrowed for the call). Reuses
// the vectors of `out`, so a caller that keeps one Decision allocates nothing
// once it has warmed up.
void Evaluate(const Request& request, const CompiledPolicySet& policies,
              const CompiledPolicy* resource_policy, const EvaluateOptions& options, Decision& out);

Decision Evaluate(const Request& request, const CompiledPolicySet& policies,
                  const CompiledPolicy* resource_policy = nullptr,
                  const EvaluateOptions& options = {});

}  // namespace portcullis::eval
