// Tests of the virtual MFA device operations (mfa_devices.cc) and the code check that
// sign-in shares (mfa.cc), on the fixture's fixed clock.
#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <string_view>

#include "api/iam/common.h"
#include "api/iam/mfa.h"
#include "api/iam/mfa_qr_code.h"
#include "crypto/totp.h"

#include "iam_test_util.h"

namespace portcullis::api::iam::testing {
namespace {

constexpr std::string_view kSerial = "arn:aws:iam::123456789012:mfa/phone";

class MfaDevicesTest : public IamApiTest {
 protected:
  // Creates device `name`; returns its seed (raw bytes).
  std::string CreateDevice(std::string_view name = "phone", std::string_view path = "/") {
    const protocol::Value out =
        MustCall("CreateVirtualMFADevice",
                 {{"VirtualMFADeviceName", std::string(name)}, {"Path", std::string(path)}});
    const std::string base32 = TextAt(out, "VirtualMFADevice.Base32StringSeed");
    auto seed = crypto::Base32Decode(base32);
    EXPECT_TRUE(seed.has_value()) << base32;
    return seed.value_or("");
  }

  std::int64_t Step() const { return crypto::TotpStep(clock_.Now()); }

  static std::string Code(const std::string& seed, std::int64_t step) {
    return crypto::TotpCode(seed, step);
  }

  Result<protocol::Value> Enable(std::string_view user, const std::string& code1,
                                 const std::string& code2, std::string_view serial = kSerial) {
    return Call("EnableMFADevice", {{"UserName", std::string(user)},
                                    {"SerialNumber", std::string(serial)},
                                    {"AuthenticationCode1", code1},
                                    {"AuthenticationCode2", code2}});
  }

  // The code check sign-in uses, on device `serial`.
  bool Accept(std::string_view serial, const std::string& code) {
    bool accepted = false;
    WriteStore([&](store::WriteTxn& txn) -> Status {
      IAM_ASSIGN_OR_RETURN(const store::Resource device,
                           txn.GetResource(store::ResourceKind::kMfaDevice, kAccountId, serial));
      IAM_ASSIGN_OR_RETURN(accepted, AcceptMfaCode(txn, box_, clock_, device, code));
      return OkStatus();
    });
    return accepted;
  }
};

TEST_F(MfaDevicesTest, CreateReturnsSeedAndQrCodeAndStoresTheSeedSealed) {
  const protocol::Value out = MustCall("CreateVirtualMFADevice", {{"VirtualMFADeviceName", "phone"},
                                                                  {"Path", "/team/"},
                                                                  {"Tags.member.1.Key", "owner"},
                                                                  {"Tags.member.1.Value", "bob"}});
  EXPECT_EQ(TextAt(out, "VirtualMFADevice.SerialNumber"),
            "arn:aws:iam::123456789012:mfa/team/phone");
  const std::string base32 = TextAt(out, "VirtualMFADevice.Base32StringSeed");
  EXPECT_EQ(base32.size(), 32U);
  EXPECT_EQ(crypto::Base32Decode(base32).value().size(), crypto::kTotpSeedSize);
  const std::string png = TextAt(out, "VirtualMFADevice.QRCodePNG");
  ASSERT_GT(png.size(), 8U);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(TextAt(out, "VirtualMFADevice.Tags.0.Key"), "owner");

  auto txn = store().BeginRead();
  ASSERT_TRUE(txn.has_value());
  auto stored = (*txn)->GetResource(store::ResourceKind::kMfaDevice, kAccountId,
                                    "arn:aws:iam::123456789012:mfa/team/phone");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->body.find(base32), std::string::npos);
  EXPECT_NE(stored->body.find("\"Enabled\":false"), std::string::npos);
  EXPECT_EQ(stored->path, "/team/");
  ASSERT_EQ(stored->tags.size(), 1U);

  // Names are unique without regard to case.
  EXPECT_AWS_ERROR(
      Call("CreateVirtualMFADevice", {{"VirtualMFADeviceName", "PHONE"}, {"Path", "/team/"}}),
      "EntityAlreadyExists", "MFADevice entity at the same path and name already exists.");
}

TEST_F(MfaDevicesTest, OtpAuthUriAsAwsWritesIt) {
  EXPECT_EQ(OtpAuthUri("phone", "123456789012", "ABCDEFGH"),
            "otpauth://totp/Amazon%20Web%20Services:phone@123456789012?secret=ABCDEFGH"
            "&issuer=Amazon%20Web%20Services");
}

TEST_F(MfaDevicesTest, EnableUseResyncDeactivateDelete) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const std::string seed = CreateDevice();
  const std::int64_t t = Step();

  // Wrong codes, codes out of order and non-consecutive codes are refused.
  EXPECT_AWS_ERROR(Enable("bob", "000000", "000000"), "InvalidAuthenticationCode",
                   "Authentication code for device is not valid.");
  EXPECT_AWS_ERROR(Enable("bob", Code(seed, t), Code(seed, t - 1)), "InvalidAuthenticationCode");
  EXPECT_AWS_ERROR(Enable("bob", Code(seed, t - 1), Code(seed, t + 1)),
                   "InvalidAuthenticationCode");
  EXPECT_AWS_ERROR(Enable("nobody", Code(seed, t - 1), Code(seed, t)), "NoSuchEntity",
                   "The user with name nobody cannot be found.");
  EXPECT_AWS_ERROR(
      Enable("bob", Code(seed, t - 1), Code(seed, t), "arn:aws:iam::123456789012:mfa/none"),
      "NoSuchEntity");
  MustCall("EnableMFADevice", {{"UserName", "bob"},
                               {"SerialNumber", std::string(kSerial)},
                               {"AuthenticationCode1", Code(seed, t - 1)},
                               {"AuthenticationCode2", Code(seed, t)}});
  EXPECT_AWS_ERROR(Enable("bob", Code(seed, t), Code(seed, t + 1)), "EntityAlreadyExists",
                   "MFA Device is already in use.");

  const protocol::Value got =
      MustCall("GetMFADevice", {{"SerialNumber", std::string(kSerial)}, {"UserName", "bob"}});
  EXPECT_EQ(TextAt(got, "UserName"), "bob");
  EXPECT_NE(At(got, "EnableDate"), nullptr);
  const protocol::Value list = MustCall("ListMFADevices", {{"UserName", "bob"}});
  ASSERT_EQ(SizeAt(list, "MFADevices"), 1U);
  EXPECT_EQ(TextAt(list, "MFADevices.0.SerialNumber"), kSerial);
  // The user's own devices without UserName.
  MustCall(
      "PutUserPolicy",
      {{"UserName", "bob"}, {"PolicyName", "mfa"}, {"PolicyDocument", AllowDocument("iam:*")}});
  EXPECT_EQ(SizeAt(MustCallAs(UserCaller("bob"), "ListMFADevices"), "MFADevices"), 1U);
  EXPECT_EQ(SizeAt(MustCall("ListMFADevices"), "MFADevices"), 0U);  // root has none

  // A code is good once: the step last used (t) is refused, the next one accepted once.
  EXPECT_FALSE(Accept(kSerial, Code(seed, t)));
  EXPECT_FALSE(Accept(kSerial, "123456"));
  EXPECT_TRUE(Accept(kSerial, Code(seed, t + 1)));
  EXPECT_FALSE(Accept(kSerial, Code(seed, t + 1)));

  // The user cannot be deleted while the device is assigned; nor the device.
  EXPECT_AWS_ERROR(Call("DeleteUser", {{"UserName", "bob"}}), "DeleteConflict");
  EXPECT_AWS_ERROR(Call("DeleteVirtualMFADevice", {{"SerialNumber", std::string(kSerial)}}),
                   "DeleteConflict", "MFA Device is still in use.");

  // Resync: two consecutive codes after the last used step, in a wider window; the drift
  // learned moves the window codes are then accepted in.
  auto resync = [&](const std::string& c1, const std::string& c2) {
    return Call("ResyncMFADevice", {{"UserName", "bob"},
                                    {"SerialNumber", std::string(kSerial)},
                                    {"AuthenticationCode1", c1},
                                    {"AuthenticationCode2", c2}});
  };
  EXPECT_AWS_ERROR(resync(Code(seed, t + 1), Code(seed, t + 2)), "InvalidAuthenticationCode");
  EXPECT_AWS_ERROR(resync(Code(seed, t + 11), Code(seed, t + 12)), "InvalidAuthenticationCode");
  ASSERT_TRUE(resync(Code(seed, t + 5), Code(seed, t + 6)).has_value());
  EXPECT_FALSE(Accept(kSerial, Code(seed, t + 6)));
  EXPECT_TRUE(Accept(kSerial, Code(seed, t + 7)));

  MustCall("DeactivateMFADevice", {{"UserName", "bob"}, {"SerialNumber", std::string(kSerial)}});
  EXPECT_AWS_ERROR(
      Call("DeactivateMFADevice", {{"UserName", "bob"}, {"SerialNumber", std::string(kSerial)}}),
      "NoSuchEntity");
  EXPECT_AWS_ERROR(Call("GetMFADevice", {{"SerialNumber", std::string(kSerial)}}), "NoSuchEntity");
  EXPECT_EQ(SizeAt(MustCall("ListMFADevices", {{"UserName", "bob"}}), "MFADevices"), 0U);
  MustCall("DeleteVirtualMFADevice", {{"SerialNumber", std::string(kSerial)}});
  EXPECT_AWS_ERROR(Call("DeleteVirtualMFADevice", {{"SerialNumber", std::string(kSerial)}}),
                   "NoSuchEntity");
  MustCall("DeleteUserPolicy", {{"UserName", "bob"}, {"PolicyName", "mfa"}});
  MustCall("DeleteUser", {{"UserName", "bob"}});
}

TEST_F(MfaDevicesTest, TheStoredBodyCarriesEnabledAndEnableDate) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const std::string seed = CreateDevice();
  const std::int64_t t = Step();
  ASSERT_TRUE(Enable("bob", Code(seed, t), Code(seed, t + 1)).has_value());
  auto txn = store().BeginRead();
  ASSERT_TRUE(txn.has_value());
  auto stored = (*txn)->GetResource(store::ResourceKind::kMfaDevice, kAccountId, kSerial);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->user_name, "bob");
  EXPECT_NE(stored->body.find("\"Enabled\":true"), std::string::npos);
  EXPECT_NE(stored->body.find("\"EnableDate\":" + std::to_string(kStartEpochSeconds * 1000)),
            std::string::npos);
}

TEST_F(MfaDevicesTest, ListVirtualMFADevicesByAssignmentStatus) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const std::string seed = CreateDevice("phone");
  CreateDevice("spare");
  const std::int64_t t = Step();
  ASSERT_TRUE(Enable("bob", Code(seed, t - 1), Code(seed, t)).has_value());

  const protocol::Value any = MustCall("ListVirtualMFADevices");
  ASSERT_EQ(SizeAt(any, "VirtualMFADevices"), 2U);
  EXPECT_EQ(TextAt(any, "VirtualMFADevices.0.SerialNumber"), kSerial);
  EXPECT_EQ(TextAt(any, "VirtualMFADevices.0.User.UserName"), "bob");
  EXPECT_EQ(At(any, "VirtualMFADevices.0.Base32StringSeed"), nullptr);
  EXPECT_EQ(At(any, "VirtualMFADevices.1.User"), nullptr);
  const protocol::Value assigned =
      MustCall("ListVirtualMFADevices", {{"AssignmentStatus", "Assigned"}});
  ASSERT_EQ(SizeAt(assigned, "VirtualMFADevices"), 1U);
  EXPECT_EQ(TextAt(assigned, "VirtualMFADevices.0.SerialNumber"), kSerial);
  const protocol::Value unassigned =
      MustCall("ListVirtualMFADevices", {{"AssignmentStatus", "Unassigned"}});
  ASSERT_EQ(SizeAt(unassigned, "VirtualMFADevices"), 1U);
  EXPECT_EQ(TextAt(unassigned, "VirtualMFADevices.0.SerialNumber"),
            "arn:aws:iam::123456789012:mfa/spare");
  const protocol::Value page = MustCall("ListVirtualMFADevices", {{"MaxItems", "1"}});
  EXPECT_EQ(SizeAt(page, "VirtualMFADevices"), 1U);
  EXPECT_TRUE(At(page, "IsTruncated")->boolean());
}

TEST_F(MfaDevicesTest, TheRootUserCanHaveMfa) {
  const std::string seed = CreateDevice("root-account-mfa-device");
  const std::string serial = "arn:aws:iam::123456789012:mfa/root-account-mfa-device";
  const std::int64_t t = Step();
  ASSERT_TRUE(Enable("root", Code(seed, t - 1), Code(seed, t), serial).has_value());
  const protocol::Value mine = MustCall("ListMFADevices");
  ASSERT_EQ(SizeAt(mine, "MFADevices"), 1U);
  EXPECT_EQ(TextAt(mine, "MFADevices.0.SerialNumber"), serial);
  EXPECT_EQ(At(mine, "MFADevices.0.UserName"), nullptr);
  const protocol::Value listed = MustCall("ListVirtualMFADevices");
  EXPECT_EQ(TextAt(listed, "VirtualMFADevices.0.User.Arn"), "arn:aws:iam::123456789012:root");
  EXPECT_EQ(TextAt(listed, "VirtualMFADevices.0.User.UserId"), "123456789012");
  EXPECT_EQ(TextAt(MustCall("GetMFADevice", {{"SerialNumber", serial}}), "SerialNumber"), serial);
  MustCall("DeactivateMFADevice", {{"SerialNumber", serial}});
  EXPECT_EQ(SizeAt(MustCall("ListMFADevices"), "MFADevices"), 0U);
}

TEST_F(MfaDevicesTest, AtMostEightDevicesPerUser) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const std::int64_t t = Step();
  for (int i = 0; i < 9; ++i) {
    const std::string name = "d" + std::to_string(i);
    const std::string seed = CreateDevice(name);
    auto enabled =
        Enable("bob", Code(seed, t - 1), Code(seed, t), "arn:aws:iam::123456789012:mfa/" + name);
    if (i < 8) {
      EXPECT_TRUE(enabled.has_value()) << i;
    } else {
      EXPECT_AWS_ERROR(enabled, "LimitExceeded", "Cannot exceed quota for MFADevicesPerUser: 8");
    }
  }
}

TEST_F(MfaDevicesTest, OperationsAreAuthorized) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  MustCall("CreateUser", {{"UserName", "eve"}});
  MustCall(
      "PutUserPolicy",
      {{"UserName", "bob"},
       {"PolicyName", "own"},
       {"PolicyDocument", AllowDocument("iam:*MFADevice*", "arn:aws:iam::123456789012:user/bob")}});
  const std::string seed = CreateDevice();
  const std::int64_t t = Step();
  // bob may manage MFA on his own user, not create devices (mfa/ resource) or touch eve.
  EXPECT_AWS_ERROR(
      CallAs(UserCaller("bob"), "CreateVirtualMFADevice", {{"VirtualMFADeviceName", "x"}}),
      "AccessDenied");
  EXPECT_AWS_ERROR(CallAs(UserCaller("bob"), "EnableMFADevice",
                          {{"UserName", "eve"},
                           {"SerialNumber", std::string(kSerial)},
                           {"AuthenticationCode1", Code(seed, t - 1)},
                           {"AuthenticationCode2", Code(seed, t)}}),
                   "AccessDenied");
  EXPECT_TRUE(CallAs(UserCaller("bob"), "EnableMFADevice",
                     {{"UserName", "bob"},
                      {"SerialNumber", std::string(kSerial)},
                      {"AuthenticationCode1", Code(seed, t - 1)},
                      {"AuthenticationCode2", Code(seed, t)}})
                  .has_value());
  // Only the root user's UserName "root" means the root user.
  EXPECT_AWS_ERROR(CallAs(UserCaller("bob"), "ListMFADevices", {{"UserName", "root"}}),
                   "AccessDenied");
}

TEST_F(MfaDevicesTest, ACodeOfAnotherTimeIsRefusedAsTheClockMoves) {
  MustCall("CreateUser", {{"UserName", "bob"}});
  const std::string seed = CreateDevice();
  const std::int64_t t = Step();
  ASSERT_TRUE(Enable("bob", Code(seed, t - 1), Code(seed, t)).has_value());
  clock_.Advance(std::chrono::minutes(5));
  EXPECT_FALSE(Accept(kSerial, Code(seed, t + 1)));
  EXPECT_TRUE(Accept(kSerial, Code(seed, t + 10)));
}

}  // namespace
}  // namespace portcullis::api::iam::testing
