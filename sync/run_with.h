// Copyright 2026 The multirun Authors.
//
// RunWith: wrap a function so that every call runs while holding a lock or a
// semaphore permit (the decorator form of a scoped lock).
//
// `RunWith(primitive, fn)` returns a callable with fn's parameters and return
// type. Each call acquires `primitive` (a Lock, RLock, Semaphore,
// BoundedSemaphore, Condition, or any type with lock(), unlock() and
// AcquireFor(absl::Duration)), calls fn, and releases the primitive however fn
// exits, including by an exception. Arguments and the return value are
// forwarded unchanged; fn may be a free function, a lambda, or a member
// function pointer called as `wrapped(object, args...)`. The wrapper may be
// const and may be called from any number of threads at once; a mutable
// lambda's own state is then protected only by a primitive that admits one
// thread at a time (Lock, RLock, Condition), not by a Semaphore of several
// permits.
//
// `RunWithTimeout(primitive, timeout, fn)` gives up when the primitive cannot
// be acquired within `timeout` (monotonic clock): the call then returns
// DeadlineExceeded and fn does not run. Its return type is absl::Status for fn
// returning void or absl::Status, absl::StatusOr<U> for fn returning
// absl::StatusOr<U>, and absl::StatusOr<R> for any other R.
//
// A RobustLock (robust_lock.h), whose acquire can fail, works too: then RunWith
// also returns that status type, and a failed acquire is returned without
// running fn. When the lock's previous owner died holding it, the protected
// state may be half-updated and fn, written for a consistent state, must not
// see it: the call returns DataLoss (PreviousOwnerDied() is true), fn does not
// run, and the lock is released unrepaired, which makes it unrecoverable (every
// later call returns FailedPrecondition at once; nobody hangs and nobody runs
// on the broken state). `RunWithRepair(robust_lock, repair, fn)` repairs
// instead: it runs `repair()` (returning void or absl::Status) with the lock
// held, marks the lock consistent if that succeeded, and then runs fn.
//
// Every primitive of sync/ made with kProcessShared works across processes
// the same way.
//
// The primitive is held by reference and must outlive the wrapper.
//
// Example:
//
//   multirun::Lock lock;
//   int balance = 0;
//   auto deposit = multirun::RunWith(lock, [&](int amount) {
//     balance += amount;
//     return balance;
//   });
//   int after = deposit(10);  // runs with `lock` held
//
//   multirun::Semaphore slots(2);
//   auto fetch = multirun::RunWithTimeout(slots, absl::Seconds(1),
//                                         [](int id) { return Fetch(id); });
//   absl::StatusOr<Page> page = fetch(7);  // DeadlineExceeded: no slot in 1 s
//
// Thread-safety: a wrapper may be called from any number of threads at once
// (see above for a mutable fn's own state).
//
// Memory ordering: the primitive's. Everything a call wrote is visible to the
// next call that acquires the primitive after it.

#ifndef MULTIRUN_SYNC_RUN_WITH_H_
#define MULTIRUN_SYNC_RUN_WITH_H_

#include <type_traits>
#include <utility>

#include "absl/time/time.h"
#include "multirun/sync/internal/run_with.h"

namespace multirun {

// A primitive RunWith can hold: BasicLockable plus a timed acquire,
// `bool AcquireFor(absl::Duration)`.
template <typename P>
concept RunWithPrimitive = sync_internal::LockablePrimitive<P>;

// A primitive whose acquire returns a status (RobustLock): Acquire() and
// AcquireFor(timeout) return OK (held), DataLoss (held, but the protected state
// needs repair and then MarkConsistent()), or another error (not held).
template <typename P>
concept StatusRunWithPrimitive = sync_internal::StatusPrimitive<P>;

// A callable that calls `fn` with `primitive` held (see the file comment).
template <typename P, typename F>
requires RunWithPrimitive<P> || StatusRunWithPrimitive<P>
auto RunWith(P& primitive, F&& fn) {
  if constexpr (StatusRunWithPrimitive<P>) {
    return sync_internal::RunWithTimeoutCallable<P, std::decay_t<F>>(
        primitive, absl::InfiniteDuration(), std::forward<F>(fn), "RunWith");
  } else {
    return sync_internal::RunWithCallable<P, std::decay_t<F>>(
        primitive, std::forward<F>(fn));
  }
}

// A callable that calls `fn` with `primitive` held, or returns
// DeadlineExceeded when it cannot acquire it within `timeout` (see the file
// comment).
template <typename P, typename F>
requires RunWithPrimitive<P> || StatusRunWithPrimitive<P>
auto RunWithTimeout(P& primitive, absl::Duration timeout, F&& fn) {
  return sync_internal::RunWithTimeoutCallable<P, std::decay_t<F>>(
      primitive, timeout, std::forward<F>(fn));
}

// A callable that calls `fn` with `primitive` (a RobustLock) held, first
// running `repair()` when the previous owner died holding it (see the file
// comment).
//
// Example:
//
//   multirun::RobustLock* lock = *region->New<multirun::RobustLock>();
//   Ledger* ledger = *region->New<Ledger>();  // plain data
//   auto append = multirun::RunWithRepair(
//       *lock, [&] { ledger->RollBackPartialEntry(); },
//       [&](const Entry& entry) { ledger->Append(entry); });
//   absl::Status s = append(entry);  // OK, even after an owner was killed
template <StatusRunWithPrimitive P, typename R, typename F>
auto RunWithRepair(P& primitive, R&& repair, F&& fn) {
  return sync_internal::RunWithRepairCallable<P, std::decay_t<R>,
                                              std::decay_t<F>>(
      primitive, std::forward<R>(repair), std::forward<F>(fn));
}

}  // namespace multirun

#endif  // MULTIRUN_SYNC_RUN_WITH_H_
