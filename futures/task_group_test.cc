// Copyright 2026 The multirun Authors.

#include "multirun/futures/task_group.h"

#include <atomic>
#include <stdexcept>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/submit.h"

namespace multirun {
namespace {

int Fib(ThreadPool& pool, int n) {
  if (n < 2) return n;
  int a = 0;
  int b = 0;
  TaskGroup group(pool);
  group.Spawn([&] { a = Fib(pool, n - 1); });
  b = Fib(pool, n - 2);
  if (!group.Wait().ok()) return -1000000;
  return a + b;
}

int SerialFib(int n) { return n < 2 ? n : SerialFib(n - 1) + SerialFib(n - 2); }

TEST(TaskGroupTest, RunsEveryChildAndWaits) {
  ThreadPool pool(2);
  std::atomic<int> ran{0};
  TaskGroup group(pool);
  for (int i = 0; i < 1000; ++i) group.Spawn([&ran] { ran.fetch_add(1); });
  EXPECT_TRUE(group.Wait().ok());
  EXPECT_EQ(ran.load(), 1000);
}

TEST(TaskGroupTest, FibOnOneWorkerAndOnTwo) {
  for (int workers : {1, 2}) {
    ThreadPool pool(workers);
    Future<int> fib = Submit(pool, [&pool] { return Fib(pool, 22); });
    absl::StatusOr<int> value = std::move(fib).Get();
    ASSERT_TRUE(value.ok()) << value.status();
    EXPECT_EQ(*value, SerialFib(22)) << workers << " workers";
  }
}

TEST(TaskGroupTest, TheFirstErrorCancelsChildrenThatHaveNotStarted) {
  ThreadPool pool(1);
  std::atomic<int> ran_after{0};
  std::atomic<bool> release{false};
  TaskGroup group(pool);
  // The only worker holds the failing child until every other child is
  // queued behind it; none of those may run.
  group.Spawn([&release]() -> absl::Status {
    while (!release.load()) std::this_thread::yield();
    return absl::DataLossError("first");
  });
  for (int i = 0; i < 100; ++i) {
    group.Spawn([&ran_after] { ran_after.fetch_add(1); });
  }
  release = true;
  absl::Status status = group.Wait();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_EQ(status.message(), "first");
  EXPECT_EQ(ran_after.load(), 0);
  EXPECT_TRUE(group.IsCancelled());
}

TEST(TaskGroupTest, ChildrenSpawnChildrenAndWaitSeesThemAll) {
  ThreadPool pool(2);
  std::atomic<int> leaves{0};
  TaskGroup group(pool);
  for (int i = 0; i < 10; ++i) {
    group.Spawn([&] {
      for (int j = 0; j < 10; ++j) {
        group.Spawn([&] { leaves.fetch_add(1); });
      }
    });
  }
  EXPECT_TRUE(group.Wait().ok());
  EXPECT_EQ(leaves.load(), 100);
}

TEST(TaskGroupTest, AnExceptionBecomesUnknown) {
  InlineExecutor inline_executor;
  TaskGroup group(inline_executor);
  group.Spawn([] { throw std::runtime_error("boom"); });
  absl::Status status = group.Wait();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnknown) << status;
  EXPECT_NE(status.message().find("boom"), absl::string_view::npos) << status;
}

TEST(TaskGroupTest, CancelStopsChildrenThatHaveNotStarted) {
  ThreadPool pool(1);
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  TaskGroup group(pool);
  group.Spawn([&release] {
    while (!release.load()) std::this_thread::yield();
  });
  for (int i = 0; i < 10; ++i) group.Spawn([&ran] { ran.fetch_add(1); });
  group.Cancel();
  release = true;
  EXPECT_EQ(group.Wait().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(ran.load(), 0);
}

TEST(TaskGroupTest, AChildRejectedByAShutDownPoolIsAnError) {
  ThreadPool pool(1);
  ASSERT_TRUE(pool.Shutdown().ok());
  TaskGroup group(pool);
  bool ran = false;
  group.Spawn([&ran] { ran = true; });
  absl::Status status = group.Wait();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_FALSE(ran);
}

TEST(TaskGroupTest, TheDestructorWaits) {
  ThreadPool pool(2);
  std::atomic<int> ran{0};
  {
    TaskGroup group(pool);
    for (int i = 0; i < 100; ++i) {
      group.Spawn([&ran] {
        absl::SleepFor(absl::Microseconds(100));
        ran.fetch_add(1);
      });
    }
  }
  EXPECT_EQ(ran.load(), 100);
}

TEST(TaskGroupTest, ReusableAfterWait) {
  InlineExecutor inline_executor;
  TaskGroup group(inline_executor);
  int ran = 0;
  group.Spawn([&ran] { ++ran; });
  EXPECT_TRUE(group.Wait().ok());
  group.Spawn([&ran] { ++ran; });
  EXPECT_TRUE(group.Wait().ok());
  EXPECT_EQ(ran, 2);
}

}  // namespace
}  // namespace multirun
