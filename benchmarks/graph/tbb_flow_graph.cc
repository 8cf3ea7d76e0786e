// Copyright 2026 The multirun Authors.
//
// The workloads of workloads.h on oneTBB's flow graph: one
// continue_node<continue_msg> per node (in a std::deque, so nodes are not
// moved), make_edge per dependency, try_put to each source, wait_for_all(),
// inside a task_arena(N) under global_control(max_allowed_parallelism, N),
// N the "threads" argument.

#include <atomic>
#include <cstdint>
#include <deque>
#include <vector>

#include "benchmark/benchmark.h"
#include "multirun/benchmarks/graph/workloads.h"
#include "tbb/flow_graph.h"
#include "tbb/global_control.h"
#include "tbb/task_arena.h"

namespace multirun {
namespace graph_benchmark {
namespace {

using Msg = tbb::flow::continue_msg;
using TbbNode = tbb::flow::continue_node<Msg>;

struct Counters {
  int64_t chain = 0;
  std::atomic<int64_t> relaxed{0};
  std::vector<uint64_t> out;
  int64_t work = 0;  // BusyWork iterations per node (the *Work builders)
};

struct TbbGraph {
  tbb::flow::graph graph;
  std::deque<TbbNode> nodes;
  std::vector<TbbNode*> sources;
  void Run() {
    for (TbbNode* source : sources) source->try_put(Msg());
    graph.wait_for_all();
  }
};

void BuildLinearChain(TbbGraph& g, int64_t n, Counters& c) {
  for (int64_t i = 0; i < n; ++i) {
    g.nodes.emplace_back(g.graph, [&c](const Msg&) { ++c.chain; });
    if (i > 0) tbb::flow::make_edge(g.nodes[i - 1], g.nodes[i]);
  }
  g.sources.push_back(&g.nodes[0]);
}

void BuildBinaryTree(TbbGraph& g, int64_t n, Counters& c) {
  const int64_t nodes = BinaryTreeNodes(n);
  for (int64_t i = 1; i <= nodes; ++i) {
    g.nodes.emplace_back(g.graph, [&c](const Msg&) {
      c.relaxed.fetch_add(1, std::memory_order_relaxed);
    });
    if (i > 1) tbb::flow::make_edge(g.nodes[i / 2 - 1], g.nodes[i - 1]);
  }
  g.sources.push_back(&g.nodes[0]);
}

template <bool kWork>
void BuildEmbarrassingT(TbbGraph& g, int64_t n, Counters& c) {
  c.out.assign(n, 0);
  uint64_t* out = c.out.data();
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (kWork) {
      g.nodes.emplace_back(g.graph, [out, i, work = c.work](const Msg&) {
        BusyWork(work);
        out[i] = SmallWork(i);
      });
    } else {
      g.nodes.emplace_back(g.graph,
                           [out, i](const Msg&) { out[i] = SmallWork(i); });
    }
    g.sources.push_back(&g.nodes.back());
  }
}

template <bool kWork>
void BuildWavefrontT(TbbGraph& g, int64_t side, Counters& c) {
  for (int64_t i = 0; i < side; ++i) {
    for (int64_t j = 0; j < side; ++j) {
      g.nodes.emplace_back(g.graph, [&c](const Msg&) {
        if constexpr (kWork) BusyWork(c.work);
        c.relaxed.fetch_add(1, std::memory_order_relaxed);
      });
      TbbNode& node = g.nodes.back();
      if (i > 0) tbb::flow::make_edge(g.nodes[(i - 1) * side + j], node);
      if (j > 0) tbb::flow::make_edge(g.nodes[i * side + j - 1], node);
    }
  }
  g.sources.push_back(&g.nodes[0]);
}

void BuildEmbarrassing(TbbGraph& g, int64_t n, Counters& c) {
  BuildEmbarrassingT<false>(g, n, c);
}
void BuildEmbarrassingWork(TbbGraph& g, int64_t n, Counters& c) {
  BuildEmbarrassingT<true>(g, n, c);
}
void BuildWavefront(TbbGraph& g, int64_t side, Counters& c) {
  BuildWavefrontT<false>(g, side, c);
}
void BuildWavefrontWork(TbbGraph& g, int64_t side, Counters& c) {
  BuildWavefrontT<true>(g, side, c);
}

using Builder = void (*)(TbbGraph&, int64_t, Counters&);

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

void RunBuilt(benchmark::State& state, Builder build) {
  {
    const int threads = static_cast<int>(state.range(1));
    tbb::global_control parallelism(
        tbb::global_control::max_allowed_parallelism, threads);
    tbb::task_arena arena(threads);
    arena.execute([] {  // Warm-up, untimed.
      Counters c;
      TbbGraph g;
      BuildEmbarrassing(g, 1000, c);
      g.Run();
    });
    const int64_t arg = state.range(0);
    const int64_t work = WorkOf(state, build);
    for (auto _ : state) {
      Counters c;
      c.work = work;
      bool ok = false;
      arena.execute([&] {
        TbbGraph g;
        build(g, arg, c);
        g.Run();
        ok = Check(build, arg, c, 1);
      });
      if (!ok) {
        state.SkipWithError("wrong result");
        break;
      }
    }
    state.SetItemsProcessed(state.iterations() * NodesOf(build, arg));
  }
  LetTbbWorkersSettle();
}

void RunPrebuilt(benchmark::State& state, Builder build) {
  {
    const int threads = static_cast<int>(state.range(1));
    tbb::global_control parallelism(
        tbb::global_control::max_allowed_parallelism, threads);
    tbb::task_arena arena(threads);
    const int64_t arg = state.range(0);
    Counters c;
    c.work = WorkOf(state, build);
    TbbGraph g;
    arena.execute([&] {
      build(g, arg, c);
      g.Run();  // Warm-up, untimed.
    });
    int64_t runs = 1;
    for (auto _ : state) {
      arena.execute([&] { g.Run(); });
      ++runs;
    }
    if (!Check(build, arg, c, runs)) state.SkipWithError("wrong result");
    state.SetItemsProcessed(state.iterations() * NodesOf(build, arg));
    arena.execute([&] { g.nodes.clear(); });
  }
  LetTbbWorkersSettle();
}

MULTIRUN_GRAPH_BENCHMARKS(Tbb);

}  // namespace
}  // namespace graph_benchmark
}  // namespace multirun
