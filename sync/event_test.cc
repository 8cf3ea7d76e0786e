// Copyright 2026 The multirun Authors.

#include "multirun/sync/event.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace {

using testing_internal::RunThreads;
using testing_internal::TrackedThread;

TEST(EventTest, SetClearIsSet) {
  Event event;
  EXPECT_FALSE(event.IsSet());
  event.Set();
  EXPECT_TRUE(event.IsSet());
  event.Set();  // Idempotent.
  EXPECT_TRUE(event.IsSet());
  event.Clear();
  EXPECT_FALSE(event.IsSet());
}

TEST(EventTest, WaitReturnsAtOnceWhenSet) {
  Event event;
  event.Set();
  event.Wait();
  EXPECT_TRUE(event.WaitFor(absl::ZeroDuration()));
  EXPECT_TRUE(event.WaitUntil(absl::InfinitePast()));
}

TEST(EventTest, WaitForTimesOutWhenNotSet) {
  Event event;
  const absl::Time start = absl::Now();
  EXPECT_FALSE(event.WaitFor(absl::Milliseconds(30)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
}

TEST(EventTest, SetWakesEveryWaiter) {
  constexpr int kWaiters = 8;
  Event event;
  std::atomic<int> woken{0};
  std::vector<std::unique_ptr<testing_internal::TrackedThread>> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.push_back(std::make_unique<testing_internal::TrackedThread>([&] {
      event.Wait();
      woken.fetch_add(1);
    }));
  }
  for (auto& waiter : waiters) waiter->AwaitWaitingOn(event);
  EXPECT_EQ(woken.load(), 0);
  event.Set();
  for (auto& waiter : waiters) waiter->Join();
  EXPECT_EQ(woken.load(), kWaiters);
}
TEST(EventTest, SetPublishesWritesBeforeIt) {
  Event event;
  int payload = 0;  // Not atomic: the event orders it.
  std::thread reader([&] {
    event.Wait();
    EXPECT_EQ(payload, 42);
  });
  payload = 42;
  event.Set();
  reader.join();
}

TEST(EventTest, SetFollowedAtOnceByClearStillWakesSleepers) {
  constexpr int kRounds = 50;
  for (int round = 0; round < kRounds; ++round) {
    Event event;
    testing_internal::TrackedThread waiter(
        [&] { EXPECT_TRUE(event.WaitFor(absl::Seconds(30))); });
    // Set and clear only once the waiter sleeps on the event, so the pulse
    // falls inside its wait.
    waiter.AwaitWaitingOn(event);
    event.Set();
    event.Clear();
    waiter.Join();
  }
}

// A storm: setters pulse the event (Set then Clear) until every waiter is done;
// each waiter waits 200 times with a generous limit, and every wait must end
// with true. (A single lost pulse would be rescued by the next one here; the
// test above checks a lone pulse. This one checks that no interleaving of
// many wedges a waiter or trips TSAN.)
TEST(EventTest, PulsesFromManyThreadsWakeEveryWaiter) {
  constexpr int kSetters = 4;
  constexpr int kWaiters = 4;
  constexpr int kWaits = 200;
  Event event;
  std::atomic<int> waiters_done{0};
  std::atomic<int64_t> successful_waits{0};
  testing_internal::RunThreads(kSetters + kWaiters, [&](int index) {
    if (index < kSetters) {
      while (waiters_done.load() < kWaiters) {
        event.Set();
        event.Clear();
      }
    } else {
      for (int i = 0; i < kWaits; ++i) {
        if (event.WaitFor(absl::Seconds(30))) successful_waits.fetch_add(1);
      }
      waiters_done.fetch_add(1);
    }
  });
  EXPECT_EQ(successful_waits.load(), int64_t{kWaiters} * kWaits);
}

}  // namespace
}  // namespace multirun
