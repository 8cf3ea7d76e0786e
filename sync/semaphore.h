// Copyright 2026 The multirun Authors.
//
// Semaphore: a counting semaphore, as Python's `threading.Semaphore`.
//
// A Semaphore holds a number of permits. Acquire() takes one, sleeping while
// there is none; Release() returns one (or several). Use it to let at most N
// threads into a section (`RunWith(semaphore, fn)`, or `std::scoped_lock` on
// it, as Python's `with semaphore:`), or to count work items between threads.
// Releasing more than was acquired is allowed, as in Python; BoundedSemaphore
// (bounded_semaphore.h) refuses it.
//
// Example:
//
//   multirun::Semaphore slots(3);  // at most 3 downloads at once
//   auto download = multirun::RunWith(
//       slots, [](const std::string& url) { return Fetch(url); });
//   Page page = download("http://a.test/");  // waits for a free slot
//
// State: the permit count in a futex word, a count of sleepers, the limit and
// the sharing mode (16 bytes); no heap, no pointers. Uncontended acquire and
// release cost one atomic read-modify-write each (plus one load on release),
// and no system call unless a thread sleeps.
//
// Processes: `Semaphore(kProcessShared, n)` in shared memory (or
// `SharedRegion::New<Semaphore>(n)`) counts permits for the threads of every
// process that maps it. A process that dies holding permits does not give
// them back.
//
// Memory ordering: Acquire() is an acquire operation and Release() a release
// operation, so what a thread wrote before releasing a permit is visible to the
// thread that takes it.
//
// Thread-safety: every method may be called from any thread at once.
//
// Guarantees: permits are never lost or created; a sleeper is woken when a
// permit it can take appears; no fairness among waiters.

#ifndef MULTIRUN_SYNC_SEMAPHORE_H_
#define MULTIRUN_SYNC_SEMAPHORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "multirun/sync/internal/permit_counter.h"
#include "multirun/sync/process_shared.h"

namespace multirun {

// A counting semaphore (see the file comment).
class Semaphore : private sync_internal::PermitCounter {
 public:
  static constexpr int64_t kMaxPermits = sync_internal::kMaxPermits;

  // A Semaphore with `initial` permits. Aborts with a message unless
  // 0 <= initial <= kMaxPermits; use Create() for a value from input.
  explicit Semaphore(int64_t initial = 1);

  // A Semaphore for the threads of every process that maps the memory it is in
  // (SharedRegion::New<Semaphore>(initial) makes one there). Aborts as above
  // for a bad `initial`.
  explicit Semaphore(ProcessShared, int64_t initial = 1);

  // A Semaphore with `initial` permits, or InvalidArgument naming the value.
  static absl::StatusOr<std::unique_ptr<Semaphore>> Create(int64_t initial);

  // For SharedRegion::New: the bytes a Semaphore takes in a region, or
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

  // Returns `count` permits and wakes as many sleepers. Never blocks. Returns
  // InvalidArgument if count < 1 and OutOfRange if the count would pass
  // kMaxPermits; no permit is returned on error.
  absl::Status Release(int64_t count = 1) {
    return Give(count, "Semaphore", absl::StatusCode::kOutOfRange);
  }

  void unlock();
};

}  // namespace multirun

#endif  // MULTIRUN_SYNC_SEMAPHORE_H_
