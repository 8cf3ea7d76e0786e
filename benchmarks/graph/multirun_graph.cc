// Copyright 2026 The multirun Authors.
//
// The workloads of workloads.h on multirun::Graph over a ThreadPool of N
// workers, N the "threads" argument (one pool per N, created and warmed up
// outside the timed region, kept for the process).

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "multirun/benchmarks/graph/workloads.h"
#include "multirun/executors/thread_pool.h"
#include "multirun/graph/graph.h"

namespace multirun {
namespace graph_benchmark {
namespace {

// The pool of `threads` workers, made on first use. Benchmarks run one at a
// time on the main thread, so the map needs no lock.
ThreadPool& Pool(int64_t threads) {
  static auto* const pools = new std::map<int64_t, ThreadPool*>;
  ThreadPool*& pool = (*pools)[threads];
  if (pool == nullptr) {
    pool = new ThreadPool(static_cast<int>(threads), {.name = "bench"});
    Graph warm;
    for (int i = 0; i < 1000; ++i) warm.Add([] {});
    (void)warm.RunAndWait(*pool);
  }
  return *pool;
}

struct Counters {
  int64_t chain = 0;  // Written by one node at a time (the chain orders them).
  std::atomic<int64_t> relaxed{0};
  std::vector<uint64_t> out;
  int64_t work = 0;  // BusyWork iterations per node (the *Work builders)
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

template <bool kWork>
void BuildEmbarrassingT(Graph& graph, int64_t n, Counters& c) {
  graph.Reserve(n, 0);
  c.out.assign(n, 0);
  uint64_t* out = c.out.data();
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (kWork) {
      graph.Add([out, i, work = c.work] {
        BusyWork(work);
        out[i] = SmallWork(i);
      });
    } else {
      graph.Add([out, i] { out[i] = SmallWork(i); });
    }
  }
}

template <bool kWork>
void BuildWavefrontT(Graph& graph, int64_t side, Counters& c) {
  graph.Reserve(side * side, 2 * side * side);
  std::vector<GraphNode<void>> handles;
  handles.reserve(side * side);
  for (int64_t i = 0; i < side; ++i) {
    for (int64_t j = 0; j < side; ++j) {
      auto node = graph.Add([&c] {
        if constexpr (kWork) BusyWork(c.work);
        c.relaxed.fetch_add(1, std::memory_order_relaxed);
      });
      if (i > 0) node.After(handles[(i - 1) * side + j]);
      if (j > 0) node.After(handles[i * side + j - 1]);
      handles.push_back(node);
    }
  }
}

void BuildEmbarrassing(Graph& graph, int64_t n, Counters& c) {
  BuildEmbarrassingT<false>(graph, n, c);
}
void BuildEmbarrassingWork(Graph& graph, int64_t n, Counters& c) {
  BuildEmbarrassingT<true>(graph, n, c);
}
void BuildWavefront(Graph& graph, int64_t side, Counters& c) {
  BuildWavefrontT<false>(graph, side, c);
}
void BuildWavefrontWork(Graph& graph, int64_t side, Counters& c) {
  BuildWavefrontT<true>(graph, side, c);
}

using Builder = void (*)(Graph&, int64_t, Counters&);

int64_t NodesOf(Builder build, int64_t arg) {
  if (build == BuildBinaryTree) return BinaryTreeNodes(arg);
  if (build == BuildWavefront || build == BuildWavefrontWork) return arg * arg;
  return arg;
}

// BusyWork iterations per node: from the third argument (work_ns) for the
// builders with work per node, 0 for the others.
int64_t WorkOf(const benchmark::State& state, Builder build) {
  if (build == BuildEmbarrassingWork || build == BuildWavefrontWork) {
    return WorkIterations(state.range(2));
  }
  return 0;
}

bool Check(Builder build, int64_t arg, Counters& c, int64_t runs) {
  if (build == BuildLinearChain) return c.chain == arg * runs;
  if (build == BuildEmbarrassing || build == BuildEmbarrassingWork) {
    return c.out.back() == SmallWork(arg - 1);
  }
  return c.relaxed.load() == NodesOf(build, arg) * runs;
}

// Construction and run inside the timed region.
void RunBuilt(benchmark::State& state, Builder build) {
  ThreadPool& pool = Pool(state.range(1));
  const int64_t arg = state.range(0);
  const int64_t work = WorkOf(state, build);
  for (auto _ : state) {
    Counters c;
    c.work = work;
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
  ThreadPool& pool = Pool(state.range(1));
  const int64_t arg = state.range(0);
  Counters c;
  c.work = WorkOf(state, build);
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
