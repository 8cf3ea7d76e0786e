// Copyright 2026 The multirun Authors.
//
// TimerQueue: run work on an executor after a delay or at a time.
//
// One timer thread per TimerQueue keeps the pending timers in a heap and
// sleeps until the earliest is due; it then hands the work to the timer's
// executor, so the work runs on the executor's threads, not on the timer
// thread (except over an InlineExecutor: keep such work short, it delays
// every later timer). Async retry's backoff and timeouts build on it. Most code
// uses the process-wide queue through the free functions ScheduleAfter() and
// ScheduleAt().
//
// Example:
//
//   multirun::ThreadPool pool({.workers = 4});
//   multirun::TimerQueue timers;
//   multirun::Future<int> later =
//       timers.ScheduleAfter(pool, absl::Milliseconds(50), [] { return 7; });
//   later.Cancel();  // the lambda never runs
//
// A timer returns the Future of its work, as Submit() does (same result
// rules: values, Status, StatusOr, flattened futures, exceptions become
// Unknown). Cancelling that future before the timer fires cancels the timer:
// the work never runs, and the future completes with Cancelled at once, not
// when the timer would have fired. Once the timer has fired, the work counts
// as started and Cancel() returns false. Destroying a TimerQueue completes the
// futures of its pending timers with Cancelled("TimerQueue destroyed before
// the timer fired").
//
// Clocks: a delay is measured on CLOCK_MONOTONIC. ScheduleAt() converts its
// wall-clock time into a delay when it is called, so a later step of the wall
// clock does not move the timer. Timers due at the same instant fire in the
// order they were scheduled.
//
// Thread-safety: every method may be called from any thread at once, also
// from the work of a timer; the destructor may not run concurrently with
// other calls.
//
// Memory ordering: what the scheduling thread wrote before ScheduleAfter() is
// visible to the work.

#ifndef MULTIRUN_FUTURES_TIMER_QUEUE_H_
#define MULTIRUN_FUTURES_TIMER_QUEUE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/executors/executor.h"
#include "multirun/futures/future.h"
#include "multirun/futures/internal/submit_task.h"
#include "multirun/futures/submit.h"
#include "multirun/sync/lock.h"

namespace multirun {

// Runs work on an executor after a delay (see the file comment).
class TimerQueue {
 public:
  // Starts the timer thread.
  TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;
  // Cancels the pending timers (their futures complete with Cancelled) and
  // stops the timer thread. Work already handed to its executor is not
  // affected.
  ~TimerQueue();

  // The process-wide queue used by the free functions; started on first use,
  // never destroyed.
  static TimerQueue& Default();

  // Runs fn(args...) on `executor` once `delay` has passed (at once for zero or
  // negative delays, still through the executor). Returns its future; see the
  // file comment. A null `fn` gives InvalidArgument, an infinite delay
  // InvalidArgument (the future could never complete otherwise). `executor`
  // must outlive the timer.
  template <typename F, typename... Args>
  SubmitFuture<F, Args...> ScheduleAfter(Executor& executor,
                                         absl::Duration delay, F&& fn,
                                         Args&&... args);

  // Runs fn(args...) on `executor` at wall-clock time `when` (at once if it has
  // passed). InfiniteFuture gives InvalidArgument.
  template <typename F, typename... Args>
  SubmitFuture<F, Args...> ScheduleAt(Executor& executor, absl::Time when,
                                      F&& fn, Args&&... args) {
    if (when == absl::InfiniteFuture()) {
      return MakeErrorFuture<typename SubmitFuture<F, Args...>::value_type>(
          absl::InvalidArgumentError("ScheduleAt: InfiniteFuture never comes"));
    }
    return ScheduleAfter(executor, when - absl::Now(), std::forward<F>(fn),
                         std::forward<Args>(args)...);
  }

  // Timers not yet fired (cancelled ones included until their due time or
  // until the queue next wakes).
  size_t pending() const;

 private:
  struct Timer {
    int64_t due_ns;     // CLOCK_MONOTONIC
    uint64_t sequence;  // FIFO among equal due times
    // Hands the work to its executor; destroyed without running when the
    // queue is destroyed first.
    absl::AnyInvocable<void()> fire;
    // Whether the timer's future has been completed (cancelled): skip it.
    std::shared_ptr<futures_internal::StateBase> state;
  };
  struct Later {
    bool operator()(const Timer& a, const Timer& b) const {
      return a.due_ns != b.due_ns ? a.due_ns > b.due_ns
                                  : a.sequence > b.sequence;
    }
  };

  void Add(absl::Duration delay, absl::AnyInvocable<void()> fire,
           std::shared_ptr<futures_internal::StateBase> state);
  void Loop();

  mutable Lock lock_;
  std::vector<Timer> heap_ ABSL_GUARDED_BY(lock_);
  uint64_t next_sequence_ ABSL_GUARDED_BY(lock_) = 0;
  bool stopping_ ABSL_GUARDED_BY(lock_) = false;
  // Bumped when the earliest due time changes or the queue stops; the timer
  // thread sleeps on it (futex).
  std::atomic<uint32_t> wake_{0};
  std::thread thread_;
};

template <typename F, typename... Args>
SubmitFuture<F, Args...> TimerQueue::ScheduleAfter(Executor& executor,
                                                   absl::Duration delay, F&& fn,
                                                   Args&&... args) {
  using Out = SubmitFuture<F, Args...>;
  using T = typename Out::value_type;
  if (base_internal::IsNullCallable(fn)) {
    return MakeErrorFuture<T>(
        absl::InvalidArgumentError("ScheduleAfter: null callable"));
  }
  if (delay == absl::InfiniteDuration()) {
    return MakeErrorFuture<T>(
        absl::InvalidArgumentError("ScheduleAfter: infinite delay"));
  }
  Promise<T> promise;
  Out future = promise.GetFuture();
  auto state = futures_internal::FutureAccess::StateOf(promise);
  auto task = futures_internal::MakeSubmitTask(
      std::move(promise), std::forward<F>(fn), std::forward<Args>(args)...);
  Add(
      delay,
      [executor = &executor, task = std::move(task), state]() mutable {
        futures_internal::ScheduleOrFail(*executor, std::move(task), *state)
            .IgnoreError();  // The future carries the failure.
      },
      state);
  return future;
}

// TimerQueue::Default().ScheduleAfter(...).
template <typename F, typename... Args>
SubmitFuture<F, Args...> ScheduleAfter(Executor& executor, absl::Duration delay,
                                       F&& fn, Args&&... args) {
  return TimerQueue::Default().ScheduleAfter(
      executor, delay, std::forward<F>(fn), std::forward<Args>(args)...);
}

// TimerQueue::Default().ScheduleAt(...).
template <typename F, typename... Args>
SubmitFuture<F, Args...> ScheduleAt(Executor& executor, absl::Time when, F&& fn,
                                    Args&&... args) {
  return TimerQueue::Default().ScheduleAt(executor, when, std::forward<F>(fn),
                                          std::forward<Args>(args)...);
}

}  // namespace multirun

#endif  // MULTIRUN_FUTURES_TIMER_QUEUE_H_
