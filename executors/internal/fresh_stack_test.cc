// Copyright 2026 The multirun Authors.

#include "multirun/executors/internal/fresh_stack.h"

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace multirun {
namespace executors_internal {
namespace {

// Recurses `depth` levels with about 1 KiB of stack each, switching to a
// fresh segment whenever the current one runs low. Returns the sum of the
// levels' bytes, so that the arrays cannot be optimized away.
int Recurse(int depth) {
  volatile char frame[1024];
  std::memset(const_cast<char*>(frame), depth & 0x7f, sizeof(frame));
  if (depth == 0) return frame[0];
  int below = 0;
  if (StackLeft() < kStackReserve) {
    RunOnFreshStack([&] { below = Recurse(depth - 1); });
  } else {
    below = Recurse(depth - 1);
  }
  return below + frame[sizeof(frame) - 1];
}

int Expected(int depth) {
  int sum = 0;
  for (int level = 0; level <= depth; ++level) sum += level & 0x7f;
  return sum;
}

TEST(FreshStackTest, StackLeftShrinksAsTheStackGrows) {
  const size_t outer = StackLeft();
  size_t inner = 0;
  [&]() __attribute__((noinline)) {
    volatile char pad[4096];
    pad[0] = 1;
    inner = StackLeft();
    (void)pad[0];
  }
  ();
  EXPECT_GT(outer, 0u);
  EXPECT_LT(inner, outer);
}

TEST(FreshStackTest, RunsOnASegmentAndComesBack) {
  const size_t before = StackLeft();
  size_t on_segment = 0;
  bool ran = false;
  RunOnFreshStack([&] {
    ran = true;
    on_segment = StackLeft();
  });
  EXPECT_TRUE(ran);
  EXPECT_LE(on_segment, kFreshStackSize);
  EXPECT_GT(on_segment, kFreshStackSize - 64 * 1024);
  // Back on the thread's stack.
  EXPECT_GT(StackLeft() + 4096, before);
  EXPECT_LT(StackLeft(), before + 4096);
}

// 200,000 levels of 1 KiB: about 200 MiB of frames, far beyond an 8 MiB stack.
TEST(FreshStackTest, RecursionFarDeeperThanTheThreadStack) {
  constexpr int kDepth = 200'000;
  EXPECT_EQ(Recurse(kDepth), Expected(kDepth));
  // Again: the kept segments are reused.
  EXPECT_EQ(Recurse(kDepth), Expected(kDepth));
}

TEST(FreshStackTest, ManyThreadsAtOnce) {
  constexpr int kThreads = 4;
  constexpr int kDepth = 20'000;
  std::atomic<int> correct{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      if (Recurse(kDepth) == Expected(kDepth)) correct.fetch_add(1);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(correct.load(), kThreads);
}

}  // namespace
}  // namespace executors_internal
}  // namespace multirun
