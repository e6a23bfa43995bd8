// One-time initialisation of libxml2 and xmlsec1 (OpenSSL backend) for the SAML verifier
// and signer, and small RAII holders for their objects. Internal to iam_federation.
// Thread-safety: EnsureXmlSec may be called from any thread; the holders are not shared.
#pragma once

#include <libxml/tree.h>
#include <memory>
#include <xmlsec/keys.h>
#include <xmlsec/xmldsig.h>

namespace portcullis::api::federation::internal {

// Initialises libxml2, xmlsec and its crypto backend once; false when that failed.
bool EnsureXmlSec();

struct XmlDocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};

using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;

struct XmlSecKeyFree {
  void operator()(xmlSecKey* key) const { xmlSecKeyDestroy(key); }
};

using XmlSecKeyHolder = std::unique_ptr<xmlSecKey, XmlSecKeyFree>;

struct XmlSecDSigCtxFree {
  void operator()(xmlSecDSigCtx* ctx) const { xmlSecDSigCtxDestroy(ctx); }
};

using XmlSecDSigCtxHolder = std::unique_ptr<xmlSecDSigCtx, XmlSecDSigCtxFree>;

}  // namespace portcullis::api::federation::internal
