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

// Acquires `primitive` within `timeout` (monotonic clock), calls
// `fn(args...)` and releases it, returning fn's result as TimedResult says; or
// returns DeadlineExceeded naming `who` without calling fn. Shared by
// RunWithTimeout and Guarded::WithLockFor.
template <typename P, typename F, typename... Args>
auto InvokeWithin(P& primitive, absl::Duration timeout, absl::string_view who,
                  F&& fn, Args&&... args) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  using Result = std::invoke_result_t<F&&, Args&&...>;
  using Timed = typename TimedResult<std::decay_t<Result>>::type;
  if (!primitive.AcquireFor(timeout)) {
    return Timed(absl::DeadlineExceededError(absl::StrCat(
        who, ": could not acquire within ", absl::FormatDuration(timeout))));
  }
  HeldPrimitive<P> held(primitive);
  if constexpr (std::is_void_v<Result>) {
    std::invoke(std::forward<F>(fn), std::forward<Args>(args)...);
    return Timed(absl::OkStatus());
  } else {
    return Timed(std::invoke(std::forward<F>(fn), std::forward<Args>(args)...));
  }
}

// The callable RunWithTimeout returns.
template <typename P, typename F>
class RunWithTimeoutCallable {
 public:
  RunWithTimeoutCallable(P& primitive, absl::Duration timeout, F fn)
      : primitive_(&primitive), timeout_(timeout), fn_(std::move(fn)) {}

  template <typename... Args>
  auto operator()(Args&&... args) {
    return InvokeWithin(*primitive_, timeout_, "RunWithTimeout", fn_,
                        std::forward<Args>(args)...);
  }
  template <typename... Args>
  auto operator()(Args&&... args) const {
    return InvokeWithin(*primitive_, timeout_, "RunWithTimeout", fn_,
                        std::forward<Args>(args)...);
  }

 private:
  P* primitive_;
  absl::Duration timeout_;
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
template <RunWithPrimitive P, typename F>
auto RunWith(P& primitive, F&& fn) {
  return sync_internal::RunWithCallable<P, std::decay_t<F>>(
      primitive, std::forward<F>(fn));
}

// Example:
//
//   multirun::Semaphore slots(2);
//   auto fetch = multirun::RunWithTimeout(
//       slots, absl::Seconds(1), [](int id) { return Fetch(id); });
//   absl::StatusOr<Page> page = fetch(7);  // DeadlineExceeded: no slot in 1 s
template <RunWithPrimitive P, typename F>
auto RunWithTimeout(P& primitive, absl::Duration timeout, F&& fn) {
  return sync_internal::RunWithTimeoutCallable<P, std::decay_t<F>>(
      primitive, timeout, std::forward<F>(fn));
}

}  // namespace multirun

#endif  // MULTIRUN_SYNC_RUN_WITH_H_
