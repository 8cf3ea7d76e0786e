// Copyright 2026 The multirun Authors.

#include "multirun/futures/future.h"

#include <atomic>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/base/drop_reason.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/futures/submit.h"
#include "multirun/futures/task.h"
#include "multirun/futures/when.h"
#include "multirun/sync/event.h"
#include "multirun/testing/test_executors.h"

namespace multirun {
namespace {

using ::multirun::testing_internal::ManualExecutor;
using ::testing::HasSubstr;

// Runs each task on a new thread; joins them all on destruction.
class ThreadPerTask final : public Executor {
 public:
  ~ThreadPerTask() override {
    for (std::thread& thread : threads_) thread.join();
  }
  absl::Status Schedule(absl::AnyInvocable<void()> task) override {
    LockHolder lock(lock_);
    threads_.emplace_back(std::move(task));
    return absl::OkStatus();
  }

 private:
  Lock lock_;
  std::vector<std::thread> threads_;
};

TEST(OnReadyTest, RunsAtOnceWhenReadyAndOnCompletionOtherwise) {
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  int calls = 0;
  future.OnReady([&] { ++calls; });
  promise.OnReady([&] { calls += 10; });
  EXPECT_EQ(calls, 0);
  promise.Set(7);
  EXPECT_EQ(calls, 11);
  future.OnReady([&] { calls += 100; });  // already ready: at once
  EXPECT_EQ(calls, 111);
  EXPECT_EQ(*future.Get(), 7);  // OnReady does not consume the future
}

TEST(OnReadyTest, RunsWhenCancelledOrAbandoned) {
  Promise<int> cancelled;
  Future<int> a = cancelled.GetFuture();
  bool a_ready = false;
  a.OnReady([&] { a_ready = true; });
  EXPECT_TRUE(a.Cancel());
  EXPECT_TRUE(a_ready);
  Future<int> b;
  bool b_ready = false;
  {
    Promise<int> abandoned;
    b = abandoned.GetFuture();
    b.OnReady([&] { b_ready = true; });
  }
  EXPECT_TRUE(b_ready);
  EXPECT_EQ(b.Get().status().code(), absl::StatusCode::kCancelled);
  Future<int> invalid;
  invalid.OnReady([] { ADD_FAILURE() << "called for an invalid future"; });
}

// A continuation reads the origin its future's producer attached; a future
// without one reads -1, and so does code outside any continuation, also
// after a continuation ran on this thread.
TEST(OriginTest, ContinuationsReadTheProducersOrigin) {
  InlineExecutor inline_executor;
  EXPECT_EQ(CurrentOrigin(), -1);
  Promise<int> tagged;
  Future<int> seen = tagged.GetFuture().Then(
      inline_executor, [](int value) { return value * 100 + CurrentOrigin(); });
  tagged.SetOrigin(7);
  tagged.Set(3);
  EXPECT_EQ(seen.Get().value(), 307);
  EXPECT_EQ(CurrentOrigin(), -1);

  Promise<int> plain;
  Future<int> unseen = plain.GetFuture().Then(
      inline_executor, [](int) { return CurrentOrigin(); });
  plain.Set(1);
  EXPECT_EQ(unseen.Get().value(), -1);

  // An error carries the origin too, and a chain reads each link's own.
  Promise<int> failing;
  Future<int> error_origin = failing.GetFuture()
                                 .Then(inline_executor,
                                       [](absl::StatusOr<int> r) {
                                         return r.ok() ? -2 : CurrentOrigin();
                                       })
                                 .Then(inline_executor, [](int first) {
                                   return first * 10 + CurrentOrigin() + 1;
                                 });
  failing.SetOrigin(4);
  failing.SetError(absl::UnavailableError("gone"));
  EXPECT_EQ(error_origin.Get().value(), 40);
}

TEST(ScheduleCompletingTest, RunsTheTaskThatCompletesTheFuture) {
  ManualExecutor executor;
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  EXPECT_TRUE(
      ScheduleCompleting(executor, future, [p = std::move(promise)]() mutable {
        p.Set(42);
      }).ok());
  EXPECT_FALSE(future.IsReady());
  executor.RunAll();
  EXPECT_EQ(*future.Get(), 42);
}

TEST(ScheduleCompletingTest, RejectionReachesTheFuture) {
  ManualExecutor executor;
  executor.Reject(absl::ResourceExhaustedError("queue full"));
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  const absl::Status scheduled = ScheduleCompleting(
      executor, future, [p = std::move(promise)]() mutable { p.Set(1); });
  EXPECT_EQ(scheduled.code(), absl::StatusCode::kResourceExhausted);
  ASSERT_TRUE(future.IsReady());
  EXPECT_EQ(future.Get().status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(future.Get().status().message(),
              HasSubstr("task rejected: queue full"));
}

TEST(ScheduleCompletingTest, DropReasonReachesTheFuture) {
  ManualExecutor executor;
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  ASSERT_TRUE(
      ScheduleCompleting(executor, future, [p = std::move(promise)]() mutable {
        p.Set(1);
      }).ok());
  executor.DropAll(absl::AbortedError("executor stopped"));
  EXPECT_EQ(future.Get().status(), absl::AbortedError("executor stopped"));
}

TEST(ScheduleCompletingTest, InvalidFutureIsInvalidArgument) {
  ManualExecutor executor;
  Future<int> invalid;
  bool ran = false;
  EXPECT_EQ(ScheduleCompleting(executor, invalid, [&] { ran = true; }).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(executor.RunAll(), 0u);
  EXPECT_FALSE(ran);
}

TEST(PromiseTest, SetThenGet) {
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  EXPECT_FALSE(future.IsReady());
  EXPECT_TRUE(promise.SetValue(42));
  EXPECT_TRUE(future.IsReady());
  EXPECT_EQ(*future.Get(), 42);
  EXPECT_EQ(*future.Get(), 42);  // an lvalue Get copies and can repeat
  EXPECT_EQ(*std::move(future).Get(), 42);
  EXPECT_FALSE(future.valid());
  EXPECT_EQ(future.Get().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(PromiseTest, VoidPromiseCarriesStatus) {
  Promise<void> ok;
  Future<void> ok_future = ok.GetFuture();
  ok.Set(absl::OkStatus());
  EXPECT_TRUE(ok_future.Get().ok());
  Promise<void> failed;
  Future<void> failed_future = failed.GetFuture();
  failed.SetError(absl::NotFoundError("no such row"));
  EXPECT_EQ(failed_future.Get(), absl::NotFoundError("no such row"));
}

TEST(PromiseTest, GetBlocksUntilAnotherThreadSets) {
  Promise<std::string> promise;
  Future<std::string> future = promise.GetFuture();
  std::thread producer([&promise] {
    absl::SleepFor(absl::Milliseconds(20));
    promise.SetValue(std::string("done"));
  });
  EXPECT_EQ(*future.Get(), "done");
  producer.join();
}

TEST(PromiseTest, SecondSetIsRefused) {
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  EXPECT_TRUE(promise.SetValue(1));
  EXPECT_FALSE(promise.SetValue(2));
  EXPECT_FALSE(promise.SetError(absl::InternalError("late")));
  EXPECT_EQ(*future.Get(), 1);
}

TEST(PromiseTest, SetErrorWithOkStatusIsInternal) {
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  promise.SetError(absl::OkStatus());
  EXPECT_EQ(future.Get().status().code(), absl::StatusCode::kInternal);
}

TEST(PromiseTest, SecondGetFutureFails) {
  Promise<int> promise;
  Future<int> first = promise.GetFuture();
  Future<int> second = promise.GetFuture();
  EXPECT_EQ(second.Get().status().code(),
            absl::StatusCode::kFailedPrecondition);
  promise.SetValue(3);
  EXPECT_EQ(*first.Get(), 3);
}

TEST(PromiseTest, AbandonedPromiseCancelsItsFuture) {
  Future<int> future;
  {
    Promise<int> promise;
    future = promise.GetFuture();
  }
  ASSERT_TRUE(future.IsReady());
  EXPECT_EQ(future.Get().status(), absl::CancelledError("promise abandoned"));
}

TEST(PromiseTest, MoveAssignmentAbandonsTheOverwrittenPromise) {
  Promise<int> first;
  Future<int> future = first.GetFuture();
  Promise<int> second;
  first = std::move(second);
  EXPECT_EQ(future.Get().status().code(), absl::StatusCode::kCancelled);
}

TEST(PromiseTest, AbandonedUnderADropReasonCarriesIt) {
  Future<int> future;
  {
    Promise<int> promise;
    future = promise.GetFuture();
    base_internal::ScopedDropReason reason(
        absl::CancelledError("cancelled by test"));
    Promise<int> gone = std::move(promise);
  }
  EXPECT_EQ(future.Get().status(), absl::CancelledError("cancelled by test"));
}

TEST(FutureTest, WaitForTimesOutThenSucceeds) {
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  EXPECT_FALSE(future.WaitFor(absl::Milliseconds(5)));
  EXPECT_FALSE(future.WaitFor(absl::ZeroDuration()));
  EXPECT_FALSE(future.WaitFor(-absl::Seconds(1)));
  EXPECT_FALSE(future.WaitUntil(absl::Now() + absl::Milliseconds(5)));
  EXPECT_FALSE(future.WaitUntil(absl::InfinitePast()));
  std::thread producer([&promise] {
    absl::SleepFor(absl::Milliseconds(10));
    promise.SetValue(1);
  });
  EXPECT_TRUE(future.WaitFor(absl::Seconds(30)));
  EXPECT_TRUE(future.WaitUntil(absl::InfinitePast()));
  producer.join();
}

TEST(FutureTest, InvalidFutureFailsEverything) {
  Future<int> future;
  EXPECT_FALSE(future.valid());
  EXPECT_FALSE(future.IsReady());
  EXPECT_FALSE(future.WaitFor(absl::Seconds(1)));
  EXPECT_FALSE(future.Cancel());
  EXPECT_EQ(future.Get().status().code(),
            absl::StatusCode::kFailedPrecondition);
  InlineExecutor inline_executor;
  Future<int> chained =
      std::move(future).Then(inline_executor, [](int x) { return x; });
  EXPECT_EQ(chained.Get().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(FutureTest, MakeReadyAndErrorFutures) {
  EXPECT_EQ(*MakeReadyFuture(5).Get(), 5);
  EXPECT_TRUE(MakeReadyFuture().Get().ok());
  EXPECT_EQ(MakeErrorFuture<int>(absl::AbortedError("x")).Get().status(),
            absl::AbortedError("x"));
}

TEST(FutureTest, MoveOnlyValues) {
  InlineExecutor inline_executor;
  Future<std::unique_ptr<int>> future =
      Submit(inline_executor, [] {
        return std::make_unique<int>(7);
      }).Then(inline_executor, [](std::unique_ptr<int> p) {
        *p += 1;
        return p;
      });
  absl::StatusOr<std::unique_ptr<int>> result = std::move(future).Get();
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(**result, 8);
}

TEST(CancelTest, CancelBeforeStartSkipsTheWork) {
  testing_internal::ManualExecutor executor;
  bool ran = false;
  Future<int> future = Submit(executor, [&ran] {
    ran = true;
    return 1;
  });
  EXPECT_TRUE(future.Cancel());
  EXPECT_FALSE(future.Cancel());  // once
  EXPECT_EQ(future.Get().status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(executor.RunAll(), 1u);
  EXPECT_FALSE(ran);
}

TEST(CancelTest, CancelAfterStartDoesNothing) {
  ThreadPerTask executor;
  Event started, release;
  Future<int> future = Submit(executor, [&] {
    started.Set();
    release.Wait();
    return 9;
  });
  started.Wait();
  EXPECT_FALSE(future.Cancel());
  release.Set();
  EXPECT_EQ(*future.Get(), 9);
}

TEST(CancelTest, CancelRacingCompletionGivesExactlyOneOutcome) {
  ThreadPerTask executor;
  int cancelled = 0, completed = 0;
  for (int i = 0; i < 500; ++i) {
    std::atomic<int> callbacks{0};
    Future<int> future = Submit(executor, [] { return 1; });
    Future<int> chained =
        std::move(future).Then(executor, [&callbacks](absl::StatusOr<int> r) {
          callbacks.fetch_add(1);
          return r;
        });
    bool cancel_won = chained.Cancel();
    absl::StatusOr<int> result = chained.Get();
    if (cancel_won) {
      ++cancelled;
      EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
    } else {
      ++completed;
      EXPECT_EQ(*result, 1);
    }
    // The continuation's work ran only when it was not cancelled first.
    if (cancel_won) {
      EXPECT_EQ(callbacks.load(), 0);
    }
  }
  EXPECT_EQ(cancelled + completed, 500);
}

TEST(SubmitTest, ReturnsValueStatusAndStatusOr) {
  InlineExecutor executor;
  EXPECT_EQ(*Submit(
                 executor, [](int a, int b) { return a + b; }, 2, 3)
                 .Get(),
            5);
  Future<void> void_future = Submit(executor, [] {});
  EXPECT_TRUE(void_future.Get().ok());
  Future<void> status_future =
      Submit(executor, [] { return absl::DataLossError("disk"); });
  EXPECT_EQ(status_future.Get(), absl::DataLossError("disk"));
  Future<std::string> statusor_future =
      Submit(executor, []() -> absl::StatusOr<std::string> { return "text"; });
  EXPECT_EQ(*statusor_future.Get(), "text");
}

int Twice(int x) { return 2 * x; }

TEST(SubmitTest, FreeFunctionsAndReferences) {
  InlineExecutor executor;
  EXPECT_EQ(*Submit(executor, Twice, 21).Get(), 42);
  EXPECT_EQ(*Submit(executor, &Twice, 4).Get(), 8);
  int counter = 0;
  Submit(
      executor, [](int& c) { ++c; }, std::ref(counter))
      .Get()
      .IgnoreError();
  EXPECT_EQ(counter, 1);
}

TEST(SubmitTest, NullCallablesAreInvalidArguments) {
  InlineExecutor executor;
  int (*null_function)(int) = nullptr;
  EXPECT_EQ(Submit(executor, null_function, 1).Get().status().code(),
            absl::StatusCode::kInvalidArgument);
  std::function<int()> empty;
  EXPECT_EQ(Submit(executor, empty).Get().status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::AnyInvocable<void()> empty_invocable;
  EXPECT_EQ(Submit(executor, std::move(empty_invocable)).Get().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SubmitTest, ExceptionsBecomeUnknown) {
  InlineExecutor executor;
  absl::StatusOr<int> thrown =
      Submit(executor, []() -> int { throw std::runtime_error("boom"); }).Get();
  EXPECT_EQ(thrown.status(), absl::UnknownError("std::runtime_error: boom"));
  absl::Status not_std = Submit(executor, [] { throw 42; }).Get();
  EXPECT_EQ(not_std, absl::UnknownError("int"));
}

TEST(SubmitTest, ReturnedFutureIsFlattened) {
  testing_internal::ManualExecutor executor;
  Future<int> outer = Submit(
      executor, [&executor] { return Submit(executor, [] { return 11; }); });
  executor.RunAll();
  EXPECT_EQ(*outer.Get(), 11);
}

TEST(SubmitTest, RejectionCompletesTheFutureWithTheExecutorsError) {
  testing_internal::ManualExecutor executor;
  executor.Reject(absl::FailedPreconditionError("executor is shut down"));
  bool ran = false;
  Future<int> future = Submit(executor, [&ran] {
    ran = true;
    return 1;
  });
  ASSERT_TRUE(future.IsReady());
  EXPECT_EQ(future.Get().status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(future.Get().status().message(),
              HasSubstr("executor is shut down"));
  EXPECT_FALSE(ran);
}

// An executor that rejects without a drop reason, as a user's might.
class PlainRejecting final : public Executor {
 public:
  absl::Status Schedule(absl::AnyInvocable<void()> /*task*/) override {
    return absl::ResourceExhaustedError("queue full");
  }
};

TEST(SubmitTest, RejectionByAPlainExecutorStillReportsItsError) {
  PlainRejecting executor;
  Future<int> future = Submit(executor, [] { return 1; });
  EXPECT_EQ(future.Get().status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(future.Get().status().message(), HasSubstr("queue full"));
}

TEST(SubmitTest, DroppedTasksCompleteWithTheDropReason) {
  testing_internal::ManualExecutor executor;
  Future<int> future = Submit(executor, [] { return 1; });
  executor.DropAll(absl::CancelledError("cancelled by ShutdownNow"));
  EXPECT_EQ(future.Get().status(),
            absl::CancelledError("cancelled by ShutdownNow"));
}

TEST(MapTest, FuturesComeInInputOrder) {
  ThreadPerTask executor;
  std::vector<int> inputs = {5, 1, 4, 2, 3};
  std::vector<Future<int>> futures = Map(
      executor,
      [](int x) {
        absl::SleepFor(absl::Milliseconds(x));
        return x * 10;
      },
      inputs);
  ASSERT_EQ(futures.size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(*futures[i].Get(), inputs[i] * 10);
  }
}

TEST(ThenTest, ValueContinuationRunsOnSuccess) {
  testing_internal::ManualExecutor executor;
  Future<std::string> out =
      Submit(executor, [] {
        return 6;
      }).Then(executor, [](int x) {
          return x * 7;
        }).Then(executor, [](int x) { return std::to_string(x); });
  EXPECT_FALSE(out.IsReady());
  executor.RunAll();
  EXPECT_EQ(*out.Get(), "42");
}

TEST(ThenTest, ErrorsSkipValueContinuations) {
  InlineExecutor executor;
  int calls = 0;
  Future<int> out = MakeErrorFuture<int>(absl::NotFoundError("x"))
                        .Then(executor,
                              [&calls](int x) {
                                ++calls;
                                return x;
                              })
                        .Then(executor, [&calls](int x) {
                          ++calls;
                          return x;
                        });
  EXPECT_EQ(out.Get().status(), absl::NotFoundError("x"));
  EXPECT_EQ(calls, 0);
}

TEST(ThenTest, ResultContinuationSeesErrorsAndCanRecover) {
  InlineExecutor executor;
  Future<int> out = MakeErrorFuture<int>(absl::UnavailableError("down"))
                        .Then(executor, [](absl::StatusOr<int> r) {
                          return r.ok() ? *r : -1;
                        });
  EXPECT_EQ(*out.Get(), -1);
}

TEST(ThenTest, VoidFuturesChain) {
  InlineExecutor executor;
  int step = 0;
  Future<void> out = Submit(executor, [&step] {
                       step = 1;
                     }).Then(executor, [&step] {
                         step = 2;
                       }).Then(executor, [&step](absl::Status s) {
    step = s.ok() ? 3 : -1;
    return absl::AbortedError("stop");
  });
  EXPECT_EQ(out.Get(), absl::AbortedError("stop"));
  EXPECT_EQ(step, 3);
  Future<void> failed =
      MakeErrorFuture<void>(absl::InternalError("e")).Then(executor, [&step] {
        step = 99;
      });
  EXPECT_EQ(failed.Get(), absl::InternalError("e"));
  EXPECT_EQ(step, 3);
}

TEST(ThenTest, ContinuationReturningFutureIsFlattened) {
  testing_internal::ManualExecutor executor;
  Future<int> out =
      Submit(executor, [] { return 2; }).Then(executor, [&executor](int x) {
        return Submit(executor, [x] { return x + 1; });
      });
  executor.RunAll();
  EXPECT_EQ(*out.Get(), 3);
}

TEST(ThenTest, ContinuationReturningInvalidFutureFails) {
  InlineExecutor executor;
  Future<int> out =
      MakeReadyFuture(1).Then(executor, [](int) { return Future<int>(); });
  EXPECT_EQ(out.Get().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ThenTest, ThrowingContinuationBecomesUnknown) {
  InlineExecutor executor;
  Future<int> out = MakeReadyFuture(1).Then(
      executor, [](int) -> int { throw std::logic_error("bad state"); });
  EXPECT_EQ(out.Get().status(),
            absl::UnknownError("std::logic_error: bad state"));
  Future<int> from_future = MakeReadyFuture(1).Then(executor, [](int) {
    if (true) throw std::out_of_range("index 9");
    return MakeReadyFuture(2);
  });
  EXPECT_EQ(from_future.Get().status(),
            absl::UnknownError("std::out_of_range: index 9"));
}

TEST(ThenTest, NullContinuationIsInvalidArgument) {
  InlineExecutor executor;
  std::function<int(int)> empty;
  EXPECT_EQ(MakeReadyFuture(1).Then(executor, empty).Get().status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ThenTest, RejectedContinuationReportsTheExecutorsError) {
  testing_internal::ManualExecutor rejecting;
  rejecting.Reject(absl::FailedPreconditionError("pool is shut down"));
  Promise<int> promise;
  Future<int> out =
      promise.GetFuture().Then(rejecting, [](int x) { return x; });
  promise.SetValue(1);
  EXPECT_EQ(out.Get().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(out.Get().status().message(), HasSubstr("pool is shut down"));
}

TEST(ThenTest, CancellingTheContinuationSkipsIt) {
  InlineExecutor executor;
  Promise<int> promise;
  bool ran = false;
  Future<int> out = promise.GetFuture().Then(executor, [&ran](int x) {
    ran = true;
    return x;
  });
  EXPECT_TRUE(out.Cancel());
  promise.SetValue(1);
  EXPECT_FALSE(ran);
  EXPECT_EQ(out.Get().status().code(), absl::StatusCode::kCancelled);
}

TEST(ThenTest, ContinuationRunsOnTheGivenExecutor) {
  ThreadPerTask threads;
  Promise<int> promise;
  const std::thread::id caller = std::this_thread::get_id();
  Future<bool> elsewhere = promise.GetFuture().Then(
      threads, [caller](int) { return std::this_thread::get_id() != caller; });
  promise.SetValue(0);
  EXPECT_TRUE(*elsewhere.Get());
}

TEST(WhenAllTest, ResultsInInputOrderWithTheirOwnErrors) {
  testing_internal::ManualExecutor executor;
  std::vector<Future<int>> futures;
  futures.push_back(Submit(executor, [] { return 1; }));
  futures.push_back(Submit(executor, []() -> absl::StatusOr<int> {
    return absl::NotFoundError("two");
  }));
  futures.push_back(Submit(executor, [] { return 3; }));
  futures.push_back(Future<int>());
  Future<std::vector<absl::StatusOr<int>>> all = WhenAll(std::move(futures));
  EXPECT_FALSE(all.IsReady());
  executor.RunAll();
  absl::StatusOr<std::vector<absl::StatusOr<int>>> results = all.Get();
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 4u);
  EXPECT_EQ(*(*results)[0], 1);
  EXPECT_EQ((*results)[1].status(), absl::NotFoundError("two"));
  EXPECT_EQ(*(*results)[2], 3);
  EXPECT_EQ((*results)[3].status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(WhenAll(std::vector<Future<int>>()).Get()->empty());
}

TEST(WhenAllTest, VoidFutures) {
  InlineExecutor executor;
  std::vector<Future<void>> futures;
  futures.push_back(Submit(executor, [] {}));
  futures.push_back(MakeErrorFuture<void>(absl::AbortedError("a")));
  auto results = WhenAll(std::move(futures)).Get();
  ASSERT_TRUE(results.ok());
  EXPECT_TRUE((*results)[0].ok());
  EXPECT_EQ((*results)[1], absl::AbortedError("a"));
}

TEST(WhenAnyTest, FirstToCompleteWins) {
  std::vector<Promise<int>> promises(3);
  std::vector<Future<int>> futures;
  for (auto& p : promises) futures.push_back(p.GetFuture());
  Future<WhenAnyResult<int>> any = WhenAny(std::move(futures));
  EXPECT_FALSE(any.IsReady());
  promises[2].SetValue(30);
  promises[0].SetValue(10);
  absl::StatusOr<WhenAnyResult<int>> first = any.Get();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->index, 2u);
  EXPECT_EQ(*first->result, 30);
}

TEST(WhenAnyTest, EmptyInputIsInvalidArgument) {
  EXPECT_EQ(WhenAny(std::vector<Future<int>>()).Get().status().code(),
            absl::StatusCode::kInvalidArgument);
}

Task<int> AddAsync(Executor& executor, int a, int b) {
  absl::StatusOr<int> x = co_await Submit(executor, [a] { return a; });
  absl::StatusOr<int> y = co_await Submit(executor, [b] { return b; });
  if (!x.ok()) co_return x.status();
  if (!y.ok()) co_return y.status();
  co_return *x + *y;
}

TEST(TaskTest, AwaitsFuturesWithoutBlocking) {
  testing_internal::ManualExecutor executor;
  Task<int> task = AddAsync(executor, 2, 40);
  EXPECT_FALSE(task.IsReady());  // suspended on the first Submit
  executor.RunAll();
  EXPECT_EQ(*std::move(task).Get(), 42);
}

TEST(TaskTest, RunsAcrossThreads) {
  ThreadPerTask threads;
  EXPECT_EQ(*AddAsync(threads, 1, 2).Get(), 3);
}

Task<int> FailsWith(absl::Status status) { co_return status; }

Task<int> Throws() {
  throw std::runtime_error("in coroutine");
  co_return 0;
}

Task<void> SetsFlag(Executor& executor, bool& flag) {
  absl::Status s = co_await Submit(executor, [&flag] { flag = true; });
  if (!s.ok()) throw std::runtime_error("unexpected");
}

Task<int> AwaitsTask(Executor& executor) {
  absl::StatusOr<int> inner = co_await AddAsync(executor, 1, 1);
  co_return *inner * 10;
}

TEST(TaskTest, ErrorsExceptionsVoidAndNesting) {
  EXPECT_EQ(FailsWith(absl::NotFoundError("nf")).Get().status(),
            absl::NotFoundError("nf"));
  EXPECT_EQ(Throws().Get().status(),
            absl::UnknownError("std::runtime_error: in coroutine"));
  InlineExecutor executor;
  bool flag = false;
  EXPECT_TRUE(SetsFlag(executor, flag).Get().ok());
  EXPECT_TRUE(flag);
  EXPECT_EQ(*AwaitsTask(executor).Get(), 20);
}

Task<int> AwaitsLvalueTwice(Future<int>& future) {
  absl::StatusOr<int> a = co_await future;
  absl::StatusOr<int> b = co_await future;
  co_return *a + *b;
}

TEST(TaskTest, AwaitingAnLvalueCopies) {
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  Task<int> task = AwaitsLvalueTwice(future);
  promise.SetValue(4);
  EXPECT_EQ(*std::move(task).Get(), 8);
  EXPECT_EQ(*future.Get(), 4);
}

Task<bool> HopsThreads(Executor& executor) {
  const std::thread::id before = std::this_thread::get_id();
  absl::Status moved = co_await ResumeOn(executor);
  if (!moved.ok()) co_return moved;
  co_return std::this_thread::get_id() != before;
}

TEST(TaskTest, ResumeOnMovesToTheExecutor) {
  ThreadPerTask threads;
  EXPECT_TRUE(*HopsThreads(threads).Get());
}

Task<std::string> ReportsResumeStatus(Executor& executor) {
  absl::Status moved = co_await ResumeOn(executor);
  co_return std::string(moved.message());
}

TEST(TaskTest, ResumeOnARejectingOrDroppingExecutorStillResumes) {
  testing_internal::ManualExecutor rejecting;
  rejecting.Reject(absl::FailedPreconditionError("shut down"));
  EXPECT_EQ(*ReportsResumeStatus(rejecting).Get(), "shut down");
  testing_internal::ManualExecutor dropping;
  Task<std::string> task = ReportsResumeStatus(dropping);
  EXPECT_FALSE(task.IsReady());
  dropping.DropAll(absl::CancelledError("dropped"));
  EXPECT_EQ(*std::move(task).Get(), "dropped");
}

// Every future completes exactly once when completions, cancellations,
// continuations and abandonment race on several threads.
TEST(FutureStressTest, EveryFutureCompletesExactlyOnce) {
  constexpr int kRounds = 2000;
  ThreadPerTask threads;
  std::atomic<int> continuation_runs{0};
  std::vector<Future<int>> outs;
  std::vector<Promise<int>> promises(kRounds);
  for (int i = 0; i < kRounds; ++i) {
    outs.push_back(promises[i].GetFuture().Then(
        threads, [&continuation_runs](absl::StatusOr<int> r) {
          continuation_runs.fetch_add(1);
          return r;
        }));
  }
  std::thread setter([&] {
    for (int i = 0; i < kRounds; ++i) {
      if (i % 3 == 0) {
        promises[i].SetValue(i);
      } else if (i % 3 == 1) {
        Promise<int> abandoned = std::move(promises[i]);
      }
    }
  });
  std::thread canceller([&] {
    for (int i = 0; i < kRounds; i += 2) outs[i].Cancel();
  });
  setter.join();
  canceller.join();
  for (int i = 2; i < kRounds; i += 3) promises[i].SetValue(i);
  int values = 0, cancelled = 0;
  for (int i = 0; i < kRounds; ++i) {
    absl::StatusOr<int> r = outs[i].Get();
    if (r.ok()) {
      EXPECT_EQ(*r, i);
      EXPECT_NE(i % 3, 1);
      ++values;
    } else {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled) << i;
      ++cancelled;
    }
  }
  EXPECT_EQ(values + cancelled, kRounds);
  EXPECT_LE(continuation_runs.load(), kRounds);
}

}  // namespace
}  // namespace multirun
