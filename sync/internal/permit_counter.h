// Copyright 2026 The multirun Authors.
//
// PermitCounter: the state machine behind Semaphore and BoundedSemaphore.
//
// A count of free permits in a futex word, plus the number of threads that may
// be asleep on it, so a release makes a system call only when somebody sleeps.
// The limit is the most permits the counter may hold: INT32_MAX for a
// Semaphore, the initial value for a BoundedSemaphore.
//
// Memory ordering: taking a permit is an acquire operation, returning one a
// release operation. The sleeper count and the permit count are accessed with
// sequentially consistent operations: a releaser that adds permits and then
// finds no sleepers is ordered before any acquirer that announces itself and
// then re-reads the count.

#ifndef MULTIRUN_SYNC_INTERNAL_PERMIT_COUNTER_H_
#define MULTIRUN_SYNC_INTERNAL_PERMIT_COUNTER_H_

#include <atomic>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "multirun/base/deadline.h"
#include "multirun/base/futex.h"

namespace multirun {
namespace sync_internal {

// The most permits a counter can hold.
inline constexpr int64_t kMaxPermits = INT32_MAX;

// OK if 0 <= initial <= kMaxPermits; otherwise InvalidArgument naming `owner`.
absl::Status ValidateInitialPermits(absl::string_view owner, int64_t initial);

// `initial` if valid; otherwise aborts with ValidateInitialPermits' message.
uint32_t CheckedInitialPermits(absl::string_view owner, int64_t initial);

// The acquiring half of a semaphore, shared by Semaphore and BoundedSemaphore
// (which inherit it privately and publish these methods); each adds its own
// Release() with Give().
class PermitCounter {
 public:
  PermitCounter(const PermitCounter&) = delete;
  PermitCounter& operator=(const PermitCounter&) = delete;

  // Blocks until a permit is taken.
  void Acquire() {
    if (!TryAcquire()) TakeWaiting(base_internal::Deadline::Never());
  }

  // Takes a permit if one is free. Never blocks.
  bool TryAcquire() {
    uint32_t observed = permits_.load(std::memory_order_relaxed);
    while (observed > 0) {
      if (permits_.compare_exchange_weak(observed, observed - 1,
                                         std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  // Blocks until a permit is taken or `timeout` has passed (monotonic clock).
  // Returns whether one was taken. A zero or negative timeout tries once.
  bool AcquireFor(absl::Duration timeout) {
    return TryAcquire() || TakeWaiting(base_internal::Deadline::After(timeout));
  }

  // Blocks until a permit is taken or the wall-clock time `deadline` has
  // passed. Returns whether one was taken.
  bool AcquireUntil(absl::Time deadline) {
    return TryAcquire() || TakeWaiting(base_internal::Deadline::At(deadline));
  }

  // Free permits at this instant (a hint: it may change as soon as it is read).
  int64_t Available() const { return permits_.load(std::memory_order_relaxed); }

  // Whether the owner was constructed with kProcessShared.
  bool IsProcessShared() const {
    return sharing_ == base_internal::Sharing::kProcess;
  }

  // Lockable names, so `std::scoped_lock hold(semaphore);` holds one permit
  // (the owner adds unlock()).
  void lock() { Acquire(); }
  bool try_lock() { return TryAcquire(); }

 protected:
  // `initial` and `limit` are validated by the owner: 0 <= initial <= limit.
  PermitCounter(uint32_t initial, uint32_t limit,
                base_internal::Sharing sharing)
      : permits_(initial), limit_(limit), sharing_(sharing) {}
  // Aborts with a message if a thread sleeps waiting for a permit (not for a
  // process-shared counter: the sleepers may be other processes').
  ~PermitCounter();

  // Returns `count` permits and wakes as many sleepers. `owner` names the type
  // in error messages. Returns InvalidArgument for count < 1, and
  // `over_limit_code` (with no permit returned) if the count would pass the
  // limit.
  absl::Status Give(int64_t count, absl::string_view owner,
                    absl::StatusCode over_limit_code);

  uint32_t limit() const { return limit_; }

 private:
  // After a failed TryAcquire(): spins, then sleeps until a permit is taken or
  // `deadline`. Returns whether one was taken; false at once, without
  // spinning, for a deadline that has passed.
  bool TakeWaiting(const base_internal::Deadline& deadline);

  std::atomic<uint32_t> permits_;
  std::atomic<uint32_t> sleepers_{0};
  const uint32_t limit_;
  // Read only when a thread sleeps or is woken.
  const base_internal::Sharing sharing_;
};

}  // namespace sync_internal
}  // namespace multirun

#endif  // MULTIRUN_SYNC_INTERNAL_PERMIT_COUNTER_H_
