// Copyright 2026 The multirun Authors.
//
// RLock: a re-entrant lock, MultiRunnable's (and Python's) `RLock`.
//
// The thread that holds an RLock may acquire it again; it must release it as
// many times as it acquired it before another thread can take it. Unlike Lock,
// an RLock has an owner: a release by a thread that does not hold it returns
// FailedPrecondition (Release) or aborts with a message (unlock), never
// undefined behaviour. Use RLock when a guarded function calls another guarded
// function.
//
// State: the owner's kernel thread id, a depth, and a Lock word; no heap, no
// pointers. Re-entry costs one relaxed load and an increment.
//
// Memory ordering: as Lock. The outermost acquire is an acquire operation and
// the outermost release a release operation; nested ones order nothing.

#ifndef MULTIRUN_SYNC_RLOCK_H_
#define MULTIRUN_SYNC_RLOCK_H_

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/sync/internal/futex.h"
#include "multirun/sync/lock.h"

namespace multirun {

class Condition;

// Example:
//
//   multirun::RLock lock;
//   void Outer() { std::scoped_lock hold(lock); Inner(); }
//   void Inner() { std::scoped_lock hold(lock); ... }  // re-enters, no
//   deadlock
class ABSL_LOCKABLE RLock {
 public:
  RLock() = default;
  RLock(const RLock&) = delete;
  RLock& operator=(const RLock&) = delete;

  // Blocks until the calling thread holds the lock; returns at once if it
  // already does, one level deeper.
  void Acquire() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    const uint32_t self = sync_internal::CurrentThreadId();
    if (owner_.load(std::memory_order_relaxed) == self) {
      ++depth_;
      return;
    }
    lock_.Acquire();
    TakeOwnership(self);
  }

  // Acquires (or re-enters) the lock if that needs no waiting. Never blocks.
  bool TryAcquire() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return AcquireUntil(absl::InfinitePast());
  }

  // Blocks until acquired (or re-entered) or `timeout` has passed. Returns
  // whether the lock was acquired.
  bool AcquireFor(absl::Duration timeout)
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return AcquireUntil(absl::Now() + timeout);
  }

  // Blocks until acquired (or re-entered) or `deadline` has passed. Returns
  // whether the lock was acquired.
  bool AcquireUntil(absl::Time deadline) ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true);

  // Releases one level. Returns FailedPrecondition, and changes nothing, if the
  // calling thread does not hold the lock. Never blocks.
  absl::Status Release() ABSL_UNLOCK_FUNCTION();

  // Whether the calling thread holds the lock.
  bool IsOwnedByCurrentThread() const {
    return owner_.load(std::memory_order_relaxed) ==
           sync_internal::CurrentThreadId();
  }

  // How many times the calling thread holds the lock (0 if it does not).
  int Depth() const { return IsOwnedByCurrentThread() ? depth_ : 0; }

  // The standard Lockable names. unlock() by a thread that does not hold the
  // lock aborts with a message naming both threads.
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { Acquire(); }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return TryAcquire(); }
  void unlock() ABSL_UNLOCK_FUNCTION();

 private:
  friend class Condition;

  static constexpr uint32_t kNoOwner = 0;

  void TakeOwnership(uint32_t self) {
    owner_.store(self, std::memory_order_relaxed);
    depth_ = 1;
  }
  // Condition::Wait releases every level and restores them afterwards. The
  // caller owns the lock.
  int ReleaseAll();
  void RestoreAll(int depth);

  Lock lock_;
  // Written only by the holder; read by any thread, which can only see its own
  // id there if it wrote it itself.
  std::atomic<uint32_t> owner_{kNoOwner};
  int depth_ = 0;  // Accessed only by the holder.
};

}  // namespace multirun

#endif  // MULTIRUN_SYNC_RLOCK_H_
