// Copyright 2026 The multirun Authors.

#include "multirun/sync/lock_holder.h"

#include <thread>

#include "gtest/gtest.h"
#include "multirun/sync/lock.h"
#include "multirun/sync/rlock.h"

namespace multirun {
namespace {

TEST(LockHolderTest, HoldsForTheScope) {
  Lock lock;
  {
    LockHolder hold(lock);
    EXPECT_TRUE(lock.IsLocked());
  }
  EXPECT_FALSE(lock.IsLocked());
}

TEST(LockHolderTest, ReleaseAndReacquireWithinTheScope) {
  Lock lock;
  {
    LockHolder hold(lock);
    hold.Release();
    EXPECT_FALSE(lock.IsLocked());
    std::thread other([&] {
      EXPECT_TRUE(lock.TryAcquire());
      EXPECT_TRUE(lock.Release().ok());
    });
    other.join();
    hold.Reacquire();
    EXPECT_TRUE(lock.IsLocked());
  }
  EXPECT_FALSE(lock.IsLocked());
}

TEST(LockHolderTest, ReleasedHolderDoesNotReleaseAgain) {
  Lock lock;
  {
    LockHolder hold(lock);
    hold.Release();
    lock.Acquire();  // Someone else's hold, which the holder must not end.
  }
  EXPECT_TRUE(lock.IsLocked());
  ASSERT_TRUE(lock.Release().ok());
}

TEST(LockHolderTest, WorksWithAnRLock) {
  RLock lock;
  LockHolder outer(lock);
  {
    LockHolder inner(lock);
    EXPECT_EQ(lock.Depth(), 2);
  }
  EXPECT_EQ(lock.Depth(), 1);
}

}  // namespace
}  // namespace multirun
