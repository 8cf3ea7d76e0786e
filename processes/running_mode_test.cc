// Copyright 2026 The multirun Authors.

#include "multirun/processes/running_mode.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "multirun/base/futex.h"
#include "multirun/executors/worker.h"
#include "multirun/sync/barrier.h"

namespace multirun {
namespace {

// User code that does not know how it is run.
int WhoAmI() {
  return CurrentWorker() == nullptr ? -1 : CurrentWorker()->index;
}

TEST(RunTest, InlineRunsEveryWorkerOnTheCaller) {
  absl::StatusOr<std::vector<WorkerRun<int>>> runs =
      multirun::RunOnWorkers(RunningMode::kInline, 3, WhoAmI);
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const WorkerRun<int>& run = (*runs)[i];
    EXPECT_EQ(*run.result, i);
    EXPECT_EQ(run.worker.index, i);
    EXPECT_EQ(run.worker.name, "inline-" + std::to_string(i));
    EXPECT_EQ(run.worker.executor, "inline");
    EXPECT_EQ(run.worker.thread_id, base_internal::CurrentThreadId());
    EXPECT_EQ(run.worker.pid, getpid());
  }
  EXPECT_EQ(CurrentWorker(), nullptr);
}

TEST(RunTest, ThreadsGiveEachWorkerItsOwnThread) {
  // All four must be inside fn at once: one thread per worker, not a pool.
  Barrier all_started(4);
  absl::StatusOr<std::vector<WorkerRun<int>>> runs =
      multirun::RunOnWorkers(RunningMode::kThreads, 4, [&all_started] {
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
    EXPECT_NE(run.worker.thread_id, base_internal::CurrentThreadId());
    threads.insert(run.worker.thread_id);
  }
  EXPECT_EQ(threads.size(), 4u);
}

TEST(RunTest, ProcessesGiveEachWorkerItsOwnProcess) {
  absl::StatusOr<std::vector<WorkerRun<std::vector<int>>>> runs =
      multirun::RunOnWorkers(RunningMode::kProcesses, 3, [] {
        return std::vector<int>{WhoAmI(), static_cast<int>(getpid())};
      });
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 3u);
  std::set<pid_t> pids;
  for (int i = 0; i < 3; ++i) {
    const WorkerRun<std::vector<int>>& run = (*runs)[i];
    ASSERT_TRUE(run.result.ok()) << run.result.status();
    EXPECT_EQ((*run.result)[0], i);
    EXPECT_EQ((*run.result)[1], run.worker.pid);
    EXPECT_EQ(run.worker.name, "process-" + std::to_string(i));
    EXPECT_EQ(run.worker.executor, "process");
    EXPECT_NE(run.worker.pid, getpid());
    pids.insert(run.worker.pid);
  }
  EXPECT_EQ(pids.size(), 3u);
}

TEST(RunTest, ProcessesReportACrashedWorkerAndKeepTheOthers) {
  absl::StatusOr<std::vector<WorkerRun<int>>> runs =
      multirun::RunOnWorkers(RunningMode::kProcesses, 3, [] {
        if (WhoAmI() == 1) {
          // The default action, not a sanitizer's handler: the kernel kills.
          signal(SIGSEGV, SIG_DFL);
          raise(SIGSEGV);
        }
        return WhoAmI();
      });
  ASSERT_TRUE(runs.ok()) << runs.status();
  EXPECT_EQ(*(*runs)[0].result, 0);
  EXPECT_EQ((*runs)[1].result.status().code(), absl::StatusCode::kAborted);
  EXPECT_NE((*runs)[1].result.status().message().find("killed by SIGSEGV"),
            std::string::npos);
  EXPECT_EQ(*(*runs)[2].result, 2);
}

struct NoCodec {
  int value;
};

TEST(RunTest, ProcessesNeedAResultWithACodec) {
  absl::StatusOr<std::vector<WorkerRun<NoCodec>>> runs = multirun::RunOnWorkers(
      RunningMode::kProcesses, 2, [] { return NoCodec{1}; });
  EXPECT_EQ(runs.status().code(), absl::StatusCode::kInvalidArgument);
  // The same function runs on threads.
  EXPECT_TRUE(multirun::RunOnWorkers(RunningMode::kThreads, 2, [] {
                return NoCodec{1};
              }).ok());
}

TEST(RunTest, FailuresStayInTheirOwnRecord) {
  for (RunningMode mode :
       {RunningMode::kInline, RunningMode::kThreads, RunningMode::kProcesses}) {
    absl::StatusOr<std::vector<WorkerRun<void>>> runs =
        multirun::RunOnWorkers(mode, 3, []() -> absl::Status {
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

TEST(RunTest, ZeroWorkersMeansOnePerCore) {
  const int cores =
      std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  auto runs = multirun::RunOnWorkers(RunningMode::kInline, 0, [] { return 1; });
  ASSERT_TRUE(runs.ok()) << runs.status();
  EXPECT_EQ(static_cast<int>(runs->size()), cores);
}

TEST(RunTest, BadArguments) {
  for (int workers : {-1, 1025}) {
    EXPECT_EQ(multirun::RunOnWorkers(RunningMode::kThreads, workers, WhoAmI)
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument)
        << workers;
  }
  int (*null_function)() = nullptr;
  EXPECT_EQ(multirun::RunOnWorkers(RunningMode::kInline, 1, null_function)
                .status()
                .code(),
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
  for (RunningMode mode :
       {RunningMode::kInline, RunningMode::kThreads, RunningMode::kProcesses}) {
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
