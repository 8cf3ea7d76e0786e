// Copyright 2026 The multirun Authors.

#include "multirun/sync/event.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/sync/internal/test_threads.h"

namespace multirun {
namespace {

using sync_internal::RunThreads;

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
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&] {
      event.Wait();
      woken.fetch_add(1);
    });
  }
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(woken.load(), 0);
  event.Set();
  for (auto& thread : threads) thread.join();
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
  constexpr int kRounds = 200;
  for (int round = 0; round < kRounds; ++round) {
    Event event;
    std::atomic<bool> asleep{false};
    std::thread waiter([&] {
      asleep.store(true);
      EXPECT_TRUE(event.WaitFor(absl::Seconds(30)));
    });
    while (!asleep.load()) std::this_thread::yield();
    event.Set();
    event.Clear();
    waiter.join();
  }
}

TEST(EventTest, RepeatedSetAndClearFromManyThreads) {
  // 4 setters/clearers and 4 waiters with short limits: nothing hangs, and a waiter
  // that returns true saw a Set().
  Event event;
  std::atomic<bool> ever_set{false};
  RunThreads(8, [&](int index) {
    for (int i = 0; i < 2000; ++i) {
      if (index % 2 == 0) {
        ever_set.store(true);
        event.Set();
        event.Clear();
      } else if (event.WaitFor(absl::Microseconds(50))) {
        EXPECT_TRUE(ever_set.load());
      }
    }
  });
  event.Set();
  EXPECT_TRUE(event.WaitFor(absl::ZeroDuration()));
}

}  // namespace
}  // namespace multirun
