// Copyright 2026 The multirun Authors.
//
// Condition: a condition variable bundled with its lock, as Python's
// `threading.Condition`.
//
// A Condition owns an RLock. A thread acquires it, checks some state, and if
// the state is not what it needs, waits: the wait releases the lock, sleeps
// until another thread notifies, and re-acquires the lock before returning.
// Waiting with a predicate (`Wait(pred)`, `WaitFor(timeout, pred)`) loops until
// the predicate holds, so spurious wake-ups never reach the caller. Prefer the
// predicate forms.
//
// Because the lock has an owner, waiting without holding it is reported as
// FailedPrecondition rather than corrupting anything (Python raises
// RuntimeError). A wait releases every level of a re-entered lock and restores
// them afterwards. Notifying does not require the lock, though notifying while
// holding it (after the state change) is the usual pattern.
//
// Example:
//
//   multirun::Condition ready;
//   std::deque<Job> jobs ABSL_GUARDED_BY(ready);
//
//   // Consumer:
//   multirun::LockHolder hold(ready);
//   // The predicate runs with the lock held (the annotation says so to
//   // clang -Wthread-safety).
//   absl::Status s = ready.WaitFor(
//       absl::Seconds(1),
//       [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(ready) { return !jobs.empty(); });
//   if (s.ok()) Run(jobs.front());
//
//   // Producer:
//   {
//     multirun::LockHolder hold(ready);
//     jobs.push_back(job);
//   }
//   ready.NotifyOne();
//
// State: the RLock plus an epoch word and a sleeper count; no heap, no
// pointers.
//
// Processes: `Condition ready(kProcessShared)` in shared memory (or
// `SharedRegion::New<Condition>()`) is one lock and one wait list for the
// threads of every process that maps it: a notify in one process wakes a waiter
// in another. Guard only state that lives in the same shared memory.
//
// Thread-safety: every method may be called from any thread at once (the
// waits by the thread that holds the lock).
//
// Memory ordering: the lock orders the protected state; a waiter returns
// holding the lock, so it sees everything the notifier wrote before releasing
// it.

#ifndef MULTIRUN_SYNC_CONDITION_H_
#define MULTIRUN_SYNC_CONDITION_H_

#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "multirun/base/deadline.h"
#include "multirun/base/futex.h"
#include "multirun/sync/internal/wait_list.h"
#include "multirun/sync/process_shared.h"
#include "multirun/sync/rlock.h"

namespace multirun {

// A condition variable and its lock (see the file comment).
class ABSL_LOCKABLE Condition {
 public:
  // A condition for the threads of this process.
  Condition() = default;
  // A condition for the threads of every process that maps the memory it is
  // in.
  explicit Condition(ProcessShared)
      : lock_(kProcessShared), waiters_(base_internal::Sharing::kProcess) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  // The lock, as RLock's methods (rlock.h).
  void Acquire() ABSL_EXCLUSIVE_LOCK_FUNCTION() { lock_.Acquire(); }
  bool TryAcquire() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return lock_.TryAcquire();
  }
  bool AcquireFor(absl::Duration timeout)
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return lock_.AcquireFor(timeout);
  }
  bool AcquireUntil(absl::Time deadline) ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return lock_.AcquireUntil(deadline);
  }
  absl::Status Release() ABSL_UNLOCK_FUNCTION() { return lock_.Release(); }
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { lock_.lock(); }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return lock_.try_lock();
  }
  void unlock() ABSL_UNLOCK_FUNCTION() { lock_.unlock(); }

  // Releases the lock, sleeps until notified (or spuriously woken), and
  // re-acquires it. The caller must hold the lock: otherwise returns
  // FailedPrecondition at once. Blocks.
  absl::Status Wait() ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return WaitImpl(base_internal::Deadline::Never());
  }

  // As Wait(), for at most `timeout` (monotonic clock). Returns
  // DeadlineExceeded if no notify came in time (the lock is held again either
  // way).
  absl::Status WaitFor(absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return WaitImpl(base_internal::Deadline::After(timeout));
  }

  // As Wait(), until the wall-clock time `deadline`. Returns DeadlineExceeded
  // if no notify came in time.
  absl::Status WaitUntil(absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return WaitImpl(base_internal::Deadline::At(deadline));
  }

  // Waits until `predicate()` is true; the predicate runs with the lock held.
  // Returns OK once it is (at once if it already is), or FailedPrecondition,
  // without calling the predicate, if the caller does not hold the lock.
  // Blocks.
  template <typename Predicate>
  absl::Status Wait(Predicate&& predicate) ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return WaitImpl(base_internal::Deadline::Never(), predicate);
  }

  // As Wait(predicate), for at most `timeout`. Returns DeadlineExceeded if the
  // predicate is still false when time runs out.
  template <typename Predicate>
  absl::Status WaitFor(absl::Duration timeout, Predicate&& predicate)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return WaitImpl(base_internal::Deadline::After(timeout), predicate);
  }

  // As Wait(predicate), until the wall-clock time `deadline`.
  template <typename Predicate>
  absl::Status WaitUntil(absl::Time deadline, Predicate&& predicate)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return WaitImpl(base_internal::Deadline::At(deadline), predicate);
  }

  // Wakes one waiter / every waiter. Never blocks.
  void NotifyOne() { waiters_.NotifyOne(); }
  void NotifyAll() { waiters_.NotifyAll(); }

  // Whether the calling thread holds the lock.
  bool IsOwnedByCurrentThread() const { return lock_.IsOwnedByCurrentThread(); }

  // Whether the condition was constructed with kProcessShared.
  bool IsProcessShared() const { return lock_.IsProcessShared(); }

 private:
  absl::Status WaitImpl(const base_internal::Deadline& deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this);

  // Checks the caller holds the lock before the predicate reads the state.
  // (The predicate runs with the lock held; a predicate annotated as requiring
  // the condition names it differently from `this`, so the body is outside
  // Clang's analysis.)
  template <typename Predicate>
  absl::Status WaitImpl(const base_internal::Deadline& deadline,
                        Predicate& predicate)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (!IsOwnedByCurrentThread()) return NotHeldError();
    while (!predicate()) {
      absl::Status status = WaitImpl(deadline);
      if (status.code() == absl::StatusCode::kDeadlineExceeded) {
        return predicate() ? absl::OkStatus() : status;
      }
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  static absl::Status NotHeldError();

  RLock lock_;
  sync_internal::WaitList waiters_;
};

}  // namespace multirun

#endif  // MULTIRUN_SYNC_CONDITION_H_
