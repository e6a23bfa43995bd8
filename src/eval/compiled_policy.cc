#include "eval/compiled_policy.h"

#include <algorithm>
#include <utility>

#include "common/base64.h"
#include "common/strings.h"
#include "eval/request.h"
#include "policy/date_time.h"
#include "policy/numeric.h"

namespace portcullis::eval {
namespace {

using policy::BaseOperator;

Error CompileError(std::string message, const SourceLocation& where) {
  Error e{ErrorCode::kInvalidArgument, std::move(message), where, {}, "MalformedPolicyDocument"};
  return e;
}

bool IsAccountId(std::string_view s) {
  return s.size() == 12 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "arn:aws:iam::123456789012:root" -> "123456789012"; otherwise empty.
std::string_view RootArnAccount(std::string_view arn) {
  auto parts = policy::SplitArn(arn);
  if (!parts.has_value() || parts->service != "iam" || parts->resource != "root") {
    return {};
  }
  return parts->account;
}

TemplatePiece Literal(std::string text) {
  TemplatePiece p;
  p.text = std::move(text);
  return p;
}

// Parses the inside of `${...}`: `key` or `key, 'default'`.
TemplatePiece VariablePiece(std::string_view inner) {
  TemplatePiece p;
  p.is_variable = true;
  std::string_view key = inner;
  std::size_t comma = inner.find(',');
  if (comma != std::string_view::npos) {
    key = TrimAsciiWhitespace(inner.substr(0, comma));
    std::string_view def = TrimAsciiWhitespace(inner.substr(comma + 1));
    if (def.size() >= 2 && def.front() == '\'' && def.back() == '\'') {
      p.default_value = std::string(def.substr(1, def.size() - 2));
    } else {
      p.default_value = std::string(def);
    }
  }
  key = TrimAsciiWhitespace(key);
  p.text = std::string(key);
  p.key_lower = AsciiLower(key);
  p.hash = HashKeyIgnoreCase(p.key_lower);
  return p;
}

ServiceActions& ServiceSlot(CompiledStatement& st, std::string_view service) {
  return st.by_service[std::string(service)];
}

void CompileActions(const policy::Statement& in, CompiledStatement& out) {
  out.not_action = in.not_action;
  for (const std::string& raw : in.actions) {
    std::string action = AsciiLower(raw);
    if (action == "*") {
      out.any_action = true;
      continue;
    }
    std::size_t colon = action.find(':');
    if (colon == std::string::npos) {
      out.full_action_globs.push_back(policy::WildcardPattern::Compile(action));
      continue;
    }
    std::string_view service = std::string_view(action).substr(0, colon);
    std::string_view name = std::string_view(action).substr(colon + 1);
    if (policy::HasWildcard(service)) {
      out.full_action_globs.push_back(policy::WildcardPattern::Compile(action));
      continue;
    }
    ServiceActions& slot = ServiceSlot(out, service);
    if (name == "*") {
      slot.all = true;
    } else if (policy::HasWildcard(name)) {
      slot.globs.push_back(policy::WildcardPattern::Compile(name));
    } else {
      slot.exact.emplace_back(name);
    }
  }
  for (auto& [service, slot] : out.by_service) {
    std::sort(slot.exact.begin(), slot.exact.end());
    slot.exact.erase(std::unique(slot.exact.begin(), slot.exact.end()), slot.exact.end());
    std::vector<std::pair<std::uint64_t, std::string>> hashed;
    hashed.reserve(slot.exact.size());
    for (std::string& name : slot.exact) {
      hashed.emplace_back(HashKeyIgnoreCase(name), std::move(name));
    }
    std::sort(hashed.begin(), hashed.end());
    slot.exact.clear();
    for (auto& [hash, name] : hashed) {
      slot.exact_hashes.push_back(hash);
      slot.exact.push_back(std::move(name));
    }
  }
}

std::optional<Template> MaybeTemplate(std::string_view s, policy::PolicyVersion version) {
  if (version != policy::PolicyVersion::k2012_10_17) {
    return std::nullopt;
  }
  return ParseTemplate(s);
}

void CompileResources(const policy::Statement& in, policy::PolicyVersion version,
                      CompiledStatement& out) {
  out.has_resource = in.has_resource;
  out.not_resource = in.not_resource;
  for (const std::string& raw : in.resources) {
    ResourceMatcher m;
    m.templ = MaybeTemplate(raw, version);
    if (!m.templ.has_value()) {
      m.any = raw == "*";
      m.pattern = policy::ArnPattern::Compile(raw);
    }
    out.resources.push_back(std::move(m));
  }
}

void AddAwsPrincipal(const std::string& value, PrincipalMatcher& m) {
  if (value == "*") {
    m.any = true;
  } else if (IsAccountId(value)) {
    m.accounts.push_back(value);
  } else if (std::string_view acct = RootArnAccount(value); !acct.empty()) {
    m.accounts.emplace_back(acct);
  } else {
    m.arns.push_back(value);
  }
}

void CompilePrincipal(const policy::Statement& in, CompiledStatement& out) {
  if (!in.principal.has_value()) {
    return;
  }
  const policy::PrincipalSpec& spec = *in.principal;
  PrincipalMatcher m;
  m.any = spec.any;
  for (const std::string& v : spec.aws) {
    AddAwsPrincipal(v, m);
  }
  for (const auto* list : {&spec.service, &spec.federated, &spec.canonical_user}) {
    for (const std::string& v : *list) {
      if (v == "*") {
        m.any = true;
      } else {
        m.others.push_back(v);
      }
    }
  }
  out.principal = std::move(m);
  out.not_principal = in.not_principal;
}

Status CompileValue(const policy::ConditionClause& clause, const std::string& text,
                    policy::PolicyVersion version, ConditionValue& v) {
  v.text = text;
  v.templ = MaybeTemplate(text, version);
  auto bad = [&](std::string_view what) {
    return MakeError(CompileError("invalid " + std::string(what) + " `" + text +
                                      "` for condition operator `" + clause.operator_name + "`",
                                  clause.location));
  };
  using policy::OperatorFamily;
  switch (policy::FamilyOf(clause.op.base)) {
    case OperatorFamily::kString:
      if (policy::PositiveForm(clause.op.base) == BaseOperator::kStringLike) {
        v.matcher = policy::WildcardPattern::Compile(text);
      } else if (policy::PositiveForm(clause.op.base) == BaseOperator::kStringEqualsIgnoreCase) {
        v.bytes = AsciiLower(text);
      }
      break;
    case OperatorFamily::kArn:
      v.matcher = policy::ArnPattern::Compile(text);
      break;
    case OperatorFamily::kNumeric:
      if (!v.templ.has_value()) {
        auto n = policy::ParseNumeric(text);
        if (!n.has_value()) {
          return bad("number");
        }
        v.number = *n;
      }
      break;
    case OperatorFamily::kDate:
      if (!v.templ.has_value()) {
        auto d = policy::ParseDateTime(text);
        if (!d.has_value()) {
          return bad("date");
        }
        v.date_ms = *d;
      }
      break;
    case OperatorFamily::kBool:
    case OperatorFamily::kNull:
      v.boolean = EqualsIgnoreCase(text, "true");
      break;
    case OperatorFamily::kIpAddress:
      if (!v.templ.has_value()) {
        auto network = policy::ParseIpNetwork(text);
        if (!network.has_value()) {
          return bad("IP address");
        }
        v.matcher = *network;
      }
      break;
    case OperatorFamily::kBinary:
      if (!v.templ.has_value()) {
        auto b = DecodeBase64(text);
        if (!b.has_value()) {
          return bad("base64 value");
        }
        v.bytes = std::move(*b);
      }
      break;
  }
  return OkStatus();
}

Status CompileConditions(const policy::Statement& in, policy::PolicyVersion version,
                         CompiledStatement& out) {
  for (const policy::ConditionClause& clause : in.conditions) {
    CompiledCondition c;
    c.op = clause.op;
    c.positive = policy::PositiveForm(clause.op.base);
    c.family = policy::FamilyOf(clause.op.base);
    c.negated = policy::IsNegated(clause.op.base);
    c.key = clause.key;
    c.key_lower = AsciiLower(clause.key);
    c.hash = HashKeyIgnoreCase(c.key_lower);
    for (const std::string& text : clause.values) {
      ConditionValue& v = c.values.emplace_back();
      IAM_RETURN_IF_ERROR(CompileValue(clause, text, version, v));
      c.has_template = c.has_template || v.templ.has_value();
    }
    out.conditions.push_back(std::move(c));
  }
  return OkStatus();
}

}  // namespace

std::optional<Template> ParseTemplate(std::string_view s) {
  if (s.find("${") == std::string_view::npos) {
    return std::nullopt;
  }
  Template t;
  std::string literal;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t start = s.find("${", i);
    std::size_t end = start == std::string_view::npos ? start : s.find('}', start + 2);
    if (start == std::string_view::npos || end == std::string_view::npos) {
      literal.append(s.substr(i));
      break;
    }
    literal.append(s.substr(i, start - i));
    std::string_view inner = s.substr(start + 2, end - start - 2);
    if (!literal.empty()) {
      t.pieces.push_back(Literal(std::move(literal)));
      literal.clear();
    }
    if (inner == "*" || inner == "?" || inner == "$") {
      TemplatePiece p = Literal(std::string(inner));
      p.is_escaped = true;
      t.has_escaped_wildcard = t.has_escaped_wildcard || inner != "$";
      t.pieces.push_back(std::move(p));
    } else {
      t.pieces.push_back(VariablePiece(inner));
    }
    i = end + 1;
  }
  if (!literal.empty()) {
    t.pieces.push_back(Literal(std::move(literal)));
  }
  return t;
}

bool ServiceActions::Matches(std::string_view name_lower, std::uint64_t name_hash) const {
  if (all) {
    return true;
  }
  auto it = std::lower_bound(exact_hashes.begin(), exact_hashes.end(), name_hash);
  for (; it != exact_hashes.end() && *it == name_hash; ++it) {
    if (ShortEquals(exact[static_cast<std::size_t>(it - exact_hashes.begin())], name_lower)) {
      return true;
    }
  }
  return std::any_of(globs.begin(), globs.end(),
                     [&](const policy::WildcardPattern& g) { return g.Matches(name_lower); });
}

bool CompiledStatement::MatchesAction(std::string_view action_lower, std::string_view name,
                                      std::uint64_t name_hash,
                                      const ServiceActions* actions) const {
  bool listed = any_action || (actions != nullptr && actions->Matches(name, name_hash));
  if (!listed && !full_action_globs.empty()) {
    listed = std::any_of(full_action_globs.begin(), full_action_globs.end(),
                         [&](const policy::WildcardPattern& g) { return g.Matches(action_lower); });
  }
  return not_action ? !listed : listed;
}

Result<std::shared_ptr<const CompiledPolicy>> CompilePolicy(const policy::PolicyDocument& doc,
                                                            std::string id,
                                                            policy::PolicyKind kind) {
  auto out = std::make_shared<CompiledPolicy>();
  out->id_ = std::move(id);
  out->kind_ = kind;
  out->version_ = doc.version;
  out->statements_.reserve(doc.statements.size());
  for (const policy::Statement& in : doc.statements) {
    CompiledStatement& st = out->statements_.emplace_back();
    st.effect = in.effect;
    st.index = static_cast<std::uint32_t>(in.index);
    st.sid = in.sid.value_or("");
    CompileActions(in, st);
    CompileResources(in, doc.version, st);
    CompilePrincipal(in, st);
    IAM_RETURN_IF_ERROR(CompileConditions(in, doc.version, st));
  }
  out->index_.Add(*out, 0);
  out->index_.Build();
  return std::shared_ptr<const CompiledPolicy>(std::move(out));
}

Result<std::shared_ptr<const CompiledPolicy>> ParseAndCompilePolicy(
    std::string_view text, std::string id, const policy::ParseOptions& options) {
  IAM_ASSIGN_OR_RETURN(policy::PolicyDocument doc, policy::ParsePolicy(text, options));
  return CompilePolicy(doc, std::move(id), options.kind);
}

}  // namespace portcullis::eval
