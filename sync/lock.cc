// Copyright 2026 The multirun Authors.

#include "multirun/sync/lock.h"

#include "multirun/base/check.h"
#include "multirun/base/futex.h"

namespace multirun {

bool Lock::AcquireSlow(const base_internal::Deadline& deadline) {
  if (deadline.Expired()) return false;
  // A holder usually releases within a few hundred cycles: spin on a plain load
  // (no cache-line ping-pong) before paying for a sleep.
  for (int attempt = 0; base_internal::SpinPause(attempt); ++attempt) {
    uint32_t observed = state_.load(std::memory_order_relaxed);
    if (observed == kUnlocked &&
        state_.compare_exchange_weak(observed, kLocked,
                                     std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      return true;
    }
    if (observed == kLockedWithSleepers)
      break;  // Others sleep already: join them.
  }
  // From here on this thread may sleep, so it marks the word
  // kLockedWithSleepers; it then keeps that mark when it acquires, since it
  // cannot know whether it was the last sleeper (one spurious wake at release
  // is the price).
  while (state_.exchange(kLockedWithSleepers, std::memory_order_acquire) !=
         kUnlocked) {
    if (base_internal::FutexWait(&state_, kLockedWithSleepers, deadline,
                                 sharing_) ==
        base_internal::WaitResult::kTimedOut) {
      return false;
    }
  }
  return true;
}

Lock::~Lock() {
  if (state_.load(std::memory_order_relaxed) != kUnlocked &&
      !IsProcessShared()) {
    base_internal::DestroyedWhileInUse(this, "Lock destroyed while held");
  }
}

void Lock::WakeOne(base_internal::Sharing sharing) {
  base_internal::FutexWake(&state_, 1, sharing);
}

absl::Status Lock::ReleaseUnheldError() {
  return absl::FailedPreconditionError("Lock::Release: the lock is not held");
}

void Lock::unlock() { base_internal::CheckOk(Release()); }

}  // namespace multirun
