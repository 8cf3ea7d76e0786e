// Copyright 2026 The multirun Authors.
//
// Future and Promise: the one currency of asynchronous results in multirun.
//
// A Promise<T> is the producer's end: whoever does the work sets its result
// once. A Future<T> is the consumer's end: it can be waited on (Get(),
// WaitFor(), WaitUntil()), polled (IsReady()), chained (Then()), cancelled
// before the work starts (Cancel()), combined (WhenAll / WhenAny in when.h),
// and awaited from a C++20 coroutine (`co_await std::move(future)`, see
// task.h).
//
// A result is an absl::StatusOr<T>, or an absl::Status for Future<void>:
// failures travel in the same channel as values. Every future completes
// exactly once:
//   - with the value or error its promise sets;
//   - with Cancelled, when Cancel() wins before the work starts (the work then
//     never runs);
//   - with Cancelled("promise abandoned") when its promise is destroyed without
//     a result (or with the reason its executor gave, for example
//     "cancelled by ThreadPool::ShutdownNow"): a future never hangs because
//     its producer went away.
//
// Futures are move-only: one consumer owns the result. Get() on an lvalue
// copies the result (and can be called again); `std::move(f).Get()` moves it
// out (for move-only T). Then() consumes the future.
//
// Example:
//
//   multirun::Promise<int> promise;
//   multirun::Future<int> future = promise.GetFuture();
//   std::thread producer([p = std::move(promise)]() mutable { p.Set(42); });
//   absl::StatusOr<int> answer = future.Get();  // 42
//   producer.join();
//
//   multirun::ThreadPool pool({.workers = 4});
//   multirun::Future<std::string> greeting =
//       multirun::Submit(pool, [] { return 6 * 7; })
//           .Then(pool, [](int n) { return absl::StrCat("answer ", n); });
//   if (greeting.WaitFor(absl::Seconds(1))) {
//     absl::StatusOr<std::string> text = greeting.Get();
//   }
//
// Waits that help. Get(), Wait(), WaitFor() and WaitUntil() called on a
// worker of a ThreadPool (inside one of its tasks, a Strand's task over it
// included) do not block the worker: while the result is not ready, the
// worker runs the pool's pending tasks (its own first, then those of other
// workers and from outside), so fork-join code written with Submit() and
// Get() runs at any nesting depth on any number of workers, one included.
// With nothing to run, an untimed wait sleeps until the result is ready or
// new work arrives; a timed one sleeps until the result or the deadline, and
// takes no task once the deadline has passed. A task the wait runs finishes
// before the wait returns, so any wait on a worker can return later than
// its result by up to one task's time (WaitFor(absl::ZeroDuration()) never
// runs one). Helping nests (a helped task may wait and help in turn); below
// 512 KiB of stack left, a helped task runs on a fresh 2 MiB stack segment,
// so nesting never overflows the stack. A task run by helping must not
// block on the waiting task (a lock it holds across the wait, or something
// it does after the wait): see ThreadPool's "Waiting inside a task", and
// ThreadPool::Options::wait_helps to turn helping off. On any other thread a
// wait sleeps and runs nothing, except the continuations that nested inline
// runs queued on that thread (see InlineExecutor).
//
// Continuations at any length. A future's callbacks run on the completing
// thread, and a Then() on an InlineExecutor runs inline: beyond 32 nested
// levels, each further one runs on the same thread once the outer ones have
// returned, so a chain of a million links completed at once runs in bounded
// stack on every executor.
//
// Thread-safety: a Promise and a Future are each used by one thread at a
// time (move them to hand them over); the producer and the consumer may run
// on different threads at once. Set(), Cancel() and a completing executor
// may race: exactly one of them completes the future.
//
// Memory ordering: everything the producer wrote before setting the result
// is visible to a consumer that sees the future ready (Get, IsReady() ==
// true, a Then continuation, a resumed coroutine).
//
// Defines FutureResult<T>, Promise<T>, Future<T>, ScheduleCompleting(),
// CurrentOrigin(), MakeReadyFuture() and MakeErrorFuture<T>().

#ifndef MULTIRUN_FUTURES_FUTURE_H_
#define MULTIRUN_FUTURES_FUTURE_H_

#include <coroutine>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "multirun/base/deadline.h"
#include "multirun/base/drop_reason.h"
#include "multirun/base/invoke.h"
#include "multirun/base/status_message.h"
#include "multirun/executors/executor.h"
#include "multirun/futures/internal/continuation.h"
#include "multirun/futures/internal/future_state.h"

namespace multirun {

// What a Future<T> delivers: absl::StatusOr<T>, or absl::Status for T = void.
template <typename T>
using FutureResult = typename base_internal::ResultFor<T>::type;

template <typename T>
class Future;

namespace futures_internal {
struct FutureAccess;  // Below.
}  // namespace futures_internal

// In a continuation (the function given to Future::Then()), the origin the
// producer of the completed future attached (Promise::SetOrigin(): for a
// Cluster's future, the rank that ran the task); -1 when it attached none,
// and outside a continuation.
int32_t CurrentOrigin();

// The producer's end of a future (see the file comment).
template <typename T>
class Promise {
 public:
  using Result = FutureResult<T>;

  Promise() : state_(std::make_shared<futures_internal::State<T>>()) {}
  Promise(Promise&&) noexcept = default;
  Promise& operator=(Promise&& other) noexcept {
    if (this != &other) {
      Abandon();
      state_ = std::move(other.state_);
      future_taken_ = other.future_taken_;
    }
    return *this;
  }
  Promise(const Promise&) = delete;
  Promise& operator=(const Promise&) = delete;

  // A promise destroyed without a result completes its future with
  // Cancelled("promise abandoned"), or the reason its executor gave.
  ~Promise() { Abandon(); }

  // The future of this promise. The first call returns it; later calls return
  // a future that is already failed with FailedPrecondition.
  Future<T> GetFuture();

  // Sets the result: a value (T), or for Promise<void> an OK status; an error
  // status sets an error. Returns false, and drops the argument, when the
  // result was already set or the future was cancelled. Never blocks; runs the
  // future's callbacks (continuations scheduled by Then, resumed coroutines
  // awaiting inline) on this thread.
  bool Set(Result result) {
    if (state_ == nullptr) return false;
    return state_->Complete(std::move(result));
  }
  template <typename U = T>
  requires(!std::is_void_v<U>) bool SetValue(U&& value) {
    return Set(Result(std::forward<U>(value)));
  }
  // Sets an error. An OK `status` is a caller bug and sets Internal.
  bool SetError(absl::Status status) {
    return Set(
        Result(base_internal::ErrorOrInternal(std::move(status), "SetError")));
  }

  // Says where the result comes from, for the future's continuations to read
  // with CurrentOrigin(): a number the producer defines (a Cluster sets the
  // rank that ran the task). Call before Set() / SetError(). No effect on a
  // moved-from promise.
  void SetOrigin(int32_t origin) const {
    if (state_ != nullptr) state_->set_origin(origin);
  }

  // For the code that runs the work: marks it as started, after which
  // Cancel() no longer stops it. Returns false when the future was cancelled
  // (or the result was set): the work must then not run.
  bool TryStart() { return state_ != nullptr && state_->TryStart(); }

  // Whether the result has been set or cancelled (the work need not run).
  bool IsCompleted() const { return state_ == nullptr || state_->IsClaimed(); }

  // Calls `callback` once the future of this promise completes: set,
  // cancelled or abandoned. See Future::OnReady. No effect on a moved-from
  // promise.
  void OnReady(absl::AnyInvocable<void()> callback) const {
    if (state_ != nullptr) state_->OnReady(std::move(callback));
  }

 private:
  friend struct futures_internal::FutureAccess;

  void Abandon() {
    if (state_ != nullptr && !state_->IsClaimed() &&
        !base_internal::DeferAbandon(state_.get())) {
      state_->Complete(Result(base_internal::AbandonedStatus()));
    }
  }

  std::shared_ptr<futures_internal::State<T>> state_;
  bool future_taken_ = false;
};

// The consumer's end: a result that is not there yet (see the file comment).
template <typename T>
class Future {
 public:
  using Result = FutureResult<T>;
  using value_type = T;

  // An invalid future (valid() is false); Get() on it returns
  // FailedPrecondition.
  Future() = default;
  Future(Future&&) noexcept = default;
  Future& operator=(Future&&) noexcept = default;
  Future(const Future&) = delete;
  Future& operator=(const Future&) = delete;

  // Whether this future refers to a result (false when default-constructed or
  // moved from, for example by Then()).
  bool valid() const { return state_ != nullptr; }

  // Whether the result is available. Never blocks.
  bool IsReady() const { return state_ != nullptr && state_->IsReady(); }

  // Blocks until the result is available (on a pool worker, running the
  // pool's work meanwhile: see "Waits that help") and returns a copy of it.
  // Can be called again. FailedPrecondition for an invalid future.
  Result Get() const& {
    if (state_ == nullptr) return Invalid();
    state_->Wait(base_internal::Deadline::Never());
    return state_->result();
  }
  // Blocks until the result is available and moves it out; the future is
  // invalid afterwards.
  Result Get() && {
    if (state_ == nullptr) return Invalid();
    state_->Wait(base_internal::Deadline::Never());
    auto state = std::move(state_);
    return std::move(state->result());
  }

  // Blocks until the result is available.
  void Wait() const {
    if (state_ != nullptr) state_->Wait(base_internal::Deadline::Never());
  }
  // Blocks until the result is available or `timeout` has passed (monotonic
  // clock). Returns whether it is available; false at once for an invalid
  // future.
  bool WaitFor(absl::Duration timeout) const {
    return state_ != nullptr &&
           state_->Wait(base_internal::Deadline::After(timeout));
  }
  // Blocks until the result is available or the wall clock reaches
  // `deadline`. Returns whether it is available.
  bool WaitUntil(absl::Time deadline) const {
    return state_ != nullptr &&
           state_->Wait(base_internal::Deadline::At(deadline));
  }

  // Completes the future with Cancelled if its work has not started; the work
  // then never runs. Returns whether it did; false when the work already
  // started or the result is set. Continuations chained before see the
  // Cancelled result. Never blocks.
  bool Cancel() {
    if (state_ == nullptr || !state_->TryClaimUnstarted()) return false;
    state_->SetClaimed(Result(absl::CancelledError("future cancelled")));
    return true;
  }

  // Calls `callback` once the result is available: at once on this thread
  // when it already is, otherwise on the thread that completes the future
  // (a producer's Set(), a Cancel(), an abandoned promise). Does not consume
  // the future: Get() still returns the result. The callback must not block;
  // it is for hand-offs such as waking a waiter or scheduling follow-up work.
  // No effect on an invalid future.
  void OnReady(absl::AnyInvocable<void()> callback) const {
    if (state_ != nullptr) state_->OnReady(std::move(callback));
  }

  // Runs `fn` on `executor` once this future's result is available, and
  // returns the future of what `fn` returns. Consumes this future.
  //
  // `fn` takes the whole result (FutureResult<T>) when it can be called with
  // it, and is then always called; otherwise it takes the value (T, or
  // nothing for void) and is called only on success, an error passing through
  // to the returned future unchanged. `fn` may return void, a value, an
  // absl::Status, an absl::StatusOr<U> or a Future<U> (the returned future
  // then completes with that future's result). An exception from `fn` becomes
  // Unknown("<type>: <what>"). If `executor` rejects the continuation, the
  // returned future completes with the executor's error. Cancelling the
  // returned future before `fn` starts stops `fn` from running (this future's
  // work is not stopped). `executor` must outlive the continuation.
  template <typename F>
  auto Then(Executor& executor, F fn) && -> futures_internal::FutureFor<
      typename futures_internal::ContinuationReturn<F, T>::type>;

  // C++20 coroutine support: `co_await std::move(future)` suspends until the
  // result is available and gives the result (FutureResult<T>). The coroutine
  // resumes on the thread that completed the future (see task.h's ResumeOn to
  // move it). `co_await future` on an lvalue copies the result.
  auto operator co_await() && { return Awaiter<true>{std::move(state_)}; }
  auto operator co_await() & { return Awaiter<false>{state_}; }

 private:
  friend class Promise<T>;
  friend struct futures_internal::FutureAccess;

  template <bool kMove>
  struct Awaiter {
    std::shared_ptr<futures_internal::State<T>> state;
    bool await_ready() const { return state == nullptr || state->IsReady(); }
    void await_suspend(std::coroutine_handle<> handle) {
      state->OnReady([handle] { handle.resume(); });
    }
    Result await_resume() {
      if (state == nullptr) return Invalid();
      if constexpr (kMove) {
        return std::move(state->result());
      } else {
        return state->result();
      }
    }
  };

  explicit Future(std::shared_ptr<futures_internal::State<T>> state)
      : state_(std::move(state)) {}

  static Result Invalid() {
    return Result(absl::FailedPreconditionError(
        "Future: no result (default-constructed or moved from)"));
  }

  std::shared_ptr<futures_internal::State<T>> state_;
};

namespace futures_internal {

// Access to the shared state for the library's own combinators.
struct FutureAccess {
  template <typename T>
  static const std::shared_ptr<State<T>>& StateOf(const Future<T>& future) {
    return future.state_;
  }
  template <typename T>
  static std::shared_ptr<State<T>> TakeState(Future<T>&& future) {
    return std::move(future.state_);
  }
  template <typename T>
  static const std::shared_ptr<State<T>>& StateOf(const Promise<T>& promise) {
    return promise.state_;
  }
  template <typename T>
  static Future<T> Make(std::shared_ptr<State<T>> state) {
    return Future<T>(std::move(state));
  }
};

// Completes `promise` with the result of `future` once it is available.
template <typename T>
void Forward(Future<T> future, Promise<T> promise) {
  if (!future.valid()) {
    promise.SetError(absl::FailedPreconditionError(
        "a continuation returned an invalid Future"));
    return;
  }
  auto state = FutureAccess::TakeState(std::move(future));
  State<T>* raw = state.get();
  raw->OnReady(
      [state = std::move(state), promise = std::move(promise)]() mutable {
        promise.Set(std::move(state->result()));
      });
}

// Calls fn(args...) and completes `promise` with what it returns, flattening a
// returned Future.
template <typename T, typename F, typename... Args>
void InvokeInto(Promise<T>& promise, F&& fn, Args&&... args) {
  using R = std::invoke_result_t<F, Args...>;
  if constexpr (base_internal::kIsFuture<R>) {
    R inner;
    try {
      inner = std::invoke(std::forward<F>(fn), std::forward<Args>(args)...);
    } catch (...) {
      promise.Set(FutureResult<T>(base_internal::StatusFromCurrentException()));
      return;
    }
    Forward(std::move(inner), std::move(promise));
  } else {
    promise.Set(base_internal::InvokeToResult(std::forward<F>(fn),
                                              std::forward<Args>(args)...));
  }
}

// Schedules `task` on `executor`; when the executor rejects it, completes
// `state` (the promise the task would have completed) with the rejection.
// The caller keeps `state` alive across the call (the task may be destroyed
// inside it).
template <typename U>
absl::Status ScheduleOrFail(Executor& executor, absl::AnyInvocable<void()> task,
                            State<U>& state) {
  base_internal::ScopedAbandonWatch watch(&state);
  absl::Status status = executor.Schedule(std::move(task));
  if (watch.abandoned()) {
    state.Complete(FutureResult<U>(
        status.ok()
            ? base_internal::AbandonedStatus()
            : base_internal::WithMessage(
                  status, absl::StrCat("task rejected: ", status.message()))));
  }
  return status;
}

}  // namespace futures_internal

// Hands `task`, which owns the promise of `future` and completes it, to
// `executor`. If the executor rejects the task, `future` completes with
// "task rejected: <the executor's error>" (same code); if the executor drops
// it later without running it (ThreadPool::ShutdownNow), with the reason the
// executor gives. Without this, a dropped task's future would only say
// Cancelled("promise abandoned"). Returns what Executor::Schedule returned,
// or InvalidArgument (without scheduling `task`) for an invalid `future`.
// `future` must stay alive during the call.
//
// Example (an executor-agnostic Submit):
//
//   multirun::Promise<int> promise;
//   multirun::Future<int> future = promise.GetFuture();
//   absl::Status scheduled = multirun::ScheduleCompleting(
//       pool, future, [p = std::move(promise)]() mutable { p.Set(42); });
template <typename T>
absl::Status ScheduleCompleting(Executor& executor, const Future<T>& future,
                                absl::AnyInvocable<void()> task) {
  if (!future.valid()) {
    return absl::InvalidArgumentError(
        "ScheduleCompleting: invalid future (default-constructed or moved "
        "from)");
  }
  auto& state = *futures_internal::FutureAccess::StateOf(future);
  return futures_internal::ScheduleOrFail(executor, std::move(task), state);
}

template <typename T>
Future<T> Promise<T>::GetFuture() {
  if (state_ == nullptr || future_taken_) {
    auto failed = std::make_shared<futures_internal::State<T>>();
    failed->Complete(Result(absl::FailedPreconditionError(
        "Promise::GetFuture called twice, or on a moved-from promise")));
    return Future<T>(std::move(failed));
  }
  future_taken_ = true;
  return Future<T>(state_);
}

template <typename T>
template <typename F>
auto Future<T>::Then(Executor& executor, F fn) && -> futures_internal::
    FutureFor<typename futures_internal::ContinuationReturn<F, T>::type> {
  using R = typename futures_internal::ContinuationReturn<F, T>::type;
  using U = typename base_internal::ValueOf<R>::type;
  Promise<U> next;
  Future<U> out = next.GetFuture();
  if (state_ == nullptr) {
    next.SetError(absl::FailedPreconditionError(
        "Future::Then: no result (default-constructed or moved from)"));
    return out;
  }
  if (base_internal::IsNullCallable(fn)) {
    next.Set(
        FutureResult<U>(absl::InvalidArgumentError("Then: null callable")));
    return out;
  }
  auto state = std::move(state_);
  futures_internal::State<T>* raw = state.get();
  raw->OnReady([state = std::move(state), executor = &executor,
                fn = std::move(fn), next = std::move(next)]() mutable {
    if (next.IsCompleted()) return;  // cancelled: skip the hand-off
    auto next_state = futures_internal::FutureAccess::StateOf(next);
    futures_internal::ScheduleOrFail(
        *executor,
        [state = std::move(state), fn = std::move(fn),
         next = std::move(next)]() mutable {
          if (!next.TryStart()) return;
          futures_internal::ScopedOrigin origin(state->origin());
          FutureResult<T>& result = state->result();
          if constexpr (futures_internal::kTakesResult<F, T>) {
            futures_internal::InvokeInto(next, fn, std::move(result));
          } else if (!result.ok()) {
            if constexpr (std::is_void_v<T>) {
              next.Set(FutureResult<U>(std::move(result)));
            } else {
              next.Set(FutureResult<U>(std::move(result).status()));
            }
          } else if constexpr (std::is_void_v<T>) {
            futures_internal::InvokeInto(next, fn);
          } else {
            futures_internal::InvokeInto(next, fn, *std::move(result));
          }
        },
        *next_state)
        .IgnoreError();  // The future carries the failure.
  });
  return out;
}

// A future that is already complete with `value`.
template <typename T>
Future<std::decay_t<T>> MakeReadyFuture(T&& value) {
  Promise<std::decay_t<T>> promise;
  Future<std::decay_t<T>> future = promise.GetFuture();
  promise.SetValue(std::forward<T>(value));
  return future;
}
inline Future<void> MakeReadyFuture() {
  Promise<void> promise;
  Future<void> future = promise.GetFuture();
  promise.Set(absl::OkStatus());
  return future;
}

// A future that is already complete with the error `status` (an OK status
// gives Internal).
template <typename T>
Future<T> MakeErrorFuture(absl::Status status) {
  Promise<T> promise;
  Future<T> future = promise.GetFuture();
  promise.SetError(std::move(status));
  return future;
}

}  // namespace multirun

#endif  // MULTIRUN_FUTURES_FUTURE_H_
