// `portcullis idp saml-response`: prints a signed SAML 2.0 response (base64, as the
// SAMLResponse form field and AssumeRoleWithSAML's SAMLAssertion carry it) made from flags,
// so that SAML federation can be tried offline (docs/saml-federation.md).
//
//   portcullis idp saml-response --key-file K --cert-file C --issuer I --subject S
//       --role ROLE_ARN,PROVIDER_ARN [--role ...] --session-name N [--tag K=V ...]
//       [--transitive-tag K ...] [--source-identity ID] [--duration SECONDS]
//       [--attribute NAME=VALUE ...] [--audience URL] [--recipient URL]
//       [--subject-format URI] [--valid-for SECONDS] [--issue-instant DATETIME]
//       [--sign assertion|response|both] [--encrypt-to-cert FILE] [--xml]
//
// Exit codes: 0 printed, 1 unreadable key/certificate or signing failure, 2 bad flags.
// The command is added under a parent command (`idp`) by AddSamlResponseCommand.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace portcullis::cli {

struct SamlResponseArgs {
  std::string key_file;
  std::string cert_file;
  std::string issuer;
  std::string subject;
  std::string subject_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
  std::vector<std::string> roles;
  std::string session_name;
  std::vector<std::string> tags;
  std::vector<std::string> transitive_tags;
  std::string source_identity;
  long duration = 0;  // SessionDuration attribute; 0: none
  std::vector<std::string> attributes;
  std::string audience = "https://signin.aws.amazon.com/saml";
  std::string recipient = "https://signin.aws.amazon.com/saml";
  long valid_for = 300;
  std::string issue_instant;  // default: now
  std::string sign = "assertion";
  std::string encrypt_to_cert_file;  // PEM certificate to encrypt the assertion to
  bool xml = false;
};

// Adds `saml-response` under `parent` (e.g. the `idp` command) and returns it.
CLI::App* AddSamlResponseCommand(CLI::App& parent, SamlResponseArgs& args);

// Runs the command: the response on `out`, diagnostics on `err`.
int RunSamlResponse(const SamlResponseArgs& args, std::ostream& out, std::ostream& err);

}  // namespace portcullis::cli
