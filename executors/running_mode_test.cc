// Copyright 2026 The multirun Authors.

#include "multirun/executors/running_mode.h"

#include <unistd.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "multirun/executors/worker.h"
#include "multirun/sync/barrier.h"
#include "multirun/sync/internal/futex.h"

namespace multirun {
namespace {

// User code that does not know how it is run.
int WhoAmI() {
  return CurrentWorker() == nullptr ? -1 : CurrentWorker()->index;
}

TEST(RunTest, InlineRunsEveryWorkerOnTheCaller) {
  absl::StatusOr<std::vector<WorkerRun<int>>> runs =
      multirun::Run(RunningMode::kInline, 3, WhoAmI);
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const WorkerRun<int>& run = (*runs)[i];
    EXPECT_EQ(*run.result, i);
    EXPECT_EQ(run.worker.index, i);
    EXPECT_EQ(run.worker.name, "inline-" + std::to_string(i));
    EXPECT_EQ(run.worker.executor, "inline");
    EXPECT_EQ(run.worker.thread_id, sync_internal::CurrentThreadId());
    EXPECT_EQ(run.worker.pid, getpid());
  }
  EXPECT_EQ(CurrentWorker(), nullptr);
}

TEST(RunTest, ThreadsGiveEachWorkerItsOwnThread) {
  // All four must be inside fn at once: one thread per worker, not a pool.
  Barrier all_started(4);
  absl::StatusOr<std::vector<WorkerRun<int>>> runs =
      multirun::Run(RunningMode::kThreads, 4, [&all_started] {
        if (!all_started.Wait().ok()) return -2;
        return WhoAmI();
      });
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 4u);
  std::set<uint32_t> threads;
  for (int i = 0; i < 4; ++i) {
    const WorkerRun<int>& run = (*runs)[i];
    EXPECT_EQ(*run.result, i);
    EXPECT_EQ(run.worker.name, "run-" + std::to_string(i));
    EXPECT_EQ(run.worker.pid, getpid());
    EXPECT_NE(run.worker.thread_id, sync_internal::CurrentThreadId());
    threads.insert(run.worker.thread_id);
  }
  EXPECT_EQ(threads.size(), 4u);
}

TEST(RunTest, FailuresStayInTheirOwnRecord) {
  for (RunningMode mode : {RunningMode::kInline, RunningMode::kThreads}) {
    absl::StatusOr<std::vector<WorkerRun<void>>> runs =
        multirun::Run(mode, 3, []() -> absl::Status {
          int index = CurrentWorker()->index;
          if (index == 1) throw std::runtime_error("worker 1 failed");
          if (index == 2) return absl::DataLossError("worker 2 lost data");
          return absl::OkStatus();
        });
    ASSERT_TRUE(runs.ok());
    EXPECT_TRUE((*runs)[0].result.ok());
    EXPECT_EQ((*runs)[1].result,
              absl::UnknownError("std::runtime_error: worker 1 failed"));
    EXPECT_EQ((*runs)[2].result, absl::DataLossError("worker 2 lost data"));
  }
}

TEST(RunTest, BadArguments) {
  for (int workers : {0, -1, 1025}) {
    EXPECT_EQ(
        multirun::Run(RunningMode::kThreads, workers, WhoAmI).status().code(),
        absl::StatusCode::kInvalidArgument)
        << workers;
  }
  int (*null_function)() = nullptr;
  EXPECT_EQ(
      multirun::Run(RunningMode::kInline, 1, null_function).status().code(),
      absl::StatusCode::kInvalidArgument);
  std::vector<int> too_many(1025);
  EXPECT_EQ(RunMap(
                RunningMode::kInline, [](int x) { return x; }, too_many)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RunMapTest, OneCallPerInputInInputOrder) {
  std::vector<std::string> words = {"pear", "fig", "banana"};
  for (RunningMode mode : {RunningMode::kInline, RunningMode::kThreads}) {
    absl::StatusOr<std::vector<WorkerRun<size_t>>> runs = RunMap(
        mode, [](const std::string& w) { return w.size(); }, words);
    ASSERT_TRUE(runs.ok());
    ASSERT_EQ(runs->size(), 3u);
    EXPECT_EQ(*(*runs)[0].result, 4u);
    EXPECT_EQ(*(*runs)[1].result, 3u);
    EXPECT_EQ(*(*runs)[2].result, 6u);
    EXPECT_EQ((*runs)[2].worker.index, 2);
  }
  std::vector<int> none;
  EXPECT_TRUE(RunMap(
                  RunningMode::kThreads, [](int x) { return x; }, none)
                  ->empty());
}

}  // namespace
}  // namespace multirun
