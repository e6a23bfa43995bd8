// SAML 2.0 metadata: pugixml for the XML, OpenSSL for the certificates.
// AWS: IAM User Guide, "Creating an IAM SAML identity provider" (the metadata document
// "includes the issuer's name, expiration information, and keys that can be used to
// validate the SAML authentication response").
#include "api/federation/saml_metadata.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base64.h"
#include "common/error.h"

namespace portcullis::api::federation {
namespace {

using Time = std::chrono::sys_time<std::chrono::milliseconds>;

tl::unexpected<Error> Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

std::string_view LocalName(const pugi::xml_node& node) {
  const std::string_view name = node.name();
  const std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The namespace URI of `node`'s name: its prefix's (or the default) xmlns declaration on
// the node or its nearest ancestor that declares it. Empty when undeclared.
std::string_view NamespaceOf(const pugi::xml_node& node) {
  const std::string_view name = node.name();
  const std::size_t colon = name.find(':');
  std::string attribute = "xmlns";
  if (colon != std::string_view::npos) {
    attribute += ':';
    attribute += name.substr(0, colon);
  }
  for (pugi::xml_node n = node; !n.empty() && n.type() == pugi::node_element; n = n.parent()) {
    const pugi::xml_attribute a = n.attribute(attribute.c_str());
    if (!a.empty()) {
      return a.value();
    }
  }
  return {};
}

bool Is(const pugi::xml_node& node, std::string_view ns, std::string_view local) {
  return node.type() == pugi::node_element && LocalName(node) == local && NamespaceOf(node) == ns;
}

bool IsMd(const pugi::xml_node& node, std::string_view local) {
  return Is(node, kSamlMetadataNamespace, local);
}

bool IsDs(const pugi::xml_node& node, std::string_view local) {
  return Is(node, kXmlDsigNamespace, local);
}

// The text content of `node`'s direct text and CDATA children, concatenated.
std::string TextOf(const pugi::xml_node& node) {
  std::string text;
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      text += child.value();
    }
  }
  return text;
}

bool IsXmlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Keeps the earliest of `current` and the validUntil attribute of `node`.
Result<std::optional<Time>> EarliestValidUntil(const pugi::xml_node& node,
                                               std::optional<Time> current) {
  const pugi::xml_attribute a = node.attribute("validUntil");
  if (a.empty()) {
    return current;
  }
  const std::optional<Time> t = ParseXsDateTime(a.value());
  if (!t.has_value()) {
    return Invalid("`validUntil` of `" + std::string(LocalName(node)) + "` is not an xs:dateTime");
  }
  if (!current.has_value() || *t < *current) {
    return t;
  }
  return current;
}

// The DER bytes of the certificate in `x509_certificate` (base64, whitespace allowed).
Result<std::string> CertificateDer(const pugi::xml_node& x509_certificate) {
  std::string text = TextOf(x509_certificate);
  text.erase(std::remove_if(text.begin(), text.end(), IsXmlSpace), text.end());
  std::optional<std::string> der = DecodeBase64(text);
  if (!der.has_value() || der->empty()) {
    return Invalid("an X509Certificate is not base64");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  const auto* const end = p + der->size();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der->size()));
  if (cert == nullptr) {
    ERR_clear_error();
    return Invalid("an X509Certificate is not a DER X.509 certificate");
  }
  X509_free(cert);
  if (p != end) {
    return Invalid("an X509Certificate has bytes after the certificate");
  }
  return *std::move(der);
}

// Adds the certificates of one ds:X509Data to `out`, for signing and/or encryption.
Status ReadX509Data(const pugi::xml_node& x509_data, bool signing, bool encryption,
                    SamlMetadata* out, std::size_t* count) {
  for (const pugi::xml_node& cert : x509_data.children()) {
    if (!IsDs(cert, "X509Certificate")) {
      continue;
    }
    if (++*count > kMaxSamlCertificates) {
      return Invalid("more than " + std::to_string(kMaxSamlCertificates) + " certificates");
    }
    IAM_ASSIGN_OR_RETURN(std::string der, CertificateDer(cert));
    if (signing) {
      out->signing_certificates.push_back(der);
    }
    if (encryption) {
      out->encryption_certificates.push_back(std::move(der));
    }
  }
  return OkStatus();
}

// Adds the certificates of one KeyDescriptor to `out`.
Status ReadKeyDescriptor(const pugi::xml_node& key_descriptor, SamlMetadata* out,
                         std::size_t* count) {
  const std::string_view use = key_descriptor.attribute("use").value();
  const bool signing = use.empty() || use == "signing";
  const bool encryption = use.empty() || use == "encryption";
  if (!signing && !encryption) {
    return Invalid("a KeyDescriptor has `use` other than `signing` or `encryption`");
  }
  for (const pugi::xml_node& key_info : key_descriptor.children()) {
    if (!IsDs(key_info, "KeyInfo")) {
      continue;
    }
    for (const pugi::xml_node& x509_data : key_info.children()) {
      if (IsDs(x509_data, "X509Data")) {
        IAM_RETURN_IF_ERROR(ReadX509Data(x509_data, signing, encryption, out, count));
      }
    }
  }
  return OkStatus();
}

bool SupportsSaml2(std::string_view enumeration) {
  while (!enumeration.empty()) {
    const std::size_t start = enumeration.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) {
      break;
    }
    enumeration.remove_prefix(start);
    const std::size_t end = enumeration.find_first_of(" \t\r\n");
    if (enumeration.substr(0, end) == kSaml2ProtocolNamespace) {
      return true;
    }
    enumeration = end == std::string_view::npos ? std::string_view() : enumeration.substr(end);
  }
  return false;
}

Status ReadIdpDescriptor(const pugi::xml_node& idp, SamlMetadata* out) {
  if (!SupportsSaml2(idp.attribute("protocolSupportEnumeration").value())) {
    return Invalid("the IDPSSODescriptor does not support the SAML 2.0 protocol");
  }
  IAM_ASSIGN_OR_RETURN(out->valid_until, EarliestValidUntil(idp, out->valid_until));
  std::size_t certificates = 0;
  for (const pugi::xml_node& child : idp.children()) {
    if (IsMd(child, "KeyDescriptor")) {
      IAM_RETURN_IF_ERROR(ReadKeyDescriptor(child, out, &certificates));
    } else if (IsMd(child, "SingleSignOnService")) {
      SamlEndpoint endpoint{child.attribute("Binding").value(),
                            child.attribute("Location").value()};
      if (endpoint.binding.empty() || endpoint.location.empty()) {
        return Invalid("a SingleSignOnService lacks a `Binding` or a `Location`");
      }
      out->single_sign_on_services.push_back(std::move(endpoint));
    }
  }
  if (out->signing_certificates.empty()) {
    return Invalid("the IDPSSODescriptor has no signing certificate");
  }
  if (out->single_sign_on_services.empty()) {
    return Invalid("the IDPSSODescriptor has no SingleSignOnService");
  }
  return OkStatus();
}

Status ReadEntityDescriptor(const pugi::xml_node& entity, SamlMetadata* out) {
  out->entity_id = entity.attribute("entityID").value();
  if (out->entity_id.empty()) {
    return Invalid("the EntityDescriptor has no `entityID`");
  }
  if (out->entity_id.size() > 1024) {
    return Invalid("the `entityID` is longer than 1024 characters");
  }
  IAM_ASSIGN_OR_RETURN(out->valid_until, EarliestValidUntil(entity, out->valid_until));
  pugi::xml_node idp;
  for (const pugi::xml_node& child : entity.children()) {
    if (IsMd(child, "IDPSSODescriptor")) {
      if (!idp.empty()) {
        return Invalid("the EntityDescriptor has more than one IDPSSODescriptor");
      }
      idp = child;
    }
  }
  if (idp.empty()) {
    return Invalid("the EntityDescriptor has no IDPSSODescriptor");
  }
  return ReadIdpDescriptor(idp, out);
}

// The document level: exactly one element, no DOCTYPE, no text outside the element.
Status CheckTopLevel(const pugi::xml_document& doc) {
  int elements = 0;
  for (const pugi::xml_node& child : doc.children()) {
    switch (child.type()) {
      case pugi::node_doctype:
        return Invalid("the document has a document type declaration");
      case pugi::node_element:
        ++elements;
        break;
      case pugi::node_declaration:
      case pugi::node_comment:
      case pugi::node_pi:
        break;
      default:  // parse_fragment keeps text and CDATA outside the document element
        return Invalid("the document is not well-formed XML: content outside the root element");
    }
  }
  if (elements != 1) {
    // parse_fragment also reads a sequence of elements, which XML does not allow.
    return Invalid("the document is not well-formed XML: " +
                   std::string(elements == 0 ? "no" : "more than one") + " root element");
  }
  return OkStatus();
}

Status ReadEntitiesDescriptor(const pugi::xml_node& entities, SamlMetadata* out) {
  IAM_ASSIGN_OR_RETURN(out->valid_until, EarliestValidUntil(entities, out->valid_until));
  pugi::xml_node entity;
  for (const pugi::xml_node& child : entities.children()) {
    if (IsMd(child, "EntityDescriptor")) {
      if (!entity.empty()) {
        return Invalid("the EntitiesDescriptor has more than one EntityDescriptor");
      }
      entity = child;
    }
  }
  if (entity.empty()) {
    return Invalid("the EntitiesDescriptor has no EntityDescriptor");
  }
  return ReadEntityDescriptor(entity, out);
}

bool ReadDigits(std::string_view text, std::size_t pos, std::size_t n, int* value) {
  if (pos + n > text.size()) {
    return false;
  }
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
    v = v * 10 + (text[i] - '0');
  }
  *value = v;
  return true;
}

}  // namespace

std::optional<Time> ParseXsDateTime(std::string_view text) {
  // YYYY-MM-DDThh:mm:ss[.f+][Z|(+|-)hh:mm]
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!ReadDigits(text, 0, 4, &year) || text.size() < 19 || text[4] != '-' ||
      !ReadDigits(text, 5, 2, &month) || text[7] != '-' || !ReadDigits(text, 8, 2, &day) ||
      text[10] != 'T' || !ReadDigits(text, 11, 2, &hour) || text[13] != ':' ||
      !ReadDigits(text, 14, 2, &minute) || text[16] != ':' || !ReadDigits(text, 17, 2, &second)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    int scale = 100;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) {
      return std::nullopt;
    }
  }
  int offset_minutes = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z' && pos + 1 == text.size()) {
      ++pos;
    } else if ((text[pos] == '+' || text[pos] == '-') && text.size() == pos + 6 &&
               text[pos + 3] == ':') {
      int oh = 0;
      int om = 0;
      if (!ReadDigits(text, pos + 1, 2, &oh) || !ReadDigits(text, pos + 4, 2, &om) || oh > 14 ||
          om > 59) {
        return std::nullopt;
      }
      offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
      pos += 6;
    } else {
      return std::nullopt;
    }
  }
  if (pos != text.size()) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || hour > 24 || minute > 59 || second > 60 ||
      (hour == 24 && (minute != 0 || second != 0 || millis != 0))) {
    return std::nullopt;
  }
  second = std::min(second, 59);  // a leap second counts as :59
  return std::chrono::sys_days(ymd) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second) + std::chrono::milliseconds(millis) -
         std::chrono::minutes(offset_minutes);
}

Status CheckPemPrivateKey(std::string_view pem) {
  if (pem.find("-----BEGIN") == std::string_view::npos) {
    return Invalid("the private key is not PEM");
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) {
    return MakeError(ErrorCode::kInternal, "out of memory");
  }
  // A passphrase callback that gives none: an encrypted key does not read.
  auto no_passphrase = [](char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; };
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr);
  BIO_free(bio);
  if (key == nullptr) {
    ERR_clear_error();
    return Invalid("the private key is not an unencrypted PEM private key");
  }
  EVP_PKEY_free(key);
  return OkStatus();
}

Result<SamlMetadata> ParseSamlMetadata(std::string_view document) {
  if (document.size() > kMaxSamlMetadataBytes) {
    return Invalid("the document is longer than " + std::to_string(kMaxSamlMetadataBytes) +
                   " bytes");
  }
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(
      document.data(), document.size(),
      pugi::parse_default | pugi::parse_doctype | pugi::parse_fragment, pugi::encoding_utf8);
  if (!parsed) {
    return Invalid(std::string("the document is not well-formed XML: ") + parsed.description() +
                   " at offset " + std::to_string(parsed.offset));
  }
  IAM_RETURN_IF_ERROR(CheckTopLevel(doc));
  const pugi::xml_node root = doc.document_element();
  SamlMetadata out;
  if (IsMd(root, "EntityDescriptor")) {
    IAM_RETURN_IF_ERROR(ReadEntityDescriptor(root, &out));
    return out;
  }
  if (IsMd(root, "EntitiesDescriptor")) {
    IAM_RETURN_IF_ERROR(ReadEntitiesDescriptor(root, &out));
    return out;
  }
  return Invalid("the document element is not a SAML 2.0 metadata EntityDescriptor");
}

}  // namespace portcullis::api::federation
