#include "eval/conditions.h"

#include <algorithm>
#include <array>
#include <optional>

#include "common/base64.h"
#include "common/strings.h"
#include "policy/arn.h"
#include "policy/date_time.h"
#include "policy/ip_address.h"
#include "policy/numeric.h"
#include "policy/wildcard.h"

namespace portcullis::eval {
namespace {

using policy::BaseOperator;
using policy::SetQualifier;

using policy::OperatorFamily;

template <class T>
bool Compare(BaseOperator op, T actual, T expected) {
  switch (op) {
    case BaseOperator::kNumericEquals:
    case BaseOperator::kDateEquals:
      return actual == expected;
    case BaseOperator::kNumericLessThan:
    case BaseOperator::kDateLessThan:
      return actual < expected;
    case BaseOperator::kNumericLessThanEquals:
    case BaseOperator::kDateLessThanEquals:
      return actual <= expected;
    case BaseOperator::kNumericGreaterThan:
    case BaseOperator::kDateGreaterThan:
      return actual > expected;
    case BaseOperator::kNumericGreaterThanEquals:
    case BaseOperator::kDateGreaterThanEquals:
      return actual >= expected;
    default:
      return false;
  }
}

// Per-thread scratch for rendering templates; reused so steady state allocates
// nothing.
struct Scratch {
  std::string text;
  std::vector<bool> mask;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Whether a rendered policy value (from a template) matches. Rare: parses both
// sides as needed.
bool MatchRendered(BaseOperator op, const Scratch& s, std::string_view text) {
  std::string_view r = s.text;
  switch (op) {
    case BaseOperator::kStringEquals:
      return text == r;
    case BaseOperator::kStringEqualsIgnoreCase:
      return EqualsIgnoreCase(text, r);
    case BaseOperator::kStringLike:
      return MaskedGlobMatch(r, s.mask, text);
    case BaseOperator::kArnEquals:
    case BaseOperator::kArnLike:
      return MaskedArnMatch(r, s.mask, text);
    case BaseOperator::kBool:
      return EqualsIgnoreCase(text, r);
    case BaseOperator::kIpAddress: {
      auto net = policy::ParseIpNetwork(r);
      auto ip = policy::ParseIpAddress(text);
      return ip.has_value() && net.has_value() && policy::Contains(*net, *ip);
    }
    case BaseOperator::kBinaryEquals: {
      auto want = DecodeBase64(r);
      auto got = DecodeBase64(text);
      return want.has_value() && got.has_value() && *want == *got;
    }
    default:
      break;
  }
  switch (policy::FamilyOf(op)) {
    case OperatorFamily::kNumeric: {
      auto want = policy::ParseNumeric(r);
      auto got = policy::ParseNumeric(text);
      return want.has_value() && got.has_value() && Compare(op, *got, *want);
    }
    case OperatorFamily::kDate: {
      auto want = policy::ParseDateTime(r);
      auto got = policy::ParseDateTime(text);
      return want.has_value() && got.has_value() && Compare(op, *got, *want);
    }
    default:
      return false;
  }
}

// Renders a templated value and matches it; false when a variable is unresolved.
bool MatchTemplated(BaseOperator op, const ConditionValue& v, std::string_view text,
                    const RequestContext& context) {
  Scratch& s = ThreadScratch();
  bool wants_mask = op == BaseOperator::kStringLike || op == BaseOperator::kArnEquals ||
                    op == BaseOperator::kArnLike;
  if (!RenderTemplate(*v.templ, context, s.text, wants_mask ? &s.mask : nullptr,
                      MissingKeySink{})) {
    return false;
  }
  return MatchRendered(op, s, text);
}

bool MatchString(BaseOperator op, const ConditionValue& v, std::string_view text) {
  switch (op) {
    case BaseOperator::kStringEquals:
      return text == v.text;
    case BaseOperator::kStringEqualsIgnoreCase:
      return EqualsIgnoreCase(text, v.bytes);
    case BaseOperator::kStringLike:
      return v.glob().Matches(text);
    case BaseOperator::kArnEquals:
    case BaseOperator::kArnLike:
      return v.arn().Matches(text);
    case BaseOperator::kBool:
      return EqualsIgnoreCase(text, v.boolean ? std::string_view("true") : "false");
    default:
      return false;
  }
}

// Whether any policy value matches the context value under the positive operator.
// A value whose variable cannot be resolved matches nothing. The context value is
// parsed once for the typed families.
bool AnyValueMatches(const CompiledCondition& c, std::string_view text,
                     const RequestContext& context) {
  const BaseOperator op = c.positive;
  auto any = [&](auto&& match) {
    for (const ConditionValue& v : c.values) {
      if (v.templ.has_value() ? MatchTemplated(op, v, text, context) : match(v)) {
        return true;
      }
    }
    return false;
  };
  switch (c.family) {
    case OperatorFamily::kString:
    case OperatorFamily::kBool:
    case OperatorFamily::kArn:
    case OperatorFamily::kNull:
      return any([&](const ConditionValue& v) { return MatchString(op, v, text); });
    case OperatorFamily::kNumeric: {
      auto n = policy::ParseNumeric(text);
      return n.has_value() &&
             any([&](const ConditionValue& v) { return Compare(op, *n, v.number); });
    }
    case OperatorFamily::kDate: {
      auto d = policy::ParseDateTime(text);
      return d.has_value() &&
             any([&](const ConditionValue& v) { return Compare(op, *d, v.date_ms); });
    }
    case OperatorFamily::kIpAddress: {
      auto ip = policy::ParseIpAddress(text);
      return ip.has_value() && any([&](const ConditionValue& v) {
               const policy::IpNetwork* net = v.network();
               return net != nullptr && policy::Contains(*net, *ip);
             });
    }
    case OperatorFamily::kBinary: {
      auto bin = DecodeBase64(text);
      return bin.has_value() && any([&](const ConditionValue& v) { return *bin == v.bytes; });
    }
  }
  return false;
}

bool VariablesResolve(const CompiledCondition& c, const RequestContext& context,
                      const MissingKeySink& missing) {
  bool ok = true;
  for (const ConditionValue& v : c.values) {
    if (!v.templ.has_value()) {
      continue;
    }
    for (const TemplatePiece& piece : v.templ->pieces) {
      if (!piece.is_variable || piece.default_value.has_value()) {
        continue;
      }
      const ContextEntry* e = context.FindHashed(piece.key_lower, piece.hash);
      if (e == nullptr || e->multivalued || e->values.size() != 1) {
        missing.Add(piece.text);
        ok = false;
      }
    }
  }
  return ok;
}

bool EvaluateNull(const CompiledCondition& c, const ContextEntry* entry) {
  bool present = entry != nullptr && !entry->values.empty();
  return std::any_of(c.values.begin(), c.values.end(),
                     [&](const ConditionValue& v) { return v.boolean ? !present : present; });
}

bool GlobFrom(std::string_view p, const std::vector<bool>& mask, std::size_t mask_offset,
              std::string_view t) {
  // Iterative glob with single-star backtracking: O(|p| * |t|) worst case.
  std::size_t pi = 0;
  std::size_t ti = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_t = 0;
  auto literal = [&](std::size_t i) {
    std::size_t m = mask_offset + i;
    return m < mask.size() && mask[m];
  };
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*' && !literal(pi)) {
      star = pi++;
      star_t = ti;
    } else if (pi < p.size() && ((p[pi] == '?' && !literal(pi)) || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++star_t;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*' && !literal(pi)) {
    ++pi;
  }
  return pi == p.size();
}

// Splits an ARN-shaped string into its 6 fields; returns false if it has fewer.
bool SplitSix(std::string_view s, std::array<std::size_t, 6>& starts) {
  if (s.substr(0, 4) != "arn:") {
    return false;
  }
  starts[0] = 0;
  std::size_t pos = 0;
  for (int i = 1; i < 6; ++i) {
    std::size_t colon = s.find(':', pos);
    if (colon == std::string_view::npos) {
      return false;
    }
    starts[static_cast<std::size_t>(i)] = colon + 1;
    pos = colon + 1;
  }
  return true;
}

}  // namespace

void MissingKeySink::Add(std::string_view key) const {
  if (keys == nullptr) {
    return;
  }
  for (std::string_view k : *keys) {
    if (EqualsIgnoreCase(k, key)) {
      return;
    }
  }
  keys->push_back(key);
}

bool RenderTemplate(const Template& templ, const RequestContext& context, std::string& out,
                    std::vector<bool>* literal_mask, const MissingKeySink& missing) {
  out.clear();
  if (literal_mask != nullptr) {
    literal_mask->clear();
  }
  for (const TemplatePiece& piece : templ.pieces) {
    std::string_view value = piece.text;
    bool literal = false;
    if (piece.is_variable) {
      const ContextEntry* e = context.FindHashed(piece.key_lower, piece.hash);
      if (e != nullptr && !e->multivalued && e->values.size() == 1) {
        value = e->values.front();
      } else if (piece.default_value.has_value()) {
        value = *piece.default_value;
      } else {
        missing.Add(piece.text);
        return false;
      }
      literal = true;
    } else if (piece.is_escaped) {
      literal = true;
    }
    out.append(value);
    if (literal_mask != nullptr) {
      literal_mask->insert(literal_mask->end(), value.size(), literal);
    }
  }
  return true;
}

bool MaskedGlobMatch(std::string_view pattern, const std::vector<bool>& mask,
                     std::string_view text) {
  return GlobFrom(pattern, mask, 0, text);
}

bool MaskedArnMatch(std::string_view pattern, const std::vector<bool>& mask,
                    std::string_view text) {
  if (pattern == "*" && (mask.empty() || !mask[0])) {
    return true;
  }
  std::array<std::size_t, 6> ps{};
  std::array<std::size_t, 6> ts{};
  if (!SplitSix(pattern, ps)) {
    return GlobFrom(pattern, mask, 0, text);
  }
  // Fast path: no wildcard before the fifth colon, so the fields must be equal.
  bool literal_prefix = true;
  for (std::size_t i = 0; i < ps[5] && literal_prefix; ++i) {
    literal_prefix = (pattern[i] != '*' && pattern[i] != '?') || (i < mask.size() && mask[i]);
  }
  if (literal_prefix) {
    return text.size() >= ps[5] && text.substr(0, ps[5]) == pattern.substr(0, ps[5]) &&
           GlobFrom(pattern.substr(ps[5]), mask, ps[5], text.substr(ps[5]));
  }
  if (!SplitSix(text, ts)) {
    return GlobFrom(pattern, mask, 0, text);
  }
  for (std::size_t i = 0; i < 6; ++i) {
    std::size_t pe = i == 5 ? pattern.size() : ps[i + 1] - 1;
    std::size_t te = i == 5 ? text.size() : ts[i + 1] - 1;
    if (!GlobFrom(pattern.substr(ps[i], pe - ps[i]), mask, ps[i], text.substr(ts[i], te - ts[i]))) {
      return false;
    }
  }
  return true;
}

bool EvaluateCondition(const CompiledCondition& c, const RequestContext& context,
                       const MissingKeySink& missing) {
  const ContextEntry* entry = context.FindHashed(c.key_lower, c.hash);
  if (c.op.base == BaseOperator::kNull) {
    return EvaluateNull(c, entry);
  }
  const bool negated = c.negated;
  if (entry == nullptr) {
    missing.Add(c.key);
    switch (c.op.set) {
      case SetQualifier::kForAllValues:
        return true;
      case SetQualifier::kForAnyValue:
        return c.op.if_exists;
      case SetQualifier::kNone:
        return c.op.if_exists || negated;
    }
  }
  // AWS ("Policy variables with no value"): a value whose variable has no value
  // matches nothing, so a negated operator over it holds.
  if (c.has_template && missing.keys != nullptr) {
    VariablesResolve(c, context, missing);
  }
  const ContextValues& values = entry->values;
  bool result = false;
  switch (c.op.set) {
    case SetQualifier::kNone: {
      bool any = false;
      for (std::string_view v : values) {
        if (AnyValueMatches(c, v, context)) {
          any = true;
          break;
        }
      }
      result = negated ? !any : any;
      break;
    }
    case SetQualifier::kForAnyValue:
      result = std::any_of(values.begin(), values.end(), [&](std::string_view v) {
        return AnyValueMatches(c, v, context) != negated;
      });
      break;
    case SetQualifier::kForAllValues:
      result = std::all_of(values.begin(), values.end(), [&](std::string_view v) {
        return AnyValueMatches(c, v, context) != negated;
      });
      break;
  }
  return result;
}

}  // namespace portcullis::eval
