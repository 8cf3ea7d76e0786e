// Copyright 2026 The multirun Authors.
//
// RunWith: wrap a function so that every call runs while holding a lock or a
// semaphore permit, MultiRunnable's `@RunWith.Lock`, `@RunWith.RLock`,
// `@RunWith.Semaphore` and `@RunWith.BoundedSemaphore` decorators.
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

#ifndef MULTIRUN_SYNC_RUN_WITH_H_
#define MULTIRUN_SYNC_RUN_WITH_H_

#include <concepts>
#include <functional>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace multirun {

// A primitive RunWith can hold: BasicLockable plus a timed acquire.
template <typename P>
concept RunWithPrimitive = requires(P& p, absl::Duration timeout) {
  p.lock();
  p.unlock();
  { p.AcquireFor(timeout) } -> std::convertible_to<bool>;
};

// A primitive whose acquire returns a status (RobustLock): Acquire() and
// AcquireFor(timeout) return OK (held), DataLoss (held, but the protected state
// needs repair and then MarkConsistent()), or another error (not held).
template <typename P>
concept StatusRunWithPrimitive = requires(P& p, absl::Duration timeout) {
  { p.Acquire() } -> std::same_as<absl::Status>;
  { p.AcquireFor(timeout) } -> std::same_as<absl::Status>;
  { p.MarkConsistent() } -> std::same_as<absl::Status>;
  p.unlock();
};

namespace sync_internal {

// Releases a primitive the caller acquired, on every exit path.
template <typename P>
class HeldPrimitive {
 public:
  explicit HeldPrimitive(P& primitive) : primitive_(primitive) {}
  HeldPrimitive(const HeldPrimitive&) = delete;
  HeldPrimitive& operator=(const HeldPrimitive&) = delete;
  ~HeldPrimitive() ABSL_NO_THREAD_SAFETY_ANALYSIS { primitive_.unlock(); }

 private:
  P& primitive_;
};

template <typename R>
struct TimedResult {
  using type = absl::StatusOr<R>;
};
template <>
struct TimedResult<void> {
  using type = absl::Status;
};
template <>
struct TimedResult<absl::Status> {
  using type = absl::Status;
};
template <typename U>
struct TimedResult<absl::StatusOr<U>> {
  using type = absl::StatusOr<U>;
};

// The callable RunWith returns. (Clang's thread-safety analysis cannot follow
// a capability through a template parameter that may not be one, such as a
// Semaphore; the acquire and release sit in one scope here, so the bodies opt
// out of the analysis.)
template <typename P, typename F>
class RunWithCallable {
 public:
  RunWithCallable(P& primitive, F fn)
      : primitive_(&primitive), fn_(std::move(fn)) {}

  template <typename... Args>
  decltype(auto) operator()(Args&&... args) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    primitive_->lock();
    HeldPrimitive<P> held(*primitive_);
    return std::invoke(fn_, std::forward<Args>(args)...);
  }
  template <typename... Args>
  decltype(auto) operator()(Args&&... args) const
      ABSL_NO_THREAD_SAFETY_ANALYSIS {
    primitive_->lock();
    HeldPrimitive<P> held(*primitive_);
    return std::invoke(fn_, std::forward<Args>(args)...);
  }

 private:
  P* primitive_;
  F fn_;
};

// A StatusRunWithPrimitive's acquire returned `acquired`, not OK. If that is
// the owner-died DataLoss, the primitive is held with a state nobody repaired:
// releases it so (which makes it unrecoverable) and says so. Returns the
// status for the caller of `who`.
template <typename P>
absl::Status AbandonFailedAcquire(P& primitive, const absl::Status& acquired,
                                  absl::string_view who)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (acquired.code() != absl::StatusCode::kDataLoss) return acquired;
  primitive.unlock();
  return absl::DataLossError(absl::StrCat(
      who,
      ": the previous owner died holding the lock, so the state it protects "
      "may be half-updated; the function did not run, and the lock was "
      "released unrepaired, which makes it unrecoverable (RunWithRepair "
      "repairs instead)"));
}

// Calls `fn(args...)` with `primitive` held and releases it, returning fn's
// result as TimedResult says.
template <typename Timed, typename P, typename F, typename... Args>
Timed InvokeHeld(P& primitive, F&& fn,
                 Args&&... args) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  HeldPrimitive<P> held(primitive);
  if constexpr (std::is_void_v<std::invoke_result_t<F&&, Args&&...>>) {
    std::invoke(std::forward<F>(fn), std::forward<Args>(args)...);
    return Timed(absl::OkStatus());
  } else {
    return Timed(std::invoke(std::forward<F>(fn), std::forward<Args>(args)...));
  }
}

// Acquires `primitive` within `timeout` (monotonic clock), calls
// `fn(args...)` and releases it, returning fn's result as TimedResult says; or
// returns DeadlineExceeded naming `who` (or, for a StatusRunWithPrimitive,
// the failed acquire's status) without calling fn. Shared by RunWithTimeout,
// RunWith on a StatusRunWithPrimitive, and Guarded::WithLockFor.
template <typename P, typename F, typename... Args>
auto InvokeWithin(P& primitive, absl::Duration timeout, absl::string_view who,
                  F&& fn, Args&&... args) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  using Result = std::invoke_result_t<F&&, Args&&...>;
  using Timed = typename TimedResult<std::decay_t<Result>>::type;
  if constexpr (StatusRunWithPrimitive<P>) {
    const absl::Status acquired = primitive.AcquireFor(timeout);
    if (!acquired.ok()) {
      return Timed(AbandonFailedAcquire(primitive, acquired, who));
    }
  } else if (!primitive.AcquireFor(timeout)) {
    return Timed(absl::DeadlineExceededError(absl::StrCat(
        who, ": could not acquire within ", absl::FormatDuration(timeout))));
  }
  return InvokeHeld<Timed>(primitive, std::forward<F>(fn),
                           std::forward<Args>(args)...);
}

// The callable RunWithTimeout returns (and RunWith, with an infinite timeout,
// for a StatusRunWithPrimitive). `who` names it in messages.
template <typename P, typename F>
class RunWithTimeoutCallable {
 public:
  RunWithTimeoutCallable(P& primitive, absl::Duration timeout, F fn,
                         const char* who = "RunWithTimeout")
      : primitive_(&primitive),
        timeout_(timeout),
        fn_(std::move(fn)),
        who_(who) {}

  template <typename... Args>
  auto operator()(Args&&... args) {
    return InvokeWithin(*primitive_, timeout_, who_, fn_,
                        std::forward<Args>(args)...);
  }
  template <typename... Args>
  auto operator()(Args&&... args) const {
    return InvokeWithin(*primitive_, timeout_, who_, fn_,
                        std::forward<Args>(args)...);
  }

 private:
  P* primitive_;
  absl::Duration timeout_;
  F fn_;
  const char* who_;
};

// Runs `repair()` with `primitive` held after an owner-died acquire, then
// marks it consistent. On failure (or if repair throws) releases it unrepaired
// and returns (or rethrows) the error; the primitive is then not held.
template <typename P, typename R>
absl::Status Repair(P& primitive, R& repair) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  using Result = std::invoke_result_t<R&>;
  static_assert(std::is_void_v<Result> || std::is_same_v<Result, absl::Status>,
                "RunWithRepair: the repair function must return void or "
                "absl::Status");
  struct ReleaseUnrepairedOnThrow {
    P& primitive;
    bool armed = true;
    ~ReleaseUnrepairedOnThrow() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      if (armed) primitive.unlock();
    }
  } on_throw{primitive};
  absl::Status status;
  if constexpr (std::is_void_v<Result>) {
    std::invoke(repair);
  } else {
    status = std::invoke(repair);
  }
  on_throw.armed = false;
  if (status.ok()) status = primitive.MarkConsistent();
  if (status.ok()) return status;
  primitive.unlock();
  return absl::DataLossError(absl::StrCat(
      "RunWithRepair: the previous owner died holding the lock and the repair "
      "failed (",
      status.ToString(),
      "); the function did not run, and the lock was released unrepaired, "
      "which makes it unrecoverable"));
}

// The callable RunWithRepair returns.
template <typename P, typename R, typename F>
class RunWithRepairCallable {
 public:
  RunWithRepairCallable(P& primitive, R repair, F fn)
      : primitive_(&primitive),
        repair_(std::move(repair)),
        fn_(std::move(fn)) {}

  template <typename... Args>
  auto operator()(Args&&... args) {
    return Invoke(*primitive_, repair_, fn_, std::forward<Args>(args)...);
  }
  template <typename... Args>
  auto operator()(Args&&... args) const {
    return Invoke(*primitive_, repair_, fn_, std::forward<Args>(args)...);
  }

 private:
  template <typename Repairer, typename Fn, typename... Args>
  static auto Invoke(P& primitive, Repairer& repair, Fn& fn,
                     Args&&... args) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    using Result = std::invoke_result_t<Fn&, Args&&...>;
    using Timed = typename TimedResult<std::decay_t<Result>>::type;
    const absl::Status acquired = primitive.Acquire();
    if (acquired.code() == absl::StatusCode::kDataLoss) {
      absl::Status repaired = Repair(primitive, repair);
      if (!repaired.ok()) return Timed(std::move(repaired));
    } else if (!acquired.ok()) {
      return Timed(acquired);
    }
    return InvokeHeld<Timed>(primitive, fn, std::forward<Args>(args)...);
  }

  P* primitive_;
  R repair_;
  F fn_;
};

}  // namespace sync_internal

// Example:
//
//   multirun::Lock lock;
//   int balance = 0;
//   auto deposit = multirun::RunWith(lock, [&](int amount) {
//     balance += amount;
//     return balance;
//   });
//   int after = deposit(10);  // runs with `lock` held
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

// Example:
//
//   multirun::Semaphore slots(2);
//   auto fetch = multirun::RunWithTimeout(
//       slots, absl::Seconds(1), [](int id) { return Fetch(id); });
//   absl::StatusOr<Page> page = fetch(7);  // DeadlineExceeded: no slot in 1 s
template <typename P, typename F>
requires RunWithPrimitive<P> || StatusRunWithPrimitive<P>
auto RunWithTimeout(P& primitive, absl::Duration timeout, F&& fn) {
  return sync_internal::RunWithTimeoutCallable<P, std::decay_t<F>>(
      primitive, timeout, std::forward<F>(fn));
}

// Example:
//
//   multirun::RobustLock* lock = *region->New<multirun::RobustLock>();
//   Ledger* ledger = *region->New<Ledger>();
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
