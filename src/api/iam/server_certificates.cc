// Server certificates of an account: UploadServerCertificate, GetServerCertificate,
// UpdateServerCertificate, DeleteServerCertificate, ListServerCertificates. (Their tags
// are tags_and_boundaries.cc's; this file only stores the Tags given on upload.)
//
// AWS: IAM API reference for each operation; IAM User Guide, "Managing server
// certificates in IAM": the certificate, its unencrypted private key and the optional
// chain are PEM; the certificate must be valid at upload; the chain starts with the
// certificate's issuer and each certificate certifies the one before it. "IAM and AWS
// STS quotas": 20 server certificates per account. Key types accepted as for ACM imports
// into load balancers: RSA 1024 to 4096 bits, EC P-256 and P-384. Names are unique
// without regard to case. Ids are ASCA + 17 characters; the ARN is
// arn:aws:iam::ACCOUNT:server-certificate/PATH/NAME; Expiration is the certificate's
// notAfter. Operations authorize on that ARN (UpdateServerCertificate on both the old
// and the new one).
//
// Stored as store::Resource kind kServerCertificate, key = NameKey(name), path = the
// path, tags = the tags, body = {"ServerCertificateName", "ServerCertificateId", "Arn",
// "CertificateBody", "CertificateChain" (when given), "Expiration" (epoch millis),
// "SealedPrivateKey" (base64 of SecretBox::Seal(key PEM, id))}. The private key is never
// returned and never logged.
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/credential_owner.h"
#include "api/iam/operation_context.h"
#include "api/iam/resource_family.h"
#include "api/ids.h"
#include "common/base64.h"
#include "crypto/x509.h"

namespace portcullis::api::iam {
namespace {

using Json = nlohmann::json;

constexpr int kServerCertificatesPerAccount = 20;
constexpr std::string_view kServerCertificateIdPrefix = "ASCA";
constexpr std::size_t kMaxChainCertificates = 64;

Error Malformed(std::string message) {
  return AwsCodeError(ErrorCode::kInvalidArgument, "MalformedCertificate", std::move(message));
}

Error CertificateNotFound(std::string_view name) {
  return NoSuchEntity("The Server Certificate with name " + std::string(name) +
                      " cannot be found.");
}

Error CertificateExists(std::string_view name) {
  return EntityAlreadyExists("The Server Certificate with name " + std::string(name) +
                             " already exists.");
}

std::string CertificateArn(std::string_view account_id, std::string_view path,
                           std::string_view name) {
  return IamArn(account_id, "server-certificate", path, name);
}

struct ServerCertificate {
  store::Resource resource;
  std::string name;
  std::string id;
  std::string arn;
  std::string body;
  std::optional<std::string> chain;
  std::int64_t expiration_ms = 0;
  std::string sealed_key;  // base64
};

Result<ServerCertificate> FromResource(store::Resource resource) {
  Json body = Json::parse(resource.body, nullptr, false);
  if (!body.is_object()) {
    return MakeError(ErrorCode::kInternal, "stored server certificate is not a JSON object");
  }
  ServerCertificate cert;
  cert.name = body.value("ServerCertificateName", "");
  cert.id = body.value("ServerCertificateId", "");
  cert.arn = body.value("Arn", "");
  cert.body = body.value("CertificateBody", "");
  if (body.contains("CertificateChain") && body["CertificateChain"].is_string()) {
    cert.chain = body["CertificateChain"].get<std::string>();
  }
  cert.expiration_ms = body.value("Expiration", std::int64_t{0});
  cert.sealed_key = body.value("SealedPrivateKey", "");
  cert.resource = std::move(resource);
  return cert;
}

std::string BodyJson(const ServerCertificate& cert) {
  Json body = {{"ServerCertificateName", cert.name},
               {"ServerCertificateId", cert.id},
               {"Arn", cert.arn},
               {"CertificateBody", cert.body},
               {"Expiration", cert.expiration_ms},
               {"SealedPrivateKey", cert.sealed_key}};
  if (cert.chain.has_value()) {
    body["CertificateChain"] = *cert.chain;
  }
  return body.dump();
}

Value MetadataValue(const ServerCertificate& cert) {
  Value v = Value::Structure();
  v.Set("Path", Value::String(cert.resource.path));
  v.Set("ServerCertificateName", Value::String(cert.name));
  v.Set("ServerCertificateId", Value::String(cert.id));
  v.Set("Arn", Value::String(cert.arn));
  v.Set("UploadDate", TimestampValue(cert.resource.created));
  v.Set("Expiration", Value::TimestampMillis(cert.expiration_ms));
  return v;
}

Result<std::optional<ServerCertificate>> FindCertificate(store::ReadTxn& txn,
                                                         std::string_view account_id,
                                                         std::string_view name) {
  auto resource =
      txn.GetResource(store::ResourceKind::kServerCertificate, account_id, store::NameKey(name));
  if (!resource.has_value()) {
    if (resource.error().code == ErrorCode::kNotFound) {
      return std::optional<ServerCertificate>();
    }
    return MakeError(std::move(resource).error());
  }
  IAM_ASSIGN_OR_RETURN(ServerCertificate cert, FromResource(*std::move(resource)));
  return std::optional<ServerCertificate>(std::move(cert));
}

Result<ServerCertificate> GetCertificate(store::ReadTxn& txn, std::string_view account_id,
                                         std::string_view name) {
  IAM_ASSIGN_OR_RETURN(auto cert, FindCertificate(txn, account_id, name));
  if (!cert.has_value()) {
    return MakeError(CertificateNotFound(name));
  }
  return *std::move(cert);
}

// The ARN to authorize against for certificate `name`: the stored one's, or the one
// path "/" gives when there is none.
Result<std::string> ArnForAuthz(const OperationContext& ctx, std::string_view name) {
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(auto cert, FindCertificate(*txn, ctx.account_id(), name));
  if (cert.has_value()) {
    return cert->arn;
  }
  return CertificateArn(ctx.account_id(), "/", name);
}

bool AcceptedKey(const crypto::PrivateKey& key) {
  if (key.type == "RSA") {
    return key.bits >= 1024 && key.bits <= 4096;
  }
  return key.type == "EC" && (key.curve == "prime256v1" || key.curve == "secp384r1");
}

// Checks the certificate, key and chain of an upload; returns the certificate's notAfter
// in epoch milliseconds.
Result<std::int64_t> CheckedUpload(std::string_view body, std::string_view key_pem,
                                   const std::optional<std::string>& chain_pem, std::int64_t now) {
  auto cert = crypto::ParseCertificatePem(body);
  if (!cert.has_value()) {
    return MakeError(
        Malformed("Unable to parse certificate. Please ensure the certificate is in PEM format."));
  }
  if (now < cert->not_before || now > cert->not_after) {
    return MakeError(Malformed("The certificate is expired or not yet valid."));
  }
  auto key = crypto::ParsePrivateKeyPem(key_pem);
  if (!key.has_value()) {
    return MakeError(Malformed(
        "Unable to parse private key. Please ensure the private key is unencrypted and in PEM "
        "format."));
  }
  if (!AcceptedKey(*key)) {
    return MakeError(Malformed(
        "The private key type or size is not supported: use RSA of 1024 to 4096 bits or EC "
        "P-256 or P-384."));
  }
  if (!crypto::KeyMatchesCertificate(*key, *cert)) {
    return MakeError(AwsCodeError(ErrorCode::kInvalidArgument, "KeyPairMismatch",
                                  "The public key certificate and the private key do not "
                                  "match."));
  }
  if (chain_pem.has_value()) {
    auto chain = crypto::ParseCertificateChainPem(*chain_pem, kMaxChainCertificates);
    if (!chain.has_value()) {
      return MakeError(Malformed(
          "Unable to parse certificate chain. Please ensure the certificate chain is in PEM "
          "format."));
    }
    const crypto::Certificate* previous = &*cert;
    for (std::size_t i = 0; i < chain->size(); ++i) {
      if (!crypto::IsIssuedBy(*previous, (*chain)[i])) {
        return MakeError(Malformed(
            "Unable to validate certificate chain. The certificate chain must start with the "
            "immediate signing certificate, followed by any intermediaries in order. The index "
            "within the chain of the invalid certificate is: " +
            std::to_string(i)));
      }
      previous = &(*chain)[i];
    }
  }
  return cert->not_after * 1000;
}

Result<Value> UploadServerCertificate(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "ServerCertificateName"));
  const std::string path(StringMember(input, "Path", "/"));
  const std::string body(StringMember(input, "CertificateBody"));
  const std::optional<std::string> chain = OptionalStringMember(input, "CertificateChain");
  const std::string arn = CertificateArn(ctx.account_id(), path, name);
  IAM_ASSIGN_OR_RETURN(std::vector<store::Tag> tags, InputTags(input));
  IAM_RETURN_IF_ERROR(AuthorizeCreateWithTags(ctx, "iam:UploadServerCertificate",
                                              "iam:TagServerCertificate", arn, tags));
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(ctx.clock.Now().time_since_epoch()).count();
  IAM_ASSIGN_OR_RETURN(const std::int64_t expiration_ms,
                       CheckedUpload(body, StringMember(input, "PrivateKey"), chain, now));
  IAM_ASSIGN_OR_RETURN(
      ServerCertificate created,
      WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<ServerCertificate> {
        IAM_ASSIGN_OR_RETURN(auto existing, FindCertificate(txn, ctx.account_id(), name));
        if (existing.has_value()) {
          return MakeError(CertificateExists(name));
        }
        IAM_ASSIGN_OR_RETURN(const int count, CountAll([&](const store::ListOptions& o) {
                               return txn.ListResources(store::ResourceKind::kServerCertificate,
                                                        ctx.account_id(), {}, o);
                             }));
        if (count >= kServerCertificatesPerAccount) {
          return MakeError(
              QuotaExceeded("ServerCertificatesPerAccount", kServerCertificatesPerAccount));
        }
        ServerCertificate cert;
        cert.name = name;
        cert.id = NewUniqueId(kServerCertificateIdPrefix);
        cert.arn = arn;
        cert.body = body;
        cert.chain = chain;
        cert.expiration_ms = expiration_ms;
        const std::vector<std::uint8_t> sealed =
            ctx.box.Seal(StringMember(input, "PrivateKey"), cert.id);
        cert.sealed_key = EncodeBase64(
            std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()));
        cert.resource.kind = store::ResourceKind::kServerCertificate;
        cert.resource.account_id = ctx.account_id();
        cert.resource.key = store::NameKey(name);
        cert.resource.path = path;
        cert.resource.tags = tags;
        cert.resource.body = BodyJson(cert);
        auto put = txn.PutResource(cert.resource);
        if (!put.has_value()) {
          if (put.error().code == ErrorCode::kAlreadyExists) {
            return MakeError(CertificateExists(name));
          }
          return MakeError(std::move(put).error());
        }
        cert.resource = *std::move(put);
        return cert;
      }));
  Value out = Value::Structure();
  out.Set("ServerCertificateMetadata", MetadataValue(created));
  if (!created.resource.tags.empty()) {
    out.Set("Tags", TagListValue(created.resource.tags));
  }
  return out;
}

Result<Value> GetServerCertificate(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "ServerCertificateName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, ArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetServerCertificate", arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(const ServerCertificate cert, GetCertificate(*txn, ctx.account_id(), name));
  Value v = Value::Structure();
  v.Set("ServerCertificateMetadata", MetadataValue(cert));
  v.Set("CertificateBody", Value::String(cert.body));
  if (cert.chain.has_value()) {
    v.Set("CertificateChain", Value::String(*cert.chain));
  }
  if (!cert.resource.tags.empty()) {
    v.Set("Tags", TagListValue(cert.resource.tags));
  }
  Value out = Value::Structure();
  out.Set("ServerCertificate", std::move(v));
  return out;
}

// Gives certificate `name` a new path, name and ARN (its id, key and upload date stay);
// the record moves to the new name's key when that differs.
Status MoveCertificate(store::WriteTxn& txn, std::string_view account_id, std::string_view name,
                       const std::string& target_path, const std::string& target_name,
                       const std::string& new_arn) {
  IAM_ASSIGN_OR_RETURN(ServerCertificate cert, GetCertificate(txn, account_id, name));
  const bool rekey = store::NameKey(target_name) != cert.resource.key;
  if (rekey) {
    IAM_ASSIGN_OR_RETURN(auto clash, FindCertificate(txn, account_id, target_name));
    if (clash.has_value()) {
      return MakeError(CertificateExists(target_name));
    }
  }
  const std::string old_key = cert.resource.key;
  cert.name = target_name;
  cert.arn = new_arn;
  cert.resource.path = target_path;
  cert.resource.body = BodyJson(cert);
  if (!rekey) {
    IAM_RETURN_IF_ERROR(txn.UpdateResource(cert.resource));
    return OkStatus();
  }
  IAM_RETURN_IF_ERROR(
      txn.DeleteResource(store::ResourceKind::kServerCertificate, account_id, old_key));
  cert.resource.key = store::NameKey(target_name);
  auto put = txn.PutResource(cert.resource);  // keeps `created`: the upload date
  if (!put.has_value()) {
    if (put.error().code == ErrorCode::kAlreadyExists) {
      return MakeError(CertificateExists(target_name));
    }
    return MakeError(std::move(put).error());
  }
  return OkStatus();
}

Result<Value> UpdateServerCertificate(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "ServerCertificateName"));
  const std::optional<std::string> new_path = OptionalStringMember(input, "NewPath");
  const std::optional<std::string> new_name =
      OptionalStringMember(input, "NewServerCertificateName");
  IAM_ASSIGN_OR_RETURN(auto read, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(auto current, FindCertificate(*read, ctx.account_id(), name));
  read.reset();
  const std::string arn =
      current.has_value() ? current->arn : CertificateArn(ctx.account_id(), "/", name);
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:UpdateServerCertificate", arn));
  if (!current.has_value()) {
    return MakeError(CertificateNotFound(name));
  }
  // AWS: the caller needs the permission on the new name (and path) as well.
  const std::string target_path = new_path.value_or(current->resource.path);
  const std::string target_name = new_name.value_or(current->name);
  const std::string new_arn = CertificateArn(ctx.account_id(), target_path, target_name);
  if (new_arn != arn) {
    IAM_RETURN_IF_ERROR(ctx.Authorize("iam:UpdateServerCertificate", new_arn));
  }
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    return MoveCertificate(txn, ctx.account_id(), name, target_path, target_name, new_arn);
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> DeleteServerCertificate(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "ServerCertificateName"));
  IAM_ASSIGN_OR_RETURN(const std::string arn, ArnForAuthz(ctx, name));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeleteServerCertificate", arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(const ServerCertificate cert, GetCertificate(txn, ctx.account_id(), name));
    return txn.DeleteResource(store::ResourceKind::kServerCertificate, ctx.account_id(),
                              cert.resource.key);
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> ListServerCertificates(OperationContext& ctx, const Value& input) {
  const store::ListOptions options = ListOptionsFrom(input, "PathPrefix");
  IAM_RETURN_IF_ERROR(
      ctx.Authorize("iam:ListServerCertificates",
                    IamArn(ctx.account_id(), "server-certificate", options.path_prefix, "")));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto page =
      txn->ListResources(store::ResourceKind::kServerCertificate, ctx.account_id(), {}, options);
  if (!page.has_value()) {
    return MakeError(ListError(std::move(page).error()));
  }
  Value out = Value::Structure();
  Value& list = out.Set("ServerCertificateMetadataList", Value::List());
  for (store::Resource& r : page->items) {
    IAM_ASSIGN_OR_RETURN(const ServerCertificate cert, FromResource(std::move(r)));
    list.Append(MetadataValue(cert));
  }
  SetPageFields(*page, &out);
  return out;
}

}  // namespace

void RegisterServerCertificateOperations(HandlerTable& table) {
  table["UploadServerCertificate"] = &UploadServerCertificate;
  table["GetServerCertificate"] = &GetServerCertificate;
  table["UpdateServerCertificate"] = &UpdateServerCertificate;
  table["DeleteServerCertificate"] = &DeleteServerCertificate;
  table["ListServerCertificates"] = &ListServerCertificates;
}

}  // namespace portcullis::api::iam
