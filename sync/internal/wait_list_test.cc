// Copyright 2026 The multirun Authors.

#include "multirun/sync/internal/wait_list.h"

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/base/deadline.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace sync_internal {
namespace {

TEST(WaitListTest, NotifyBetweenEnterAndSleepIsNotLost) {
  WaitList waiters;
  const uint32_t ticket = waiters.Enter();
  waiters.NotifyOne();
  // The notify came after Enter(): the sleep must return at once, not time out.
  EXPECT_TRUE(
      waiters.Sleep(ticket, base_internal::Deadline::After(absl::Seconds(30))));
  waiters.Leave();
}

TEST(WaitListTest, NotifyBeforeEnterDoesNotWakeALaterWaiter) {
  WaitList waiters;
  waiters.NotifyOne();
  waiters.NotifyAll();
  const uint32_t ticket = waiters.Enter();
  EXPECT_FALSE(waiters.Sleep(
      ticket, base_internal::Deadline::After(absl::Milliseconds(20))));
  waiters.Leave();
}

TEST(WaitListTest, NotifyOneWakesASleeper) {
  WaitList waiters;
  testing_internal::TrackedThread sleeper([&] {
    const uint32_t ticket = waiters.Enter();
    EXPECT_TRUE(waiters.Sleep(
        ticket, base_internal::Deadline::After(absl::Seconds(30))));
    waiters.Leave();
  });
  sleeper.AwaitWaitingOn(waiters);
  waiters.NotifyOne();
  sleeper.Join();
}

TEST(WaitListTest, NotifyAllWakesEverySleeper) {
  constexpr int kSleepers = 6;
  WaitList waiters;
  std::vector<std::unique_ptr<testing_internal::TrackedThread>> sleepers;
  for (int i = 0; i < kSleepers; ++i) {
    sleepers.push_back(std::make_unique<testing_internal::TrackedThread>([&] {
      const uint32_t ticket = waiters.Enter();
      EXPECT_TRUE(waiters.Sleep(
          ticket, base_internal::Deadline::After(absl::Seconds(30))));
      waiters.Leave();
    }));
  }
  for (auto& sleeper : sleepers) sleeper->AwaitWaitingOn(waiters);
  waiters.NotifyAll();
  for (auto& sleeper : sleepers) sleeper->Join();
}

// A notify that a sleeper already consumed must not hide a second sleeper: two
// sleepers, two NotifyOne calls, both wake.
TEST(WaitListTest, EachNotifyOneWakesAnotherSleeper) {
  WaitList waiters;
  std::atomic<int> woken{0};
  auto sleep = [&] {
    const uint32_t ticket = waiters.Enter();
    if (waiters.Sleep(ticket,
                      base_internal::Deadline::After(absl::Seconds(30)))) {
      woken.fetch_add(1);
    }
    waiters.Leave();
  };
  testing_internal::TrackedThread first(sleep);
  testing_internal::TrackedThread second(sleep);
  first.AwaitWaitingOn(waiters);
  second.AwaitWaitingOn(waiters);
  waiters.NotifyOne();
  waiters.NotifyOne();
  first.Join();
  second.Join();
  EXPECT_EQ(woken.load(), 2);
}

}  // namespace
}  // namespace sync_internal
}  // namespace multirun
