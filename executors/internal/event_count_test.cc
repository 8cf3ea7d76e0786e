// Copyright 2026 The multirun Authors.

#include "multirun/executors/internal/event_count.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace executors_internal {
namespace {

using testing_internal::RunThreads;
using testing_internal::TrackedThread;

TEST(EventCountTest, NotifyWithNobodyWaitingDoesNothing) {
  EventCount event_count(2);
  EXPECT_FALSE(event_count.Notify(false));
  EXPECT_FALSE(event_count.Notify(true));
  EXPECT_EQ(event_count.WaitingForTests(), 0);
}

TEST(EventCountTest, NotifyBetweenPrepareAndCommitStopsTheWait) {
  EventCount event_count(1);
  event_count.PrepareWait();
  EXPECT_EQ(event_count.WaitingForTests(), 1);
  EXPECT_TRUE(event_count.Notify(false));
  EXPECT_EQ(event_count.WaitingForTests(), 0);
  EXPECT_FALSE(event_count.Notify(false));  // The signal is pending already.
  event_count.CommitWait(event_count.waiter(0));  // Returns at once.
  EXPECT_EQ(event_count.WaitingForTests(), 0);
  EXPECT_FALSE(event_count.Notify(false));
}

TEST(EventCountTest, CancelWaitTakesTheSignalAddressedToIt) {
  EventCount event_count(1);
  event_count.PrepareWait();
  EXPECT_TRUE(event_count.Notify(false));
  event_count.CancelWait();
  // Nothing left over: the next wait sleeps until a new notification.
  EXPECT_FALSE(event_count.Notify(false));
  event_count.PrepareWait();
  event_count.CancelWait();
  EXPECT_FALSE(event_count.Notify(false));
}

TEST(EventCountTest, CancelWaitLeavesSignalsForOtherPrewaiters) {
  EventCount event_count(2);
  event_count.PrepareWait();
  event_count.PrepareWait();
  EXPECT_TRUE(event_count.Notify(false));  // One signal for two pre-waiters.
  event_count.CancelWait();                // Leaves it for the other.
  event_count.CommitWait(event_count.waiter(1));  // Consumes it: no sleep.
  EXPECT_FALSE(event_count.Notify(false));
}

TEST(EventCountTest, NotifyWakesOneSleeper) {
  EventCount event_count(2);
  std::atomic<int> woken{0};
  std::vector<std::unique_ptr<testing_internal::TrackedThread>> sleepers;
  for (int i = 0; i < 2; ++i) {
    sleepers.push_back(
        std::make_unique<testing_internal::TrackedThread>([&, i] {
          event_count.PrepareWait();
          event_count.CommitWait(event_count.waiter(i));
          woken.fetch_add(1);
        }));
  }
  for (int i = 0; i < 2; ++i)
    sleepers[i]->AwaitWaitingOn(*event_count.waiter(i));
  EXPECT_EQ(event_count.WaitingForTests(), 2);
  EXPECT_TRUE(event_count.Notify(false));
  while (woken.load() < 1) std::this_thread::yield();
  EXPECT_EQ(event_count.WaitingForTests(), 1);  // Taken off the stack at once.
  EXPECT_TRUE(event_count.Notify(false));
  for (auto& sleeper : sleepers) sleeper->Join();
  EXPECT_EQ(woken.load(), 2);
  EXPECT_FALSE(event_count.Notify(false));
}

TEST(EventCountTest, NotifyAllWakesEverySleeperAndPrewaiter) {
  constexpr int kSleepers = 4;
  EventCount event_count(kSleepers + 1);
  std::vector<std::unique_ptr<testing_internal::TrackedThread>> sleepers;
  for (int i = 0; i < kSleepers; ++i) {
    sleepers.push_back(
        std::make_unique<testing_internal::TrackedThread>([&, i] {
          event_count.PrepareWait();
          event_count.CommitWait(event_count.waiter(i));
        }));
  }
  for (int i = 0; i < kSleepers; ++i) {
    sleepers[i]->AwaitWaitingOn(*event_count.waiter(i));
  }
  event_count.PrepareWait();  // And one pre-waiter (this thread).
  EXPECT_EQ(event_count.WaitingForTests(), kSleepers + 1);
  EXPECT_TRUE(event_count.Notify(true));
  for (auto& sleeper : sleepers) sleeper->Join();
  event_count.CommitWait(event_count.waiter(kSleepers));  // Does not sleep.
  EXPECT_EQ(event_count.WaitingForTests(), 0);
}

TEST(EventCountTest, NoLostWakeUps) {
  // Consumers take tokens and sleep when there are none; one producer adds
  // tokens one at a time and notifies one consumer each time. A lost wake-up
  // would leave a token untaken forever while every consumer sleeps: the test
  // would hang.
  constexpr int kConsumers = 3;
  constexpr int kTokens = 100000;
  EventCount event_count(kConsumers);
  std::atomic<int> tokens{0};
  std::atomic<int> taken{0};
  std::atomic<bool> done{false};
  testing_internal::RunThreads(kConsumers + 1, [&](int thread) {
    if (thread == kConsumers) {
      for (int i = 0; i < kTokens; ++i) {
        tokens.fetch_add(1, std::memory_order_seq_cst);
        event_count.Notify(false);
      }
      while (taken.load() < kTokens) std::this_thread::yield();
      done.store(true, std::memory_order_seq_cst);
      event_count.Notify(true);
      return;
    }
    auto try_take = [&] {
      int available = tokens.load(std::memory_order_seq_cst);
      while (available > 0) {
        if (tokens.compare_exchange_weak(available, available - 1)) return true;
      }
      return false;
    };
    for (;;) {
      if (try_take()) {
        taken.fetch_add(1);
        continue;
      }
      event_count.PrepareWait();
      if (tokens.load(std::memory_order_seq_cst) > 0 ||
          done.load(std::memory_order_seq_cst)) {
        event_count.CancelWait();
        if (done.load()) return;
        continue;
      }
      event_count.CommitWait(event_count.waiter(thread));
    }
  });
  EXPECT_EQ(taken.load(), kTokens);
  EXPECT_EQ(tokens.load(), 0);
  EXPECT_EQ(event_count.WaitingForTests(), 0);
}

TEST(EventCountDeathTest, RejectsBadWaiterCounts) {
  EXPECT_DEATH(EventCount(0), "waiters must be in \\[1, 4094\\], got 0");
  EXPECT_DEATH(EventCount(4095), "got 4095");
}

}  // namespace
}  // namespace executors_internal
}  // namespace multirun
