#include "common/clock.h"

#include <chrono>
#include <gtest/gtest.h>

namespace portcullis {
namespace {

TEST(FakeClockTest, SetsAndAdvances) {
  const auto start = std::chrono::system_clock::time_point(std::chrono::seconds(1000));
  FakeClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(clock.Now(), start + std::chrono::milliseconds(1500));
  clock.Set(start - std::chrono::hours(1));
  EXPECT_EQ(clock.Now(), start - std::chrono::hours(1));
}

TEST(SystemClockTest, FollowsTheSystemClock) {
  const Clock& clock = SystemClock::Instance();
  const auto before = std::chrono::system_clock::now();
  const auto now = clock.Now();
  EXPECT_GE(now, before);
  EXPECT_LE(now, std::chrono::system_clock::now());
}

}  // namespace
}  // namespace portcullis
