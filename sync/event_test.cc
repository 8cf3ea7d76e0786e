// Copyright 2026 The multirun Authors.

#include "multirun/sync/event.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>
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

// Whether the kernel reports thread `tid` of this process as sleeping.
bool IsAsleep(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  std::getline(stat, line);
  // The state follows the parenthesised command name: "tid (name) S ...".
  const size_t end_of_name = line.rfind(')');
  return end_of_name != std::string::npos && end_of_name + 2 < line.size() &&
         line[end_of_name + 2] == 'S';
}

TEST(EventTest, SetFollowedAtOnceByClearStillWakesSleepers) {
  constexpr int kRounds = 50;
  for (int round = 0; round < kRounds; ++round) {
    Event event;
    std::atomic<pid_t> waiter_tid{0};
    std::thread waiter([&] {
      waiter_tid.store(static_cast<pid_t>(syscall(SYS_gettid)));
      EXPECT_TRUE(event.WaitFor(absl::Seconds(30)));
    });
    // Set and clear only once the waiter sleeps in the kernel, so the pulse
    // falls inside its wait.
    while (waiter_tid.load() == 0 || !IsAsleep(waiter_tid.load())) {
      std::this_thread::yield();
    }
    event.Set();
    event.Clear();
    waiter.join();
  }
}

TEST(EventTest, RepeatedSetAndClearFromManyThreads) {
  // 4 setters/clearers and 4 waiters with short limits: nothing hangs, and a
  // waiter that returns true saw a Set().
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
