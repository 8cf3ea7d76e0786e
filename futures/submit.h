// Copyright 2026 The multirun Authors.
//
// Submit and Map: run functions on an executor and get futures of their
// results.
//
// `Submit(executor, fn, args...)` schedules `fn(args...)` and returns a
// Future of what it returns: void and absl::Status give Future<void>,
// absl::StatusOr<U> and Future<U> give Future<U> (a returned future is
// flattened), any other R gives Future<R>. An exception thrown by `fn` becomes
// absl::UnknownError("<type>: <what>") in the future. The arguments are
// copied or moved into the task (decayed, like std::thread's); pass
// std::ref for a reference.
//
// The returned future is always valid and always completes:
//   - InvalidArgument when `fn` is a null function pointer, an empty
//     std::function or an empty absl::AnyInvocable;
//   - the executor's error when it rejects the task (FailedPrecondition
//     after a ThreadPool was shut down);
//   - Cancelled when the future is cancelled before the task starts (the
//     task then does not call `fn`), or when the executor drops the task
//     (ThreadPool::ShutdownNow).
//
// `Map(executor, fn, inputs)` submits `fn(input)` for each element of a range
// and returns the futures in input order.
//
// Example:
//
//   multirun::ThreadPool pool({.workers = 4});
//   multirun::Future<int> sum =
//       multirun::Submit(pool, [](int a, int b) { return a + b; }, 2, 3);
//   absl::StatusOr<int> five = sum.Get();
//
//   std::vector<std::string> urls = {"http://a.test/", "http://b.test/"};
//   std::vector<multirun::Future<Page>> pages =
//       multirun::Map(pool, Fetch, urls);  // Page Fetch(const std::string&)
//
// Thread-safety: Submit and Map may be called from any thread; they are as
// thread-safe as the executor's Schedule().
//
// Memory ordering: everything the calling thread wrote before Submit() is
// visible to `fn`; everything `fn` wrote is visible to whoever sees the
// future ready.

#ifndef MULTIRUN_FUTURES_SUBMIT_H_
#define MULTIRUN_FUTURES_SUBMIT_H_

#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "multirun/base/invoke.h"
#include "multirun/executors/executor.h"
#include "multirun/futures/future.h"
#include "multirun/futures/internal/continuation.h"
#include "multirun/futures/internal/submit_task.h"

namespace multirun {

// The future type Submit(executor, fn, args...) returns.
template <typename F, typename... Args>
using SubmitFuture = futures_internal::FutureFor<
    std::invoke_result_t<std::decay_t<F>&, std::decay_t<Args>&...>>;

// Schedules fn(args...) on `executor` and returns the future of its result
// (see the file comment). Does not wait for fn (over an InlineExecutor, fn
// runs before Submit returns, unless nested deeper than its bound).
template <typename F, typename... Args>
SubmitFuture<F, Args...> Submit(Executor& executor, F&& fn, Args&&... args) {
  using Out = SubmitFuture<F, Args...>;
  Promise<typename Out::value_type> promise;
  Out future = promise.GetFuture();
  if (base_internal::IsNullCallable(fn)) {
    promise.SetError(absl::InvalidArgumentError("Submit: null callable"));
    return future;
  }
  // `future` keeps the state alive while the promise moves into the task.
  auto& state = *futures_internal::FutureAccess::StateOf(promise);
  futures_internal::ScheduleOrFail(
      executor,
      futures_internal::MakeSubmitTask(std::move(promise), std::forward<F>(fn),
                                       std::forward<Args>(args)...),
      state)
      .IgnoreError();  // The future carries the failure.
  return future;
}

// The futures of `fn(x)` for each x in `inputs`, in input order. Each element
// is copied into its task.
template <typename F, std::ranges::input_range Range>
auto Map(Executor& executor, F fn, const Range& inputs) {
  using Input = std::ranges::range_value_t<Range>;
  std::vector<SubmitFuture<F&, const Input&>> futures;
  if constexpr (std::ranges::sized_range<Range>) {
    futures.reserve(std::ranges::size(inputs));
  }
  for (const auto& input : inputs) {
    futures.push_back(Submit(executor, fn, input));
  }
  return futures;
}

}  // namespace multirun

#endif  // MULTIRUN_FUTURES_SUBMIT_H_
