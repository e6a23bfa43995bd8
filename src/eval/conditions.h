// Condition evaluation: one clause (operator, key, values) against a request's
// context, per the IAM User Guide's "Condition operators" and "Multivalued
// context keys" pages. Internal to eval/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eval/compiled_policy.h"
#include "eval/request.h"

namespace portcullis::eval {

// Collects condition keys that were looked up but absent. Null when not explaining.
struct MissingKeySink {
  std::vector<std::string_view>* keys = nullptr;

  void Add(std::string_view key) const;
};

// Returns whether the clause holds for `context`.
bool EvaluateCondition(const CompiledCondition& condition, const RequestContext& context,
                       const MissingKeySink& missing);

// Renders `templ` with `context`. Returns false if a variable without a default
// is absent (AWS: the element then does not match). `literal_mask`, when not null,
// receives one flag per output byte: true for bytes that must not act as a
// wildcard (substituted values and ${*} ${?}).
bool RenderTemplate(const Template& templ, const RequestContext& context, std::string& out,
                    std::vector<bool>* literal_mask, const MissingKeySink& missing);

// Glob match where bytes flagged in `mask` are literal.
bool MaskedGlobMatch(std::string_view pattern, const std::vector<bool>& mask,
                     std::string_view text);

// ARN-segment-aware variant of MaskedGlobMatch (the Resource element's rule).
bool MaskedArnMatch(std::string_view pattern, const std::vector<bool>& mask, std::string_view text);

}  // namespace portcullis::eval
