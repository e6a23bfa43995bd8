// SAML 2.0 responses: libxml2 for the tree, xmlsec1 (OpenSSL) for the signatures.
// AWS: IAM User Guide, "Configuring SAML assertions for the authentication response"
// (Issuer, Audience, SubjectConfirmationData Recipient and NotOnOrAfter, Conditions,
// attributes) and STS API Reference, AssumeRoleWithSAML (errors).
#include "api/federation/saml_response.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <memory>
#include <openssl/sha.h>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <xmlsec/crypto.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/xmlsec.h>

#include "api/federation/saml_metadata.h"
#include "api/federation/xmlsec_init.h"
#include "common/base64.h"
#include "common/error.h"

namespace portcullis::api::federation {
namespace {

using internal::XmlDocPtr;
using internal::XmlSecDSigCtxHolder;
using internal::XmlSecKeyHolder;

constexpr std::string_view kSuccessStatus = "urn:oasis:names:tc:SAML:2.0:status:Success";
constexpr std::string_view kBearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

Error SamlError(ErrorCode code, std::string_view aws_code, std::string message) {
  return Error{code, std::move(message), std::nullopt, {}, std::string(aws_code)};
}

tl::unexpected<Error> Invalid(std::string message) {
  return MakeError(
      SamlError(ErrorCode::kInvalidArgument, "InvalidIdentityToken", std::move(message)));
}

tl::unexpected<Error> Rejected(std::string message) {
  return MakeError(SamlError(ErrorCode::kPermissionDenied, "IDPRejectedClaim", std::move(message)));
}

tl::unexpected<Error> Expired(std::string message) {
  return MakeError(
      SamlError(ErrorCode::kInvalidArgument, "ExpiredTokenException", std::move(message)));
}

std::string_view View(const xmlChar* s) {
  return s == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(s));
}

const xmlChar* X(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}

bool IsElement(const xmlNode* node, std::string_view ns, std::string_view local) {
  return node != nullptr && node->type == XML_ELEMENT_NODE && node->ns != nullptr &&
         View(node->ns->href) == ns && View(node->name) == local;
}

bool IsSaml(const xmlNode* node, std::string_view local) {
  return IsElement(node, kSamlAssertionNamespace, local);
}

bool IsSamlp(const xmlNode* node, std::string_view local) {
  return IsElement(node, kSaml2ProtocolNamespace, local);
}

bool IsDs(const xmlNode* node, std::string_view local) {
  return IsElement(node, kXmlDsigNamespace, local);
}

// The value of `node`'s attribute `name` (no namespace), or nullopt.
std::optional<std::string> Attr(const xmlNode* node, const char* name) {
  const xmlAttr* attr = xmlHasNsProp(node, X(name), nullptr);
  if (attr == nullptr) {
    return std::nullopt;
  }
  xmlChar* value = xmlNodeGetContent(reinterpret_cast<const xmlNode*>(attr));
  std::string out(View(value));
  xmlFree(value);
  return out;
}

std::string AttrOr(const xmlNode* node, const char* name) {
  return Attr(node, name).value_or(std::string());
}

// The text content of `node` (its text descendants, comments excluded).
std::string Text(const xmlNode* node) {
  xmlChar* value = xmlNodeGetContent(node);
  std::string out(View(value));
  xmlFree(value);
  return out;
}

std::string Trim(std::string_view s) {
  const std::size_t start = s.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) {
    return {};
  }
  const std::size_t end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(start, end - start + 1));
}

// The element children of `node` in document order.
std::vector<xmlNode*> Children(const xmlNode* node) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = node->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      out.push_back(c);
    }
  }
  return out;
}

xmlNode* FirstChild(const xmlNode* node, bool (*is)(const xmlNode*, std::string_view),
                    std::string_view local) {
  for (xmlNode* c : Children(node)) {
    if (is(c, local)) {
      return c;
    }
  }
  return nullptr;
}

// Facts about the whole tree that the wrapping defences need.
struct TreeFacts {
  int assertions = 0;
  int encrypted_assertions = 0;
  bool duplicate_id = false;
  std::set<std::string> ids;
};

void Survey(const xmlNode* node, TreeFacts* facts) {
  for (const xmlNode* n = node; n != nullptr; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) {
      continue;
    }
    if (IsSaml(n, "Assertion")) {
      ++facts->assertions;
    } else if (IsSaml(n, "EncryptedAssertion")) {
      ++facts->encrypted_assertions;
    }
    for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
      const std::string_view name = View(a->name);
      if (name == "ID" || name == "Id" || name == "id") {
        xmlChar* value = xmlNodeGetContent(reinterpret_cast<const xmlNode*>(a));
        if (!facts->ids.emplace(View(value)).second) {
          facts->duplicate_id = true;
        }
        xmlFree(value);
      }
    }
    Survey(n->children, facts);
  }
}

// Registers the `ID` attribute of `element` as an XML ID so that "#ID" references resolve
// to it. False when it has none or the value is already registered.
bool RegisterId(xmlDoc* doc, xmlNode* element) {
  xmlAttr* attr = xmlHasNsProp(element, X("ID"), nullptr);
  if (attr == nullptr) {
    return false;
  }
  xmlChar* value = xmlNodeGetContent(reinterpret_cast<xmlNode*>(attr));
  const bool ok = value != nullptr && *value != 0 && xmlAddID(nullptr, doc, value, attr) != nullptr;
  xmlFree(value);
  return ok;
}

void EnableTransforms(xmlSecDSigCtx* ctx) {
  const std::array<xmlSecTransformId, 4> c14n = {
      xmlSecTransformInclC14NId, xmlSecTransformInclC14NWithCommentsId, xmlSecTransformExclC14NId,
      xmlSecTransformExclC14NWithCommentsId};
  const std::array<xmlSecTransformId, 4> digests = {xmlSecTransformSha1Id, xmlSecTransformSha256Id,
                                                    xmlSecTransformSha384Id,
                                                    xmlSecTransformSha512Id};
  const std::array<xmlSecTransformId, 7> methods = {
      xmlSecTransformRsaSha1Id,    xmlSecTransformRsaSha256Id,   xmlSecTransformRsaSha384Id,
      xmlSecTransformRsaSha512Id,  xmlSecTransformEcdsaSha256Id, xmlSecTransformEcdsaSha384Id,
      xmlSecTransformEcdsaSha512Id};
  for (xmlSecTransformId id : c14n) {
    xmlSecDSigCtxEnableReferenceTransform(ctx, id);
    xmlSecDSigCtxEnableSignatureTransform(ctx, id);
  }
  xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId);
  for (xmlSecTransformId id : digests) {
    xmlSecDSigCtxEnableReferenceTransform(ctx, id);
  }
  for (xmlSecTransformId id : methods) {
    xmlSecDSigCtxEnableSignatureTransform(ctx, id);
  }
}

// Verifies `signature`, a direct child of `parent`, as an enveloped signature over
// `parent` by one of `keys`.
Status VerifyEnveloped(const xmlNode* parent, xmlNode* signature,
                       const std::vector<XmlSecKeyHolder>& keys) {
  const xmlNode* signed_info = FirstChild(signature, IsDs, "SignedInfo");
  if (signed_info == nullptr) {
    return Invalid("a Signature has no SignedInfo");
  }
  std::vector<const xmlNode*> references;
  for (const xmlNode* c : Children(signed_info)) {
    if (IsDs(c, "Reference")) {
      references.push_back(c);
    }
  }
  const std::string id = AttrOr(parent, "ID");
  if (references.size() != 1 || id.empty() || AttrOr(references[0], "URI") != "#" + id) {
    return Invalid("a Signature does not reference exactly its parent element");
  }
  for (const XmlSecKeyHolder& key : keys) {
    XmlSecDSigCtxHolder ctx(xmlSecDSigCtxCreate(nullptr));
    if (ctx == nullptr) {
      return MakeError(ErrorCode::kInternal, "cannot create an xmlsec signature context");
    }
    ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
    EnableTransforms(ctx.get());
    ctx->signKey = xmlSecKeyDuplicate(key.get());
    if (ctx->signKey == nullptr) {
      return MakeError(ErrorCode::kInternal, "cannot copy a key");
    }
    if (xmlSecDSigCtxVerify(ctx.get(), signature) >= 0 &&
        ctx->status == xmlSecDSigStatusSucceeded &&
        xmlSecPtrListGetSize(&ctx->signedInfoReferences) == 1) {
      return OkStatus();
    }
  }
  return Invalid("Response signature invalid");
}

Result<std::vector<XmlSecKeyHolder>> LoadKeys(const std::vector<std::string>& certificates) {
  std::vector<XmlSecKeyHolder> keys;
  for (const std::string& der : certificates) {
    XmlSecKeyHolder key(xmlSecCryptoAppKeyLoadMemory(
        reinterpret_cast<const xmlSecByte*>(der.data()), static_cast<xmlSecSize>(der.size()),
        xmlSecKeyDataFormatCertDer, nullptr, nullptr, nullptr));
    if (key != nullptr) {
      keys.push_back(std::move(key));
    }
  }
  if (keys.empty()) {
    return Invalid("the provider has no usable signing certificate");
  }
  return keys;
}

Result<std::optional<SamlTime>> TimeAttr(const xmlNode* node, const char* name) {
  auto text = Attr(node, name);
  if (!text.has_value()) {
    return std::optional<SamlTime>();
  }
  auto t = ParseXsDateTime(*text);
  if (!t.has_value()) {
    return Invalid("`" + std::string(name) + "` of `" + std::string(View(node->name)) +
                   "` is not an xs:dateTime");
  }
  return std::optional<SamlTime>(*t);
}

void KeepEarliest(std::optional<SamlTime>* current, std::optional<SamlTime> t) {
  if (t.has_value() && (!current->has_value() || *t < **current)) {
    *current = t;
  }
}

// NotBefore/NotOnOrAfter of `node` against now, with the allowed skew.
Status CheckWindow(const xmlNode* node, const SamlVerifyOptions& options, bool require_end,
                   std::optional<SamlTime>* earliest_end) {
  IAM_ASSIGN_OR_RETURN(auto not_before, TimeAttr(node, "NotBefore"));
  IAM_ASSIGN_OR_RETURN(auto not_on_or_after, TimeAttr(node, "NotOnOrAfter"));
  if (not_before.has_value() && options.now + options.clock_skew < *not_before) {
    return Rejected("the assertion is not yet valid");
  }
  if (!not_on_or_after.has_value()) {
    if (require_end) {
      return Rejected("`" + std::string(View(node->name)) + "` has no NotOnOrAfter");
    }
    return OkStatus();
  }
  if (options.now - options.clock_skew >= *not_on_or_after) {
    return Expired("the SAML assertion has expired");
  }
  KeepEarliest(earliest_end, not_on_or_after);
  return OkStatus();
}

Status ReadConditions(const xmlNode* assertion, const SamlVerifyOptions& options,
                      SamlAssertion* out) {
  const xmlNode* conditions = FirstChild(assertion, IsSaml, "Conditions");
  if (conditions == nullptr) {
    return Rejected("the assertion has no Conditions");
  }
  IAM_RETURN_IF_ERROR(CheckWindow(conditions, options, false, &out->not_on_or_after));
  int restrictions = 0;
  for (const xmlNode* c : Children(conditions)) {
    if (!IsSaml(c, "AudienceRestriction")) {
      continue;
    }
    ++restrictions;
    bool accepted = false;
    for (const xmlNode* a : Children(c)) {
      if (IsSaml(a, "Audience")) {
        std::string audience = Trim(Text(a));
        accepted = accepted || IsAwsSamlAudience(audience);
        out->audiences.push_back(std::move(audience));
      }
    }
    // SAML core 2.5.1.4: every AudienceRestriction must be satisfied.
    if (!accepted) {
      return Rejected("the assertion's audience is not " + std::string(kAwsSamlEndpoint));
    }
  }
  if (restrictions == 0) {
    return Rejected("the assertion has no AudienceRestriction");
  }
  return OkStatus();
}

Status ReadSubject(const xmlNode* assertion, const SamlVerifyOptions& options, SamlAssertion* out) {
  const xmlNode* subject = FirstChild(assertion, IsSaml, "Subject");
  if (subject == nullptr) {
    return Rejected("the assertion has no Subject");
  }
  const xmlNode* name_id = FirstChild(subject, IsSaml, "NameID");
  if (name_id == nullptr) {
    return Rejected("the Subject has no NameID");
  }
  out->subject = Trim(Text(name_id));
  out->subject_format = AttrOr(name_id, "Format");
  if (out->subject.empty()) {
    return Rejected("the Subject's NameID is empty");
  }
  // At least one bearer confirmation for AWS's endpoint that has not expired.
  std::optional<Error> last_error;
  for (const xmlNode* confirmation : Children(subject)) {
    if (!IsSaml(confirmation, "SubjectConfirmation") || AttrOr(confirmation, "Method") != kBearer) {
      continue;
    }
    const xmlNode* data = FirstChild(confirmation, IsSaml, "SubjectConfirmationData");
    if (data == nullptr) {
      continue;
    }
    const std::string recipient = AttrOr(data, "Recipient");
    if (!IsAwsSamlRecipient(recipient)) {
      last_error = SamlError(
          ErrorCode::kPermissionDenied, "IDPRejectedClaim",
          "the SubjectConfirmationData's Recipient is not " + std::string(kAwsSamlEndpoint));
      continue;
    }
    std::optional<SamlTime> end;
    auto window = CheckWindow(data, options, true, &end);
    if (!window.has_value()) {
      last_error = window.error();
      continue;
    }
    out->recipient = recipient;
    KeepEarliest(&out->not_on_or_after, end);
    return OkStatus();
  }
  if (last_error.has_value()) {
    return MakeError(*std::move(last_error));
  }
  return Rejected("the Subject has no bearer SubjectConfirmation");
}

Status ReadStatements(const xmlNode* assertion, SamlAssertion* out) {
  for (const xmlNode* statement : Children(assertion)) {
    if (IsSaml(statement, "AuthnStatement")) {
      IAM_ASSIGN_OR_RETURN(auto session_end, TimeAttr(statement, "SessionNotOnOrAfter"));
      KeepEarliest(&out->session_not_on_or_after, session_end);
      continue;
    }
    if (!IsSaml(statement, "AttributeStatement")) {
      continue;
    }
    for (const xmlNode* a : Children(statement)) {
      if (!IsSaml(a, "Attribute")) {
        continue;
      }
      if (out->attributes.size() >= kMaxSamlAttributes) {
        return Invalid("the assertion has more than " + std::to_string(kMaxSamlAttributes) +
                       " attributes");
      }
      SamlAttribute attribute{AttrOr(a, "Name"), AttrOr(a, "FriendlyName"), {}};
      for (const xmlNode* v : Children(a)) {
        if (IsSaml(v, "AttributeValue")) {
          attribute.values.push_back(Trim(Text(v)));
        }
      }
      // Two Attribute elements of one name add up, as SAML allows.
      auto same = std::find_if(out->attributes.begin(), out->attributes.end(),
                               [&](const SamlAttribute& x) { return x.name == attribute.name; });
      if (same != out->attributes.end()) {
        same->values.insert(same->values.end(), attribute.values.begin(), attribute.values.end());
      } else {
        out->attributes.push_back(std::move(attribute));
      }
    }
  }
  return OkStatus();
}

Result<XmlDocPtr> ParseDocument(std::string_view xml) {
  if (xml.size() > kMaxSamlResponseBytes) {
    return Invalid("the SAML response is longer than " + std::to_string(kMaxSamlResponseBytes) +
                   " bytes");
  }
  if (xml.find("<!DOCTYPE") != std::string_view::npos ||
      xml.find("<!ENTITY") != std::string_view::npos) {
    return Invalid("the SAML response has a document type declaration");
  }
  XmlDocPtr doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (doc == nullptr) {
    return Invalid("the SAML response is not well-formed XML");
  }
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return Invalid("the SAML response has a document type declaration");
  }
  return doc;
}

// The Response and its one Assertion, once the wrapping defences hold.
struct Structure {
  xmlNode* response = nullptr;
  xmlNode* assertion = nullptr;
};

constexpr std::string_view kXmlEncNamespace = "http://www.w3.org/2001/04/xmlenc#";

bool IsXenc(const xmlNode* node, std::string_view local) {
  return IsElement(node, kXmlEncNamespace, local);
}

// Unique IDs, and exactly one Assertion (or, when `allow_encrypted`, one
// EncryptedAssertion instead) in the whole document. Returns whether it is encrypted.
Result<bool> CheckAssertionCount(xmlNode* response, bool allow_encrypted) {
  TreeFacts facts;
  Survey(response, &facts);
  if (facts.duplicate_id) {
    return Invalid("the SAML response has duplicate IDs");
  }
  if (allow_encrypted && facts.assertions == 0 && facts.encrypted_assertions == 1) {
    return true;
  }
  if (facts.assertions != 1 || facts.encrypted_assertions != 0) {
    return Invalid("the SAML response must hold exactly one Assertion");
  }
  return false;
}

struct XmlSecKeysMngrFree {
  void operator()(xmlSecKeysMngr* mngr) const { xmlSecKeysMngrDestroy(mngr); }
};

struct XmlSecEncCtxFree {
  void operator()(xmlSecEncCtx* ctx) const { xmlSecEncCtxDestroy(ctx); }
};

// Decrypts `data` in place with the private key `pem`; false when that key does not.
Result<bool> DecryptWith(xmlNode* data, const std::string& pem) {
  std::unique_ptr<xmlSecKeysMngr, XmlSecKeysMngrFree> mngr(xmlSecKeysMngrCreate());
  if (mngr == nullptr || xmlSecCryptoAppDefaultKeysMngrInit(mngr.get()) < 0) {
    return MakeError(ErrorCode::kInternal, "cannot create an xmlsec keys manager");
  }
  xmlSecKey* key = xmlSecCryptoAppKeyLoadMemory(reinterpret_cast<const xmlSecByte*>(pem.data()),
                                                static_cast<xmlSecSize>(pem.size()),
                                                xmlSecKeyDataFormatPem, nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return false;
  }
  if (xmlSecCryptoAppDefaultKeysMngrAdoptKey(mngr.get(), key) < 0) {
    xmlSecKeyDestroy(key);
    return MakeError(ErrorCode::kInternal, "cannot add a key to the xmlsec keys manager");
  }
  std::unique_ptr<xmlSecEncCtx, XmlSecEncCtxFree> ctx(xmlSecEncCtxCreate(mngr.get()));
  if (ctx == nullptr) {
    return MakeError(ErrorCode::kInternal, "cannot create an xmlsec encryption context");
  }
  return xmlSecEncCtxDecrypt(ctx.get(), data) >= 0 && ctx->result != nullptr &&
         ctx->resultReplaced != 0;
}

// Replaces the Response's EncryptedAssertion by the Assertion it decrypts to.
Status DecryptAssertion(xmlNode* response, const SamlVerifyOptions& options) {
  xmlNode* encrypted = FirstChild(response, IsSaml, "EncryptedAssertion");
  xmlNode* data = encrypted == nullptr ? nullptr : FirstChild(encrypted, IsXenc, "EncryptedData");
  if (data == nullptr) {
    return Invalid("the Response's EncryptedAssertion is not its child or has no EncryptedData");
  }
  if (options.decryption_keys_pem.empty()) {
    return Invalid("the provider has no private key to decrypt the assertion");
  }
  // One key at a time: xmlsec's key store would offer only the first RSA key.
  bool decrypted = false;
  for (const std::string& pem : options.decryption_keys_pem) {
    IAM_ASSIGN_OR_RETURN(decrypted, DecryptWith(data, pem));
    if (decrypted) {
      break;
    }
  }
  if (!decrypted) {
    return Invalid("the EncryptedAssertion cannot be decrypted with the provider's keys");
  }
  xmlNode* assertion = FirstChild(encrypted, IsSaml, "Assertion");
  if (assertion == nullptr) {
    return Invalid("the EncryptedAssertion does not hold an Assertion");
  }
  xmlUnlinkNode(assertion);
  xmlReplaceNode(encrypted, assertion);
  xmlFreeNode(encrypted);
  return OkStatus();
}

// Verifies the signature that is a direct child of `parent`, if any; `signed_out` tells
// whether there was one.
Status VerifySignatureOf(xmlNode* parent, const std::vector<XmlSecKeyHolder>& keys,
                         bool* signed_out) {
  int signatures = 0;
  for (xmlNode* c : Children(parent)) {
    if (!IsDs(c, "Signature")) {
      continue;
    }
    if (++signatures > 1) {
      return Invalid("an element has more than one Signature");
    }
    IAM_RETURN_IF_ERROR(VerifyEnveloped(parent, c, keys));
    *signed_out = true;
  }
  return OkStatus();
}

// Structure, signatures and (when encrypted) decryption, in that order: the Response's
// signature covers the encrypted form, the Assertion's the decrypted one.
Result<Structure> VerifyStructure(xmlDoc* doc, const SamlVerifyOptions& options,
                                  SamlAssertion* out) {
  Structure st;
  st.response = xmlDocGetRootElement(doc);
  if (!IsSamlp(st.response, "Response")) {
    return Invalid("the document is not a SAML 2.0 Response");
  }
  if (AttrOr(st.response, "Version") != "2.0") {
    return Invalid("the SAML response is not version 2.0");
  }
  IAM_ASSIGN_OR_RETURN(out->encrypted, CheckAssertionCount(st.response, true));
  if (!out->encrypted && options.require_encryption) {
    return Invalid("the provider requires encrypted assertions");
  }
  if (!RegisterId(doc, st.response)) {
    return Invalid("the Response needs an ID");
  }
  IAM_ASSIGN_OR_RETURN(std::vector<XmlSecKeyHolder> keys, LoadKeys(options.signing_certificates));
  IAM_RETURN_IF_ERROR(VerifySignatureOf(st.response, keys, &out->response_signed));
  if (out->encrypted) {
    IAM_RETURN_IF_ERROR(DecryptAssertion(st.response, options));
    IAM_RETURN_IF_ERROR(CheckAssertionCount(st.response, false).transform([](bool) {}));
  }
  st.assertion = FirstChild(st.response, IsSaml, "Assertion");
  if (st.assertion == nullptr) {
    return Invalid("the Response's Assertion is not its child");
  }
  if (AttrOr(st.assertion, "Version") != "2.0") {
    return Invalid("the SAML response is not version 2.0");
  }
  if (!RegisterId(doc, st.assertion)) {
    return Invalid("the Response and its Assertion need distinct IDs");
  }
  IAM_RETURN_IF_ERROR(VerifySignatureOf(st.assertion, keys, &out->assertion_signed));
  if (!out->response_signed && !out->assertion_signed) {
    return Invalid("the SAML response is not signed");
  }
  return st;
}

Status ReadIssuerAndStatus(const Structure& structure, const SamlVerifyOptions& options,
                           SamlAssertion* out) {
  const xmlNode* status = FirstChild(structure.response, IsSamlp, "Status");
  const xmlNode* status_code =
      status == nullptr ? nullptr : FirstChild(status, IsSamlp, "StatusCode");
  if (status_code == nullptr || AttrOr(status_code, "Value") != kSuccessStatus) {
    return Rejected("the SAML response's status is not Success");
  }
  const xmlNode* issuer = FirstChild(structure.assertion, IsSaml, "Issuer");
  out->issuer = issuer == nullptr ? std::string() : Trim(Text(issuer));
  if (out->issuer.empty() || out->issuer != options.expected_issuer) {
    return Invalid("Issuer not present in specified provider");
  }
  if (const xmlNode* response_issuer = FirstChild(structure.response, IsSaml, "Issuer");
      response_issuer != nullptr && Trim(Text(response_issuer)) != out->issuer) {
    return Invalid("Issuer not present in specified provider");
  }
  if (auto destination = Attr(structure.response, "Destination");
      destination.has_value() && !IsAwsSamlRecipient(*destination)) {
    return Rejected("the Response's Destination is not " + std::string(kAwsSamlEndpoint));
  }
  return OkStatus();
}

// The claims, from the nodes just verified.
Status ReadClaims(const Structure& structure, const SamlVerifyOptions& options,
                  SamlAssertion* out) {
  out->response_id = AttrOr(structure.response, "ID");
  out->assertion_id = AttrOr(structure.assertion, "ID");
  IAM_RETURN_IF_ERROR(ReadIssuerAndStatus(structure, options, out));
  auto issue_instant = ParseXsDateTime(AttrOr(structure.assertion, "IssueInstant"));
  if (!issue_instant.has_value()) {
    return Invalid("the Assertion has no valid IssueInstant");
  }
  out->issue_instant = *issue_instant;
  IAM_RETURN_IF_ERROR(ReadConditions(structure.assertion, options, out));
  IAM_RETURN_IF_ERROR(ReadSubject(structure.assertion, options, out));
  IAM_RETURN_IF_ERROR(ReadStatements(structure.assertion, out));
  if (out->session_not_on_or_after.has_value() && options.now >= *out->session_not_on_or_after) {
    return Expired("the SAML assertion's session has expired (SessionNotOnOrAfter)");
  }
  return OkStatus();
}

}  // namespace

const SamlAttribute* SamlAssertion::Find(std::string_view name) const {
  for (const SamlAttribute& a : attributes) {
    if (a.name == name) {
      return &a;
    }
  }
  return nullptr;
}

bool IsAwsSamlRecipient(std::string_view url) {
  if (url == kAwsSamlEndpoint) {
    return true;
  }
  // https://REGION.signin.aws.amazon.com/saml, REGION like us-east-1.
  constexpr std::string_view kPrefix = "https://";
  constexpr std::string_view kSuffix = ".signin.aws.amazon.com/saml";
  if (!url.starts_with(kPrefix) || !url.ends_with(kSuffix) ||
      url.size() <= kPrefix.size() + kSuffix.size()) {
    return false;
  }
  const std::string_view region =
      url.substr(kPrefix.size(), url.size() - kPrefix.size() - kSuffix.size());
  return std::all_of(region.begin(), region.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string SamlNameQualifier(std::string_view issuer, std::string_view account_id,
                              std::string_view provider_name) {
  std::string input;
  input.reserve(issuer.size() + account_id.size() + provider_name.size() + 1);
  input.append(issuer).append(account_id).append("/").append(provider_name);
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  return EncodeBase64(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

bool IsAwsSamlAudience(std::string_view audience) {
  return audience == kAwsSamlAudienceUrn || IsAwsSamlRecipient(audience);
}

Result<SamlAssertion> VerifySamlResponse(std::string_view xml, const SamlVerifyOptions& options) {
  if (!internal::EnsureXmlSec()) {
    return MakeError(ErrorCode::kInternal, "xmlsec could not be initialised");
  }
  IAM_ASSIGN_OR_RETURN(XmlDocPtr doc, ParseDocument(xml));
  SamlAssertion out;
  IAM_ASSIGN_OR_RETURN(Structure structure, VerifyStructure(doc.get(), options, &out));
  IAM_RETURN_IF_ERROR(ReadClaims(structure, options, &out));
  return out;
}

}  // namespace portcullis::api::federation
