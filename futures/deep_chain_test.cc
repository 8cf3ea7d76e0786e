// Copyright 2026 The multirun Authors.
//
// Continuations at any length: a million-link chain of Then(), of WhenAll /
// WhenAny, and of coroutines completes in bounded stack on every executor,
// with the default 8 MiB stack (and under the sanitizers).

#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/strand.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/future.h"
#include "multirun/futures/task.h"
#include "multirun/futures/when.h"

namespace multirun {
namespace {

constexpr int kLinks = 1'000'000;

// Builds kLinks Then() links on `executor` over an unset promise, completes
// the promise from `complete` (a thread of its own when asked), and returns
// the final result.
absl::StatusOr<int> RunChain(Executor& executor, bool complete_on_thread) {
  Promise<int> head;
  Future<int> tail = head.GetFuture();
  for (int i = 0; i < kLinks; ++i) {
    tail = std::move(tail).Then(executor, [](int n) { return n + 1; });
  }
  if (complete_on_thread) {
    std::thread producer([&head] { head.SetValue(0); });
    producer.join();
  } else {
    head.SetValue(0);
  }
  return std::move(tail).Get();
}

TEST(DeepChainTest, ThenChainOnInlineExecutor) {
  InlineExecutor inline_executor;
  absl::StatusOr<int> n = RunChain(inline_executor, false);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kLinks);
}

TEST(DeepChainTest, ThenChainOnInlineExecutorCompletedByAnotherThread) {
  InlineExecutor inline_executor;
  absl::StatusOr<int> n = RunChain(inline_executor, true);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kLinks);
}

TEST(DeepChainTest, ThenChainOnAStrandOverAnInlineExecutor) {
  InlineExecutor inline_executor;
  Strand strand(inline_executor);
  absl::StatusOr<int> n = RunChain(strand, false);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kLinks);
}

TEST(DeepChainTest, ThenChainOnAStrandOverAPool) {
  ThreadPool pool(2);
  Strand strand(pool);
  absl::StatusOr<int> n = RunChain(strand, true);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kLinks);
}

TEST(DeepChainTest, ThenChainOnAThreadPool) {
  ThreadPool pool(2);
  absl::StatusOr<int> n = RunChain(pool, true);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kLinks);
}

TEST(DeepChainTest, AnAbandonedHeadCancelsTheWholeChain) {
  InlineExecutor inline_executor;
  auto head = std::make_unique<Promise<int>>();
  Future<int> tail = head->GetFuture();
  for (int i = 0; i < kLinks; ++i) {
    tail = std::move(tail).Then(inline_executor, [](int n) { return n + 1; });
  }
  head.reset();  // Abandoned: every link sees the error and passes it on.
  absl::StatusOr<int> n = std::move(tail).Get();
  EXPECT_EQ(n.status().code(), absl::StatusCode::kCancelled) << n.status();
}

TEST(DeepChainTest, ContinuationsReturningFutures) {
  InlineExecutor inline_executor;
  Promise<int> head;
  Future<int> tail = head.GetFuture();
  for (int i = 0; i < kLinks; ++i) {
    tail = std::move(tail).Then(inline_executor,
                                [](int n) { return MakeReadyFuture(n + 1); });
  }
  head.SetValue(0);
  absl::StatusOr<int> n = std::move(tail).Get();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kLinks);
}

TEST(DeepChainTest, WhenAllOfAMillionFutures) {
  std::vector<Promise<int>> promises(kLinks);
  std::vector<Future<int>> futures;
  futures.reserve(kLinks);
  for (auto& promise : promises) futures.push_back(promise.GetFuture());
  Future<std::vector<absl::StatusOr<int>>> all = WhenAll(std::move(futures));
  for (int i = 0; i < kLinks; ++i) promises[i].SetValue(i);
  absl::StatusOr<std::vector<absl::StatusOr<int>>> results =
      std::move(all).Get();
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), static_cast<size_t>(kLinks));
  EXPECT_EQ(*(*results)[kLinks - 1], kLinks - 1);
}

TEST(DeepChainTest, WhenAnyOfAMillionFutures) {
  std::vector<Promise<int>> promises(kLinks);
  std::vector<Future<int>> futures;
  futures.reserve(kLinks);
  for (auto& promise : promises) futures.push_back(promise.GetFuture());
  Future<WhenAnyResult<int>> any = WhenAny(std::move(futures));
  promises[kLinks / 2].SetValue(7);
  absl::StatusOr<WhenAnyResult<int>> first = std::move(any).Get();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->index, static_cast<size_t>(kLinks / 2));
  for (auto& promise : promises) promise.SetValue(0);
}

TEST(DeepChainTest, AChainOfAMillionNestedWhenAllAndWhenAny) {
  Promise<int> head;
  Future<int> tail = head.GetFuture();
  InlineExecutor inline_executor;
  for (int i = 0; i < kLinks; ++i) {
    std::vector<Future<int>> one;
    one.push_back(std::move(tail));
    if (i % 2 == 0) {
      tail = WhenAll(std::move(one))
                 .Then(inline_executor, [](std::vector<absl::StatusOr<int>> v) {
                   return *v[0] + 1;
                 });
    } else {
      tail = WhenAny(std::move(one))
                 .Then(inline_executor,
                       [](WhenAnyResult<int> r) { return *r.result + 1; });
    }
  }
  head.SetValue(0);
  absl::StatusOr<int> n = std::move(tail).Get();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kLinks);
}

Task<int> Link(Future<int> previous) {
  absl::StatusOr<int> n = co_await std::move(previous);
  if (!n.ok()) co_return n.status();
  co_return *n + 1;
}

TEST(DeepChainTest, AMillionCoroutinesEachAwaitingThePrevious) {
  Promise<int> head;
  Future<int> tail = head.GetFuture();
  for (int i = 0; i < kLinks; ++i) tail = Link(std::move(tail)).ToFuture();
  head.SetValue(0);
  absl::StatusOr<int> n = std::move(tail).Get();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kLinks);
}

Task<int> AwaitReadyInALoop(int count) {
  int sum = 0;
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<int> one = co_await MakeReadyFuture(1);
    sum += *one;
  }
  co_return sum;
}

TEST(DeepChainTest, CoAwaitOfAMillionReadyFuturesInALoop) {
  absl::StatusOr<int> n = AwaitReadyInALoop(kLinks).Get();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kLinks);
}

Task<int> HopInALoop(Executor& executor, int count) {
  int hops = 0;
  for (int i = 0; i < count; ++i) {
    absl::Status moved = co_await ResumeOn(executor);
    if (moved.ok()) ++hops;
  }
  co_return hops;
}

TEST(DeepChainTest, AMillionResumeOnAnInlineExecutorInALoop) {
  InlineExecutor inline_executor;
  absl::StatusOr<int> n = HopInALoop(inline_executor, kLinks).Get();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kLinks);
}

TEST(DeepChainTest, AMillionResumeOnAStrandInALoop) {
  ThreadPool pool(2);
  Strand strand(pool);
  absl::StatusOr<int> n = HopInALoop(strand, kLinks).Get();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kLinks);
}

Task<int> AwaitDeeper(int depth, Future<int>& leaf) {
  if (depth == 0) co_return *co_await std::move(leaf);
  absl::StatusOr<int> below = co_await AwaitDeeper(depth - 1, leaf);
  co_return *below + 1;
}

TEST(DeepChainTest, NestedCoroutinesCompleteInBoundedStack) {
  // Starting a nested coroutine is a call, so the nesting is built
  // 10,000 deep; completing it resumes 10,000 awaiting frames in turn.
  constexpr int kDepth = 10'000;
  Promise<int> promise;
  Future<int> leaf = promise.GetFuture();
  Future<int> top = AwaitDeeper(kDepth, leaf).ToFuture();
  promise.SetValue(0);
  absl::StatusOr<int> n = std::move(top).Get();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, kDepth);
}

}  // namespace
}  // namespace multirun
