// Copyright 2026 The multirun Authors.
//
// Waits that help: a Future waited for on a ThreadPool worker runs the pool's
// pending work meanwhile, so fork-join code written with Submit() and Get()
// runs at any depth on any number of workers.

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "multirun/base/run_inline.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/strand.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/futures/future.h"
#include "multirun/futures/submit.h"

namespace multirun {
namespace {

// Each level submits the next to the same pool and waits for it.
int Nest(ThreadPool& pool, int depth) {
  if (depth == 0) return 0;
  Future<int> inner =
      Submit(pool, [&pool, depth] { return Nest(pool, depth - 1); });
  absl::StatusOr<int> value = std::move(inner).Get();
  return value.ok() ? *value + 1 : -1000000;
}

int Fib(ThreadPool& pool, int n) {
  if (n < 2) return n;
  Future<int> a = Submit(pool, [&pool, n] { return Fib(pool, n - 1); });
  const int b = Fib(pool, n - 2);
  absl::StatusOr<int> a_value = std::move(a).Get();
  return a_value.ok() ? *a_value + b : -1000000;
}

int SerialFib(int n) { return n < 2 ? n : SerialFib(n - 1) + SerialFib(n - 2); }

class HelpingWaitTest : public testing::TestWithParam<int> {};

INSTANTIATE_TEST_SUITE_P(Workers, HelpingWaitTest, testing::Values(1, 2, 4),
                         [](const auto& info) {
                           return "workers" + std::to_string(info.param);
                         });

// ThreadSanitizer keeps every distinct call stack it sees at a lock in its
// stack depot: nesting n levels deep costs it memory quadratic in n, more
// than a test machine has at 10,000, so under it the nesting is 1,000 deep;
// the test below with large frames still crosses stack segments there.
#if defined(__SANITIZE_THREAD__)
constexpr int kNestingDepth = 1'000;
#else
constexpr int kNestingDepth = 10'000;
#endif

// As Nest, with 16 KiB of stack per level: 1,000 levels need twice a
// thread's 8 MiB stack.
int NestWithLargeFrames(ThreadPool& pool, int depth) {
  volatile char frame[16 * 1024];
  frame[0] = static_cast<char>(depth);
  frame[sizeof(frame) - 1] = 1;
  if (depth == 0) return 0;
  Future<int> inner = Submit(
      pool, [&pool, depth] { return NestWithLargeFrames(pool, depth - 1); });
  absl::StatusOr<int> value = std::move(inner).Get();
  return value.ok() ? *value + frame[sizeof(frame) - 1] : -1000000;
}

TEST_P(HelpingWaitTest, NestedWaitsWithLargeFramesCrossStackSegments) {
  ThreadPool pool(GetParam());
  constexpr int kDepth = 1'000;
  Future<int> outer =
      Submit(pool, [&pool] { return NestWithLargeFrames(pool, kDepth); });
  absl::StatusOr<int> depth = std::move(outer).Get();
  ASSERT_TRUE(depth.ok()) << depth.status();
  EXPECT_EQ(*depth, kDepth);
}

TEST_P(HelpingWaitTest, NestedSubmitAndGetDeep) {
  ThreadPool pool(GetParam());
  constexpr int kDepth = kNestingDepth;
  Future<int> outer = Submit(pool, [&pool] { return Nest(pool, kDepth); });
  absl::StatusOr<int> depth = std::move(outer).Get();
  ASSERT_TRUE(depth.ok()) << depth.status();
  EXPECT_EQ(*depth, kDepth);
}

TEST_P(HelpingWaitTest, FibWithNestedSubmitAndGet) {
  ThreadPool pool(GetParam());
  constexpr int kN = 25;
  Future<int> fib = Submit(pool, [&pool] { return Fib(pool, kN); });
  absl::StatusOr<int> value = std::move(fib).Get();
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, SerialFib(kN));
}

TEST_P(HelpingWaitTest, EveryWorkerWaitsForASubtaskAtOnce) {
  const int workers = GetParam();
  ThreadPool pool(workers);
  // Each outer task waits until all outer tasks have started, so every worker
  // is inside a wait at once, then waits for a subtask of its own.
  std::atomic<int> started{0};
  std::vector<Future<int>> outers;
  for (int i = 0; i < workers; ++i) {
    outers.push_back(Submit(pool, [&pool, &started, workers, i] {
      started.fetch_add(1);
      while (started.load() < workers) std::this_thread::yield();
      return *Submit(pool, [i] { return i * 10; }).Get() + 1;
    }));
  }
  for (int i = 0; i < workers; ++i) {
    absl::StatusOr<int> value = std::move(outers[i]).Get();
    ASSERT_TRUE(value.ok()) << value.status();
    EXPECT_EQ(*value, i * 10 + 1);
  }
}

TEST(HelpingWaitTest, TheOnlyWorkerWaitsForWorkThatArrivesFromOutsideLater) {
  ThreadPool pool(1);
  Promise<int> gate;
  Future<int> gate_future = gate.GetFuture();
  std::atomic<bool> waiting{false};
  Future<int> waiter = Submit(pool, [&] {
    waiting.store(true);
    // Completed by a task that is scheduled from outside only once this
    // wait has begun: the worker must wake for the new work and run it.
    return *std::move(gate_future).Get() + 1;
  });
  while (!waiting.load()) std::this_thread::yield();
  absl::SleepFor(absl::Milliseconds(20));  // Let the worker fall asleep.
  ASSERT_TRUE(
      pool.Schedule([p = std::move(gate)]() mutable { p.SetValue(41); }).ok());
  absl::StatusOr<int> value = std::move(waiter).Get();
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, 42);
}

TEST(HelpingWaitTest, AWaitForTheResultOfAnOutsideThreadSleepsUntilIt) {
  ThreadPool pool(2);
  Promise<int> promise;
  Future<int> future = promise.GetFuture();
  Future<int> waiter = Submit(pool, [&future] { return *future.Get() * 2; });
  std::thread producer([p = std::move(promise)]() mutable {
    absl::SleepFor(absl::Milliseconds(20));
    p.SetValue(21);
  });
  absl::StatusOr<int> value = std::move(waiter).Get();
  producer.join();
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, 42);
}

TEST(HelpingWaitTest, ATimedWaitOnAWorkerHelpsAndTimesOut) {
  ThreadPool pool(1);
  Promise<int> never;
  Future<int> never_future = never.GetFuture();
  Future<bool> timed = Submit(pool, [&pool, &never_future] {
    // Helps: the subtask runs on this worker during the wait.
    Future<int> sub = Submit(pool, [] { return 7; });
    const bool sub_ready = sub.WaitFor(absl::Seconds(30));
    const bool never_ready = never_future.WaitFor(absl::Milliseconds(20));
    return sub_ready && *sub.Get() == 7 && !never_ready;
  });
  absl::StatusOr<bool> ok = std::move(timed).Get();
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(*ok);
}

TEST(HelpingWaitTest, AZeroTimeoutPollOnAWorkerRunsNothing) {
  ThreadPool pool(1);
  Future<bool> polled = Submit(pool, [&pool] {
    std::atomic<bool> sub_ran{false};
    Future<void> sub = Submit(pool, [&sub_ran] { sub_ran = true; });
    const bool ready = sub.WaitFor(absl::ZeroDuration());
    const bool ran_during_poll = sub_ran.load();
    sub.Wait();  // Helps: runs it now.
    return !ready && !ran_during_poll && sub_ran.load();
  });
  absl::StatusOr<bool> ok = std::move(polled).Get();
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(*ok);
}

TEST(HelpingWaitTest, WithoutHelpingAWaitBlocksItsWorker) {
  ThreadPool pool({.workers = 1, .wait_helps = false});
  std::atomic<bool> sub_ran{false};
  Future<bool> waited = Submit(pool, [&pool, &sub_ran] {
    Future<void> sub = Submit(pool, [&sub_ran] { sub_ran = true; });
    // Not helped: the only worker is this one, so the subtask cannot run.
    return sub.WaitFor(absl::Milliseconds(20)) || sub_ran.load();
  });
  absl::StatusOr<bool> ready = std::move(waited).Get();
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_FALSE(*ready);
  ASSERT_TRUE(pool.Shutdown().ok());
  EXPECT_TRUE(sub_ran.load());
}

// A wait deep inside an inline chain (where continuations are queued rather
// than nested) for work whose own inline continuation must run: the helped
// task runs in a fresh inline context and drains what it queues itself.
TEST(HelpingWaitTest, AWaitDeepInAnInlineChainForAnInlineContinuation) {
  ThreadPool pool(1);
  InlineExecutor inline_executor;
  // Chains of every length up to past the inline bound, so that the waiting
  // link runs at every nesting depth, the bound included.
  for (int links = 0; links < 2 * base_internal::kMaxInlineDepth; ++links) {
    Future<int> result = Submit(pool, [&pool, &inline_executor, links] {
      Promise<int> head;
      Future<int> tail = head.GetFuture();
      for (int i = 0; i < links; ++i) {
        tail =
            std::move(tail).Then(inline_executor, [](int n) { return n + 1; });
      }
      // The last link waits for a pool task and an inline continuation of
      // it.
      Future<int> last = std::move(tail).Then(
          inline_executor, [&pool, &inline_executor](int n) {
            Future<int> sub =
                Submit(pool, [n] {
                  return n;
                }).Then(inline_executor, [](int m) { return m * 2; });
            return *std::move(sub).Get();
          });
      head.SetValue(0);
      return *std::move(last).Get();
    });
    ASSERT_TRUE(result.WaitFor(absl::Seconds(60))) << links << " links";
    absl::StatusOr<int> value = std::move(result).Get();
    ASSERT_TRUE(value.ok()) << value.status();
    EXPECT_EQ(*value, 2 * links);
  }
}

TEST(HelpingWaitTest, AFutureThatCompletesAfterThePoolIsGoneIsSafe) {
  Promise<int> late;
  Future<int> late_future = late.GetFuture();
  {
    ThreadPool pool(1);
    // The worker sleeps in a helping wait that times out, leaving its wake
    // callback in the future's state.
    Future<bool> timed = Submit(pool, [&late_future] {
      return late_future.WaitFor(absl::Milliseconds(50));
    });
    absl::StatusOr<bool> ready = std::move(timed).Get();
    ASSERT_TRUE(ready.ok());
    EXPECT_FALSE(*ready);
  }
  EXPECT_TRUE(late.SetValue(1));  // Runs the callback: the pool is gone.
  EXPECT_EQ(*late_future.Get(), 1);
}

TEST(HelpingWaitTest, AWaitInsideAStrandTaskHelpsThePool) {
  ThreadPool pool(1);
  Strand strand(pool);
  Future<int> result = Submit(strand, [&pool] {
    // The strand's task holds the only worker; the subtask runs because the
    // wait helps the pool.
    return *Submit(pool, [] { return 5; }).Get() + 1;
  });
  absl::StatusOr<int> value = std::move(result).Get();
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, 6);
}

TEST(HelpingWaitTest, WaitsAndShutdownDrainTogether) {
  auto pool = std::make_unique<ThreadPool>(2);
  std::vector<Future<int>> results;
  for (int i = 0; i < 50; ++i) {
    results.push_back(Submit(*pool, [p = pool.get(), i] {
      return *Submit(*p, [i] { return i; }).Get();
    }));
  }
  ASSERT_TRUE(pool->Shutdown().ok());
  for (int i = 0; i < 50; ++i) {
    absl::StatusOr<int> value = std::move(results[i]).Get();
    ASSERT_TRUE(value.ok()) << value.status();
    EXPECT_EQ(*value, i);
  }
}

TEST(HelpingWaitTest, AnOutsideThreadSleepsAndRunsNothing) {
  ThreadPool pool(1);
  std::atomic<bool> release{false};
  std::atomic<bool> ran_on_outside_thread{false};
  const std::thread::id outside = std::this_thread::get_id();
  // Holds the only worker without a future wait (which would help).
  Future<void> blocker = Submit(pool, [&release] {
    while (!release.load()) std::this_thread::yield();
  });
  Future<void> queued = Submit(pool, [&] {
    if (std::this_thread::get_id() == outside) ran_on_outside_thread = true;
  });
  EXPECT_FALSE(queued.WaitFor(absl::Milliseconds(20)));
  release.store(true);
  queued.Wait();
  EXPECT_FALSE(ran_on_outside_thread.load());
}

}  // namespace
}  // namespace multirun
