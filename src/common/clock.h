// Clock: the one source of wall-clock time, injected so tests control it.
//
// SystemClock reads std::chrono::system_clock; FakeClock holds a settable time and is
// what tests pass wherever a Clock& is taken. Callers borrow a Clock by reference; it
// must outlive every object that holds the reference.
// Thread-safety: Now() may be called from any thread on both implementations;
// FakeClock::Set/Advance may race with Now() safely (the time is one atomic).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace portcullis {

class Clock {
 public:
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  Clock(Clock&&) = delete;
  Clock& operator=(Clock&&) = delete;
  virtual ~Clock() = default;

  // Returns the current wall-clock time.
  virtual std::chrono::system_clock::time_point Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override;

  // Returns a process-wide SystemClock that lives until exit.
  static SystemClock& Instance();
};

// The system clock shifted by a fixed offset: `portcullis serve --dev-clock-offset`, so that
// tests can see temporary credentials expire without waiting (dev mode only).
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(std::chrono::system_clock::duration offset) : offset_(offset) {}

  std::chrono::system_clock::time_point Now() const override;

 private:
  std::chrono::system_clock::duration offset_;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point start);

  std::chrono::system_clock::time_point Now() const override;
  void Set(std::chrono::system_clock::time_point now);
  void Advance(std::chrono::system_clock::duration by);

 private:
  std::atomic<std::int64_t> ticks_;
};

}  // namespace portcullis
