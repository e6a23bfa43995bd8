// X.509 signing certificates of IAM users and of the root user: UploadSigningCertificate,
// UpdateSigningCertificate, DeleteSigningCertificate, ListSigningCertificates.
//
// AWS: IAM API reference for each operation (UserName optional: without it, the caller;
// the root user may have its own); "IAM and AWS STS quotas": 2 signing certificates per
// user. The body must be one PEM certificate that OpenSSL reads (MalformedCertificate),
// valid now (MalformedCertificate: "malformed or expired"), with an RSA or EC key
// (InvalidCertificate); one certificate belongs to at most one user of an account
// (DuplicateCertificate). Ids are 32 characters of [A-Z0-9]. Operations authorize on the
// user's ARN (the account's root ARN for the root user).
//
// Stored as store::Resource kind kSigningCertificate, key = the certificate id, user_name
// = the owner (empty: root), body = {"Status", "CertificateBody" (as uploaded),
// "Sha256" (hex of the DER, for duplicates)}. The credential report reads Status and
// Resource.created.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "api/iam/common.h"
#include "api/iam/credential_owner.h"
#include "api/iam/operation_context.h"
#include "api/iam/resource_family.h"
#include "crypto/crypto.h"
#include "crypto/x509.h"

namespace portcullis::api::iam {
namespace {

using Json = nlohmann::json;

constexpr int kSigningCertificatesPerUser = 2;
constexpr std::size_t kCertificateIdSize = 32;

Error CertificateNotFound(std::string_view id) {
  return NoSuchEntity("The Certificate with id " + std::string(id) + " cannot be found.");
}

struct SigningCertificate {
  store::Resource resource;
  std::string status;
  std::string body;
  std::string sha256;
};

Result<SigningCertificate> FromResource(store::Resource resource) {
  Json body = Json::parse(resource.body, nullptr, false);
  if (!body.is_object()) {
    return MakeError(ErrorCode::kInternal, "stored signing certificate is not a JSON object");
  }
  SigningCertificate cert;
  cert.status = body.value("Status", "Active");
  cert.body = body.value("CertificateBody", "");
  cert.sha256 = body.value("Sha256", "");
  cert.resource = std::move(resource);
  return cert;
}

std::string BodyJson(const SigningCertificate& cert) {
  Json body = {{"Status", cert.status}, {"CertificateBody", cert.body}, {"Sha256", cert.sha256}};
  return body.dump();
}

Value CertificateValue(const SigningCertificate& cert) {
  Value v = Value::Structure();
  if (!cert.resource.user_name.empty()) {
    v.Set("UserName", Value::String(cert.resource.user_name));
  }
  v.Set("CertificateId", Value::String(cert.resource.key));
  v.Set("CertificateBody", Value::String(cert.body));
  v.Set("Status", Value::String(cert.status));
  v.Set("UploadDate", TimestampValue(cert.resource.created));
  return v;
}

// The certificate `id` when it belongs to `owner`; NoSuchEntity naming it otherwise.
Result<SigningCertificate> OwnedCertificate(store::ReadTxn& txn, std::string_view account_id,
                                            const CredentialOwner& owner, std::string_view id) {
  IAM_ASSIGN_OR_RETURN(store::Resource resource,
                       OwnedResource(txn, store::ResourceKind::kSigningCertificate, account_id,
                                     owner, id, RootOwner::kMay, CertificateNotFound(id)));
  return FromResource(std::move(resource));
}

// Reads and checks an uploaded certificate body; returns the hex SHA-256 of its DER.
Result<std::string> CheckedCertificate(std::string_view pem, std::int64_t now) {
  auto cert = crypto::ParseCertificatePem(pem);
  if (!cert.has_value()) {
    return MakeError(AwsCodeError(ErrorCode::kInvalidArgument, "MalformedCertificate",
                                  "Unable to parse certificate. Please ensure the certificate "
                                  "is in PEM format."));
  }
  if (now < cert->not_before || now > cert->not_after) {
    return MakeError(AwsCodeError(ErrorCode::kInvalidArgument, "MalformedCertificate",
                                  "The certificate is expired or not yet valid."));
  }
  if (cert->public_key_type != "RSA" && cert->public_key_type != "EC") {
    return MakeError(AwsCodeError(ErrorCode::kInvalidArgument, "InvalidCertificate",
                                  "The certificate's public key type is not supported."));
  }
  return crypto::HexLower(crypto::Sha256(cert->der));
}

// One pass over the account's certificates: DuplicateCertificate when one has the
// SHA-256 `sha256`, else the number that belong to `owner`.
Result<int> CountOwnedUnlessDuplicate(store::ReadTxn& txn, std::string_view account_id,
                                      const CredentialOwner& owner, std::string_view sha256) {
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  int owned = 0;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(auto page, txn.ListResources(store::ResourceKind::kSigningCertificate,
                                                      account_id, {}, options));
    for (store::Resource& r : page.items) {
      const bool mine = store::NameKey(r.user_name) == store::NameKey(owner.user_name);
      IAM_ASSIGN_OR_RETURN(const SigningCertificate c, FromResource(std::move(r)));
      if (c.sha256 == sha256) {
        return MakeError(AwsCodeError(
            ErrorCode::kAlreadyExists, "DuplicateCertificate",
            "The same certificate is already associated with an IAM user in the account."));
      }
      owned += mine ? 1 : 0;
    }
    if (!page.is_truncated) {
      return owned;
    }
    options.marker = page.next_marker;
  }
}

Result<Value> UploadSigningCertificate(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:UploadSigningCertificate", owner));
  const std::string body(StringMember(input, "CertificateBody"));
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(ctx.clock.Now().time_since_epoch()).count();
  IAM_ASSIGN_OR_RETURN(const std::string sha256, CheckedCertificate(body, now));
  IAM_ASSIGN_OR_RETURN(
      SigningCertificate created,
      WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<SigningCertificate> {
        IAM_ASSIGN_OR_RETURN(const int owned,
                             CountOwnedUnlessDuplicate(txn, ctx.account_id(), owner, sha256));
        if (owned >= kSigningCertificatesPerUser) {
          return MakeError(QuotaExceeded("CertificatesPerUser", kSigningCertificatesPerUser));
        }
        SigningCertificate cert;
        cert.status = "Active";
        cert.body = body;
        cert.sha256 = sha256;
        cert.resource.kind = store::ResourceKind::kSigningCertificate;
        cert.resource.account_id = ctx.account_id();
        cert.resource.key = RandomUpperAlnum(kCertificateIdSize);
        cert.resource.user_name = owner.user_name;
        cert.resource.body = BodyJson(cert);
        auto put = txn.PutResource(cert.resource);
        if (!put.has_value()) {
          return MakeError(CredentialOwnerError(std::move(put).error(), owner.user_name));
        }
        cert.resource = *std::move(put);
        return cert;
      }));
  Value out = Value::Structure();
  out.Set("Certificate", CertificateValue(created));
  return out;
}

Result<Value> UpdateSigningCertificate(OperationContext& ctx, const Value& input) {
  const std::string id(StringMember(input, "CertificateId"));
  const std::string status(StringMember(input, "Status"));
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:UpdateSigningCertificate", owner));
  IAM_RETURN_IF_ERROR(CheckActiveOrInactive(status));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(SigningCertificate cert,
                         OwnedCertificate(txn, ctx.account_id(), owner, id));
    cert.status = status;
    cert.resource.body = BodyJson(cert);
    IAM_RETURN_IF_ERROR(txn.UpdateResource(cert.resource));
    return OkStatus();
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> DeleteSigningCertificate(OperationContext& ctx, const Value& input) {
  const std::string id(StringMember(input, "CertificateId"));
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:DeleteSigningCertificate", owner));
  IAM_RETURN_IF_ERROR(DeleteOwnedResource(ctx, store::ResourceKind::kSigningCertificate, owner, id,
                                          RootOwner::kMay, CertificateNotFound(id)));
  return Value::Structure();
}

Result<Value> ListSigningCertificates(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(const CredentialOwner owner, CredentialOwnerFrom(ctx, input));
  IAM_RETURN_IF_ERROR(AuthorizeCredentialOwner(ctx, "iam:ListSigningCertificates", owner));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(
      auto page, UserResourcePage(*txn, store::ResourceKind::kSigningCertificate, ctx.account_id(),
                                  owner.user_name, ListOptionsFrom(input, "")));
  Value out = Value::Structure();
  Value& certs = out.Set("Certificates", Value::List());
  for (store::Resource& r : page.items) {
    IAM_ASSIGN_OR_RETURN(const SigningCertificate cert, FromResource(std::move(r)));
    certs.Append(CertificateValue(cert));
  }
  SetPageFields(page, &out);
  return out;
}

}  // namespace

void RegisterSigningCertificateOperations(HandlerTable& table) {
  table["UploadSigningCertificate"] = &UploadSigningCertificate;
  table["UpdateSigningCertificate"] = &UpdateSigningCertificate;
  table["DeleteSigningCertificate"] = &DeleteSigningCertificate;
  table["ListSigningCertificates"] = &ListSigningCertificates;
}

}  // namespace portcullis::api::iam
