// Who is calling and what a key or message is: GetCallerIdentity (every caller kind, no
// permission needed), GetAccessKeyInfo and DecodeAuthorizationMessage (Portcullis encodes
// no authorization messages, so none decodes). AWS: STS API Reference.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/sts/sts_common.h"
#include "common/strings.h"
#include "eval/compiled_policy.h"
#include "policy/parse.h"

namespace portcullis::api::sts {
namespace {

using protocol::Value;

Result<Value> GetCallerIdentity(StsContext& ctx, const Value& /*input*/) {
  Value out = Value::Structure();
  out.Set("UserId", Value::String(ctx.caller.principal_id));
  out.Set("Account", Value::String(ctx.caller.account_id));
  out.Set("Arn", Value::String(ctx.caller.arn));
  return out;
}

Result<Value> GetAccessKeyInfo(StsContext& ctx, const Value& input) {
  const std::string key_id(iam::StringMember(input, "AccessKeyId"));
  authz::AuthzRequest request;
  request.action = "sts:GetAccessKeyInfo";
  request.resource_arn = "*";
  IAM_RETURN_IF_ERROR(ctx.authorizer.Authorize(ctx.caller, ctx.info, request));
  std::optional<std::string> account = AccountOfTemporaryKey(key_id);
  if (!account.has_value()) {
    IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
    auto key = txn->GetAccessKey(key_id);
    if (key.has_value()) {
      account = key->account_id;
    } else if (key.error().code != ErrorCode::kNotFound) {
      return MakeError(std::move(key).error());
    }
  }
  if (!account.has_value()) {
    return MakeError(StsError(ErrorCode::kInvalidArgument, "InvalidParameterValue",
                              "The access key ID " + key_id + " is not valid."));
  }
  Value out = Value::Structure();
  out.Set("Account", Value::String(*account));
  return out;
}

Result<Value> DecodeAuthorizationMessage(StsContext& ctx, const Value& /*input*/) {
  authz::AuthzRequest request;
  request.action = "sts:DecodeAuthorizationMessage";
  request.resource_arn = "*";
  IAM_RETURN_IF_ERROR(ctx.authorizer.Authorize(ctx.caller, ctx.info, request));
  // Portcullis encodes no authorization messages: none decodes.
  return MakeError(StsError(ErrorCode::kInvalidArgument, "InvalidAuthorizationMessageException",
                            "Message is not a valid authorization message"));
}

}  // namespace

void RegisterCallerInfo(StsHandlerMap& handlers) {
  handlers.emplace("GetCallerIdentity", &GetCallerIdentity);
  handlers.emplace("GetAccessKeyInfo", &GetAccessKeyInfo);
  handlers.emplace("DecodeAuthorizationMessage", &DecodeAuthorizationMessage);
}

}  // namespace portcullis::api::sts
