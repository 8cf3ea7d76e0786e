// Copyright 2026 The multirun Authors.
//
// WakeWord: how a cluster's communication thread sleeps while it has nothing
// to do. MPI offers nothing to sleep on, so the thread polls MPI with a
// backoff: yields, then sleeps of 20 us doubling up to 80 us while it expects
// a message (answers it is owed), up to 1.28 ms while it does not. Work from
// this process (a submission, an answer of the rank's pool) wakes it at
// once.

#ifndef MULTIRUN_CLUSTER_INTERNAL_WAKE_WORD_H_
#define MULTIRUN_CLUSTER_INTERNAL_WAKE_WORD_H_

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "absl/time/time.h"
#include "multirun/base/deadline.h"
#include "multirun/base/futex.h"

namespace multirun {
namespace cluster_internal {

class WakeWord {
 public:
  // Any thread: wakes the sleeper, or makes its next Idle() return at once.
  void Wake() {
    word_.fetch_add(1, std::memory_order_seq_cst);
    if (sleeping_.load(std::memory_order_seq_cst)) {
      base_internal::FutexWake(&word_, 1);
    }
  }

  // The communication thread, after a round that did something.
  void Busy() { idle_rounds_ = 0; }

  // The communication thread, after a round that did nothing: yields or
  // sleeps, longer the more idle rounds in a row, until Wake(). `expecting`:
  // a message from another rank is due.
  void Idle(bool expecting) {
    const uint32_t seen = seen_;
    seen_ = word_.load(std::memory_order_seq_cst);
    if (seen_ != seen) {  // Woken since the last round.
      idle_rounds_ = 0;
      return;
    }
    if (idle_rounds_ < kYieldRounds + 8) ++idle_rounds_;  // The longest nap.
    if (idle_rounds_ <= kYieldRounds) {
      sched_yield();
      return;
    }
    const int shift = idle_rounds_ - kYieldRounds - 1;
    const int most = expecting ? 2 : 6;  // 80 us or 1.28 ms
    const absl::Duration nap =
        absl::Microseconds(20) * (1 << std::min(shift, most));
    sleeping_.store(true, std::memory_order_seq_cst);
    if (word_.load(std::memory_order_seq_cst) == seen_) {
      base_internal::FutexWait(&word_, seen_,
                               base_internal::Deadline::After(nap));
    }
    sleeping_.store(false, std::memory_order_relaxed);
  }

 private:
  static constexpr int kYieldRounds = 4;

  std::atomic<uint32_t> word_{0};
  std::atomic<bool> sleeping_{false};
  // The communication thread's.
  uint32_t seen_ = 0;
  int idle_rounds_ = 0;
};

}  // namespace cluster_internal
}  // namespace multirun

#endif  // MULTIRUN_CLUSTER_INTERNAL_WAKE_WORD_H_
