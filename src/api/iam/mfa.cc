#include "api/iam/mfa.h"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/base64.h"
#include "crypto/totp.h"

namespace portcullis::api::iam {
namespace {

Error Corrupt(std::string_view what) {
  return Error{ErrorCode::kInternal,
               "stored MFA device is corrupt: " + std::string(what),
               std::nullopt,
               {},
               {}};
}

}  // namespace

Result<MfaDeviceBody> ReadMfaDeviceBody(std::string_view body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return MakeError(Corrupt("body is not a JSON object"));
  }
  MfaDeviceBody out;
  auto name = j.find("Name");
  auto seed = j.find("SealedSeed");
  auto enabled = j.find("Enabled");
  if (name == j.end() || !name->is_string() || seed == j.end() || !seed->is_string() ||
      enabled == j.end() || !enabled->is_boolean()) {
    return MakeError(Corrupt("missing Name, SealedSeed or Enabled"));
  }
  out.name = name->get<std::string>();
  const std::optional<std::string> sealed = DecodeBase64(seed->get<std::string>());
  if (!sealed.has_value()) {
    return MakeError(Corrupt("SealedSeed is not base64"));
  }
  out.sealed_seed.assign(sealed->begin(), sealed->end());
  out.enabled = enabled->get<bool>();
  if (auto it = j.find("EnableDate"); it != j.end() && it->is_number_integer()) {
    out.enable_date_ms = it->get<std::int64_t>();
  }
  if (auto it = j.find("AssignedTo"); it != j.end() && it->is_string()) {
    out.assigned_to_root = it->get<std::string>() == "root";
  }
  if (auto it = j.find("LastUsedStep"); it != j.end() && it->is_number_integer()) {
    out.last_used_step = it->get<std::int64_t>();
  }
  if (auto it = j.find("Drift"); it != j.end() && it->is_number_integer()) {
    out.drift = it->get<std::int64_t>();
  }
  return out;
}

std::string WriteMfaDeviceBody(const MfaDeviceBody& body) {
  nlohmann::json j = nlohmann::json::object();
  j["Name"] = body.name;
  j["SealedSeed"] = EncodeBase64(std::string_view(
      reinterpret_cast<const char*>(body.sealed_seed.data()), body.sealed_seed.size()));
  j["Enabled"] = body.enabled;
  if (body.enabled) {
    j["EnableDate"] = body.enable_date_ms;
    j["AssignedTo"] = body.assigned_to_root ? "root" : "user";
  }
  if (body.last_used_step.has_value()) {
    j["LastUsedStep"] = *body.last_used_step;
  }
  j["Drift"] = body.drift;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string MfaSeedAssociatedData(std::string_view serial_number) {
  return "mfa-seed:" + std::string(serial_number);
}

bool MfaDeviceAssignedTo(const store::Resource& device, const MfaDeviceBody& body,
                         const MfaOwner& owner) {
  if (!body.enabled) {
    return false;
  }
  if (owner.root) {
    return body.assigned_to_root;
  }
  return !body.assigned_to_root && !device.user_name.empty() &&
         store::NameKey(device.user_name) == store::NameKey(owner.user_name);
}

Result<std::vector<store::Resource>> EnabledMfaDevices(store::ReadTxn& txn,
                                                       std::string_view account_id,
                                                       const MfaOwner& owner) {
  store::ResourceFilter filter;
  filter.user_name = owner.root ? std::string() : owner.user_name;
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  std::vector<store::Resource> out;
  for (;;) {
    IAM_ASSIGN_OR_RETURN(
        auto page, txn.ListResources(store::ResourceKind::kMfaDevice, account_id, filter, options));
    for (store::Resource& device : page.items) {
      IAM_ASSIGN_OR_RETURN(const MfaDeviceBody body, ReadMfaDeviceBody(device.body));
      if (MfaDeviceAssignedTo(device, body, owner)) {
        out.push_back(std::move(device));
      }
    }
    if (!page.is_truncated) {
      return out;
    }
    options.marker = page.next_marker;
  }
}

Result<bool> AcceptMfaCode(store::WriteTxn& txn, const crypto::SecretBox& box, const Clock& clock,
                           const store::Resource& device, std::string_view code) {
  IAM_ASSIGN_OR_RETURN(MfaDeviceBody body, ReadMfaDeviceBody(device.body));
  if (!body.enabled) {
    return false;
  }
  IAM_ASSIGN_OR_RETURN(const std::string seed,
                       box.Open(body.sealed_seed, MfaSeedAssociatedData(device.key)));
  const std::int64_t center = crypto::TotpStep(clock.Now()) + body.drift;
  const std::optional<std::int64_t> step =
      crypto::FindTotpStep(seed, code, center - kUseWindowSteps, center + kUseWindowSteps);
  if (!step.has_value() || (body.last_used_step.has_value() && *step <= *body.last_used_step)) {
    return false;
  }
  body.last_used_step = *step;
  store::Resource updated = device;
  updated.body = WriteMfaDeviceBody(body);
  IAM_RETURN_IF_ERROR(txn.UpdateResource(std::move(updated)));
  return true;
}

}  // namespace portcullis::api::iam
