// Copyright 2026 The multirun Authors.
//
// One asynchronous retry call (RetryAsync, RunAsync): its attempts, their
// timeouts and backoff timers, and cancellation. Users must not depend on it;
// include retry/retry_async.h.
//
// How a call runs. The first attempt is a task on the executor; each later
// one is started by a backoff timer of the TimerQueue, which schedules it on
// the executor. An attempt whose callable returns a Future ends when that
// future completes; its completion callback hands the result back to the
// executor, so hooks and the next step never run on the thread that completed
// the attempt. A per-attempt timeout is a second timer, whose callback runs on
// the timer thread (it only flips state and hands work on). The attempt's
// result, its timeout and a Cancel() race to end it; the winner is decided
// under the call's lock (resolved_), and the losers' results are dropped.

#ifndef MULTIRUN_RETRY_INTERNAL_ASYNC_CALL_H_
#define MULTIRUN_RETRY_INTERNAL_ASYNC_CALL_H_

#include <atomic>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "multirun/base/invoke.h"
#include "multirun/executors/executor.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/futures/future.h"
#include "multirun/futures/timer_queue.h"
#include "multirun/retry/internal/retry_core.h"
#include "multirun/retry/internal/retry_loop.h"
#include "multirun/retry/retrier.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace retry_internal {

// The timer callbacks only flip state and hand work to the executor: they
// run on the timer thread itself.
inline Executor& TimerThreadExecutor() {
  static InlineExecutor* const executor = new InlineExecutor();
  return *executor;
}

// One asynchronous call: its attempts run one after another, each started by
// the executor (first) or a backoff timer (later).
template <typename T, typename F>
class AsyncCall : public std::enable_shared_from_this<AsyncCall<T, F>> {
 public:
  using Result = FutureResult<T>;
  using R = std::invoke_result_t<F&>;

  // `timers` null: TimerQueue::Default().
  AsyncCall(Executor& executor, std::shared_ptr<RetryCore> core,
            std::shared_ptr<const Hooks<T>> hooks, F fn,
            absl::Duration attempt_timeout, TimerQueue* timers)
      : executor_(&executor),
        timers_(timers != nullptr ? timers : &TimerQueue::Default()),
        core_(std::move(core)),
        hooks_(std::move(hooks)),
        fn_(std::move(fn)),
        timeout_(attempt_timeout) {}

  // A call that Finish never completed ended in Cancelled (by Cancel(), or
  // "promise abandoned" when the executor dropped a step): a give-up, unless
  // Start's completion callback already counted it. (That callback cannot
  // when Cancel() claims the promise, a step then sees it completed and drops
  // the last reference, all before the callback runs.)
  ~AsyncCall() {
    if (!finishing_.load(std::memory_order_acquire)) CountGiveUp();
  }

  Future<T> Start() {
    Future<T> future = promise_.GetFuture();
    core_->BeginCall(call_);
    // Cancel() of the future (or its completion) stops the timers.
    std::weak_ptr<AsyncCall> weak = this->weak_from_this();
    future.OnReady([weak] {
      auto self = weak.lock();
      if (self == nullptr) return;
      // Not completed by Finish: the consumer cancelled the call. (When
      // Finish is under way, it counts the give-up if its Set loses.)
      if (!self->finishing_.load(std::memory_order_acquire)) {
        self->CountGiveUp();
      }
      self->Stop();
    });
    absl::Status scheduled = executor_->Schedule(
        [self = this->shared_from_this()] { self->RunAttempt(); });
    if (!scheduled.ok()) Finish(Result(std::move(scheduled)));
    return future;
  }

 private:
  // On the executor: starts the next attempt.
  void RunAttempt() {
    if (promise_.IsCompleted()) return;  // cancelled
    if (absl::Status s = StartAttempt(hooks_.get(), call_); !s.ok()) {
      Finish(Result(std::move(s)));
      return;
    }
    const int attempt = call_.attempt;
    {
      LockHolder hold(lock_);
      current_ = attempt;
      resolved_ = false;
      ready_unstored_ = false;
    }
    if (timeout_ != absl::InfiniteDuration()) {
      std::weak_ptr<AsyncCall> weak = this->weak_from_this();
      Future<void> timer = timers_->ScheduleAfter(TimerThreadExecutor(),
                                                  timeout_, [weak, attempt] {
                                                    if (auto self = weak.lock())
                                                      self->TimedOut(attempt);
                                                  });
      LockHolder hold(lock_);
      timeout_timer_ = std::move(timer);
    }
    if constexpr (base_internal::kIsFuture<std::remove_cvref_t<R>>) {
      Future<T> inner;
      try {
        inner = fn_();
      } catch (...) {
        Resolve(attempt, Result(base_internal::StatusFromCurrentException()));
        return;
      }
      if (!inner.valid()) {
        Resolve(attempt, Result(absl::FailedPreconditionError(
                             "RetryAsync: the callable returned an invalid "
                             "Future")));
        return;
      }
      // The callback keeps this call alive until it runs (the attempt's
      // future always completes: by itself, or cancelled by the timeout or
      // by Cancel()). It may run at once, before `inner` is stored below:
      // AttemptReady then leaves a mark that the store picks up.
      inner.OnReady([self = this->shared_from_this(), attempt] {
        self->AttemptReady(attempt);
      });
      bool abandoned;
      bool ready_before_stored = false;
      {
        LockHolder hold(lock_);
        abandoned = resolved_ && current_ == attempt;
        if (!abandoned) {
          attempt_future_ = std::move(inner);
          ready_before_stored = std::exchange(ready_unstored_, false);
        }
      }
      if (abandoned) inner.Cancel();  // timed out before it was stored
      if (ready_before_stored) {
        AttemptReady(attempt);
        return;
      }
      // Cancelled before it was stored: Stop() found no attempt to abandon.
      // (Either Stop() takes lock_ after the store and cancels it, or the
      // promise was completed before Stop() ran and this check sees it.)
      if (!abandoned && promise_.IsCompleted()) Stop();
    } else {
      Resolve(attempt, InvokeAttempt<T>(fn_));
    }
  }

  // Attempt `attempt` ended with `result` (a late result is dropped).
  void Resolve(int attempt, Result result) {
    if (Claim(attempt)) Process(std::move(result));
  }

  // The future of attempt `attempt` completed: unless its timeout or a
  // cancellation ended the attempt first, its result goes to the executor.
  // Before the future is stored, only leaves a mark for the store.
  void AttemptReady(int attempt) {
    Future<void> timer;
    Future<T> finished;
    {
      LockHolder hold(lock_);
      if (attempt != current_ || resolved_) return;
      if (!attempt_future_.valid()) {
        ready_unstored_ = true;
        return;
      }
      resolved_ = true;
      timer = std::move(timeout_timer_);
      finished = std::move(attempt_future_);
    }
    timer.Cancel();
    // Hooks and the next step run on the executor, not on the thread that
    // completed the attempt's future. The future is ready: Get() does not
    // block.
    ProcessOnExecutor(std::move(finished).Get());
  }

  // Wins the right to end attempt `attempt` (against its timeout, a late
  // result, and cancellation), and stops its timeout timer.
  bool Claim(int attempt) {
    Future<void> timer;
    Future<T> finished;
    {
      LockHolder hold(lock_);
      if (attempt != current_ || resolved_) return false;
      resolved_ = true;
      timer = std::move(timeout_timer_);
      finished = std::move(attempt_future_);
    }
    timer.Cancel();
    return true;
  }

  void ProcessOnExecutor(Result result) {
    absl::Status scheduled =
        executor_->Schedule([self = this->shared_from_this(),
                             result = std::move(result)]() mutable {
          self->Process(std::move(result));
        });
    if (!scheduled.ok()) Finish(Result(std::move(scheduled)));
  }

  // On the timer thread: attempt `attempt` ran out of time.
  void TimedOut(int attempt) {
    Future<T> abandoned;
    {
      LockHolder hold(lock_);
      if (attempt != current_ || resolved_) return;
      resolved_ = true;
      abandoned = std::move(attempt_future_);
    }
    abandoned.Cancel();  // kills a ForkExecutor child
    ProcessOnExecutor(Result(absl::DeadlineExceededError(
        absl::StrCat("attempt ", attempt, " timed out after ",
                     absl::FormatDuration(timeout_)))));
  }

  // After an attempt: finish, or schedule the next one after the backoff.
  void Process(Result result) {
    if (promise_.IsCompleted()) return;  // cancelled meanwhile
    absl::Duration delay;
    if (std::optional<Result> done = FinishAttempt(*core_, hooks_.get(), call_,
                                                   std::move(result), &delay)) {
      Finish(*std::move(done));
      return;
    }
    core_->RecordRetry(call_, delay);
    Future<void> timer = timers_->ScheduleAfter(
        *executor_, delay,
        [self = this->shared_from_this()] { self->RunAttempt(); });
    {
      LockHolder hold(lock_);
      backoff_timer_ = std::move(timer);
    }
    if (promise_.IsCompleted()) Stop();  // cancelled while scheduling
  }

  // Completes the call with `result`. A failure is counted as a give-up
  // before the promise is set (a consumer woken by it sees the count), and so
  // is losing the race to Cancel() (the consumer then gets Cancelled).
  void Finish(Result result) {
    finishing_.store(true, std::memory_order_release);
    if (!result.ok()) CountGiveUp();
    if (!promise_.Set(std::move(result))) CountGiveUp();
  }

  // Counts this call's give-up once, whoever of Finish, Start's completion
  // callback and the destructor gets there first.
  void CountGiveUp() {
    if (!give_up_counted_.exchange(true, std::memory_order_acq_rel)) {
      core_->RecordGiveUp();
    }
  }

  // The future completed (cancelled, or finished): stop the timers and
  // abandon the attempt in flight.
  void Stop() {
    Future<void> backoff, timeout;
    Future<T> attempt;
    {
      LockHolder hold(lock_);
      backoff = std::move(backoff_timer_);
      timeout = std::move(timeout_timer_);
      attempt = std::move(attempt_future_);
    }
    backoff.Cancel();
    timeout.Cancel();
    attempt.Cancel();
  }

  Executor* const executor_;
  TimerQueue* const timers_;
  const std::shared_ptr<RetryCore> core_;
  const std::shared_ptr<const Hooks<T>> hooks_;
  F fn_;
  const absl::Duration timeout_;
  Promise<T> promise_;
  // Set by Finish before it completes the promise; a completion seen without
  // it is a Cancel().
  std::atomic<bool> finishing_{false};
  // Claimed by whoever counts the call's give-up (CountGiveUp).
  std::atomic<bool> give_up_counted_{false};
  // Touched only by the step that runs now (steps hand over through the
  // executor and the timers, which order them).
  CallState call_;

  Lock lock_;
  int current_ ABSL_GUARDED_BY(lock_) = 0;
  bool resolved_ ABSL_GUARDED_BY(lock_) = true;
  Future<T> attempt_future_ ABSL_GUARDED_BY(lock_);
  // The current attempt's future completed before it was stored.
  bool ready_unstored_ ABSL_GUARDED_BY(lock_) = false;
  Future<void> timeout_timer_ ABSL_GUARDED_BY(lock_);
  Future<void> backoff_timer_ ABSL_GUARDED_BY(lock_);
};

// RetryAsync and RunAsync: validates, then starts the call. `timers` null:
// TimerQueue::Default().
template <typename T, typename F>
Future<T> StartAsync(Executor& executor, std::shared_ptr<RetryCore> core,
                     std::shared_ptr<const Hooks<T>> hooks, F fn,
                     absl::Duration attempt_timeout, TimerQueue* timers) {
  if (!core->status().ok()) return MakeErrorFuture<T>(core->status());
  if (hooks != nullptr && !hooks->error.ok()) {
    return MakeErrorFuture<T>(hooks->error);
  }
  if (base_internal::IsNullCallable(fn)) {
    return MakeErrorFuture<T>(
        absl::InvalidArgumentError("RetryAsync: null callable"));
  }
  if (attempt_timeout <= absl::ZeroDuration()) {
    return MakeErrorFuture<T>(absl::InvalidArgumentError(
        absl::StrCat("RetryAsync: the attempt timeout must be > 0, got ",
                     absl::FormatDuration(attempt_timeout))));
  }
  auto call = std::make_shared<AsyncCall<T, F>>(executor, std::move(core),
                                                std::move(hooks), std::move(fn),
                                                attempt_timeout, timers);
  return call->Start();
}

// A Retrier's policy core and hooks, for RunAsync.
struct RetrierAccess {
  template <typename T>
  static const std::shared_ptr<RetryCore>& Core(const Retrier<T>& retrier) {
    return retrier.core_;
  }
  template <typename T>
  static const std::shared_ptr<Hooks<T>>& HooksOf(const Retrier<T>& retrier) {
    return retrier.hooks_;
  }
};

}  // namespace retry_internal
}  // namespace multirun

#endif  // MULTIRUN_RETRY_INTERNAL_ASYNC_CALL_H_
