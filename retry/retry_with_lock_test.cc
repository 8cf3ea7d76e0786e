// Copyright 2026 The multirun Authors.
//
// Retry with locks, an integration test: a function wrapped by RunWith (Lock,
// RLock, Semaphore, BoundedSemaphore) and retried, called by several threads
// at once. Each attempt holds the primitive; a retry releases it between
// attempts, so other threads get in while one backs off.

#include <atomic>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "multirun/retry/backoff.h"
#include "multirun/retry/retrier.h"
#include "multirun/retry/retry_policy.h"
#include "multirun/sync/bounded_semaphore.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/rlock.h"
#include "multirun/sync/run_with.h"
#include "multirun/sync/semaphore.h"

namespace multirun {
namespace {

constexpr int kThreads = 4;
constexpr int kCallsPerThread = 50;
constexpr int kFailuresPerCall = 2;

// Runs kThreads threads, each making kCallsPerThread calls of a retried,
// primitive-guarded function that fails its first kFailuresPerCall attempts.
// Returns the most threads seen inside the guarded body at once.
template <typename P>
int RunRetriedUnder(P& primitive) {
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<int> successes{0};
  auto body = [&](int& attempts) -> absl::StatusOr<int> {
    const int now = inside.fetch_add(1) + 1;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::yield();  // widen the window for an overlap
    inside.fetch_sub(1);
    if (++attempts <= kFailuresPerCall) {
      return absl::UnavailableError("not yet");
    }
    return attempts;
  };
  auto retried =
      WithRetry(RetryPolicy()
                    .WithMaxAttempts(kFailuresPerCall + 1)
                    .WithBackoff(Backoff::Constant(absl::Microseconds(10))),
                RunWith(primitive, body));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        int attempts = 0;
        absl::StatusOr<int> r = retried(attempts);
        if (r.ok() && *r == kFailuresPerCall + 1) successes.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(successes.load(), kThreads * kCallsPerThread);
  const RetryStats stats = retried.stats();
  EXPECT_EQ(stats.calls, kThreads * kCallsPerThread);
  EXPECT_EQ(stats.attempts,
            kThreads * kCallsPerThread * (kFailuresPerCall + 1));
  EXPECT_EQ(stats.give_ups, 0);
  return most.load();
}

TEST(RetryWithLockTest, Lock) {
  Lock lock;
  EXPECT_EQ(RunRetriedUnder(lock), 1);
}

TEST(RetryWithLockTest, RLock) {
  RLock rlock;
  EXPECT_EQ(RunRetriedUnder(rlock), 1);
}

TEST(RetryWithLockTest, Semaphore) {
  Semaphore semaphore(2);
  EXPECT_LE(RunRetriedUnder(semaphore), 2);
}

TEST(RetryWithLockTest, BoundedSemaphore) {
  BoundedSemaphore semaphore(2);
  EXPECT_LE(RunRetriedUnder(semaphore), 2);
}

// The other order: the lock held across every attempt of one call (retry
// inside RunWith), so the attempts of one call are never interleaved with
// another call's.
TEST(RetryWithLockTest, LockHeldAcrossTheRetries) {
  Lock lock;
  std::atomic<int> inside{0};
  std::atomic<bool> overlap{false};
  auto call = RunWith(lock, [&] {
    int attempts = 0;
    return Retry(RetryPolicy().WithMaxAttempts(3).WithBackoff(Backoff::None()),
                 [&] {
                   if (inside.fetch_add(1) != 0) overlap = true;
                   std::this_thread::yield();
                   inside.fetch_sub(1);
                   return ++attempts < 3 ? absl::AbortedError("again")
                                         : absl::OkStatus();
                 });
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        if (call().ok()) ok.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kCallsPerThread);
  EXPECT_FALSE(overlap.load());
}

}  // namespace
}  // namespace multirun
