// Copyright 2026 The multirun Authors.

#include "multirun/sync/condition.h"

namespace multirun {

absl::Status Condition::NotHeldError() {
  return absl::FailedPreconditionError(
      "Condition::Wait: the calling thread does not hold the condition's lock");
}

absl::Status Condition::WaitImpl(const base_internal::Deadline& deadline) {
  if (!lock_.IsOwnedByCurrentThread()) return NotHeldError();
  const uint32_t ticket = waiters_.Enter();
  const int64_t depth = lock_.ReleaseAll();
  const bool notified = waiters_.Sleep(ticket, deadline);
  waiters_.Leave();
  lock_.RestoreAll(depth);
  if (!notified) {
    return absl::DeadlineExceededError("Condition::Wait: timed out");
  }
  return absl::OkStatus();
}

}  // namespace multirun
