// Copyright 2026 The multirun Authors.
//
// Graph nodes in processes of their own (InChildProcess): results flow
// between processes, killed and throwing nodes fail without a hang and
// without failing independent branches.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/executors/inline_executor.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/graph/graph.h"
#include "multirun/graph/run_report.h"
#include "multirun/processes/fork_executor.h"

namespace multirun {
namespace {

using ::testing::HasSubstr;

TEST(GraphForkTest, EachNodeRunsInItsOwnProcessAndResultsFlow) {
  ForkExecutor forks({.workers = 2});
  Graph graph;
  auto revenue =
      graph.Add("revenue", InChildProcess(forks, [] { return 10.0; }));
  auto expenses =
      graph.Add("expenses", InChildProcess(forks, [] { return 4.0; }));
  auto profit = graph.Add(
      "profit", InChildProcess(forks, [](double r, double e) { return r - e; }),
      revenue, expenses);
  auto pid_a = graph.Add("pid_a", InChildProcess(forks, [] {
                           return static_cast<int>(getpid());
                         }));
  auto pid_b = graph.Add(
      "pid_b",
      InChildProcess(forks, [](int) { return static_cast<int>(getpid()); }),
      pid_a);
  std::atomic<double> seen{0};
  profit.OnDone([&seen](const absl::StatusOr<double>& p) {
    seen.store(p.ok() ? *p : -1);  // In the parent: the parent's memory.
  });
  ThreadPool pool(2);
  for (int round = 0; round < 2; ++round) {
    absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_TRUE(report->status().ok()) << report->status();
    EXPECT_EQ(*graph.Result(profit), 6.0);
    EXPECT_EQ(seen.load(), 6.0);
    const int a = *graph.Result(pid_a);
    const int b = *graph.Result(pid_b);
    EXPECT_NE(a, getpid());
    EXPECT_NE(b, getpid());
    EXPECT_NE(a, b);
  }
}

TEST(GraphForkTest, KilledNodeFailsItsDependentsOnly) {
  ForkExecutor forks({.workers = 2});
  Graph graph;
  auto killed = graph.Add("killed", InChildProcess(forks, []() -> int {
                            raise(SIGKILL);
                            return 1;
                          }));
  auto dependent = graph.Add(
      "dependent", InChildProcess(forks, [](int v) { return v; }), killed);
  auto thrower = graph.Add("thrower", InChildProcess(forks, []() -> int {
                             throw std::invalid_argument("bad");
                           }));
  auto fine = graph.Add("fine", InChildProcess(forks, [] { return 7; }));
  auto after_fine = graph.Add(
      "after_fine", InChildProcess(forks, [](int v) { return v * 2; }), fine);
  ThreadPool pool(2);
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->state(killed.index()), GraphNodeState::kFailed);
  EXPECT_EQ(report->status(killed.index()).code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(report->status(killed.index()).message()),
              HasSubstr("SIGKILL"));
  EXPECT_EQ(report->state(dependent.index()), GraphNodeState::kSkipped);
  EXPECT_THAT(std::string(report->status(dependent.index()).message()),
              HasSubstr("dependency 'killed' failed"));
  EXPECT_EQ(report->state(thrower.index()), GraphNodeState::kFailed);
  EXPECT_EQ(report->status(thrower.index()).code(), absl::StatusCode::kUnknown);
  EXPECT_THAT(std::string(report->status(thrower.index()).message()),
              HasSubstr("std::invalid_argument: bad"));
  EXPECT_EQ(report->state(fine.index()), GraphNodeState::kSucceeded);
  EXPECT_EQ(*graph.Result(fine), 7);
  EXPECT_EQ(report->state(after_fine.index()), GraphNodeState::kSucceeded);
  EXPECT_EQ(*graph.Result(after_fine), 14);
  EXPECT_EQ(report->Count(GraphNodeState::kFailed), 2u);
  EXPECT_EQ(report->Count(GraphNodeState::kSkipped), 1u);
}

TEST(GraphForkTest, ForkedAndInProcessNodesMixOnAnInlineExecutor) {
  ForkExecutor forks({.workers = 1});
  Graph graph;
  auto child =
      graph.Add("child", InChildProcess(forks, [] {
                  return std::string("pid ") + std::to_string(getpid());
                }));
  auto here = graph.Add(
      "here", [](const std::string& s) { return s + " seen by parent"; },
      child);
  InlineExecutor inline_executor;
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(inline_executor);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->status().ok()) << report->status();
  const std::string text = *graph.Result(here);
  EXPECT_THAT(text, HasSubstr(" seen by parent"));
  EXPECT_NE(text, "pid " + std::to_string(getpid()) + " seen by parent");
}

TEST(GraphForkTest, NullFunctionFailsTheNode) {
  ForkExecutor forks({.workers = 1});
  Graph graph;
  int (*null_fn)() = nullptr;
  auto node = graph.Add("null", InChildProcess(forks, null_fn));
  ThreadPool pool(1);
  absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->state(node.index()), GraphNodeState::kFailed);
  EXPECT_EQ(report->status(node.index()).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace multirun
