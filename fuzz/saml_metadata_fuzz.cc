// libFuzzer target for the SAML 2.0 metadata parser (api/federation/saml_metadata.h), the
// document CreateSAMLProvider and UpdateSAMLProvider read from any caller.
//
// Properties checked on every input, aborting on a violation:
//  - a rejected document gives kInvalidArgument with a non-empty message;
//  - an accepted one has an entity id, at least one signing certificate and at least one
//    SingleSignOnService with a binding and a location;
//  - ParseXsDateTime on the input's first bytes does not crash.
// Memory is bounded by the parser's limits (kMaxSamlMetadataBytes, kMaxSamlCertificates).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "api/federation/saml_metadata.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "saml_metadata_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using portcullis::ErrorCode;
  namespace federation = portcullis::api::federation;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)federation::ParseXsDateTime(input.substr(0, 40));
  auto parsed = federation::ParseSamlMetadata(input);
  if (!parsed.has_value()) {
    if (parsed.error().code != ErrorCode::kInvalidArgument || parsed.error().message.empty()) {
      Fail("a rejection without kInvalidArgument and a message");
    }
    return 0;
  }
  if (parsed->entity_id.empty() || parsed->signing_certificates.empty() ||
      parsed->single_sign_on_services.empty()) {
    Fail("accepted metadata without an entity id, a signing certificate or an SSO service");
  }
  for (const auto& endpoint : parsed->single_sign_on_services) {
    if (endpoint.binding.empty() || endpoint.location.empty()) {
      Fail("an SSO service without a binding or a location");
    }
  }
  return 0;
}
