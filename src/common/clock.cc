#include "common/clock.h"

namespace portcullis {

std::chrono::system_clock::time_point SystemClock::Now() const {
  return std::chrono::system_clock::now();
}

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

std::chrono::system_clock::time_point OffsetClock::Now() const {
  return std::chrono::system_clock::now() + offset_;
}

FakeClock::FakeClock(std::chrono::system_clock::time_point start)
    : ticks_(start.time_since_epoch().count()) {}

std::chrono::system_clock::time_point FakeClock::Now() const {
  return std::chrono::system_clock::time_point(
      std::chrono::system_clock::duration(ticks_.load(std::memory_order_acquire)));
}

void FakeClock::Set(std::chrono::system_clock::time_point now) {
  ticks_.store(now.time_since_epoch().count(), std::memory_order_release);
}

void FakeClock::Advance(std::chrono::system_clock::duration by) {
  ticks_.fetch_add(by.count(), std::memory_order_acq_rel);
}

}  // namespace portcullis
