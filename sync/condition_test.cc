// Copyright 2026 The multirun Authors.

#include "multirun/sync/condition.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace {

using testing_internal::RunThreads;
using testing_internal::TrackedThread;

TEST(ConditionTest, WaitWithoutHoldingTheLockFails) {
  Condition condition;
  EXPECT_EQ(condition.Wait().code(), absl::StatusCode::kFailedPrecondition);
  bool predicate_called = false;
  auto predicate = [&] {
    predicate_called = true;
    return true;
  };
  // Even a predicate that holds is not read without the lock: it would read
  // guarded state unlocked.
  EXPECT_EQ(condition.Wait(predicate).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(condition.WaitFor(absl::Seconds(1), predicate).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(predicate_called);
}

TEST(ConditionTest, WaitForTimesOutWithDeadlineExceededHoldingTheLock) {
  Condition condition;
  std::scoped_lock hold(condition);
  const absl::Time start = absl::Now();
  const absl::Status status =
      condition.WaitFor(absl::Milliseconds(30), [] { return false; });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
  EXPECT_TRUE(condition.IsOwnedByCurrentThread());
  EXPECT_EQ(condition.WaitFor(absl::Milliseconds(1)).code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(ConditionTest, NotifyOneWakesAWaiterWhosePredicateHolds) {
  Condition condition;
  bool ready = false;
  testing_internal::TrackedThread waiter([&] {
    std::scoped_lock hold(condition);
    EXPECT_TRUE(condition.Wait([&] { return ready; }).ok());
    EXPECT_TRUE(ready);
  });
  waiter.AwaitWaitingOn(condition);  // Asleep, so the notify must wake it.
  {
    std::scoped_lock hold(condition);
    ready = true;
    condition.NotifyOne();
  }
  waiter.Join();
}
TEST(ConditionTest, WaitRestoresEveryLevelOfAReenteredLock) {
  Condition condition;
  bool ready = false;
  testing_internal::TrackedThread waiter([&] {
    condition.Acquire();
    condition.Acquire();
    condition.Acquire();
    EXPECT_TRUE(
        condition.WaitFor(absl::Seconds(30), [&] { return ready; }).ok());
    EXPECT_EQ(condition.IsOwnedByCurrentThread(), true);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(condition.Release().ok());
    EXPECT_FALSE(condition.IsOwnedByCurrentThread());
  });
  waiter.AwaitWaitingOn(condition);
  // Possible only because the wait released all three levels.
  ASSERT_TRUE(condition.TryAcquire());
  ready = true;
  condition.NotifyAll();
  ASSERT_TRUE(condition.Release().ok());
  waiter.Join();
}
TEST(ConditionTest, NotifyAllWakesEveryWaiter) {
  constexpr int kWaiters = 8;
  Condition condition;
  int generation = 0;
  std::atomic<int> woken{0};
  std::vector<std::unique_ptr<testing_internal::TrackedThread>> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.push_back(std::make_unique<testing_internal::TrackedThread>([&] {
      std::scoped_lock hold(condition);
      EXPECT_TRUE(condition.Wait([&] { return generation == 1; }).ok());
      woken.fetch_add(1);
    }));
  }
  for (auto& waiter : waiters) waiter->AwaitWaitingOn(condition);
  {
    std::scoped_lock hold(condition);
    generation = 1;
  }
  condition.NotifyAll();
  for (auto& waiter : waiters) waiter->Join();
  EXPECT_EQ(woken.load(), kWaiters);
}
TEST(ConditionTest, BoundedBufferWithEightThreadsTransfersEveryItem) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 20000;
  constexpr size_t kCapacity = 8;
  Condition condition;
  std::deque<int64_t> buffer;
  int producers_left = kProducers;
  std::atomic<int64_t> sum{0};
  std::atomic<int64_t> count{0};
  testing_internal::RunThreads(8, [&](int index) {
    if (index < kProducers) {
      for (int i = 1; i <= kPerProducer; ++i) {
        std::scoped_lock hold(condition);
        ASSERT_TRUE(
            condition.Wait([&] { return buffer.size() < kCapacity; }).ok());
        buffer.push_back(i);
        condition.NotifyAll();
      }
      std::scoped_lock hold(condition);
      --producers_left;
      condition.NotifyAll();
    } else {
      while (true) {
        std::scoped_lock hold(condition);
        ASSERT_TRUE(
            condition
                .Wait([&] { return !buffer.empty() || producers_left == 0; })
                .ok());
        if (buffer.empty()) return;
        sum.fetch_add(buffer.front());
        count.fetch_add(1);
        buffer.pop_front();
        condition.NotifyAll();
      }
    }
  });
  EXPECT_EQ(count.load(), int64_t{kProducers} * kPerProducer);
  EXPECT_EQ(sum.load(),
            int64_t{kProducers} * kPerProducer * (kPerProducer + 1) / 2);
}

// Notifying without the lock is allowed (after the state change, made under the
// lock). 4 producers publish under the lock and notify outside it; 4 consumers
// wait with short limits and retry. Every item is consumed exactly once.
TEST(ConditionTest, NotifyOutsideTheLockWithTimeoutsLosesNothing) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 5000;
  Condition condition;
  std::deque<int> items;
  int producers_left = kProducers;
  std::atomic<int64_t> consumed{0};
  std::atomic<int64_t> timeouts{0};
  testing_internal::RunThreads(2 * kProducers, [&](int index) {
    if (index < kProducers) {
      for (int i = 0; i < kPerProducer; ++i) {
        {
          std::scoped_lock hold(condition);
          items.push_back(i);
        }
        condition.NotifyOne();
      }
      {
        std::scoped_lock hold(condition);
        --producers_left;
      }
      condition.NotifyAll();
      return;
    }
    std::scoped_lock hold(condition);
    while (true) {
      const absl::Status status = condition.WaitFor(
          absl::Microseconds(200),
          [&] { return !items.empty() || producers_left == 0; });
      if (status.code() == absl::StatusCode::kDeadlineExceeded) {
        timeouts.fetch_add(1);
        continue;
      }
      ASSERT_TRUE(status.ok()) << status;
      if (items.empty()) return;
      items.pop_front();
      consumed.fetch_add(1);
    }
  });
  EXPECT_EQ(consumed.load(), int64_t{kProducers} * kPerProducer);
  EXPECT_TRUE(items.empty());
}

TEST(ConditionDeathTest, DestroyingAConditionWithWaitersAborts) {
  // Re-executes the binary for the death test: a forked child skips the
  // check (its copies may count its parent's waiters).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        // A raw pointer, copied into the thread: the test itself must not race
        // on it.
        auto* condition = new Condition();
        testing_internal::TrackedThread waiter([condition] {
          std::scoped_lock hold(*condition);
          condition->Wait().IgnoreError();
        });
        waiter.AwaitWaitingOn(*condition);
        delete condition;
        _exit(0);  // Not reached: a surviving child must not hang in join.
      },
      "destroyed while a thread waits in it");
}

}  // namespace
}  // namespace multirun
