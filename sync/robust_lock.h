// Copyright 2026 The multirun Authors.
//
// RobustLock: a lock that survives the death of its holder.
//
// A Lock whose holder dies (a process killed by SIGKILL, a thread that exits
// holding it) stays held forever, and everyone who waits for it hangs. A
// RobustLock is handed to the next acquirer instead, together with the news:
// Acquire() returns DataLoss ("the previous owner died holding the lock"),
// and the caller now holds the lock. The protected state may be half-updated;
// the caller repairs it and calls MarkConsistent(), and the lock works as
// before. If the new holder releases it without MarkConsistent(), nobody
// repaired the state: the lock becomes unrecoverable and every later acquire
// returns FailedPrecondition at once (never a hang). PreviousOwnerDied(status)
// tells the owner-died status from other errors.
//
// Use it for state in shared memory (SharedRegion, shared_region.h) that
// processes which may be killed update: `region.New<RobustLock>()` makes a
// process-shared one. A default-constructed RobustLock serves the threads of
// one process (it notices a thread that exits holding it).
//
// Example:
//
//   // Before fork(): a lock and the state it protects, in shared memory.
//   absl::StatusOr<multirun::SharedRegion> region =
//       multirun::SharedRegion::Create(1 << 20);
//   if (!region.ok()) return region.status();
//   multirun::RobustLock* lock = *region->New<multirun::RobustLock>();
//   Ledger* ledger = *region->New<Ledger>();  // plain data
//
//   // In any process:
//   absl::Status s = lock->Acquire();
//   if (multirun::PreviousOwnerDied(s)) {
//     ledger->RollBackPartialEntry();  // repair what the dead owner left
//     s = lock->MarkConsistent();
//   }
//   if (!s.ok()) return s;  // unrecoverable, or already held by this thread
//   lock->AssertHeld();     // tells clang -Wthread-safety the lock is held
//   ledger->Append(entry);
//   return lock->Release();
//
// A RobustLock is a POSIX robust mutex, so it is larger and slower than Lock
// (an uncontended acquire and release cost what a pthread mutex's do), and it
// is not re-entrant: acquiring it again from the holding thread returns
// FailedPrecondition rather than deadlocking. Only the holder may release it.
//
// The standard names: lock() / try_lock() / unlock() make std::scoped_lock and
// LockHolder work, but lock() cannot return a status. When the previous owner
// died, lock() therefore does not hand the caller the half-updated state: it
// releases the lock unrepaired (making it unrecoverable, as above) and throws
// std::system_error with EOWNERDEAD; on an unrecoverable lock it throws
// ENOTRECOVERABLE; from the holding thread, EDEADLK (as std::mutex::lock may
// throw). try_lock() does the same, and returns false while another thread
// holds the lock. RunWith(robust_lock, fn) (run_with.h) returns the status
// instead of throwing, never runs fn on the dead owner's state, and
// RunWithRepair(robust_lock, repair, fn) repairs it first.
//
// Thread-safety annotations: lock(), unlock(), try_lock() and Release() carry
// them. Clang's analysis cannot follow an acquire that returns a status, so
// after checking what Acquire() returned, call AssertHeld().
//
// Thread-safety: every method may be called from any thread at once.
//
// Memory ordering: as Lock. A successful acquire (including one that returns
// the owner-died status) is an acquire operation and Release() a release
// operation. What the dead owner wrote before it died is visible to the next
// holder, but may be any prefix of its updates.

#ifndef MULTIRUN_SYNC_ROBUST_LOCK_H_
#define MULTIRUN_SYNC_ROBUST_LOCK_H_

#include <pthread.h>

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

// Whether `status` says that the previous owner of a RobustLock died holding
// it (DataLoss, from RobustLock::Acquire and its timed and try forms, and from
// RunWith / RunWithRepair). Matches the code and the message, so it also
// recognizes a status that crossed a process boundary as (code, message).
bool PreviousOwnerDied(const absl::Status& status);

// A lock handed on, with the news, when its holder dies (see the file
// comment).
class ABSL_LOCKABLE RobustLock {
 public:
  // A robust lock for the threads of this process.
  RobustLock();
  // A robust lock for the threads of every process that maps the memory it is
  // in (SharedRegion::New<RobustLock>() makes one there).
  explicit RobustLock(ProcessShared);
  // A private lock: aborts with a message if a live thread holds it (not in a
  // forked child, nor for one of static storage duration). A process-shared
  // lock: does nothing, since other processes may still use it (destroying the
  // pthread mutex would break it for them); its memory simply goes away with
  // the last mapping.
  ~RobustLock();
  RobustLock(const RobustLock&) = delete;
  RobustLock& operator=(const RobustLock&) = delete;

  // Blocks until the calling thread holds the lock. Returns:
  // - OK: held.
  // - DataLoss: held, but the previous owner died holding it. Repair the
  //   protected state, then call MarkConsistent() (and later Release()).
  //   PreviousOwnerDied() is true for this status.
  // - FailedPrecondition: not held, because the lock is unrecoverable or the
  //   calling thread already holds it.
  absl::Status Acquire();

  // Acquires the lock if no other thread holds it. Never blocks. Returns as
  // Acquire(), or Unavailable (not held) if another thread holds it.
  absl::Status TryAcquire();

  // As Acquire(), but gives up after `timeout` (monotonic clock): then returns
  // DeadlineExceeded (not held). A zero or negative timeout tries once.
  absl::Status AcquireFor(absl::Duration timeout);

  // As Acquire(), but gives up at the wall-clock time `deadline`: then returns
  // DeadlineExceeded (not held).
  absl::Status AcquireUntil(absl::Time deadline);

  // After an acquire returned the owner-died status: declares the protected
  // state repaired, so the lock stays usable after Release(). Returns
  // FailedPrecondition if the calling thread does not hold the lock, or holds
  // it in a consistent state. Never blocks.
  absl::Status MarkConsistent();

  // Releases the lock. Returns FailedPrecondition, and changes nothing, if the
  // calling thread does not hold it. Releasing after an owner-died acquire
  // without MarkConsistent() makes the lock unrecoverable. Never blocks.
  absl::Status Release() ABSL_UNLOCK_FUNCTION();

  // Whether the calling thread holds the lock.
  bool IsOwnedByCurrentThread() const;

  // Aborts with a message unless the calling thread holds the lock; tells
  // Clang's analysis that it does (after a checked Acquire()).
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK();

  // Whether the lock was constructed with kProcessShared.
  bool IsProcessShared() const {
    return sharing_ == base_internal::Sharing::kProcess;
  }

  // The standard TimedLockable names; see the file comment for what they
  // throw. unlock() by a thread that does not hold the lock aborts with a
  // message.
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION();
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true);
  template <typename Rep, typename Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout)
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return LockOrThrow(
        AcquireWithin(base_internal::Deadline::After(
                          sync_internal::FromChronoDuration(timeout)),
                      "try_lock_for"),
        "try_lock_for");
  }
  template <typename Clock, typename Duration>
  bool try_lock_until(const std::chrono::time_point<Clock, Duration>& deadline)
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return LockOrThrow(AcquireWithin(sync_internal::ChronoDeadline(deadline),
                                     "try_lock_until"),
                       "try_lock_until");
  }
  void unlock() ABSL_UNLOCK_FUNCTION();

 private:
  void Init();

  // Waits for the lock until `deadline` (Never(): no limit; Passed(): one
  // try); returns as AcquireFor. `who` names the method in messages.
  absl::Status AcquireWithin(const base_internal::Deadline& deadline,
                             const char* who);

  // Turns a pthread result into the status the methods document, and records
  // the owner when the lock was taken.
  absl::Status Taken(int result, const char* who);

  // For the standard names: true if `acquired` is OK; false if the lock is
  // busy or the time ran out; otherwise throws (releasing an owner-died lock
  // first, unrepaired). Outside the analysis: whether the lock is held is in
  // `acquired`'s code, which no annotation can state.
  bool LockOrThrow(const absl::Status& acquired,
                   const char* who) ABSL_NO_THREAD_SAFETY_ANALYSIS;

  pthread_mutex_t mutex_;
  // The kernel thread id of the holder, 0 when free. Written by the holder;
  // left stale by one that died (the next holder overwrites it).
  std::atomic<uint32_t> owner_{0};
  const base_internal::Sharing sharing_;
};

}  // namespace multirun

#endif  // MULTIRUN_SYNC_ROBUST_LOCK_H_
