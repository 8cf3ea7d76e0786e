// Copyright 2026 The multirun Authors.

#include "multirun/sync/robust_lock.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/sync/event.h"
#include "multirun/sync/lock_holder.h"
#include "multirun/sync/run_with.h"
#include "multirun/sync/shared_region.h"
#include "multirun/testing/child_process.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace {

using testing_internal::AwaitProcessWaitingOn;
using testing_internal::ChildExit;
using testing_internal::ChildProcess;
using testing_internal::kChildTimeout;

TEST(RobustLockTest, AcquireAndRelease) {
  RobustLock lock;
  EXPECT_FALSE(lock.IsProcessShared());
  ASSERT_TRUE(lock.Acquire().ok());
  EXPECT_TRUE(lock.IsOwnedByCurrentThread());
  lock.AssertHeld();
  ASSERT_TRUE(lock.Release().ok());
  EXPECT_FALSE(lock.IsOwnedByCurrentThread());
  ASSERT_TRUE(lock.TryAcquire().ok());
  ASSERT_TRUE(lock.Release().ok());
  ASSERT_TRUE(lock.AcquireFor(absl::Seconds(1)).ok());
  ASSERT_TRUE(lock.Release().ok());
  ASSERT_TRUE(lock.AcquireUntil(absl::Now() + absl::Seconds(1)).ok());
  ASSERT_TRUE(lock.Release().ok());
}

TEST(RobustLockTest, IsNotReentrantAndSaysSoInsteadOfDeadlocking) {
  RobustLock lock;
  ASSERT_TRUE(lock.Acquire().ok());
  const absl::Status again = lock.Acquire();
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(again.message().find("already holds"), std::string::npos) << again;
  EXPECT_FALSE(lock.TryAcquire().ok());
  EXPECT_EQ(lock.AcquireFor(absl::Milliseconds(10)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(lock.IsOwnedByCurrentThread());
  ASSERT_TRUE(lock.Release().ok());
}

TEST(RobustLockTest, ReleaseWhenNotHeldFails) {
  RobustLock lock;
  EXPECT_EQ(lock.Release().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(lock.Acquire().ok());
  std::thread other([&] {
    EXPECT_EQ(lock.Release().code(), absl::StatusCode::kFailedPrecondition);
  });
  other.join();
  ASSERT_TRUE(lock.Release().ok());
}

TEST(RobustLockTest, BusyLockTimesOutOrIsUnavailable) {
  RobustLock lock;
  std::atomic<bool> held{false};
  Event done;
  std::thread holder([&] {
    ASSERT_TRUE(lock.Acquire().ok());
    held.store(true);
    done.Wait();
    ASSERT_TRUE(lock.Release().ok());
  });
  while (!held.load()) std::this_thread::yield();
  EXPECT_EQ(lock.TryAcquire().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(lock.try_lock());
  const absl::Time start = absl::Now();
  EXPECT_EQ(lock.AcquireFor(absl::Milliseconds(30)).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(25));
  EXPECT_EQ(lock.AcquireFor(absl::ZeroDuration()).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(lock.AcquireUntil(absl::Now() + absl::Milliseconds(10)).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(lock.try_lock_for(std::chrono::milliseconds(10)));
  done.Set();
  holder.join();
  EXPECT_TRUE(lock.try_lock_for(std::chrono::seconds(5)));
  lock.unlock();
}

TEST(RobustLockTest, StandardLockableNamesWork) {
  RobustLock lock;
  int64_t counter = 0;
  testing_internal::RunThreads(4, [&](int) {
    for (int i = 0; i < 1000; ++i) {
      std::scoped_lock hold(lock);
      ++counter;
    }
  });
  EXPECT_EQ(counter, 4000);
  {
    LockHolder hold(lock);
    EXPECT_TRUE(lock.IsOwnedByCurrentThread());
  }
  EXPECT_FALSE(lock.IsOwnedByCurrentThread());
}

TEST(RobustLockTest, PreviousOwnerDiedMatchesOnlyTheOwnerDiedStatus) {
  EXPECT_FALSE(PreviousOwnerDied(absl::OkStatus()));
  EXPECT_FALSE(PreviousOwnerDied(absl::DataLossError("disk corrupt")));
  EXPECT_FALSE(PreviousOwnerDied(
      absl::FailedPreconditionError("the previous owner died")));
  // Rebuilt from (code, message), as after crossing a process boundary.
  EXPECT_TRUE(PreviousOwnerDied(absl::Status(
      absl::StatusCode::kDataLoss,
      "RobustLock::Acquire: the previous owner died holding the lock")));
}

// A thread that exits holding the lock hands it, with the news, to the next.
TEST(RobustLockTest, ThreadThatExitsHoldingItIsReported) {
  RobustLock lock;
  std::thread([&] { ASSERT_TRUE(lock.Acquire().ok()); }).join();
  const absl::Status died = lock.Acquire();
  EXPECT_EQ(died.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(PreviousOwnerDied(died)) << died;
  EXPECT_TRUE(lock.IsOwnedByCurrentThread());
  ASSERT_TRUE(lock.MarkConsistent().ok());
  ASSERT_TRUE(lock.Release().ok());
  EXPECT_TRUE(lock.Acquire().ok());
  ASSERT_TRUE(lock.Release().ok());
}

// Nobody repaired after the owner died: every acquire fails at once, from
// every thread. (glibc's trylock leaves such a mutex taken; RobustLock puts it
// back, or the other thread here would hang.)
TEST(RobustLockTest, UnrepairedLockFailsEveryAcquireAtOnce) {
  RobustLock lock;
  std::thread([&] { ASSERT_TRUE(lock.Acquire().ok()); }).join();
  ASSERT_TRUE(PreviousOwnerDied(lock.Acquire()));
  ASSERT_TRUE(lock.Release().ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(lock.TryAcquire().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(lock.AcquireFor(absl::Seconds(5)).code(),
              absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(lock.Acquire().code(), absl::StatusCode::kFailedPrecondition);
  }
  std::thread other([&] {
    EXPECT_EQ(lock.Acquire().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(lock.TryAcquire().code(), absl::StatusCode::kFailedPrecondition);
  });
  other.join();
  EXPECT_FALSE(lock.IsOwnedByCurrentThread());
}

TEST(RobustLockTest, MarkConsistentNeedsAnOwnerDiedHold) {
  RobustLock lock;
  EXPECT_EQ(lock.MarkConsistent().code(),
            absl::StatusCode::kFailedPrecondition);  // Not held.
  ASSERT_TRUE(lock.Acquire().ok());
  EXPECT_EQ(lock.MarkConsistent().code(),
            absl::StatusCode::kFailedPrecondition);  // Consistent already.
  ASSERT_TRUE(lock.Release().ok());
}

TEST(RobustLockDeathTest, DestroyingAPrivateLockHeldByAnotherThreadAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto* lock = new RobustLock();
        Event held;
        Event never;
        std::thread holder([&] {
          if (!lock->Acquire().ok()) std::abort();
          held.Set();
          never.Wait();
        });
        held.Wait();
        delete lock;
        _exit(0);  // Not reached.
      },
      "RobustLock destroyed while held");
}

// Shared-memory tests: the lock lives in a SharedRegion, and its holders are
// forked children killed with SIGKILL.
class SharedRobustLockTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<SharedRegion> region = SharedRegion::Create(1 << 16);
    ASSERT_TRUE(region.ok()) << region.status();
    region_.emplace(std::move(*region));
    lock_ = *region_->New<RobustLock>();
    ASSERT_TRUE(lock_->IsProcessShared());
  }

  // Starts a child that acquires the lock, writes `value` half-way into the
  // state, and sleeps holding it until killed; returns once it holds the lock.
  testing_internal::ChildProcess StartHolder(int64_t* state) {
    Event* holding = *region_->New<Event>();
    testing_internal::ChildProcess child =
        testing_internal::ChildProcess::Start([this, holding, state] {
          if (!lock_->Acquire().ok()) return 1;
          *state = -1;  // Half-way through an update.
          holding->Set();
          while (true) pause();
        });
    EXPECT_TRUE(holding->WaitFor(testing_internal::kChildTimeout));
    return child;
  }

  static void KillAndReap(testing_internal::ChildProcess& child) {
    child.Signal(SIGKILL);
    absl::StatusOr<testing_internal::ChildExit> exit = child.Wait();
    ASSERT_TRUE(exit.ok()) << exit.status();
    EXPECT_TRUE(exit->KilledBy(SIGKILL)) << exit->ToString();
  }

  std::optional<SharedRegion> region_;
  RobustLock* lock_ = nullptr;
};

TEST_F(SharedRobustLockTest, KilledOwnerIsReportedAndTheLockRecovers) {
  int64_t* state = *region_->New<int64_t>(0);
  testing_internal::ChildProcess holder = StartHolder(state);
  EXPECT_EQ(lock_->TryAcquire().code(), absl::StatusCode::kUnavailable);
  KillAndReap(holder);

  const absl::Status died = lock_->Acquire();
  ASSERT_EQ(died.code(), absl::StatusCode::kDataLoss) << died;
  EXPECT_TRUE(PreviousOwnerDied(died));
  EXPECT_NE(died.message().find("previous owner died holding the lock"),
            std::string::npos)
      << died;
  EXPECT_NE(died.message().find("MarkConsistent()"), std::string::npos);
  EXPECT_TRUE(lock_->IsOwnedByCurrentThread());
  EXPECT_EQ(*state, -1);  // What the dead owner left.
  *state = 0;             // The repair.
  ASSERT_TRUE(lock_->MarkConsistent().ok());
  ASSERT_TRUE(lock_->Release().ok());

  // Usable again, from this process and from another.
  ASSERT_TRUE(lock_->Acquire().ok());
  ASSERT_TRUE(lock_->Release().ok());
  EXPECT_TRUE(testing_internal::ChildProcess::Start([&] {
                if (!lock_->Acquire().ok()) return false;
                *state = 1;
                return lock_->Release().ok();
              })
                  .WaitOk()
                  .ok());
  EXPECT_EQ(*state, 1);
}

// A process asleep in Acquire() is woken by the owner's death, not left
// hanging.
TEST_F(SharedRobustLockTest, WaiterInAnotherProcessWakesWhenTheOwnerIsKilled) {
  int64_t* state = *region_->New<int64_t>(0);
  testing_internal::ChildProcess holder = StartHolder(state);
  testing_internal::ChildProcess waiter =
      testing_internal::ChildProcess::Start([&] {
        const absl::Status status = lock_->Acquire();
        if (!PreviousOwnerDied(status)) return false;
        *state = 0;
        return lock_->MarkConsistent().ok() && lock_->Release().ok();
      });
  ASSERT_TRUE(testing_internal::AwaitProcessWaitingOn(waiter.pid(), *lock_));
  KillAndReap(holder);
  EXPECT_TRUE(waiter.WaitOk().ok());
  EXPECT_EQ(*state, 0);
  EXPECT_TRUE(lock_->Acquire().ok());
  ASSERT_TRUE(lock_->Release().ok());
}

TEST_F(SharedRobustLockTest, TimedAcquireReportsTheKilledOwner) {
  int64_t* state = *region_->New<int64_t>(0);
  testing_internal::ChildProcess holder = StartHolder(state);
  EXPECT_EQ(lock_->AcquireFor(absl::Milliseconds(20)).code(),
            absl::StatusCode::kDeadlineExceeded);
  // Kill the holder while this process waits in AcquireFor.
  testing_internal::ChildProcess killer =
      testing_internal::ChildProcess::Start([pid = holder.pid()] {
        absl::SleepFor(absl::Milliseconds(50));
        return kill(pid, SIGKILL) == 0;
      });
  const absl::Status died = lock_->AcquireFor(testing_internal::kChildTimeout);
  EXPECT_TRUE(PreviousOwnerDied(died)) << died;
  EXPECT_TRUE(killer.WaitOk().ok());
  absl::StatusOr<testing_internal::ChildExit> exit = holder.Wait();
  ASSERT_TRUE(exit.ok());
  EXPECT_TRUE(exit->KilledBy(SIGKILL));
  ASSERT_TRUE(lock_->MarkConsistent().ok());
  ASSERT_TRUE(lock_->Release().ok());
}

// Released without MarkConsistent(): nobody repaired the state, so nobody may
// use it again. Every acquire fails at once, in every process.
TEST_F(SharedRobustLockTest, ReleaseWithoutMarkConsistentMakesItUnrecoverable) {
  int64_t* state = *region_->New<int64_t>(0);
  testing_internal::ChildProcess holder = StartHolder(state);
  KillAndReap(holder);
  ASSERT_TRUE(PreviousOwnerDied(lock_->Acquire()));
  ASSERT_TRUE(lock_->Release().ok());

  const absl::Status dead = lock_->Acquire();
  EXPECT_EQ(dead.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(dead.message().find("unrecoverable"), std::string::npos) << dead;
  EXPECT_EQ(lock_->TryAcquire().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(lock_->AcquireFor(absl::Seconds(1)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(lock_->AcquireUntil(absl::Now() + absl::Seconds(1)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(lock_->IsOwnedByCurrentThread());
  EXPECT_TRUE(testing_internal::ChildProcess::Start([&] {
                return lock_->Acquire().code() ==
                       absl::StatusCode::kFailedPrecondition;
              })
                  .WaitOk(absl::Seconds(30))
                  .ok());
  try {
    lock_->lock();
    ADD_FAILURE() << "lock() returned on an unrecoverable lock";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOTRECOVERABLE);
  }
}

// lock() cannot hand the caller a repair: it releases the lock unrepaired and
// throws, so a std::scoped_lock never runs on the dead owner's state.
TEST_F(SharedRobustLockTest, LockThrowsOnAKilledOwnerAndLeavesItUnrecoverable) {
  int64_t* state = *region_->New<int64_t>(0);
  testing_internal::ChildProcess holder = StartHolder(state);
  KillAndReap(holder);
  bool ran = false;
  try {
    std::scoped_lock hold(*lock_);
    ran = true;
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EOWNERDEAD);
    EXPECT_NE(std::string(e.what()).find("unrecoverable"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(ran);
  EXPECT_FALSE(lock_->IsOwnedByCurrentThread());
  EXPECT_EQ(lock_->Acquire().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THROW(lock_->try_lock(), std::system_error);
}

TEST_F(SharedRobustLockTest, RunWithSurfacesTheKilledOwnerWithoutRunning) {
  int64_t* state = *region_->New<int64_t>(0);
  int calls = 0;
  auto update = RunWith(*lock_, [&](int64_t value) {
    ++calls;
    *state = value;
    return *state;
  });
  static_assert(std::is_same_v<decltype(update(1)), absl::StatusOr<int64_t>>);
  ASSERT_TRUE(update(5).ok());
  EXPECT_EQ(*update(6), 6);
  EXPECT_EQ(calls, 2);

  testing_internal::ChildProcess holder = StartHolder(state);
  KillAndReap(holder);
  const absl::StatusOr<int64_t> died = update(7);
  EXPECT_EQ(died.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(PreviousOwnerDied(died.status())) << died.status();
  EXPECT_NE(died.status().message().find("did not run"), std::string::npos);
  EXPECT_EQ(calls, 2);  // fn did not see the half-updated state.
  EXPECT_EQ(*state, -1);
  EXPECT_FALSE(lock_->IsOwnedByCurrentThread());    // Released...
  const absl::StatusOr<int64_t> after = update(8);  // ...unrepaired.
  EXPECT_EQ(after.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(calls, 2);
}

TEST_F(SharedRobustLockTest, RunWithAcrossProcessesAndTimeout) {
  int64_t* counter = *region_->New<int64_t>(0);
  auto increment = RunWith(*lock_, [&] { ++*counter; });
  static_assert(std::is_same_v<decltype(increment()), absl::Status>);
  EXPECT_TRUE(testing_internal::RunChildren(4, [&](int) {
                for (int i = 0; i < 2'000; ++i) {
                  if (!increment().ok()) return false;
                }
                return true;
              }).ok());
  EXPECT_EQ(*counter, 8'000);

  testing_internal::ChildProcess holder = StartHolder(counter);
  auto quick = RunWithTimeout(*lock_, absl::Milliseconds(20),
                              [] { return absl::OkStatus(); });
  EXPECT_EQ(quick().code(), absl::StatusCode::kDeadlineExceeded);
  KillAndReap(holder);
  EXPECT_TRUE(PreviousOwnerDied(quick()));
}

TEST_F(SharedRobustLockTest, RunWithRepairRepairsThenRuns) {
  int64_t* state = *region_->New<int64_t>(0);
  int repairs = 0;
  auto update = RunWithRepair(
      *lock_,
      [&] {
        ++repairs;
        *state = 0;
      },
      [&](int64_t add) { return *state += add; });
  EXPECT_EQ(*update(2), 2);
  EXPECT_EQ(repairs, 0);

  testing_internal::ChildProcess holder = StartHolder(state);
  KillAndReap(holder);
  EXPECT_EQ(*update(3), 3);  // Repaired (-1 -> 0), then ran.
  EXPECT_EQ(repairs, 1);
  EXPECT_EQ(*update(4), 7);  // Consistent again: no more repairs.
  EXPECT_EQ(repairs, 1);
  EXPECT_TRUE(lock_->Acquire().ok());
  ASSERT_TRUE(lock_->Release().ok());
}

TEST_F(SharedRobustLockTest, RunWithRepairWhoseRepairFailsGivesUp) {
  int64_t* state = *region_->New<int64_t>(0);
  bool ran = false;
  auto update = RunWithRepair(
      *lock_, [] { return absl::InternalError("cannot rebuild the index"); },
      [&] { ran = true; });
  testing_internal::ChildProcess holder = StartHolder(state);
  KillAndReap(holder);
  const absl::Status failed = update();
  EXPECT_TRUE(PreviousOwnerDied(failed)) << failed;
  EXPECT_NE(failed.message().find("cannot rebuild the index"),
            std::string::npos);
  EXPECT_FALSE(ran);
  EXPECT_EQ(update().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SharedRobustLockTest, RunWithRepairWhoseRepairThrowsReleasesTheLock) {
  int64_t* state = *region_->New<int64_t>(0);
  auto update = RunWithRepair(
      *lock_, []() -> void { throw std::runtime_error("repair crashed"); },
      [] {});
  testing_internal::ChildProcess holder = StartHolder(state);
  KillAndReap(holder);
  EXPECT_THROW(update().IgnoreError(), std::runtime_error);
  EXPECT_FALSE(lock_->IsOwnedByCurrentThread());
  EXPECT_EQ(lock_->Acquire().code(), absl::StatusCode::kFailedPrecondition);
}

// Nobody runs destructors in a region; run by hand, a shared lock's destructor
// leaves the lock alone (another process may be using it).
TEST_F(SharedRobustLockTest, DestroyingASharedLockHeldElsewhereDoesNothing) {
  int64_t* state = *region_->New<int64_t>(0);
  testing_internal::ChildProcess holder = StartHolder(state);
  lock_->~RobustLock();
  EXPECT_EQ(lock_->TryAcquire().code(), absl::StatusCode::kUnavailable);
  KillAndReap(holder);
}

}  // namespace
}  // namespace multirun
