// Copyright 2026 The multirun Authors.

#include "multirun/sync/bounded_semaphore.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace {

using testing_internal::Occupancy;
using testing_internal::RunThreads;

TEST(BoundedSemaphoreTest, ReleaseBeyondInitialFails) {
  BoundedSemaphore semaphore(2);
  const absl::Status status = semaphore.Release();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("limit of 2"), absl::string_view::npos)
      << status;
  EXPECT_EQ(semaphore.Available(), 2);
}

TEST(BoundedSemaphoreTest, ReleaseOfWhatWasAcquiredSucceeds) {
  BoundedSemaphore semaphore(2);
  semaphore.Acquire();
  semaphore.Acquire();
  EXPECT_FALSE(semaphore.TryAcquire());
  // Returning two at once is fine; a third is one too many.
  ASSERT_TRUE(semaphore.Release(2).ok());
  EXPECT_EQ(semaphore.Release().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(semaphore.Available(), 2);
  EXPECT_EQ(semaphore.Bound(), 2);
}

TEST(BoundedSemaphoreTest, PartialOverReleaseReturnsNothing) {
  BoundedSemaphore semaphore(3);
  semaphore.Acquire();
  EXPECT_EQ(semaphore.Release(2).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(semaphore.Available(), 2);
}

TEST(BoundedSemaphoreTest, InvalidCountsAndInitialValues) {
  BoundedSemaphore semaphore(1);
  EXPECT_EQ(semaphore.Release(0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BoundedSemaphore::Create(-3).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(BoundedSemaphore::Create(0).ok());
}

TEST(BoundedSemaphoreDeathTest, UnlockBeyondBoundAborts) {
  BoundedSemaphore semaphore(1);
  EXPECT_DEATH(semaphore.unlock(), "would exceed the limit of 1");
}

TEST(BoundedSemaphoreDeathTest, NegativeInitialValueAborts) {
  EXPECT_DEATH(BoundedSemaphore semaphore(-1),
               "BoundedSemaphore: the initial value");
}

TEST(BoundedSemaphoreTest, AcquireForTimesOut) {
  BoundedSemaphore semaphore(1);
  semaphore.Acquire();
  std::thread other(
      [&] { EXPECT_FALSE(semaphore.AcquireFor(absl::Milliseconds(20))); });
  other.join();
  ASSERT_TRUE(semaphore.Release().ok());
}

TEST(BoundedSemaphoreTest, EightThreadsNeverExceedTheBound) {
  constexpr int kPermits = 2;
  constexpr int kThreads = 8;
  constexpr int kIterations = 20000;
  BoundedSemaphore semaphore(kPermits);
  testing_internal::Occupancy occupancy;
  std::atomic<int64_t> entries{0};
  testing_internal::RunThreads(kThreads, [&](int) {
    for (int i = 0; i < kIterations; ++i) {
      std::scoped_lock hold(semaphore);
      occupancy.Enter();
      entries.fetch_add(1, std::memory_order_relaxed);
      occupancy.Leave();
    }
  });
  EXPECT_EQ(entries.load(), int64_t{kThreads} * kIterations);
  EXPECT_LE(occupancy.Most(), kPermits);
  EXPECT_EQ(semaphore.Available(), kPermits);
  EXPECT_EQ(semaphore.Release().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace multirun
