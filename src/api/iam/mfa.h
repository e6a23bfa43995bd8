// Virtual MFA devices as the store keeps them, shared by the MFA operations
// (mfa_devices.cc), the console sign-in check (console_signin.cc) and, later, STS calls
// that take a SerialNumber and TokenCode.
//
// A device is a store::Resource of kind kMfaDevice keyed by its serial number (the ARN
// arn:aws:iam::ACCOUNT:mfa/PATH/NAME). `user_name` is the IAM user it is assigned to
// (empty when unassigned or assigned to the root user). The body is JSON:
//   {"Name": "...", "SealedSeed": base64 of SecretBox::Seal(seed),
//    "Enabled": true|false, "EnableDate": ms since the epoch (while enabled),
//    "AssignedTo": "user" | "root" (while enabled), "LastUsedStep": N (the last TOTP
//    step accepted; codes of that step or earlier are refused), "Drift": D (steps the
//    device's clock runs ahead, learned by EnableMFADevice and ResyncMFADevice)}
// The seed is sealed with associated data "mfa-seed:" + serial number, so a sealed seed
// copied to another device does not open. Seeds never leave the server after
// CreateVirtualMFADevice returned them.
// Thread-safety: pure functions over the caller's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "crypto/secret_box.h"
#include "store/identity_store.h"
#include "store/records.h"

namespace portcullis::api::iam {

// How many TOTP steps either side of the current one a code is accepted at (sign-in,
// STS), and either side of the current time where EnableMFADevice (kEnableWindowSteps)
// and ResyncMFADevice (kResyncWindowSteps) look for two consecutive codes.
inline constexpr std::int64_t kUseWindowSteps = 1;
inline constexpr std::int64_t kEnableWindowSteps = 1;
inline constexpr std::int64_t kResyncWindowSteps = 10;

struct MfaDeviceBody {
  std::string name;
  std::vector<std::uint8_t> sealed_seed;
  bool enabled = false;
  std::int64_t enable_date_ms = 0;
  bool assigned_to_root = false;  // with enabled: the root user, not `user_name`
  std::optional<std::int64_t> last_used_step;
  std::int64_t drift = 0;
};

// Who a device is (or is to be) assigned to: the root user or the IAM user `user_name`.
struct MfaOwner {
  bool root = false;
  std::string user_name;  // as stored; empty for root
};

// kInternal when the body is not what WriteMfaDeviceBody wrote.
[[nodiscard]] Result<MfaDeviceBody> ReadMfaDeviceBody(std::string_view body);
std::string WriteMfaDeviceBody(const MfaDeviceBody& body);

std::string MfaSeedAssociatedData(std::string_view serial_number);

// Whether `device` is enabled and assigned to `owner`.
bool MfaDeviceAssignedTo(const store::Resource& device, const MfaDeviceBody& body,
                         const MfaOwner& owner);

// The enabled devices of `owner` in the account (in serial number order).
[[nodiscard]] Result<std::vector<store::Resource>> EnabledMfaDevices(store::ReadTxn& txn,
                                                                     std::string_view account_id,
                                                                     const MfaOwner& owner);

// Checks `code` against enabled `device` at the clock's time (the device's drift applied,
// kUseWindowSteps either side) and, when it matches a step after the last one used,
// records that step in the device through `txn` and answers true. A code of a step
// already used (a replay) or no step answers false and changes nothing.
[[nodiscard]] Result<bool> AcceptMfaCode(store::WriteTxn& txn, const crypto::SecretBox& box,
                                         const Clock& clock, const store::Resource& device,
                                         std::string_view code);

}  // namespace portcullis::api::iam
