// Copyright 2026 The multirun Authors.
//
// BoundedSemaphore: a Semaphore that can never hold more permits than it
// started with, MultiRunnable's (and Python's) `BoundedSemaphore`.
//
// Releasing a permit that was never acquired is almost always a bug (a double
// release on an error path). std::counting_semaphore makes it undefined
// behaviour; a BoundedSemaphore returns FailedPrecondition and changes nothing,
// so the bug is reported where it happens. Otherwise it behaves as Semaphore
// (semaphore.h), with the same cost, state layout and memory ordering.

#ifndef MULTIRUN_SYNC_BOUNDED_SEMAPHORE_H_
#define MULTIRUN_SYNC_BOUNDED_SEMAPHORE_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "multirun/sync/internal/permit_counter.h"

namespace multirun {

// Example:
//
//   multirun::BoundedSemaphore connections(4);
//   connections.Acquire();
//   ...
//   CHECK_OK(connections.Release());
//   absl::Status again = connections.Release();  // FailedPrecondition: 4 of 4
//   free
class BoundedSemaphore {
 public:
  static constexpr int64_t kMaxPermits = sync_internal::kMaxPermits;

  // A BoundedSemaphore with `initial` permits, which is also its bound. Aborts
  // with a message unless 0 <= initial <= kMaxPermits; use Create() for input
  // values.
  explicit BoundedSemaphore(int64_t initial = 1);
  BoundedSemaphore(const BoundedSemaphore&) = delete;
  BoundedSemaphore& operator=(const BoundedSemaphore&) = delete;

  // A BoundedSemaphore with `initial` permits, or InvalidArgument naming the
  // value.
  static absl::StatusOr<std::unique_ptr<BoundedSemaphore>> Create(
      int64_t initial);

  // Blocks until a permit is taken.
  void Acquire() {
    if (!counter_.TryTake())
      counter_.TakeWaiting(sync_internal::Deadline::Never());
  }

  // Takes a permit if one is free. Never blocks.
  bool TryAcquire() { return counter_.TryTake(); }

  // Blocks until a permit is taken or `timeout` has passed. Returns whether
  // taken.
  bool AcquireFor(absl::Duration timeout) {
    return counter_.TryTake() ||
           counter_.TakeWaiting(sync_internal::Deadline::After(timeout));
  }

  // Blocks until a permit is taken or `deadline` has passed. Returns whether
  // taken.
  bool AcquireUntil(absl::Time deadline) {
    return counter_.TryTake() ||
           counter_.TakeWaiting(sync_internal::Deadline::At(deadline));
  }

  // Returns `count` permits. Never blocks. Returns InvalidArgument if count <
  // 1, and FailedPrecondition if the free permits would exceed the initial
  // value; no permit is returned on error.
  absl::Status Release(int64_t count = 1) {
    return counter_.Give(count, "BoundedSemaphore",
                         absl::StatusCode::kFailedPrecondition);
  }

  // Free permits at this instant (a hint).
  int64_t Available() const { return counter_.Available(); }

  // The initial value, which is the bound.
  int64_t Bound() const { return counter_.limit(); }

  // Lockable names, so `std::scoped_lock hold(semaphore);` holds one permit.
  // unlock() beyond the bound aborts with a message.
  void lock() { Acquire(); }
  bool try_lock() { return TryAcquire(); }
  void unlock();

 private:
  sync_internal::PermitCounter counter_;
};

}  // namespace multirun

#endif  // MULTIRUN_SYNC_BOUNDED_SEMAPHORE_H_
