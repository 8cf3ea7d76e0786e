// Copyright 2026 The multirun Authors.

#include "multirun/sync/rlock.h"

#include <cstdint>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/sync/internal/test_threads.h"

namespace multirun {
namespace {

using sync_internal::Occupancy;
using sync_internal::RunThreads;

TEST(RLockTest, OwnerReentersAndReleasesLevelByLevel) {
  RLock lock;
  EXPECT_EQ(lock.Depth(), 0);
  lock.Acquire();
  lock.Acquire();
  EXPECT_TRUE(lock.TryAcquire());
  EXPECT_TRUE(lock.AcquireFor(absl::ZeroDuration()));
  EXPECT_EQ(lock.Depth(), 4);
  for (int depth = 3; depth >= 0; --depth) {
    ASSERT_TRUE(lock.Release().ok());
    EXPECT_EQ(lock.Depth(), depth);
  }
  EXPECT_FALSE(lock.IsOwnedByCurrentThread());
}

TEST(RLockTest, OtherThreadWaitsUntilEveryLevelIsReleased) {
  RLock lock;
  lock.Acquire();
  lock.Acquire();
  std::thread other([&] { EXPECT_FALSE(lock.TryAcquire()); });
  other.join();
  ASSERT_TRUE(lock.Release().ok());
  std::thread still_held([&] { EXPECT_FALSE(lock.TryAcquire()); });
  still_held.join();
  ASSERT_TRUE(lock.Release().ok());
  std::thread free([&] {
    EXPECT_TRUE(lock.TryAcquire());
    EXPECT_TRUE(lock.Release().ok());
  });
  free.join();
}

TEST(RLockTest, ReleaseByNonOwnerFailsAndNamesBothThreads) {
  RLock lock;
  lock.Acquire();
  std::thread other([&] {
    const absl::Status status = lock.Release();
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(status.message().find("held by thread"), absl::string_view::npos)
        << status;
  });
  other.join();
  // Still held by this thread, one level.
  EXPECT_EQ(lock.Depth(), 1);
  ASSERT_TRUE(lock.Release().ok());
}

TEST(RLockTest, ReleaseOfUnheldLockFails) {
  RLock lock;
  const absl::Status status = lock.Release();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("not held"), absl::string_view::npos);
}

TEST(RLockDeathTest, UnlockByNonOwnerAborts) {
  EXPECT_DEATH(
      {
        RLock lock;
        lock.Acquire();
        std::thread other([&] { lock.unlock(); });
        other.join();
      },
      "released an RLock held by thread");
}

TEST(RLockTest, AcquireForTimesOutWhileAnotherThreadHolds) {
  RLock lock;
  lock.Acquire();
  std::thread other([&] {
    EXPECT_FALSE(lock.AcquireFor(absl::Milliseconds(30)));
    EXPECT_EQ(lock.Depth(), 0);
  });
  other.join();
  ASSERT_TRUE(lock.Release().ok());
}

TEST(RLockTest, EightThreadsWithNestingCountExactly) {
  constexpr int kThreads = 8;
  constexpr int kIterations = 20000;
  RLock lock;
  Occupancy occupancy;
  int64_t counter = 0;
  RunThreads(kThreads, [&](int) {
    for (int i = 0; i < kIterations; ++i) {
      std::scoped_lock outer(lock);
      occupancy.Enter();
      {
        std::scoped_lock inner(lock);
        ++counter;
      }
      ++counter;
      occupancy.Leave();
    }
  });
  EXPECT_EQ(counter, int64_t{2} * kThreads * kIterations);
  EXPECT_EQ(occupancy.Most(), 1);
}

}  // namespace
}  // namespace multirun
