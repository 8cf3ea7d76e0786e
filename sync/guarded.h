// Copyright 2026 The multirun Authors.
//
// Guarded<T>: data tied to the lock that protects it, as folly::Synchronized.
//
// A Guarded<T> owns a T and a lock (a Lock by default; any Lockable type such
// as RLock works). The T can only be reached with the lock held: WithLock(fn)
// runs fn(T&) under the lock and returns its result, and Locked() returns a
// handle that holds the lock for as long as it lives. Forgetting to lock is
// then impossible, not merely a review comment.
//
// Example:
//
//   multirun::Guarded<std::map<std::string, int>> counts;
//   counts.WithLock([&](auto& map) { ++map[word]; });
//   int total = counts.WithLock([](const auto& map) { return Sum(map); });
//   {
//     auto locked = counts.Locked();  // holds the lock while it lives
//     locked->erase("the");
//   }
//
// Thread-safety: every method may be called from any thread at once; the
// value is reached only under the lock.
//
// Memory ordering: as the lock's.

#ifndef MULTIRUN_SYNC_GUARDED_H_
#define MULTIRUN_SYNC_GUARDED_H_

#include <functional>
#include <mutex>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"
#include "multirun/sync/run_with.h"

namespace multirun {

// A T reachable only with its lock held (see the file comment).
template <typename T, typename L = Lock>
class Guarded {
 public:
  // A handle that holds the lock and gives access to the value. Movable, not
  // copyable; releases the lock when destroyed.
  template <typename Value>
  class LockedPtr {
   public:
    // A moved-from handle holds no lock and points at nothing.
    LockedPtr(LockedPtr&& other) noexcept
        : hold_(std::move(other.hold_)),
          value_(std::exchange(other.value_, nullptr)) {}
    LockedPtr& operator=(LockedPtr&& other) noexcept {
      hold_ = std::move(other.hold_);
      value_ = std::exchange(other.value_, nullptr);
      return *this;
    }

    Value* operator->() const { return value_; }
    Value& operator*() const { return *value_; }

   private:
    friend class Guarded;
    // Takes over `hold`, which owns the lock.
    LockedPtr(std::unique_lock<L> hold, Value& value)
        : hold_(std::move(hold)), value_(&value) {}

    std::unique_lock<L> hold_;
    Value* value_;
  };

  // Constructs the value in place from `args`.
  template <typename... Args>
  explicit Guarded(Args&&... args) : value_(std::forward<Args>(args)...) {}

  Guarded(const Guarded&) = delete;
  Guarded& operator=(const Guarded&) = delete;

  // Runs `fn(value)` with the lock held and returns what it returns. Blocks
  // while another thread holds the lock. `fn` must not let the reference
  // escape.
  template <typename F>
  decltype(auto) WithLock(F&& fn) {
    LockHolder<L> hold(lock_);
    return std::invoke(std::forward<F>(fn), value_);
  }
  template <typename F>
  decltype(auto) WithLock(F&& fn) const {
    LockHolder<L> hold(lock_);
    return std::invoke(std::forward<F>(fn), std::as_const(value_));
  }

  // As WithLock, but waits at most `timeout` (monotonic clock) for the lock:
  // then returns DeadlineExceeded without running `fn`. The result type is
  // RunWithTimeout's (run_with.h): absl::Status for `fn` returning void or
  // absl::Status, absl::StatusOr<R> otherwise.
  template <typename F>
  auto WithLockFor(absl::Duration timeout,
                   F&& fn) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return sync_internal::InvokeWithin(lock_, timeout, "Guarded::WithLockFor",
                                       std::forward<F>(fn), value_);
  }
  template <typename F>
  auto WithLockFor(absl::Duration timeout,
                   F&& fn) const ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return sync_internal::InvokeWithin(lock_, timeout, "Guarded::WithLockFor",
                                       std::forward<F>(fn),
                                       std::as_const(value_));
  }

  // Acquires the lock and returns a handle to the value. Blocks.
  // (The handle holds the lock; the analysis cannot follow it there.)
  LockedPtr<T> Locked() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return LockedPtr<T>(std::unique_lock<L>(lock_), value_);
  }
  LockedPtr<const T> Locked() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return LockedPtr<const T>(std::unique_lock<L>(lock_), value_);
  }

  // As Locked(), but waits at most `timeout` (monotonic clock) for the lock:
  // then returns DeadlineExceeded.
  absl::StatusOr<LockedPtr<T>> LockedFor(absl::Duration timeout)
      ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (!lock_.AcquireFor(timeout)) return LockTimeoutError(timeout);
    return LockedPtr<T>(std::unique_lock<L>(lock_, std::adopt_lock), value_);
  }
  absl::StatusOr<LockedPtr<const T>> LockedFor(absl::Duration timeout) const
      ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (!lock_.AcquireFor(timeout)) return LockTimeoutError(timeout);
    return LockedPtr<const T>(std::unique_lock<L>(lock_, std::adopt_lock),
                              value_);
  }

 private:
  static absl::Status LockTimeoutError(absl::Duration timeout) {
    return absl::DeadlineExceededError(
        absl::StrCat("Guarded::LockedFor: could not acquire within ",
                     absl::FormatDuration(timeout)));
  }

  mutable L lock_;
  T value_ ABSL_GUARDED_BY(lock_);
};

}  // namespace multirun

#endif  // MULTIRUN_SYNC_GUARDED_H_
