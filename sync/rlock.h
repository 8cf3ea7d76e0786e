// Copyright 2026 The multirun Authors.
//
// RLock: a re-entrant lock, as Python's `threading.RLock`.
//
// The thread that holds an RLock may acquire it again; it must release it as
// many times as it acquired it before another thread can take it. Unlike Lock,
// an RLock has an owner: a release by a thread that does not hold it returns
// FailedPrecondition (Release) or aborts with a message (unlock), never
// undefined behaviour. Use RLock when a guarded function calls another guarded
// function.
//
// Example:
//
//   multirun::RLock lock;
//   void Inner() {
//     multirun::LockHolder hold(lock);  // re-enters: no deadlock
//   }
//   void Outer() {
//     multirun::LockHolder hold(lock);
//     Inner();
//   }
//
// State: the owner's kernel thread id, a depth, and a Lock word; no heap, no
// pointers. Re-entry costs one relaxed load and an increment.
//
// fork(): the thread that calls fork() keeps, in the child, the RLocks it held
// (in the child's copy of memory), as Python's RLock does; it can re-enter and
// release them there. A thread that exits while holding an RLock leaves it
// held.
//
// Processes: `RLock lock(kProcessShared)` in shared memory (SharedRegion) is
// one lock for the threads of every process that maps it. The owner is a
// kernel thread id, unique across processes. The fork() rule above is off for
// it: parent and child see the same lock, so what the parent's thread holds
// stays the parent's, and the child waits for it like any other thread.
//
// Thread-safety: every method may be called from any thread at once.
//
// Memory ordering: as Lock. The outermost acquire is an acquire operation and
// the outermost release a release operation; nested ones order nothing.

#ifndef MULTIRUN_SYNC_RLOCK_H_
#define MULTIRUN_SYNC_RLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "multirun/base/futex.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/process_shared.h"

namespace multirun {

class Condition;

// A re-entrant lock (see the file comment).
class ABSL_LOCKABLE RLock {
 public:
  // A re-entrant lock for the threads of this process.
  RLock() = default;
  // A re-entrant lock for the threads of every process that maps the memory
  // it is in.
  explicit RLock(ProcessShared) : lock_(kProcessShared) {}
  RLock(const RLock&) = delete;
  RLock& operator=(const RLock&) = delete;

  // Blocks until the calling thread holds the lock; returns at once if it
  // already does, one level deeper.
  void Acquire() ABSL_EXCLUSIVE_LOCK_FUNCTION() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    const uint32_t self = base_internal::CurrentThreadId();
    if (Reenter(self)) return;
    lock_.Acquire();
    Own(self);
  }

  // Acquires (or re-enters) the lock if that needs no waiting. Never blocks.
  bool TryAcquire()
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    const uint32_t self = base_internal::CurrentThreadId();
    if (Reenter(self)) return true;
    return lock_.TryAcquire() && Own(self);
  }

  // Blocks until acquired (or re-entered) or `timeout` has passed (monotonic
  // clock). Returns whether the lock was acquired.
  bool AcquireFor(absl::Duration timeout)
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    const uint32_t self = base_internal::CurrentThreadId();
    if (Reenter(self)) return true;
    return lock_.AcquireFor(timeout) && Own(self);
  }

  // Blocks until acquired (or re-entered) or the wall-clock time `deadline` has
  // passed. Returns whether the lock was acquired.
  bool AcquireUntil(absl::Time deadline)
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    const uint32_t self = base_internal::CurrentThreadId();
    if (Reenter(self)) return true;
    return lock_.AcquireUntil(deadline) && Own(self);
  }

  // Releases one level. Returns FailedPrecondition, and changes nothing, if the
  // calling thread does not hold the lock. Never blocks.
  absl::Status Release() ABSL_UNLOCK_FUNCTION() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (owner_.load(std::memory_order_relaxed) !=
        base_internal::CurrentThreadId()) {
      return ReleaseNotOwnedById();
    }
    if (--depth_ > 0) return absl::OkStatus();
    owner_.store(kNoOwner, std::memory_order_relaxed);
    return lock_.Release();
  }

  // Whether the calling thread holds the lock.
  bool IsOwnedByCurrentThread() const {
    return IsSelf(owner_.load(std::memory_order_relaxed));
  }

  // How many times the calling thread holds the lock (0 if it does not).
  int64_t Depth() const { return IsOwnedByCurrentThread() ? depth_ : 0; }

  // Whether the lock was constructed with kProcessShared.
  bool IsProcessShared() const { return lock_.IsProcessShared(); }

  // The standard TimedLockable names. unlock() by a thread that does not hold
  // the lock aborts with a message naming both threads.
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { Acquire(); }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return TryAcquire(); }
  template <typename Rep, typename Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout)
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    const uint32_t self = base_internal::CurrentThreadId();
    if (Reenter(self)) return true;
    return lock_.try_lock_for(timeout) && Own(self);
  }

  template <typename Clock, typename Duration>
  bool try_lock_until(const std::chrono::time_point<Clock, Duration>& deadline)
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    const uint32_t self = base_internal::CurrentThreadId();
    if (Reenter(self)) return true;
    return lock_.try_lock_until(deadline) && Own(self);
  }

  void unlock() ABSL_UNLOCK_FUNCTION();

 private:
  // The methods above implement the capability (they acquire `this` by
  // acquiring `lock_` and recording the owner), so their bodies are outside
  // Clang's thread-safety analysis, as absl::Mutex's are.
  friend class Condition;

  static constexpr uint32_t kNoOwner = 0;

  // Whether `owner` is the calling thread: by its id, or, in a forked child, by
  // the id the forking thread had in its parent (the child's copy of a private
  // lock the parent thread held is the child's; a shared one is not).
  bool IsSelf(uint32_t owner) const {
    return owner != kNoOwner &&
           (owner == base_internal::CurrentThreadId() ||
            (!IsProcessShared() &&
             base_internal::WasCurrentThreadBeforeFork(owner)));
  }

  // One level deeper if thread `self` holds the lock; returns whether it does.
  bool Reenter(uint32_t self) {
    const uint32_t owner = owner_.load(std::memory_order_relaxed);
    if (owner == self || (owner != kNoOwner && AdoptAfterFork(owner, self))) {
      ++depth_;
      return true;
    }
    return false;
  }

  // Records thread `self` as the owner, one level deep, after it acquired
  // `lock_`. Returns true, for `lock_.TryAcquire() && Own(self)`.
  bool Own(uint32_t self) {
    owner_.store(self, std::memory_order_relaxed);
    depth_ = 1;
    return true;
  }

  // If `owner` is the calling thread's id from before fork() and the lock is
  // private, records it under its new id `self` and returns true.
  bool AdoptAfterFork(uint32_t owner, uint32_t self);

  // Release() when the owner is not the calling thread's current id: the lock
  // may still be its own from before fork(); otherwise FailedPrecondition.
  // Outside the analysis: whether it releases depends on the owner's id,
  // which no annotation can state.
  absl::Status ReleaseNotOwnedById() ABSL_NO_THREAD_SAFETY_ANALYSIS;

  // Condition::Wait releases every level and restores them afterwards. The
  // caller owns the lock. Outside the analysis, like the methods above: they
  // release and retake `lock_` underneath a hold of `this` that the caller
  // keeps.
  int64_t ReleaseAll() ABSL_NO_THREAD_SAFETY_ANALYSIS;
  void RestoreAll(int64_t depth) ABSL_NO_THREAD_SAFETY_ANALYSIS;

  Lock lock_;
  // Written only by the holder; read by any thread, which can only see its own
  // id there if it wrote it itself (or its parent-process self did, before
  // fork()).
  std::atomic<uint32_t> owner_{kNoOwner};
  int64_t depth_ = 0;  // Accessed only by the holder.
};

}  // namespace multirun

#endif  // MULTIRUN_SYNC_RLOCK_H_
