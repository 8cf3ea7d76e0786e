// Copyright 2026 The multirun Authors.

#include "multirun/retry/fake_clock.h"

#include <vector>

#include "absl/time/time.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {

absl::Time FakeRetryClock::Now() {
  LockHolder hold(lock_);
  return now_;
}

void FakeRetryClock::Sleep(absl::Duration delay) {
  LockHolder hold(lock_);
  sleeps_.push_back(delay);
  now_ += delay;
}

void FakeRetryClock::Advance(absl::Duration delay) {
  LockHolder hold(lock_);
  now_ += delay;
}

std::vector<absl::Duration> FakeRetryClock::sleeps() const {
  LockHolder hold(lock_);
  return sleeps_;
}

}  // namespace multirun
