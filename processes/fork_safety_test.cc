// Copyright 2026 The multirun Authors.
//
// Fork safety under load: 1,000 forks while 8 threads hammer a Lock and the
// allocator. Its own target because it is not run under AddressSanitizer or
// ThreadSanitizer: GCC 12's runtimes do not lock their allocators around
// fork(), so a child forked while a hammering thread is inside one waits
// forever for that thread's lock (seen: ASAN's SizeClassAllocator64 region
// mutex; TSAN's DenseSlabAlloc::Refill spin lock, in 1 of ~10 runs). There
// the test would exercise the runtime, not this library. It runs in the
// default build and under UBSAN, with glibc's malloc, which is fork-safe.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "multirun/futures/future.h"
#include "multirun/processes/fork_executor.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/lock_holder.h"

namespace multirun {
namespace {

TEST(ForkExecutorTest, ForksSafelyWhileThreadsHammerALockAndTheAllocator) {
  Lock lock;
  int64_t counter = 0;
  std::atomic<bool> stop{false};
  std::vector<std::thread> hammers;
  for (int t = 0; t < 8; ++t) {
    hammers.emplace_back([&] {
      size_t round = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        auto block = std::make_unique<std::vector<int>>(64 + (++round & 255));
        LockHolder hold(lock);
        counter += static_cast<int64_t>(block->size() > 0);
      }
    });
  }
  {
    ForkExecutor forks({.workers = 4});
    std::vector<Future<int64_t>> results;
    for (int i = 0; i < 1000; ++i) {
      results.push_back(forks.Submit([i] {
        // Allocation and the library's own state in the child.
        std::vector<std::string> words(100, std::string(50, 'w'));
        Lock own;
        LockHolder hold(own);
        return static_cast<int64_t>(words.size()) * i;
      }));
    }
    for (int i = 0; i < 1000; ++i) {
      ASSERT_EQ(results[i].Get().value(), int64_t{100} * i);
    }
  }
  stop = true;
  for (std::thread& hammer : hammers) hammer.join();
  EXPECT_GT(counter, 0);
}

}  // namespace
}  // namespace multirun
