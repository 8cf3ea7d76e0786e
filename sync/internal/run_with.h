// Copyright 2026 The multirun Authors.
//
// The callables RunWith, RunWithTimeout and RunWithRepair return, and the
// acquire-call-release steps they share with Guarded::WithLockFor. Users must
// not depend on them; include sync/run_with.h.

#ifndef MULTIRUN_SYNC_INTERNAL_RUN_WITH_H_
#define MULTIRUN_SYNC_INTERNAL_RUN_WITH_H_

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
namespace sync_internal {

// BasicLockable plus a timed acquire that returns whether it acquired.
template <typename P>
concept LockablePrimitive = requires(P& p, absl::Duration timeout) {
  p.lock();
  p.unlock();
  { p.AcquireFor(timeout) } -> std::convertible_to<bool>;
};

// A primitive whose acquire returns a status (RobustLock): Acquire() and
// AcquireFor(timeout) return OK (held), DataLoss (held, but the protected state
// needs repair and then MarkConsistent()), or another error (not held).
template <typename P>
concept StatusPrimitive = requires(P& p, absl::Duration timeout) {
  { p.Acquire() } -> std::same_as<absl::Status>;
  { p.AcquireFor(timeout) } -> std::same_as<absl::Status>;
  { p.MarkConsistent() } -> std::same_as<absl::Status>;
  p.unlock();
};

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

// The result type of a call that may fail to acquire, for fn returning R:
// absl::Status for void and absl::Status, absl::StatusOr<U> for
// absl::StatusOr<U>, absl::StatusOr<R> otherwise.
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

// A StatusPrimitive's acquire returned `acquired`, not OK. If that is the
// owner-died DataLoss, the primitive is held with a state nobody repaired:
// releases it so (which makes it unrecoverable) and says so. Returns the status
// for the caller of `who`.
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

// Acquires `primitive` within `timeout` (monotonic clock), calls `fn(args...)`
// and releases it, returning fn's result as TimedResult says; or returns
// DeadlineExceeded naming `who` (or, for a StatusPrimitive, the failed
// acquire's status) without calling fn. Shared by RunWithTimeout, RunWith on a
// StatusPrimitive, and Guarded::WithLockFor.
template <typename P, typename F, typename... Args>
auto InvokeWithin(P& primitive, absl::Duration timeout, absl::string_view who,
                  F&& fn, Args&&... args) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  using Result = std::invoke_result_t<F&&, Args&&...>;
  using Timed = typename TimedResult<std::decay_t<Result>>::type;
  if constexpr (StatusPrimitive<P>) {
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
// for a StatusPrimitive). `who` names it in messages.
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
}  // namespace multirun

#endif  // MULTIRUN_SYNC_INTERNAL_RUN_WITH_H_
