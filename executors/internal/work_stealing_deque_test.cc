// Copyright 2026 The multirun Authors.

#include "multirun/executors/internal/work_stealing_deque.h"

#include <atomic>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace executors_internal {
namespace {

using testing_internal::RunThreads;

TEST(WorkStealingDequeTest, EmptyDequeGivesNothing) {
  WorkStealingDeque<int> deque;
  EXPECT_TRUE(deque.Empty());
  EXPECT_EQ(deque.Size(), 0);
  EXPECT_EQ(deque.Pop(), nullptr);
  EXPECT_EQ(deque.Steal(), nullptr);
  EXPECT_TRUE(deque.Empty());  // A failed Pop() leaves it consistent.
}

TEST(WorkStealingDequeTest, OwnerPopsNewestFirst) {
  std::vector<int> items(5);
  WorkStealingDeque<int> deque;
  for (int& item : items) deque.Push(&item);
  EXPECT_EQ(deque.Size(), 5);
  for (int i = 4; i >= 0; --i) EXPECT_EQ(deque.Pop(), &items[i]);
  EXPECT_EQ(deque.Pop(), nullptr);
  EXPECT_TRUE(deque.Empty());
}

TEST(WorkStealingDequeTest, ThievesStealOldestFirst) {
  std::vector<int> items(5);
  WorkStealingDeque<int> deque;
  for (int& item : items) deque.Push(&item);
  EXPECT_EQ(deque.Steal(), &items[0]);
  EXPECT_EQ(deque.Steal(), &items[1]);
  EXPECT_EQ(deque.Pop(), &items[4]);
  EXPECT_EQ(deque.Steal(), &items[2]);
  EXPECT_EQ(deque.Pop(), &items[3]);
  EXPECT_EQ(deque.Steal(), nullptr);
  EXPECT_EQ(deque.Pop(), nullptr);
}

TEST(WorkStealingDequeTest, PushPopAcrossTheRingBoundary) {
  std::vector<int> items(3);
  WorkStealingDeque<int> deque(4);
  for (int round = 0; round < 100; ++round) {
    for (int& item : items) deque.Push(&item);
    EXPECT_EQ(deque.Steal(), &items[0]);
    EXPECT_EQ(deque.Pop(), &items[2]);
    EXPECT_EQ(deque.Pop(), &items[1]);
  }
  EXPECT_EQ(deque.Capacity(), 4);  // Never more than 3 at once.
}

TEST(WorkStealingDequeTest, GrowsWhenFullAndKeepsOrder) {
  constexpr int kItems = 1000;
  std::vector<int> items(kItems);
  WorkStealingDeque<int> deque(2);
  EXPECT_EQ(deque.Capacity(), 2);
  // Steal a few first so that top is not at 0 when it grows.
  for (int i = 0; i < 3; ++i) deque.Push(&items[i]);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(deque.Steal(), &items[i]);
  for (int i = 3; i < kItems; ++i) deque.Push(&items[i]);
  EXPECT_GE(deque.Capacity(), kItems - 3);
  EXPECT_EQ(deque.Size(), kItems - 3);
  EXPECT_EQ(deque.Steal(), &items[3]);
  for (int i = kItems - 1; i >= 4; --i) ASSERT_EQ(deque.Pop(), &items[i]);
  EXPECT_TRUE(deque.Empty());
}

// The owner pushes (and now and then pops) while thieves steal: every item is
// taken exactly once, by somebody. Small initial ring: it grows under the
// thieves' feet.
void OwnerAndThieves(int thieves, int items, int pop_every) {
  std::vector<int> values(items);
  std::vector<std::atomic<int>> taken(items);
  WorkStealingDeque<int> deque(2);
  std::atomic<bool> owner_done{false};
  testing_internal::RunThreads(thieves + 1, [&](int thread) {
    auto take = [&](int* item) { taken[item - values.data()].fetch_add(1); };
    if (thread == 0) {
      for (int i = 0; i < items; ++i) {
        deque.Push(&values[i]);
        if (i % pop_every == 0) {
          if (int* item = deque.Pop()) take(item);
        }
      }
      while (int* item = deque.Pop()) take(item);
      owner_done.store(true);
      return;
    }
    for (;;) {
      const bool done = owner_done.load();
      if (int* item = deque.Steal()) {
        take(item);
      } else if (done && deque.Empty()) {
        return;
      }
    }
  });
  for (int i = 0; i < items; ++i) ASSERT_EQ(taken[i].load(), 1) << "item " << i;
  EXPECT_TRUE(deque.Empty());
}

TEST(WorkStealingDequeTest, ConcurrentOwnerAndThievesTakeEachItemOnce) {
  OwnerAndThieves(/*thieves=*/3, /*items=*/200000, /*pop_every=*/3);
}

TEST(WorkStealingDequeTest, ContendedLastItem) {
  // Push one, then race one Pop() against the thieves: the last-item CAS.
  OwnerAndThieves(/*thieves=*/2, /*items=*/100000, /*pop_every=*/1);
}

}  // namespace
}  // namespace executors_internal
}  // namespace multirun
