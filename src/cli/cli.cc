#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli/evaluation_input.h"
#include "cli/saml_response_command.h"
#include "eval/evaluator.h"
#include "policy/json.h"
#include "policy/parse.h"
#include "server/config.h"
#include "server/serve.h"

#include "idp/idp.h"

namespace portcullis::cli {
namespace {

struct ValidateArgs {
  std::string file;
  std::string kind = "identity";
  bool json = false;
  bool no_size_limit = false;
};

struct EvaluateArgs {
  std::vector<std::string> policies;
  std::string resource_policy;
  std::string boundary;
  std::vector<std::string> session_policies;
  std::vector<std::string> scps;
  std::string principal;
  std::string principal_account;
  std::string action;
  std::string resource = "*";
  std::string resource_account;
  std::vector<std::string> context;
  std::vector<std::string> context_multi;
  std::string request_file;
  std::string requests_file;
  bool json = false;
};

Result<std::string> ReadFile(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kNotFound, "cannot read `" + path + "`");
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string ErrorJson(const Error& e) {
  std::string out = R"({"error":)";
  policy::AppendJsonString(out, e.ToString());
  if (!e.aws_code.empty()) {
    out += R"(,"code":)";
    policy::AppendJsonString(out, e.aws_code);
  }
  if (e.location.has_value()) {
    out += R"(,"line":)";
    out += std::to_string(e.location->line);
    out += R"(,"column":)";
    out += std::to_string(e.location->column);
    out += R"(,"path":)";
    policy::AppendJsonString(out, e.location->path);
  }
  out += '}';
  return out;
}

int RunValidate(const ValidateArgs& args, std::ostream& out, std::ostream& err) {
  auto kind = policy::PolicyKindFromName(args.kind);
  if (!kind.has_value()) {
    err << "unknown policy kind `" << args.kind << "`\n";
    return kExitUsage;
  }
  auto text = ReadFile(args.file);
  if (!text.has_value()) {
    err << text.error().ToString() << "\n";
    return kExitInvalidInput;
  }
  policy::ParseOptions options;
  options.kind = *kind;
  options.enforce_size_limit = !args.no_size_limit;
  auto doc = policy::ParsePolicy(*text, options);
  if (doc.has_value()) {
    auto compiled = eval::CompilePolicy(*doc, args.file, *kind);
    if (!compiled.has_value()) {
      doc = tl::unexpected<Error>(compiled.error());
    }
  }
  if (!doc.has_value()) {
    const Error& e = doc.error();
    if (args.json) {
      out << R"({"valid":false,)" << ErrorJson(e).substr(1) << "\n";
    } else {
      out << args.file << ": invalid " << args.kind
          << " policy: " << (e.aws_code.empty() ? "" : e.aws_code + ": ") << e.ToString() << "\n";
    }
    return kExitInvalidInput;
  }
  if (args.json) {
    out << R"({"valid":true,"kind":")" << args.kind << R"(","statements":)"
        << doc->statements.size() << "}\n";
  } else {
    out << args.file << ": valid " << args.kind << " policy (" << doc->statements.size()
        << " statement" << (doc->statements.size() == 1 ? "" : "s") << ")\n";
  }
  return kExitOk;
}

int ExitFor(eval::Verdict verdict) {
  switch (verdict) {
    case eval::Verdict::kAllow:
      return kExitOk;
    case eval::Verdict::kImplicitDeny:
      return kExitImplicitDeny;
    case eval::Verdict::kExplicitDeny:
      return kExitExplicitDeny;
  }
  return kExitImplicitDeny;
}

policy::JsonLimits InputLimits() {
  policy::JsonLimits limits;
  limits.max_bytes = 16u << 20;
  limits.max_elements = 1u << 20;
  return limits;
}

Result<policy::JsonValue> ReadJsonFile(const std::string& path) {
  IAM_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto value = policy::ParseJson(text, InputLimits());
  if (!value.has_value()) {
    return MakeError(std::move(value).error().WithContext("`" + path + "`"));
  }
  return value;
}

// KEY=VALUE, or KEY=V1,V2,... when `multi`, as a context member.
Result<policy::JsonValue::Member> ContextMember(const std::string& kv, bool multi) {
  std::size_t eq = kv.find('=');
  if (eq == std::string::npos || eq == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "context `" + kv + "` is not KEY=VALUE");
  }
  std::string value = kv.substr(eq + 1);
  if (!multi) {
    return policy::JsonValue::Member{kv.substr(0, eq), policy::JsonValue::String(value)};
  }
  std::vector<policy::JsonValue> items;
  std::size_t start = 0;
  while (!value.empty() && start <= value.size()) {
    std::size_t comma = std::min(value.find(',', start), value.size());
    items.push_back(policy::JsonValue::String(value.substr(start, comma - start)));
    start = comma + 1;
  }
  return policy::JsonValue::Member{kv.substr(0, eq), policy::JsonValue::Array(std::move(items))};
}

Result<policy::JsonValue> PolicyFiles(const std::vector<std::string>& files) {
  std::vector<policy::JsonValue> docs;
  for (const std::string& file : files) {
    IAM_ASSIGN_OR_RETURN(policy::JsonValue doc, ReadJsonFile(file));
    docs.push_back(std::move(doc));
  }
  return policy::JsonValue::Array(std::move(docs));
}

// Builds the request object of `--request` from the simple flags.
Result<policy::JsonValue> RequestFromFlags(const EvaluateArgs& a) {
  using policy::JsonValue;
  std::vector<JsonValue::Member> context;
  for (const std::string& kv : a.context) {
    IAM_ASSIGN_OR_RETURN(JsonValue::Member m, ContextMember(kv, false));
    context.push_back(std::move(m));
  }
  for (const std::string& kv : a.context_multi) {
    IAM_ASSIGN_OR_RETURN(JsonValue::Member m, ContextMember(kv, true));
    context.push_back(std::move(m));
  }
  std::vector<JsonValue::Member> request;
  request.emplace_back("principal", JsonValue::String(a.principal));
  request.emplace_back("principalAccount", JsonValue::String(a.principal_account));
  request.emplace_back("action", JsonValue::String(a.action));
  request.emplace_back("resource", JsonValue::String(a.resource));
  request.emplace_back("resourceAccount", JsonValue::String(a.resource_account));
  request.emplace_back("context", JsonValue::Object(std::move(context)));
  std::vector<JsonValue::Member> policies;
  IAM_ASSIGN_OR_RETURN(JsonValue identity, PolicyFiles(a.policies));
  policies.emplace_back("identity", std::move(identity));
  IAM_ASSIGN_OR_RETURN(JsonValue session, PolicyFiles(a.session_policies));
  policies.emplace_back("session", std::move(session));
  IAM_ASSIGN_OR_RETURN(JsonValue scp, PolicyFiles(a.scps));
  policies.emplace_back("scp", std::move(scp));
  if (!a.resource_policy.empty()) {
    IAM_ASSIGN_OR_RETURN(JsonValue doc, ReadJsonFile(a.resource_policy));
    policies.emplace_back("resource", std::move(doc));
  }
  if (!a.boundary.empty()) {
    IAM_ASSIGN_OR_RETURN(JsonValue doc, ReadJsonFile(a.boundary));
    policies.emplace_back("permissionsBoundary", std::move(doc));
  }
  std::vector<JsonValue::Member> root;
  root.emplace_back("request", JsonValue::Object(std::move(request)));
  root.emplace_back("policies", JsonValue::Object(std::move(policies)));
  return JsonValue::Object(std::move(root));
}

Result<eval::Decision> EvaluateJson(const policy::JsonValue& root, PolicyCache& cache) {
  IAM_ASSIGN_OR_RETURN(EvaluationInput input, ReadEvaluationInput(root, cache));
  return eval::Evaluate(input.request, input.policies, input.resource_policy.get());
}

Result<eval::Decision> EvaluateText(std::string_view text, PolicyCache& cache) {
  IAM_ASSIGN_OR_RETURN(policy::JsonValue root, policy::ParseJson(text, InputLimits()));
  return EvaluateJson(root, cache);
}

int RunBatch(const EvaluateArgs& args, std::ostream& out, std::ostream& err) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (args.requests_file != "-") {
    file.open(args.requests_file, std::ios::binary);
    if (!file) {
      err << "cannot read `" << args.requests_file << "`\n";
      return kExitInvalidInput;
    }
    in = &file;
  }
  PolicyCache cache;
  std::string line;
  while (std::getline(*in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    auto decision = EvaluateText(line, cache);
    if (!decision.has_value()) {
      out << ErrorJson(decision.error()) << "\n";
    } else if (args.json) {
      out << DecisionToJson(*decision) << "\n";
    } else {
      out << eval::VerdictName(decision->verdict) << "\n";
    }
  }
  return kExitOk;
}

int RunEvaluate(const EvaluateArgs& args, std::ostream& out, std::ostream& err) {
  if (!args.requests_file.empty()) {
    return RunBatch(args, out, err);
  }
  Result<policy::JsonValue> root = policy::JsonValue();
  if (!args.request_file.empty()) {
    root = ReadJsonFile(args.request_file);
  } else if (args.action.empty()) {
    err << "give --action (with policy flags), --request FILE or --requests FILE\n";
    return kExitUsage;
  } else {
    root = RequestFromFlags(args);
  }
  PolicyCache cache;
  auto decision = root.has_value() ? EvaluateJson(*root, cache)
                                   : Result<eval::Decision>(tl::unexpected(root.error()));
  if (!decision.has_value()) {
    if (args.json) {
      out << ErrorJson(decision.error()) << "\n";
    } else {
      err << "error: " << decision.error().ToString() << "\n";
    }
    return kExitInvalidInput;
  }
  out << (args.json ? DecisionToJson(*decision) + "\n" : DecisionToText(*decision));
  return ExitFor(decision->verdict);
}

void AddValidate(CLI::App& policy_cmd, ValidateArgs& args) {
  CLI::App* v =
      policy_cmd.add_subcommand("validate", "Check a policy document against AWS's rules");
  v->add_option("file", args.file, "Policy document (JSON), or - for stdin")->required();
  v->add_option("--kind", args.kind, "identity|resource|trust|boundary|session|scp")
      ->capture_default_str();
  v->add_flag("--json", args.json, "Print the result as JSON");
  v->add_flag("--no-size-limit", args.no_size_limit, "Do not enforce AWS's size quota");
}

void AddEvaluate(CLI::App& policy_cmd, EvaluateArgs& a) {
  CLI::App* e = policy_cmd.add_subcommand("evaluate", "Decide a request against policies");
  e->add_option("--policy", a.policies, "Identity policy file (repeatable)");
  e->add_option("--resource-policy", a.resource_policy, "Resource policy file");
  e->add_option("--boundary", a.boundary, "Permissions boundary file");
  e->add_option("--session-policy", a.session_policies, "Session policy file (repeatable)");
  e->add_option("--scp", a.scps, "Service control policy file, one per level (repeatable)");
  e->add_option("--principal", a.principal, "Caller ARN");
  e->add_option("--principal-account", a.principal_account, "Caller account id");
  e->add_option("--action", a.action, "Action, e.g. s3:GetObject");
  e->add_option("--resource", a.resource, "Resource ARN")->capture_default_str();
  e->add_option("--resource-account", a.resource_account, "Account owning the resource");
  e->add_option("--context", a.context, "Context key KEY=VALUE (repeatable)");
  e->add_option("--context-multi", a.context_multi,
                "Multivalued context key KEY=V1,V2,... (repeatable)");
  e->add_option("--request", a.request_file, "Request JSON file, or - for stdin");
  e->add_option("--requests", a.requests_file, "JSON Lines file of requests, or - for stdin");
  e->add_flag("--json", a.json, "Print JSON");
}

struct ServeArgs {
  server::FlagValues flags;
};

struct AccountCreateArgs {
  server::FlagValues flags;  // data_dir, config
  server::CreateAccountArgs create;
};

void AddServe(CLI::App& app, ServeArgs& args) {
  CLI::App* s = app.add_subcommand("serve", "Run the IAM server (docs/configuration.md)");
  s->add_option_function<std::string>(
      "--config", [&args](const std::string& v) { args.flags["config"] = v; },
      "TOML config file (PORTCULLIS_CONFIG)");
  for (const server::SettingSpec& spec : server::Settings()) {
    if (spec.flag.empty()) {
      continue;
    }
    const std::string key(spec.key);
    std::string help(spec.help);
    help += " [" + std::string(spec.env) + "; default " + std::string(spec.fallback) + "]";
    if (spec.is_switch) {
      s->add_flag_callback(
          std::string(spec.flag), [&args, key] { args.flags[key] = "true"; }, help);
    } else {
      s->add_option_function<std::string>(
          std::string(spec.flag), [&args, key](const std::string& v) { args.flags[key] = v; },
          help);
    }
  }
}

void AddAccount(CLI::App& app, AccountCreateArgs& args) {
  CLI::App* account = app.add_subcommand("account", "Manage accounts");
  account->require_subcommand(1);
  CLI::App* c = account->add_subcommand("create", "Add an account and print its root keys");
  c->add_option("--account-id", args.create.account_id, "12-digit id (default: random)");
  c->add_option("--alias", args.create.alias, "Account alias");
  c->add_option_function<std::string>(
      "--data-dir", [&args](const std::string& v) { args.flags["data_dir"] = v; },
      "Data directory [PORTCULLIS_DATA_DIR; default ./portcullis-data]");
  c->add_option_function<std::string>(
      "--config", [&args](const std::string& v) { args.flags["config"] = v; },
      "TOML config file (PORTCULLIS_CONFIG)");
}

// `portcullis idp` runs the OIDC issuer; `portcullis idp saml-response` (added on the
// returned command) prints a signed SAML response instead.
CLI::App* AddIdp(CLI::App& app, idp::IdpSettings& settings) {
  CLI::App* i = app.add_subcommand(
      "idp",
      "Run the built-in OpenID Connect identity provider for tests (docs/federation.md), or "
      "make a signed SAML response (idp saml-response, docs/saml-federation.md)");
  i->add_option("--listen-address", settings.listen_address, "Loopback address to listen on")
      ->capture_default_str();
  i->add_option("--port", settings.port, "TCP port; 0 picks a free one")->capture_default_str();
  i->add_option("--alg", settings.algorithm, "Signing algorithm of a generated key: RS256 | ES256")
      ->capture_default_str();
  i->add_option("--key-file", settings.key_file,
                "PEM private key (RSA >= 2048 bits or EC P-256); default: generated at start");
  i->add_option("--kid", settings.kid, "Key id in the JWKS and token headers")
      ->capture_default_str();
  i->add_option("--subject", settings.subjects,
                "A subject tokens may be issued for (repeatable; default: any)");
  i->add_option("--issuer", settings.issuer,
                "Issuer URL of the tokens and discovery (default: http://ADDRESS:PORT)");
  i->add_option("--audience", settings.default_audience,
                "Audience of tokens whose form names no client_id or aud")
      ->capture_default_str();
  return i;
}

int RunServe(const ServeArgs& args, std::ostream& out, std::ostream& err) {
  auto config = server::ResolveServerConfig(args.flags, server::ProcessEnvironment());
  if (!config.has_value()) {
    err << "portcullis: " << config.error().ToString() << "\n";
    return kExitUsage;
  }
  return server::Serve(*config, out, err);
}

int RunAccountCreate(const AccountCreateArgs& args, std::ostream& out, std::ostream& err) {
  auto config = server::ResolveServerConfig(args.flags, server::ProcessEnvironment());
  if (!config.has_value()) {
    err << "portcullis: " << config.error().ToString() << "\n";
    return kExitUsage;
  }
  return server::CreateAccountCommand(*config, args.create, out, err);
}

}  // namespace

int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"Portcullis: AWS IAM-compatible identity and access management"};
  app.require_subcommand(1);
  CLI::App* policy_cmd = app.add_subcommand("policy", "Validate and evaluate IAM policies");
  policy_cmd->require_subcommand(1);
  ValidateArgs validate;
  EvaluateArgs evaluate;
  AddValidate(*policy_cmd, validate);
  AddEvaluate(*policy_cmd, evaluate);
  ServeArgs serve;
  AddServe(app, serve);
  AccountCreateArgs account_create;
  AddAccount(app, account_create);
  idp::IdpSettings idp_settings;
  CLI::App* idp = AddIdp(app, idp_settings);
  SamlResponseArgs saml_response;
  CLI::App* saml_response_cmd = AddSamlResponseCommand(*idp, saml_response);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::ostringstream help;
    int code = app.exit(e, help, err);
    out << help.str();
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (app.got_subcommand("serve")) {
    return RunServe(serve, out, err);
  }
  if (saml_response_cmd->parsed()) {
    return RunSamlResponse(saml_response, out, err);
  }
  if (app.got_subcommand("idp")) {
    return idp::RunIdp(idp_settings, out, err);
  }
  if (app.got_subcommand("account")) {
    return RunAccountCreate(account_create, out, err);
  }
  if (policy_cmd->got_subcommand("validate")) {
    return RunValidate(validate, out, err);
  }
  return RunEvaluate(evaluate, out, err);
}

}  // namespace portcullis::cli
