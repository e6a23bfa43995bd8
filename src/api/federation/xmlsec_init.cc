// See xmlsec_init.h.
#include "api/federation/xmlsec_init.h"

#include <libxml/parser.h>
#include <mutex>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

namespace portcullis::api::federation::internal {
namespace {

// xmlsec reports through this callback; the callers turn failures into their own errors,
// so nothing is printed (a message could quote attacker-chosen bytes).
void SilentXmlSecErrors(const char* /*file*/, int /*line*/, const char* /*func*/,
                        const char* /*error_object*/, const char* /*error_subject*/, int /*reason*/,
                        const char* /*msg*/) {}

}  // namespace

bool EnsureXmlSec() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    xmlInitParser();
    if (xmlSecInit() < 0) {
      return;
    }
    if (xmlSecCheckVersion() != 1) {
      return;
    }
    if (xmlSecCryptoAppInit(nullptr) < 0) {
      return;
    }
    if (xmlSecCryptoInit() < 0) {
      return;
    }
    // After the backend's own initialisation, which may install its callback.
    xmlSecErrorsDefaultCallbackEnableOutput(0);
    xmlSecErrorsSetCallback(SilentXmlSecErrors);
    ok = true;
  });
  return ok;
}

}  // namespace portcullis::api::federation::internal
