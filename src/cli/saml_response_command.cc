// See saml_response_command.h.
#include "cli/saml_response_command.h"

#include <chrono>
#include <fstream>
#include <iterator>
#include <ostream>
#include <string>
#include <utility>

#include "api/federation/saml_metadata.h"
#include "api/federation/saml_response.h"
#include "api/federation/saml_signer.h"
#include "cli/cli.h"
#include "common/base64.h"

namespace portcullis::cli {
namespace {

namespace federation = api::federation;

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return false;
  }
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// Adds value `value` to attribute `name` of `spec`.
void AddValue(federation::SamlResponseSpec& spec, std::string name, std::string value) {
  for (federation::SamlAttribute& a : spec.attributes) {
    if (a.name == name) {
      a.values.push_back(std::move(value));
      return;
    }
  }
  spec.attributes.push_back({std::move(name), {}, {std::move(value)}});
}

}  // namespace

CLI::App* AddSamlResponseCommand(CLI::App& parent, SamlResponseArgs& a) {
  CLI::App* c = parent.add_subcommand(
      "saml-response", "Print a signed SAML 2.0 response (base64) for AssumeRoleWithSAML");
  c->add_option("--key-file", a.key_file, "IdP signing key (PEM, RSA or EC)")->required();
  c->add_option("--cert-file", a.cert_file, "IdP certificate (PEM), as in the metadata")
      ->required();
  c->add_option("--issuer", a.issuer, "IdP entityID (the metadata's)")->required();
  c->add_option("--subject", a.subject, "NameID of the user")->required();
  c->add_option("--subject-format", a.subject_format, "NameID Format")->capture_default_str();
  c->add_option("--role", a.roles, "ROLE_ARN,PROVIDER_ARN (repeatable)")->required();
  c->add_option("--session-name", a.session_name, "RoleSessionName attribute")->required();
  c->add_option("--tag", a.tags, "Session tag KEY=VALUE (PrincipalTag:KEY; repeatable)");
  c->add_option("--transitive-tag", a.transitive_tags, "TransitiveTagKeys value (repeatable)");
  c->add_option("--source-identity", a.source_identity, "SourceIdentity attribute");
  c->add_option("--duration", a.duration, "SessionDuration attribute, seconds");
  c->add_option("--attribute", a.attributes, "Other attribute NAME=VALUE (repeatable)");
  c->add_option("--audience", a.audience, "Audience")->capture_default_str();
  c->add_option("--recipient", a.recipient, "SubjectConfirmationData Recipient")
      ->capture_default_str();
  c->add_option("--valid-for", a.valid_for, "Seconds until NotOnOrAfter")->capture_default_str();
  c->add_option("--issue-instant", a.issue_instant, "IssueInstant (xs:dateTime; default now)");
  c->add_option("--sign", a.sign, "What to sign: assertion, response or both")
      ->check(CLI::IsMember({"assertion", "response", "both"}))
      ->capture_default_str();
  c->add_option("--encrypt-to-cert", a.encrypt_to_cert_file,
                "Encrypt the assertion to this PEM certificate (the SAML provider's key)");
  c->add_flag("--xml", a.xml, "Print the XML instead of base64");
  return c;
}

int RunSamlResponse(const SamlResponseArgs& args, std::ostream& out, std::ostream& err) {
  federation::SamlResponseSpec spec;
  spec.issuer = args.issuer;
  spec.subject = args.subject;
  spec.subject_format = args.subject_format;
  spec.audience = args.audience;
  spec.recipient = args.recipient;
  if (args.valid_for <= 0) {
    err << "portcullis: --valid-for must be positive\n";
    return kExitUsage;
  }
  spec.validity = std::chrono::seconds(args.valid_for);
  if (args.issue_instant.empty()) {
    spec.issue_instant =
        std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  } else {
    auto t = federation::ParseXsDateTime(args.issue_instant);
    if (!t.has_value()) {
      err << "portcullis: --issue-instant is not an xs:dateTime\n";
      return kExitUsage;
    }
    spec.issue_instant = *t;
  }
  spec.sign_assertion = args.sign != "response";
  spec.sign_response = args.sign != "assertion";
  for (const std::string& role : args.roles) {
    AddValue(spec, std::string(federation::kAwsRoleAttribute), role);
  }
  AddValue(spec, std::string(federation::kAwsRoleSessionNameAttribute), args.session_name);
  for (const std::string& tag : args.tags) {
    const std::size_t eq = tag.find('=');
    if (eq == std::string::npos || eq == 0) {
      err << "portcullis: --tag wants KEY=VALUE\n";
      return kExitUsage;
    }
    AddValue(spec, std::string(federation::kAwsPrincipalTagPrefix) + tag.substr(0, eq),
             tag.substr(eq + 1));
  }
  for (const std::string& key : args.transitive_tags) {
    AddValue(spec, std::string(federation::kAwsTransitiveTagKeysAttribute), key);
  }
  if (!args.source_identity.empty()) {
    AddValue(spec, std::string(federation::kAwsSourceIdentityAttribute), args.source_identity);
  }
  if (args.duration > 0) {
    AddValue(spec, std::string(federation::kAwsSessionDurationAttribute),
             std::to_string(args.duration));
  }
  for (const std::string& attribute : args.attributes) {
    const std::size_t eq = attribute.find('=');
    if (eq == std::string::npos || eq == 0) {
      err << "portcullis: --attribute wants NAME=VALUE\n";
      return kExitUsage;
    }
    AddValue(spec, attribute.substr(0, eq), attribute.substr(eq + 1));
  }
  std::string key;
  std::string cert;
  if (!ReadWholeFile(args.key_file, &key)) {
    err << "portcullis: cannot read `" << args.key_file << "`\n";
    return kExitInvalidInput;
  }
  if (!ReadWholeFile(args.cert_file, &cert)) {
    err << "portcullis: cannot read `" << args.cert_file << "`\n";
    return kExitInvalidInput;
  }
  if (!args.encrypt_to_cert_file.empty() &&
      !ReadWholeFile(args.encrypt_to_cert_file, &spec.encrypt_to_certificate_pem)) {
    err << "portcullis: cannot read `" << args.encrypt_to_cert_file << "`\n";
    return kExitInvalidInput;
  }
  auto xml = federation::BuildSignedSamlResponse(spec, key, cert);
  if (!xml.has_value()) {
    err << "portcullis: " << xml.error().ToString() << "\n";
    return kExitInvalidInput;
  }
  out << (args.xml ? *xml : EncodeBase64(*xml)) << "\n";
  return kExitOk;
}

}  // namespace portcullis::cli
