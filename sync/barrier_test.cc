// Copyright 2026 The multirun Authors.

#include "multirun/sync/barrier.h"

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

using testing_internal::RunThreads;
using testing_internal::TrackedThread;

TEST(BarrierTest, SinglePartyPassesAndIsLast) {
  Barrier barrier(1);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<bool> last = barrier.Wait();
    ASSERT_TRUE(last.ok());
    EXPECT_TRUE(*last);
  }
}

TEST(BarrierTest, EightThreadsManyRoundsExactlyOneLastPerRound) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 300;
  Barrier barrier(kThreads);
  std::vector<std::atomic<int>> arrived(kRounds);
  std::vector<std::atomic<int>> lasts(kRounds);
  testing_internal::RunThreads(kThreads, [&](int) {
    for (int round = 0; round < kRounds; ++round) {
      arrived[round].fetch_add(1);
      absl::StatusOr<bool> last = barrier.Wait();
      ASSERT_TRUE(last.ok()) << last.status();
      // Nobody leaves a round before everyone arrived in it.
      EXPECT_EQ(arrived[round].load(), kThreads);
      if (*last) lasts[round].fetch_add(1);
    }
  });
  for (int round = 0; round < kRounds; ++round) {
    EXPECT_EQ(lasts[round].load(), 1) << "round " << round;
  }
  EXPECT_FALSE(barrier.IsBroken());
}

TEST(BarrierTest, TimeoutBreaksTheBarrierForEveryone) {
  Barrier barrier(3);
  absl::Status other_status;
  testing_internal::TrackedThread other(
      [&] { other_status = barrier.Wait().status(); });
  other.AwaitWaitingOn(barrier);  // Arrived, so the timeout breaks its round.
  const absl::StatusOr<bool> mine = barrier.WaitFor(absl::Milliseconds(20));
  other.Join();
  EXPECT_EQ(mine.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(other_status.code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(barrier.IsBroken());
  EXPECT_EQ(barrier.Wait().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(BarrierTest, AbortWakesWaiters) {
  Barrier barrier(2);
  absl::Status waiter_status;
  testing_internal::TrackedThread waiter(
      [&] { waiter_status = barrier.Wait().status(); });
  waiter.AwaitWaitingOn(barrier);
  barrier.Abort();
  waiter.Join();
  EXPECT_EQ(waiter_status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(barrier.WaitFor(absl::Seconds(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(BarrierTest, CreateRejectsInvalidPartyCounts) {
  EXPECT_EQ(Barrier::Create(0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Barrier::Create(-2).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Barrier::Create(Barrier::kMaxParties + 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::unique_ptr<Barrier>> made =
      Barrier::Create(Barrier::kMaxParties);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ((*made)->Parties(), Barrier::kMaxParties);
}

TEST(BarrierDeathTest, ZeroPartiesAborts) {
  EXPECT_DEATH(Barrier barrier(0), "parties must be in \\[1, ");
}

TEST(BarrierDeathTest, DestroyingABarrierWithWaitersAborts) {
  // Re-executes the binary for the death test: a forked child skips the
  // check (its copies may count its parent's waiters).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        // A raw pointer, copied into the thread: the test itself must not race
        // on it.
        auto* barrier = new Barrier(2);
        testing_internal::TrackedThread waiter(
            [barrier] { barrier->Wait().IgnoreError(); });
        waiter.AwaitWaitingOn(*barrier);
        delete barrier;
        _exit(0);  // Not reached: a surviving child must not hang in join.
      },
      "Barrier destroyed while parties wait in it");
}

}  // namespace
}  // namespace multirun
