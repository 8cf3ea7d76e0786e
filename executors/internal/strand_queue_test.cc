// Copyright 2026 The multirun Authors.

#include "multirun/executors/internal/strand_queue.h"

#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace multirun {
namespace executors_internal {
namespace {

// Far more than one chunk holds.
constexpr int kMany = 10000;

TEST(TaskQueueTest, StartsEmpty) {
  TaskQueue queue;
  EXPECT_TRUE(queue.empty());
}

TEST(TaskQueueTest, RunsInFifoOrderAcrossChunks) {
  TaskQueue queue;
  std::vector<int> order;
  for (int i = 0; i < kMany; ++i) {
    queue.Push([&order, i] { order.push_back(i); });
  }
  while (!queue.empty()) {
    queue.front()();
    queue.pop_front();
  }
  ASSERT_EQ(order.size(), static_cast<size_t>(kMany));
  for (int i = 0; i < kMany; ++i) EXPECT_EQ(order[i], i);
}

TEST(TaskQueueTest, InterleavedPushAndPopKeepOrder) {
  TaskQueue queue;
  std::vector<int> order;
  int pushed = 0;
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 150; ++i, ++pushed) {
      queue.Push([&order, n = pushed] { order.push_back(n); });
    }
    for (int i = 0; i < 100; ++i) {
      queue.front()();
      queue.pop_front();
    }
  }
  while (!queue.empty()) {
    queue.front()();
    queue.pop_front();
  }
  ASSERT_EQ(order.size(), static_cast<size_t>(pushed));
  for (int i = 0; i < pushed; ++i) EXPECT_EQ(order[i], i);
}

TEST(TaskQueueTest, PopDestroysTheTask) {
  TaskQueue queue;
  auto owned = std::make_shared<int>(1);
  std::weak_ptr<int> watch = owned;
  queue.Push([owned = std::move(owned)] {});
  EXPECT_FALSE(watch.expired());
  queue.pop_front();
  EXPECT_TRUE(watch.expired());
  EXPECT_TRUE(queue.empty());
}

TEST(TaskQueueTest, DestructorDestroysQueuedTasksOldestFirst) {
  std::vector<int> destroyed;
  struct Marker {
    std::vector<int>* log;
    int n;
    Marker(std::vector<int>* l, int i) : log(l), n(i) {}
    Marker(Marker&& other) noexcept : log(other.log), n(other.n) {
      other.log = nullptr;
    }
    ~Marker() {
      if (log != nullptr) log->push_back(n);
    }
  };
  {
    TaskQueue queue;
    for (int i = 0; i < 300; ++i) {
      queue.Push([marker = Marker(&destroyed, i)] {});
    }
    queue.pop_front();  // 0
  }
  ASSERT_EQ(destroyed.size(), 300u);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(destroyed[i], i);
}

TEST(TaskQueueTest, SwapExchangesContents) {
  TaskQueue a;
  TaskQueue b;
  std::vector<int> order;
  for (int i = 0; i < 200; ++i) a.Push([&order, i] { order.push_back(i); });
  a.swap(b);
  EXPECT_TRUE(a.empty());
  ASSERT_FALSE(b.empty());
  // Both stay usable after the swap, as the strand reuses them.
  a.Push([&order] { order.push_back(-1); });
  while (!b.empty()) {
    b.front()();
    b.pop_front();
  }
  a.front()();
  a.pop_front();
  ASSERT_EQ(order.size(), 201u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(order[200], -1);
}

}  // namespace
}  // namespace executors_internal
}  // namespace multirun
