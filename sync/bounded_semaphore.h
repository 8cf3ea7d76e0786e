// Copyright 2026 The multirun Authors.
//
// BoundedSemaphore: a Semaphore that can never hold more permits than it
// started with, as Python's `threading.BoundedSemaphore`.
//
// Releasing a permit that was never acquired is almost always a bug (a double
// release on an error path). std::counting_semaphore makes it undefined
// behaviour; a BoundedSemaphore returns FailedPrecondition and changes nothing,
// so the bug is reported where it happens. Otherwise it behaves as Semaphore
// (semaphore.h), with the same cost, state layout, thread-safety, memory
// ordering and process-shared form (`BoundedSemaphore(kProcessShared, n)`).
//
// Example:
//
//   multirun::BoundedSemaphore connections(4);
//   connections.Acquire();
//   absl::Status released = connections.Release();  // OK
//   // One release too many: FailedPrecondition, and nothing changes.
//   absl::Status again = connections.Release();

#ifndef MULTIRUN_SYNC_BOUNDED_SEMAPHORE_H_
#define MULTIRUN_SYNC_BOUNDED_SEMAPHORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "multirun/sync/internal/permit_counter.h"
#include "multirun/sync/process_shared.h"

namespace multirun {

// A semaphore that refuses to exceed its initial permits (see the file
// comment).
class BoundedSemaphore : private sync_internal::PermitCounter {
 public:
  static constexpr int64_t kMaxPermits = sync_internal::kMaxPermits;

  // A BoundedSemaphore with `initial` permits, which is also its bound. Aborts
  // with a message unless 0 <= initial <= kMaxPermits; use Create() for a value
  // from input.
  explicit BoundedSemaphore(int64_t initial = 1);

  // A BoundedSemaphore for the threads of every process that maps the memory it
  // is in (SharedRegion::New<BoundedSemaphore>(initial) makes one there).
  // Aborts as above for a bad `initial`.
  explicit BoundedSemaphore(ProcessShared, int64_t initial = 1);

  // A BoundedSemaphore with `initial` permits, or InvalidArgument naming the
  // value.
  static absl::StatusOr<std::unique_ptr<BoundedSemaphore>> Create(
      int64_t initial);

  // For SharedRegion::New: the bytes a BoundedSemaphore takes in a region, or
  // InvalidArgument naming a bad `initial` (then nothing is placed).
  static absl::StatusOr<size_t> SharedRegionBytes(int64_t initial = 1);

  // Acquire() blocks until a permit is taken. TryAcquire() takes one if one is
  // free and never blocks. AcquireFor(absl::Duration) and
  // AcquireUntil(absl::Time) wait at most that long (a monotonic timeout, a
  // wall-clock deadline) and return whether a permit was taken. Available() is
  // the free permits at this instant (a hint). IsProcessShared() says whether
  // it was constructed with kProcessShared. lock() / try_lock() / unlock()
  // make `std::scoped_lock hold(semaphore);` hold one permit.
  using PermitCounter::Acquire;
  using PermitCounter::AcquireFor;
  using PermitCounter::AcquireUntil;
  using PermitCounter::Available;
  using PermitCounter::IsProcessShared;
  using PermitCounter::lock;
  using PermitCounter::try_lock;
  using PermitCounter::TryAcquire;

  // Returns `count` permits. Never blocks. Returns InvalidArgument if count <
  // 1, and FailedPrecondition if the free permits would exceed the initial
  // value; no permit is returned on error. unlock() beyond the bound aborts
  // with a message.
  absl::Status Release(int64_t count = 1) {
    return Give(count, "BoundedSemaphore",
                absl::StatusCode::kFailedPrecondition);
  }

  // The initial value, which is the bound.
  int64_t Bound() const { return limit(); }

  void unlock();
};

}  // namespace multirun

#endif  // MULTIRUN_SYNC_BOUNDED_SEMAPHORE_H_
