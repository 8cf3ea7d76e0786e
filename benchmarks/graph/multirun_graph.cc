// Copyright 2026 The multirun Authors.
//
// The workloads of workloads.h on multirun::Graph over a ThreadPool(2)
// (created and warmed up outside the timed region).

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "multirun/benchmarks/graph/workloads.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/graph/graph.h"

namespace multirun {
namespace graph_benchmark {
namespace {

ThreadPool& Pool() {
  static ThreadPool* const pool = [] {
    auto* p = new ThreadPool(kThreads, {.name = "bench"});
    Graph warm;
    for (int i = 0; i < 1000; ++i) warm.Add([] {});
    (void)warm.RunAndWait(*p);
    return p;
  }();
  return *pool;
}

struct Counters {
  int64_t chain = 0;  // Written by one node at a time (the chain orders them).
  std::atomic<int64_t> relaxed{0};
  std::vector<uint64_t> out;
};

void BuildLinearChain(Graph& graph, int64_t n, Counters& c) {
  graph.Reserve(n, n);
  GraphNode<void> previous = graph.Add([&c] { ++c.chain; });
  for (int64_t i = 1; i < n; ++i) {
    previous = graph.Add([&c] { ++c.chain; }, previous);
  }
}

void BuildBinaryTree(Graph& graph, int64_t n, Counters& c) {
  const int64_t nodes = BinaryTreeNodes(n);
  graph.Reserve(nodes, nodes);
  std::vector<GraphNode<void>> handles;
  handles.reserve(nodes);
  for (int64_t i = 1; i <= nodes; ++i) {
    auto node =
        graph.Add([&c] { c.relaxed.fetch_add(1, std::memory_order_relaxed); });
    if (i > 1) node.After(handles[i / 2 - 1]);
    handles.push_back(node);
  }
}

void BuildEmbarrassing(Graph& graph, int64_t n, Counters& c) {
  graph.Reserve(n, 0);
  c.out.assign(n, 0);
  uint64_t* out = c.out.data();
  for (int64_t i = 0; i < n; ++i) {
    graph.Add([out, i] { out[i] = SmallWork(i); });
  }
}

void BuildWavefront(Graph& graph, int64_t side, Counters& c) {
  graph.Reserve(side * side, 2 * side * side);
  std::vector<GraphNode<void>> handles;
  handles.reserve(side * side);
  for (int64_t i = 0; i < side; ++i) {
    for (int64_t j = 0; j < side; ++j) {
      auto node = graph.Add(
          [&c] { c.relaxed.fetch_add(1, std::memory_order_relaxed); });
      if (i > 0) node.After(handles[(i - 1) * side + j]);
      if (j > 0) node.After(handles[i * side + j - 1]);
      handles.push_back(node);
    }
  }
}

using Builder = void (*)(Graph&, int64_t, Counters&);

int64_t NodesOf(Builder build, int64_t arg) {
  if (build == BuildBinaryTree) return BinaryTreeNodes(arg);
  if (build == BuildWavefront) return arg * arg;
  return arg;
}

bool Check(Builder build, int64_t arg, Counters& c, int64_t runs) {
  if (build == BuildLinearChain) return c.chain == arg * runs;
  if (build == BuildEmbarrassing) {
    return c.out.back() == SmallWork(arg - 1);
  }
  return c.relaxed.load() == NodesOf(build, arg) * runs;
}

// Construction and run inside the timed region.
void RunBuilt(benchmark::State& state, Builder build) {
  ThreadPool& pool = Pool();
  const int64_t arg = state.range(0);
  for (auto _ : state) {
    Counters c;
    Graph graph;
    build(graph, arg, c);
    absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
    if (!report.ok() || !report->status().ok() || !Check(build, arg, c, 1)) {
      state.SkipWithError("run failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * NodesOf(build, arg));
}

// Built once outside the timed region; only runs are timed.
void RunPrebuilt(benchmark::State& state, Builder build) {
  ThreadPool& pool = Pool();
  const int64_t arg = state.range(0);
  Counters c;
  Graph graph;
  build(graph, arg, c);
  if (!graph.Validate().ok()) state.SkipWithError("invalid graph");
  int64_t runs = 0;
  for (auto _ : state) {
    absl::StatusOr<GraphRunReport> report = graph.RunAndWait(pool);
    ++runs;
    if (!report.ok() || !report->status().ok()) {
      state.SkipWithError("run failed");
      break;
    }
  }
  if (!Check(build, arg, c, runs)) state.SkipWithError("wrong result");
  state.SetItemsProcessed(state.iterations() * NodesOf(build, arg));
}

MULTIRUN_GRAPH_BENCHMARKS(Multirun);

}  // namespace
}  // namespace graph_benchmark
}  // namespace multirun
