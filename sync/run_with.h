// Copyright 2026 The multirun Authors.
//
// RunWith: wrap a function so that every call runs while holding a lock or a
// semaphore permit, MultiRunnable's `@RunWith.Lock`, `@RunWith.RLock`,
// `@RunWith.Semaphore` and `@RunWith.BoundedSemaphore` decorators.
//
// `RunWith(primitive, fn)` returns a callable with fn's parameters and return
// type. Each call acquires `primitive` (a Lock, RLock, Semaphore,
// BoundedSemaphore, Condition, or any type with Acquire() and lock()/unlock()),
// calls fn, and releases the primitive however fn exits, including by an
// exception. Arguments and the return value are forwarded unchanged; fn may be
// a free function, a lambda (mutable ones too: its state is then guarded by the
// primitive), or a member function pointer called as `wrapped(object,
// args...)`.
//
// `RunWithTimeout(primitive, timeout, fn)` gives up when the primitive cannot
// be acquired within `timeout`: the call then returns DeadlineExceeded and fn
// does not run. Its return type is absl::Status for fn returning void or
// absl::Status, absl::StatusOr<U> for fn returning absl::StatusOr<U>, and
// absl::StatusOr<R> for any other R.
//
// The primitive is held by reference and must outlive the wrapper.

#ifndef MULTIRUN_SYNC_RUN_WITH_H_
#define MULTIRUN_SYNC_RUN_WITH_H_

#include <functional>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
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

// Releases a primitive acquired by the caller, on every exit path.
template <typename P>
class HeldPrimitive {
 public:
  explicit HeldPrimitive(P& primitive) : primitive_(primitive) {}
  HeldPrimitive(const HeldPrimitive&) = delete;
  HeldPrimitive& operator=(const HeldPrimitive&) = delete;
  ~HeldPrimitive() { primitive_.unlock(); }

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
  return [&primitive,
          fn = std::forward<F>(fn)](auto&&... args) mutable -> decltype(auto) {
    primitive.lock();
    sync_internal::HeldPrimitive<P> held(primitive);
    return std::invoke(fn, std::forward<decltype(args)>(args)...);
  };
}

// Example:
//
//   multirun::Semaphore slots(2);
//   auto fetch = multirun::RunWithTimeout(slots, absl::Seconds(1),
//                                         [](int id) { return Fetch(id); });
//   absl::StatusOr<Page> page = fetch(7);  // DeadlineExceeded if no slot in 1
//   s
template <RunWithPrimitive P, typename F>
auto RunWithTimeout(P& primitive, absl::Duration timeout, F&& fn) {
  return [&primitive, timeout,
          fn = std::forward<F>(fn)](auto&&... args) mutable {
    using Result =
        std::invoke_result_t<F&,
                             decltype(std::forward<decltype(args)>(args))...>;
    using Timed =
        typename sync_internal::TimedResult<std::decay_t<Result>>::type;
    if (!primitive.AcquireFor(timeout)) {
      return Timed(absl::DeadlineExceededError(
          absl::StrCat("RunWithTimeout: could not acquire within ",
                       absl::FormatDuration(timeout))));
    }
    sync_internal::HeldPrimitive<P> held(primitive);
    if constexpr (std::is_void_v<Result>) {
      std::invoke(fn, std::forward<decltype(args)>(args)...);
      return Timed(absl::OkStatus());
    } else {
      return Timed(std::invoke(fn, std::forward<decltype(args)>(args)...));
    }
  };
}

}  // namespace multirun

#endif  // MULTIRUN_SYNC_RUN_WITH_H_
