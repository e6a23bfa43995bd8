// TOTP and Base32 (crypto/totp.cc): RFC 6238 appendix B's SHA-1 vectors (six digits are the
// last six of the eight-digit codes there), RFC 4648's Base32 vectors.
#include "crypto/totp.h"

#include <chrono>
#include <gtest/gtest.h>
#include <string>

namespace portcullis::crypto {
namespace {

constexpr std::string_view kRfcSeed = "12345678901234567890";

std::int64_t StepAt(std::int64_t unix_seconds) {
  return TotpStep(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
}

TEST(TotpTest, Rfc6238Sha1Vectors) {
  EXPECT_EQ(TotpCode(kRfcSeed, StepAt(59)), "287082");
  EXPECT_EQ(TotpCode(kRfcSeed, StepAt(1111111109)), "081804");
  EXPECT_EQ(TotpCode(kRfcSeed, StepAt(1111111111)), "050471");
  EXPECT_EQ(TotpCode(kRfcSeed, StepAt(1234567890)), "005924");
  EXPECT_EQ(TotpCode(kRfcSeed, StepAt(2000000000)), "279037");
  // Past 2^32 seconds (a system_clock time_point in nanoseconds cannot hold it).
  EXPECT_EQ(TotpCode(kRfcSeed, 20000000000 / 30), "353130");
  EXPECT_EQ(TotpCode(kRfcSeed, -1), "");
}

TEST(TotpTest, StepsAreThirtySecondsFromTheEpoch) {
  EXPECT_EQ(StepAt(0), 0);
  EXPECT_EQ(StepAt(29), 0);
  EXPECT_EQ(StepAt(30), 1);
  EXPECT_EQ(StepAt(-1), -1);
}

TEST(TotpTest, FindStepInWindow) {
  const std::int64_t step = StepAt(1234567890);
  EXPECT_EQ(FindTotpStep(kRfcSeed, "005924", step - 1, step + 1), step);
  EXPECT_EQ(FindTotpStep(kRfcSeed, TotpCode(kRfcSeed, step + 1), step - 1, step + 1), step + 1);
  EXPECT_FALSE(FindTotpStep(kRfcSeed, TotpCode(kRfcSeed, step + 2), step - 1, step + 1));
  EXPECT_FALSE(FindTotpStep(kRfcSeed, "00592", step - 1, step + 1));
  EXPECT_FALSE(FindTotpStep(kRfcSeed, "0059244", step - 1, step + 1));
  EXPECT_FALSE(FindTotpStep(kRfcSeed, "a05924", step - 1, step + 1));
}

TEST(TotpTest, ConsecutiveCodes) {
  const std::int64_t step = StepAt(1234567890);
  const std::string c0 = TotpCode(kRfcSeed, step);
  const std::string c1 = TotpCode(kRfcSeed, step + 1);
  EXPECT_EQ(FindConsecutiveTotpSteps(kRfcSeed, c0, c1, step - 1, step + 1), step + 1);
  // Out of order, or the same code twice, is not two consecutive codes.
  EXPECT_FALSE(FindConsecutiveTotpSteps(kRfcSeed, c1, c0, step - 1, step + 1));
  EXPECT_FALSE(FindConsecutiveTotpSteps(kRfcSeed, c0, c0, step - 1, step + 1));
  // Both must lie in the window.
  EXPECT_FALSE(FindConsecutiveTotpSteps(kRfcSeed, c0, c1, step - 1, step));
}

TEST(TotpTest, SeedsAreRandomAndBase32RoundTrips) {
  const std::string a = NewTotpSeed();
  const std::string b = NewTotpSeed();
  EXPECT_EQ(a.size(), kTotpSeedSize);
  EXPECT_NE(a, b);
  const std::string text = Base32Encode(a);
  EXPECT_EQ(text.size(), 32U);
  EXPECT_EQ(Base32Decode(text).value(), a);
}

TEST(TotpTest, Base32Rfc4648Vectors) {
  EXPECT_EQ(Base32Encode(""), "");
  EXPECT_EQ(Base32Encode("f"), "MY======");
  EXPECT_EQ(Base32Encode("fo"), "MZXQ====");
  EXPECT_EQ(Base32Encode("foo"), "MZXW6===");
  EXPECT_EQ(Base32Encode("foob"), "MZXW6YQ=");
  EXPECT_EQ(Base32Encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI======");
  EXPECT_EQ(Base32Decode("MZXW6YTBOI======").value(), "foobar");
  EXPECT_EQ(Base32Decode("mzxw6ytboi").value(), "foobar");
  EXPECT_FALSE(Base32Decode("MZXW6YTB1").has_value());
}

}  // namespace
}  // namespace portcullis::crypto
