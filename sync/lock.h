// Copyright 2026 The multirun Authors.
//
// Lock: a mutual-exclusion lock, as Python's `threading.Lock`.
//
// One thread at a time holds a Lock. Use it as a scope with `std::scoped_lock`,
// around a function with `RunWith` (run_with.h), or tie it to the data it
// protects with `Guarded<T>` (guarded.h). A Lock is not re-entrant: a thread
// that acquires a Lock it already holds deadlocks (use RLock, rlock.h, when
// re-entry is needed). As in Python, a Lock has no owner: any thread may
// release it.
//
// A Lock is one 32-bit futex word and its sharing mode (8 bytes): no heap, no
// pointers. Uncontended acquire and release are one atomic read-modify-write
// each; a contended acquirer spins briefly and then sleeps in the kernel, so a
// waiting thread burns no CPU.
//
// Example:
//
//   class Counter {
//    public:
//     void Add(int64_t n) {
//       multirun::LockHolder hold(lock_);  // or std::scoped_lock
//       total_ += n;
//     }
//
//    private:
//     multirun::Lock lock_;
//     int64_t total_ ABSL_GUARDED_BY(lock_) = 0;
//   };
//
// Processes: `Lock lock(kProcessShared)` (process_shared.h), placed in memory
// that several processes map (SharedRegion::New<Lock>() does both), excludes
// threads of all of them. A process that dies holding it leaves it held; use
// RobustLock (robust_lock.h) when a holder may be killed.
//
// Memory ordering: Acquire() (and every successful try or timed acquire) is an
// acquire operation and Release() a release operation on the lock word, so
// everything a thread wrote before releasing is visible to the next holder.
//
// Thread-safety: every method may be called from any thread at once.
//
// Guarantees: mutual exclusion; no lost wake-ups; no fairness (a releasing
// thread may re-acquire before a sleeper wakes, which is what makes it fast).

#ifndef MULTIRUN_SYNC_LOCK_H_
#define MULTIRUN_SYNC_LOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "multirun/base/deadline.h"
#include "multirun/base/futex.h"
#include "multirun/sync/internal/chrono.h"
#include "multirun/sync/process_shared.h"

namespace multirun {

// A mutual-exclusion lock (see the file comment).
class ABSL_LOCKABLE Lock {
 public:
  // A lock for the threads of this process.
  Lock() = default;
  // A lock for the threads of every process that maps the memory it is in.
  explicit Lock(ProcessShared) : sharing_(base_internal::Sharing::kProcess) {}
  // Aborts with a message if the lock is held: a thread may be asleep waiting
  // for it, and would wake on freed memory (not for a Lock of static storage
  // duration, destroyed at exit, nor in a forked child, nor for a
  // process-shared Lock, whose waiters may be other processes').
  ~Lock();
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  // Blocks until the calling thread holds the lock.
  void Acquire() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    if (!TryAcquire()) AcquireSlow(base_internal::Deadline::Never());
  }

  // Acquires the lock if it is free. Returns whether it did. Never blocks.
  bool TryAcquire() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    uint32_t expected = kUnlocked;
    return state_.compare_exchange_strong(expected, kLocked,
                                          std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  // Blocks until the lock is acquired or `timeout` has passed (on the monotonic
  // clock). Returns whether the lock was acquired. A zero or negative timeout
  // tries once, without waiting.
  bool AcquireFor(absl::Duration timeout)
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return TryAcquire() || AcquireSlow(base_internal::Deadline::After(timeout));
  }

  // Blocks until the lock is acquired or the wall-clock time `deadline` has
  // passed. Returns whether the lock was acquired. A deadline in the past tries
  // once, without waiting.
  bool AcquireUntil(absl::Time deadline) ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return TryAcquire() || AcquireSlow(base_internal::Deadline::At(deadline));
  }

  // Releases the lock. Returns FailedPrecondition, and changes nothing, if the
  // lock is not held. Never blocks.
  absl::Status Release() ABSL_UNLOCK_FUNCTION() {
    // Read before the release: the next owner may destroy the lock at once.
    const base_internal::Sharing sharing = sharing_;
    const uint32_t previous =
        state_.exchange(kUnlocked, std::memory_order_release);
    if (previous == kLockedWithSleepers) {
      WakeOne(sharing);
    } else if (previous == kUnlocked) {
      return ReleaseUnheldError();
    }
    return absl::OkStatus();
  }

  // Whether some thread holds the lock at this instant (a hint for tests and
  // diagnostics: it may change as soon as it is read).
  bool IsLocked() const {
    return state_.load(std::memory_order_relaxed) != kUnlocked;
  }

  // Whether the lock was constructed with kProcessShared.
  bool IsProcessShared() const {
    return sharing_ == base_internal::Sharing::kProcess;
  }

  // The standard TimedLockable names, so std::scoped_lock, std::unique_lock
  // (with try_lock_for) and std::condition_variable_any work. unlock() of a
  // lock that is not held aborts with a message (it cannot return the error).
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { Acquire(); }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return TryAcquire(); }
  template <typename Rep, typename Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout)
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return AcquireFor(sync_internal::FromChronoDuration(timeout));
  }
  template <typename Clock, typename Duration>
  bool try_lock_until(const std::chrono::time_point<Clock, Duration>& deadline)
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return TryAcquire() || AcquireSlow(sync_internal::ChronoDeadline(deadline));
  }
  void unlock() ABSL_UNLOCK_FUNCTION();

 private:
  static constexpr uint32_t kUnlocked = 0;
  static constexpr uint32_t kLocked = 1;
  static constexpr uint32_t kLockedWithSleepers = 2;

  // Spins, then sleeps until acquired or `deadline`. Returns whether acquired;
  // returns false at once, without spinning, if `deadline` has passed.
  bool AcquireSlow(const base_internal::Deadline& deadline);
  void WakeOne(base_internal::Sharing sharing);
  static absl::Status ReleaseUnheldError();

  std::atomic<uint32_t> state_{kUnlocked};
  // Read only on the sleeping and waking paths, never on the uncontended ones.
  const base_internal::Sharing sharing_ = base_internal::Sharing::kPrivate;
};

}  // namespace multirun

#endif  // MULTIRUN_SYNC_LOCK_H_
