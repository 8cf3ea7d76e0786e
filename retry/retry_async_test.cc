// Copyright 2026 The multirun Authors.

#include "multirun/retry/retry_async.h"

#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/future.h"
#include "multirun/futures/timer_queue.h"
#include "multirun/processes/fork_executor.h"
#include "multirun/retry/backoff.h"
#include "multirun/retry/retrier.h"
#include "multirun/retry/retry_policy.h"
#include "multirun/sync/event.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Generous: the futures below complete in milliseconds; this only bounds a
// broken test.
constexpr absl::Duration kLongWait = absl::Seconds(30);

RetryPolicy FastPolicy(int attempts) {
  return RetryPolicy().WithMaxAttempts(attempts).WithBackoff(
      Backoff::Constant(absl::Milliseconds(1)));
}

class RetryAsyncTest : public ::testing::Test {
 protected:
  ThreadPool pool_{3};
  TimerQueue timers_;  // destroyed first: no timer outlives the pool
  AsyncRetryOptions Options(absl::Duration timeout = absl::InfiniteDuration()) {
    return {.attempt_timeout = timeout, .timers = &timers_};
  }
};

TEST_F(RetryAsyncTest, SucceedsAfterFailures) {
  std::atomic<int> calls{0};
  Future<int> f = RetryAsync(
      pool_, FastPolicy(5),
      [&]() -> absl::StatusOr<int> {
        const int n = calls.fetch_add(1) + 1;
        if (n < 3) return absl::UnavailableError(absl::StrCat("down #", n));
        return n * 10;
      },
      Options());
  ASSERT_TRUE(f.WaitFor(kLongWait));
  absl::StatusOr<int> r = f.Get();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 30);
  EXPECT_EQ(calls.load(), 3);
}

TEST_F(RetryAsyncTest, GivesUpWithTheLastErrorAndAttemptCount) {
  std::atomic<int> calls{0};
  Future<void> f = RetryAsync(
      pool_, FastPolicy(3),
      [&] {
        return absl::UnavailableError(
            absl::StrCat("down #", calls.fetch_add(1) + 1));
      },
      Options());
  ASSERT_TRUE(f.WaitFor(kLongWait));
  absl::Status s = f.Get();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("down #3"));
  EXPECT_THAT(s.message(), HasSubstr("after 3 attempts"));
  EXPECT_EQ(calls.load(), 3);
}

TEST_F(RetryAsyncTest, ExceptionsAreRetried) {
  std::atomic<int> calls{0};
  Future<std::string> f = RetryAsync(
      pool_, FastPolicy(3),
      [&]() -> std::string {
        if (calls.fetch_add(1) == 0) throw std::runtime_error("boom");
        return "ok";
      },
      Options());
  ASSERT_TRUE(f.WaitFor(kLongWait));
  EXPECT_EQ(*f.Get(), "ok");
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(RetryAsyncTest, CallableReturningAFutureIsFlattened) {
  std::atomic<int> calls{0};
  Future<int> f = RetryAsync(
      pool_, FastPolicy(4),
      [&]() -> Future<int> {
        const int n = calls.fetch_add(1) + 1;
        if (n < 2) return MakeErrorFuture<int>(absl::AbortedError("conflict"));
        return MakeReadyFuture(n);
      },
      Options());
  ASSERT_TRUE(f.WaitFor(kLongWait));
  EXPECT_EQ(*f.Get(), 2);
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(RetryAsyncTest, HangingCallableTimesOutPerAttempt) {
  // Shared with the callable: the abandoned attempts still use it after the
  // test body returns (until the pool joins them).
  struct Hang {
    Event release;
    std::atomic<int> started{0};
    std::atomic<int> returned{0};
  };
  auto hang = std::make_shared<Hang>();
  Future<int> f = RetryAsync(
      pool_, FastPolicy(2),
      [hang] {
        hang->started.fetch_add(1);
        hang->release.Wait();  // hangs until the test ends
        hang->returned.fetch_add(1);
        return 1;
      },
      Options(absl::Milliseconds(20)));
  ASSERT_TRUE(f.WaitFor(kLongWait));
  absl::StatusOr<int> r = f.Get();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(r.status().message(),
              HasSubstr("attempt 2 timed out after 20ms"));
  EXPECT_THAT(r.status().message(), HasSubstr("after 2 attempts"));
  EXPECT_EQ(hang->started.load(), 2);
  EXPECT_EQ(hang->returned.load(), 0);  // the result came without them
  hang->release.Set();
}

TEST_F(RetryAsyncTest, TimedOutAttemptFutureIsCancelled) {
  // The first two attempts return a future that never completes by itself;
  // from the third on, each returns a ready one. (A loaded machine may let a
  // ready attempt's 20 ms timer fire first, so later attempts answer too, and
  // the attempt that answered is the one whose number is the result.)
  Lock lock;
  std::vector<std::shared_ptr<Promise<int>>> promises;
  std::atomic<int> calls{0};
  Future<int> f = RetryAsync(
      pool_, FastPolicy(10),
      [&]() -> Future<int> {
        const int n = calls.fetch_add(1) + 1;
        auto promise = std::make_shared<Promise<int>>();
        Future<int> future = promise->GetFuture();
        {
          LockHolder hold(lock);
          promises.push_back(promise);
        }
        if (n >= 3) promise->SetValue(n);
        return future;
      },
      Options(absl::Milliseconds(20)));
  ASSERT_TRUE(f.WaitFor(kLongWait));
  absl::StatusOr<int> r = f.Get();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(*r, 3);
  EXPECT_EQ(*r, calls.load());  // no attempt after the one that answered
  LockHolder hold(lock);
  ASSERT_EQ(promises.size(), calls.load());
  // The abandoned attempts' futures were cancelled: their promises can no
  // longer be set.
  EXPECT_TRUE(promises[0]->IsCompleted());
  EXPECT_TRUE(promises[1]->IsCompleted());
  EXPECT_FALSE(promises[0]->SetValue(1));
  EXPECT_FALSE(promises[1]->SetValue(2));
}

TEST_F(RetryAsyncTest, CancelAbandonsTheAttemptInFlight) {
  Retrier<int> retrier(FastPolicy(5));
  auto promise = std::make_shared<Promise<int>>();
  Event called;
  Future<int> f = RunAsync(
      retrier, pool_,
      [&]() -> Future<int> {
        Future<int> future = promise->GetFuture();
        called.Set();
        return future;
      },
      Options());
  ASSERT_TRUE(called.WaitFor(kLongWait));
  // Possibly before the attempt's future is stored by the retry: it must be
  // cancelled either way.
  EXPECT_TRUE(f.Cancel());
  EXPECT_EQ(f.Get().status().code(), absl::StatusCode::kCancelled);
  const absl::Time give_up = absl::Now() + kLongWait;
  while (!promise->IsCompleted() && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_TRUE(promise->IsCompleted());
  EXPECT_FALSE(promise->SetValue(1));
  EXPECT_EQ(retrier.stats().calls, 1);
  EXPECT_EQ(retrier.stats().attempts, 1);
  EXPECT_EQ(retrier.stats().give_ups, 1);
}

// Cancel() races with the completion of the call at every point: each future
// completes exactly once, with the call's result or Cancelled, and exactly
// the calls whose caller saw a failure are counted as give-ups.
TEST(RetryAsyncRaceTest, CancelRacingCompletionCountsEachCallOnce) {
  constexpr int kCalls = 300;
  Retrier<int> retrier(RetryPolicy().WithMaxAttempts(1));
  int failed = 0;
  {
    ThreadPool pool(2);
    TimerQueue timers;
    std::vector<Future<int>> futures;
    for (int i = 0; i < kCalls; ++i) {
      futures.push_back(RunAsync(retrier, pool,
                                 [i]() -> absl::StatusOr<int> {
                                   if (i % 3 == 0)
                                     return absl::NotFoundError("odd one");
                                   return i;
                                 },
                                 {.timers = &timers}));
      if (i % 2 == 0) futures.back().Cancel();
    }
    for (int i = 0; i < kCalls; ++i) {
      ASSERT_TRUE(futures[i].WaitFor(kLongWait)) << i;
      absl::StatusOr<int> r = futures[i].Get();
      if (r.ok()) {
        EXPECT_EQ(*r, i);
      } else {
        ++failed;
        EXPECT_TRUE(r.status().code() == absl::StatusCode::kCancelled ||
                    r.status().code() == absl::StatusCode::kNotFound)
            << r.status();
      }
    }
    // Shutdown drains: every attempt and completion step has run.
    ASSERT_TRUE(pool.Shutdown().ok());
  }
  const RetryStats stats = retrier.stats();
  EXPECT_EQ(stats.calls, kCalls);
  EXPECT_EQ(stats.give_ups, failed);
  EXPECT_GE(failed, kCalls / 3);
}

TEST_F(RetryAsyncTest, RetrierMayBeDestroyedBeforeTheCallEnds) {
  auto retrier = std::make_unique<Retrier<int>>(FastPolicy(3));
  auto finals = std::make_shared<std::atomic<int>>(0);
  retrier->OnFinal([finals] { finals->fetch_add(1); });
  auto release = std::make_shared<Event>();
  auto calls = std::make_shared<std::atomic<int>>(0);
  Future<int> f = RunAsync(
      *retrier, pool_,
      [release, calls]() -> absl::StatusOr<int> {
        release->Wait();
        if (calls->fetch_add(1) == 0) return absl::UnavailableError("down");
        return 5;
      },
      Options());
  retrier.reset();
  release->Set();
  ASSERT_TRUE(f.WaitFor(kLongWait));
  EXPECT_EQ(*f.Get(), 5);
  EXPECT_EQ(finals->load(), 2);
}

TEST_F(RetryAsyncTest, ThrowingHookIsReported) {
  Retrier<int> retrier(FastPolicy(3));
  std::atomic<int> finals{0};
  retrier.OnError([](const absl::Status&, int) { throw std::logic_error("x"); })
      .OnFinal([&] { finals.fetch_add(1); });
  std::atomic<int> calls{0};
  Future<int> f = RunAsync(
      retrier, pool_,
      [&]() -> absl::StatusOr<int> {
        calls.fetch_add(1);
        return absl::UnavailableError("down");
      },
      Options());
  ASSERT_TRUE(f.WaitFor(kLongWait));
  absl::StatusOr<int> r = f.Get();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(r.status().message(),
            "std::logic_error: x (retry gave up after 1 attempt: OnError "
            "threw)");
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(finals.load(), 1);
  EXPECT_EQ(retrier.stats().give_ups, 1);
}

TEST_F(RetryAsyncTest, DeadlineStopsBeforeTheNextAttempt) {
  // The backoff (1h) does not fit in the budget (1s): one attempt, at once.
  std::atomic<int> calls{0};
  Future<void> f = RetryAsync(
      pool_,
      RetryPolicy()
          .WithMaxAttempts(5)
          .WithBackoff(Backoff::Constant(absl::Hours(1)))
          .WithTimeBudget(absl::Seconds(1)),
      [&] {
        calls.fetch_add(1);
        return absl::UnavailableError("down");
      },
      Options());
  ASSERT_TRUE(f.WaitFor(kLongWait));
  absl::Status s = f.Get();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("past the deadline of 1s"));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(RetryAsyncTest, HungForkTaskIsKilledByTheTimeout) {
  absl::StatusOr<std::unique_ptr<ForkExecutor>> fork = ForkExecutor::Create();
  ASSERT_TRUE(fork.ok()) << fork.status();
  Lock lock;
  std::vector<Future<pid_t>> pids;
  Future<int> f = RetryAsync(
      pool_, RetryPolicy().WithMaxAttempts(1),
      [&]() -> Future<int> {
        ForkTask<int> task = (*fork)->Start(ForkTaskOptions{}, [] {
          pause();  // hangs until killed
          return 0;
        });
        LockHolder hold(lock);
        pids.push_back(std::move(task.pid));
        return std::move(task.result);
      },
      Options(absl::Milliseconds(200)));
  ASSERT_TRUE(f.WaitFor(kLongWait));
  EXPECT_EQ(f.Get().status().code(), absl::StatusCode::kDeadlineExceeded);
  LockHolder hold(lock);
  ASSERT_EQ(pids.size(), 1);
  ASSERT_TRUE(pids[0].WaitFor(kLongWait));
  absl::StatusOr<pid_t> pid = pids[0].Get();
  ASSERT_TRUE(pid.ok()) << pid.status();
  // Shutdown waits for the supervisor to reap its children: the killed child
  // is gone afterwards (kill(pid, 0) fails with ESRCH).
  EXPECT_TRUE((*fork)->Shutdown().ok());
  EXPECT_EQ(kill(*pid, 0), -1);
}

TEST_F(RetryAsyncTest, CancelStopsFurtherAttempts) {
  std::atomic<int> calls{0};
  Event first_done;
  Future<void> f = RetryAsync(
      pool_,
      RetryPolicy().WithMaxAttempts(100).WithBackoff(
          Backoff::Constant(absl::Hours(1))),
      [&] {
        calls.fetch_add(1);
        first_done.Set();
        return absl::UnavailableError("down");
      },
      Options());
  ASSERT_TRUE(first_done.WaitFor(kLongWait));
  // The first attempt failed; the call now waits an hour for the second.
  EXPECT_TRUE(f.Cancel());
  EXPECT_EQ(f.Get().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(RetryAsyncTest, RetrierHooksRunInOrder) {
  Lock lock;
  std::vector<std::string> log;
  auto record = [&](std::string entry) {
    LockHolder hold(lock);
    log.push_back(std::move(entry));
  };
  Retrier<int> retrier(FastPolicy(3));
  retrier.OnInit([&] { record("init"); })
      .OnDone([&](int v) {
        record(absl::StrCat("done ", v));
        return v + 100;
      })
      .OnError([&](const absl::Status&, int attempt) {
        record(absl::StrCat("error ", attempt));
      })
      .OnFinal([&] { record("final"); })
      .BeforeSleep([&](const absl::Status&, int attempt, absl::Duration) {
        record(absl::StrCat("sleep ", attempt));
      });
  std::atomic<int> calls{0};
  Future<int> f = RunAsync(
      retrier, pool_,
      [&]() -> absl::StatusOr<int> {
        if (calls.fetch_add(1) == 0) return absl::UnavailableError("down");
        return 7;
      },
      Options());
  ASSERT_TRUE(f.WaitFor(kLongWait));
  EXPECT_EQ(*f.Get(), 107);
  LockHolder hold(lock);
  EXPECT_THAT(log, ElementsAre("init", "error 1", "final", "sleep 1", "init",
                               "done 7", "final"));
  EXPECT_EQ(retrier.stats().attempts, 2);
  EXPECT_EQ(retrier.stats().retries, 1);
  EXPECT_EQ(retrier.stats().slept, absl::Milliseconds(1));
}

TEST_F(RetryAsyncTest, BadInputFailsWithoutCalling) {
  std::atomic<int> calls{0};
  auto fn = [&] {
    calls.fetch_add(1);
    return absl::OkStatus();
  };
  EXPECT_EQ(RetryAsync(pool_, RetryPolicy().WithMaxAttempts(0), fn, Options())
                .Get()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RetryAsync(pool_, RetryPolicy(), fn, Options(absl::ZeroDuration()))
                .Get()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      RetryAsync(pool_, RetryPolicy(), fn, Options(absl::Milliseconds(-5)))
          .Get()
          .code(),
      absl::StatusCode::kInvalidArgument);
  std::function<absl::Status()> empty;
  EXPECT_EQ(RetryAsync(pool_, RetryPolicy(), empty, Options()).Get().code(),
            absl::StatusCode::kInvalidArgument);
  Retrier<void> bad_hook{RetryPolicy()};
  bad_hook.OnFinal(nullptr);
  EXPECT_EQ(RunAsync(bad_hook, pool_, fn, Options()).Get().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(RetryAsyncTest, RejectingExecutorFailsTheFuture) {
  ThreadPool stopped(1);
  ASSERT_TRUE(stopped.Shutdown().ok());
  Future<void> f = RetryAsync(
      stopped, RetryPolicy(), [] { return absl::OkStatus(); }, Options());
  ASSERT_TRUE(f.WaitFor(kLongWait));
  EXPECT_EQ(f.Get().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(RetryAsyncTest, RunsInlineToo) {
  InlineExecutor inline_executor;
  int calls = 0;
  Future<int> f = RetryAsync(
      inline_executor, FastPolicy(3),
      [&]() -> absl::StatusOr<int> {
        if (++calls < 2) return absl::UnavailableError("down");
        return calls;
      },
      Options());
  ASSERT_TRUE(f.WaitFor(kLongWait));
  EXPECT_EQ(*f.Get(), 2);
}

}  // namespace
}  // namespace multirun
