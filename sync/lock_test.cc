// Copyright 2026 The multirun Authors.

#include "multirun/sync/lock.h"

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace {

using testing_internal::Occupancy;
using testing_internal::RunThreads;
using testing_internal::TrackedThread;

TEST(LockTest, AcquireThenReleaseSucceeds) {
  Lock lock;
  EXPECT_FALSE(lock.IsLocked());
  lock.Acquire();
  EXPECT_TRUE(lock.IsLocked());
  EXPECT_TRUE(lock.Release().ok());
  EXPECT_FALSE(lock.IsLocked());
}

TEST(LockTest, TryAcquireFailsWhileHeld) {
  Lock lock;
  ASSERT_TRUE(lock.TryAcquire());
  EXPECT_FALSE(lock.TryAcquire());
  std::thread other([&] { EXPECT_FALSE(lock.TryAcquire()); });
  other.join();
  ASSERT_TRUE(lock.Release().ok());
  EXPECT_TRUE(lock.TryAcquire());
  ASSERT_TRUE(lock.Release().ok());
}

TEST(LockTest, ReleaseOfUnheldLockFails) {
  Lock lock;
  const absl::Status status = lock.Release();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("not held"), absl::string_view::npos);
  // The failed release changed nothing.
  EXPECT_FALSE(lock.IsLocked());
  EXPECT_TRUE(lock.TryAcquire());
  ASSERT_TRUE(lock.Release().ok());
}

TEST(LockDeathTest, UnlockOfUnheldLockAborts) {
  Lock lock;
  EXPECT_DEATH(lock.unlock(), "Lock::Release: the lock is not held");
}

TEST(LockTest, AnyThreadMayRelease) {
  Lock lock;
  lock.Acquire();
  std::thread other([&] { EXPECT_TRUE(lock.Release().ok()); });
  other.join();
  EXPECT_FALSE(lock.IsLocked());
}

TEST(LockTest, AcquireForTimesOutWhileHeld) {
  Lock lock;
  lock.Acquire();
  std::thread other([&] {
    const absl::Time start = absl::Now();
    EXPECT_FALSE(lock.AcquireFor(absl::Milliseconds(50)));
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
    EXPECT_FALSE(lock.AcquireFor(absl::ZeroDuration()));
    EXPECT_FALSE(lock.AcquireUntil(absl::InfinitePast()));
  });
  other.join();
  ASSERT_TRUE(lock.Release().ok());
}

TEST(LockTest, AcquireForSucceedsWhenReleasedInTime) {
  Lock lock;
  lock.Acquire();
  testing_internal::TrackedThread other([&] {
    EXPECT_TRUE(lock.AcquireFor(absl::Seconds(30)));
    EXPECT_TRUE(lock.Release().ok());
  });
  other.AwaitWaitingOn(
      lock);  // Asleep in AcquireFor: the release must wake it.
  ASSERT_TRUE(lock.Release().ok());
  other.Join();
  EXPECT_FALSE(lock.IsLocked());
}
TEST(LockTest, WorksWithScopedLock) {
  Lock a;
  Lock b;
  {
    std::scoped_lock hold(a, b);
    EXPECT_TRUE(a.IsLocked());
    EXPECT_TRUE(b.IsLocked());
  }
  EXPECT_FALSE(a.IsLocked());
  EXPECT_FALSE(b.IsLocked());
}

TEST(LockTest, EightThreadsCountExactlyAndNeverOverlap) {
  constexpr int kThreads = 8;
  constexpr int kIterations = 50000;
  Lock lock;
  testing_internal::Occupancy occupancy;
  int64_t counter = 0;  // Deliberately not atomic: the lock must protect it.
  testing_internal::RunThreads(kThreads, [&](int) {
    for (int i = 0; i < kIterations; ++i) {
      std::scoped_lock hold(lock);
      occupancy.Enter();
      ++counter;
      occupancy.Leave();
    }
  });
  EXPECT_EQ(counter, int64_t{kThreads} * kIterations);
  EXPECT_EQ(occupancy.Most(), 1);
  EXPECT_FALSE(lock.IsLocked());
}

TEST(LockTest, TimedAcquirersUnderContentionCountExactly) {
  constexpr int kThreads = 8;
  constexpr int kIterations = 5000;
  Lock lock;
  int64_t counter = 0;
  std::atomic<int64_t> short_timeouts{0};
  std::atomic<int64_t> long_timeouts{0};
  std::atomic<int64_t> short_entries{0};
  testing_internal::RunThreads(kThreads, [&](int index) {
    // Even threads use very short limits, so some time out while others hold
    // the lock; a timed-out acquirer must leave the lock usable, and the odd
    // threads, with 30 s limits, must never time out.
    const bool short_limit = index % 2 == 0;
    const absl::Duration limit =
        short_limit ? absl::Microseconds(1) : absl::Seconds(30);
    for (int i = 0; i < kIterations; ++i) {
      if (!lock.AcquireFor(limit)) {
        (short_limit ? short_timeouts : long_timeouts).fetch_add(1);
        continue;
      }
      ++counter;
      if (short_limit) short_entries.fetch_add(1);
      ASSERT_TRUE(lock.Release().ok());
    }
  });
  EXPECT_EQ(long_timeouts.load(), 0);
  EXPECT_EQ(short_entries.load() + short_timeouts.load(),
            int64_t{kThreads / 2} * kIterations);
  EXPECT_EQ(counter,
            short_entries.load() + int64_t{kThreads / 2} * kIterations);
  EXPECT_FALSE(lock.IsLocked());
}

TEST(LockTest, TimedLockableWithStdChrono) {
  Lock lock;
  {
    std::unique_lock<Lock> hold(lock, std::chrono::milliseconds(10));
    ASSERT_TRUE(hold.owns_lock());
    std::thread other([&] {
      EXPECT_FALSE(lock.try_lock_for(std::chrono::milliseconds(5)));
      EXPECT_FALSE(lock.try_lock_until(std::chrono::steady_clock::now() +
                                       std::chrono::milliseconds(5)));
      EXPECT_FALSE(lock.try_lock_until(std::chrono::system_clock::now() +
                                       std::chrono::milliseconds(5)));
    });
    other.join();
  }
  EXPECT_TRUE(lock.try_lock_until(std::chrono::system_clock::now()));
  lock.unlock();
}

// Extreme std::chrono values are defined (UBSAN runs this): the far past tries
// once, the far future waits without limit.
TEST(LockTest, ExtremeChronoValuesAreDefined) {
  Lock lock;
  lock.Acquire();
  std::thread other([&] {
    EXPECT_FALSE(lock.try_lock_for(std::chrono::hours::min()));
    EXPECT_FALSE(lock.try_lock_for(std::chrono::nanoseconds::min()));
    EXPECT_FALSE(lock.try_lock_for(std::chrono::duration<double>(-1e300)));
    EXPECT_FALSE(
        lock.try_lock_until(std::chrono::steady_clock::time_point::min()));
    EXPECT_FALSE(
        lock.try_lock_until(std::chrono::system_clock::time_point::min()));
    EXPECT_FALSE(lock.try_lock_until(
        std::chrono::time_point<std::chrono::system_clock,
                                std::chrono::hours>::min()));
  });
  other.join();
  ASSERT_TRUE(lock.Release().ok());
  // Free lock: the far future succeeds at once.
  EXPECT_TRUE(lock.try_lock_for(std::chrono::hours::max()));
  lock.unlock();
  EXPECT_TRUE(
      lock.try_lock_until(std::chrono::steady_clock::time_point::max()));
  lock.unlock();
  EXPECT_TRUE(
      lock.try_lock_until(std::chrono::time_point<std::chrono::system_clock,
                                                  std::chrono::hours>::max()));
  lock.unlock();
}

TEST(LockTest, ExpiredTimeoutsFailAtOnceWithoutDisturbingTheHolder) {
  Lock lock;
  lock.Acquire();
  std::thread other([&] {
    for (int i = 0; i < 1000; ++i) {
      EXPECT_FALSE(lock.AcquireFor(absl::ZeroDuration()));
      EXPECT_FALSE(lock.AcquireFor(-absl::Seconds(1)));
      EXPECT_FALSE(lock.AcquireUntil(absl::InfinitePast()));
    }
  });
  other.join();
  ASSERT_TRUE(lock.Release().ok());
  EXPECT_FALSE(lock.IsLocked());
}

// At exit a static Lock may still be held (say by a detached thread): that
// must not turn a clean exit into a crash.
TEST(LockDeathTest, StaticLockHeldAtExitExitsCleanly) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        static Lock held_at_exit;
        held_at_exit.Acquire();
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(LockDeathTest, DestroyingALockWithWaitersAborts) {
  // Re-executes the binary for the death test: a forked child skips the
  // check (its copies may count its parent's waiters).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        // A raw pointer, copied into the thread: the test itself must not race
        // on it.
        auto* lock = new Lock();
        lock->Acquire();
        testing_internal::TrackedThread waiter([lock] { lock->Acquire(); });
        waiter.AwaitWaitingOn(*lock);
        delete lock;
        _exit(0);  // Not reached: a surviving child must not hang in join.
      },
      "Lock destroyed while held");
}

}  // namespace
}  // namespace multirun
