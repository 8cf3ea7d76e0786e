// Copyright 2026 The multirun Authors.
//
// Graph on a ForkExecutor: every node in a process of its own, results back
// through the codec, killed nodes reported (not hung).

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "multirun/processes/fork_executor.h"
#include "multirun/graph/graph.h"
#include "multirun/graph/run_report.h"

namespace multirun {
namespace {

using ::testing::HasSubstr;

TEST(GraphForkTest, EachNodeRunsInItsOwnProcessAndResultsFlow) {
  Graph graph;
  auto revenue = graph.Add("revenue", [] { return 10.0; });
  auto expenses = graph.Add("expenses", [] { return 4.0; });
  auto profit = graph.Add(
      "profit", [](double r, double e) { return r - e; }, revenue, expenses);
  auto pid_a = graph.Add("pid_a", [] { return static_cast<int>(getpid()); });
  auto pid_b = graph.Add(
      "pid_b", [](int) { return static_cast<int>(getpid()); }, pid_a);
  std::atomic<double> seen{0};
  profit.OnDone([&seen](const absl::StatusOr<double>& p) {
    seen.store(p.ok() ? *p : -1);  // In the parent: the parent's memory.
  });
  ForkExecutor forks({.max_processes = 2});
  for (int round = 0; round < 2; ++round) {
    absl::StatusOr<RunReport> report = graph.RunAndWait(forks);
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
  Graph graph;
  auto killed = graph.Add("killed", []() -> int {
    raise(SIGKILL);
    return 1;
  });
  auto dependent = graph.Add(
      "dependent", [](int v) { return v; }, killed);
  auto thrower =
      graph.Add("thrower", []() -> int { throw std::invalid_argument("bad"); });
  auto fine = graph.Add("fine", [] { return 7; });
  ForkExecutor forks({.max_processes = 2});
  absl::StatusOr<RunReport> report = graph.RunAndWait(forks);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->state(killed.index()), NodeState::kFailed);
  EXPECT_EQ(report->status(killed.index()).code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(report->status(killed.index()).message()),
              HasSubstr("SIGKILL"));
  EXPECT_EQ(report->state(dependent.index()), NodeState::kSkipped);
  EXPECT_THAT(std::string(report->status(dependent.index()).message()),
              HasSubstr("dependency 'killed' failed"));
  EXPECT_EQ(report->status(thrower.index()).code(), absl::StatusCode::kUnknown);
  EXPECT_THAT(std::string(report->status(thrower.index()).message()),
              HasSubstr("std::invalid_argument: bad"));
  EXPECT_EQ(report->state(fine.index()), NodeState::kSucceeded);
  EXPECT_EQ(*graph.Result(fine), 7);
}

struct NoCodec {
  int value = 0;
};

TEST(GraphForkTest, ResultWithoutCodecIsRejected) {
  Graph graph;
  graph.Add("ok", [] { return 1; });
  graph.Add("opaque", [] { return NoCodec{3}; });
  ForkExecutor forks;
  absl::StatusOr<RunReport> report = graph.RunAndWait(forks);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("'opaque'"));
  EXPECT_FALSE(graph.IsRunning());
}

}  // namespace
}  // namespace multirun
