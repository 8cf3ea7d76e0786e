// Copyright 2026 The multirun Authors.

#include "multirun/sync/semaphore.h"

#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

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

TEST(SemaphoreTest, StartsWithInitialPermits) {
  Semaphore semaphore(2);
  EXPECT_EQ(semaphore.Available(), 2);
  EXPECT_TRUE(semaphore.TryAcquire());
  EXPECT_TRUE(semaphore.TryAcquire());
  EXPECT_FALSE(semaphore.TryAcquire());
  EXPECT_EQ(semaphore.Available(), 0);
}

TEST(SemaphoreTest, DefaultHasOnePermit) {
  Semaphore semaphore;
  EXPECT_EQ(semaphore.Available(), 1);
}

TEST(SemaphoreTest, ReleaseBeyondInitialIsAllowed) {
  Semaphore semaphore(0);
  ASSERT_TRUE(semaphore.Release(3).ok());
  EXPECT_EQ(semaphore.Available(), 3);
}

TEST(SemaphoreTest, ReleaseOfLessThanOneIsInvalid) {
  Semaphore semaphore(1);
  EXPECT_EQ(semaphore.Release(0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(semaphore.Release(-5).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(semaphore.Available(), 1);
}

TEST(SemaphoreTest, ReleasePastMaximumIsOutOfRangeAndChangesNothing) {
  Semaphore semaphore(Semaphore::kMaxPermits - 1);
  ASSERT_TRUE(semaphore.Release().ok());
  const absl::Status status = semaphore.Release();
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(semaphore.Available(), Semaphore::kMaxPermits);
  EXPECT_EQ(semaphore.Release(int64_t{1} << 40).code(),
            absl::StatusCode::kOutOfRange);
}

TEST(SemaphoreTest, CreateRejectsInvalidInitialValues) {
  EXPECT_EQ(Semaphore::Create(-1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Semaphore::Create(Semaphore::kMaxPermits + 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::unique_ptr<Semaphore>> made = Semaphore::Create(0);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ((*made)->Available(), 0);
}

TEST(SemaphoreDeathTest, NegativeInitialValueAborts) {
  EXPECT_DEATH(Semaphore semaphore(-1), "initial value must be in \\[0, ");
}

TEST(SemaphoreTest, AcquireForTimesOutWithoutPermits) {
  Semaphore semaphore(0);
  const absl::Time start = absl::Now();
  EXPECT_FALSE(semaphore.AcquireFor(absl::Milliseconds(30)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
  EXPECT_FALSE(semaphore.AcquireUntil(absl::InfinitePast()));
  EXPECT_EQ(semaphore.Available(), 0);
}

TEST(SemaphoreTest, ReleaseOfManyWakesAsManySleepers) {
  constexpr int kSleepers = 6;
  Semaphore semaphore(0);
  std::atomic<int> woken{0};
  std::vector<std::unique_ptr<testing_internal::TrackedThread>> sleepers;
  for (int i = 0; i < kSleepers; ++i) {
    sleepers.push_back(std::make_unique<testing_internal::TrackedThread>([&] {
      semaphore.Acquire();
      woken.fetch_add(1);
    }));
  }
  for (auto& sleeper : sleepers) sleeper->AwaitWaitingOn(semaphore);
  ASSERT_TRUE(semaphore.Release(kSleepers).ok());
  for (auto& sleeper : sleepers) sleeper->Join();
  EXPECT_EQ(woken.load(), kSleepers);
  EXPECT_EQ(semaphore.Available(), 0);
}
TEST(SemaphoreTest, NeverAdmitsMoreThanItsPermits) {
  constexpr int kPermits = 3;
  constexpr int kThreads = 8;
  constexpr int kIterations = 20000;
  Semaphore semaphore(kPermits);
  testing_internal::Occupancy occupancy;
  std::atomic<int64_t> entries{0};
  testing_internal::RunThreads(kThreads, [&](int) {
    for (int i = 0; i < kIterations; ++i) {
      semaphore.Acquire();
      occupancy.Enter();
      entries.fetch_add(1, std::memory_order_relaxed);
      occupancy.Leave();
      ASSERT_TRUE(semaphore.Release().ok());
    }
  });
  EXPECT_EQ(entries.load(), int64_t{kThreads} * kIterations);
  EXPECT_LE(occupancy.Most(), kPermits);
  EXPECT_GE(occupancy.Most(), 1);
  EXPECT_EQ(semaphore.Available(), kPermits);
}

TEST(SemaphoreTest, ProducersAndConsumersTransferEveryPermit) {
  constexpr int kThreads = 8;  // 4 producers, 4 consumers
  constexpr int kPerThread = 20000;
  Semaphore items(0);
  std::atomic<int64_t> consumed{0};
  testing_internal::RunThreads(kThreads, [&](int index) {
    for (int i = 0; i < kPerThread; ++i) {
      if (index % 2 == 0) {
        ASSERT_TRUE(items.Release().ok());
      } else {
        items.Acquire();
        consumed.fetch_add(1, std::memory_order_relaxed);
      }
    }
  });
  EXPECT_EQ(consumed.load(), int64_t{kThreads / 2} * kPerThread);
  EXPECT_EQ(items.Available(), 0);
}

TEST(SemaphoreDeathTest, DestroyingASemaphoreWithWaitersAborts) {
  // Re-executes the binary for the death test: a forked child skips the
  // check (its copies may count its parent's waiters).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        // A raw pointer, copied into the thread: the test itself must not race
        // on it.
        auto* semaphore = new Semaphore(0);
        testing_internal::TrackedThread waiter(
            [semaphore] { semaphore->Acquire(); });
        waiter.AwaitWaitingOn(*semaphore);
        delete semaphore;
        _exit(0);  // Not reached: a surviving child must not hang in join.
      },
      "semaphore destroyed while threads wait for a permit");
}

}  // namespace
}  // namespace multirun
