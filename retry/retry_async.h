// Copyright 2026 The multirun Authors.
//
// Async retry: retry a call on an executor without blocking any thread
// during backoff.
//
// Example:
//
//   multirun::ThreadPool pool({.workers = 4});
//   multirun::Future<std::string> page = multirun::RetryAsync(
//       pool, multirun::RetryPolicy().WithMaxAttempts(5),
//       [] { return Fetch("http://example.com/"); },
//       {.attempt_timeout = absl::Seconds(2)});
//   absl::StatusOr<std::string> text = page.Get();
//
// `RetryAsync(executor, policy, fn, options)` returns a Future of fn's value at
// once. Each attempt runs fn() on `executor`; between attempts nothing sleeps:
// a TimerQueue (futures/timer_queue.h) schedules the next attempt onto the
// executor when the backoff has passed. fn may return what Retry's callables
// return (void, T, absl::Status, absl::StatusOr<T>, or throw), or a Future<T>
// (for example from a ForkExecutor or another Submit): the attempt then ends
// when that future completes. `Retrier<T>`'s hooks and statistics work the same
// way with `RunAsync(retrier, executor, fn, options)`; the hooks then run on
// the executor's threads (the attempts of one call one after another).
//
// The policy's stop conditions, predicates, pushback and budget apply as for
// Retry. Its clock is read for the time budget; its Sleep() is never called.
//
// Cancel() on the returned future stops the call: it completes with
// Cancelled at once, the pending backoff timer is cancelled and no further
// attempt starts; an attempt in flight is abandoned (its Future, when fn
// returns one, is cancelled, which kills a ForkExecutor child).
//
// Per-attempt timeout (AsyncRetryOptions::attempt_timeout): an attempt that
// has not finished in time fails with DeadlineExceeded("attempt N timed out
// after D"), which the default policy retries. Its future, when fn returned
// one, is cancelled (a ForkExecutor child is SIGKILLed); a plain callable
// cannot be stopped, so it keeps its executor thread until it returns and
// its late result is dropped. Give the executor enough threads for the
// attempts that may hang. The next attempt (and its hooks) does not wait for
// an abandoned one: fn may then run on two threads at once, so a callable
// used with a timeout must be safe to call concurrently with itself.
//
// Bad input completes the future with InvalidArgument and never calls fn: an
// invalid policy, a null fn, a non-positive attempt timeout. `executor` (and
// the TimerQueue) must outlive the returned future's completion.
//
// Thread-safety: RetryAsync and RunAsync may be called from any thread; the
// returned future is an ordinary Future (futures/future.h).
//
// Memory ordering: everything an attempt wrote is visible to the hooks of the
// attempt, to the next attempt and to the consumer of the future.
//
// Defines AsyncRetryOptions, RetryAsync() and RunAsync().

#ifndef MULTIRUN_RETRY_RETRY_ASYNC_H_
#define MULTIRUN_RETRY_RETRY_ASYNC_H_

#include <memory>
#include <type_traits>
#include <utility>

#include "absl/time/time.h"
#include "multirun/executors/executor.h"
#include "multirun/futures/future.h"
#include "multirun/futures/timer_queue.h"
#include "multirun/retry/internal/async_call.h"
#include "multirun/retry/internal/retry_core.h"
#include "multirun/retry/internal/retry_loop.h"
#include "multirun/retry/retrier.h"
#include "multirun/retry/retry_policy.h"

namespace multirun {

// The options of RetryAsync and RunAsync.
struct AsyncRetryOptions {
  // How long one attempt may take; > 0. InfiniteDuration: no limit.
  absl::Duration attempt_timeout = absl::InfiniteDuration();
  // The timers for backoff and timeouts; TimerQueue::Default() when null.
  TimerQueue* timers = nullptr;
};

// Retries `fn()` on `executor` under `policy` and returns the future of its
// value (see the file comment). Does not wait for the attempts (over an
// InlineExecutor the first attempt runs before it returns, unless nested
// deeper than the executor's bound).
template <typename F>
Future<retry_internal::RetryValue<std::invoke_result_t<std::decay_t<F>&>>>
RetryAsync(Executor& executor, const RetryPolicy& policy, F&& fn,
           AsyncRetryOptions options = {}) {
  using T = retry_internal::RetryValue<std::invoke_result_t<std::decay_t<F>&>>;
  return retry_internal::StartAsync<T>(
      executor, std::make_shared<retry_internal::RetryCore>(policy), nullptr,
      std::decay_t<F>(std::forward<F>(fn)), options.attempt_timeout,
      options.timers);
}

// RetryAsync with `retrier`'s policy, hooks and statistics. The call keeps
// what it needs alive: `retrier` may be destroyed before the future
// completes.
template <typename T, typename F>
Future<T> RunAsync(const Retrier<T>& retrier, Executor& executor, F&& fn,
                   AsyncRetryOptions options = {}) {
  static_assert(
      std::is_same_v<
          retry_internal::RetryValue<std::invoke_result_t<std::decay_t<F>&>>,
          T>,
      "the callable's value type is not the Retrier's T");
  return retry_internal::StartAsync<T>(
      executor, retry_internal::RetrierAccess::Core(retrier),
      retry_internal::RetrierAccess::HooksOf(retrier),
      std::decay_t<F>(std::forward<F>(fn)), options.attempt_timeout,
      options.timers);
}

}  // namespace multirun

#endif  // MULTIRUN_RETRY_RETRY_ASYNC_H_
