// Four threads each add 1 to a shared counter 100000 times under a
// multirun::Lock; prints the total and exits non-zero unless it is exactly
// 400000.

#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "multirun/sync/lock.h"

namespace {

constexpr int kThreads = 4;
constexpr int kIncrementsPerThread = 100000;

}  // namespace

int main() {
  multirun::Lock lock;
  long counter = 0;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&lock, &counter] {
      for (int j = 0; j < kIncrementsPerThread; ++j) {
        std::scoped_lock guard(lock);
        ++counter;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  constexpr long kExpected = long{kThreads} * kIncrementsPerThread;
  std::printf("counter: %ld (expected %ld)\n", counter, kExpected);
  return counter == kExpected ? 0 : 1;
}
