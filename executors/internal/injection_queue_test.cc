// Copyright 2026 The multirun Authors.

#include "multirun/executors/internal/injection_queue.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace executors_internal {
namespace {

using testing_internal::RunThreads;

TEST(InjectionQueueTest, EmptyQueueGivesNothing) {
  InjectionQueue<int> queue(4);
  int out = -1;
  EXPECT_FALSE(queue.TryPop(&out));
  EXPECT_EQ(out, -1);
  EXPECT_FALSE(queue.MaybeNonEmpty());
  EXPECT_EQ(queue.Pushed(), 0u);
}

TEST(InjectionQueueTest, FifoThroughTheRing) {
  InjectionQueue<int> queue(4);
  EXPECT_EQ(queue.ring_capacity(), 4u);
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 3; ++i) {
      int item = round * 10 + i;
      ASSERT_TRUE(queue.Push(item));
    }
    EXPECT_TRUE(queue.MaybeNonEmpty());
    for (int i = 0; i < 3; ++i) {
      int out = -1;
      ASSERT_TRUE(queue.TryPop(&out));
      EXPECT_EQ(out, round * 10 + i);
    }
    EXPECT_FALSE(queue.MaybeNonEmpty());
  }
  EXPECT_EQ(queue.Pushed(), 30u);
}

TEST(InjectionQueueTest, OverflowsWhenTheRingIsFullAndKeepsOrder) {
  InjectionQueue<std::unique_ptr<int>> queue(4);
  for (int i = 0; i < 100; ++i) {
    auto item = std::make_unique<int>(i);
    ASSERT_TRUE(queue.Push(item));
    EXPECT_EQ(item, nullptr);  // Moved in.
  }
  EXPECT_EQ(queue.Pushed(), 100u);
  for (int i = 0; i < 100; ++i) {
    std::unique_ptr<int> out;
    ASSERT_TRUE(queue.TryPop(&out));
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(*out, i);
  }
  EXPECT_FALSE(queue.MaybeNonEmpty());
  // Back to the ring once the overflow is empty.
  auto item = std::make_unique<int>(7);
  ASSERT_TRUE(queue.Push(item));
  std::unique_ptr<int> out;
  ASSERT_TRUE(queue.TryPop(&out));
  EXPECT_EQ(*out, 7);
}

TEST(InjectionQueueTest, CloseRejectsLaterPushesAndKeepsEarlierItems) {
  InjectionQueue<std::unique_ptr<int>> queue(2);
  for (int i = 0; i < 5; ++i) {  // Ring and overflow both hold items.
    auto item = std::make_unique<int>(i);
    ASSERT_TRUE(queue.Push(item));
  }
  queue.Close();
  queue.Close();  // Idempotent.
  auto rejected = std::make_unique<int>(99);
  EXPECT_FALSE(queue.Push(rejected));
  ASSERT_NE(rejected, nullptr);  // Untouched.
  EXPECT_EQ(*rejected, 99);
  EXPECT_EQ(queue.Pushed(), 5u);
  for (int i = 0; i < 5; ++i) {
    std::unique_ptr<int> out;
    ASSERT_TRUE(queue.TryPop(&out));
    EXPECT_EQ(*out, i);
  }
  std::unique_ptr<int> out;
  EXPECT_FALSE(queue.TryPop(&out));
  EXPECT_FALSE(queue.MaybeNonEmpty());
}

// Producers and consumers at once, with a ring small enough that the
// overflow is used: every item is popped exactly once. With `batches`, the
// consumers alternate TryPopBatch() (consumer c asks for 2 + c items) and
// TryPop().
void ManyProducersManyConsumers(size_t ring, int producers, int consumers,
                                int per_producer, bool batches = false) {
  const int total = producers * per_producer;
  InjectionQueue<int> queue(ring);
  std::vector<std::atomic<int>> popped(total);
  std::atomic<int> pop_count{0};
  testing_internal::RunThreads(producers + consumers, [&](int thread) {
    if (thread < producers) {
      for (int i = 0; i < per_producer; ++i) {
        int item = thread * per_producer + i;
        ASSERT_TRUE(queue.Push(item));
      }
      return;
    }
    const int batch = 2 + (thread - producers);
    std::vector<int> out(batch, -1);
    for (int round = 0; pop_count.load() < total; ++round) {
      const int taken = batches && round % 2 == 0
                            ? queue.TryPopBatch(out.data(), batch)
                            : (queue.TryPop(&out[0]) ? 1 : 0);
      for (int i = 0; i < taken; ++i) popped[out[i]].fetch_add(1);
      pop_count.fetch_add(taken);
    }
  });
  for (int i = 0; i < total; ++i) ASSERT_EQ(popped[i].load(), 1) << i;
  EXPECT_FALSE(queue.MaybeNonEmpty());
  EXPECT_EQ(queue.Pushed(), static_cast<uint64_t>(total));
}

TEST(InjectionQueueTest, ConcurrentPushAndPopTakeEachItemOnce) {
  ManyProducersManyConsumers(/*ring=*/1024, 3, 3, 50000);
}

TEST(InjectionQueueTest, ConcurrentPushAndPopThroughTheOverflow) {
  ManyProducersManyConsumers(/*ring=*/8, 3, 2, 50000);
}

TEST(InjectionQueueTest, BatchTakesThePublishedItemsInOrder) {
  InjectionQueue<int> queue(8);
  int out[4] = {-1, -1, -1, -1};
  EXPECT_EQ(queue.TryPopBatch(out, 4), 0);
  for (int i = 0; i < 6; ++i) {
    int item = i;
    ASSERT_TRUE(queue.Push(item));
  }
  ASSERT_EQ(queue.TryPopBatch(out, 4), 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i], i);
  ASSERT_EQ(queue.TryPopBatch(out, 4), 2);  // Fewer than asked: what there is.
  EXPECT_EQ(out[0], 4);
  EXPECT_EQ(out[1], 5);
  EXPECT_EQ(queue.TryPopBatch(out, 4), 0);
  EXPECT_FALSE(queue.MaybeNonEmpty());
}

TEST(InjectionQueueTest, BatchWrapsAroundTheRingAndDrainsTheOverflow) {
  InjectionQueue<int> queue(4);
  int next = 0;
  std::vector<int> popped;
  int out[3];
  // Laps of the ring: batches that start anywhere and wrap past its end.
  for (int lap = 0; lap < 5; ++lap) {
    for (int i = 0; i < 3; ++i) {
      int item = next++;
      ASSERT_TRUE(queue.Push(item));
    }
    const int taken = queue.TryPopBatch(out, 3);
    popped.insert(popped.end(), out, out + taken);
  }
  // More than the ring holds: the rest goes to the overflow, taken in batches
  // once the ring is empty.
  for (int i = 0; i < 10; ++i) {
    int item = next++;
    ASSERT_TRUE(queue.Push(item));
  }
  for (int taken; (taken = queue.TryPopBatch(out, 3)) > 0;) {
    EXPECT_LE(taken, 3);
    popped.insert(popped.end(), out, out + taken);
  }
  std::vector<int> expected(next);
  for (int i = 0; i < next; ++i) expected[i] = i;
  EXPECT_EQ(popped, expected);
  EXPECT_FALSE(queue.MaybeNonEmpty());
}

TEST(InjectionQueueTest, ConcurrentBatchesTakeEachItemOnce) {
  ManyProducersManyConsumers(/*ring=*/1024, 3, 3, 40000, /*batches=*/true);
}

TEST(InjectionQueueTest, ConcurrentBatchesThroughTheOverflow) {
  ManyProducersManyConsumers(/*ring=*/8, 3, 3, 40000, /*batches=*/true);
}

TEST(InjectionQueueTest, CloseRacingPushes) {
  // Each Push() either succeeds (and its item is popped later) or fails; the
  // final Pushed() counts exactly the successes.
  constexpr int kProducers = 3;
  constexpr int kPerProducer = 30000;
  InjectionQueue<int> queue(16);
  std::atomic<int> accepted{0};
  std::atomic<int> attempts{0};
  testing_internal::RunThreads(kProducers + 1, [&](int thread) {
    if (thread == kProducers) {
      while (attempts.load() < kPerProducer) std::this_thread::yield();
      queue.Close();
      return;
    }
    for (int i = 0; i < kPerProducer; ++i) {
      int item = i;
      if (queue.Push(item)) accepted.fetch_add(1);
      attempts.fetch_add(1);
    }
  });
  EXPECT_EQ(queue.Pushed(), static_cast<uint64_t>(accepted.load()));
  int popped = 0;
  int out;
  while (queue.TryPop(&out)) ++popped;
  EXPECT_EQ(popped, accepted.load());
}

}  // namespace
}  // namespace executors_internal
}  // namespace multirun
