// Copyright 2026 The multirun Authors.
//
// ThreadPool with futures on top: what Submit(), Then() and coroutines see
// when the pool shuts down, fairness between re-posting work and outside
// submissions, and the pool's lifetime against threads still leaving
// Schedule().

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/executors/strand.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/future.h"
#include "multirun/futures/submit.h"
#include "multirun/futures/task.h"
#include "multirun/futures/timer_queue.h"
#include "multirun/sync/event.h"

namespace multirun {
namespace {

using ::testing::HasSubstr;

TEST(ThreadPoolFuturesTest, SubmitAfterShutdownFailsWithTheReason) {
  ThreadPool pool(2, ThreadPool::Options{.name = "closing"});
  ASSERT_TRUE(pool.Shutdown().ok());
  Future<int> future = Submit(pool, [] { return 1; });
  ASSERT_TRUE(future.IsReady());
  EXPECT_EQ(future.Get().status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(future.Get().status().message(),
              HasSubstr("ThreadPool closing is shut down"));
}

TEST(ThreadPoolFuturesTest, ShutdownNowCancelsQueuedFutures) {
  ThreadPool pool(1);
  Event started, release;
  Future<void> blocker = Submit(pool, [&] {
    started.Set();
    release.Wait();
  });
  started.Wait();
  std::vector<Future<int>> queued;
  for (int i = 0; i < 10; ++i)
    queued.push_back(Submit(pool, [i] { return i; }));
  EXPECT_EQ(pool.ShutdownNow(), 10u);
  for (Future<int>& future : queued) {
    EXPECT_EQ(future.Get().status(),
              absl::CancelledError("cancelled by ThreadPool::ShutdownNow"));
  }
  release.Set();
  EXPECT_TRUE(blocker.Get().ok());
}

TEST(ThreadPoolFuturesTest, ContinuationOnAShutDownPoolFails) {
  ThreadPool pool(1);
  Promise<int> promise;
  Future<int> chained =
      promise.GetFuture().Then(pool, [](int x) { return x + 1; });
  ASSERT_TRUE(pool.Shutdown().ok());
  promise.SetValue(1);
  EXPECT_EQ(chained.Get().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

Task<std::string> MoveTo(Executor& executor) {
  absl::Status moved = co_await ResumeOn(executor);
  co_return moved.ToString();
}

TEST(ThreadPoolFuturesTest, ResumeOnAShutDownPoolSaysWhy) {
  ThreadPool pool(1, ThreadPool::Options{.name = "gone"});
  ASSERT_TRUE(pool.Shutdown().ok());
  EXPECT_THAT(*MoveTo(pool).Get(),
              HasSubstr("FAILED_PRECONDITION: ThreadPool gone is shut down"));
}

TEST(ThreadPoolFuturesTest, RawTaskHoldingAPromiseLearnsTheRejection) {
  ThreadPool pool(1, ThreadPool::Options{.name = "raw"});
  ASSERT_TRUE(pool.Shutdown().ok());
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  absl::Status status =
      pool.Schedule([p = std::move(promise)]() mutable { p.SetValue(1); });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(future.Get().status(), status);
}

// A task that keeps re-posting itself (as a busy strand's drain does) must not
// starve submissions from outside, even on a single worker.
TEST(ThreadPoolFuturesTest, ReschedulingWorkDoesNotStarveOutsideSubmissions) {
  ThreadPool pool(1);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> spins{0};
  struct Spinner {
    ThreadPool* pool;
    std::atomic<bool>* stop;
    std::atomic<int64_t>* spins;
    void operator()() const {
      spins->fetch_add(1, std::memory_order_relaxed);
      if (!stop->load()) pool->Schedule(*this).IgnoreError();
    }
  };
  ASSERT_TRUE(pool.Schedule(Spinner{&pool, &stop, &spins}).ok());
  while (spins.load() < 1000) std::this_thread::yield();
  Future<int> outside = Submit(pool, [] { return 7; });
  const bool ran = outside.WaitFor(absl::Seconds(30));
  stop = true;
  ASSERT_TRUE(ran) << "an outside task starved behind a re-posting task";
  EXPECT_EQ(*outside.Get(), 7);
}

TEST(ThreadPoolFuturesTest, BusyStrandDoesNotStarveThePool) {
  ThreadPool pool(1);
  auto strand = std::make_unique<Strand>(pool);
  Strand* const serial = strand.get();
  std::atomic<bool> stop{false};
  std::function<void()> repost = [&] {
    if (!stop.load()) serial->Schedule(repost).IgnoreError();
  };
  ASSERT_TRUE(strand->Schedule(repost).ok());
  Future<int> outside = Submit(pool, [] { return 8; });
  const bool ran = outside.WaitFor(absl::Seconds(30));
  stop = true;
  strand.reset();  // waits for the last repost, which uses `repost`
  ASSERT_TRUE(ran) << "an outside task starved behind a busy strand";
  EXPECT_EQ(*outside.Get(), 8);
}

// Tasks scheduled together from outside may be taken by one worker in one
// batch. A task of the batch that waits for a later one must not wait
// forever: another worker steals the oldest of the rest first.
TEST(ThreadPoolFuturesTest, TasksOfOneBatchThatWaitForEachOtherFinish) {
  ThreadPool pool(2);
  for (int round = 0; round < 300; ++round) {
    Event b_ran;
    // A and C wait for B; with two workers one of them must run B.
    Future<bool> a =
        Submit(pool, [&] { return b_ran.WaitFor(absl::Seconds(60)); });
    Future<int> b = Submit(pool, [&] {
      b_ran.Set();
      return 2;
    });
    Future<bool> c =
        Submit(pool, [&] { return b_ran.WaitFor(absl::Seconds(60)); });
    ASSERT_TRUE(*a.Get()) << "round " << round;
    ASSERT_TRUE(*c.Get()) << "round " << round;
    EXPECT_EQ(*b.Get(), 2);
  }
}

// A task held in one worker's deque (the rest of a batch under a task that
// waits for it) is run by the other worker even while outside work keeps
// arriving, which the other worker could otherwise take forever.
TEST(ThreadPoolFuturesTest, ABatchHeldUnderABlockedTaskRunsDespiteAStream) {
  // The stream's tasks waiting in the pool; outlives the pool, whose
  // destructor runs what a round left behind.
  std::atomic<int> pending{0};
  ThreadPool pool(2);
  for (int round = 0; round < 50; ++round) {
    Event b_ran;
    std::atomic<bool> stop{false};
    // The stream never stops while the round lasts, but keeps at most
    // kBacklog of its tasks waiting: a stream faster than the workers (a
    // thread with more of the CPU than they get, on a loaded machine) would
    // otherwise bury `a` and `b` under a backlog that only grows.
    constexpr int kBacklog = 10'000;
    std::thread stream([&] {
      while (!stop.load()) {
        if (pending.load() >= kBacklog) {
          std::this_thread::yield();
          continue;
        }
        pending.fetch_add(1);
        if (!pool.Schedule([&pending] { pending.fetch_sub(1); }).ok()) {
          pending.fetch_sub(1);
        }
      }
    });
    Future<bool> a =
        Submit(pool, [&] { return b_ran.WaitFor(absl::Seconds(60)); });
    Future<int> b = Submit(pool, [&] {
      b_ran.Set();
      return 2;
    });
    const bool ran = b_ran.WaitFor(absl::Seconds(60));
    stop = true;
    stream.join();
    ASSERT_TRUE(ran) << "round " << round;
    EXPECT_TRUE(*a.Get());
    EXPECT_EQ(*b.Get(), 2);
  }
}

// ShutdownNow() racing a batch: a task that waits for the future of the task
// scheduled just before it either sees it complete (run) or fail (dropped);
// the worker never holds the earlier one while it runs the later one.
TEST(ThreadPoolFuturesTest, ShutdownNowRacingABatchNeverStrandsATask) {
  for (int round = 0; round < 300; ++round) {
    auto pool = std::make_unique<ThreadPool>(2);
    std::vector<Future<bool>> seconds;
    for (int i = 0; i < 8; ++i) {
      auto first =
          std::make_shared<Future<int>>(Submit(*pool, [] { return 1; }));
      seconds.push_back(
          Submit(*pool, [first] { return first->WaitFor(absl::Seconds(60)); }));
    }
    pool->ShutdownNow();
    pool.reset();  // Joins: a stranded task would hold this for a minute.
    for (Future<bool>& second : seconds) {
      absl::StatusOr<bool> waited = std::move(second).Get();
      if (waited.ok()) {
        EXPECT_TRUE(*waited) << "round " << round;
      }
    }
  }
}

// The owner may destroy a pool as soon as its task has run, while the thread
// that scheduled it (here a timer thread, as in async retry) may still be
// inside Schedule(). ASAN reports a use-after-free if the pool does not wait.
TEST(ThreadPoolFuturesTest, DestroyRightAfterAnOutsideTaskRan) {
  TimerQueue timers;
  for (int round = 0; round < 300; ++round) {
    auto pool = std::make_unique<ThreadPool>(1);
    Future<int> future =
        timers.ScheduleAfter(*pool, absl::ZeroDuration(), [] { return 1; });
    EXPECT_EQ(*future.Get(), 1);
    pool.reset();
  }
  for (int round = 0; round < 300; ++round) {
    auto pool = std::make_unique<ThreadPool>(1);
    Event ran;
    std::thread outside(
        [&] { pool->Schedule([&ran] { ran.Set(); }).IgnoreError(); });
    ran.Wait();
    pool.reset();
    outside.join();
  }
}

}  // namespace
}  // namespace multirun
