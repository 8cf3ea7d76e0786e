// Copyright 2026 The multirun Authors.

#include "multirun/sync/event.h"

#include "multirun/base/futex.h"

namespace multirun {

void Event::Set() {
  // Read before the release: a waiter that sees the event set may return and
  // destroy it at once.
  const base_internal::Sharing sharing = sharing_;
  uint32_t observed = state_.load(std::memory_order_relaxed);
  uint32_t desired;
  do {
    if (observed & kSet) {
      // Already set. The read-modify-write still publishes this thread's
      // writes.
      state_.fetch_or(0, std::memory_order_release);
      return;
    }
    desired = ((observed & ~kFlags) + kOneSet) | kSet;
  } while (!state_.compare_exchange_weak(
      observed, desired, std::memory_order_release, std::memory_order_relaxed));
  if (observed & kSleepers) base_internal::FutexWakeAll(&state_, sharing);
}

bool Event::WaitSlow(const base_internal::Deadline& deadline) {
  uint32_t observed = state_.load(std::memory_order_acquire);
  const uint32_t sets_seen = observed & ~kFlags;
  while (true) {
    // Set now, or set (and perhaps cleared again) since this wait began.
    if ((observed & kSet) || (observed & ~kFlags) != sets_seen) return true;
    // Announce the sleeper in the word itself, so Set() knows to wake.
    if (!(observed & kSleepers) &&
        !state_.compare_exchange_weak(observed, observed | kSleepers,
                                      std::memory_order_acquire)) {
      continue;
    }
    const bool timed_out =
        base_internal::FutexWait(&state_, observed | kSleepers, deadline,
                                 sharing_) ==
        base_internal::WaitResult::kTimedOut;
    observed = state_.load(std::memory_order_acquire);
    if (timed_out)
      return (observed & kSet) || (observed & ~kFlags) != sets_seen;
  }
}

}  // namespace multirun
