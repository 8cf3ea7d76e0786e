// Copyright 2026 The multirun Authors.
//
// A port of semisync's example: revenue and expenses are independent (each
// "fetches" for 0.3 s), profit needs both (0.4 s). Called one after the
// other they take 1.0 s; as a graph, revenue and expenses run in parallel
// and profit starts when both are done: 0.7 s. Profit's callback prints the
// result, here on the worker that ran profit.
//
// Runs the graph on a ThreadPool, then the same functions with every node in
// a process of its own (each wrapped by multirun::InChildProcess, still on
// the ThreadPool), and prints the graph in Graphviz DOT.
//
// Checks its own outcome and exits non-zero on a failure (it runs as a test).

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/graph/graph.h"
#include "multirun/graph/run_report.h"
#include "multirun/processes/fork_executor.h"

namespace {

double Revenue() {
  absl::SleepFor(absl::Milliseconds(300));
  return 1250.0;
}
double Expenses() {
  absl::SleepFor(absl::Milliseconds(300));
  return 830.0;
}
double Profit(double revenue, double expenses) {
  absl::SleepFor(absl::Milliseconds(400));
  return revenue - expenses;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "graph_profit: FAILED: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main() {
  // Sequential: one call after the other.
  absl::Time start = absl::Now();
  const double sequential_profit = Profit(Revenue(), Expenses());
  const absl::Duration sequential = absl::Now() - start;

  multirun::Graph graph;
  auto revenue = graph.Add("revenue", Revenue);
  auto expenses = graph.Add("expenses", Expenses);
  auto profit = graph.Add("profit", Profit, revenue, expenses);
  profit.OnDone([](const absl::StatusOr<double>& p) {
    if (p.ok()) std::printf("callback: profit = %.2f\n", *p);
  });

  multirun::ThreadPool pool(2);
  start = absl::Now();
  absl::StatusOr<multirun::GraphRunReport> report = graph.RunAndWait(pool);
  const absl::Duration parallel = absl::Now() - start;
  if (!report.ok()) return Fail(report.status().ToString());
  if (!report->status().ok()) return Fail(report->status().ToString());
  absl::StatusOr<double> result = graph.Result(profit);
  if (!result.ok() || *result != sequential_profit) return Fail("wrong profit");

  std::printf("sequential: %.2f s\n", absl::ToDoubleSeconds(sequential));
  std::printf("graph:      %.2f s (ThreadPool of 2)\n",
              absl::ToDoubleSeconds(parallel));
  if (parallel >= sequential) return Fail("the graph was not faster");

  // Again, each node in a process of its own: a node that returns the
  // ForkExecutor's future completes when its child process has answered.
  multirun::ForkExecutor forks({.workers = 2});
  multirun::Graph forked_graph;
  auto forked_revenue =
      forked_graph.Add("revenue", multirun::InChildProcess(forks, Revenue));
  auto forked_expenses =
      forked_graph.Add("expenses", multirun::InChildProcess(forks, Expenses));
  auto forked_profit =
      forked_graph.Add("profit", multirun::InChildProcess(forks, Profit),
                       forked_revenue, forked_expenses);
  start = absl::Now();
  report = forked_graph.RunAndWait(pool);
  const absl::Duration forked = absl::Now() - start;
  if (!report.ok() || !report->status().ok()) return Fail("forked run failed");
  result = forked_graph.Result(forked_profit);
  if (!result.ok() || *result != sequential_profit) return Fail("wrong profit");
  std::printf("graph:      %.2f s (ForkExecutor, a process per node)\n",
              absl::ToDoubleSeconds(forked));

  std::printf("\n%s", graph.ToDot().c_str());
  return 0;
}
