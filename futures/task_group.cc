// Copyright 2026 The multirun Authors.

#include "multirun/futures/task_group.h"

#include <cstddef>

#include "absl/status/status.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {

absl::Status TaskGroup::Wait() {
  // Children are waited for in the order they were spawned; one spawned
  // while this waits is appended and waited for in turn. When the index
  // reaches the end under the lock, every child spawned so far has finished,
  // and with it every Spawn() it made.
  for (size_t next = 0;; ++next) {
    Future<void>* child;
    {
      LockHolder hold(lock_);
      if (next == children_.size()) {
        children_.clear();
        if (error_.ok() && IsCancelled()) {
          return absl::CancelledError("TaskGroup: cancelled");
        }
        return error_;
      }
      child = &children_[next];
    }
    // Helps on a pool worker. A child's own error is recorded already; this
    // records a rejection by the executor.
    if (absl::Status status = child->Get(); !status.ok()) RecordError(status);
  }
}

void TaskGroup::Cancel() { cancelled_.store(true, std::memory_order_release); }

void TaskGroup::RecordError(const absl::Status& status) {
  LockHolder hold(lock_);
  // The Cancelled of a child that did not start only repeats the error that
  // cancelled it (or a Cancel()).
  if (error_.ok() &&
      !(IsCancelled() && status.code() == absl::StatusCode::kCancelled)) {
    error_ = status;
  }
  cancelled_.store(true, std::memory_order_release);
}

}  // namespace multirun
