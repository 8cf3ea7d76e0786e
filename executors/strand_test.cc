// Copyright 2026 The multirun Authors.

#include "multirun/executors/strand.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/base/drop_reason.h"
#include "multirun/executors/executor.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/sync/event.h"
#include "multirun/testing/test_executors.h"
#include "multirun/testing/test_threads.h"

namespace multirun {
namespace {

using ::testing::HasSubstr;

// Runs tasks on `threads` std::threads from one queue. Shutdown() rejects new
// tasks and still runs the queued ones; ShutdownNow() also destroys the queued
// ones without running them, inside a drop reason.
class ThreadsExecutor final : public Executor {
 public:
  explicit ThreadsExecutor(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~ThreadsExecutor() override {
    Shutdown();
    for (auto& thread : threads_) thread.join();
  }

  absl::Status Schedule(absl::AnyInvocable<void()> task) override {
    if (!task) return absl::InvalidArgumentError("ThreadsExecutor: null task");
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!shut_down_) {
        tasks_.push_back(std::move(task));
        wake_.notify_one();
        return absl::OkStatus();
      }
    }
    const absl::Status status =
        absl::FailedPreconditionError("ThreadsExecutor: shut down");
    base_internal::ScopedDropReason reason(status);
    task = nullptr;
    return status;
  }

  void Shutdown() {
    std::lock_guard<std::mutex> lock(mutex_);
    shut_down_ = true;
    wake_.notify_all();
  }

  void ShutdownNow() {
    std::deque<absl::AnyInvocable<void()>> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      shut_down_ = true;
      dropped.swap(tasks_);
      wake_.notify_all();
    }
    base_internal::ScopedDropReason reason(
        absl::CancelledError("ThreadsExecutor: ShutdownNow"));
    dropped.clear();
  }

 private:
  void Work() {
    while (true) {
      absl::AnyInvocable<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return shut_down_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<absl::AnyInvocable<void()>> tasks_;
  bool shut_down_ = false;
  std::vector<std::thread> threads_;
};

// Runs tasks only when the test says so; can reject new ones or drop the
// queued ones like a pool being shut down.
using testing_internal::ManualExecutor;

// What happened to the tasks that carry a Probe: how many ran, and the drop
// reason in force when each of the others was destroyed.
class ProbeLog {
 public:
  void Ran() { ran_.fetch_add(1); }
  void Dropped(absl::Status reason) {
    std::lock_guard<std::mutex> lock(mutex_);
    dropped_.push_back(std::move(reason));
  }
  int ran() const { return ran_.load(); }
  std::vector<absl::Status> dropped() {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
  }

 private:
  std::atomic<int> ran_{0};
  std::mutex mutex_;
  std::vector<absl::Status> dropped_;
};

// Captured by a task: records in its ProbeLog whether the task ran or was
// destroyed without running, and why (like a Promise would).
class Probe {
 public:
  explicit Probe(ProbeLog* log) : log_(log) {}
  Probe(Probe&& other) noexcept : log_(std::exchange(other.log_, nullptr)) {}
  Probe& operator=(Probe&&) = delete;
  ~Probe() {
    if (log_ != nullptr) log_->Dropped(base_internal::AbandonedStatus());
  }
  void Run() { std::exchange(log_, nullptr)->Ran(); }

 private:
  ProbeLog* log_;
};

absl::AnyInvocable<void()> ProbeTask(ProbeLog* log) {
  return [probe = Probe(log)]() mutable { probe.Run(); };
}

TEST(StrandTest, NullTaskIsInvalidArgument) {
  InlineExecutor executor;
  Strand strand(executor);
  EXPECT_EQ(strand.Schedule(nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  // The strand still works.
  int ran = 0;
  EXPECT_TRUE(strand.Schedule([&] { ++ran; }).ok());
  EXPECT_EQ(ran, 1);
}

TEST(StrandTest, RunsInFifoOrderFromOneProducerOverInlineExecutor) {
  InlineExecutor executor;
  Strand strand(executor);
  std::vector<int> order;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(strand.Schedule([&order, i] { order.push_back(i); }).ok());
  }
  ASSERT_EQ(order.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(order[i], i);
}

TEST(StrandTest, RunsInFifoOrderFromOneProducerOverThreads) {
  constexpr int kTasks = 20000;
  ThreadsExecutor executor(4);
  std::vector<int> order;
  {
    Strand strand(executor);
    for (int i = 0; i < kTasks; ++i) {
      ASSERT_TRUE(strand.Schedule([&order, i] { order.push_back(i); }).ok());
    }
  }  // ~Strand() waits for the tasks.
  ASSERT_EQ(order.size(), static_cast<size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) ASSERT_EQ(order[i], i);
}

// Posts `tasks_each` tasks from each of `producers` threads onto a strand
// over `executor`; each producer's tasks must run in the order it posted them,
// all of them, one at a time (`runs` is not synchronized: only the strand's
// tasks touch it).
void ExpectEachProducersOrder(Executor& executor, int producers,
                              int tasks_each) {
  std::vector<std::pair<int, int>> runs;
  runs.reserve(producers * tasks_each);
  {
    Strand strand(executor);
    testing_internal::RunThreads(producers, [&](int producer) {
      for (int i = 0; i < tasks_each; ++i) {
        ASSERT_TRUE(strand
                        .Schedule([&runs, producer, i] {
                          runs.push_back({producer, i});
                        })
                        .ok());
      }
    });
  }
  ASSERT_EQ(runs.size(), static_cast<size_t>(producers * tasks_each));
  std::vector<int> next(producers, 0);
  for (const auto& [producer, i] : runs) {
    ASSERT_EQ(i, next[producer]) << "producer " << producer;
    ++next[producer];
  }
  for (int producer = 0; producer < producers; ++producer) {
    EXPECT_EQ(next[producer], tasks_each);
  }
}

TEST(StrandTest, KeepsEachProducersOrder) {
  ThreadsExecutor executor(4);
  ExpectEachProducersOrder(executor, 4, 50000);
}

TEST(StrandTest, NeverRunsTwoTasksAtOnce) {
  constexpr int kProducers = 4;
  constexpr int kTasksEach = 20000;
  ThreadsExecutor executor(4);
  testing_internal::Occupancy occupancy;
  // Not atomic: the strand's hand-offs must order the increments (TSAN checks).
  int64_t plain = 0;
  {
    Strand strand(executor);
    testing_internal::RunThreads(kProducers, [&](int) {
      for (int i = 0; i < kTasksEach; ++i) {
        ASSERT_TRUE(strand
                        .Schedule([&] {
                          occupancy.Enter();
                          ++plain;
                          occupancy.Leave();
                        })
                        .ok());
      }
    });
  }
  EXPECT_EQ(occupancy.Most(), 1);
  EXPECT_EQ(plain, int64_t{kProducers} * kTasksEach);
}

TEST(StrandTest, WritesBeforeScheduleAreVisibleToTheTask) {
  ThreadsExecutor executor(2);
  std::vector<int> seen;
  {
    Strand strand(executor);
    for (int i = 0; i < 1000; ++i) {
      auto value = std::make_unique<int>(i);  // written here, read there
      ASSERT_TRUE(strand
                      .Schedule([&seen, value = std::move(value)] {
                        seen.push_back(*value);
                      })
                      .ok());
    }
  }
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[i], i);
}

// Over both executors: a task scheduled from inside the strand runs after
// the current one returned, not nested in it.
template <typename E>
void ExpectInnerTaskRunsAfterCurrent(E& executor) {
  std::vector<std::string> log;
  {
    Strand strand(executor);
    ASSERT_TRUE(strand
                    .Schedule([&] {
                      log.push_back("outer begins");
                      EXPECT_TRUE(strand
                                      .Schedule([&] {
                                        EXPECT_TRUE(
                                            strand.RunningInThisStrand());
                                        log.push_back("inner");
                                      })
                                      .ok());
                      log.push_back("outer ends");
                    })
                    .ok());
  }
  EXPECT_THAT(log,
              ::testing::ElementsAre("outer begins", "outer ends", "inner"));
}

TEST(StrandTest, TaskScheduledFromInsideRunsAfterCurrentOverInlineExecutor) {
  InlineExecutor executor;
  ExpectInnerTaskRunsAfterCurrent(executor);
}

TEST(StrandTest, TaskScheduledFromInsideRunsAfterCurrentOverThreads) {
  ThreadsExecutor executor(2);
  ExpectInnerTaskRunsAfterCurrent(executor);
}

// Over an InlineExecutor each batch reschedules the drain, which the executor
// runs inline: the strand must not nest one drain per batch.
TEST(StrandTest, InlineExecutorKeepsTheStackFlat) {
  constexpr int kTasks = 100 * Strand::kBatchSize;
  InlineExecutor executor;
  Strand strand(executor);
  std::vector<int> order;
  uintptr_t lowest = UINTPTR_MAX;
  uintptr_t highest = 0;
  ASSERT_TRUE(strand
                  .Schedule([&] {
                    for (int i = 0; i < kTasks; ++i) {
                      ASSERT_TRUE(strand
                                      .Schedule([&, i] {
                                        // The real stack (a local's address is
                                        // on ASAN's fake
                                        // stack).
                                        const auto address =
                                            reinterpret_cast<uintptr_t>(
                                                __builtin_frame_address(0));
                                        lowest = std::min(lowest, address);
                                        highest = std::max(highest, address);
                                        order.push_back(i);
                                      })
                                      .ok());
                    }
                  })
                  .ok());
  ASSERT_EQ(order.size(), static_cast<size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) ASSERT_EQ(order[i], i);
  // 100 nested drains would take tens of kilobytes.
  EXPECT_LT(highest - lowest, 4096u);
}

TEST(StrandTest, TwoStrandsOverOneExecutorRunInParallel) {
  ThreadsExecutor executor(2);
  Event first_running;
  Event second_running;
  bool first_saw_second = false;
  bool second_saw_first = false;
  {
    Strand first(executor);
    Strand second(executor);
    // Each task waits until the other one runs too: only possible if both run
    // at once.
    ASSERT_TRUE(first
                    .Schedule([&] {
                      first_running.Set();
                      first_saw_second =
                          second_running.WaitFor(absl::Seconds(60));
                    })
                    .ok());
    ASSERT_TRUE(second
                    .Schedule([&] {
                      second_running.Set();
                      second_saw_first =
                          first_running.WaitFor(absl::Seconds(60));
                    })
                    .ok());
  }
  EXPECT_TRUE(first_saw_second);
  EXPECT_TRUE(second_saw_first);
}

TEST(StrandTest, NoLockIsHeldWhileATaskRuns) {
  ThreadsExecutor executor(2);
  std::vector<std::string> log;
  Event go;
  Event scheduled;
  Strand strand(executor);
  std::thread other([&] {
    go.Wait();
    // Would block forever if the running task held a lock Schedule() needs.
    EXPECT_TRUE(strand.Schedule([&] { log.push_back("second"); }).ok());
    scheduled.Set();
  });
  ASSERT_TRUE(strand
                  .Schedule([&] {
                    log.push_back("first");
                    go.Set();
                    EXPECT_TRUE(scheduled.WaitFor(absl::Seconds(60)));
                  })
                  .ok());
  other.join();
  ASSERT_TRUE(strand.Schedule([&] { log.push_back("third"); }).ok());
  ASSERT_TRUE(scheduled.IsSet());
  Event done;
  ASSERT_TRUE(strand.Schedule([&] { done.Set(); }).ok());
  done.Wait();
  EXPECT_THAT(log, ::testing::ElementsAre("first", "second", "third"));
}

TEST(StrandTest, ExecutorRejectingTheDrainClosesTheStrand) {
  ThreadsExecutor executor(1);
  executor.Shutdown();
  Strand strand(executor);
  ProbeLog log;
  const absl::Status status = strand.Schedule(ProbeTask(&log));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("ThreadsExecutor: shut down"));
  EXPECT_THAT(status.message(), HasSubstr("Strand"));
  // The task was destroyed before Schedule() returned, with the reason.
  EXPECT_EQ(log.ran(), 0);
  ASSERT_EQ(log.dropped().size(), 1u);
  EXPECT_EQ(log.dropped()[0], status);
  // Later tasks are rejected with the same status, and also destroyed with it.
  EXPECT_EQ(strand.Schedule(ProbeTask(&log)), status);
  ASSERT_EQ(log.dropped().size(), 2u);
  EXPECT_EQ(log.dropped()[1], status);
}

TEST(StrandTest, ExecutorRejectingTheRescheduleDropsTheRest) {
  testing_internal::ManualExecutor executor;
  ProbeLog log;
  Strand strand(executor);
  for (int i = 0; i < 3 * Strand::kBatchSize; ++i) {
    ASSERT_TRUE(strand.Schedule(ProbeTask(&log)).ok());
  }
  EXPECT_EQ(executor.queued(), 1u);  // One drain task.
  executor.Reject(absl::FailedPreconditionError("ManualExecutor: shut down"));
  EXPECT_EQ(executor.RunAll(), 1u);
  // One batch ran; the drain's reschedule was rejected; the rest dropped.
  EXPECT_EQ(log.ran(), Strand::kBatchSize);
  const std::vector<absl::Status> dropped = log.dropped();
  ASSERT_EQ(dropped.size(), 2u * Strand::kBatchSize);
  for (const absl::Status& reason : dropped) {
    EXPECT_EQ(reason.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(reason.message(), HasSubstr("ManualExecutor: shut down"));
  }
  const absl::Status later = strand.Schedule([] {});
  EXPECT_EQ(later, dropped[0]);
}

TEST(StrandTest, ExecutorDroppingTheDrainDropsTheTasksWithItsReason) {
  testing_internal::ManualExecutor executor;
  ProbeLog log;
  Strand strand(executor);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(strand.Schedule(ProbeTask(&log)).ok());
  executor.DropAll(absl::CancelledError("ManualExecutor: dropped"));
  EXPECT_EQ(log.ran(), 0);
  const std::vector<absl::Status> dropped = log.dropped();
  ASSERT_EQ(dropped.size(), 10u);
  for (const absl::Status& reason : dropped) {
    EXPECT_EQ(reason.code(), absl::StatusCode::kCancelled);
    EXPECT_THAT(reason.message(), HasSubstr("ManualExecutor: dropped"));
  }
  EXPECT_EQ(strand.Schedule([] {}).code(), absl::StatusCode::kCancelled);
}

TEST(StrandTest, ShutdownNowWhileBusyDropsTheQueuedTasks) {
  ProbeLog log;
  Event running;
  Event release;
  {
    ThreadsExecutor executor(1);
    Strand strand(executor);
    // Keep the executor's only thread busy so the strand's drain stays queued.
    ASSERT_TRUE(executor
                    .Schedule([&] {
                      running.Set();
                      release.Wait();
                    })
                    .ok());
    running.Wait();
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(strand.Schedule(ProbeTask(&log)).ok());
    }
    executor.ShutdownNow();
    release.Set();
    EXPECT_EQ(strand.Schedule([] {}).code(), absl::StatusCode::kCancelled);
  }  // ~Strand() does not hang.
  EXPECT_EQ(log.ran(), 0);
  const std::vector<absl::Status> dropped = log.dropped();
  ASSERT_EQ(dropped.size(), 100u);
  EXPECT_THAT(dropped[99].message(), HasSubstr("ThreadsExecutor: ShutdownNow"));
}

TEST(StrandTest, ThrowingTaskKeepsTheStrandServing) {
  InlineExecutor executor;
  Strand strand(executor);
  std::vector<int> ran;
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(strand.Schedule([&] { ran.push_back(1); }).ok());
  ASSERT_TRUE(strand.Schedule([] { throw std::runtime_error("boom"); }).ok());
  ASSERT_TRUE(strand.Schedule([] { throw 7; }).ok());
  ASSERT_TRUE(strand.Schedule([&] { ran.push_back(2); }).ok());
  const std::string error = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(ran, ::testing::ElementsAre(1, 2));
  EXPECT_THAT(error, HasSubstr("std::runtime_error: boom"));
  EXPECT_THAT(error, HasSubstr("a task threw int"));
}

TEST(StrandTest, ThrowingTaskKeepsTheStrandServingOverThreads) {
  ThreadsExecutor executor(2);
  int ran = 0;
  ::testing::internal::CaptureStderr();
  {
    Strand strand(executor);
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(strand
                      .Schedule([&ran, i] {
                        ++ran;
                        if (i % 10 == 0) throw std::logic_error("ten");
                      })
                      .ok());
    }
  }
  ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(ran, 100);
}

// Blocks until thread `tid` sleeps in futex(2), on any address.
void AwaitFutexWait(pid_t tid) {
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    std::ifstream file("/proc/self/task/" + std::to_string(tid) + "/syscall");
    long number = -1;
    if (file >> number && number == SYS_futex) return;
    ASSERT_LT(std::chrono::steady_clock::now(), give_up)
        << "thread " << tid << " did not block";
    std::this_thread::yield();
  }
}

TEST(StrandTest, DestructorWaitsForQueuedTasks) {
  ThreadsExecutor executor(2);
  Event release;
  Event destroying;
  int ran = 0;  // Read after ~Strand() returned: the destructor orders it.
  auto strand = std::make_unique<Strand>(executor);
  Strand* const raw = strand.get();
  ASSERT_TRUE(raw->Schedule([&] { release.Wait(); }).ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(raw->Schedule([&ran, raw, i] {
                     ++ran;
                     // Tasks scheduled by tasks during the destructor run too.
                     if (i == 99) {
                       ASSERT_TRUE(raw->Schedule([&ran] { ++ran; }).ok());
                     }
                   })
                    .ok());
  }
  testing_internal::TrackedThread destroyer([&] {
    destroying.Set();
    strand.reset();
  });
  destroying.Wait();
  AwaitFutexWait(destroyer.Tid());
  release.Set();
  destroyer.Join();
  EXPECT_EQ(ran, 101);
}

// The destructor races with the drain that is still finishing (going idle)
// after the last task signalled; ASAN and TSAN check that the drain touches
// nothing of the strand once the destructor may return.
TEST(StrandTest, DestroyRightAfterTheLastTaskSignals) {
  ThreadsExecutor executor(2);
  for (int round = 0; round < 2000; ++round) {
    auto strand = std::make_unique<Strand>(executor);
    Event done;
    int ran = 0;
    ASSERT_TRUE(strand->Schedule([&ran] { ++ran; }).ok());
    ASSERT_TRUE(strand
                    ->Schedule([&] {
                      ++ran;
                      done.Set();
                    })
                    .ok());
    done.Wait();
    strand.reset();
    ASSERT_EQ(ran, 2);
  }
}

TEST(StrandTest, DestructorOfIdleStrandReturns) {
  ThreadsExecutor executor(2);
  auto strand = std::make_unique<Strand>(executor);
  Event done;
  ASSERT_TRUE(strand->Schedule([&] { done.Set(); }).ok());
  done.Wait();
  strand.reset();
}

TEST(StrandDeathTest, DestructorFromOwnTaskAborts) {
  EXPECT_DEATH(
      {
        InlineExecutor executor;
        Strand* strand = new Strand(executor);
        (void)strand->Schedule([strand] { delete strand; });
      },
      "Strand destroyed from inside one of its own tasks");
}

TEST(StrandTest, RunningInThisStrand) {
  ThreadsExecutor executor(2);
  bool inside = false;
  bool inside_other = true;
  {
    Strand strand(executor);
    Strand other(executor);
    EXPECT_FALSE(strand.RunningInThisStrand());
    ASSERT_TRUE(
        strand.Schedule([&] { inside = strand.RunningInThisStrand(); }).ok());
    ASSERT_TRUE(
        other.Schedule([&] { inside_other = strand.RunningInThisStrand(); })
            .ok());
  }
  EXPECT_TRUE(inside);
  EXPECT_FALSE(inside_other);
}

TEST(StrandTest, StrandOverStrandKeepsOrder) {
  constexpr int kTasks = 10000;
  ThreadsExecutor executor(2);
  std::vector<int> order;
  {
    Strand lower(executor);
    // As an Executor&: Strand(lower) would name the deleted copy constructor.
    Strand upper(static_cast<Executor&>(lower));
    for (int i = 0; i < kTasks; ++i) {
      ASSERT_TRUE(upper.Schedule([&order, i] { order.push_back(i); }).ok());
    }
  }
  ASSERT_EQ(order.size(), static_cast<size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) ASSERT_EQ(order[i], i);
}

// Over the real ThreadPool (work stealing: its tasks are not ordered).
TEST(StrandOverThreadPoolTest, KeepsEachProducersOrder) {
  ThreadPool pool(2);
  ExpectEachProducersOrder(pool, 4, 20000);
}

// ThreadPool::Shutdown() accepts the drain's reschedules from its workers
// while it drains, so every task the strand accepted runs.
TEST(StrandOverThreadPoolTest, GracefulShutdownRunsEveryAcceptedTask) {
  constexpr int kTasks = 10 * Strand::kBatchSize;
  ThreadPool pool(2);
  Strand strand(pool);
  Event release;
  int ran = 0;
  ASSERT_TRUE(strand.Schedule([&] { release.Wait(); }).ok());
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(strand.Schedule([&ran] { ++ran; }).ok());
  }
  std::thread shutdown([&] { EXPECT_TRUE(pool.Shutdown().ok()); });
  // The strand's drain reschedules itself only once Shutdown() has begun.
  while (!pool.IsShutdown()) std::this_thread::yield();
  release.Set();
  shutdown.join();
  EXPECT_EQ(ran, kTasks);
  const absl::Status later = strand.Schedule([] {});
  EXPECT_EQ(later.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(later.message(), HasSubstr("shut down"));
}

TEST(StrandOverThreadPoolTest, ShutdownNowDropsTheQueuedTasks) {
  ProbeLog log;
  Event running;
  Event release;
  ThreadPool pool(1);
  Strand strand(pool);
  // Keep the pool's only worker busy so that the strand's drain stays queued.
  ASSERT_TRUE(pool.Schedule([&] {
                    running.Set();
                    release.Wait();
                  })
                  .ok());
  running.Wait();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(strand.Schedule(ProbeTask(&log)).ok());
  }
  pool.ShutdownNow();
  release.Set();
  EXPECT_EQ(log.ran(), 0);
  const std::vector<absl::Status> dropped = log.dropped();
  ASSERT_EQ(dropped.size(), 100u);
  for (const absl::Status& reason : dropped) {
    EXPECT_EQ(reason.code(), absl::StatusCode::kCancelled);
    EXPECT_THAT(reason.message(), HasSubstr("ShutdownNow"));
  }
  EXPECT_EQ(strand.Schedule([] {}).code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace multirun
