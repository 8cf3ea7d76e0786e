// The consumer's test: multirun::Lock, reached through @multirun//sync:lock
// alone, keeps a shared counter exact under four threads.

#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "multirun/sync/lock.h"

namespace {

constexpr int kThreads = 4;
constexpr int kIncrementsPerThread = 100000;
constexpr long kExpected = long{kThreads} * kIncrementsPerThread;

// Runs kThreads threads that each call `increment(counter)`
// kIncrementsPerThread times; returns the counter.
template <typename Increment>
long CountConcurrently(Increment increment) {
  long counter = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&increment, &counter] {
      for (int j = 0; j < kIncrementsPerThread; ++j) increment(counter);
    });
  }
  for (std::thread& thread : threads) thread.join();
  return counter;
}

TEST(CounterTest, ScopedLockKeepsTheCountExact) {
  multirun::Lock lock;
  EXPECT_EQ(CountConcurrently([&lock](long& counter) {
              std::scoped_lock guard(lock);
              ++counter;
            }),
            kExpected);
}

TEST(CounterTest, AcquireReleaseKeepsTheCountExact) {
  multirun::Lock lock;
  EXPECT_EQ(CountConcurrently([&lock](long& counter) {
              lock.Acquire();
              ++counter;
              EXPECT_TRUE(lock.Release().ok());
            }),
            kExpected);
}

}  // namespace
