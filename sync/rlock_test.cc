// Copyright 2026 The multirun Authors.

#include "multirun/sync/rlock.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
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
  testing_internal::Occupancy occupancy;
  int64_t counter = 0;
  testing_internal::RunThreads(kThreads, [&](int) {
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

// The thread that forks keeps, in the child, the RLock it held (the child's
// copy): it can re-enter it, release every level, and take it again.
TEST(RLockTest, ForkingThreadStillOwnsItsLockInTheChild) {
  RLock lock;
  lock.Acquire();
  lock.Acquire();
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    // The child ends with _exit and reports through its exit code. Release()
    // allocates only on error (glibc's malloc is safe after fork).
    if (!lock.IsOwnedByCurrentThread()) _exit(1);
    if (!lock.TryAcquire()) _exit(2);  // Re-entry, depth 3.
    if (lock.Depth() != 3) _exit(3);
    for (int i = 0; i < 3; ++i) {
      if (!lock.Release().ok()) _exit(4);
    }
    if (lock.IsOwnedByCurrentThread()) _exit(5);
    if (!lock.TryAcquire() || !lock.Release().ok()) _exit(6);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child died with status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The parent's lock is untouched by what the child did to its copy.
  EXPECT_EQ(lock.Depth(), 2);
  ASSERT_TRUE(lock.Release().ok());
  ASSERT_TRUE(lock.Release().ok());
}

// In the child, other threads' RLocks stay theirs: the forking thread does not
// own them.
TEST(RLockTest, ChildDoesNotOwnLocksOfOtherParentThreads) {
  RLock lock;
  std::atomic<bool> held{false};
  std::atomic<bool> done{false};
  std::thread holder([&] {
    lock.Acquire();
    held.store(true);
    while (!done.load()) std::this_thread::yield();
    ASSERT_TRUE(lock.Release().ok());
  });
  while (!held.load()) std::this_thread::yield();
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    if (lock.IsOwnedByCurrentThread()) _exit(1);
    if (lock.Release().ok()) _exit(2);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  done.store(true);
  holder.join();
}

}  // namespace
}  // namespace multirun
