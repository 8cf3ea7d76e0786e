// Copyright 2026 The multirun Authors.
//
// The profit workload of examples/graph_profit.cc: revenue and expenses each
// sleep (a simulated api call), profit needs both and computes their
// difference; ten rounds. The example's graph is meant to take 0.70 of the
// time the same calls take one after the other.
//
// The sleeps of the ten rounds are a fixed table, drawn once from uniform
// [0, 20) ms (the example's random sleeps, scaled down), so that both
// benchmarks sleep exactly the same: 213.2 ms one after the other, and 141.4
// ms when revenue and expenses of each round overlap (the longer of the two):
// an ideal ratio of 0.663, reported as the counter `ideal_ratio`.
//
// BM_ProfitRounds_Sequential: the ten rounds as plain calls, one after the
// other.
// BM_ProfitRounds_Graph: the three functions as a multirun::Graph with a
// callback on each node, run ten times on a ThreadPool(2). The graph and the
// pool are built outside the timed region; each run (dispatch, the callbacks,
// the hand-over of results to profit) is inside.
// BM_ProfitRounds_GraphForked: the same with each node in a process of its
// own (multirun::InChildProcess on a ForkExecutor of 2), as the example's
// first half runs them; the forks are inside the timed region.
//
// Time ratio graph / sequential: the gate's row graph_profit_vs_sequential
// (<= 0.75); the forked one is report-only.

#include <array>
#include <atomic>
#include <cstdlib>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/graph/graph.h"
#include "multirun/graph/run_report.h"
#include "multirun/processes/fork_executor.h"

namespace multirun {
namespace {

constexpr int kRounds = 10;

// Milliseconds that revenue and expenses sleep in each round.
struct Sleeps {
  double revenue;
  double expenses;
};
constexpr std::array<Sleeps, kRounds> kSleeps = {{{15.9, 16.4},
                                                  {9.7, 5.2},
                                                  {0.0, 13.3},
                                                  {9.4, 15.2},
                                                  {7.5, 15.4},
                                                  {5.5, 16.0},
                                                  {14.6, 8.3},
                                                  {10.8, 13.6},
                                                  {3.9, 11.1},
                                                  {16.1, 5.3}}};

double IdealRatio() {
  double one_after_the_other = 0;
  double overlapped = 0;
  for (const Sleeps& s : kSleeps) {
    one_after_the_other += s.revenue + s.expenses;
    overlapped += s.revenue > s.expenses ? s.revenue : s.expenses;
  }
  return overlapped / one_after_the_other;
}

// The round whose sleeps the next calls use; set before each round.
std::atomic<int> current_round{0};

int Revenue() {
  absl::SleepFor(absl::Milliseconds(kSleeps[current_round].revenue));
  return 1000;
}
int Expenses() {
  absl::SleepFor(absl::Milliseconds(kSleeps[current_round].expenses));
  return 400;
}
int Profit(int revenue, int expenses) { return revenue - expenses; }

// The callbacks' output, kept so that the work is not optimized away.
std::atomic<int> output{0};
void Output(int value) { output.fetch_add(value, std::memory_order_relaxed); }

void BM_ProfitRounds_Sequential(benchmark::State& state) {
  for (auto _ : state) {
    for (int round = 0; round < kRounds; ++round) {
      current_round = round;
      const int revenue = Revenue();
      Output(revenue);
      const int expenses = Expenses();
      Output(expenses);
      int profit = Profit(revenue, expenses);
      Output(profit);
      benchmark::DoNotOptimize(profit);
    }
  }
  state.SetItemsProcessed(state.iterations() * kRounds);
}
BENCHMARK(BM_ProfitRounds_Sequential)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Runs the ten rounds of `graph` on `pool` per iteration.
void RunRounds(benchmark::State& state, Graph& graph, ThreadPool& pool) {
  for (auto _ : state) {
    for (int round = 0; round < kRounds; ++round) {
      current_round = round;
      absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
      if (!report.ok() || !report->status().ok()) {
        state.SkipWithError("the graph failed");
        return;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kRounds);
  state.counters["ideal_ratio"] = IdealRatio();
}

template <typename Wrap>
void AddProfitGraph(Graph& graph, Wrap wrap) {
  auto callback = [](const absl::StatusOr<int>& value) {
    if (value.ok()) Output(*value);
  };
  auto revenue = graph.Add("revenue", wrap(Revenue));
  auto expenses = graph.Add("expenses", wrap(Expenses));
  auto profit = graph.Add("profit", wrap(Profit), revenue, expenses);
  revenue.OnDone(callback);
  expenses.OnDone(callback);
  profit.OnDone(callback);
}

void BM_ProfitRounds_Graph(benchmark::State& state) {
  ThreadPool pool(2);
  Graph graph;
  AddProfitGraph(graph, [](auto fn) { return fn; });
  RunRounds(state, graph, pool);
}
BENCHMARK(BM_ProfitRounds_Graph)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_ProfitRounds_GraphForked(benchmark::State& state) {
  ThreadPool pool(2);
  ForkExecutor forks({.workers = 2});
  Graph graph;
  AddProfitGraph(graph,
                 [&forks](auto fn) { return InChildProcess(forks, fn); });
  RunRounds(state, graph, pool);
}
BENCHMARK(BM_ProfitRounds_GraphForked)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace multirun
