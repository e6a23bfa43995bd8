// libFuzzer target for the SAML 2.0 response verifier (api/federation/saml_response.h),
// which reads the SAMLAssertion any unsigned AssumeRoleWithSAML call carries.
//
// The seeds in corpus/saml_response were signed (by `portcullis idp saml-response`) with
// the key of the certificate below, whose private key was discarded; "now" is fixed
// inside the seeds' validity, so mutations reach the claim checks behind a valid
// signature as well as the signature and wrapping defences. No decryption key is given,
// so an encrypted seed exercises the refusal of what cannot be decrypted.
//
// Properties checked on every input, aborting on a violation:
//  - a rejection carries one of AssumeRoleWithSAML's codes (InvalidIdentityToken,
//    IDPRejectedClaim, ExpiredTokenException) and a message;
//  - an accepted response was signed (response or assertion), names the expected issuer,
//    a subject, and AWS's endpoint as recipient.
// Memory is bounded by kMaxSamlResponseBytes and libxml2's own limits.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/federation/saml_response.h"
#include "common/base64.h"

namespace {

namespace federation = portcullis::api::federation;

// CN=fuzz.idp.example, RSA 2048, self-signed (DER, base64).
constexpr std::string_view kCertificate =
    "MIIDGTCCAgGgAwIBAgIUcqE0G1BohADjOrfAClWn3whE988wDQYJKoZIhvcNAQELBQAwGzEZMBcG"
    "A1UEAwwQZnV6ei5pZHAuZXhhbXBsZTAgFw0yNjExMjgwODQxNDRaGA8yMTI2MTEwNDA4NDE0NFow"
    "GzEZMBcGA1UEAwwQZnV6ei5pZHAuZXhhbXBsZTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoC"
    "ggEBAKXtmsjP2zP472fh3Bcff77aWxwWTzSehd9cKuxRWFdVYp4yfbPXuCplCiqg8Oo+Hnu1B+JO"
    "5FJcMNk0g1Dkvmfz0kmk/ZH12C/YmjNM/GICLYjXpvdy3sEBp+elDsKV9/iZPC9YH0jmxvHvRWGy"
    "Yrd7QNMF8LIQK0eMXP41IfEAWXUqX5V3ELKbo5CNr1Zb6RELYZjLsh5IEo3CSJmBCLUSM4JUNffR"
    "AH12XEiwZnAf55jA56xMayZouMs9MPN+0jY0y1vzNAU1Hf0Eh4FfmMl7g2oVSs8tIt88RUTanSs4"
    "+LzLdJaT7AEQ0Qy7ftMLOcp1vFMw45l01en/MnOpNcECAwEAAaNTMFEwHQYDVR0OBBYEFC7nXWZ0"
    "xmhGZ1A00TYFWhWFwORUMB8GA1UdIwQYMBaAFC7nXWZ0xmhGZ1A00TYFWhWFwORUMA8GA1UdEwEB"
    "/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBAKTW1dS9EWCW+Cx8qHvg5ckezw35aeEYd/lIKLRI"
    "i5qvWP/KC2YNoS6o+2nRA/dKciWJ2QvT6Z4wF8kH0+B77Tf9Y9Wi3tD3DpHr21EaONGpOgChI9NM"
    "OxGlcn/fx86It5nRx1GchVlUTx/Qf8ARxxgdtjJrrYdhwxp2Ert4eqVtx2KfDrIb/zRJq1veTtP3"
    "FHsf/ClO1aRXSoBLplOtRFbkK5jM3TtbCooXLQ9AF5d3GHpg5rV8zIpKZgOqeEHtH+G7yCI/HMlA"
    "FGpT52+C9sKsZsG8YjApsaDom5iOptglpMpt0YgXn7Rs4lIe8lNgkRl+r/+uY3zcwe4/YOq3DJ8=";

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "saml_response_fuzz: %s\n", what);
  std::abort();
}

const federation::SamlVerifyOptions& Options() {
  static const federation::SamlVerifyOptions kOptions = [] {
    federation::SamlVerifyOptions o;
    o.signing_certificates.push_back(portcullis::DecodeBase64(kCertificate).value());
    o.expected_issuer = "https://idp.example.com/saml";
    // 2026-01-01T00:01:00Z: one minute into the seeds' five-minute window.
    o.now = federation::SamlTime(std::chrono::seconds(1'767'225'660));
    return o;
  }();
  return kOptions;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto verified = federation::VerifySamlResponse(input, Options());
  if (!verified.has_value()) {
    const std::string& code = verified.error().aws_code;
    if (verified.error().message.empty() ||
        (code != "InvalidIdentityToken" && code != "IDPRejectedClaim" &&
         code != "ExpiredTokenException")) {
      Fail("a rejection without an AssumeRoleWithSAML code and a message");
    }
    return 0;
  }
  if (!verified->response_signed && !verified->assertion_signed) {
    Fail("an unsigned response was accepted");
  }
  if (verified->issuer != Options().expected_issuer || verified->subject.empty() ||
      !federation::IsAwsSamlRecipient(verified->recipient)) {
    Fail("an accepted response without the issuer, a subject or AWS's recipient");
  }
  return 0;
}
