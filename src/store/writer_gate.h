// WriterGate: admits one write transaction at a time, waiting a bounded time for the
// current one to finish. WriterLease is the RAII token of an admitted writer.
//
// A mutex + condition variable rather than std::timed_mutex: the lease moves into the
// transaction object and is released wherever that object dies, and sanitizers see
// every lock and unlock (GCC 12's ThreadSanitizer does not intercept the
// pthread_mutex_clocklock behind timed_mutex::try_lock_for).
// Thread-safety: Acquire/Release may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>

namespace portcullis::store {

class WriterGate;

class WriterLease {
 public:
  WriterLease() = default;

  explicit WriterLease(WriterGate* gate) : gate_(gate) {}

  WriterLease(const WriterLease&) = delete;
  WriterLease& operator=(const WriterLease&) = delete;

  WriterLease(WriterLease&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}

  WriterLease& operator=(WriterLease&&) = delete;
  ~WriterLease();

  bool held() const { return gate_ != nullptr; }

 private:
  WriterGate* gate_ = nullptr;  // null: nothing held
};

class WriterGate {
 public:
  // Returns a held lease once no other lease is held, or an empty one after `timeout`.
  WriterLease Acquire(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [this] { return !held_; })) {
      return WriterLease();
    }
    held_ = true;
    return WriterLease(this);
  }

 private:
  friend class WriterLease;

  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_ = false;
    }
    cv_.notify_one();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;  // guarded by mu_
};

inline WriterLease::~WriterLease() {
  if (gate_ != nullptr) {
    gate_->Release();
  }
}

}  // namespace portcullis::store
