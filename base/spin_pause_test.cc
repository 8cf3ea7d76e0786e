// Copyright 2026 The multirun Authors.

#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "multirun/base/futex.h"

namespace multirun {
namespace base_internal {
namespace {

TEST(SpinPauseTest, SpinsForTheBudgetThenTellsTheCallerToSleep) {
  for (int round = 0; round < 3; ++round) {  // Measured once, then reused.
    int attempts = 0;
    while (SpinPause(attempts)) ++attempts;
    EXPECT_EQ(attempts, kSpinAttempts);
    EXPECT_FALSE(SpinPause(kSpinAttempts + 7));
  }
}

TEST(SpinPauseTest, TheFirstSpinsOfManyThreadsAtOnceAgree) {
  // Threads that spin for the first time at once may each measure the cost
  // of a pause; every one of them still spins for the whole budget.
  std::vector<int> attempts(4, 0);
  std::vector<std::thread> threads;
  for (int& count : attempts) {
    threads.emplace_back([&count] {
      while (SpinPause(count)) ++count;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : attempts) EXPECT_EQ(count, kSpinAttempts);
}

}  // namespace
}  // namespace base_internal
}  // namespace multirun
