#include "eval/conditions.h"

#include <algorithm>
#include <array>
#include <optional>

#include "common/strings.h"
#include "policy/arn.h"
#include "policy/base64.h"
#include "policy/date_time.h"
#include "policy/ip_address.h"
#include "policy/numeric.h"
#include "policy/wildcard.h"

namespace portcullis::eval {
namespace {

using policy::BaseOperator;
using policy::SetQualifier;

// The positive form of a negated operator; other operators map to themselves.
BaseOperator Positive(BaseOperator op) {
  switch (op) {
    case BaseOperator::kStringNotEquals:
      return BaseOperator::kStringEquals;
    case BaseOperator::kStringNotEqualsIgnoreCase:
      return BaseOperator::kStringEqualsIgnoreCase;
    case BaseOperator::kStringNotLike:
      return BaseOperator::kStringLike;
    case BaseOperator::kNumericNotEquals:
      return BaseOperator::kNumericEquals;
    case BaseOperator::kDateNotEquals:
      return BaseOperator::kDateEquals;
    case BaseOperator::kNotIpAddress:
      return BaseOperator::kIpAddress;
    case BaseOperator::kArnNotEquals:
      return BaseOperator::kArnEquals;
    case BaseOperator::kArnNotLike:
      return BaseOperator::kArnLike;
    default:
      return op;
  }
}

enum class Family : std::uint8_t { kString, kNumeric, kDate, kIp, kBinary };

Family FamilyOf(BaseOperator op) {
  switch (op) {
    case BaseOperator::kNumericEquals:
    case BaseOperator::kNumericLessThan:
    case BaseOperator::kNumericLessThanEquals:
    case BaseOperator::kNumericGreaterThan:
    case BaseOperator::kNumericGreaterThanEquals:
      return Family::kNumeric;
    case BaseOperator::kDateEquals:
    case BaseOperator::kDateLessThan:
    case BaseOperator::kDateLessThanEquals:
    case BaseOperator::kDateGreaterThan:
    case BaseOperator::kDateGreaterThanEquals:
      return Family::kDate;
    case BaseOperator::kIpAddress:
      return Family::kIp;
    case BaseOperator::kBinaryEquals:
      return Family::kBinary;
    default:
      return Family::kString;
  }
}

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

// The context value parsed once for typed families.
struct Actual {
  std::string_view text;
  std::optional<double> number;
  std::optional<std::int64_t> date;
  std::optional<policy::IpNetwork> ip;
  std::optional<std::string> binary;
};

Actual ParseActual(Family family, std::string_view text) {
  Actual a;
  a.text = text;
  switch (family) {
    case Family::kNumeric:
      a.number = policy::ParseNumeric(text);
      break;
    case Family::kDate:
      a.date = policy::ParseDateTime(text);
      break;
    case Family::kIp:
      a.ip = policy::ParseIpAddress(text);
      break;
    case Family::kBinary:
      a.binary = policy::DecodeBase64(text);
      break;
    case Family::kString:
      break;
  }
  return a;
}

// Whether one compiled (variable-free) policy value matches.
bool MatchCompiled(BaseOperator op, const ConditionValue& v, const Actual& a) {
  switch (op) {
    case BaseOperator::kStringEquals:
      return a.text == v.text;
    case BaseOperator::kStringEqualsIgnoreCase:
      return EqualsIgnoreCase(a.text, v.lower);
    case BaseOperator::kStringLike:
      return v.glob.Matches(a.text);
    case BaseOperator::kArnEquals:
    case BaseOperator::kArnLike:
      return v.arn.Matches(a.text);
    case BaseOperator::kBool:
      return EqualsIgnoreCase(a.text, v.boolean ? "true" : "false");
    case BaseOperator::kIpAddress:
      return a.ip.has_value() && v.network.has_value() && policy::Contains(*v.network, *a.ip);
    case BaseOperator::kBinaryEquals:
      return a.binary.has_value() && *a.binary == v.binary;
    default:
      break;
  }
  switch (FamilyOf(op)) {
    case Family::kNumeric:
      return a.number.has_value() && Compare(op, *a.number, v.number);
    case Family::kDate:
      return a.date.has_value() && Compare(op, *a.date, v.date_ms);
    default:
      return false;
  }
}

// Whether a rendered policy value (from a template) matches.
bool MatchRendered(BaseOperator op, const Scratch& s, const Actual& a) {
  std::string_view r = s.text;
  switch (op) {
    case BaseOperator::kStringEquals:
      return a.text == r;
    case BaseOperator::kStringEqualsIgnoreCase:
      return EqualsIgnoreCase(a.text, r);
    case BaseOperator::kStringLike:
      return MaskedGlobMatch(r, s.mask, a.text);
    case BaseOperator::kArnEquals:
    case BaseOperator::kArnLike:
      return MaskedArnMatch(r, s.mask, a.text);
    case BaseOperator::kBool:
      return EqualsIgnoreCase(a.text, r);
    case BaseOperator::kIpAddress: {
      auto net = policy::ParseIpNetwork(r);
      return a.ip.has_value() && net.has_value() && policy::Contains(*net, *a.ip);
    }
    case BaseOperator::kBinaryEquals: {
      auto bin = policy::DecodeBase64(r);
      return a.binary.has_value() && bin.has_value() && *a.binary == *bin;
    }
    default:
      break;
  }
  switch (FamilyOf(op)) {
    case Family::kNumeric: {
      auto n = policy::ParseNumeric(r);
      return a.number.has_value() && n.has_value() && Compare(op, *a.number, *n);
    }
    case Family::kDate: {
      auto d = policy::ParseDateTime(r);
      return a.date.has_value() && d.has_value() && Compare(op, *a.date, *d);
    }
    default:
      return false;
  }
}

// Whether any policy value matches the context value under the positive operator.
// A value whose variable cannot be resolved matches nothing.
bool AnyValueMatches(BaseOperator op, const CompiledCondition& c, std::string_view text,
                     const RequestContext& context) {
  Actual a = ParseActual(FamilyOf(op), text);
  for (const ConditionValue& v : c.values) {
    if (!v.templ.has_value()) {
      if (MatchCompiled(op, v, a)) {
        return true;
      }
      continue;
    }
    Scratch& s = ThreadScratch();
    bool wants_mask = op == BaseOperator::kStringLike || op == BaseOperator::kArnEquals ||
                      op == BaseOperator::kArnLike;
    if (!RenderTemplate(*v.templ, context, s.text, wants_mask ? &s.mask : nullptr,
                        MissingKeySink{})) {
      continue;
    }
    if (MatchRendered(op, s, a)) {
      return true;
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

void MissingKeySink::Add(const std::string& key) const {
  if (keys == nullptr) {
    return;
  }
  for (const std::string& k : *keys) {
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
    } else if (piece.key_lower == "escaped") {
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
  if (!SplitSix(pattern, ps) || !SplitSix(text, ts)) {
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
  bool negated = policy::IsNegated(c.op.base);
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
  BaseOperator positive = Positive(c.op.base);
  auto holds = [&](std::string_view v) {
    bool m = AnyValueMatches(positive, c, v, context);
    return negated ? !m : m;
  };
  bool result = false;
  switch (c.op.set) {
    case SetQualifier::kNone: {
      bool any = std::any_of(entry->values.begin(), entry->values.end(), [&](const std::string& v) {
        return AnyValueMatches(positive, c, v, context);
      });
      result = negated ? !any : any;
      break;
    }
    case SetQualifier::kForAnyValue:
      result = std::any_of(entry->values.begin(), entry->values.end(), holds);
      break;
    case SetQualifier::kForAllValues:
      result = std::all_of(entry->values.begin(), entry->values.end(), holds);
      break;
  }
  return result;
}

}  // namespace portcullis::eval
