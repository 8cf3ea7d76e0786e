// Copyright 2026 The multirun Authors.

#include "multirun/futures/as_completed.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/futures/future.h"
#include "multirun/futures/submit.h"
#include "multirun/testing/test_executors.h"

namespace multirun {
namespace {

using ::multirun::testing_internal::ManualExecutor;
using ::testing::ElementsAre;

TEST(InFlightCompletionsTest, YieldsInCompletionOrderAndEmptiesTheList) {
  // Promise 4 is complete from the start; the others complete, from another
  // thread, only once the loop has yielded it, that is once every future of
  // the list is watched.
  std::vector<Promise<int>> promises(5);
  std::vector<Future<int>> in_flight;
  for (auto& p : promises) in_flight.push_back(p.GetFuture());
  promises[4].SetValue(4);
  std::thread producer;
  std::vector<int> order;
  size_t expected_left = 4;
  for (Future<int> done : InFlightCompletions(in_flight)) {
    ASSERT_TRUE(done.IsReady());
    order.push_back(*done.Get());
    EXPECT_EQ(in_flight.size(), expected_left--);
    if (order.back() == 4) {
      producer = std::thread([&promises] {
        for (int i : {2, 0, 3, 1}) promises[i].SetValue(i);
      });
    }
  }
  producer.join();
  EXPECT_THAT(order, ElementsAre(4, 2, 0, 3, 1));
  EXPECT_TRUE(in_flight.empty());
}

TEST(InFlightCompletionsTest, FuturesAlreadyCompleteComeInListOrder) {
  std::vector<Future<int>> in_flight;
  for (int i : {3, 1, 2}) in_flight.push_back(MakeReadyFuture(i));
  std::vector<int> order;
  for (Future<int> done : InFlightCompletions(in_flight))
    order.push_back(*done.Get());
  EXPECT_THAT(order, ElementsAre(3, 1, 2));
}

TEST(InFlightCompletionsTest, EmptyListEndsAtOnce) {
  std::vector<Future<int>> in_flight;
  int steps = 0;
  for (Future<int> done : InFlightCompletions(in_flight)) ++steps;
  EXPECT_EQ(steps, 0);
}

TEST(InFlightCompletionsTest, FuturesAddedDuringTheLoopAreWatched) {
  InlineExecutor executor;
  std::vector<Future<int>> in_flight;
  in_flight.push_back(MakeReadyFuture(0));
  std::vector<int> seen;
  for (Future<int> done : InFlightCompletions(in_flight)) {
    int value = *done.Get();
    seen.push_back(value);
    if (value < 5)
      in_flight.push_back(Submit(executor, [value] { return value + 1; }));
  }
  EXPECT_THAT(seen, ElementsAre(0, 1, 2, 3, 4, 5));
}

TEST(InFlightCompletionsTest, InvalidFuturesAreYieldedAtOnce) {
  std::vector<Future<int>> in_flight;
  in_flight.emplace_back();
  int invalid = 0;
  for (Future<int> done : InFlightCompletions(in_flight)) {
    EXPECT_EQ(done.Get().status().code(),
              absl::StatusCode::kFailedPrecondition);
    ++invalid;
  }
  EXPECT_EQ(invalid, 1);
}

TEST(InFlightCompletionsTest, CallerMayRemoveFuturesItself) {
  std::vector<Promise<int>> promises(3);
  std::vector<Future<int>> in_flight;
  for (auto& p : promises) in_flight.push_back(p.GetFuture());
  InFlightCompletions<int> range(in_flight);
  promises[0].SetValue(0);
  std::optional<Future<int>> first = range.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first->Get(), 0);
  // Drop the future of promise 1 (now at index 0) from the list.
  in_flight.erase(in_flight.begin());
  promises[1].SetValue(1);
  promises[2].SetValue(2);
  std::optional<Future<int>> second = range.Next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(*second->Get(), 2);
  EXPECT_FALSE(range.Next().has_value());
}

// With a concurrency factor and a source: never more than the factor in
// flight, every job once, ends when the source is dry.
TEST(InFlightCompletionsTest, ConcurrencyFactorKeepsTheWorkFlowing) {
  constexpr int kJobs = 200;
  constexpr int kFactor = 8;
  testing_internal::ManualExecutor executor;
  int next = 0;
  std::vector<Future<int>> in_flight;
  auto more = [&](std::vector<Future<int>>& futures) {
    if (next == kJobs) return;
    futures.push_back(Submit(executor, [id = next] { return id; }));
    ++next;
  };
  // The executor runs one queued task per completion we wait for, from
  // another thread, so completions arrive while the loop waits.
  std::atomic<bool> stop{false};
  std::thread runner([&] {
    while (!stop.load()) {
      if (!executor.RunOne()) std::this_thread::yield();
    }
  });
  std::vector<int> results;
  for (Future<int> done : InFlightCompletions<int>(in_flight, kFactor, more)) {
    EXPECT_LE(in_flight.size(), static_cast<size_t>(kFactor - 1));
    results.push_back(*done.Get());
  }
  stop = true;
  runner.join();
  std::sort(results.begin(), results.end());
  ASSERT_EQ(results.size(), static_cast<size_t>(kJobs));
  for (int i = 0; i < kJobs; ++i) EXPECT_EQ(results[i], i);
  EXPECT_EQ(executor.scheduled(), static_cast<size_t>(kJobs));
}

TEST(InFlightCompletionsTest, SourceIsAskedOnlyWhileBelowTheFactor) {
  std::vector<Future<int>> in_flight;
  int asked = 0;
  auto more = [&](std::vector<Future<int>>& futures) {
    ++asked;
    if (asked <= 3) futures.push_back(MakeReadyFuture(asked));
  };
  std::vector<int> seen;
  for (Future<int> done : InFlightCompletions(in_flight, 2, more)) {
    seen.push_back(*done.Get());
  }
  EXPECT_THAT(seen, ElementsAre(1, 2, 3));
  // Asks: fill to 2 (1, 2), after yielding 1 refill (3), after 2 (dry), after
  // 3 (dry) -> ends.
  EXPECT_EQ(asked, 5);
}

TEST(AsCompletedTest, EveryFutureOnceInCompletionOrder) {
  // As above: the starter (index 3) is complete at once; the others complete
  // once it has been yielded, when all are watched.
  std::vector<Promise<int>> promises(4);
  std::vector<Future<int>> futures;
  for (auto& p : promises) futures.push_back(p.GetFuture());
  promises[3].SetValue(3);
  std::thread producer;
  std::vector<int> order;
  for (Future<int> done : AsCompleted(std::move(futures))) {
    order.push_back(*done.Get());
    if (order.back() == 3) {
      producer = std::thread([&promises] {
        for (int i : {1, 2, 0}) promises[i].SetValue(i);
      });
    }
  }
  producer.join();
  EXPECT_THAT(order, ElementsAre(3, 1, 2, 0));
}

}  // namespace
}  // namespace multirun
