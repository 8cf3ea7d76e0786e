// Copyright 2026 The multirun Authors.

#include "multirun/sync/run_with.h"

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/sync/bounded_semaphore.h"
#include "multirun/sync/condition.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/rlock.h"
#include "multirun/sync/semaphore.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace {

using testing_internal::Occupancy;
using testing_internal::RunThreads;

int Add(int a, int b) { return a + b; }

TEST(RunWithTest, ForwardsArgumentsAndReturnValue) {
  Lock lock;
  auto add = RunWith(lock, &Add);
  EXPECT_EQ(add(2, 3), 5);
  EXPECT_FALSE(lock.IsLocked());
}

TEST(RunWithTest, HoldsTheLockDuringTheCall) {
  Lock lock;
  auto check = RunWith(lock, [&] { return lock.IsLocked(); });
  EXPECT_TRUE(check());
  EXPECT_FALSE(lock.IsLocked());
}

TEST(RunWithTest, ReturnsReferencesAndTakesMoveOnlyArguments) {
  Lock lock;
  int value = 1;
  auto ref = RunWith(lock, [&]() -> int& { return value; });
  ref() = 9;
  EXPECT_EQ(value, 9);
  auto consume = RunWith(lock, [](std::unique_ptr<int> p) { return *p; });
  EXPECT_EQ(consume(std::make_unique<int>(4)), 4);
}

TEST(RunWithTest, CallsMemberFunctions) {
  struct Account {
    int balance = 0;
    int Deposit(int amount) { return balance += amount; }
  };
  RLock lock;
  Account account;
  auto deposit = RunWith(lock, &Account::Deposit);
  EXPECT_EQ(deposit(account, 5), 5);
  EXPECT_EQ(deposit(&account, 7), 12);
}

TEST(RunWithTest, ReleasesWhenTheFunctionThrows) {
  Lock lock;
  auto fail = RunWith(lock, []() -> int { throw std::runtime_error("boom"); });
  EXPECT_THROW(fail(), std::runtime_error);
  EXPECT_FALSE(lock.IsLocked());
}

TEST(RunWithTest, ReentrantCallsUnderRLock) {
  RLock lock;
  std::function<int(int)> countdown;
  auto guarded = RunWith(
      lock, [&](int n) { return n == 0 ? lock.Depth() : countdown(n - 1); });
  countdown = guarded;
  EXPECT_EQ(guarded(4), 5);  // Five nested levels, no deadlock.
}

// Lock, RLock, Semaphore and BoundedSemaphore, on 8 threads: the guarded
// sections never hold more than the primitive admits, and the count is exact.
template <typename P>
void ExpectAdmitsAtMost(P& primitive, int admitted) {
  constexpr int kThreads = 8;
  constexpr int kCalls = 5000;
  testing_internal::Occupancy occupancy;
  int64_t unprotected = 0;
  std::atomic<int64_t> calls{0};
  auto section = RunWith(primitive, [&] {
    occupancy.Enter();
    if (admitted == 1) ++unprotected;
    calls.fetch_add(1, std::memory_order_relaxed);
    occupancy.Leave();
  });
  testing_internal::RunThreads(kThreads, [&](int) {
    for (int i = 0; i < kCalls; ++i) section();
  });
  EXPECT_EQ(calls.load(), int64_t{kThreads} * kCalls);
  EXPECT_LE(occupancy.Most(), admitted);
  if (admitted == 1) {
    EXPECT_EQ(unprotected, int64_t{kThreads} * kCalls);
  }
}

TEST(RunWithTest, LockAdmitsOne) {
  Lock lock;
  ExpectAdmitsAtMost(lock, 1);
}
TEST(RunWithTest, RLockAdmitsOne) {
  RLock lock;
  ExpectAdmitsAtMost(lock, 1);
}
TEST(RunWithTest, ConditionAdmitsOne) {
  Condition condition;
  ExpectAdmitsAtMost(condition, 1);
}
TEST(RunWithTest, SemaphoreAdmitsItsPermits) {
  Semaphore semaphore(3);
  ExpectAdmitsAtMost(semaphore, 3);
  EXPECT_EQ(semaphore.Available(), 3);
}
TEST(RunWithTest, BoundedSemaphoreAdmitsItsPermits) {
  BoundedSemaphore semaphore(2);
  ExpectAdmitsAtMost(semaphore, 2);
  EXPECT_EQ(semaphore.Available(), 2);
}

TEST(RunWithTimeoutTest, GivesUpWithDeadlineExceededAndDoesNotRun) {
  Lock lock;
  lock.Acquire();
  bool ran = false;
  auto value = RunWithTimeout(lock, absl::Milliseconds(10), [&] {
    ran = true;
    return 1;
  });
  auto nothing =
      RunWithTimeout(lock, absl::Milliseconds(10), [&] { ran = true; });
  absl::Status value_status;
  absl::Status nothing_status;
  std::thread other([&] {
    value_status = value().status();
    nothing_status = nothing();
  });
  other.join();
  EXPECT_EQ(value_status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(nothing_status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(ran);
  ASSERT_TRUE(lock.Release().ok());
}

TEST(RunWithTimeoutTest, ResultTypesFollowTheFunction) {
  Semaphore semaphore(1);
  auto value =
      RunWithTimeout(semaphore, absl::Seconds(1), [](int x) { return x * 2; });
  static_assert(std::is_same_v<decltype(value(1)), absl::StatusOr<int>>);
  EXPECT_EQ(*value(21), 42);

  auto status = RunWithTimeout(semaphore, absl::Seconds(1),
                               [] { return absl::NotFoundError("missing"); });
  static_assert(std::is_same_v<decltype(status()), absl::Status>);
  EXPECT_EQ(status().code(), absl::StatusCode::kNotFound);

  auto status_or =
      RunWithTimeout(semaphore, absl::Seconds(1),
                     []() -> absl::StatusOr<std::string> { return "ok"; });
  static_assert(
      std::is_same_v<decltype(status_or()), absl::StatusOr<std::string>>);
  EXPECT_EQ(*status_or(), "ok");

  int calls = 0;
  auto nothing = RunWithTimeout(semaphore, absl::Seconds(1), [&] { ++calls; });
  static_assert(std::is_same_v<decltype(nothing()), absl::Status>);
  EXPECT_TRUE(nothing().ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(semaphore.Available(), 1);
}

}  // namespace
}  // namespace multirun
