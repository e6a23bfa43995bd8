// Signed SAML 2.0 responses: the XML is written as text, read back with libxml2 and signed
// in place with xmlsec1 templates.
#include "api/federation/saml_signer.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <memory>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <string>
#include <string_view>
#include <utility>
#include <xmlsec/crypto.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/xmlsec.h>

#include "api/federation/saml_metadata.h"
#include "api/federation/xmlsec_init.h"

namespace portcullis::api::federation {
namespace {

using internal::XmlDocPtr;
using internal::XmlSecDSigCtxHolder;
using internal::XmlSecKeyHolder;

const xmlChar* X(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}

std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RandomId() {
  std::array<unsigned char, 16> bytes{};
  RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
  std::string out = "_";
  constexpr std::string_view kHex = "0123456789abcdef";
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string ResponseXml(const SamlResponseSpec& spec, const std::string& response_id,
                        const std::string& assertion_id) {
  const std::string issued = FormatXsDateTime(spec.issue_instant);
  const std::string until = FormatXsDateTime(spec.issue_instant + spec.validity);
  const std::string issuer = Escape(spec.issuer);
  std::string x;
  x += R"(<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" )"
       R"(xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID=")" +
       response_id + R"(" Version="2.0" IssueInstant=")" + issued + R"(" Destination=")" +
       Escape(spec.recipient) + R"(">)";
  x += "<saml:Issuer>" + issuer + "</saml:Issuer>";
  x += R"(<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>)"
       "</samlp:Status>";
  x += R"(<saml:Assertion ID=")" + assertion_id + R"(" Version="2.0" IssueInstant=")" + issued +
       R"(">)";
  x += "<saml:Issuer>" + issuer + "</saml:Issuer>";
  x += "<saml:Subject><saml:NameID";
  if (!spec.subject_format.empty()) {
    x += R"( Format=")" + Escape(spec.subject_format) + '"';
  }
  x += ">" + Escape(spec.subject) + "</saml:NameID>";
  x += R"(<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">)"
       R"(<saml:SubjectConfirmationData NotOnOrAfter=")" +
       until + R"(" Recipient=")" + Escape(spec.recipient) +
       R"("/></saml:SubjectConfirmation></saml:Subject>)";
  x += R"(<saml:Conditions NotBefore=")" + issued + R"(" NotOnOrAfter=")" + until +
       R"("><saml:AudienceRestriction><saml:Audience>)" + Escape(spec.audience) +
       "</saml:Audience></saml:AudienceRestriction></saml:Conditions>";
  x += R"(<saml:AuthnStatement AuthnInstant=")" + issued + '"';
  if (spec.session_not_on_or_after.has_value()) {
    x += R"( SessionNotOnOrAfter=")" + FormatXsDateTime(*spec.session_not_on_or_after) + '"';
  }
  x += R"(><saml:AuthnContext><saml:AuthnContextClassRef>)"
       "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
       "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>";
  if (!spec.attributes.empty()) {
    x += "<saml:AttributeStatement>";
    for (const SamlAttribute& a : spec.attributes) {
      x += R"(<saml:Attribute Name=")" + Escape(a.name) + '"';
      if (!a.friendly_name.empty()) {
        x += R"( FriendlyName=")" + Escape(a.friendly_name) + '"';
      }
      x += ">";
      for (const std::string& v : a.values) {
        x += "<saml:AttributeValue>" + Escape(v) + "</saml:AttributeValue>";
      }
      x += "</saml:Attribute>";
    }
    x += "</saml:AttributeStatement>";
  }
  x += "</saml:Assertion></samlp:Response>";
  return x;
}

xmlNode* ChildNamed(xmlNode* parent, std::string_view local) {
  for (xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE &&
        std::string_view(reinterpret_cast<const char*>(c->name)) == local) {
      return c;
    }
  }
  return nullptr;
}

Status RegisterId(xmlDoc* doc, xmlNode* element) {
  xmlAttr* attr = xmlHasNsProp(element, X("ID"), nullptr);
  xmlChar* value = attr == nullptr ? nullptr : xmlNodeGetContent(reinterpret_cast<xmlNode*>(attr));
  const bool ok = value != nullptr && xmlAddID(nullptr, doc, value, attr) != nullptr;
  xmlFree(value);
  if (!ok) {
    return MakeError(ErrorCode::kInvalidArgument, "the response and assertion IDs must differ");
  }
  return OkStatus();
}

// Signs `element` (enveloped, the signature placed right after its Issuer).
Status SignElement(xmlDoc* doc, xmlNode* element, const std::string& id, xmlSecKey* key, bool ec) {
  xmlNode* signature = xmlSecTmplSignatureCreate(
      doc, xmlSecTransformExclC14NId,
      ec ? xmlSecTransformEcdsaSha256Id : xmlSecTransformRsaSha256Id, nullptr);
  if (signature == nullptr) {
    return MakeError(ErrorCode::kInternal, "cannot create a signature template");
  }
  xmlNode* issuer = ChildNamed(element, "Issuer");
  if (issuer == nullptr || xmlAddNextSibling(issuer, signature) == nullptr) {
    xmlFreeNode(signature);
    return MakeError(ErrorCode::kInternal, "cannot place the signature");
  }
  const std::string uri = "#" + id;
  xmlNode* reference = xmlSecTmplSignatureAddReference(signature, xmlSecTransformSha256Id, nullptr,
                                                       X(uri.c_str()), nullptr);
  if (reference == nullptr ||
      xmlSecTmplReferenceAddTransform(reference, xmlSecTransformEnvelopedId) == nullptr ||
      xmlSecTmplReferenceAddTransform(reference, xmlSecTransformExclC14NId) == nullptr) {
    return MakeError(ErrorCode::kInternal, "cannot build the signature reference");
  }
  xmlNode* key_info = xmlSecTmplSignatureEnsureKeyInfo(signature, nullptr);
  if (key_info == nullptr || xmlSecTmplKeyInfoAddX509Data(key_info) == nullptr) {
    return MakeError(ErrorCode::kInternal, "cannot build the signature's KeyInfo");
  }
  XmlSecDSigCtxHolder ctx(xmlSecDSigCtxCreate(nullptr));
  if (ctx == nullptr) {
    return MakeError(ErrorCode::kInternal, "cannot create an xmlsec signature context");
  }
  ctx->signKey = xmlSecKeyDuplicate(key);
  if (ctx->signKey == nullptr || xmlSecDSigCtxSign(ctx.get(), signature) < 0) {
    return MakeError(ErrorCode::kInternal, "xmlsec failed to sign");
  }
  return OkStatus();
}

// Checks the key and certificate with OpenSSL; true for an EC key, false for RSA.
Result<bool> CheckKeyPair(std::string_view key_pem, std::string_view certificate_pem) {
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  auto no_passphrase = [](char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; };
  EVP_PKEY* key = key_bio == nullptr
                      ? nullptr
                      : PEM_read_bio_PrivateKey(key_bio, nullptr, no_passphrase, nullptr);
  BIO_free(key_bio);
  BIO* cert_bio = BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size()));
  X509* cert =
      cert_bio == nullptr ? nullptr : PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  Result<bool> out = false;
  if (key == nullptr) {
    out = MakeError(ErrorCode::kInvalidArgument, "the key is not an unencrypted PEM private key");
  } else if (cert == nullptr) {
    out = MakeError(ErrorCode::kInvalidArgument, "the certificate is not a PEM certificate");
  } else if (X509_check_private_key(cert, key) != 1) {
    out = MakeError(ErrorCode::kInvalidArgument, "the certificate is not for this key");
  } else if (EVP_PKEY_base_id(key) == EVP_PKEY_EC) {
    out = true;
  } else if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
    out = MakeError(ErrorCode::kInvalidArgument, "the key is neither RSA nor EC");
  }
  EVP_PKEY_free(key);
  X509_free(cert);
  ERR_clear_error();
  return out;
}

// The key of `key_pem` with the certificate of `certificate_pem`, for xmlsec.
Result<XmlSecKeyHolder> LoadSigningKey(std::string_view key_pem, std::string_view certificate_pem) {
  XmlSecKeyHolder key(xmlSecCryptoAppKeyLoadMemory(
      reinterpret_cast<const xmlSecByte*>(key_pem.data()), static_cast<xmlSecSize>(key_pem.size()),
      xmlSecKeyDataFormatPem, nullptr, nullptr, nullptr));
  if (key == nullptr ||
      xmlSecCryptoAppKeyCertLoadMemory(
          key.get(), reinterpret_cast<const xmlSecByte*>(certificate_pem.data()),
          static_cast<xmlSecSize>(certificate_pem.size()), xmlSecKeyDataFormatPem) < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "xmlsec cannot read the key or certificate");
  }
  return key;
}

// `doc` as UTF-8 text without the XML declaration libxml2 writes.
Result<std::string> Serialize(xmlDoc* doc) {
  xmlChar* out = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc, &out, &size, "UTF-8");
  if (out == nullptr) {
    return MakeError(ErrorCode::kInternal, "cannot write the response");
  }
  std::string xml(reinterpret_cast<const char*>(out), static_cast<std::size_t>(size));
  xmlFree(out);
  if (xml.starts_with("<?xml")) {
    const std::size_t end = xml.find("?>");
    xml.erase(0, end == std::string::npos ? 0 : end + 2);
    while (!xml.empty() && (xml.front() == '\n' || xml.front() == '\r')) {
      xml.erase(0, 1);
    }
  }
  return xml;
}

// Replaces `assertion` by a saml:EncryptedAssertion holding it encrypted to the RSA key of
// `certificate_pem`.
Status EncryptAssertion(xmlDoc* doc, xmlNode* assertion, std::string_view certificate_pem) {
  struct MngrFree {
    void operator()(xmlSecKeysMngr* m) const { xmlSecKeysMngrDestroy(m); }
  };

  struct EncCtxFree {
    void operator()(xmlSecEncCtx* c) const { xmlSecEncCtxDestroy(c); }
  };

  std::unique_ptr<xmlSecKeysMngr, MngrFree> mngr(xmlSecKeysMngrCreate());
  if (mngr == nullptr || xmlSecCryptoAppDefaultKeysMngrInit(mngr.get()) < 0) {
    return MakeError(ErrorCode::kInternal, "cannot create an xmlsec keys manager");
  }
  xmlSecKey* recipient =
      xmlSecCryptoAppKeyLoadMemory(reinterpret_cast<const xmlSecByte*>(certificate_pem.data()),
                                   static_cast<xmlSecSize>(certificate_pem.size()),
                                   xmlSecKeyDataFormatCertPem, nullptr, nullptr, nullptr);
  if (recipient == nullptr) {
    return MakeError(ErrorCode::kInvalidArgument, "the encryption certificate does not read");
  }
  if (xmlSecCryptoAppDefaultKeysMngrAdoptKey(mngr.get(), recipient) < 0) {
    xmlSecKeyDestroy(recipient);
    return MakeError(ErrorCode::kInternal, "cannot add the encryption key");
  }
  xmlNode* data = xmlSecTmplEncDataCreate(doc, xmlSecTransformAes256CbcId, nullptr,
                                          xmlSecTypeEncElement, nullptr, nullptr);
  if (data == nullptr) {
    return MakeError(ErrorCode::kInternal, "cannot create an EncryptedData template");
  }
  xmlNode* key_info = xmlSecTmplEncDataEnsureKeyInfo(data, nullptr);
  xmlNode* encrypted_key = key_info == nullptr
                               ? nullptr
                               : xmlSecTmplKeyInfoAddEncryptedKey(
                                     key_info, xmlSecTransformRsaOaepId, nullptr, nullptr, nullptr);
  if (xmlSecTmplEncDataEnsureCipherValue(data) == nullptr || encrypted_key == nullptr ||
      xmlSecTmplEncDataEnsureCipherValue(encrypted_key) == nullptr) {
    xmlFreeNode(data);
    return MakeError(ErrorCode::kInternal, "cannot build the EncryptedData template");
  }
  std::unique_ptr<xmlSecEncCtx, EncCtxFree> ctx(xmlSecEncCtxCreate(mngr.get()));
  if (ctx == nullptr) {
    xmlFreeNode(data);
    return MakeError(ErrorCode::kInternal, "cannot create an xmlsec encryption context");
  }
  ctx->encKey = xmlSecKeyGenerate(xmlSecKeyDataAesId, 256, xmlSecKeyDataTypeSession);
  // The EncryptedAssertion takes the Assertion's place; the template is encrypted in it.
  xmlNode* wrapper = xmlNewDocNode(doc, assertion->ns, X("EncryptedAssertion"), nullptr);
  xmlReplaceNode(assertion, wrapper);
  xmlAddChild(wrapper, assertion);
  // xmlsec puts the encrypted template in the Assertion's place.
  if (ctx->encKey == nullptr || xmlSecEncCtxXmlEncrypt(ctx.get(), data, assertion) < 0) {
    if (data->parent == nullptr) {
      xmlFreeNode(data);
    }
    return MakeError(ErrorCode::kInternal, "xmlsec failed to encrypt the assertion");
  }
  return OkStatus();
}

}  // namespace

std::string FormatXsDateTime(SamlTime t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{t - days};
  std::array<char, 40> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf.data();
}

Result<std::string> BuildSignedSamlResponse(const SamlResponseSpec& spec, std::string_view key_pem,
                                            std::string_view certificate_pem) {
  if (!internal::EnsureXmlSec()) {
    return MakeError(ErrorCode::kInternal, "xmlsec could not be initialised");
  }
  IAM_ASSIGN_OR_RETURN(const bool ec, CheckKeyPair(key_pem, certificate_pem));
  IAM_ASSIGN_OR_RETURN(XmlSecKeyHolder key, LoadSigningKey(key_pem, certificate_pem));
  const std::string response_id = spec.response_id.empty() ? RandomId() : spec.response_id;
  const std::string assertion_id = spec.assertion_id.empty() ? RandomId() : spec.assertion_id;
  const std::string text = ResponseXml(spec, response_id, assertion_id);
  XmlDocPtr doc(xmlReadMemory(text.data(), static_cast<int>(text.size()), nullptr, "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (doc == nullptr) {
    return MakeError(ErrorCode::kInvalidArgument, "the response does not form XML");
  }
  xmlNode* response = xmlDocGetRootElement(doc.get());
  xmlNode* assertion = ChildNamed(response, "Assertion");
  IAM_RETURN_IF_ERROR(RegisterId(doc.get(), response));
  IAM_RETURN_IF_ERROR(RegisterId(doc.get(), assertion));
  if (spec.sign_assertion) {
    IAM_RETURN_IF_ERROR(SignElement(doc.get(), assertion, assertion_id, key.get(), ec));
  }
  if (!spec.encrypt_to_certificate_pem.empty()) {
    IAM_RETURN_IF_ERROR(EncryptAssertion(doc.get(), assertion, spec.encrypt_to_certificate_pem));
  }
  if (spec.sign_response) {
    IAM_RETURN_IF_ERROR(SignElement(doc.get(), response, response_id, key.get(), ec));
  }
  return Serialize(doc.get());
}

}  // namespace portcullis::api::federation
