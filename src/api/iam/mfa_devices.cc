// Virtual MFA devices: CreateVirtualMFADevice, EnableMFADevice, DeactivateMFADevice,
// DeleteVirtualMFADevice, ListMFADevices, ListVirtualMFADevices, ResyncMFADevice and
// GetMFADevice. (TagMFADevice, UntagMFADevice and ListMFADeviceTags are in
// tags_and_boundaries.cc.)
//
// AWS: IAM API reference for each operation; IAM User Guide, "Using virtual MFA devices"
// (TOTP per RFC 6238, two consecutive codes to enable or resync) and "IAM and AWS STS
// quotas": up to 8 MFA devices in use by a user or by the root user, virtual MFA devices
// in an account up to the user quota (5000). Devices are authorized on
// arn:aws:iam::ACCOUNT:mfa/PATH/NAME (create, delete) or on the user they are assigned to
// (enable, deactivate, resync, list, get; the root user's ARN for the root user);
// ListVirtualMFADevices on "*".
//
// The root user: AWS assigns root MFA devices in the console only. Here the root user may
// call EnableMFADevice (and ResyncMFADevice) with UserName "root" when the account has no
// IAM user of that name; ListMFADevices, GetMFADevice and DeactivateMFADevice without
// UserName, called by the root user, mean the root user's devices.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/iam/common.h"
#include "api/iam/mfa.h"
#include "api/iam/mfa_qr_code.h"
#include "api/iam/operation_context.h"
#include "api/iam/resource_family.h"
#include "crypto/totp.h"

namespace portcullis::api::iam {
namespace {

constexpr int kVirtualMfaDevicesPerAccount = 5000;
constexpr int kMfaDevicesPerUser = 8;

std::string MfaArn(std::string_view account_id, std::string_view path, std::string_view name) {
  return IamArn(account_id, "mfa", path, name);
}

Error DeviceNotFound(std::string_view serial) {
  return NoSuchEntity("VirtualMFADevice with serial number " + std::string(serial) +
                      " doesn't exist.");
}

Error NotAssigned(std::string_view serial, const MfaOwner& owner) {
  return NoSuchEntity(
      "MFA Device with serial number " + std::string(serial) + " is not assigned to " +
      (owner.root ? std::string("the root user") : "user " + owner.user_name) + ".");
}

Error InvalidAuthenticationCode() {
  Error e;
  e.code = ErrorCode::kPermissionDenied;
  e.aws_code = "InvalidAuthenticationCode";
  e.message = "Authentication code for device is not valid.";
  return e;
}

std::int64_t NowMillis(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now().time_since_epoch())
      .count();
}

// The principal an operation's UserName names, resolved before authorizing.
struct Target {
  MfaOwner owner;
  std::string arn;  // to authorize against
};

// `user_name` empty: the caller. "root" from the root user, when no IAM user has that
// name: the root user. Otherwise the IAM user (NoSuchEntity when it does not exist is
// reported by CheckTarget, after authorizing, as the other families do).
Result<Target> ResolveTarget(const OperationContext& ctx, std::string_view user_name) {
  Target target;
  const bool root_caller = ctx.caller.type == auth::PrincipalType::kRoot;
  if (user_name.empty()) {
    if (root_caller) {
      target.owner.root = true;
      target.arn = RootArn(ctx.account_id());
      return target;
    }
    IAM_RETURN_IF_ERROR(RequireUserCredentials(ctx.caller));
    user_name = ctx.caller.user_name;
  }
  if (root_caller && user_name == "root") {
    IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
    auto user = txn->GetUser(ctx.account_id(), user_name);
    if (!user.has_value() && user.error().code == ErrorCode::kNotFound) {
      target.owner.root = true;
      target.arn = RootArn(ctx.account_id());
      return target;
    }
  }
  target.owner.user_name = std::string(user_name);
  IAM_ASSIGN_OR_RETURN(target.arn, UserArnForAuthz(ctx, user_name));
  return target;
}

// Inside a transaction: the target user exists (its stored name filled in).
Status CheckTarget(store::ReadTxn& txn, std::string_view account_id, Target& target) {
  if (target.owner.root) {
    return OkStatus();
  }
  auto user = txn.GetUser(account_id, target.owner.user_name);
  if (!user.has_value()) {
    return MakeError(UserError(std::move(user).error(), target.owner.user_name));
  }
  target.owner.user_name = user->name;
  return OkStatus();
}

Result<store::Resource> GetDevice(store::ReadTxn& txn, std::string_view account_id,
                                  std::string_view serial) {
  return NotFoundAs(txn.GetResource(store::ResourceKind::kMfaDevice, account_id, serial),
                    DeviceNotFound(serial));
}

// A device record and its decoded body.
struct Device {
  store::Resource resource;
  MfaDeviceBody body;
};

// Device `serial` once `target` is checked; NoSuchEntity when it is not assigned to the
// target.
Result<Device> AssignedDevice(store::ReadTxn& txn, std::string_view account_id, Target& target,
                              std::string_view serial) {
  IAM_RETURN_IF_ERROR(CheckTarget(txn, account_id, target));
  IAM_ASSIGN_OR_RETURN(store::Resource device, GetDevice(txn, account_id, serial));
  IAM_ASSIGN_OR_RETURN(MfaDeviceBody body, ReadMfaDeviceBody(device.body));
  if (!MfaDeviceAssignedTo(device, body, target.owner)) {
    return MakeError(NotAssigned(serial, target.owner));
  }
  return Device{std::move(device), std::move(body)};
}

// Writes `body` into `device` and stores it.
Status SaveDevice(store::WriteTxn& txn, store::Resource device, const MfaDeviceBody& body) {
  device.body = WriteMfaDeviceBody(body);
  IAM_RETURN_IF_ERROR(txn.UpdateResource(std::move(device)));
  return OkStatus();
}

// The model's MFADevice structure (UserName left out for the root user, as GetUser
// leaves it out of the root user's User).
Value MfaDeviceValue(const store::Resource& device, const MfaDeviceBody& body) {
  Value v = Value::Structure();
  if (!body.assigned_to_root) {
    v.Set("UserName", Value::String(device.user_name));
  }
  v.Set("SerialNumber", Value::String(device.key));
  v.Set("EnableDate", Value::TimestampMillis(body.enable_date_ms));
  return v;
}

// The account's alias, or its id when it has none: what the QR code names the account by.
Result<std::string> AccountLabel(const OperationContext& ctx) {
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  store::ListOptions options;
  options.max_items = 1;
  IAM_ASSIGN_OR_RETURN(auto aliases,
                       txn->ListResources(store::ResourceKind::kAccountAlias, ctx.account_id(),
                                          store::ResourceFilter{}, options));
  if (!aliases.items.empty()) {
    return aliases.items.front().key;
  }
  return ctx.account_id();
}

// A new device `arn` may be created: AWS: names are unique in an account without regard
// to case (EntityAlreadyExists), and an account holds at most as many virtual devices as
// users (LimitExceeded).
Status CheckNewDevice(store::ReadTxn& txn, std::string_view account_id, std::string_view arn) {
  store::ListOptions options;
  options.max_items = store::kMaxMaxItems;
  int count = 0;
  const std::string wanted = store::NameKey(arn);
  for (;;) {
    IAM_ASSIGN_OR_RETURN(
        auto page, txn.ListResources(store::ResourceKind::kMfaDevice, account_id, {}, options));
    for (const store::Resource& device : page.items) {
      if (store::NameKey(device.key) == wanted) {
        return MakeError(
            EntityAlreadyExists("MFADevice entity at the same path and name already exists."));
      }
    }
    count += static_cast<int>(page.items.size());
    if (!page.is_truncated) {
      break;
    }
    options.marker = page.next_marker;
  }
  if (count >= kVirtualMfaDevicesPerAccount) {
    return MakeError(LimitExceeded("Cannot exceed quota for VirtualMFADevicesPerAccount: " +
                                   std::to_string(kVirtualMfaDevicesPerAccount)));
  }
  return OkStatus();
}

// `owner` may have one more device in use (AWS: 8 per user, 8 for the root user).
Status CheckDevicesInUse(store::ReadTxn& txn, std::string_view account_id, const MfaOwner& owner) {
  IAM_ASSIGN_OR_RETURN(const auto in_use, EnabledMfaDevices(txn, account_id, owner));
  if (in_use.size() >= static_cast<std::size_t>(kMfaDevicesPerUser)) {
    return MakeError(LimitExceeded("Cannot exceed quota for MFADevicesPerUser: " +
                                   std::to_string(kMfaDevicesPerUser)));
  }
  return OkStatus();
}

Result<Value> CreateVirtualMFADevice(OperationContext& ctx, const Value& input) {
  const std::string name(StringMember(input, "VirtualMFADeviceName"));
  const std::string path(StringMember(input, "Path", "/"));
  const std::string arn = MfaArn(ctx.account_id(), path, name);
  IAM_ASSIGN_OR_RETURN(std::vector<store::Tag> tags, InputTags(input));
  const auto context = RequestTagContext(tags);
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:CreateVirtualMFADevice", arn, context));
  if (!tags.empty()) {
    IAM_RETURN_IF_ERROR(ctx.Authorize("iam:TagMFADevice", arn, context));
  }

  const std::string seed = crypto::NewTotpSeed();
  const std::string base32 = crypto::Base32Encode(seed);
  IAM_ASSIGN_OR_RETURN(const std::string account_label, AccountLabel(ctx));
  IAM_ASSIGN_OR_RETURN(std::string png, QrCodePng(OtpAuthUri(name, account_label, base32)));

  MfaDeviceBody body;
  body.name = name;
  body.sealed_seed = ctx.box.Seal(seed, MfaSeedAssociatedData(arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Result<store::Resource> {
    IAM_RETURN_IF_ERROR(CheckNewDevice(txn, ctx.account_id(), arn));
    store::Resource device;
    device.kind = store::ResourceKind::kMfaDevice;
    device.account_id = ctx.account_id();
    device.key = arn;
    device.path = path;
    device.body = WriteMfaDeviceBody(body);
    device.tags = tags;
    auto put = txn.PutResource(std::move(device));
    if (!put.has_value() && put.error().code == ErrorCode::kAlreadyExists) {
      return MakeError(
          EntityAlreadyExists("MFADevice entity at the same path and name already exists."));
    }
    return put;
  });
  IAM_ASSIGN_OR_RETURN(const store::Resource created, std::move(done));

  Value device = Value::Structure();
  device.Set("SerialNumber", Value::String(created.key));
  device.Set("Base32StringSeed", Value::Blob(base32));
  device.Set("QRCodePNG", Value::Blob(std::move(png)));
  if (!created.tags.empty()) {
    device.Set("Tags", TagListValue(created.tags));
  }
  Value out = Value::Structure();
  out.Set("VirtualMFADevice", std::move(device));
  return out;
}

// Two consecutive codes of `device` in [center - window, center + window] after its last
// used step: the later step, or InvalidAuthenticationCode.
Result<std::int64_t> CheckTwoCodes(const OperationContext& ctx, const store::Resource& device,
                                   const MfaDeviceBody& body, const Value& input,
                                   std::int64_t window) {
  IAM_ASSIGN_OR_RETURN(const std::string seed,
                       ctx.box.Open(body.sealed_seed, MfaSeedAssociatedData(device.key)));
  const std::int64_t center = crypto::TotpStep(ctx.clock.Now());
  const std::optional<std::int64_t> step = crypto::FindConsecutiveTotpSteps(
      seed, StringMember(input, "AuthenticationCode1"), StringMember(input, "AuthenticationCode2"),
      center - window, center + window);
  // A replay: the first of the two codes was already used.
  if (!step.has_value() || (body.last_used_step.has_value() && *step - 1 <= *body.last_used_step)) {
    return MakeError(InvalidAuthenticationCode());
  }
  return *step;
}

// EnableMFADevice's change in `txn`.
Status EnableIn(store::WriteTxn& txn, const OperationContext& ctx, Target& target,
                const std::string& serial, const Value& input) {
  IAM_RETURN_IF_ERROR(CheckTarget(txn, ctx.account_id(), target));
  IAM_ASSIGN_OR_RETURN(store::Resource device, GetDevice(txn, ctx.account_id(), serial));
  IAM_ASSIGN_OR_RETURN(MfaDeviceBody body, ReadMfaDeviceBody(device.body));
  if (body.enabled) {
    return MakeError(EntityAlreadyExists("MFA Device is already in use."));
  }
  IAM_RETURN_IF_ERROR(CheckDevicesInUse(txn, ctx.account_id(), target.owner));
  IAM_ASSIGN_OR_RETURN(const std::int64_t step,
                       CheckTwoCodes(ctx, device, body, input, kEnableWindowSteps));
  body.enabled = true;
  body.enable_date_ms = NowMillis(ctx.clock);
  body.assigned_to_root = target.owner.root;
  body.last_used_step = step;
  body.drift = step - crypto::TotpStep(ctx.clock.Now());
  device.user_name = target.owner.root ? std::string() : target.owner.user_name;
  return SaveDevice(txn, std::move(device), body);
}

Result<Value> EnableMFADevice(OperationContext& ctx, const Value& input) {
  const std::string serial(StringMember(input, "SerialNumber"));
  IAM_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, StringMember(input, "UserName")));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:EnableMFADevice", target.arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    return EnableIn(txn, ctx, target, serial, input);
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> ResyncMFADevice(OperationContext& ctx, const Value& input) {
  const std::string serial(StringMember(input, "SerialNumber"));
  IAM_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, StringMember(input, "UserName")));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ResyncMFADevice", target.arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(Device device, AssignedDevice(txn, ctx.account_id(), target, serial));
    IAM_ASSIGN_OR_RETURN(const std::int64_t step, CheckTwoCodes(ctx, device.resource, device.body,
                                                                input, kResyncWindowSteps));
    device.body.last_used_step = step;
    device.body.drift = step - crypto::TotpStep(ctx.clock.Now());
    return SaveDevice(txn, std::move(device.resource), device.body);
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> DeactivateMFADevice(OperationContext& ctx, const Value& input) {
  const std::string serial(StringMember(input, "SerialNumber"));
  IAM_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, StringMember(input, "UserName")));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeactivateMFADevice", target.arn));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(Device device, AssignedDevice(txn, ctx.account_id(), target, serial));
    // The last used step is kept, so codes used before stay refused if it is enabled again.
    device.body.enabled = false;
    device.body.enable_date_ms = 0;
    device.body.assigned_to_root = false;
    device.body.drift = 0;
    device.resource.user_name.clear();
    return SaveDevice(txn, std::move(device.resource), device.body);
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> DeleteVirtualMFADevice(OperationContext& ctx, const Value& input) {
  const std::string serial(StringMember(input, "SerialNumber"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:DeleteVirtualMFADevice", serial));
  auto done = WithWriteTxn(ctx.store, [&](store::WriteTxn& txn) -> Status {
    IAM_ASSIGN_OR_RETURN(const store::Resource device, GetDevice(txn, ctx.account_id(), serial));
    IAM_ASSIGN_OR_RETURN(const MfaDeviceBody body, ReadMfaDeviceBody(device.body));
    if (body.enabled) {
      return MakeError(DeleteConflict("MFA Device is still in use."));
    }
    return txn.DeleteResource(store::ResourceKind::kMfaDevice, ctx.account_id(), device.key);
  });
  IAM_RETURN_IF_ERROR(done);
  return Value::Structure();
}

Result<Value> GetMFADevice(OperationContext& ctx, const Value& input) {
  const std::string serial(StringMember(input, "SerialNumber"));
  IAM_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, StringMember(input, "UserName")));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:GetMFADevice", target.arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_ASSIGN_OR_RETURN(const Device device, AssignedDevice(*txn, ctx.account_id(), target, serial));
  Value out = MfaDeviceValue(device.resource, device.body);
  return out;
}

Result<Value> ListMFADevices(OperationContext& ctx, const Value& input) {
  IAM_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, StringMember(input, "UserName")));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListMFADevices", target.arn));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  IAM_RETURN_IF_ERROR(CheckTarget(*txn, ctx.account_id(), target));
  store::ResourceFilter filter;
  filter.user_name = target.owner.root ? std::string() : target.owner.user_name;
  auto page = txn->ListResources(store::ResourceKind::kMfaDevice, ctx.account_id(), filter,
                                 ListOptionsFrom(input, ""));
  if (!page.has_value()) {
    Error e = std::move(page).error();
    if (e.code == ErrorCode::kNotFound) {
      return MakeError(UserNotFound(target.owner.user_name));
    }
    return MakeError(ListError(std::move(e)));
  }
  Value out = Value::Structure();
  Value& devices = out.Set("MFADevices", Value::List());
  for (const store::Resource& device : page->items) {
    IAM_ASSIGN_OR_RETURN(const MfaDeviceBody body, ReadMfaDeviceBody(device.body));
    if (MfaDeviceAssignedTo(device, body, target.owner)) {
      devices.Append(MfaDeviceValue(device, body));
    }
  }
  SetPageFields(*page, &out);
  return out;
}

Result<Value> ListVirtualMFADevices(OperationContext& ctx, const Value& input) {
  const std::string status(StringMember(input, "AssignmentStatus", "Any"));
  IAM_RETURN_IF_ERROR(ctx.Authorize("iam:ListVirtualMFADevices", "*"));
  IAM_ASSIGN_OR_RETURN(auto txn, ctx.store.BeginRead());
  auto page = txn->ListResources(store::ResourceKind::kMfaDevice, ctx.account_id(),
                                 store::ResourceFilter{}, ListOptionsFrom(input, ""));
  if (!page.has_value()) {
    return MakeError(ListError(std::move(page).error()));
  }
  Value out = Value::Structure();
  Value& devices = out.Set("VirtualMFADevices", Value::List());
  for (const store::Resource& device : page->items) {
    IAM_ASSIGN_OR_RETURN(const MfaDeviceBody body, ReadMfaDeviceBody(device.body));
    if ((status == "Assigned" && !body.enabled) || (status == "Unassigned" && body.enabled)) {
      continue;
    }
    Value v = Value::Structure();
    v.Set("SerialNumber", Value::String(device.key));
    if (body.enabled) {
      if (body.assigned_to_root) {
        // AWS: the root user as GetUser shows it (no UserName or Path).
        IAM_ASSIGN_OR_RETURN(const store::Account account, txn->GetAccount(ctx.account_id()));
        Value user = Value::Structure();
        user.Set("UserId", Value::String(ctx.account_id()));
        user.Set("Arn", Value::String(RootArn(ctx.account_id())));
        user.Set("CreateDate", TimestampValue(account.created));
        v.Set("User", std::move(user));
      } else {
        auto user = txn->GetUser(ctx.account_id(), device.user_name);
        if (!user.has_value()) {
          return MakeError(std::move(user).error());
        }
        // Listings show users without tags.
        store::User listed = *std::move(user);
        listed.tags.clear();
        v.Set("User", UserValue(listed));
      }
      v.Set("EnableDate", Value::TimestampMillis(body.enable_date_ms));
    }
    devices.Append(std::move(v));
  }
  SetPageFields(*page, &out);
  return out;
}

}  // namespace

void RegisterMfaDeviceOperations(HandlerTable& table) {
  table["CreateVirtualMFADevice"] = CreateVirtualMFADevice;
  table["EnableMFADevice"] = EnableMFADevice;
  table["DeactivateMFADevice"] = DeactivateMFADevice;
  table["DeleteVirtualMFADevice"] = DeleteVirtualMFADevice;
  table["ListMFADevices"] = ListMFADevices;
  table["ListVirtualMFADevices"] = ListVirtualMFADevices;
  table["ResyncMFADevice"] = ResyncMFADevice;
  table["GetMFADevice"] = GetMFADevice;
}

}  // namespace portcullis::api::iam
