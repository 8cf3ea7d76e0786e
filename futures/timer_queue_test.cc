// Copyright 2026 The multirun Authors.

#include "multirun/futures/timer_queue.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"
#include "multirun/testing/test_executors.h"

namespace multirun {
namespace {

using ::multirun::testing_internal::ManualExecutor;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(TimerQueueTest, RunsAfterTheDelay) {
  TimerQueue timers;
  InlineExecutor executor;
  const absl::Time start = absl::Now();
  Future<absl::Time> fired = timers.ScheduleAfter(
      executor, absl::Milliseconds(30), [] { return absl::Now(); });
  absl::StatusOr<absl::Time> when = fired.Get();
  ASSERT_TRUE(when.ok());
  EXPECT_GE(*when - start, absl::Milliseconds(30));
}

TEST(TimerQueueTest, FiresInDueOrderAndFifoForEqualTimes) {
  TimerQueue timers;
  InlineExecutor executor;
  Lock lock;
  std::vector<int> order;
  auto record = [&](int id) {
    LockHolder hold(lock);
    order.push_back(id);
  };
  // Due times relative to one base, so that a slow scheduling thread cannot
  // reorder them.
  const absl::Time base = absl::Now() + absl::Milliseconds(50);
  std::vector<Future<void>> futures;
  futures.push_back(
      timers.ScheduleAt(executor, base + absl::Milliseconds(60), record, 3));
  futures.push_back(
      timers.ScheduleAt(executor, base + absl::Milliseconds(20), record, 1));
  futures.push_back(
      timers.ScheduleAt(executor, base + absl::Milliseconds(40), record, 2));
  futures.push_back(timers.ScheduleAt(executor, base, record, 0));
  for (auto& f : futures) EXPECT_TRUE(f.Get().ok());
  LockHolder hold(lock);
  EXPECT_THAT(order, ElementsAre(0, 1, 2, 3));
}

TEST(TimerQueueTest, EarlierTimerAddedLaterWakesTheThread) {
  TimerQueue timers;
  InlineExecutor executor;
  Future<int> far =
      timers.ScheduleAfter(executor, absl::Hours(1), [] { return 1; });
  Future<int> near =
      timers.ScheduleAfter(executor, absl::Milliseconds(5), [] { return 2; });
  EXPECT_TRUE(near.WaitFor(absl::Seconds(30)));
  EXPECT_EQ(*near.Get(), 2);
  EXPECT_FALSE(far.IsReady());
  EXPECT_TRUE(far.Cancel());
}

TEST(TimerQueueTest, CancelBeforeFiringSkipsTheWork) {
  TimerQueue timers;
  InlineExecutor executor;
  std::atomic<bool> ran{false};
  Future<void> future = timers.ScheduleAfter(executor, absl::Milliseconds(20),
                                             [&ran] { ran = true; });
  EXPECT_TRUE(future.Cancel());
  EXPECT_EQ(future.Get().code(), absl::StatusCode::kCancelled);  // at once
  Future<void> marker =
      timers.ScheduleAfter(executor, absl::Milliseconds(40), [] {});
  EXPECT_TRUE(marker.Get().ok());
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(TimerQueueTest, WorkRunsOnTheExecutorNotTheTimerThread) {
  TimerQueue timers;
  testing_internal::ManualExecutor executor;
  Future<int> future =
      timers.ScheduleAfter(executor, absl::Milliseconds(1), [] { return 5; });
  while (executor.scheduled() == 0) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_FALSE(future.IsReady());
  EXPECT_EQ(executor.RunAll(), 1u);
  EXPECT_EQ(*future.Get(), 5);
}

TEST(TimerQueueTest, RejectingExecutorFailsTheFuture) {
  TimerQueue timers;
  testing_internal::ManualExecutor executor;
  executor.Reject(absl::FailedPreconditionError("pool is shut down"));
  Future<int> future =
      timers.ScheduleAfter(executor, absl::Milliseconds(1), [] { return 5; });
  EXPECT_EQ(future.Get().status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(future.Get().status().message(), HasSubstr("pool is shut down"));
}

TEST(TimerQueueTest, DestroyingTheQueueCancelsPendingTimers) {
  InlineExecutor executor;
  Future<int> future;
  {
    TimerQueue timers;
    future = timers.ScheduleAfter(executor, absl::Hours(1), [] { return 1; });
    EXPECT_EQ(timers.pending(), 1u);
  }
  EXPECT_EQ(
      future.Get().status(),
      absl::CancelledError("TimerQueue destroyed before the timer fired"));
}

TEST(TimerQueueTest, BadArguments) {
  TimerQueue timers;
  InlineExecutor executor;
  int (*null_function)() = nullptr;
  EXPECT_EQ(timers.ScheduleAfter(executor, absl::Seconds(1), null_function)
                .Get()
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(timers.ScheduleAfter(executor, absl::InfiniteDuration(), [] {})
                .Get()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      timers.ScheduleAt(executor, absl::InfiniteFuture(), [] {}).Get().code(),
      absl::StatusCode::kInvalidArgument);
  // Past times and negative delays run at once.
  EXPECT_TRUE(
      timers.ScheduleAt(executor, absl::InfinitePast(), [] {}).Get().ok());
  EXPECT_TRUE(
      timers.ScheduleAfter(executor, -absl::Hours(1), [] {}).Get().ok());
  // A delay too long for the clock saturates instead of overflowing.
  Future<void> far =
      timers.ScheduleAfter(executor, absl::Hours(24 * 365 * 100000), [] {});
  EXPECT_FALSE(far.WaitFor(absl::Milliseconds(5)));
  EXPECT_TRUE(far.Cancel());
}

TEST(TimerQueueTest, ScheduleAtAndTheDefaultQueue) {
  InlineExecutor executor;
  const absl::Time when = absl::Now() + absl::Milliseconds(20);
  Future<absl::Time> fired =
      ScheduleAt(executor, when, [] { return absl::Now(); });
  ASSERT_TRUE(fired.Get().ok());
  EXPECT_GE(*fired.Get(), when - absl::Milliseconds(1));
  EXPECT_EQ(
      *ScheduleAfter(executor, absl::Milliseconds(1), [] { return 3; }).Get(),
      3);
}

TEST(TimerQueueTest, ManyThreadsManyTimers) {
  TimerQueue timers;
  InlineExecutor executor;
  std::atomic<int> fired{0};
  std::vector<std::thread> threads;
  std::vector<std::vector<Future<void>>> futures(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        futures[t].push_back(
            timers.ScheduleAfter(executor, absl::Microseconds((i * 37) % 2000),
                                 [&fired] { fired.fetch_add(1); }));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  int cancelled = 0;
  for (auto& list : futures) {
    for (size_t i = 0; i < list.size(); i += 7) cancelled += list[i].Cancel();
  }
  int ok = 0, was_cancelled = 0;
  for (auto& list : futures) {
    for (auto& f : list) {
      absl::Status s = f.Get();
      if (s.ok()) {
        ++ok;
      } else {
        EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
        ++was_cancelled;
      }
    }
  }
  EXPECT_EQ(was_cancelled, cancelled);
  EXPECT_EQ(ok + was_cancelled, 2000);
  EXPECT_EQ(fired.load(), ok);
}

}  // namespace
}  // namespace multirun
